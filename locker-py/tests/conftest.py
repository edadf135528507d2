"""Shared fixtures: parcels, a bank, a locker over simulated hardware."""

import hashlib
import threading
import time
from typing import Any, Callable, Dict

import pytest

import locker
from locker.types import DropOff, Outcome

NOW_S = 1_700_000_000


def parcel(pid: int, w: int = 300, d: int = 200, h: int = 100, weight_g: int = 1_500) -> Dict[str, Any]:
    """A parcel dict in the core's JSON shape."""
    return {
        "id": pid,
        "size": {"width_mm": w, "depth_mm": d, "height_mm": h},
        "weight_g": weight_g,
    }



def opened(drop: DropOff) -> int:
    """The door a drop-off opened (failing the test on an overflow)."""
    assert drop["outcome"] == "opened", drop
    return drop["compartment"]


def assigned(outcome: Outcome) -> int:
    """The door an allocation assigned (failing the test on an overflow)."""
    assert outcome["outcome"] == "assigned", outcome
    return outcome["compartment"]

def seed(n: int) -> bytes:
    """32 bytes a random source could give, reproducibly: the SHA-256 of
    ``n``. Keys and entropy made of counters, ramps (``bytes(range(32))``)
    or typed text are refused by the core as weak."""
    return hashlib.sha256(n.to_bytes(8, "big")).digest()


def advance(lk: locker.Locker, hw: locker.SimulatedHardware, by_s: int) -> None:
    """Time passes as for a host that reads the clock at least hourly: the
    simulated clock moves in steps of at most an hour (the locker's
    ``clock.max_step_s``), each read with ``observe_clock``. A longer step
    would be a jump, held back until confirmed."""
    left_s = by_s
    while left_s > 0:
        step_s = min(left_s, 3_600)
        hw.set_now_s(hw.now_s() + step_s)
        lk.observe_clock()
        left_s -= step_s


def ticks_during(call: Callable[[], Any]) -> int:
    """How many times another Python thread ran (every millisecond or so)
    while ``call`` ran: more than a few means ``call`` released the GIL."""
    ticks = []
    done = threading.Event()

    def count() -> None:
        while not done.is_set():
            ticks.append(1)
            time.sleep(0.001)

    counter = threading.Thread(target=count)
    counter.start()
    try:
        call()
    finally:
        done.set()
        counter.join()
    return len(ticks)


@pytest.fixture
def bank_config() -> Dict[str, Any]:
    """The default bank configuration."""
    return locker.default_bank()


@pytest.fixture
def keys() -> locker.KeyRing:
    """A key ring with one key from fixed entropy."""
    ring = locker.KeyRing()
    ring.rotate(seed(0))
    return ring
