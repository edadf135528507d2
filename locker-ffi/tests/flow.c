/* The whole flow through the C API with a lock board written in C
 * (board.h): configuration, courier drop-off, resident pickup, expiry and
 * return, failing unlocks, a failing journal, a restore from the journal
 * after a simulated reboot, delegation, remote opening, and a program
 * built against an older header (a smaller locker_hardware, without
 * uptime_s). Built by scripts/ci/c with
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
#include "remote_commands.h"

/* A TRNG that counts (or a driver that hands over its buffer index). */
static int counting_fill_random(void *ctx, uint8_t *buf, size_t len) {
  (void)ctx;
  for (size_t i = 0; i < len; i++) buf[i] = (uint8_t)(0x40 + i);
  return LOCKER_HW_OK;
}

static void test_arguments(void) {
  board b;
  board_init(&b, T0);
  locker_hardware hw = board_hardware(&b);
  locker *l = NULL;

  CHECK(locker_new(NULL, NULL, &l) == LOCKER_NULL_POINTER);
  CHECK(strstr(locker_last_error_message(), "hardware") != NULL);
  CHECK(locker_new(NULL, &hw, NULL) == LOCKER_NULL_POINTER);
  CHECK(locker_new("{\"bank\": 5}", &hw, &l) == LOCKER_CONFIG_INVALID);
  CHECK(strstr(locker_last_error_message(), "config_json") != NULL);
  CHECK(locker_new("{\"bank\": {\"name\": \"x\", \"compartments\": []}}", &hw,
                   &l) == LOCKER_CONFIG_INVALID);
  CHECK(locker_new("\xff\xfe", &hw, &l) == LOCKER_INVALID_UTF8);
  CHECK(l == NULL); /* out-parameters untouched on error */

  /* The struct carries its size: 0 (forgotten) or a size no version of
   * the header has (a newer header's, a struct cut mid-field) is refused
   * before anything else is read. (An older header's size is read:
   * test_older_caller.) */
  locker_hardware unsized = hw;
  unsized.size = 0;
  CHECK(locker_new(NULL, &unsized, &l) == LOCKER_STRUCT_SIZE);
  CHECK(strstr(locker_last_error_message(), "sizeof(locker_hardware)") != NULL);
  unsized.size = sizeof unsized - 4;
  CHECK(locker_new(NULL, &unsized, &l) == LOCKER_STRUCT_SIZE);
  unsized.size = offsetof(locker_hardware, uptime_s) - sizeof(void *);
  CHECK(locker_new(NULL, &unsized, &l) == LOCKER_STRUCT_SIZE);
  unsized.size = sizeof unsized + 8;
  CHECK(locker_new(NULL, &unsized, &l) == LOCKER_STRUCT_SIZE);
  CHECK(l == NULL && b.journal_len == 0);
  /* Half a monotonic counter is refused. */
  locker_hardware half = hw;
  half.monotonic_counter = board_monotonic_counter;
  CHECK(locker_new(NULL, &half, &l) == LOCKER_NULL_POINTER);
  CHECK(strstr(locker_last_error_message(), "raise_monotonic_counter") != NULL);
  /* Strict JSON: an unknown field of the configuration is refused. */
  CHECK(locker_new("{\"bank_idd\": 3}", &hw, &l) == LOCKER_CONFIG_INVALID);
  CHECK(strstr(locker_last_error_message(), "bank_idd") != NULL);

  locker_hardware no_unlock = hw;
  no_unlock.unlock = NULL;
  CHECK(locker_new(NULL, &no_unlock, &l) == LOCKER_NULL_POINTER);
  CHECK(strstr(locker_last_error_message(), "unlock") != NULL);

  b.entropy_fails = true;
  CHECK(locker_new(NULL, &hw, &l) == LOCKER_ENTROPY_UNAVAILABLE);
  b.entropy_fails = false;
  /* Bytes no random source gives are no entropy either: a counter has 32
   * distinct values, yet one step between them. */
  locker_hardware counting = hw;
  counting.fill_random = counting_fill_random;
  CHECK(locker_new(NULL, &counting, &l) == LOCKER_ENTROPY_UNAVAILABLE);
  CHECK(strstr(locker_last_error_message(), "no random source") != NULL);
  b.clock_fails = true;
  CHECK(locker_new(NULL, &hw, &l) == LOCKER_CLOCK_FAULT);
  b.clock_fails = false;
  CHECK(b.journal_len == 0); /* nothing was journaled */

  /* The default bank (NULL config). */
  CHECK(locker_new(NULL, &hw, &l) == LOCKER_OK);
  CHECK(l != NULL);
  CHECK(strcmp(locker_last_error_message(), "") == 0);
  CHECK(b.journal_len > 0);

  char *code = NULL;
  CHECK(locker_issue_courier_code(NULL, 1, DAY, &code) == LOCKER_NULL_POINTER);
  CHECK(locker_issue_courier_code(l, 1, DAY, NULL) == LOCKER_NULL_POINTER);
  uint32_t *doors = NULL;
  size_t count = 0;
  uint64_t unit = 12;
  CHECK(locker_pickup_pin(l, 1, &unit, "\xc3\x28", &doors, &count) ==
        LOCKER_INVALID_UTF8);
  CHECK(locker_pickup_pin(l, 1, &unit, NULL, &doors, &count) ==
        LOCKER_NULL_POINTER);
  CHECK(locker_pickup_pin(l, 1, &unit, "12345678", &doors, &count) ==
        LOCKER_CREDENTIAL_REJECTED);
  CHECK(locker_pickup_pin(l, 1, NULL, "12345678", &doors, &count) ==
        LOCKER_CREDENTIAL_UNIT_REQUIRED);
  CHECK(doors == NULL && count == 0);
  CHECK(locker_door_closed(l, 3) == LOCKER_DOOR_NOT_OPEN_FOR);
  CHECK(locker_staff_open(l, 3, "") == LOCKER_INVALID_ARGUMENT);
  CHECK(locker_reopen(l, 3) == LOCKER_NOT_IN_GRACE);
  locker_parcel bad = parcel(1, 0, 10, 10);
  CHECK(locker_deposit(l, NULL, &bad, 1, false, NULL) == LOCKER_NULL_POINTER);

  /* Status messages and unknown numbers. */
  CHECK(strcmp(locker_status_message(LOCKER_OK), "ok") == 0);
  CHECK(strstr(locker_status_message(LOCKER_DOOR_JAMMED), "jammed") != NULL);
  CHECK(strcmp(locker_status_message(4242u), "unknown status") == 0);

  /* A callback calling back into the same locker is refused, not UB. */
  b.reenter = l;
  CHECK(locker_tick(l) == LOCKER_OK);
  CHECK(b.reenter_status == LOCKER_BUSY);

  /* No-ops. */
  locker_free(NULL);
  locker_string_free(NULL);
  locker_doors_free(NULL, 0);
  locker_courier_session_free(NULL);
  locker_free(l);
  free(b.journal);
}

