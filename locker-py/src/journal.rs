//! Journals: JSON-lines records of a locker's entries, read, verified and
//! written.

use locker_core::journal::{self, Record, lines};
use locker_core::locker::Entry;
use pyo3::prelude::*;

use crate::convert::{from_py, to_py};
use crate::exceptions::CoreError;

/// Reads a journal's JSON-lines text and checks its hash chain. Returns
/// `{"records": [...], "torn_tail": {"line", "bytes"} or None,
/// "valid_bytes": n}`; a torn last line (a write cut by a power loss) is
/// reported, not raised. Raises `JournalError` naming the first bad record.
#[pyfunction]
pub(crate) fn read_journal<'py>(py: Python<'py>, text: &str) -> PyResult<Bound<'py, PyAny>> {
    let loaded = py
        .detach(|| lines::read::<Entry>(text, None))
        .map_err(CoreError::from)?;
    // Straight from serde, so every dict keeps the serializer's key order
    // (an entry's `"type"` first) and goes back in as it came out.
    let read = JournalRead {
        records: &loaded.records,
        torn_tail: loaded.torn_tail,
        valid_bytes: loaded.valid_bytes,
    };
    to_py(py, &read)
}

/// `read_journal`'s answer.
#[derive(serde::Serialize)]
struct JournalRead<'a> {
    records: &'a [Record<Entry>],
    torn_tail: Option<lines::TornTail>,
    valid_bytes: usize,
}

/// Checks a list of record dicts: versions, sequence, hashes and links.
/// Raises `JournalError` naming the first bad record.
#[pyfunction]
pub(crate) fn verify_journal(py: Python<'_>, records: &Bound<'_, PyAny>) -> PyResult<()> {
    let records: Vec<Record<Entry>> = from_py(records, "records")?;
    py.detach(|| journal::verify(&records, None))
        .map_err(CoreError::from)?;
    Ok(())
}

/// Writes record dicts as JSON-lines text (one record a line, each line
/// ending in a newline), after checking them.
#[pyfunction]
pub(crate) fn write_journal(records: &Bound<'_, PyAny>) -> PyResult<String> {
    let records: Vec<Record<Entry>> = from_py(records, "records")?;
    journal::verify(&records, None).map_err(CoreError::from)?;
    Ok(lines::write(&records))
}
