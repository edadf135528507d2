/* The trust model through the C API, played by an attacker who can read
 * and write the journal's flash, move the real-time clock, and type at the
 * keypad all day (DESIGN.md, "Trust model"):
 *
 *   - a record whose MAC was flipped, or whose content was rewritten with
 *     every hash after it recomputed, is refused as forged, naming it;
 *   - a journal stripped of its MACs (a "legacy" journal) is refused
 *     unless the restore accepts legacy records;
 *   - the last records dropped are refused with the board's monotonic
 *     counter, or with the head exported before; a journal forked after a
 *     rollback is refused with the head;
 *   - another site's key ring, an unknown key and weak keys (a repeated
 *     byte, a counter, a ramp, typed text) are refused;
 *   - banks sharing a key ring: another bank's journal on this board's
 *     flash is refused when the restore is told the board's bank, or
 *     given a head this bank exported (heads name their bank);
 *   - keys rotate, are added and retire through the locker, journaled; a
 *     power cut before the rotated keys are stored leaves a journal the
 *     keys from before restore;
 *   - a door reported closed that the locker never unlocked is refused,
 *     journaled and raised; a flood of them costs one record per door
 *     every 10 minutes;
 *   - a clock pushed 10 days ahead buys no PIN guesses beyond the bank's
 *     daily cap of locker time, and returns no parcel until confirmed, by
 *     staff or by a time the back end signed;
 *   - a clock crept ahead in steps under an hour (none of them a jump) is
 *     held back on a board with an uptime counter (the same 25 guesses, no
 *     parcel returned), where a board without one lives the crept days.
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
#include "sha256.h"

#define KEYS_CAP (LOCKER_KEYS_HEADER_BYTES + 8 * LOCKER_KEY_ENTRY_BYTES)

/* --- the attacker's tools: the journal's flash as text ------------------- */

/* A NUL-terminated copy of the journal on flash (malloc'd). */
static char *flash_read(const board *b) {
  char *text = malloc(b->journal_len + 1);
  if (text == NULL) abort();
  if (b->journal_len > 0) memcpy(text, b->journal, b->journal_len);
  text[b->journal_len] = '\0';
  return text;
}

/* Overwrites the journal on flash with `text`. */
static void flash_write(board *b, const char *text) {
  size_t len = strlen(text);
  if (len > b->journal_cap) {
    char *grown = realloc(b->journal, len);
    if (grown == NULL) abort();
    b->journal = grown;
    b->journal_cap = len;
  }
  memcpy(b->journal, text, len);
  b->journal_len = len;
}

/* Whether the flash holds exactly `text`. */
static bool flash_is(const board *b, const char *text) {
  return b->journal_len == strlen(text) &&
         memcmp(b->journal, text, b->journal_len) == 0;
}

/* Whether the flash holds `needle`. */
static bool flash_has(const board *b, const char *needle) {
  char *text = flash_read(b);
  bool found = strstr(text, needle) != NULL;
  free(text);
  return found;
}

/* The start of line `k` (from 0) of `text`, or NULL. */
static char *line_at(char *text, size_t k) {
  char *line = text;
  for (size_t i = 0; i < k && line != NULL; i++) {
    line = strchr(line, '\n');
    if (line != NULL) line++;
  }
  return line != NULL && *line != '\0' ? line : NULL;
}

/* The first line of `text` holding `needle`, and its number in `*out_k`. */
static char *line_with(char *text, const char *needle, size_t *out_k) {
  char *at = strstr(text, needle);
  if (at == NULL) return NULL;
  size_t k = 0;
  char *line = text;
  for (char *p = text; p < at; p++)
    if (*p == '\n') {
      k++;
      line = p + 1;
    }
  *out_k = k;
  return line;
}

/* The `,"hash":"` of the line at `line`: the last one before its end (the
 * hash follows the entry, which holds hashes of its own no more than
 * anything else). */
static char *hash_field(char *line) {
  char *end = strchr(line, '\n');
  char *found = NULL;
  for (char *at = strstr(line, ",\"hash\":\""); at != NULL && at < end;
       at = strstr(at + 1, ",\"hash\":\""))
    found = at;
  return found;
}

/* What an attacker who knows the format, but not the keys, does after
 * editing line `from`: recomputes the SHA-256 of every record from there
 * on (over the line up to its hash, closed with a brace: the record's
 * canonical body) and links each to the one before. Edits in place (a hash
 * has a fixed length). */
static void relink(char *text, size_t from) {
  char prev_hash[65] = "";
  size_t k = 0;
  for (char *line = text; *line != '\0'; k++) {
    char *end = strchr(line, '\n');
    char *hash = end != NULL ? hash_field(line) : NULL;
    if (hash == NULL) return;
    hash += strlen(",\"hash\":\"");
    if (k >= from) {
      if (k > from) {
        char *prev = strstr(line, "\"prev\":\"");
        if (prev != NULL) memcpy(prev + strlen("\"prev\":\""), prev_hash, 64);
      }
      size_t body_len = (size_t)(hash - strlen(",\"hash\":\"") - line);
      char *body = malloc(body_len + 2);
      if (body == NULL) abort();
      memcpy(body, line, body_len);
      body[body_len] = '}';
      body[body_len + 1] = '\0';
      char digest[65];
      sha256_hex(body, body_len + 1, digest);
      free(body);
      memcpy(hash, digest, 64);
    }
    memcpy(prev_hash, hash, 64);
    prev_hash[64] = '\0';
    line = end + 1;
  }
}

/* Lines from `from` on rewritten as version-1 records: no key id, no MAC,
 * hashes recomputed and relinked (malloc'd). */
static char *downgrade(const char *text, size_t from) {
  char *out = malloc(strlen(text) + 1);
  if (out == NULL) abort();
  char *w = out;
  size_t k = 0;
  for (const char *line = text; *line != '\0'; k++) {
    const char *end = strchr(line, '\n');
    if (end == NULL) break;
    size_t len = (size_t)(end - line);
    memcpy(w, line, len);
    w[len] = '\0';
    if (k >= from) {
      char *seal = strstr(w, ",\"key_id\":");
      char *last = NULL;
      for (char *at = seal; at != NULL; at = strstr(at + 1, ",\"key_id\":"))
        last = at;
      if (last != NULL) {
        strcpy(last, "}");
        len = strlen(w);
      }
      if (strncmp(w, "{\"v\":3,", 7) == 0) w[5] = '1';
    }
    w[len] = '\n';
    w += len + 1;
    line = end + 1;
  }
  *w = '\0';
  relink(out, from);
  return out;
}

/* --- a locker with some history ------------------------------------------ */

/* Copies the locker's keys to `keys` (KEYS_CAP bytes); returns the length. */
static size_t export_keys(locker *l, uint8_t *keys) {
  size_t len = 0;
  CHECK(locker_keys_export(l, keys, KEYS_CAP, &len) == LOCKER_OK);
  return len;
}

