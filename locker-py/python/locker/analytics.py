"""Statistics from a locker's journal: where parcels went, dwell time,
utilization per size class, overflow and aborted drop-offs, occupancy and
pickups by hour of day.

The numbers are computed by the Rust core (:func:`locker.journal_stats`
and :func:`locker.parcel_stays`), which replays the journal through the
locker's own state machine, so they never disagree with replay: an
interrupted pickup staff find empty is a collection, an interrupted
drop-off staff find inside is a parcel stored. This module only reads
journals and shapes the core's answer into dicts and rows.

A journal is JSON lines, one hash-chained record a line (what
``Locker.journal_text()`` and the firmware's file journal write). Read it
with :func:`load` (text) or :func:`load_file` (a path): the Rust core
verifies the chain (and, given the site's :class:`locker.KeyRing`, every
record's MAC; without keys, integrity only) and the records come back as a
list of dicts. Every statistics function takes such a list, or the
journal's text.
:func:`to_rows` flattens records to one dict per record; :func:`to_dataframe`
makes a pandas DataFrame of the same rows when pandas is installed.

Times are unix seconds (``at_s``); hours of day are UTC unless an offset
is given (``utc_offset_s``, within ±14 hours).

Arguments of the wrong type or shape raise :class:`locker.ArgumentTypeError`
or :class:`locker.InvalidArgumentError` (code ``"invalid_argument"``), as
everywhere in the package; records that do not replay raise
:class:`locker.JournalError` (code ``"replay"``, ``.seq`` the record).
"""

from __future__ import annotations

import os
from typing import Any, Dict, Iterable, List, Optional, Sequence, Type, Union

from locker._locker import (
    ArgumentTypeError,
    InvalidArgumentError,
    KeyRing,
    journal_stats,
    parcel_stays as _parcel_stays,
    read_journal,
)
from locker.types import JournalStats

__all__ = [
    "dwell_stats",
    "load",
    "load_file",
    "overflow",
    "parcel_stays",
    "pickups_by_hour",
    "stats",
    "summary",
    "to_dataframe",
    "to_rows",
    "utilization",
]

Record = Dict[str, Any]
#: Record dicts (as :func:`load` returns them) or a journal's text.
Records = Union[str, Iterable[Record]]


def _refused(cls: Type[InvalidArgumentError], path: str, message: str) -> InvalidArgumentError:
    """An argument refused as the native module refuses one: the message
    starts with the path (``records[3]``), ``argument`` is the parameter."""
    error = cls(f"{path}: {message}")
    error.argument = path.split("[")[0]
    return error


def _records(records: Any, argument: str = "records") -> List[Record]:
    """``records`` as a list, each a record dict with an ``entry`` dict
    (with its ``type``) and ``at_s``; refused otherwise, naming the first
    bad one."""
    if isinstance(records, (str, bytes, dict)) or not isinstance(records, Iterable):
        raise _refused(
            ArgumentTypeError, argument, f"expected a list of record dicts, not {type(records).__name__}"
        )
    listed = list(records)
    for index, record in enumerate(listed):
        if not isinstance(record, dict):
            raise _refused(
                ArgumentTypeError, f"{argument}[{index}]", f"expected a record dict, not {type(record).__name__}"
            )
        entry = record.get("entry")
        at_s = record.get("at_s")
        if not isinstance(entry, dict) or not isinstance(entry.get("type"), str):
            raise _refused(InvalidArgumentError, f"{argument}[{index}]", "a record has an entry with its type")
        if not isinstance(at_s, int) or isinstance(at_s, bool):
            raise _refused(InvalidArgumentError, f"{argument}[{index}]", "a record has its time, at_s")
    return listed


def _int(value: Any, argument: str) -> Optional[int]:
    """``value`` if it is an int or ``None``; refused naming ``argument``
    otherwise (for a parameter the native function knows by another name)."""
    if value is None or (isinstance(value, int) and not isinstance(value, bool)):
        return value
    raise _refused(ArgumentTypeError, argument, f"expected an int, not {type(value).__name__}")


def _journal(records: Any) -> Union[str, List[Record]]:
    """What the core reads: a journal's text as it is, records as a list."""
    return records if isinstance(records, str) else _records(records)


