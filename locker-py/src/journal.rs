//! Journals: JSON-lines records of a locker's entries, read, verified and
//! written.
//!
//! Verification is against what the caller trusts (the core's
//! `journal::Trust`): with a `KeyRing`, every record's MAC is checked, so a
//! journal rewritten with recomputed hashes is refused; without keys only
//! integrity is checked (hashes, sequence numbers, links), which anyone who
//! can write the storage can fake. An exported head (`expected_head`, from
//! `Locker.head()`) or a count a monotonic counter vouches for
//! (`min_records`) makes a journal cut short evident.

use locker_core::analytics::{self, StatsOptions};
use locker_core::journal::{self, Chain, Head, Record, Trust, Verified, lines};
use locker_core::locker::Entry;
use pyo3::prelude::*;
use pyo3::types::PyString;

use crate::args;
use crate::convert::{from_py, to_py};
use crate::credential::KeyRing;
use crate::exceptions::{CoreError, invalid_argument};

/// What a journal is checked against, as Python passes it.
pub(crate) struct TrustArgs<'a> {
    pub(crate) keys: Option<&'a locker_core::credential::KeyRing>,
    pub(crate) start: Option<Chain>,
    pub(crate) expected_head: Option<Head>,
    pub(crate) min_records: Option<u64>,
    pub(crate) accept_legacy: bool,
}

impl<'a> TrustArgs<'a> {
    /// The trust the journal readers' common arguments give: `keys` (every
    /// MAC checked), the head exported before, the count a monotonic
    /// counter vouches for, and whether version-1 records are accepted.
    ///
    /// # Errors
    ///
    /// As [`head_from`].
    pub(crate) fn from_args(
        keys: Option<&'a locker_core::credential::KeyRing>,
        expected_head: Option<&Bound<'_, PyAny>>,
        min_records: Option<u64>,
        accept_legacy: bool,
    ) -> PyResult<Self> {
        Ok(Self {
            keys,
            start: None,
            expected_head: head_from(expected_head)?,
            min_records,
            accept_legacy,
        })
    }

    /// The core's `Trust`.
    pub(crate) const fn trust(&self) -> Trust<'a> {
        Trust {
            keys: self.keys,
            start: self.start,
            expected_head: self.expected_head,
            min_records: self.min_records,
            accept_legacy: self.accept_legacy,
        }
    }
}

/// A head dict (`{"seq", "hash", "key_id", "mac"}`, from `Locker.head()`).
///
/// # Errors
///
/// `ArgumentTypeError`/`InvalidArgumentError` for data that is not a head.
pub(crate) fn head_from(head: Option<&Bound<'_, PyAny>>) -> PyResult<Option<Head>> {
    head.map(|h| from_py::<Head>(h, "expected_head"))
        .transpose()
}

/// Records from a list of record dicts, or from a journal's JSON-lines
/// text (each line must be exactly its record's canonical text; a torn
/// last line is left out). The text is read with `trust` (integrity only
/// is enough where the caller verifies again).
///
/// # Errors
///
/// `ArgumentTypeError`/`InvalidArgumentError` for data that is not records,
/// `JournalError` for text that is not a journal.
pub(crate) fn records_from(
    py: Python<'_>,
    records: &Bound<'_, PyAny>,
    trust: &Trust<'_>,
) -> PyResult<(Vec<Record<Entry>>, Option<Verified>)> {
    if let Ok(text) = records.cast::<PyString>() {
        let text = text.to_cow()?;
        let loaded = py
            .detach(|| lines::read::<Entry>(&text, trust))
            .map_err(CoreError::from)?;
        return Ok((loaded.records, Some(loaded.verified)));
    }
    Ok((from_py(records, "records")?, None))
}

/// Reads a journal's JSON-lines text and verifies it. Returns
/// `{"records": [...], "torn_tail": {"line", "bytes"} or None,
/// "valid_bytes": n, "verified": {...}}` (`verified` as `verify_journal`
/// returns it); a torn last line (a write cut by a power loss) is
/// reported, not raised. Every line must be exactly its record's canonical
/// text. With `keys` every record's MAC is checked; without, integrity
/// only (hashes, sequence, links: a rewrite with recomputed hashes
/// passes). Raises `JournalError` (`.code`, `.seq`) naming the first bad
/// record.
#[pyfunction]
#[pyo3(signature = (text, keys = None, *, expected_head = None, min_records = None, accept_legacy = false))]
pub(crate) fn read_journal<'py>(
    py: Python<'py>,
    #[pyo3(from_py_with = args::text)] text: &str,
    #[pyo3(from_py_with = args::keys)] keys: Option<PyRef<'py, KeyRing>>,
    expected_head: Option<&Bound<'py, PyAny>>,
    #[pyo3(from_py_with = args::min_records)] min_records: Option<u64>,
    #[pyo3(from_py_with = args::accept_legacy)] accept_legacy: bool,
) -> PyResult<Bound<'py, PyAny>> {
    let args = TrustArgs::from_args(
        keys.as_deref().map(|k| &k.inner),
        expected_head,
        min_records,
        accept_legacy,
    )?;
    let trust = args.trust();
    let loaded = py
        .detach(|| lines::read::<Entry>(text, &trust))
        .map_err(CoreError::from)?;
    // Straight from serde, so every dict keeps the serializer's key order
    // (an entry's `"type"` first) and goes back in as it came out.
    let read = JournalRead {
        records: &loaded.records,
        torn_tail: loaded.torn_tail,
        valid_bytes: loaded.valid_bytes,
        verified: loaded.verified,
    };
    to_py(py, &read)
}

