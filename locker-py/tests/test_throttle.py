"""Throttles stop attackers, never the resident; every attempt is on the
record; the brute-force bound is enforced; a drop-off never fails on the
PIN cap; power is not a broken latch; caller entropy is checked; and every
argument the package refuses raises a coded error naming it.

Every channel is flooded from one kiosk and from several; then the
legitimate QR token, RFID tag and remote command open at once, another
carrier's courier signs in, and the attacked resident's host has heard of
it. Without the protections of the core (throttles scoped to what failed,
valid credentials never throttled) these tests fail.
"""

import inspect
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Optional, Tuple, cast

import pytest

import locker
from conftest import NOW_S, parcel, seed
from locker import analytics
from locker.types import BatchStep, BoundReport, Event, Lockout, ParcelReadyEvent

BANK = 9
DAY_S = 86_400
ROUNDS = 200
#: Flood attempts per kiosk per round: junk QR, forged QR, unknown RFID tag,
#: a wrong PIN for unit 15, a PIN for an unknown unit, a wrong courier code
#: naming carrier 1, a forged remote command.
PER_ROUND = 7


class Site:
    """A bank with remote opening on, two carriers' codes, and a signed-in
    courier of a third carrier for the drop-offs."""

    def __init__(self, config: Optional[Dict[str, Any]] = None) -> None:
        doors = [c["id"] for c in locker.default_bank()["compartments"]]
        self.hw = locker.SimulatedHardware(doors, seed=3, now_s=NOW_S)
        self.lk = locker.Locker(
            self.hw,
            config
            or {
                "bank": locker.default_bank(),
                "bank_id": BANK,
                "credentials": {"remote": {"enabled": True}},
            },
        )
        self.codes = {carrier: self.lk.issue_courier_code(carrier, 30 * DAY_S) for carrier in (1, 2, 3)}
        self.courier = self.lk.courier_sign_in(self.codes[3], carrier=3)

    def drop_off(self, pid: int, recipient: int, size: Tuple[int, int, int] = (300, 200, 100)) -> ParcelReadyEvent:
        """One parcel in; returns its ``parcel_ready`` event."""
        drop = self.lk.deposit(self.courier, {"parcel": parcel(pid, *size), "recipient": recipient})
        assert drop["outcome"] == "opened"
        door: int = drop["compartment"]
        self.hw.open_door(door)
        self.hw.put_parcel(door)
        self.hw.close_door(door)
        self.lk.door_closed(door)
        ready = [e for e in self.lk.take_events() if e["type"] == "parcel_ready"]
        assert len(ready) == 1
        return ready[0]

    def empty(self, doors: List[int]) -> None:
        for door in doors:
            self.hw.open_door(door)
            while self.hw.parcel_count(door):
                self.hw.take_parcel(door)
            self.hw.close_door(door)
            self.lk.door_closed(door)

    def step(self, by_s: int) -> None:
        self.hw.set_now_s(self.hw.now_s() + by_s)


def refused(call: Callable[[], object]) -> locker.LockerError:
    """The error a call raises (it must raise one of the package's)."""
    with pytest.raises(locker.LockerError) as caught:
        call()
    return caught.value


def flood(site: Site, kiosks: List[int], rounds: int = ROUNDS) -> Tuple[List[Event], int]:
    """Junk, forgeries and guesses on every channel from ``kiosks``, a round
    every 7 seconds; returns the events the host saw and the attempts."""
    forger = locker.KeyRing()
    forger.rotate(seed(66))
    lk = site.lk
    events: List[Event] = []
    attempts = 0
    for rnd in range(rounds):
        now_s = site.hw.now_s()
        forged_token, _ = locker.issue_token(
            forger, [1], NOW_S + DAY_S, NOW_S, recipient=12, entropy=seed(1_000 + rnd), bank=BANK
        )
        forged_command = locker.sign_remote_command(
            forger,
            {
                "bank": BANK,
                "compartment": 1,
                "purpose": "pickup",
                "recipient": 14,
                "not_before_s": now_s,
                "not_after_s": now_s + 60,
            },
            entropy=seed(2_000 + rnd),
        )
        for kiosk in kiosks:
            calls: List[Callable[[], object]] = [
                lambda: lk.pickup_qr("NOTATOKEN", kiosk=kiosk),
                lambda: lk.pickup_qr(forged_token, kiosk=kiosk),
                lambda: lk.pickup_rfid(bytes([0xAA, 0xBB, 0xCC, rnd % 250, 1, 2, 3]), kiosk=kiosk),
                lambda: lk.pickup_pin(f"{10_000 + rnd:08d}", unit=15, kiosk=kiosk),
                lambda: lk.pickup_pin("12345670", unit=100 + rnd, kiosk=kiosk),
                lambda: lk.courier_sign_in(f"{20_000 + rnd:012d}", kiosk=kiosk, carrier=1),
                lambda: lk.open_remote(forged_command),
            ]
            assert len(calls) == PER_ROUND
            for call in calls:
                error = refused(call)
                # Nothing opened, and what was refused says why.
                assert isinstance(error, locker.CredentialError), error
                attempts += 1
        events.extend(lk.take_events())
        site.step(7)
    return events, attempts


def entries(records: List[Dict[str, Any]], kind: str) -> List[Dict[str, Any]]:
    return [r["entry"] for r in records if r["entry"]["type"] == kind]


