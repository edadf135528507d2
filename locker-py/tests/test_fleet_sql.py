"""locker.fleet.sql: the journal statistics in DuckDB SQL give the core's
figures (locker.journal_stats), bank by bank, from the in-memory table and
from the Parquet dataset alike."""

import json
import sys
from pathlib import Path
from typing import Any, Dict, Iterator, List, Tuple

import pytest

import locker
from conftest import NOW_S, advance, opened, parcel
from locker import fleet

duckdb = pytest.importorskip("duckdb")
pa = pytest.importorskip("pyarrow")
pl = pytest.importorskip("polars")

from locker.fleet import sql  # noqa: E402

#: Small buildings (the wheel the tests run is a dev build): different
#: sizes, lengths and seeds, one with too few doors so parcels overflow.
BUILDINGS: Dict[str, locker.types.Building] = {
    "north": {"units": 20, "days": 7, "seed": 1},
    "south": {"units": 40, "days": 14, "seed": 2},
    "east": {"units": 60, "days": 20, "seed": 3},
    "west 'quoted'": {"units": 30, "days": 10, "seed": 4, "parcels_per_unit_per_month": 30.0},
}

Sims = Dict[str, locker.types.LockerSimulation]


@pytest.fixture(scope="module")
def sims() -> Sims:
    return {bank: locker.simulate_locker(building) for bank, building in BUILDINGS.items()}


@pytest.fixture(scope="module")
def stats(sims: Sims) -> Dict[str, locker.types.JournalStats]:
    """The core's statistics of each bank (read once: the tests run a dev
    build)."""
    return {bank: locker.journal_stats(sim["journal"]) for bank, sim in sims.items()}


@pytest.fixture(scope="module")
def table(sims: Sims) -> Any:
    journals = {bank: sim["journal"] for bank, sim in sims.items()}
    keys = {bank: sim["keys"] for bank, sim in sims.items()}
    read = fleet.read_journals(journals, keys)
    assert all(report["error"] is None for report in read.reports)
    return pa.table(read)


@pytest.fixture(scope="module")
def con(table: Any) -> Iterator[Any]:
    connection = sql.connect(table)
    yield connection
    connection.close()


def by_bank(relation: Any) -> Dict[str, Dict[str, Any]]:
    """One dict per bank from a relation with a ``bank_id`` column."""
    names = relation.columns
    return {row[0]: dict(zip(names, row)) for row in relation.fetchall()}


def figures(con: Any) -> Dict[str, Dict[str, Any]]:
    """Every SQL figure, per bank, in the core's names."""
    hours: Dict[str, List[int]] = {}
    for bank, hour, count in sql.overflow_by_hour(con).fetchall():
        hours.setdefault(bank, [0] * 24)[hour] = count
    overflow = by_bank(sql.overflow(con))
    dwell = by_bank(sql.dwell(con))
    occupancy = by_bank(sql.occupancy(con))
    out = {}
    for bank in overflow:
        d, o, v = dwell[bank], occupancy[bank], overflow[bank]
        out[bank] = {
            "by_hour_of_day": hours[bank],
            "parcels_offered": v["parcels_offered"],
            "parcels_stored": v["parcels_stored"],
            "parcels_overflowed": v["parcels_overflowed"],
            "rate": v["overflow_rate"],
            "collected": (d["collected"], d["median_h"], d["p90_h"], d["p95_h"], d["max_h"]),
            "mean_h": d["mean_h"],
            "doors": o["doors"],
            "peak": (o["peak_occupied_doors"], o["peak_at_s"]),
            "mean_occupied_doors": o["mean_occupied_doors"],
            "utilization": o["utilization"],
        }
    return out


def core_figures(stats: locker.types.JournalStats) -> Dict[str, Any]:
    """The same figures from locker.journal_stats."""
    totals, dwell, occupancy = stats["totals"], stats["dwell"]["collected"], stats["occupancy"]
    return {
        "by_hour_of_day": list(stats["overflow"]["by_hour_of_day"]),
        "parcels_offered": totals["parcels_offered"],
        "parcels_stored": totals["parcels_stored"],
        "parcels_overflowed": totals["parcels_overflowed"],
        "rate": stats["overflow"]["rate"],
        "collected": (dwell["count"], dwell["median_h"], dwell["p90_h"], dwell["p95_h"], dwell["max_h"]),
        "mean_h": dwell["mean_h"],
        "doors": occupancy["doors"],
        "peak": (occupancy["peak_occupied_doors"], occupancy["peak_at_s"]),
        "mean_occupied_doors": occupancy["mean_occupied_doors"],
        "utilization": stats["utilization"]["all"],
    }


