/* The journal on raw flash through the C API: a locker whose journal is a
 * NOR flash region simulated in RAM (nor.h), with power cuts at any byte.
 *
 * - wrong arguments: NULL pointers, struct sizes no version has, a region
 *   of an odd number of blocks, a missing callback, a locker without
 *   flash, no keys and no entropy, each refused with its status and
 *   nothing written;
 * - a busy bank on a small region: many drop-offs and pickups, several
 *   compactions, each half's history exported on `journal_compacted`
 *   (contiguous, nothing lost), then a compaction right after a pickup,
 *   a power-off and a restore to the same head, usage and parcels;
 * - a power cut swept across an operation that compacts (every few bytes,
 *   and every byte around the commit bytes): the reopened locker is the
 *   one before or the one after, never anything else;
 * - a torn frame dropped at opening and the journal continued, a failing
 *   flash write (its own status, then recovered), a region too small for
 *   the bank, a forged snapshot byte and a forged record refused, a wiped
 *   region refused against the exported head and the monotonic counter
 *   (and left blank), and another bank's region refused;
 * - a region holding data but no journal (a byte set in a blank chip, the
 *   only half's magic flipped) refused as damaged, nothing written;
 * - a compaction right after a PIN pickup (the spent PIN not yet pruned),
 *   a power-off and a restore.
 *
 * Built by scripts/ci/c with -std=c11 -Wall -Wextra -Werror against both
 * libraries and run under valgrind. Prints "N passed, N failed". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "board.h"
#include "check.h"
#include "locker.h"
#include "nor.h"
#include "people.h"

#define BLOCK 2048u
/* A small region for the six-door bank: 2 x 16 KiB, where a young
 * bank's snapshot takes under 1.3 KiB (compressed; a third of its JSON
 * before) and a drop-off about 400 bytes of records (four records). */
#define REGION (16u * BLOCK)
/* A region for a busy day: 2 x 16 KiB too. The snapshot grows with the
 * tokens spent and kept until they expire (to about 6.5 KiB stored, 18 KiB
 * as JSON, before snapshots were compressed), leaving room for records
 * between compactions. */
#define BUSY_REGION (16u * BLOCK)

/* A half's header, as the README's layout gives it: "LKF" 2 (4 bytes),
 * generation u32, next_seq u64, head [32], snapshot length u32 at 48,
 * then the snapshot (storage encoding) and the commit byte. Records
 * follow as frames: length u32, record, commit byte. */
#define HEADER_FIXED 52u
#define SNAPSHOT_LEN_AT 48u

/* ------------------------------------------------------------------ */
/* A site: the board, the flash, the locker, the parcels waiting and the
 * history exported to the "back end". */

typedef struct waiting {
  uint32_t door;
  uint64_t unit;
  char pin[32];
} waiting;

typedef struct site {
  board b;
  nor n;
  locker *l;
  uint8_t keys[LOCKER_KEYS_HEADER_BYTES + LOCKER_KEY_ENTRY_BYTES];
  char *code; /* carrier 1's courier code */
  waiting parcels[8];
  size_t count;
  uint64_t next_parcel;
  uint64_t next_unit;
  /* Compactions seen, and the history exported: the next record the back
   * end expects, and whether a gap or a repeat was ever seen. */
  unsigned compactions;
  uint64_t exported_next;
  uint64_t exported_lines;
  bool export_broken;
  /* The last journal_compacted event's snapshot_bytes: the snapshot as
   * the chip holds it. */
  int64_t snapshot_event_bytes;
} site;

static locker_status open_on(site *s, const locker_flash_options *options,
                             locker_flash_opened *opened) {
  locker_hardware hw = board_hardware(&s->b);
  /* The journal is the flash: no line callbacks. */
  hw.journal_append = NULL;
  hw.journal_read = NULL;
  hw.journal_truncate = NULL;
  locker_flash flash = nor_flash(&s->n);
  return locker_open_flash(CONFIG, s->keys, sizeof s->keys, &hw, &flash, options,
                           &s->l, opened);
}

/* The number after the first `"key":` at or after `json`, or -1. */
static int64_t json_number(const char *json, const char *key) {
  char pattern[64];
  snprintf(pattern, sizeof pattern, "\"%s\":", key);
  const char *at = strstr(json, pattern);
  if (at == NULL) return -1;
  at += strlen(pattern);
  if (*at < '0' || *at > '9') return -1;
  return strtoll(at, NULL, 10);
}

/* Exports the other half's history, as a host does on journal_compacted:
 * the lines must continue exactly where the last export ended, and end
 * at the record the compaction's snapshot covers. */
static void export_previous(site *s, int64_t through_seq) {
  char *lines = NULL;
  CHECK(locker_flash_previous(s->l, &lines) == LOCKER_OK);
  if (lines == NULL) return;
  int64_t last = -1;
  for (const char *line = lines; *line != '\0';) {
    const char *end = strchr(line, '\n');
    CHECK(end != NULL);
    if (end == NULL) break;
    CHECK(strncmp(line, "{\"v\":3,\"seq\":", 13) == 0);
    int64_t seq = json_number(line, "seq");
    if (seq < 0 || (uint64_t)seq != s->exported_next) s->export_broken = true;
    s->exported_next = (uint64_t)seq + 1;
    s->exported_lines++;
    last = seq;
    line = end + 1;
  }
  if (last != through_seq) s->export_broken = true;
  locker_string_free(lines);
}

/* Takes the events (a malloc'd copy), counting compactions and exporting
 * the history each one leaves in the other half. */
static char *site_events(site *s) {
  char *events = take_events(s->l);
  CHECK(events != NULL);
  if (events == NULL) return NULL;
  const char *at = events;
  while ((at = strstr(at, "\"type\":\"journal_compacted\"")) != NULL) {
    s->compactions++;
    s->snapshot_event_bytes = json_number(at, "snapshot_bytes");
    export_previous(s, json_number(at, "through_seq"));
    at++;
  }
  return events;
}

