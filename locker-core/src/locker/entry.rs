//! The journal's entries: every change of a locker's state, one entry each.
//!
//! An entry holds everything needed to apply it again, and nothing secret:
//! credentials appear as public records (keyed tags), never as PINs, tokens
//! or tag UIDs.

use alloc::string::String;
use alloc::vec::Vec;

use super::policy::LockerPolicy;
use crate::allocate::OverflowReason;
use crate::bank::BankConfig;
use crate::credential::{
    BankId, CarrierId, CredentialId, CredentialPolicy, CredentialRecord, Failure, Grant, KeyCheck,
};
use crate::hardware::HardwareErrorKind;
use crate::ids::{CompartmentId, RecipientId};
use crate::parcel::Parcel;

/// Why a drop-off was called off; the parcel stays with the courier.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
#[serde(deny_unknown_fields)]
pub enum AbortReason {
    /// The door did not unlock.
    DoorFault,
    /// The door closed with nothing inside (occupancy sensor).
    NothingInserted,
    /// The courier found the door too small and asked for a larger one.
    TooSmall,
    /// The courier cancelled.
    Cancelled,
    /// Power was lost before the door closed, and the sensor showed the
    /// compartment empty.
    PowerLoss,
    /// A pickup door closed with the parcels still inside (occupancy
    /// sensor): the credential stays valid.
    StillInside,
    /// The door was unlocked but nobody opened it before the latch closed
    /// again.
    NeverOpened,
}

