//! [`LockerState::apply`]: what each journal entry changes.

use alloc::string::String;

use super::{DoorTask, Expect, LockerState, StateError};
use crate::bank::BankError;
use crate::credential::Channel;
use crate::locker::entry::{Entry, ParcelPlace};

impl LockerState {
    /// Applies one entry at `at_s`, or changes nothing and says why.
    ///
    /// # Errors
    ///
    /// A [`StateError`] naming what the entry contradicts; the state is
    /// unchanged then.
    pub fn apply(&mut self, entry: &Entry, at_s: u64) -> Result<(), StateError> {
        // An entry touches several maps; a copy keeps a refusal half-way
        // from leaving anything behind.
        let mut next = self.clone();
        next.apply_in_place(entry, at_s)?;
        *self = next;
        Ok(())
    }

    /// Applies one entry without the copy: for replay, where a refused
    /// entry makes the whole journal unusable and the state is dropped.
    pub(in crate::locker) fn apply_in_place(
        &mut self,
        entry: &Entry,
        at_s: u64,
    ) -> Result<(), StateError> {
        self.apply_unchecked(entry, at_s)?;
        self.last_at_s = self.last_at_s.max(at_s);
        Ok(())
    }

    /// Applies an `attempt_failed` entry, which is never refused, and
    /// returns the lockouts it triggers (for the locker to raise).
    pub(in crate::locker) fn record_failure(
        &mut self,
        failure: &crate::credential::Failure,
        at_s: u64,
    ) -> alloc::vec::Vec<crate::credential::LockoutEvent> {
        self.last_at_s = self.last_at_s.max(at_s);
        self.credentials.record_failure(failure)
    }

