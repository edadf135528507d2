//! The locker: allocation, credentials and the journal over a vendor's
//! hardware.
//!
//! Every change goes the same way: compute the [`Entry`], check it applies
//! to a copy of the state, write it to the journal, then keep the copy. So
//! the journal holds exactly the changes that happened, replaying it
//! ([`Locker::restore`]) rebuilds the same state, and a call that fails —
//! bad input, a refused credential, a jammed door, a full journal — leaves
//! the state as it was, apart from the record of the failure itself.
//!
//! Doors are physical: an operation that opens one (a drop-off, a pickup,
//! staff) records the intent and unlocks; the door closing completes it
//! ([`Locker::door_closed`], or [`Locker::tick`] polling the doors). A power
//! cut in between is resolved when the locker is restored: with the
//! occupancy sensor when there is one, otherwise by asking staff to look
//! ([`Locker::inspect`]). A parcel is always in exactly one
//! [`ParcelPlace`].
//!
//! ```
//! use locker_core::allocate::Request;
//! use locker_core::credential::{CarrierId, KioskId};
//! use locker_core::hardware::SimulatedHardware;
//! use locker_core::journal::MemoryJournal;
//! use locker_core::locker::{DropOff, Event, Locker, LockerConfig};
//! use locker_core::{Dimensions, Parcel, ParcelId, RecipientId};
//!
//! let config = LockerConfig::default();
//! let doors = config.bank.compartments.iter().map(|c| c.id);
//! let mut hardware = SimulatedHardware::new(doors, 7);
//! hardware.set_now_s(1_700_000_000);
//! let mut locker = Locker::new(config, &mut hardware, MemoryJournal::new())?;
//!
//! // The property gives carrier 1 a courier code.
//! let code = locker.issue_courier_code(CarrierId(1), 30 * 86_400)?;
//! let session = locker.courier_sign_in(KioskId(1), code.expose())?;
//!
//! // The courier drops a parcel off: a door opens, the parcel goes in.
//! let parcel = Parcel::new(ParcelId(1), Dimensions::new(300, 200, 100), 1_500);
//! let DropOff::Opened { compartment, .. } =
//!     locker.deposit(&session, Request::new(parcel, RecipientId(12)))?
//! else {
//!     panic!("an empty bank has room");
//! };
//! locker.hardware_mut().open_door(compartment)?;
//! locker.hardware_mut().put_parcel(compartment)?;
//! locker.hardware_mut().close_door(compartment)?;
//! locker.door_closed(compartment)?;
//!
//! // The resident is told their PIN, and collects.
//! let pin = locker.take_events().into_iter().find_map(|event| match event {
//!     Event::ParcelReady { pin, .. } => Some(pin),
//!     _ => None,
//! }).unwrap();
//! let opened = locker.pickup_pin(KioskId(1), Some(RecipientId(12)), pin.expose())?;
//! assert_eq!(opened, vec![compartment]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod batch;
mod clock;
mod courier;
mod doors;
mod entry;
mod error;
mod event;
mod flash;
mod policy;
mod resident;
mod restore;
mod snapshot;
mod staff;
mod state;
mod tally;
mod upkeep;

use alloc::string::{String, ToString};
use alloc::vec::Vec;

use chacha20::ChaCha20Rng;

pub use batch::{BatchDropOff, BatchStep};
pub use courier::{CourierSession, DropOff};
pub use doors::{DoorStatus, DoorView, OpenFor};
pub use entry::{AbortReason, ClockConfirmation, Entry, ParcelPlace};
pub use error::LockerError;
pub use event::Event;
pub use flash::FlashChecks;
pub use policy::{CLOCK_MAX_S, ClockPolicy, DAY_S, HOUR_S, LockerPolicy, POLICY_MAX_S};
pub use resident::Delegation;
pub use restore::{Restore, RestoreReport};
pub use snapshot::{SNAPSHOT_VERSION, Snapshot, StoredParcels};
pub use state::{Delivery, DoorTask, Grace, LockerState, OpenDoor, StateError};

use crate::bank::{BankConfig, default_bank};
use crate::credential::{BankId, CredentialPolicy, KeyId, KeyRing, SiteKey};
use crate::hardware::{self, Hardware, HardwareError, HardwareErrorKind};
use crate::ids::CompartmentId;
use crate::journal::{Chain, Head, JournalSink, Record};