/// `read_journal`'s answer.
#[derive(serde::Serialize)]
struct JournalRead<'a> {
    records: &'a [Record<Entry>],
    torn_tail: Option<lines::TornTail>,
    valid_bytes: usize,
    verified: Verified,
}

/// Verifies a journal: a list of record dicts, or its JSON-lines text
/// (read as `read_journal` reads it: canonical lines, a torn last line left
/// out). Returns what was verified: `{"chain": {"next_seq", "head"},
/// "authenticated_through": seq or None, "legacy_records": n, "head":
/// {...} or None}`. With `keys` every record's MAC is checked (a record
/// no key vouches for is refused); without, integrity only. `expected_head`
/// (a head exported before) and `min_records` (what a monotonic counter
/// vouches for) refuse a journal cut short; `accept_legacy` accepts
/// version-1 records no MAC vouches for. Raises `JournalError` (`.code`,
/// `.seq`) naming the first bad record.
#[pyfunction]
#[pyo3(signature = (records, keys = None, *, expected_head = None, min_records = None, accept_legacy = false))]
pub(crate) fn verify_journal<'py>(
    py: Python<'py>,
    records: &Bound<'py, PyAny>,
    #[pyo3(from_py_with = args::keys)] keys: Option<PyRef<'py, KeyRing>>,
    expected_head: Option<&Bound<'py, PyAny>>,
    #[pyo3(from_py_with = args::min_records)] min_records: Option<u64>,
    #[pyo3(from_py_with = args::accept_legacy)] accept_legacy: bool,
) -> PyResult<Bound<'py, PyAny>> {
    let args = TrustArgs::from_args(
        keys.as_deref().map(|k| &k.inner),
        expected_head,
        min_records,
        accept_legacy,
    )?;
    let trust = args.trust();
    let verified = match records_from(py, records, &trust)? {
        (_, Some(verified)) => verified,
        (records, None) => py
            .detach(|| journal::verify(&records, &trust))
            .map_err(CoreError::from)?,
    };
    to_py(py, &verified)
}

/// Writes record dicts as JSON-lines text (one record a line, each line
/// ending in a newline), after checking their integrity.
#[pyfunction]
pub(crate) fn write_journal(records: &Bound<'_, PyAny>) -> PyResult<String> {
    let records: Vec<Record<Entry>> = from_py(records, "records")?;
    journal::verify(&records, &Trust::integrity_only()).map_err(CoreError::from)?;
    Ok(lines::write(&records))
}

/// Statistics of a journal, computed by the core (`locker_core::analytics`)
/// by replaying it: where the parcels went, overflow, occupancy through
/// the day, dwell, utilization and pickups (the `JournalStats` TypedDict).
/// `records` is a journal's JSON-lines text (its integrity is checked) or
/// the list of record dicts `read_journal` returns; `utc_offset_s` (within
/// ±14 h) makes hours of day and days local; `from_s`/`until_s` count
/// only what happened in that window. The GIL is released while the core
/// computes. Raises `JournalError` (`.code`, `.seq`) for records that do
/// not replay, `InvalidArgumentError` for options out of range.
#[pyfunction]
#[pyo3(signature = (records, utc_offset_s = 0, *, from_s = None, until_s = None))]
pub(crate) fn journal_stats<'py>(
    py: Python<'py>,
    records: &Bound<'py, PyAny>,
    #[pyo3(from_py_with = args::utc_offset_s)] utc_offset_s: i64,
    #[pyo3(from_py_with = args::from_s)] from_s: Option<u64>,
    #[pyo3(from_py_with = args::until_s)] until_s: Option<u64>,
) -> PyResult<Bound<'py, PyAny>> {
    let Ok(utc_offset_s) = i32::try_from(utc_offset_s) else {
        return Err(invalid_argument(
            "utc_offset_s",
            "must be within ±14 hours (±50400 s)",
        ));
    };
    let options = StatsOptions {
        utc_offset_s,
        from_s,
        until_s,
    };
    let (records, _) = records_from(py, records, &Trust::integrity_only())?;
    let stats = py
        .detach(|| analytics::journal_stats(&records, &options))
        .map_err(CoreError::from)?;
    to_py(py, &stats)
}

/// Each parcel stored (in the window), as `journal_stats` counts it: a
/// list of `{"parcel", "recipient", "carrier", "compartment", "size_class",
/// "stored_at_s", "left_at_s", "outcome", "stay_s"}` in the order stored,
/// `outcome` one of `"collected"`, `"returned"`, `"missing"`, `"in_bank"`
/// (`left_at_s` and `stay_s` are `None` for a parcel still inside).
/// `records` as for `journal_stats`. Raises as `journal_stats` does.
#[pyfunction]
#[pyo3(signature = (records, *, from_s = None, until_s = None))]
pub(crate) fn parcel_stays<'py>(
    py: Python<'py>,
    records: &Bound<'py, PyAny>,
    #[pyo3(from_py_with = args::from_s)] from_s: Option<u64>,
    #[pyo3(from_py_with = args::until_s)] until_s: Option<u64>,
) -> PyResult<Bound<'py, PyAny>> {
    let options = StatsOptions {
        utc_offset_s: 0,
        from_s,
        until_s,
    };
    let (records, _) = records_from(py, records, &Trust::integrity_only())?;
    let stays = py
        .detach(|| analytics::parcel_stays(&records, &options))
        .map_err(CoreError::from)?;
    to_py(py, &stays)
}
