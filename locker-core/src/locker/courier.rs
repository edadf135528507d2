//! The courier's side: signing in with a courier code, dropping parcels
//! off, asking for a larger door, and the credentials a finished drop-off
//! issues.

use alloc::vec;
use alloc::vec::Vec;

use super::entry::{AbortReason, Entry};
use super::error::LockerError;
use super::event::Event;
use super::state::DoorTask;
use super::{Locker, StateError};
use crate::allocate::{Outcome, Overflow, Request, Rule};
use crate::credential::{
    CarrierId, CourierRequest, CredentialId, CredentialRecord, Grant, KioskId, PinRequest,
    PinSecret, Purpose, TokenRequest, TokenSecret, issue_recorded_token,
};
use crate::hardware::{Hardware, HardwareError};
use crate::ids::{CompartmentId, RecipientId};
use crate::journal::JournalSink;
use crate::pack::Placement;

/// Whether a failed unlock is the door's own fault (jammed, unknown to the
/// board), so that door goes out of service and another is tried.
pub(super) const fn door_is_at_fault(kind: crate::hardware::HardwareErrorKind) -> bool {
    matches!(
        kind,
        crate::hardware::HardwareErrorKind::DoorJammed
            | crate::hardware::HardwareErrorKind::UnknownDoor
    )
}

/// How many doors a drop-off tries when doors fail to unlock.
const MAX_UNLOCK_TRIES: usize = 3;

/// A courier signed in at a kiosk. Made only by
/// [`Locker::courier_sign_in`]; it proves the courier code was checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CourierSession {
    grant: Grant,
    kiosk: KioskId,
}

impl CourierSession {
    /// The courier's carrier.
    #[must_use]
    pub fn carrier(&self) -> Option<CarrierId> {
        self.grant.carrier
    }

    /// The kiosk the courier signed in at.
    #[must_use]
    pub const fn kiosk(&self) -> KioskId {
        self.kiosk
    }
}

/// The answer to a drop-off. As JSON (every binding's shape):
/// `{"outcome": "opened", "compartment", "placement", "rule"}` or
/// `{"outcome": "overflow", …the overflow's fields}`.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case", tag = "outcome")]
#[non_exhaustive]
pub enum DropOff {
    /// A door is open for the parcel.
    Opened {
        /// The door.
        compartment: CompartmentId,
        /// Where and how the parcel goes in.
        placement: Placement,
        /// Why this door.
        rule: Rule,
    },
    /// No door: take the parcel to overflow (the front desk, another bank).
    Overflow(Overflow),
}

/// The secrets of a pickup credential pair, to send to the recipient.
pub(super) struct PickupSecrets {
    pub pin: PinSecret,
    pub qr_token: TokenSecret,
    pub records: Vec<CredentialRecord>,
    /// The door's earlier credentials, and the resident's own PINs a PIN
    /// for all their doors replaces, which these replace.
    pub replaced: Vec<CredentialId>,
}

impl PickupSecrets {
    /// The doors the new PIN opens.
    pub fn pin_doors(&self) -> Vec<CompartmentId> {
        self.records
            .first()
            .map(|record| record.compartments.clone())
            .unwrap_or_default()
    }
}

impl<H: Hardware, J: JournalSink<Entry>> Locker<H, J> {
    /// Issues (or rotates) a carrier's courier code, valid from now for
    /// `valid_for_s` seconds. The code allows drop-off only; the carrier's
    /// previous code stops working.
    ///
    /// # Errors
    ///
    /// [`LockerError::Credential`] for an invalid window, and the hardware
    /// and journal errors.
    pub fn issue_courier_code(
        &mut self,
        carrier: CarrierId,
        valid_for_s: u64,
    ) -> Result<PinSecret, LockerError> {
        let now_s = self.now()?;
        let mut rng = self.rng()?;
        let previous = self
            .state
            .credentials
            .courier_code_of(carrier)
            .map(|record| record.id);
        let (code, record) = self.state.credentials.generate_courier_code(
            &self.keys,
            &mut rng,
            &CourierRequest {
                carrier,
                valid_from_s: now_s,
                expires_at_s: now_s.saturating_add(valid_for_s),
            },
            now_s,
        )?;
        if let Some(id) = previous {
            self.write(now_s, Entry::CredentialRevoked { id })?;
        }
        self.write(now_s, Entry::CredentialIssued { record })?;
        Ok(code)
    }

