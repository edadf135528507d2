//! The resident's side: collecting by PIN, QR token, RFID tag or a signed
//! remote command, re-opening in the grace period, reporting parcels
//! missing, registering a tag, delegating a pickup and revoking a
//! credential.

use alloc::vec::Vec;

use super::entry::Entry;
use super::error::LockerError;
use super::event::Event;
use super::{AbortReason, Locker, StateError};
use crate::credential::{
    CredentialError, CredentialId, DelegationRequest, Grant, KioskId, PinAttempt, PinSecret,
    Purpose, RemoteCommand, RfidRequest, RfidTap, TOKEN_ISSUE_SKEW_S,
};
use crate::hardware::{Hardware, HardwareError as _, HardwareErrorKind};
use crate::ids::{CompartmentId, RecipientId};
use crate::journal::JournalSink;

/// A delegated PIN ([`Locker::delegate`]): the PIN to pass on to the
/// delegate, and its credential id, to revoke it early. Serializes as
/// `{"pin": "…", "credential_id": …}` (the PIN in clear, for delivery).
#[derive(Clone, Debug, serde::Serialize)]
pub struct Delegation {
    /// The PIN, typed like the delegator's own (with the delegator's unit
    /// when the policy binds PINs to units).
    #[serde(serialize_with = "super::event::expose_pin")]
    pub pin: PinSecret,
    /// Its credential id, for [`Locker::revoke_credential`].
    pub credential_id: CredentialId,
}

/// A credential refused while its entry is applied reads as the credential
/// error it is, as when the store refuses it before.
fn credential_error_first(error: LockerError) -> LockerError {
    match error {
        LockerError::State(StateError::Credential(error)) => error.into(),
        other => other,
    }
}

impl<H: Hardware, J: JournalSink<Entry>> Locker<H, J> {
    /// Collects with a PIN typed at `kiosk`, with the unit number when the
    /// policy binds PINs to units. Returns the doors that opened.
    ///
    /// # Errors
    ///
    /// [`LockerError::Credential`] for a wrong, expired, spent or throttled
    /// PIN (the failure is recorded for the throttle), and the errors of
    /// opening doors.
    pub fn pickup_pin(
        &mut self,
        kiosk: KioskId,
        unit: Option<RecipientId>,
        pin: &str,
    ) -> Result<Vec<CompartmentId>, LockerError> {
        let now_s = self.now()?;
        self.record_held_failure(now_s)?;
        let attempt = PinAttempt {
            kiosk,
            unit,
            pin,
            purpose: Purpose::Pickup,
        };
        let verified = self
            .state
            .credentials
            .verify_pin(&self.keys, &attempt, now_s);
        let grant = self.settle_verification(now_s, verified)?;
        self.open_for_pickup(now_s, Some(kiosk), grant)
    }

    /// Collects with a QR token shown to the scanner at `kiosk`.
    ///
    /// A token the back end issued without giving the locker its record
    /// names no recipient (the token format carries none): it opens its
    /// doors once, and only until they are next emptied after its issue
    /// time. One issued more than [`TOKEN_ISSUE_SKEW_S`] ahead of the
    /// locker's clock is refused as not yet valid.
    ///
    /// # Errors
    ///
    /// As [`Locker::pickup_pin`].
    pub fn pickup_qr(
        &mut self,
        kiosk: KioskId,
        token: &str,
    ) -> Result<Vec<CompartmentId>, LockerError> {
        let now_s = self.now()?;
        self.record_held_failure(now_s)?;
        let verified = self.state.credentials.verify_token_with_claims(
            &self.keys,
            self.state.bank_id,
            kiosk,
            token,
            Purpose::Pickup,
            now_s,
        );
        let (mut grant, claims) = self.settle_verification(now_s, verified)?;
        if self.state.credentials.get(grant.credential_id).is_none() {
            // No record: the token is for its recipient's parcels that its
            // doors held when it was issued, on a clock not far ahead of
            // ours.
            let issued_at_s = claims.issued_at_s;
            if issued_at_s > now_s.saturating_add(TOKEN_ISSUE_SKEW_S) {
                let error = CredentialError::NotYetValid {
                    valid_from_s: issued_at_s,
                    now_s,
                };
                return Err(self.note_refused(now_s, Some(kiosk), &grant, error.into()));
            }
            grant
                .compartments
                .retain(|&door| self.state.held_since(door, issued_at_s));
        }
        if grant.compartments.is_empty() {
            // A token opens only doors it names: none left (or none named,
            // which only a forger writes) is nothing to collect, never the
            // "every door of the recipient" an RFID tag's grant means.
            let error = LockerError::NothingToCollect;
            return Err(self.note_refused(now_s, Some(kiosk), &grant, error));
        }
        self.open_for_pickup(now_s, Some(kiosk), grant)
    }

