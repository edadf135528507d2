"""The journal on flash: a small chip compacts again and again and reopens
to the same locker, a power cut anywhere in a compaction or an append
leaves the locker before or after, a forged chip is refused with its code,
a region holding something else is refused and left as it was, a
pure-Python NOR flash drives a locker byte for byte as the simulated chip
does, and a Python flash of the wrong shape or answering with the wrong
types is refused with typed errors, changing nothing."""

import copy
import json
from typing import Any, Callable, Dict, List, Optional, Tuple, Union

import pytest

import locker
from conftest import NOW_S, parcel, seed
from locker.types import Event, JournalCompactedEvent

DAY_S = 86_400
#: A 12-door bank: a small configuration, so a small chip holds it.
BANK = locker.compose_bank(locker.default_classes(), [3, 3, 3, 3])
DOORS = [c["id"] for c in BANK["compartments"]]
#: 64 KiB in 2 KiB erase blocks: two 32 KiB halves, each compacted at
#: 24 KiB; a snapshot of this bank with a few parcels waiting is 8 to 12 KB
#: of JSON, 2.5 to 4 KB as the flash stores it.
CAPACITY = 64 * 1024
BLOCK = 2048
#: A half's header before its snapshot: "LKF\x02", generation (u32),
#: next_seq (u64), head (32 bytes), snapshot length (u32); a commit byte
#: follows the snapshot. Integers are little-endian.
HEADER_BYTES = 52
#: A frame: payload length (u32), payload, commit byte.
ERASED_LENGTH = 0xFFFF_FFFF


def keys() -> locker.KeyRing:
    ring = locker.KeyRing()
    ring.rotate(seed(41))
    return ring


KEYS = keys()


def board(**kwargs: Any) -> locker.SimulatedHardware:
    return locker.SimulatedHardware(DOORS, seed=5, now_s=NOW_S, **kwargs)


def open_flash(
    flash: Union[locker.MemoryFlash, locker.types.Flash],
    hw: locker.SimulatedHardware,
    **kwargs: Any,
) -> locker.Locker:
    return locker.Locker.open_flash({"bank": BANK}, KEYS, hw, flash, **kwargs)


def wear(flash: locker.MemoryFlash) -> int:
    """Bytes a chip has written and erased: what a power cut counts."""
    return flash.written_bytes + flash.erased_blocks * flash.erase_block_bytes


class Site:
    """A bank on flash, with couriers dropping off and residents collecting;
    it exports the history at every compaction, as a host does."""

    def __init__(self, flash: Union[locker.MemoryFlash, locker.types.Flash], hw: Optional[locker.SimulatedHardware] = None) -> None:
        self.flash = flash
        self.hw = hw or board()
        self.lk = open_flash(flash, self.hw)
        self.next_parcel = 1
        #: (door, recipient, PIN, compactions when it was issued)
        self.waiting: List[Tuple[int, int, str, int]] = []
        self.compactions = 0
        #: The records exported after each `journal_compacted` event.
        self.history: List[Dict[str, Any]] = []

    def events(self) -> List[Event]:
        events = self.lk.take_events()
        for event in events:
            if event["type"] == "journal_compacted":
                self.compactions += 1
                previous = self.lk.previous_records()
                # The other half ends where the snapshot starts.
                assert previous[-1]["seq"] == event["through_seq"]
                self.history.extend(previous)
        return events

    def drop_off(self, recipient: int) -> bool:
        session = self.lk.courier_sign_in(self.lk.issue_courier_code(1, DAY_S))
        outcome = self.lk.deposit(session, {"parcel": parcel(self.next_parcel, h=50, weight_g=900), "recipient": recipient})
        self.next_parcel += 1
        if outcome["outcome"] != "opened":
            self.events()
            return False
        door: int = outcome["compartment"]
        self.hw.open_door(door)
        self.hw.put_parcel(door)
        self.hw.close_door(door)
        self.lk.door_closed(door)
        for event in self.events():
            if event["type"] == "parcel_ready":
                opens = event["pin_opens"]
                self.waiting = [w for w in self.waiting if w[0] not in opens]
                self.waiting += [(d, event["recipient"], event["pin"], self.compactions) for d in opens]
        return True

    def pick_up_oldest(self) -> None:
        if not self.waiting:
            return
        _, recipient, pin, _ = self.waiting.pop(0)
        for door in self.lk.pickup_pin(pin, unit=recipient):
            self.empty(door)
            self.waiting = [w for w in self.waiting if w[0] != door]
        self.events()

    def empty(self, door: int) -> None:
        self.hw.open_door(door)
        while self.hw.parcel_count(door):
            self.hw.take_parcel(door)
        self.hw.close_door(door)
        self.lk.door_closed(door)

    def advance(self, by_s: int) -> None:
        left_s = by_s
        while left_s > 0:
            step_s = min(left_s, 3_600)
            self.hw.advance_s(step_s)
            self.lk.tick()
            # After every call, as a host does: a compaction's history is
            # kept only until the next one.
            self.events()
            left_s -= step_s


