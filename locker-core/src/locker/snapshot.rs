//! Snapshots: the whole state at one point of the journal, so replay can
//! start there instead of at the first record.
//!
//! A snapshot is sealed like a record: a MAC under the journal key of the
//! newest site key over the SHA-256 of its JSON without the seal. A
//! snapshot written by anyone without the key is refused at restore, so
//! the state cannot be rewritten through the snapshot either.

use crate::collections::SortedMap;
use alloc::string::String;
use alloc::vec::Vec;

use serde::{Deserialize, Serialize};

use super::entry::ParcelPlace;
use super::policy::LockerPolicy;
use super::state::{Delivery, DoorTask, Grace, LockerState, OpenDoor, StateError};
use crate::bank::{Bank, BankConfig};
use crate::credential::keys::Domain;
use crate::credential::{
    BankId, CredentialError, CredentialStore, KeyCheck, KeyId, KeyPurpose, KeyRing,
};
use crate::ids::{CompartmentId, ParcelId, RecipientId};
use crate::journal::{Chain, Digest, JournalError, RecordMac, Seal};
use crate::parcel::Parcel;

/// The snapshot format version this library writes; it reads 1 (legacy,
/// unsealed), 2 and 3. Version 2 added the seal, the bank id and the keys'
/// check values; version 3 writes "never expires" as an absent field and
/// draws credential ids in 53 bits, as record version 3 does.
pub const SNAPSHOT_VERSION: u32 = 3;
/// The first snapshot version that is sealed.
const SEALED_SNAPSHOT_VERSION: u32 = 2;
/// MAC domain of snapshots.
const SNAPSHOT_DOMAIN: Domain = Domain::new(KeyPurpose::Journal, b"lk/snapshot/2");

/// A door's parcels, in the order they were stored (which fixes where each
/// sits).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StoredParcels {
    /// The door.
    pub compartment: CompartmentId,
    /// Whose.
    pub recipient: RecipientId,
    /// The parcels, oldest first.
    pub parcels: Vec<Parcel>,
}

/// The state of a locker after a given record, as plain data. Holds no
/// secret: credentials are public records and keyed tags.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Snapshot {
    /// Format version ([`SNAPSHOT_VERSION`]).
    pub v: u32,
    /// Where the journal stands after the last record included: replay
    /// continues with record `chain.next_seq`, linked to `chain.head`.
    pub chain: Chain,
    /// The bank as configured.
    pub bank: BankConfig,
    /// What each occupied door holds.
    pub stored: Vec<StoredParcels>,
    /// The property's rules.
    pub policy: LockerPolicy,
    /// Credential records and throttle state.
    pub credentials: CredentialStore,
    /// Where each parcel is.
    pub parcels: SortedMap<ParcelId, ParcelPlace>,
    /// Deliveries by door.
    pub deliveries: SortedMap<CompartmentId, Delivery>,
    /// Doors open for a task.
    pub open_doors: SortedMap<CompartmentId, OpenDoor>,
    /// Doors in their grace period.
    pub graces: SortedMap<CompartmentId, Grace>,
    /// Doors out of service, with the reason.
    pub out_of_service: SortedMap<CompartmentId, String>,
    /// Doors waiting for inspection.
    pub interrupted: SortedMap<CompartmentId, DoorTask>,
    /// Vacation holds.
    pub holds: SortedMap<RecipientId, u64>,
    /// When each door's last delivery left it (empty in snapshots taken
    /// before it was kept: tokens without records then go by expiry).
    #[serde(default)]
    pub emptied_at: SortedMap<CompartmentId, u64>,
    /// The time of the last record.
    pub last_at_s: u64,
    /// When the state was last pruned.
    pub last_pruned_s: u64,
    /// The bank's id (left out when 0).
    #[serde(default, skip_serializing_if = "BankId::is_unnamed")]
    pub bank_id: BankId,
    /// The id and check value of each site key.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub key_checks: Vec<KeyCheck>,
    /// How far the hardware clock runs ahead of the locker's time.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub clock_offset_s: u64,
    /// When the locker started holding a jump back, if one is held.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clock_held_since_s: Option<u64>,
    /// The key that sealed the snapshot (absent in version 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_id: Option<KeyId>,
    /// The MAC of the snapshot's JSON without the seal (absent in
    /// version 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mac: Option<RecordMac>,
}

/// The SHA-256 of `snapshot`'s JSON, taken as the JSON is written (a full
/// bank's is 150 KB, most of a microcontroller's RAM).
fn json_digest(snapshot: &Snapshot) -> Digest {
    crate::journal::json_digest(snapshot).unwrap_or_else(|| {
        // Plain data with string keys always walks. What the JSON route
        // hashes for a value with no JSON (serde_json fails exactly
        // where the walk does): no bytes.
        Digest(<sha2::Sha256 as sha2::Digest>::digest([]).into())
    })
}

#[allow(clippy::trivially_copy_pass_by_ref)] // serde's skip_serializing_if
const fn is_zero(value: &u64) -> bool {
    *value == 0
}

impl Snapshot {
    /// SHA-256 of the snapshot's JSON without its seal: what the MAC
    /// covers.
    fn digest(&self) -> Digest {
        if self.key_id.is_none() && self.mac.is_none() {
            return json_digest(self);
        }
        let unsealed = Self {
            key_id: None,
            mac: None,
            ..self.clone()
        };
        json_digest(&unsealed)
    }

