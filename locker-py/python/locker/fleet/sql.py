"""The core's journal statistics as DuckDB SQL, for a whole fleet at once.

:func:`connect` opens a DuckDB connection with the fleet's journal as the
table ``journal`` (the schema of :mod:`locker.fleet`: from a
:class:`~locker.fleet.JournalTable`, a pyarrow table or the Parquet
dataset :func:`~locker.fleet.write_parquet` writes) and the tables of
:data:`TABLES_SQL` built from it. Each ``*_SQL`` constant is one query,
grouped by ``bank_id``; each function runs one and returns the DuckDB
relation (``.fetchall()``, ``.pl()``, ``.arrow()``, ``.df()``).

The figures are :func:`locker.journal_stats`' (whole journal, UTC, no
window), read the way the core reads a journal:

* Times are the records' times made non-decreasing (``at_s``: a record
  dated before the one before it counts at that one's time).
* A parcel is **stored** when its door closes on it
  (``deposit_committed``) or when staff inspecting an interrupted
  drop-off find it inside (``inspected`` with ``parcels_found`` after a
  ``deposit_opened`` of that door). A door holding a recipient's parcels
  may take more (consolidation): each parcel is its own stay, from its own
  store.
* A door is **emptied** by ``pickup_completed``, or by an inspection that
  finds an interrupted pickup's door empty. Every parcel in the door leaves
  then: **returned** when the door's last store or expiry before it was an
  ``expired`` (the carrier's return), **missing** when the recipient
  reported its pickup missing (``missing_reported`` before the door's next
  emptying), **collected** otherwise. A stay is ``left - stored`` in
  seconds, and parcels still in a door at the end have none.
* A door is **occupied** from its first store after being emptied until
  its next emptying. Occupancy counts after each record, so two changes in
  one second both count (the peak is the most doors held after any
  record).
* Percentiles are nearest-rank, as the core's: the ``p`` th is the
  ``ceil(n * p / 100)`` th smallest stay (for the median of an even count,
  the lower middle one). The SQL ranks the stays itself, in integer
  arithmetic, so the rank does not hang on an engine's floating-point
  quantile (DuckDB's ``quantile_disc`` picks the same one).

The figures need each bank's whole journal, from its ``configured``
record, as the core does: a later month read alone starts with doors
holding parcels it never saw go in. A window (``from_s``, ``until_s``),
a UTC offset and the core's other figures (aborts, pickups by channel,
days, utilization by size class and zone) are left to
:func:`locker.journal_stats`. ``DOORS_NEEDED_SQL`` is a figure the core
does not report: see its docstring.

Reading the dataset from Spark needs no library: ``spark.read.parquet(root)``
discovers the ``bank_id=`` and ``month=`` partitions (see the README).
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any, Union

if TYPE_CHECKING:  # pragma: no cover
    import duckdb

__all__ = [
    "DOORS_NEEDED_SQL",
    "DWELL_SQL",
    "OCCUPANCY_SQL",
    "OVERFLOW_BY_HOUR_SQL",
    "OVERFLOW_SQL",
    "TABLES_SQL",
    "connect",
    "doors_needed",
    "dwell",
    "occupancy",
    "overflow",
    "overflow_by_hour",
]

#: The tables :func:`connect` builds from ``journal`` (once: every figure
#: reads them), in order:
#:
#: ``journal_events``
#:     every record without its entry text, with ``at_s``, its time in
#:     unix seconds made non-decreasing within its bank.
#: ``entry_fields``
#:     what the figures read from entries' JSON: ``bank_doors`` of each
#:     ``configured`` record, ``grant_doors`` of each pickup opening
#:     several doors.
#: ``door_tasks`` (a view)
#:     the records that gave each door its task, for inspections.
#: ``door_events``
#:     what changed the parcels in a door: ``ev`` is ``store``, ``empty``,
#:     ``expire`` or ``missing``; ``visit`` numbers the door's fillings
#:     (the emptyings before the row); ``delta`` is +1 when the row makes
#:     the door occupied, -1 when it empties it, else 0.
#: ``stays``
#:     one row per parcel stored: ``stored_at_s``, ``left_at_s``,
#:     ``outcome`` (``collected``, ``returned``, ``missing``, ``in_bank``)
#:     and ``stay_s`` (what :func:`locker.parcel_stays` lists).
#: ``timeline``
#:     door changes and overflows in record order, with ``occupied``, the
#:     doors holding parcels after the row.
#: ``banks``
#:     per bank: ``doors`` (from its ``configured`` record),
#:     ``first_at_s`` and ``last_at_s``.
TABLES_SQL: str = """
CREATE OR REPLACE TEMP TABLE journal_events AS
SELECT bank_id, seq, CAST(kind AS VARCHAR) AS kind, door, outcome,
       max(CAST(epoch("at") AS BIGINT)) OVER (
           PARTITION BY bank_id ORDER BY seq ROWS UNBOUNDED PRECEDING) AS at_s