    /// Collects with an RFID tag: opens every door holding the tag owner's
    /// parcels. `pin` is the tag's PIN when the policy asks for one.
    ///
    /// # Errors
    ///
    /// As [`Locker::pickup_pin`], and [`LockerError::NothingToCollect`].
    pub fn pickup_rfid(
        &mut self,
        kiosk: KioskId,
        uid: &[u8],
        pin: Option<&str>,
    ) -> Result<Vec<CompartmentId>, LockerError> {
        let now_s = self.now()?;
        self.record_held_failure(now_s)?;
        let tap = RfidTap { kiosk, uid, pin };
        let verified = self.state.credentials.verify_rfid(&self.keys, &tap, now_s);
        let grant = self.settle_verification(now_s, verified)?;
        self.open_for_pickup(now_s, Some(kiosk), grant)
    }

    /// Opens a door for a pickup on a command the back end signed (a
    /// resident's app, or support on the phone with them): the door the
    /// command names, while it holds parcels of the resident the command
    /// names, unless they go back to the carrier. The command must name
    /// this bank's id ([`LockerConfig::bank_id`](super::LockerConfig::bank_id)).
    /// The command is spent as the door
    /// opens, and counts against the caps of
    /// [`RemotePolicy`](crate::credential::RemotePolicy) (off by default),
    /// even when the latch then fails; the pickup completes as any other,
    /// when the door closes. A command for another purpose is refused:
    /// staff overrides are given at the locker ([`Locker::staff_open`]),
    /// with a reason.
    ///
    /// # Errors
    ///
    /// [`LockerError::Credential`]: those of
    /// [`CredentialStore::verify_remote`](crate::credential::CredentialStore::verify_remote)
    /// (`RemoteDisabled`, `WrongBank`, `Rejected`, `Expired`, `Replayed`,
    /// `RemoteCapReached`, …; only those before the signature is known
    /// good are recorded for the throttle), and `WrongPurpose` for a
    /// command not for a pickup. [`LockerError::NothingToCollect`] when the
    /// door holds no parcels of the command's resident, and
    /// [`StateError::Unavailable`] for a door open, out of service or in a
    /// grace period; nothing is spent then. And the errors of opening
    /// doors.
    pub fn open_remote(
        &mut self,
        command: &RemoteCommand,
    ) -> Result<Vec<CompartmentId>, LockerError> {
        let now_s = self.now()?;
        self.record_held_failure(now_s)?;
        let verified =
            self.state
                .credentials
                .verify_remote(&self.keys, self.state.bank_id, command, now_s);
        let grant = self.settle_verification(now_s, verified)?;
        if grant.purpose != Purpose::Pickup {
            let error = CredentialError::WrongPurpose {
                expected: Purpose::Pickup,
                actual: grant.purpose,
            };
            return Err(self.note_refused(now_s, None, &grant, error.into()));
        }
        self.open_for_pickup(now_s, None, grant)
            .map_err(credential_error_first)
    }

    /// Registers an RFID tag for `recipient`; returns the tag's PIN when
    /// the policy (or `with_pin`) asks for one.
    ///
    /// # Errors
    ///
    /// [`LockerError::Credential`] for a malformed or already registered
    /// UID, and the hardware and journal errors.
    pub fn register_rfid(
        &mut self,
        recipient: RecipientId,
        uid: &[u8],
        with_pin: bool,
    ) -> Result<Option<PinSecret>, LockerError> {
        let now_s = self.now()?;
        let mut rng = self.rng()?;
        let (pin, record) = self.state.credentials.generate_rfid(
            &self.keys,
            &mut rng,
            uid,
            &RfidRequest {
                recipient,
                with_pin,
                expires_at_s: None,
            },
            now_s,
        )?;
        self.write(now_s, Entry::CredentialIssued { record })?;
        Ok(pin)
    }

