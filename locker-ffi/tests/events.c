/* Events as C structs (locker_take_event): the fields of each kind a
 * drop-off and a pickup raise, the queue it shares with the JSON way
 * (locker_take_events), and bad arguments: each gets its status, writes
 * nothing and leaves the event queued. */
#include "people.h"

static locker_event fresh_event(void) {
  locker_event e;
  memset(&e, 0xA5, sizeof e); /* garbage the library must not read */
  e.size = sizeof(locker_event);
  return e;
}

/* The length of the NUL-terminated text in a `cap`-byte field; `cap`
 * when there is no NUL in it. */
static size_t text_len(const char *field, size_t cap) {
  const char *nul = memchr(field, '\0', cap);
  return nul == NULL ? cap : (size_t)(nul - field);
}

static locker *new_locker(board *b, locker_hardware *hw) {
  board_init(b, T0);
  *hw = board_hardware(b);
  locker *l = NULL;
  CHECK(locker_new(CONFIG, hw, &l) == LOCKER_OK);
  return l;
}

/* A courier of carrier 1 deposits parcel `id` for `recipient` and closes
 * the door; the events stay queued. Returns the door, 0 on failure. */
static uint32_t deposit(locker *l, board *b, uint64_t id, uint64_t recipient) {
  char *code = NULL;
  CHECK(locker_issue_courier_code(l, 1, 30 * DAY, &code) == LOCKER_OK);
  locker_courier_session *session = NULL;
  CHECK(locker_courier_sign_in(l, 1, code, &session) == LOCKER_OK);
  locker_string_free(code);
  locker_parcel p = parcel(id, 300, 200, 100);
  locker_drop_off result;
  memset(&result, 0, sizeof result);
  CHECK(locker_deposit(l, session, &p, recipient, false, &result) == LOCKER_OK);
  locker_courier_session_free(session);
  if (!result.opened) return 0;
  board_open(b, result.compartment);
  b->occupied[result.compartment] = true;
  board_close(b, result.compartment);
  CHECK(locker_door_closed(l, result.compartment) == LOCKER_OK);
  return result.compartment;
}

static void test_parcel_ready_and_collected(void) {
  board b;
  locker_hardware hw;
  locker *l = new_locker(&b, &hw);
  if (l == NULL) return;
  locker_event e = fresh_event();
  CHECK(locker_take_event(l, &e) == LOCKER_NO_EVENT);
  CHECK(e.size == sizeof(locker_event) && e.compartment == 0xA5A5A5A5u);

  uint32_t door = deposit(l, &b, 101, 12);
  CHECK(door >= 1 && door <= 5);
  /* The courier's sign-in and the deposit raise no event before the
   * parcel is ready. */
  e = fresh_event();
  CHECK(locker_take_event(l, &e) == LOCKER_OK);
  CHECK(e.size == sizeof(locker_event));
  CHECK(e.kind == LOCKER_EVENT_PARCEL_READY);
  CHECK(e.has_compartment && e.compartment == door);
  CHECK(e.has_recipient && e.recipient == 12);
  CHECK(e.has_carrier && e.carrier == 1);
  CHECK(e.parcel_count == 1 && e.parcel_ids[0] == 101 && e.parcel_ids[1] == 0);
  CHECK(e.door_count == 1 && e.doors[0] == door);
  size_t pin_len = text_len(e.pin, LOCKER_EVENT_PIN_BYTES);
  CHECK(pin_len >= 6 && pin_len < LOCKER_EVENT_PIN_BYTES);
  CHECK(strspn(e.pin, "0123456789") == pin_len);
  size_t token_len = text_len(e.qr_token, LOCKER_EVENT_TOKEN_BYTES);
  CHECK(token_len > 20 && token_len < LOCKER_EVENT_TOKEN_BYTES);
  CHECK(e.expires_at_s > T0);
  CHECK(e.reason[0] == '\0' && e.detail[0] == '\0');
  CHECK(e.clock_s == 0 && e.locker_s == 0 && !e.has_through_seq);
  char pin[LOCKER_EVENT_PIN_BYTES];
  memcpy(pin, e.pin, sizeof pin);
  memset(&e, 0, sizeof e); /* wipe the PIN and the token once sent */
  e = fresh_event();
  CHECK(locker_take_event(l, &e) == LOCKER_NO_EVENT);

  /* The PIN from the struct opens the door. */
  uint64_t unit = 12;
  uint32_t *doors = NULL;
  size_t count = 0;
  b.now_s += 60;
  CHECK(locker_pickup_pin(l, 1, &unit, pin, &doors, &count) == LOCKER_OK);
  free_doors_checked(doors, count, door);
  empty_door(l, &b, door);
  memset(pin, 0, sizeof pin);
  e = fresh_event();
  CHECK(locker_take_event(l, &e) == LOCKER_OK);
  CHECK(e.kind == LOCKER_EVENT_COLLECTED);
  CHECK(e.has_compartment && e.compartment == door);
  CHECK(e.has_recipient && e.recipient == 12 && !e.has_carrier);
  CHECK(e.parcel_count == 1 && e.parcel_ids[0] == 101);
  CHECK(e.pin[0] == '\0' && e.qr_token[0] == '\0');
  CHECK(locker_take_event(l, &e) == LOCKER_NO_EVENT);
  locker_free(l);
  free(b.journal);
}

