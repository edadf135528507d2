//! The journal a `locker` handle writes to: the vendor's line callbacks
//! (`locker_hardware.journal_append`) or a raw flash region
//! (`locker_flash`, the core's `FlashJournal`). One type for both, so one
//! handle type serves lockers of either kind.

use alloc::rc::Rc;
use core::cell::Cell;
use core::ffi::c_char;
use core::fmt;

use locker_core::analytics::{StatsOptions, journal_stats};
use locker_core::journal::flash::{FlashError, FlashJournal};
use locker_core::journal::{JournalSink, Record, Trust, lines};
use locker_core::locker::Entry;

use crate::error::Error;
use crate::flash::{CFlash, CFlashError};
use crate::hardware::{AppendRefused, CJournal};
use crate::ptr::{bytes_arg, non_null, write_string};
use crate::{boundary, locker_status};

/// Where a locker's records go.
#[derive(Debug)]
pub(crate) enum Journal {
    /// One JSON line per record through `journal_append`.
    Lines(CJournal),
    /// Frames in the two halves of a flash region.
    Flash(OnFlash),
}

/// A journal on flash, and the code of its last failure.
#[derive(Debug)]
pub(crate) struct OnFlash {
    journal: FlashJournal<CFlash>,
    /// The code of the last write or compaction that failed (the core
    /// reports it as `journal_write`, keeping only its text): a call that
    /// fails on it returns this code's status. Shared, so that a locker
    /// that could not be made (its journal dropped with it) still tells.
    failure: Failure,
}

/// Where a flash journal notes the code of its last failure.
pub(crate) type Failure = Rc<Cell<Option<&'static str>>>;

/// `error` with the status of the storage failure behind it: the core
/// reports a failed write or compaction as `journal_write`, with the
/// storage's message; a flash failure (`flash_failed`, `flash_full`,
/// `needs_compaction`) gets its own status, the message kept.
pub(crate) fn refine(error: Error, failure: Option<&'static str>) -> Error {
    if error.status != locker_status::LOCKER_JOURNAL_WRITE {
        return error;
    }
    match failure.and_then(locker_status::of_code) {
        Some(status) => Error { status, ..error },
        None => error,
    }
}

impl Journal {
    /// A journal on the flash `journal`, noting its failures in
    /// `failure`.
    pub(crate) fn flash(journal: FlashJournal<CFlash>, failure: Failure) -> Self {
        Self::Flash(OnFlash { journal, failure })
    }

    /// The flash journal, or `LOCKER_NO_FLASH`.
    pub(crate) fn on_flash(&self) -> Result<&FlashJournal<CFlash>, Error> {
        match self {
            Self::Flash(flash) => Ok(&flash.journal),
            Self::Lines(_) => Err(not_on_flash()),
        }
    }

    /// The flash journal, to read the flash through it (its other half's
    /// history), or `LOCKER_NO_FLASH`.
    pub(crate) fn on_flash_mut(&mut self) -> Result<&mut FlashJournal<CFlash>, Error> {
        match self {
            Self::Flash(flash) => Ok(&mut flash.journal),
            Self::Lines(_) => Err(not_on_flash()),
        }
    }

    /// Takes the code of the storage's last failure since the last call.
    pub(crate) fn take_failure(&self) -> Option<&'static str> {
        match self {
            Self::Flash(flash) => flash.failure.take(),
            Self::Lines(_) => None,
        }
    }

    /// `error` with the status of the storage failure behind it (see
    /// [`refine`]).
    pub(crate) fn refine(&self, error: Error) -> Error {
        refine(error, self.take_failure())
    }
}

/// `LOCKER_NO_FLASH`, for a flash function on a locker with line
/// callbacks.
fn not_on_flash() -> Error {
    Error::new(
        locker_status::LOCKER_NO_FLASH,
        "this locker's journal is not on flash: it was made by locker_new or \
         locker_restore (its journal is hardware->journal_append)",
    )
}

impl OnFlash {
    fn noted<T>(
        &self,
        result: Result<T, FlashError<CFlashError>>,
    ) -> Result<T, FlashError<CFlashError>> {
        if let Err(error) = &result {
            self.failure.set(Some(error.code()));
        }
        result
    }
}

/// Why a journal did not take a record or a snapshot.
#[derive(Debug)]
pub(crate) enum JournalFailure {
    /// The line callbacks refused.
    Lines(AppendRefused),
    /// The flash journal refused.
    Flash(FlashError<CFlashError>),
}

impl fmt::Display for JournalFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Lines(error) => error.fmt(f),
            Self::Flash(error) => error.fmt(f),
        }
    }
}

impl JournalSink<Entry> for Journal {
    type Error = JournalFailure;

    fn append(&mut self, record: &Record<Entry>) -> Result<(), Self::Error> {
        match self {
            Self::Lines(journal) => journal.append(record).map_err(JournalFailure::Lines),
            Self::Flash(flash) => {
                let appended = flash.journal.append(record);
                flash.noted(appended).map_err(JournalFailure::Flash)
            }
        }
    }

