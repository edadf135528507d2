//! A locker's whole state, and the one function that changes it:
//! [`LockerState::apply`]. The live locker and journal replay both go
//! through it, so replaying the records rebuilds exactly the same state.

use crate::collections::SortedMap;
use alloc::string::String;
use alloc::vec::Vec;

use super::entry::{Entry, ParcelPlace};
use super::policy::LockerPolicy;
use crate::bank::{Bank, BankError, ConfigError};
use crate::credential::{
    BankId, CarrierId, Channel, CredentialError, CredentialId, CredentialPolicy, CredentialRecord,
    CredentialStore, Grant, KeyCheck,
};
use crate::ids::{CompartmentId, ParcelId, RecipientId};
use crate::parcel::{Parcel, TemperatureZone};

crate::tagged::tag_first! {
    tag = "task", twin = door_task_twin, remote = "super::DoorTask";
    /// What a door is open for.
    #[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
    pub enum DoorTask {
        /// A courier is putting a parcel in.
        Deposit {
            /// The parcel.
            parcel: Parcel,
            /// Its recipient.
            recipient: RecipientId,
            /// True when the recipient needs an accessible door.
            needs_accessible: bool,
            /// The courier's carrier.
            carrier: CarrierId,
        },
        /// Someone is collecting what is inside.
        Pickup {
            /// What the credential allowed.
            grant: Grant,
        },
        /// Staff opened the door.
        Staff {
            /// Why.
            reason: String,
        },
        /// The resident re-opened the door in the grace period.
        Reopen,
    }
}

/// A door that was unlocked and has not been closed yet.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OpenDoor {
    /// What for.
    pub task: DoorTask,
    /// When it was unlocked.
    pub opened_at_s: u64,
    /// True once the "left open" alarm was raised.
    pub alarmed: bool,
    /// True once the sweep saw the door open (a door the sweep finds closed
    /// again without that is one nobody opened).
    #[serde(default)]
    pub seen_open: bool,
}

/// What an occupied door holds for its recipient, beyond the parcels.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Delivery {
    /// Whose parcels these are.
    pub recipient: RecipientId,
    /// The carrier of the first parcel (who takes them back on expiry).
    pub carrier: CarrierId,
    /// When the first parcel was stored.
    pub deposited_at_s: u64,
    /// When the parcels are returned if not collected.
    pub expires_at_s: u64,
    /// Reminders sent so far.
    pub reminders_sent: u32,
    /// The credentials that open this door now.
    pub credentials: Vec<CredentialId>,
    /// True once expired: the carrier collects.
    pub returning: bool,
}

/// The short time after a pickup when the resident may re-open the door.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Grace {
    /// Who collected.
    pub recipient: Option<RecipientId>,
    /// Until when.
    pub until_s: u64,
    /// What was collected.
    pub parcels: Vec<ParcelId>,
}

/// Which open-door task an entry closes.
#[derive(Clone, Copy)]
enum Expect {
    Deposit,
    Pickup,
    Reclose,
    Any,
}

impl Expect {
    const fn matches(self, task: &DoorTask) -> bool {
        match self {
            Self::Deposit => matches!(task, DoorTask::Deposit { .. }),
            Self::Pickup => matches!(task, DoorTask::Pickup { .. }),
            Self::Reclose => matches!(task, DoorTask::Staff { .. } | DoorTask::Reopen),
            Self::Any => true,
        }
    }

    const fn name(self) -> &'static str {
        match self {
            Self::Deposit => "a deposit",
            Self::Pickup => "a pickup",
            Self::Reclose => "staff or a re-open",
            Self::Any => "any task",
        }
    }
}