#: Figures that are means of floats: equal to 1e-9, relative.
MEANS = ("rate", "mean_h", "mean_occupied_doors", "utilization")


def assert_same(sql_figures: Dict[str, Any], core: Dict[str, Any]) -> None:
    for name, value in core.items():
        if name in MEANS:
            assert sql_figures[name] == pytest.approx(value, rel=1e-9, abs=0.0), name
        else:
            assert sql_figures[name] == value, name


def test_every_figure_is_the_cores_for_every_bank(stats: Dict[str, Any], con: Any) -> None:
    got = figures(con)
    assert sorted(got) == sorted(stats)
    for bank, core in stats.items():
        assert_same(got[bank], core_figures(core))
    # The buildings exercise what the SQL has to get right.
    cores = [core["totals"] for core in stats.values()]
    assert sum(t["parcels_overflowed"] for t in cores) > 0
    assert sum(t["parcels_consolidated"] for t in cores) > 0
    assert sum(t["parcels_returned"] for t in cores) > 0


def test_the_stays_view_lists_the_cores_stays(sims: Sims, con: Any) -> None:
    rows = con.sql(
        "SELECT bank_id, door, stored_at_s, left_at_s, outcome, stay_s FROM stays "
        "ORDER BY bank_id, stored_seq"
    ).fetchall()
    for bank, sim in sims.items():
        core = [
            (s["compartment"], s["stored_at_s"], s["left_at_s"], s["outcome"], s["stay_s"])
            for s in locker.parcel_stays(sim["journal"])
        ]
        assert [row[1:] for row in rows if row[0] == bank] == core


def test_the_dataset_answers_as_the_table(table: Any, con: Any, tmp_path: Path) -> None:
    files = fleet.write_parquet(table, tmp_path / "fleet")
    assert files
    from_disk = sql.connect(tmp_path / "fleet")
    try:
        assert from_disk.sql("SELECT count(*) FROM journal").fetchall() == [(table.num_rows,)]
        assert figures(from_disk) == figures(con)
        assert sql.doors_needed(from_disk).fetchall() == sql.doors_needed(con).fetchall()
    finally:
        from_disk.close()