@pytest.mark.parametrize("kiosks", [[1], [1, 2, 3]], ids=["one kiosk", "three kiosks"])
def test_a_flood_on_every_channel_never_stops_a_valid_qr_rfid_remote_or_courier(kiosks: List[int]) -> None:
    site = Site()
    lk = site.lk
    ready_12 = site.drop_off(1, 12)
    ready_13 = site.drop_off(2, 13)
    ready_14 = site.drop_off(3, 14)
    ready_15 = site.drop_off(4, 15)
    uid_13 = bytes([0x04, 0x13, 0x13, 0x13, 0x13, 0x13, 0x13])
    assert lk.register_rfid(13, uid_13) is None
    site.step(60)
    before = len(lk.journal_records())

    events, attempts = flood(site, kiosks)
    assert attempts == len(kiosks) * ROUNDS * PER_ROUND
    kiosk = kiosks[0]

    # The attacked resident's host heard of it (and sends their QR code);
    # so did the bank's, when the bank-wide PIN cap was reached.
    scopes = [e["lockout"]["scope"] for e in events if e["type"] == "suspicious_attempts"]
    assert {"channel": "pin", "subject": {"recipient": 15}} in scopes
    assert {"channel": "pin", "subject": "bank"} in scopes
    assert {"channel": "courier", "subject": {"carrier": 1}} in scopes
    # PINs are locked bank-wide (the brute-force bound rests on it): one
    # more attempt, refused ...
    assert refused(lambda: lk.pickup_pin(ready_15["pin"], unit=15, kiosk=kiosk)).code == "throttled"
    attempts += 1
    # ... but every credential that verifies opens at once, at the flooded
    # kiosk: QR tokens, the RFID tag, a signed remote command.
    assert lk.pickup_qr(ready_12["qr_token"], kiosk=kiosk) == [ready_12["compartment"]]
    assert lk.pickup_rfid(uid_13, kiosk=kiosk) == [ready_13["compartment"]]
    now_s = site.hw.now_s()
    command = locker.sign_remote_command(
        lk.keys(),
        {
            "bank": BANK,
            "compartment": ready_14["compartment"],
            "purpose": "pickup",
            "recipient": 14,
            "not_before_s": now_s,
            "not_after_s": now_s + 60,
        },
    )
    assert lk.open_remote(command) == [ready_14["compartment"]]
    assert lk.pickup_qr(ready_15["qr_token"], kiosk=kiosk) == [ready_15["compartment"]]
    site.empty([r["compartment"] for r in (ready_12, ready_13, ready_14, ready_15)])
    # Carrier 2's courier signs in: the guesser named carrier 1.
    session = lk.courier_sign_in(site.codes[2], kiosk=kiosk, carrier=2)
    assert (session.carrier, session.kiosk) == (2, kiosk)
    lk.courier_sign_out(session)

    # Every attempt is on the record: counted ones one by one, the rest in
    # sums; the sums still open are journaled by tick() once due.
    records = lk.journal_records()
    added = records[before:]
    on_record = len(entries(added, "attempt_failed")) + sum(
        e["count"] for e in entries(added, "attempts_refused")
    )
    site.step(3_600)
    lk.tick()
    later = lk.journal_records()[len(records) :]
    flushed = sum(e["count"] for e in entries(later, "attempts_refused"))
    assert on_record + flushed == attempts
    # ... and the flood cost bounded storage.
    written = len(added) + len(later)
    assert written < attempts // 4, f"{written} records for {attempts} attempts"
    refused_entry = entries(added + later, "attempts_refused")[0]
    assert set(refused_entry) == {"type", "channel", "kiosk", "error", "count", "first_at_s", "last_at_s"}
    failed = entries(added, "attempt_failed")[0]["failure"]
    assert set(failed) >= {"at_s", "channel", "kiosk", "recipient", "credential"}
    signed = entries(records, "courier_signed_in")
    assert {"type": "courier_signed_in", "carrier": 2, "kiosk": kiosk} in signed
    assert {"type": "courier_signed_out", "carrier": 2, "kiosk": kiosk} in entries(records, "courier_signed_out")
    # The journal with all of it verifies and replays.
    assert locker.replay(lk.journal_text(), lk.keys())["chain"] == lk.snapshot()["chain"]


def on_record(records: List[Dict[str, Any]]) -> int:
    """Attempts the records account for: one per ``attempt_failed``, the
    ``count`` of each ``attempts_refused``."""
    refused_sum: int = sum(e["count"] for e in entries(records, "attempts_refused"))
    return len(entries(records, "attempt_failed")) + refused_sum


def test_flush_attempts_puts_every_held_sum_on_the_record_at_once() -> None:
    site = Site()
    before = len(site.lk.journal_records())
    _, attempts = flood(site, [1], rounds=20)
    assert on_record(site.lk.journal_records()[before:]) < attempts, "some attempts wait in the hour's sums"
    site.lk.flush_attempts()
    assert on_record(site.lk.journal_records()[before:]) == attempts
    # Nothing is left to flush: a second call writes nothing.
    length = len(site.lk.journal_records())
    site.lk.flush_attempts()
    assert len(site.lk.journal_records()) == length


def test_a_resident_whose_pins_are_attacked_keeps_collecting_and_no_lock_lasts_a_day() -> None:
    site = Site()
    ready = site.drop_off(1, 13)
    site.lk.take_events()
    codes = [refused(lambda: site.lk.pickup_pin(f"{40_000 + guess:08d}", unit=13)).code for guess in range(5)]
    assert set(codes) == {"rejected", "throttled"}, "the unit's PINs back off"
    events = site.lk.take_events()
    lockouts = [
        e["lockout"]
        for e in events
        if e["type"] == "suspicious_attempts" and e["lockout"]["scope"]["subject"] == {"recipient": 13}
    ]
    assert lockouts, "the host hears at once"
    assert lockouts[0]["until_s"] < NOW_S + 3_600, "a backoff of minutes, not a day's lock"
    # The QR code opens now; the PIN works again minutes later.
    door = ready["compartment"]
    assert site.lk.pickup_qr(ready["qr_token"]) == [door]
    site.hw.open_door(door)
    site.hw.close_door(door)
    site.lk.door_closed(door)
    for _ in range(2):
        site.step(1_800)
        site.lk.observe_clock()
    assert site.lk.pickup_pin(ready["pin"], unit=13) == [door]


def test_keypad_input_that_is_no_pin_never_locks_anyone_out() -> None:
    site = Site()
    lk = site.lk
    ready = site.drop_off(1, 12)
    site.step(60)
    lk.take_events()
    before = len(lk.journal_records())
    # A child at the keypad (or a script): too short, too long, letters,
    # the right PIN without the unit. None of it can ever match.
    malformed = [("123", 12), ("123456789", 12), ("abcdefgh", 12), ("1234 678", 12), (ready["pin"], None)]
    codes: Dict[str, int] = {}
    for round_ in range(8):
        for pin, unit in malformed:
            error = refused(lambda: lk.pickup_pin(pin, unit=unit, kiosk=1 + round_ % 2))
            assert isinstance(error, locker.CredentialError)
            codes[error.code] = codes.get(error.code, 0) + 1
    assert codes == {"malformed_pin": 32, "unit_required": 8}
    # Past the bank's daily budget of 25, yet nothing counted: no lockout,
    # no attempt_failed record...
    assert not [e for e in lk.take_events() if e["type"] == "suspicious_attempts"]
    assert entries(lk.journal_records()[before:], "attempt_failed") == []
    # ...and the resident's PIN opens at once, at the same kiosk.
    assert lk.pickup_pin(ready["pin"], unit=12, kiosk=1) == [ready["compartment"]]
    # Every attempt is on the record all the same, summed per kiosk and error.
    lk.flush_attempts()
    sums = entries(lk.journal_records()[before:], "attempts_refused")
    assert sum(e["count"] for e in sums) == 40
    assert {(e["kiosk"], e["error"]) for e in sums} == {
        (kiosk, error) for kiosk in (1, 2) for error in ("malformed_pin", "unit_required")
    }