def load(text: str, keys: Optional[KeyRing] = None) -> List[Record]:
    """The records of a journal's JSON-lines text, after the core has
    verified them (raises :class:`locker.JournalError` on a tampered or
    broken journal). With ``keys`` every record's MAC is checked, so a
    journal rewritten with recomputed hashes is refused; without, only the
    hash chain (integrity, not authenticity). A torn last line is ignored."""
    records: List[Record] = read_journal(text, keys)["records"]
    return records


def load_file(path: Union[str, "os.PathLike[str]"], keys: Optional[KeyRing] = None) -> List[Record]:
    """The records of the journal file at ``path`` (see :func:`load`)."""
    if not isinstance(path, (str, os.PathLike)):
        raise _refused(ArgumentTypeError, "path", f"expected a str or path, not {type(path).__name__}")
    with open(path, encoding="utf-8") as file:
        return load(file.read(), keys)


def to_rows(records: Iterable[Record]) -> List[Dict[str, Any]]:
    """One flat dict per record: ``seq``, ``at_s``, ``type`` and the
    entry's scalar fields (``compartment``, ``recipient``, ``reason``, ...);
    an entry about a parcel (deposited or refused) adds ``parcel_id``."""
    rows = []
    for record in _records(records):
        entry = record["entry"]
        row: Dict[str, Any] = {"seq": record["seq"], "at_s": record["at_s"], "type": entry["type"]}
        for key, value in entry.items():
            if key != "type" and not isinstance(value, (dict, list)):
                row[key] = value
        parcel = entry.get("parcel")
        if isinstance(parcel, dict):
            row["parcel_id"] = parcel.get("id")
        rows.append(row)
    return rows


def to_dataframe(records: Iterable[Record]) -> Any:
    """:func:`to_rows` as a pandas DataFrame (pandas must be installed)."""
    try:
        import pandas  # type: ignore[import-untyped,unused-ignore]
    except ImportError as error:  # pragma: no cover - depends on the environment
        raise ImportError("to_dataframe needs pandas: pip install pandas") from error
    return pandas.DataFrame(to_rows(records))


def stats(
    records: Records,
    utc_offset_s: int = 0,
    from_s: Optional[int] = None,
    until_s: Optional[int] = None,
) -> JournalStats:
    """Everything the core computes (:func:`locker.journal_stats`), counted
    between ``from_s`` and ``until_s`` (the whole journal by default)."""
    return journal_stats(_journal(records), utc_offset_s, from_s=from_s, until_s=until_s)


def parcel_stays(records: Records) -> List[Dict[str, Any]]:
    """One dict per parcel stored, in the order stored: ``parcel``,
    ``recipient``, ``carrier``, ``compartment``, ``size_class``,
    ``deposited_at_s`` (when it went in: the door closed on it or staff
    confirmed it), ``left_at_s`` (``None`` while in the locker),
    ``outcome`` (``"collected"``, ``"returned"`` to the carrier after
    expiry, ``"missing"`` or ``"in_bank"``) and ``dwell_s``.

    A parcel's stay ends when its door is emptied, by its recipient or by
    the carrier taking it back.
    """
    return [
        {
            "parcel": stay["parcel"],
            "recipient": stay["recipient"],
            "carrier": stay["carrier"],
            "compartment": stay["compartment"],
            "size_class": stay["size_class"],
            "deposited_at_s": stay["stored_at_s"],
            "left_at_s": stay["left_at_s"],
            "outcome": stay["outcome"],
            "dwell_s": stay["stay_s"],
        }
        for stay in _parcel_stays(_journal(records))
    ]


def _dwell(computed: JournalStats) -> Dict[str, Any]:
    dwell = computed["dwell"]["all"]
    totals = computed["totals"]
    return {
        "count": dwell["count"],
        "mean_h": dwell["mean_h"],
        "median_h": dwell["median_h"],
        "p90_h": dwell["p90_h"],
        "p95_h": dwell["p95_h"],
        "max_h": dwell["max_h"],
        "histogram": dwell["histogram"],
        "bucket_bounds_h": computed["dwell"]["bucket_bounds_h"],
        "by_outcome": {
            outcome: count
            for outcome, count in (
                ("collected", totals["parcels_collected"]),
                ("returned", totals["parcels_returned"]),
                ("missing", totals["parcels_missing"]),
                ("in_bank", totals["parcels_in_bank_at_end"]),
            )
            if count
        },
    }


