/* A courier's whole load through the C API: planned against the free doors
 * (locker_plan_drop_off_batch), dropped off step by step
 * (locker_deposit_planned), restored from the journal; and bad input,
 * refused with a status and nothing changed. Built by scripts/ci/c with
 *   gcc -std=c11 -Wall -Wextra -Werror
 * and run under valgrind. Prints "N passed, N failed". */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "board.h"
#include "check.h"
#include "locker.h"
#include "people.h"

/* Three small parcels for unit 41 (one small door holds them), one for
 * unit 42, one two metres long that no door takes. */
static const char *LOAD =
    "["
    "{\"parcel\": {\"id\": 1, \"size\": {\"width_mm\": 300, \"depth_mm\": 200, "
    "\"height_mm\": 40}, \"weight_g\": 800}, \"recipient\": 41},"
    "{\"parcel\": {\"id\": 2, \"size\": {\"width_mm\": 300, \"depth_mm\": 200, "
    "\"height_mm\": 40}, \"weight_g\": 800}, \"recipient\": 42},"
    "{\"parcel\": {\"id\": 3, \"size\": {\"width_mm\": 300, \"depth_mm\": 200, "
    "\"height_mm\": 40}, \"weight_g\": 800}, \"recipient\": 41},"
    "{\"parcel\": {\"id\": 4, \"size\": {\"width_mm\": 2000, \"depth_mm\": 300, "
    "\"height_mm\": 300}, \"weight_g\": 5000}, \"recipient\": 43},"
    "{\"parcel\": {\"id\": 5, \"size\": {\"width_mm\": 300, \"depth_mm\": 200, "
    "\"height_mm\": 40}, \"weight_g\": 800}, \"recipient\": 41}"
    "]";

/* Copies the JSON object that starts at the first '{' at or after `at`
 * into `out` (braces counted; the plan's strings hold none); returns a
 * pointer past it, or NULL. */
static const char *next_object(const char *at, char *out, size_t cap) {
  const char *start = strchr(at, '{');
  if (start == NULL) return NULL;
  int depth = 0;
  for (const char *c = start; *c != '\0'; c++) {
    if (*c == '{') depth++;
    if (*c == '}' && --depth == 0) {
      size_t len = (size_t)(c - start + 1);
      if (len >= cap) return NULL;
      memcpy(out, start, len);
      out[len] = '\0';
      return c + 1;
    }
  }
  return NULL;
}

/* The number after `"key":` in `json`, or 0. */
static uint64_t json_number(const char *json, const char *key) {
  char pattern[64];
  snprintf(pattern, sizeof pattern, "\"%s\":", key);
  const char *at = strstr(json, pattern);
  return at == NULL ? 0 : strtoull(at + strlen(pattern), NULL, 10);
}

static void test_bad_input_changes_nothing(locker *l, board *b,
                                           locker_courier_session *session) {
  uint64_t records = board_records(b);
  char *out = NULL;
  CHECK(locker_plan_drop_off_batch(l, session, LOAD, NULL, NULL) ==
        LOCKER_NULL_POINTER);
  CHECK(locker_plan_drop_off_batch(l, NULL, LOAD, NULL, &out) ==
        LOCKER_NULL_POINTER);
  CHECK(locker_plan_drop_off_batch(l, session, NULL, NULL, &out) ==
        LOCKER_NULL_POINTER);
  CHECK(locker_plan_drop_off_batch(l, session, "\xc3\x28", NULL, &out) ==
        LOCKER_INVALID_UTF8);
  /* Unknown fields and wrong types are named. */
  CHECK(locker_plan_drop_off_batch(
            l, session, "[{\"parcel\": 1, \"recipient\": 41}]", NULL, &out) ==
        LOCKER_INVALID_ARGUMENT);
  CHECK(strstr(locker_last_error_message(), "requests_json") != NULL);
  CHECK(locker_plan_drop_off_batch(l, session, LOAD, "{\"budget\": 5}", &out) ==
        LOCKER_INVALID_ARGUMENT);
  CHECK(strstr(locker_last_error_message(), "budget") != NULL);
  CHECK(locker_plan_drop_off_batch(l, session, LOAD, "{\"seed\": \"x\"}",
                                   &out) == LOCKER_INVALID_ARGUMENT);
  const char *twice =
      "[{\"parcel\": {\"id\": 9, \"size\": {\"width_mm\": 300, \"depth_mm\": "
      "200, \"height_mm\": 40}, \"weight_g\": 800}, \"recipient\": 41},"
      "{\"parcel\": {\"id\": 9, \"size\": {\"width_mm\": 300, \"depth_mm\": "
      "200, \"height_mm\": 40}, \"weight_g\": 800}, \"recipient\": 42}]";
  CHECK(locker_plan_drop_off_batch(l, session, twice, NULL, &out) ==
        LOCKER_DUPLICATE_IN_BATCH);
  CHECK(strcmp(locker_status_message(LOCKER_DUPLICATE_IN_BATCH), "") != 0);
  const char *flat =
      "[{\"parcel\": {\"id\": 9, \"size\": {\"width_mm\": 0, \"depth_mm\": "
      "200, \"height_mm\": 40}, \"weight_g\": 800}, \"recipient\": 41}]";
  CHECK(locker_plan_drop_off_batch(l, session, flat, NULL, &out) ==
        LOCKER_PARCEL_INVALID);
  CHECK(out == NULL); /* never written on error */

  locker_drop_off result;
  memset(&result, 0, sizeof result);
  CHECK(locker_deposit_planned(l, session, "{\"door\": 1}", &result) ==
        LOCKER_INVALID_ARGUMENT);
  CHECK(locker_deposit_planned(l, session, NULL, &result) ==
        LOCKER_NULL_POINTER);
  CHECK(locker_deposit_planned(l, session, "{}", NULL) == LOCKER_NULL_POINTER);
  CHECK(!result.opened && result.compartment == 0);
  CHECK(board_records(b) == records);
}

