//! The journal a `locker` handle writes to: the vendor's line callbacks
//! (`locker_hardware.journal_append`) or a raw flash region
//! (`locker_flash`, the core's `FlashJournal`). One type for both, so one
//! handle type serves lockers of either kind.

use alloc::rc::Rc;
use core::cell::Cell;
use core::fmt;

use locker_core::journal::flash::{FlashError, FlashJournal};
use locker_core::journal::{JournalSink, Record};
use locker_core::locker::Entry;

use crate::error::Error;
use crate::flash::{CFlash, CFlashError};
use crate::hardware::{AppendRefused, CJournal};
use crate::locker_status;

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