def test_a_unit_never_locks_before_the_bank() -> None:
    throttle = Site().lk.snapshot()["credentials"]["policy"]["throttle"]
    # A unit's (a carrier's, a tag's) cap is the bank's: 25 a day, not 20.
    assert throttle["subject"]["max_failures_per_window"] == throttle["bank"]["max_failures_per_window"] == 25
    assert throttle["subject"]["window_s"] == throttle["bank"]["window_s"] == DAY_S
    assert locker.brute_force_bound()["inputs"]["attempts_per_24h"] == 25


def test_junk_from_made_up_kiosk_ids_shares_one_scope_and_costs_bounded_storage() -> None:
    site = Site()
    lk = site.lk
    site.drop_off(1, 12)
    ready = site.drop_off(2, 13)
    lk.take_events()
    before = len(lk.journal_records())
    codes: Dict[str, int] = {}
    # One junk scan from each of 10,000 kiosk ids, a second apart.
    for kiosk in range(10_000):
        error = refused(lambda: lk.pickup_qr("NOTATOKEN", kiosk=100 + kiosk))
        assert isinstance(error, locker.CredentialError)
        codes[error.code] = codes.get(error.code, 0) + 1
        site.hw.advance_s(1)
    # Made-up ids escape no backoff: beyond 32 kiosks they share one scope,
    # which backs off like one kiosk, so most scans are refused unchecked.
    assert set(codes) == {"malformed_token", "throttled"} and codes["throttled"] > 9_000
    scopes = [e["lockout"]["scope"] for e in lk.take_events() if e["type"] == "suspicious_attempts"]
    assert {"channel": "qr", "subject": "other_kiosks"} in scopes
    # Every scan is on the record, in bounded storage: the kiosks beyond 32
    # are summed together, with no kiosk named.
    lk.flush_attempts()
    added = lk.journal_records()[before:]
    assert len(added) < 200, f"{len(added)} records for 10,000 scans"
    assert on_record(added) == 10_000
    pooled = [e for e in entries(added, "attempts_refused") if e["kiosk"] is None]
    assert pooled and {(e["channel"], e["error"]) for e in pooled} == {("qr", "throttled")}
    # A valid token opens at once, at a kiosk id never seen.
    assert lk.pickup_qr(ready["qr_token"], kiosk=77_777) == [ready["compartment"]]


def test_the_store_never_throttles_what_verifies_and_counts_couriers_per_carrier(keys: locker.KeyRing) -> None:
    store = locker.CredentialStore()
    code_1, record = store.issue_courier_code(keys, 1, NOW_S, NOW_S + DAY_S, NOW_S, entropy=seed(1))
    code_2, _ = store.issue_courier_code(keys, 2, NOW_S, NOW_S + DAY_S, NOW_S, entropy=seed(2))
    assert len(code_1) == 12 and record["kind"]["carrier"] == 1
    token, token_record = locker.issue_token(keys, [7], NOW_S + DAY_S, NOW_S, recipient=12)
    store.insert(token_record, NOW_S)
    lockouts: List[Lockout] = []
    for n in range(300):
        now_s = NOW_S + n
        # A host loop: what counts is recorded, as the locker does.
        for call in (
            lambda: store.verify_courier(keys, f"{n:012d}", now_s, carrier=1),
            lambda: store.verify_token(keys, "NOTATOKEN", now_s),
        ):
            error = refused(call)
            assert isinstance(error, locker.CredentialError)
            assert error.attempt is not None
            if error.failure is not None:
                lockouts += store.record_failure(error.failure)
    assert {"channel": "courier", "subject": {"carrier": 1}} in [lk["scope"] for lk in lockouts]
    assert {"channel": "qr", "subject": {"kiosk": 1}} in [lk["scope"] for lk in lockouts]
    now_s = NOW_S + 300
    # Carrier 1's couriers wait; carrier 2's sign in; a valid token opens.
    assert refused(lambda: store.verify_courier(keys, code_1, now_s, carrier=1)).code == "throttled"
    assert store.verify_courier(keys, code_2, now_s, kiosk=2, carrier=2)["carrier"] == 2
    assert store.verify_token(keys, token, now_s)["compartments"] == [7]
    # Naming a carrier looks at that carrier's code only; a failure then
    # names the carrier.
    wrong = refused(lambda: store.verify_courier(keys, code_2, now_s, kiosk=2, carrier=3))
    assert wrong.code == "rejected"
    assert isinstance(wrong, locker.CredentialError) and wrong.failure is not None
    assert wrong.failure["channel"] == "courier" and "carrier" not in wrong.failure  # carrier 3 has no code


def test_a_resident_with_three_doors_gets_a_fourth_and_one_pin_for_all() -> None:
    site = Site()
    # Parcels that fill a door each: no two share one.
    filling = (360, 600, 70)
    first = [site.drop_off(pid, 12, filling) for pid in (1, 2, 3)]
    doors = [r["compartment"] for r in first]
    assert len(set(doors)) == 3 and all(r["pin_opens"] == [r["compartment"]] for r in first)
    fourth = site.drop_off(4, 12, filling)
    every = sorted(doors + [fourth["compartment"]])
    assert fourth["pin_opens"] == every
    assert (fourth["parcel_ids"], fourth["carrier"], fourth["parcels"]) == ([4], 3, 1)
    site.step(60)
    # The earlier PINs gave way; the new one opens all four doors.
    assert refused(lambda: site.lk.pickup_pin(first[0]["pin"], unit=12)).code == "revoked"
    assert sorted(site.lk.pickup_pin(fourth["pin"], unit=12)) == every
    site.empty(every)


def test_a_merged_pin_keeps_opening_the_doors_not_collected_yet() -> None:
    site = Site()
    filling = (360, 600, 70)
    first = [site.drop_off(pid, 12, filling) for pid in (1, 2, 3)]
    fourth = site.drop_off(4, 12, filling)
    every = sorted([r["compartment"] for r in first] + [fourth["compartment"]])
    assert fourth["pin_opens"] == every
    site.step(60)
    # One door is collected with its QR code...
    door = first[0]["compartment"]
    assert site.lk.pickup_qr(first[0]["qr_token"]) == [door]
    site.empty([door])
    assert [e["type"] for e in site.lk.take_events()] == ["collected"]
    # ...and the PIN for all of them still opens the other three.
    rest = [d for d in every if d != door]
    assert sorted(site.lk.pickup_pin(fourth["pin"], unit=12)) == rest
    # The resident takes one parcel and shuts the other doors full: the
    # PIN is spent door by door, and opens those two again.
    for open_door in rest:
        site.hw.open_door(open_door)
    site.hw.take_parcel(rest[0])
    for open_door in rest:
        site.hw.close_door(open_door)
        site.lk.door_closed(open_door)
    assert [e["type"] for e in site.lk.take_events()] == ["collected", "pickup_aborted", "pickup_aborted"]
    assert sorted(site.lk.pickup_pin(fourth["pin"], unit=12)) == rest[1:]
    site.empty(rest[1:])
    # Every door collected: the PIN is spent.
    assert refused(lambda: site.lk.pickup_pin(fourth["pin"], unit=12)).code == "already_used"