static void test_flow_and_reboot(void) {
  board b;
  board_init(&b, T0);
  locker_hardware hw = board_hardware(&b);
  locker *l = NULL;
  CHECK(locker_new(CONFIG, &hw, &l) == LOCKER_OK);
  if (l == NULL) return;

  /* The vendor keeps the site keys for restarts. */
  size_t keys_len = 0;
  CHECK(locker_keys_len(l, &keys_len) == LOCKER_OK);
  CHECK(keys_len == LOCKER_KEYS_HEADER_BYTES + LOCKER_KEY_ENTRY_BYTES);
  uint8_t keys[LOCKER_KEYS_HEADER_BYTES + LOCKER_KEY_ENTRY_BYTES];
  size_t written = 0;
  CHECK(locker_keys_export(l, keys, 4, &written) == LOCKER_BUFFER_TOO_SMALL);
  CHECK(written == 0);
  CHECK(locker_keys_export(l, keys, sizeof keys, &written) == LOCKER_OK);
  CHECK(written == sizeof keys && keys[0] == LOCKER_KEYS_FORMAT);

  /* The property gives carrier 1 a courier code. */
  char *code = NULL;
  CHECK(locker_issue_courier_code(l, 1, 30 * DAY, &code) == LOCKER_OK);
  CHECK(code != NULL && strlen(code) >= 6);
  locker_courier_session *session = NULL;
  CHECK(locker_courier_sign_in(l, 1, "000000000000", &session) ==
        LOCKER_CREDENTIAL_REJECTED);
  CHECK(session == NULL);

  /* Drop-off and pickup by PIN. */
  char pin[32], token[256];
  uint32_t door = drop_off(l, &b, code, 101, 12, pin, token);
  CHECK(door >= 1 && door <= 5);
  uint64_t unit = 12;
  uint32_t *doors = NULL;
  size_t count = 0;
  CHECK(locker_pickup_pin(l, 1, &unit, "00000000", &doors, &count) ==
        LOCKER_CREDENTIAL_REJECTED);
  b.now_s += 60;
  CHECK(locker_pickup_pin(l, 1, &unit, pin, &doors, &count) == LOCKER_OK);
  free_doors_checked(doors, count, door);
  empty_door(l, &b, door);
  char *events = take_events(l);
  CHECK(events != NULL && strstr(events, "\"type\":\"collected\"") != NULL);
  CHECK(events != NULL && strstr(events, "\"parcels\":[101]") != NULL);
  free(events);
  /* The PIN is spent. */
  CHECK(locker_pickup_pin(l, 1, &unit, pin, &doors, &count) != LOCKER_OK);

  /* Pickup by QR token. */
  uint32_t door_qr = drop_off(l, &b, code, 102, 14, pin, token);
  CHECK(door_qr != 0);
  CHECK(locker_pickup_qr(l, 2, token, &doors, &count) == LOCKER_OK);
  free_doors_checked(doors, count, door_qr);
  empty_door(l, &b, door_qr);

  /* Expiry: a parcel nobody collects is reminded, then expires; the carrier
   * takes it back with its return token. */
  uint32_t door_x = drop_off(l, &b, code, 103, 15, pin, token);
  CHECK(door_x != 0);
  CHECK(board_pass_time(&b, l, 2 * DAY + 3600) == LOCKER_OK);
  CHECK(locker_tick(l) == LOCKER_OK);
  events = take_events(l);
  CHECK(events != NULL && strstr(events, "\"type\":\"reminder\"") != NULL);
  free(events);
  CHECK(board_pass_time(&b, l, DAY) == LOCKER_OK);
  CHECK(locker_tick(l) == LOCKER_OK);
  events = take_events(l);
  char return_token[256] = "";
  CHECK(events != NULL && strstr(events, "\"type\":\"return_ready\"") != NULL);
  CHECK(events != NULL &&
        json_string(events, "qr_token", return_token, sizeof return_token));
  free(events);
  uint64_t unit15 = 15;
  /* The resident's PIN stopped working: revoked, or already pruned. */
  locker_status spent = locker_pickup_pin(l, 1, &unit15, pin, &doors, &count);
  CHECK(spent == LOCKER_CREDENTIAL_REVOKED || spent == LOCKER_CREDENTIAL_REJECTED);
  CHECK(locker_pickup_qr(l, 1, return_token, &doors, &count) == LOCKER_OK);
  free_doors_checked(doors, count, door_x);
  empty_door(l, &b, door_x);
  events = take_events(l);
  CHECK(events != NULL && strstr(events, "\"type\":\"returned\"") != NULL);
  free(events);

  /* The courier closes the door with nothing inside: the occupancy sensor
   * calls the drop-off off and the parcel stays with the courier. */
  locker_courier_session *session2 = NULL;
  CHECK(locker_courier_sign_in(l, 1, code, &session2) == LOCKER_OK);
  locker_parcel empty = parcel(110, 300, 200, 100);
  locker_drop_off result;
  memset(&result, 0, sizeof result);
  CHECK(locker_deposit(l, session2, &empty, 18, false, &result) == LOCKER_OK);
  CHECK(result.opened);
  board_open(&b, result.compartment);
  board_close(&b, result.compartment);
  CHECK(locker_door_closed(l, result.compartment) == LOCKER_OK);
  events = take_events(l);
  CHECK(events != NULL &&
        strstr(events, "\"type\":\"drop_off_aborted\"") != NULL);
  CHECK(events != NULL && strstr(events, "\"nothing_inserted\"") != NULL);
  free(events);

  /* A failing unlock at drop-off: the jammed door goes out of service and
   * the next best door opens. */
  b.now_s += 600;
  CHECK(locker_tick(l) == LOCKER_OK);
  b.jam_unlocks = 1;
  uint32_t door_j = drop_off(l, &b, code, 104, 16, pin, token);
  CHECK(door_j != 0 && door_j != b.last_jammed);
  uint32_t jammed = b.last_jammed;
  CHECK(locker_back_in_service(l, jammed) == LOCKER_OK);
  CHECK(locker_back_in_service(l, jammed) == LOCKER_DOOR_UNAVAILABLE);
  events = take_events(l); /* hardware_fault was raised before parcel_ready */
  free(events);

  /* A failing unlock at pickup: the PIN keeps working once the door is
   * repaired. */
  uint64_t unit16 = 16;
  b.jam_unlocks = 1;
  CHECK(locker_pickup_pin(l, 1, &unit16, pin, &doors, &count) ==
        LOCKER_DOOR_JAMMED);
  CHECK(strstr(locker_last_error_message(), "latch motor current") != NULL);
  events = take_events(l);
  CHECK(events != NULL && strstr(events, "\"type\":\"hardware_fault\"") != NULL);
  CHECK(events != NULL && strstr(events, "\"kind\":\"door_jammed\"") != NULL);
  /* What the board said comes with it. */
  CHECK(events != NULL &&
        strstr(events, "\"detail\":\"latch motor current 2.1 A\"") != NULL);
  free(events);
  CHECK(locker_pickup_pin(l, 1, &unit16, pin, &doors, &count) ==
        LOCKER_DOOR_UNAVAILABLE);
  CHECK(locker_back_in_service(l, door_j) == LOCKER_OK);

  /* A journal that refuses: the change is not made. */
  size_t journal_before = b.journal_len;
  b.append_fails = true;
  CHECK(locker_extend(l, door_j, DAY, &b.now_s) == LOCKER_JOURNAL_WRITE);
  CHECK(strstr(locker_last_error_message(), "journal_append returned -5") !=
        NULL);
  b.append_fails = false;
  CHECK(b.journal_len == journal_before);
  uint64_t expires_at_s = 0;
  CHECK(locker_extend(l, door_j, DAY, &expires_at_s) == LOCKER_OK);
  CHECK(expires_at_s > b.now_s);

  /* Power fails mid-drop-off: the door stands open with the parcel in. */
  memset(&result, 0, sizeof result);
  locker_parcel late = parcel(111, 300, 200, 100);
  CHECK(locker_deposit(l, session2, &late, 17, false, &result) == LOCKER_OK);
  locker_courier_session_free(session2);
  uint32_t door_p = result.compartment;
  board_open(&b, door_p);
  b.occupied[door_p] = true;

  /* Reboot: the RAM is gone, the journal and the keys are on flash. */
  locker_string_free(code);
  locker_free(l);
  l = NULL;
  b.now_s += 3600;
  board_close(&b, door_p); /* the courier shut it during the outage */

  /* A write torn by the power cut is cut off on restore. */
  size_t journal_len = b.journal_len;
  const char torn[] = "{\"v\":1,\"seq\":99999,\"at";
  const char room[] = "................................\n";
  CHECK(sizeof room > sizeof torn);
  CHECK(board_journal_append(&b, room, sizeof room - 1) == 0); /* room... */
  b.journal_len = journal_len; /* ...then write the torn bytes by hand */
  memcpy(b.journal + b.journal_len, torn, sizeof torn - 1);
  b.journal_len += sizeof torn - 1;
  locker_hardware no_truncate = hw;
  no_truncate.journal_truncate = NULL;
  CHECK(locker_restore(keys, sizeof keys, &no_truncate, NULL, false, &l) ==
        LOCKER_JOURNAL_TORN_TAIL);
  locker_hardware no_read = hw;
  no_read.journal_read = NULL;
  CHECK(locker_restore(keys, sizeof keys, &no_read, NULL, false, &l) ==
        LOCKER_NULL_POINTER);
  CHECK(locker_restore(keys, 3, &hw, NULL, false, &l) == LOCKER_KEYS_INVALID);

  /* An edited journal is refused, naming the record. */
  char *edit = strstr(b.journal, "\"parcel\":{\"id\":104");
  CHECK(edit != NULL);
  if (edit != NULL) {
    edit[17] = '5'; /* parcel 104 becomes 105 */
    CHECK(locker_restore(keys, sizeof keys, &hw, NULL, false, &l) ==
          LOCKER_JOURNAL_EDITED);
    CHECK(strstr(locker_last_error_message(), "was edited") != NULL);
    edit[17] = '4';
  }
  CHECK(l == NULL);
  /* A refused journal is left as it was: the torn tail is still there. */
  CHECK(b.journal_len == journal_len + sizeof torn - 1);
  /* The cut comes just before the restore's first append: when it fails,
   * so does the append, and nothing is written after the torn line. */
  b.truncate_fails = true;
  CHECK(locker_restore(keys, sizeof keys, &hw, NULL, false, &l) ==
        LOCKER_JOURNAL_WRITE);
  CHECK(strstr(locker_last_error_message(), "journal_truncate returned -5") !=
        NULL);
  CHECK(l == NULL && b.journal_len == journal_len + sizeof torn - 1);
  b.truncate_fails = false;

  CHECK(locker_restore(keys, sizeof keys, &hw, NULL, false, &l) == LOCKER_OK);
  /* The torn tail is gone: what the restore appended follows the last
   * whole line. */
  CHECK(b.journal_len > journal_len);
  CHECK(b.journal[journal_len - 1] == '\n');
  CHECK(strncmp(b.journal + journal_len, torn, sizeof torn - 1) != 0);
  if (l == NULL) return;

  /* The restore settled the open door with the occupancy sensor: the
   * interrupted drop-off is complete and the resident is told. */
  events = take_events(l);
  char late_pin[32] = "";
  CHECK(events != NULL && strstr(events, "\"type\":\"parcel_ready\"") != NULL);
  CHECK(events != NULL && json_string(events, "pin", late_pin, 32) != NULL);
  free(events);
  uint64_t unit17 = 17;
  CHECK(locker_pickup_pin(l, 1, &unit17, late_pin, &doors, &count) ==
        LOCKER_OK);
  free_doors_checked(doors, count, door_p);
  empty_door(l, &b, door_p);
  events = take_events(l);
  free(events);

  /* The restored locker knows the parcel and its PIN. */
  CHECK(locker_pickup_pin(l, 1, &unit16, pin, &doors, &count) == LOCKER_OK);
  free_doors_checked(doors, count, door_j);
  empty_door(l, &b, door_j);
  events = take_events(l);
  CHECK(events != NULL && strstr(events, "\"parcels\":[104]") != NULL);
  free(events);

  /* Staff actions. */
  CHECK(locker_staff_open(l, 2, "cleaning") == LOCKER_OK);
  board_open(&b, 2);
  board_close(&b, 2);
  CHECK(locker_tick(l) == LOCKER_OK); /* the sweep sees it closed */
  CHECK(locker_set_out_of_service(l, 2, "hinge broken") == LOCKER_OK);
  CHECK(locker_back_in_service(l, 2) == LOCKER_OK);
  CHECK(locker_hold(l, 16, b.now_s - 1) == LOCKER_INVALID_ARGUMENT);
  CHECK(locker_hold(l, 16, b.now_s + DAY) == LOCKER_OK);
  CHECK(locker_inspect(l, 2, true) == LOCKER_NOT_INTERRUPTED);

  locker_free(l);
  free(b.journal);
}

