/* Throttles stop attackers, never the resident (DESIGN.md, "Trust model":
 * failures cost only the failer; every attempt is on the record; a policy
 * that breaks the brute-force bound is refused), through the C API:
 *
 *   - every channel C drives is flooded, from one kiosk and from three:
 *     wrong PINs naming one unit, wrong PINs naming a new unit each time
 *     (the bank-wide scope), junk and forged QR tokens, unknown RFID UIDs,
 *     forged remote commands and wrong courier codes naming a carrier;
 *     then, while those scopes still refuse the attacker, a resident's QR
 *     token, RFID tag and remote command open at once, another carrier's
 *     courier signs in, and the attacked resident's host has heard of it;
 *   - every attempt is on the record (one record each, or a sum), and the
 *     journal the flood costs, counted at the flash callback, is bounded;
 *   - keypad input that is no PIN at all (wrong length, letters, no unit)
 *     counts against nobody, however much of it: 40 such attempts lock
 *     neither the kiosk nor the bank, and are on the record as sums;
 *   - a unit's PINs lock no sooner than the bank's: a patient guesser
 *     naming one unit gets the bank's 25 guesses a day, not fewer;
 *   - a resident holding three doors gets a fourth, with one PIN for all,
 *     spent door by door: it keeps opening the others after one door is
 *     collected, or while one is out of service;
 *   - the brute-force bound refuses 4-digit PINs without the unit number,
 *     and accepts them with a stated override;
 *   - a pickup whose latch loses power leaves the door in service and the
 *     PIN valid; a courier signs in for a carrier and out again;
 *   - a wrong PIN the journal cannot store is held: nothing is verified
 *     until it is on the record, so a failing flash never lifts the
 *     throttle.
 *
 * Built by scripts/ci/c with
 *   gcc -std=c11 -Wall -Wextra -Werror
 * and run under valgrind. Prints "N passed, N failed". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "board.h"
#include "check.h"
#include "locker.h"
#include "people.h"
#include "remote_commands.h"

#define ROUNDS 200
#define ROUND_S 7 /* the flood: 200 rounds, 7 s apart, from T0 + 60 s */

/* The attacked resident, and the carriers. */
#define ATTACKED 15ull
#define GUESSED_CARRIER 1u
#define OTHER_CARRIER 2u
#define DELIVERING_CARRIER 3u

/* CONFIG with `credentials` (a JSON object) added, into `out`. */
static void config_with(char *out, size_t cap, const char *credentials) {
  size_t len = strlen(CONFIG);
  int n = snprintf(out, cap, "%.*s, \"credentials\": %s}", (int)(len - 1),
                   CONFIG, credentials);
  CHECK(n > 0 && (size_t)n < cap);
}

/* Whether the journal on flash holds `needle`. */
static bool journal_has(const board *b, const char *needle) {
  char *text = malloc(b->journal_len + 1);
  if (text == NULL) abort();
  if (b->journal_len > 0) memcpy(text, b->journal, b->journal_len);
  text[b->journal_len] = '\0';
  bool found = strstr(text, needle) != NULL;
  free(text);
  return found;
}

/* The number after `"key":` in `json` (0 when absent). */
static unsigned long long json_number(const char *json, const char *key) {
  char pattern[64];
  snprintf(pattern, sizeof pattern, "\"%s\":", key);
  const char *at = strstr(json, pattern);
  return at != NULL ? strtoull(at + strlen(pattern), NULL, 10) : 0;
}

/* A courier of `carrier` signs in at kiosk 1 (naming the carrier), drops
 * `p` off for `recipient`, signs out; the parcel goes in and the door
 * closes. Returns the door (0 on failure), the PIN and token, and the
 * events of the closing (malloc'd, in `*out_events`, when not NULL). */
static uint32_t deliver(locker *l, board *b, uint32_t carrier, const char *code,
                        locker_parcel p, uint64_t recipient, char *pin,
                        char *token, char **out_events) {
  locker_courier_session *session = NULL;
  CHECK(locker_courier_sign_in_for(l, 1, carrier, code, &session) == LOCKER_OK);
  locker_drop_off result;
  memset(&result, 0, sizeof result);
  CHECK(locker_deposit(l, session, &p, recipient, false, &result) == LOCKER_OK);
  CHECK(locker_courier_sign_out(l, session) == LOCKER_OK);
  locker_courier_session_free(session);
  if (!result.opened) return 0;
  uint32_t door = result.compartment;
  board_open(b, door);
  b->occupied[door] = true;
  board_close(b, door);
  CHECK(locker_door_closed(l, door) == LOCKER_OK);
  char *events = take_events(l);
  CHECK(events != NULL && json_string(events, "pin", pin, 32) != NULL);
  CHECK(events != NULL && json_string(events, "qr_token", token, 256) != NULL);
  if (out_events != NULL) *out_events = events;
  else free(events);
  return door;
}

/* Collects at `kiosk` with a QR token: the doors that opened, or 0. */
static size_t opened_by_qr(locker *l, uint32_t kiosk, const char *token,
                           uint32_t want) {
  uint32_t *doors = NULL;
  size_t count = 0;
  if (locker_pickup_qr(l, kiosk, token, &doors, &count) != LOCKER_OK) return 0;
  CHECK(count == 1 && doors[0] == want);
  locker_doors_free(doors, count);
  return count;
}

/* --- the flood ------------------------------------------------------------ */

enum channel {
  JUNK_QR,
  FORGED_QR,
  UNKNOWN_TAG,
  UNIT_PIN,
  BANK_PIN,
  CARRIER_CODE,
  FORGED_REMOTE,
  CHANNELS
};