def test_a_merged_pin_opens_its_doors_in_service_when_one_is_out() -> None:
    site = Site()
    filling = (360, 600, 70)
    first = [site.drop_off(pid, 12, filling) for pid in (1, 2, 3)]
    fourth = site.drop_off(4, 12, filling)
    every = sorted([r["compartment"] for r in first] + [fourth["compartment"]])
    site.step(60)
    broken = every[1]
    site.lk.set_out_of_service(broken, "hinge")
    opened = sorted(site.lk.pickup_pin(fourth["pin"], unit=12))
    assert opened == [d for d in every if d != broken]
    site.empty(opened)
    site.lk.back_in_service(broken)
    # The door back in service opens with the same PIN.
    assert site.lk.pickup_pin(fourth["pin"], unit=12) == [broken]


def test_no_delegation_at_one_pin_per_unit() -> None:
    site = Site({"bank": locker.default_bank(), "credentials": {"pin": {"max_active_per_unit": 1}}})
    ready = site.drop_off(1, 12)
    for request in (
        {"delegator": 12, "scope": "all_parcels", "compartments": [], "expires_at_s": NOW_S + DAY_S},
        {"delegator": 12, "scope": "parcels", "compartments": [ready["compartment"]], "expires_at_s": NOW_S + DAY_S},
    ):
        error = refused(lambda: site.lk.delegate(request))
        assert isinstance(error, locker.CredentialError) and error.code == "too_many_pins"
    # The resident's own PIN is untouched.
    site.step(60)
    assert site.lk.pickup_pin(ready["pin"], unit=12) == [ready["compartment"]]


def test_an_overflow_reaches_the_host() -> None:
    site = Site()
    huge = {"parcel": parcel(9, 2_000, 2_000, 2_000), "recipient": 12}
    drop = site.lk.deposit(site.courier, huge)
    assert drop["outcome"] == "overflow"
    events = [e for e in site.lk.take_events() if e["type"] == "overflow"]
    assert events == [{"type": "overflow", "parcel": 9, "recipient": 12, "carrier": 3, "reason": "nothing_fits"}]
    assert entries(site.lk.journal_records(), "deposit_overflowed")


WEAK_PINS: Dict[str, Any] = {"pin": {"digits": 4, "binding": "unbound"}}


def test_a_policy_above_the_bound_is_refused_and_an_override_is_journaled() -> None:
    error = refused(lambda: locker.CredentialStore(WEAK_PINS))
    assert isinstance(error, locker.CredentialError) and error.code == "bound_exceeded"
    assert "per billion" in str(error)
    doors = [c["id"] for c in locker.default_bank()["compartments"]]
    hw = locker.SimulatedHardware(doors, now_s=NOW_S)
    assert refused(lambda: locker.Locker(hw, {"bank": locker.default_bank(), "credentials": WEAK_PINS})).code == (
        "bound_exceeded"
    )
    # A target above 10^-6 needs its reason; with one, it is on the record.
    lax: Dict[str, Any] = {**WEAK_PINS, "brute_force": {"target_per_billion": 1_000_000_000}}
    assert refused(lambda: locker.CredentialStore(lax)).code == "invalid_policy"
    reason = "a test bench, no parcels"
    lax["brute_force"]["override_reason"] = reason
    store = locker.CredentialStore(lax)
    assert store.policy()["brute_force"] == {"target_per_billion": 1_000_000_000, "override_reason": reason}
    assert store.brute_force_bound()["per_billion"] > 1_000_000
    lk = locker.Locker(hw, {"bank": locker.default_bank(), "credentials": lax})
    configured = lk.journal_records()[0]["entry"]
    assert configured["type"] == "configured"
    assert configured["credentials"]["brute_force"]["override_reason"] == reason
    # Strict input: a misspelt field is refused, naming it.
    with pytest.raises(locker.InvalidArgumentError, match="unknown field `reason`") as caught:
        locker.CredentialStore({"brute_force": {"reason": "x"}})
    assert (caught.value.code, caught.value.argument) == ("invalid_argument", "policy")


def test_the_brute_force_bound_has_the_documented_shape() -> None:
    report: BoundReport = locker.brute_force_bound()
    assert set(report) == {"probability", "per_billion", "target_per_billion", "inputs", "attacker"}
    assert report["inputs"] == {
        "pin_digits": 8,
        "second_factor": {"unit_number": {"max_pins_per_unit": 3}},
        "active_credentials": 200,
        "attempts_per_24h": 25,
    }
    assert report["probability"] < 1e-6 and report["per_billion"] <= report["target_per_billion"] == 1_000
    assert "24 hours" in report["attacker"]
    assert locker.CredentialStore().brute_force_bound(50) == locker.brute_force_bound(None, 50)
    six = locker.brute_force_bound({"pin": {"digits": 6, "binding": "unbound"}}, active_credentials=200)
    assert six["inputs"]["second_factor"] == "none"
    assert six["per_billion"] > six["target_per_billion"]
    # 25 guesses at 200 active 6-digit PINs: about 5 in 1,000.
    assert 4e-3 < six["probability"] < 6e-3


def test_a_power_loss_at_the_latch_leaves_the_door_in_service_and_the_pin_valid() -> None:
    site = Site()
    ready = site.drop_off(1, 12)
    door = ready["compartment"]
    site.step(60)
    site.hw.fail_calls("unlock", "power_lost")
    error = refused(lambda: site.lk.pickup_pin(ready["pin"], unit=12))
    assert isinstance(error, locker.HardwareError)
    assert (error.code, error.kind) == ("power_lost", "power_lost")
    state = next(d for d in site.lk.doors() if d["id"] == door)["state"]
    assert state == "occupied"
    assert entries(site.lk.journal_records(), "pickup_aborted")[-1]["reason"] == "power_loss"
    # Power back: the resident tries again, with the same PIN.
    assert site.lk.pickup_pin(ready["pin"], unit=12) == [door]
    # A jammed latch is the door's own fault: that one goes out of service.
    other = site.drop_off(2, 13)
    site.hw.jam(other["compartment"])
    assert refused(lambda: site.lk.pickup_pin(other["pin"], unit=13)).code == "door_jammed"
    assert next(d for d in site.lk.doors() if d["id"] == other["compartment"])["state"] == "out_of_service"


