//! Notifications: what the host tells people (email, SMS, push and kiosk
//! screens are the host's job). Drained with
//! [`Locker::take_events`](super::Locker::take_events).

use alloc::string::String;
use alloc::vec::Vec;

use super::entry::AbortReason;
use crate::credential::{CarrierId, LockoutEvent, PinSecret, TokenSecret};
use crate::hardware::HardwareErrorKind;
use crate::ids::{CompartmentId, ParcelId, RecipientId};

/// Something the host should tell someone about.
///
/// Events carry the secrets the recipient must receive (the PIN, the QR
/// token); they are wiped from memory when the event is dropped and never
/// appear in `Debug` output or in the journal. Serialized (the one JSON
/// shape every binding hands its host: `{"type": "parcel_ready", …}`), an
/// event does carry them, for delivery: treat that JSON as a secret.
#[derive(Debug, serde::Serialize)]
#[serde(rename_all = "snake_case", tag = "type")]
#[non_exhaustive]
pub enum Event {
    /// A parcel is ready: send the recipient the PIN and QR token. When a
    /// parcel joins the recipient's occupied door, the earlier PIN and
    /// token stop working and these replace them.
    ParcelReady {
        /// Who to tell.
        recipient: RecipientId,
        /// Which door.
        compartment: CompartmentId,
        /// How many parcels the door now holds.
        parcels: usize,
        /// The parcels the door now holds, oldest first.
        parcel_ids: Vec<crate::ParcelId>,
        /// The carrier of the door's first parcel.
        carrier: Option<crate::credential::CarrierId>,
        /// The PIN (typed with the unit number).
        #[serde(serialize_with = "expose_pin")]
        pin: PinSecret,
        /// Every door the PIN opens: this one, and (when the recipient held
        /// as many PINs as the policy allows) their other doors, whose
        /// earlier PINs it replaces.
        pin_opens: Vec<CompartmentId>,
        /// The QR token (show it as a QR code).
        #[serde(serialize_with = "expose_token")]
        qr_token: TokenSecret,
        /// When the parcels go back to the carrier.
        expires_at_s: u64,
    },
    /// The recipient collected.
    Collected {
        /// Who.
        recipient: RecipientId,
        /// Which door.
        compartment: CompartmentId,
        /// What.
        parcels: Vec<ParcelId>,
    },
    /// A reminder: the parcels expire soon.
    Reminder {
        /// Who to tell.
        recipient: RecipientId,
        /// Which door.
        compartment: CompartmentId,
        /// When they expire.
        expires_at_s: u64,
    },
    /// The parcels expired; the carrier must collect them with this token.
    ReturnReady {
        /// Whose parcels they were.
        recipient: RecipientId,
        /// The carrier that takes them back.
        carrier: CarrierId,
        /// Which door.
        compartment: CompartmentId,
        /// The carrier's one-time QR token for this door.
        #[serde(serialize_with = "expose_token")]
        qr_token: TokenSecret,
        /// Until when it works.
        expires_at_s: u64,
    },
    /// The carrier took expired parcels back.
    Returned {
        /// The carrier.
        carrier: CarrierId,
        /// Which door.
        compartment: CompartmentId,
        /// What.
        parcels: Vec<ParcelId>,
    },
    /// A drop-off did not happen; the parcel is still with the courier.
    DropOffAborted {
        /// Which door.
        compartment: CompartmentId,
        /// The parcel.
        parcel: ParcelId,
        /// Why.
        reason: AbortReason,
    },
    /// A pickup door closed with the parcels still inside; the credential
    /// still works.
    PickupAborted {
        /// Which door.
        compartment: CompartmentId,
    },
    /// A door has been open too long.
    DoorLeftOpen {
        /// Which door.
        compartment: CompartmentId,
    },
    /// Failed attempts crossed a throttle threshold: someone may be
    /// guessing.
    SuspiciousAttempts {
        /// What was locked out and until when.
        lockout: LockoutEvent,
    },
    /// The hardware failed; the door may be out of service.
    HardwareFault {
        /// The door, if one.
        compartment: Option<CompartmentId>,
        /// What failed.
        kind: HardwareErrorKind,
        /// What the vendor's error said beyond its kind (`null` when
        /// nothing).
        detail: Option<String>,
    },
    /// A door opened without a grant: it is out of service until staff
    /// inspect it.
    Tamper {
        /// Which door.
        compartment: CompartmentId,
    },
    /// A resident reported the parcels of their pickup missing.
    ParcelsMissing {
        /// Who.
        recipient: Option<RecipientId>,
        /// Which door.
        compartment: CompartmentId,
        /// What.
        parcels: Vec<ParcelId>,
    },
    /// A door with no delivery read occupied when it closed after a
    /// re-open or a staff opening: something was left inside. It is out of
    /// service until staff empty it and put it back in service.
    FoundOccupied {
        /// Which door.
        compartment: CompartmentId,
    },
    /// After a power loss the outcome of an open door is unknown: staff
    /// must look inside and call
    /// [`Locker::inspect`](super::Locker::inspect).
    NeedsInspection {
        /// Which door.
        compartment: CompartmentId,
    },
    /// The hardware clock read earlier than the last journaled record; the
    /// locker kept that record's time (the journal never goes back).
    ClockWentBack {
        /// What the clock said.
        clock_s: u64,
        /// The time the locker kept: its last record's.
        kept_s: u64,
    },
    /// No door could take a courier's parcel: it goes to the front desk or
    /// another bank (journaled as `deposit_overflowed`).
    Overflow {
        /// The parcel.
        parcel: crate::ParcelId,
        /// Its recipient.
        recipient: RecipientId,
        /// The courier's carrier.
        carrier: crate::credential::CarrierId,
        /// Why no door took it.
        reason: crate::allocate::OverflowReason,
    },
    /// The hardware clock jumped ahead by more than the policy's step: the
    /// excess is held back until the time is confirmed (staff,
    /// `confirm_clock`; a signed time from the back end; or a day of running
    /// on). Until then throttle windows and expiries go by the locker's
    /// time. Check the clock.
    ClockJumped {
        /// What the clock said.
        clock_s: u64,
        /// The locker's time.
        locker_s: u64,
        /// All the seconds now held back.
        held_s: u64,
    },
    /// The locker's time is the clock's again.
    ClockConfirmed {
        /// What confirmed it.
        by: super::ClockConfirmation,
        /// The time now.
        now_s: u64,
    },
    /// A door the locker had not unlocked was reported closed: someone
    /// opened it without a credential, or the door event was forged. It is
    /// journaled; nothing was committed.
    UnexpectedDoorClose {
        /// The door.
        compartment: CompartmentId,
    },
    /// The journal was compacted: its storage now starts from a snapshot
    /// of the state after record `through_seq`. Storage that keeps the
    /// history before the snapshot until its next compaction (the flash
    /// journal's other half) is read now to export it
    /// ([`FlashJournal::previous`](crate::journal::flash::FlashJournal::previous)).
    JournalCompacted {
        /// The last record the snapshot covers (`null` for an empty
        /// journal).
        through_seq: Option<u64>,
        /// Bytes of the snapshot as the journal took it: its JSON, or on
        /// a flash journal its storage encoding, compressed (about a
        /// sixth of the JSON at a full bank).
        snapshot_bytes: usize,
    },
}

pub(super) fn expose_pin<S: serde::Serializer>(
    pin: &PinSecret,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(pin.expose())
}

fn expose_token<S: serde::Serializer>(
    token: &TokenSecret,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(token.expose())
}
