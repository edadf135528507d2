/* Smoke test of the C API, built by scripts/ci/c with
 *   gcc -std=c11 -Wall -Wextra -Werror -Iinclude
 * against both the static and the shared library, and run under valgrind.
 * Prints "N passed, N failed" and exits non-zero on any failure. */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "locker.h"

static locker_dimensions dims(uint32_t w, uint32_t d, uint32_t h) {
  locker_dimensions out = {w, d, h};
  return out;
}

static void test_version(void) {
  const char *version = locker_version();
  CHECK(version != NULL);
  CHECK(strlen(version) >= 5); /* "0.1.0" */
  CHECK(strchr(version, '.') != NULL);
  /* The header's version macros name the library it belongs to. */
  char from_macros[32];
  snprintf(from_macros, sizeof from_macros, "%u.%u.%u", (unsigned)LOCKER_VERSION_MAJOR,
           (unsigned)LOCKER_VERSION_MINOR, (unsigned)LOCKER_VERSION_PATCH);
  CHECK(strcmp(version, from_macros) == 0);
}

static void test_status_messages(void) {
  CHECK(strcmp(locker_status_message(LOCKER_OK), "ok") == 0);
  CHECK(strstr(locker_status_message(LOCKER_ZERO_SIDE), "0 mm") != NULL);
  CHECK(strcmp(locker_status_message(12345u), "unknown status") == 0);
  CHECK(LOCKER_BOUND_EXCEEDED == 204 && LOCKER_WEAK_ENTROPY == 205);
  CHECK(strstr(locker_status_message(LOCKER_BOUND_EXCEEDED), "bound") != NULL);
  CHECK(strstr(locker_status_message(LOCKER_WEAK_ENTROPY), "entropy") != NULL);
  /* A journal of another bank: its own number, next to the key ring's. */
  CHECK(LOCKER_JOURNAL_WRONG_KEY_RING == 616 && LOCKER_JOURNAL_WRONG_BANK == 617);
  CHECK(strstr(locker_status_message(LOCKER_JOURNAL_WRONG_BANK), "another bank") != NULL);
  /* The journal on flash: after the journal's, before the state's. */
  CHECK(LOCKER_FLASH_FAILED == 618 && LOCKER_FLASH_LAYOUT == 619 &&
        LOCKER_FLASH_FULL == 620 && LOCKER_FLASH_NEEDS_COMPACTION == 621 &&
        LOCKER_NO_FLASH == 622 && LOCKER_FLASH_DAMAGED == 623 &&
        LOCKER_JOURNAL_OUT_OF_MEMORY == 624);
  CHECK(strstr(locker_status_message(LOCKER_FLASH_FULL), "full") != NULL);
  CHECK(strstr(locker_status_message(LOCKER_FLASH_LAYOUT), "erase blocks") != NULL);
  CHECK(strstr(locker_status_message(LOCKER_FLASH_DAMAGED), "no journal") != NULL);
  CHECK(strstr(locker_status_message(LOCKER_JOURNAL_OUT_OF_MEMORY), "do not erase") != NULL);
  CHECK(strcmp(locker_status_message(625), "unknown status") == 0);
}

static void test_fits(void) {
  bool fits = false;
  locker_orientation orientation = LOCKER_ORIENTATION_HDW;

  /* A 600 mm parcel needs a quarter turn to lie along a 640 mm depth. */
  CHECK(locker_fits(dims(600, 100, 50), dims(380, 640, 80), false, &fits,
                    &orientation) == LOCKER_OK);
  CHECK(fits);
  CHECK(orientation == LOCKER_ORIENTATION_DWH);

  /* "This side up" forbids tipping a tall box into a flat space. */
  orientation = LOCKER_ORIENTATION_WDH;
  CHECK(locker_fits(dims(100, 100, 300), dims(400, 400, 200), true, &fits,
                    &orientation) == LOCKER_OK);
  CHECK(!fits);
  CHECK(orientation == LOCKER_ORIENTATION_WDH); /* untouched */
}