/// An entry that cannot be applied to the state: nothing was changed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StateError {
    /// The first entry must configure the locker, and only the first.
    #[error("a journal starts with one `configured` entry, and only one")]
    Configuration,
    /// A snapshot of a format this library does not read.
    #[error("snapshot version {version} is not supported")]
    Snapshot {
        /// Its version.
        version: u32,
    },
    /// The configuration is invalid.
    #[error("configuration: {0}")]
    Config(#[from] ConfigError),
    /// The bank refused the change.
    #[error("bank: {0}")]
    Bank(#[from] BankError),
    /// The credential store refused the change.
    #[error("credentials: {0}")]
    Credential(#[from] CredentialError),
    /// The door is already open for another task.
    #[error("compartment {compartment} is already open")]
    DoorBusy {
        /// The door.
        compartment: CompartmentId,
    },
    /// The door is not open for this.
    #[error("compartment {compartment} is not open for {expected}")]
    NotOpenFor {
        /// The door.
        compartment: CompartmentId,
        /// The task the entry needed.
        expected: &'static str,
    },
    /// The door is not in its grace period.
    #[error("compartment {compartment} is not in its re-open grace period")]
    NotInGrace {
        /// The door.
        compartment: CompartmentId,
    },
    /// The door holds no delivery.
    #[error("compartment {compartment} holds no delivery")]
    NoDelivery {
        /// The door.
        compartment: CompartmentId,
    },
    /// The door is not waiting for inspection.
    #[error("compartment {compartment} is not waiting for inspection")]
    NotInterrupted {
        /// The door.
        compartment: CompartmentId,
    },
    /// The door is unavailable (out of service, in grace or awaiting
    /// inspection).
    #[error("compartment {compartment} is unavailable: {why}")]
    Unavailable {
        /// The door.
        compartment: CompartmentId,
        /// Why.
        why: &'static str,
    },
}

/// How an entry is applied (see [`LockerState::precheck`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Application {
    /// Checked in full first, then applied in place.
    Simple,
    /// Applied to a copy, which replaces the state once journaled.
    Compound,
}

/// Everything a locker knows, rebuilt exactly by replaying its journal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LockerState {
    pub(super) bank: Bank,
    pub(super) credentials: CredentialStore,
    pub(super) policy: LockerPolicy,
    pub(super) parcels: SortedMap<ParcelId, ParcelPlace>,
    pub(super) deliveries: SortedMap<CompartmentId, Delivery>,
    pub(super) open_doors: SortedMap<CompartmentId, OpenDoor>,
    pub(super) graces: SortedMap<CompartmentId, Grace>,
    pub(super) out_of_service: SortedMap<CompartmentId, String>,
    pub(super) interrupted: SortedMap<CompartmentId, DoorTask>,
    pub(super) holds: SortedMap<RecipientId, u64>,
    /// When each door's last delivery left it (collected or returned).
    pub(super) emptied_at: SortedMap<CompartmentId, u64>,
    pub(super) last_at_s: u64,
    pub(super) last_pruned_s: u64,
    /// The bank's id (what tokens and remote commands name).
    pub(super) bank_id: BankId,
    /// The id and check value of each site key, as last journaled.
    pub(super) key_checks: Vec<KeyCheck>,
    /// How far the hardware clock runs ahead of the locker's time: the
    /// jumps held back until the time is confirmed.
    pub(super) clock_offset_s: u64,
    /// When (locker time) the first unconfirmed jump was held back.
    pub(super) clock_held_since_s: Option<u64>,
}

impl LockerState {
    /// The state a `configured` entry creates.
    ///
    /// # Errors
    ///
    /// [`StateError::Configuration`] for any other entry, or the
    /// configuration's own error.
    pub fn from_entry(entry: &Entry, at_s: u64) -> Result<Self, StateError> {
        let Entry::Configured {
            bank,
            policy,
            credentials,
            bank_id,
            keys,
        } = entry
        else {
            return Err(StateError::Configuration);
        };
        let mut state = Self::new(bank.clone(), policy.clone(), (**credentials).clone(), at_s)?;
        state.bank_id = *bank_id;
        state.key_checks.clone_from(keys);
        Ok(state)
    }

    fn new(
        bank: crate::bank::BankConfig,
        policy: LockerPolicy,
        credentials: CredentialPolicy,
        at_s: u64,
    ) -> Result<Self, StateError> {
        Ok(Self {
            bank_id: BankId::UNNAMED,
            key_checks: Vec::new(),
            clock_offset_s: 0,
            clock_held_since_s: None,
            bank: Bank::new(bank)?,
            credentials: CredentialStore::replayed(credentials)?,
            policy,
            parcels: SortedMap::new(),
            deliveries: SortedMap::new(),
            open_doors: SortedMap::new(),
            graces: SortedMap::new(),
            out_of_service: SortedMap::new(),
            interrupted: SortedMap::new(),
            holds: SortedMap::new(),
            emptied_at: SortedMap::new(),
            last_at_s: at_s,
            last_pruned_s: at_s,
        })
    }

