"""The Locker facade over simulated hardware and over a Python object."""

import hashlib
from typing import Any, Dict, List, Optional, Set, Tuple

import pytest

import locker
from conftest import NOW_S, opened, parcel, seed
from locker.types import ParcelReadyEvent


def deliver(
    lk: locker.Locker, hw: locker.SimulatedHardware, pid: int, recipient: int
) -> Tuple[int, ParcelReadyEvent]:
    """A courier drops one parcel off; returns the door and the ready event."""
    session = lk.courier_sign_in(lk.issue_courier_code(1, 86_400))
    assert session.carrier == 1
    drop = lk.deposit(session, {"parcel": parcel(pid), "recipient": recipient})
    assert drop["outcome"] == "opened"
    door: int = drop["compartment"]
    hw.open_door(door)
    hw.put_parcel(door)
    hw.close_door(door)
    lk.door_closed(door)
    ready = [e for e in lk.take_events() if e["type"] == "parcel_ready"]
    return door, ready[-1]


def sim_locker() -> Tuple[locker.Locker, locker.SimulatedHardware]:
    doors = [c["id"] for c in locker.default_bank()["compartments"]]
    hw = locker.SimulatedHardware(doors, seed=7, now_s=NOW_S)
    return locker.Locker(hw), hw


def test_drop_off_and_pickup_with_pin_and_qr() -> None:
    lk, hw = sim_locker()
    door, ready = deliver(lk, hw, 1, 12)
    assert ready["compartment"] == door and len(ready["pin"]) == 8
    hw.set_now_s(NOW_S + 3_600)
    assert lk.pickup_pin(ready["pin"], unit=12) == [door]
    hw.open_door(door)
    hw.take_parcel(door)
    hw.close_door(door)
    lk.door_closed(door)
    assert [e["type"] for e in lk.take_events()] == ["collected"]

    door2, ready2 = deliver(lk, hw, 2, 13)
    assert lk.pickup_qr(ready2["qr_token"]) == [door2]
    with pytest.raises(locker.OperationError):
        lk.staff_open(door2, "look")  # the door is still open


def test_reprs_say_what_a_locker_its_board_and_a_store_hold() -> None:
    lk, hw = sim_locker()
    doors = len(locker.default_bank()["compartments"])
    assert repr(hw) == f"SimulatedHardware(doors={doors}, open=0, now_s={NOW_S})"
    before = repr(lk)
    assert before.startswith("Locker(bank_id=") and f"doors={doors}, occupied=0" in before
    assert before.endswith(', journal="memory")')
    door, ready = deliver(lk, hw, 1, 12)
    records = len(lk.journal_records())
    assert f"occupied=1, records={records}" in repr(lk)
    assert lk.pickup_qr(ready["qr_token"]) == [door]
    assert hw.open_door(door)
    assert "open=1" in repr(hw)
    store = locker.CredentialStore()
    assert repr(store) == "CredentialStore(records=0, active=0)"


def test_doors_show_what_each_door_is_doing() -> None:
    lk, hw = sim_locker()
    assert {d["state"] for d in lk.doors()} == {"free"}
    door, _ = deliver(lk, hw, 1, 12)
    doors = lk.doors()
    assert [d["id"] for d in doors] == sorted(d["id"] for d in doors)
    mine = next(d for d in doors if d["id"] == door)
    assert (mine["state"], mine["task"], mine["recipient"], mine["parcels"]) == (
        "occupied",
        None,
        12,
        1,
    )
    assert list(mine)[:3] == ["id", "label", "size_class"]
    lk.staff_open(door, "look")
    assert next(d for d in lk.doors() if d["id"] == door)["task"] == "staff"


def test_wrong_pin_is_a_credential_error() -> None:
    lk, hw = sim_locker()
    deliver(lk, hw, 1, 12)
    with pytest.raises(locker.CredentialError):
        lk.pickup_pin("00000000", unit=12)