def entropy_users(keys: locker.KeyRing) -> Dict[str, Callable[[bytes], object]]:
    signer = locker.IssuerSigningKey.generate(1, entropy=seed(5))
    request = {
        "bank": 0,
        "compartment": 1,
        "purpose": "pickup",
        "recipient": 12,
        "not_before_s": NOW_S,
        "not_after_s": NOW_S + 60,
    }
    store = locker.CredentialStore()
    return {
        "KeyRing.rotate": lambda e: locker.KeyRing().rotate(e),
        "CredentialStore.issue_pin": lambda e: store.issue_pin(keys, 12, [1], NOW_S + 60, NOW_S, entropy=e),
        "CredentialStore.issue_courier_code": lambda e: store.issue_courier_code(
            keys, 1, NOW_S, NOW_S + 60, NOW_S, entropy=e
        ),
        "issue_token": lambda e: locker.issue_token(keys, [1], NOW_S + 60, NOW_S, recipient=12, entropy=e),
        "issue_recorded_token": lambda e: locker.issue_recorded_token(
            keys, [1], NOW_S + 60, NOW_S, recipient=12, entropy=e
        ),
        "issue_token_signed": lambda e: locker.issue_token_signed(
            signer, [1], NOW_S + 60, NOW_S, recipient=12, entropy=e
        ),
        "sign_remote_command": lambda e: locker.sign_remote_command(keys, request, entropy=e),
        "sign_remote_command_ed25519": lambda e: locker.sign_remote_command_ed25519(signer, request, entropy=e),
        "IssuerSigningKey.generate": lambda e: locker.IssuerSigningKey.generate(2, entropy=e),
    }


ENTROPY_USERS = sorted(entropy_users(locker.KeyRing()))


@pytest.mark.parametrize("user", ENTROPY_USERS)
def test_weak_entropy_is_refused_wherever_entropy_is_given(user: str, keys: locker.KeyRing) -> None:
    call = entropy_users(keys)[user]
    for weak, reason in (
        (b"\0" * 32, "distinct byte values"),
        (bytes([1, 2]) * 16, "distinct byte values"),
        (bytes(range(15)) + bytes(17), "distinct byte values"),
        (bytes(range(32)), "a counter or pattern"),
        (bytes(i * 7 % 256 for i in range(32)), "a counter or pattern"),
        (b"The quick brown fox jumps over t", "typed text"),
    ):
        error = refused(lambda: call(weak))
        assert isinstance(error, locker.CredentialError) and error.code == "weak_entropy", (user, error)
        assert str(error).startswith("the entropy given is weak: ") and reason in str(error), (user, str(error))
    call(seed(9))  # what a random source gives is taken
    with pytest.raises(locker.InvalidArgumentError, match="entropy: expected 32 bytes, not 31"):
        call(seed(9)[:31])


def test_keyring_rotate_refuses_zero_entropy() -> None:
    ring = locker.KeyRing()
    with pytest.raises(locker.CredentialError) as caught:
        ring.rotate(b"\0" * 32)
    assert caught.value.code == "weak_entropy"
    assert len(ring) == 0


# --- wrong types for every public function ---------------------------------------