/// Everything a new locker needs to know.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub struct LockerConfig {
    /// The bank.
    pub bank: BankConfig,
    /// Dwell, reminders, grace and alarms.
    #[cfg_attr(feature = "serde", serde(default))]
    pub policy: LockerPolicy,
    /// PINs, throttling, RFID and remote opening.
    #[cfg_attr(feature = "serde", serde(default))]
    pub credentials: CredentialPolicy,
    /// The bank's id: QR tokens and remote commands name it, and open
    /// nothing at a bank with another id. Give each bank that shares a site
    /// key its own (0, the default, is a bank never given one).
    #[cfg_attr(feature = "serde", serde(default))]
    pub bank_id: BankId,
}

impl Default for LockerConfig {
    /// The default bank with the default policies.
    fn default() -> Self {
        Self {
            bank: default_bank(),
            policy: LockerPolicy::default(),
            credentials: CredentialPolicy::default(),
            bank_id: BankId::UNNAMED,
        }
    }
}

/// A running locker: its state, its journal, its keys and its hardware.
pub struct Locker<H: Hardware, J: JournalSink<Entry>> {
    hardware: H,
    journal: J,
    keys: KeyRing,
    state: LockerState,
    chain: Chain,
    /// The last record written or restored.
    head: Option<Head>,
    /// Whether the board has a monotonic counter to raise after each
    /// record.
    counter: bool,
    /// What the restore found, for a restored locker.
    report: Option<RestoreReport>,
    /// The locker's time at the last clock reading (kept in memory only:
    /// the reference for the next reading's step).
    last_seen_s: Option<u64>,
    /// What the board's uptime counter vouched for at the last reading.
    uptime: clock::Uptime,
    /// Refused attempts not journaled one by one yet, summed.
    refused: tally::Tallies,
    /// A counted failure the journal could not take: recorded before any
    /// further verification.
    held_failure: Option<crate::credential::Failure>,
    /// When each door's last unexpected close was journaled.
    door_alarms: crate::collections::SortedMap<CompartmentId, u64>,
    events: Vec<Event>,
}

impl<H: Hardware, J: JournalSink<Entry>> core::fmt::Debug for Locker<H, J> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Locker")
            .field("state", &self.state)
            .field("chain", &self.chain)
            .field("keys", &self.keys)
            .finish_non_exhaustive()
    }
}

impl<H: Hardware, J: JournalSink<Entry>> Locker<H, J> {
    /// Starts a new locker: draws a site key from the hardware's entropy
    /// and writes the configuration as the journal's first record.
    ///
    /// # Errors
    ///
    /// [`LockerError::Invalid`] or [`LockerError::State`] for a bad
    /// configuration, [`LockerError::Credential`] for a credential policy
    /// that is invalid or above its brute-force target
    /// (`CredentialError::BoundExceeded`), [`LockerError::Hardware`] when
    /// the clock or entropy fails, [`LockerError::JournalWrite`] when the
    /// journal refuses.
    pub fn new(config: LockerConfig, mut hardware: H, journal: J) -> Result<Self, LockerError> {
        let keys = draw_site_keys(&mut hardware)?;
        Self::with_keys(config, keys, hardware, journal)
    }

    /// Starts a new locker with the site's keys (shared with a cloud
    /// service that issues QR tokens).
    ///
    /// # Errors
    ///
    /// As [`Locker::new`].
    pub fn with_keys(
        config: LockerConfig,
        keys: KeyRing,
        mut hardware: H,
        journal: J,
    ) -> Result<Self, LockerError> {
        config
            .policy
            .validate()
            .map_err(|(field, reason)| LockerError::Invalid { field, reason })?;
        // A PIN policy above its brute-force target is refused here, when a
        // locker is made; a journal's recorded policy still replays.
        config.credentials.validate()?;
        // Nothing could authenticate the journal.
        keys.newest()?;
        let at_s = clock::read_clock(&mut hardware)?;
        let counter = read_counter(&mut hardware)?.is_some();
        let entry = Entry::Configured {
            bank: config.bank,
            policy: config.policy,
            credentials: alloc::boxed::Box::new(config.credentials),
            bank_id: config.bank_id,
            keys: keys.checks(),
        };
        let state = LockerState::from_entry(&entry, at_s)?;
        let mut locker = Self {
            hardware,
            journal,
            keys,
            state,
            chain: Chain::new(),
            head: None,
            counter,
            report: None,
            last_seen_s: None,
            uptime: clock::Uptime::default(),
            refused: tally::Tallies::default(),
            held_failure: None,
            door_alarms: crate::collections::SortedMap::new(),
            events: Vec::new(),
        };
        locker.write(at_s, entry)?;
        Ok(locker)
    }