static bool site_open(site *s, uint32_t capacity, const locker_flash_options *options) {
  memset(s, 0, sizeof *s);
  board_init(&s->b, T0);
  nor_init(&s->n, capacity, BLOCK);
  provisioned_keys(s->keys);
  s->next_parcel = 1000;
  s->next_unit = 100;
  locker_flash_opened opened;
  memset(&opened, 0xAB, sizeof opened);
  CHECK(open_on(s, options, &opened) == LOCKER_OK);
  if (s->l == NULL) return false;
  CHECK(!opened.restored && !opened.from_snapshot && !opened.torn_dropped);
  CHECK(opened.torn_bytes == 0 && opened.records == 0);
  CHECK(locker_issue_courier_code(s->l, 1, 30 * DAY, &s->code) == LOCKER_OK);
  return s->code != NULL;
}

static void site_close(site *s) {
  locker_free(s->l);
  s->l = NULL;
  locker_string_free(s->code);
  s->code = NULL;
  free(s->b.journal);
  nor_free(&s->n);
}

/* Five minutes pass (doors leave their re-open grace) and the locker
 * ticks, as firmware calls locker_tick every few seconds. */
static bool site_later(site *s, uint64_t seconds) {
  s->b.now_s += seconds;
  bool ticked = locker_tick(s->l) == LOCKER_OK;
  free(site_events(s));
  return ticked;
}

/* A courier drops a parcel off for a new unit; false when no door took it
 * or a call failed. */
static bool site_drop_off(site *s) {
  if (s->count == sizeof s->parcels / sizeof s->parcels[0]) return false;
  if (!site_later(s, 300)) return false;
  locker_courier_session *session = NULL;
  if (locker_courier_sign_in(s->l, 1, s->code, &session) != LOCKER_OK) return false;
  locker_parcel p = parcel(s->next_parcel++, 300, 200, 100);
  locker_drop_off result;
  memset(&result, 0, sizeof result);
  uint64_t unit = s->next_unit++;
  locker_status status = locker_deposit(s->l, session, &p, unit, false, &result);
  /* Signed out, or the session stays in the state (and its snapshots). */
  if (locker_courier_sign_out(s->l, session) != LOCKER_OK) status = LOCKER_STATE;
  locker_courier_session_free(session);
  if (status != LOCKER_OK || !result.opened) return false;
  uint32_t door = result.compartment;
  board_open(&s->b, door);
  s->b.occupied[door] = true;
  board_close(&s->b, door);
  if (locker_door_closed(s->l, door) != LOCKER_OK) return false;
  char *events = site_events(s);
  waiting *w = &s->parcels[s->count];
  bool ready = events != NULL && json_string(events, "pin", w->pin, sizeof w->pin);
  free(events);
  if (!ready) return false;
  w->door = door;
  w->unit = unit;
  s->count++;
  return true;
}

/* The resident of the oldest parcel collects it with the PIN. */
static bool site_pickup(site *s) {
  if (s->count == 0) return false;
  waiting w = s->parcels[0];
  memmove(s->parcels, s->parcels + 1, (s->count - 1) * sizeof s->parcels[0]);
  s->count--;
  if (!site_later(s, 300)) return false;
  uint32_t *doors = NULL;
  size_t count = 0;
  if (locker_pickup_pin(s->l, 1, &w.unit, w.pin, &doors, &count) != LOCKER_OK) {
    return false;
  }
  bool right = count == 1 && doors[0] == w.door;
  locker_doors_free(doors, count);
  board_open(&s->b, w.door);
  s->b.occupied[w.door] = false;
  board_close(&s->b, w.door);
  bool closed = locker_door_closed(s->l, w.door) == LOCKER_OK;
  free(site_events(s));
  return right && closed;
}

/* The head as JSON (malloc'd), or NULL. */
static char *head_of(locker *l) {
  char *head = NULL;
  if (locker_head(l, &head) != LOCKER_OK || head == NULL) return NULL;
  char *copy = malloc(strlen(head) + 1);
  if (copy != NULL) strcpy(copy, head);
  locker_string_free(head);
  return copy;
}

/* Whether two heads name the same record (its number and hash): a head
 * read right after a restore from a snapshot alone carries no MAC. */
static bool same_head(const char *a, const char *b) {
  char hash_a[80], hash_b[80];
  if (a == NULL || b == NULL) return false;
  if (json_string(a, "hash", hash_a, sizeof hash_a) == NULL) return false;
  if (json_string(b, "hash", hash_b, sizeof hash_b) == NULL) return false;
  return json_number(a, "seq") == json_number(b, "seq") &&
         strcmp(hash_a, hash_b) == 0;
}

static locker_flash_stats stats_of(locker *l) {
  locker_flash_stats stats;
  memset(&stats, 0, sizeof stats);
  CHECK(locker_flash_usage(l, &stats) == LOCKER_OK);
  return stats;
}

/* ------------------------------------------------------------------ */