typedef struct flood {
  unsigned attempts;            /* every attempt made */
  unsigned throttled[CHANNELS]; /* refused by a throttle, per channel */
  bool unit_heard;              /* suspicious_attempts: the unit's PINs */
  bool bank_heard;              /* suspicious_attempts: the bank's PINs */
} flood;

/* Tallies one attempt that must open nothing. */
static void attempted(flood *f, enum channel channel, locker_status status,
                      uint32_t *doors, size_t count) {
  f->attempts++;
  CHECK(status != LOCKER_OK);
  if (status == LOCKER_OK) locker_doors_free(doors, count);
  if (status == LOCKER_CREDENTIAL_THROTTLED) f->throttled[channel]++;
}

/* A copy of `text` with the character at `at` changed to another of its
 * alphabet (a base32 letter or digit, a hex digit), so that the copy is
 * still well-formed: a forgery, not junk (malloc'd). */
static char *tampered(const char *text, size_t at) {
  char *copy = malloc(strlen(text) + 1);
  if (copy == NULL) abort();
  strcpy(copy, text);
  char c = copy[at];
  if (c >= 'A' && c <= 'Z') copy[at] = c == 'A' ? 'B' : 'A';
  else copy[at] = c == '2' ? '3' : '2'; /* a digit of both alphabets */
  return copy;
}

/* ROUNDS rounds of junk, forgeries and guesses on every channel from each
 * of `kiosks`, ROUND_S seconds apart; `token` is a valid QR token and
 * `command` a valid remote command, which the forgeries are made from. */
static void flood_every_channel(locker *l, board *b, const uint32_t *kiosks,
                                size_t n, const char *token,
                                const char *command, flood *f) {
  char *forged_token = tampered(token, strlen(token) / 2);
  /* The tag's last hex digit changed: a command nobody signed. */
  char *forged_command = tampered(command, strlen(command) - 3);
  for (unsigned round = 0; round < ROUNDS; round++) {
    for (size_t k = 0; k < n; k++) {
      uint32_t kiosk = kiosks[k];
      uint32_t *doors = NULL;
      size_t count = 0;
      locker_status s = locker_pickup_qr(l, kiosk, "NOTATOKEN", &doors, &count);
      attempted(f, JUNK_QR, s, doors, count);
      s = locker_pickup_qr(l, kiosk, forged_token, &doors, &count);
      attempted(f, FORGED_QR, s, doors, count);
      const uint8_t uid[] = {0xAA, 0xBB, 0xCC, (uint8_t)(round % 250), 1, 2, 3};
      s = locker_pickup_rfid(l, kiosk, uid, sizeof uid, NULL, &doors, &count);
      attempted(f, UNKNOWN_TAG, s, doors, count);
      char guess[32];
      uint64_t unit = ATTACKED;
      snprintf(guess, sizeof guess, "%08u", 10000u + round);
      s = locker_pickup_pin(l, kiosk, &unit, guess, &doors, &count);
      attempted(f, UNIT_PIN, s, doors, count);
      unit = 100 + round; /* a new unit each time: only the bank counts */
      s = locker_pickup_pin(l, kiosk, &unit, "12345670", &doors, &count);
      attempted(f, BANK_PIN, s, doors, count);
      locker_courier_session *session = NULL;
      snprintf(guess, sizeof guess, "%012u", 20000u + round);
      s = locker_courier_sign_in_for(l, kiosk, GUESSED_CARRIER, guess, &session);
      attempted(f, CARRIER_CODE, s, NULL, 0);
      locker_courier_session_free(session);
      s = locker_open_remote(l, forged_command, &doors, &count);
      attempted(f, FORGED_REMOTE, s, doors, count);
    }
    char *events = take_events(l);
    if (events != NULL) {
      f->unit_heard |=
          strstr(events, "\"type\":\"suspicious_attempts\",\"lockout\":{\"scope\":"
                         "{\"channel\":\"pin\",\"subject\":{\"recipient\":15}}") != NULL;
      f->bank_heard |=
          strstr(events, "\"scope\":{\"channel\":\"pin\",\"subject\":\"bank\"}") != NULL;
    }
    free(events);
    CHECK(board_pass_time(b, l, ROUND_S) == LOCKER_OK);
  }
  free(forged_token);
  free(forged_command);
}

/* One more junk attempt of `channel` now is refused by its throttle, as
 * the scope still holds the attacker back: at most one is counted first
 * (when a backoff just ended). Returns the attempts made. */
static unsigned held_back(locker *l, uint32_t kiosk, enum channel channel,
                          const char *forged_command) {
  locker_status status = LOCKER_OK;
  unsigned made = 0;
  for (int i = 0; i < 2 && status != LOCKER_CREDENTIAL_THROTTLED; i++, made++) {
    uint32_t *doors = NULL;
    size_t count = 0;
    const uint8_t uid[] = {0xAA, 0xBB, 0xCC, 0xDD, 1, 2, (uint8_t)i};
    switch (channel) {
      case JUNK_QR:
        status = locker_pickup_qr(l, kiosk, "NOTATOKEN", &doors, &count);
        break;
      case UNKNOWN_TAG:
        status = locker_pickup_rfid(l, kiosk, uid, sizeof uid, NULL, &doors, &count);
        break;
      default:
        status = locker_open_remote(l, forged_command, &doors, &count);
        break;
    }
    CHECK(status != LOCKER_OK);
    if (status == LOCKER_OK) locker_doors_free(doors, count);
  }
  CHECK(status == LOCKER_CREDENTIAL_THROTTLED);
  return made;
}