static void test_batch(void) {
  board b;
  board_init(&b, T0);
  locker_hardware hw = board_hardware(&b);
  locker *l = NULL;
  CHECK(locker_new(CONFIG, &hw, &l) == LOCKER_OK);
  if (l == NULL) return;
  uint8_t keys[LOCKER_KEYS_HEADER_BYTES + LOCKER_KEY_ENTRY_BYTES];
  size_t written = 0;
  CHECK(locker_keys_export(l, keys, sizeof keys, &written) == LOCKER_OK);
  char *code = NULL;
  CHECK(locker_issue_courier_code(l, 1, DAY, &code) == LOCKER_OK);
  locker_courier_session *session = NULL;
  CHECK(locker_courier_sign_in(l, 1, code, &session) == LOCKER_OK);

  test_bad_input_changes_nothing(l, &b, session);

  char *plan = NULL;
  CHECK(locker_plan_drop_off_batch(l, session, LOAD,
                                   "{\"max_iterations\": 5000, \"seed\": 3}",
                                   &plan) == LOCKER_OK);
  if (plan == NULL) return;
  CHECK(json_number(plan, "doors") == 2);
  CHECK(strstr(plan, "\"overflow\":[{\"parcel\":{\"id\":4") != NULL);
  char *events = take_events(l);
  CHECK(events != NULL && strstr(events, "\"type\":\"overflow\"") != NULL);
  free(events);

  /* Door by door: each step opens its door, the courier puts the parcel
   * in and closes it, and the resident hears of it. */
  char step[2048];
  char pin_41[32] = "";
  uint32_t door_41 = 0;
  int steps = 0;
  const char *at = strstr(plan, "\"steps\":[");
  const char *end = strstr(plan, "\"overflow\":");
  while (at != NULL && (at = next_object(at, step, sizeof step)) != NULL &&
         at < end) {
    steps++;
    locker_drop_off result;
    memset(&result, 0, sizeof result);
    CHECK(locker_deposit_planned(l, session, step, &result) == LOCKER_OK);
    CHECK(result.opened && result.compartment == json_number(step, "compartment"));
    uint32_t door = result.compartment;
    board_open(&b, door);
    b.occupied[door] = true;
    board_close(&b, door);
    CHECK(locker_door_closed(l, door) == LOCKER_OK);
    events = take_events(l);
    CHECK(events != NULL && strstr(events, "\"type\":\"parcel_ready\"") != NULL);
    if (json_number(step, "recipient") == 41) {
      CHECK(door_41 == 0 || door_41 == door); /* one door for unit 41 */
      door_41 = door;
      CHECK(events != NULL && json_string(events, "pin", pin_41, 32) != NULL);
    }
    free(events);
  }
  CHECK(steps == 4);
  locker_string_free(plan);

  /* A rotated courier code ends the session: refused, nothing journaled. */
  char *rotated = NULL;
  CHECK(locker_issue_courier_code(l, 1, DAY, &rotated) == LOCKER_OK);
  uint64_t records = board_records(&b);
  char *refused = NULL;
  CHECK(locker_plan_drop_off_batch(l, session, "[]", NULL, &refused) ==
        LOCKER_CREDENTIAL_REVOKED);
  CHECK(refused == NULL && board_records(&b) == records);
  locker_courier_session_free(session);
  locker_string_free(rotated);
  locker_string_free(code);

  /* A reboot: the journal rebuilds the locker, and unit 41's last PIN
   * opens the door that holds its three parcels. */
  locker_free(l);
  l = NULL;
  CHECK(locker_restore(keys, sizeof keys, &hw, NULL, false, &l) == LOCKER_OK);
  if (l == NULL) return;
  uint32_t *doors = NULL;
  size_t count = 0;
  uint64_t unit = 41;
  CHECK(locker_pickup_pin(l, 1, &unit, pin_41, &doors, &count) == LOCKER_OK);
  free_doors_checked(doors, count, door_41);
  empty_door(l, &b, door_41);
  events = take_events(l);
  CHECK(events != NULL && strstr(events, "\"parcels\":[1,3,5]") != NULL);
  free(events);
  locker_free(l);
  free(b.journal);
}

int main(void) {
  test_batch();
  return checks_report();
}
