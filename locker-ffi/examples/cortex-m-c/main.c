/* A bare-metal C firmware for a Cortex-M4F on liblocker.a (built for
 * thumbv7em-none-eabihf without the `std` feature) and newlib, run on
 * QEMU's MPS2 AN386 board: the lock board behind locker_hardware
 * callbacks, the journal in a RAM buffer standing in for flash, output
 * and exit over semihosting. It creates a locker, lets a courier drop a
 * parcel off, takes the PIN from the event (a locker_event struct: no
 * JSON to parse), checks that a wrong PIN is
 * refused, collects with the right one, and exits 0 only if every check
 * held. Build and run (locker-ffi/README.md, "The C library on a
 * Cortex-M"):
 *
 *   make LOCKER_LIB=path/to/liblocker.a run
 */
#include <malloc.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "locker.h"

#define DOORS 64
#define JOURNAL_BYTES (64 * 1024)

/* --- what the library asks of a bare-metal firmware -------------------- */

/* A panic in the library (a bug) ends here, never back in the caller:
 * log it, then reset (here: leave QEMU with a failure). */
void locker_panic(const char *message) {
  printf("%s\n", message);
  exit(2);
}

/* --- the lock board ------------------------------------------------------ */

typedef struct board {
  uint64_t clock_s; /* the RTC (scripted here) */
  uint64_t rng;     /* QEMU's board has no TRNG: see hw_fill_random */
  bool unlocked[DOORS];
  bool open[DOORS];
  bool occupied[DOORS];
  char journal[JOURNAL_BYTES]; /* the journal's "flash" */
  size_t journal_len;
} board;

