"""A fleet's journals in the engines operators analyse with.

Journals become Arrow tables, verified as they are read (the chain, and
with the banks' keys every record's MAC), with one versioned schema:

===========  ==========================  ==================================
column       type                        holds
===========  ==========================  ==================================
bank_id      string                      the bank, as the caller names it
seq          uint64                      the record's position
at           timestamp[s, UTC]           when it was written
version      uint8                       the record's format version
kind         dictionary<int8, string>    the entry's kind
door         uint32, nullable            its door (or its grant's only door)
recipient    uint64, nullable            its recipient
parcel       uint64, nullable            its parcel's id
carrier      uint32, nullable            its carrier
channel      dictionary, nullable        the credential's channel
outcome      string, nullable            a reason, error code or finding
entry        string                      the whole entry, as JSON
hash         fixed_size_binary[32]       the record's hash
===========  ==========================  ==================================

:func:`read_journals` reads many banks on every core without the GIL; a
bank's rows stop at its first bad record and ``table.reports`` says why, so
one tampered bank does not keep the fleet from reading. A
:class:`JournalTable` goes to ``pyarrow.table(t)``, ``polars.DataFrame(t)``
or DuckDB (``duckdb.sql("select ... from t")``) without a copy, through the
Arrow PyCapsule interface; none of them is needed to read.

:func:`write_parquet` (the ``arrow`` extra: pyarrow) writes tables to a
hive-partitioned Parquet dataset, ``bank_id=<id>/month=<YYYY-MM>/``, that
DuckDB, Polars and Spark read as written; writing a month replaces only
that bank's month, and ``months=[...]`` writes only the months named, so
appending a new month leaves the old files alone.
"""

from __future__ import annotations

import os
import uuid
from typing import Any, Iterable, List, Mapping, Optional, Tuple, Union

from locker._locker import (
    ArgumentTypeError,
    InvalidArgumentError,
    JournalTable,
    KeyRing,
    read_journal_arrow,
    read_journals_arrow,
)

#: The version of the journal table's schema (also in the schema's
#: metadata under ``locker.journal_schema_version``).
SCHEMA_VERSION: int = JournalTable.SCHEMA_VERSION

#: The partition columns of the Parquet dataset, outermost first.
PARTITIONS: Tuple[str, str] = ("bank_id", "month")

#: The columns worth a Parquet dictionary: few distinct values each.
_DICTIONARY_COLUMNS = ("version", "kind", "channel", "outcome")

Journal = Union[str, bytes, "os.PathLike[str]"]

__all__ = [
    "PARTITIONS",
    "SCHEMA_VERSION",
    "JournalTable",
    "read_journal",
    "read_journals",
    "schema",
    "write_parquet",
]


def read_journal(
    text: str,
    keys: Optional[KeyRing] = None,
    *,
    bank_id: str = "",
    expected_head: Optional[Mapping[str, Any]] = None,
    min_records: Optional[int] = None,
    accept_legacy: bool = False,
    strict: bool = False,
) -> JournalTable:
    """One journal's JSON-lines text as a :class:`JournalTable`.

    Verified as :func:`locker.read_journal` verifies (with ``keys`` every
    record's MAC, without them integrity only; ``expected_head`` and
    ``min_records`` refuse a journal cut short), except that lines stored
    in another spelling of their record (sorted keys) are read and verified
    in the library's own. The rows stop at the first bad record and
    ``table.reports[0]["error"]`` says what it is; with ``strict`` it is
    raised as a :class:`locker.JournalError` instead.
    """
    return read_journal_arrow(
        text,
        keys,
        bank_id=bank_id,
        expected_head=expected_head,
        min_records=min_records,
        accept_legacy=accept_legacy,
        strict=strict,
    )


def read_journals(
    journals: Union[Mapping[str, Journal], Iterable[Tuple[str, Journal]]],
    keys: Union[KeyRing, Mapping[str, KeyRing], None] = None,
    *,
    accept_legacy: bool = False,
    strict: bool = False,
    threads: Optional[int] = None,
) -> JournalTable:
    """Many banks' journals as one :class:`JournalTable`, bank by bank.

    ``journals`` maps bank ids to journals: the JSON-lines text (``str`` or
    UTF-8 ``bytes``) or the path of a file holding it. ``keys`` is one
    :class:`locker.KeyRing` for every bank, a mapping from bank id to its
    ring (every bank must have one), or ``None`` for integrity only. Read
    on ``threads`` threads (default: every core) without the GIL.
    """
    return read_journals_arrow(
        journals, keys, accept_legacy=accept_legacy, strict=strict, threads=threads
    )


