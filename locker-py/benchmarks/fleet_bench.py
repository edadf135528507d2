"""Journals into the engines, side by side in one run (BENCHMARKS.md).

    maturin develop --release -m locker-py/Cargo.toml
    python locker-py/benchmarks/fleet_bench.py [--banks 16] [--units 300]

Simulates one month of a building through a real locker, then reads its
journal, copied under ``--banks`` bank ids, every way the package offers:
record dicts (``read_journal``), verification alone (``verify_journal``),
Arrow with the chain and MACs verified (``locker.fleet.read_journals``, on
one thread and on every core), and hands the table to pyarrow, Polars and
DuckDB; then writes it to a Parquet dataset. Prints records per second
(best of ``--repeat`` runs) and the dataset's size.
"""

from __future__ import annotations

import argparse
import os
import pathlib
import tempfile
import time
from typing import Any, Callable, Dict, cast

import locker
import locker.fleet as fleet
from locker import _locker
from locker.types import Building


def best_s(function: Callable[[], object], repeat: int) -> float:
    """The best wall time of `repeat` calls."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return min(times)


def main() -> None:
    """Runs every measurement."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--banks", type=int, default=16)
    parser.add_argument("--units", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if _locker._debug_build:
        print("warning: debug build; build with --release for real numbers")
    building: Dict[str, Any] = dict(locker.default_building())
    building.update(units=args.units, days=30, start_day_of_year=305, seed=1)
    run = locker.simulate_locker(cast(Building, building))
    text, keys = run["journal"], run["keys"]
    records = text.count("\n")
    print(f"one journal: {records} records, {len(text) / records:.0f} B per record; {args.banks} banks")
    journals = {f"bank-{i:04}": text for i in range(args.banks)}
    rings = {bank: keys for bank in journals}
    total = records * args.banks

    def rate(name: str, seconds: float, rows: int) -> None:
        print(f"{name:<52} {rows / seconds / 1e6:6.2f} M records/s  ({seconds * 1e3:8.1f} ms)")

    rate("read_journal (dicts, MACs), one bank", best_s(lambda: locker.read_journal(text, keys), args.repeat), records)
    rate("verify_journal (text, MACs), one bank", best_s(lambda: locker.verify_journal(text, keys), args.repeat), records)
    rate(
        "fleet.read_journal (Arrow, MACs), one bank",
        best_s(lambda: fleet.read_journal(text, keys), args.repeat),
        records,
    )
    for threads in (1, os.cpu_count() or 1):
        rate(
            f"fleet.read_journals (Arrow, MACs), {threads} thread(s)",
            best_s(lambda: fleet.read_journals(journals, rings, threads=threads), args.repeat),
            total,
        )
    journal_table = fleet.read_journals(journals, rings)
    assert journal_table.ok
    try:
        import duckdb
        import polars
        import pyarrow  # type: ignore[import-untyped,unused-ignore]
    except ImportError:
        print("pyarrow, polars or duckdb missing: pip install 'locker[arrow]' polars duckdb")
        return
    rate("  + pyarrow.table", best_s(lambda: pyarrow.table(journal_table), args.repeat), total)
    rate("  + polars.DataFrame", best_s(lambda: polars.DataFrame(journal_table), args.repeat), total)
    connection = duckdb.connect()
    connection.register("journal", journal_table)
    rate(
        "  + duckdb count by kind",
        best_s(lambda: connection.execute("select kind, count(*) from journal group by kind").fetchall(), args.repeat),
        total,
    )
    arrow_table = pyarrow.table(journal_table)
    with tempfile.TemporaryDirectory() as root:
        seconds = best_s(lambda: fleet.write_parquet(arrow_table, root), args.repeat)
        rate("fleet.write_parquet (LZ4)", seconds, total)
        size = sum(p.stat().st_size for p in pathlib.Path(root).rglob("*.parquet"))
        print(f"dataset: {size / 1e6:.1f} MB, {size / total:.0f} B per record (JSON lines: {len(text) / records:.0f})")


if __name__ == "__main__":
    main()
