"""The trust model through Python, tested as an attacker would go at it.

Each test does what an attacker who can read and write the journal's
storage, move the clock, forge door events or hold another bank's
credentials would do, and checks that the package refuses it with the
core's code. Most of these attacks succeed against a journal that is only
hash-chained (the first test shows one that does, checked with integrity
only): they fail only because of the MACs, the exported head, the
monotonic counter, the held clock and the binding of credentials to a
bank and a recipient.
"""

import copy
import hashlib
import json
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Tuple

import pytest

import locker
from conftest import NOW_S, advance, opened, parcel, seed
from locker.types import ParcelReadyEvent

DAY_S = 86_400
DOORS = [c["id"] for c in locker.default_bank()["compartments"]]
#: The frozen journals of the core's format tests (read in place, never copied).
CORE_DATA = Path(__file__).resolve().parents[2] / "locker-core" / "tests" / "data"

Record = Dict[str, Any]


def site(
    config: Optional[Dict[str, Any]] = None, *, seed: int = 7, counter: bool = False
) -> Tuple[locker.Locker, locker.SimulatedHardware]:
    hw = locker.SimulatedHardware(DOORS, seed=seed, now_s=NOW_S, monotonic_counter=counter)
    return locker.Locker(hw, config), hw


def deliver(lk: locker.Locker, hw: locker.SimulatedHardware, pid: int, recipient: int) -> Tuple[int, ParcelReadyEvent]:
    """A whole drop-off; returns the door and the parcel_ready event."""
    session = lk.courier_sign_in(lk.issue_courier_code(1, DAY_S))
    door = opened(lk.deposit(session, {"parcel": parcel(pid), "recipient": recipient}))
    hw.open_door(door)
    hw.put_parcel(door)
    hw.close_door(door)
    lk.door_closed(door)
    ready = [e for e in lk.take_events() if e["type"] == "parcel_ready"]
    return door, ready[-1]