static void test_rfid_and_keys(void) {
  board b;
  board_init(&b, T0);
  locker_hardware hw = board_hardware(&b);
  /* Provisioned keys (for example shared with a cloud issuer). */
  uint8_t keys[LOCKER_KEYS_HEADER_BYTES + LOCKER_KEY_ENTRY_BYTES];
  provisioned_keys(keys);
  locker *l = NULL;
  CHECK(locker_new_with_keys(CONFIG, keys, sizeof keys, &hw, &l) == LOCKER_OK);
  if (l == NULL) return;
  uint8_t out[64];
  size_t out_len = 0;
  CHECK(locker_keys_export(l, out, sizeof out, &out_len) == LOCKER_OK);
  CHECK(out_len == sizeof keys && memcmp(out, keys, sizeof keys) == 0);

  const uint8_t uid[] = {0x04, 0xa2, 0x1b, 0x33, 0x90, 0x10, 0x80};
  char *tag_pin = (char *)1;
  CHECK(locker_register_rfid(l, 21, uid, sizeof uid, false, &tag_pin) ==
        LOCKER_OK);
  CHECK(tag_pin == NULL);
  char *code = NULL;
  CHECK(locker_issue_courier_code(l, 1, DAY, &code) == LOCKER_OK);
  char pin[32], token[256];
  /* Parcels the bank cannot take, or that are not parcels at all. */
  locker_courier_session *session = NULL;
  CHECK(locker_courier_sign_in(l, 1, code, &session) == LOCKER_OK);
  locker_drop_off result;
  memset(&result, 0, sizeof result);
  locker_parcel huge = parcel(300, 2000, 500, 500);
  CHECK(locker_deposit(l, session, &huge, 21, false, &result) == LOCKER_OK);
  CHECK(!result.opened && result.overflow == LOCKER_OVERFLOW_NOTHING_FITS);
  /* Declared to fit only the large door; the courier finds it too small. */
  locker_parcel big = parcel(303, 350, 550, 500);
  CHECK(locker_deposit(l, session, &big, 21, false, &result) == LOCKER_OK);
  CHECK(result.opened && result.compartment == 6);
  board_open(&b, 6);
  board_close(&b, 6);
  memset(&result, 0, sizeof result);
  CHECK(locker_need_larger_door(l, 6, &result) == LOCKER_OK);
  CHECK(!result.opened && result.overflow == LOCKER_OVERFLOW_NO_LARGER_DOOR);
  memset(&result, 0, sizeof result);
  locker_parcel flat = parcel(301, 300, 0, 100);
  CHECK(locker_deposit(l, session, &flat, 21, false, &result) ==
        LOCKER_PARCEL_INVALID);
  locker_parcel odd = parcel(302, 300, 200, 100);
  odd.zone = 7;
  CHECK(locker_deposit(l, session, &odd, 21, false, &result) ==
        LOCKER_INVALID_ARGUMENT);
  CHECK(strstr(locker_last_error_message(), "zone") != NULL);
  CHECK(!result.opened && result.compartment == 0); /* untouched */
  locker_courier_session_free(session);

  uint32_t door = drop_off(l, &b, code, 201, 21, pin, token);
  CHECK(door != 0);
  uint32_t *doors = NULL;
  size_t count = 0;
  const uint8_t stranger[] = {0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01};
  CHECK(locker_pickup_rfid(l, 1, stranger, sizeof stranger, NULL, &doors,
                           &count) == LOCKER_CREDENTIAL_REJECTED);
  CHECK(locker_pickup_rfid(l, 1, uid, sizeof uid, NULL, &doors, &count) ==
        LOCKER_OK);
  free_doors_checked(doors, count, door);
  empty_door(l, &b, door);
  locker_string_free(code);
  locker_free(l);
  free(b.journal);
}

