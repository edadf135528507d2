"""Journals as Arrow tables (locker.fleet): every record a row, verified as
read, read by pyarrow, Polars and DuckDB alike, written to a Parquet
dataset that appends by month; bad input refused with the package's
errors."""

from __future__ import annotations

import hashlib
import json
import os
import pathlib
import pickle
import sys
from typing import Any, Dict, List, Tuple, cast

import pytest

import locker
import locker.fleet as fleet
from locker.types import Building

#: The module with its types forgotten, to pass what its signatures forbid.
loose: Any = fleet

pa = pytest.importorskip("pyarrow")
pl = pytest.importorskip("polars")
duckdb = pytest.importorskip("duckdb")

#: Every version of the table's schema, frozen: a column changed without a
#: new SCHEMA_VERSION fails here. Never edit a version; add the next.
FROZEN_SCHEMAS: Dict[int, List[Tuple[str, str, bool]]] = {
    1: [
        ("bank_id", "string", False),
        ("seq", "uint64", False),
        ("at", "timestamp[s, tz=UTC]", False),
        ("version", "uint8", False),
        ("kind", "dictionary<values=string, indices=int8, ordered=0>", False),
        ("door", "uint32", True),
        ("recipient", "uint64", True),
        ("parcel", "uint64", True),
        ("carrier", "uint32", True),
        ("channel", "dictionary<values=string, indices=int8, ordered=0>", True),
        ("outcome", "string", True),
        ("entry", "string", False),
        ("hash", "fixed_size_binary[32]", False),
    ],
}


def simulated(seed: int, units: int = 12, days: int = 8) -> Tuple[str, locker.KeyRing]:
    building: Dict[str, Any] = dict(locker.default_building())
    building.update(units=units, days=days, seed=seed)
    run = locker.simulate_locker(cast(Building, building))
    return run["journal"], run["keys"]


@pytest.fixture(scope="module")
def journals() -> Dict[str, Tuple[str, locker.KeyRing]]:
    return {f"bank-{seed}": simulated(seed) for seed in (1, 2, 3)}


def canonical_entry(entry: Dict[str, Any]) -> str:
    return json.dumps(entry, separators=(",", ":"), ensure_ascii=False)


def test_every_record_is_a_row_with_its_fields(journals: Dict[str, Tuple[str, locker.KeyRing]]) -> None:
    text, keys = journals["bank-1"]
    records = locker.read_journal(text, keys)["records"]
    table = pa.table(fleet.read_journal(text, keys, bank_id="north"))
    assert table.num_rows == len(records)
    rows = table.to_pylist()
    for row, record in zip(rows, records):
        entry = record["entry"]
        assert row["bank_id"] == "north"
        assert row["seq"] == record["seq"]
        assert int(row["at"].timestamp()) == record["at_s"]
        assert row["version"] == record["v"]
        assert row["kind"] == entry["type"]
        assert row["entry"] == canonical_entry(entry)
        assert row["hash"].hex() == record["hash"]
        if "compartment" in entry:
            assert row["door"] == entry["compartment"]
        if "parcel" in entry:
            assert row["parcel"] == entry["parcel"]["id"]
        if "grant" in entry:
            assert row["channel"] == entry["grant"]["channel"]
            assert row["recipient"] == entry["grant"]["recipient"]
        if entry["type"] == "deposit_overflowed":
            assert row["outcome"] == entry["reason"]


def test_pyarrow_polars_and_duckdb_read_the_same_rows_as_often_as_they_like(
    journals: Dict[str, Tuple[str, locker.KeyRing]],
) -> None:
    journal_table = fleet.read_journals({bank: text for bank, (text, _) in journals.items()})
    table = journal_table
    assert table.ok
    first = pa.table(table)
    assert pa.table(table).equals(first)
    frame = pl.DataFrame(table)
    assert frame.height == first.num_rows == len(table)
    counted = duckdb.sql("select bank_id, count(*) from journal_table group by bank_id order by bank_id").fetchall()
    assert counted == [(r["bank_id"], r["records"]) for r in sorted(table.reports, key=lambda r: r["bank_id"])]
    assert frame["seq"].to_list() == first["seq"].to_pylist()
    assert pa.RecordBatchReader.from_stream(table).read_all().equals(first)