    /// Checks a courier code typed at `kiosk`.
    ///
    /// # Errors
    ///
    /// [`LockerError::Credential`]; the failed attempt is recorded for the
    /// throttle.
    pub fn courier_sign_in(
        &mut self,
        kiosk: KioskId,
        code: &str,
    ) -> Result<CourierSession, LockerError> {
        self.sign_in(kiosk, None, code)
    }

    /// Signs a courier in with their code and the carrier they chose on the
    /// kiosk's screen: only that carrier's code is looked at, and a wrong
    /// code counts against that carrier, so someone guessing codes for one
    /// carrier never locks out another's couriers. Journaled.
    ///
    /// # Errors
    ///
    /// As [`Locker::courier_sign_in`].
    pub fn courier_sign_in_for(
        &mut self,
        kiosk: KioskId,
        carrier: CarrierId,
        code: &str,
    ) -> Result<CourierSession, LockerError> {
        self.sign_in(kiosk, Some(carrier), code)
    }

    fn sign_in(
        &mut self,
        kiosk: KioskId,
        carrier: Option<CarrierId>,
        code: &str,
    ) -> Result<CourierSession, LockerError> {
        let now_s = self.now()?;
        self.record_held_failure(now_s)?;
        let credentials = &self.state.credentials;
        let verified = match carrier {
            Some(carrier) => {
                credentials.verify_courier_for(&self.keys, kiosk, carrier, code, now_s)
            }
            None => credentials.verify_courier(&self.keys, kiosk, code, now_s),
        };
        let grant = self.settle_verification(now_s, verified)?;
        if let Some(carrier) = grant.carrier {
            self.write(now_s, Entry::CourierSignedIn { carrier, kiosk })?;
        }
        Ok(CourierSession { grant, kiosk })
    }

    /// The courier signs out (journaled, for the audit).
    ///
    /// # Errors
    ///
    /// The clock's and the journal's.
    pub fn courier_sign_out(&mut self, session: &CourierSession) -> Result<(), LockerError> {
        let now_s = self.now()?;
        match session.carrier() {
            Some(carrier) => self.write(
                now_s,
                Entry::CourierSignedOut {
                    carrier,
                    kiosk: session.kiosk,
                },
            ),
            None => Ok(()),
        }
    }

    /// Drops a parcel off: chooses a door, records the intent and unlocks
    /// it. The drop-off completes when the door closes
    /// ([`Locker::door_closed`]). A door that fails to unlock is taken out
    /// of service and the next best door is tried.
    ///
    /// # Errors
    ///
    /// [`LockerError::Credential`] when the courier code has expired or was
    /// rotated, [`LockerError::Allocation`] for an invalid parcel or one
    /// already stored, [`LockerError::Hardware`] when no door unlocks, and
    /// the journal's errors. No parcel is stored on error.
    pub fn deposit(
        &mut self,
        session: &CourierSession,
        request: Request,
    ) -> Result<DropOff, LockerError> {
        let now_s = self.now()?;
        let carrier = self.check_session(session, now_s)?;
        self.open_for_deposit(now_s, request, carrier, None, None)
    }

    /// The courier's code still works (not expired, not rotated): the
    /// carrier it is for.
    pub(super) fn check_session(
        &self,
        session: &CourierSession,
        now_s: u64,
    ) -> Result<CarrierId, LockerError> {
        let still_valid = self
            .state
            .credentials
            .get(session.grant.credential_id)
            .map(|record| record.check_usable(now_s));
        match still_valid {
            Some(Ok(())) => {}
            Some(Err(error)) => return Err(error.into()),
            None => return Err(crate::credential::CredentialError::Rejected.into()),
        }
        Ok(session.grant.carrier.unwrap_or(CarrierId(0)))
    }