static void test_arguments(void) {
  site s;
  memset(&s, 0, sizeof s);
  board_init(&s.b, T0);
  nor_init(&s.n, REGION, BLOCK);
  provisioned_keys(s.keys);
  locker_hardware hw = board_hardware(&s.b);
  locker_flash flash = nor_flash(&s.n);
  locker *l = NULL;
  locker_flash_opened opened;
  memset(&opened, 0xAB, sizeof opened);
  const locker_flash_opened untouched = opened;
  const size_t keys_len = sizeof s.keys;

  /* NULL pointers, named. */
  CHECK(locker_open_flash(CONFIG, s.keys, keys_len, &hw, &flash, NULL, NULL,
                          &opened) == LOCKER_NULL_POINTER);
  CHECK(locker_open_flash(CONFIG, s.keys, keys_len, &hw, &flash, NULL, &l, NULL) ==
        LOCKER_NULL_POINTER);
  CHECK(locker_open_flash(CONFIG, s.keys, keys_len, &hw, NULL, NULL, &l, &opened) ==
        LOCKER_NULL_POINTER);
  CHECK(strstr(locker_last_error_message(), "flash is NULL") != NULL);
  CHECK(locker_open_flash(CONFIG, s.keys, keys_len, NULL, &flash, NULL, &l, &opened) ==
        LOCKER_NULL_POINTER);
  CHECK(locker_open_flash(CONFIG, NULL, 5, &hw, &flash, NULL, &l, &opened) ==
        LOCKER_NULL_POINTER);
  locker_flash no_erase = flash;
  no_erase.erase = NULL;
  CHECK(locker_open_flash(CONFIG, s.keys, keys_len, &hw, &no_erase, NULL, &l,
                          &opened) == LOCKER_NULL_POINTER);
  CHECK(strcmp(locker_last_error_message(), "flash->erase is NULL") == 0);

  /* Struct sizes no version has. */
  locker_flash small = flash;
  small.size = sizeof small - sizeof(void *);
  CHECK(locker_open_flash(CONFIG, s.keys, keys_len, &hw, &small, NULL, &l, &opened) ==
        LOCKER_STRUCT_SIZE);
  CHECK(strstr(locker_last_error_message(), "flash->size") != NULL);
  small.size = 0;
  CHECK(locker_open_flash(CONFIG, s.keys, keys_len, &hw, &small, NULL, &l, &opened) ==
        LOCKER_STRUCT_SIZE);
  locker_flash_options options;
  memset(&options, 0, sizeof options);
  options.size = sizeof options + 8;
  CHECK(locker_open_flash(CONFIG, s.keys, keys_len, &hw, &flash, &options, &l,
                          &opened) == LOCKER_STRUCT_SIZE);
  CHECK(strstr(locker_last_error_message(), "options->size") != NULL);
  locker_hardware hw_small = hw;
  hw_small.size = 3;
  CHECK(locker_open_flash(CONFIG, s.keys, keys_len, &hw_small, &flash, NULL, &l,
                          &opened) == LOCKER_STRUCT_SIZE);

  /* Regions the two halves do not fit: an odd number of blocks, no block
   * size, halves under 64 bytes. */
  locker_flash odd = flash;
  odd.capacity_bytes = 15 * BLOCK;
  CHECK(locker_open_flash(CONFIG, s.keys, keys_len, &hw, &odd, NULL, &l, &opened) ==
        LOCKER_FLASH_LAYOUT);
  CHECK(strstr(locker_last_error_message(), "even number") != NULL);
  odd.capacity_bytes = REGION + 100;
  CHECK(locker_open_flash(CONFIG, s.keys, keys_len, &hw, &odd, NULL, &l, &opened) ==
        LOCKER_FLASH_LAYOUT);
  odd = flash;
  odd.erase_block_bytes = 0;
  CHECK(locker_open_flash(CONFIG, s.keys, keys_len, &hw, &odd, NULL, &l, &opened) ==
        LOCKER_FLASH_LAYOUT);
  odd = flash;
  odd.capacity_bytes = 64;
  odd.erase_block_bytes = 32;
  CHECK(locker_open_flash(CONFIG, s.keys, keys_len, &hw, &odd, NULL, &l, &opened) ==
        LOCKER_FLASH_LAYOUT);
  /* Compaction past a half: never. */
  options.size = sizeof options;
  options.compact_at_bytes = REGION / 2 + 1;
  CHECK(locker_open_flash(CONFIG, s.keys, keys_len, &hw, &flash, &options, &l,
                          &opened) == LOCKER_INVALID_ARGUMENT);
  CHECK(strstr(locker_last_error_message(), "compact_at_bytes") != NULL);
  /* A head that is not one. */
  options.compact_at_bytes = 0;
  options.expected_head_json = "{\"seq\": \"x\"}";
  CHECK(locker_open_flash(CONFIG, s.keys, keys_len, &hw, &flash, &options, &l,
                          &opened) == LOCKER_INVALID_ARGUMENT);

  /* Nothing was written, to C or to the chip. */
  CHECK(l == NULL);
  CHECK(memcmp(&opened, &untouched, sizeof opened) == 0);
  CHECK(s.n.written == 0 && s.n.erased_blocks == 0 && s.n.refused == 0);

  /* A locker without flash: no usage, no history; compacting does nothing. */
  locker *plain = NULL;
  CHECK(locker_new(CONFIG, &hw, &plain) == LOCKER_OK);
  locker_flash_stats stats;
  memset(&stats, 0x5A, sizeof stats);
  const locker_flash_stats stats_untouched = stats;
  CHECK(locker_flash_usage(plain, &stats) == LOCKER_NO_FLASH);
  CHECK(memcmp(&stats, &stats_untouched, sizeof stats) == 0);
  char *lines = NULL;
  CHECK(locker_flash_previous(plain, &lines) == LOCKER_NO_FLASH);
  CHECK(lines == NULL);
  bool compacted = true;
  CHECK(locker_compact(plain, &compacted) == LOCKER_OK);
  CHECK(!compacted);
  CHECK(locker_compact(plain, NULL) == LOCKER_NULL_POINTER);
  CHECK(locker_compact(NULL, &compacted) == LOCKER_NULL_POINTER);
  CHECK(locker_flash_usage(NULL, &stats) == LOCKER_NULL_POINTER);
  CHECK(locker_flash_usage(plain, NULL) == LOCKER_NULL_POINTER);
  CHECK(locker_flash_previous(plain, NULL) == LOCKER_NULL_POINTER);
  locker_free(plain);

  /* No keys and a TRNG that fails, or one stuck at zero: refused as
   * locker_new refuses it, nothing written. */
  s.b.entropy_fails = true;
  CHECK(locker_open_flash(CONFIG, NULL, 0, &hw, &flash, NULL, &l, &opened) ==
        LOCKER_ENTROPY_UNAVAILABLE);
  s.b.entropy_fails = false;
  const uint64_t rng = s.b.rng;
  s.b.rng = 0;
  CHECK(locker_open_flash(CONFIG, NULL, 0, &hw, &flash, NULL, &l, &opened) ==
        LOCKER_ENTROPY_UNAVAILABLE);
  CHECK(strstr(locker_last_error_message(), "all zeros") != NULL);
  s.b.rng = rng;
  CHECK(l == NULL && memcmp(&opened, &untouched, sizeof opened) == 0);
  CHECK(s.n.written == 0 && s.n.erased_blocks == 0);

  /* The same arguments, right: a new locker, its first record formatting
   * the region (the first half's header, then the record). Fresh keys
   * come from the TRNG when none are given. */
  CHECK(locker_open_flash(CONFIG, NULL, 0, &hw, &flash, NULL, &l, &opened) ==
        LOCKER_OK);
  CHECK(!opened.restored);
  stats = stats_of(l);
  CHECK(stats.capacity_bytes == REGION && stats.half_bytes == REGION / 2);
  CHECK(stats.generation == 1 && stats.records == 1 && stats.snapshot_bytes == 0);
  CHECK(stats.used_bytes > HEADER_FIXED + 1 && stats.used_bytes < stats.half_bytes);
  CHECK(locker_flash_previous(l, &lines) == LOCKER_OK);
  CHECK(lines != NULL && strcmp(lines, "") == 0);
  locker_string_free(lines);
  locker_free(l);
  l = NULL;
  /* Reopened without its keys: they are needed to restore. */
  CHECK(locker_open_flash(CONFIG, NULL, 0, &hw, &flash, NULL, &l, &opened) ==
        LOCKER_NULL_POINTER);
  CHECK(strstr(locker_last_error_message(), "holds a journal") != NULL);
  CHECK(l == NULL);
  CHECK(s.n.refused == 0);
  free(s.b.journal);
  nor_free(&s.n);
}