def test_journal_replays_and_restores() -> None:
    lk, hw = sim_locker()
    door, _ = deliver(lk, hw, 1, 12)
    records = lk.journal_records()
    locker.verify_journal(records)
    read = locker.read_journal(lk.journal_text())["records"]
    assert read == records
    # Dicts keep the serializer's key order (an entry's tag first), so what
    # comes out of read_journal goes back in.
    assert [next(iter(r["entry"])) for r in read] == ["type"] * len(read)
    assert locker.write_journal(read) == lk.journal_text()
    assert [next(iter(r["entry"])) for r in records] == ["type"] * len(records)
    assert locker.write_journal(records) == lk.journal_text()
    # Sealed with the keys, the replayed state is the locker's snapshot;
    # without them it is the same state, unsealed.
    assert locker.replay(records, lk.keys()) == lk.snapshot()
    unsealed = locker.replay(records)
    assert "mac" not in unsealed and unsealed == {
        k: v for k, v in lk.snapshot().items() if k not in ("key_id", "mac")
    }
    again = locker.Locker.restore(lk.keys(), hw, records)
    assert again.snapshot() == lk.snapshot()
    assert door in {p["compartment"] for p in again.snapshot()["stored"]} or again.snapshot()["stored"]


def test_tampered_journal_is_refused() -> None:
    lk, hw = sim_locker()
    deliver(lk, hw, 1, 12)
    text = lk.journal_text().replace('"weight_g":1500', '"weight_g":1')
    with pytest.raises(locker.JournalError, match="edited"):
        locker.read_journal(text)
    lines = lk.journal_text().splitlines(keepends=True)
    with pytest.raises(locker.JournalError, match="missing"):
        locker.read_journal(lines[0] + "".join(lines[2:]))
    torn = locker.read_journal(lk.journal_text()[:-5])
    assert torn["torn_tail"] is not None


class Board:
    """A Python lock board: the hardware methods, and a log of calls."""

    def __init__(self) -> None:
        self.clock = NOW_S
        self.open: Set[int] = set()
        self.calls: List[str] = []
        self.jammed: Set[int] = set()
        self.counter = 0

    def unlock(self, door: int) -> None:
        self.calls.append(f"unlock {door}")
        if door in self.jammed:
            error = RuntimeError("latch stuck")
            error.kind = "door_jammed"  # type: ignore[attr-defined]
            raise error
        self.open.add(door)

    def door_state(self, door: int) -> str:
        return "open" if door in self.open else "closed"

    def now_s(self) -> int:
        return self.clock

    def fill_random(self, n: int) -> bytes:
        self.counter += 1
        return hashlib.sha256(self.counter.to_bytes(8, "big")).digest()[:n].ljust(n, b"\0")


def test_a_python_object_can_be_the_hardware() -> None:
    board = Board()
    lk = locker.Locker(board)
    session = lk.courier_sign_in(lk.issue_courier_code(1, 86_400))
    drop = lk.deposit(session, {"parcel": parcel(1), "recipient": 3})
    door = opened(drop)
    assert board.calls == [f"unlock {door}"]
    board.open.discard(door)
    lk.door_closed(door)
    assert any(e["type"] == "parcel_ready" for e in lk.take_events())


def test_python_exceptions_become_hardware_faults() -> None:
    board = Board()
    board.jammed = {c["id"] for c in locker.default_bank()["compartments"]}
    lk = locker.Locker(board)
    session = lk.courier_sign_in(lk.issue_courier_code(1, 86_400))
    with pytest.raises(locker.HardwareError) as caught:
        lk.deposit(session, {"parcel": parcel(1), "recipient": 3})
    assert getattr(caught.value, "kind") == "door_jammed"
    # What the board raised is in the message, as the core keeps it.
    assert "RuntimeError: latch stuck" in str(caught.value)
    assert str(caught.value).startswith("hardware fault at compartment ")
    faults = [e for e in lk.take_events() if e["type"] == "hardware_fault"]
    assert faults and faults[0]["kind"] == "door_jammed"
    # The technician reading the event or the journal sees it too.
    assert faults[0]["detail"] == "RuntimeError: latch stuck"
    recorded = [
        r["entry"] for r in lk.journal_records() if r["entry"]["type"] == "hardware_fault"
    ]
    assert recorded and recorded[0]["detail"] == "RuntimeError: latch stuck"