static void test_one_queue_for_both_ways(void) {
  board b;
  locker_hardware hw;
  locker *l = new_locker(&b, &hw);
  if (l == NULL) return;
  uint32_t first = deposit(l, &b, 201, 21);
  uint32_t second = deposit(l, &b, 202, 22);
  CHECK(first != 0 && second != 0 && first != second);
  /* Typed, the oldest first; then JSON takes what is left. */
  locker_event e = fresh_event();
  CHECK(locker_take_event(l, &e) == LOCKER_OK);
  CHECK(e.kind == LOCKER_EVENT_PARCEL_READY && e.parcel_ids[0] == 201);
  memset(&e, 0, sizeof e);
  char *json = take_events(l);
  CHECK(json != NULL && strstr(json, "\"parcel_ids\":[202]") != NULL);
  CHECK(json != NULL && strstr(json, "\"parcel_ids\":[201]") == NULL);
  free(json);
  e = fresh_event();
  CHECK(locker_take_event(l, &e) == LOCKER_NO_EVENT);
  json = take_events(l);
  CHECK(json != NULL && strcmp(json, "[]") == 0);
  free(json);
  locker_free(l);
  free(b.journal);
}

static void test_bad_arguments(void) {
  board b;
  locker_hardware hw;
  locker *l = new_locker(&b, &hw);
  if (l == NULL) return;
  uint32_t door = deposit(l, &b, 301, 31);
  CHECK(door != 0);

  locker_event e = fresh_event();
  CHECK(locker_take_event(NULL, &e) == LOCKER_NULL_POINTER);
  CHECK(locker_take_event(l, NULL) == LOCKER_NULL_POINTER);
  CHECK(strstr(locker_last_error_message(), "out_event") != NULL);
  const size_t wrong[] = {0, sizeof(locker_event) - 8, sizeof(locker_event) + 8};
  for (size_t i = 0; i < sizeof wrong / sizeof wrong[0]; i++) {
    e = fresh_event();
    e.size = wrong[i];
    CHECK(locker_take_event(l, &e) == LOCKER_STRUCT_SIZE);
    CHECK(strstr(locker_last_error_message(), "out_event->size") != NULL);
    CHECK(e.size == wrong[i] && e.compartment == 0xA5A5A5A5u);
  }
  /* None of that took the event. */
  e = fresh_event();
  CHECK(locker_take_event(l, &e) == LOCKER_OK);
  CHECK(e.kind == LOCKER_EVENT_PARCEL_READY && e.compartment == door);
  memset(&e, 0, sizeof e);
  CHECK(strcmp(locker_status_message(LOCKER_NO_EVENT), "there is no event to take") == 0);
  locker_free(l);
  free(b.journal);
}

int main(void) {
  test_parcel_ready_and_collected();
  test_one_queue_for_both_ways();
  test_bad_arguments();
  return checks_report();
}