/* Copies the locker's head (JSON) to `head` (`cap` bytes). */
static void export_head(locker *l, char *head, size_t cap) {
  char *json = NULL;
  head[0] = '\0';
  CHECK(locker_head(l, &json) == LOCKER_OK);
  CHECK(json != NULL && strlen(json) < cap);
  if (json != NULL && strlen(json) < cap) strcpy(head, json);
  locker_string_free(json);
}

/* A locker over `hw` with a courier code, a parcel stored for unit 12 (its
 * PIN in `pin`) and a door out of service and back: a dozen records. */
static locker *with_history(board *b, const locker_hardware *hw, char *pin) {
  locker *l = NULL;
  CHECK(locker_new(CONFIG, hw, &l) == LOCKER_OK);
  if (l == NULL) return NULL;
  char *code = NULL;
  CHECK(locker_issue_courier_code(l, 1, 30 * DAY, &code) == LOCKER_OK);
  char token[256];
  CHECK(drop_off(l, b, code, 1001, 12, pin, token) != 0);
  locker_string_free(code);
  CHECK(locker_set_out_of_service(l, 5, "hinge") == LOCKER_OK);
  CHECK(locker_back_in_service(l, 5) == LOCKER_OK);
  return l;
}

/* Restores from the flash; frees the locker again. */
static locker_status restore(const locker_hardware *hw, const uint8_t *keys,
                             size_t keys_len, const char *head,
                             bool accept_legacy) {
  locker *l = NULL;
  locker_status status =
      locker_restore(keys, keys_len, hw, head, accept_legacy, &l);
  CHECK((status == LOCKER_OK) == (l != NULL));
  locker_free(l);
  return status;
}

/* Whether the last error names `what` (for example "record 3"). */
static bool error_names(const char *what) {
  return strstr(locker_last_error_message(), what) != NULL;
}

/* --- the monotonic counter --------------------------------------------- */

static void test_counter(void) {
  board b;
  board_init(&b, T0);
  locker_hardware hw = board_with_counter(&b);
  char pin[32];
  locker *l = with_history(&b, &hw, pin);
  if (l == NULL) return;
  /* Raised to the number of records after each record. */
  CHECK(b.counter == board_records(&b));
  CHECK(b.counter_raises == board_records(&b));

  /* A counter that fails to rise does not undo the change: it is said. */
  b.counter_fails = true;
  CHECK(locker_set_out_of_service(l, 4, "glass") == LOCKER_OK);
  char *events = take_events(l);
  CHECK(events != NULL && strstr(events, "\"type\":\"hardware_fault\"") != NULL);
  CHECK(events != NULL && strstr(events, "\"kind\":\"bus_timeout\"") != NULL);
  free(events);
  CHECK(b.counter == board_records(&b) - 1);
  b.counter_fails = false;
  CHECK(locker_back_in_service(l, 4) == LOCKER_OK);
  CHECK(b.counter == board_records(&b));

  uint8_t keys[KEYS_CAP];
  size_t keys_len = export_keys(l, keys);
  char *report = (char *)1;
  CHECK(locker_restore_report(l, &report) == LOCKER_OK);
  CHECK(report == NULL); /* not a restored locker */
  locker_free(l);

  /* A counter that cannot be read: no restore, nothing appended. */
  size_t before = b.journal_len;
  b.counter_fails = true;
  CHECK(restore(&hw, keys, keys_len, NULL, false) == LOCKER_BUS_TIMEOUT);
  b.counter_fails = false;
  CHECK(b.journal_len == before);

  /* The restore reports what vouched for the journal. */
  l = NULL;
  CHECK(locker_restore(keys, keys_len, &hw, NULL, false, &l) == LOCKER_OK);
  CHECK(locker_restore_report(l, &report) == LOCKER_OK);
  char want[256];
  snprintf(want, sizeof want,
           "\"records\":%llu,\"snapshot_through\":null,"
           "\"authenticated_through\":%llu,\"legacy_records\":0,"
           "\"unauthenticated_legacy\":false,\"counter\":%llu,"
           "\"keys_recorded\":false",
           (unsigned long long)board_records(&b),
           (unsigned long long)board_records(&b) - 1,
           (unsigned long long)b.counter);
  CHECK(report != NULL && strstr(report, want) != NULL);
  locker_string_free(report);
  CHECK(locker_restore_report(NULL, &report) == LOCKER_NULL_POINTER);
  CHECK(locker_restore_report(l, NULL) == LOCKER_NULL_POINTER);
  locker_free(l);
  free(b.journal);
}

/* --- rewritten records --------------------------------------------------- */

static void test_forged_records(void) {
  board b;
  board_init(&b, T0);
  locker_hardware hw = board_hardware(&b);
  char pin[32];
  locker *l = with_history(&b, &hw, pin);
  if (l == NULL) return;
  uint8_t keys[KEYS_CAP];
  size_t keys_len = export_keys(l, keys);
  locker_free(l);
  char *good = flash_read(&b);

  /* The attacker's tools are right: relinking an untouched journal
   * changes nothing. */
  char *same = flash_read(&b);
  relink(same, 0);
  CHECK(strcmp(same, good) == 0);
  free(same);

  /* One hex digit of record 3's MAC flipped: forged, named. */
  char *text = flash_read(&b);
  char *line = line_at(text, 3);
  char *mac = line != NULL ? strstr(line, "\"mac\":\"") : NULL;
  CHECK(mac != NULL);
  if (mac != NULL) {
    mac += strlen("\"mac\":\"");
    *mac = *mac == '0' ? '1' : '0';
    flash_write(&b, text);
    CHECK(restore(&hw, keys, keys_len, NULL, false) == LOCKER_JOURNAL_FORGED);
    CHECK(error_names("record 3 is forged"));
    /* Accepting legacy records changes nothing: this one has a MAC. */
    CHECK(restore(&hw, keys, keys_len, NULL, true) == LOCKER_JOURNAL_FORGED);
    CHECK(flash_is(&b, text)); /* refused, and left as it was */
  }
  free(text);

  /* The parcel's recipient rewritten (12 becomes 13). Without the hashes
   * redone, the chain alone finds it; with every hash after it recomputed
   * and relinked, as anyone can, only the MAC does. */
  text = flash_read(&b);
  size_t k = 0;
  line = line_with(text, "\"recipient\":12", &k);
  CHECK(line != NULL && k > 0);
  if (line != NULL) {
    char *recipient = strstr(line, "\"recipient\":12");
    recipient[strlen("\"recipient\":1")] = '3';
    flash_write(&b, text);
    CHECK(restore(&hw, keys, keys_len, NULL, false) == LOCKER_JOURNAL_EDITED);
    relink(text, k);
    flash_write(&b, text);
    CHECK(restore(&hw, keys, keys_len, NULL, false) == LOCKER_JOURNAL_FORGED);
    char named[32];
    snprintf(named, sizeof named, "record %zu is forged", k);
    CHECK(error_names(named));
    CHECK(flash_is(&b, text));
  }
  free(text);

  /* A line spelt otherwise (a space after a colon): not its record. */
  text = flash_read(&b);
  flash_write(&b, good);
  line = line_at(text, 2);
  CHECK(line != NULL);
  if (line != NULL) {
    char *spaced = malloc(strlen(good) + 2);
    if (spaced == NULL) abort();
    size_t at = (size_t)(strchr(line, ':') + 1 - text);
    memcpy(spaced, good, at);
    spaced[at] = ' ';
    strcpy(spaced + at + 1, good + at);
    flash_write(&b, spaced);
    CHECK(restore(&hw, keys, keys_len, NULL, false) ==
          LOCKER_JOURNAL_NOT_CANONICAL);
    CHECK(error_names("record 2"));
    free(spaced);
  }
  free(text);

  /* The real journal still restores. */
  flash_write(&b, good);
  CHECK(restore(&hw, keys, keys_len, NULL, false) == LOCKER_OK);
  free(good);
  free(b.journal);
}