    /// The bank: compartments and what they hold.
    #[must_use]
    pub const fn bank(&self) -> &Bank {
        &self.bank
    }

    /// The credential store (public records and throttle state).
    #[must_use]
    pub const fn credentials(&self) -> &CredentialStore {
        &self.credentials
    }

    /// The property's rules.
    #[must_use]
    pub const fn policy(&self) -> &LockerPolicy {
        &self.policy
    }

    /// Where each parcel the locker has seen is.
    #[must_use]
    pub const fn parcels(&self) -> &SortedMap<ParcelId, ParcelPlace> {
        &self.parcels
    }

    /// The delivery in each occupied door.
    #[must_use]
    pub const fn deliveries(&self) -> &SortedMap<CompartmentId, Delivery> {
        &self.deliveries
    }

    /// Doors unlocked and not yet closed.
    #[must_use]
    pub const fn open_doors(&self) -> &SortedMap<CompartmentId, OpenDoor> {
        &self.open_doors
    }

    /// Doors in their re-open grace period.
    #[must_use]
    pub const fn graces(&self) -> &SortedMap<CompartmentId, Grace> {
        &self.graces
    }

    /// Doors staff took out of service, with the reason.
    #[must_use]
    pub const fn out_of_service(&self) -> &SortedMap<CompartmentId, String> {
        &self.out_of_service
    }

    /// Doors waiting for inspection after a power loss, with what they were
    /// open for.
    #[must_use]
    pub const fn interrupted(&self) -> &SortedMap<CompartmentId, DoorTask> {
        &self.interrupted
    }

    /// Vacation holds: recipient → until when.
    #[must_use]
    pub const fn holds(&self) -> &SortedMap<RecipientId, u64> {
        &self.holds
    }

    /// When spent credentials and departed parcels were last dropped.
    #[must_use]
    pub const fn last_pruned_s(&self) -> u64 {
        self.last_pruned_s
    }

    /// The bank's id.
    #[must_use]
    pub const fn bank_id(&self) -> BankId {
        self.bank_id
    }

    /// The id and check value of each site key, as last journaled.
    #[must_use]
    pub fn key_checks(&self) -> &[KeyCheck] {
        &self.key_checks
    }

    /// How far the hardware clock runs ahead of the locker's time (jumps
    /// not confirmed yet), in seconds.
    #[must_use]
    pub const fn clock_offset_s(&self) -> u64 {
        self.clock_offset_s
    }

    /// When (locker time) the locker held back the latest jump of its
    /// clock, while any is unconfirmed: `confirm_after_s` of running on
    /// from here confirms them all.
    #[must_use]
    pub const fn clock_held_since_s(&self) -> Option<u64> {
        self.clock_held_since_s
    }

    /// The time of the last entry applied.
    #[must_use]
    pub const fn last_at_s(&self) -> u64 {
        self.last_at_s
    }

    /// True when `grant` may collect what door `compartment` holds: a
    /// credential the delivery lists (its pickup PIN and token, or the
    /// carrier's return credential); otherwise, while the parcels are not
    /// going back to the carrier, one of their recipient's (a resident's
    /// tag or PIN, a delegation) or one naming no recipient (a token the
    /// back end issued without a record). A credential that named the door
    /// for an earlier delivery opens nothing of the next recipient's.
    pub(super) fn may_collect(&self, grant: &Grant, compartment: CompartmentId) -> bool {
        let Some(delivery) = self.deliveries.get(&compartment) else {
            return false;
        };
        // A remote command's id is its nonce, never one of a delivery's
        // credentials.
        if grant.channel != Channel::Remote && delivery.credentials.contains(&grant.credential_id) {
            return true;
        }
        !delivery.returning && grant.recipient.is_none_or(|r| r == delivery.recipient)
    }

    /// True when door `compartment` holds a delivery and has not been
    /// emptied since `issued_at_s`: what a token issued then, naming no
    /// recipient, may still open. A token issued on an issuer's clock
    /// behind the locker's is refused when the door was emptied within the
    /// lag before its issue (the safe failure: the recipient still has the
    /// PIN); after a collection the next delivery comes a grace period
    /// later at the earliest, so its tokens are issued after that.
    pub(super) fn held_since(&self, compartment: CompartmentId, issued_at_s: u64) -> bool {
        self.deliveries.contains_key(&compartment)
            && self
                .emptied_at
                .get(&compartment)
                .is_none_or(|&emptied_at_s| emptied_at_s < issued_at_s)
    }

