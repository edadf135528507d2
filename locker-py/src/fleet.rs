//! Journals as Arrow tables (`locker_arrow`), handed to pyarrow, Polars
//! and DuckDB through the Arrow PyCapsule interface, without copies.

use alloc::borrow::Cow;
use std::path::PathBuf;

use arrow_array::ffi::FFI_ArrowSchema;
use arrow_array::ffi_stream::FFI_ArrowArrayStream;
use arrow_array::{RecordBatch, RecordBatchIterator};
use locker_arrow::{BankReport, JournalInput, SCHEMA_VERSION, journal_schema};
use locker_core::journal::Trust;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyCapsule, PyDict, PyList, PyMapping, PyString};

use crate::args;
use crate::convert::to_py;
use crate::credential::KeyRing;
use crate::exceptions::{CoreError, argument_type, invalid_argument};
use crate::journal::TrustArgs;

/// Journal records as an Arrow table (schema `locker.fleet.SCHEMA`): give
/// it to `pyarrow.table(...)`, `polars.DataFrame(...)` or DuckDB, which
/// read it through `__arrow_c_stream__` without a copy (as often as they
/// like). `reports` says, bank by bank, whether the journal verified and
/// where its rows stop.
#[pyclass(module = "locker", frozen)]
pub(crate) struct JournalTable {
    batches: Vec<RecordBatch>,
    reports: Vec<BankReport>,
}

#[pymethods]
impl JournalTable {
    /// The version of the table's schema (also in the schema's metadata,
    /// `locker.journal_schema_version`).
    #[classattr]
    const SCHEMA_VERSION: u32 = SCHEMA_VERSION;

    /// The rows of every bank.
    #[getter]
    fn num_rows(&self) -> usize {
        self.batches.iter().map(RecordBatch::num_rows).sum()
    }

    fn __len__(&self) -> usize {
        self.num_rows()
    }

    /// Whether every bank's journal verified whole.
    #[getter]
    fn ok(&self) -> bool {
        self.reports.iter().all(|r| r.error.is_none())
    }

    /// One dict per bank, in the order given: `bank_id`, `records` (its
    /// rows: the records before the first bad one), `respelt` (records
    /// stored in another spelling, such as sorted keys, and verified in
    /// the library's own), `error` (`None`, or `{"code", "message",
    /// "seq"}` for the first thing wrong), `verified` (as
    /// `verify_journal` returns it, when the journal verified) and
    /// `torn_tail` (`{"line", "bytes"}` of a last line cut by a power
    /// loss, dropped).
    #[getter]
    fn reports<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let list = PyList::empty(py);
        for report in &self.reports {
            let item = PyDict::new(py);
            item.set_item("bank_id", &report.bank_id)?;
            item.set_item("records", report.records)?;
            item.set_item("respelt", report.respelt)?;
            let error = match &report.error {
                Some(error) => {
                    let described = PyDict::new(py);
                    described.set_item("code", error.code())?;
                    described.set_item("message", error.to_string())?;
                    described.set_item("seq", error.seq())?;
                    described.into_any()
                }
                None => py.None().into_bound(py),
            };
            item.set_item("error", error)?;
            item.set_item("verified", to_py(py, &report.verified)?)?;
            item.set_item("torn_tail", to_py(py, &report.torn_tail)?)?;
            list.append(item)?;
        }
        Ok(list)
    }

    /// The schema, as an Arrow PyCapsule (`arrow_schema`).
    fn __arrow_c_schema__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyCapsule>> {
        let schema = FFI_ArrowSchema::try_from(journal_schema().as_ref())
            .map_err(|e| pyo3::exceptions::PyRuntimeError::new_err(e.to_string()))?;
        PyCapsule::new_with_value(py, schema, c"arrow_schema")
    }

    /// The rows as an Arrow C stream in a PyCapsule (`arrow_array_stream`).
    /// `requested_schema` is not applied: the table has one schema.
    #[pyo3(signature = (requested_schema = None))]
    fn __arrow_c_stream__<'py>(
        &self,
        py: Python<'py>,
        requested_schema: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyCapsule>> {
        let _ = requested_schema;
        // Batches share their buffers: a clone is a few reference counts.
        let batches = self.batches.clone().into_iter().map(Ok);
        let reader = RecordBatchIterator::new(batches, journal_schema());
        let stream = FFI_ArrowArrayStream::new(Box::new(reader));
        PyCapsule::new_with_value(py, stream, c"arrow_array_stream")
    }

    /// Refused, saying what pickles instead.
    fn __reduce__(&self) -> PyResult<()> {
        Err(crate::pickle::refused(
            "JournalTable",
            "it is a view for Arrow consumers; send pyarrow.table(t) (which pickles) or \
             the journals themselves",
        ))
    }

    fn __repr__(&self) -> String {
        let failed = self.reports.iter().filter(|r| r.error.is_some()).count();
        format!(
            "JournalTable(banks={}, rows={}, failed_banks={failed})",
            self.reports.len(),
            self.num_rows()
        )
    }
}