    /// Seals the snapshot with the newest key of `keys`.
    ///
    /// # Errors
    ///
    /// [`CredentialError::NoKeys`] for an empty ring.
    pub fn seal(&mut self, keys: &KeyRing) -> Result<(), CredentialError> {
        self.key_id = None;
        self.mac = None;
        let seal = Seal::new(keys, &SNAPSHOT_DOMAIN, self.chain.next_seq, &self.digest())?;
        self.key_id = Some(seal.key_id);
        self.mac = Some(seal.mac);
        Ok(())
    }

    /// Checks the seal: that the snapshot was written with one of `keys`
    /// and not changed since. An unsealed (version 1) snapshot passes only
    /// with `accept_legacy`.
    ///
    /// # Errors
    ///
    /// [`JournalError::Unauthenticated`] for an unsealed snapshot (or one
    /// sealed by half), [`JournalError::UnknownKey`] for a key the ring
    /// does not hold, [`JournalError::Forged`] for a MAC that does not
    /// verify. The sequence number named is the snapshot's last record.
    pub fn verify(&self, keys: &KeyRing, accept_legacy: bool) -> Result<(), JournalError> {
        let seq = self.chain.next_seq.saturating_sub(1);
        match (self.v, self.key_id, self.mac) {
            (1, None, None) if accept_legacy => Ok(()),
            (SEALED_SNAPSHOT_VERSION..=SNAPSHOT_VERSION, Some(key_id), Some(mac)) => {
                let seal = Seal { key_id, mac };
                match seal.verifies(keys, &SNAPSHOT_DOMAIN, self.chain.next_seq, &self.digest()) {
                    Some(true) => Ok(()),
                    Some(false) => Err(JournalError::Forged { seq, key_id }),
                    None => Err(JournalError::UnknownKey { seq, key_id }),
                }
            }
            _ => Err(JournalError::Unauthenticated { seq }),
        }
    }
}

impl LockerState {
    /// The state as an unsealed snapshot taken at `chain` (the locker
    /// seals it: [`Locker::snapshot`](super::Locker::snapshot)).
    #[must_use]
    pub fn snapshot(&self, chain: Chain) -> Snapshot {
        let stored = self
            .bank
            .compartments()
            .iter()
            .filter_map(|door| {
                door.contents().map(|contents| StoredParcels {
                    compartment: door.id(),
                    recipient: contents.recipient,
                    parcels: contents.parcels.clone(),
                })
            })
            .collect();
        Snapshot {
            v: SNAPSHOT_VERSION,
            chain,
            bank: self.bank.config().clone(),
            stored,
            policy: self.policy.clone(),
            credentials: self.credentials.clone(),
            parcels: self.parcels.clone(),
            deliveries: self.deliveries.clone(),
            open_doors: self.open_doors.clone(),
            graces: self.graces.clone(),
            out_of_service: self.out_of_service.clone(),
            interrupted: self.interrupted.clone(),
            holds: self.holds.clone(),
            emptied_at: self.emptied_at.clone(),
            last_at_s: self.last_at_s,
            last_pruned_s: self.last_pruned_s,
            bank_id: self.bank_id,
            key_checks: self.key_checks.clone(),
            clock_offset_s: self.clock_offset_s,
            clock_held_since_s: self.clock_held_since_s,
            key_id: None,
            mac: None,
        }
    }

    /// Rebuilds the state a snapshot describes.
    ///
    /// # Errors
    ///
    /// [`StateError::Snapshot`] for a version this library does not read,
    /// and the bank's errors for contents that do not fit its doors.
    pub fn from_snapshot(snapshot: &Snapshot) -> Result<Self, StateError> {
        Self::from_snapshot_owned(snapshot.clone())
    }

    /// As [`LockerState::from_snapshot`], taking the snapshot: its maps
    /// become the state's without a copy (a boot holds one of them, not
    /// two, at its peak).
    ///
    /// # Errors
    ///
    /// As [`LockerState::from_snapshot`].
    pub fn from_snapshot_owned(snapshot: Snapshot) -> Result<Self, StateError> {
        if !(1..=SNAPSHOT_VERSION).contains(&snapshot.v) {
            return Err(StateError::Snapshot {
                version: snapshot.v,
            });
        }
        let mut bank = Bank::new(snapshot.bank)?;
        for door in &snapshot.stored {
            for parcel in &door.parcels {
                bank.store(door.compartment, door.recipient, *parcel)?;
            }
        }
        let mut state = Self {
            bank,
            credentials: snapshot.credentials,
            policy: snapshot.policy,
            parcels: snapshot.parcels,
            deliveries: snapshot.deliveries,
            open_doors: snapshot.open_doors,
            graces: snapshot.graces,
            out_of_service: snapshot.out_of_service,
            interrupted: snapshot.interrupted,
            holds: snapshot.holds,
            emptied_at: snapshot.emptied_at,
            last_at_s: snapshot.last_at_s,
            last_pruned_s: snapshot.last_pruned_s,
            bank_id: snapshot.bank_id,
            key_checks: snapshot.key_checks,
            clock_offset_s: snapshot.clock_offset_s,
            clock_held_since_s: snapshot.clock_held_since_s,
        };
        let doors: Vec<CompartmentId> = state.bank.compartments().iter().map(|c| c.id()).collect();
        for compartment in doors {
            state.sync_service(compartment)?;
        }
        Ok(state)
    }
}
