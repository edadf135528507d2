"""Statistics from a locker's journal: dwell time, utilization per size
class, overflow and aborted drop-offs, and pickups by hour of day.

A journal is JSON lines, one hash-chained record a line (what
``Locker.journal_text()`` and the firmware's file journal write). Read it
with :func:`load` (text) or :func:`load_file` (a path): the Rust core
verifies the chain (and, given the site's :class:`locker.KeyRing`, every
record's MAC; without keys, integrity only) and the records come back as a
list of dicts.
:func:`to_rows` flattens them to one dict per record; :func:`to_dataframe`
makes a pandas DataFrame of the same rows when pandas is installed.

Times are unix seconds (``at_s``); hours of day are UTC unless an offset
is given.

Arguments of the wrong type or shape raise :class:`locker.ArgumentTypeError`
or :class:`locker.InvalidArgumentError` (code ``"invalid_argument"``), as
everywhere in the package.
"""

from __future__ import annotations

import os
from typing import Any, Dict, Iterable, List, Optional, Sequence, Set, Tuple, Type, Union

from locker._locker import ArgumentTypeError, InvalidArgumentError, KeyRing, read_journal

__all__ = [
    "dwell_stats",
    "load",
    "load_file",
    "overflow",
    "parcel_stays",
    "pickups_by_hour",
    "summary",
    "to_dataframe",
    "to_rows",
    "utilization",
]

Record = Dict[str, Any]


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


def _int(value: Any, argument: str, optional: bool = False) -> Any:
    """``value`` if it is an int (or ``None`` when ``optional``)."""
    if (value is None and optional) or (isinstance(value, int) and not isinstance(value, bool)):
        return value
    raise _refused(ArgumentTypeError, argument, f"expected an int, not {type(value).__name__}")


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


def _size_classes(records: Sequence[Record]) -> Dict[int, str]:
    """Compartment id to size class, from the journal's configuration."""
    for record in records:
        entry = record["entry"]
        if entry["type"] == "configured":
            return {c["id"]: c["size_class"] for c in entry["bank"]["compartments"]}
    return {}


def parcel_stays(records: Sequence[Record]) -> List[Dict[str, Any]]:
    """One dict per deposited parcel: ``parcel``, ``recipient``,
    ``compartment``, ``size_class``, ``deposited_at_s``, ``left_at_s``
    (``None`` while in the locker), ``outcome`` (``"picked_up"``,
    ``"expired"``, ``"missing"`` or ``"in_locker"``) and ``dwell_s``.

    A parcel's stay ends when its compartment is collected, when it
    expires (it then waits for the carrier, but the resident's dwell is
    over), or when staff find the compartment empty.
    """
    records = _records(records)
    classes = _size_classes(records)
    pending: Dict[int, Tuple[Record, int]] = {}
    inside: Dict[int, List[Dict[str, Any]]] = {}
    stays: List[Dict[str, Any]] = []

    def end(compartment: int, at_s: int, outcome: str) -> None:
        for stay in inside.get(compartment, []):
            if stay["left_at_s"] is None:
                stay["left_at_s"] = at_s
                stay["outcome"] = outcome
                stay["dwell_s"] = at_s - stay["deposited_at_s"]

    for record in records:
        entry, at_s = record["entry"], record["at_s"]
        kind = entry["type"]
        compartment = entry.get("compartment")
        if kind == "deposit_opened":
            pending[compartment] = (entry, at_s)
        elif kind == "deposit_aborted":
            pending.pop(compartment, None)
        elif kind == "deposit_committed" and compartment in pending:
            opened, _ = pending.pop(compartment)
            stay: Dict[str, Any] = {
                "parcel": opened["parcel"]["id"],
                "recipient": opened["recipient"],
                "compartment": compartment,
                "size_class": classes.get(compartment),
                "deposited_at_s": at_s,
                "left_at_s": None,
                "outcome": "in_locker",
                "dwell_s": None,
            }
            inside.setdefault(compartment, []).append(stay)
            stays.append(stay)
        elif kind == "expired":
            end(compartment, at_s, "expired")
        elif kind == "pickup_completed":
            end(compartment, at_s, "picked_up")
            inside.pop(compartment, None)
        elif kind == "inspected" and not entry.get("found_parcels", True):
            end(compartment, at_s, "missing")
            inside.pop(compartment, None)
    return stays


