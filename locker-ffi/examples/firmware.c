/* A firmware-style program on embedded Linux: the lock board behind
 * locker_hardware callbacks, the journal and the site keys in files on
 * flash (written with fsync), the journal's head exported after each
 * operation, restore at boot (checked against that head and the bank the
 * board was provisioned as), then a main loop
 * serving the kiosk. The "people" at the kiosk are scripted so the program runs on its
 * own:
 *
 *   firmware STATE_DIR     # first boot: new locker, a drop-off
 *   firmware STATE_DIR     # second boot: restore, the resident collects
 *
 * Build (see locker-ffi/README.md):
 *   cc -std=c11 firmware.c $(pkg-config --cflags --libs locker)
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "locker.h"

#define DOORS 64
/* The bank this board is, from its provisioning: the configuration's
 * `bank_id` (the default configuration's is 0). */
#define BANK_ID 0

/* --- the lock board ------------------------------------------------------ */

typedef struct board {
  int journal_fd;      /* the journal file, opened O_APPEND */
  uint64_t clock_s;    /* the RTC (scripted here) */
  bool unlocked[DOORS];
  bool open[DOORS];
  bool occupied[DOORS];
  FILE *trng;          /* /dev/urandom stands in for the TRNG */
} board;

static int hw_unlock(void *ctx, uint32_t door) {
  board *b = ctx;
  if (door >= DOORS) return LOCKER_HW_UNKNOWN_DOOR;
  /* Real firmware: pulse the solenoid over RS-485, read the latch back. */
  b->unlocked[door] = true;
  printf("  [board] latch %u released\n", door);
  return LOCKER_HW_OK;
}

static int hw_door_state(void *ctx, uint32_t door, bool *out_open) {
  board *b = ctx;
  if (door >= DOORS) return LOCKER_HW_UNKNOWN_DOOR;
  *out_open = b->open[door];
  return LOCKER_HW_OK;
}

static int hw_occupancy(void *ctx, uint32_t door, uint32_t *out) {
  board *b = ctx;
  if (door >= DOORS) return LOCKER_HW_UNKNOWN_DOOR;
  *out = b->occupied[door] ? LOCKER_OCCUPANCY_OCCUPIED : LOCKER_OCCUPANCY_EMPTY;
  return LOCKER_HW_OK;
}

static int hw_now_s(void *ctx, uint64_t *out_now_s) {
  board *b = ctx;
  *out_now_s = b->clock_s;
  return LOCKER_HW_OK;
}

static int hw_fill_random(void *ctx, uint8_t *buf, size_t len) {
  board *b = ctx;
  if (b->trng == NULL || fread(buf, 1, len, b->trng) != len)
    return LOCKER_HW_ENTROPY_UNAVAILABLE;
  return LOCKER_HW_OK;
}

static int hw_journal_append(void *ctx, const char *line, size_t len) {
  board *b = ctx;
  while (len > 0) {
    ssize_t n = write(b->journal_fd, line, len);
    if (n < 0) {
      if (errno == EINTR) continue;
      return -errno;
    }
    line += n;
    len -= (size_t)n;
  }
  return fsync(b->journal_fd) == 0 ? 0 : -errno; /* durable before 0 */
}

static int hw_journal_read(void *ctx, uint64_t offset, uint8_t *buf,
                           size_t cap, size_t *out_len) {
  board *b = ctx;
  ssize_t n = pread(b->journal_fd, buf, cap, (off_t)offset);
  if (n < 0) return -errno;
  *out_len = (size_t)n;
  return 0;
}

static int hw_journal_truncate(void *ctx, uint64_t len) {
  board *b = ctx;
  if (ftruncate(b->journal_fd, (off_t)len) != 0) return -errno;
  return fsync(b->journal_fd) == 0 ? 0 : -errno;
}

/* --- keys on flash ---------------------------------------------------------- */

static bool save_keys(const locker *l, const char *path) {
  uint8_t keys[LOCKER_KEYS_HEADER_BYTES + 8 * LOCKER_KEY_ENTRY_BYTES];
  size_t len = 0;
  if (locker_keys_export(l, keys, sizeof keys, &len) != LOCKER_OK) return false;
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  bool ok = fd >= 0 && write(fd, keys, len) == (ssize_t)len && fsync(fd) == 0;
  if (fd >= 0) close(fd);
  memset(keys, 0, sizeof keys); /* wipe the secret copy */
  return ok;
}

/* --- the journal's head ------------------------------------------------------
 * Exported after each operation and given back to the restore, which then
 * refuses a journal cut short or rolled back. Keep it where the journal's
 * storage cannot roll it back: the back end, another flash part. (Here:
 * another file, for the demo.) */