static void test_delegation(void) {
  board b;
  board_init(&b, T0);
  locker_hardware hw = board_hardware(&b);
  locker *l = NULL;
  CHECK(locker_new(CONFIG, &hw, &l) == LOCKER_OK);
  if (l == NULL) return;
  char *code = NULL;
  CHECK(locker_issue_courier_code(l, 1, DAY, &code) == LOCKER_OK);
  char pin[32], token[256];
  uint32_t door = drop_off(l, &b, code, 401, 31, pin, token);
  CHECK(door != 0);

  /* Refusals leave the out-parameters as they were. */
  char *delegated = (char *)1;
  uint64_t id = 7;
  CHECK(locker_delegate(l, 32, LOCKER_DELEGATION_PARCELS, &door, 1, T0 + DAY,
                        &delegated, &id) == LOCKER_CREDENTIAL_NOT_DELEGABLE);
  CHECK(locker_delegate(l, 31, 9, NULL, 0, T0 + DAY, &delegated, &id) ==
        LOCKER_INVALID_ARGUMENT);
  CHECK(strstr(locker_last_error_message(), "scope") != NULL);
  CHECK(locker_delegate(l, 31, LOCKER_DELEGATION_PARCELS, NULL, 1, T0 + DAY,
                        &delegated, &id) == LOCKER_NULL_POINTER);
  CHECK(locker_delegate(l, 31, LOCKER_DELEGATION_PARCELS, &door, SIZE_MAX,
                        T0 + DAY, &delegated, &id) == LOCKER_INVALID_ARGUMENT);
  CHECK(locker_delegate(l, 31, LOCKER_DELEGATION_ALL_PARCELS, &door, 1,
                        T0 + DAY, &delegated, &id) == LOCKER_CREDENTIAL_FAILED);
  CHECK(delegated == (char *)1 && id == 7);
  CHECK(locker_revoke_credential(l, 12345) == LOCKER_CREDENTIAL_UNKNOWN);

  /* A delegation of everything, revoked before use. */
  CHECK(locker_delegate(l, 31, LOCKER_DELEGATION_ALL_PARCELS, NULL, 0,
                        T0 + DAY, &delegated, &id) == LOCKER_OK);
  CHECK(delegated != NULL && strlen(delegated) == strlen(pin));
  CHECK(locker_revoke_credential(l, id) == LOCKER_OK);
  CHECK(locker_revoke_credential(l, id) == LOCKER_CREDENTIAL_REVOKED);
  uint32_t *doors = NULL;
  size_t count = 0;
  const uint64_t unit = 31;
  CHECK(locker_pickup_pin(l, 1, &unit, delegated, &doors, &count) ==
        LOCKER_CREDENTIAL_REVOKED);
  locker_string_free(delegated);

  /* A delegation of this door collects it. */
  CHECK(locker_delegate(l, 31, LOCKER_DELEGATION_PARCELS, &door, 1, T0 + DAY,
                        &delegated, &id) == LOCKER_OK);
  CHECK(delegated != NULL && strcmp(delegated, pin) != 0);
  CHECK(locker_pickup_pin(l, 1, &unit, delegated, &doors, &count) ==
        LOCKER_OK);
  free_doors_checked(doors, count, door);
  empty_door(l, &b, door);
  char *events = take_events(l);
  CHECK(events != NULL && strstr(events, "\"type\":\"collected\"") != NULL);
  free(events);
  locker_string_free(delegated);
  locker_string_free(code);
  locker_free(l);
  free(b.journal);
}

