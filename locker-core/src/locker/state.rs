//! A locker's whole state, and the one function that changes it:
//! [`LockerState::apply`]. The live locker and journal replay both go
//! through it, so replaying the records rebuilds exactly the same state.

mod apply;
mod precheck;
mod transitions;

use crate::collections::SortedMap;
use alloc::string::String;
use alloc::vec::Vec;

use super::entry::{Entry, ParcelPlace};
use super::policy::LockerPolicy;
use crate::bank::{Bank, BankError, ConfigError};
use crate::credential::{
    BankId, CarrierId, Channel, CredentialError, CredentialId, CredentialPolicy, CredentialStore,
    Grant, KeyCheck,
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
}