/* Many drop-offs and pickups on a small region: it compacts several
 * times, each compaction's history is exported whole, and a power-off
 * restores the same locker. */
static void test_busy_bank_compacts_and_restores(void) {
  site s;
  if (!site_open(&s, BUSY_REGION, NULL)) return;
  unsigned failures = 0;
  for (int i = 0; i < 90; i++) {
    if (!site_drop_off(&s)) failures++;
    if (s.count >= 3 && !site_pickup(&s)) failures++;
  }
  CHECK(failures == 0);
  CHECK(s.compactions >= 3);
  CHECK(!s.export_broken);
  CHECK(s.exported_lines > 100);
  printf("busy bank: %llu parcels, %u compactions, %llu records exported\n",
         (unsigned long long)(s.next_parcel - 1000), s.compactions,
         (unsigned long long)s.exported_lines);
  locker_flash_stats before = stats_of(s.l);
  CHECK(before.generation == 1 + s.compactions);
  CHECK(before.snapshot_bytes > 0 && before.used_bytes <= before.half_bytes);
  /* The last compaction event counted the snapshot the chip holds now. */
  CHECK(s.compactions == 0 || s.snapshot_event_bytes == (int64_t)before.snapshot_bytes);
  printf("busy bank: snapshot %u bytes stored, %u bytes in the active half (%u records)\n",
         before.snapshot_bytes, before.used_bytes, before.records);
  /* Compacting on request, right after a pickup (its spent PIN not yet
   * pruned): the records so far go to the other half. */
  bool compacted = false;
  CHECK(locker_compact(s.l, &compacted) == LOCKER_OK);
  CHECK(compacted);
  free(site_events(&s));
  CHECK(!s.export_broken);
  locker_flash_stats now = stats_of(s.l);
  CHECK(now.generation == before.generation + 1 && now.records == 0);
  /* The event counts the snapshot as the chip holds it. */
  CHECK(s.snapshot_event_bytes == (int64_t)now.snapshot_bytes);
  CHECK(site_drop_off(&s));
  before = stats_of(s.l);
  char *head = head_of(s.l);
  CHECK(head != NULL);

  /* Power off: the board and the chip stay as they are. */
  locker_free(s.l);
  s.l = NULL;
  locker_flash_options options;
  memset(&options, 0, sizeof options);
  options.size = sizeof options;
  options.expected_head_json = head;
  const uint64_t bank = 31;
  options.expected_bank = &bank;
  locker_flash_opened opened;
  memset(&opened, 0, sizeof opened);
  CHECK(open_on(&s, &options, &opened) == LOCKER_OK);
  CHECK(opened.restored && opened.from_snapshot && !opened.torn_dropped);
  CHECK(opened.records == before.records);
  if (s.l != NULL) {
    char *again = head_of(s.l);
    CHECK(again != NULL && head != NULL && strcmp(again, head) == 0);
    free(again);
    locker_flash_stats after = stats_of(s.l);
    CHECK(memcmp(&after, &before, sizeof after) == 0);
    char *report = NULL;
    CHECK(locker_restore_report(s.l, &report) == LOCKER_OK);
    CHECK(report != NULL && strstr(report, "\"snapshot_through\":") != NULL &&
          strstr(report, "\"snapshot_through\":null") == NULL);
    locker_string_free(report);
    /* Every parcel waiting is still there for its resident. */
    while (s.count > 0) CHECK(site_pickup(&s));
    CHECK(site_drop_off(&s));
  }
  free(head);
  site_close(&s);
}

/* The offset of the active half: the committed header with the newest
 * generation. */
