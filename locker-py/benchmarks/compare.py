"""Side-by-side timings of locker against what a Python user would otherwise pick.

    pip install -r locker-py/benchmarks/requirements.txt
    maturin develop --release -m locker-py/Cargo.toml
    python locker-py/benchmarks/compare.py            # full run, ~1 minute
    python locker-py/benchmarks/compare.py --quick    # sanity only, seconds (CI)

Three comparisons, all in this one process:

1. Credential verification: ``CredentialStore.verify_pin``,
   ``CredentialStore.verify_token`` and ``verify_token_offline`` against
   ``pyotp.TOTP.verify`` and ``pyotp.HOTP.verify``. Both sides check a
   user-supplied code against a secret and answer accept or reject; what
   each call does exactly is printed with the table.
2. QR to SVG: ``locker.qr_svg`` on a real ``issue_token`` token against
   ``segno.make_qr`` + ``save`` to an in-memory SVG, same text, same error
   correction (M, no boost), same module size and quiet zone.
3. Packing: ``locker.pack`` / ``pack_bins`` against ``py3dbp`` on the
   parcels of ``benches/data/mpv-class1-n200-seed1.json``, and
   ``locker.pack_into`` (most parcels) against ``py3dbp`` with mixed bins:
   200 parcels into 40 compartments of six kinds at 99.9 % of their volume.

Times are medians of per-call times over several samples (each sample runs
the call enough times to last a while; the garbage collector is off during
a sample, as ``timeit`` does). Ratios are competitor time / locker time, so
"12x" means locker is twelve times faster. ``--quick`` runs each comparison
with tiny counts and checks only that the results are sane (both sides
accept the right code and reject a wrong one, both packers place parcels);
it never checks the speed targets. The full run prints whether each target
is met.
"""

from __future__ import annotations

import argparse
import base64
import gc
import hashlib
import io
import json
import os
import platform
import re
import statistics
import random
import sys
import time
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

import pyotp
import segno
from py3dbp import Bin, Item, Packer

import locker
from locker import _locker

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_INSTANCE = ROOT / "benches" / "data" / "mpv-class1-n200-seed1.json"

NOW_S = 1_700_000_000
#: The moment codes are checked: a minute after issue, inside one TOTP step.
CHECK_S = NOW_S + 60
#: The unit (recipient) the PIN is bound to, as the default policy asks.
UNIT = 1_204
#: 32 secret bytes shared by both sides (locker's site key, pyotp's secret):
#: as varied as a random source's (a counter or ramp is refused as weak).
SECRET = hashlib.sha256(b"locker benchmarks").digest()
#: Speed targets: locker at least this many times faster.
TARGET = 10.0


# --- timing ----------------------------------------------------------------


@dataclass
class Timing:
    """Per-call times of one operation, in seconds."""

    median: float
    best: float
    calls: int


class Clock:
    """Runs calls enough times for stable medians (or a few times, quick)."""

    def __init__(self, quick: bool) -> None:
        self.quick = quick
        self.sample_s = 0.002 if quick else 0.1
        self.samples = 3 if quick else 9

    def time(self, function: Callable[[], object]) -> Timing:
        """Median and best per-call time of `function`."""
        return self.time_group([function])[0]

    def time_group(self, functions: Sequence[Callable[[], object]]) -> List[Timing]:
        """Per-call times of several functions, their samples interleaved.

        Each function is calibrated alone (like timeit's autorange: the count
        grows until one sample lasts `sample_s`); then the samples take turns,
        so a change in machine load hits every function alike and the ratios
        stay fair on a busy machine.
        """
        numbers = [self._calibrate(function) for function in functions]
        per_call: List[List[float]] = [[] for _ in functions]
        for _ in range(self.samples):
            for index, (function, number) in enumerate(zip(functions, numbers)):
                per_call[index].append(self._sample(function, number) / number)
        return [
            Timing(statistics.median(samples), min(samples), number * self.samples)
            for samples, number in zip(per_call, numbers)
        ]

    def _calibrate(self, function: Callable[[], object]) -> int:
        number = 1
        while True:
            elapsed = self._sample(function, number)
            if elapsed >= self.sample_s:
                return number
            number = number * 10 if elapsed < self.sample_s / 10 else number * 2

    def time_fresh(self, setup: Callable[[], Any], run: Callable[[Any], object], samples: int) -> Timing:
        """Per-call times of `run(setup())`, timing `run` only, one call per sample."""
        per_call = []
        for _ in range(samples):
            state = setup()
            gc.collect()
            gc.disable()
            try:
                start = time.perf_counter()
                run(state)
                per_call.append(time.perf_counter() - start)
            finally:
                gc.enable()
        return Timing(statistics.median(per_call), min(per_call), samples)

    @staticmethod
    def _sample(function: Callable[[], object], number: int) -> float:
        gc.collect()
        gc.disable()
        try:
            start = time.perf_counter()
            for _ in range(number):
                function()
            return time.perf_counter() - start
        finally:
            gc.enable()