static void test_remote_opening(void) {
  uint8_t keys[LOCKER_KEYS_HEADER_BYTES + LOCKER_KEY_ENTRY_BYTES];
  provisioned_keys(keys);
  uint32_t *doors = (uint32_t *)1;
  size_t count = 7;

  /* Off unless the configuration turns it on. */
  board b;
  board_init(&b, T0);
  locker_hardware hw = board_hardware(&b);
  locker *l = NULL;
  CHECK(locker_new_with_keys(CONFIG, keys, sizeof keys, &hw, &l) == LOCKER_OK);
  if (l == NULL) return;
  CHECK(locker_open_remote(l, REMOTE_PICKUP[0][1], &doors,
                           &count) == LOCKER_REMOTE_DISABLED);
  locker_free(l);
  free(b.journal);

  /* On, one opening a minute. */
  char config[4096];
  size_t config_len = strlen(CONFIG);
  CHECK(config_len + 100 < sizeof config);
  memcpy(config, CONFIG, config_len - 1); /* without the closing brace */
  strcpy(config + config_len - 1,
         ", \"credentials\": {\"remote\": {\"enabled\": true, "
         "\"max_opens_per_minute\": 1}}}");
  board_init(&b, T0);
  hw = board_hardware(&b);
  l = NULL;
  CHECK(locker_new_with_keys(config, keys, sizeof keys, &hw, &l) == LOCKER_OK);
  if (l == NULL) return;
  char *code = NULL;
  CHECK(locker_issue_courier_code(l, 1, DAY, &code) == LOCKER_OK);
  char pin[32], token[256];
  uint32_t door = drop_off(l, &b, code, 501, REMOTE_RESIDENT_0, pin, token);
  uint32_t second = drop_off(l, &b, code, 502, REMOTE_RESIDENT_1, pin, token);
  CHECK(door != 0 && second != 0 && door != second && door < 7 && second < 7);
  uint32_t empty = 1;
  while (empty == door || empty == second) empty++;

  /* Refusals leave the out-parameters as they were. */
  CHECK(locker_open_remote(l, REMOTE_OTHER_BANK_1, &doors,
                           &count) == LOCKER_REMOTE_WRONG_BANK);
  CHECK(locker_open_remote(l, REMOTE_STAFF_1, &doors, &count) ==
        LOCKER_CREDENTIAL_WRONG_PURPOSE);
  CHECK(locker_open_remote(l, REMOTE_PICKUP[0][empty], &doors,
                           &count) == LOCKER_NOTHING_TO_COLLECT);
  /* A command for one resident opens nothing of another's. */
  CHECK(locker_open_remote(l, REMOTE_PICKUP[1][door], &doors,
                           &count) == LOCKER_NOTHING_TO_COLLECT);
  CHECK(locker_open_remote(l, "{\"nonce\": 1}", &doors, &count) ==
        LOCKER_CREDENTIAL_MALFORMED);
  CHECK(strstr(locker_last_error_message(), "command_json") != NULL);
  /* Strict JSON: a signed command with a field added is not a command. */
  char padded[512];
  size_t signed_len = strlen(REMOTE_PICKUP[0][door]);
  CHECK(signed_len + 16 < sizeof padded);
  memcpy(padded, REMOTE_PICKUP[0][door], signed_len - 1);
  strcpy(padded + signed_len - 1, ",\"extra\":1}");
  CHECK(locker_open_remote(l, padded, &doors, &count) ==
        LOCKER_CREDENTIAL_MALFORMED);
  CHECK(locker_open_remote(l, NULL, &doors, &count) ==
        LOCKER_NULL_POINTER);
  CHECK(locker_open_remote(l, REMOTE_PICKUP[0][door], NULL,
                           &count) == LOCKER_NULL_POINTER);
  /* A command for another door, edited to name this one. */
  char forged[512];
  CHECK(strlen(REMOTE_PICKUP[0][empty]) < sizeof forged);
  strcpy(forged, REMOTE_PICKUP[0][empty]);
  char *compartment = strstr(forged, "\"compartment\":");
  CHECK(compartment != NULL);
  if (compartment != NULL) compartment[14] = (char)('0' + door);
  CHECK(locker_open_remote(l, forged, &doors, &count) ==
        LOCKER_CREDENTIAL_REJECTED);
  CHECK(doors == (uint32_t *)1 && count == 7);
  CHECK(!b.open[door] && !b.open[second]);

  /* The command opens its door once; the cap holds the next one back. */
  CHECK(locker_open_remote(l, REMOTE_PICKUP[0][door], &doors,
                           &count) == LOCKER_OK);
  free_doors_checked(doors, count, door);
  CHECK(locker_open_remote(l, REMOTE_PICKUP[0][door], &doors,
                           &count) == LOCKER_REMOTE_REPLAYED);
  CHECK(locker_open_remote(l, REMOTE_PICKUP[1][second], &doors,
                           &count) == LOCKER_REMOTE_CAP_REACHED);
  empty_door(l, &b, door);
  char *events = take_events(l);
  CHECK(events != NULL && strstr(events, "\"type\":\"collected\"") != NULL);
  free(events);
  b.now_s += 60;
  CHECK(locker_open_remote(l, REMOTE_PICKUP[1][second], &doors,
                           &count) == LOCKER_OK);
  free_doors_checked(doors, count, second);
  empty_door(l, &b, second);
  locker_string_free(code);
  locker_free(l);
  free(b.journal);

  /* Another bank sharing the site key (bank id 32, from its configuration)
   * opens nothing on commands for bank 31 (as bank 31's locker nothing on
   * commands for bank 32, above). */
  char other[4096];
  snprintf(other, sizeof other, "{\"bank_id\": 32,%s", strchr(config, ',') + 1);
  board_init(&b, T0);
  hw = board_hardware(&b);
  l = NULL;
  CHECK(locker_new_with_keys(other, keys, sizeof keys, &hw, &l) == LOCKER_OK);
  if (l == NULL) return;
  CHECK(locker_issue_courier_code(l, 1, DAY, &code) == LOCKER_OK);
  door = drop_off(l, &b, code, 601, REMOTE_RESIDENT_0, pin, token);
  CHECK(door != 0 && door < 7);
  doors = (uint32_t *)1;
  count = 7;
  CHECK(locker_open_remote(l, REMOTE_PICKUP[0][door], &doors, &count) ==
        LOCKER_REMOTE_WRONG_BANK);
  CHECK(doors == (uint32_t *)1 && count == 7 && !b.open[door]);
  locker_string_free(code);
  locker_free(l);
  free(b.journal);
}