    fn wants_compaction(&self) -> bool {
        match self {
            Self::Lines(journal) => JournalSink::<Entry>::wants_compaction(journal),
            Self::Flash(flash) => JournalSink::<Entry>::wants_compaction(&flash.journal),
        }
    }

    fn compact(&mut self, snapshot: &[u8]) -> Result<bool, Self::Error> {
        match self {
            Self::Lines(journal) => {
                JournalSink::<Entry>::compact(journal, snapshot).map_err(JournalFailure::Lines)
            }
            Self::Flash(flash) => {
                let compacted = JournalSink::<Entry>::compact(&mut flash.journal, snapshot);
                flash.noted(compacted).map_err(JournalFailure::Flash)
            }
        }
    }

    fn takes_encoded_snapshots(&self) -> bool {
        match self {
            Self::Lines(journal) => JournalSink::<Entry>::takes_encoded_snapshots(journal),
            Self::Flash(flash) => JournalSink::<Entry>::takes_encoded_snapshots(&flash.journal),
        }
    }

    fn compact_encoded(&mut self, stored: &[u8]) -> Result<bool, Self::Error> {
        match self {
            Self::Lines(journal) => JournalSink::<Entry>::compact_encoded(journal, stored)
                .map_err(JournalFailure::Lines),
            Self::Flash(flash) => {
                let compacted = JournalSink::<Entry>::compact_encoded(&mut flash.journal, stored);
                flash.noted(compacted).map_err(JournalFailure::Flash)
            }
        }
    }
}

/// Statistics of a journal, computed by the core by replaying it (the
/// core's `analytics::JournalStats` as JSON): where the parcels went
/// (`totals`), `overflow`, `occupancy` through the day, `dwell`,
/// `utilization` and `pickups`, and one entry per local day (`days`).
/// `text` is the journal's JSON lines (`len` bytes, UTF-8, no NUL needed),
/// checked for integrity (hashes, sequence, links; a torn last line is
/// left out); `utc_offset_s` is the site's offset from UTC in seconds
/// (within ±14 h), for hours of day and days.
///
/// On `LOCKER_OK`, `*out_json` is a new string owned by the caller;
/// release it with `locker_string_free`, never `free()`. Returns
/// `LOCKER_INVALID_ARGUMENT` for an offset out of range,
/// `LOCKER_INVALID_UTF8`, a journal status for text that is not a journal
/// (`LOCKER_JOURNAL_MALFORMED`, `LOCKER_JOURNAL_EDITED`, …), and
/// `LOCKER_JOURNAL_REPLAY` for a record that does not apply (the
/// last-error message names it) or no records.
///
/// Ownership: pointer arguments are borrowed for this call only. Thread
/// safety: any thread; it touches no locker.
#[unsafe(no_mangle)]
pub extern "C" fn locker_journal_stats(
    text: *const c_char,
    len: usize,
    utc_offset_s: i32,
    out_json: *mut *mut c_char,
) -> locker_status {
    boundary(|| {
        non_null(out_json, "out_json")?;
        let bytes = bytes_arg(text.cast::<u8>(), len, "text")?;
        let text = core::str::from_utf8(bytes).map_err(|error| {
            Error::new(
                locker_status::LOCKER_INVALID_UTF8,
                format_args!("text is not UTF-8 (byte {})", error.valid_up_to()),
            )
        })?;
        let loaded = lines::read::<Entry>(text, &Trust::integrity_only())
            .map_err(|error| Error::core(error.code(), &error))?;
        let options = StatsOptions::with_utc_offset_s(utc_offset_s);
        let stats = journal_stats(&loaded.records, &options)
            .map_err(|error| Error::core(error.code(), &error))?;
        let json = serde_json::to_string(&stats)
            .map_err(|error| Error::new(locker_status::LOCKER_PANIC, error))?;
        write_string(out_json, json)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_flash_failure_behind_a_journal_write_gets_its_own_status() {
        let write = || Error::new(locker_status::LOCKER_JOURNAL_WRITE, "journal write failed");
        let full = refine(write(), Some("flash_full"));
        assert_eq!(full.status, locker_status::LOCKER_FLASH_FULL);
        assert_eq!(full.message, "journal write failed");
        assert_eq!(
            refine(write(), Some("flash_failed")).status,
            locker_status::LOCKER_FLASH_FAILED
        );
        // No failure noted: as the core said.
        assert_eq!(
            refine(write(), None).status,
            locker_status::LOCKER_JOURNAL_WRITE
        );
        // Another error is not the storage's, whatever failed before it.
        let other = Error::from(locker_status::LOCKER_DOOR_BUSY);
        assert_eq!(
            refine(other, Some("flash_full")).status,
            locker_status::LOCKER_DOOR_BUSY
        );
    }
}