class Valid:
    """Valid arguments for every public function, from one site."""

    def __init__(self, tmp: Path) -> None:
        self.site = Site()
        self.ready = self.site.drop_off(1, 12)
        self.lk = self.site.lk
        self.hw = self.site.hw
        self.keys = self.lk.keys()
        self.signer = locker.IssuerSigningKey.generate(3, entropy=seed(3))
        self.store = locker.CredentialStore()
        self.bank = locker.Bank(locker.default_bank())
        self.records = self.lk.journal_records()
        self.path = tmp / "journal.jsonl"
        self.path.write_text(self.lk.journal_text(), encoding="utf-8")
        self.token, self.token_record = locker.issue_token(self.keys, [1], NOW_S + DAY_S, NOW_S, recipient=12)
        self.request = {
            "bank": BANK,
            "compartment": 1,
            "purpose": "pickup",
            "recipient": 12,
            "not_before_s": NOW_S,
            "not_after_s": NOW_S + 60,
        }
        self.command = locker.sign_remote_command(self.keys, self.request)
        self.signed = locker.sign_time(self.keys, BANK, NOW_S)
        self.grant = self.store.verify_token(self.keys, self.token, NOW_S)
        self.failure = {"at_s": NOW_S, "channel": "pin", "kiosk": 1, "recipient": None, "credential": None}
        self.drop = {"parcel": parcel(50), "recipient": 40}
        self.plan = self.bank.plan_batch([self.drop])
        assignment = self.plan["assignments"][0]
        self.step: BatchStep = {
            "parcel": assignment["parcel"],
            "recipient": assignment["recipient"],
            "needs_accessible": False,
            "compartment": assignment["compartment"],
            "placement": assignment["placement"],
            "rule": assignment["rule"],
        }
        self.flash = locker.MemoryFlash(8192, 1024)

    def calls(self) -> Dict[str, Tuple[Callable[..., Any], Dict[str, Any]]]:
        """Each public function with parameters, and valid arguments by name."""
        dims = (300, 200, 100)
        parcels = [parcel(1)]
        lk, hw, keys, store, signer = self.lk, self.hw, self.keys, self.store, self.signer
        door = self.ready["compartment"]
        return {
            "fits": (locker.fits, dict(parcel_dims=dims, space_dims=dims, this_side_up=False)),
            "bank_config_from_json": (locker.bank_config_from_json, dict(json="{}")),
            "bank_config_to_json": (locker.bank_config_to_json, dict(config=locker.default_bank())),
            "validate_bank_config": (locker.validate_bank_config, dict(config=locker.default_bank())),
            "pack": (locker.pack, dict(space=dims, parcels=parcels)),
            "pack_bins": (locker.pack_bins, dict(space=dims, parcels=parcels)),
            "pack_into": (
                locker.pack_into,
                dict(
                    compartments=[{"id": 1, "space": {"width_mm": 300, "depth_mm": 200, "height_mm": 100}}],
                    parcels=parcels,
                    options={"objective": "most_parcels", "max_iterations": 10},
                ),
            ),
            "lower_bound": (locker.lower_bound, dict(space=dims, parcels=parcels)),
            "brute_force_bound": (locker.brute_force_bound, dict(policy={}, active_credentials=200)),
            "issue_token": (
                locker.issue_token,
                dict(
                    keys=keys,
                    compartments=[1],
                    expires_at_s=NOW_S + 60,
                    now_s=NOW_S,
                    purpose="pickup",
                    recipient=12,
                    entropy=seed(1),
                    bank=0,
                ),
            ),
            "issue_recorded_token": (
                locker.issue_recorded_token,
                dict(
                    keys=keys,
                    compartments=[1],
                    expires_at_s=NOW_S + 60,
                    now_s=NOW_S,
                    purpose="pickup",
                    recipient=12,
                    entropy=seed(1),
                    bank=0,
                ),
            ),
            "issue_token_signed": (
                locker.issue_token_signed,
                dict(
                    signer=signer,
                    compartments=[1],
                    expires_at_s=NOW_S + 60,
                    now_s=NOW_S,
                    purpose="pickup",
                    recipient=12,
                    entropy=seed(1),
                    bank=0,
                ),
            ),
            "sign_remote_command": (
                locker.sign_remote_command,
                dict(keys=keys, request=self.request, entropy=seed(2)),
            ),
            "sign_remote_command_ed25519": (
                locker.sign_remote_command_ed25519,
                dict(signer=signer, request=self.request, entropy=seed(2)),
            ),
            "sign_time": (locker.sign_time, dict(keys=keys, bank=BANK, time_s=NOW_S)),
            "sign_time_ed25519": (locker.sign_time_ed25519, dict(signer=signer, bank=BANK, time_s=NOW_S)),
            "verify_token_offline": (
                locker.verify_token_offline,
                dict(keys=keys, token=self.token, now_s=NOW_S, bank=0, issuers=[]),
            ),
            "qr_svg": (
                locker.qr_svg,
                dict(text="X", module_px=2, error_correction="low", quiet_zone_modules=1),
            ),
            "read_journal": (
                locker.read_journal,
                dict(
                    text=lk.journal_text(),
                    keys=keys,
                    expected_head=lk.head(),
                    min_records=1,
                    accept_legacy=False,
                ),
            ),
            "verify_journal": (
                locker.verify_journal,
                dict(records=self.records, keys=keys, expected_head=lk.head(), min_records=1, accept_legacy=False),
            ),
            "write_journal": (locker.write_journal, dict(records=self.records)),
            "replay": (locker.replay, dict(records=self.records, keys=keys, accept_legacy=False)),
            "journal_stats": (
                locker.journal_stats,
                dict(records=self.records, utc_offset_s=0, from_s=None, until_s=None),
            ),
            "parcel_stays": (locker.parcel_stays, dict(records=self.records, from_s=None, until_s=None)),
            "simulate": (locker.simulate, dict(building={"days": 1}, bank=locker.default_bank())),
            "simulate_locker": (locker.simulate_locker, dict(building={"days": 1}, bank=locker.default_bank())),
            "plan": (locker.plan, dict(building={"days": 1}, request={})),
            "coverage_curve": (
                locker.coverage_curve,
                dict(building={"days": 1}, request={"seeds": 1}, coverages=[0.9], progress=None),
            ),
            "compose_bank": (
                locker.compose_bank,
                dict(classes=locker.default_classes(), counts=[1, 1, 1, 1], policy=None, clearance_mm=10),
            ),
            "Bank": (locker.Bank, dict(config=locker.default_bank())),
            "Bank.locate": (self.bank.locate, dict(parcel_id=1)),
            "Bank.allocate": (self.bank.allocate, dict(request=self.drop)),
            "Bank.store": (self.bank.store, dict(compartment=1, recipient=12, parcel=parcel(60))),
            "Bank.release": (self.bank.release, dict(compartment=1)),
            "Bank.set_in_service": (self.bank.set_in_service, dict(compartment=1, in_service=True)),
            "Bank.plan_batch": (self.bank.plan_batch, dict(requests=[self.drop])),
            "Bank.plan_batch_packed": (
                self.bank.plan_batch_packed,
                dict(requests=[self.drop], options={"seed": 1}),
            ),
            "Bank.apply_batch": (self.bank.apply_batch, dict(plan=self.plan)),
            "KeyRing.rotate": (locker.KeyRing().rotate, dict(entropy=seed(4))),
            "KeyRing.add_key": (locker.KeyRing().add_key, dict(key_id=5, secret=seed(5))),
            "KeyRing.from_bytes": (locker.KeyRing.from_bytes, dict(data=keys.to_bytes())),
            "KeyRing.export_key": (keys.export_key, dict(key_id=keys.ids()[0])),
            "KeyRing.retire": (keys.retire, dict(key_id=keys.ids()[0])),
            "CredentialStore": (locker.CredentialStore, dict(policy={})),
            "CredentialStore.brute_force_bound": (store.brute_force_bound, dict(active_credentials=200)),
            "CredentialStore.issue_pin": (
                store.issue_pin,
                dict(
                    keys=keys,
                    recipient=12,
                    compartments=[1],
                    expires_at_s=NOW_S + 60,
                    now_s=NOW_S,
                    purpose="pickup",
                    entropy=seed(6),
                ),
            ),
            "CredentialStore.issue_courier_code": (
                store.issue_courier_code,
                dict(
                    keys=keys,
                    carrier=1,
                    valid_from_s=NOW_S,
                    expires_at_s=NOW_S + 60,
                    now_s=NOW_S,
                    entropy=seed(7),
                ),
            ),
            "CredentialStore.verify_courier": (
                store.verify_courier,
                dict(keys=keys, code="0" * 12, now_s=NOW_S, kiosk=1, carrier=1),
            ),
            "CredentialStore.verify_pin": (
                store.verify_pin,
                dict(keys=keys, pin="0" * 8, now_s=NOW_S, unit=12, kiosk=1, purpose="pickup"),
            ),
            "CredentialStore.verify_token": (
                store.verify_token,
                dict(keys=keys, token=self.token, now_s=NOW_S, kiosk=1, purpose="pickup", bank=0),
            ),
            "CredentialStore.verify_remote": (
                store.verify_remote,
                dict(keys=keys, bank=BANK, command=self.command, now_s=NOW_S),
            ),
            "CredentialStore.verify_signed_time": (
                store.verify_signed_time,
                dict(keys=keys, bank=BANK, signed=self.signed),
            ),
            "CredentialStore.redeem": (store.redeem, dict(grant=self.grant, now_s=NOW_S)),
            "CredentialStore.record_failure": (store.record_failure, dict(failure=self.failure)),
            "CredentialStore.insert": (store.insert, dict(record=self.token_record, now_s=NOW_S)),
            "CredentialStore.revoke": (store.revoke, dict(credential_id=1, now_s=NOW_S)),
            "IssuerSigningKey.generate": (locker.IssuerSigningKey.generate, dict(key_id=1, entropy=seed(8))),
            "IssuerSigningKey.from_bytes": (locker.IssuerSigningKey.from_bytes, dict(key_id=1, secret=seed(8))),
            "SimulatedHardware": (
                locker.SimulatedHardware,
                dict(doors=[1], seed=0, now_s=NOW_S, monotonic_counter=False, uptime=False),
            ),
            "SimulatedHardware.set_now_s": (hw.set_now_s, dict(now_s=NOW_S)),
            "SimulatedHardware.advance_s": (hw.advance_s, dict(delta_s=0)),
            "SimulatedHardware.jump_clock_s": (hw.jump_clock_s, dict(delta_s=0)),
            "SimulatedHardware.open_door": (hw.open_door, dict(door=door)),
            "SimulatedHardware.close_door": (hw.close_door, dict(door=door)),
            "SimulatedHardware.put_parcel": (hw.put_parcel, dict(door=door)),
            "SimulatedHardware.take_parcel": (hw.take_parcel, dict(door=door)),
            "SimulatedHardware.is_open": (hw.is_open, dict(door=door)),
            "SimulatedHardware.parcel_count": (hw.parcel_count, dict(door=door)),
            "SimulatedHardware.jam": (hw.jam, dict(door=door, always=False)),
            "SimulatedHardware.fail_calls": (hw.fail_calls, dict(operation="unlock", kind="power_lost", always=False)),
            "SimulatedHardware.cut_power_after": (hw.cut_power_after, dict(calls=1)),
            "MemoryFlash": (locker.MemoryFlash, dict(capacity_bytes=8192, erase_block_bytes=1024)),
            "MemoryFlash.from_bytes": (
                locker.MemoryFlash.from_bytes,
                dict(data=self.flash.to_bytes(), erase_block_bytes=1024),
            ),
            "MemoryFlash.cut_power_after": (self.flash.cut_power_after, dict(bytes=10**9)),
            "MemoryFlash.write_raw": (self.flash.write_raw, dict(offset=0, data=b"\xff")),
            "MemoryFlash.read": (self.flash.read, dict(offset=0, length=1)),
            "MemoryFlash.write": (self.flash.write, dict(offset=0, data=b"\xff")),
            "MemoryFlash.erase": (self.flash.erase, dict(offset=0, length=1024)),
            "Locker": (locker.Locker, dict(hardware=hw, config=None)),
            "Locker.open_flash": (
                locker.Locker.open_flash,
                dict(
                    config=None,
                    keys=keys,
                    hardware=hw,
                    flash=self.flash,
                    compact_at_bytes=4096,
                    expected_head=lk.head(),
                    expected_bank=BANK,
                ),
            ),
            "Locker.restore": (
                locker.Locker.restore,
                dict(
                    keys=keys,
                    hardware=hw,
                    records=self.records,
                    snapshot=None,
                    expected_head=lk.head(),
                    expected_bank=BANK,
                    accept_legacy=False,
                ),
            ),
            "Locker.add_key": (lk.add_key, dict(key_id=9, secret=seed(9))),
            "Locker.retire_key": (lk.retire_key, dict(key_id=9)),
            "Locker.confirm_signed_time": (lk.confirm_signed_time, dict(signed=self.signed)),
            "Locker.issue_courier_code": (lk.issue_courier_code, dict(carrier=1, valid_for_s=60)),
            "Locker.courier_sign_in": (lk.courier_sign_in, dict(code="0" * 12, kiosk=1, carrier=1)),
            "Locker.courier_sign_out": (lk.courier_sign_out, dict(session=self.site.courier)),
            "Locker.deposit": (lk.deposit, dict(session=self.site.courier, request=self.drop)),
            "Locker.plan_drop_off_batch": (
                lk.plan_drop_off_batch,
                dict(session=self.site.courier, requests=[self.drop], options={"seed": 1}),
            ),
            "Locker.deposit_planned": (
                lk.deposit_planned,
                dict(session=self.site.courier, step=self.step),
            ),
            "Locker.need_larger_door": (lk.need_larger_door, dict(compartment=door)),
            "Locker.cancel_deposit": (lk.cancel_deposit, dict(compartment=door)),
            "Locker.door_closed": (lk.door_closed, dict(compartment=door)),
            "Locker.pickup_pin": (lk.pickup_pin, dict(pin="0" * 8, unit=12, kiosk=1)),
            "Locker.pickup_qr": (lk.pickup_qr, dict(token=self.token, kiosk=1)),
            "Locker.pickup_rfid": (lk.pickup_rfid, dict(uid=b"\x04\x01\x02\x03", pin=None, kiosk=1)),
            "Locker.open_remote": (lk.open_remote, dict(command=self.command)),
            "Locker.register_rfid": (lk.register_rfid, dict(recipient=12, uid=b"\x04\x01\x02\x03", with_pin=False)),
            "Locker.delegate": (
                lk.delegate,
                dict(request={"delegator": 12, "scope": "all_parcels", "compartments": [], "expires_at_s": NOW_S + 60}),
            ),
            "Locker.revoke_credential": (lk.revoke_credential, dict(credential_id=1)),
            "Locker.reopen": (lk.reopen, dict(compartment=door)),
            "Locker.report_missing": (lk.report_missing, dict(compartment=door)),
            "Locker.hold": (lk.hold, dict(recipient=12, until_s=NOW_S + 60)),
            "Locker.inspect": (lk.inspect, dict(compartment=door, found_parcels=True)),
            "Locker.staff_open": (lk.staff_open, dict(compartment=door, reason="look")),
            "Locker.set_out_of_service": (lk.set_out_of_service, dict(compartment=door, reason="look")),
            "Locker.back_in_service": (lk.back_in_service, dict(compartment=door)),
            "Locker.extend": (lk.extend, dict(compartment=door, by_s=60)),
            "analytics.load": (analytics.load, dict(text=lk.journal_text(), keys=keys)),
            "analytics.load_file": (analytics.load_file, dict(path=self.path, keys=keys)),
            "analytics.to_rows": (analytics.to_rows, dict(records=self.records)),
            "analytics.to_dataframe": (analytics.to_dataframe, dict(records=self.records)),
            "analytics.parcel_stays": (analytics.parcel_stays, dict(records=self.records)),
            "analytics.dwell_stats": (analytics.dwell_stats, dict(records=self.records)),
            "analytics.utilization": (analytics.utilization, dict(records=self.records, start_s=None, end_s=None)),
            "analytics.overflow": (analytics.overflow, dict(records=self.records, utc_offset_s=0)),
            "analytics.stats": (
                analytics.stats,
                dict(records=self.records, utc_offset_s=0, from_s=None, until_s=None),
            ),
            "analytics.pickups_by_hour": (analytics.pickups_by_hour, dict(records=self.records, utc_offset_s=0)),
            "analytics.summary": (analytics.summary, dict(records=self.records, utc_offset_s=0)),
        }


