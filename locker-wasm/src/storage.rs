//! Where a [`Locker`](crate::locker::Locker) keeps its journal: in memory
//! (every record, which the host persists from `journalText()`), or in a
//! region of flash (the core's `FlashJournal`, which compacts itself).
//! One type for both, so the core's locker is built once; and how a
//! locker on flash is opened ([`open_flash`]).

use locker_core::credential::KeyRing;
use locker_core::hardware::{Hardware, HardwareError};
use locker_core::journal::flash::{FlashContents, FlashError, FlashJournal, FlashUsage};
use locker_core::journal::{JournalError, JournalSink, MemoryJournal, Record};
use locker_core::locker::{
    Entry, FlashChecks, Locker, LockerConfig, LockerError as CoreLockerError, Restore, Snapshot,
};
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
}

/// The core's `Locker::open_flash`, the snapshot read as text: through
/// the reader `Locker.restore` already has in the module. The core reads
/// it with `Snapshot::from_json_bytes` (`serde_json::from_slice`), a
/// second copy of the snapshot reader: 68 KB of the `.wasm`. The unit
/// tests below hold this to the core's answers; it goes once the core
/// reads the bytes through the same reader (or takes a parsed snapshot).
///
/// # Errors
///
/// As the core's `Locker::open_flash`.
pub fn open_flash<H: Hardware, J: JournalSink<Entry>>(
    config: LockerConfig,
    keys: KeyRing,
    mut hardware: H,
    journal: J,
    contents: &FlashContents<Entry>,
    checks: FlashChecks,
) -> Result<Locker<H, J>, CoreLockerError> {
    if contents.is_empty() {
        // A blank region where records were written before: wiped.
        let counted = hardware
            .monotonic_counter()
            .map_err(|error| CoreLockerError::Hardware {
                compartment: None,
                kind: error.kind(),
                detail: error.detail().map(String::from),
            })?
            .unwrap_or(0);
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
        return Locker::with_keys(config, keys, hardware, journal);
    }
    let snapshot = contents
        .snapshot
        .as_deref()
        .map(snapshot_from_json)
        .transpose()?;
    let restore = Restore {
        snapshot: snapshot.as_ref(),
        expected_head: checks.expected_head,
        expected_bank: checks.expected_bank,
        ..Restore::new(&contents.records)
    };
    Locker::restore_with(keys, hardware, journal, restore)
}

/// A snapshot as `FlashContents` holds it (JSON bytes, which the core's
/// storage decoder writes, so always UTF-8), read as
/// `Snapshot::from_json_bytes` reads it, with its errors.
fn snapshot_from_json(bytes: &[u8]) -> Result<Snapshot, JournalError> {
    let malformed = |message: String| JournalError::Malformed {
        line: 0,
        message: format!("snapshot: {message}"),
    };
    let text = core::str::from_utf8(bytes).map_err(|error| malformed(error.to_string()))?;
    serde_json::from_str(text).map_err(|error| malformed(error.to_string()))
}

#[cfg(test)]
mod tests {
    //! [`open_flash`] against the core's `Locker::open_flash`: the same
    //! locker, or the same error, for each way a region can be found.

    #![allow(clippy::unwrap_used)]

    use locker_core::credential::{BankId, rng_from_entropy};
    use locker_core::hardware::sim::Repeat;
    use locker_core::hardware::{HardwareErrorKind, Operation, SimulatedHardware};
    use locker_core::journal::flash::{Flash, FlashConfig, MemoryFlash};
    use locker_core::journal::{Digest, Head};
    use locker_core::{RecipientId, locker::Locker};

    use super::*;

    type OnChip = Locker<SimulatedHardware, FlashJournal<MemoryFlash>>;

    const T0: u64 = 1_700_000_000;