crate::tagged::tag_first! {
    tag = "type", twin = entry_twin, remote = "super::Entry";
    /// One change of a locker's state.
    #[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
    #[non_exhaustive]
    pub enum Entry {
        /// The first entry of every journal: the bank and the rules.
        Configured {
            /// The bank.
            bank: BankConfig,
            /// Dwell, reminders, grace and alarms.
            policy: LockerPolicy,
            /// PIN length, throttling, RFID and remote-opening rules (boxed:
            /// the one large entry would otherwise make every entry large).
            credentials: alloc::boxed::Box<CredentialPolicy>,
            /// The bank's id, which tokens and remote commands name (left out
            /// when 0, as in records written before it existed).
            #[serde(default, skip_serializing_if = "BankId::is_unnamed")]
            bank_id: BankId,
            /// The id and check value of each site key, so a restore can
            /// tell the journal's ring from another (left out when empty, as
            /// in records written before journals were authenticated).
            #[serde(default, skip_serializing_if = "Vec::is_empty")]
            keys: Vec<KeyCheck>,
        },
        /// The site keys changed (a rotation, a retirement, a ring provisioned
        /// while the locker was off, or a legacy journal restored): the id and
        /// check value of every key the locker now holds.
        KeysChanged {
            /// The keys, oldest first.
            keys: Vec<KeyCheck>,
        },
        /// A credential was issued outside a delivery (a courier code, an RFID
        /// registration, a delegation).
        CredentialIssued {
            /// Its public record.
            record: CredentialRecord,
        },
        /// A credential was revoked.
        CredentialRevoked {
            /// Which.
            id: CredentialId,
        },
        /// A credential was refused; the throttle counts it.
        AttemptFailed {
            /// What the throttle needs to know.
            failure: Failure,
        },
        /// Attempts refused without counting toward a throttle (refused by
        /// one already, or a credential refused for its own state), summed
        /// over an hour per channel, kiosk and error: every attempt
        /// is on the record, and a flood costs bounded storage.
        AttemptsRefused {
            /// The channel.
            channel: crate::credential::Channel,
            /// The kiosk; none for remote commands, or for the sum of
            /// attempts from kiosks beyond the 32 summed one by one.
            kiosk: Option<crate::credential::KioskId>,
            /// The error's code.
            error: String,
            /// How many.
            count: u32,
            /// The first of them.
            first_at_s: u64,
            /// The last of them.
            last_at_s: u64,
        },
        /// A courier signed in at a kiosk.
        CourierSignedIn {
            /// The carrier.
            carrier: CarrierId,
            /// The kiosk.
            kiosk: crate::credential::KioskId,
        },
        /// A courier signed out.
        CourierSignedOut {
            /// The carrier.
            carrier: CarrierId,
            /// The kiosk.
            kiosk: crate::credential::KioskId,
        },
        /// A courier's door was unlocked for a parcel.
        DepositOpened {
            /// The door.
            compartment: CompartmentId,
            /// The parcel.
            parcel: Parcel,
            /// Its recipient.
            recipient: RecipientId,
            /// True when the recipient needs an accessible door.
            needs_accessible: bool,
            /// The courier's carrier.
            carrier: CarrierId,
        },
        /// The door closed on the parcel: it is stored and the recipient's
        /// credentials are issued (replacing earlier ones for this door).
        DepositCommitted {
            /// The door.
            compartment: CompartmentId,
            /// The new pickup credentials (a PIN and a QR token).
            credentials: Vec<CredentialRecord>,
            /// Pickup credentials of this door they replace.
            replaced: Vec<CredentialId>,
            /// When the parcels of this door are returned if not collected.
            expires_at_s: u64,
        },
        /// A drop-off was called off; the parcel is with the courier.
        DepositAborted {
            /// The door.
            compartment: CompartmentId,
            /// Why.
            reason: AbortReason,
        },
        /// No door could take a courier's parcel: it goes to overflow (the
        /// front desk, another bank) and no door changes. Journaled so the
        /// journal counts every parcel that came, stored or not.
        DepositOverflowed {
            /// The parcel.
            parcel: Parcel,
            /// Its recipient.
            recipient: RecipientId,
            /// The courier's carrier.
            carrier: CarrierId,
            /// Why no door (the full explanation went to the caller).
            reason: OverflowReason,
        },
        /// Doors were unlocked for a pickup (by resident, delegate or carrier
        /// collecting a return).
        PickupOpened {
            /// What the credential allows; no secret.
            grant: Grant,
        },
        /// A pickup door closed empty: the parcels are collected (or returned)
        /// and the door's credentials are spent.
        PickupCompleted {
            /// The door.
            compartment: CompartmentId,
        },
        /// A pickup door closed with the parcels inside; nothing changes.
        PickupAborted {
            /// The door.
            compartment: CompartmentId,
            /// Why.
            reason: AbortReason,
        },
        /// The resident re-opened the door during the grace period.
        Reopened {
            /// The door.
            compartment: CompartmentId,
        },
        /// The resident reported the parcels of their pickup missing.
        MissingReported {
            /// The door.
            compartment: CompartmentId,
        },
        /// The grace period after a pickup ended; the door is free again.
        GraceEnded {
            /// The door.
            compartment: CompartmentId,
        },
        /// A reminder was sent to the recipient.
        ReminderSent {
            /// The door.
            compartment: CompartmentId,
        },
        /// The parcels of a door expired: the resident's credentials are
        /// revoked and the carrier gets a return credential.
        Expired {
            /// The door.
            compartment: CompartmentId,
            /// The carrier's return credential.
            return_credential: CredentialRecord,
        },
        /// A door's expiry was moved (an extension or a vacation hold).
        Extended {
            /// The door.
            compartment: CompartmentId,
            /// The new expiry.
            expires_at_s: u64,
        },
        /// A recipient is away until a date: their parcels wait until then.
        HoldSet {
            /// Who.
            recipient: RecipientId,
            /// Until when.
            until_s: u64,
        },
        /// Staff opened a door, with a reason (audited).
        StaffOpened {
            /// The door.
            compartment: CompartmentId,
            /// Why, in staff's words.
            reason: String,
        },
        /// A door opened by staff, or re-opened, closed again.
        DoorReclosed {
            /// The door.
            compartment: CompartmentId,
        },
        /// A door was taken out of service.
        OutOfService {
            /// The door.
            compartment: CompartmentId,
            /// Why.
            reason: String,
        },
        /// A door was put back in service.
        BackInService {
            /// The door.
            compartment: CompartmentId,
        },
        /// A door was found open without a grant.
        Tampered {
            /// The door.
            compartment: CompartmentId,
        },
        /// The sweep saw an unlocked door open.
        DoorSeenOpen {
            /// The door.
            compartment: CompartmentId,
        },
        /// A door stayed open past the alarm time.
        DoorLeftOpen {
            /// The door.
            compartment: CompartmentId,
        },
        /// The clock read more than the policy's `max_step_s` past the
        /// reading before: the jump is held back (it ages nothing) until
        /// the time is confirmed. The record's time is the locker's.
        ClockJumped {
            /// What the clock read.
            clock_s: u64,
            /// The seconds held back, added to those held before.
            held_s: u64,
        },
        /// The time after a jump was confirmed: the locker's time is the
        /// clock's again (the record's time).
        ClockConfirmed {
            /// What confirmed it.
            by: ClockConfirmation,
        },
        /// A door the locker had not unlocked was reported closed (a door
        /// event the locker did not cause): an alarm, never a drop-off.
        UnexpectedDoorClose {
            /// The door.
            compartment: CompartmentId,
        },
        /// A hardware call failed.
        HardwareFault {
            /// The door concerned, if any.
            compartment: Option<CompartmentId>,
            /// What kind of failure.
            kind: HardwareErrorKind,
            /// What the vendor's error said beyond its kind, for the
            /// technician (at most [`MAX_DETAIL_BYTES`](crate::hardware::MAX_DETAIL_BYTES)).
            /// Left out of the record when there is none, as in records
            /// written before it existed.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            detail: Option<String>,
        },
        /// After a power loss the outcome of an open door could not be known;
        /// the door waits for staff to inspect it.
        Interrupted {
            /// The door.
            compartment: CompartmentId,
        },
        /// Spent and expired credentials and the parcels that left the locker
        /// were dropped from the state (their story stays in the journal).
        Pruned,
        /// Staff inspected an interrupted door and found it empty or not.
        Inspected {
            /// The door.
            compartment: CompartmentId,
            /// True when parcels were inside.
            found_parcels: bool,
            /// Credentials issued when an interrupted drop-off is confirmed.
            credentials: Vec<CredentialRecord>,
            /// Credentials they replace (the recipient's own PINs, when a PIN
            /// for all their doors was issued at the cap).
            #[serde(default, skip_serializing_if = "Vec::is_empty")]
            replaced: Vec<CredentialId>,
            /// Their expiry.
            expires_at_s: u64,
        },
    }
}