    /// Rebuilds a locker from its journal after a restart: authenticates
    /// every record with `keys`, replays them, then settles the doors that
    /// were open when power was lost (see the module documentation). New
    /// records are appended to `journal`, which must hold `records`.
    ///
    /// # Errors
    ///
    /// As [`Locker::restore_with`].
    pub fn restore(
        keys: KeyRing,
        hardware: H,
        journal: J,
        records: &[Record<Entry>],
    ) -> Result<Self, LockerError> {
        Self::restore_with(keys, hardware, journal, Restore::new(records))
    }

    /// As [`Locker::restore`], starting from a snapshot: `records` are the
    /// records after it.
    ///
    /// # Errors
    ///
    /// As [`Locker::restore_with`]; the first record must link to the
    /// snapshot.
    pub fn restore_from(
        keys: KeyRing,
        hardware: H,
        journal: J,
        snapshot: Option<&Snapshot>,
        records: &[Record<Entry>],
    ) -> Result<Self, LockerError> {
        Self::restore_with(
            keys,
            hardware,
            journal,
            Restore {
                snapshot,
                ..Restore::new(records)
            },
        )
    }

    /// Rebuilds a locker from what `restore` names (a snapshot, the records
    /// after it, a head seen before, whether legacy records are accepted),
    /// with the board's monotonic counter when it has one:
    ///
    /// 1. the ring must be the journal's: a key with an id the journal
    ///    knows must have the check value the journal recorded;
    /// 2. the snapshot's seal and every record's MAC must verify, the last
    ///    record must be authenticated (or, with
    ///    [`Restore::accept_legacy`], be a version-1 record), and the
    ///    journal must reach the expected head and the counter;
    /// 3. the records are replayed;
    /// 4. keys the ring holds that the journal does not know (a ring
    ///    provisioned while the locker was off), keys the journal knows
    ///    that the ring no longer holds (retired), and a legacy journal
    ///    all get a `keys_changed` record, so the journal is authenticated
    ///    from here on;
    /// 5. the doors open at the power cut are settled.
    ///
    /// [`Locker::restore_report`] then says what was found.
    ///
    /// # Errors
    ///
    /// [`LockerError::Journal`] naming the first edited, missing,
    /// reordered, forged or unauthenticated record, a rolled-back journal,
    /// or another site's ring; [`LockerError::Credential`] for an empty
    /// ring; [`LockerError::Replay`] for a record that contradicts the
    /// state; and the errors of reading the counter and settling the doors.
    pub fn restore_with(
        keys: KeyRing,
        hardware: H,
        journal: J,
        restore: Restore<'_>,
    ) -> Result<Self, LockerError> {
        Self::restore_taking(keys, hardware, journal, restore, None)
    }

    /// As [`Locker::restore_with`], given the snapshot (`restore` then
    /// names none): its maps become the state's instead of being copied,
    /// so a boot holds the state once at its peak.
    pub(super) fn restore_taking(
        keys: KeyRing,
        mut hardware: H,
        journal: J,
        restore: Restore<'_>,
        snapshot: Option<Snapshot>,
    ) -> Result<Self, LockerError> {
        // One snapshot: the one checked is the one replayed.
        debug_assert!(restore.snapshot.is_none() || snapshot.is_none());
        keys.newest()?;
        let counter = read_counter(&mut hardware)?;
        let named = Restore {
            snapshot: restore.snapshot.or(snapshot.as_ref()),
            ..restore
        };
        let checked = restore::check(&keys, &named, counter)?;
        let state = match snapshot {
            Some(snapshot) => replay_taking(snapshot, restore.records)?,
            None => replay_from(restore.snapshot, restore.records)?,
        };
        let mut locker = Self {
            hardware,
            journal,
            keys,
            state,
            chain: checked.verified.chain,
            head: checked.verified.head.or(checked.snapshot_head),
            counter: counter.is_some(),
            report: None,
            last_seen_s: None,
            uptime: clock::Uptime::default(),
            refused: tally::Tallies::default(),
            held_failure: None,
            door_alarms: crate::collections::SortedMap::new(),
            events: Vec::new(),
        };
        let mut report = RestoreReport::new(&checked, counter);
        let ring = locker.keys.checks();
        let legacy_tail = checked
            .verified
            .authenticated_through
            .is_none_or(|seq| seq.saturating_add(1) < checked.verified.chain.next_seq)
            && checked.verified.legacy_records > 0;
        if ring != locker.state.key_checks || legacy_tail {
            let at_s = locker.now()?;
            locker.write(at_s, Entry::KeysChanged { keys: ring })?;
            report.keys_recorded = true;
        }
        locker.report = Some(report);
        locker.settle_open_doors()?;
        Ok(locker)
    }