FROM journal;

-- The two things the figures read from entries' text: the doors in the
-- bank, and the doors of a pickup opening several (whose door is NULL).
CREATE OR REPLACE TEMP TABLE entry_fields AS
SELECT bank_id, seq,
       CASE WHEN kind = 'configured'
            THEN json_array_length(entry, '$.bank.compartments') END AS bank_doors,
       CASE WHEN kind = 'pickup_opened'
            THEN CAST(json_extract(entry, '$.grant.compartments') AS UINTEGER[]) END
           AS grant_doors
FROM journal
WHERE kind = 'configured' OR (kind = 'pickup_opened' AND door IS NULL);

-- The rows that give a door its task (what an interruption interrupts).
CREATE OR REPLACE TEMP VIEW door_tasks AS
SELECT bank_id, seq, door, kind FROM journal_events
WHERE kind IN ('deposit_opened', 'reopened', 'staff_opened')
   OR (kind = 'pickup_opened' AND door IS NOT NULL)
UNION ALL
SELECT bank_id, seq, unnest(grant_doors) AS door, 'pickup_opened' AS kind
FROM entry_fields
WHERE grant_doors IS NOT NULL;

CREATE OR REPLACE TEMP TABLE door_events AS
WITH inspections AS (
    SELECT i.bank_id, i.seq, i.at_s, i.door, i.outcome, t.kind AS task
    FROM (SELECT * FROM journal_events WHERE kind = 'inspected') i
    ASOF LEFT JOIN door_tasks t
      ON i.bank_id = t.bank_id AND i.door = t.door AND i.seq > t.seq
),
changes AS (
    SELECT bank_id, seq, at_s, door,
           CASE kind WHEN 'deposit_committed' THEN 'store'
                     WHEN 'pickup_completed' THEN 'empty'
                     WHEN 'expired' THEN 'expire'
                     ELSE 'missing' END AS ev
    FROM journal_events
    WHERE kind IN ('deposit_committed', 'pickup_completed', 'expired', 'missing_reported')
    UNION ALL
    SELECT bank_id, seq, at_s, door,
           CASE WHEN outcome = 'parcels_found' THEN 'store' ELSE 'empty' END
    FROM inspections
    WHERE (outcome = 'parcels_found' AND task = 'deposit_opened')
       OR (outcome = 'found_empty' AND task = 'pickup_opened')
),
visits AS (
    SELECT *,
           coalesce(sum(CASE WHEN ev = 'empty' THEN 1 ELSE 0 END) OVER before, 0) AS visit,
           last_value(CASE WHEN ev IN ('store', 'expire') THEN ev END IGNORE NULLS)
               OVER before AS last_store_or_expiry,
           last_value(CASE WHEN ev = 'empty' THEN seq END IGNORE NULLS)
               OVER before AS last_empty_seq
    FROM changes
    WINDOW before AS (PARTITION BY bank_id, door ORDER BY seq
                      ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
)
SELECT *,
       CASE WHEN ev = 'empty' THEN -1
            WHEN ev = 'store' AND row_number() OVER (
                PARTITION BY bank_id, door, visit, ev ORDER BY seq) = 1 THEN 1
            ELSE 0 END AS delta
FROM visits;

CREATE OR REPLACE TEMP TABLE stays AS
WITH missing AS (
    SELECT DISTINCT bank_id, door, last_empty_seq AS seq
    FROM door_events WHERE ev = 'missing'
)
SELECT s.bank_id, s.door, s.seq AS stored_seq, s.at_s AS stored_at_s,
       e.seq AS left_seq, e.at_s AS left_at_s,
       CASE WHEN e.seq IS NULL THEN 'in_bank'
            WHEN e.last_store_or_expiry = 'expire' THEN 'returned'
            WHEN m.seq IS NOT NULL THEN 'missing'
            ELSE 'collected' END AS outcome,
       e.at_s - s.at_s AS stay_s
FROM (SELECT * FROM door_events WHERE ev = 'store') s
LEFT JOIN (SELECT * FROM door_events WHERE ev = 'empty') e
  ON e.bank_id = s.bank_id AND e.door = s.door AND e.visit = s.visit
LEFT JOIN missing m
  ON m.bank_id = e.bank_id AND m.door = e.door AND m.seq = e.seq;

CREATE OR REPLACE TEMP TABLE timeline AS
WITH rows AS (
    SELECT bank_id, seq, at_s, ev, delta FROM door_events WHERE ev IN ('store', 'empty')
    UNION ALL
    SELECT bank_id, seq, at_s, 'overflow', 0 FROM journal_events
    WHERE kind = 'deposit_overflowed'
)
SELECT *, sum(delta) OVER (PARTITION BY bank_id ORDER BY seq ROWS UNBOUNDED PRECEDING)
          AS occupied
FROM rows;

CREATE OR REPLACE TEMP TABLE banks AS
SELECT e.bank_id, min(e.at_s) AS first_at_s, max(e.at_s) AS last_at_s,
       coalesce(any_value(f.doors), 0) AS doors
FROM journal_events e
LEFT JOIN (SELECT bank_id, max(bank_doors) AS doors FROM entry_fields GROUP BY bank_id) f
  USING (bank_id)
GROUP BY e.bank_id;
"""

#: Overflow per bank and UTC hour of day (all 24 hours of every bank, 0
#: when none): ``bank_id, hour_of_day, overflowed``. The core's
#: ``overflow.by_hour_of_day`` (read with the default UTC offset).
OVERFLOW_BY_HOUR_SQL: str = """
SELECT b.bank_id, h.hour_of_day, count(o.seq) AS overflowed
FROM banks b
CROSS JOIN range(24) h(hour_of_day)
LEFT JOIN journal_events o
  ON o.bank_id = b.bank_id AND o.kind = 'deposit_overflowed'
 AND (o.at_s % 86400) // 3600 = h.hour_of_day
GROUP BY b.bank_id, h.hour_of_day
ORDER BY b.bank_id, h.hour_of_day
"""

#: Parcels offered, stored and overflowed per bank, and the overflow rate
#: (overflowed per parcel offered, 0 when none was):
#: ``bank_id, parcels_offered, parcels_stored, parcels_overflowed,
#: overflow_rate``. The core's ``totals`` and ``overflow.rate``.
OVERFLOW_SQL: str = """
WITH counts AS (
    SELECT b.bank_id,
           (SELECT count(*) FROM door_events d
             WHERE d.bank_id = b.bank_id AND d.ev = 'store') AS parcels_stored,
           (SELECT count(*) FROM journal_events o
             WHERE o.bank_id = b.bank_id AND o.kind = 'deposit_overflowed') AS parcels_overflowed
    FROM banks b
)
SELECT bank_id, parcels_stored + parcels_overflowed AS parcels_offered,
       parcels_stored, parcels_overflowed,
       CASE WHEN parcels_stored + parcels_overflowed = 0 THEN 0.0
            ELSE CAST(parcels_overflowed AS DOUBLE)
                 / CAST(parcels_stored + parcels_overflowed AS DOUBLE) END AS overflow_rate
FROM counts
ORDER BY bank_id
"""

#: The stays of parcels collected, per bank, in hours: ``bank_id,
#: collected, mean_h, median_h, p90_h, p95_h, max_h`` (all 0 for a bank
#: with none). The core's ``dwell.collected``: percentiles nearest-rank,
#: the mean as the core divides (total seconds / count / 3600).
DWELL_SQL: str = """
WITH ranked AS (
    SELECT bank_id, stay_s,
           row_number() OVER (PARTITION BY bank_id ORDER BY stay_s) AS rank,
           count(*) OVER (PARTITION BY bank_id) AS n
    FROM stays WHERE outcome = 'collected'
),
summary AS (
    SELECT bank_id, any_value(n) AS n,
           CAST(sum(stay_s) AS DOUBLE) / CAST(any_value(n) AS DOUBLE) / 3600.0 AS mean_h,
           max(CASE WHEN rank = (n * 50 + 99) // 100 THEN stay_s END) / 3600.0 AS median_h,
           max(CASE WHEN rank = (n * 90 + 99) // 100 THEN stay_s END) / 3600.0 AS p90_h,
           max(CASE WHEN rank = (n * 95 + 99) // 100 THEN stay_s END) / 3600.0 AS p95_h,
           max(stay_s) / 3600.0 AS max_h
    FROM ranked GROUP BY bank_id
)
SELECT b.bank_id, coalesce(s.n, 0) AS collected,
       coalesce(s.mean_h, 0.0) AS mean_h, coalesce(s.median_h, 0.0) AS median_h,
       coalesce(s.p90_h, 0.0) AS p90_h, coalesce(s.p95_h, 0.0) AS p95_h,
       coalesce(s.max_h, 0.0) AS max_h
FROM banks b LEFT JOIN summary s USING (bank_id)
ORDER BY b.bank_id
"""

#: Occupancy per bank: ``bank_id, doors, peak_occupied_doors, peak_at_s``
#: (when the peak was first reached), ``mean_occupied_doors`` (time-
#: weighted from the first record to the last) and ``utilization`` (that
#: mean as a fraction of the doors, 0 to 1). The core's
#: ``occupancy.peak_occupied_doors``, ``peak_at_s``,
#: ``mean_occupied_doors`` and ``utilization.all``: door-seconds are
#: summed exactly, as integers, and divided once.
OCCUPANCY_SQL: str = """
WITH changes AS (
    SELECT t.bank_id, t.seq, t.at_s, t.occupied,
           lead(t.at_s, 1, b.last_at_s) OVER (PARTITION BY t.bank_id ORDER BY t.seq)
               - t.at_s AS held_s
    FROM timeline t JOIN banks b USING (bank_id)
    WHERE t.delta <> 0
),
held AS (
    SELECT bank_id, max(occupied) AS peak,
           sum(CAST(occupied AS HUGEINT) * held_s) AS busy_s
    FROM changes GROUP BY bank_id
),
peaks AS (
    SELECT c.bank_id, min(c.at_s) AS peak_at_s
    FROM changes c JOIN held h USING (bank_id)
    WHERE c.occupied = h.peak GROUP BY c.bank_id
)
SELECT b.bank_id, b.doors,
       greatest(coalesce(h.peak, 0), 0) AS peak_occupied_doors,
       CASE WHEN coalesce(h.peak, 0) > 0 THEN p.peak_at_s ELSE b.first_at_s END AS peak_at_s,
       CASE WHEN b.last_at_s = b.first_at_s THEN 0.0
            ELSE CAST(coalesce(h.busy_s, 0) AS DOUBLE)
                 / CAST(b.last_at_s - b.first_at_s AS DOUBLE) END AS mean_occupied_doors,
       CASE WHEN b.doors * (b.last_at_s - b.first_at_s) = 0 THEN 0.0
            ELSE least(greatest(
                CAST(coalesce(h.busy_s, 0) AS DOUBLE)
                / CAST(CAST(b.doors AS HUGEINT) * (b.last_at_s - b.first_at_s) AS DOUBLE),
                0.0), 1.0) END AS utilization
FROM banks b LEFT JOIN held h USING (bank_id) LEFT JOIN peaks p USING (bank_id)
ORDER BY b.bank_id
"""

#: Doors each bank needs at 95 % coverage: ``bank_id, doors,
#: parcels_offered, doors_needed``.
#:
#: Each parcel offered (stored, or sent to overflow) **arrives** at the
#: number of doors occupied just before its record. ``doors_needed`` is the
#: smallest door count ``N`` such that at least 95 % of the parcels offered
#: arrived with fewer than ``N`` doors occupied, i.e. found a door free in
#: a bank of ``N`` doors: one more than the nearest-rank 95th percentile of
#: the occupancy at arrival (0 for a bank offered no parcel). It reads the
#: journal as it happened, so it ignores sizes (a parcel no door fits
#: counts as one that found a free door when one was free), and it is a
#: lower bound where the bank overflowed (parcels sent away never occupied
#: a door). :func:`locker.coverage_curve` answers the same question by
#: simulation, with sizes.
DOORS_NEEDED_SQL: str = """
WITH arrivals AS (
    SELECT bank_id, occupied - delta AS occupied_before,
           row_number() OVER (PARTITION BY bank_id ORDER BY occupied - delta) AS rank,
           count(*) OVER (PARTITION BY bank_id) AS n
    FROM timeline WHERE ev IN ('store', 'overflow')
),
needed AS (
    SELECT bank_id, any_value(n) AS n,
           max(CASE WHEN rank = (n * 95 + 99) // 100 THEN occupied_before END) + 1 AS doors_needed
    FROM arrivals GROUP BY bank_id
)
SELECT b.bank_id, b.doors, coalesce(n.n, 0) AS parcels_offered,
       coalesce(n.doors_needed, 0) AS doors_needed
FROM banks b LEFT JOIN needed n USING (bank_id)
ORDER BY b.bank_id
"""

#: What :func:`connect` reads: a :class:`~locker.fleet.JournalTable` or any
#: Arrow table (an object with ``__arrow_c_stream__``), or the root of a
#: Parquet dataset :func:`~locker.fleet.write_parquet` wrote.
Source = Union[str, "os.PathLike[str]", Any]


def _duckdb() -> Any:
    try:
        import duckdb
    except ImportError as error:
        raise ImportError(
            "locker.fleet.sql needs duckdb: pip install 'locker[arrow]'"
        ) from error
    return duckdb


def _quoted(text: str) -> str:
    """``text`` as an SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def connect(source: Source, *, threads: int | None = None) -> "duckdb.DuckDBPyConnection":
    """A new in-memory DuckDB connection with ``source`` as the table (or,
    for a dataset, the view) ``journal`` and the tables of
    :data:`TABLES_SQL` built from it.

    An Arrow table is copied into DuckDB (read once, as a stream); a
    dataset root is read in place, ``root/**/*.parquet`` with its
    ``bank_id=`` and ``month=`` partitions as text columns. ``threads``
    caps DuckDB's threads (default: every core). Needs duckdb (the
    ``arrow`` extra).
    """
    con: "duckdb.DuckDBPyConnection" = _duckdb().connect()
    if threads is not None:
        con.execute(f"SET threads = {int(threads)}")
    if isinstance(source, (str, os.PathLike)):
        pattern = os.path.join(os.fspath(source), "**", "*.parquet")
        con.execute(
            "CREATE VIEW journal AS SELECT * FROM read_parquet("
            f"{_quoted(pattern)}, hive_partitioning = true, hive_types_autocast = false)"
        )
    elif hasattr(source, "__arrow_c_stream__"):
        con.from_arrow(source).create("journal")
    else:
        raise TypeError(
            "connect reads a JournalTable, an Arrow table or a dataset path, "
            f"not {type(source).__name__}"
        )
    con.execute(TABLES_SQL)
    return con


def overflow_by_hour(con: "duckdb.DuckDBPyConnection") -> "duckdb.DuckDBPyRelation":
    """:data:`OVERFLOW_BY_HOUR_SQL` on a connection from :func:`connect`."""
    return con.sql(OVERFLOW_BY_HOUR_SQL)


def overflow(con: "duckdb.DuckDBPyConnection") -> "duckdb.DuckDBPyRelation":
    """:data:`OVERFLOW_SQL` on a connection from :func:`connect`."""
    return con.sql(OVERFLOW_SQL)


def dwell(con: "duckdb.DuckDBPyConnection") -> "duckdb.DuckDBPyRelation":
    """:data:`DWELL_SQL` on a connection from :func:`connect`."""
    return con.sql(DWELL_SQL)


def occupancy(con: "duckdb.DuckDBPyConnection") -> "duckdb.DuckDBPyRelation":
    """:data:`OCCUPANCY_SQL` on a connection from :func:`connect`."""
    return con.sql(OCCUPANCY_SQL)


def doors_needed(con: "duckdb.DuckDBPyConnection") -> "duckdb.DuckDBPyRelation":
    """:data:`DOORS_NEEDED_SQL` on a connection from :func:`connect`."""
    return con.sql(DOORS_NEEDED_SQL)