static void save_head(const locker *l, const char *path) {
  char *head = NULL;
  if (locker_head(l, &head) != LOCKER_OK || head == NULL) return;
  FILE *f = fopen(path, "w");
  if (f != NULL) {
    fputs(head, f);
    fflush(f);
    fsync(fileno(f));
    fclose(f);
  }
  locker_string_free(head);
}

static bool load_head(const char *path, char *head, size_t cap) {
  FILE *f = fopen(path, "r");
  if (f == NULL) return false;
  bool ok = fgets(head, (int)cap, f) != NULL;
  fclose(f);
  return ok;
}

static size_t load_keys(const char *path, uint8_t *keys, size_t cap) {
  int fd = open(path, O_RDONLY);
  if (fd < 0) return 0;
  ssize_t n = read(fd, keys, cap);
  close(fd);
  return n > 0 ? (size_t)n : 0;
}

/* --- the application ---------------------------------------------------------- */

static void fail(const char *what, locker_status status) {
  fprintf(stderr, "%s: %s (%s)\n", what, locker_status_message(status),
          locker_last_error_message());
}

/* Prints `count` door or parcel ids, as `[41,42]`. */
static void print_ids(const char *what, const uint64_t *ids, size_t count) {
  printf("%s [", what);
  for (size_t i = 0; i < count; i++)
    printf(i == 0 ? "%llu" : ",%llu", (unsigned long long)ids[i]);
  printf("]");
}

/* Sends the notifications: takes each event as a locker_event (no JSON to
 * parse; `locker_take_events` gives the same as JSON). A real host passes
 * the PIN and token to the recipient's phone and never logs them; this
 * demo keeps the PIN in a file so the second boot can "type" it. */
static void notify(locker *l, const char *pin_path) {
  locker_event event = {.size = sizeof(locker_event)};
  locker_status status;
  while ((status = locker_take_event(l, &event)) == LOCKER_OK) {
    switch (event.kind) {
    case LOCKER_EVENT_PARCEL_READY: {
      FILE *f = fopen(pin_path, "w");
      if (f != NULL) {
        fputs(event.pin, f);
        fclose(f);
      }
      /* The parcels now waiting, and every door the PIN opens: more than
       * this one when the resident held as many PINs as the policy allows
       * (their earlier PINs then stop working: say so). */
      uint64_t doors[LOCKER_EVENT_MAX_DOORS];
      for (size_t i = 0; i < event.door_count && i < LOCKER_EVENT_MAX_DOORS; i++)
        doors[i] = event.doors[i];
      printf("  [notify] ");
      print_ids("parcels", event.parcel_ids, event.parcel_count);
      print_ids(" ready: PIN for doors", doors, event.door_count);
      printf(" sent to unit %llu\n", (unsigned long long)event.recipient);
      break;
    }
    case LOCKER_EVENT_OVERFLOW:
      printf("  [notify] a parcel found no door (%s): to the front desk\n",
             event.reason);
      break;
    case LOCKER_EVENT_SUSPICIOUS_ATTEMPTS:
      printf("  [notify] failed attempts: staff alerted, QR codes sent\n");
      break;
    case LOCKER_EVENT_COLLECTED:
      printf("  [notify] parcel collected from door %u\n",
             (unsigned)event.compartment);
      break;
    default:
      break;
    }
    memset(&event, 0, sizeof event); /* wipe the PIN and the token */
    event.size = sizeof(locker_event);
  }
  if (status == LOCKER_BUFFER_TOO_SMALL) {
    /* An event with more parcels than the struct holds: take the rest as
     * JSON. */
    char *json = NULL;
    if (locker_take_events(l, &json) == LOCKER_OK) {
      printf("  [notify] more events as JSON (%zu bytes)\n", strlen(json));
      locker_string_free(json);
    }
  } else if (status != LOCKER_NO_EVENT) {
    fail("events", status);
  }
}

static void person_uses_door(board *b, uint32_t door, bool parcel_inside) {
  if (door >= DOORS || !b->unlocked[door]) return;
  b->open[door] = true;
  b->occupied[door] = parcel_inside;
  b->open[door] = false;
  b->unlocked[door] = false;
}

