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
        LOCKER_NO_FLASH == 622 && LOCKER_FLASH_DAMAGED == 623);
  CHECK(strstr(locker_status_message(LOCKER_FLASH_FULL), "full") != NULL);
  CHECK(strstr(locker_status_message(LOCKER_FLASH_LAYOUT), "erase blocks") != NULL);
  CHECK(strstr(locker_status_message(LOCKER_FLASH_DAMAGED), "no journal") != NULL);
  CHECK(strcmp(locker_status_message(624), "unknown status") == 0);
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

int main(void) {
  test_version();
  test_status_messages();
  test_fits();
  test_errors_leave_out_parameters_alone();
  return checks_report();
}