def fmt_time(seconds: float) -> str:
    """A time with a unit that keeps 3-4 significant digits."""
    if seconds >= 1.0:
        return f"{seconds:.3f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.3f} ms"
    return f"{seconds * 1e6:.3f} µs"


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A markdown table."""
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join(" --- " for _ in headers) + "|"]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


class Sanity:
    """Collects failed sanity checks instead of stopping at the first."""

    def __init__(self) -> None:
        self.failures: List[str] = []

    def check(self, condition: bool, message: str) -> None:
        if not condition:
            self.failures.append(message)
            print(f"SANITY FAILURE: {message}", file=sys.stderr)


def rejects(function: Callable[[], object]) -> bool:
    """Whether a locker verification refuses (raises CredentialError)."""
    try:
        function()
    except locker.CredentialError:
        return True
    return False


def refused(function: Callable[[], object]) -> Callable[[], None]:
    """A call that expects a CredentialError and swallows it (the reject path)."""

    def call() -> None:
        try:
            function()
        except locker.CredentialError:
            pass
        else:  # pragma: no cover - caught by the sanity checks first
            raise AssertionError("expected a refusal")

    return call


def tamper(token: str) -> str:
    """The token with one character of its tag changed (still valid base32)."""
    index = len(token) - 5
    replacement = "A" if token[index] != "A" else "B"
    return token[:index] + replacement + token[index + 1 :]


def wrong_digits(code: str) -> str:
    """Another code of the same length (last digit changed)."""
    return code[:-1] + str((int(code[-1]) + 1) % 10)


# --- 1. credential verification ---------------------------------------------


def compare_verification(clock: Clock, sanity: Sanity) -> Tuple[str, Dict[str, float]]:
    keys = locker.KeyRing()
    keys.rotate(SECRET)
    store = locker.CredentialStore()
    # A realistic store: 2 active PINs for each of 500 units and 500 tokens,
    # so the lookups are in a populated sorted map, not a one-entry map.
    filler = 0 if clock.quick else 500
    for unit in range(1, filler + 1):
        for copy in range(2):
            seed = hashlib.sha256((unit * 2 + copy).to_bytes(8, "big")).digest()
            store.issue_pin(keys, unit, [unit % 100 + 1], NOW_S + 86_400, NOW_S, entropy=seed)
        _, record = locker.issue_token(keys, [unit % 100 + 1], NOW_S + 86_400, NOW_S, entropy=seed)
        store.insert(record, NOW_S)
    pin, _ = store.issue_pin(keys, UNIT, [41], NOW_S + 86_400, NOW_S, entropy=hashlib.sha256(b"pin").digest())
    token, record = locker.issue_token(keys, [41], NOW_S + 86_400, NOW_S, entropy=hashlib.sha256(b"token").digest())
    store.insert(record, NOW_S)
    bad_pin = wrong_digits(pin)
    bad_token = tamper(token)

    secret_b32 = base64.b32encode(SECRET).decode().rstrip("=")
    # Like for like: HMAC-SHA256 and 8 digits, as locker's default PIN policy.
    totp = pyotp.TOTP(secret_b32, digits=8, digest=hashlib.sha256)
    hotp = pyotp.HOTP(secret_b32, digits=8, digest=hashlib.sha256)
    # pyotp's defaults (what most users run): HMAC-SHA1, 6 digits.
    totp_default = pyotp.TOTP(secret_b32)
    counter = 1_234
    totp_code, hotp_code = totp.at(CHECK_S), hotp.at(counter)
    totp_default_code = totp_default.at(CHECK_S)

    def verify_pin() -> Any:
        return store.verify_pin(keys, pin, CHECK_S, unit=UNIT)

    def verify_token() -> Any:
        return store.verify_token(keys, token, CHECK_S)

    def verify_offline() -> Any:
        return locker.verify_token_offline(keys, token, CHECK_S)

    # Sanity: each side accepts the right code and refuses a wrong one.
    sanity.check(verify_pin()["compartments"] == [41], "verify_pin accepts the issued PIN")
    sanity.check(verify_token()["compartments"] == [41], "verify_token accepts the issued token")
    sanity.check(verify_offline()["compartments"] == [41], "verify_token_offline accepts the token")
    sanity.check(
        rejects(lambda: store.verify_pin(keys, bad_pin, CHECK_S, unit=UNIT)), "verify_pin refuses a wrong PIN"
    )
    sanity.check(rejects(lambda: store.verify_token(keys, bad_token, CHECK_S)), "verify_token refuses a tampered token")
    sanity.check(
        rejects(lambda: locker.verify_token_offline(keys, bad_token, CHECK_S)),
        "verify_token_offline refuses a tampered token",
    )
    sanity.check(totp.verify(totp_code, for_time=CHECK_S), "TOTP accepts its code")
    sanity.check(not totp.verify(wrong_digits(totp_code), for_time=CHECK_S), "TOTP refuses a wrong code")
    sanity.check(hotp.verify(hotp_code, counter), "HOTP accepts its code")
    sanity.check(not hotp.verify(wrong_digits(hotp_code), counter), "HOTP refuses a wrong code")
    sanity.check(totp_default.verify(totp_default_code, for_time=CHECK_S), "default TOTP accepts its code")

    lockers: List[Tuple[str, str, Callable[[], object]]] = [
        (
            "`CredentialStore.verify_pin` accept",
            "throttle check; parse 8 digits; HMAC-SHA256(site key, unit ‖ PIN); binary search for the tag "
            f"among {2 * filler + 1} PINs; constant-time compare; expiry/status/purpose; grant → dict",
            verify_pin,
        ),
        (
            "`CredentialStore.verify_token` accept",
            "throttle check; base32-decode 60 chars; HMAC-SHA256 over 25 bytes, 96-bit tag constant-time "
            f"compare; expiry; purpose; record lookup among {filler + 1} tokens (revoked/used); grant → dict",
            verify_token,
        ),
        (
            "`verify_token_offline` accept",
            "base32-decode; key lookup; HMAC-SHA256, constant-time tag compare; expiry; claims → dict",
            verify_offline,
        ),
        (
            "`CredentialStore.verify_pin` reject",
            "as accept, tag not found → `CredentialError` with `.failure` dict, caught",
            refused(lambda: store.verify_pin(keys, bad_pin, CHECK_S, unit=UNIT)),
        ),
        (
            "`CredentialStore.verify_token` reject",
            "as accept, tag mismatch → `CredentialError` with `.failure` dict, caught",
            refused(lambda: store.verify_token(keys, bad_token, CHECK_S)),
        ),
    ]
    pyotps: List[Tuple[str, str, Callable[[], object]]] = [
        (
            "`TOTP.verify` SHA-256, 8 digits",
            "timecode from `for_time`; base32-decode secret; HMAC-SHA256(secret, counter); dynamic "
            "truncation; format; NFKC-normalize + constant-time compare; returns bool",
            lambda: totp.verify(totp_code, for_time=CHECK_S),
        ),
        (
            "`HOTP.verify` SHA-256, 8 digits",
            "as TOTP, with the counter given (no time step)",
            lambda: hotp.verify(hotp_code, counter),
        ),
        (
            "`TOTP.verify` defaults (SHA-1, 6 digits)",
            "as above with HMAC-SHA1 (pyotp's default)",
            lambda: totp_default.verify(totp_default_code, for_time=CHECK_S),
        ),
        (
            "`TOTP.verify` SHA-256, 8 digits, reject",
            "as accept, wrong code → False",
            lambda: totp.verify(wrong_digits(totp_code), for_time=CHECK_S),
        ),
    ]
    timings = clock.time_group([call for _, _, call in lockers + pyotps])
    locker_times = [(name, what, t) for (name, what, _), t in zip(lockers, timings)]
    pyotp_times = [(name, what, t) for (name, what, _), t in zip(pyotps, timings[len(lockers) :])]

    rows = [[f"locker {n}", fmt_time(t.median), fmt_time(t.best), w] for n, w, t in locker_times]
    rows += [[f"pyotp {n}", fmt_time(t.median), fmt_time(t.best), w] for n, w, t in pyotp_times]
    out = ["### Credential verification", ""]
    out.append(table(["call", "median", "best", "what one call does"], rows))
    out.append("")
    # Ratio matrix: accept paths against pyotp's accept paths; reject against reject.
    accept_pyotp = pyotp_times[:3]
    ratio_rows = []
    ratios: Dict[str, float] = {}
    for name, _, timing in locker_times[:3]:
        cells = []
        for pname, _, ptiming in accept_pyotp:
            ratio = ptiming.median / timing.median
            ratios[f"{name} vs {pname}"] = ratio
            cells.append(f"{ratio:.1f}x")
        ratio_rows.append([f"locker {name}", *cells])
    reject_ratios = []
    for name, _, timing in locker_times[3:]:
        ratio = pyotp_times[3][2].median / timing.median
        reject_ratios.append(ratio)
        ratio_rows.append([f"locker {name}", f"{ratio:.1f}x (vs `TOTP.verify` reject)", "", ""])
    out.append("Speed-up, pyotp median / locker median (higher is better for locker):")
    out.append("")
    out.append(table(["locker", *[f"vs pyotp {n}" for n, _, _ in accept_pyotp]], ratio_rows))
    out.append("")
    out.append(
        "Accept paths return the grant (or claims) as a dict built by the binding; pyotp returns a "
        "bool. pyotp needs one secret per user (the caller looks it up); locker finds the credential "
        "itself from one site key. The PIN store is bound to units (default policy) and was checked "
        "with the unit given."
    )
    best_ratios = [p.best / t.best for _, _, t in locker_times[:3] for _, _, p in accept_pyotp]
    summary = {
        "verify": min(ratios.values()),
        "verify_best": min(best_ratios),
        "verify_reject": min(reject_ratios),
        "verify_reject_best": min(pyotp_times[3][2].best / t.best for _, _, t in locker_times[3:]),
    }
    return "\n".join(out), summary


# --- 2. QR to SVG ------------------------------------------------------------


def compare_qr(clock: Clock, sanity: Sanity) -> Tuple[str, Dict[str, float]]:
    keys = locker.KeyRing()
    keys.rotate(SECRET)
    token, _ = locker.issue_token(keys, [41], NOW_S + 86_400, NOW_S, entropy=hashlib.sha256(b"token").digest())
    module_px, quiet = 8, 4

    def locker_svg() -> str:
        return locker.qr_svg(token, module_px=module_px, error_correction="medium", quiet_zone_modules=quiet)

    def segno_svg() -> bytes:
        # boost_error=False keeps level M (segno would otherwise raise it for free);
        # light="#fff" paints a white background, as locker's SVG has.
        qr = segno.make_qr(token, error="m", boost_error=False)
        buffer = io.BytesIO()
        qr.save(buffer, kind="svg", scale=module_px, border=quiet, light="#fff")
        return buffer.getvalue()

    made = segno.make_qr(token, error="m", boost_error=False)

    def segno_save_only() -> bytes:
        buffer = io.BytesIO()
        made.save(buffer, kind="svg", scale=module_px, border=quiet, light="#fff")
        return buffer.getvalue()

    ours, theirs = locker_svg().encode(), segno_svg()
    side = made.symbol_size(scale=module_px, border=quiet)[0]
    sanity.check(ours.startswith(b"<svg") and ours.rstrip().endswith(b"</svg>"), "locker SVG is an SVG document")
    sanity.check(f'width="{side}"'.encode() in ours, f"locker SVG is {side} px wide, as segno's")
    sanity.check(b"<svg" in theirs and f'width="{side}"'.encode() in theirs, "segno SVG is an SVG document")
    sanity.check(made.error == "M" and made.mode == "alphanumeric", "segno encodes at level M, alphanumeric")

    t_locker, t_segno, t_segno_save = clock.time_group([locker_svg, segno_svg, segno_save_only])
    ratio = t_segno.median / t_locker.median
    rows = [
        [
            "locker `qr_svg(token, module_px=8, error_correction=\"medium\", quiet_zone_modules=4)`",
            fmt_time(t_locker.median),
            fmt_time(t_locker.best),
            len(ours),
            "1.0x",
        ],
        [
            "segno `make_qr(token, error=\"m\", boost_error=False)` + `save(BytesIO, kind=\"svg\", "
            "scale=8, border=4, light=\"#fff\")`",
            fmt_time(t_segno.median),
            fmt_time(t_segno.best),
            len(theirs),
            f"{ratio:.1f}x",
        ],
        [
            "segno `save(...)` only (QR made beforehand; not a target row)",
            fmt_time(t_segno_save.median),
            fmt_time(t_segno_save.best),
            len(theirs),
            f"{t_segno_save.median / t_locker.median:.1f}x",
        ],
    ]
    out = ["### QR code to SVG", ""]
    out.append(
        f"Token: `issue_token` output, {len(token)} characters (alphanumeric mode), QR version "
        f"{made.version} ({made.symbol_size(scale=1, border=0)[0]}×{made.symbol_size(scale=1, border=0)[0]} "
        f"modules), level M, {module_px} px per module, {quiet}-module quiet zone: {side}×{side} px."
    )
    out.append("")
    out.append(table(["call", "median", "best", "SVG bytes", "segno / locker"], rows))
    return "\n".join(out), {"qr": ratio, "qr_best": t_segno.best / t_locker.best}


# --- 3. packing ----------------------------------------------------------------


def load_instance(path: Path, limit: Optional[int]) -> Tuple[Tuple[int, int, int], List[List[int]]]:
    """The bin (w, h, d) and the parcels [w, h, d] of an instance file."""
    data = json.loads(path.read_text())
    bin_w, bin_h, bin_d = (int(v) for v in data["bin_mm"])
    parcels = [[int(v) for v in p] for p in data["parcels_mm"]]
    if limit is not None:
        parcels = parcels[:limit]
    return (bin_w, bin_h, bin_d), parcels


def boxes_valid(bin_whd: Tuple[int, int, int], boxes: Sequence[Tuple[int, int, int, int, int, int]]) -> bool:
    """Whether boxes (x, y, z, dx, dy, dz) lie inside the bin and do not overlap."""
    limits = bin_whd
    for box in boxes:
        for axis in range(3):
            if box[axis] < 0 or box[axis] + box[axis + 3] > limits[axis]:
                return False
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            if all(a[k] < b[k] + b[k + 3] and b[k] < a[k] + a[k + 3] for k in range(3)):
                return False
    return True


def floating(boxes: Sequence[Tuple[int, int, int, int, int, int]], up: int) -> int:
    """Boxes above the floor (axis `up`) with nothing directly under any part of them."""
    other = [k for k in range(3) if k != up]
    count = 0
    for a in boxes:
        if a[up] == 0:
            continue
        resting = any(
            b[up] + b[up + 3] == a[up]
            and all(a[k] < b[k] + b[k + 3] and b[k] < a[k] + a[k + 3] for k in other)
            for b in boxes
            if b is not a
        )
        count += not resting
    return count


def locker_boxes(packing: Dict[str, Any]) -> List[Tuple[int, int, int, int, int, int]]:
    """Placements as (x, y, z, dx, dy, dz) in locker's (width, depth, height) axes."""
    return [
        (
            p["position"]["x_mm"],
            p["position"]["y_mm"],
            p["position"]["z_mm"],
            p["extent"]["width_mm"],
            p["extent"]["depth_mm"],
            p["extent"]["height_mm"],
        )
        for p in packing["placements"]
    ]