    /// The courier found the door too small: the drop-off there is called
    /// off (the door must be closed again) and a larger door opens.
    ///
    /// # Errors
    ///
    /// [`LockerError::DoorStillOpen`] until the door is closed,
    /// [`LockerError::State`] when the door is not open for a drop-off, and
    /// the errors of [`Locker::deposit`].
    pub fn need_larger_door(&mut self, compartment: CompartmentId) -> Result<DropOff, LockerError> {
        let (parcel, recipient, needs_accessible, carrier) = self.deposit_task(compartment)?;
        self.require_closed(compartment)?;
        let now_s = self.now()?;
        self.write(
            now_s,
            Entry::DepositAborted {
                compartment,
                reason: AbortReason::TooSmall,
            },
        )?;
        let request = Request {
            parcel,
            recipient,
            needs_accessible,
        };
        self.open_for_deposit(now_s, request, carrier, Some(compartment), None)
    }

    /// The courier called the drop-off off and closed the door.
    ///
    /// # Errors
    ///
    /// As [`Locker::need_larger_door`].
    pub fn cancel_deposit(&mut self, compartment: CompartmentId) -> Result<(), LockerError> {
        self.deposit_task(compartment)?;
        self.require_closed(compartment)?;
        let now_s = self.now()?;
        self.abort_deposit(now_s, compartment, AbortReason::Cancelled)
    }

    fn deposit_task(
        &self,
        compartment: CompartmentId,
    ) -> Result<(crate::Parcel, RecipientId, bool, CarrierId), LockerError> {
        match self
            .state
            .open_doors
            .get(&compartment)
            .map(|door| &door.task)
        {
            Some(DoorTask::Deposit {
                parcel,
                recipient,
                needs_accessible,
                carrier,
            }) => Ok((*parcel, *recipient, *needs_accessible, *carrier)),
            _ => Err(StateError::NotOpenFor {
                compartment,
                expected: "a deposit",
            }
            .into()),
        }
    }

    /// Opens a door for `request`: the `planned` door (a batch plan's)
    /// when it still takes the parcel, otherwise the one allocation gives
    /// (larger than `larger_than`, when the courier found that too small).
    pub(super) fn open_for_deposit(
        &mut self,
        now_s: u64,
        request: Request,
        carrier: CarrierId,
        larger_than: Option<CompartmentId>,
        mut planned: Option<(CompartmentId, Rule)>,
    ) -> Result<DropOff, LockerError> {
        if let Some(compartment) = self.state.deposit_door_of(request.parcel.id) {
            // Being put into another door: the same parcel cannot go twice.
            return Err(crate::allocate::AllocationError::AlreadyStored {
                parcel: request.parcel.id,
                compartment,
            }
            .into());
        }
        let mut last_fault = None;
        for _ in 0..MAX_UNLOCK_TRIES {
            let planned_door = planned
                .take()
                .and_then(|(door, rule)| self.planned_assignment(&request, door, rule));
            let outcome = match (planned_door, larger_than) {
                (Some(assignment), _) => Outcome::Assigned(assignment),
                (None, Some(door)) => self.state.bank.allocate_larger_than(&request, door)?,
                (None, None) => self.state.bank.allocate(&request)?,
            };
            let assignment = match outcome {
                Outcome::Assigned(assignment) => assignment,
                Outcome::Overflow(overflow) => {
                    // Best effort, like a hardware fault's record: it
                    // changes nothing, and the courier must hear of the
                    // overflow even when the journal cannot take it (after
                    // a too-small door or a jammed one, their records are
                    // already written).
                    let _ = self.write(
                        now_s,
                        Entry::DepositOverflowed {
                            parcel: request.parcel,
                            recipient: request.recipient,
                            carrier,
                            reason: overflow.reason,
                        },
                    );
                    self.events.push(Event::Overflow {
                        parcel: request.parcel.id,
                        recipient: request.recipient,
                        carrier,
                        reason: overflow.reason,
                    });
                    return Ok(DropOff::Overflow(overflow));
                }
            };
            let compartment = assignment.compartment;
            self.write(
                now_s,
                Entry::DepositOpened {
                    compartment,
                    parcel: request.parcel,
                    recipient: request.recipient,
                    needs_accessible: request.needs_accessible,
                    carrier,
                },
            )?;
            match self.hardware.unlock(compartment) {
                Ok(()) => {
                    return Ok(DropOff::Opened {
                        compartment,
                        placement: assignment.placement,
                        rule: assignment.rule,
                    });
                }
                Err(error) => {
                    let kind = error.kind();
                    let fault = self.fault(now_s, Some(compartment), &error);
                    let reason = if kind == crate::hardware::HardwareErrorKind::PowerLost {
                        AbortReason::PowerLoss
                    } else {
                        AbortReason::DoorFault
                    };
                    self.abort_deposit(now_s, compartment, reason)?;
                    if !door_is_at_fault(kind) {
                        // The board, not the door: another door would fail
                        // the same way.
                        return Err(fault);
                    }
                    self.write(
                        now_s,
                        Entry::OutOfService {
                            compartment,
                            reason: alloc::string::String::from("door did not unlock"),
                        },
                    )?;
                    last_fault = Some(fault);
                }
            }
        }
        Err(last_fault.unwrap_or(LockerError::Invalid {
            field: "compartment",
            reason: "no door unlocked",
        }))
    }

