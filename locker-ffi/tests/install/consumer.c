/*
 * A program that uses an installed liblocker the way a vendor's would:
 * the header and the library come from the install tree (through CMake's
 * find_package or pkg-config), nothing from the source tree. It checks the
 * library it runs with is the one its header describes, and makes one
 * real call into it. Built and run by check.sh.
 */
#include <locker.h>

#include <stdio.h>
#include <string.h>

#define STR_(x) #x
#define STR(x) STR_(x)

int main(void) {
    const char *linked = locker_version();
    const char *header = STR(LOCKER_VERSION_MAJOR) "." STR(LOCKER_VERSION_MINOR) "." STR(
        LOCKER_VERSION_PATCH);
    if (linked == NULL || strcmp(linked, header) != 0) {
        fprintf(stderr, "header says %s, library says %s\n", header, linked ? linked : "(null)");
        return 1;
    }
    const char *ok = locker_status_message(LOCKER_OK);
    if (ok == NULL || ok[0] == '\0') {
        fprintf(stderr, "locker_status_message(LOCKER_OK) is empty\n");
        return 1;
    }
    printf("liblocker %s: LOCKER_OK is \"%s\"\n", linked, ok);
    return 0;
}
