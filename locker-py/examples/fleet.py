"""A fleet of locker banks, a month each: journals to Parquet, then the
fleet's questions in DuckDB SQL and in Polars.

    pip install 'locker[arrow]' polars
    python examples/fleet.py [--banks 1000] [--out DIR] [--days 30]

Simulates ``--banks`` buildings of 20 to 300 units (log-uniform: most are
small; different carriers, parcel rates and seeds; half with the default
bank, half with one composed for the building) through real lockers on
every core (the simulation releases the GIL), reads the journals with
``locker.fleet.read_journals`` (every MAC checked with the bank's keys) and
writes them as the hive-partitioned dataset ``bank_id=/month=`` to
``--out`` (default: a temporary directory), ``--batch`` banks at a time to
bound the memory. Then it answers, with ``locker.fleet.sql`` on DuckDB and
again with Polars over ``pl.scan_parquet``: overflow by hour of day across
the fleet, the 20 banks with the worst 90th percentile of dwell, and the
doors each bank needs at 95 % coverage. Prints the wall and CPU time of
each phase, the rows and the dataset's size. ``--banks 20`` is the small
form; a month of 1,000 banks is about a gigabyte of Parquet (put ``--out``
where there is room).
"""

import argparse
import math
import os
import random
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Tuple

import locker
from locker import fleet
from locker.types import Building, Carrier, LockerSimulation

#: The default building's carriers, and a courier that comes twice a day.
CARRIERS: List[List[Carrier]] = [
    locker.default_building()["carriers"],
    [
        {"name": "postal", "share": 50, "rounds": [11], "size_shares": [45, 30, 17, 6, 2, 0, 1]},
        {"name": "courier", "share": 50, "rounds": [9, 16], "size_shares": [20, 25, 30, 17, 6, 0, 2]},
    ],
]


Plan = Dict[str, Tuple[Building, Optional[Dict[str, Any]]]]