def py3dbp_boxes(bin_: Any) -> List[Tuple[int, int, int, int, int, int]]:
    """Items as (x, y, z, dx, dy, dz) in py3dbp's (width, height, depth) axes."""
    boxes = []
    for item in bin_.items:
        x, y, z = (int(v) for v in item.position)
        dx, dy, dz = (int(v) for v in item.get_dimension())
        boxes.append((x, y, z, dx, dy, dz))
    return boxes


def compare_packing(clock: Clock, sanity: Sanity, instance: Path) -> Tuple[str, Dict[str, float]]:
    limit = 20 if clock.quick else None
    (bin_w, bin_h, bin_d), raw = load_instance(instance, limit)
    # Parcel [w, h, d] (MPV's axes, as benches/data/README.md maps them) →
    # locker width w, height h, depth d; py3dbp Item(width=w, height=h,
    # depth=d). Both sides may turn parcels any way (none is upright).
    parcels = [
        {"id": i + 1, "size": {"width_mm": w, "depth_mm": d, "height_mm": h}, "weight_g": 1_000}
        for i, (w, h, d) in enumerate(raw)
    ]
    space = (bin_w, bin_d, bin_h)
    total_volume = sum(w * h * d for w, h, d in raw)
    bin_volume = bin_w * bin_h * bin_d

    one = locker.pack(space, parcels)
    bins = locker.pack_bins(space, parcels)
    k = len(bins)
    lower = locker.lower_bound(space, parcels)

    def py3dbp_setup(count: int) -> Callable[[], Packer]:
        def setup() -> Packer:
            packer = Packer()
            for j in range(count):
                packer.add_bin(Bin(f"bin{j}", bin_w, bin_h, bin_d, 10**9))
            for i, (w, h, d) in enumerate(raw):
                packer.add_item(Item(str(i + 1), w, h, d, 1))
            return packer

        return setup

    def py3dbp_run(bigger_first: bool) -> Callable[[Packer], None]:
        def run(packer: Packer) -> None:
            packer.pack(bigger_first=bigger_first, distribute_items=True)

        return run

    py_samples = 1 if clock.quick else 3
    results = []
    for count, bigger_first in ((1, False), (1, True), (k, False), (k, True)):
        packer = py3dbp_setup(count)()
        py3dbp_run(bigger_first)(packer)
        placed = sum(len(b.items) for b in packer.bins)
        placed_volume = sum(int(it.width) * int(it.height) * int(it.depth) for b in packer.bins for it in b.items)
        used = sum(1 for b in packer.bins if b.items)
        valid = all(boxes_valid((bin_w, bin_h, bin_d), py3dbp_boxes(b)) for b in packer.bins)
        floats = sum(floating(py3dbp_boxes(b), up=1) for b in packer.bins)
        timing = clock.time_fresh(py3dbp_setup(count), py3dbp_run(bigger_first), py_samples)
        results.append((count, bigger_first, placed, placed_volume, used, valid, floats, timing))
        sanity.check(placed > 0, f"py3dbp places parcels into {count} bin(s)")

    t_pack, t_bins = clock.time_group([lambda: locker.pack(space, parcels), lambda: locker.pack_bins(space, parcels)])
    one_boxes = locker_boxes(one["packing"])
    one_volume = sum(b[3] * b[4] * b[5] for b in one_boxes)
    placed_bins = sum(len(b["placements"]) for b in bins)
    sanity.check(len(one_boxes) > 0, "locker.pack places parcels")
    sanity.check(len(one_boxes) + len(one["unplaced"]) == len(parcels), "locker.pack accounts for every parcel")
    sanity.check(placed_bins == len(parcels), "locker.pack_bins places every parcel")
    sanity.check(boxes_valid((bin_w, bin_d, bin_h), one_boxes), "locker.pack placements are inside and disjoint")
    sanity.check(
        all(boxes_valid((bin_w, bin_d, bin_h), locker_boxes(b)) for b in bins),
        "locker.pack_bins placements are inside and disjoint",
    )
    locker_floats = floating(one_boxes, up=2)
    bins_floats = sum(floating(locker_boxes(b), up=2) for b in bins)

    def pct(volume: int, bins_: int) -> str:
        return f"{100 * volume / (bins_ * bin_volume):.1f} %"

    rows = [
        [
            f"locker `pack` into 1 bin",
            fmt_time(t_pack.median),
            f"{len(one_boxes)} / {len(parcels)}",
            pct(one_volume, 1),
            1,
            locker_floats,
            "1.0x",
        ],
    ]
    for count, bigger_first, placed, volume, used, valid, floats, timing in results:
        if count != 1:
            continue
        rows.append(
            [
                f"py3dbp 1 bin, bigger_first={bigger_first}",
                fmt_time(timing.median),
                f"{placed} / {len(parcels)}" + ("" if valid else " (INVALID: overlap/outside)"),
                pct(volume, 1),
                used,
                floats,
                f"{timing.median / t_pack.median:.1f}x",
            ]
        )
    rows.append(
        [
            f"locker `pack_bins` (as few bins as it manages)",
            fmt_time(t_bins.median),
            f"{placed_bins} / {len(parcels)}",
            pct(total_volume, k),
            k,
            bins_floats,
            "1.0x",
        ]
    )
    for count, bigger_first, placed, volume, used, valid, floats, timing in results:
        if count == 1:
            continue
        rows.append(
            [
                f"py3dbp {count} bins (locker's count), bigger_first={bigger_first}",
                fmt_time(timing.median),
                f"{placed} / {len(parcels)}" + ("" if valid else " (INVALID: overlap/outside)"),
                pct(volume, used) if used else "-",
                used,
                floats,
                f"{timing.median / t_bins.median:.1f}x",
            ]
        )
    out = ["### Packing", ""]
    out.append(
        f"Instance `{instance.name}`{' (first 20 parcels: --quick)' if limit else ''}: bin "
        f"{bin_w}×{bin_h}×{bin_d} mm, {len(parcels)} parcels holding {total_volume / bin_volume:.1f} "
        f"bins' volume; locker's `lower_bound` says ≥ {lower} bins. Same parcels and bin on both "
        "sides, every rotation allowed. py3dbp: `Packer.pack(bigger_first=..., distribute_items=True)`, "
        "max weight not binding, `number_of_decimals=3` (Decimal arithmetic); the packer is built "
        "outside the timed region. One bin: every parcel is offered to one bin of the instance's "
        "size. k bins: py3dbp gets exactly the number of bins locker's `pack_bins` used and packs "
        "them one after another; what does not fit stays out."
    )
    out.append("")
    out.append(
        table(
            ["setup", "median", "placed", "fill of used bins", "bins used", "floating", "time / locker"],
            rows,
        )
    )
    out.append("")
    out.append(
        "'floating': parcels above the floor with no parcel directly under any part of them. locker "
        "packs under a support rule (the base's centre held, a minimum share of the base resting on "
        "parcels below), py3dbp checks no support at all. Every packing above was checked here: "
        "inside the bin, no overlaps."
    )
    t_py_k = next(r[7] for r in results if r[0] == k and r[1])
    t_py_1 = next(r[7] for r in results if r[0] == 1 and not r[1])
    return "\n".join(out), {"pack_1": t_py_1.median / t_pack.median, "pack_k": t_py_k.median / t_bins.median}