/* What the journal holds from byte `from` on: records of attempts
 * (`attempt_failed`, one each; `attempts_refused`, a sum), summed. */
static unsigned long long attempts_on_record(const board *b, size_t from) {
  char *text = malloc(b->journal_len - from + 1);
  if (text == NULL) abort();
  memcpy(text, b->journal + from, b->journal_len - from);
  text[b->journal_len - from] = '\0';
  unsigned long long sum = 0;
  for (char *line = text; *line != '\0';) {
    char *end = strchr(line, '\n');
    if (end == NULL) break;
    *end = '\0';
    if (strstr(line, "\"type\":\"attempt_failed\"") != NULL) sum += 1;
    char *refused = strstr(line, "\"type\":\"attempts_refused\"");
    if (refused != NULL) sum += json_number(refused, "count");
    line = end + 1;
  }
  free(text);
  return sum;
}

static void test_flood(const uint32_t *kiosks, size_t n) {
  board b;
  board_init(&b, T0);
  locker_hardware hw = board_hardware(&b);
  uint8_t keys[LOCKER_KEYS_HEADER_BYTES + LOCKER_KEY_ENTRY_BYTES];
  provisioned_keys(keys); /* the key remote_commands.h signs with */
  char config[4096];
  config_with(config, sizeof config, "{\"remote\": {\"enabled\": true}}");
  locker *l = NULL;
  CHECK(locker_new_with_keys(config, keys, sizeof keys, &hw, &l) == LOCKER_OK);
  if (l == NULL) return;
  char *codes[4] = {NULL, NULL, NULL, NULL};
  for (uint32_t carrier = 1; carrier <= 3; carrier++)
    CHECK(locker_issue_courier_code(l, carrier, 30 * DAY, &codes[carrier]) ==
          LOCKER_OK);

  /* Four residents' parcels: one collects by QR, one by RFID tag, one on
   * a remote command, and the one whose PINs are attacked. */
  char pin[32], token_12[256], token_15[256], token[256];
  locker_parcel p = parcel(0, 300, 200, 100);
  p.id = 1;
  uint32_t door_12 = deliver(l, &b, DELIVERING_CARRIER, codes[3], p, 12, pin,
                             token_12, NULL);
  p.id = 2;
  uint32_t door_13 =
      deliver(l, &b, DELIVERING_CARRIER, codes[3], p, 13, pin, token, NULL);
  p.id = 3;
  uint32_t door_41 = deliver(l, &b, DELIVERING_CARRIER, codes[3], p,
                             REMOTE_RESIDENT_0, pin, token, NULL);
  p.id = 4;
  char pin_15[32];
  uint32_t door_15 = deliver(l, &b, DELIVERING_CARRIER, codes[3], p, ATTACKED,
                             pin_15, token_15, NULL);
  CHECK(door_12 && door_13 && door_41 && door_15 && door_41 < 7);
  if (!door_12 || !door_13 || !door_41 || !door_15 || door_41 >= 7) return;
  const uint8_t tag_13[] = {0x04, 0x13, 0x13, 0x13, 0x13, 0x13, 0x13};
  char *tag_pin = NULL;
  CHECK(locker_register_rfid(l, 13, tag_13, sizeof tag_13, false, &tag_pin) ==
        LOCKER_OK);
  CHECK(board_pass_time(&b, l, 60) == LOCKER_OK);

  uint64_t appends_before = b.appends;
  size_t journal_before = b.journal_len;
  flood f;
  memset(&f, 0, sizeof f);
  const char *command = REMOTE_PICKUP_LATE[0][door_41];
  flood_every_channel(l, &b, kiosks, n, token_12, command, &f);
  CHECK(f.attempts == 7u * ROUNDS * (unsigned)n);
  /* Every channel's throttle held the attacker back. */
  for (int channel = 0; channel < CHANNELS; channel++)
    CHECK(f.throttled[channel] > 0);
  /* The attacked resident's host heard at once (and sends the QR code). */
  CHECK(f.unit_heard);
  CHECK(f.bank_heard);

  /* At the flooded kiosk, while the attacker is still held back there,
   * every credential that verifies opens at once. */
  uint32_t kiosk = kiosks[0];
  unsigned extra = 0;
  uint32_t *doors = NULL;
  size_t count = 0;
  char *forged_command = tampered(command, strlen(command) - 3);
  extra += held_back(l, kiosk, JUNK_QR, forged_command);
  CHECK(opened_by_qr(l, kiosk, token_12, door_12) == 1);
  extra += held_back(l, kiosk, UNKNOWN_TAG, forged_command);
  CHECK(locker_pickup_rfid(l, kiosk, tag_13, sizeof tag_13, NULL, &doors,
                           &count) == LOCKER_OK);
  free_doors_checked(doors, count, door_13);
  extra += held_back(l, kiosk, FORGED_REMOTE, forged_command);
  free(forged_command);
  uint64_t now_s = 0;
  CHECK(locker_observe_clock(l, &now_s) == LOCKER_OK);
  CHECK(now_s >= REMOTE_LATE_FROM_S && now_s < REMOTE_LATE_FROM_S + 300);
  CHECK(locker_open_remote(l, command, &doors, &count) == LOCKER_OK);
  free_doors_checked(doors, count, door_41);
  /* The attacked resident's PIN is held back with the guesses; their QR
   * code opens. */
  uint64_t unit = ATTACKED;
  CHECK(locker_pickup_pin(l, kiosk, &unit, pin_15, &doors, &count) ==
        LOCKER_CREDENTIAL_THROTTLED);
  extra++;
  CHECK(opened_by_qr(l, kiosk, token_15, door_15) == 1);
  empty_door(l, &b, door_12);
  empty_door(l, &b, door_13);
  empty_door(l, &b, door_41);
  empty_door(l, &b, door_15);

  /* Another carrier's courier signs in at the flooded kiosk: the guesser
   * named carrier 1, whose couriers alone wait. */
  locker_courier_session *session = NULL;
  CHECK(locker_courier_sign_in_for(l, kiosk, OTHER_CARRIER, codes[2],
                                   &session) == LOCKER_OK);
  CHECK(locker_courier_sign_out(l, session) == LOCKER_OK);
  locker_courier_session_free(session);
  session = NULL;
  CHECK(locker_courier_sign_in_for(l, kiosk, GUESSED_CARRIER, codes[1],
                                   &session) == LOCKER_CREDENTIAL_THROTTLED);
  CHECK(session == NULL);
  extra++;
  free(take_events(l));

  /* Every attempt is on the record: the sums still held are journaled by
   * the sweep once due (10 minutes). */
  CHECK(board_pass_time(&b, l, 3600) == LOCKER_OK);
  CHECK(locker_tick(l) == LOCKER_OK);
  unsigned long long on_record = attempts_on_record(&b, journal_before);
  CHECK(on_record == f.attempts + extra);
  if (on_record != f.attempts + extra)
    fprintf(stderr, "  %llu attempts on the record of %u\n", on_record,
            f.attempts + extra);
  /* ... at a bounded cost: far fewer records than attempts. */
  uint64_t records = b.appends - appends_before;
  CHECK(records * 4 < f.attempts);
  printf("  %zu kiosk(s): %u attempts, %llu records on flash\n", n,
         f.attempts, (unsigned long long)records);

  uint8_t exported[LOCKER_KEYS_HEADER_BYTES + LOCKER_KEY_ENTRY_BYTES];
  size_t exported_len = 0;
  CHECK(locker_keys_export(l, exported, sizeof exported, &exported_len) ==
        LOCKER_OK);
  for (int carrier = 1; carrier <= 3; carrier++) locker_string_free(codes[carrier]);
  locker_free(l);
  /* The journal the flood wrote restores. */
  l = NULL;
  CHECK(locker_restore(exported, exported_len, &hw, NULL, false, &l) ==
        LOCKER_OK);
  locker_free(l);
  free(b.journal);
}

