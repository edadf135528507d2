/* The whole flow through the C API with a lock board written in C
 * (board.h): configuration, courier drop-off, resident pickup, expiry and
 * return, failing unlocks, a failing journal, a restore from the journal
 * after a simulated reboot, delegation, and remote opening. Built by scripts/ci/c with
 *   gcc -std=c11 -Wall -Wextra -Werror
 * and run under valgrind. Prints "N passed, N failed". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "board.h"
#include "check.h"
#include "locker.h"
#include "remote_commands.h"

#define T0 1700000000ull
#define DAY 86400ull

/* Six doors: three small, two medium, one large (kept in reserve). */
static const char *CONFIG =
    "{\"bank\": {\"name\": \"c test bank\", \"compartments\": ["
    "{\"id\": 1, \"label\": \"A1\", \"size_class\": \"S\", \"inner\": "
    "{\"width_mm\": 400, \"depth_mm\": 600, \"height_mm\": 150}, "
    "\"max_weight_g\": 25000, \"accessible\": true, \"position\": "
    "{\"column\": 0, \"row\": 2}},"
    "{\"id\": 2, \"label\": \"A2\", \"size_class\": \"S\", \"inner\": "
    "{\"width_mm\": 400, \"depth_mm\": 600, \"height_mm\": 150}, "
    "\"max_weight_g\": 25000, \"position\": {\"column\": 1, \"row\": 2}},"
    "{\"id\": 3, \"label\": \"A3\", \"size_class\": \"S\", \"inner\": "
    "{\"width_mm\": 400, \"depth_mm\": 600, \"height_mm\": 150}, "
    "\"max_weight_g\": 25000, \"position\": {\"column\": 2, \"row\": 2}},"
    "{\"id\": 4, \"label\": \"B1\", \"size_class\": \"M\", \"inner\": "
    "{\"width_mm\": 400, \"depth_mm\": 600, \"height_mm\": 300}, "
    "\"max_weight_g\": 25000, \"position\": {\"column\": 0, \"row\": 1}},"
    "{\"id\": 5, \"label\": \"B2\", \"size_class\": \"M\", \"inner\": "
    "{\"width_mm\": 400, \"depth_mm\": 600, \"height_mm\": 300}, "
    "\"max_weight_g\": 25000, \"position\": {\"column\": 1, \"row\": 1}},"
    "{\"id\": 6, \"label\": \"C1\", \"size_class\": \"L\", \"inner\": "
    "{\"width_mm\": 400, \"depth_mm\": 600, \"height_mm\": 600}, "
    "\"max_weight_g\": 25000, \"position\": {\"column\": 0, \"row\": 0}}"
    "]}}";

/* Copies the string value of the first `"key":"..."` after `from` in `json`
 * into `out`; returns a pointer past it, or NULL. */
static const char *json_string(const char *json, const char *key, char *out,
                               size_t cap) {
  char pattern[64];
  snprintf(pattern, sizeof pattern, "\"%s\":\"", key);
  const char *at = strstr(json, pattern);
  if (at == NULL) return NULL;
  at += strlen(pattern);
  const char *end = strchr(at, '"');
  if (end == NULL || (size_t)(end - at) >= cap) return NULL;
  memcpy(out, at, (size_t)(end - at));
  out[end - at] = '\0';
  return end;
}

/* Takes the events; returns a malloc'd copy (so the library string can be
 * freed at once) or NULL. */
static char *take_events(locker *l) {
  char *json = NULL;
  if (locker_take_events(l, &json) != LOCKER_OK) return NULL;
  char *copy = malloc(strlen(json) + 1);
  if (copy != NULL) strcpy(copy, json);
  locker_string_free(json);
  return copy;
}

static locker_parcel parcel(uint64_t id, uint32_t w, uint32_t d, uint32_t h) {
  locker_parcel p;
  memset(&p, 0, sizeof p);
  p.id = id;
  p.size.width_mm = w;
  p.size.depth_mm = d;
  p.size.height_mm = h;
  p.weight_g = 1500;
  p.zone = LOCKER_ZONE_AMBIENT;
  p.handling = LOCKER_HANDLING_STANDARD;
  return p;
}