/* --- a program built against an older header ------------------------------ */

/* locker_hardware as the first header with a `size` field declared it:
 * everything up to raise_monotonic_counter, no uptime_s. */
typedef struct locker_hardware_v1 {
  size_t size;
  void *ctx;
  int (*unlock)(void *ctx, uint32_t door);
  int (*door_state)(void *ctx, uint32_t door, bool *out_open);
  int (*occupancy)(void *ctx, uint32_t door, uint32_t *out_occupancy);
  int (*now_s)(void *ctx, uint64_t *out_now_s);
  int (*fill_random)(void *ctx, uint8_t *buf, size_t len);
  int (*journal_append)(void *ctx, const char *line, size_t len);
  int (*journal_read)(void *ctx, uint64_t offset, uint8_t *buf, size_t cap,
                      size_t *out_len);
  int (*journal_truncate)(void *ctx, uint64_t len);
  int (*monotonic_counter)(void *ctx, uint64_t *out_value);
  int (*raise_monotonic_counter)(void *ctx, uint64_t at_least);
} locker_hardware_v1;

/* The older program's struct, filled in as it would: its own sizeof. */
static void fill_v1(locker_hardware_v1 *old, board *b) {
  memset(old, 0, sizeof *old);
  old->size = sizeof *old;
  old->ctx = b;
  old->unlock = board_unlock;
  old->door_state = board_door_state;
  old->occupancy = board_occupancy;
  old->now_s = board_now_s;
  old->fill_random = board_fill_random;
  old->journal_append = board_journal_append;
  old->journal_read = board_journal_read;
  old->journal_truncate = board_journal_truncate;
}