def test_a_small_chip_compacts_again_and_again_and_reopens_to_the_same_locker() -> None:
    flash = locker.MemoryFlash(CAPACITY, BLOCK)
    site = Site(flash)
    assert site.lk.flash_report() == {
        "new": True,
        "formatted": True,
        "snapshot_bytes": None,
        "records": 0,
        "torn_bytes": None,
    }
    assert site.lk.restore_report() is None
    for day in range(40):
        for n in range(3):
            site.drop_off(10 + (day * 7 + n) % 40)
        for _ in range(3):
            site.pick_up_oldest()
        site.advance(DAY_S)
        usage = site.lk.flash_usage()
        assert usage is not None and usage["used_bytes"] <= usage["half_bytes"] == CAPACITY // 2
    # A parcel whose PIN is issued before a compaction.
    assert site.drop_off(99)
    assert site.lk.compact()
    site.events()
    site.drop_off(98)
    assert site.compactions >= 5, site.compactions
    usage = site.lk.flash_usage()
    assert usage is not None
    assert usage["generation"] == site.compactions + 1
    assert usage["records"] == len(site.lk.journal_records())
    # What the host exported at each compaction and what the flash holds
    # make the whole chain, from the first record to the head.
    head = site.lk.head()
    tail = site.lk.journal_records()
    assert tail[0]["seq"] == site.history[-1]["seq"] + 1
    assert head is not None
    verified = locker.verify_journal(site.history + tail, KEYS, expected_head=head)
    assert verified["authenticated_through"] == head["seq"] and site.history[0]["seq"] == 0
    # The text of the tail is its lines (written alone, a tail is refused:
    # it does not start at record 0).
    assert locker.write_journal(site.history + tail) == locker.write_journal(site.history) + site.lk.journal_text()

    # Power off, then on: the same locker, from the snapshot and the tail.
    snapshot, doors, waiting = site.lk.snapshot(), site.lk.doors(), site.waiting
    hw = site.hw
    del site
    flash.restore_power()
    lk = open_flash(flash, hw, expected_head=head, expected_bank=0)
    assert lk.snapshot() == snapshot and lk.doors() == doors
    report = lk.flash_report()
    assert report is not None
    assert (report["new"], report["formatted"], report["records"], report["torn_bytes"]) == (False, False, len(tail), None)
    assert report["snapshot_bytes"] == usage["snapshot_bytes"]
    restored = lk.restore_report()
    assert restored is not None and restored["snapshot_through"] == tail[0]["seq"] - 1
    assert lk.journal_records() == tail

    # A PIN issued before the last compaction opens its door after it.
    door, recipient, pin, issued_at = next(w for w in waiting if w[1] == 99)
    assert issued_at < usage["generation"] - 1
    assert door in lk.pickup_pin(pin, unit=recipient)


def test_a_compaction_on_request_starts_the_other_half_and_keeps_the_history() -> None:
    site = Site(locker.MemoryFlash(CAPACITY, BLOCK))
    for n in range(3):
        site.drop_off(20 + n)
    records = site.lk.journal_records()
    assert site.lk.previous_records() == []
    assert site.lk.compact() is True
    last = site.events()[-1]
    assert last["type"] == "journal_compacted"
    event: JournalCompactedEvent = last
    assert event == {"type": "journal_compacted", "through_seq": records[-1]["seq"], "snapshot_bytes": event["snapshot_bytes"]}
    usage = site.lk.flash_usage()
    assert usage is not None and (usage["generation"], usage["records"]) == (2, 0)
    # The event counts the snapshot as the flash stores it: the storage
    # encoding, compressed, a fraction of its JSON.
    assert event["snapshot_bytes"] == usage["snapshot_bytes"]
    assert 0 < usage["snapshot_bytes"] < len(json.dumps(site.lk.snapshot(), separators=(",", ":"))) // 2
    assert site.lk.journal_records() == [] and site.lk.journal_text() == ""
    assert site.history == records
    site.drop_off(30)
    assert site.lk.journal_records()[0]["seq"] == records[-1]["seq"] + 1
    # The snapshot in flash restores as `Locker.restore` would restore it.
    again = locker.Locker.restore(KEYS, site.hw, site.lk.journal_records(), snapshot=locker.replay(records, KEYS))
    assert again.snapshot() == site.lk.snapshot()


