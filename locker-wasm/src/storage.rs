//! Where a [`Locker`](crate::locker::Locker) keeps its journal: in memory
//! (every record, which the host persists from `journalText()`), or in a
//! region of flash (the core's `FlashJournal`, which compacts itself).
//! One type for both, so the core's locker is built once.

use locker_core::journal::flash::{FlashConfig, FlashContents, FlashError, FlashJournal};
use locker_core::journal::{JournalSink, MemoryJournal, Record};
use locker_core::locker::Entry;
use serde::Serialize;

use crate::error::LockerError;
use crate::flash::{Region, RegionError};

/// A locker's journal.
#[derive(Debug)]
pub enum Journal {
    /// Every record, in memory.
    Memory(MemoryJournal<Entry>),
    /// A flash region.
    Flash(Box<FlashStore>),
}

/// A journal in flash, and what it held when it was opened.
#[derive(Debug)]
pub struct FlashStore {
    journal: FlashJournal<Region>,
    config: FlashConfig,
    opened: FlashOpened,
}

/// What `Locker.openFlash` found (`FlashOpenReportJson`).
#[derive(Clone, Copy, Debug, Serialize)]
pub struct FlashOpened {
    restored: bool,
    formatted: bool,
    snapshot_bytes: Option<usize>,
    records: usize,
    torn_bytes: Option<u32>,
}

impl FlashOpened {
    /// The report of what `contents` held.
    #[must_use]
    pub fn of(contents: &FlashContents<Entry>) -> Self {
        Self {
            restored: !contents.is_empty(),
            formatted: contents.formatted,
            snapshot_bytes: contents.snapshot.as_ref().map(Vec::len),
            records: contents.records.len(),
            torn_bytes: contents.torn_bytes,
        }
    }
}

impl FlashStore {
    /// A journal opened in its region.
    #[must_use]
    pub const fn new(
        journal: FlashJournal<Region>,
        config: FlashConfig,
        opened: FlashOpened,
    ) -> Self {
        Self {
            journal,
            config,
            opened,
        }
    }

    /// The journal.
    #[must_use]
    pub const fn journal(&self) -> &FlashJournal<Region> {
        &self.journal
    }

    /// What the region held when it was opened.
    #[must_use]
    pub const fn opened(&self) -> FlashOpened {
        self.opened
    }

    /// The journal in the region, opened again for reading only (the
    /// core's journal reads its records only when it is opened, and
    /// reading the other half takes it mutably, which the locker does not
    /// lend out).
    fn look(&self) -> Result<(FlashJournal<Region>, FlashContents<Entry>), LockerError> {
        let region = self.journal.flash().read_only();
        Ok(FlashJournal::open::<Entry>(region, self.config)?)
    }

    /// The records of the active half (after its snapshot).
    ///
    /// # Errors
    ///
    /// The flash's and the journal's codes.
    pub fn records(&self) -> Result<Vec<Record<Entry>>, LockerError> {
        Ok(self.look()?.1.records)
    }

    /// The records of the other half: the history before the snapshot,
    /// until the next compaction erases it.
    ///
    /// # Errors
    ///
    /// The flash's and the journal's codes.
    pub fn previous(&self) -> Result<Vec<Record<Entry>>, LockerError> {
        Ok(self.look()?.0.previous::<Entry>()?)
    }
}

impl JournalSink<Entry> for Journal {
    type Error = FlashError<RegionError>;

    fn append(&mut self, record: &Record<Entry>) -> Result<(), Self::Error> {
        match self {
            Self::Memory(journal) => journal.append(record).map_err(|never| match never {}),
            Self::Flash(store) => store.journal.append(record),
        }
    }

    fn wants_compaction(&self) -> bool {
        match self {
            Self::Memory(journal) => JournalSink::<Entry>::wants_compaction(journal),
            Self::Flash(store) => JournalSink::<Entry>::wants_compaction(&store.journal),
        }
    }

    fn compact(&mut self, snapshot: &[u8]) -> Result<bool, Self::Error> {
        match self {
            Self::Memory(journal) => {
                JournalSink::<Entry>::compact(journal, snapshot).map_err(|never| match never {})
            }
            Self::Flash(store) => JournalSink::<Entry>::compact(&mut store.journal, snapshot),
        }
    }
}