static void test_older_caller(void) {
  /* The old struct is the new one without its last field. */
  CHECK(sizeof(locker_hardware_v1) == offsetof(locker_hardware, uptime_s));
  CHECK(sizeof(locker_hardware_v1) < sizeof(locker_hardware));

  /* On the heap at exactly its size: under valgrind, a read past it (the
   * new field) is an error. */
  board b;
  board_init(&b, T0);
  locker_hardware_v1 *old = malloc(sizeof *old);
  if (old == NULL) abort();
  fill_v1(old, &b);
  locker *l = NULL;
  CHECK(locker_new(CONFIG, (const locker_hardware *)old, &l) == LOCKER_OK);
  if (l == NULL) {
    free(old);
    return;
  }
  char *code = NULL;
  CHECK(locker_issue_courier_code(l, 1, DAY, &code) == LOCKER_OK);
  char pin[32], token[256];
  uint32_t door = drop_off(l, &b, code, 801, 12, pin, token);
  CHECK(door != 0);
  /* Without an uptime counter, steps of up to an hour are time passing,
   * as before. */
  CHECK(board_pass_time(&b, l, 5 * 3600) == LOCKER_OK);
  uint64_t held_s = 1;
  CHECK(locker_clock_held(l, &held_s) == LOCKER_OK && held_s == 0);
  uint8_t keys[LOCKER_KEYS_HEADER_BYTES + LOCKER_KEY_ENTRY_BYTES];
  size_t keys_len = 0;
  CHECK(locker_keys_export(l, keys, sizeof keys, &keys_len) == LOCKER_OK);
  locker_string_free(code);
  locker_free(l);

  /* A restart: the old struct restores too, and the PIN opens. */
  l = NULL;
  CHECK(locker_restore(keys, keys_len, (const locker_hardware *)old, NULL,
                       false, &l) == LOCKER_OK);
  if (l != NULL) {
    uint64_t unit = 12;
    uint32_t *doors = NULL;
    size_t count = 0;
    CHECK(locker_pickup_pin(l, 1, &unit, pin, &doors, &count) == LOCKER_OK);
    free_doors_checked(doors, count, door);
    empty_door(l, &b, door);
    free(take_events(l));
    locker_free(l);
  }
  free(old);

  /* What lies after an older struct in the older program's memory is not
   * the library's to read, even when it looks like a callback. */
  struct {
    locker_hardware_v1 old;
    int (*after)(void *ctx, uint64_t *out);
  } padded;
  board c;
  board_init(&c, T0);
  fill_v1(&padded.old, &c);
  padded.after = board_uptime_s;
  l = NULL;
  CHECK(locker_new(CONFIG, (const locker_hardware *)&padded.old, &l) ==
        LOCKER_OK);
  CHECK(locker_tick(l) == LOCKER_OK);
  CHECK(c.uptime_reads == 0);
  locker_free(l);

  /* The control: the same board through this header's struct, with the
   * counter, reads it at every clock reading. */
  free(c.journal);
  board_init(&c, T0);
  locker_hardware hw = board_with_uptime(&c);
  l = NULL;
  CHECK(locker_new(CONFIG, &hw, &l) == LOCKER_OK);
  if (l == NULL) return;
  CHECK(locker_tick(l) == LOCKER_OK);
  CHECK(c.uptime_reads > 0);
  /* A counter that fails fails the call that reads the clock, saying so. */
  c.uptime_fails = true;
  CHECK(locker_tick(l) == LOCKER_BUS_TIMEOUT);
  CHECK(strstr(locker_last_error_message(), "timer peripheral") != NULL);
  c.uptime_fails = false;
  CHECK(locker_tick(l) == LOCKER_OK);
  locker_free(l);
  free(b.journal);
  free(c.journal);
}