def _pyarrow() -> Any:
    try:
        import pyarrow  # type: ignore[import-untyped,unused-ignore]
        import pyarrow.compute  # type: ignore[import-untyped,unused-ignore]
        import pyarrow.dataset  # type: ignore[import-untyped,unused-ignore]
    except ImportError as error:  # pragma: no cover - exercised by a test with pyarrow hidden
        raise ImportError(
            "locker.fleet.write_parquet and schema need pyarrow: pip install 'locker[arrow]'"
        ) from error
    return pyarrow


def schema() -> Any:
    """The journal table's schema as a ``pyarrow.Schema`` (needs pyarrow)."""
    pa = _pyarrow()
    return pa.schema(read_journal_arrow(""))


def _months(months: Iterable[str]) -> List[str]:
    """``months`` checked: each ``"YYYY-MM"``."""
    if isinstance(months, str):
        raise _refused(ArgumentTypeError, "months", "expected month strings such as ['2026-11'], not a str")
    checked = []
    for month in months:
        if not isinstance(month, str):
            raise _refused(ArgumentTypeError, "months", f"expected 'YYYY-MM' strings, not {type(month).__name__}")
        year, dash, number = month.partition("-")
        if not (dash and len(year) == 4 and year.isdigit() and len(number) == 2 and number.isdigit() and 1 <= int(number) <= 12):
            raise _refused(InvalidArgumentError, "months", f"{month!r} is not a month written 'YYYY-MM'")
        checked.append(month)
    return checked


def _refused(cls: Any, argument: str, message: str) -> Any:
    """An argument refused as the native module refuses one."""
    error = cls(f"{argument}: {message}")
    error.argument = argument
    return error


def write_parquet(
    tables: Union[Any, Iterable[Any]],
    root: Union[str, "os.PathLike[str]"],
    *,
    months: Optional[Iterable[str]] = None,
    compression: str = "lz4",
) -> List[str]:
    """Writes journal tables to the hive-partitioned Parquet dataset at
    ``root`` (``bank_id=<id>/month=<YYYY-MM>/part-<uuid>-<n>.parquet``) and
    returns the files written.

    ``tables`` is one table or several: :class:`JournalTable` objects, or
    anything pyarrow reads as a table of the journal schema. A (bank,
    month) partition being written replaces the one on disk; every other
    partition is left as it is. A journal read whole holds every month
    since its first record: ``months`` (``"YYYY-MM"`` strings) writes only
    those, so appending November is ``write_parquet(t, root,
    months=["2026-11"])`` and leaves the files of earlier months alone.
    Needs pyarrow (the ``arrow`` extra).

    ``compression`` is Parquet's codec: ``"lz4"`` (LZ4_RAW, about 105 B a
    record, the fastest to write), ``"zstd"`` (about 70 B, three times
    slower), ``"snappy"`` (for Spark before 3.4, which lacks LZ4_RAW) or
    ``"none"``. Only the small columns are dictionary-encoded: entries
    and hashes are all distinct, and trying cost half the write time.
    """
    pa = _pyarrow()
    pc = pa.compute
    ds = pa.dataset
    wanted = None if months is None else _months(months)
    if isinstance(tables, JournalTable) or hasattr(tables, "__arrow_c_stream__"):
        tables = [tables]
    prepared = []
    for table in tables:
        table = pa.table(table)
        month = pc.strftime(table["at"], format="%Y-%m")
        table = table.append_column("month", month)
        if wanted is not None:
            table = table.filter(pc.is_in(table["month"], value_set=pa.array(wanted, pa.string())))
        if table.num_rows:
            prepared.append(table)
    written: List[str] = []
    if not prepared:
        return written
    # One write: a partition replaced is replaced once, by all its rows.
    ds.write_dataset(
        prepared,
        os.fspath(root),
        format="parquet",
        partitioning=list(PARTITIONS),
        partitioning_flavor="hive",
        existing_data_behavior="delete_matching",
        basename_template=f"part-{uuid.uuid4().hex}-{{i}}.parquet",
        file_options=ds.ParquetFileFormat().make_write_options(
            compression=compression, use_dictionary=list(_DICTIONARY_COLUMNS)
        ),
        file_visitor=lambda written_file: written.append(written_file.path),
    )
    return written