def test_an_interrupt_in_a_hardware_method_stops_the_program() -> None:
    class Interrupted(Board):
        def unlock(self, door: int) -> None:
            self.calls.append(f"unlock {door}")
            raise KeyboardInterrupt

    board = Interrupted()
    lk = locker.Locker(board)
    session = lk.courier_sign_in(lk.issue_courier_code(1, 86_400))
    with pytest.raises(KeyboardInterrupt):
        lk.deposit(session, {"parcel": parcel(1), "recipient": 3})
    # Called once: the locker did not try door after door.
    assert len(board.calls) == 1
    # The failed unlock is on record, as any hardware fault.
    faults = [e for e in lk.take_events() if e["type"] == "hardware_fault"]
    assert faults and faults[0]["detail"] == "KeyboardInterrupt"
    # The next call works again.
    board.unlock = Board.unlock.__get__(board)  # type: ignore[method-assign]
    drop = lk.deposit(session, {"parcel": parcel(2), "recipient": 3})
    assert drop["outcome"] == "opened"

    class Exiting(Board):
        def now_s(self) -> int:
            raise SystemExit(3)

    with pytest.raises(SystemExit):
        locker.Locker(Exiting())


def test_broken_hardware_objects_are_refused_or_reported() -> None:
    with pytest.raises(TypeError, match="no method"):
        locker.Locker(object())

    class NoClock(Board):
        def now_s(self) -> int:
            raise ValueError("rtc dead")

    with pytest.raises(locker.HardwareError, match="rtc dead"):
        locker.Locker(NoClock())

    class BadEntropy(Board):
        def fill_random(self, n: int) -> bytes:
            return b"short"

    with pytest.raises(locker.HardwareError):
        locker.Locker(BadEntropy())


@pytest.mark.parametrize("value", ["ajar", 5, None])
def test_a_hardware_answer_of_the_wrong_type_is_a_fault_naming_the_method(value: Any) -> None:
    class Odd(Board):
        def door_state(self, door: int) -> Any:
            return value

    board = Odd()
    lk = locker.Locker(board)
    session = lk.courier_sign_in(lk.issue_courier_code(1, 86_400))
    door = opened(lk.deposit(session, {"parcel": parcel(1), "recipient": 3}))
    with pytest.raises(locker.HardwareError) as caught:
        lk.door_closed(door)
    assert (caught.value.code, caught.value.kind) == ("other", "other")
    assert f"door_state() returned {type(value).__name__}" in str(caught.value)


def test_simulated_hardware_actions_check_physics() -> None:
    hw = locker.SimulatedHardware([1, 2], now_s=NOW_S)
    assert hw.now_s() == NOW_S
    assert hw.open_door(1) is False  # latched
    with pytest.raises(locker.HardwareError):
        hw.put_parcel(1)
    with pytest.raises(locker.HardwareError):
        hw.open_door(99)


def test_a_tag_without_an_end_journals_no_expiry_and_only_exact_numbers() -> None:
    """Record version 3: a tag registered without an end date has no
    ``expires_at_s`` in its record or in the grant its tap journals, and
    every number the journal holds fits in 53 bits."""
    lk, hw = sim_locker()
    tag = b"\x04\xa2\x19\x34"
    lk.register_rfid(12, tag)
    door, _ = deliver(lk, hw, 1, 12)
    hw.set_now_s(NOW_S + 60)
    assert lk.pickup_rfid(tag) == [door]
    records = lk.journal_records()
    issued = [r["entry"]["record"] for r in records if r["entry"]["type"] == "credential_issued"]
    tag_records = [r for r in issued if r["kind"]["type"] == "rfid"]
    assert len(tag_records) == 1 and "expires_at_s" not in tag_records[0]
    grants = [r["entry"]["grant"] for r in records if r["entry"]["type"] == "pickup_opened"]
    assert grants[-1]["channel"] == "rfid" and "expires_at_s" not in grants[-1]
    assert {r["v"] for r in records} == {3}

    def numbers(value: object) -> List[int]:
        if isinstance(value, bool):
            return []
        if isinstance(value, int):
            return [value]
        if isinstance(value, dict):
            return [n for item in value.values() for n in numbers(item)]
        if isinstance(value, list):
            return [n for item in value for n in numbers(item)]
        return []

    found = numbers(records)
    assert found and max(found) <= 2**53 - 1