static uint32_t active_half(const nor *n) {
  uint32_t half = n->capacity / 2;
  uint32_t gen[2] = {0, 0};
  for (int h = 0; h < 2; h++) {
    const uint8_t *at = n->bytes + h * half;
    if (memcmp(at, "LKF\x02", 4) == 0) memcpy(&gen[h], at + 4, 4);
  }
  return gen[1] > gen[0] ? half : 0;
}

/* Sets up a locker whose next record compacts first: a snapshot in the
 * active half, records after it, and a low `compact_at_bytes`. Returns
 * the flash image to start each trial from (malloc'd). */
static uint8_t *image_before_compaction(site *s) {
  if (!site_open(s, REGION, NULL)) return NULL;
  bool compacted = false;
  CHECK(locker_compact(s->l, &compacted) == LOCKER_OK && compacted);
  free(site_events(s));
  for (int i = 0; i < 4; i++) CHECK(site_drop_off(s));
  uint8_t *image = malloc(REGION);
  if (image != NULL) memcpy(image, s->n.bytes, REGION);
  locker_free(s->l);
  s->l = NULL;
  return image;
}

/* One trial: the chip as `image`, the power cut after `cut` bytes (< 0:
 * never) during an operation whose record comes after a compaction.
 * Writes the head after the operation (or "" when it failed). */
static locker_status trial(site *s, const uint8_t *image, const board *b0,
                           int64_t cut, char *head, size_t cap) {
  memcpy(s->n.bytes, image, REGION);
  nor_restore_power(&s->n);
  s->b = *b0;
  locker_flash_options options;
  memset(&options, 0, sizeof options);
  options.size = sizeof options;
  options.compact_at_bytes = 64; /* past it already: the next record compacts */
  locker_flash_opened opened;
  CHECK(open_on(s, &options, &opened) == LOCKER_OK);
  if (s->l == NULL) return LOCKER_PANIC;
  nor_cut_power_after(&s->n, cut);
  char *code = NULL;
  locker_status status = locker_issue_courier_code(s->l, 2, DAY, &code);
  head[0] = '\0';
  if (status == LOCKER_OK) {
    char *h = head_of(s->l);
    if (h != NULL) snprintf(head, cap, "%s", h);
    free(h);
    /* The compaction was announced. */
    char *events = take_events(s->l);
    CHECK(events != NULL && strstr(events, "journal_compacted") != NULL);
    free(events);
  }
  locker_string_free(code);
  locker_free(s->l);
  s->l = NULL;
  nor_restore_power(&s->n);
  return status;
}

/* Where the bytes of the uncut operation went: the erase of the other
 * half, its header (ending in the commit byte at `header_commit`), then
 * the record's frame (its length field at `frame`, its commit byte
 * last). */
typedef struct layout {
  uint64_t total, erase_end, header_commit, frame;
  uint32_t generation;
} layout;

/* Cut points: every `STRIDE` bytes, and each byte around the boundaries
 * where what a reboot finds changes. */
#define STRIDE 997u
static size_t cut_points(const layout *w, uint64_t *out, size_t cap) {
  size_t n = 0;
  for (uint64_t cut = 0; cut < w->total && n < cap; cut += STRIDE) out[n++] = cut;
  const uint64_t edges[] = {
      1,
      w->erase_end - 1, w->erase_end, w->erase_end + 1, /* erase ends */
      w->erase_end + 4, w->erase_end + 8,              /* magic, generation */
      w->erase_end + 48, w->erase_end + HEADER_FIXED,  /* chain, length */
      w->header_commit - 1, w->header_commit,          /* commit unwritten */
      w->header_commit + 1,                            /* header committed */
      w->frame + 2, w->frame + 4, w->frame + 5,        /* frame length */
      w->total - 2, w->total - 1,                      /* frame commit */
      w->total, w->total + 1,                          /* done */
  };
  for (size_t i = 0; i < sizeof edges / sizeof edges[0] && n < cap; i++) {
    out[n++] = edges[i];
  }
  return n;
}

/* A power cut swept across a compaction and the record after it: each
 * reboot finds the locker before the operation (in the old half, or in
 * the new one when its header was committed but not the record) or the
 * one after it, never anything else, and goes on from there. */