    /// The current state.
    #[must_use]
    pub const fn state(&self) -> &LockerState {
        &self.state
    }

    /// The site keys.
    #[must_use]
    pub const fn keys(&self) -> &KeyRing {
        &self.keys
    }

    /// What the restore found (legacy records, what authenticated the
    /// journal, the counter); `None` for a locker made with
    /// [`Locker::new`].
    #[must_use]
    pub const fn restore_report(&self) -> Option<&RestoreReport> {
        self.report.as_ref()
    }

    /// The journal's last record as a head: export it (to a back end, to
    /// storage the journal's storage cannot roll back) and pass it to a
    /// later restore or verification ([`Restore::expected_head`],
    /// [`Trust::expected_head`](crate::journal::Trust::expected_head)), so
    /// a journal cut short or rolled back, or another bank's, is refused.
    /// The head names this locker's bank.
    #[must_use]
    pub fn head(&self) -> Option<Head> {
        self.head.map(|head| Head {
            bank_id: Some(self.state.bank_id),
            ..head
        })
    }

    /// Adds a key with the next id drawn from the hardware's entropy and
    /// makes it the newest: new credentials and records use it, older
    /// credentials keep verifying. Journaled (`keys_changed`). Returns the
    /// new id.
    ///
    /// # Errors
    ///
    /// [`LockerError::Hardware`] for the entropy or the clock,
    /// [`LockerError::Credential`] when the ids are exhausted,
    /// [`LockerError::JournalWrite`]; the ring is then unchanged.
    pub fn rotate_key(&mut self) -> Result<KeyId, LockerError> {
        let at_s = self.now()?;
        let mut rng = self.rng()?;
        let mut keys = self.keys.clone();
        let key_id = keys.rotate(&mut rng)?;
        self.change_keys(at_s, keys)?;
        Ok(key_id)
    }

    /// Adds a provisioned key (shared with a back end) and makes it the
    /// newest when its id is the largest. Journaled.
    ///
    /// # Errors
    ///
    /// [`LockerError::Credential`] for an id already in the ring, and the
    /// clock and journal errors; the ring is then unchanged.
    pub fn add_key(&mut self, key: SiteKey) -> Result<(), LockerError> {
        let at_s = self.now()?;
        let mut keys = self.keys.clone();
        keys.add(key)?;
        self.change_keys(at_s, keys)
    }

    /// Retires a key: credentials made with it stop verifying (RFID tags
    /// must be registered again). Journaled, sealed with a key that stays,
    /// so the records sealed with the retired key stay vouched for.
    ///
    /// # Errors
    ///
    /// [`LockerError::Credential`] for a key the ring does not hold or the
    /// last key of the ring, and the clock and journal errors.
    pub fn retire_key(&mut self, key_id: KeyId) -> Result<(), LockerError> {
        let at_s = self.now()?;
        let mut keys = self.keys.clone();
        keys.retire(key_id)?;
        // The journal must stay authenticated by some key.
        keys.newest()?;
        self.change_keys(at_s, keys)
    }