/* A courier drops a parcel off: sign in, deposit, open, put in, close.
 * Returns the door (0 on failure) and the resident's PIN and token. */
static uint32_t drop_off(locker *l, board *b, const char *code, uint64_t id,
                         uint64_t recipient, char *pin, char *token) {
  locker_courier_session *session = NULL;
  CHECK(locker_courier_sign_in(l, 1, code, &session) == LOCKER_OK);
  locker_parcel p = parcel(id, 300, 200, 100);
  locker_drop_off result;
  memset(&result, 0, sizeof result);
  CHECK(locker_deposit(l, session, &p, recipient, false, &result) ==
        LOCKER_OK);
  locker_courier_session_free(session);
  if (!result.opened) return 0;
  uint32_t door = result.compartment;
  board_open(b, door);
  CHECK(b->open[door]);
  b->occupied[door] = true;
  CHECK(locker_door_closed(l, door) == LOCKER_DOOR_STILL_OPEN);
  board_close(b, door);
  CHECK(locker_door_closed(l, door) == LOCKER_OK);
  char *events = take_events(l);
  CHECK(events != NULL && strstr(events, "\"type\":\"parcel_ready\"") != NULL);
  CHECK(events != NULL && json_string(events, "pin", pin, 32) != NULL);
  CHECK(events != NULL && json_string(events, "qr_token", token, 256) != NULL);
  free(events);
  return door;
}

static void free_doors_checked(uint32_t *doors, size_t count, uint32_t want) {
  CHECK(count == 1);
  CHECK(doors != NULL && doors[0] == want);
  locker_doors_free(doors, count);
}