    pub(super) fn abort_deposit(
        &mut self,
        now_s: u64,
        compartment: CompartmentId,
        reason: AbortReason,
    ) -> Result<(), LockerError> {
        let (parcel, ..) = self.deposit_task(compartment)?;
        self.write(
            now_s,
            Entry::DepositAborted {
                compartment,
                reason,
            },
        )?;
        self.events.push(Event::DropOffAborted {
            compartment,
            parcel: parcel.id,
            reason,
        });
        Ok(())
    }

    /// Stores the parcel of an open drop-off and issues the recipient's
    /// credentials.
    pub(super) fn commit_deposit(
        &mut self,
        now_s: u64,
        compartment: CompartmentId,
    ) -> Result<(), LockerError> {
        let (parcel, recipient, ..) = self.deposit_task(compartment)?;
        let expires_at_s = self.delivery_expiry(compartment, recipient, &parcel, now_s);
        // Joining the recipient's door: the earlier credentials give way.
        let secrets = self.pickup_secrets(now_s, compartment, recipient, expires_at_s)?;
        let pin_doors = secrets.pin_doors();
        let PickupSecrets {
            pin,
            qr_token,
            records,
            replaced,
        } = secrets;
        self.write(
            now_s,
            Entry::DepositCommitted {
                compartment,
                credentials: records,
                replaced,
                expires_at_s,
            },
        )?;
        self.announce_ready(
            compartment,
            recipient,
            pin,
            qr_token,
            pin_doors,
            expires_at_s,
        );
        Ok(())
    }

    /// When a parcel going into `compartment` now expires: the policy's
    /// dwell, and never earlier than the recipient's parcels already there.
    pub(super) fn delivery_expiry(
        &self,
        compartment: CompartmentId,
        recipient: RecipientId,
        parcel: &crate::Parcel,
        now_s: u64,
    ) -> u64 {
        let expiry = self.state.expiry_for(recipient, parcel.zone, now_s);
        self.state
            .deliveries
            .get(&compartment)
            .map_or(expiry, |delivery| delivery.expires_at_s.max(expiry))
    }

    /// Tells the recipient their door is ready, with its new secrets.
    pub(super) fn announce_ready(
        &mut self,
        compartment: CompartmentId,
        recipient: RecipientId,
        pin: PinSecret,
        qr_token: TokenSecret,
        pin_opens: Vec<CompartmentId>,
        expires_at_s: u64,
    ) {
        let parcel_ids: Vec<crate::ParcelId> = self
            .state
            .bank
            .compartment(compartment)
            .and_then(|door| door.contents())
            .map(|contents| contents.parcels.iter().map(|p| p.id).collect())
            .unwrap_or_default();
        let carrier = self
            .state
            .deliveries
            .get(&compartment)
            .map(|delivery| delivery.carrier);
        self.events.push(Event::ParcelReady {
            recipient,
            compartment,
            parcels: parcel_ids.len(),
            parcel_ids,
            carrier,
            pin,
            pin_opens,
            qr_token,
            expires_at_s,
        });
    }