    /// Journals the new ring's check values, then keeps the ring.
    ///
    /// The record is sealed with a key both rings hold (the old newest
    /// after a rotation, the new newest after a retirement): the host
    /// stores the new ring only once the call returns, and a power cut in
    /// between must leave a journal the stored ring still verifies.
    fn change_keys(&mut self, at_s: u64, keys: KeyRing) -> Result<(), LockerError> {
        let entry = Entry::KeysChanged {
            keys: keys.checks(),
        };
        let old_newest = self.keys.newest()?.id();
        let sealed_by_old = keys.get(old_newest).is_ok();
        if sealed_by_old {
            self.write(at_s, entry)?;
            self.keys = keys;
        } else {
            let old = core::mem::replace(&mut self.keys, keys);
            if let Err(error) = self.write(at_s, entry) {
                self.keys = old;
                return Err(error);
            }
        }
        Ok(())
    }

    /// The hardware (for a simulator: the people at the locker).
    pub fn hardware_mut(&mut self) -> &mut H {
        &mut self.hardware
    }

    /// The journal.
    #[must_use]
    pub const fn journal(&self) -> &J {
        &self.journal
    }

    /// The journal, to read what needs a mutable handle (a flash
    /// journal's records and history:
    /// [`FlashJournal::records`](crate::journal::flash::FlashJournal::records),
    /// [`FlashJournal::previous`](crate::journal::flash::FlashJournal::previous)).
    /// Never append through it: a record the locker did not write breaks
    /// the chain, and the next restore refuses the journal.
    pub fn journal_mut(&mut self) -> &mut J {
        &mut self.journal
    }

    /// Where the journal's chain stands.
    #[must_use]
    pub const fn chain(&self) -> Chain {
        self.chain
    }

    /// The state as a snapshot at the journal's current position, sealed
    /// with the newest key; store it beside the journal so a restart
    /// replays only what came after.
    #[must_use]
    pub fn snapshot(&self) -> Snapshot {
        let mut snapshot = self.state.snapshot(self.chain);
        // The ring is never empty in a running locker.
        let _ = snapshot.seal(&self.keys);
        snapshot
    }

    /// Compacts the journal: gives its storage a sealed snapshot of the
    /// state after the last record, from which the journal continues
    /// (see [`JournalSink::compact`]). The locker does this on its own
    /// before a record when the storage asks
    /// ([`JournalSink::wants_compaction`]); call it to compact on request.
    /// Raises [`Event::JournalCompacted`] when the storage compacted.
    /// Returns whether it did (`false`: the storage does not compact, or
    /// declined this time).
    ///
    /// # Errors
    ///
    /// [`LockerError::JournalWrite`] when the storage fails: the journal
    /// is then as it was.
    pub fn compact(&mut self) -> Result<bool, LockerError> {
        let snapshot = self.snapshot();
        let write_error = |error: J::Error| LockerError::JournalWrite {
            message: error.to_string(),
        };
        let (compacted, snapshot_bytes) = if self.journal.takes_encoded_snapshots() {
            // Straight to the storage encoding: the JSON text of a full
            // bank's state would be most of a microcontroller's RAM (the
            // seal hashes it as it is written, never whole).
            let stored =
                crate::journal::compact::encode_snapshot_of(&snapshot).map_err(|error| {
                    LockerError::JournalWrite {
                        message: error.to_string(),
                    }
                })?;
            drop(snapshot);
            // `Ok(false)` is the storage's own "not now", as from
            // `compact`: the JSON way is not tried, so an image whose only
            // storage takes encoded snapshots (its answer a constant)
            // links no JSON-to-storage route.
            let compacted = self.journal.compact_encoded(&stored).map_err(write_error)?;
            (compacted, stored.len())
        } else {
            // Plain data with string keys always serializes.
            let bytes = crate::journal::to_json_vec(&snapshot);
            drop(snapshot);
            let compacted = self.journal.compact(&bytes).map_err(write_error)?;
            (compacted, bytes.len())
        };
        if compacted {
            self.events.push(Event::JournalCompacted {
                through_seq: self.chain.next_seq.checked_sub(1),
                snapshot_bytes,
            });
        }
        Ok(compacted)
    }

    /// Takes the notifications raised since the last call.
    pub fn take_events(&mut self) -> Vec<Event> {
        core::mem::take(&mut self.events)
    }

    /// Gives back the hardware and the journal.
    pub fn into_parts(self) -> (H, J) {
        (self.hardware, self.journal)
    }