def fleet_plan(banks: int, days: int, seed: int, min_units: int, max_units: int) -> Plan:
    """Each bank's building and bank configuration (``None``: the default
    bank), reproducibly from ``seed``. Units are drawn log-uniformly
    between ``min_units`` and ``max_units``: as in a real portfolio, most
    buildings are small and a few are large."""
    rng = random.Random(seed)
    classes = locker.default_classes()
    plan: Plan = {}
    for index in range(banks):
        units = round(math.exp(rng.uniform(math.log(min_units), math.log(max_units))))
        building: Building = {
            "units": units,
            "parcels_per_unit_per_month": rng.uniform(12.0, 28.0),
            "carriers": rng.choice(CARRIERS),
            "days": days,
            "seed": seed * 100_003 + index,
        }
        bank = None
        if index % 2:
            # Six to eleven doors for every ten units, most of them small.
            doors = max(units * rng.randint(6, 11) // 10, 12)
            counts = [doors * 40 // 100, doors * 35 // 100, doors * 20 // 100, max(doors * 5 // 100, 1)]
            bank = locker.compose_bank(classes, counts)
        plan[f"bank-{index:04}"] = (building, bank)
    return plan


def simulate(pool: ThreadPoolExecutor, plan: Plan) -> Dict[str, LockerSimulation]:
    """Every bank's month, on the pool's threads."""
    futures = {bank: pool.submit(locker.simulate_locker, building, config) for bank, (building, config) in plan.items()}
    return {bank: future.result() for bank, future in futures.items()}


class Phases:
    """Wall and CPU seconds (all threads) spent in each phase, summed over
    batches."""

    def __init__(self) -> None:
        self.seconds: Dict[str, List[float]] = {}

    @contextmanager
    def __call__(self, name: str) -> Iterator[None]:
        wall, cpu = time.perf_counter(), time.process_time()
        yield
        spent = self.seconds.setdefault(name, [0.0, 0.0])
        spent[0] += time.perf_counter() - wall
        spent[1] += time.process_time() - cpu

    def report(self) -> None:
        for name, (wall, cpu) in self.seconds.items():
            print(f"{name:<26} {wall:8.2f} s  ({cpu:7.2f} s CPU)")
        total = sum(wall for wall, _ in self.seconds.values())
        print(f"{'total':<26} {total:8.2f} s")


def build_dataset(plan: Plan, root: Path, threads: int, batch: int, phases: Phases) -> Tuple[int, int]:
    """Simulates, verifies and writes the fleet ``batch`` banks at a time
    (a month of a large bank is megabytes of journal: batches keep the
    memory bounded); returns the rows and files written."""
    names = list(plan)
    rows = files = 0
    with ThreadPoolExecutor(threads) as pool:
        for start in range(0, len(names), batch):
            part = {name: plan[name] for name in names[start : start + batch]}
            with phases("simulate"):
                sims = simulate(pool, part)
            with phases("read and verify journals"):
                table = fleet.read_journals(
                    {bank: sim["journal"] for bank, sim in sims.items()},
                    {bank: sim["keys"] for bank, sim in sims.items()},
                    threads=threads,
                )
            bad = [report for report in table.reports if report["error"] is not None]
            if bad:
                raise SystemExit(f"journals that do not verify: {bad[:3]}")
            rows += table.num_rows
            with phases("write Parquet"):
                files += len(fleet.write_parquet(table, root))
    return rows, files


def size_of(root: Path) -> int:
    """The bytes of the files under ``root``."""
    return sum(path.stat().st_size for path in root.rglob("*") if path.is_file())


def ask_duckdb(root: Path) -> Dict[str, Any]:
    """The three answers from ``locker.fleet.sql`` over the dataset."""
    from locker.fleet import sql

    con = sql.connect(root)
    try:
        by_hour = con.sql(
            f"SELECT hour_of_day, sum(overflowed) FROM ({sql.OVERFLOW_BY_HOUR_SQL}) "
            "GROUP BY hour_of_day ORDER BY hour_of_day"
        ).fetchall()
        worst = con.sql(
            f"SELECT bank_id, p90_h, collected FROM ({sql.DWELL_SQL}) ORDER BY p90_h DESC, bank_id LIMIT 20"
        ).fetchall()
        needed = sql.doors_needed(con).fetchall()
    finally:
        con.close()
    return {
        "by_hour": [int(count) for _, count in by_hour],
        "worst": [(bank, p90_h, n) for bank, p90_h, n in worst],
        "needed": {bank: (doors, int(needed_doors)) for bank, doors, _, needed_doors in needed},
    }


def ask_polars(root: Path) -> Dict[str, Any]:
    """The same answers in Polars expressions, over ``pl.scan_parquet``.

    The simulation's journals have no interrupted doors and no parcels
    reported missing, so a door is filled by ``deposit_committed`` and
    emptied by ``pickup_completed`` alone here; ``locker.fleet.sql`` reads
    those too.
    """
    import polars as pl

    scan = pl.scan_parquet(str(root) + "/**/*.parquet", hive_partitioning=True)
    records = (
        scan.select("bank_id", "seq", "at", pl.col("kind").cast(pl.String), "door")
        .with_columns(at_s=pl.col("at").dt.epoch("s").cum_max().over("bank_id", order_by="seq"))
        .filter(pl.col("kind").is_in(["deposit_committed", "pickup_completed", "expired", "deposit_overflowed"]))
    )
    by_hour = (
        records.filter(pl.col("kind") == "deposit_overflowed")
        .group_by(hour=(pl.col("at_s") % 86_400) // 3_600)
        .agg(pl.len())
        .collect()
    )
    hours = [0] * 24
    for hour, count in by_hour.iter_rows():
        hours[hour] = count

    # A door's visits: numbered by the emptyings before each row.
    doors = (
        records.filter(pl.col("kind").is_in(["deposit_committed", "pickup_completed", "expired"]))
        .with_columns(emptying=(pl.col("kind") == "pickup_completed").cast(pl.Int64))
        .with_columns(visit=(pl.col("emptying").cum_sum() - pl.col("emptying")).over("bank_id", "door"))
        .collect()
    )
    stores = doors.filter(pl.col("kind") == "deposit_committed")
    # Returned: the door expired after its last parcel went in.
    last = doors.filter(pl.col("kind") != "pickup_completed").group_by("bank_id", "door", "visit").agg(
        returned=pl.col("kind").sort_by("seq").last() == "expired"
    )
    empties = doors.filter(pl.col("kind") == "pickup_completed").select(
        "bank_id", "door", "visit", left_at_s="at_s"
    )
    stays = (
        stores.join(empties, on=["bank_id", "door", "visit"])
        .join(last, on=["bank_id", "door", "visit"])
        .filter(~pl.col("returned"))
        .with_columns(stay_s=pl.col("left_at_s") - pl.col("at_s"))
    )
    rank90 = (pl.len() * 90 + 99) // 100 - 1
    worst = (
        stays.group_by("bank_id")
        .agg(p90_h=pl.col("stay_s").sort().get(rank90) / 3_600.0, collected=pl.len())
        .sort(["p90_h", "bank_id"], descending=[True, False])
        .head(20)
    )

    # Occupancy: +1 as a door's first parcel of a visit goes in, -1 as it
    # is emptied; the doors occupied when each parcel is offered.
    first_store = pl.col("seq") == pl.col("seq").min().over("bank_id", "door", "visit", "kind")
    delta = (
        pl.when(pl.col("kind") == "pickup_completed")
        .then(-1)
        .when((pl.col("kind") == "deposit_committed") & first_store)
        .then(1)
        .otherwise(0)
    )
    arrivals_and_changes = pl.concat(
        [
            doors.filter(pl.col("kind") != "expired").select("bank_id", "seq", "kind", delta=delta),
            records.filter(pl.col("kind") == "deposit_overflowed")
            .select("bank_id", "seq", "kind", delta=pl.lit(0))
            .collect(),
        ]
    ).sort("bank_id", "seq")
    occupied = arrivals_and_changes.with_columns(
        before=pl.col("delta").cum_sum().over("bank_id") - pl.col("delta")
    ).filter(pl.col("kind") != "pickup_completed")
    rank95 = (pl.len() * 95 + 99) // 100 - 1
    needed = occupied.group_by("bank_id").agg(doors_needed=pl.col("before").sort().get(rank95) + 1)
    return {
        "by_hour": hours,
        "worst": [tuple(row) for row in worst.select("bank_id", "p90_h", "collected").iter_rows()],
        "needed": dict(needed.iter_rows()),
    }


def main() -> None:
    """Runs the example."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--banks", type=int, default=1_000, help="banks in the fleet (default 1000)")
    parser.add_argument("--days", type=int, default=30, help="days simulated (default 30)")
    parser.add_argument("--out", help="the dataset's directory (default: a temporary one)")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--min-units", type=int, default=20)
    parser.add_argument("--max-units", type=int, default=300)
    parser.add_argument("--batch", type=int, default=50, help="banks simulated and written at a time")
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as scratch:
        root = Path(args.out) if args.out else Path(scratch) / "fleet"
        phases = Phases()
        plan = fleet_plan(args.banks, args.days, args.seed, args.min_units, args.max_units)
        units = sum(building["units"] for building, _ in plan.values())
        print(f"{len(plan)} banks, {units:,} units, {args.days} days, {args.threads} threads")
        rows, files = build_dataset(plan, root, args.threads, args.batch, phases)
        print(f"{rows:,} rows, {files:,} files, {size_of(root) / 1e6:.1f} MB in {root}")

        try:
            with phases("DuckDB answers"):
                duck = ask_duckdb(root)
        except ImportError as error:
            print(f"{error}: no answers")
            return
        try:
            with phases("Polars answers"):
                polar: Optional[Dict[str, Any]] = ask_polars(root)
        except ImportError:
            polar = None
            print("polars is not installed: DuckDB's answers only (pip install polars)")
        phases.report()

        print("overflow by hour of day (UTC), the whole fleet:")
        print("  " + " ".join(f"{hour:02}:{count}" for hour, count in enumerate(duck["by_hour"]) if count))
        print("the 20 banks with the worst p90 dwell:")
        for bank, p90_h, collected in duck["worst"]:
            print(f"  {bank}  p90 {p90_h:6.1f} h  ({collected} collected)")
        short = [(bank, doors, needed) for bank, (doors, needed) in duck["needed"].items() if needed > doors]
        total_needed = sum(needed for _, needed in duck["needed"].values())
        total_doors = sum(doors for doors, _ in duck["needed"].values())
        print(
            f"doors needed at 95 % coverage: {total_needed:,} across the fleet ({total_doors:,} installed);"
            f" {len(short)} banks need more doors than they have"
        )
        for bank, doors, needed in short[:10]:
            print(f"  {bank}  {doors} doors, needs {needed}")
        if polar is not None:
            same = (
                polar["by_hour"] == duck["by_hour"]
                and polar["worst"] == duck["worst"]
                and polar["needed"] == {bank: needed for bank, (_, needed) in duck["needed"].items()}
            )
            print("Polars agrees with DuckDB" if same else "Polars DISAGREES with DuckDB")
            if not same:
                raise SystemExit(1)


if __name__ == "__main__":
    main()
