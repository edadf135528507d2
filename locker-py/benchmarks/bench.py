"""Timings of the Python bindings, with only the standard library.

    maturin develop --release -m locker-py/Cargo.toml
    python locker-py/benchmarks/bench.py

Measures: issuing and verifying a PIN, rendering a QR token as SVG, and one
simulated year of a 500-unit building. Prints the median and the best of
several runs. Numbers from a debug build are meaningless (it says so).
"""

import hashlib
import statistics
import time
from typing import Callable, List

import locker
from locker import _locker

NOW_S = 1_700_000_000


def measure(name: str, function: Callable[[], object], number: int, repeat: int = 7) -> None:
    """Runs `function` `number` times per sample and prints per-call times."""
    samples: List[float] = []
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(number):
            function()
        samples.append((time.perf_counter() - start) / number)
    median, best = statistics.median(samples), min(samples)
    unit, scale = ("ms", 1e3) if median >= 1e-3 else ("µs", 1e6)
    print(f"{name:<40} median {median * scale:8.2f} {unit}   best {best * scale:8.2f} {unit}")


def main() -> None:
    """Runs every measurement."""
    if _locker._debug_build:
        print("warning: debug build; build with --release for real numbers")
    keys = locker.KeyRing()
    keys.rotate(hashlib.sha256(b"keys").digest())
    store = locker.CredentialStore()
    entropy = hashlib.sha256(b"entropy").digest()
    counter = [0]

    def pin_round_trip() -> None:
        counter[0] += 1
        unit = counter[0] % 100_000
        seed = hashlib.sha256(counter[0].to_bytes(8, "big")).digest()
        pin, _ = store.issue_pin(keys, unit, [1], NOW_S + 3_600, NOW_S, entropy=seed)
        grant = store.verify_pin(keys, pin, NOW_S + 1, unit=unit)
        store.redeem(grant, NOW_S + 2)

    measure("issue + verify + redeem a PIN", pin_round_trip, number=200)

    def pin_with_os_entropy() -> None:
        counter[0] += 1
        unit = counter[0] % 100_000
        pin, _ = store.issue_pin(keys, unit, [1], NOW_S + 3_600, NOW_S)
        store.verify_pin(keys, pin, NOW_S + 1, unit=unit)

    measure("issue + verify a PIN (os.urandom)", pin_with_os_entropy, number=200)

    token, _ = locker.issue_token(keys, [41], NOW_S + 86_400, NOW_S, entropy=entropy)
    measure("QR token to SVG", lambda: locker.qr_svg(token), number=200)
    measure(
        "issue a token + SVG",
        lambda: locker.qr_svg(locker.issue_token(keys, [41], NOW_S + 86_400, NOW_S)[0]),
        number=200,
    )

    year = {"units": 500, "days": 365, "seed": 1}
    measure("simulate a year, 500 units, default bank", lambda: locker.simulate(year), number=1, repeat=5)
    roomy = locker.compose_bank(locker.default_classes(), [90, 80, 60, 15])
    measure("simulate a year, 500 units, 245 doors", lambda: locker.simulate(year, roomy), number=1, repeat=5)


if __name__ == "__main__":
    main()