/* --- a journal stripped of its MACs ---------------------------------------- */

static void test_legacy_downgrade(void) {
  board b;
  board_init(&b, T0);
  locker_hardware hw = board_hardware(&b);
  char pin[32];
  locker *l = with_history(&b, &hw, pin);
  if (l == NULL) return;
  uint8_t keys[KEYS_CAP];
  size_t keys_len = export_keys(l, keys);
  locker_free(l);
  char *good = flash_read(&b);
  size_t records = (size_t)board_records(&b);

  /* Only the last record stripped of its MAC: after authenticated records
   * an unauthenticated one is a rewrite, legacy or not. */
  char *tail = downgrade(good, records - 1);
  flash_write(&b, tail);
  CHECK(restore(&hw, keys, keys_len, NULL, false) ==
        LOCKER_JOURNAL_UNAUTHENTICATED);
  CHECK(restore(&hw, keys, keys_len, NULL, true) ==
        LOCKER_JOURNAL_UNAUTHENTICATED);
  char named[32];
  snprintf(named, sizeof named, "record %zu", records - 1);
  CHECK(error_names(named));
  free(tail);

  /* The whole journal made "legacy" (version 1, no MACs): refused unless
   * the restore accepts legacy records, which it must do only once, when
   * upgrading from a library that wrote such journals. */
  char *legacy = downgrade(good, 0);
  CHECK(strstr(legacy, "\"mac\"") == NULL);
  flash_write(&b, legacy);
  CHECK(restore(&hw, keys, keys_len, NULL, false) ==
        LOCKER_JOURNAL_UNAUTHENTICATED);
  CHECK(error_names("record 0"));
  CHECK(flash_is(&b, legacy));
  l = NULL;
  locker_status accepted = locker_restore(keys, keys_len, &hw, NULL, true, &l);
  CHECK(accepted == LOCKER_OK);
  if (l != NULL) {
    /* What was accepted is said, and the keys are journaled, so the
     * journal is authenticated from here on. */
    char *report = NULL;
    CHECK(locker_restore_report(l, &report) == LOCKER_OK);
    CHECK(report != NULL &&
          strstr(report, "\"unauthenticated_legacy\":true") != NULL);
    CHECK(report != NULL && strstr(report, "\"keys_recorded\":true") != NULL);
    char want[32];
    snprintf(want, sizeof want, "\"legacy_records\":%zu", records);
    CHECK(report != NULL && strstr(report, want) != NULL);
    locker_string_free(report);
    locker_free(l);
    CHECK(board_records(&b) > records);
    CHECK(restore(&hw, keys, keys_len, NULL, false) == LOCKER_OK);
  }
  free(legacy);
  free(good);
  free(b.journal);
}

/* --- records dropped, and a fork after a rollback ------------------------- */

static void test_rollback(void) {
  board b;
  board_init(&b, T0);
  locker_hardware counted = board_with_counter(&b);
  locker_hardware uncounted = board_hardware(&b);
  char pin[32];
  locker *l = with_history(&b, &counted, pin);
  if (l == NULL) return;
  uint8_t keys[KEYS_CAP];
  size_t keys_len = export_keys(l, keys);
  char head[256];
  export_head(l, head, sizeof head);
  CHECK(strncmp(head, "{\"seq\":", 7) == 0 && strstr(head, "\"mac\":\"") != NULL);
  locker_free(l);
  uint64_t records = board_records(&b);
  CHECK(b.counter == records);

  /* The attacker drops the last two records (a pickup, a door back in
   * service: whatever they would rather were not on the record). */
  char *text = flash_read(&b);
  char *cut = line_at(text, (size_t)records - 2);
  CHECK(cut != NULL);
  if (cut != NULL) *cut = '\0';
  flash_write(&b, text);

  /* The board's counter says there were more. */
  CHECK(restore(&counted, keys, keys_len, NULL, false) ==
        LOCKER_JOURNAL_ROLLED_BACK);
  char named[96];
  snprintf(named, sizeof named, "%llu records were seen before, it holds %llu",
           (unsigned long long)records, (unsigned long long)records - 2);
  CHECK(error_names(named));
  /* So does the head exported before, on a board without a counter. */
  CHECK(restore(&uncounted, keys, keys_len, head, false) ==
        LOCKER_JOURNAL_ROLLED_BACK);
  CHECK(restore(&counted, keys, keys_len, head, true) ==
        LOCKER_JOURNAL_ROLLED_BACK);
  CHECK(flash_is(&b, text));

  /* Heads that are not heads. */
  CHECK(restore(&uncounted, keys, keys_len, "{}", false) ==
        LOCKER_INVALID_ARGUMENT);
  CHECK(error_names("expected_head_json"));
  CHECK(restore(&uncounted, keys, keys_len, "head", false) ==
        LOCKER_INVALID_ARGUMENT);
  char padded[300];
  snprintf(padded, sizeof padded, "%.*s,\"extra\":1}", (int)strlen(head) - 1,
           head);
  CHECK(restore(&uncounted, keys, keys_len, padded, false) ==
        LOCKER_INVALID_ARGUMENT);
  CHECK(restore(&uncounted, keys, keys_len, "\xff", false) ==
        LOCKER_INVALID_UTF8);

  /* Without the counter or the head, nothing shows the cut: that is what
   * they are for. */
  CHECK(restore(&uncounted, keys, keys_len, NULL, false) == LOCKER_OK);
  free(text);
  free(b.journal);
}

static void test_fork(void) {
  board b;
  board_init(&b, T0);
  locker_hardware hw = board_hardware(&b);
  char pin[32];
  locker *l = with_history(&b, &hw, pin);
  if (l == NULL) return;
  uint8_t keys[KEYS_CAP];
  size_t keys_len = export_keys(l, keys);
  locker_free(l);
  char *before = flash_read(&b);
  uint64_t records = board_records(&b);

  /* Door 2 goes out of service; the head goes to the back end. */
  l = NULL;
  CHECK(locker_restore(keys, keys_len, &hw, NULL, false, &l) == LOCKER_OK);
  if (l == NULL) return;
  CHECK(locker_set_out_of_service(l, 2, "vandalised") == LOCKER_OK);
  char head[256];
  export_head(l, head, sizeof head);
  locker_free(l);

  /* The attacker rolls the flash back and lets the locker write something
   * else in its place: as many records, another last one. */
  flash_write(&b, before);
  l = NULL;
  CHECK(locker_restore(keys, keys_len, &hw, NULL, false, &l) == LOCKER_OK);
  if (l == NULL) return;
  CHECK(locker_set_out_of_service(l, 3, "cleaning") == LOCKER_OK);
  char other[256];
  export_head(l, other, sizeof other);
  locker_free(l);
  CHECK(board_records(&b) == records + 1);
  CHECK(strcmp(head, other) != 0);

  char named[64];
  snprintf(named, sizeof named, "record %llu differs",
           (unsigned long long)records);
  CHECK(restore(&hw, keys, keys_len, head, false) ==
        LOCKER_JOURNAL_HEAD_MISMATCH);
  CHECK(error_names(named));
  CHECK(restore(&hw, keys, keys_len, other, false) == LOCKER_OK);
  free(before);
  free(b.journal);
}