    /// Why a door may not be opened now, if it may not.
    pub(super) fn door_blocked(&self, compartment: CompartmentId) -> Option<&'static str> {
        if self.open_doors.contains_key(&compartment) {
            Some("already open")
        } else if self.interrupted.contains_key(&compartment) {
            Some("waiting for inspection")
        } else if self.out_of_service.contains_key(&compartment) {
            Some("out of service")
        } else if self.graces.contains_key(&compartment) {
            Some("in its re-open grace period")
        } else {
            None
        }
    }

    /// Allocation may use a door only when nothing else claims it.
    pub(super) fn sync_service(&mut self, compartment: CompartmentId) -> Result<(), StateError> {
        // A door whose parcels wait for the carrier takes no new parcel
        // (allocation would otherwise add one to the recipient's door).
        let returning = self
            .deliveries
            .get(&compartment)
            .is_some_and(|d| d.returning);
        let available = self.door_blocked(compartment).is_none() && !returning;
        self.bank.set_in_service(compartment, available)?;
        Ok(())
    }

    /// The expiry for a new delivery of `recipient` into a door of `zone`.
    pub(super) fn expiry_for(
        &self,
        recipient: RecipientId,
        zone: TemperatureZone,
        now_s: u64,
    ) -> u64 {
        let chilled = zone != TemperatureZone::Ambient;
        let normal = now_s.saturating_add(self.policy.dwell_for(chilled));
        let cap = now_s.saturating_add(self.policy.max_dwell_for(chilled));
        let held = self.holds.get(&recipient).copied().unwrap_or(0);
        normal.max(held).min(cap)
    }

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
    pub(super) fn apply_in_place(&mut self, entry: &Entry, at_s: u64) -> Result<(), StateError> {
        self.apply_unchecked(entry, at_s)?;
        self.last_at_s = self.last_at_s.max(at_s);
        Ok(())
    }

    /// Applies an `attempt_failed` entry, which is never refused, and
    /// returns the lockouts it triggers (for the locker to raise).
    pub(super) fn record_failure(
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
                        replaced.sort_unstable();
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

    /// The door a parcel is being put into by an open drop-off, if any.
    pub(super) fn deposit_door_of(&self, parcel: ParcelId) -> Option<CompartmentId> {
        self.open_doors
            .iter()
            .find_map(|(compartment, door)| match &door.task {
                DoorTask::Deposit { parcel: p, .. } if p.id == parcel => Some(*compartment),
                _ => None,
            })
    }

    /// How `entry` must be applied, and for a simple entry whether it
    /// would: checked without changing anything, the same checks its
    /// application makes before it changes anything. A compound entry
    /// makes several changes that can each be refused: it is checked by
    /// applying it to a copy of the state. This match is the one place
    /// that says which entries are which.
    pub(super) fn precheck(&self, entry: &Entry) -> Result<Application, StateError> {
        let task_is = |compartment: CompartmentId, expected: Expect| {
            let door = self.open_doors.get(&compartment);
            if door.is_some_and(|door| expected.matches(&door.task)) {
                Ok(())
            } else {
                Err(StateError::NotOpenFor {
                    compartment,
                    expected: expected.name(),
                })
            }
        };
        let in_grace = |compartment: CompartmentId| {
            if self.graces.contains_key(&compartment) {
                Ok(())
            } else {
                Err(StateError::NotInGrace { compartment })
            }
        };
        let not_open = |compartment: CompartmentId| {
            if self.open_doors.contains_key(&compartment) {
                Err(StateError::DoorBusy { compartment })
            } else {
                Ok(())
            }
        };
        match entry {
            Entry::DepositOpened {
                compartment,
                parcel,
                recipient,
                ..
            } => {
                self.bank.check_store(*compartment, *recipient, parcel)?;
                self.check_openable(*compartment)
            }
            Entry::DepositAborted { compartment, .. } => task_is(*compartment, Expect::Deposit),
            Entry::PickupAborted { compartment, .. } => task_is(*compartment, Expect::Pickup),
            Entry::DoorReclosed { compartment } => task_is(*compartment, Expect::Reclose),
            Entry::Interrupted { compartment } | Entry::DoorSeenOpen { compartment } => {
                task_is(*compartment, Expect::Any)
            }
            Entry::Reopened { compartment } => {
                in_grace(*compartment)?;
                not_open(*compartment)
            }
            Entry::MissingReported { compartment } => in_grace(*compartment),
            Entry::GraceEnded { compartment } => {
                not_open(*compartment)?;
                in_grace(*compartment)
            }
            Entry::ReminderSent { compartment } | Entry::Extended { compartment, .. } => {
                if self.deliveries.contains_key(compartment) {
                    Ok(())
                } else {
                    Err(StateError::NoDelivery {
                        compartment: *compartment,
                    })
                }
            }
            Entry::StaffOpened { compartment, .. } => {
                self.known(*compartment)?;
                not_open(*compartment)
            }
            Entry::OutOfService { compartment, .. }
            | Entry::BackInService { compartment }
            | Entry::Tampered { compartment } => self.known(*compartment),
            Entry::UnexpectedDoorClose { compartment } => self.known(*compartment),
            Entry::AttemptFailed { .. }
            | Entry::AttemptsRefused { .. }
            | Entry::CourierSignedIn { .. }
            | Entry::CourierSignedOut { .. }
            | Entry::KeysChanged { .. }
            | Entry::ClockJumped { .. }
            | Entry::ClockConfirmed { .. }
            | Entry::HoldSet { .. }
            | Entry::DoorLeftOpen { .. }
            | Entry::HardwareFault { .. }
            | Entry::DepositOverflowed { .. }
            | Entry::Pruned => Ok(()),
            Entry::Configured { .. } => Err(StateError::Configuration),
            Entry::CredentialIssued { .. }
            | Entry::CredentialRevoked { .. }
            | Entry::DepositCommitted { .. }
            | Entry::PickupOpened { .. }
            | Entry::PickupCompleted { .. }
            | Entry::Expired { .. }
            | Entry::Inspected { .. } => return Ok(Application::Compound),
        }
        .map(|()| Application::Simple)
    }

    /// A door may be opened for a new task: known and not claimed.
    fn check_openable(&self, compartment: CompartmentId) -> Result<(), StateError> {
        self.known(compartment)?;
        match self.door_blocked(compartment) {
            None => Ok(()),
            Some(_) if self.open_doors.contains_key(&compartment) => {
                Err(StateError::DoorBusy { compartment })
            }
            Some(why) => Err(StateError::Unavailable { compartment, why }),
        }
    }

    fn known(&self, compartment: CompartmentId) -> Result<(), StateError> {
        self.bank
            .compartment(compartment)
            .map(|_| ())
            .ok_or(StateError::Bank(BankError::UnknownCompartment {
                compartment,
            }))
    }

    fn delivery_mut(&mut self, compartment: CompartmentId) -> Result<&mut Delivery, StateError> {
        self.deliveries
            .get_mut(&compartment)
            .ok_or(StateError::NoDelivery { compartment })
    }

    /// Opens a door for a task; it must be free of other claims.
    fn open(
        &mut self,
        compartment: CompartmentId,
        task: DoorTask,
        at_s: u64,
    ) -> Result<(), StateError> {
        self.check_openable(compartment)?;
        self.insert_open(compartment, task, at_s)
    }

    /// Opens a door regardless of service state (staff, re-open).
    fn insert_open(
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

    fn take_task(
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

    fn commit_deposit(
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

    fn abort_deposit(
        &mut self,
        compartment: CompartmentId,
        task: &DoorTask,
    ) -> Result<(), StateError> {
        if let DoorTask::Deposit { parcel, .. } = task {
            self.parcels.insert(parcel.id, ParcelPlace::WithCourier);
        }
        self.sync_service(compartment)
    }

    fn complete_pickup(
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
    fn retire_for_door(
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
    fn revoke_quietly(&mut self, id: CredentialId, at_s: u64) -> Result<(), StateError> {
        match self.credentials.get(id) {
            Some(record) if record.is_usable(at_s) => Ok(self.credentials.revoke(id, at_s)?),
            _ => Ok(()),
        }
    }
}