    #[allow(clippy::too_many_lines)]
    fn apply_unchecked(&mut self, entry: &Entry, at_s: u64) -> Result<(), StateError> {
        match entry {
            Entry::Configured { .. } => return Err(StateError::Configuration),
            Entry::KeysChanged { keys } => self.key_checks.clone_from(keys),
            Entry::ClockJumped { held_s, .. } => {
                self.clock_offset_s = self.clock_offset_s.saturating_add(*held_s);
                // Every jump restarts the running that confirms the time:
                // an old small jump never vouches for a new large one.
                self.clock_held_since_s = Some(at_s);
            }
            Entry::ClockConfirmed { .. } => {
                self.clock_offset_s = 0;
                self.clock_held_since_s = None;
            }
            Entry::UnexpectedDoorClose { compartment } => {
                self.known(*compartment)?;
            }
            Entry::CredentialIssued { record } => {
                self.credentials.insert_journaled(record.clone(), at_s)?;
            }
            Entry::CredentialRevoked { id } => self.credentials.revoke(*id, at_s)?,
            Entry::AttemptFailed { failure } => {
                self.record_failure(failure, at_s);
            }
            Entry::AttemptsRefused { .. }
            | Entry::CourierSignedIn { .. }
            | Entry::CourierSignedOut { .. } => {}
            Entry::DepositOpened {
                compartment,
                parcel,
                recipient,
                needs_accessible,
                carrier,
            } => {
                // The bank's checks (fit, weight, handling, recipient) run
                // now, on a copy, so a commit cannot fail later.
                self.bank.check_store(*compartment, *recipient, parcel)?;
                // A parcel already being put into another door is not
                // dropped off twice (the commit of one would then fail).
                if let Some(other) = self.deposit_door_of(parcel.id) {
                    return Err(StateError::Bank(BankError::DuplicateParcel {
                        parcel: parcel.id,
                        compartment: other,
                    }));
                }
                self.open(
                    *compartment,
                    DoorTask::Deposit {
                        parcel: *parcel,
                        recipient: *recipient,
                        needs_accessible: *needs_accessible,
                        carrier: *carrier,
                    },
                    at_s,
                )?;
                self.parcels
                    .insert(parcel.id, ParcelPlace::Compartment(*compartment));
            }
            Entry::DepositCommitted {
                compartment,
                credentials,
                replaced,
                expires_at_s,
            } => {
                let task = self.take_task(*compartment, Expect::Deposit)?;
                self.commit_deposit(
                    *compartment,
                    task,
                    credentials,
                    replaced,
                    *expires_at_s,
                    at_s,
                )?;
            }
            Entry::DepositAborted {
                compartment,
                reason: _,
            } => {
                let task = self.take_task(*compartment, Expect::Deposit)?;
                self.abort_deposit(*compartment, &task)?;
            }
            Entry::PickupOpened { grant } => {
                // A remote command is spent as its door opens, nonce and
                // caps together: spent at completion, commands arriving
                // together could open more doors than the caps allow.
                if grant.channel == Channel::Remote {
                    self.credentials.redeem(grant, at_s)?;
                }
                // So does a token without a record count against its caps.
                self.credentials.count_recordless_open(grant, at_s);
                for &compartment in &grant.compartments {
                    if !self.deliveries.contains_key(&compartment) {
                        return Err(StateError::NoDelivery { compartment });
                    }
                    self.open(
                        compartment,
                        DoorTask::Pickup {
                            grant: grant.clone(),
                        },
                        at_s,
                    )?;
                }
            }
            Entry::PickupCompleted { compartment } => {
                let task = self.take_task(*compartment, Expect::Pickup)?;
                let DoorTask::Pickup { grant } = task else {
                    return Err(StateError::NotOpenFor {
                        compartment: *compartment,
                        expected: "a pickup",
                    });
                };
                self.complete_pickup(*compartment, &grant, at_s)?;
            }
            Entry::PickupAborted { compartment, .. } => {
                self.take_task(*compartment, Expect::Pickup)?;
                self.sync_service(*compartment)?;
            }
            Entry::Reopened { compartment } => {
                if !self.graces.contains_key(compartment) {
                    return Err(StateError::NotInGrace {
                        compartment: *compartment,
                    });
                }
                self.insert_open(*compartment, DoorTask::Reopen, at_s)?;
            }
            Entry::DoorReclosed { compartment } => {
                self.take_task(*compartment, Expect::Reclose)?;
                self.sync_service(*compartment)?;
            }
            Entry::MissingReported { compartment } => {
                let grace = self.graces.get(compartment).ok_or(StateError::NotInGrace {
                    compartment: *compartment,
                })?;
                for parcel in &grace.parcels {
                    // Only what this pickup collected: a parcel that has
                    // moved on since (dropped off again) is not missing.
                    if self.parcels.get(parcel) == Some(&ParcelPlace::Collected) {
                        self.parcels.insert(*parcel, ParcelPlace::Missing);
                    }
                }
            }
            Entry::GraceEnded { compartment } => {
                if self.open_doors.contains_key(compartment) {
                    return Err(StateError::DoorBusy {
                        compartment: *compartment,
                    });
                }
                self.graces
                    .remove(compartment)
                    .ok_or(StateError::NotInGrace {
                        compartment: *compartment,
                    })?;
                self.sync_service(*compartment)?;
            }
            Entry::ReminderSent { compartment } => {
                self.delivery_mut(*compartment)?.reminders_sent += 1;
            }
            Entry::Expired {
                compartment,
                return_credential,
            } => {
                let old = core::mem::take(&mut self.delivery_mut(*compartment)?.credentials);
                for id in old {
                    self.retire_for_door(id, *compartment, at_s)?;
                }
                // The parcels go back: nothing of the recipient's names the
                // door any more (a one-door delegation included).
                let recipient = self.delivery_mut(*compartment)?.recipient;
                self.credentials
                    .release_compartment(recipient, *compartment, at_s);
                self.credentials
                    .insert_journaled(return_credential.clone(), at_s)?;
                let delivery = self.delivery_mut(*compartment)?;
                delivery.credentials.push(return_credential.id);
                delivery.returning = true;
                // A return credential without an end keeps the door for good.
                delivery.expires_at_s = return_credential.expires_at_s.unwrap_or(u64::MAX);
                self.sync_service(*compartment)?;
            }
            Entry::Extended {
                compartment,
                expires_at_s,
            } => {
                self.delivery_mut(*compartment)?.expires_at_s = *expires_at_s;
            }
            Entry::HoldSet { recipient, until_s } => {
                self.holds.insert(*recipient, *until_s);
            }
            Entry::StaffOpened {
                compartment,
                reason,
            } => {
                self.insert_open(
                    *compartment,
                    DoorTask::Staff {
                        reason: reason.clone(),
                    },
                    at_s,
                )?;
            }
            Entry::OutOfService {
                compartment,
                reason,
            } => {
                self.known(*compartment)?;
                self.out_of_service.insert(*compartment, reason.clone());
                self.sync_service(*compartment)?;
            }
            Entry::BackInService { compartment } => {
                self.known(*compartment)?;
                self.out_of_service.remove(compartment);
                self.sync_service(*compartment)?;
            }
            Entry::Tampered { compartment } => {
                self.known(*compartment)?;
                self.out_of_service
                    .insert(*compartment, String::from("forced open: inspect"));
                self.sync_service(*compartment)?;
            }
            Entry::DoorLeftOpen { compartment } => {
                if let Some(door) = self.open_doors.get_mut(compartment) {
                    door.alarmed = true;
                    door.seen_open = true;
                }
            }
            Entry::DoorSeenOpen { compartment } => {
                let door = self
                    .open_doors
                    .get_mut(compartment)
                    .ok_or(StateError::NotOpenFor {
                        compartment: *compartment,
                        expected: Expect::Any.name(),
                    })?;
                door.seen_open = true;
            }
            Entry::HardwareFault { .. } | Entry::DepositOverflowed { .. } => {}
            Entry::Pruned => {
                self.credentials.prune_expired(at_s);
                self.parcels.retain(|_, place| {
                    matches!(place, ParcelPlace::Compartment(_) | ParcelPlace::Missing)
                });
                // A hold that has ended extends nothing: without this, one
                // per recipient ever held would stay in the state for good.
                self.holds.retain(|_, until_s| *until_s > at_s);
                self.last_pruned_s = at_s;
            }
            Entry::Interrupted { compartment } => {
                let task = self.take_task(*compartment, Expect::Any)?;
                if let DoorTask::Deposit { parcel, .. } = &task {
                    // Unknown whether the courier left it: until staff look,
                    // the parcel counts as still with the courier.
                    self.parcels.insert(parcel.id, ParcelPlace::WithCourier);
                }
                self.interrupted.insert(*compartment, task);
                self.sync_service(*compartment)?;
            }
            Entry::Inspected {
                compartment,
                found_parcels,
                credentials,
                replaced: merged,
                expires_at_s,
            } => {
                let task =
                    self.interrupted
                        .remove(compartment)
                        .ok_or(StateError::NotInterrupted {
                            compartment: *compartment,
                        })?;
                match (task, found_parcels) {
                    (task @ DoorTask::Deposit { .. }, true) => {
                        if let DoorTask::Deposit { parcel, .. } = &task {
                            self.parcels
                                .insert(parcel.id, ParcelPlace::Compartment(*compartment));
                        }
                        // A parcel that joined the recipient's door: the
                        // door's earlier credentials give way to the new
                        // ones, as for a drop-off committed at once.
                        let mut replaced = self
                            .deliveries
                            .get(compartment)
                            .map(|delivery| delivery.credentials.clone())
                            .unwrap_or_default();
                        replaced.extend(merged.iter().copied());
                        crate::collections::sort::values(&mut replaced);
                        replaced.dedup();
                        self.commit_deposit(
                            *compartment,
                            task,
                            credentials,
                            &replaced,
                            *expires_at_s,
                            at_s,
                        )?;
                    }
                    (DoorTask::Pickup { grant }, false) => {
                        self.complete_pickup(*compartment, &grant, at_s)?;
                        self.graces.remove(compartment);
                    }
                    _ => {}
                }
                self.sync_service(*compartment)?;
            }
        }
        Ok(())
    }
}