MIXED_KINDS = [(380, 640, 80), (380, 640, 190), (380, 640, 410), (300, 400, 300), (450, 600, 500), (250, 350, 150)]


def mixed_load(doors: int, n: int, share: float, seed: int) -> Tuple[List[Tuple[int, int, int]], List[Tuple[int, int, int]]]:
    """`doors` compartments (w, d, h) of six kinds and `n` parcels (w, d, h)
    whose volume is about `share` of theirs, from a seeded generator."""
    rng = random.Random(seed)
    bins = [MIXED_KINDS[rng.randrange(len(MIXED_KINDS))] for _ in range(doors)]
    raw = [(rng.randint(40, 600), rng.randint(40, 400), rng.randint(30, 300)) for _ in range(n)]
    scale = (share * sum(w * d * h for w, d, h in bins) / sum(w * d * h for w, d, h in raw)) ** (1 / 3)
    parcels = []
    for sides in raw:
        short, middle, long = sorted(max(10, round(x * scale)) for x in sides)
        parcels.append((min(long, 640), min(middle, 410), min(short, 380)))
    return bins, parcels


def compare_mixed(clock: Clock, sanity: Sanity) -> Tuple[str, Dict[str, float]]:
    doors, n = (10, 50) if clock.quick else (40, 200)
    bins, sizes = mixed_load(doors, n, 0.999, 1)
    compartments = [
        {"id": j + 1, "space": {"width_mm": w, "depth_mm": d, "height_mm": h}} for j, (w, d, h) in enumerate(bins)
    ]
    parcels = [
        {"id": i + 1, "size": {"width_mm": w, "depth_mm": d, "height_mm": h}, "weight_g": 1_000}
        for i, (w, d, h) in enumerate(sizes)
    ]
    iterations = 5_000 if clock.quick else 100_000

    def run_locker(budget: int) -> Dict[str, Any]:
        return locker.pack_into(compartments, parcels, {"objective": "most_parcels", "max_iterations": budget})

    def py3dbp_setup() -> Packer:
        packer = Packer()
        for j, (w, d, h) in enumerate(bins):
            packer.add_bin(Bin(f"bin{j}", w, h, d, 10**9))
        for i, (w, d, h) in enumerate(sizes):
            packer.add_item(Item(str(i + 1), w, h, d, 1))
        return packer

    rows = []
    results: Dict[str, float] = {}
    greedy = run_locker(0)
    searched = run_locker(iterations)
    for label, result, budget in (("locker `pack_into` greedy (0 iterations)", greedy, 0), (f"locker `pack_into` most parcels ({iterations} iterations)", searched, iterations)):
        placed = sum(len(b["packing"]["placements"]) for b in result["bins"])
        sanity.check(placed + len(result["unplaced"]) == n, f"{label} accounts for every parcel")
        sanity.check(
            all(boxes_valid((b["packing"]["space"]["width_mm"], b["packing"]["space"]["depth_mm"], b["packing"]["space"]["height_mm"]), locker_boxes(b["packing"])) for b in result["bins"]),
            f"{label}: placements inside and disjoint",
        )
        floats = sum(floating(locker_boxes(b["packing"]), up=2) for b in result["bins"])
        timing = clock.time(lambda budget=budget: run_locker(budget))  # type: ignore[misc]
        results[label] = timing.median
        rows.append([label, fmt_time(timing.median), f"{placed} / {n}", len(result["bins"]), floats, "1.0x"])
    sanity.check(
        sum(len(b["packing"]["placements"]) for b in searched["bins"]) >= sum(len(b["packing"]["placements"]) for b in greedy["bins"]),
        "the search places no fewer parcels than the greedy",
    )
    t_locker = results[f"locker `pack_into` most parcels ({iterations} iterations)"]
    for bigger_first in (False, True):
        packer = py3dbp_setup()
        packer.pack(bigger_first=bigger_first, distribute_items=True)
        placed = sum(len(b.items) for b in packer.bins)
        valid = all(
            boxes_valid((int(b.width), int(b.height), int(b.depth)), py3dbp_boxes(b)) for b in packer.bins
        )
        floats = sum(floating(py3dbp_boxes(b), up=1) for b in packer.bins)
        used = sum(1 for b in packer.bins if b.items)

        def run(p: Packer, bigger_first: bool = bigger_first) -> None:
            p.pack(bigger_first=bigger_first, distribute_items=True)

        timing = clock.time_fresh(py3dbp_setup, run, 1 if clock.quick else 3)
        rows.append(
            [
                f"py3dbp, bigger_first={bigger_first}",
                fmt_time(timing.median),
                f"{placed} / {n}" + ("" if valid else " (INVALID: overlap/outside)"),
                used,
                floats,
                f"{timing.median / t_locker:.1f}x",
            ]
        )
    out = ["### Packing into mixed compartments", ""]
    out.append(
        f"{doors} compartments of six kinds (InPost A, B, C and three others) and {n} parcels whose volume is "
        "99.9 % of theirs (seed 1): most parcels placed. py3dbp: one `Packer` with every bin, "
        "`pack(bigger_first=..., distribute_items=True)`, weights not binding."
    )
    out.append("")
    out.append(table(["setup", "median", "placed", "compartments used", "floating", "time / locker search"], rows))
    return "\n".join(out), {}


