/* A lock board simulated in C for the C tests: doors with latches, door
 * and occupancy sensors, a settable clock, a deterministic test RNG (never
 * do this in firmware), a journal kept in RAM as the vendor's "flash", a
 * monotonic counter (board_with_counter), an uptime counter
 * (board_with_uptime), and fault injection. Included by the tests; not
 * part of the library. */
#ifndef LOCKER_TEST_BOARD_H
#define LOCKER_TEST_BOARD_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "locker.h"

#define BOARD_DOORS 8 /* door ids 1..7 exist on this board */

typedef struct board {
  bool unlocked[BOARD_DOORS];
  bool open[BOARD_DOORS];
  bool occupied[BOARD_DOORS];
  uint64_t now_s;
  uint64_t rng;
  /* Faults: the next `jam_unlocks` unlocks fail (the latch jams), the next
   * `power_lost_unlocks` lose power; entropy and clock fail while set;
   * appends fail while set. */
  int jam_unlocks;
  uint32_t last_jammed;
  int power_lost_unlocks;
  bool entropy_fails;
  bool clock_fails;
  bool append_fails;
  bool truncate_fails;
  unsigned unlock_calls;
  /* The monotonic counter (an RTC backup register): only goes up, and
   * survives what happens to the journal's flash. */
  uint64_t counter;
  bool counter_fails;
  unsigned counter_raises;
  /* The uptime counter (a free-running timer): time passing moves it
   * (board_pass_time), setting the RTC (`now_s`) does not. */
  uint64_t uptime_s;
  bool uptime_fails;
  unsigned uptime_reads;
  /* The journal on "flash", and how many lines were appended to it. */
  uint64_t appends;
  char *journal;
  size_t journal_len;
  size_t journal_cap;
  /* Re-entrancy probe: when set, now_s calls back into this locker. */
  locker *reenter;
  locker_status reenter_status;
} board;

static int board_unlock(void *ctx, uint32_t door) {
  board *b = ctx;
  b->unlock_calls++;
  if (door >= BOARD_DOORS || door == 0) return LOCKER_HW_UNKNOWN_DOOR;
  if (b->jam_unlocks > 0) {
    b->jam_unlocks--;
    b->last_jammed = door;
    locker_hw_fault_detail("latch motor current 2.1 A");
    return LOCKER_HW_DOOR_JAMMED;
  }
  if (b->power_lost_unlocks > 0) {
    b->power_lost_unlocks--;
    locker_hw_fault_detail("supply dropped to 9.1 V during the pulse");
    return LOCKER_HW_POWER_LOST;
  }
  b->unlocked[door] = true;
  return LOCKER_HW_OK;
}

static int board_door_state(void *ctx, uint32_t door, bool *out_open) {
  board *b = ctx;
  if (door >= BOARD_DOORS || door == 0) return LOCKER_HW_UNKNOWN_DOOR;
  *out_open = b->open[door];
  return LOCKER_HW_OK;
}

static int board_occupancy(void *ctx, uint32_t door, uint32_t *out) {
  board *b = ctx;
  if (door >= BOARD_DOORS || door == 0) return LOCKER_HW_UNKNOWN_DOOR;
  *out = b->occupied[door] ? LOCKER_OCCUPANCY_OCCUPIED : LOCKER_OCCUPANCY_EMPTY;
  return LOCKER_HW_OK;
}

static int board_now_s(void *ctx, uint64_t *out_now_s) {
  board *b = ctx;
  if (b->reenter != NULL) {
    locker *again = b->reenter;
    b->reenter = NULL;
    b->reenter_status = locker_tick(again);
  }
  if (b->clock_fails) return LOCKER_HW_CLOCK_FAULT;
  *out_now_s = b->now_s;
  return LOCKER_HW_OK;
}

static int board_fill_random(void *ctx, uint8_t *buf, size_t len) {
  board *b = ctx;
  if (b->entropy_fails) return LOCKER_HW_ENTROPY_UNAVAILABLE;
  for (size_t i = 0; i < len; i++) { /* xorshift64: tests only */
    b->rng ^= b->rng << 13;
    b->rng ^= b->rng >> 7;
    b->rng ^= b->rng << 17;
    buf[i] = (uint8_t)b->rng;
  }
  return LOCKER_HW_OK;
}