/* --- banks sharing a key ring ---------------------------------------------- */

/* A locker of bank `bank_id` over `hw` with the provisioned keys, a parcel
 * stored for unit 12; returns it (its PIN in `pin`). */
static locker *bank_with_history(board *b, const locker_hardware *hw,
                                 unsigned bank_id, char *pin) {
  char config[4096];
  snprintf(config, sizeof config, "{\"bank_id\": %u,%s", bank_id,
           strchr(CONFIG, ',') + 1);
  uint8_t keys[LOCKER_KEYS_HEADER_BYTES + LOCKER_KEY_ENTRY_BYTES];
  provisioned_keys(keys);
  locker *l = NULL;
  CHECK(locker_new_with_keys(config, keys, sizeof keys, hw, &l) == LOCKER_OK);
  if (l == NULL) return NULL;
  char *code = NULL;
  CHECK(locker_issue_courier_code(l, 1, 30 * DAY, &code) == LOCKER_OK);
  char token[256];
  CHECK(drop_off(l, b, code, 4000 + bank_id, 12, pin, token) != 0);
  locker_string_free(code);
  return l;
}

/* Restores through locker_restore_with; frees the locker again. */
static locker_status restore_with(const locker_hardware *hw,
                                  const uint8_t *keys, size_t keys_len,
                                  const char *head, const uint64_t *bank) {
  locker_restore_options options;
  memset(&options, 0, sizeof options);
  options.size = sizeof options;
  options.expected_head_json = head;
  options.expected_bank = bank;
  locker *l = NULL;
  locker_status status = locker_restore_with(keys, keys_len, hw, &options, &l);
  CHECK((status == LOCKER_OK) == (l != NULL));
  locker_free(l);
  return status;
}

static void test_another_banks_journal(void) {
  /* Banks 31 and 32 of one site, provisioned with the same key ring (as
   * a cloud issuer shares it): each authenticates the other's journal. */
  board a, b;
  board_init(&a, T0);
  board_init(&b, T0);
  b.rng = 0x0123456789abcdefull;
  locker_hardware hw_a = board_hardware(&a), hw_b = board_hardware(&b);
  char pin_a[32], pin_b[32];
  locker *la = bank_with_history(&a, &hw_a, 31, pin_a);
  locker *lb = bank_with_history(&b, &hw_b, 32, pin_b);
  if (la == NULL || lb == NULL) return;
  uint8_t keys[LOCKER_KEYS_HEADER_BYTES + LOCKER_KEY_ENTRY_BYTES];
  provisioned_keys(keys);
  /* Heads name their bank. */
  char head_a[256], head_b[256];
  export_head(la, head_a, sizeof head_a);
  export_head(lb, head_b, sizeof head_b);
  CHECK(strstr(head_a, ",\"bank_id\":31}") != NULL);
  CHECK(strstr(head_b, ",\"bank_id\":32}") != NULL);
  locker_free(la);
  locker_free(lb);
  uint64_t bank_31 = 31, bank_32 = 32;

  /* Bank 31's own journal restores, told its bank, its head, both, or
   * nothing; the options may be left out. */
  CHECK(restore_with(&hw_a, keys, sizeof keys, NULL, &bank_31) == LOCKER_OK);
  CHECK(restore_with(&hw_a, keys, sizeof keys, head_a, NULL) == LOCKER_OK);
  CHECK(restore_with(&hw_a, keys, sizeof keys, head_a, &bank_31) == LOCKER_OK);
  CHECK(restore_with(&hw_a, keys, sizeof keys, NULL, NULL) == LOCKER_OK);
  locker *l = NULL;
  CHECK(locker_restore_with(keys, sizeof keys, &hw_a, NULL, &l) == LOCKER_OK);
  locker_free(l);

  /* Told another bank: refused, naming both, the journal left as it was. */
  char *journal_a = flash_read(&a);
  CHECK(restore_with(&hw_a, keys, sizeof keys, NULL, &bank_32) ==
        LOCKER_JOURNAL_WRONG_BANK);
  CHECK(error_names("the journal is bank 31's, not bank 32's"));
  CHECK(flash_is(&a, journal_a));
  /* Against another bank's exported head (through either function). */
  CHECK(restore_with(&hw_a, keys, sizeof keys, head_b, NULL) ==
        LOCKER_JOURNAL_WRONG_BANK);
  CHECK(restore(&hw_a, keys, sizeof keys, head_b, false) ==
        LOCKER_JOURNAL_WRONG_BANK);
  CHECK(restore(&hw_a, keys, sizeof keys, head_b, true) ==
        LOCKER_JOURNAL_WRONG_BANK);
  CHECK(flash_is(&a, journal_a));
  /* Not the credential's status: a token for another bank is 414. */
  CHECK(LOCKER_JOURNAL_WRONG_BANK != LOCKER_REMOTE_WRONG_BANK);

  /* The attack: bank 32's journal copied onto bank 31's flash. The ring
   * verifies it, so without the bank it restores as bank 31's... */
  char *journal_b = flash_read(&b);
  flash_write(&a, journal_b);
  CHECK(restore_with(&hw_a, keys, sizeof keys, NULL, NULL) == LOCKER_OK);
  flash_write(&a, journal_b);
  /* ...and told its bank, or with its own head, the board refuses it. */
  CHECK(restore_with(&hw_a, keys, sizeof keys, NULL, &bank_31) ==
        LOCKER_JOURNAL_WRONG_BANK);
  CHECK(error_names("the journal is bank 32's, not bank 31's"));
  CHECK(restore(&hw_a, keys, sizeof keys, head_a, false) ==
        LOCKER_JOURNAL_WRONG_BANK);
  CHECK(flash_is(&a, journal_b));
  /* When both are given, the bank told is the bank checked. */
  CHECK(restore_with(&hw_a, keys, sizeof keys, head_b, &bank_31) ==
        LOCKER_JOURNAL_WRONG_BANK);

  /* A head from before heads named their bank still reads. */
  flash_write(&a, journal_a);
  char bare[256];
  strcpy(bare, head_a);
  char *named = strstr(bare, ",\"bank_id\":31");
  if (named != NULL) strcpy(named, "}");
  CHECK(strstr(bare, "bank_id") == NULL);
  CHECK(restore_with(&hw_a, keys, sizeof keys, bare, &bank_31) == LOCKER_OK);

  /* The options struct carries its size; refusals write nothing. */
  locker_restore_options options;
  memset(&options, 0, sizeof options);
  options.expected_bank = &bank_32;
  l = NULL;
  CHECK(locker_restore_with(keys, sizeof keys, &hw_a, &options, &l) ==
        LOCKER_STRUCT_SIZE);
  CHECK(error_names("sizeof(locker_restore_options)"));
  options.size = sizeof options + 8;
  CHECK(locker_restore_with(keys, sizeof keys, &hw_a, &options, &l) ==
        LOCKER_STRUCT_SIZE);
  options.size = sizeof options;
  options.expected_head_json = "{\"seq\": 1}";
  CHECK(locker_restore_with(keys, sizeof keys, &hw_a, &options, &l) ==
        LOCKER_INVALID_ARGUMENT);
  CHECK(error_names("expected_head_json"));
  CHECK(locker_restore_with(keys, sizeof keys, &hw_a, &options, NULL) ==
        LOCKER_NULL_POINTER);
  CHECK(locker_restore_with(NULL, sizeof keys, &hw_a, &options, &l) ==
        LOCKER_NULL_POINTER);
  CHECK(l == NULL && flash_is(&a, journal_a));
  free(journal_a);
  free(journal_b);
  free(a.journal);
  free(b.journal);
}