/* --- input that is no PIN ------------------------------------------------- */

/* The sum of the `attempts_refused` records of `error` on the journal. */
static unsigned long long refused_on_record(const board *b, const char *error) {
  char *text = malloc(b->journal_len + 1);
  if (text == NULL) abort();
  memcpy(text, b->journal, b->journal_len);
  text[b->journal_len] = '\0';
  char needle[64];
  snprintf(needle, sizeof needle, "\"error\":\"%s\"", error);
  unsigned long long sum = 0;
  for (char *line = text; *line != '\0';) {
    char *end = strchr(line, '\n');
    if (end == NULL) break;
    *end = '\0';
    char *refused = strstr(line, "\"type\":\"attempts_refused\"");
    if (refused != NULL && strstr(refused, needle) != NULL)
      sum += json_number(refused, "count");
    line = end + 1;
  }
  free(text);
  return sum;
}

static void test_malformed_pins_lock_nobody(void) {
  board b;
  board_init(&b, T0);
  locker_hardware hw = board_hardware(&b);
  locker *l = NULL;
  CHECK(locker_new(CONFIG, &hw, &l) == LOCKER_OK);
  if (l == NULL) return;
  char *code = NULL;
  CHECK(locker_issue_courier_code(l, 1, DAY, &code) == LOCKER_OK);
  char pin[32], token[256];
  uint32_t door = deliver(l, &b, 1, code, parcel(1101, 300, 200, 100), 12, pin,
                          token, NULL);
  CHECK(door != 0);
  uint64_t records = board_records(&b);

  /* 40 attempts at one kiosk, in one second, none of them a PIN: too
   * short, too long, letters, and a PIN without the unit. The bank's cap
   * is 25 and the kiosk backs off after 3: neither moves. */
  const char *junk[] = {"123", "123456789012", "12ab5678", "1234 678"};
  uint64_t unit = 12;
  uint32_t *doors = NULL;
  size_t count = 0;
  unsigned malformed = 0, no_unit = 0;
  for (unsigned i = 0; i < 40; i++) {
    locker_status status;
    if (i % 5 == 4) {
      status = locker_pickup_pin(l, 1, NULL, "12345670", &doors, &count);
      CHECK(status == LOCKER_CREDENTIAL_UNIT_REQUIRED);
      no_unit += status == LOCKER_CREDENTIAL_UNIT_REQUIRED;
    } else {
      status = locker_pickup_pin(l, 1, &unit, junk[i % 5], &doors, &count);
      CHECK(status == LOCKER_CREDENTIAL_MALFORMED);
      malformed += status == LOCKER_CREDENTIAL_MALFORMED;
    }
  }
  CHECK(malformed == 32 && no_unit == 8);
  /* Nothing counted: no failure on the record one by one, no lockout. */
  CHECK(board_records(&b) == records);
  char *events = take_events(l);
  CHECK(events != NULL && strstr(events, "suspicious_attempts") == NULL);
  free(events);
  /* A wrong PIN is weighed (not throttled), and the resident's opens, at
   * the same kiosk in the same second. */
  CHECK(locker_pickup_pin(l, 1, &unit, "00000000", &doors, &count) ==
        LOCKER_CREDENTIAL_REJECTED);
  CHECK(locker_pickup_pin(l, 1, &unit, pin, &doors, &count) == LOCKER_OK);
  free_doors_checked(doors, count, door);
  empty_door(l, &b, door);
  /* They are on the record all the same, summed per kiosk and error. */
  CHECK(board_pass_time(&b, l, 3600) == LOCKER_OK);
  CHECK(locker_tick(l) == LOCKER_OK);
  CHECK(refused_on_record(&b, "malformed_pin") == 32);
  CHECK(refused_on_record(&b, "unit_required") == 8);
  free(take_events(l));
  locker_string_free(code);
  locker_free(l);
  free(b.journal);
}