def polars_overflow_by_hour(frame: Any) -> Dict[str, List[int]]:
    """Overflow by UTC hour of day per bank, in Polars expressions (the
    records' times made non-decreasing, as the SQL and the core read
    them)."""
    counts = (
        frame.lazy()
        .sort("bank_id", "seq")
        .with_columns(at_s=pl.col("at").dt.epoch("s").cum_max().over("bank_id"))
        .filter(pl.col("kind").cast(pl.String) == "deposit_overflowed")
        .group_by("bank_id", hour=(pl.col("at_s") % 86_400) // 3_600)
        .agg(pl.len())
        .collect()
    )
    banks = frame.lazy().select(pl.col("bank_id").unique()).collect()["bank_id"]
    hours = {bank: [0] * 24 for bank in banks}
    for bank, hour, count in counts.iter_rows():
        hours[bank][hour] = count
    return hours


def test_polars_gives_the_same_overflow_by_hour(stats: Dict[str, Any], table: Any, tmp_path: Path) -> None:
    fleet.write_parquet(table, tmp_path)
    scanned = pl.scan_parquet(str(tmp_path) + "/**/*.parquet", hive_partitioning=True)
    for frame in (pl.DataFrame(table), scanned):
        hours = polars_overflow_by_hour(frame)
        assert sorted(hours) == sorted(stats)
        for bank, core in stats.items():
            assert hours[bank] == core["overflow"]["by_hour_of_day"]


def doors_needed_by_replay(journal: str) -> int:
    """The doors needed at 95 % coverage, by reading the records in Python:
    the doors holding parcels as each parcel is offered."""
    held: Dict[int, int] = {}
    arrivals: List[int] = []
    for line in journal.splitlines():
        entry = json.loads(line)["entry"]
        kind = entry["type"]
        if kind in ("deposit_committed", "deposit_overflowed"):
            arrivals.append(sum(1 for n in held.values() if n > 0))
        if kind == "deposit_committed":
            held[entry["compartment"]] = held.get(entry["compartment"], 0) + 1
        elif kind == "pickup_completed":
            held[entry["compartment"]] = 0
    arrivals.sort()
    rank = -(-len(arrivals) * 95 // 100)
    return arrivals[rank - 1] + 1 if arrivals else 0


def test_doors_needed_at_95_percent_coverage(sims: Sims, stats: Dict[str, Any], con: Any) -> None:
    rows = by_bank(sql.doors_needed(con))
    for bank, sim in sims.items():
        row, core = rows[bank], stats[bank]
        assert row["parcels_offered"] == core["totals"]["parcels_offered"]
        assert row["doors_needed"] == doors_needed_by_replay(sim["journal"])
        assert 0 < row["doors_needed"] <= core["occupancy"]["peak_occupied_doors"] + 1


def unusual_journal() -> str:
    """A bank with what simulations do not write: a drop-off and a pickup
    interrupted and inspected, a pickup reported missing."""
    doors_cfg = [c["id"] for c in locker.default_bank()["compartments"]]
    hw = locker.SimulatedHardware(doors_cfg, seed=1, now_s=NOW_S)
    lk = locker.Locker(hw)
    session = lk.courier_sign_in(lk.issue_courier_code(1, 86_400))

    def drop(pid: int, recipient: int, fail: bool = False) -> Tuple[int, str]:
        door = opened(lk.deposit(session, {"parcel": parcel(pid), "recipient": recipient}))
        hw.open_door(door)
        hw.put_parcel(door)
        hw.close_door(door)
        if fail:
            hw.fail_calls("occupancy", "sensor_fault")
        lk.door_closed(door)
        pins = [e["pin"] for e in lk.take_events() if e["type"] == "parcel_ready"]
        return door, pins[-1] if pins else ""

    def pickup(pin: str, door: int, recipient: int, fail: bool = False) -> None:
        assert lk.pickup_pin(pin, unit=recipient) == [door]
        hw.open_door(door)
        hw.take_parcel(door)
        hw.close_door(door)
        if fail:
            hw.fail_calls("occupancy", "sensor_fault")
        lk.door_closed(door)

    first, pin_first = drop(1, 11)
    inspected_door, _ = drop(2, 12, fail=True)
    advance(lk, hw, 1_800)
    lk.inspect(inspected_door, True)
    other, pin_other = drop(3, 13)
    advance(lk, hw, 3_600)
    pickup(pin_first, first, 11)
    lk.report_missing(first)
    advance(lk, hw, 2 * 3_600)
    pickup(pin_other, other, 13, fail=True)
    advance(lk, hw, 600)
    lk.inspect(other, False)
    advance(lk, hw, 3_600)
    late, pin_late = drop(4, 14)
    pickup(pin_late, late, 14)
    return lk.journal_text()


def test_interruptions_and_missing_parcels() -> None:
    journal = unusual_journal()
    kinds = [json.loads(line)["entry"]["type"] for line in journal.splitlines()]
    assert {"inspected", "missing_reported"} <= set(kinds)
    table = fleet.read_journal(journal, bank_id="odd")
    con = sql.connect(table)
    try:
        core = locker.journal_stats(journal)
        assert_same(figures(con)["odd"], core_figures(core))
        totals = core["totals"]
        assert (totals["parcels_stored_by_inspection"], totals["parcels_missing"]) == (1, 1)
        outcomes = con.sql("SELECT outcome, stay_s FROM stays ORDER BY stored_seq").fetchall()
        stays = locker.parcel_stays(journal)
        assert outcomes == [(s["outcome"], s["stay_s"]) for s in stays]
        assert [o for o, _ in outcomes].count("missing") == 1
    finally:
        con.close()


def test_a_wrong_figure_would_be_caught(stats: Dict[str, Any], con: Any) -> None:
    """The comparison can fail: a 90th percentile one rank off differs
    from the core's for some bank."""
    off_by_one = sql.DWELL_SQL.replace("(n * 90 + 99) // 100", "(n * 90 + 99) // 100 + 1")
    rows = by_bank(con.sql(off_by_one))
    assert any(rows[bank]["p90_h"] != core["dwell"]["collected"]["p90_h"] for bank, core in stats.items())


def test_connect_refuses_what_it_cannot_read() -> None:
    with pytest.raises(TypeError, match="JournalTable"):
        sql.connect(42)


def test_without_duckdb_the_error_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "duckdb", None)
    with pytest.raises(ImportError, match=r"pip install 'locker\[arrow\]'"):
        sql.connect(fleet.read_journal(""))