/* --- key rings ------------------------------------------------------------- */

static void test_key_rings(void) {
  /* Two lockers, each with a key drawn from its own RNG: both key id 1. */
  board a, c;
  board_init(&a, T0);
  board_init(&c, T0);
  c.rng = 0x0123456789abcdefull;
  locker_hardware hw_a = board_hardware(&a), hw_c = board_hardware(&c);
  char pin[32];
  locker *la = with_history(&a, &hw_a, pin);
  locker *lc = NULL;
  CHECK(locker_new(CONFIG, &hw_c, &lc) == LOCKER_OK);
  if (la == NULL || lc == NULL) return;
  uint8_t keys_a[KEYS_CAP], keys_c[KEYS_CAP];
  size_t len_a = export_keys(la, keys_a), len_c = export_keys(lc, keys_c);
  locker_free(la);
  locker_free(lc);
  CHECK(len_a == len_c && memcmp(keys_a, keys_c, 5) == 0); /* same ids */
  char *journal = flash_read(&a);

  /* Another site's ring. */
  CHECK(restore(&hw_a, keys_c, len_c, NULL, false) ==
        LOCKER_JOURNAL_WRONG_KEY_RING);
  CHECK(restore(&hw_a, keys_c, len_c, NULL, true) ==
        LOCKER_JOURNAL_WRONG_KEY_RING);
  /* A ring without the journal's key. */
  uint8_t provisioned[LOCKER_KEYS_HEADER_BYTES + LOCKER_KEY_ENTRY_BYTES];
  provisioned_keys(provisioned);
  CHECK(restore(&hw_a, provisioned, sizeof provisioned, NULL, false) ==
        LOCKER_JOURNAL_UNKNOWN_KEY);
  CHECK(error_names("which the key ring does not hold"));
  /* Weak keys: one byte repeated, a counter, a ramp, typed text (each of
   * the last three has 16 distinct byte values or more: what gives them
   * away is the steps between neighbours, or that all are printable). */
  uint8_t weak[sizeof provisioned];
  memcpy(weak, provisioned, sizeof weak);
  uint8_t *weak_secret = weak + LOCKER_KEYS_HEADER_BYTES + 2;
  memset(weak_secret, 0x5a, LOCKER_KEY_SECRET_BYTES);
  CHECK(restore(&hw_a, weak, sizeof weak, NULL, false) == LOCKER_WEAK_KEY);
  locker *l = NULL;
  board d;
  board_init(&d, T0);
  locker_hardware hw_d = board_hardware(&d);
  CHECK(locker_new_with_keys(CONFIG, weak, sizeof weak, &hw_d, &l) ==
        LOCKER_WEAK_KEY);
  CHECK(l == NULL && d.journal_len == 0);
  for (int kind = 0; kind < 3; kind++) {
    for (size_t i = 0; i < LOCKER_KEY_SECRET_BYTES; i++)
      weak_secret[i] = kind == 0   ? (uint8_t)i               /* a counter */
                       : kind == 1 ? (uint8_t)(0x5a + 7 * i) /* a ramp */
                                   : (uint8_t)"Correct Horse, Battery Staple 42"[i];
    CHECK(restore(&hw_a, weak, sizeof weak, NULL, false) == LOCKER_WEAK_KEY);
    CHECK(error_names("key 7 is weak"));
    CHECK(locker_new_with_keys(CONFIG, weak, sizeof weak, &hw_d, &l) ==
          LOCKER_WEAK_KEY);
    CHECK(l == NULL && d.journal_len == 0);
  }
  CHECK(error_names("printable"));
  /* Refused rings leave the journal as it was. */
  CHECK(flash_is(&a, journal));
  CHECK(restore(&hw_a, keys_a, len_a, NULL, false) == LOCKER_OK);
  free(journal);
  free(a.journal);
  free(c.journal);
}