def public_functions_with_parameters() -> Iterator[str]:
    """Every public function, constructor and method that takes arguments."""

    def takes_arguments(function: Any) -> bool:
        if inspect.isclass(function) and getattr(function, "__text_signature__", None) is None:
            return False  # no constructor (a handle another call returns)
        return any(p.name != "self" for p in inspect.signature(function).parameters.values())

    modules = [(locker, ""), (analytics, "analytics.")]
    for module, prefix in modules:
        for name in module.__all__:
            item = getattr(module, name)
            if inspect.isclass(item):
                if issubclass(item, BaseException):
                    continue
                if takes_arguments(item):
                    yield prefix + name
                for attr, member in vars(item).items():
                    if not attr.startswith("_") and inspect.isroutine(getattr(item, attr)):
                        if takes_arguments(getattr(item, attr)):
                            yield f"{prefix}{name}.{attr}"
            elif inspect.isroutine(item) and takes_arguments(item):
                yield prefix + name


#: Values of the wrong type for every parameter of the package.
BAD_VALUES: Dict[str, Any] = {"object": object(), "float": 1.5, "list of object": [object()]}

@pytest.fixture(scope="module")
def valid(tmp_path_factory: pytest.TempPathFactory) -> Valid:
    """One site for every wrong-type call: refusals change nothing."""
    return Valid(tmp_path_factory.mktemp("journal"))


