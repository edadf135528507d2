"""Adversarial probes of the journal on flash (review 3): Python flash
objects that misbehave in ways test_flash.py does not cover, one chip under
two lockers, absurd MemoryFlash sizes, interrupts in every flash method,
and that the module still works after each."""

import subprocess
import sys
import textwrap
from typing import Any, List

import pytest

import locker
from conftest import NOW_S, parcel, seed

DAY_S = 86_400
BANK = locker.compose_bank(locker.default_classes(), [3, 3, 3, 3])
DOORS = [c["id"] for c in BANK["compartments"]]
CAPACITY = 64 * 1024
BLOCK = 2048


def keys() -> locker.KeyRing:
    ring = locker.KeyRing()
    ring.rotate(seed(41))
    return ring


KEYS = keys()


def board() -> locker.SimulatedHardware:
    return locker.SimulatedHardware(DOORS, seed=5, now_s=NOW_S)


def open_flash(flash: Any, hw: locker.SimulatedHardware, **kwargs: Any) -> locker.Locker:
    return locker.Locker.open_flash({"bank": BANK}, KEYS, hw, flash, **kwargs)


def module_still_works() -> None:
    """A fresh locker on a fresh chip takes a whole drop-off."""
    hw = board()
    lk = open_flash(locker.MemoryFlash(CAPACITY, BLOCK), hw)
    session = lk.courier_sign_in(lk.issue_courier_code(1, DAY_S))
    outcome = lk.deposit(session, {"parcel": parcel(1, h=50, weight_g=900), "recipient": 12})
    assert outcome["outcome"] == "opened"
    door = outcome["compartment"]
    hw.open_door(door)
    hw.put_parcel(door)
    hw.close_door(door)
    lk.door_closed(door)
    assert any(e["type"] == "parcel_ready" for e in lk.take_events())


class Nor:
    """NOR flash in a bytearray, recording its calls; `interrupt` names a
    method that raises KeyboardInterrupt when called."""

    def __init__(self, capacity_bytes: int = CAPACITY, erase_block_bytes: int = BLOCK) -> None:
        self.capacity_bytes = capacity_bytes
        self.erase_block_bytes = erase_block_bytes
        self.cells = bytearray(b"\xff" * capacity_bytes)
        self.calls: List[str] = []
        self.interrupt = ""

    def _call(self, method: str) -> None:
        self.calls.append(method)
        if method == self.interrupt:
            raise KeyboardInterrupt()

    def read(self, offset: int, length: int) -> bytes:
        self._call("read")
        return bytes(self.cells[offset : offset + length])

    def write(self, offset: int, data: bytes) -> None:
        self._call("write")
        for i, byte in enumerate(data):
            self.cells[offset + i] &= byte

    def erase(self, offset: int, length: int) -> None:
        self._call("erase")
        self.cells[offset : offset + length] = b"\xff" * length


# DEFECT. What: one MemoryFlash opened by two live lockers is accepted; both
# append at the same place, the NOR AND of two frames commits garbage, and
# the chip's journal no longer opens (acknowledged records are lost).
# Reproduction:
#   chip = locker.MemoryFlash(65536, 2048); hw = board()
#   a = Locker.open_flash({"bank": BANK}, KEYS, hw, chip); b = Locker.open_flash(None, KEYS, hw, chip)
#   a.hold(5, t); b.hold(6, t); Locker.open_flash(None, KEYS, hw, chip)  # JournalError forged
# Expected: the second open refused with InvalidArgumentError naming
# `flash` (as the JavaScript binding refuses a chip another live locker
# holds), the first locker's journal intact.
def test_a_memory_flash_held_by_a_live_locker_is_refused_to_a_second() -> None:
    chip = locker.MemoryFlash(CAPACITY, BLOCK)
    hw = board()
    first = open_flash(chip, hw)
    with pytest.raises(locker.InvalidArgumentError) as caught:
        open_flash(chip, hw)
    assert caught.value.argument == "flash"
    first.hold(5, NOW_S + DAY_S)
    snapshot = first.snapshot()
    del first
    assert open_flash(chip, hw).snapshot() == snapshot


def test_a_copy_of_a_chip_is_its_own_journal() -> None:
    chip = locker.MemoryFlash(CAPACITY, BLOCK)
    hw = board()
    first = open_flash(chip, hw)
    twin = open_flash(chip.copy(), hw)
    first.hold(5, NOW_S + DAY_S)
    twin.hold(6, NOW_S + DAY_S)
    assert first.snapshot() != twin.snapshot()
    snapshot = first.snapshot()
    del first
    assert open_flash(chip, hw).snapshot() == snapshot