static int hw_unlock(void *ctx, uint32_t door) {
  board *b = ctx;
  if (door >= DOORS) return LOCKER_HW_UNKNOWN_DOOR;
  b->unlocked[door] = true; /* real firmware: pulse the latch's solenoid */
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

/* A real part reads its TRNG here. QEMU's MPS2 board has none, so this
 * demo draws from xorshift64: predictable, never do this in firmware. */
static int hw_fill_random(void *ctx, uint8_t *buf, size_t len) {
  board *b = ctx;
  for (size_t i = 0; i < len; i++) {
    b->rng ^= b->rng << 13;
    b->rng ^= b->rng >> 7;
    b->rng ^= b->rng << 17;
    buf[i] = (uint8_t)(b->rng >> 24);
  }
  return LOCKER_HW_OK;
}

static int hw_journal_append(void *ctx, const char *line, size_t len) {
  board *b = ctx;
  if (len > JOURNAL_BYTES - b->journal_len) return -28; /* -ENOSPC */
  memcpy(b->journal + b->journal_len, line, len);
  b->journal_len += len;
  return 0; /* real firmware: 0 once the flash write is verified */
}

static int hw_journal_read(void *ctx, uint64_t offset, uint8_t *buf,
                           size_t cap, size_t *out_len) {
  board *b = ctx;
  if (offset > b->journal_len) return -22;
  size_t left = b->journal_len - (size_t)offset;
  size_t n = left < cap ? left : cap;
  memcpy(buf, b->journal + offset, n);
  *out_len = n;
  return 0;
}

static int hw_journal_truncate(void *ctx, uint64_t len) {
  board *b = ctx;
  if (len > b->journal_len) return -22;
  b->journal_len = (size_t)len;
  return 0;
}

/* A person opens an unlocked door, puts a parcel in or takes it out, and
 * shuts it again. */
static void person_uses_door(board *b, uint32_t door, bool parcel_inside) {
  if (door >= DOORS || !b->unlocked[door]) return;
  b->occupied[door] = parcel_inside;
  b->unlocked[door] = false;
}

/* --- checks -------------------------------------------------------------- */

static int failures;

static void check(bool ok, const char *what, locker_status status) {
  if (ok) {
    printf("ok   %s\n", what);
  } else {
    failures++;
    printf("FAIL %s: %s (%s)\n", what, locker_status_message(status),
           locker_last_error_message());
  }
}

/* Takes the events until there are none; the PIN of a parcel_ready
 * into `pin` (a real host sends it, and the QR token, to the recipient).
 * Returns the kinds seen, one bit per locker_event_kind. */
static uint32_t take_events(locker *l, char *pin, size_t cap) {
  uint32_t kinds = 0;
  locker_event event = {.size = sizeof(locker_event)};
  locker_status status;
  while ((status = locker_take_event(l, &event)) == LOCKER_OK) {
    kinds |= 1u << event.kind;
    if (event.kind == LOCKER_EVENT_PARCEL_READY && cap > strlen(event.pin))
      memcpy(pin, event.pin, strlen(event.pin) + 1);
    memset(&event, 0, sizeof event); /* wipe the PIN and the token */
    event.size = sizeof(locker_event);
  }
  check(status == LOCKER_NO_EVENT, "events taken", status);
  return kinds;
}

static board b; /* 64 KiB of journal: in .bss, not on the stack */

int main(void) {
  printf("locker %s on a Cortex-M4F (QEMU mps2-an386)\n", locker_version());
  b.clock_s = 1700000000;
  b.rng = 0x9e3779b97f4a7c15u;
  locker_hardware hw = {
      .size = sizeof(locker_hardware),
      .ctx = &b,
      .unlock = hw_unlock,
      .door_state = hw_door_state,
      .occupancy = hw_occupancy,
      .now_s = hw_now_s,
      .fill_random = hw_fill_random,
      .journal_append = hw_journal_append,
      .journal_read = hw_journal_read,
      .journal_truncate = hw_journal_truncate,
  };

  locker *l = NULL;
  locker_status status = locker_new(NULL, &hw, &l); /* the default bank */
  check(status == LOCKER_OK, "locker_new: the default bank", status);
  if (status != LOCKER_OK) return 1;

  /* A courier of carrier 1 signs in at kiosk 1 and drops parcel 1 off
   * for unit 12. */
  char *code = NULL;
  locker_courier_session *session = NULL;
  locker_drop_off drop = {0};
  locker_parcel parcel = {.id = 1, .size = {300, 200, 100}, .weight_g = 1500};
  status = locker_issue_courier_code(l, 1, 86400, &code);
  check(status == LOCKER_OK, "courier code issued", status);
  if (status == LOCKER_OK) status = locker_courier_sign_in_for(l, 1, 1, code, &session);
  locker_string_free(code);
  check(status == LOCKER_OK, "courier signed in", status);
  if (status == LOCKER_OK) status = locker_deposit(l, session, &parcel, 12, false, &drop);
  check(status == LOCKER_OK && drop.opened, "parcel 1 deposited", status);
  if (session != NULL) {
    locker_status out = locker_courier_sign_out(l, session);
    check(out == LOCKER_OK, "courier signed out", out);
  }
  locker_courier_session_free(session);
  printf("     door %u\n", (unsigned)drop.compartment);
  person_uses_door(&b, drop.compartment, true);
  b.clock_s += 30;
  status = locker_door_closed(l, drop.compartment);
  check(status == LOCKER_OK, "door closed on the parcel", status);

  /* The notification: the PIN goes to the resident. */
  char pin[LOCKER_EVENT_PIN_BYTES] = "";
  uint32_t kinds = take_events(l, pin, sizeof pin);
  check((kinds & (1u << LOCKER_EVENT_PARCEL_READY)) && pin[0] != '\0',
        "parcel_ready event with the PIN", LOCKER_OK);

  /* Someone types a wrong PIN: refused, no door opens. */
  uint64_t unit = 12;
  uint32_t *doors = NULL;
  size_t count = 0;
  char wrong[sizeof pin];
  memcpy(wrong, pin, sizeof pin);
  wrong[0] = wrong[0] == '9' ? '0' : (char)(wrong[0] + 1);
  b.clock_s += 600;
  status = locker_pickup_pin(l, 1, &unit, wrong, &doors, &count);
  check(status == LOCKER_CREDENTIAL_REJECTED && doors == NULL,
        "a wrong PIN is refused (LOCKER_CREDENTIAL_REJECTED)", status);
  check(!b.unlocked[drop.compartment], "the door stayed locked", status);

  /* The resident types the right one. */
  b.clock_s += 600;
  status = locker_pickup_pin(l, 1, &unit, pin, &doors, &count);
  check(status == LOCKER_OK && count == 1 && doors[0] == drop.compartment,
        "the PIN opens the parcel's door", status);
  for (size_t i = 0; i < count; i++) {
    person_uses_door(&b, doors[i], false);
    locker_status closed = locker_door_closed(l, doors[i]);
    check(closed == LOCKER_OK, "door closed, empty", closed);
  }
  locker_doors_free(doors, count);
  memset(pin, 0, sizeof pin);

  kinds = take_events(l, pin, sizeof pin);
  check(kinds & (1u << LOCKER_EVENT_COLLECTED), "collected event", LOCKER_OK);

  /* What the locker costs in RAM: newlib's heap (its high-water mark,
   * what sbrk gave it) and what is in use now. */
  struct mallinfo heap = mallinfo();
  printf("heap: %u bytes at its peak (taken from sbrk), %u in use\n",
         (unsigned)heap.arena, (unsigned)heap.uordblks);
  locker_free(l);
  printf("journal: %u bytes\n", (unsigned)b.journal_len);
  printf("%s\n", failures == 0 ? "all checks passed" : "some checks FAILED");
  return failures == 0 ? 0 : 1;
}