    /// Checks `entry` applies, journals it, then applies it: the journal
    /// holds exactly the changes the state went through.
    ///
    /// A compound entry (several changes, each of which could be refused)
    /// is applied to a copy of the state, which replaces the state once the
    /// journal has the record. Any other entry is checked without changing
    /// anything, journaled, then applied in place.
    fn write(&mut self, at_s: u64, entry: Entry) -> Result<(), LockerError> {
        if matches!(entry, Entry::Configured { .. }) {
            return self.append(at_s, entry);
        }
        if self.state.precheck(&entry)? == state::Application::Compound {
            let mut next = self.state.clone();
            next.apply_in_place(&entry, at_s)?;
            self.append(at_s, entry)?;
            self.state = next;
            return Ok(());
        }
        let record = self.chain.peek(&self.keys, at_s, entry)?;
        self.store_record(&record)?;
        self.state.apply_in_place(&record.entry, at_s)?;
        Ok(())
    }

    /// Journals `entry` without touching the state.
    fn append(&mut self, at_s: u64, entry: Entry) -> Result<(), LockerError> {
        let record = self.chain.peek(&self.keys, at_s, entry)?;
        self.store_record(&record)
    }

    /// Makes `record` durable, then moves the chain (and the board's
    /// monotonic counter) past it.
    fn store_record(&mut self, record: &Record<Entry>) -> Result<(), LockerError> {
        // The state is that of the last durable record here (the new one
        // is applied only once stored), so this is where a snapshot is
        // taken.
        if self.journal.wants_compaction() {
            self.compact()?;
        }
        if let Err(error) = self.journal.append(record) {
            // Storage that filled up (or broke) asks for a compaction:
            // one, then the record once more.
            if !self.journal.wants_compaction() || !self.compact()? {
                return Err(LockerError::JournalWrite {
                    message: error.to_string(),
                });
            }
            self.journal
                .append(record)
                .map_err(|error| LockerError::JournalWrite {
                    message: error.to_string(),
                })?;
        }
        self.chain.advance(record);
        self.head = Some(record.head());
        if self.counter
            && let Err(error) = self.hardware.raise_monotonic_counter(self.chain.next_seq)
        {
            // The record is durable: the change stands. The counter lags,
            // which only narrows what a rollback check can see; say so.
            self.events.push(Event::HardwareFault {
                compartment: None,
                kind: error.kind(),
                detail: recorded_detail(&error),
            });
        }
        Ok(())
    }

    /// A fresh generator seeded from the hardware's entropy.
    fn rng(&mut self) -> Result<ChaCha20Rng, LockerError> {
        draw_rng(&mut self.hardware)
    }

    /// Records a hardware failure and turns it into the error to return.
    fn fault(
        &mut self,
        at_s: u64,
        compartment: Option<CompartmentId>,
        error: &H::Error,
    ) -> LockerError {
        let kind = error.kind();
        let detail = recorded_detail(error);
        // The fault record is best effort: the power may be gone too.
        let _ = self.write(
            at_s,
            Entry::HardwareFault {
                compartment,
                kind,
                detail: detail.clone(),
            },
        );
        self.events.push(Event::HardwareFault {
            compartment,
            kind,
            detail,
        });
        LockerError::hardware(compartment, error)
    }
}

/// One line of a driver's detail for the fault record and event: control
/// characters as spaces, at most [`hardware::MAX_DETAIL_BYTES`], trimmed;
/// `None` when nothing is left.
fn recorded_detail(error: &impl HardwareError) -> Option<String> {
    let mut line = String::new();
    for c in error.detail()?.chars() {
        let c = if c.is_control() { ' ' } else { c };
        if line.len() + c.len_utf8() > hardware::MAX_DETAIL_BYTES {
            break;
        }
        line.push(c);
    }
    let kept = line.trim();
    (!kept.is_empty()).then(|| String::from(kept))
}

/// Replays records into a state.
///
/// # Errors
///
/// [`LockerError::Replay`] naming the first record that cannot be applied.
pub fn replay(records: &[Record<Entry>]) -> Result<LockerState, LockerError> {
    replay_from(None, records)
}