    fn keys(seed: u64) -> KeyRing {
        // Entropy from splitmix64, which no weak-entropy check refuses.
        let mut state = seed;
        let mut entropy = [0; 32];
        for chunk in entropy.chunks_mut(8) {
            state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = state;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            chunk.copy_from_slice(&(z ^ (z >> 31)).to_le_bytes());
        }
        let mut keys = KeyRing::new();
        keys.rotate(&mut rng_from_entropy(entropy).unwrap())
            .unwrap();
        keys
    }

    fn board() -> SimulatedHardware {
        let config = LockerConfig::default();
        let doors = config.bank.compartments.iter().map(|c| c.id);
        SimulatedHardware::new(doors, 5).with_now_s(T0)
    }

    fn opened(chip: &MemoryFlash) -> (FlashJournal<MemoryFlash>, FlashContents<Entry>) {
        let config = FlashConfig::for_capacity(chip.capacity_bytes());
        FlashJournal::open::<Entry>(chip.clone(), config).unwrap()
    }

    /// What a locker was opened as (its state and chain, head, restore
    /// report and flash), or the error's code and message.
    fn outcome(opened: Result<OnChip, CoreLockerError>) -> Result<String, (String, String)> {
        opened
            .map(|locker| {
                format!(
                    "{} {:?} {:?} {:?}",
                    serde_json::to_string(&locker.snapshot()).unwrap(),
                    locker.head(),
                    locker.restore_report(),
                    locker.journal().usage(),
                )
            })
            .map_err(|error| (error.code().to_string(), error.to_string()))
    }

    /// Opens `chip` (its contents changed by `edit`) with this module's
    /// `open_flash` and the core's, and checks they agree; returns the
    /// error code, or `None` for a locker.
    fn both(
        chip: &MemoryFlash,
        hardware: &SimulatedHardware,
        keys: &KeyRing,
        checks: FlashChecks,
        edit: impl Fn(&mut FlashContents<Entry>),
    ) -> Option<String> {
        let run = |core: bool| {
            let (journal, mut contents) = opened(chip);
            edit(&mut contents);
            let (config, keys, hardware) =
                (LockerConfig::default(), keys.clone(), hardware.clone());
            outcome(if core {
                Locker::open_flash(config, keys, hardware, journal, &contents, checks)
            } else {
                open_flash(config, keys, hardware, journal, &contents, checks)
            })
        };
        let (ours, core) = (run(false), run(true));
        assert_eq!(ours, core);
        ours.err().map(|(code, _)| code)
    }

    /// A chip whose locker held `holds` recipients, compacted after the
    /// first `compact_after` when given; its board and head.
    fn used_chip(
        hardware: SimulatedHardware,
        holds: u64,
        compact_after: Option<u64>,
    ) -> (MemoryFlash, SimulatedHardware, Head) {
        let chip = MemoryFlash::new(64 * 1024, 4096);
        let (journal, contents) = opened(&chip);
        let checks = FlashChecks::default();
        let mut locker: OnChip = Locker::open_flash(
            LockerConfig::default(),
            keys(1),
            hardware,
            journal,
            &contents,
            checks,
        )
        .unwrap();
        for n in 0..holds {
            locker.hold(RecipientId(10 + n), T0 + 100_000).unwrap();
            if compact_after == Some(n) {
                assert!(locker.compact().unwrap());
            }
        }
        let head = locker.head().unwrap();
        let (hardware, journal) = locker.into_parts();
        (journal.into_flash(), hardware, head)
    }