/// The table, or with `strict` the first bank's error raised.
fn table(
    batches: Vec<RecordBatch>,
    reports: Vec<BankReport>,
    strict: bool,
) -> PyResult<JournalTable> {
    if strict && let Some(error) = reports.iter().find_map(|r| r.error.clone()) {
        return Err(CoreError::from(error).into());
    }
    Ok(JournalTable { batches, reports })
}

/// Reads one journal's JSON-lines text into an Arrow table (see
/// `JournalTable`), verifying it as `read_journal` does: with `keys`
/// every record's MAC, without them integrity only; `expected_head` and
/// `min_records` refuse a journal cut short. Lines stored in another
/// spelling of their record (sorted keys) are read and verified in the
/// library's own. The rows stop at the first bad record and
/// `reports[0]["error"]` says what it is; with `strict` it is raised as a
/// `JournalError` instead. `bank_id` fills the `bank_id` column. Runs
/// without the GIL.
#[pyfunction]
#[pyo3(signature = (text, keys = None, *, bank_id = "", expected_head = None, min_records = None, accept_legacy = false, strict = false))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn read_journal_arrow<'py>(
    py: Python<'py>,
    #[pyo3(from_py_with = args::text)] text: &str,
    #[pyo3(from_py_with = args::keys)] keys: Option<PyRef<'py, KeyRing>>,
    #[pyo3(from_py_with = args::bank_id)] bank_id: &str,
    expected_head: Option<&Bound<'py, PyAny>>,
    #[pyo3(from_py_with = args::min_records)] min_records: Option<u64>,
    #[pyo3(from_py_with = args::accept_legacy)] accept_legacy: bool,
    #[pyo3(from_py_with = args::strict)] strict: bool,
) -> PyResult<JournalTable> {
    let args = TrustArgs::from_args(
        keys.as_deref().map(|k| &k.inner),
        expected_head,
        min_records,
        accept_legacy,
    )?;
    let input = JournalInput {
        bank_id,
        text,
        trust: args.trust(),
    };
    let (batches, report) = py.detach(|| locker_arrow::read_journal(&input));
    table(batches, vec![report], strict)
}

/// One bank's journal as given: its text, or a file to read.
enum Source<'py> {
    Text(Bound<'py, PyString>),
    Bytes(Bound<'py, PyBytes>),
    File(PathBuf),
}

/// Reads many banks' journals into one Arrow table, bank by bank in the
/// order given, on every core (`threads`, default all) without the GIL.
/// `journals` maps bank ids to journals (a dict, or pairs): each is the
/// JSON-lines text (`str` or UTF-8 `bytes`) or a path (`os.PathLike`) of
/// a file holding it. `keys` is one `KeyRing` for every bank, a mapping
/// from bank id to its `KeyRing` (every bank must have one: a bank left
/// out would be read unauthenticated), or `None` for integrity only. A
/// bank's rows stop at its first bad record and its report says what it
/// is, so one tampered bank does not keep the fleet from reading; with
/// `strict` the first bank's error is raised as a `JournalError`.
#[pyfunction]
#[pyo3(signature = (journals, keys = None, *, accept_legacy = false, strict = false, threads = None))]
pub(crate) fn read_journals_arrow<'py>(
    py: Python<'py>,
    journals: &Bound<'py, PyAny>,
    keys: Option<&Bound<'py, PyAny>>,
    #[pyo3(from_py_with = args::accept_legacy)] accept_legacy: bool,
    #[pyo3(from_py_with = args::strict)] strict: bool,
    #[pyo3(from_py_with = args::threads)] threads: Option<u32>,
) -> PyResult<JournalTable> {
    let sources = sources(journals)?;
    let rings = rings(keys, &sources)?;
    // Files are read without the GIL too.
    let paths: Vec<Option<&PathBuf>> = sources
        .iter()
        .map(|(_, source)| match source {
            Source::File(path) => Some(path),
            _ => None,
        })
        .collect();
    let files: Vec<Option<std::io::Result<Vec<u8>>>> =
        py.detach(|| paths.iter().map(|path| path.map(std::fs::read)).collect());
    let texts: Vec<Cow<'_, str>> = sources
        .iter()
        .zip(files)
        .map(|((bank_id, source), file)| text_of(bank_id, source, file))
        .collect::<PyResult<_>>()?;
    let mut inputs = Vec::with_capacity(sources.len());
    for (((bank_id, _), text), ring) in sources.iter().zip(&texts).zip(&rings) {
        let mut trust = ring
            .as_ref()
            .map_or_else(Trust::integrity_only, |ring| Trust::with_keys(&ring.inner));
        trust.accept_legacy = accept_legacy;
        inputs.push(JournalInput {
            bank_id: bank_id.as_str(),
            text,
            trust,
        });
    }
    let threads = match threads {
        Some(0) => return Err(invalid_argument("threads", "must be at least 1")),
        Some(n) => usize::try_from(n).unwrap_or(usize::MAX),
        None => std::thread::available_parallelism().map_or(1, usize::from),
    };
    let read = py.detach(|| locker_arrow::read_journals(&inputs, threads));
    table(read.batches, read.reports, strict)
}