def test_rfid_hold_extend_reopen() -> None:
    lk, hw = sim_locker()
    tag = b"\x04\xa2\x19\x33"
    assert lk.register_rfid(12, tag) is None  # the default policy asks no PIN
    door, _ = deliver(lk, hw, 1, 12)
    lk.hold(13, NOW_S + 86_400)
    with pytest.raises(locker.OperationError, match="until_s"):
        lk.hold(13, NOW_S - 1)
    assert lk.extend(door, 3_600) > NOW_S
    hw.set_now_s(NOW_S + 60)
    assert lk.pickup_rfid(tag) == [door]
    with pytest.raises(locker.OperationError, match="inspection"):
        lk.inspect(door, True)
    hw.open_door(door)
    hw.take_parcel(door)
    hw.close_door(door)
    lk.door_closed(door)
    assert lk.take_events()[-1]["type"] == "collected"
    lk.reopen(door)  # "I left something inside": within the grace period
    assert [r["entry"]["type"] for r in lk.journal_records()][-1] == "reopened"


def test_a_delegated_pin_collects_and_a_revoked_one_does_not() -> None:
    lk, hw = sim_locker()
    door, ready = deliver(lk, hw, 1, 12)
    expires_at_s = NOW_S + 86_400
    with pytest.raises(locker.CredentialError, match="no active pickup credential"):
        lk.delegate(
            {"delegator": 13, "scope": "parcels", "compartments": [door], "expires_at_s": expires_at_s}
        )
    with pytest.raises(ValueError, match="request"):
        lk.delegate({"delegator": 12, "scope": "some", "compartments": [], "expires_at_s": 1})
    everything = lk.delegate(
        {"delegator": 12, "scope": "all_parcels", "compartments": [], "expires_at_s": expires_at_s}
    )
    assert set(everything) == {"pin", "credential_id"}
    lk.revoke_credential(everything["credential_id"])
    with pytest.raises(locker.CredentialError):
        lk.pickup_pin(everything["pin"], unit=12)
    with pytest.raises(locker.CredentialError, match="was revoked"):
        lk.revoke_credential(everything["credential_id"])

    one = lk.delegate(
        {"delegator": 12, "scope": "parcels", "compartments": [door], "expires_at_s": expires_at_s}
    )
    assert one["pin"] != ready["pin"]
    assert lk.pickup_pin(one["pin"], unit=12) == [door]
    hw.open_door(door)
    hw.take_parcel(door)
    hw.close_door(door)
    lk.door_closed(door)
    assert [e["type"] for e in lk.take_events()] == ["collected"]
    kinds = [r["entry"]["type"] for r in lk.journal_records()]
    assert kinds.count("credential_revoked") == 1


def remote_locker() -> Tuple[locker.Locker, locker.SimulatedHardware]:
    doors = [c["id"] for c in locker.default_bank()["compartments"]]
    hw = locker.SimulatedHardware(doors, seed=7, now_s=NOW_S)
    config = {
        "bank": locker.default_bank(),
        "bank_id": 31,
        "credentials": {
            "remote": {
                "enabled": True,
                "max_opens_per_minute": 1,
                "max_opens_per_day": 10,
                "max_window_s": 300,
            }
        },
    }
    return locker.Locker(hw, config), hw


def remote_request(
    bank: int, door: int, now_s: int, recipient: Optional[int] = 12, purpose: str = "pickup"
) -> Dict[str, Any]:
    return {
        "bank": bank,
        "compartment": door,
        "purpose": purpose,
        "recipient": recipient,
        "not_before_s": now_s,
        "not_after_s": now_s + 300,
    }


