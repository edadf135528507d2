/* The C tests' check macro: counts passes and failures, prints each failed
 * condition with the library's last error message, and `checks_report()`
 * prints "N passed, N failed" and gives the exit status. Included by the
 * tests; not part of the library. */
#ifndef LOCKER_TEST_CHECK_H
#define LOCKER_TEST_CHECK_H

#include <stdio.h>

#include "locker.h"

static int passed = 0;
static int failed = 0;

#define CHECK(cond)                                                        \
  do {                                                                     \
    if (cond) {                                                            \
      passed++;                                                            \
    } else {                                                               \
      failed++;                                                            \
      fprintf(stderr, "%s:%d: check failed: %s (last error: %s)\n",        \
              __FILE__, __LINE__, #cond, locker_last_error_message());     \
    }                                                                      \
  } while (0)

static int checks_report(void) {
  printf("%d passed, %d failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}

#endif