def _percentile(sorted_values: Sequence[float], percent: int) -> float:
    if not sorted_values:
        return 0.0
    return sorted_values[(len(sorted_values) - 1) * percent // 100]


def dwell_stats(records: Sequence[Record]) -> Dict[str, Any]:
    """Dwell of the parcels whose stay ended, in hours: ``count``,
    ``mean_h``, ``median_h``, ``p90_h``, ``max_h`` (the same fields as the
    simulation's ``dwell``), plus ``by_outcome`` counts."""
    stays = parcel_stays(records)
    hours = sorted(s["dwell_s"] / 3600 for s in stays if s["dwell_s"] is not None)
    by_outcome: Dict[str, int] = {}
    for stay in stays:
        by_outcome[stay["outcome"]] = by_outcome.get(stay["outcome"], 0) + 1
    return {
        "count": len(hours),
        "mean_h": sum(hours) / len(hours) if hours else 0.0,
        "median_h": _percentile(hours, 50),
        "p90_h": _percentile(hours, 90),
        "max_h": hours[-1] if hours else 0.0,
        "by_outcome": by_outcome,
    }


def utilization(
    records: Sequence[Record],
    start_s: Optional[int] = None,
    end_s: Optional[int] = None,
) -> Dict[str, float]:
    """Per size class, the time-averaged fraction of its doors that held
    parcels between ``start_s`` and ``end_s`` (the first and last record by
    default). A door is occupied from its first committed drop-off until it
    is collected (a return collected by the carrier included)."""
    records = _records(records)
    start_s = _int(start_s, "start_s", optional=True)
    end_s = _int(end_s, "end_s", optional=True)
    if not records:
        return {}
    classes = _size_classes(records)
    start = records[0]["at_s"] if start_s is None else start_s
    end = records[-1]["at_s"] if end_s is None else end_s
    span = max(end - start, 1)
    since: Dict[int, int] = {}
    busy: Dict[str, float] = {name: 0.0 for name in classes.values()}

    def add(compartment: int, until: int) -> None:
        begun = max(since.pop(compartment), start)
        name = classes.get(compartment)
        if name is not None:
            busy[name] += max(min(until, end) - begun, 0)

    for record in records:
        entry, at_s = record["entry"], record["at_s"]
        compartment = entry.get("compartment")
        if entry["type"] == "deposit_committed" and compartment not in since:
            since[compartment] = at_s
        elif entry["type"] == "pickup_completed" and compartment in since:
            add(compartment, at_s)
        elif entry["type"] == "inspected" and not entry.get("found_parcels", True):
            if compartment in since:
                add(compartment, at_s)
    for compartment in list(since):
        add(compartment, end)
    doors: Dict[str, int] = {}
    for name in classes.values():
        doors[name] = doors.get(name, 0) + 1
    return {name: busy[name] / (doors[name] * span) for name in sorted(doors)}


def overflow(records: Sequence[Record]) -> Dict[str, Any]:
    """Drop-offs that did not end in a door: ``refused`` (records of parcels
    no door could take, by reason: ``full``, ``nothing_fits``,
    ``no_larger_door``), ``opened``
    (doors opened for a drop-off), ``committed``, ``aborted`` (by reason:
    ``too_small``, ``door_fault``, ``cancelled``, ...), ``abort_rate``
    (aborted per door opened) and ``refusal_rate``: parcels refused at least
    once per parcel offered (distinct parcel ids, so a parcel tried twice
    or moved to a larger door counts once).
    """
    opened = committed = 0
    aborted: Dict[str, int] = {}
    refused: Dict[str, int] = {}
    offered: Set[Any] = set()
    refused_parcels: Set[Any] = set()
    for record in _records(records):
        entry = record["entry"]
        if entry["type"] == "deposit_opened":
            opened += 1
            offered.add(entry["parcel"]["id"])
        elif entry["type"] == "deposit_committed":
            committed += 1
        elif entry["type"] == "deposit_aborted":
            reason = str(entry.get("reason"))
            aborted[reason] = aborted.get(reason, 0) + 1
        elif entry["type"] == "deposit_overflowed":
            reason = str(entry.get("reason"))
            refused[reason] = refused.get(reason, 0) + 1
            offered.add(entry["parcel"]["id"])
            refused_parcels.add(entry["parcel"]["id"])
    total_aborted = sum(aborted.values())
    return {
        "refused": refused,
        "opened": opened,
        "committed": committed,
        "aborted": aborted,
        "abort_rate": total_aborted / opened if opened else 0.0,
        "refusal_rate": len(refused_parcels) / len(offered) if offered else 0.0,
    }


def pickups_by_hour(records: Sequence[Record], utc_offset_s: int = 0) -> List[int]:
    """Completed pickups per hour of day (24 counts, hour 0 first), at
    ``utc_offset_s`` from UTC. Carrier collections of returns count too."""
    utc_offset_s = _int(utc_offset_s, "utc_offset_s")
    hours = [0] * 24
    for record in _records(records):
        if record["entry"]["type"] == "pickup_completed":
            hours[((record["at_s"] + utc_offset_s) // 3600) % 24] += 1
    return hours


def summary(records: Sequence[Record], utc_offset_s: int = 0) -> Dict[str, Any]:
    """Everything above at once: ``records``, ``dwell``, ``utilization``,
    ``overflow`` and ``pickups_by_hour``."""
    records = _records(records)
    utc_offset_s = _int(utc_offset_s, "utc_offset_s")
    return {
        "records": len(records),
        "dwell": dwell_stats(records),
        "utilization": utilization(records),
        "overflow": overflow(records),
        "pickups_by_hour": pickups_by_hour(records, utc_offset_s),
    }