def test_the_wrong_type_table_covers_every_public_function(valid: Valid) -> None:
    assert sorted(valid.calls()) == sorted(public_functions_with_parameters())


def call_names() -> List[str]:
    return sorted(public_functions_with_parameters())


@pytest.mark.parametrize("bad", sorted(BAD_VALUES))
@pytest.mark.parametrize("function", call_names())
def test_wrong_types_raise_invalid_argument_naming_the_argument(function: str, bad: str, valid: Valid) -> None:
    call, arguments = valid.calls()[function]
    records = len(valid.lk.journal_records())
    for name in arguments:
        with pytest.raises(locker.LockerError) as caught:
            call(**{**arguments, name: BAD_VALUES[bad]})
        error = caught.value
        assert isinstance(error, locker.InvalidArgumentError), (function, name, error)
        assert error.code == "invalid_argument", (function, name, error)
        assert error.argument == name, (function, name, error)
        assert str(error).startswith(name), (function, name, error)
        # Python's own classes still catch it.
        assert isinstance(error, ValueError)
        assert isinstance(error, TypeError) == isinstance(error, locker.ArgumentTypeError)
    assert len(valid.lk.journal_records()) == records, "a refused argument changes nothing"


@pytest.mark.parametrize(
    "call, argument",
    [
        (lambda: locker.fits((1, 1, -1), (1, 1, 1)), "parcel_dims"),
        (lambda: locker.KeyRing().add_key(70_000, seed(1)), "key_id"),
        (lambda: locker.CredentialStore().brute_force_bound(-5), "active_credentials"),
        (lambda: locker.SimulatedHardware([2**32]), "doors"),
        (lambda: locker.issue_token(locker.KeyRing(), [1], 2**64, 0), "expires_at_s"),
        (lambda: locker.KeyRing().rotate(b"short"), "entropy"),
        (lambda: locker.fits((1, 1), (1, 1, 1)), "parcel_dims"),  # type: ignore[arg-type]
        (lambda: locker.CredentialStore().verify_pin(locker.KeyRing(), "1", 0, purpose="party"), "purpose"),
        (lambda: locker.SimulatedHardware([1]).fail_calls("unlock", "gremlins"), "kind"),
        (lambda: locker.SimulatedHardware([1]).fail_calls("reboot", "power_lost"), "operation"),
        (lambda: locker.SimulatedHardware([1]).jump_clock_s(2**63), "delta_s"),
        (lambda: locker.SimulatedHardware([1]).advance_s(-1), "delta_s"),
        (lambda: locker.Locker.restore(locker.KeyRing(), locker.SimulatedHardware([1]), [], expected_bank=-1), "expected_bank"),
        (lambda: locker.MemoryFlash(-1, 1024), "capacity_bytes"),
        (lambda: locker.MemoryFlash(8192, 1024).write_raw(8191, b"ab"), "offset"),
        (lambda: locker.MemoryFlash(8192, 1024).cut_power_after(-1), "bytes"),
        (
            lambda: locker.Locker.open_flash(
                None, locker.KeyRing(), locker.SimulatedHardware([1]), locker.MemoryFlash(8192, 1024), compact_at_bytes=2**32
            ),
            "compact_at_bytes",
        ),
        (lambda: locker.issue_recorded_token(locker.KeyRing(), [1], 2**64, 0), "expires_at_s"),
        (lambda: locker.qr_svg("X", error_correction="extreme"), "error_correction"),
        (lambda: locker.simulate({"days": 1, "unknown": 1}), "building"),  # type: ignore[arg-type]
        (lambda: locker.validate_bank_config({"name": "x", "compartments": [{"id": "one"}]}), "config"),
        (lambda: locker.fits((True, 1, 1), (1, 1, 1)), "parcel_dims"),
        (lambda: locker.CredentialStore({"pin": {"digits": float("nan")}}), "policy"),
        (lambda: locker.CredentialStore({1: 2}), "policy"),  # type: ignore[dict-item]
        (lambda: analytics.pickups_by_hour([{"entry": {}, "at_s": 0}]), "records"),
    ],
)
def test_values_out_of_range_or_of_the_wrong_shape_are_refused_by_name(call: Callable[[], object], argument: str) -> None:
    with pytest.raises(locker.InvalidArgumentError) as caught:
        call()
    assert (caught.value.code, caught.value.argument) == ("invalid_argument", argument)
    assert str(caught.value).startswith(argument)


def test_the_package_still_works_after_every_refusal(valid: Valid) -> None:
    # The site every wrong-type call was made against is unharmed ...
    lk, hw = valid.lk, valid.hw
    locker.verify_journal(lk.journal_text(), lk.keys(), expected_head=lk.head())
    hw.clear_faults()
    hw.set_now_s(NOW_S + 60)
    door = valid.ready["compartment"]
    assert lk.pickup_pin(valid.ready["pin"], unit=12) == [door]
    valid.site.empty([door])
    # ... and a new one works from the start.
    site = Site()
    ready = site.drop_off(2, 13)
    site.step(60)
    assert site.lk.pickup_qr(ready["qr_token"]) == [ready["compartment"]]