# DEFECT. What: a size or a method that is a property raising an ordinary
# exception leaks that exception (a RuntimeError) out of open_flash instead
# of a LockerError: `flash.hasattr(name)?` in locker-py/src/flash.rs
# `flash_from` propagates it. Reproduction:
#   class F(Nor):
#       @property
#       def capacity_bytes(self): raise RuntimeError("getter")
#   Locker.open_flash(cfg, keys, hw, F())   # RuntimeError: getter
# Expected: ArgumentTypeError naming `flash` ("cannot read capacity_bytes:
# RuntimeError: getter"), as the JavaScript binding refuses a getter that
# throws with a LockerError.
@pytest.mark.parametrize("name", ["capacity_bytes", "erase_block_bytes", "read", "write", "erase"])
def test_a_flash_attribute_that_raises_is_refused_with_a_typed_error(name: str) -> None:
    def broken(self: Any) -> Any:
        raise RuntimeError("getter")

    cls = type("Broken", (Nor,), {name: property(broken, lambda self, value: None)})
    flash = cls()
    with pytest.raises(locker.LockerError) as caught:
        open_flash(flash, board())
    assert caught.value.code == "invalid_argument"
    module_still_works()


# DEFECT. What: MemoryFlash(capacity, block) allocates and fills the whole
# capacity at once (up to 4 GiB - 1, any u32): when the allocation fails the
# Rust allocator aborts the interpreter ("memory allocation of 4294967294
# bytes failed", SIGABRT); when it succeeds it takes 4 GiB of a shared
# machine. Reproduction (1 GiB address-space limit so it fails safely):
#   resource.setrlimit(RLIMIT_AS, (1 << 30, 1 << 30)); locker.MemoryFlash(2**32 - 2, 4096)
# Expected: InvalidArgumentError naming capacity_bytes past a cap (the
# JavaScript binding refuses more than 64 MiB), or at least a MemoryError.
# Fix: locker-py/src/flash.rs `MemoryFlash::new` (cap as
# locker-wasm/src/flash.rs MAX_SIMULATED_BYTES, and `from_bytes` alike).
def test_a_memory_flash_too_large_to_allocate_is_an_error_not_an_abort() -> None:
    script = textwrap.dedent(
        """
        import resource
        resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))
        import locker
        try:
            locker.MemoryFlash(2**32 - 2, 4096)
        except (locker.LockerError, MemoryError) as error:
            print("refused", type(error).__name__)
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and "refused" in done.stdout, (done.returncode, done.stderr[-300:])


@pytest.mark.parametrize(
    "capacity, block, error",
    [
        (2**53, BLOCK, locker.InvalidArgumentError),
        (2**32, BLOCK, locker.InvalidArgumentError),
        (-1, BLOCK, locker.InvalidArgumentError),
        (CAPACITY, -1, locker.InvalidArgumentError),
        (CAPACITY, 2**64, locker.InvalidArgumentError),
        (1.5, BLOCK, locker.ArgumentTypeError),
        (float("nan"), BLOCK, locker.ArgumentTypeError),
        ("1024", BLOCK, locker.ArgumentTypeError),
        (None, BLOCK, locker.ArgumentTypeError),
        (True, BLOCK, locker.ArgumentTypeError),
        (CAPACITY, 2048.0, locker.ArgumentTypeError),
    ],
)
def test_a_memory_flash_with_absurd_sizes_is_refused_with_a_typed_error(capacity: Any, block: Any, error: type) -> None:
    with pytest.raises(error) as caught:
        locker.MemoryFlash(capacity, block)
    assert isinstance(caught.value, locker.InvalidArgumentError) and caught.value.code == "invalid_argument"


@pytest.mark.parametrize("capacity, block", [(0, 0), (BLOCK, 0), (4 * BLOCK, 2**31), (128, 128), (126, 1)])
def test_a_memory_flash_of_a_layout_no_journal_takes_is_flash_layout(capacity: int, block: int) -> None:
    chip = locker.MemoryFlash(capacity, block)
    with pytest.raises(locker.JournalError) as caught:
        open_flash(chip, board())
    assert caught.value.code == "flash_layout"


@pytest.mark.parametrize("method, operation", [
    ("read", "open"),
    ("write", "open"),
    ("read", "journal_records"),
    ("read", "previous_records"),
    ("erase", "compact"),
    ("write", "compact"),
])
def test_a_keyboard_interrupt_in_any_flash_method_stops_the_call_once(method: str, operation: str) -> None:
    flash = Nor()
    hw = board()
    if operation == "open":
        flash.interrupt = method
        with pytest.raises(KeyboardInterrupt):
            open_flash(flash, hw)
        # Called once, and not retried.
        assert flash.calls.count(method) == 1
        flash.interrupt = ""
        lk = open_flash(flash, hw)
    else:
        lk = open_flash(flash, hw)
        lk.hold(5, NOW_S + DAY_S)
        assert lk.compact()
        lk.hold(6, NOW_S + DAY_S)
        snapshot = lk.snapshot()
        flash.calls.clear()
        flash.interrupt = method
        with pytest.raises(KeyboardInterrupt):
            getattr(lk, operation)()
        assert flash.calls.count(method) == 1, flash.calls
        assert lk.snapshot() == snapshot
        flash.interrupt = ""
    # The same locker goes on, and reopens to where it went.
    lk.hold(7, NOW_S + DAY_S)
    assert lk.journal_records()[-1]["seq"] == lk.head()["seq"]  # type: ignore[index]
    snapshot = lk.snapshot()
    del lk
    assert open_flash(flash, hw).snapshot() == snapshot
    module_still_works()


def test_a_flash_mutated_after_opening_fails_the_call_and_the_locker_goes_on() -> None:
    flash = Nor()
    hw = board()
    lk = open_flash(flash, hw)
    lk.hold(5, NOW_S + DAY_S)
    snapshot = lk.snapshot()
    flash.write = 42  # type: ignore[assignment,method-assign]
    with pytest.raises(locker.JournalError) as caught:
        lk.hold(6, NOW_S + DAY_S)
    assert caught.value.code == "journal_write"
    flash.read = lambda offset, length: b"\xff"  # type: ignore[method-assign]
    with pytest.raises(locker.JournalError) as caught:
        lk.journal_records()
    assert caught.value.code == "flash_failed" and "returned 1 bytes" in str(caught.value)
    # Sizes are read once: changing them later changes nothing.
    flash.capacity_bytes = -5
    flash.erase_block_bytes = "x"  # type: ignore[assignment]
    del flash.write, flash.read
    assert lk.snapshot() == snapshot
    lk.hold(6, NOW_S + DAY_S)
    assert [e["type"] for e in lk.take_events()] == ["journal_compacted"]
    usage = lk.flash_usage()
    assert usage is not None and usage["capacity_bytes"] == CAPACITY
    flash.capacity_bytes, flash.erase_block_bytes = CAPACITY, BLOCK
    snapshot = lk.snapshot()
    del lk
    assert open_flash(flash, hw).snapshot() == snapshot


def test_a_flash_method_calling_back_into_its_locker_is_a_flash_failure() -> None:
    flash = Nor()
    hw = board()
    lk = open_flash(flash, hw)
    snapshot = lk.snapshot()

    def write(offset: int, data: bytes) -> None:
        lk.snapshot()
        Nor.write(flash, offset, data)

    flash.write = write  # type: ignore[method-assign]
    with pytest.raises(locker.JournalError) as caught:
        lk.hold(5, NOW_S + DAY_S)
    assert caught.value.code == "journal_write" and "write() raised" in str(caught.value)
    del flash.write
    assert lk.snapshot() == snapshot
    lk.hold(5, NOW_S + DAY_S)
    module_still_works()


@pytest.mark.parametrize(
    "answer",
    [float("nan"), -1, 2**64, b"\xff" * 10_000, bytearray(), object(), True, "\xff\xff\xff\xff"],
    ids=["nan", "negative", "huge", "long", "empty", "object", "bool", "str"],
)
def test_a_read_answering_nonsense_in_an_operation_is_flash_failed_and_the_locker_goes_on(answer: Any) -> None:
    flash = Nor()
    hw = board()
    lk = open_flash(flash, hw)
    lk.hold(5, NOW_S + DAY_S)
    flash.read = lambda offset, length: answer  # type: ignore[method-assign]
    with pytest.raises(locker.JournalError) as caught:
        lk.journal_records()
    assert caught.value.code == "flash_failed"
    del flash.read
    lk.hold(6, NOW_S + DAY_S)
    assert len(lk.journal_records()) >= 1


def test_tampering_through_write_raw_then_reopening_is_refused_with_a_code_and_nothing_is_written() -> None:
    chip = locker.MemoryFlash(CAPACITY, BLOCK)
    hw = board()
    lk = open_flash(chip, hw)
    lk.hold(5, NOW_S + DAY_S)
    lk.hold(6, NOW_S + DAY_S)
    image = chip.to_bytes()
    del lk
    half = CAPACITY // 2
    cases = [
        # Both headers' magic zeroed: data but no journal.
        ([(0, b"\x00" * 4), (half, b"\x00" * 4)], "flash_damaged"),
        # The snapshot length of the first header made huge: no header there.
        ([(48, b"\xfe\xff\xff\xff")], "flash_damaged"),
        # A frame length pointing past the half, committed: torn, dropped;
        # the one before is the last, and the exported head says so.
        ([(len(image.rstrip(b"\xff")) - 3, b"\x00")], None),
    ]
    for writes, code in cases:
        forged = locker.MemoryFlash.from_bytes(image, BLOCK)
        for at, data in writes:
            forged.write_raw(at, data)
        try:
            reopened = open_flash(forged, hw)
        except locker.JournalError as error:
            assert code is None or error.code == code, (writes, error.code, str(error))
            assert forged.written_bytes == forged.erased_blocks == 0
        else:
            assert code is None, writes
            reopened.hold(7, NOW_S + DAY_S)
    module_still_works()
