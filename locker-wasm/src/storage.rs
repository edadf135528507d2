//! Where a [`Locker`](crate::locker::Locker) keeps its journal: in memory
//! (every record, which the host persists from `journalText()`), or in a
//! region of flash (the core's `FlashJournal`, which compacts itself).
//! One type for both, so the core's locker is built once.

use locker_core::journal::flash::{FlashContents, FlashError, FlashJournal, FlashUsage};
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
    opened: FlashOpened,
}

/// What `Locker.openFlash` found (`FlashOpenReportJson`).
#[derive(Clone, Copy, Debug, Serialize)]
pub struct FlashOpened {
    restored: bool,
    formatted: bool,
    snapshot_bytes: Option<u32>,
    records: usize,
    torn_bytes: Option<u32>,
}

impl FlashOpened {
    /// The report of what `contents` held, the snapshot's size as stored
    /// (`usage`: in the storage encoding, not the JSON `contents` holds).
    #[must_use]
    pub fn of(contents: &FlashContents<Entry>, usage: FlashUsage) -> Self {
        Self {
            restored: !contents.is_empty(),
            formatted: contents.formatted,
            snapshot_bytes: contents.snapshot.as_ref().map(|_| usage.snapshot_bytes),
            records: contents.records.len(),
            torn_bytes: contents.torn_bytes,
        }
    }
}

impl FlashStore {
    /// A journal opened in its region.
    #[must_use]
    pub const fn new(journal: FlashJournal<Region>, opened: FlashOpened) -> Self {
        Self { journal, opened }
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

    /// The records of the active half (after its snapshot), read from
    /// the flash.
    ///
    /// # Errors
    ///
    /// The flash's and the journal's codes.
    pub fn records(&mut self) -> Result<Vec<Record<Entry>>, LockerError> {
        Ok(self.journal.records::<Entry>()?)
    }

    /// The records of the other half: the history before the snapshot,
    /// until the next compaction erases it.
    ///
    /// # Errors
    ///
    /// The flash's and the journal's codes.
    pub fn previous(&mut self) -> Result<Vec<Record<Entry>>, LockerError> {
        Ok(self.journal.previous::<Entry>()?)
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

    fn takes_encoded_snapshots(&self) -> bool {
        match self {
            Self::Memory(journal) => JournalSink::<Entry>::takes_encoded_snapshots(journal),
            Self::Flash(store) => JournalSink::<Entry>::takes_encoded_snapshots(&store.journal),
        }
    }

    fn compact_encoded(&mut self, stored: &[u8]) -> Result<bool, Self::Error> {
        match self {
            Self::Memory(journal) => JournalSink::<Entry>::compact_encoded(journal, stored)
                .map_err(|never| match never {}),
            Self::Flash(store) => JournalSink::<Entry>::compact_encoded(&mut store.journal, stored),
        }
    }
}