static void test_keys_through_the_locker(void) {
  board b;
  board_init(&b, T0);
  locker_hardware hw = board_hardware(&b);
  uint8_t provisioned[LOCKER_KEYS_HEADER_BYTES + LOCKER_KEY_ENTRY_BYTES];
  provisioned_keys(provisioned);
  locker *l = NULL;
  CHECK(locker_new_with_keys(CONFIG, provisioned, sizeof provisioned, &hw,
                             &l) == LOCKER_OK);
  if (l == NULL) return;
  char *code = NULL;
  CHECK(locker_issue_courier_code(l, 1, 30 * DAY, &code) == LOCKER_OK);
  char pin[32], token[256];
  uint32_t door = drop_off(l, &b, code, 2001, 12, pin, token);
  CHECK(door != 0);

  /* Rotate: a new key, journaled; the old one keeps verifying. */
  uint16_t key_id = 0;
  CHECK(locker_rotate_key(l, NULL) == LOCKER_NULL_POINTER);
  CHECK(locker_rotate_key(l, &key_id) == LOCKER_OK);
  CHECK(key_id == REMOTE_KEY_ID + 1);
  CHECK(flash_has(&b, "\"type\":\"keys_changed\""));

  /* A power cut before the new keys are stored: the rotation's record is
   * sealed with a key both rings hold, so the keys from before still
   * restore the journal (and the restore journals them). The running
   * locker then goes on with the journal as it was. */
  char *rotated = flash_read(&b);
  locker *cut = NULL;
  CHECK(locker_restore(provisioned, sizeof provisioned, &hw, NULL, false,
                       &cut) == LOCKER_OK);
  char *report = NULL;
  CHECK(cut != NULL && locker_restore_report(cut, &report) == LOCKER_OK);
  CHECK(report != NULL && strstr(report, "\"keys_recorded\":true") != NULL);
  locker_string_free(report);
  locker_free(cut);
  flash_write(&b, rotated);
  free(rotated);
  char *checks = NULL;
  CHECK(locker_key_checks(l, &checks) == LOCKER_OK);
  CHECK(checks != NULL && strncmp(checks, "[{\"key_id\":7,\"check\":\"", 22) == 0);
  CHECK(checks != NULL && strstr(checks, "{\"key_id\":8,\"check\":\"") != NULL);
  locker_string_free(checks);
  uint8_t keys[KEYS_CAP];
  size_t keys_len = export_keys(l, keys);
  CHECK(keys_len == LOCKER_KEYS_HEADER_BYTES + 2 * LOCKER_KEY_ENTRY_BYTES);
  uint64_t unit = 12;
  uint32_t *doors = NULL;
  size_t count = 0;
  CHECK(locker_pickup_pin(l, 1, &unit, pin, &doors, &count) == LOCKER_OK);
  free_doors_checked(doors, count, door);
  empty_door(l, &b, door);
  door = drop_off(l, &b, code, 2002, 12, pin, token); /* a PIN of key 8 */
  CHECK(door != 0);
  free(take_events(l));

  /* Records after the rotation are sealed with the new key: the keys from
   * before it no longer restore the journal. Store the new ones at once. */
  CHECK(restore(&hw, provisioned, sizeof provisioned, NULL, false) ==
        LOCKER_JOURNAL_UNKNOWN_KEY);
  CHECK(restore(&hw, keys, keys_len, NULL, false) == LOCKER_OK);

  /* Add a provisioned key: weak and short secrets are refused. A ramp
   * (byte i = 37 i + 5) holds 32 distinct byte values, yet no random
   * source gives it. */
  uint8_t secret[LOCKER_KEY_SECRET_BYTES];
  memset(secret, 0x11, sizeof secret);
  CHECK(locker_add_key(l, 20, secret, sizeof secret) == LOCKER_WEAK_KEY);
  for (size_t i = 0; i < sizeof secret; i++) secret[i] = (uint8_t)(i * 37 + 5);
  CHECK(locker_add_key(l, 20, secret, sizeof secret) == LOCKER_WEAK_KEY);
  CHECK(error_names("key 20 is weak"));
  /* A fixed SHA-256 output ("locker-ffi C tests: added key 20"). */
  static const uint8_t added[LOCKER_KEY_SECRET_BYTES] = {
      0x98, 0x5e, 0x4b, 0x8a, 0x31, 0x68, 0x98, 0x3a, 0xc6, 0x1f, 0xe0,
      0x73, 0xc0, 0xf4, 0x67, 0xd9, 0xdb, 0xa4, 0x46, 0x30, 0x3b, 0xc2,
      0x0f, 0x5a, 0xca, 0x95, 0xe9, 0x2b, 0xe4, 0x48, 0xf3, 0xa3};
  memcpy(secret, added, sizeof secret);
  CHECK(locker_add_key(l, 20, secret, sizeof secret - 1) == LOCKER_KEYS_INVALID);
  CHECK(locker_add_key(l, 20, NULL, sizeof secret) == LOCKER_NULL_POINTER);
  CHECK(locker_add_key(l, 20, secret, sizeof secret) == LOCKER_OK);
  CHECK(locker_add_key(l, 20, secret, sizeof secret) == LOCKER_CREDENTIAL_FAILED);

  /* Retire: the last key cannot go; an unknown one is refused. */
  CHECK(locker_retire_key(l, 7) == LOCKER_OK);
  CHECK(locker_retire_key(l, 7) == LOCKER_CREDENTIAL_FAILED);
  CHECK(locker_retire_key(l, 8) == LOCKER_OK);
  CHECK(locker_retire_key(l, 20) == LOCKER_NO_KEYS);
  CHECK(error_names("holds no key"));
  checks = NULL;
  CHECK(locker_key_checks(l, &checks) == LOCKER_OK);
  CHECK(checks != NULL && strncmp(checks, "[{\"key_id\":20,", 14) == 0 &&
        strstr(checks, "},{") == NULL);
  locker_string_free(checks);
  /* Key 8's PIN retired with it. */
  CHECK(locker_pickup_pin(l, 1, &unit, pin, &doors, &count) != LOCKER_OK);
  keys_len = export_keys(l, keys);
  CHECK(keys_len == LOCKER_KEYS_HEADER_BYTES + LOCKER_KEY_ENTRY_BYTES);
  locker_string_free(code);
  locker_free(l);
  /* The records sealed with retired keys stay vouched for by the later
   * ones: the journal restores with the one key left. */
  CHECK(restore(&hw, keys, keys_len, NULL, false) == LOCKER_OK);
  free(b.journal);
}

/* --- door events ------------------------------------------------------------ */

static void test_unexpected_door_close(void) {
  board b;
  board_init(&b, T0);
  locker_hardware hw = board_hardware(&b);
  char pin[32];
  locker *l = with_history(&b, &hw, pin);
  if (l == NULL) return;
  free(take_events(l));
  uint64_t records = board_records(&b);

  /* Door 4 was never unlocked: someone forced it, or forged the event. */
  CHECK(locker_door_closed(l, 4) == LOCKER_DOOR_NOT_OPEN_FOR);
  CHECK(board_records(&b) == records + 1);
  CHECK(flash_has(&b, "\"type\":\"unexpected_door_close\",\"compartment\":4"));
  char *events = take_events(l);
  CHECK(events != NULL &&
        strstr(events, "{\"type\":\"unexpected_door_close\",\"compartment\":4}") !=
            NULL);
  free(events);
  /* A flood of forged closes: each is refused and raised, and one record
   * per door an hour keeps the flash from filling. */
  for (int i = 0; i < 50; i++)
    CHECK(locker_door_closed(l, 4) == LOCKER_DOOR_NOT_OPEN_FOR);
  CHECK(board_records(&b) == records + 1);
  events = take_events(l);
  const char *alarm = "\"type\":\"unexpected_door_close\"";
  unsigned raised = 0;
  for (const char *at = events != NULL ? strstr(events, alarm) : NULL;
       at != NULL; at = strstr(at + 1, alarm))
    raised++;
  CHECK(raised == 50);
  free(events);
  b.now_s += 3599;
  CHECK(locker_door_closed(l, 4) == LOCKER_DOOR_NOT_OPEN_FOR);
  CHECK(board_records(&b) == records + 1);
  free(take_events(l));
  b.now_s += 1;
  CHECK(locker_door_closed(l, 4) == LOCKER_DOOR_NOT_OPEN_FOR);
  CHECK(board_records(&b) == records + 2);
  free(take_events(l));
  /* A door the bank does not have. */
  CHECK(locker_door_closed(l, 99) == LOCKER_UNKNOWN_COMPARTMENT);
  CHECK(board_records(&b) == records + 2);
  uint8_t keys[KEYS_CAP];
  size_t keys_len = export_keys(l, keys);
  locker_free(l);
  CHECK(restore(&hw, keys, keys_len, NULL, false) == LOCKER_OK);
  free(b.journal);
}

/* --- the clock ----------------------------------------------------------------- */

