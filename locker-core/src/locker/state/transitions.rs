//! The steps entries share: opening a door, committing or aborting a
//! deposit, completing a pickup, retiring credentials.

use alloc::vec::Vec;

use super::{Delivery, DoorTask, Expect, Grace, LockerState, OpenDoor, StateError};
use crate::credential::{CredentialId, CredentialRecord, Grant};
use crate::ids::{CompartmentId, ParcelId};
use crate::locker::entry::ParcelPlace;

impl LockerState {
    pub(super) fn delivery_mut(
        &mut self,
        compartment: CompartmentId,
    ) -> Result<&mut Delivery, StateError> {
        self.deliveries
            .get_mut(&compartment)
            .ok_or(StateError::NoDelivery { compartment })
    }

    /// Opens a door for a task; it must be free of other claims.
    pub(super) fn open(
        &mut self,
        compartment: CompartmentId,
        task: DoorTask,
        at_s: u64,
    ) -> Result<(), StateError> {
        self.check_openable(compartment)?;
        self.insert_open(compartment, task, at_s)
    }

    /// Opens a door regardless of service state (staff, re-open).
    pub(super) fn insert_open(
        &mut self,
        compartment: CompartmentId,
        task: DoorTask,
        at_s: u64,
    ) -> Result<(), StateError> {
        self.known(compartment)?;
        if self.open_doors.contains_key(&compartment) {
            return Err(StateError::DoorBusy { compartment });
        }
        self.open_doors.insert(
            compartment,
            OpenDoor {
                task,
                opened_at_s: at_s,
                alarmed: false,
                seen_open: false,
            },
        );
        self.sync_service(compartment)
    }

    pub(super) fn take_task(
        &mut self,
        compartment: CompartmentId,
        expected: Expect,
    ) -> Result<DoorTask, StateError> {
        let refusal = StateError::NotOpenFor {
            compartment,
            expected: expected.name(),
        };
        let door = self
            .open_doors
            .get(&compartment)
            .ok_or_else(|| refusal.clone())?;
        let matches = match expected {
            Expect::Deposit => matches!(door.task, DoorTask::Deposit { .. }),
            Expect::Pickup => matches!(door.task, DoorTask::Pickup { .. }),
            Expect::Reclose => matches!(door.task, DoorTask::Staff { .. } | DoorTask::Reopen),
            Expect::Any => true,
        };
        if !matches {
            return Err(refusal);
        }
        self.open_doors
            .remove(&compartment)
            .map(|door| door.task)
            .ok_or(refusal)
    }

    pub(super) fn commit_deposit(
        &mut self,
        compartment: CompartmentId,
        task: DoorTask,
        credentials: &[CredentialRecord],
        replaced: &[CredentialId],
        expires_at_s: u64,
        at_s: u64,
    ) -> Result<(), StateError> {
        let DoorTask::Deposit {
            parcel,
            recipient,
            carrier,
            ..
        } = task
        else {
            return Err(StateError::NotOpenFor {
                compartment,
                expected: "a deposit",
            });
        };
        // The parcel is inside whatever the door's service state (staff
        // may have taken it out of service meanwhile, or it was forced
        // open while waiting for inspection): the bank takes it, then the
        // door gets its service state back.
        self.bank.set_in_service(compartment, true)?;
        self.bank.store(compartment, recipient, parcel)?;
        for id in replaced {
            self.revoke_quietly(*id, at_s)?;
        }
        for record in credentials {
            self.credentials.insert_journaled(record.clone(), at_s)?;
        }
        let ids = credentials.iter().map(|r| r.id).collect();
        match self.deliveries.get_mut(&compartment) {
            Some(delivery) => {
                delivery.credentials = ids;
                delivery.expires_at_s = expires_at_s;
                delivery.reminders_sent = 0;
                // A parcel confirmed by inspection into a door that expired
                // meanwhile: the resident collects them all again.
                delivery.returning = false;
            }
            None => {
                self.deliveries.insert(
                    compartment,
                    Delivery {
                        recipient,
                        carrier,
                        deposited_at_s: at_s,
                        expires_at_s,
                        reminders_sent: 0,
                        credentials: ids,
                        returning: false,
                    },
                );
            }
        }
        self.parcels
            .insert(parcel.id, ParcelPlace::Compartment(compartment));
        self.sync_service(compartment)
    }

    pub(super) fn abort_deposit(
        &mut self,
        compartment: CompartmentId,
        task: &DoorTask,
    ) -> Result<(), StateError> {
        if let DoorTask::Deposit { parcel, .. } = task {
            self.parcels.insert(parcel.id, ParcelPlace::WithCourier);
        }
        self.sync_service(compartment)
    }

    pub(super) fn complete_pickup(
        &mut self,
        compartment: CompartmentId,
        grant: &Grant,
        at_s: u64,
    ) -> Result<(), StateError> {
        let delivery = self
            .deliveries
            .remove(&compartment)
            .ok_or(StateError::NoDelivery { compartment })?;
        self.emptied_at.insert(compartment, at_s);
        for id in &delivery.credentials {
            if *id != grant.credential_id {
                self.retire_for_door(*id, compartment, at_s)?;
            }
        }
        // A QR token the back end issued without a record is spent too:
        // unspent, it would open its door again until it expires.
        if self.credentials.is_unspent(grant, at_s) {
            // Redeemed for this door only: the grant's other doors may still
            // hold parcels (closed full, or never unlatched), and their own
            // PINs and tokens must keep opening them.
            let done = Grant {
                compartments: alloc::vec![compartment],
                ..grant.clone()
            };
            self.credentials.redeem(&done, at_s)?;
        }
        // Whoever emptied it, nothing of the recipient's names the door now.
        self.credentials
            .release_compartment(delivery.recipient, compartment, at_s);
        self.sync_service(compartment)?;
        let contents = self.bank.release(compartment)?;
        let place = if delivery.returning {
            ParcelPlace::Returned
        } else {
            ParcelPlace::Collected
        };
        let parcels: Vec<ParcelId> = contents.parcels.iter().map(|p| p.id).collect();
        for parcel in &parcels {
            self.parcels.insert(*parcel, place);
        }
        if !delivery.returning {
            self.graces.insert(
                compartment,
                Grace {
                    recipient: grant.recipient,
                    until_s: at_s.saturating_add(self.policy.reopen_grace_s),
                    parcels,
                },
            );
        }
        self.sync_service(compartment)
    }

    /// Ends what a door's credential does for that door: revoked when it
    /// opens nothing else; a PIN for several doors (one for all of a
    /// resident's doors, at the cap) keeps the others, and loses this one
    /// as the door is released.
    pub(super) fn retire_for_door(
        &mut self,
        id: CredentialId,
        compartment: CompartmentId,
        at_s: u64,
    ) -> Result<(), StateError> {
        let opens_others = self
            .credentials
            .get(id)
            .is_some_and(|record| record.compartments.iter().any(|&c| c != compartment));
        if opens_others {
            return Ok(());
        }
        self.revoke_quietly(id, at_s)
    }

    /// Revokes a credential that may already be spent, expired or gone.
    pub(super) fn revoke_quietly(&mut self, id: CredentialId, at_s: u64) -> Result<(), StateError> {
        match self.credentials.get(id) {
            Some(record) if record.is_usable(at_s) => Ok(self.credentials.revoke(id, at_s)?),
            _ => Ok(()),
        }
    }
}