def test_a_compaction_right_after_a_pin_pickup_reopens_to_the_same_locker() -> None:
    # A PIN spent at a pickup stays in the state, without doors, until the
    # hourly prune: a snapshot taken in between reads back.
    flash = locker.MemoryFlash(CAPACITY, BLOCK)
    site = Site(flash)
    site.drop_off(21)
    site.drop_off(22)
    site.pick_up_oldest()
    assert site.lk.compact()
    site.events()
    snapshot, doors, hw = site.lk.snapshot(), site.lk.doors(), site.hw
    head = site.lk.head()
    del site
    lk = open_flash(flash, hw, expected_head=head)
    assert lk.snapshot() == snapshot and lk.doors() == doors
    assert lk.flash_report()["records"] == 0  # type: ignore[index]


def test_a_locker_in_memory_does_not_compact() -> None:
    lk = locker.Locker(board(), {"bank": BANK})
    assert lk.compact() is False
    assert (lk.flash_usage(), lk.flash_report(), lk.previous_records()) == (None, None, [])
    assert [e["type"] for e in lk.take_events()] == []


def sweep(base: locker.MemoryFlash, hw: locker.SimulatedHardware, cuts: List[int], operation: Any) -> Tuple[int, int]:
    """Runs `operation` on a locker opened from a copy of `base` with the
    power cut after each of `cuts` bytes; the locker reopened after the
    power comes back must be the one before or the one after, and go on."""
    before = open_flash(base.copy(), hw).snapshot()
    whole = base.copy()
    lk = open_flash(whole, hw)
    operation(lk)
    after = lk.snapshot()
    assert before != after
    seen_before = seen_after = 0
    for cut in cuts:
        chip = base.copy()
        chip.cut_power_after(cut)
        lk = open_flash(chip, hw)
        try:
            operation(lk)
        except locker.JournalError as error:
            assert error.code == "journal_write" and "power lost" in str(error), error
            assert chip.power_lost
        del lk
        chip.restore_power()
        reopened = open_flash(chip, hw)
        state = reopened.snapshot()
        assert state in (before, after), f"a cut after {cut} bytes left a third state"
        seen_before += state == before
        seen_after += state == after
        # The journal goes on (compacting first when the cut tore it) and
        # reopens to where it went.
        reopened.hold(77, NOW_S + 400 * DAY_S)
        went_on = reopened.snapshot()
        del reopened
        assert open_flash(chip, hw).snapshot() == went_on
    return seen_before, seen_after


def busy_chip() -> Tuple[locker.MemoryFlash, locker.SimulatedHardware]:
    """A chip with a few drop-offs, below the size that asks a compaction."""
    chip = locker.MemoryFlash(CAPACITY, BLOCK)
    site = Site(chip)
    for n in range(4):
        site.drop_off(40 + n)
    usage = site.lk.flash_usage()
    assert usage is not None and usage["generation"] == 1
    assert usage["used_bytes"] < CAPACITY // 2 * 3 // 4 - 1_000
    return chip.copy(), site.hw