/* Wrong PINs typed at the keypad, one every 10 minutes of board time for
 * `hours`, each for another unit at one of three kiosks: counts the
 * guesses the locker weighed (refused as wrong) and those it throttled. */
static void guess(board *b, locker *l, unsigned hours, unsigned *weighed,
                  unsigned *throttled, size_t pin_len) {
  static unsigned n = 0;
  for (unsigned i = 0; i < hours * 6; i++, n++) {
    CHECK(board_pass_time(b, l, 600) == LOCKER_OK);
    char wrong[32];
    snprintf(wrong, sizeof wrong, "%0*u", (int)pin_len, 1000u + n);
    uint64_t unit = 500 + n;
    uint32_t *doors = NULL;
    size_t count = 0;
    locker_status status =
        locker_pickup_pin(l, 1 + n % 3, &unit, wrong, &doors, &count);
    if (status == LOCKER_CREDENTIAL_REJECTED) (*weighed)++;
    else if (status == LOCKER_CREDENTIAL_THROTTLED) (*throttled)++;
    else CHECK(status == LOCKER_CREDENTIAL_REJECTED);
  }
}

static void test_clock_pushed_ahead(void) {
  board b;
  board_init(&b, T0);
  locker_hardware hw = board_hardware(&b);
  locker *l = NULL;
  CHECK(locker_new(CONFIG, &hw, &l) == LOCKER_OK);
  if (l == NULL) return;
  char *code = NULL;
  CHECK(locker_issue_courier_code(l, 1, 30 * DAY, &code) == LOCKER_OK);
  /* Two parcels: unit 14's to be left until it expires. */
  char pin[32], token[256];
  uint32_t left = drop_off(l, &b, code, 3002, 14, pin, token);
  uint32_t door = drop_off(l, &b, code, 3001, 12, pin, token);
  CHECK(door != 0 && left != 0);
  locker_string_free(code);

  /* Half a day of guessing, as fast as the locker lets one. */
  unsigned weighed = 0, throttled = 0;
  guess(&b, l, 12, &weighed, &throttled, strlen(pin));
  CHECK(weighed > 5 && throttled > 0);

  /* The attacker pushes the clock 10 days ahead, hoping the throttle
   * windows empty and the parcel expires out to the carrier. */
  uint64_t locker_s = 0, held_s = 0;
  CHECK(locker_observe_clock(l, &locker_s) == LOCKER_OK);
  b.now_s += 10 * DAY;
  uint64_t after_s = 0;
  CHECK(locker_observe_clock(l, &after_s) == LOCKER_OK);
  CHECK(after_s == locker_s); /* held back whole */
  CHECK(locker_clock_held(l, &held_s) == LOCKER_OK);
  CHECK(held_s == 10 * DAY);
  CHECK(locker_tick(l) == LOCKER_OK);
  char *events = take_events(l);
  CHECK(events != NULL && strstr(events, "\"type\":\"clock_jumped\"") != NULL);
  CHECK(events != NULL && strstr(events, "\"return_ready\"") == NULL);
  free(events);
  CHECK(flash_has(&b, "\"type\":\"clock_jumped\""));

  /* A reboot does not launder the push: the hold is on the record. */
  uint8_t keys[KEYS_CAP];
  size_t keys_len = export_keys(l, keys);
  locker_free(l);
  l = NULL;
  CHECK(locker_restore(keys, keys_len, &hw, NULL, false, &l) == LOCKER_OK);
  if (l == NULL) return;
  CHECK(locker_clock_held(l, &held_s) == LOCKER_OK);
  CHECK(held_s == 10 * DAY);

  /* Another 11 hours of guessing: still inside the same locker day, so
   * the bank's daily cap (25 by default) holds across the push. */
  guess(&b, l, 11, &weighed, &throttled, strlen(pin));
  CHECK(weighed <= 25);
  /* The PIN channel is locked bank-wide for the locker day; the resident
   * still collects with the QR token (a failure costs only the failer). */
  uint64_t unit = 12;
  uint32_t *doors = NULL;
  size_t count = 0;
  CHECK(locker_pickup_pin(l, 1, &unit, pin, &doors, &count) ==
        LOCKER_CREDENTIAL_THROTTLED);
  CHECK(locker_pickup_qr(l, 1, token, &doors, &count) == LOCKER_OK);
  free_doors_checked(doors, count, door);
  empty_door(l, &b, door);
  CHECK(locker_observe_clock(l, &after_s) == LOCKER_OK);
  CHECK(after_s - T0 < DAY);
  CHECK(locker_tick(l) == LOCKER_OK);
  events = take_events(l);
  CHECK(events != NULL && strstr(events, "\"return_ready\"") == NULL);
  free(events);

  /* Staff confirm the clock: the locker's time is the clock's, and the
   * parcel, 10 days old by it, goes back to the carrier. */
  uint64_t now_s = 0;
  CHECK(locker_confirm_clock(l, NULL) == LOCKER_NULL_POINTER);
  CHECK(locker_confirm_clock(l, &now_s) == LOCKER_OK);
  CHECK(now_s == b.now_s);
  CHECK(locker_clock_held(l, &held_s) == LOCKER_OK && held_s == 0);
  CHECK(locker_tick(l) == LOCKER_OK);
  events = take_events(l);
  CHECK(events != NULL && strstr(events, "\"type\":\"clock_confirmed\"") != NULL);
  CHECK(events != NULL && strstr(events, "\"by\":\"staff\"") != NULL);
  CHECK(events != NULL && strstr(events, "\"type\":\"return_ready\"") != NULL);
  free(events);
  /* Nothing held: confirming again changes nothing. */
  CHECK(locker_confirm_clock(l, &now_s) == LOCKER_OK && now_s == b.now_s);
  /* The control: with the time confirmed, the day is over and guesses are
   * weighed again; the hold is what kept them out. */
  unsigned capped = weighed;
  guess(&b, l, 1, &weighed, &throttled, strlen(pin));
  CHECK(weighed > capped);
  locker_free(l);
  free(b.journal);
}

/* What a week of clock crept in by 50-minute steps, one a minute of time
 * lived, bought an attacker guessing at the keypad. */
typedef struct creep {
  unsigned weighed;   /* guesses refused as wrong: counted */
  unsigned throttled; /* guesses the throttle refused */
  bool returned;      /* the parcel left to expire went back (return_ready) */
  bool jumped;        /* the locker raised clock_jumped */
  uint64_t held_s;    /* what the locker holds back at the end */
  uint64_t lived_s;   /* the locker's time minus T0 at the end */
} creep;

