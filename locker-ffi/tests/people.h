/* The C tests' bank and the people at it: the configuration (six doors,
 * bank id 31), the provisioned key the signed fixtures of
 * remote_commands.h use, and couriers and residents at the doors of a
 * board (board.h). Included by the tests; not part of the library. */
#ifndef LOCKER_TEST_PEOPLE_H
#define LOCKER_TEST_PEOPLE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "board.h"
#include "check.h"
#include "locker.h"
#include "remote_commands.h"

#define T0 1700000000ull
#define DAY 86400ull

/* Six doors: three small, two medium, one large (kept in reserve); bank id
 * 31, which the signed remote commands of remote_commands.h name. */
static const char *CONFIG =
    "{\"bank_id\": 31, \"bank\": {\"name\": \"c test bank\", \"compartments\": ["
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
static inline const char *json_string(const char *json, const char *key, char *out,
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
static inline char *take_events(locker *l) {
  char *json = NULL;
  if (locker_take_events(l, &json) != LOCKER_OK) return NULL;
  char *copy = malloc(strlen(json) + 1);
  if (copy != NULL) strcpy(copy, json);
  locker_string_free(json);
  return copy;
}

static inline locker_parcel parcel(uint64_t id, uint32_t w, uint32_t d, uint32_t h) {
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
static inline uint32_t drop_off(locker *l, board *b, const char *code, uint64_t id,
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
  /* The events, one struct at a time: the parcel_ready's PIN and token
   * (`pin` holds 32 bytes, `token` 256). */
  locker_event e;
  memset(&e, 0, sizeof e);
  e.size = sizeof e;
  bool ready = false;
  locker_status status;
  while ((status = locker_take_event(l, &e)) == LOCKER_OK) {
    if (e.kind == LOCKER_EVENT_PARCEL_READY) {
      ready = true;
      CHECK(e.has_compartment && e.compartment == door);
      CHECK(e.has_recipient && e.recipient == recipient);
      snprintf(pin, 32, "%s", e.pin);
      snprintf(token, 256, "%s", e.qr_token);
    }
    memset(&e, 0, sizeof e); /* wipe the secrets */
    e.size = sizeof e;
  }
  CHECK(status == LOCKER_NO_EVENT);
  CHECK(ready);
  return door;
}

static inline void free_doors_checked(uint32_t *doors, size_t count, uint32_t want) {
  CHECK(count == 1);
  CHECK(doors != NULL && doors[0] == want);
  locker_doors_free(doors, count);
}

/* A resident takes everything out of an unlocked door and closes it. */
static inline void empty_door(locker *l, board *b, uint32_t door) {
  board_open(b, door);
  CHECK(b->open[door]);
  b->occupied[door] = false;
  board_close(b, door);
  CHECK(locker_door_closed(l, door) == LOCKER_OK);
}

/* Provisioned keys, as remote_commands.h signs with: id 7, the secret
 * REMOTE_KEY_SECRET (a fixed SHA-256 output: as varied as random bytes,
 * where a counter or a ramp would be refused as a weak key). */
static inline void provisioned_keys(uint8_t *keys) {
  static const uint8_t secret[LOCKER_KEY_SECRET_BYTES] = REMOTE_KEY_SECRET;
  keys[0] = LOCKER_KEYS_FORMAT;
  keys[1] = 0;
  keys[2] = REMOTE_KEY_ID; /* largest key id used */
  keys[3] = 0;
  keys[4] = REMOTE_KEY_ID;
  memcpy(keys + LOCKER_KEYS_HEADER_BYTES + 2, secret, sizeof secret);
}

#endif