/* --- a unit locks no sooner than the bank ---------------------------------- */

static void test_unit_cap_is_the_banks(void) {
  board b;
  board_init(&b, T0);
  locker_hardware hw = board_hardware(&b);
  locker *l = NULL;
  CHECK(locker_new(CONFIG, &hw, &l) == LOCKER_OK);
  if (l == NULL) return;
  char *code = NULL;
  CHECK(locker_issue_courier_code(l, 1, DAY, &code) == LOCKER_OK);
  char pin[32], token[256];
  CHECK(deliver(l, &b, 1, code, parcel(1201, 300, 200, 100), ATTACKED, pin,
                token, NULL) != 0);
  free(take_events(l));

  /* A patient guesser naming unit 15: a wrong PIN every minute for 22
   * hours, as soon as each backoff allows. The backoffs let 25 through in
   * about 15 hours; then the daily cap, the bank's and the unit's alike
   * (25), refuses every guess until the day is over. */
  unsigned weighed = 0, throttled = 0;
  bool unit_heard = false, bank_heard = false;
  for (unsigned minute = 0; minute < 22 * 60; minute++) {
    CHECK(board_pass_time(&b, l, 60) == LOCKER_OK);
    char guess[32];
    snprintf(guess, sizeof guess, "%0*u", (int)strlen(pin), 30000u + minute);
    uint64_t unit = ATTACKED;
    uint32_t *doors = NULL;
    size_t count = 0;
    locker_status status = locker_pickup_pin(l, 1, &unit, guess, &doors, &count);
    if (status == LOCKER_CREDENTIAL_REJECTED) weighed++;
    else if (status == LOCKER_CREDENTIAL_THROTTLED) throttled++;
    else CHECK(status == LOCKER_CREDENTIAL_REJECTED);
    char *events = take_events(l);
    if (events != NULL) {
      unit_heard |= strstr(events, "{\"channel\":\"pin\",\"subject\":{\"recipient\":15}}") != NULL;
      bank_heard |= strstr(events, "{\"channel\":\"pin\",\"subject\":\"bank\"}") != NULL;
    }
    free(events);
  }
  CHECK(weighed == 25);
  if (weighed != 25) fprintf(stderr, "  %u guesses counted\n", weighed);
  CHECK(weighed + throttled == 22 * 60);
  CHECK(unit_heard && bank_heard);
  locker_string_free(code);
  locker_free(l);
  free(b.journal);
}

/* --- one PIN for all doors ---------------------------------------------- */

static void test_one_pin_for_all_doors(void) {
  board b;
  board_init(&b, T0);
  locker_hardware hw = board_hardware(&b);
  locker *l = NULL;
  CHECK(locker_new(CONFIG, &hw, &l) == LOCKER_OK);
  if (l == NULL) return;
  char *code = NULL;
  CHECK(locker_issue_courier_code(l, 1, 30 * DAY, &code) == LOCKER_OK);

  /* Parcels that fill a small door: each needs a door of its own. */
  char pins[4][32], token[256];
  uint32_t doors_of_12[4];
  char *events = NULL;
  for (int i = 0; i < 4; i++) {
    locker_parcel p = parcel(701 + (uint64_t)i, 350, 550, 120);
    doors_of_12[i] = deliver(l, &b, 1, code, p, 12, pins[i], token, &events);
    CHECK(doors_of_12[i] != 0);
    for (int j = 0; j < i; j++) CHECK(doors_of_12[i] != doors_of_12[j]);
    char expected[128];
    snprintf(expected, sizeof expected,
             "\"parcels\":1,\"parcel_ids\":[%d],\"carrier\":1,", 701 + i);
    CHECK(events != NULL && strstr(events, expected) != NULL);
    if (i < 3) {
      /* Below the cap (3 by default): the PIN opens its door. */
      snprintf(expected, sizeof expected, "\"pin_opens\":[%u]", doors_of_12[i]);
      CHECK(events != NULL && strstr(events, expected) != NULL);
    } else {
      /* The fourth door: the drop-off does not fail on the cap; one PIN
       * opens all four doors and replaces the three before. */
      uint32_t sorted[4];
      memcpy(sorted, doors_of_12, sizeof sorted);
      for (int x = 0; x < 4; x++)
        for (int y = x + 1; y < 4; y++)
          if (sorted[y] < sorted[x]) {
            uint32_t t = sorted[x];
            sorted[x] = sorted[y];
            sorted[y] = t;
          }
      snprintf(expected, sizeof expected, "\"pin_opens\":[%u,%u,%u,%u]",
               sorted[0], sorted[1], sorted[2], sorted[3]);
      CHECK(events != NULL && strstr(events, expected) != NULL);
    }
    free(events);
    events = NULL;
  }
  uint64_t unit = 12;
  uint32_t *doors = NULL;
  size_t count = 0;
  CHECK(locker_pickup_pin(l, 1, &unit, pins[0], &doors, &count) ==
        LOCKER_CREDENTIAL_REVOKED);
  CHECK(locker_pickup_pin(l, 1, &unit, pins[3], &doors, &count) == LOCKER_OK);
  CHECK(count == 4);
  for (size_t i = 0; i < count && doors != NULL; i++) {
    bool known = false;
    for (int j = 0; j < 4; j++) known |= doors[i] == doors_of_12[j];
    CHECK(known);
  }
  locker_doors_free(doors, count);
  for (int i = 0; i < 4; i++) empty_door(l, &b, doors_of_12[i]);
  /* Spent: every door it opened was emptied. */
  CHECK(locker_pickup_pin(l, 1, &unit, pins[3], &doors, &count) != LOCKER_OK);

  /* A parcel no door takes: the host hears where it must go instead. */
  locker_courier_session *session = NULL;
  CHECK(locker_courier_sign_in_for(l, 2, 1, code, &session) == LOCKER_OK);
  locker_parcel huge = parcel(799, 2000, 500, 500);
  locker_drop_off result;
  memset(&result, 0, sizeof result);
  CHECK(locker_deposit(l, session, &huge, 21, false, &result) == LOCKER_OK);
  CHECK(!result.opened && result.overflow == LOCKER_OVERFLOW_NOTHING_FITS);
  CHECK(locker_courier_sign_out(l, session) == LOCKER_OK);
  locker_courier_session_free(session);
  events = take_events(l);
  CHECK(events != NULL &&
        strstr(events, "{\"type\":\"overflow\",\"parcel\":799,\"recipient\":21,"
                       "\"carrier\":1,\"reason\":\"nothing_fits\"}") != NULL);
  free(events);
  locker_string_free(code);
  locker_free(l);
  free(b.journal);
}