def record_hash(record: Record) -> str:
    """A record's hash as the core computes it: SHA-256 of the compact JSON
    of ``{"v", "seq", "at_s", "prev", "entry"}`` in that order."""
    body = {k: record[k] for k in ("v", "seq", "at_s", "prev", "entry")}
    text = json.dumps(body, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def rechain(records: List[Record], start: int = 0) -> List[Record]:
    """Renumbers, relinks and rehashes records from ``start``, as an attacker
    with write access and no key does after an edit."""
    for index in range(start, len(records)):
        records[index]["seq"] = index
        records[index]["prev"] = records[index - 1]["hash"] if index else "0" * 64
        records[index]["hash"] = record_hash(records[index])
    return records


def refused(call: Callable[[], object], error: type = locker.LockerError) -> Any:
    """The exception ``call`` raises (of ``error``)."""
    with pytest.raises(error) as caught:
        call()
    return caught.value


def busy_site(**kwargs: Any) -> Tuple[locker.Locker, locker.SimulatedHardware, int]:
    lk, hw = site(**kwargs)
    door, _ = deliver(lk, hw, 1, 12)
    deliver(lk, hw, 2, 13)
    return lk, hw, door


# --- the journal: rewritten, cut short, rolled back -------------------------


def test_python_recomputes_the_core_hashes() -> None:
    lk, _, _ = busy_site()
    records = lk.journal_records()
    assert all(record_hash(r) == r["hash"] for r in records)
    assert rechain(copy.deepcopy(records)) == records


def test_a_rewritten_record_with_recomputed_hashes_is_forged() -> None:
    lk, hw, _ = busy_site()
    records = lk.journal_records()
    deposit = next(i for i, r in enumerate(records) if r["entry"]["type"] == "deposit_opened")
    forged = copy.deepcopy(records)
    forged[deposit]["entry"]["recipient"] = 99  # the parcel is now someone else's
    rechain(forged, deposit)

    # A hash chain alone cannot tell: integrity only passes.
    verified = locker.verify_journal(forged)
    assert verified["authenticated_through"] is None
    # The MACs can: the first rewritten record is named.
    for journal in (forged, locker.write_journal(forged)):
        error = refused(lambda: locker.verify_journal(journal, lk.keys()), locker.JournalError)
        assert (error.code, error.seq) == ("forged", deposit)
        error = refused(lambda: locker.Locker.restore(lk.keys(), hw, journal), locker.JournalError)
        assert (error.code, error.seq) == ("forged", deposit)
    error = refused(lambda: locker.read_journal(locker.write_journal(forged), lk.keys()), locker.JournalError)
    assert (error.code, error.seq) == ("forged", deposit)
    # A MAC copied from the original record does not fit the new hash either.
    forged[deposit]["mac"] = records[deposit]["mac"]
    assert refused(lambda: locker.verify_journal(forged, lk.keys())).code == "forged"
    # An edit that leaves the hash alone is found without keys.
    edited = copy.deepcopy(records)
    edited[deposit]["entry"]["recipient"] = 99
    error = refused(lambda: locker.verify_journal(edited), locker.JournalError)
    assert (error.code, error.seq) == ("edited", deposit)


def test_deleted_records_are_missing_or_forged() -> None:
    lk, hw, _ = busy_site()
    records = lk.journal_records()
    gone = records[:3] + records[4:]
    error = refused(lambda: locker.Locker.restore(lk.keys(), hw, gone), locker.JournalError)
    assert (error.code, error.seq) == ("missing_records", 4)
    # Renumbered and rehashed to hide the gap: the MACs give it away.
    hidden = rechain(copy.deepcopy(gone), 3)
    assert locker.verify_journal(hidden)["chain"]["next_seq"] == len(records) - 1
    error = refused(lambda: locker.Locker.restore(lk.keys(), hw, hidden), locker.JournalError)
    assert (error.code, error.seq) == ("forged", 3)
    # A record without its MAC is unauthenticated, not legacy.
    stripped = copy.deepcopy(records)
    del stripped[-1]["mac"], stripped[-1]["key_id"]
    error = refused(lambda: locker.verify_journal(stripped), locker.JournalError)
    assert (error.code, error.seq) == ("unauthenticated", len(records) - 1)


def test_whole_lines_cut_off_the_end_are_refused_against_the_head() -> None:
    lk, hw, _ = busy_site()
    head = lk.head()
    assert head is not None and head["seq"] == len(lk.journal_records()) - 1
    # The locker's head names its bank; a bare record's head does not.
    assert set(head) == {"seq", "hash", "key_id", "mac", "bank_id"} and head["bank_id"] == 0
    lines = lk.journal_text().splitlines(keepends=True)
    short = "".join(lines[:-2])
    # A shorter journal is still a valid journal, even with the keys...
    assert locker.verify_journal(short, lk.keys())["chain"]["next_seq"] == len(lines) - 2
    # ...but not one that reaches the head exported before.
    for call in (
        lambda: locker.verify_journal(short, lk.keys(), expected_head=head),
        lambda: locker.read_journal(short, lk.keys(), expected_head=head),
        lambda: locker.Locker.restore(lk.keys(), hw, short, expected_head=head),
        lambda: locker.verify_journal(short, min_records=len(lines)),
    ):
        assert refused(call, locker.JournalError).code == "rolled_back"
    # The whole journal reaches it, and restores against it.
    verified_head = locker.verify_journal(lk.journal_text(), lk.keys(), expected_head=head)["head"]
    assert verified_head == {k: v for k, v in head.items() if k != "bank_id"}
    again = locker.Locker.restore(lk.keys(), hw, lk.journal_text(), expected_head=head)
    assert again.head() == head
    # A torn last line (a write cut by a power loss) is only that.
    torn = locker.read_journal(lk.journal_text()[:-7], lk.keys())
    assert torn["torn_tail"] is not None and len(torn["records"]) == len(lines) - 1


def test_the_monotonic_counter_refuses_a_journal_cut_short() -> None:
    lk, hw, _ = busy_site(counter=True)
    records = lk.journal_records()
    assert hw.monotonic_counter_value() == len(records)
    error = refused(lambda: locker.Locker.restore(lk.keys(), hw, records[:-1]), locker.JournalError)
    assert error.code == "rolled_back"
    restored = locker.Locker.restore(lk.keys(), hw, records)
    report = restored.restore_report()
    assert report is not None
    assert (report["counter"], report["records"], report["authenticated_through"]) == (
        len(records),
        len(records),
        len(records) - 1,
    )
    assert report["keys_recorded"] is False and report["unauthenticated_legacy"] is False
    # A board without a counter cannot tell.
    plain = locker.SimulatedHardware(DOORS, seed=7, now_s=NOW_S)
    assert plain.monotonic_counter_value() is None
    assert locker.Locker.restore(lk.keys(), plain, records[:-1]).restore_report() is not None


def test_an_old_copy_of_the_journal_is_a_rollback() -> None:
    lk, hw = site(counter=True)
    door, ready = deliver(lk, hw, 1, 12)
    old_copy = lk.journal_text()  # the attacker keeps this...
    advance(lk, hw, 600)
    assert lk.pickup_pin(ready["pin"], unit=12) == [door]
    hw.open_door(door)
    hw.take_parcel(door)
    hw.close_door(door)
    lk.door_closed(door)
    head = lk.head()
    # ...and writes it back: the parcel would be "in the locker" again.
    for call in (
        lambda: locker.Locker.restore(lk.keys(), hw, old_copy),
        lambda: locker.Locker.restore(
            lk.keys(), locker.SimulatedHardware(DOORS, seed=7, now_s=NOW_S + 600), old_copy, expected_head=head
        ),
    ):
        assert refused(call, locker.JournalError).code == "rolled_back"


def test_another_history_of_the_same_length_does_not_match_the_head() -> None:
    # Two lockers with one ring, started alike, that part ways.
    first, hw_first = site()
    deliver(first, hw_first, 1, 12)
    hw_second = locker.SimulatedHardware(DOORS, seed=7, now_s=NOW_S)
    second = locker.Locker.restore(first.keys(), hw_second, first.journal_records()[:1])
    deliver(second, hw_second, 1, 13)
    assert len(second.journal_records()) == len(first.journal_records())
    head = first.head()
    assert head is not None
    error = refused(
        lambda: locker.verify_journal(second.journal_records(), first.keys(), expected_head=head),
        locker.JournalError,
    )
    assert (error.code, error.seq) == ("head_mismatch", head["seq"])


def test_a_restore_refuses_another_bank_s_journal_under_a_shared_ring() -> None:
    # Two banks of one site, provisioned with one key ring (the same seed
    # draws the same key): each authenticates the other's journal.
    bank_5, hw_5 = site({"bank": locker.default_bank(), "bank_id": 5})
    bank_6, hw_6 = site({"bank": locker.default_bank(), "bank_id": 6})
    assert bank_5.keys().checks() == bank_6.keys().checks()
    deliver(bank_5, hw_5, 1, 12)
    deliver(bank_6, hw_6, 1, 13)
    keys = bank_5.keys()
    journal_6, snapshot_6 = bank_6.journal_text(), bank_6.snapshot()
    head_5, head_6 = bank_5.head(), bank_6.head()
    assert head_5 is not None and head_6 is not None
    assert (head_5["bank_id"], head_6["bank_id"]) == (5, 6)
    # Without being told its bank, board 5 takes bank 6's journal: the MACs
    # are good, the ring is the journal's.
    assert locker.Locker.restore(keys, hw_5, journal_6).bank_id() == 6
    # Told its bank, or given its own exported head, it refuses it.
    for call in (
        lambda: locker.Locker.restore(keys, hw_5, journal_6, expected_bank=5),
        lambda: locker.Locker.restore(keys, hw_5, journal_6, expected_head=head_5),
        lambda: locker.Locker.restore(keys, hw_5, [], snapshot=snapshot_6, expected_bank=5),
        # And bank 5's journal against bank 6's head (a board 6 handed
        # bank 5's storage): the head names its bank.
        lambda: locker.Locker.restore(keys, hw_6, bank_5.journal_text(), expected_head=head_6),
    ):
        error = refused(call, locker.JournalError)
        assert error.code == "bank_mismatch" and error.seq is None
    error = refused(lambda: locker.Locker.restore(keys, hw_5, journal_6, expected_bank=5), locker.JournalError)
    assert "the journal is bank 6's, not bank 5's" in str(error)
    # Its own journal, told its bank or its head, restores.
    for again in (
        locker.Locker.restore(keys, hw_5, bank_5.journal_text(), expected_bank=5),
        locker.Locker.restore(keys, hw_5, bank_5.journal_text(), expected_head=head_5),
        locker.Locker.restore(keys, hw_5, bank_5.journal_text(), expected_head=head_5, expected_bank=5),
    ):
        assert again.bank_id() == 5 and again.head() == head_5
    # A head without its bank (a bare record's) leaves the bank unchecked;
    # expected_bank then says it.
    bare = {k: v for k, v in head_5.items() if k != "bank_id"}
    assert locker.Locker.restore(keys, hw_5, bank_5.journal_text(), expected_head=bare).bank_id() == 5
    error = refused(lambda: locker.Locker.restore(keys, hw_5, journal_6, expected_head=bare, expected_bank=5))
    assert error.code == "bank_mismatch"


def test_a_head_whose_position_was_edited_is_refused() -> None:
    lk, hw, _ = busy_site()
    head = lk.head()
    assert head is not None
    text = lk.journal_text()
    # The head claims an earlier record (a rollback made to look current):
    # that record's hash is another.
    earlier = {**head, "seq": head["seq"] - 1}
    error = refused(lambda: locker.verify_journal(text, lk.keys(), expected_head=earlier), locker.JournalError)
    assert (error.code, error.seq) == ("head_mismatch", head["seq"] - 1)
    # The head claims a later record: the journal is short of it.
    later = {**head, "seq": head["seq"] + 1}
    for call in (
        lambda: locker.verify_journal(text, lk.keys(), expected_head=later),
        lambda: locker.Locker.restore(lk.keys(), hw, text, expected_head=later),
    ):
        assert refused(call, locker.JournalError).code == "rolled_back"
    # The head as exported verifies.
    assert locker.verify_journal(text, lk.keys(), expected_head=head)["chain"]["next_seq"] == head["seq"] + 1


def test_a_rewritten_snapshot_is_forged() -> None:
    lk, hw, door = busy_site()
    snapshot = lk.snapshot()
    assert {"key_id", "mac"} <= set(snapshot)
    through = snapshot["chain"]["next_seq"]
    deliver(lk, hw, 3, 14)
    after = lk.journal_records()[through:]
    restored = locker.Locker.restore(lk.keys(), hw, after, snapshot=snapshot)
    assert restored.doors() == lk.doors()
    report = restored.restore_report()
    assert report is not None and (report["snapshot_through"], report["records"]) == (through - 1, len(after))
    # The snapshot says door `door` holds someone else's parcels now.
    forged = copy.deepcopy(snapshot)
    forged["deliveries"][str(door)]["recipient"] = 99
    error = refused(lambda: locker.Locker.restore(lk.keys(), hw, after, snapshot=forged), locker.JournalError)
    assert error.code == "forged"
    unsealed = {k: v for k, v in snapshot.items() if k not in ("key_id", "mac")}
    error = refused(lambda: locker.Locker.restore(lk.keys(), hw, after, snapshot=unsealed), locker.JournalError)
    assert error.code == "unauthenticated"
    # Records that do not continue the snapshot are refused too.
    error = refused(lambda: locker.Locker.restore(lk.keys(), hw, after[1:], snapshot=snapshot), locker.JournalError)
    assert error.code == "missing_records"


def test_analytics_loads_a_journal_with_its_keys(tmp_path: Path) -> None:
    lk, _, _ = busy_site()
    text = lk.journal_text()
    path = tmp_path / "journal.jsonl"
    path.write_text(text, encoding="utf-8")
    assert locker.analytics.load(text, lk.keys()) == locker.analytics.load_file(path, lk.keys())
    forged = rechain(locker.analytics.load(text), 0)
    forged[1]["at_s"] += 3_600
    forged_text = locker.write_journal(rechain(forged))
    assert locker.analytics.load(forged_text)  # integrity only: passes
    assert refused(lambda: locker.analytics.load(forged_text, lk.keys())).code == "forged"


# --- strict JSON: a renamed or injected key is an error, never ignored -------


def test_renamed_and_injected_keys_in_records_are_refused() -> None:
    lk, hw, _ = busy_site()
    records = lk.journal_records()
    deposit = next(i for i, r in enumerate(records) if r["entry"]["type"] == "deposit_opened")
    renamed = copy.deepcopy(records)
    parcel_dict = renamed[deposit]["entry"]["parcel"]
    parcel_dict["thim_side_up"] = parcel_dict.pop("this_side_up")
    rechain(renamed, deposit)
    injected = copy.deepcopy(records)
    injected[deposit]["entry"]["needs_acessible"] = True
    rechain(injected, deposit)
    extra_field = copy.deepcopy(records)
    extra_field[deposit]["note"] = "harmless"
    for bad in (renamed, injected, extra_field):
        # As dicts: a shape error that names the argument.
        with pytest.raises(ValueError, match="records"):
            locker.verify_journal(bad)
        with pytest.raises(ValueError, match="records"):
            locker.Locker.restore(lk.keys(), hw, bad)
        # As text, even with every hash recomputed: not a record.
        text = "".join(json.dumps(r, separators=(",", ":"), ensure_ascii=False) + "\n" for r in bad)
        for call in (
            lambda: locker.read_journal(text),
            lambda: locker.verify_journal(text, lk.keys()),
            lambda: locker.Locker.restore(lk.keys(), hw, text),
        ):
            error = refused(call, locker.JournalError)
            assert error.code == "malformed_record"
    # A line that parses to the right record but is spelt otherwise was
    # never hashed: refused as not canonical, naming the record.
    spaced = lk.journal_text().splitlines(keepends=True)
    spaced[deposit] = json.dumps(records[deposit]) + "\n"
    error = refused(lambda: locker.read_journal("".join(spaced)), locker.JournalError)
    assert (error.code, error.seq) == ("not_canonical", deposit)
    error = refused(lambda: locker.Locker.restore(lk.keys(), hw, "".join(spaced)), locker.JournalError)
    assert error.code == "not_canonical"


def test_unknown_keys_in_request_dicts_raise() -> None:
    lk, hw = site()
    session = lk.courier_sign_in(lk.issue_courier_code(1, DAY_S))
    records = len(lk.journal_records())
    for request in (
        {"parcel": parcel(1), "recipient": 12, "needs_acessible": True},
        {"parcel": {**parcel(1), "thim_side_up": True}, "recipient": 12},
        {"parcel": {**parcel(1), "size": {"width_mm": 1, "depth_mm": 1, "height_mm": 1, "lenght_mm": 9}}, "recipient": 12},
    ):
        with pytest.raises(ValueError, match="unknown field"):
            lk.deposit(session, request)
    assert len(lk.journal_records()) == records and not any(hw.is_open(d) for d in DOORS)
    with pytest.raises(ValueError, match="unknown field"):
        locker.Locker(hw, {"bank": locker.default_bank(), "bank_idd": 3})
    with pytest.raises(ValueError, match="unknown field"):
        locker.Locker(hw, {"credentials": {"issuer": []}})
    head = lk.head()
    assert head is not None
    with pytest.raises(ValueError, match="expected_head"):
        locker.verify_journal(lk.journal_records(), expected_head={**head, "trusted": True})
    with pytest.raises(ValueError, match=r"signed: unknown field `skew_s`"):
        lk.confirm_signed_time({**locker.sign_time(lk.keys(), 0, NOW_S), "skew_s": 10_000})
    command = locker.sign_remote_command(
        lk.keys(),
        {"bank": 0, "compartment": 1, "purpose": "pickup", "recipient": 12, "not_before_s": NOW_S, "not_after_s": NOW_S + 60},
    )
    with pytest.raises(ValueError, match="command"):
        lk.open_remote({**command, "all_doors": True})
    with pytest.raises(ValueError, match="request"):
        locker.sign_remote_command(lk.keys(), {**command["request"], "compartments": [1, 2]})


# --- keys ---------------------------------------------------------------------


#: Secrets no random source gives, and the words of the core's reason.
WEAK_SECRETS = {
    "zeros": (bytes(32), "distinct byte values"),
    "ones": (b"\xff" * 32, "distinct byte values"),
    "a repeated byte": (b"\x5a" * 32, "distinct byte values"),
    "a short pattern": (b"abcd" * 8, "distinct byte values"),
    "a pass phrase": (b"correct horse battery staple!!!!", "distinct byte values"),
    "a counter": (bytes(range(32)), "a counter or pattern"),
    "a counter from 1": (bytes(range(1, 33)), "a counter or pattern"),
    "a ramp": (bytes(i * 7 % 256 for i in range(32)), "a counter or pattern"),
    "a descending ramp": (bytes(255 - 3 * i for i in range(32)), "a counter or pattern"),
    "typed text": (b"The quick brown fox jumps over t", "typed text"),
    "typed digits and letters": (b"Tr0ub4dor&3-xkcd936+Q8wz!K5#pLm2", "typed text"),
}


@pytest.mark.parametrize("weak", sorted(WEAK_SECRETS))
def test_weak_keys_are_refused_wherever_keys_come_from_bytes(weak: str) -> None:
    secret, reason = WEAK_SECRETS[weak]
    assert len(secret) == 32
    ring = locker.KeyRing()
    calls: List[Callable[[], object]] = [
        lambda: ring.add_key(1, secret),
        lambda: locker.KeyRing.from_bytes(bytes([1, 0, 1, 0, 1]) + secret),
        lambda: locker.IssuerSigningKey.from_bytes(1, secret),
    ]
    lk, _ = site()
    calls.append(lambda: lk.add_key(9, secret))
    for call in calls:
        error = refused(call, locker.CredentialError)
        assert error.code == "weak_key"
        # The message says what gives the secret away.
        assert "is weak" in str(error) and reason in str(error), (weak, str(error))
    # The same bytes as caller entropy are refused too, for the same reason.
    error = refused(lambda: locker.KeyRing().rotate(secret), locker.CredentialError)
    assert error.code == "weak_entropy" and reason in str(error), (weak, str(error))
    assert len(ring) == 0 and lk.keys().ids() == [1]
    assert [r["entry"]["type"] for r in lk.journal_records()] == ["configured"]


def test_a_restore_needs_the_journal_s_own_ring() -> None:
    lk, hw, _ = busy_site()
    records = lk.journal_records()
    error = refused(lambda: locker.Locker.restore(locker.KeyRing(), hw, records), locker.CredentialError)
    assert error.code == "no_keys"
    error = refused(lambda: locker.verify_journal(records, locker.KeyRing()), locker.JournalError)
    assert error.code == "no_keys"
    # Another site's ring: same key id, another secret.
    elsewhere, _ = site(seed=8)
    assert elsewhere.keys().ids() == lk.keys().ids()
    assert elsewhere.keys().checks() != lk.keys().checks()
    error = refused(lambda: locker.Locker.restore(elsewhere.keys(), hw, records), locker.JournalError)
    assert error.code == "wrong_key_ring"
    error = refused(lambda: locker.verify_journal(records, elsewhere.keys()), locker.JournalError)
    assert (error.code, error.seq) == ("forged", 0)
    # A ring without the journal's key.
    other_id = locker.KeyRing()
    other_id.add_key(5, seed(5))
    error = refused(lambda: locker.Locker.restore(other_id, hw, records), locker.JournalError)
    assert (error.code, error.seq) == ("unknown_key", 0)


def test_keys_rotate_and_retire_on_the_record() -> None:
    lk, hw, _ = busy_site()
    first = lk.keys()
    assert [c["key_id"] for c in first.checks()] == [1] and len(first.checks()[0]["check"]) == 16
    second = lk.rotate_key()
    assert lk.keys().ids() == [1, second]
    lk.add_key(40, seed(100))
    with pytest.raises(locker.CredentialError) as caught:
        lk.add_key(40, seed(50))
    assert caught.value.code == "duplicate_key_id"
    lk.retire_key(1)
    with pytest.raises(locker.LockerError):
        lk.retire_key(1)
    changed = [r["entry"] for r in lk.journal_records() if r["entry"]["type"] == "keys_changed"]
    assert [[k["key_id"] for k in e["keys"]] for e in changed] == [[1, second], [1, second, 40], [second, 40]]
    assert changed[-1]["keys"] == lk.keys().checks()
    # The ring from before the rotation is not the journal's any more.
    error = refused(lambda: locker.Locker.restore(first, hw, lk.journal_records()), locker.JournalError)
    assert error.code == "unknown_key"
    again = locker.Locker.restore(lk.keys(), hw, lk.journal_records())
    assert again.snapshot() == lk.snapshot()
    assert locker.replay(lk.journal_text(), lk.keys()) == lk.snapshot()


# --- the clock ------------------------------------------------------------------


def test_a_clock_pushed_ahead_does_not_multiply_pin_guesses() -> None:
    lk, hw = site()
    door, ready = deliver(lk, hw, 1, 12)
    policy = lk.snapshot()["credentials"]["policy"]["throttle"]["bank"]
    budget = policy["max_failures_per_window"]
    assert (budget, policy["window_s"]) == (25, DAY_S)
    checked = 0
    for guess in range(300):
        # The attacker moves the clock 10 days ahead before every guess,
        # so that every throttle window would have passed...
        hw.set_now_s(hw.now_s() + 10 * DAY_S)
        pin = f"{guess * 7_919 % 10**8:08d}"
        if pin == ready["pin"]:
            continue
        # ...and spreads the guesses over units and kiosks.
        error = refused(lambda: lk.pickup_pin(pin, unit=1_000 + guess, kiosk=1 + guess % 40), locker.CredentialError)
        assert error.code in ("rejected", "throttled")
        checked += error.code == "rejected"
    # No 24 h of locker time passed: at most the bank's budget was checked.
    assert 0 < checked <= budget
    assert lk.observe_clock() == NOW_S and lk.clock_offset_s() >= 300 * 10 * DAY_S
    assert lk.clock_held_since_s() == NOW_S
    kinds = [r["entry"]["type"] for r in lk.journal_records()]
    assert kinds.count("attempt_failed") == checked and "clock_jumped" in kinds
    # The parcel waits for its resident, who is not locked out: PINs are
    # throttled bank-wide, the QR code is checked by its tag alone.
    lk.tick()
    assert hw.parcel_count(door) == 1
    assert refused(lambda: lk.pickup_pin(ready["pin"], unit=12)).code == "throttled"
    assert lk.pickup_qr(ready["qr_token"]) == [door]


def test_the_same_guesses_spread_over_real_time_are_all_checked() -> None:
    # The control: time that passes as the locker sees it ages the windows.
    lk, hw = site()
    deliver(lk, hw, 1, 12)
    checked = 0
    for guess in range(40):
        advance(lk, hw, 2 * 3_600)
        error = refused(lambda: lk.pickup_pin(f"{guess:08d}", unit=1_000 + guess, kiosk=1 + guess % 40))
        checked += error.code == "rejected"
    assert checked == 40 and lk.clock_offset_s() == 0


def test_no_parcel_goes_back_until_the_clock_is_confirmed() -> None:
    lk, hw = site()
    door, _ = deliver(lk, hw, 1, 12)
    hw.set_now_s(NOW_S + 10 * DAY_S)
    assert lk.observe_clock() == NOW_S
    jumped = lk.take_events()
    assert jumped == [{"type": "clock_jumped", "clock_s": NOW_S + 10 * DAY_S, "locker_s": NOW_S, "held_s": 10 * DAY_S}]
    lk.tick()
    assert lk.take_events() == [] and hw.parcel_count(door) == 1
    assert next(d for d in lk.doors() if d["id"] == door)["state"] == "occupied"
    # A signed time that disagrees with the clock confirms nothing.
    error = refused(lambda: lk.confirm_signed_time(locker.sign_time(lk.keys(), 0, NOW_S)))
    assert error.code == "invalid_argument"
    # Staff confirm: now the dwell is over.
    assert lk.confirm_clock() == NOW_S + 10 * DAY_S
    assert lk.take_events() == [{"type": "clock_confirmed", "by": "staff", "now_s": NOW_S + 10 * DAY_S}]
    lk.tick()
    assert [e["type"] for e in lk.take_events()] == ["return_ready"]
    assert lk.clock_offset_s() == 0 and lk.clock_held_since_s() is None
    kinds = [r["entry"]["type"] for r in lk.journal_records()]
    assert kinds[kinds.index("clock_jumped") :][:2] == ["clock_jumped", "clock_confirmed"]


def test_a_signed_time_confirms_the_clock_for_its_bank_only() -> None:
    lk, hw = site({"bank": locker.default_bank(), "bank_id": 5})
    hw.set_now_s(NOW_S + 3 * DAY_S)
    lk.observe_clock()
    assert lk.clock_offset_s() == 3 * DAY_S
    error = refused(lambda: lk.confirm_signed_time(locker.sign_time(lk.keys(), 6, NOW_S + 3 * DAY_S)))
    assert error.code == "wrong_bank"
    signed = locker.sign_time(lk.keys(), 5, NOW_S + 3 * DAY_S)
    assert set(signed) == {"bank", "time_s", "key_id", "tag"}
    tampered = locker.sign_time(lk.keys(), 5, NOW_S + 3 * DAY_S)
    tampered["time_s"] += 1
    assert refused(lambda: lk.confirm_signed_time(tampered)).code == "rejected"
    locker.CredentialStore().verify_signed_time(lk.keys(), 5, signed)
    assert lk.confirm_signed_time(signed) == NOW_S + 3 * DAY_S
    confirmed = lk.take_events()[-1]
    assert confirmed["type"] == "clock_confirmed" and confirmed["by"] == "signed_time"
    assert lk.clock_offset_s() == 0
    assert locker.SIGNED_TIME_SKEW_S == 300


def test_a_held_clock_is_kept_through_a_restore() -> None:
    lk, hw = site()
    hw.set_now_s(NOW_S + 5 * DAY_S)
    lk.observe_clock()
    again = locker.Locker.restore(lk.keys(), hw, lk.journal_text())
    assert again.clock_offset_s() == 5 * DAY_S and again.clock_held_since_s() == NOW_S


def creep(lk: locker.Locker, hw: locker.SimulatedHardware, steps: int, door: int) -> Tuple[int, List[str]]:
    """An attacker pushes the clock 50 minutes ahead at a time (each push
    under the policy's hour, so none is a jump by itself), with no time
    passing, and types three wrong PINs after each push at three kiosks;
    the host ticks. Returns the guesses the locker checked (counted) and
    the kinds of the events the host saw."""
    checked = 0
    kinds: List[str] = []
    for step in range(steps):
        hw.jump_clock_s(50 * 60)
        for kiosk in (1, 2, 3):
            pin = f"{(step * 3 + kiosk) * 7_919 % 10**8:08d}"
            error = refused(lambda: lk.pickup_pin(pin, unit=1_000 + step, kiosk=kiosk), locker.CredentialError)
            assert error.code in ("rejected", "throttled")
            checked += error.code == "rejected"
        lk.tick()
        kinds += [e["type"] for e in lk.take_events()]
    assert hw.parcel_count(door) == 1
    return checked, kinds


def test_a_clock_crept_ahead_in_small_steps_is_held_back_on_a_board_with_an_uptime_counter() -> None:
    hw = locker.SimulatedHardware(DOORS, seed=7, now_s=NOW_S, uptime=True)
    lk = locker.Locker(hw)
    door, ready = deliver(lk, hw, 1, 12)
    lk.take_events()
    # 150 pushes of 50 minutes: 125 hours, past the parcel's dwell.
    checked, kinds = creep(lk, hw, 150, door)
    assert hw.uptime_s() == 0, "no time passed"
    # The locker lived none of it: at most the bank's daily budget of
    # guesses was checked, and the parcel waits.
    assert 0 < checked <= 25
    assert "return_ready" not in kinds and "clock_jumped" in kinds
    assert next(d for d in lk.doors() if d["id"] == door)["state"] == "occupied"
    assert lk.observe_clock() == NOW_S and lk.clock_offset_s() == 150 * 50 * 60
    journal = [r["entry"]["type"] for r in lk.journal_records()]
    assert journal.count("attempt_failed") == checked and "parcel_returned" not in journal
    # Time the board lives counts: two hours on, the locker's clock is two
    # hours on, the push still held back.
    hw.advance_s(2 * 3_600)
    assert lk.observe_clock() == NOW_S + 2 * 3_600 and lk.clock_offset_s() == 150 * 50 * 60
    # The resident collects by QR code meanwhile; the PIN throttle never
    # blocks it.
    assert lk.pickup_qr(ready["qr_token"]) == [door]


def test_the_same_creep_without_an_uptime_counter_ages_throttles_and_dwell() -> None:
    # The control: a board without the counter cannot tell small pushes
    # from time passing (the locker holds back only steps over an hour).
    hw = locker.SimulatedHardware(DOORS, seed=7, now_s=NOW_S)
    assert hw.uptime_s() is None
    lk = locker.Locker(hw)
    door, _ = deliver(lk, hw, 1, 12)
    lk.take_events()
    checked, kinds = creep(lk, hw, 150, door)
    assert checked > 25
    assert "return_ready" in kinds and "clock_jumped" not in kinds
    assert lk.clock_offset_s() == 0 and lk.observe_clock() == NOW_S + 150 * 50 * 60


def test_the_simulated_uptime_counter_counts_time_lived_not_clock_jumps() -> None:
    hw = locker.SimulatedHardware([1], now_s=NOW_S, uptime=True)
    assert hw.uptime_s() == 0
    hw.advance_s(10)
    assert (hw.now_s(), hw.uptime_s()) == (NOW_S + 10, 10)
    hw.jump_clock_s(100)
    assert (hw.now_s(), hw.uptime_s()) == (NOW_S + 110, 10)
    hw.set_now_s(NOW_S + 115)  # setting the clock forward is time passing
    assert hw.uptime_s() == 15
    hw.jump_clock_s(-1_000)
    assert (hw.now_s(), hw.uptime_s()) == (NOW_S - 885, 15)
    assert locker.SimulatedHardware([1]).uptime_s() is None
    # A failing counter is a hardware fault like any other call's.
    lk, board = site()
    board.fail_calls("uptime_s", "bus_timeout")  # no counter: never called
    assert lk.observe_clock() == NOW_S
    with_counter = locker.SimulatedHardware(DOORS, seed=7, now_s=NOW_S, uptime=True)
    lk = locker.Locker(with_counter)
    with_counter.fail_calls("uptime_s", "bus_timeout")
    error = refused(lambda: lk.observe_clock(), locker.HardwareError)
    assert (error.code, error.kind) == ("bus_timeout", "bus_timeout")
    assert lk.observe_clock() == NOW_S


# --- door events the locker did not cause -----------------------------------------


def test_a_door_closed_that_was_never_unlocked_is_an_alarm() -> None:
    lk, hw = site()
    door, _ = deliver(lk, hw, 1, 12)
    before = lk.doors()
    error = refused(lambda: lk.door_closed(door), locker.OperationError)
    assert error.code == "not_open_for"
    assert lk.take_events() == [{"type": "unexpected_door_close", "compartment": door}]
    assert lk.journal_records()[-1]["entry"] == {"type": "unexpected_door_close", "compartment": door}
    assert lk.doors() == before
    # A door that does not exist journals nothing.
    records = len(lk.journal_records())
    assert refused(lambda: lk.door_closed(9_999)).code == "unknown_compartment"
    assert len(lk.journal_records()) == records


# --- credentials bound to a bank and a recipient ------------------------------------


def test_a_token_opens_nothing_at_another_bank_or_for_another_resident() -> None:
    lk, hw = site({"bank": locker.default_bank(), "bank_id": 5})
    assert lk.bank_id() == 5
    door, _ = deliver(lk, hw, 1, 12)
    keys = lk.keys()
    records = len(lk.journal_records())

    def token(bank: int, recipient: Optional[int]) -> str:
        text, _ = locker.issue_token(keys, [door], NOW_S + DAY_S, NOW_S, recipient=recipient, bank=bank)
        return text

    assert refused(lambda: lk.pickup_qr(token(6, 12)), locker.CredentialError).code == "rejected"
    assert refused(lambda: lk.pickup_qr(token(0, 12)), locker.CredentialError).code == "rejected"
    assert refused(lambda: lk.pickup_qr(token(5, 13))).code == "nothing_to_collect"
    assert refused(lambda: lk.pickup_qr(token(5, None)), locker.CredentialError).code == "invalid_request"
    assert not hw.is_open(door)
    assert all(r["entry"]["type"] != "pickup_opened" for r in lk.journal_records()[records:])
    # Offline checks name the bank too.
    assert refused(lambda: locker.verify_token_offline(keys, token(6, 12), NOW_S, bank=5)).code == "rejected"
    assert locker.verify_token_offline(keys, token(5, 12), NOW_S, bank=5)["recipient"] == 12
    store = locker.CredentialStore()
    assert refused(lambda: store.verify_token(keys, token(6, 12), NOW_S, bank=5)).code == "rejected"
    assert store.verify_token(keys, token(5, 12), NOW_S, bank=5)["recipient"] == 12
    # The right bank and resident: it opens.
    assert lk.pickup_qr(token(5, 12)) == [door]


def test_the_locker_s_own_qr_token_opens_only_with_its_record() -> None:
    lk, hw = site({"bank": locker.default_bank(), "bank_id": 5})
    door, ready = deliver(lk, hw, 1, 12)
    keys = lk.keys()  # what a thief of the locker holds
    token = ready["qr_token"]
    # The token ends in a secret the journal keeps only the digest of...
    stored = [
        c for r in lk.journal_records() if r["entry"]["type"] == "deposit_committed" for c in r["entry"]["credentials"]
    ]
    token_record = next(c for c in stored if c["kind"]["type"] == "token")
    assert set(token_record["kind"]) == {"type", "secret_digest"} and len(token_record["kind"]["secret_digest"]) == 64
    assert token not in lk.journal_text()
    # ...so the site key does not vouch for it: offline it is refused.
    error = refused(lambda: locker.verify_token_offline(keys, token, NOW_S, bank=5), locker.CredentialError)
    assert error.code == "rejected"
    # A secret changed (as a key holder minting for the token's id would
    # have to) is refused at the locker.
    position = len(token) - 5
    tampered = token[:position] + ("A" if token[position] != "A" else "B") + token[position + 1 :]
    assert refused(lambda: lk.pickup_qr(tampered), locker.CredentialError).code == "rejected"
    assert not hw.is_open(door)
    # The token itself opens, with the locker's record.
    assert lk.pickup_qr(token) == [door]


def test_a_recorded_token_verifies_with_its_record_only(keys: locker.KeyRing) -> None:
    token, record = locker.issue_recorded_token(keys, [41], NOW_S + DAY_S, NOW_S, recipient=12, bank=5, entropy=seed(3))
    assert record["kind"]["type"] == "token" and len(record["kind"]["secret_digest"]) == 64
    assert (record["compartments"], record["recipient"]) == ([41], 12)
    again, same = locker.issue_recorded_token(keys, [41], NOW_S + DAY_S, NOW_S, recipient=12, bank=5, entropy=seed(3))
    assert (again, same) == (token, record)
    assert refused(lambda: locker.verify_token_offline(keys, token, NOW_S, bank=5)).code == "rejected"
    # Without the record, a store refuses it too; with it, it verifies.
    assert refused(lambda: locker.CredentialStore().verify_token(keys, token, NOW_S, bank=5)).code == "rejected"
    store = locker.CredentialStore()
    store.insert(record, NOW_S)
    grant = store.verify_token(keys, token, NOW_S, bank=5)
    assert (grant["compartments"], grant["recipient"], grant["credential_id"]) == ([41], 12, record["id"])
    assert refused(lambda: store.verify_token(keys, token, NOW_S, bank=6)).code == "rejected"
    # A back end's token (a tag under the site key) still verifies offline.
    backend, backend_record = locker.issue_token(keys, [41], NOW_S + DAY_S, NOW_S, recipient=12, bank=5)
    assert "secret_digest" not in backend_record["kind"]
    assert locker.verify_token_offline(keys, backend, NOW_S, bank=5)["recipient"] == 12
    # A record kind without fields refuses one.
    with pytest.raises(locker.InvalidArgumentError, match="unknown field `note`"):
        store.insert({**backend_record, "kind": {"type": "token", "note": 1}}, NOW_S)


def test_a_remote_command_for_another_bank_opens_nothing() -> None:
    remote = {"enabled": True, "max_opens_per_minute": 2, "max_opens_per_day": 10, "max_window_s": 300}
    lk, hw = site({"bank": locker.default_bank(), "bank_id": 31, "credentials": {"remote": remote}})
    door, _ = deliver(lk, hw, 1, 12)

    def request(bank: int) -> Dict[str, Any]:
        return {"bank": bank, "compartment": door, "purpose": "pickup", "recipient": 12,
                "not_before_s": NOW_S, "not_after_s": NOW_S + 300}

    error = refused(lambda: lk.open_remote(locker.sign_remote_command(lk.keys(), request(32))))
    assert error.code == "wrong_bank"
    assert lk.open_remote(locker.sign_remote_command(lk.keys(), request(31))) == [door]


def issuer_site(signer: locker.IssuerSigningKey) -> Tuple[locker.Locker, locker.SimulatedHardware]:
    remote = {"enabled": True, "max_opens_per_minute": 2, "max_opens_per_day": 10, "max_window_s": 300}
    config = {
        "bank": locker.default_bank(),
        "bank_id": 5,
        "credentials": {"issuers": [signer.public_key()], "remote": remote},
    }
    return site(config)


def test_an_ed25519_bank_takes_only_what_its_issuer_signed() -> None:
    signer = locker.IssuerSigningKey.generate(3, entropy=seed(0))
    assert signer.key_id == 3 and repr(signer) == "IssuerSigningKey(key_id=3)"
    public = signer.public_key()
    assert public["key_id"] == 3 and len(public["public_key"]) == 64
    assert locker.IssuerSigningKey.from_bytes(3, signer.to_bytes()).public_key() == public
    assert signer.to_bytes().hex() not in repr(signer)
    lk, hw = issuer_site(signer)
    door, _ = deliver(lk, hw, 1, 12)
    keys = lk.keys()

    # The bank's own site key (which a thief of the locker would hold)
    # mints nothing the bank takes without a record.
    hmac_token, _ = locker.issue_token(keys, [door], NOW_S + DAY_S, NOW_S, recipient=12, bank=5)
    assert refused(lambda: lk.pickup_qr(hmac_token), locker.CredentialError).code == "rejected"
    request = {"bank": 5, "compartment": door, "purpose": "pickup", "recipient": 12,
               "not_before_s": NOW_S, "not_after_s": NOW_S + 300}
    hmac_command = locker.sign_remote_command(keys, request)
    assert refused(lambda: lk.open_remote(hmac_command), locker.CredentialError).code == "rejected"
    assert refused(lambda: lk.confirm_signed_time(locker.sign_time(keys, 5, NOW_S))).code == "rejected"
    # Another issuer's signatures are refused.
    stranger = locker.IssuerSigningKey.generate(3, entropy=seed(1))
    forged_token, _ = locker.issue_token_signed(stranger, [door], NOW_S + DAY_S, NOW_S, recipient=12, bank=5)
    assert refused(lambda: lk.pickup_qr(forged_token), locker.CredentialError).code == "rejected"
    assert not hw.is_open(door)

    # What the issuer signed opens, and says who signed it.
    token, _ = locker.issue_token_signed(signer, [door], NOW_S + DAY_S, NOW_S, recipient=12, bank=5)
    claims = locker.verify_token_offline(keys, token, NOW_S, bank=5, issuers=[public])
    assert (claims["signer"], claims["key_id"], claims["recipient"]) == ("issuer", 3, 12)
    assert refused(lambda: locker.verify_token_offline(keys, token, NOW_S, bank=5)).code == "unknown_key_id"
    command = locker.sign_remote_command_ed25519(signer, request)
    assert set(command) == {"request", "nonce", "key_id", "signature"} and len(command["signature"]) == 128
    assert lk.open_remote(command) == [door]
    # Both a tag and a signature: refused.
    both = {**command, "tag": hmac_command["tag"]}
    assert refused(lambda: lk.open_remote(both)).code == "rejected"
    signed_time = locker.sign_time_ed25519(signer, 5, NOW_S)
    assert set(signed_time) == {"bank", "time_s", "key_id", "signature"}
    assert lk.confirm_signed_time(signed_time) == NOW_S
    # A signed pickup token must name its resident.
    error = refused(lambda: locker.issue_token_signed(signer, [door], NOW_S + DAY_S, NOW_S, bank=5))
    assert error.code == "invalid_request"


# --- legacy journals ----------------------------------------------------------------


@pytest.mark.parametrize("fixture", ["journal-v1.jsonl", "journal-v1-two-door-delegation.jsonl"])
def test_a_legacy_journal_restores_only_when_accepted(fixture: str) -> None:
    text = (CORE_DATA / fixture).read_text(encoding="utf-8")
    read = locker.read_journal(text)
    records = read["records"]
    assert {r["v"] for r in records} == {1} and read["verified"]["legacy_records"] == len(records)
    doors = [c["id"] for c in records[0]["entry"]["bank"]["compartments"]]
    last_s = max(r["at_s"] for r in records)
    hw = locker.SimulatedHardware(doors, seed=3, now_s=last_s + 60)
    keys = locker.KeyRing()
    keys.rotate(seed(0))

    # Nothing vouches for version-1 records: refused unless accepted.
    for call in (
        lambda: locker.Locker.restore(keys, hw, text),
        lambda: locker.verify_journal(text, keys),
        lambda: locker.read_journal(text, keys),
    ):
        error = refused(call, locker.JournalError)
        assert (error.code, error.seq) == ("unauthenticated", 0)
    verified = locker.verify_journal(text, keys, accept_legacy=True)
    assert verified["authenticated_through"] is None and verified["legacy_records"] == len(records)

    lk = locker.Locker.restore(keys, hw, text, accept_legacy=True)
    report = lk.restore_report()
    assert report == {
        "records": len(records),
        "snapshot_through": None,
        "authenticated_through": None,
        "legacy_records": len(records),
        "unauthenticated_legacy": True,
        "counter": None,
        "keys_recorded": True,
    }
    # The ring is on the record, sealed: the journal is authenticated from
    # there on, and its MACs vouch for what came before.
    after = lk.journal_records()[len(records):]
    assert after[0]["entry"] == {"type": "keys_changed", "keys": keys.checks()}
    assert {r["v"] for r in after} == {3}
    verified = locker.verify_journal(lk.journal_text(), keys)
    assert verified["authenticated_through"] == len(lk.journal_records()) - 1
    assert verified["legacy_records"] == len(records)
    # Rewriting the legacy part now breaks the chain under the MACs.
    forged = rechain(copy.deepcopy(lk.journal_records()), 1)
    forged[0]["at_s"] += 1
    rechain(forged)
    error = refused(lambda: locker.verify_journal(forged, keys), locker.JournalError)
    assert (error.code, error.seq) == ("forged", len(records))


def test_the_frozen_authenticated_journal_verifies_with_its_keys() -> None:
    text = (CORE_DATA / "journal-v2.jsonl").read_text(encoding="utf-8")
    keys = locker.KeyRing.from_bytes(bytes.fromhex((CORE_DATA / "journal-v2.keys.hex").read_text().strip()))
    verified = locker.verify_journal(text, keys)
    last = text.count("\n") - 1
    assert verified["authenticated_through"] == last and verified["legacy_records"] == 0
    head = verified["head"]
    assert head is not None and head["seq"] == last
    assert locker.read_journal(text, keys, expected_head=head, min_records=last + 1)["verified"] == verified
    assert refused(lambda: locker.verify_journal(text, keys, min_records=last + 2)).code == "rolled_back"


# --- a Python board's monotonic counter -----------------------------------------------


class CountingBoard:
    """A Python lock board with a monotonic counter."""

    def __init__(self, counter: Any = 0) -> None:
        self.clock = NOW_S
        self.counter = counter
        self.raised: List[int] = []
        self.entropy = 0

    def unlock(self, door: int) -> None:
        pass

    def door_state(self, door: int) -> str:
        return "closed"

    def now_s(self) -> int:
        return self.clock

    def fill_random(self, n: int) -> bytes:
        self.entropy += 1
        return hashlib.sha256(self.entropy.to_bytes(8, "big")).digest()[:n].ljust(n, b"\1")

    def monotonic_counter(self) -> Any:
        return self.counter

    def raise_monotonic_counter(self, at_least: int) -> None:
        self.raised.append(at_least)
        self.counter = max(self.counter, at_least)


def test_a_python_board_s_monotonic_counter_is_raised_and_checked() -> None:
    board = CountingBoard()
    lk = locker.Locker(board)
    lk.issue_courier_code(1, DAY_S)
    lk.issue_courier_code(2, DAY_S)
    records = lk.journal_records()
    assert board.raised == [1, 2, 3] and board.counter == len(records)
    error = refused(lambda: locker.Locker.restore(lk.keys(), board, records[:-1]), locker.JournalError)
    assert error.code == "rolled_back"
    report = locker.Locker.restore(lk.keys(), board, records).restore_report()
    assert report is not None and report["counter"] == 3


def test_a_board_without_a_counter_or_with_a_broken_one() -> None:
    class NoCounter(CountingBoard):
        monotonic_counter = None  # type: ignore[assignment]

    class Plain:
        unlock = CountingBoard.unlock
        door_state = CountingBoard.door_state
        now_s = CountingBoard.now_s
        fill_random = CountingBoard.fill_random
        clock = NOW_S
        entropy = 0

    lk = locker.Locker(Plain())
    assert lk.restore_report() is None and lk.head() is not None
    # A counter that answers nonsense is a hardware fault, not a crash.
    for value in ("many", -1, 2**64, 1.5):
        error = refused(lambda: locker.Locker(CountingBoard(value)), locker.HardwareError)
        assert error.code == "other" and error.kind == "other"
    # An attribute that is not callable is a fault too.
    error = refused(lambda: locker.Locker(NoCounter()), locker.HardwareError)
    assert error.code == "other"


class UptimeBoard:
    """A Python lock board with an uptime counter (or a broken one)."""

    def __init__(self, uptime: Any = 0) -> None:
        self.clock = NOW_S
        self.uptime = uptime
        self.entropy = 0
        self.calls = 0

    unlock = CountingBoard.unlock
    door_state = CountingBoard.door_state
    now_s = CountingBoard.now_s
    fill_random = CountingBoard.fill_random

    def uptime_s(self) -> Any:
        self.calls += 1
        return self.uptime


def test_a_python_board_s_uptime_counter_holds_a_crept_clock_back() -> None:
    board = UptimeBoard()
    lk = locker.Locker(board)
    assert lk.observe_clock() == NOW_S and board.calls == 1
    # Pushed 50 minutes, no time lived: held back.
    board.clock += 50 * 60
    assert lk.observe_clock() == NOW_S and lk.clock_offset_s() == 50 * 60
    assert lk.take_events() == [
        {"type": "clock_jumped", "clock_s": NOW_S + 50 * 60, "locker_s": NOW_S, "held_s": 50 * 60}
    ]
    # Ten minutes lived: ten minutes on.
    board.clock += 600
    board.uptime += 600
    assert lk.observe_clock() == NOW_S + 600 and lk.clock_offset_s() == 50 * 60
    # A board whose counter answers None has none: the step passes.
    board = UptimeBoard(None)
    lk = locker.Locker(board)
    lk.observe_clock()
    board.clock += 50 * 60
    assert lk.observe_clock() == NOW_S + 50 * 60 and lk.clock_offset_s() == 0


@pytest.mark.parametrize("value", ["many", -1, 2**64, 1.5, b"\x01"])
def test_an_uptime_counter_of_the_wrong_type_is_a_hardware_fault_naming_it(value: Any) -> None:
    board = UptimeBoard()
    lk = locker.Locker(board)
    board.uptime = value
    error = refused(lambda: lk.observe_clock(), locker.HardwareError)
    assert (error.code, error.kind) == ("other", "other")
    assert f"uptime_s() returned {type(value).__name__}" in str(error), str(error)
    # The board answers again: the locker goes on.
    board.uptime = 0
    assert lk.observe_clock() == NOW_S


# --- wrong Python types on every new function ------------------------------------------


def test_wrong_types_are_errors_never_crashes() -> None:
    lk, hw, door = busy_site()
    keys = lk.keys()
    signer = locker.IssuerSigningKey.generate(1, entropy=seed(0))
    text = lk.journal_text()
    expected = (TypeError, ValueError, OverflowError, locker.LockerError)
    bad_calls: List[Callable[[], object]] = [
        lambda: keys.checks(1),  # type: ignore[call-arg]
        lambda: locker.read_journal(b"text"),  # type: ignore[arg-type]
        lambda: locker.read_journal(text, "keys"),  # type: ignore[arg-type]
        lambda: locker.read_journal(text, keys, expected_head=5),  # type: ignore[arg-type]
        lambda: locker.read_journal(text, min_records=-1),
        lambda: locker.read_journal(text, accept_legacy="yes"),  # type: ignore[arg-type]
        lambda: locker.verify_journal(5),  # type: ignore[arg-type]
        lambda: locker.verify_journal([5]),  # type: ignore[list-item]
        lambda: locker.verify_journal(text, keys=object()),  # type: ignore[arg-type]
        lambda: locker.verify_journal(text, expected_head={"seq": "0", "hash": "00"}),
        lambda: locker.verify_journal(text, expected_head={"seq": 0, "hash": "00", "key_id": 1}),
        lambda: locker.replay(5),  # type: ignore[arg-type]
        lambda: locker.replay(text, keys="k"),  # type: ignore[arg-type]
        lambda: locker.Locker.restore("keys", hw, text),  # type: ignore[arg-type]
        lambda: locker.Locker.restore(keys, 5, text),
        lambda: locker.Locker.restore(keys, hw, 5),  # type: ignore[arg-type]
        lambda: locker.Locker.restore(keys, hw, text, snapshot="snap"),  # type: ignore[arg-type]
        lambda: locker.Locker.restore(keys, hw, text, snapshot={"v": 2}),
        lambda: locker.Locker.restore(keys, hw, text, expected_head=[1]),  # type: ignore[arg-type]
        lambda: locker.Locker.restore(keys, hw, text, accept_legacy=None),  # type: ignore[arg-type]
        lambda: lk.add_key("1", seed(0)),  # type: ignore[arg-type]
        lambda: lk.add_key(70_000, seed(0)),
        lambda: lk.add_key(2, "secret"),  # type: ignore[arg-type]
        lambda: lk.add_key(2, b"short"),
        lambda: lk.retire_key(-1),
        lambda: lk.retire_key(None),  # type: ignore[arg-type]
        lambda: lk.confirm_signed_time(5),  # type: ignore[arg-type]
        lambda: lk.confirm_signed_time({}),
        lambda: lk.open_remote(None),  # type: ignore[arg-type]
        lambda: lk.open_remote(31, {}),  # type: ignore[call-arg, arg-type]
        lambda: locker.IssuerSigningKey.generate("1"),  # type: ignore[arg-type]
        lambda: locker.IssuerSigningKey.generate(1, entropy=b"short"),
        lambda: locker.IssuerSigningKey.from_bytes(1, "x" * 32),  # type: ignore[arg-type]
        lambda: locker.IssuerSigningKey.from_bytes(1, b"x" * 31),
        lambda: locker.IssuerSigningKey(),
        lambda: locker.issue_token_signed(keys, [door], NOW_S + 60, NOW_S, recipient=12),  # type: ignore[arg-type]
        lambda: locker.issue_token_signed(signer, "1", NOW_S + 60, NOW_S, recipient=12),  # type: ignore[arg-type]
        lambda: locker.issue_token(keys, [door], NOW_S + 60, NOW_S, bank=-1),
        lambda: locker.issue_token(keys, [door], NOW_S + 60, NOW_S, bank="5"),  # type: ignore[arg-type]
        lambda: locker.sign_remote_command_ed25519(signer, 5),  # type: ignore[arg-type]
        lambda: locker.sign_remote_command_ed25519(keys, {}),  # type: ignore[arg-type]
        lambda: locker.sign_time("keys", 1, 2),  # type: ignore[arg-type]
        lambda: locker.sign_time(keys, 1, -2),
        lambda: locker.sign_time(locker.KeyRing(), 1, 2),
        lambda: locker.sign_time_ed25519(signer, -1, 0),
        lambda: locker.sign_time_ed25519(keys, 1, 0),  # type: ignore[arg-type]
        lambda: locker.verify_token_offline(keys, "TOKEN", NOW_S, issuers=5),  # type: ignore[arg-type]
        lambda: locker.verify_token_offline(keys, "TOKEN", NOW_S, issuers=[{"key_id": 1}]),
        lambda: locker.verify_token_offline(keys, "TOKEN", NOW_S, bank=None),  # type: ignore[arg-type]
        lambda: locker.CredentialStore().verify_signed_time(keys, "5", {}),  # type: ignore[arg-type]
        lambda: locker.CredentialStore().verify_token(keys, "T", NOW_S, bank=-5),
        lambda: locker.SimulatedHardware(DOORS, monotonic_counter="yes"),  # type: ignore[arg-type]
        lambda: locker.SimulatedHardware(DOORS, 0, NOW_S, True),  # type: ignore[call-arg]
        lambda: locker.SimulatedHardware(DOORS, uptime=1),  # type: ignore[arg-type]
        lambda: hw.jump_clock_s(2**63),
        lambda: hw.jump_clock_s(True),
        lambda: hw.jump_clock_s(1.5),  # type: ignore[arg-type]
        lambda: hw.advance_s(-1),
        lambda: locker.Locker.restore(keys, hw, text, expected_bank=-1),
        lambda: locker.Locker.restore(keys, hw, text, expected_bank="5"),  # type: ignore[arg-type]
        lambda: locker.issue_recorded_token(keys, [door], NOW_S + 60, NOW_S, bank=-1),
        lambda: locker.issue_recorded_token(keys, [door], NOW_S + 60, NOW_S, entropy=bytes(range(32))),
    ]
    for index, call in enumerate(bad_calls):
        with pytest.raises(expected):
            call()
        assert index >= 0
    # The locker still works after all that.
    assert lk.observe_clock() >= NOW_S and lk.head() is not None


def test_every_error_carries_the_core_code() -> None:
    lk, hw, door = busy_site()
    cases: List[Tuple[Callable[[], object], type, str]] = [
        (lambda: locker.fits((1, 1, 1), (1, 0, 1)), locker.GeometryError, "zero_side"),
        (lambda: locker.validate_bank_config({"name": "x", "compartments": []}), locker.ConfigError, "empty_bank"),
        (lambda: lk.pickup_pin("00000000", unit=12), locker.CredentialError, "rejected"),
        (lambda: lk.staff_open(9_999, "look"), locker.BankError, "unknown_compartment"),
        (lambda: lk.staff_open(door, ""), locker.OperationError, "invalid_argument"),
        (lambda: lk.reopen(door), locker.OperationError, "not_in_grace"),
        (lambda: lk.revoke_credential(12345), locker.CredentialError, "unknown_credential"),
        (lambda: locker.read_journal("{}\n"), locker.JournalError, "malformed_record"),
        (lambda: hw.open_door(9_999), locker.HardwareError, "unknown_door"),
        (lambda: locker.qr_svg("X" * 5_000), locker.QrError, "qr_data_too_long"),
        (lambda: lk.hold(13, NOW_S - 1), locker.OperationError, "invalid_argument"),
    ]
    for call, cls, code in cases:
        error = refused(call, cls)
        assert error.code == code, (error, code)
    # A bad rendering option is an argument refused: a ValueError, with the
    # core's code as well.
    with pytest.raises(locker.InvalidArgumentError) as caught:
        locker.qr_svg("X", module_px=0)
    assert isinstance(caught.value, ValueError)
    assert (caught.value.code, caught.value.argument) == ("invalid_argument", "module_px")
    # The simulator's errors carry the core's codes too.
    with pytest.raises(locker.HardwareError) as closed:
        hw.put_parcel(door)
    assert (closed.value.code, closed.value.kind) == ("door_closed", None)
    with pytest.raises(locker.SimError) as bad_field:
        locker.simulate({"units": 0})
    assert bad_field.value.code == "invalid_field"
    with pytest.raises(locker.InfeasibleError) as infeasible:
        locker.plan({"units": 50, "days": 7}, {"target_overflow_rate": 0.0, "max_doors": 1})
    assert infeasible.value.code == "infeasible"
    # The attributes only some errors carry are there to read on every one.
    assert locker.JournalError("x").seq is None and locker.HardwareError("x").kind is None
    assert locker.CredentialError("x").failure is None
    assert locker.CredentialError("x").attempt is None
    assert locker.InvalidArgumentError("x").argument is None
    assert locker.ArgumentTypeError("x").code == "invalid_argument"