def test_a_power_cut_anywhere_in_a_compaction_leaves_the_locker_before_or_after() -> None:
    base, hw = busy_chip()

    def operation(lk: locker.Locker) -> None:
        # The compaction, then a record in the new half.
        if lk.compact():
            lk.hold(5, NOW_S + 100 * DAY_S)

    # Where the bytes go: the erase of the other half, the header with the
    # snapshot and its commit byte, the record and its commit byte.
    chip = base.copy()
    lk = open_flash(chip, hw)
    lk.compact()
    compacted = wear(chip) - wear(base)
    lk.hold(5, NOW_S + 100 * DAY_S)
    moved = wear(chip) - wear(base)
    edges = [0, CAPACITY // 2, compacted, moved]
    cuts = sorted({c for edge in edges for c in range(edge - 6, edge + 7) if 0 <= c <= moved} | set(range(0, moved, 499)))
    seen_before, seen_after = sweep(base, hw, cuts, operation)
    assert seen_before > 0 and seen_after > 0, (seen_before, seen_after)


def test_a_power_cut_in_an_append_drops_the_torn_frame_and_the_journal_moves_on() -> None:
    base, hw = busy_chip()

    def operation(lk: locker.Locker) -> None:
        lk.hold(5, NOW_S + 100 * DAY_S)

    chip = base.copy()
    lk = open_flash(chip, hw)
    operation(lk)
    moved = wear(chip) - wear(base)
    # Every byte of the frame's start and end (its length, its commit
    # byte), a stride between.
    cuts = sorted(set(range(0, 24)) | set(range(moved - 24, moved + 1)) | set(range(0, moved, 31)))
    seen_before, seen_after = sweep(base, hw, cuts, operation)
    assert (seen_before, seen_after) == (len(cuts) - 1, 1)

    # Cut inside the frame: reopened, the torn frame is dropped and the
    # next record goes to the other half.
    chip = base.copy()
    chip.cut_power_after(10)
    lk = open_flash(chip, hw)
    with pytest.raises(locker.JournalError, match="power lost") as caught:
        operation(lk)
    assert caught.value.code == "journal_write"
    # The traceback holds the locker too: one live locker a chip.
    del lk, caught
    chip.restore_power()
    lk = open_flash(chip, hw)
    report = lk.flash_report()
    assert report is not None and report["torn_bytes"] is not None and not report["new"]
    generation = lk.flash_usage()["generation"]  # type: ignore[index]
    operation(lk)
    assert [e["type"] for e in lk.take_events()] == ["journal_compacted"]
    assert lk.flash_usage()["generation"] == generation + 1  # type: ignore[index]


def forged_chip() -> Tuple[bytes, locker.SimulatedHardware, Optional[locker.types.Head]]:
    """A chip whose second half holds a snapshot (recipients 50 to 53's
    parcels) and records (recipient 60's drop-off)."""
    chip = locker.MemoryFlash(CAPACITY, BLOCK)
    site = Site(chip)
    for n in range(4):
        site.drop_off(50 + n)
    site.lk.compact()
    site.drop_off(60)
    return chip.to_bytes(), site.hw, site.lk.head()


def u32(image: bytes, at: int) -> int:
    return int.from_bytes(image[at : at + 4], "little")


def snapshot_span(image: bytes, base: int) -> Tuple[int, int]:
    """Where the snapshot of the half at `base` starts, and its length."""
    return base + HEADER_BYTES, u32(image, base + HEADER_BYTES - 4)


def frames(image: bytes, base: int) -> List[Tuple[int, int]]:
    """The frames of the half at `base`: where each payload starts, and
    its length."""
    start, length = snapshot_span(image, base)
    at = start + length + 1
    found = []
    while u32(image, at) != ERASED_LENGTH:
        length = u32(image, at)
        found.append((at + 4, length))
        at += 4 + length + 1
    return found


#: In the storage encoding, the key "recipient" is 1 (its index among the
#: interned names) and a recipient id from 24 to 255 is 0x18 then the id
#: (CBOR's one-byte unsigned integer).
def recipient_is(recipient: int) -> bytes:
    return bytes([0x01, 0x18, recipient])


def test_a_forged_chip_is_refused_with_its_code() -> None:
    image, hw, head = forged_chip()
    half = len(image) // 2
    assert image[half : half + 4] == b"LKF\x02" and u32(image, half + 4) == 2
    assert open_flash(locker.MemoryFlash.from_bytes(image, BLOCK), hw).head() == head

    # Someone with the chip gives recipient 50's parcels to recipient 99 in
    # the snapshot (the same length): the seal no longer verifies.
    start, length = snapshot_span(image, half)
    forged = locker.MemoryFlash.from_bytes(image, BLOCK)
    at = image.index(recipient_is(50), start, start + length)
    forged.write_raw(at + 2, bytes([99]))
    with pytest.raises(locker.JournalError) as caught:
        open_flash(forged, hw)
    assert caught.value.code == "forged"
    assert forged.written_bytes == forged.erased_blocks == 0

    # A record of the tail edited the same way: its hash is recomputed from
    # what is stored, so its MAC no longer verifies.
    tail = frames(image, half)
    # The header's next_seq: the sequence number of the first record after
    # the snapshot.
    first_seq = int.from_bytes(image[half + 8 : half + 16], "little")
    assert head is not None and first_seq + len(tail) - 1 == head["seq"]
    edited = [(i, at) for i, (at, n) in enumerate(tail) if recipient_is(60) in image[at : at + n]]
    assert edited
    index, at = edited[0]
    at = image.index(recipient_is(60), at)
    forged = locker.MemoryFlash.from_bytes(image, BLOCK)
    forged.write_raw(at + 2, bytes([61]))
    with pytest.raises(locker.JournalError) as caught:
        open_flash(forged, hw)
    assert (caught.value.code, caught.value.seq) == ("forged", first_seq + index)

    # The last record's frame written again after it (a drop-off replayed):
    # at its new position it is another record, which its MAC does not
    # cover.
    at, n = tail[-1]
    forged = locker.MemoryFlash.from_bytes(image, BLOCK)
    forged.write_raw(at + n + 1, image[at - 4 : at + n + 1])
    with pytest.raises(locker.JournalError) as caught:
        open_flash(forged, hw)
    assert (caught.value.code, caught.value.seq) == ("forged", head["seq"] + 1)

    # A committed record that is not one at all.
    at, _ = tail[0]
    forged = locker.MemoryFlash.from_bytes(image, BLOCK)
    forged.write_raw(at, b"\xff\xfe")
    with pytest.raises(locker.JournalError) as caught:
        open_flash(forged, hw)
    assert caught.value.code == "malformed_record"

    # The last record cut away: the journal ends before the head exported.
    at, n = tail[-1]
    forged = locker.MemoryFlash.from_bytes(image, BLOCK)
    forged.write_raw(at - 4, b"\xff" * (n + 5))
    with pytest.raises(locker.JournalError) as caught:
        open_flash(forged, hw, expected_head=head)
    assert caught.value.code == "rolled_back"

    # A wiped chip, when the back end holds a head or the board's
    # monotonic counter has counted records; refused, it stays blank.
    wiped = locker.MemoryFlash(CAPACITY, BLOCK)
    with pytest.raises(locker.JournalError) as caught:
        open_flash(wiped, hw, expected_head=head)
    assert caught.value.code == "rolled_back"
    assert wiped.written_bytes == wiped.erased_blocks == 0
    counting = board(monotonic_counter=True)
    chip = locker.MemoryFlash(CAPACITY, BLOCK)
    open_flash(chip, counting)
    with pytest.raises(locker.JournalError) as caught:
        open_flash(locker.MemoryFlash(CAPACITY, BLOCK), counting)
    assert caught.value.code == "rolled_back"

    # Another bank's journal.
    with pytest.raises(locker.JournalError) as caught:
        open_flash(locker.MemoryFlash.from_bytes(image, BLOCK), hw, expected_bank=8)
    assert caught.value.code == "bank_mismatch"

    # The untouched image still opens, to where it was.
    assert open_flash(locker.MemoryFlash.from_bytes(image, BLOCK), hw, expected_head=head).head() == head


def chip_with_data_but_no_journal() -> locker.MemoryFlash:
    """A blank chip with one byte set, as a region used for something else."""
    chip = locker.MemoryFlash(CAPACITY, BLOCK)
    chip.write_raw(300, b"\x42")
    return chip


def chip_whose_only_header_is_damaged() -> locker.MemoryFlash:
    """A journal that never compacted, its half's magic flipped."""
    chip = locker.MemoryFlash(CAPACITY, BLOCK)
    Site(chip).drop_off(30)
    damaged = locker.MemoryFlash.from_bytes(chip.to_bytes(), BLOCK)
    damaged.write_raw(0, bytes([chip.read(0, 1)[0] ^ 0x01]))
    return damaged


@pytest.mark.parametrize("make", [chip_with_data_but_no_journal, chip_whose_only_header_is_damaged])
def test_a_region_with_data_but_no_journal_is_refused_and_left_as_it_was(make: Callable[[], locker.MemoryFlash]) -> None:
    chip = make()
    image = chip.to_bytes()
    with pytest.raises(locker.JournalError, match="erase it to start anew") as caught:
        open_flash(chip, board())
    assert caught.value.code == "flash_damaged"
    assert chip.to_bytes() == image and chip.written_bytes == chip.erased_blocks == 0
    # The host erases the region to start a new journal there.
    chip.erase(0, CAPACITY)
    lk = open_flash(chip, board())
    assert (lk.flash_report()["new"], lk.flash_report()["formatted"]) == (True, True)  # type: ignore[index]


@pytest.mark.parametrize("capacity, block", [(3 * BLOCK, BLOCK), (64, 32), (CAPACITY, 0), (0, BLOCK)])
def test_a_region_that_is_not_two_halves_is_refused(capacity: int, block: int) -> None:
    flash = locker.MemoryFlash(capacity, block)
    with pytest.raises(locker.JournalError) as caught:
        open_flash(flash, board())
    assert caught.value.code == "flash_layout"
    assert flash.written_bytes == flash.erased_blocks == 0


def test_a_region_too_small_for_the_first_record_says_so() -> None:
    # The default bank's configuration is some 6 KB as the flash stores it
    # (23 KB of JSON): more than a 4 KiB half.
    flash = locker.MemoryFlash(8 * 1024, 4 * 1024)
    hw = locker.SimulatedHardware([c["id"] for c in locker.default_bank()["compartments"]], now_s=NOW_S)
    with pytest.raises(locker.JournalError, match="flash journal full") as caught:
        locker.Locker.open_flash(None, KEYS, hw, flash)
    assert caught.value.code == "journal_write"


# --- a Python object as the flash -------------------------------------------------


class NorFlash:
    """NOR flash in a bytearray: writes clear bits only, erases set whole
    blocks to 0xFF. Counts its calls."""

    def __init__(self, capacity_bytes: int = CAPACITY, erase_block_bytes: int = BLOCK) -> None:
        self.capacity_bytes = capacity_bytes
        self.erase_block_bytes = erase_block_bytes
        self.cells = bytearray(b"\xff" * capacity_bytes)
        self.calls: List[str] = []

    def read(self, offset: int, length: int) -> bytes:
        self.calls.append(f"read {offset} {length}")
        assert 0 <= offset and offset + length <= len(self.cells)
        return bytes(self.cells[offset : offset + length])

    def write(self, offset: int, data: bytes) -> None:
        self.calls.append(f"write {offset} {len(data)}")
        assert isinstance(data, bytes) and offset + len(data) <= len(self.cells)
        for i, byte in enumerate(data):
            self.cells[offset + i] &= byte

    def erase(self, offset: int, length: int) -> None:
        self.calls.append(f"erase {offset} {length}")
        assert offset % self.erase_block_bytes == 0 and length % self.erase_block_bytes == 0
        self.cells[offset : offset + length] = b"\xff" * length


def test_a_python_nor_flash_keeps_the_journal_byte_for_byte_as_the_simulated_chip() -> None:
    # 16 KiB in 1 KiB blocks: a half holds a snapshot and a few days of
    # records, so twelve days compact several times.
    nor = NorFlash(16 * 1024, 1024)
    chip = locker.MemoryFlash(16 * 1024, 1024)
    sites = [Site(nor), Site(chip)]
    for day in range(12):
        for site in sites:
            for n in range(3):
                site.drop_off(10 + (day * 5 + n) % 30)
            for _ in range(3):
                site.pick_up_oldest()
            site.advance(DAY_S)
        assert bytes(nor.cells) == chip.to_bytes()
    assert sites[0].compactions == sites[1].compactions >= 2
    assert sites[0].lk.journal_records() == sites[1].lk.journal_records()
    assert sites[0].lk.previous_records() == sites[1].lk.previous_records()
    assert sites[0].lk.flash_usage() == sites[1].lk.flash_usage()
    assert any(call.startswith("erase") for call in nor.calls)

    snapshot, hw = sites[0].lk.snapshot(), sites[0].hw
    del sites
    lk = open_flash(nor, hw)
    assert lk.snapshot() == snapshot
    assert lk.flash_report()["snapshot_bytes"] is not None  # type: ignore[index]


def test_a_python_flash_may_answer_with_a_bytearray() -> None:
    class ArrayFlash(NorFlash):
        def read(self, offset: int, length: int) -> bytearray:  # type: ignore[override]
            return self.cells[offset : offset + length]

    flash = ArrayFlash()
    site = Site(flash)
    site.drop_off(12)
    assert open_flash(flash, site.hw).snapshot() == site.lk.snapshot()


class Shapeless:
    """No flash methods at all."""

    capacity_bytes = CAPACITY
    erase_block_bytes = BLOCK


@pytest.mark.parametrize(
    "make, error, message",
    [
        (Shapeless, locker.ArgumentTypeError, "flash: expected a MemoryFlash or an object with the flash methods; Shapeless has no method read()"),
        (lambda: type("NoErase", (NorFlash,), {"erase": 5})(), locker.ArgumentTypeError, "has no method erase()"),
        (lambda: NorFlash(capacity_bytes=-1), locker.InvalidArgumentError, "flash.capacity_bytes: -1 is out of range"),
        (lambda: NorFlash(erase_block_bytes=2**32), locker.InvalidArgumentError, "flash.erase_block_bytes: 4294967296 is out of range"),
        (lambda: NorFlash(erase_block_bytes="1024"), locker.ArgumentTypeError, "flash.erase_block_bytes: expected an int, not str"),  # type: ignore[arg-type]
        (lambda: NorFlash(capacity_bytes=True), locker.ArgumentTypeError, "flash.capacity_bytes: expected an int, not bool"),
    ],
)
def test_a_python_flash_of_the_wrong_shape_is_refused_before_any_call(make: Any, error: type, message: str) -> None:
    flash = make()
    with pytest.raises(error) as caught:
        open_flash(flash, board())
    assert isinstance(caught.value, locker.InvalidArgumentError)
    assert (caught.value.code, caught.value.argument) == ("invalid_argument", "flash")
    assert message in str(caught.value)
    assert getattr(flash, "calls", []) == []


def test_a_python_flash_without_its_sizes_is_refused() -> None:
    flash = NorFlash()
    del flash.capacity_bytes
    with pytest.raises(locker.ArgumentTypeError, match="NorFlash has no attribute capacity_bytes") as caught:
        open_flash(flash, board())
    assert caught.value.argument == "flash" and flash.calls == []


@pytest.mark.parametrize(
    "answer, message",
    [
        # The first read is the first half's header.
        ("\xff" * HEADER_BYTES, f"read(0, {HEADER_BYTES}) returned str, expected bytes"),
        ([255] * HEADER_BYTES, f"read(0, {HEADER_BYTES}) returned list, expected bytes"),
        (None, f"read(0, {HEADER_BYTES}) returned NoneType, expected bytes"),
        (memoryview(b"\xff" * HEADER_BYTES), f"read(0, {HEADER_BYTES}) returned memoryview, expected bytes"),
        (b"\xff" * 3, f"read(0, {HEADER_BYTES}) returned 3 bytes"),
        (b"\xff" * (HEADER_BYTES + 1), f"read(0, {HEADER_BYTES}) returned {HEADER_BYTES + 1} bytes"),
    ],
    ids=["str", "list", "None", "memoryview", "short", "long"],
)
def test_a_read_answering_with_the_wrong_type_is_a_flash_failure_naming_it(answer: Any, message: str) -> None:
    class OddRead(NorFlash):
        def read(self, offset: int, length: int) -> Any:
            self.calls.append("read")
            return answer

    flash = OddRead()
    with pytest.raises(locker.JournalError) as caught:
        open_flash(flash, board())
    assert caught.value.code == "flash_failed"
    assert str(caught.value) == f"flash: {message}"
    # Nothing was written: the blank region was not formatted.
    assert flash.calls == ["read"] and flash.cells == b"\xff" * CAPACITY


class Faulty(NorFlash):
    """A NOR flash whose writes can be made to fail: by raising `fault`, or
    by returning `answer` (after writing)."""

    fault: Optional[BaseException] = None
    answer: Any = None

    def write(self, offset: int, data: bytes) -> None:
        if self.fault is not None:
            self.calls.append("write raised")
            raise self.fault
        super().write(offset, data)
        return self.answer  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    "fault, answer, message",
    [
        (RuntimeError("bus timeout"), None, "write() raised RuntimeError: bus timeout"),
        (OSError(), None, "write() raised OSError"),
        (None, False, "write() returned bool, expected None (raise an exception to report a failure)"),
        (None, 12, "write() returned int, expected None"),
    ],
)
def test_a_failing_python_flash_refuses_the_change_and_the_journal_moves_on(fault: Optional[BaseException], answer: Any, message: str) -> None:
    flash = Faulty()
    site = Site(flash)
    site.drop_off(12)
    snapshot, records = site.lk.snapshot(), site.lk.journal_records()
    flash.fault, flash.answer = fault, answer
    with pytest.raises(locker.JournalError) as caught:
        site.lk.hold(12, NOW_S + 9 * DAY_S)
    assert caught.value.code == "journal_write"
    assert message in str(caught.value)
    # Nothing changed: the locker, its journal, and a locker reopened from it.
    assert site.lk.snapshot() == snapshot and site.lk.journal_records() == records
    assert open_flash(flash, site.hw).snapshot() == snapshot
    # Fixed, the flash takes the record, in the other half.
    flash.fault = flash.answer = None
    site.lk.hold(12, NOW_S + 9 * DAY_S)
    assert [e["type"] for e in site.lk.take_events()] == ["journal_compacted"]
    assert open_flash(flash, site.hw).snapshot() == site.lk.snapshot() != snapshot