/* The merged PIN is spent door by door: one door collected by its QR code
 * or one out of service, it opens the others. */
static void test_merged_pin_door_by_door(void) {
  board b;
  board_init(&b, T0);
  locker_hardware hw = board_hardware(&b);
  locker *l = NULL;
  CHECK(locker_new(CONFIG, &hw, &l) == LOCKER_OK);
  if (l == NULL) return;
  char *code = NULL;
  CHECK(locker_issue_courier_code(l, 1, 30 * DAY, &code) == LOCKER_OK);
  char pins[4][32], tokens[4][256];
  uint32_t doors_of_12[4];
  for (int i = 0; i < 4; i++) {
    locker_parcel p = parcel(1301 + (uint64_t)i, 350, 550, 120);
    doors_of_12[i] = deliver(l, &b, 1, code, p, 12, pins[i], tokens[i], NULL);
    CHECK(doors_of_12[i] != 0);
  }
  const char *merged = pins[3]; /* opens all four doors */
  uint64_t unit = 12;
  uint32_t *doors = NULL;
  size_t count = 0;

  /* The first door is collected with its QR code... */
  CHECK(opened_by_qr(l, 1, tokens[0], doors_of_12[0]) == 1);
  empty_door(l, &b, doors_of_12[0]);
  /* ...and the one PIN still opens the three others (and only them). */
  CHECK(locker_set_out_of_service(l, doors_of_12[3], "latch sticks") ==
        LOCKER_OK);
  CHECK(locker_pickup_pin(l, 1, &unit, merged, &doors, &count) == LOCKER_OK);
  /* The door out of service stays shut; the other two open. */
  CHECK(count == 2);
  for (size_t i = 0; i < count && doors != NULL; i++)
    CHECK(doors[i] == doors_of_12[1] || doors[i] == doors_of_12[2]);
  locker_doors_free(doors, count);
  empty_door(l, &b, doors_of_12[1]);
  empty_door(l, &b, doors_of_12[2]);
  /* Repaired, the last door opens with it too. */
  CHECK(locker_back_in_service(l, doors_of_12[3]) == LOCKER_OK);
  CHECK(locker_pickup_pin(l, 1, &unit, merged, &doors, &count) == LOCKER_OK);
  free_doors_checked(doors, count, doors_of_12[3]);
  empty_door(l, &b, doors_of_12[3]);
  /* All four collected: spent. */
  CHECK(locker_pickup_pin(l, 1, &unit, merged, &doors, &count) ==
        LOCKER_CREDENTIAL_ALREADY_USED);
  free(take_events(l));
  locker_string_free(code);
  locker_free(l);
  free(b.journal);
}

/* --- couriers ------------------------------------------------------------- */