static creep creep_clock(bool with_uptime) {
  creep result;
  memset(&result, 0, sizeof result);
  board b;
  board_init(&b, T0);
  locker_hardware hw = with_uptime ? board_with_uptime(&b) : board_hardware(&b);
  locker *l = NULL;
  CHECK(locker_new(CONFIG, &hw, &l) == LOCKER_OK);
  if (l == NULL) return result;
  char *code = NULL;
  CHECK(locker_issue_courier_code(l, 1, 30 * DAY, &code) == LOCKER_OK);
  /* A parcel for unit 14, left to expire (48 h by default). */
  char pin[32], token[256];
  CHECK(drop_off(l, &b, code, 5001, 14, pin, token) != 0);
  locker_string_free(code);
  free(take_events(l));

  /* 200 rounds: a minute lived, then the clock set 50 minutes ahead (under
   * clock.max_step_s, so no step is a jump), then a wrong PIN naming a new
   * unit each time (only the bank's scope counts it). 200 minutes lived,
   * a week on the clock. */
  for (unsigned round = 0; round < 200; round++) {
    CHECK(board_pass_time(&b, l, 60) == LOCKER_OK);
    b.now_s += 50 * 60;
    uint64_t now_s = 0;
    CHECK(locker_observe_clock(l, &now_s) == LOCKER_OK);
    char wrong[32];
    snprintf(wrong, sizeof wrong, "%0*u", (int)strlen(pin), 7000u + round);
    uint64_t unit = 600 + round;
    uint32_t *doors = NULL;
    size_t count = 0;
    locker_status status = locker_pickup_pin(l, 1, &unit, wrong, &doors, &count);
    if (status == LOCKER_CREDENTIAL_REJECTED) result.weighed++;
    else if (status == LOCKER_CREDENTIAL_THROTTLED) result.throttled++;
    else CHECK(status == LOCKER_CREDENTIAL_REJECTED);
    CHECK(locker_tick(l) == LOCKER_OK);
    char *events = take_events(l);
    result.returned |= events != NULL && strstr(events, "\"type\":\"return_ready\"") != NULL;
    result.jumped |= events != NULL && strstr(events, "\"type\":\"clock_jumped\"") != NULL;
    free(events);
  }
  uint64_t now_s = 0;
  CHECK(locker_observe_clock(l, &now_s) == LOCKER_OK);
  result.lived_s = now_s - T0;
  CHECK(locker_clock_held(l, &result.held_s) == LOCKER_OK);
  if (with_uptime) {
    /* Staff confirm the clock: the week counts from here on, and the
     * parcel, a week old by it, goes back to the carrier. */
    CHECK(locker_confirm_clock(l, &now_s) == LOCKER_OK && now_s == b.now_s);
    CHECK(locker_tick(l) == LOCKER_OK);
    char *events = take_events(l);
    CHECK(events != NULL && strstr(events, "\"type\":\"return_ready\"") != NULL);
    free(events);
  }
  locker_free(l);
  free(b.journal);
  return result;
}

static void test_clock_crept_ahead(void) {
  creep held = creep_clock(true);
  /* With the uptime counter: the locker lived 200 minutes (and its minute
   * of allowance), the rest of the week is held back; the bank's daily
   * cap holds, and nothing expires. */
  CHECK(held.weighed <= 25);
  CHECK(held.throttled > 0);
  CHECK(held.weighed + held.throttled == 200);
  CHECK(!held.returned);
  CHECK(held.jumped);
  CHECK(held.lived_s <= 200 * 60 + 60);
  CHECK(held.held_s >= 200 * 50 * 60 - 60);

  /* The control, without one: every step is time passing, the crept week
   * is the locker's, its days each give the guesser the bank's cap again,
   * and the parcel expires out to the carrier. */
  creep crept = creep_clock(false);
  CHECK(crept.weighed > 3 * 25);
  CHECK(crept.returned);
  CHECK(!crept.jumped);
  CHECK(crept.held_s == 0);
  CHECK(crept.lived_s == 200 * (60 + 50 * 60));
  printf("  clock crept a week: %u guesses counted with an uptime counter, "
         "%u without\n",
         held.weighed, crept.weighed);
}

static void test_signed_time(void) {
  board b;
  board_init(&b, T0);
  locker_hardware hw = board_hardware(&b);
  uint8_t keys[LOCKER_KEYS_HEADER_BYTES + LOCKER_KEY_ENTRY_BYTES];
  provisioned_keys(keys);
  locker *l = NULL;
  CHECK(locker_new_with_keys(CONFIG, keys, sizeof keys, &hw, &l) == LOCKER_OK);
  if (l == NULL) return;
  b.now_s = T0 + 10 * DAY + 60; /* the push */
  uint64_t now_s = 0, held_s = 0;
  CHECK(locker_observe_clock(l, &now_s) == LOCKER_OK && now_s == T0);

  /* Refusals: the hold stays. */
  uint64_t untouched = 7;
  CHECK(locker_confirm_signed_time(l, SIGNED_TIME_T0, &untouched) ==
        LOCKER_INVALID_ARGUMENT); /* an old time: the clock disagrees */
  CHECK(error_names("signed_time"));
  CHECK(locker_confirm_signed_time(l, SIGNED_TIME_10D_OTHER_BANK,
                                   &untouched) == LOCKER_REMOTE_WRONG_BANK);
  char edited[256];
  CHECK(strlen(SIGNED_TIME_10D) < sizeof edited);
  strcpy(edited, SIGNED_TIME_10D);
  char *time_s = strstr(edited, "\"time_s\":");
  if (time_s != NULL) time_s[strlen("\"time_s\":") + 9] = '9'; /* +5000 s */
  CHECK(locker_confirm_signed_time(l, edited, &untouched) ==
        LOCKER_CREDENTIAL_REJECTED);
  strcpy(edited, SIGNED_TIME_10D);
  snprintf(edited + strlen(edited) - 1, sizeof edited - strlen(edited) + 1,
           ",\"extra\":1}");
  CHECK(locker_confirm_signed_time(l, edited, &untouched) ==
        LOCKER_CREDENTIAL_MALFORMED);
  CHECK(locker_confirm_signed_time(l, "null", &untouched) ==
        LOCKER_CREDENTIAL_MALFORMED);
  CHECK(locker_confirm_signed_time(l, NULL, &untouched) == LOCKER_NULL_POINTER);
  CHECK(locker_confirm_signed_time(l, SIGNED_TIME_10D, NULL) ==
        LOCKER_NULL_POINTER);
  CHECK(untouched == 7);
  CHECK(locker_clock_held(l, &held_s) == LOCKER_OK && held_s > 9 * DAY);

  /* The back end's time agrees with the clock: the jump was real. */
  CHECK(locker_confirm_signed_time(l, SIGNED_TIME_10D, &now_s) == LOCKER_OK);
  CHECK(now_s == b.now_s);
  CHECK(locker_clock_held(l, &held_s) == LOCKER_OK && held_s == 0);
  char *events = take_events(l);
  CHECK(events != NULL && strstr(events, "\"by\":\"signed_time\"") != NULL);
  free(events);
  locker_free(l);
  CHECK(restore(&hw, keys, sizeof keys, NULL, false) == LOCKER_OK);
  free(b.journal);
}

int main(void) {
  test_counter();
  test_forged_records();
  test_legacy_downgrade();
  test_rollback();
  test_fork();
  test_another_banks_journal();
  test_key_rings();
  test_keys_through_the_locker();
  test_unexpected_door_close();
  test_clock_pushed_ahead();
  test_clock_crept_ahead();
  test_signed_time();
  return checks_report();
}
