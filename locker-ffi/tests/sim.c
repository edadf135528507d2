/* The building simulation through a real locker from C
 * (locker_simulate_locker): its journal reads with locker_journal_stats
 * and agrees with its statistics; bad buildings are refused by name.
 * Built and run by scripts/ci/c like the other tests. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "locker.h"

/* The unsigned number after `"key":` in `json` (the first one), or -1. */
static long long number_after(const char *json, const char *key) {
  char pattern[64];
  snprintf(pattern, sizeof pattern, "\"%s\":", key);
  const char *at = json == NULL ? NULL : strstr(json, pattern);
  if (at == NULL) return -1;
  return strtoll(at + strlen(pattern), NULL, 10);
}

static void test_journal_agrees_with_the_result(void) {
  const char *building = "{\"units\":40,\"days\":5,\"seed\":3}";
  char *result = NULL;
  char *journal = NULL;
  CHECK(locker_simulate_locker(building, NULL, &result, &journal) == LOCKER_OK);
  CHECK(result != NULL && journal != NULL);
  long long arrivals = number_after(result, "arrivals");
  CHECK(arrivals > 0);
  CHECK(arrivals == number_after(result, "placed") + number_after(result, "overflow"));
  CHECK(strstr(result, "\"occupancy_by_hour\":[") != NULL);

  char *stats = NULL;
  CHECK(locker_journal_stats(journal, strlen(journal), 0, &stats) == LOCKER_OK);
  CHECK(number_after(stats, "parcels_offered") == arrivals);
  CHECK(number_after(stats, "parcels_stored") == number_after(result, "placed"));
  CHECK(number_after(stats, "parcels_overflowed") == number_after(result, "overflow"));
  CHECK(number_after(stats, "parcels_collected") == number_after(result, "picked_up"));
  /* The same building, the same journal. */
  char *again = NULL;
  char *again_journal = NULL;
  CHECK(locker_simulate_locker(building, NULL, &again, &again_journal) == LOCKER_OK);
  CHECK(again_journal != NULL && strcmp(again_journal, journal) == 0);
  locker_string_free(again);
  locker_string_free(again_journal);
  locker_string_free(stats);
  locker_string_free(result);
  locker_string_free(journal);
}

/* A refusal with `status`, its message containing `words`, the
 * out-parameters left alone. */
static void refused(const char *building, const char *bank, locker_status status, const char *words) {
  char *result = NULL;
  char *journal = NULL;
  CHECK(locker_simulate_locker(building, bank, &result, &journal) == status);
  CHECK(strstr(locker_last_error_message(), words) != NULL);
  CHECK(result == NULL && journal == NULL);
}

static void test_refusals(void) {
  refused("{\"days\":1,\"season\":[0,0,0,0,0,0,0,0,0,0,0,0]}", NULL, LOCKER_SIM_INVALID_FIELD, "season is all 0");
  refused("{\"days\":1,\"carriers\":[{\"name\":\"a\",\"share\":1,\"rounds\":[10,9]}]}", NULL,
          LOCKER_SIM_INVALID_FIELD, "carriers[0].rounds[0]");
  refused("{\"days\":1,\"away\":{\"min_days\":5,\"max_days\":3}}", NULL, LOCKER_SIM_INVALID_FIELD, "away.max_days");
  refused("{\"days\":1,\"season\":[1,1]}", NULL, LOCKER_INVALID_ARGUMENT, "building_json: invalid length 2");
  refused("{\"days\":1,\"carriers\":[{\"name\":\"a\",\"share\":1,\"rounds\":[9],\"colour\":1}]}", NULL,
          LOCKER_INVALID_ARGUMENT, "unknown field `colour`");
  refused("{\"units\":\"many\"}", NULL, LOCKER_INVALID_ARGUMENT, "building_json");
  refused("{\"days\":1}", "{\"name\":\"x\",\"compartments\":[]}", LOCKER_CONFIG_INVALID, "bank_json");
  refused("{\"days\":1}", "not json", LOCKER_CONFIG_INVALID, "bank_json");
  refused("{\"days\":\xff}", NULL, LOCKER_INVALID_UTF8, "building_json");
  char *out = NULL;
  CHECK(locker_simulate_locker("{\"days\":1}", NULL, NULL, &out) == LOCKER_NULL_POINTER);
  CHECK(locker_simulate_locker("{\"days\":1}", NULL, &out, NULL) == LOCKER_NULL_POINTER);
  CHECK(out == NULL);
  CHECK(strcmp(locker_status_message(LOCKER_SIM_INVALID_FIELD), "a building field of the simulation is invalid") == 0);
}

int main(void) {
  test_journal_agrees_with_the_result();
  test_refusals();
  return checks_report();
}