# --- environment ---------------------------------------------------------------


def cpu_model() -> str:
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return platform.processor() or platform.machine()
    match = re.search(r"^model name\s*:\s*(.+)$", text, re.MULTILINE)
    return match.group(1).strip() if match else platform.machine()


def environment() -> str:
    def version(name: str) -> str:
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            return "?"

    load = ", ".join(f"{v:.2f}" for v in os.getloadavg()) if hasattr(os, "getloadavg") else "?"
    build = "debug build: numbers meaningless" if _locker._debug_build else "release build"
    lines = [
        f"- Python {platform.python_version()} ({platform.python_implementation()}), {sys.executable}",
        f"- {platform.platform()}; CPU: {cpu_model()}, {os.cpu_count()} logical CPUs; load average {load}",
        f"- locker {locker.__version__} ({build}), pyotp {version('pyotp')}, segno {version('segno')}, "
        f"py3dbp {version('py3dbp')}",
    ]
    return "\n".join(lines)


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="tiny counts, sanity checks only (CI)")
    parser.add_argument("--instance", type=Path, default=DEFAULT_INSTANCE, help="packing instance JSON")
    args = parser.parse_args(argv)
    if not args.instance.is_file():
        print(f"error: packing instance {args.instance} not found", file=sys.stderr)
        return 2
    clock = Clock(args.quick)
    sanity = Sanity()
    start = time.perf_counter()
    print(f"## locker vs. the usual Python picks{' (--quick: sanity only, times meaningless)' if args.quick else ''}")
    print()
    print(environment())
    if _locker._debug_build and not args.quick:
        print("\nwarning: locker is a debug build; build it with --release for real numbers", file=sys.stderr)
    print()
    summary: Dict[str, float] = {}
    sections: List[Callable[[], Tuple[str, Dict[str, float]]]] = [
        lambda: compare_verification(clock, sanity),
        lambda: compare_qr(clock, sanity),
        lambda: compare_packing(clock, sanity, args.instance),
        lambda: compare_mixed(clock, sanity),
    ]
    for section in sections:
        text, numbers = section()
        summary.update(numbers)
        print(text)
        print()
        sys.stdout.flush()
    if sanity.failures:
        print(f"{len(sanity.failures)} sanity check(s) failed:", file=sys.stderr)
        for failure in sanity.failures:
            print(f"  - {failure}", file=sys.stderr)
        return 1
    if args.quick:
        print(f"quick run: all sanity checks passed in {time.perf_counter() - start:.1f} s (targets not checked)")
        return 0
    print(f"### Targets (locker ≥ {TARGET:.0f}x faster)")
    print()
    targets = [
        ("credential verification, accept path (worst pair)", "verify"),
        ("credential verification, reject path (worst pair; informational)", "verify_reject"),
        ("QR to SVG vs segno make + save", "qr"),
    ]
    print("Verdicts on median ratios; the ratio of best times (less inflated by other load) in brackets.")
    print()
    for name, key in targets:
        ratio = summary[key]
        verdict = "MET" if ratio >= TARGET else "NOT MET"
        print(f"- {name}: {ratio:.1f}x (best {summary[key + '_best']:.1f}x) — {verdict}")
    print(
        f"- (no target) packing time ratios: 1 bin {summary['pack_1']:.0f}x (py3dbp default order), "
        f"k bins {summary['pack_k']:.0f}x (py3dbp bigger_first)"
    )
    if _locker._debug_build:
        print("- (debug build: these verdicts mean nothing)")
    print()
    print(f"total {time.perf_counter() - start:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