def test_a_signed_remote_command_opens_its_door_once() -> None:
    lk, hw = remote_locker()
    door, ready = deliver(lk, hw, 1, 12)
    command = locker.sign_remote_command(lk.keys(), remote_request(31, door, NOW_S))
    assert set(command) == {"request", "nonce", "key_id", "tag"}
    assert len(command["tag"]) == 64

    assert lk.open_remote(command) == [door]
    hw.open_door(door)
    hw.take_parcel(door)
    hw.close_door(door)
    lk.door_closed(door)
    assert [e["type"] for e in lk.take_events()] == ["collected"]
    with pytest.raises(locker.CredentialError, match="already used"):
        lk.open_remote(command)
    # The resident's own PIN went with the parcels.
    with pytest.raises(locker.CredentialError, match="was revoked"):
        lk.pickup_pin(ready["pin"], unit=12)
    opened = [r["entry"] for r in lk.journal_records() if r["entry"]["type"] == "pickup_opened"]
    assert opened[-1]["grant"]["channel"] == "remote"


def test_remote_commands_are_refused_with_typed_errors() -> None:
    lk, hw = remote_locker()
    door, _ = deliver(lk, hw, 1, 12)
    other, _ = deliver(lk, hw, 2, 13)
    keys = lk.keys()
    records = len(lk.journal_records())

    with pytest.raises(locker.CredentialError, match="for bank 32, this is bank 31"):
        lk.open_remote(locker.sign_remote_command(keys, remote_request(32, door, NOW_S)))
    with pytest.raises(locker.CredentialError, match="for staff, not pickup"):
        lk.open_remote(
            locker.sign_remote_command(keys, remote_request(31, door, NOW_S, None, "staff"))
        )
    # Signed for resident 13: resident 12's parcels stay shut.
    with pytest.raises(locker.OperationError, match="nothing to collect"):
        lk.open_remote(locker.sign_remote_command(keys, remote_request(31, door, NOW_S, 13)))
    with pytest.raises(locker.CredentialError, match="names whose parcels"):
        locker.sign_remote_command(keys, remote_request(31, door, NOW_S, None))
    forged = locker.sign_remote_command(keys, remote_request(31, door, NOW_S))
    forged["request"]["compartment"] = other
    with pytest.raises(locker.CredentialError, match="rejected"):
        lk.open_remote(forged)
    with pytest.raises(ValueError, match="command"):
        lk.open_remote({"request": {}, "nonce": 1})
    with pytest.raises(ValueError, match="request"):
        locker.sign_remote_command(keys, {"bank": 31})
    # Refusals open nothing; the forged command's is journaled.
    assert not hw.is_open(door) and not hw.is_open(other)
    failed = [r["entry"]["type"] for r in lk.journal_records()[records:]]
    assert failed == ["attempt_failed", "attempt_failed"]

    # One opening a minute: the second waits.
    assert lk.open_remote(locker.sign_remote_command(keys, remote_request(31, door, NOW_S))) == [door]
    with pytest.raises(locker.CredentialError, match="cap reached"):
        lk.open_remote(locker.sign_remote_command(keys, remote_request(31, other, NOW_S, 13)))


def test_remote_opening_is_off_by_default_and_the_store_checks_commands() -> None:
    lk, hw = sim_locker()
    door, _ = deliver(lk, hw, 1, 12)
    command = locker.sign_remote_command(lk.keys(), remote_request(31, door, NOW_S), entropy=seed(0))
    with pytest.raises(locker.CredentialError, match="disabled"):
        lk.open_remote(command)

    store = locker.CredentialStore({"remote": {"enabled": True, "max_opens_per_minute": 2,
                                               "max_opens_per_day": 48, "max_window_s": 300}})
    grant = store.verify_remote(lk.keys(), 31, command, NOW_S + 10)
    assert (grant["channel"], grant["compartments"], grant["recipient"]) == ("remote", [door], 12)
    assert store.redeem(grant, NOW_S + 10) == []
    with pytest.raises(locker.CredentialError, match="already used") as caught:
        store.verify_remote(lk.keys(), 31, command, NOW_S + 20)
    # A replay of a signed command is not counted; a forgery is.
    assert getattr(caught.value, "failure") is None
    forged = dict(command, request=dict(command["request"], recipient=13))
    with pytest.raises(locker.CredentialError, match="rejected") as caught:
        store.verify_remote(lk.keys(), 31, forged, NOW_S + 20)
    assert getattr(caught.value, "failure")["channel"] == "remote"