static void test_power_cut_swept_across_a_compaction(void) {
  site s;
  uint8_t *image = image_before_compaction(&s);
  if (image == NULL) {
    site_close(&s);
    return;
  }
  const board b0 = s.b;
  /* The locker before: the head restored from the image as it is. */
  char before[512] = "";
  uint32_t generation = 0;
  {
    locker_flash_opened opened;
    CHECK(open_on(&s, NULL, &opened) == LOCKER_OK);
    char *h = s.l ? head_of(s.l) : NULL;
    if (h != NULL) snprintf(before, sizeof before, "%s", h);
    free(h);
    if (s.l != NULL) generation = stats_of(s.l).generation;
    locker_free(s.l);
    s.l = NULL;
  }
  /* The locker after, and where the operation's bytes went, without a
   * cut. Opening an intact region writes nothing, so every byte counted
   * is the operation's. */
  char after[512];
  uint64_t start = s.n.spent;
  CHECK(trial(&s, image, &b0, -1, after, sizeof after) == LOCKER_OK);
  layout w;
  w.total = s.n.spent - start;
  w.generation = generation;
  w.erase_end = REGION / 2;
  uint32_t base = active_half(&s.n);
  uint32_t snapshot_len = 0;
  memcpy(&snapshot_len, s.n.bytes + base + SNAPSHOT_LEN_AT, 4);
  w.header_commit = w.erase_end + HEADER_FIXED + snapshot_len;
  w.frame = w.header_commit + 1;
  uint32_t frame_len = 0;
  memcpy(&frame_len, s.n.bytes + base + HEADER_FIXED + 1 + snapshot_len, 4);
  CHECK(w.total == w.frame + 4 + frame_len + 1);
  CHECK(before[0] != '\0' && after[0] != '\0' && !same_head(before, after));

  uint64_t cuts[128];
  size_t count = cut_points(&w, cuts, sizeof cuts / sizeof cuts[0]);
  unsigned as_before = 0, in_new_half = 0, as_after = 0, wrong = 0;
  for (size_t i = 0; i < count; i++) {
    uint64_t cut = cuts[i];
    char got[512];
    locker_status status = trial(&s, image, &b0, (int64_t)cut, got, sizeof got);
    CHECK(status == (cut >= w.total ? LOCKER_OK : LOCKER_FLASH_FAILED));
    /* Power back: reopen as the board would at boot. */
    locker_flash_opened opened;
    memset(&opened, 0, sizeof opened);
    CHECK(open_on(&s, NULL, &opened) == LOCKER_OK);
    if (s.l == NULL) continue;
    CHECK(opened.restored);
    char *h = head_of(s.l);
    uint32_t gen = stats_of(s.l).generation;
    bool committed = cut > w.header_commit;
    if (same_head(h, before) && status != LOCKER_OK) {
      /* The old half until the new header's commit byte, then the new
       * half, from its snapshot alone. */
      as_before++;
      CHECK(gen == (committed ? generation + 1 : generation));
      if (committed) {
        in_new_half++;
        CHECK(opened.from_snapshot && opened.records <= 1);
      }
    } else if (same_head(h, after) && status == LOCKER_OK) {
      as_after++;
      CHECK(gen == generation + 1);
    } else {
      wrong++;
    }
    free(h);
    /* And it goes on: one more record, kept over another reboot (every
     * third trial, and each near the commit bytes). */
    if (i % 3 == 0 || cut + 2 >= w.header_commit) {
      char *code = NULL;
      CHECK(locker_issue_courier_code(s.l, 3, DAY, &code) == LOCKER_OK);
      locker_string_free(code);
      char *next = head_of(s.l);
      locker_free(s.l);
      s.l = NULL;
      CHECK(open_on(&s, NULL, &opened) == LOCKER_OK);
      char *kept = s.l ? head_of(s.l) : NULL;
      CHECK(same_head(next, kept));
      free(next);
      free(kept);
    }
    locker_free(s.l);
    s.l = NULL;
  }
  CHECK(wrong == 0);
  CHECK(as_before > 0 && in_new_half > 0 && as_after == 2);
  CHECK(as_before + as_after == count);
  printf("power cut sweep: %zu cuts over %llu bytes: %u before (%u in the new "
         "half), %u after\n",
         count, (unsigned long long)w.total, as_before, in_new_half, as_after);
  free(image);
  site_close(&s);
}

/* A power cut in the middle of a record's frame: the frame is dropped at
 * the next opening, and the journal continues in the other half. */
static void test_torn_frame(void) {
  site s;
  if (!site_open(&s, REGION, NULL)) return;
  CHECK(site_drop_off(&s));
  char *head = head_of(s.l);
  nor_cut_power_after(&s.n, 20);
  char *code = NULL;
  CHECK(locker_issue_courier_code(s.l, 2, DAY, &code) == LOCKER_FLASH_FAILED);
  /* The frame's write failed, then the compaction it asked for. */
  CHECK(strstr(locker_last_error_message(), "returned -5") != NULL);
  CHECK(code == NULL);
  locker_free(s.l);
  s.l = NULL;
  nor_restore_power(&s.n);
  locker_flash_opened opened;
  CHECK(open_on(&s, NULL, &opened) == LOCKER_OK);
  CHECK(opened.restored && opened.torn_dropped && opened.torn_bytes > 0);
  if (s.l != NULL) {
    char *again = head_of(s.l);
    CHECK(head != NULL && again != NULL && strcmp(head, again) == 0);
    free(again);
    locker_flash_stats stats = stats_of(s.l);
    /* The next record goes to the other half, after a snapshot. */
    CHECK(site_pickup(&s));
    CHECK(s.compactions == 1);
    locker_flash_stats now = stats_of(s.l);
    CHECK(now.generation == stats.generation + 1 && now.snapshot_bytes > 0);
  }
  free(head);
  site_close(&s);
}

/* A flash that refuses writes: the call fails with the flash's status and
 * changes nothing; once it writes again the locker goes on. */
static void test_failing_flash(void) {
  site s;
  if (!site_open(&s, REGION, NULL)) return;
  CHECK(site_drop_off(&s));
  char *head = head_of(s.l);
  s.n.fail_writes = true;
  char *code = NULL;
  CHECK(locker_issue_courier_code(s.l, 2, DAY, &code) == LOCKER_FLASH_FAILED);
  CHECK(strstr(locker_last_error_message(), "flash->write") != NULL);
  char *same = head_of(s.l);
  CHECK(head != NULL && same != NULL && strcmp(head, same) == 0);
  free(same);
  bool compacted = true;
  CHECK(locker_compact(s.l, &compacted) == LOCKER_FLASH_FAILED);
  CHECK(compacted);
  s.n.fail_writes = false;
  CHECK(site_pickup(&s));
  CHECK(s.compactions == 1);
  CHECK(locker_issue_courier_code(s.l, 2, DAY, &code) == LOCKER_OK);
  locker_string_free(code);
  free(head);
  site_close(&s);
}

/* A region too small for the bank: the snapshot does not fit in a half. */
static void test_region_too_small(void) {
  site s;
  memset(&s, 0, sizeof s);
  board_init(&s.b, T0);
  nor_init(&s.n, 4 * BLOCK, BLOCK);
  provisioned_keys(s.keys);
  locker_flash_opened opened;
  locker_status status = open_on(&s, NULL, &opened);
  if (status == LOCKER_OK) {
    /* The first record fit; records fill the half and the snapshot of
     * the state is then too large for the other one. */
    locker_status last = LOCKER_OK;
    for (int i = 0; i < 400 && last == LOCKER_OK; i++) {
      char *code = NULL;
      last = locker_issue_courier_code(s.l, 1, DAY, &code);
      locker_string_free(code);
    }
    status = last;
  }
  CHECK(status == LOCKER_FLASH_FULL);
  CHECK(strstr(locker_last_error_message(), "flash journal full") != NULL);
  locker_free(s.l);
  s.l = NULL;
  free(s.b.journal);
  nor_free(&s.n);
}