def dwell_stats(records: Records) -> Dict[str, Any]:
    """Hours parcels stayed, from going in to their door being emptied, for
    the parcels collected or returned: ``count``, ``mean_h``, ``median_h``,
    ``p90_h``, ``p95_h``, ``max_h`` (the fields of the simulation's
    ``dwell``, and more), ``histogram`` over ``bucket_bounds_h``, and
    ``by_outcome``: how many parcels were ``collected``, ``returned``,
    ``missing`` or are still ``in_bank`` (outcomes seen only)."""
    return _dwell(stats(records))


def _utilization(computed: JournalStats) -> Dict[str, float]:
    by_class = computed["utilization"]["by_size_class"]
    return {c["size_class"]: c["occupied_fraction"] for c in sorted(by_class, key=lambda c: c["size_class"])}


def utilization(
    records: Records,
    start_s: Optional[int] = None,
    end_s: Optional[int] = None,
) -> Dict[str, float]:
    """Per size class, the time-averaged fraction of its doors that held
    parcels between ``start_s`` and ``end_s`` (the first and last record by
    default). A door is occupied from its first parcel stored until it is
    emptied (a return collected by the carrier included)."""
    from_s, until_s = _int(start_s, "start_s"), _int(end_s, "end_s")
    return _utilization(stats(records, from_s=from_s, until_s=until_s))


def _overflow(computed: JournalStats) -> Dict[str, Any]:
    totals = computed["totals"]
    over = computed["overflow"]
    aborted = {a["reason"]: a["count"] for a in totals["deposits_aborted"]}
    opened = totals["deposits_opened"]
    return {
        "refused": {reason: count for reason, count in over["by_reason"].items() if count},
        "offered": totals["parcels_offered"],
        "opened": opened,
        "committed": totals["parcels_stored"] - totals["parcels_stored_by_inspection"],
        "stored": totals["parcels_stored"],
        "aborted": aborted,
        "abort_rate": sum(aborted.values()) / opened if opened else 0.0,
        "refusal_rate": over["rate"],
        "by_hour": over["by_hour_of_day"],
        "by_carrier": {c["carrier"]: c["count"] for c in over["by_carrier"]},
    }


def overflow(records: Records, utc_offset_s: int = 0) -> Dict[str, Any]:
    """Drop-offs that did not end in a door: ``refused`` (parcels no door
    could take, by reason: ``full``, ``nothing_fits``, ``no_larger_door``;
    reasons seen only), ``offered`` (parcels stored or refused: a drop-off
    called off is not one, a parcel refused twice counts twice), ``opened``
    (doors opened for a drop-off), ``committed`` (stored as the door
    closed), ``stored`` (with those staff confirmed after an interruption),
    ``aborted`` (by reason: ``too_small``, ``door_fault``, ``cancelled``,
    ...), ``abort_rate`` (aborted per door opened), ``refusal_rate``
    (refused per parcel offered), ``by_hour`` (refusals per local hour of
    day) and ``by_carrier`` (refusals per carrier id).
    """
    return _overflow(stats(records, utc_offset_s))


def _pickups_by_hour(computed: JournalStats) -> List[int]:
    pickups = computed["pickups"]
    return [p + r for p, r in zip(pickups["pickups_by_hour_of_day"], pickups["returns_by_hour_of_day"])]


def pickups_by_hour(records: Records, utc_offset_s: int = 0) -> List[int]:
    """Doors emptied per hour of day (24 counts, hour 0 first), at
    ``utc_offset_s`` from UTC. Carrier collections of returns count too
    (:func:`stats` has them apart)."""
    return _pickups_by_hour(stats(records, utc_offset_s))


def summary(records: Records, utc_offset_s: int = 0) -> Dict[str, Any]:
    """Everything above from one computation: ``records``, ``dwell``,
    ``utilization``, ``overflow``, ``pickups_by_hour``, and ``stats``
    (all the core computed)."""
    computed = stats(records, utc_offset_s)
    return {
        "records": computed["records"],
        "dwell": _dwell(computed),
        "utilization": _utilization(computed),
        "overflow": _overflow(computed),
        "pickups_by_hour": _pickups_by_hour(computed),
        "stats": computed,
    }