    /// A PIN (typed with the unit) and a QR token for one door.
    ///
    /// They stay valid for the longest dwell extensions and holds may
    /// reach, whatever the delivery's own expiry: moving the expiry then
    /// needs no new credentials, and the expiry sweep revokes them when the
    /// parcels go back.
    pub(super) fn pickup_secrets(
        &mut self,
        now_s: u64,
        compartment: CompartmentId,
        recipient: RecipientId,
        delivery_expires_at_s: u64,
    ) -> Result<PickupSecrets, LockerError> {
        let chilled = self
            .state
            .bank
            .compartment(compartment)
            .is_some_and(|door| door.spec().zone != crate::parcel::TemperatureZone::Ambient);
        let expires_at_s = delivery_expires_at_s
            .max(now_s.saturating_add(self.state.policy.max_dwell_for(chilled)));
        let mut rng = self.rng()?;
        // The door's current credentials give way to the new ones (a
        // parcel joining the recipient's door), so they do not count
        // against the recipient's limit of active PINs.
        let replaced = self
            .state
            .deliveries
            .get(&compartment)
            .map(|delivery| delivery.credentials.clone())
            .unwrap_or_default();
        let without_replaced = (!replaced.is_empty()).then(|| {
            let mut store = self.state.credentials.clone();
            for &id in &replaced {
                if store.get(id).is_some_and(|record| record.is_usable(now_s)) {
                    let _ = store.revoke(id, now_s);
                }
            }
            store
        });
        let store = without_replaced.as_ref().unwrap_or(&self.state.credentials);
        // At the cap of active PINs, the resident's own pickup PINs give way
        // to one that opens all their doors (one code for several parcels,
        // as lockers in the field do): a drop-off never fails on the cap.
        let cap = usize::try_from(store.policy().pin.max_active_per_unit).unwrap_or(usize::MAX);
        let mut pin_doors = alloc::vec![compartment];
        // A PIN of this door's that opens other doors too (one for all the
        // resident's doors) gives way to the new one only if that opens
        // them as well.
        for &id in &replaced {
            if let Some(record) = self.state.credentials.get(id)
                && record.kind.is_own_pin()
                && record.recipient == Some(recipient)
                && record.is_usable(now_s)
            {
                pin_doors.extend(record.compartments.iter().copied());
            }
        }
        let mut replaced = replaced;
        let merged = (store.active_pins_of(recipient, now_s) >= cap).then(|| {
            let mut merged = store.clone();
            let own: Vec<(CredentialId, Vec<CompartmentId>)> = store
                .records_of(recipient)
                .filter(|r| r.kind.is_own_pin() && r.purpose == Purpose::Pickup)
                .filter(|r| r.is_usable(now_s))
                .map(|r| (r.id, r.compartments.clone()))
                .collect();
            for (id, doors) in own {
                let _ = merged.revoke(id, now_s);
                replaced.push(id);
                pin_doors.extend(doors);
            }
            merged
        });
        crate::collections::sort::values(&mut pin_doors);
        pin_doors.dedup();
        crate::collections::sort::values(&mut replaced);
        replaced.dedup();
        let request = PinRequest {
            recipient,
            compartments: pin_doors,
            purpose: Purpose::Pickup,
            expires_at_s,
        };
        let (pin, pin_record) = match &merged {
            Some(store) => store.generate_replacing_pin(&self.keys, &mut rng, &request, now_s)?,
            None => store.generate_pin(&self.keys, &mut rng, &request, now_s)?,
        };
        let (qr_token, token_record) = issue_recorded_token(
            &self.keys,
            &mut rng,
            &TokenRequest {
                bank: self.state.bank_id,
                purpose: Purpose::Pickup,
                compartments: vec![compartment],
                recipient: Some(recipient),
                expires_at_s,
            },
            now_s,
        )?;
        Ok(PickupSecrets {
            pin,
            qr_token,
            records: vec![pin_record, token_record],
            replaced,
        })
    }