/* Where `pattern` (`n` bytes) first occurs in the `len` bytes at `from`,
 * or NULL. */
static uint8_t *find(uint8_t *from, size_t len, const uint8_t *pattern, size_t n) {
  for (size_t i = 0; i + n <= len; i++) {
    if (memcmp(from + i, pattern, n) == 0) return from + i;
  }
  return NULL;
}

/* Someone with the chip edits a byte of the snapshot or of a record:
 * refused, and the region is left as it was. Records and snapshots are
 * in the storage encoding (CBOR, names interned): a recipient is the
 * map key 1 ("recipient") then the number, 100 being 0x18 0x64. */
static void test_forged_bytes(void) {
  site s;
  if (!site_open(&s, REGION, NULL)) return;
  CHECK(site_drop_off(&s)); /* unit 100 waits in the snapshot */
  bool compacted = false;
  CHECK(locker_compact(s.l, &compacted) == LOCKER_OK && compacted);
  CHECK(site_drop_off(&s)); /* unit 101 in a record after it */
  locker_free(s.l);
  s.l = NULL;
  uint32_t base = active_half(&s.n);
  uint32_t snapshot_len = 0;
  memcpy(&snapshot_len, s.n.bytes + base + SNAPSHOT_LEN_AT, 4);
  CHECK(snapshot_len > 0 && snapshot_len < REGION / 2);
  uint8_t *image = malloc(REGION);
  if (image == NULL) return;
  memcpy(image, s.n.bytes, REGION);
  locker_flash_opened opened;

  /* No JSON on the chip: the records and the snapshot are binary. */
  const uint8_t *json = (const uint8_t *)"\"recipient\"";
  CHECK(find(s.n.bytes, REGION, json, 11) == NULL);

  /* The snapshot: unit 100's parcel given to unit 109. */
  uint8_t *snapshot = s.n.bytes + base + HEADER_FIXED;
  const uint8_t unit_100[] = {0x01, 0x18, 100};
  uint8_t *at = find(snapshot, snapshot_len, unit_100, sizeof unit_100);
  CHECK(at != NULL);
  if (at != NULL) at[2] = 109;
  CHECK(open_on(&s, NULL, &opened) == LOCKER_JOURNAL_FORGED);
  CHECK(s.l == NULL);
  CHECK(strstr(locker_last_error_message(), "forged") != NULL);
  /* A byte that breaks the encoding (its version byte: 2, a compressed
   * snapshot) is not a snapshot at all. */
  memcpy(s.n.bytes, image, REGION);
  CHECK(snapshot[0] == 2);
  snapshot[0] = 0;
  CHECK(open_on(&s, NULL, &opened) == LOCKER_JOURNAL_MALFORMED);
  CHECK(s.l == NULL);

  /* A record after it: unit 101's parcel given to unit 108. */
  memcpy(s.n.bytes, image, REGION);
  uint8_t *records = snapshot + snapshot_len + 1;
  const uint8_t unit_101[] = {0x01, 0x18, 101};
  at = find(records, REGION / 2 - HEADER_FIXED - 1 - snapshot_len, unit_101,
            sizeof unit_101);
  CHECK(at != NULL);
  if (at != NULL) at[2] = 108;
  uint8_t *edited = malloc(REGION);
  if (edited != NULL) memcpy(edited, s.n.bytes, REGION);
  locker_status status = open_on(&s, NULL, &opened);
  CHECK(status == LOCKER_JOURNAL_EDITED || status == LOCKER_JOURNAL_FORGED);
  CHECK(s.l == NULL);
  /* Refused journals are left exactly as they were. */
  CHECK(edited != NULL && memcmp(s.n.bytes, edited, REGION) == 0);
  free(edited);

  /* The chip as written opens. */
  memcpy(s.n.bytes, image, REGION);
  CHECK(open_on(&s, NULL, &opened) == LOCKER_OK);
  CHECK(opened.restored && opened.from_snapshot && opened.records >= 1);
  free(image);
  site_close(&s);
}

/* A wiped region, a region rolled back, another bank's region. */
static void test_rolled_back_and_wrong_bank(void) {
  site s;
  if (!site_open(&s, REGION, NULL)) return;
  CHECK(site_drop_off(&s));
  char *head = head_of(s.l);
  locker_free(s.l);
  s.l = NULL;
  uint8_t *image = malloc(REGION);
  if (image == NULL || head == NULL) return;
  memcpy(image, s.n.bytes, REGION);

  locker_flash_options options;
  memset(&options, 0, sizeof options);
  options.size = sizeof options;
  options.expected_head_json = head;
  locker_flash_opened opened;
  /* Wiped: a blank region where a head was exported. */
  memset(s.n.bytes, 0xFF, REGION);
  uint64_t written = s.n.written, erased = s.n.erased_blocks;
  CHECK(open_on(&s, &options, &opened) == LOCKER_JOURNAL_ROLLED_BACK);
  CHECK(s.l == NULL);
  /* ... every time: no new locker takes its place, and the region stays
   * blank (opening writes nothing). */
  CHECK(open_on(&s, &options, &opened) == LOCKER_JOURNAL_ROLLED_BACK);
  CHECK(s.l == NULL);
  CHECK(s.n.written == written && s.n.erased_blocks == erased);
  /* Another bank expected. */
  memcpy(s.n.bytes, image, REGION);
  const uint64_t other = 32;
  locker_flash_options bank;
  memset(&bank, 0, sizeof bank);
  bank.size = sizeof bank;
  bank.expected_bank = &other;
  CHECK(open_on(&s, &bank, &opened) == LOCKER_JOURNAL_WRONG_BANK);
  CHECK(s.l == NULL);

  /* A board with a monotonic counter: a wiped region is refused without
   * any head. */
  memset(s.n.bytes, 0xFF, REGION);
  s.b.counter = 5;
  locker_hardware hw = board_with_counter(&s.b);
  hw.journal_append = NULL;
  locker_flash flash = nor_flash(&s.n);
  CHECK(locker_open_flash(CONFIG, s.keys, sizeof s.keys, &hw, &flash, NULL, &s.l,
                          &opened) == LOCKER_JOURNAL_ROLLED_BACK);
  CHECK(s.l == NULL);
  CHECK(s.n.written == written && s.n.erased_blocks == erased);
  free(image);
  free(head);
  site_close(&s);
}

