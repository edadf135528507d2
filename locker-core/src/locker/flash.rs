//! A locker whose journal lives in flash: started on a blank region,
//! restored from the snapshot and records found in it otherwise.

use alloc::string::ToString;

use super::{Entry, Locker, LockerConfig, LockerError, Restore, Snapshot};
use crate::credential::{BankId, KeyRing};
use crate::hardware::Hardware;
use crate::journal::flash::FlashContents;
use crate::journal::{Chain, Head, JournalError, JournalSink};

/// What a locker opened from flash is checked against (see [`Restore`]).
#[derive(Clone, Copy, Debug, Default)]
pub struct FlashChecks {
    /// A head exported before: a journal that ends before it is refused,
    /// and so is a blank region (a wiped journal).
    pub expected_head: Option<Head>,
    /// The bank this board is.
    pub expected_bank: Option<BankId>,
}

impl Snapshot {
    /// Reads a snapshot as a flash journal stores it (its storage
    /// encoding, [`FlashContents::snapshot`]) straight from those bytes:
    /// no JSON text or value tree in memory, which a boot on a
    /// microcontroller cannot afford. The seal is checked when a locker
    /// is restored from it.
    ///
    /// # Errors
    ///
    /// [`JournalError::Malformed`] (line 0) for bytes that are not a
    /// snapshot, or that read as a snapshot written otherwise (a second
    /// encoding of it); [`JournalError::OutOfMemory`] when the heap has no
    /// room to expand it (the snapshot may be sound). The snapshot read
    /// and its check take heap too (about five times the stored bytes at
    /// a full bank): a part short of that stops as at any allocation.
    pub fn from_stored(bytes: &[u8]) -> Result<Self, JournalError> {
        crate::journal::compact::decode_value(bytes).map_err(|error| match error {
            JournalError::Malformed { line, message } => JournalError::Malformed {
                line,
                message: alloc::format!("snapshot: {message}"),
            },
            // A snapshot is no record: not "record 0 edited".
            JournalError::NotCanonical { .. } => JournalError::Malformed {
                line: 0,
                message: "snapshot: not written as its snapshot is (a second encoding)".into(),
            },
            other => other,
        })
    }

    /// Reads a snapshot as JSON bytes. The seal is checked
    /// when a locker is restored from it.
    ///
    /// # Errors
    ///
    /// [`JournalError::Malformed`] (line 0) for bytes that are not a
    /// snapshot.
    pub fn from_json_bytes(bytes: &[u8]) -> Result<Self, JournalError> {
        let malformed = |message: alloc::string::String| JournalError::Malformed {
            line: 0,
            message: alloc::format!("snapshot: {message}"),
        };
        // Read as text, through the reader a restore from JSON lines has
        // already: `from_slice` is a second copy of every snapshot reader
        // (68 KB of the `.wasm`).
        let text = core::str::from_utf8(bytes).map_err(|error| malformed(error.to_string()))?;
        serde_json::from_str(text).map_err(|error| malformed(error.to_string()))
    }
}

impl<H: Hardware, J: JournalSink<Entry>> Locker<H, J> {
    /// Opens the locker kept in `journal` (opened with
    /// [`FlashJournal::open`](crate::journal::flash::FlashJournal::open),
    /// which gave `contents`; or any storage that found such contents, a
    /// binding's journal wrapping a flash journal): a new locker with
    /// `config` and `keys` when the region was blank, otherwise the locker
    /// restored from its snapshot and records (as
    /// [`Locker::restore_with`], checked against `checks`). A journal cut
    /// short by a power cut is continued by a compaction before its next
    /// record.
    ///
    /// # Errors
    ///
    /// As [`Locker::with_keys`] and [`Locker::restore_with`];
    /// [`JournalError::RolledBack`] for a blank region when a head was
    /// exported before or the board's monotonic counter has counted
    /// records (the journal was wiped); [`JournalError::Malformed`] for a
    /// snapshot that does not read (see [`Snapshot::from_stored`]),
    /// [`JournalError::OutOfMemory`] for one the heap cannot expand.
    pub fn open_flash(
        config: LockerConfig,
        keys: KeyRing,
        mut hardware: H,
        journal: J,
        contents: &FlashContents<Entry>,
        checks: FlashChecks,
    ) -> Result<Self, LockerError> {
        let snapshot = contents
            .snapshot
            .as_deref()
            .map(Snapshot::from_stored)
            .transpose()?;
        // The records on the chip are read back from where the half's
        // header says the chain stood; that must be where the (sealed)
        // snapshot says it stood, or an edited header would go unseen
        // until the next record read back as another.
        // (A snapshot that does not verify is left to the restore, which
        // names why.)
        let expected = snapshot.as_ref().map_or_else(Chain::new, |s| s.chain);
        let found = contents.chain_start;
        let sealed = snapshot
            .as_ref()
            .is_none_or(|s| s.verify(&keys, false).is_ok());
        if sealed && found != expected {
            return Err(chain_mismatch(expected, found).into());
        }
        if contents.is_empty() {
            let counted = super::read_counter(&mut hardware)?.unwrap_or(0);
            let expected_records = checks
                .expected_head
                .map_or(0, |head| head.seq.saturating_add(1))
                .max(counted);
            if expected_records > 0 {
                return Err(JournalError::RolledBack {
                    expected_records,
                    found_records: 0,
                }
                .into());
            }
            return Self::with_keys(config, keys, hardware, journal);
        }
        let restore = Restore {
            expected_head: checks.expected_head,
            expected_bank: checks.expected_bank,
            ..Restore::new(&contents.records)
        };
        Self::restore_taking(keys, hardware, journal, restore, snapshot)
    }
}

/// Why a half's header does not continue its snapshot.
fn chain_mismatch(expected: Chain, found: Chain) -> JournalError {
    match found.next_seq.cmp(&expected.next_seq) {
        core::cmp::Ordering::Greater => JournalError::Missing {
            expected: expected.next_seq,
            found: found.next_seq,
        },
        core::cmp::Ordering::Less => JournalError::OutOfOrder {
            expected: expected.next_seq,
            found: found.next_seq,
        },
        core::cmp::Ordering::Equal => JournalError::BrokenLink {
            seq: found.next_seq,
        },
    }
}
