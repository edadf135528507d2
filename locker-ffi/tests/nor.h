/* A NOR flash simulated in RAM for the C tests, behind `locker_flash`:
 * writes only clear bits (1 -> 0), erases set whole blocks back to 0xFF,
 * and the power can be cut after a number of bytes written or erased, so
 * a test can stop a write or an erase at any byte (the byte being
 * programmed when the power goes keeps only some of its bits; a block cut
 * mid-erase holds neither its data nor 0xFF). After a cut every call
 * fails until nor_restore_power, as a board that lost power does. Faults:
 * `fail_writes` makes writes fail before touching the chip. Included by
 * the tests; not part of the library. */
#ifndef LOCKER_TEST_NOR_H
#define LOCKER_TEST_NOR_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "locker.h"

#define NOR_EIO (-5)
#define NOR_EINVAL (-22)

typedef struct nor {
  uint8_t *bytes;
  uint32_t capacity;
  uint32_t block;
  /* Bytes (written or erased) left before the power goes; < 0: no cut. */
  int64_t power_left;
  bool power_lost;
  bool fail_writes;
  /* Wear and traffic: bytes programmed, blocks erased, calls refused. */
  uint64_t written;
  uint64_t erased_blocks;
  uint64_t spent; /* bytes written or erased, as the power cut counts */
  unsigned refused;
} nor;

static inline void nor_init(nor *n, uint32_t capacity, uint32_t block) {
  memset(n, 0, sizeof *n);
  n->bytes = malloc(capacity);
  if (n->bytes != NULL) memset(n->bytes, 0xFF, capacity);
  n->capacity = capacity;
  n->block = block;
  n->power_left = -1;
}

static inline void nor_free(nor *n) {
  free(n->bytes);
  n->bytes = NULL;
}

/* Cuts the power once `bytes` more bytes have been written or erased. */
static inline void nor_cut_power_after(nor *n, int64_t bytes) {
  n->power_left = bytes;
}

/* Power back: calls work again; what was written stays. */
static inline void nor_restore_power(nor *n) {
  n->power_left = -1;
  n->power_lost = false;
}

/* How many of `wanted` bytes the power allows, spending them. */
static inline size_t nor_spend(nor *n, size_t wanted) {
  size_t allowed = wanted;
  if (n->power_left >= 0 && (uint64_t)n->power_left < wanted) {
    allowed = (size_t)n->power_left;
    n->power_lost = true;
  }
  if (n->power_left >= 0) n->power_left -= (int64_t)allowed;
  n->spent += allowed;
  return allowed;
}

static inline bool nor_in_range(const nor *n, uint32_t offset, uint64_t len) {
  return (uint64_t)offset + len <= n->capacity;
}

static inline int nor_read(void *ctx, uint32_t offset, uint8_t *buf, size_t len) {
  nor *n = ctx;
  if (n->power_lost) return NOR_EIO;
  if (!nor_in_range(n, offset, len)) {
    n->refused++;
    return NOR_EINVAL;
  }
  memcpy(buf, n->bytes + offset, len);
  return 0;
}

static inline int nor_write(void *ctx, uint32_t offset, const uint8_t *bytes,
                            size_t len) {
  nor *n = ctx;
  if (n->power_lost) return NOR_EIO;
  if (!nor_in_range(n, offset, len)) {
    n->refused++;
    return NOR_EINVAL;
  }
  if (n->fail_writes) return NOR_EIO;
  size_t allowed = nor_spend(n, len);
  for (size_t i = 0; i < allowed; i++) n->bytes[offset + i] &= bytes[i];
  n->written += allowed;
  if (allowed < len) {
    /* The byte being programmed when the power went: some bits cleared. */
    n->bytes[offset + allowed] &= (uint8_t)(bytes[allowed] | 0xF0);
    return NOR_EIO;
  }
  return 0;
}

static inline int nor_erase(void *ctx, uint32_t offset, uint32_t len) {
  nor *n = ctx;
  if (n->power_lost) return NOR_EIO;
  if (!nor_in_range(n, offset, len) || offset % n->block != 0 ||
      len % n->block != 0) {
    n->refused++;
    return NOR_EINVAL;
  }
  size_t allowed = nor_spend(n, len);
  memset(n->bytes + offset, 0xFF, allowed);
  n->erased_blocks += (allowed + n->block - 1) / n->block;
  if (allowed < len) {
    n->bytes[offset + allowed] = 0x5A; /* neither data nor erased */
    return NOR_EIO;
  }
  return 0;
}

static inline locker_flash nor_flash(nor *n) {
  locker_flash flash;
  memset(&flash, 0, sizeof flash);
  flash.size = sizeof flash;
  flash.ctx = n;
  flash.capacity_bytes = n->capacity;
  flash.erase_block_bytes = n->block;
  flash.read = nor_read;
  flash.write = nor_write;
  flash.erase = nor_erase;
  return flash;
}

#endif