/// Replays records into the state of a snapshot (or, without one, from the
/// first record, which must configure the locker).
///
/// # Errors
///
/// [`LockerError::Replay`] naming the first record that cannot be applied.
pub fn replay_from(
    snapshot: Option<&Snapshot>,
    records: &[Record<Entry>],
) -> Result<LockerState, LockerError> {
    if let Some(snapshot) = snapshot {
        return replay_taking(snapshot.clone(), records);
    }
    let Some((first, rest)) = records.split_first() else {
        return Err(LockerError::Replay {
            seq: 0,
            error: StateError::Configuration,
        });
    };
    let mut state =
        LockerState::from_entry(&first.entry, first.at_s).map_err(|error| LockerError::Replay {
            seq: first.seq,
            error,
        })?;
    apply_all(&mut state, rest)?;
    Ok(state)
}

/// [`replay_from`] a snapshot it takes.
fn replay_taking(
    snapshot: Snapshot,
    records: &[Record<Entry>],
) -> Result<LockerState, LockerError> {
    let seq = snapshot.chain.next_seq;
    let mut state = LockerState::from_snapshot_owned(snapshot)
        .map_err(|error| LockerError::Replay { seq, error })?;
    apply_all(&mut state, records)?;
    Ok(state)
}

fn apply_all(state: &mut LockerState, records: &[Record<Entry>]) -> Result<(), LockerError> {
    for record in records {
        apply_record(state, record).map_err(|error| LockerError::Replay {
            seq: record.seq,
            error,
        })?;
    }
    Ok(())
}

/// Applies one record as replay does, in place (no copy of the state: a
/// refused record leaves it half-changed, to be dropped). The analytics
/// go through here too, so they read every record as replay does.
pub(crate) fn apply_record(
    state: &mut LockerState,
    record: &Record<Entry>,
) -> Result<(), StateError> {
    // Credentials a version-1 record issued were tagged under the site
    // secret itself: the store verifies them that way.
    let legacy = record.v < crate::journal::AUTHENTICATED_VERSION;
    state.credentials.inserting_legacy = legacy;
    let applied = state.apply_in_place(&record.entry, record.at_s);
    state.credentials.inserting_legacy = false;
    applied
}

/// The board's monotonic counter, when it has one.
fn read_counter<H: Hardware>(hardware: &mut H) -> Result<Option<u64>, LockerError> {
    hardware
        .monotonic_counter()
        .map_err(|error| LockerError::hardware(None, &error))
}

/// A generator seeded from the hardware's entropy. A seed no random source
/// would give is refused (the rule of
/// [`rng_from_entropy`](crate::credential::rng_from_entropy)): all zeros is
/// a source that reported success without writing (an asynchronous
/// JavaScript function, a C stub), one byte repeated a stuck generator, and
/// every locker with it would draw the same keys and PINs.
/// A new site key ring drawn from the board's random source, as
/// [`Locker::new`] makes one: for a host that starts a locker with
/// [`Locker::with_keys`] or [`Locker::open_flash`] and keeps the ring.
///
/// # Errors
///
/// [`LockerError::Hardware`] when the random source fails, or gives bytes
/// no random source would give (`entropy_unavailable`).
pub fn draw_site_keys<H: Hardware>(hardware: &mut H) -> Result<KeyRing, LockerError> {
    let mut keys = KeyRing::new();
    let mut rng = draw_rng(hardware)?;
    keys.rotate(&mut rng)?;
    Ok(keys)
}

fn draw_rng<H: Hardware>(hardware: &mut H) -> Result<ChaCha20Rng, LockerError> {
    let mut seed = [0_u8; 32];
    hardware
        .fill_random(&mut seed)
        .map_err(|error| LockerError::hardware(None, &error))?;
    let rng = crate::credential::rng_from_entropy(seed);
    let all_zeros = seed == [0_u8; 32];
    zeroize::Zeroize::zeroize(&mut seed);
    rng.map_err(|error| LockerError::Hardware {
        compartment: None,
        kind: HardwareErrorKind::EntropyUnavailable,
        detail: Some(if all_zeros {
            String::from("fill_random left the buffer all zeros: no entropy was written")
        } else {
            let reason = match error {
                crate::credential::CredentialError::WeakEntropy { reason } => reason,
                _ => "weak",
            };
            alloc::format!("fill_random gave bytes no random source would give: {reason}")
        }),
    })
}

#[cfg(test)]
mod tests;