def test_the_schema_is_the_frozen_one_of_its_version() -> None:
    schema = fleet.schema()
    described = [(f.name, str(f.type), f.nullable) for f in schema]
    assert described == FROZEN_SCHEMAS[fleet.SCHEMA_VERSION]
    assert max(FROZEN_SCHEMAS) == fleet.SCHEMA_VERSION
    assert schema.metadata == {b"locker.journal_schema_version": str(fleet.SCHEMA_VERSION).encode()}
    assert pa.schema(fleet.read_journal("")) == schema
    assert pa.table(fleet.read_journal("")).num_rows == 0


def sorted_keys(text: str) -> str:
    return "".join(json.dumps(json.loads(line), sort_keys=True, separators=(",", ":")) + "\n" for line in text.splitlines())


def test_a_journal_stored_with_sorted_keys_reads_the_same_rows(
    journals: Dict[str, Tuple[str, locker.KeyRing]],
) -> None:
    text, keys = journals["bank-2"]
    stored = sorted_keys(text)
    with pytest.raises(locker.JournalError):
        locker.read_journal(stored, keys)
    table = fleet.read_journal(stored, keys, bank_id="b")
    report = table.reports[0]
    assert report["error"] is None
    assert report["respelt"] == report["records"] == len(text.splitlines())
    assert pa.table(table).equals(pa.table(fleet.read_journal(text, keys, bank_id="b")))


def test_a_tampered_bank_stops_at_its_first_bad_record_and_the_others_read_whole(
    journals: Dict[str, Tuple[str, locker.KeyRing]],
) -> None:
    lines = journals["bank-2"][0].splitlines(keepends=True)
    record = json.loads(lines[40])
    record["at_s"] += 1
    lines[40] = json.dumps(record, separators=(",", ":")) + "\n"
    tampered = "".join(lines)
    texts = {bank: text for bank, (text, _) in journals.items()}
    texts["bank-2"] = tampered
    keys = {bank: ring for bank, (_, ring) in journals.items()}
    table = fleet.read_journals(texts, keys)
    assert not table.ok
    by_bank = {r["bank_id"]: r for r in table.reports}
    bad = by_bank["bank-2"]
    assert bad["error"]["code"] == "edited"
    assert bad["error"]["seq"] == 40 == bad["records"]
    assert bad["verified"] is None
    for bank in ("bank-1", "bank-3"):
        assert by_bank[bank]["error"] is None
        assert by_bank[bank]["records"] == len(texts[bank].splitlines())
    seqs = pa.table(table).filter(pa.compute.equal(pa.table(table)["bank_id"], "bank-2"))["seq"].to_pylist()
    assert seqs == list(range(40))
    with pytest.raises(locker.JournalError) as raised:
        fleet.read_journals(texts, keys, strict=True)
    assert raised.value.code == "edited"
    assert raised.value.seq == 40


def test_a_rewrite_with_recomputed_hashes_is_forged_under_the_keys(
    journals: Dict[str, Tuple[str, locker.KeyRing]],
) -> None:
    text, keys = journals["bank-3"]
    records = locker.read_journal(text, keys)["records"]
    records[10]["at_s"] += 60
    for index in range(10, len(records)):
        if index > 10:
            records[index]["prev"] = records[index - 1]["hash"]
        body = {k: records[index][k] for k in ("v", "seq", "at_s", "prev", "entry")}
        records[index]["hash"] = hashlib.sha256(
            json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()
        ).hexdigest()
    rewritten = "".join(json.dumps(r, separators=(",", ":"), ensure_ascii=False) + "\n" for r in records)
    report = fleet.read_journal(rewritten, keys).reports[0]
    assert report["error"]["code"] == "forged"
    assert report["records"] == 10
    # Integrity alone cannot tell: anyone can recompute hashes.
    assert fleet.read_journal(rewritten).ok