/* A resident takes everything out of an unlocked door and closes it. */
static void empty_door(locker *l, board *b, uint32_t door) {
  board_open(b, door);
  CHECK(b->open[door]);
  b->occupied[door] = false;
  board_close(b, door);
  CHECK(locker_door_closed(l, door) == LOCKER_OK);
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

  locker_hardware no_unlock = hw;
  no_unlock.unlock = NULL;
  CHECK(locker_new(NULL, &no_unlock, &l) == LOCKER_NULL_POINTER);
  CHECK(strstr(locker_last_error_message(), "unlock") != NULL);

  b.entropy_fails = true;
  CHECK(locker_new(NULL, &hw, &l) == LOCKER_ENTROPY_UNAVAILABLE);
  b.entropy_fails = false;
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
  b.now_s += 2 * DAY + 3600;
  CHECK(locker_tick(l) == LOCKER_OK);
  events = take_events(l);
  CHECK(events != NULL && strstr(events, "\"type\":\"reminder\"") != NULL);
  free(events);
  b.now_s += DAY;
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
  CHECK(locker_restore(keys, sizeof keys, &no_truncate, &l) ==
        LOCKER_JOURNAL_TORN_TAIL);
  locker_hardware no_read = hw;
  no_read.journal_read = NULL;
  CHECK(locker_restore(keys, sizeof keys, &no_read, &l) ==
        LOCKER_NULL_POINTER);
  CHECK(locker_restore(keys, 3, &hw, &l) == LOCKER_KEYS_INVALID);

  /* An edited journal is refused, naming the record. */
  char *edit = strstr(b.journal, "\"parcel\":{\"id\":104");
  CHECK(edit != NULL);
  if (edit != NULL) {
    edit[17] = '5'; /* parcel 104 becomes 105 */
    CHECK(locker_restore(keys, sizeof keys, &hw, &l) == LOCKER_JOURNAL_EDITED);
    CHECK(strstr(locker_last_error_message(), "was edited") != NULL);
    edit[17] = '4';
  }
  CHECK(l == NULL);

  CHECK(locker_restore(keys, sizeof keys, &hw, &l) == LOCKER_OK);
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

/* Provisioned keys, as remote_commands.h signs with: id 7, 32 bytes of 0x5a. */
static void provisioned_keys(uint8_t *keys) {
  memset(keys, 0x5a, LOCKER_KEYS_HEADER_BYTES + LOCKER_KEY_ENTRY_BYTES);
  keys[0] = LOCKER_KEYS_FORMAT;
  keys[1] = 0;
  keys[2] = 7; /* largest key id used: 7 */
  keys[3] = 0;
  keys[4] = 7; /* key id 7 */
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
  CHECK(locker_open_remote(l, REMOTE_BANK, REMOTE_PICKUP[0][1], &doors,
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
  CHECK(locker_open_remote(l, REMOTE_BANK + 1, REMOTE_PICKUP[0][door], &doors,
                           &count) == LOCKER_REMOTE_WRONG_BANK);
  CHECK(locker_open_remote(l, REMOTE_BANK, REMOTE_OTHER_BANK_1, &doors,
                           &count) == LOCKER_REMOTE_WRONG_BANK);
  CHECK(locker_open_remote(l, REMOTE_BANK, REMOTE_STAFF_1, &doors, &count) ==
        LOCKER_CREDENTIAL_WRONG_PURPOSE);
  CHECK(locker_open_remote(l, REMOTE_BANK, REMOTE_PICKUP[0][empty], &doors,
                           &count) == LOCKER_NOTHING_TO_COLLECT);
  /* A command for one resident opens nothing of another's. */
  CHECK(locker_open_remote(l, REMOTE_BANK, REMOTE_PICKUP[1][door], &doors,
                           &count) == LOCKER_NOTHING_TO_COLLECT);
  CHECK(locker_open_remote(l, REMOTE_BANK, "{\"nonce\": 1}", &doors, &count) ==
        LOCKER_CREDENTIAL_MALFORMED);
  CHECK(strstr(locker_last_error_message(), "command_json") != NULL);
  CHECK(locker_open_remote(l, REMOTE_BANK, NULL, &doors, &count) ==
        LOCKER_NULL_POINTER);
  CHECK(locker_open_remote(l, REMOTE_BANK, REMOTE_PICKUP[0][door], NULL,
                           &count) == LOCKER_NULL_POINTER);
  /* A command for another door, edited to name this one. */
  char forged[512];
  CHECK(strlen(REMOTE_PICKUP[0][empty]) < sizeof forged);
  strcpy(forged, REMOTE_PICKUP[0][empty]);
  char *compartment = strstr(forged, "\"compartment\":");
  CHECK(compartment != NULL);
  if (compartment != NULL) compartment[14] = (char)('0' + door);
  CHECK(locker_open_remote(l, REMOTE_BANK, forged, &doors, &count) ==
        LOCKER_CREDENTIAL_REJECTED);
  CHECK(doors == (uint32_t *)1 && count == 7);
  CHECK(!b.open[door] && !b.open[second]);

  /* The command opens its door once; the cap holds the next one back. */
  CHECK(locker_open_remote(l, REMOTE_BANK, REMOTE_PICKUP[0][door], &doors,
                           &count) == LOCKER_OK);
  free_doors_checked(doors, count, door);
  CHECK(locker_open_remote(l, REMOTE_BANK, REMOTE_PICKUP[0][door], &doors,
                           &count) == LOCKER_REMOTE_REPLAYED);
  CHECK(locker_open_remote(l, REMOTE_BANK, REMOTE_PICKUP[1][second], &doors,
                           &count) == LOCKER_REMOTE_CAP_REACHED);
  empty_door(l, &b, door);
  char *events = take_events(l);
  CHECK(events != NULL && strstr(events, "\"type\":\"collected\"") != NULL);
  free(events);
  b.now_s += 60;
  CHECK(locker_open_remote(l, REMOTE_BANK, REMOTE_PICKUP[1][second], &doors,
                           &count) == LOCKER_OK);
  free_doors_checked(doors, count, second);
  empty_door(l, &b, second);
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
  return checks_report();
}
