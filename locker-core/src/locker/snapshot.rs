//! Snapshots: the whole state at one point of the journal, so replay can
//! start there instead of at the first record.

use crate::collections::SortedMap;
use alloc::string::String;
use alloc::vec::Vec;

use serde::{Deserialize, Serialize};

use super::entry::ParcelPlace;
use super::policy::LockerPolicy;
use super::state::{Delivery, DoorTask, Grace, LockerState, OpenDoor, StateError};
use crate::bank::{Bank, BankConfig};
use crate::credential::CredentialStore;
use crate::ids::{CompartmentId, ParcelId, RecipientId};
use crate::journal::Chain;
use crate::parcel::Parcel;

/// The snapshot format version this library writes and reads.
pub const SNAPSHOT_VERSION: u32 = 1;

/// A door's parcels, in the order they were stored (which fixes where each
/// sits).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
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
}

impl LockerState {
    /// The state as a snapshot taken at `chain`.
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
        }
    }

    /// Rebuilds the state a snapshot describes.
    ///
    /// # Errors
    ///
    /// [`StateError::Snapshot`] for a version this library does not read,
    /// and the bank's errors for contents that do not fit its doors.
    pub fn from_snapshot(snapshot: &Snapshot) -> Result<Self, StateError> {
        if snapshot.v != SNAPSHOT_VERSION {
            return Err(StateError::Snapshot {
                version: snapshot.v,
            });
        }
        let mut bank = Bank::new(snapshot.bank.clone())?;
        for door in &snapshot.stored {
            for parcel in &door.parcels {
                bank.store(door.compartment, door.recipient, *parcel)?;
            }
        }
        let mut state = Self {
            bank,
            credentials: snapshot.credentials.clone(),
            policy: snapshot.policy.clone(),
            parcels: snapshot.parcels.clone(),
            deliveries: snapshot.deliveries.clone(),
            open_doors: snapshot.open_doors.clone(),
            graces: snapshot.graces.clone(),
            out_of_service: snapshot.out_of_service.clone(),
            interrupted: snapshot.interrupted.clone(),
            holds: snapshot.holds.clone(),
            emptied_at: snapshot.emptied_at.clone(),
            last_at_s: snapshot.last_at_s,
            last_pruned_s: snapshot.last_pruned_s,
        };
        let doors: Vec<CompartmentId> = state.bank.compartments().iter().map(|c| c.id()).collect();
        for compartment in doors {
            state.sync_service(compartment)?;
        }
        Ok(state)
    }
}