    pub(super) fn require_closed(&mut self, compartment: CompartmentId) -> Result<(), LockerError> {
        match self.hardware.door_state(compartment) {
            Ok(crate::hardware::DoorState::Closed) => Ok(()),
            Ok(crate::hardware::DoorState::Open) => Err(LockerError::DoorStillOpen { compartment }),
            Err(error) => {
                let now_s = self.state.last_at_s();
                Err(self.fault(now_s, Some(compartment), &error))
            }
        }
    }

    /// Records a refused credential for the throttle, raises lockout
    /// events, and returns the grant or the error.
    pub(super) fn settle_verification<T>(
        &mut self,
        now_s: u64,
        verified: Result<T, crate::credential::Refusal>,
    ) -> Result<T, LockerError> {
        match verified {
            Ok(grant) => Ok(grant),
            Err(refusal) => {
                if let Some(failure) = refusal.failure {
                    self.count_failure(now_s, failure)?;
                } else if let Some(attempt) = refusal.noted {
                    // On the record too, summed: a flood costs bounded
                    // storage. Best effort: the refusal stands either way.
                    for entry in self.refused.add(&attempt, refusal.error.code()) {
                        let _ = self.write(now_s, entry);
                    }
                }
                Err(refusal.error.into())
            }
        }
    }

    /// Journals a counted failure, then applies it, keeping the lockouts
    /// it triggers. A journal that cannot take the record must not switch
    /// the throttle off: the failure is kept, and no guessable credential
    /// is verified until it is on the record
    /// ([`record_held_failure`](Self::record_held_failure)).
    fn count_failure(
        &mut self,
        now_s: u64,
        failure: crate::credential::Failure,
    ) -> Result<(), LockerError> {
        if let Err(error) = self.append(now_s, Entry::AttemptFailed { failure }) {
            self.held_failure = Some(failure);
            return Err(error);
        }
        for lockout in self.state.record_failure(&failure, now_s) {
            self.events.push(Event::SuspiciousAttempts { lockout });
        }
        Ok(())
    }

    /// Before any credential is verified: a failure the journal could not
    /// take is recorded first, or the attempt is refused with the
    /// journal's error (the throttle stays on while the storage fails).
    pub(super) fn record_held_failure(&mut self, now_s: u64) -> Result<(), LockerError> {
        match self.held_failure.take() {
            Some(failure) => self.count_failure(now_s, failure),
            None => Ok(()),
        }
    }

    /// Puts a refusal that came after a credential verified (nothing to
    /// collect, a door out of service, a token ahead of the clock) on the
    /// record, summed like every refused attempt that counts against
    /// nobody; returns the error.
    pub(super) fn note_refused(
        &mut self,
        now_s: u64,
        kiosk: Option<KioskId>,
        grant: &Grant,
        error: LockerError,
    ) -> LockerError {
        let attempt = crate::credential::Failure {
            at_s: now_s,
            channel: grant.channel,
            kiosk,
            recipient: grant.recipient,
            credential: Some(grant.credential_id),
            carrier: grant.carrier,
        };
        for entry in self.refused.add(&attempt, error.code()) {
            let _ = self.write(now_s, entry);
        }
        error
    }

    /// Journals every sum of refused attempts now (they are journaled an
    /// hour after their first attempt, or by `tick` once due): call it
    /// before a planned shutdown or a snapshot, so no count is lost.
    ///
    /// # Errors
    ///
    /// The clock's.
    pub fn flush_attempts(&mut self) -> Result<(), LockerError> {
        let now_s = self.now()?;
        self.flush_refused(now_s, true);
        Ok(())
    }

    /// Journals the sums of refused attempts that are due (or all of
    /// them), best effort.
    pub(super) fn flush_refused(&mut self, now_s: u64, all: bool) {
        let due = if all {
            self.refused.take_all()
        } else {
            self.refused.take_due(now_s)
        };
        for entry in due {
            let _ = self.write(now_s, entry);
        }
    }
}