static void test_courier_sign_in_for_a_carrier(void) {
  board b;
  board_init(&b, T0);
  locker_hardware hw = board_hardware(&b);
  locker *l = NULL;
  CHECK(locker_new(CONFIG, &hw, &l) == LOCKER_OK);
  if (l == NULL) return;
  char *code_1 = NULL, *code_2 = NULL;
  CHECK(locker_issue_courier_code(l, 1, DAY, &code_1) == LOCKER_OK);
  CHECK(locker_issue_courier_code(l, 2, DAY, &code_2) == LOCKER_OK);

  /* Only the named carrier's code is looked at. */
  locker_courier_session *session = (locker_courier_session *)1;
  CHECK(locker_courier_sign_in_for(l, 4, 2, code_1, &session) ==
        LOCKER_CREDENTIAL_REJECTED);
  CHECK(locker_courier_sign_in_for(l, 4, 2, "12345", &session) ==
        LOCKER_CREDENTIAL_MALFORMED);
  CHECK(locker_courier_sign_in_for(l, 4, 2, NULL, &session) ==
        LOCKER_NULL_POINTER);
  CHECK(locker_courier_sign_in_for(l, 4, 2, code_2, NULL) ==
        LOCKER_NULL_POINTER);
  CHECK(locker_courier_sign_in_for(NULL, 4, 2, code_2, &session) ==
        LOCKER_NULL_POINTER);
  CHECK(session == (locker_courier_session *)1);
  /* The wrong code counted against carrier 2, and is on the record. */
  CHECK(journal_has(&b, "\"type\":\"attempt_failed\""));
  CHECK(journal_has(&b, "\"carrier\":2"));

  session = NULL;
  CHECK(locker_courier_sign_in_for(l, 4, 2, code_2, &session) == LOCKER_OK);
  CHECK(journal_has(&b, "{\"type\":\"courier_signed_in\",\"carrier\":2,"
                          "\"kiosk\":4}"));
  CHECK(locker_courier_sign_out(l, NULL) == LOCKER_NULL_POINTER);
  CHECK(locker_courier_sign_out(NULL, session) == LOCKER_NULL_POINTER);
  CHECK(locker_courier_sign_out(l, session) == LOCKER_OK);
  CHECK(journal_has(&b, "{\"type\":\"courier_signed_out\",\"carrier\":2,"
                          "\"kiosk\":4}"));
  locker_courier_session_free(session);
  /* Without naming the carrier, as before: also journaled. */
  session = NULL;
  CHECK(locker_courier_sign_in(l, 5, code_1, &session) == LOCKER_OK);
  CHECK(journal_has(&b, "{\"type\":\"courier_signed_in\",\"carrier\":1,"
                          "\"kiosk\":5}"));
  locker_courier_session_free(session);

  /* A rotated code stops working for its carrier. */
  char *old = code_2;
  CHECK(locker_issue_courier_code(l, 2, DAY, &code_2) == LOCKER_OK);
  CHECK(locker_courier_sign_in_for(l, 4, 2, old, &session) != LOCKER_OK);
  locker_string_free(old);
  locker_string_free(code_1);
  locker_string_free(code_2);
  locker_free(l);
  free(b.journal);
}

/* --- the brute-force bound ------------------------------------------------ */

static void test_brute_force_bound(void) {
  /* The default policy meets its target, with 200 active PINs. */
  char *report = NULL;
  CHECK(locker_brute_force_bound(NULL, 200, &report) == LOCKER_OK);
  CHECK(report != NULL && json_number(report, "per_billion") <= 1000);
  CHECK(report != NULL && json_number(report, "target_per_billion") == 1000);
  CHECK(report != NULL && json_number(report, "attempts_per_24h") == 25);
  CHECK(report != NULL && strstr(report, "\"attacker\":\"a guesser") != NULL);
  locker_string_free(report);

  /* 4-digit PINs without the unit number are far above it. */
  const char *weak = "{\"pin\": {\"digits\": 4, \"binding\": \"unbound\"}}";
  report = NULL;
  CHECK(locker_brute_force_bound(weak, 200, &report) == LOCKER_OK);
  unsigned long long bound = report != NULL ? json_number(report, "per_billion") : 0;
  CHECK(bound > 1000000);
  CHECK(report != NULL && strstr(report, "\"second_factor\":\"none\"") != NULL);
  locker_string_free(report);
  char *untouched = (char *)1;
  CHECK(locker_brute_force_bound("{\"pin\": {\"digits\": 3}}", 200,
                                 &untouched) == LOCKER_CONFIG_INVALID);
  CHECK(strstr(locker_last_error_message(), "pin.digits") != NULL);
  CHECK(locker_brute_force_bound("{\"pins\": 1}", 200, &untouched) ==
        LOCKER_CONFIG_INVALID);
  CHECK(locker_brute_force_bound("\xff", 200, &untouched) == LOCKER_INVALID_UTF8);
  CHECK(locker_brute_force_bound(NULL, 200, NULL) == LOCKER_NULL_POINTER);
  CHECK(untouched == (char *)1);

  /* A locker refuses such a policy, naming the bound and the target. */
  board b;
  board_init(&b, T0);
  locker_hardware hw = board_hardware(&b);
  char config[4096], credentials[512];
  config_with(config, sizeof config, weak);
  locker *l = NULL;
  CHECK(locker_new(config, &hw, &l) == LOCKER_BOUND_EXCEEDED);
  char named[128];
  snprintf(named, sizeof named, "probability %llu per billion", bound);
  CHECK(strstr(locker_last_error_message(), named) != NULL);
  CHECK(strstr(locker_last_error_message(), "target of 1000 per billion") != NULL);
  CHECK(strstr(locker_status_message(LOCKER_BOUND_EXCEEDED), "brute-force") != NULL);
  CHECK(l == NULL && b.journal_len == 0);

  /* A target above the default needs its reason... */
  snprintf(credentials, sizeof credentials,
           "{\"pin\": {\"digits\": 4, \"binding\": \"unbound\"}, "
           "\"brute_force\": {\"target_per_billion\": 1000000000}}");
  config_with(config, sizeof config, credentials);
  CHECK(locker_new(config, &hw, &l) == LOCKER_CONFIG_INVALID);
  CHECK(strstr(locker_last_error_message(), "override_reason") != NULL);
  CHECK(l == NULL && b.journal_len == 0);
  /* ... and with it the locker starts, the override on the record. */
  snprintf(credentials, sizeof credentials,
           "{\"pin\": {\"digits\": 4, \"binding\": \"unbound\"}, "
           "\"brute_force\": {\"target_per_billion\": 1000000000, "
           "\"override_reason\": \"a test bench, no parcels\"}}");
  config_with(config, sizeof config, credentials);
  CHECK(locker_new(config, &hw, &l) == LOCKER_OK);
  CHECK(journal_has(&b, "\"override_reason\":\"a test bench, no parcels\""));
  report = NULL;
  CHECK(locker_brute_force_bound(credentials, 200, &report) == LOCKER_OK);
  CHECK(report != NULL && json_number(report, "target_per_billion") == 1000000000ull);
  CHECK(report != NULL && json_number(report, "per_billion") == bound);
  locker_string_free(report);
  locker_free(l);
  free(b.journal);
}