    #[test]
    fn a_blank_region_opens_as_the_core_opens_it() {
        let blank = MemoryFlash::new(64 * 1024, 4096);
        let none = FlashChecks::default();
        assert_eq!(both(&blank, &board(), &keys(1), none, |_| {}), None);
        // Wiped, by an exported head or by the board's counter.
        let (_, counted, head) = used_chip(board().with_monotonic_counter(), 3, None);
        let by_head = FlashChecks {
            expected_head: Some(head),
            ..none
        };
        let wiped = both(&blank, &board(), &keys(1), by_head, |_| {});
        assert_eq!(wiped.as_deref(), Some("rolled_back"));
        let wiped = both(&blank, &counted, &keys(1), none, |_| {});
        assert_eq!(wiped.as_deref(), Some("rolled_back"));
        // A counter that cannot be read.
        let mut failing = board().with_monotonic_counter();
        failing.fail_calls(
            Operation::MonotonicCounter,
            HardwareErrorKind::BusTimeout,
            Repeat::Always,
        );
        let failed = both(&blank, &failing, &keys(1), none, |_| {});
        assert_eq!(failed.as_deref(), Some("bus_timeout"));
        // A ring without keys.
        let empty = both(&blank, &board(), &KeyRing::new(), none, |_| {});
        assert!(empty.is_some());
    }

    #[test]
    fn a_used_region_restores_as_the_core_restores_it() {
        let none = FlashChecks::default();
        for compact_after in [None, Some(0), Some(2)] {
            let (chip, hardware, head) = used_chip(board(), 3, compact_after);
            assert_eq!(both(&chip, &hardware, &keys(1), none, |_| {}), None);
            let checks = FlashChecks {
                expected_head: Some(head),
                expected_bank: Some(BankId(0)),
            };
            assert_eq!(both(&chip, &hardware, &keys(1), checks, |_| {}), None);
            let ahead = FlashChecks {
                expected_head: Some(Head {
                    seq: head.seq + 1,
                    ..head
                }),
                ..none
            };
            let short = both(&chip, &hardware, &keys(1), ahead, |_| {});
            assert_eq!(short.as_deref(), Some("rolled_back"));
            let other = FlashChecks {
                expected_bank: Some(BankId(31)),
                ..none
            };
            let bank = both(&chip, &hardware, &keys(1), other, |_| {});
            assert_eq!(bank.as_deref(), Some("bank_mismatch"));
            let ring = both(&chip, &hardware, &keys(9), none, |_| {});
            assert_eq!(ring.as_deref(), Some("wrong_key_ring"));
        }
    }

    #[test]
    fn a_snapshot_changed_or_not_json_is_refused_as_the_core_refuses_it() {
        let (chip, hardware, _) = used_chip(board(), 3, Some(1));
        let none = FlashChecks::default();
        let edits: [(&str, &[u8]); 4] = [
            ("a cut", b"{\"state\":"),
            ("not an object", b"[]"),
            ("a field unknown", b"{\"bogus\":1}"),
            ("not JSON", b"\"x\" 1"),
        ];
        for (what, bytes) in edits {
            let code = both(&chip, &hardware, &keys(1), none, |contents| {
                contents.snapshot = Some(bytes.to_vec());
            });
            assert_eq!(code.as_deref(), Some("malformed_record"), "{what}");
        }
        // A value changed in the sealed snapshot: its seal no longer holds.
        let code = both(&chip, &hardware, &keys(1), none, |contents| {
            let snapshot = contents.snapshot.as_mut().unwrap();
            let mut value: serde_json::Value = serde_json::from_slice(snapshot).unwrap();
            let chain = value.get_mut("chain").unwrap();
            chain["head"] = serde_json::json!(Digest([7; 32]));
            *snapshot = serde_json::to_vec(&value).unwrap();
        });
        assert_eq!(code.as_deref(), Some("forged"));
        // Bytes that are not UTF-8 (the storage decoder never writes them):
        // the same code, in other words.
        for ours in [false, true] {
            let (journal, mut contents) = opened(&chip);
            contents.snapshot = Some(b"{\"\xff\":1}".to_vec());
            let (config, keys, hardware) = (LockerConfig::default(), keys(1), hardware.clone());
            let error = if ours {
                open_flash(config, keys, hardware, journal, &contents, none).err()
            } else {
                Locker::open_flash(config, keys, hardware, journal, &contents, none).err()
            };
            assert_eq!(error.unwrap().code(), "malformed_record");
        }
    }
}