int main(int argc, char **argv) {
  const char *dir = argc > 1 ? argv[1] : "locker-state";
  char journal_path[512], keys_path[512], pin_path[512], head_path[512];
  mkdir(dir, 0700);
  snprintf(journal_path, sizeof journal_path, "%s/journal.jsonl", dir);
  snprintf(keys_path, sizeof keys_path, "%s/keys.bin", dir);
  snprintf(pin_path, sizeof pin_path, "%s/pin.txt", dir);
  snprintf(head_path, sizeof head_path, "%s/head.json", dir);

  board b;
  memset(&b, 0, sizeof b);
  b.clock_s = 1700000000;
  b.trng = fopen("/dev/urandom", "rb");
  b.journal_fd = open(journal_path, O_RDWR | O_CREAT | O_APPEND, 0600);
  if (b.journal_fd < 0) {
    perror(journal_path);
    return 1;
  }
  struct stat st;
  bool first_boot = fstat(b.journal_fd, &st) == 0 && st.st_size == 0;

  locker_hardware hw = {
      .size = sizeof(locker_hardware), /* lets the struct grow later */
      .ctx = &b,
      .unlock = hw_unlock,
      .door_state = hw_door_state,
      .occupancy = hw_occupancy,
      .now_s = hw_now_s,
      .fill_random = hw_fill_random,
      .journal_append = hw_journal_append,
      .journal_read = hw_journal_read,
      .journal_truncate = hw_journal_truncate,
      /* .uptime_s: a free-running timer, where the board has one, lets the
       * locker hold back a clock pushed ahead in small steps. This demo's
       * clock is scripted, so it has none. */
  };

  locker *l = NULL;
  locker_status status;
  int exit_code = 1;
  if (first_boot) {
    printf("first boot (locker %s)\n", locker_version());
    status = locker_new(NULL, &hw, &l); /* the default bank */
    if (status != LOCKER_OK) {
      fail("locker_new", status);
      goto out;
    }
    if (!save_keys(l, keys_path)) {
      fprintf(stderr, "cannot store the keys\n");
      goto out;
    }
    /* A courier arrives with parcel 1 for unit 12. */
    char *code = NULL;
    locker_courier_session *session = NULL;
    locker_drop_off drop;
    locker_parcel parcel = {.id = 1, .size = {300, 200, 100}, .weight_g = 1500};
    status = locker_issue_courier_code(l, 1, 30 * 86400, &code);
    /* The courier picks carrier 1 on the screen and types the code. */
    if (status == LOCKER_OK)
      status = locker_courier_sign_in_for(l, 1, 1, code, &session);
    locker_string_free(code);
    if (status == LOCKER_OK)
      status = locker_deposit(l, session, &parcel, 12, false, &drop);
    if (session != NULL) {
      locker_status out = locker_courier_sign_out(l, session);
      if (out != LOCKER_OK) fail("sign out", out);
    }
    locker_courier_session_free(session);
    if (status != LOCKER_OK || !drop.opened) {
      fail("drop-off", status);
      goto out;
    }
    printf("drop-off: door %u\n", drop.compartment);
    person_uses_door(&b, drop.compartment, true);
    b.clock_s += 30;
    /* The board's door switch reports the door closed. */
    status = locker_door_closed(l, drop.compartment);
    if (status != LOCKER_OK) {
      fail("door closed", status);
      goto out;
    }
    notify(l, pin_path);
    save_head(l, head_path);
    printf("power off\n");
  } else {
    printf("boot: restoring from %s\n", journal_path);
    uint8_t keys[LOCKER_KEYS_HEADER_BYTES + 8 * LOCKER_KEY_ENTRY_BYTES];
    size_t keys_len = load_keys(keys_path, keys, sizeof keys);
    char head[256];
    bool have_head = load_head(head_path, head, sizeof head);
    /* Checked against the head and the board's bank: banks sharing a key
     * ring would authenticate each other's journals. */
    const uint64_t bank = BANK_ID;
    locker_restore_options options = {
        .size = sizeof(locker_restore_options), /* lets the struct grow later */
        .expected_head_json = have_head ? head : NULL,
        .expected_bank = &bank,
    };
    status = locker_restore_with(keys, keys_len, &hw, &options, &l);
    memset(keys, 0, sizeof keys);
    if (status != LOCKER_OK) {
      fail("locker_restore_with", status);
      goto out;
    }
    char *report = NULL;
    if (locker_restore_report(l, &report) == LOCKER_OK && report != NULL) {
      printf("restored: %s\n", report);
      locker_string_free(report);
    }
    /* The resident types the PIN with the unit number. */
    char pin[16] = "";
    FILE *f = fopen(pin_path, "r");
    if (f != NULL) {
      if (fgets(pin, sizeof pin, f) == NULL) pin[0] = '\0';
      fclose(f);
    }
    uint64_t unit = 12;
    uint32_t *doors = NULL;
    size_t count = 0;
    b.clock_s += 3600;
    status = locker_pickup_pin(l, 1, &unit, pin, &doors, &count);
    if (status != LOCKER_OK) {
      fail("pickup", status);
      goto out;
    }
    for (size_t i = 0; i < count; i++) {
      printf("pickup: door %u\n", doors[i]);
      person_uses_door(&b, doors[i], false);
      status = locker_door_closed(l, doors[i]);
      if (status != LOCKER_OK) fail("door_closed", status);
    }
    locker_doors_free(doors, count);
    notify(l, pin_path);
    save_head(l, head_path);
  }
  exit_code = 0;

out:
  locker_free(l);
  if (b.trng != NULL) fclose(b.trng);
  close(b.journal_fd);
  return exit_code;
}