/* --- power at the latch ------------------------------------------------------ */

static void test_power_lost_at_the_latch(void) {
  board b;
  board_init(&b, T0);
  locker_hardware hw = board_hardware(&b);
  locker *l = NULL;
  CHECK(locker_new(CONFIG, &hw, &l) == LOCKER_OK);
  if (l == NULL) return;
  char *code = NULL;
  CHECK(locker_issue_courier_code(l, 1, DAY, &code) == LOCKER_OK);
  char pin[32], token[256];
  uint32_t door = deliver(l, &b, 1, code, parcel(901, 300, 200, 100), 12, pin,
                          token, NULL);
  CHECK(door != 0);
  b.now_s += 60;

  /* The supply drops as the latch is pulsed: the door stays shut. */
  uint64_t unit = 12;
  uint32_t *doors = NULL;
  size_t count = 0;
  b.power_lost_unlocks = 1;
  CHECK(locker_pickup_pin(l, 1, &unit, pin, &doors, &count) == LOCKER_POWER_LOST);
  CHECK(strstr(locker_last_error_message(), "supply dropped") != NULL);
  char *events = take_events(l);
  CHECK(events != NULL && strstr(events, "\"kind\":\"power_lost\"") != NULL);
  free(events);
  /* Not the latch's fault: the door is still in service... */
  CHECK(journal_has(&b, "\"reason\":\"power_loss\""));
  CHECK(!journal_has(&b, "\"type\":\"out_of_service\""));
  CHECK(locker_back_in_service(l, door) == LOCKER_DOOR_UNAVAILABLE);
  /* ... and, power back, the same PIN opens it. */
  CHECK(locker_pickup_pin(l, 1, &unit, pin, &doors, &count) == LOCKER_OK);
  free_doors_checked(doors, count, door);
  empty_door(l, &b, door);

  /* The control: a jammed latch is the door's fault, and takes it out. */
  door = deliver(l, &b, 1, code, parcel(902, 300, 200, 100), 12, pin, token, NULL);
  CHECK(door != 0);
  b.jam_unlocks = 1;
  CHECK(locker_pickup_pin(l, 1, &unit, pin, &doors, &count) == LOCKER_DOOR_JAMMED);
  CHECK(journal_has(&b, "\"type\":\"out_of_service\""));
  CHECK(locker_back_in_service(l, door) == LOCKER_OK);
  CHECK(locker_pickup_pin(l, 1, &unit, pin, &doors, &count) == LOCKER_OK);
  free_doors_checked(doors, count, door);
  empty_door(l, &b, door);
  free(take_events(l));
  locker_string_free(code);
  locker_free(l);
  free(b.journal);
}

/* --- a failure the journal cannot take ------------------------------------- */

static void test_failure_held_until_journaled(void) {
  board b;
  board_init(&b, T0);
  locker_hardware hw = board_hardware(&b);
  locker *l = NULL;
  CHECK(locker_new(CONFIG, &hw, &l) == LOCKER_OK);
  if (l == NULL) return;
  char *code = NULL;
  CHECK(locker_issue_courier_code(l, 1, DAY, &code) == LOCKER_OK);
  char pin[32], token[256];
  uint32_t door = deliver(l, &b, 1, code, parcel(1401, 300, 200, 100), 12, pin,
                          token, NULL);
  CHECK(door != 0);
  uint64_t unit = 12;
  uint32_t *doors = NULL;
  size_t count = 0;

  /* The flash fails as a wrong PIN is typed: the failure cannot be stored. */
  b.append_fails = true;
  CHECK(locker_pickup_pin(l, 1, &unit, "00000000", &doors, &count) ==
        LOCKER_JOURNAL_WRITE);
  /* Until it is, nothing is verified: not the right PIN, not a QR code. */
  CHECK(locker_pickup_pin(l, 1, &unit, pin, &doors, &count) ==
        LOCKER_JOURNAL_WRITE);
  CHECK(locker_pickup_qr(l, 1, token, &doors, &count) == LOCKER_JOURNAL_WRITE);
  CHECK(!b.unlocked[door]);
  /* The flash back: the held failure goes on the record first, then the
   * resident's PIN opens. */
  b.append_fails = false;
  uint64_t records = board_records(&b);
  CHECK(locker_pickup_pin(l, 1, &unit, pin, &doors, &count) == LOCKER_OK);
  free_doors_checked(doors, count, door);
  CHECK(board_records(&b) > records);
  CHECK(journal_has(&b, "\"type\":\"attempt_failed\""));
  empty_door(l, &b, door);
  free(take_events(l));
  locker_string_free(code);
  locker_free(l);
  free(b.journal);
}

int main(void) {
  const uint32_t one[] = {1};
  const uint32_t several[] = {1, 2, 3};
  test_flood(one, 1);
  test_flood(several, 3);
  test_malformed_pins_lock_nobody();
  test_unit_cap_is_the_banks();
  test_one_pin_for_all_doors();
  test_merged_pin_door_by_door();
  test_courier_sign_in_for_a_carrier();
  test_brute_force_bound();
  test_power_lost_at_the_latch();
  test_failure_held_until_journaled();
  return checks_report();
}