static void test_errors_leave_out_parameters_alone(void) {
  bool fits = true;
  locker_orientation orientation = LOCKER_ORIENTATION_HWD;
  CHECK(locker_fits(dims(1, 0, 1), dims(1, 1, 1), false, &fits,
                    &orientation) == LOCKER_ZERO_SIDE);
  CHECK(locker_fits(dims(1, 1, 1), dims(1, 1, 9000), false, &fits,
                    &orientation) == LOCKER_SIDE_TOO_LONG);
  CHECK(locker_fits(dims(1, 1, 1), dims(1, 1, 1), false, NULL,
                    &orientation) == LOCKER_NULL_POINTER);
  CHECK(locker_fits(dims(1, 1, 1), dims(1, 1, 1), false, &fits, NULL) ==
        LOCKER_NULL_POINTER);
  CHECK(fits);
  CHECK(orientation == LOCKER_ORIENTATION_HWD);
}

/* Parcels into compartments of different sizes (the core's JSON shapes):
 * every parcel placed, the answer deterministic, bad input a typed status
 * that leaves the out-parameter alone. */
static void test_pack_into(void) {
  const char *compartments =
      "[{\"id\": 1, \"space\": {\"width_mm\": 370, \"depth_mm\": 630, \"height_mm\": 400},"
      " \"max_weight_g\": 25000},"
      " {\"id\": 2, \"space\": {\"width_mm\": 310, \"depth_mm\": 210, \"height_mm\": 110}}]";
  const char *parcels =
      "[{\"id\": 1, \"size\": {\"width_mm\": 398, \"depth_mm\": 370, \"height_mm\": 100},"
      " \"weight_g\": 900},"
      " {\"id\": 2, \"size\": {\"width_mm\": 300, \"depth_mm\": 200, \"height_mm\": 100},"
      " \"weight_g\": 500, \"this_side_up\": true}]";
  const char *options = "{\"objective\": \"least_volume\", \"max_iterations\": 2000, \"seed\": 7}";
  char *json = NULL;
  CHECK(locker_pack_into(compartments, parcels, options, &json) == LOCKER_OK);
  CHECK(json != NULL && strstr(json, "\"unplaced\":[]") != NULL);
  char *again = NULL;
  CHECK(locker_pack_into(compartments, parcels, options, &again) == LOCKER_OK);
  CHECK(json != NULL && again != NULL && strcmp(json, again) == 0);
  locker_string_free(json);
  locker_string_free(again);
  /* NULL options: the defaults (fewest compartments). */
  json = NULL;
  CHECK(locker_pack_into(compartments, "[]", NULL, &json) == LOCKER_OK);
  CHECK(json != NULL && strstr(json, "\"bins\":[]") != NULL);
  locker_string_free(json);

  char *untouched = (char *)"untouched";
  json = untouched;
  CHECK(locker_pack_into(compartments, parcels, "{\"budget\": 1}", &json) ==
        LOCKER_INVALID_ARGUMENT);
  CHECK(strstr(locker_last_error_message(), "budget") != NULL);
  CHECK(locker_pack_into("[{\"id\": 1, \"space\": {\"width_mm\": 0, \"depth_mm\": 1,"
                         " \"height_mm\": 1}}]",
                         parcels, NULL, &json) == LOCKER_ZERO_SIDE);
  CHECK(locker_pack_into("[{\"id\": 1, \"space\": {\"width_mm\": 9, \"depth_mm\": 9,"
                         " \"height_mm\": 9}}, {\"id\": 1, \"space\": {\"width_mm\": 9,"
                         " \"depth_mm\": 9, \"height_mm\": 9}}]",
                         "[]", NULL, &json) == LOCKER_PACK_DUPLICATE_COMPARTMENT);
  CHECK(locker_pack_into(compartments,
                         "[{\"id\": 1, \"size\": {\"width_mm\": 1, \"depth_mm\": 1,"
                         " \"height_mm\": 1}, \"weight_g\": 1}, {\"id\": 1, \"size\":"
                         " {\"width_mm\": 1, \"depth_mm\": 1, \"height_mm\": 1},"
                         " \"weight_g\": 1}]",
                         NULL, &json) == LOCKER_PARCEL_ALREADY_STORED);
  CHECK(locker_pack_into(NULL, parcels, NULL, &json) == LOCKER_NULL_POINTER);
  CHECK(locker_pack_into(compartments, parcels, NULL, NULL) == LOCKER_NULL_POINTER);
  CHECK(json == untouched);
  CHECK(LOCKER_PACK_INVALID == 900 && LOCKER_PACK_DUPLICATE_COMPARTMENT == 901);
}

int main(void) {
  test_version();
  test_status_messages();
  test_fits();
  test_errors_leave_out_parameters_alone();
  test_pack_into();
  return checks_report();
}