impl Entry {
    /// The door this entry concerns, if one.
    #[must_use]
    pub fn compartment(&self) -> Option<CompartmentId> {
        match self {
            Self::DepositOpened { compartment, .. }
            | Self::DepositCommitted { compartment, .. }
            | Self::DepositAborted { compartment, .. }
            | Self::PickupCompleted { compartment }
            | Self::PickupAborted { compartment, .. }
            | Self::Reopened { compartment }
            | Self::MissingReported { compartment }
            | Self::GraceEnded { compartment }
            | Self::ReminderSent { compartment }
            | Self::Expired { compartment, .. }
            | Self::Extended { compartment, .. }
            | Self::StaffOpened { compartment, .. }
            | Self::DoorReclosed { compartment }
            | Self::OutOfService { compartment, .. }
            | Self::BackInService { compartment }
            | Self::Tampered { compartment }
            | Self::DoorLeftOpen { compartment }
            | Self::DoorSeenOpen { compartment }
            | Self::Interrupted { compartment }
            | Self::UnexpectedDoorClose { compartment }
            | Self::Inspected { compartment, .. } => Some(*compartment),
            Self::HardwareFault { compartment, .. } => *compartment,
            Self::Configured { .. }
            | Self::KeysChanged { .. }
            | Self::CredentialIssued { .. }
            | Self::CredentialRevoked { .. }
            | Self::AttemptFailed { .. }
            | Self::AttemptsRefused { .. }
            | Self::CourierSignedIn { .. }
            | Self::CourierSignedOut { .. }
            | Self::DepositOverflowed { .. }
            | Self::PickupOpened { .. }
            | Self::HoldSet { .. }
            | Self::ClockJumped { .. }
            | Self::ClockConfirmed { .. }
            | Self::Pruned => None,
        }
    }
}

/// What confirmed the time after the clock jumped ahead.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ClockConfirmation {
    /// Staff confirmed the clock.
    Staff,
    /// A time the back end signed agreed with the clock.
    SignedTime,
    /// The locker ran on for the policy's `confirm_after_s` since.
    Running,
    /// The clock came back to the locker's time (the push was undone).
    Returned,
}

/// Where a parcel is. Every parcel the locker has seen is in exactly one
/// place.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case", tag = "place", content = "compartment")]
#[serde(deny_unknown_fields)]
pub enum ParcelPlace {
    /// In a compartment (or being put in or taken out of it).
    Compartment(CompartmentId),
    /// With the courier (a drop-off that did not happen).
    WithCourier,
    /// Collected by the recipient.
    Collected,
    /// Collected by the carrier after expiry.
    Returned,
    /// Reported missing by the recipient at pickup.
    Missing,
}