static int board_journal_append(void *ctx, const char *line, size_t len) {
  board *b = ctx;
  if (b->append_fails) return -5; /* e.g. -EIO from the flash driver */
  if (line[len] != '\0' || len == 0 || line[len - 1] != '\n') return -22;
  if (b->journal_len + len > b->journal_cap) {
    size_t cap = b->journal_cap ? b->journal_cap * 2 : 4096;
    while (cap < b->journal_len + len) cap *= 2;
    char *grown = realloc(b->journal, cap);
    if (grown == NULL) return -12;
    b->journal = grown;
    b->journal_cap = cap;
  }
  memcpy(b->journal + b->journal_len, line, len);
  b->journal_len += len;
  b->appends++;
  return 0;
}

static int board_journal_read(void *ctx, uint64_t offset, uint8_t *buf,
                              size_t cap, size_t *out_len) {
  board *b = ctx;
  if (offset > b->journal_len) return -22;
  size_t left = b->journal_len - (size_t)offset;
  size_t n = left < cap ? left : cap;
  if (n > 0) memcpy(buf, b->journal + offset, n);
  *out_len = n;
  return 0;
}

static int board_journal_truncate(void *ctx, uint64_t len) {
  board *b = ctx;
  if (b->truncate_fails) return -5;
  if (len > b->journal_len) return -22;
  b->journal_len = (size_t)len;
  return 0;
}

static inline int board_monotonic_counter(void *ctx, uint64_t *out_value) {
  board *b = ctx;
  if (b->counter_fails) return LOCKER_HW_BUS_TIMEOUT;
  *out_value = b->counter;
  return LOCKER_HW_OK;
}

static inline int board_raise_monotonic_counter(void *ctx, uint64_t at_least) {
  board *b = ctx;
  if (b->counter_fails) return LOCKER_HW_BUS_TIMEOUT;
  if (at_least > b->counter) b->counter = at_least;
  b->counter_raises++;
  return LOCKER_HW_OK;
}

static inline int board_uptime_s(void *ctx, uint64_t *out_uptime_s) {
  board *b = ctx;
  b->uptime_reads++;
  if (b->uptime_fails) {
    locker_hw_fault_detail("timer peripheral not clocked");
    return LOCKER_HW_BUS_TIMEOUT;
  }
  *out_uptime_s = b->uptime_s;
  return LOCKER_HW_OK;
}

static void board_init(board *b, uint64_t now_s) {
  memset(b, 0, sizeof *b);
  b->now_s = now_s;
  b->rng = 0x9E3779B97F4A7C15ull;
}

static locker_hardware board_hardware(board *b) {
  locker_hardware hw;
  memset(&hw, 0, sizeof hw);
  hw.size = sizeof hw;
  hw.ctx = b;
  hw.unlock = board_unlock;
  hw.door_state = board_door_state;
  hw.occupancy = board_occupancy;
  hw.now_s = board_now_s;
  hw.fill_random = board_fill_random;
  hw.journal_append = board_journal_append;
  hw.journal_read = board_journal_read;
  hw.journal_truncate = board_journal_truncate;
  return hw;
}

/* The same board with its monotonic counter. */
static inline locker_hardware board_with_counter(board *b) {
  locker_hardware hw = board_hardware(b);
  hw.monotonic_counter = board_monotonic_counter;
  hw.raise_monotonic_counter = board_raise_monotonic_counter;
  return hw;
}

/* The same board with its uptime counter. */
static inline locker_hardware board_with_uptime(board *b) {
  locker_hardware hw = board_hardware(b);
  hw.uptime_s = board_uptime_s;
  return hw;
}

/* Time passes on the board: `seconds` in steps of at most an hour (the
 * policy's clock.max_step_s), the locker reading the clock at each step,
 * as a locker calling locker_tick every few seconds would. A larger step
 * at once is a clock jump, held back until confirmed. The uptime counter
 * moves with the clock: this is time lived. */
static inline locker_status board_pass_time(board *b, locker *l, uint64_t seconds) {
  while (seconds > 0) {
    uint64_t step = seconds < 3600 ? seconds : 3600;
    b->now_s += step;
    b->uptime_s += step;
    seconds -= step;
    uint64_t now_s = 0;
    locker_status status = locker_observe_clock(l, &now_s);
    if (status != LOCKER_OK) return status;
  }
  return LOCKER_OK;
}

/* How many lines (records) the journal on "flash" holds. */
static inline uint64_t board_records(const board *b) {
  uint64_t lines = 0;
  for (size_t i = 0; i < b->journal_len; i++) lines += b->journal[i] == '\n';
  return lines;
}

/* A person at the door: pull it open (only if unlocked), put a parcel in or
 * take everything out, push it shut (the latch locks again). */
static void board_open(board *b, uint32_t door) {
  if (b->unlocked[door]) b->open[door] = true;
}
static void board_close(board *b, uint32_t door) {
  b->open[door] = false;
  b->unlocked[door] = false;
}

#endif