def test_a_batch_drop_off_goes_door_by_door_and_replays() -> None:
    lk, hw = sim_locker()
    session = lk.courier_sign_in(lk.issue_courier_code(1, 86_400))
    load = [
        {"parcel": parcel(1), "recipient": 12},
        {"parcel": parcel(2), "recipient": 13},
        {"parcel": parcel(3), "recipient": 12},
        {"parcel": parcel(9, 2_000), "recipient": 14},
    ]
    plan = lk.plan_drop_off_batch(session, load, {"max_iterations": 5_000, "seed": 3})
    assert [o["parcel"]["id"] for o in plan["overflow"]] == [9]
    assert [e["type"] for e in lk.take_events()] == ["overflow"]
    assert plan["doors"] == 2 and len(plan["steps"]) == 3
    doors_12 = {s["compartment"] for s in plan["steps"] if s["recipient"] == 12}
    assert len(doors_12) == 1
    for step in plan["steps"]:
        door = opened(lk.deposit_planned(session, step))
        assert door == step["compartment"]
        hw.open_door(door)
        hw.put_parcel(door)
        hw.close_door(door)
        lk.door_closed(door)
        assert [e["type"] for e in lk.take_events()] == ["parcel_ready"]
    records = lk.journal_records()
    locker.verify_journal(records)
    assert locker.replay(records, lk.keys()) == lk.snapshot()
    assert locker.Locker.restore(lk.keys(), hw, records).snapshot() == lk.snapshot()


def test_bad_batch_input_is_a_typed_error_that_changes_nothing() -> None:
    lk, _ = sim_locker()
    session = lk.courier_sign_in(lk.issue_courier_code(1, 86_400))
    snapshot, records = lk.snapshot(), len(lk.journal_records())
    with pytest.raises(TypeError, match="session"):
        lk.plan_drop_off_batch("courier", [])  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="requests"):
        lk.plan_drop_off_batch(session, [{"parcel": parcel(1), "recipient": 1, "door": 3}])
    with pytest.raises(ValueError, match="options"):
        lk.plan_drop_off_batch(session, [], {"budget": 3})  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="options"):
        lk.plan_drop_off_batch(session, [], {"seed": "x"})  # type: ignore[arg-type]
    twice = [{"parcel": parcel(1), "recipient": 1}, {"parcel": parcel(1), "recipient": 2}]
    with pytest.raises(locker.AllocationError):
        lk.plan_drop_off_batch(session, twice)
    plan = lk.plan_drop_off_batch(session, [{"parcel": parcel(1), "recipient": 1}])
    with pytest.raises(ValueError, match="step"):
        lk.deposit_planned(session, {**plan["steps"][0], "door": 1})  # type: ignore[typeddict-unknown-key]
    with pytest.raises(TypeError, match="session"):
        lk.deposit_planned(None, plan["steps"][0])  # type: ignore[arg-type]
    assert lk.snapshot() == snapshot and len(lk.journal_records()) == records
    # A rotated courier code ends the session.
    lk.issue_courier_code(1, 86_400)
    snapshot, records = lk.snapshot(), len(lk.journal_records())
    with pytest.raises(locker.CredentialError):
        lk.deposit_planned(session, plan["steps"][0])
    with pytest.raises(locker.CredentialError):
        lk.plan_drop_off_batch(session, [{"parcel": parcel(2), "recipient": 1}])
    assert lk.snapshot() == snapshot and len(lk.journal_records()) == records