/* Whether every byte of the chip is `image`'s, and nothing was written
 * or erased since `written` and `erased` were read. */
static bool untouched(const nor *n, const uint8_t *image, uint64_t written,
                      uint64_t erased) {
  return memcmp(n->bytes, image, n->capacity) == 0 && n->written == written &&
         n->erased_blocks == erased;
}

/* A region holding data but no journal: refused with its own status,
 * nothing written or erased (the host looks at it, then erases it to
 * start anew); once erased it opens as a new locker. */
static void test_damaged_region(void) {
  site s;
  memset(&s, 0, sizeof s);
  board_init(&s.b, T0);
  nor_init(&s.n, REGION, BLOCK);
  provisioned_keys(s.keys);
  uint8_t *image = malloc(REGION);
  if (image == NULL) return;
  locker_flash_opened opened;
  memset(&opened, 0xAB, sizeof opened);
  const locker_flash_opened unset = opened;

  /* One byte set in an otherwise blank chip: not blank, no journal. */
  s.n.bytes[300] = 0x00;
  memcpy(image, s.n.bytes, REGION);
  CHECK(open_on(&s, NULL, &opened) == LOCKER_FLASH_DAMAGED);
  CHECK(s.l == NULL);
  CHECK(strstr(locker_last_error_message(), "erase it") != NULL);
  CHECK(memcmp(&opened, &unset, sizeof opened) == 0);
  CHECK(untouched(&s.n, image, 0, 0));
  /* Without keys too: damaged, not "keys needed". */
  locker_hardware hw = board_hardware(&s.b);
  hw.journal_append = NULL;
  locker_flash flash = nor_flash(&s.n);
  CHECK(locker_open_flash(CONFIG, NULL, 0, &hw, &flash, NULL, &s.l, &opened) ==
        LOCKER_FLASH_DAMAGED);
  CHECK(s.l == NULL && untouched(&s.n, image, 0, 0));

  /* A journal before its first compaction (one half), that half's magic
   * flipped. */
  nor_free(&s.n);
  free(s.b.journal);
  if (!site_open(&s, REGION, NULL)) {
    free(image);
    return;
  }
  CHECK(site_drop_off(&s));
  locker_free(s.l);
  s.l = NULL;
  CHECK(memcmp(s.n.bytes, "LKF\x02", 4) == 0);
  CHECK(s.n.bytes[REGION / 2] == 0xFF);
  s.n.bytes[0] ^= 0x01;
  memcpy(image, s.n.bytes, REGION);
  uint64_t written = s.n.written, erased = s.n.erased_blocks;
  CHECK(open_on(&s, NULL, &opened) == LOCKER_FLASH_DAMAGED);
  CHECK(s.l == NULL);
  CHECK(untouched(&s.n, image, written, erased));

  /* Erased by the host: a new locker. */
  memset(s.n.bytes, 0xFF, REGION);
  CHECK(open_on(&s, NULL, &opened) == LOCKER_OK);
  CHECK(!opened.restored && s.l != NULL);
  free(image);
  site_close(&s);
}

/* A compaction right after a PIN pickup, before the hourly prune drops
 * the spent PIN from the state: its snapshot restores after a power-off,
 * and the locker goes on. */
static void test_compaction_after_a_pin_pickup(void) {
  site s;
  if (!site_open(&s, REGION, NULL)) return;
  CHECK(site_drop_off(&s));
  CHECK(site_drop_off(&s));
  CHECK(site_pickup(&s));
  bool compacted = false;
  CHECK(locker_compact(s.l, &compacted) == LOCKER_OK && compacted);
  free(site_events(&s));
  char *head = head_of(s.l);
  CHECK(head != NULL);
  locker_free(s.l);
  s.l = NULL;

  locker_flash_options options;
  memset(&options, 0, sizeof options);
  options.size = sizeof options;
  options.expected_head_json = head;
  locker_flash_opened opened;
  memset(&opened, 0, sizeof opened);
  CHECK(open_on(&s, &options, &opened) == LOCKER_OK);
  CHECK(opened.restored && opened.from_snapshot && opened.records == 0);
  if (s.l != NULL) {
    char *again = head_of(s.l);
    CHECK(same_head(again, head));
    free(again);
    /* The parcel still waiting is collected, another dropped off. */
    CHECK(s.count == 1);
    CHECK(site_pickup(&s));
    CHECK(site_drop_off(&s));
  }
  free(head);
  site_close(&s);
}

int main(void) {
  test_arguments();
  test_busy_bank_compacts_and_restores();
  test_power_cut_swept_across_a_compaction();
  test_torn_frame();
  test_failing_flash();
  test_region_too_small();
  test_forged_bytes();
  test_rolled_back_and_wrong_bank();
  test_damaged_region();
  test_compaction_after_a_pin_pickup();
  return checks_report();
}