def test_a_torn_last_line_is_dropped_and_reported(journals: Dict[str, Tuple[str, locker.KeyRing]]) -> None:
    text, keys = journals["bank-1"]
    table = fleet.read_journal(text[:-25], keys)
    report = table.reports[0]
    assert report["error"] is None
    assert report["torn_tail"]["line"] == len(text.splitlines())
    assert report["records"] == len(text.splitlines()) - 1 == table.num_rows


def test_journals_read_from_files_bytes_and_pairs(
    journals: Dict[str, Tuple[str, locker.KeyRing]], tmp_path: pathlib.Path
) -> None:
    text, keys = journals["bank-1"]
    path = tmp_path / "north.jsonl"
    path.write_text(text)
    table = fleet.read_journals([("file", path), ("bytes", text.encode()), ("text", text)], keys, threads=1)
    assert [r["records"] for r in table.reports] == [len(text.splitlines())] * 3
    assert [r["bank_id"] for r in table.reports] == ["file", "bytes", "text"]


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda t, k: loose.read_journals(t), locker.ArgumentTypeError, "not a str"),
        (lambda t, k: loose.read_journals(42), locker.ArgumentTypeError, "journals"),
        (lambda t, k: loose.read_journals([("a",)]), locker.ArgumentTypeError, "pair"),
        (lambda t, k: loose.read_journals({1: t}), locker.ArgumentTypeError, "bank ids"),
        (lambda t, k: loose.read_journals({"a": 3.5}), locker.ArgumentTypeError, "journal"),
        (lambda t, k: loose.read_journals([("a", t), ("a", t)]), locker.InvalidArgumentError, "twice"),
        (lambda t, k: loose.read_journals({"a": b"\xff\xfe"}), locker.InvalidArgumentError, "UTF-8"),
        (lambda t, k: loose.read_journals({"a": t}, {"b": k}), locker.InvalidArgumentError, "no KeyRing"),
        (lambda t, k: loose.read_journals({"a": t}, {"a": "key"}), locker.ArgumentTypeError, "KeyRing"),
        (lambda t, k: loose.read_journals({"a": t}, 7), locker.ArgumentTypeError, "keys"),
        (lambda t, k: loose.read_journals({"a": t}, threads=0), locker.InvalidArgumentError, "threads"),
        (lambda t, k: loose.read_journals({"a": t}, threads=-1), locker.InvalidArgumentError, "threads"),
        (lambda t, k: loose.read_journals({"a": t}, threads="2"), locker.ArgumentTypeError, "threads"),
        (lambda t, k: loose.read_journal(b"x"), locker.ArgumentTypeError, "text"),
        (lambda t, k: loose.read_journal(t, "keys"), locker.ArgumentTypeError, "keys"),
        (lambda t, k: loose.read_journal(t, bank_id=5), locker.ArgumentTypeError, "bank_id"),
        (lambda t, k: loose.read_journal(t, strict="yes"), locker.ArgumentTypeError, "strict"),
    ],
)
def test_bad_arguments_are_refused_with_the_packages_errors(
    journals: Dict[str, Tuple[str, locker.KeyRing]], call: Any, error: type, message: str
) -> None:
    text, keys = journals["bank-1"]
    with pytest.raises(error, match=message) as raised:
        call(text, keys)
    assert getattr(raised.value, "code") == "invalid_argument"


def test_a_missing_file_is_an_os_error_and_a_file_not_utf8_an_invalid_argument(tmp_path: pathlib.Path) -> None:
    with pytest.raises(OSError, match="missing.jsonl"):
        fleet.read_journals({"a": tmp_path / "missing.jsonl"})
    (tmp_path / "latin1.jsonl").write_bytes(b"caf\xe9\n")
    with pytest.raises(locker.InvalidArgumentError, match="UTF-8"):
        fleet.read_journals({"a": tmp_path / "latin1.jsonl"})


