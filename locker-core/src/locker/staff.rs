//! Staff and property actions: overrides with a reason, doors out of
//! service, extensions and vacation holds, inspections after a power loss.

use alloc::string::String;

use super::entry::Entry;
use super::error::LockerError;
use super::state::DoorTask;
use super::{Locker, StateError};
use crate::hardware::Hardware;
use crate::ids::{CompartmentId, RecipientId};
use crate::journal::JournalSink;

/// The longest reason staff may give, in bytes.
pub const MAX_REASON_BYTES: usize = 200;

fn check_reason(reason: &str) -> Result<String, LockerError> {
    if reason.trim().is_empty() {
        return Err(LockerError::Invalid {
            field: "reason",
            reason: "staff must say why",
        });
    }
    if reason.len() > MAX_REASON_BYTES {
        return Err(LockerError::Invalid {
            field: "reason",
            reason: "longer than 200 bytes",
        });
    }
    Ok(String::from(reason))
}

impl<H: Hardware, J: JournalSink<Entry>> Locker<H, J> {
    /// Opens a door for staff, whatever it holds, with the reason in the
    /// journal. Nothing inside changes.
    ///
    /// # Errors
    ///
    /// [`LockerError::Invalid`] without a reason, [`LockerError::State`]
    /// for an unknown or already open door, and the hardware and journal
    /// errors.
    pub fn staff_open(
        &mut self,
        compartment: CompartmentId,
        reason: &str,
    ) -> Result<(), LockerError> {
        let reason = check_reason(reason)?;
        let now_s = self.now()?;
        self.write(
            now_s,
            Entry::StaffOpened {
                compartment,
                reason,
            },
        )?;
        self.unlock_or_close(now_s, compartment)
    }

    /// Takes a door out of service: it is never allocated until it is back.
    ///
    /// # Errors
    ///
    /// [`LockerError::Invalid`] without a reason, [`LockerError::State`]
    /// for an unknown door.
    pub fn set_out_of_service(
        &mut self,
        compartment: CompartmentId,
        reason: &str,
    ) -> Result<(), LockerError> {
        let reason = check_reason(reason)?;
        let now_s = self.now()?;
        self.write(
            now_s,
            Entry::OutOfService {
                compartment,
                reason,
            },
        )
    }

    /// Puts a door back in service (after a repair, or after a tamper
    /// alarm was looked into).
    ///
    /// # Errors
    ///
    /// [`LockerError::State`] for an unknown door or one that is not out of
    /// service.
    pub fn back_in_service(&mut self, compartment: CompartmentId) -> Result<(), LockerError> {
        if !self.state.out_of_service.contains_key(&compartment) {
            return Err(StateError::Unavailable {
                compartment,
                why: "not out of service",
            }
            .into());
        }
        let now_s = self.now()?;
        self.write(now_s, Entry::BackInService { compartment })
    }

    /// Extends a door's expiry by `by_s` seconds, up to the policy's
    /// maximum dwell (shorter for chilled doors). Returns the new expiry.
    ///
    /// # Errors
    ///
    /// [`LockerError::State`] for a door without a delivery or one already
    /// expired, [`LockerError::Invalid`] when the maximum is reached.
    pub fn extend(&mut self, compartment: CompartmentId, by_s: u64) -> Result<u64, LockerError> {
        let now_s = self.now()?;
        let delivery = self
            .state
            .deliveries
            .get(&compartment)
            .filter(|delivery| !delivery.returning)
            .ok_or(StateError::NoDelivery { compartment })?;
        let cap = self.max_expiry(compartment, delivery.deposited_at_s);
        let expires_at_s = delivery.expires_at_s.saturating_add(by_s).min(cap);
        if expires_at_s <= delivery.expires_at_s {
            return Err(LockerError::Invalid {
                field: "by_s",
                reason: "the maximum dwell is reached",
            });
        }
        self.write(
            now_s,
            Entry::Extended {
                compartment,
                expires_at_s,
            },
        )?;
        Ok(expires_at_s)
    }

    /// A recipient is away until `until_s`: their waiting parcels, and
    /// those that arrive meanwhile, wait until then (within the maximum
    /// dwell).
    ///
    /// # Errors
    ///
    /// [`LockerError::Invalid`] for a date in the past, and the journal's
    /// errors.
    pub fn hold(&mut self, recipient: RecipientId, until_s: u64) -> Result<(), LockerError> {
        let now_s = self.now()?;
        if until_s <= now_s {
            return Err(LockerError::Invalid {
                field: "until_s",
                reason: "must be in the future",
            });
        }
        self.write(now_s, Entry::HoldSet { recipient, until_s })?;
        let waiting: alloc::vec::Vec<(CompartmentId, u64, u64)> = self
            .state
            .deliveries
            .iter()
            .filter(|(_, d)| d.recipient == recipient && !d.returning && d.expires_at_s < until_s)
            .map(|(c, d)| (*c, d.deposited_at_s, d.expires_at_s))
            .collect();
        for (compartment, deposited_at_s, expires_at_s) in waiting {
            let held = until_s.min(self.max_expiry(compartment, deposited_at_s));
            if held > expires_at_s {
                self.write(
                    now_s,
                    Entry::Extended {
                        compartment,
                        expires_at_s: held,
                    },
                )?;
            }
        }
        Ok(())
    }

    /// Staff looked inside a door interrupted by a power loss: an
    /// interrupted drop-off with the parcel inside is completed (and the
    /// recipient told), an interrupted pickup of an empty door is
    /// completed; otherwise nothing changes. The door returns to service.
    ///
    /// # Errors
    ///
    /// [`LockerError::State`] when the door is not waiting for inspection.
    pub fn inspect(
        &mut self,
        compartment: CompartmentId,
        found_parcels: bool,
    ) -> Result<(), LockerError> {
        let task = self
            .state
            .interrupted
            .get(&compartment)
            .cloned()
            .ok_or(StateError::NotInterrupted { compartment })?;
        let now_s = self.now()?;
        match (task, found_parcels) {
            (
                DoorTask::Deposit {
                    parcel, recipient, ..
                },
                true,
            ) => {
                let expires_at_s = self.delivery_expiry(compartment, recipient, &parcel, now_s);
                let secrets = self.pickup_secrets(now_s, compartment, recipient, expires_at_s)?;
                let pin_opens = secrets.pin_doors();
                self.write(
                    now_s,
                    Entry::Inspected {
                        compartment,
                        found_parcels,
                        credentials: secrets.records,
                        replaced: secrets.replaced,
                        expires_at_s,
                    },
                )?;
                self.announce_ready(
                    compartment,
                    recipient,
                    secrets.pin,
                    secrets.qr_token,
                    pin_opens,
                    expires_at_s,
                );
                Ok(())
            }
            _ => self.write(
                now_s,
                Entry::Inspected {
                    compartment,
                    found_parcels,
                    credentials: alloc::vec::Vec::new(),
                    replaced: alloc::vec::Vec::new(),
                    expires_at_s: 0,
                },
            ),
        }
    }

    fn max_expiry(&self, compartment: CompartmentId, deposited_at_s: u64) -> u64 {
        let chilled = self
            .state
            .bank
            .compartment(compartment)
            .is_some_and(|door| door.spec().zone != crate::parcel::TemperatureZone::Ambient);
        deposited_at_s.saturating_add(self.state.policy.max_dwell_for(chilled))
    }
}