def test_an_interrupt_in_a_flash_method_stops_the_program_after_the_locker_settles() -> None:
    flash = Faulty()
    site = Site(flash)
    site.drop_off(12)
    snapshot = site.lk.snapshot()
    flash.fault = KeyboardInterrupt()
    flash.calls.clear()
    with pytest.raises(KeyboardInterrupt):
        site.lk.hold(12, NOW_S + 9 * DAY_S)
    # Called once: the locker did not go on to compact into the flash that
    # was interrupted.
    assert flash.calls == ["write raised"]
    assert site.lk.snapshot() == snapshot
    flash.fault = None
    site.lk.hold(12, NOW_S + 9 * DAY_S)
    assert [e["type"] for e in site.lk.take_events()] == ["journal_compacted"]
    assert open_flash(flash, site.hw).snapshot() == site.lk.snapshot()

    class Exiting(NorFlash):
        def read(self, offset: int, length: int) -> bytes:
            raise SystemExit(3)

    with pytest.raises(SystemExit):
        open_flash(Exiting(), board())


# --- the simulated chip -----------------------------------------------------------


def test_the_simulated_chip_is_nor_flash_with_a_power_switch() -> None:
    block = 1024
    chip = locker.MemoryFlash(4 * block, block)
    assert (chip.capacity_bytes, chip.erase_block_bytes, chip.power_lost) == (4 * block, block, False)
    assert repr(chip) == "MemoryFlash(capacity_bytes=4096, erase_block_bytes=1024)"
    assert chip.to_bytes() == b"\xff" * 4 * block
    chip.write(10, b"\x0f\xf0")
    chip.write(10, b"\xf3\x3f")  # programs bits from 1 to 0 only
    assert chip.read(10, 2) == b"\x03\x30"
    assert chip.written_bytes == 4
    chip.erase(0, block)
    assert chip.read(10, 2) == b"\xff\xff" and chip.erased_blocks == 1
    calls: List[Tuple[Callable[[], object], str]] = [
        (lambda: chip.erase(1, block), "out_of_range"),
        (lambda: chip.read(4 * block - 1, 2), "out_of_range"),
        (lambda: chip.read(0, 2**32 - 1), "out_of_range"),
        (lambda: chip.write(4 * block, b"\x00"), "out_of_range"),
    ]
    for call, code in calls:
        with pytest.raises(locker.JournalError) as caught:
            call()
        assert caught.value.code == code

    # The power goes after 3 more bytes: the write stops there.
    twin = chip.copy()
    chip.cut_power_after(3)
    with pytest.raises(locker.JournalError) as caught:
        chip.write(0, b"\x00" * 8)
    assert caught.value.code == "power_lost" and chip.power_lost
    with pytest.raises(locker.JournalError):
        chip.read(0, 1)
    chip.restore_power()
    assert chip.read(0, 4) == b"\x00\x00\x00\xf0"  # the fourth byte half programmed
    # Copies are independent chips.
    assert twin.read(0, 4) == b"\xff" * 4 and not twin.power_lost
    assert copy.copy(twin).to_bytes() == copy.deepcopy(twin).to_bytes() == twin.to_bytes()

    # Saved and loaded; tampered with.
    image = chip.to_bytes()
    loaded = locker.MemoryFlash.from_bytes(image, block)
    assert loaded.to_bytes() == image and loaded.written_bytes == 0
    loaded.write_raw(0, b"\xff\x12")  # sets bits too
    assert loaded.read(0, 3) == b"\xff\x12\x00"
    with pytest.raises(locker.InvalidArgumentError, match=r"offset: 4095 \+ 2 bytes is past the end of the 4096-byte chip") as refused:
        loaded.write_raw(4 * block - 1, b"ab")
    assert refused.value.argument == "offset"
    assert loaded.to_bytes()[-1:] == image[-1:]
