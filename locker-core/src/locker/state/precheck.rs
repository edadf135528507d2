//! Whether an entry would apply, checked before it is journaled, and
//! which entries are compound (see [`LockerState::precheck`]).

use super::{Application, DoorTask, Expect, LockerState, StateError};
use crate::bank::BankError;
use crate::ids::{CompartmentId, ParcelId};
use crate::locker::entry::Entry;

impl LockerState {
    /// The door a parcel is being put into by an open drop-off, if any.
    pub(in crate::locker) fn deposit_door_of(&self, parcel: ParcelId) -> Option<CompartmentId> {
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
    pub(in crate::locker) fn precheck(&self, entry: &Entry) -> Result<Application, StateError> {
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
    pub(super) fn check_openable(&self, compartment: CompartmentId) -> Result<(), StateError> {
        self.known(compartment)?;
        match self.door_blocked(compartment) {
            None => Ok(()),
            Some(_) if self.open_doors.contains_key(&compartment) => {
                Err(StateError::DoorBusy { compartment })
            }
            Some(why) => Err(StateError::Unavailable { compartment, why }),
        }
    }

    pub(super) fn known(&self, compartment: CompartmentId) -> Result<(), StateError> {
        self.bank
            .compartment(compartment)
            .map(|_| ())
            .ok_or(StateError::Bank(BankError::UnknownCompartment {
                compartment,
            }))
    }
}