    /// Opens the door again in the short grace period after a pickup ("I
    /// left a parcel inside").
    ///
    /// # Errors
    ///
    /// [`LockerError::State`] outside the grace period, and the errors of
    /// opening the door.
    pub fn reopen(&mut self, compartment: CompartmentId) -> Result<(), LockerError> {
        let now_s = self.now()?;
        self.check_grace(compartment, now_s)?;
        self.write(now_s, Entry::Reopened { compartment })?;
        self.unlock_or_close(now_s, compartment)
    }

    /// The resident found the door empty (or not their parcels): the
    /// parcels of the pickup are marked missing and staff are told.
    ///
    /// # Errors
    ///
    /// [`LockerError::State`] outside the grace period after the pickup.
    pub fn report_missing(&mut self, compartment: CompartmentId) -> Result<(), LockerError> {
        let now_s = self.now()?;
        self.check_grace(compartment, now_s)?;
        self.write(now_s, Entry::MissingReported { compartment })?;
        if let Some(grace) = self.state.graces.get(&compartment) {
            self.events.push(Event::ParcelsMissing {
                recipient: grace.recipient,
                compartment,
                parcels: grace.parcels.clone(),
            });
        }
        Ok(())
    }

    /// Lets someone else collect: issues a PIN for `request.delegator`'s
    /// parcels, those in `request.compartments`
    /// ([`DelegationScope::Parcels`](crate::credential::DelegationScope::Parcels))
    /// or every parcel waiting now and later
    /// ([`DelegationScope::AllParcels`](crate::credential::DelegationScope::AllParcels)),
    /// until `request.expires_at_s`. The delegate types it like the
    /// resident's own PIN (with the resident's unit when the policy binds
    /// PINs to units). It opens only doors holding the delegator's parcels,
    /// and none whose parcels go back to the carrier. Returns the PIN, to
    /// pass on, and its credential id, to [revoke](Self::revoke_credential)
    /// it early.
    ///
    /// The host authenticates the delegator: the locker cannot tell a
    /// resident from someone typing their unit number.
    ///
    /// # Errors
    ///
    /// [`LockerError::Credential`]: `NotDelegable` for a door the delegator
    /// holds no usable PIN or token of, `InvalidRequest` for doors given
    /// with the wrong scope or twice, `BadExpiry`, and `TooManyPins` when
    /// the delegator's PINs, with those of their drop-offs in progress,
    /// reach the policy's limit. And the hardware and journal errors.
    pub fn delegate(&mut self, request: &DelegationRequest) -> Result<Delegation, LockerError> {
        let now_s = self.now()?;
        let mut rng = self.rng()?;
        let (pin, record) = self
            .state
            .credentials
            .generate_delegation(&self.keys, &mut rng, request, now_s)?;
        let credential_id = record.id;
        self.write(now_s, Entry::CredentialIssued { record })
            .map_err(credential_error_first)?;
        Ok(Delegation { pin, credential_id })
    }

    /// Revokes a credential that has a record (a delegation, an RFID tag, a
    /// courier code): it stops working at once, and the revocation is
    /// journaled. A delivery's own credentials (its pickup PIN and token,
    /// the carrier's return token) are the locker's to revoke: revoked here
    /// they would leave the parcels behind a door nobody can open.
    ///
    /// # Errors
    ///
    /// [`LockerError::Credential`] for an unknown credential or one already
    /// spent or revoked; [`StateError::Unavailable`] for a delivery's own
    /// credential. Nothing is journaled then. And the hardware and journal
    /// errors.
    pub fn revoke_credential(&mut self, id: CredentialId) -> Result<(), LockerError> {
        if let Some((&compartment, _)) = self
            .state
            .deliveries
            .iter()
            .find(|(_, delivery)| delivery.credentials.contains(&id))
        {
            return Err(StateError::Unavailable {
                compartment,
                why: "the credential belongs to its delivery, and the locker revokes it",
            }
            .into());
        }
        let now_s = self.now()?;
        self.write(now_s, Entry::CredentialRevoked { id })
            .map_err(credential_error_first)
    }

    fn check_grace(&self, compartment: CompartmentId, now_s: u64) -> Result<(), LockerError> {
        match self.state.graces.get(&compartment) {
            Some(grace) if now_s < grace.until_s => Ok(()),
            _ => Err(StateError::NotInGrace { compartment }.into()),
        }
    }

