//! Journals read into batches, each verified as it is read; many banks'
//! journals on every core.

use core::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use arrow_array::RecordBatch;
use locker_core::journal::lines::TornTail;
use locker_core::journal::raw::scan_with;
use locker_core::journal::{JournalError, Trust, Verified};
use locker_core::locker::Entry;

use crate::batch::{BATCH_ROWS, BATCH_TEXT_BYTES, BatchBuilder};
use crate::fields::{Fields, columns, columns_of};

/// One bank's rows and report.
type BankRead = (Vec<RecordBatch>, BankReport);

/// One bank's journal text and what it is verified against.
#[derive(Clone, Copy, Debug)]
pub struct JournalInput<'a> {
    /// The bank's id (the `bank_id` column).
    pub bank_id: &'a str,
    /// The journal's JSON-lines text.
    pub text: &'a str,
    /// The keys (to check MACs), and the head or count seen before.
    pub trust: Trust<'a>,
}

/// How one bank's journal read.
#[derive(Debug)]
pub struct BankReport {
    /// The bank's id.
    pub bank_id: String,
    /// Rows given for this bank: the records before the first bad one (all
    /// of them when `error` is none).
    pub records: u64,
    /// Records that were stored in another spelling (sorted keys) and
    /// verified in the library's own.
    pub respelt: u64,
    /// The first thing wrong with the journal; `None` when it verified.
    pub error: Option<JournalError>,
    /// What the verification established, when the journal verified.
    pub verified: Option<Verified>,
    /// A torn last line (a write cut by a power loss), dropped.
    pub torn_tail: Option<TornTail>,
}

/// A fleet's journals as batches, and how each bank's read.
#[derive(Debug)]
pub struct JournalTable {
    /// The rows, in batches of at most [`BATCH_ROWS`], bank by bank in the
    /// order given, each bank's records in journal order.
    pub batches: Vec<RecordBatch>,
    /// One report per bank, in the order given.
    pub reports: Vec<BankReport>,
}

impl JournalTable {
    /// All rows.
    #[must_use]
    pub fn num_rows(&self) -> usize {
        self.batches.iter().map(RecordBatch::num_rows).sum()
    }
}

/// Reads one bank's journal: its rows, in batches, up to the first bad
/// record, and the report that says whether it verified.
#[must_use]
pub fn read_journal(input: &JournalInput<'_>) -> (Vec<RecordBatch>, BankReport) {
    read_in_batches(input, BATCH_ROWS)
}

/// [`read_journal`] with batches of at most `batch_rows` rows.
pub(crate) fn read_in_batches(
    input: &JournalInput<'_>,
    batch_rows: usize,
) -> (Vec<RecordBatch>, BankReport) {
    let mut batches = Vec::new();
    // Sized for the whole journal, or a batch of it: a line is a record,
    // and entries are most of each line.
    let lines = line_count(input.text.as_bytes());
    let rows = lines.clamp(1, batch_rows);
    let entry_bytes = (input.text.len() / lines.max(1)).saturating_mul(rows);
    let mut builder = BatchBuilder::with_capacity(rows, input.bank_id, entry_bytes);
    let mut records = 0_u64;
    let mut respelt = 0_u64;
    let scanned = scan_with::<Entry, Fields<'_>>(input.text, &input.trust, |record, fields| {
        let line = usize::try_from(records)
            .unwrap_or(usize::MAX)
            .saturating_add(1);
        let malformed = |message: String| JournalError::Malformed { line, message };
        let at = i64::try_from(record.at_s)
            .map_err(|_| malformed(format!("time {} is past any timestamp", record.at_s)))?;
        // A batch's text columns stay within their 32-bit offsets.
        let row_bytes = input.bank_id.len() + record.entry_json.len();
        if row_bytes > BATCH_TEXT_BYTES {
            return Err(malformed(format!(
                "a record of {row_bytes} bytes is larger than a batch holds"
            )));
        }
        if builder.len() > 0 && builder.text_bytes() + row_bytes > BATCH_TEXT_BYTES {
            batches.push(builder.finish().map_err(|e| malformed(e.to_string()))?);
        }
        // Read with the line, or from the respelt entry's text.
        let columns = match fields {
            Some(fields) => columns_of(fields),
            None => columns(&record.entry_json),
        }
        .map_err(malformed)?;
        builder
            .push(input.bank_id, &record, at, columns)
            .map_err(|e| malformed(e.to_string()))?;
        records += 1;
        respelt += u64::from(record.respelt);
        if builder.len() >= batch_rows {
            batches.push(builder.finish().map_err(|e| malformed(e.to_string()))?);
        }
        Ok(())
    });
    let mut report = BankReport {
        bank_id: input.bank_id.to_owned(),
        records,
        respelt,
        error: None,
        verified: None,
        torn_tail: None,
    };
    match scanned {
        Ok(scanned) => {
            report.verified = Some(scanned.verified);
            report.torn_tail = scanned.torn_tail;
        }
        Err(error) => report.error = Some(error),
    }
    if builder.len() > 0 {
        match builder.finish() {
            Ok(batch) => batches.push(batch),
            Err(error) => {
                // Only an inconsistency between the builder and the schema
                // gets here: no row of the last batch is given.
                report.records -= u64::try_from(builder.len()).unwrap_or(0);
                report.error.get_or_insert(JournalError::Malformed {
                    line: 0,
                    message: error.to_string(),
                });
            }
        }
    }
    (batches, report)
}

/// The lines of `text`.
fn line_count(text: &[u8]) -> usize {
    text.iter().filter(|&&byte| byte == b'\n').count()
}

/// Reads many banks' journals on up to `threads` threads (at least one),
/// each bank as [`read_journal`] does; the answer keeps the order given.
#[must_use]
pub fn read_journals(inputs: &[JournalInput<'_>], threads: usize) -> JournalTable {
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<BankRead>>> =
        Mutex::new((0..inputs.len()).map(|_| None).collect());
    let work = || {
        loop {
            let index = next.fetch_add(1, Ordering::Relaxed);
            let Some(input) = inputs.get(index) else {
                break;
            };
            let read = read_journal(input);
            if let Ok(mut results) = results.lock()
                && let Some(slot) = results.get_mut(index)
            {
                *slot = Some(read);
            }
        }
    };
    let threads = threads.clamp(1, inputs.len().max(1));
    std::thread::scope(|scope| {
        for _ in 1..threads {
            scope.spawn(work);
        }
        work();
    });
    let mut table = JournalTable {
        batches: Vec::new(),
        reports: Vec::with_capacity(inputs.len()),
    };
    let results = results
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    for (batches, report) in results.into_iter().flatten() {
        table.batches.extend(batches);
        table.reports.push(report);
    }
    table
}