def test_a_line_that_is_not_a_record_stops_the_bank_with_malformed(
    journals: Dict[str, Tuple[str, locker.KeyRing]],
) -> None:
    text, keys = journals["bank-1"]
    lines = text.splitlines(keepends=True)
    for junk in ("{}\n", "not json\n", '{"v":3}\n', "\n"):
        report = fleet.read_journal("".join(lines[:5]) + junk + "".join(lines[5:]), keys).reports[0]
        assert report["error"]["code"] == "malformed_record", junk
        assert report["records"] == 5


def test_the_table_does_not_pickle_but_its_pyarrow_table_does(
    journals: Dict[str, Tuple[str, locker.KeyRing]],
) -> None:
    table = fleet.read_journal(journals["bank-1"][0])
    with pytest.raises(TypeError, match="cannot pickle 'JournalTable' object: .*pyarrow.table"):
        pickle.dumps(table)
    assert pickle.loads(pickle.dumps(pa.table(table))).equals(pa.table(table))


def parquet_files(root: pathlib.Path) -> Dict[str, float]:
    return {str(p.relative_to(root)): p.stat().st_mtime_ns for p in root.rglob("*.parquet")}


def test_a_month_appends_to_the_parquet_dataset_without_rewriting_the_others(tmp_path: pathlib.Path) -> None:
    # One journal from mid-November to late December, read whole each time.
    building: Dict[str, Any] = dict(locker.default_building())
    building.update(units=10, days=40, start_day_of_year=319, seed=4)
    run = locker.simulate_locker(cast(Building, building))
    table = pa.table(fleet.read_journal(run["journal"], run["keys"], bank_id="north"))
    months = pa.compute.strftime(table["at"], format="%Y-%m").to_pylist()
    per_month = {m: months.count(m) for m in sorted(set(months))}
    assert sorted(per_month) == ["2026-11", "2026-12"]
    root = tmp_path / "journals"
    written = fleet.write_parquet(table, root, months=["2026-11"])
    assert written and all("month=2026-11" in f for f in written)
    november = parquet_files(root)
    fleet.write_parquet(table, root, months=["2026-12"])
    after = parquet_files(root)
    for name, mtime in november.items():
        assert after[name] == mtime, "November was rewritten"
    assert len(after) > len(november)
    # Written whole again: each month replaced, no row twice.
    fleet.write_parquet(table, root)
    dataset = f"read_parquet('{root}/**/*.parquet', hive_partitioning = true)"
    counted = duckdb.sql(f"select month, count(*), count(distinct seq) from {dataset} group by month order by month").fetchall()
    assert counted == [(m, n, n) for m, n in per_month.items()]
    lazy = pl.scan_parquet(f"{root}/**/*.parquet", hive_partitioning=True)
    assert lazy.select(pl.len()).collect().item() == table.num_rows
    kinds = dict(duckdb.sql(f"select kind, count(*) from {dataset} where bank_id = 'north' group by kind").fetchall())
    assert kinds["configured"] == 1
    assert fleet.write_parquet(table, root, months=[]) == []


@pytest.mark.parametrize(
    ("months", "error"),
    [("2026-11", locker.ArgumentTypeError), ([202611], locker.ArgumentTypeError), (["2026-13"], locker.InvalidArgumentError), (["26-11"], locker.InvalidArgumentError)],
)
def test_write_parquet_refuses_months_not_written_yyyy_mm(tmp_path: pathlib.Path, months: Any, error: type) -> None:
    table = fleet.read_journal(simulated(1, units=4, days=2)[0])
    with pytest.raises(error, match="months"):
        loose.write_parquet(table, tmp_path, months=months)
    assert not list(tmp_path.iterdir())


def test_write_parquet_names_the_extra_when_pyarrow_is_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    with pytest.raises(ImportError, match=r"locker\[arrow\]"):
        fleet.write_parquet([], "unused")


def test_the_package_reads_arrow_without_pyarrow_installed(tmp_path: pathlib.Path) -> None:
    import subprocess

    script = (
        "import sys; sys.modules['pyarrow'] = None; sys.modules['polars'] = None\n"
        "import locker, locker.fleet as f\n"
        "t = f.read_journal('')\n"
        "assert t.num_rows == 0 and t.ok\n"
    )
    subprocess.run([sys.executable, "-c", script], check=True, env={**os.environ})