    /// Records the pickup and unlocks its doors. Doors that do not unlock
    /// are given back (the parcels stay, the credential keeps working) and
    /// taken out of service.
    fn open_for_pickup(
        &mut self,
        now_s: u64,
        kiosk: Option<KioskId>,
        grant: Grant,
    ) -> Result<Vec<CompartmentId>, LockerError> {
        let attempt = Grant {
            compartments: Vec::new(),
            ..grant.clone()
        };
        match self.open_grant(now_s, grant) {
            // Refused after the credential verified: on the record too.
            Err(
                error @ (LockerError::NothingToCollect
                | LockerError::State(StateError::Unavailable { .. })),
            ) => Err(self.note_refused(now_s, kiosk, &attempt, error)),
            opened => opened,
        }
    }

    /// Opens the doors of a verified pickup grant that may be collected.
    fn open_grant(
        &mut self,
        now_s: u64,
        mut grant: Grant,
    ) -> Result<Vec<CompartmentId>, LockerError> {
        if grant.compartments.is_empty() {
            // An RFID tag opens everything its owner has waiting.
            grant.compartments = self
                .state
                .deliveries
                .iter()
                .filter(|(_, delivery)| Some(delivery.recipient) == grant.recipient)
                .map(|(compartment, _)| *compartment)
                .collect();
        }
        let mut allowed: Vec<CompartmentId> = grant
            .compartments
            .iter()
            .copied()
            .filter(|&compartment| self.state.may_collect(&grant, compartment))
            .collect();
        // A door named twice (a token issued before issuing refused that)
        // is opened once.
        crate::collections::sort::values(&mut allowed);
        allowed.dedup();
        grant.compartments = allowed;
        if grant.compartments.is_empty() {
            return Err(LockerError::NothingToCollect);
        }
        // A door out of service or busy is left shut; the others open (a
        // PIN for several doors is not held back by one of them).
        let blocked: Vec<(CompartmentId, _)> = grant
            .compartments
            .iter()
            .filter_map(|&door| self.state.door_blocked(door).map(|why| (door, why)))
            .collect();
        grant
            .compartments
            .retain(|door| !blocked.iter().any(|(shut, _)| shut == door));
        if let Some(&(compartment, why)) = blocked.first()
            && grant.compartments.is_empty()
        {
            return Err(StateError::Unavailable { compartment, why }.into());
        }
        let doors = grant.compartments.clone();
        self.write(now_s, Entry::PickupOpened { grant })?;
        let mut opened = Vec::new();
        let mut fault = None;
        for compartment in doors {
            match self.hardware.unlock(compartment) {
                Ok(()) => opened.push(compartment),
                Err(error) => {
                    let kind = error.kind();
                    fault = Some(self.fault(now_s, Some(compartment), &error));
                    // The credential stays valid either way: the resident
                    // tries again.
                    self.write(
                        now_s,
                        Entry::PickupAborted {
                            compartment,
                            reason: if kind == HardwareErrorKind::PowerLost {
                                AbortReason::PowerLoss
                            } else {
                                AbortReason::DoorFault
                            },
                        },
                    )?;
                    // Only a fault of the door takes it out of service; the
                    // power, the bus or the board failing is not the latch,
                    // and the door is tried again when it is back.
                    if super::courier::door_is_at_fault(kind) {
                        self.write(
                            now_s,
                            Entry::OutOfService {
                                compartment,
                                reason: alloc::string::String::from("door did not unlock"),
                            },
                        )?;
                    }
                }
            }
        }
        match (opened.is_empty(), fault) {
            (true, Some(fault)) => Err(fault),
            _ => Ok(opened),
        }
    }

    /// Unlocks a door opened for staff or a re-open; if it will not
    /// unlock, the task is closed again.
    pub(super) fn unlock_or_close(
        &mut self,
        now_s: u64,
        compartment: CompartmentId,
    ) -> Result<(), LockerError> {
        match self.hardware.unlock(compartment) {
            Ok(()) => Ok(()),
            Err(error) => {
                let fault = self.fault(now_s, Some(compartment), &error);
                self.write(now_s, Entry::DoorReclosed { compartment })?;
                Err(fault)
            }
        }
    }
}