/// The (bank id, journal) pairs of a mapping or an iterable of pairs.
fn sources<'py>(journals: &Bound<'py, PyAny>) -> PyResult<Vec<(String, Source<'py>)>> {
    let pairs: Bound<'py, PyAny> = match journals.cast::<PyMapping>() {
        Ok(mapping) => mapping.items()?.into_any(),
        Err(_) if journals.is_instance_of::<PyString>() => {
            return Err(argument_type(
                "journals",
                "expected a mapping of bank ids to journals (or pairs), not a str: \
                 read one journal with read_journal_arrow",
            ));
        }
        Err(_) => journals.clone(),
    };
    let iter = pairs.try_iter().map_err(|_| {
        argument_type(
            "journals",
            format!(
                "expected a mapping of bank ids to journals, or (bank_id, journal) pairs, not {}",
                journals
                    .get_type()
                    .name()
                    .map_or_else(|_| "?".into(), |n| n.to_string())
            ),
        )
    })?;
    let mut out: Vec<(String, Source<'py>)> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for item in iter {
        let item = item?;
        let (bank, journal): (Bound<'py, PyAny>, Bound<'py, PyAny>) =
            item.extract().map_err(|_| {
                argument_type("journals", "every item must be a (bank_id, journal) pair")
            })?;
        let bank_id: String = bank
            .cast::<PyString>()
            .map_err(|_| argument_type("journals", "bank ids must be str"))?
            .to_cow()?
            .into_owned();
        if !seen.insert(bank_id.clone()) {
            return Err(invalid_argument(
                "journals",
                format!("bank {bank_id:?} is given twice"),
            ));
        }
        let source = if let Ok(text) = journal.cast::<PyString>() {
            Source::Text(text.clone())
        } else if let Ok(bytes) = journal.cast::<PyBytes>() {
            Source::Bytes(bytes.clone())
        } else if let Ok(path) = journal.extract::<PathBuf>() {
            Source::File(path)
        } else {
            return Err(argument_type(
                "journals",
                format!(
                    "bank {bank_id:?}: a journal is its text (str or bytes) or a path, not {}",
                    journal.get_type().name()?
                ),
            ));
        };
        out.push((bank_id, source));
    }
    Ok(out)
}

/// One ring per bank, in the order of `sources`.
fn rings<'py>(
    keys: Option<&Bound<'py, PyAny>>,
    sources: &[(String, Source<'py>)],
) -> PyResult<Vec<Option<PyRef<'py, KeyRing>>>> {
    let Some(keys) = keys.filter(|k| !k.is_none()) else {
        return Ok(sources.iter().map(|_| None).collect());
    };
    if let Ok(ring) = keys.cast::<KeyRing>() {
        return sources
            .iter()
            .map(|_| Ok(Some(ring.try_borrow()?)))
            .collect();
    }
    let Ok(mapping) = keys.cast::<PyMapping>() else {
        return Err(argument_type(
            "keys",
            format!(
                "expected a KeyRing, a mapping of bank ids to KeyRings, or None, not {}",
                keys.get_type().name()?
            ),
        ));
    };
    sources
        .iter()
        .map(|(bank_id, _)| {
            let ring = mapping.get_item(bank_id).map_err(|_| {
                invalid_argument(
                    "keys",
                    format!("no KeyRing for bank {bank_id:?}: it would be read unauthenticated"),
                )
            })?;
            let ring = ring.cast::<KeyRing>().map_err(|_| {
                argument_type("keys", format!("bank {bank_id:?}: expected a KeyRing"))
            })?;
            Ok(Some(ring.try_borrow()?))
        })
        .collect()
}

/// A journal's text: borrowed from a `str`, decoded from `bytes`, or read
/// from its file.
fn text_of<'a>(
    bank_id: &str,
    source: &'a Source<'_>,
    file: Option<std::io::Result<Vec<u8>>>,
) -> PyResult<Cow<'a, str>> {
    let not_utf8 = |e: core::str::Utf8Error| {
        invalid_argument("journals", format!("bank {bank_id:?}: not UTF-8 ({e})"))
    };
    match (source, file) {
        (Source::Text(text), _) => text.to_cow(),
        (Source::Bytes(bytes), _) => core::str::from_utf8(bytes.as_bytes())
            .map(Cow::Borrowed)
            .map_err(not_utf8),
        (Source::File(_), Some(Ok(bytes))) => String::from_utf8(bytes)
            .map(Cow::Owned)
            .map_err(|e| not_utf8(e.utf8_error())),
        (Source::File(path), read) => {
            let why = read
                .and_then(Result::err)
                .map_or_else(|| String::from("not read"), |error| error.to_string());
            Err(pyo3::exceptions::PyOSError::new_err(format!(
                "bank {bank_id:?}: cannot read {}: {why}",
                path.display()
            )))
        }
    }
}