/* Journal statistics, computed by the core from the journal's text. */
static void test_journal_stats(void) {
  board b;
  board_init(&b, T0);
  locker_hardware hw = board_hardware(&b);
  locker *l = NULL;
  CHECK(locker_new(CONFIG, &hw, &l) == LOCKER_OK);
  if (l == NULL) return;
  char *code = NULL;
  CHECK(locker_issue_courier_code(l, 1, 30 * DAY, &code) == LOCKER_OK);
  char pin[32], token[256];
  uint32_t door = drop_off(l, &b, code, 201, 12, pin, token);
  CHECK(drop_off(l, &b, code, 202, 13, pin, token) != 0);
  CHECK(board_pass_time(&b, l, 3600) == LOCKER_OK);
  uint32_t *doors = NULL;
  size_t count = 0;
  CHECK(locker_pickup_qr(l, 1, token, &doors, &count) == LOCKER_OK);
  CHECK(count == 1);
  uint32_t collected = count == 1 ? doors[0] : 0;
  locker_doors_free(doors, count);
  empty_door(l, &b, collected);
  CHECK(door != collected);

  char *json = NULL;
  CHECK(locker_journal_stats(b.journal, b.journal_len, 0, &json) == LOCKER_OK);
  CHECK(json != NULL && strstr(json, "\"parcels_stored\":2,") != NULL);
  CHECK(json != NULL && strstr(json, "\"parcels_collected\":1,") != NULL);
  CHECK(json != NULL && strstr(json, "\"parcels_in_bank_at_end\":1,") != NULL);
  CHECK(json != NULL && strstr(json, "\"peak_occupied_doors\":2,") != NULL);
  CHECK(json != NULL && strstr(json, "\"qr\":1,") != NULL);
  locker_string_free(json);
  json = NULL;
  CHECK(locker_journal_stats(b.journal, b.journal_len, -5 * 3600, &json) == LOCKER_OK);
  CHECK(json != NULL && strstr(json, "\"utc_offset_s\":-18000,") != NULL);
  locker_string_free(json);
  json = NULL;
  /* Refusals leave the out-parameter alone. */
  CHECK(locker_journal_stats(b.journal, b.journal_len, 15 * 3600, &json) ==
        LOCKER_INVALID_ARGUMENT);
  CHECK(strstr(locker_last_error_message(), "utc_offset_s") != NULL);
  CHECK(locker_journal_stats(b.journal, b.journal_len, 0, NULL) == LOCKER_NULL_POINTER);
  CHECK(locker_journal_stats(NULL, 5, 0, &json) == LOCKER_NULL_POINTER);
  CHECK(locker_journal_stats("", 0, 0, &json) == LOCKER_JOURNAL_REPLAY);
  CHECK(locker_journal_stats("{\"v\":2}\n", 8, 0, &json) == LOCKER_JOURNAL_MALFORMED);
  CHECK(locker_journal_stats("\xff\n", 2, 0, &json) == LOCKER_INVALID_UTF8);
  CHECK(json == NULL);
  locker_string_free(code);
  locker_free(l);
  free(b.journal);
}

int main(void) {
  test_arguments();
  test_flow_and_reboot();
  test_rfid_and_keys();
  test_delegation();
  test_remote_opening();
  test_older_caller();
  test_journal_stats();
  return checks_report();
}
