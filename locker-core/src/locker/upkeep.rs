//! Doors closing, the periodic sweep, and settling open doors after a
//! restart.

use alloc::vec::Vec;

use super::entry::{AbortReason, Entry};
use super::error::LockerError;
use super::event::Event;
use super::state::DoorTask;
use super::{Locker, StateError};
use crate::credential::{Purpose, TokenRequest, issue_recorded_token};
use crate::hardware::{DoorState, Hardware, Occupancy};
use crate::ids::CompartmentId;
use crate::journal::JournalSink;

/// How often the sweep drops spent credentials and departed parcels.
const PRUNE_EVERY_S: u64 = 3_600;

/// Why an open door is being settled.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Settling {
    /// The host reported the door closed.
    Closed,
    /// The sweep found an unlocked door closed that it never saw open,
    /// after the alarm time: nobody came, or came and went between sweeps.
    NeverSeenOpen,
    /// The locker restarted; whether the door ever opened is unknown.
    AfterRestart,
}

impl<H: Hardware, J: JournalSink<Entry>> Locker<H, J> {
    /// The host saw `compartment` close: completes what the door was open
    /// for — stores the courier's parcel and issues the recipient's
    /// credentials, frees a collected door, or ends a staff visit. The
    /// occupancy sensor, when there is one, catches a drop-off with nothing
    /// inside and a pickup that left the parcels behind.
    ///
    /// A door the locker did not unlock reported closed is an alarm, never
    /// a drop-off: someone opened it without a credential, or the event
    /// was forged. It is journaled (`unexpected_door_close`, at most once
    /// per door an hour) and raised as
    /// [`Event::UnexpectedDoorClose`], and the call fails.
    ///
    /// # Errors
    ///
    /// [`LockerError::DoorStillOpen`] if the door reports open,
    /// [`LockerError::State`] if the door was not open for anything (after
    /// journaling the alarm) or is unknown, and the hardware and journal
    /// errors.
    pub fn door_closed(&mut self, compartment: CompartmentId) -> Result<(), LockerError> {
        if !self.state.open_doors.contains_key(&compartment) {
            let entry = Entry::UnexpectedDoorClose { compartment };
            self.state.precheck(&entry)?;
            let now_s = self.now()?;
            // One record per door an hour: a flood of forged
            // events costs bounded storage (each still raises the event).
            let recent = self
                .door_alarms
                .get(&compartment)
                .is_some_and(|&at_s| at_s.saturating_add(super::tally::TALLY_S) > now_s);
            if !recent {
                self.write(now_s, entry)?;
                self.door_alarms.insert(compartment, now_s);
            }
            self.events.push(Event::UnexpectedDoorClose { compartment });
            return Err(StateError::NotOpenFor {
                compartment,
                expected: "any task",
            }
            .into());
        }
        self.require_closed(compartment)?;
        let now_s = self.now()?;
        self.settle(now_s, compartment, Settling::Closed)
    }

    /// The periodic sweep (call it every few seconds): completes doors it
    /// saw open and now finds closed, settles unlocked doors it never saw
    /// open once the alarm time has passed (by the occupancy sensor, or by
    /// asking staff), raises "door left open" and tamper alarms, ends grace
    /// periods, sends reminders, expires parcels past their dwell, and once
    /// an hour drops spent credentials and departed parcels from the state
    /// (the journal keeps their story).
    ///
    /// # Errors
    ///
    /// The hardware and journal errors; what was done before the error
    /// stays done.
    pub fn tick(&mut self) -> Result<(), LockerError> {
        let now_s = self.now()?;
        self.flush_refused(now_s, false);
        self.watch_doors(now_s)?;
        self.end_graces(now_s)?;
        self.sweep_deliveries(now_s)?;
        if now_s >= self.state.last_pruned_s().saturating_add(PRUNE_EVERY_S) {
            self.write(now_s, Entry::Pruned)?;
        }
        Ok(())
    }

    /// Completes the tasks of doors that were open at a restart and are
    /// closed now. With an occupancy sensor the outcome is known; without
    /// one the door waits for staff ([`Locker::inspect`]).
    pub(super) fn settle_open_doors(&mut self) -> Result<(), LockerError> {
        let now_s = self.now()?;
        let open: Vec<CompartmentId> = self.state.open_doors.keys().copied().collect();
        for compartment in open {
            if let Ok(DoorState::Closed) = self.hardware.door_state(compartment) {
                self.settle_or_retry(now_s, compartment, Settling::AfterRestart)?;
            }
        }
        Ok(())
    }

    /// Settles a door for the sweep or a restart. A refused credential
    /// (the recipient already holds as many PINs as the policy allows, so
    /// the drop-off cannot issue one) leaves the door open, to be settled
    /// by a later sweep, instead of stopping the sweep for every door or
    /// the restart altogether.
    fn settle_or_retry(
        &mut self,
        now_s: u64,
        compartment: CompartmentId,
        how: Settling,
    ) -> Result<(), LockerError> {
        match self.settle(now_s, compartment, how) {
            Err(LockerError::Credential(_)) => Ok(()),
            other => other,
        }
    }

    fn settle(
        &mut self,
        now_s: u64,
        compartment: CompartmentId,
        how: Settling,
    ) -> Result<(), LockerError> {
        let Some(task) = self
            .state
            .open_doors
            .get(&compartment)
            .map(|door| door.task.clone())
        else {
            return Ok(());
        };
        // A door closed that nobody was seen to open is as uncertain as one
        // open at a restart: the sensor decides, or staff look.
        let (how, empty_reason) = match how {
            Settling::NeverSeenOpen => (Settling::AfterRestart, AbortReason::NeverOpened),
            other => (other, AbortReason::PowerLoss),
        };
        let reading = match &task {
            // A door that already holds the recipient's parcels reads
            // occupied whether or not the new one went in: after a restart
            // the sensor cannot tell, so staff must look.
            DoorTask::Deposit { .. }
                if how == Settling::AfterRestart
                    && self.state.deliveries.contains_key(&compartment) =>
            {
                Some(Occupancy::Unknown)
            }
            DoorTask::Deposit { .. } | DoorTask::Pickup { .. } => {
                self.occupancy(now_s, compartment)
            }
            // A door with no delivery should be empty when it closes: the
            // sensor tells whether something was left in it. Not a door
            // waiting for inspection: it may hold an interrupted drop-off,
            // which `inspect` settles.
            DoorTask::Staff { .. } | DoorTask::Reopen
                if !self.state.deliveries.contains_key(&compartment)
                    && !self.state.interrupted.contains_key(&compartment) =>
            {
                self.occupancy(now_s, compartment)
            }
            DoorTask::Staff { .. } | DoorTask::Reopen => Some(Occupancy::Unknown),
        };
        // A sensor that fails when it is needed leaves the outcome as
        // unknown as a power cut does: staff look.
        let (occupancy, how) = match reading {
            Some(occupancy) => (occupancy, how),
            None => (Occupancy::Unknown, Settling::AfterRestart),
        };
        match (&task, occupancy, how) {
            (DoorTask::Deposit { .. }, Occupancy::Empty, Settling::Closed) => {
                self.abort_deposit(now_s, compartment, AbortReason::NothingInserted)
            }
            (DoorTask::Deposit { .. }, Occupancy::Empty, _) => {
                self.abort_deposit(now_s, compartment, empty_reason)
            }
            (DoorTask::Deposit { .. }, Occupancy::Unknown, Settling::AfterRestart)
            | (DoorTask::Pickup { .. }, Occupancy::Unknown, Settling::AfterRestart) => {
                self.write(now_s, Entry::Interrupted { compartment })?;
                self.events.push(Event::NeedsInspection { compartment });
                Ok(())
            }
            (DoorTask::Deposit { .. }, _, _) => self.commit_deposit(now_s, compartment),
            (DoorTask::Pickup { .. }, Occupancy::Occupied, _) => {
                self.write(
                    now_s,
                    Entry::PickupAborted {
                        compartment,
                        reason: AbortReason::StillInside,
                    },
                )?;
                self.events.push(Event::PickupAborted { compartment });
                Ok(())
            }
            (DoorTask::Pickup { .. }, _, _) => self.complete_pickup(now_s, compartment),
            (DoorTask::Staff { .. } | DoorTask::Reopen, occupancy, _) => {
                // Out of service first: if the journal fails in between, the
                // door stays open in the records, not free with something in.
                if occupancy == Occupancy::Occupied {
                    self.found_occupied(now_s, compartment)?;
                }
                self.write(now_s, Entry::DoorReclosed { compartment })
            }
        }
    }

    /// Something is inside a door with no delivery: no courier may be sent
    /// to it until staff have emptied it.
    fn found_occupied(
        &mut self,
        now_s: u64,
        compartment: CompartmentId,
    ) -> Result<(), LockerError> {
        if !self.state.out_of_service.contains_key(&compartment) {
            self.write(
                now_s,
                Entry::OutOfService {
                    compartment,
                    reason: alloc::string::String::from(
                        "something was left inside a door with no delivery",
                    ),
                },
            )?;
        }
        self.events.push(Event::FoundOccupied { compartment });
        Ok(())
    }

    /// The occupancy sensor's reading, or `None` when the sensor failed.
    fn occupancy(&mut self, now_s: u64, compartment: CompartmentId) -> Option<Occupancy> {
        match self.hardware.occupancy(compartment) {
            Ok(occupancy) => Some(occupancy),
            Err(error) => {
                let _ = self.fault(now_s, Some(compartment), &error);
                None
            }
        }
    }

    fn complete_pickup(
        &mut self,
        now_s: u64,
        compartment: CompartmentId,
    ) -> Result<(), LockerError> {
        let delivery = self.state.deliveries.get(&compartment).cloned();
        let parcels: Vec<_> = self
            .state
            .bank
            .compartment(compartment)
            .and_then(|door| door.contents())
            .map(|contents| contents.parcels.iter().map(|p| p.id).collect())
            .unwrap_or_default();
        self.write(now_s, Entry::PickupCompleted { compartment })?;
        if let Some(delivery) = delivery {
            self.events.push(if delivery.returning {
                Event::Returned {
                    carrier: delivery.carrier,
                    compartment,
                    parcels,
                }
            } else {
                Event::Collected {
                    recipient: delivery.recipient,
                    compartment,
                    parcels,
                }
            });
        }
        Ok(())
    }

    fn watch_doors(&mut self, now_s: u64) -> Result<(), LockerError> {
        let doors: Vec<CompartmentId> = self
            .state
            .bank
            .compartments()
            .iter()
            .map(|c| c.id())
            .collect();
        for compartment in doors {
            let Ok(door_state) = self.hardware.door_state(compartment) else {
                continue;
            };
            let open_task = self.state.open_doors.get(&compartment).cloned();
            match (open_task, door_state) {
                (Some(door), DoorState::Closed) if door.seen_open => {
                    self.settle_or_retry(now_s, compartment, Settling::Closed)?;
                }
                (Some(door), DoorState::Closed) => {
                    // Unlocked, and closed every time we looked: after the
                    // alarm time, settle it as after a restart.
                    let waited_s = now_s.saturating_sub(door.opened_at_s);
                    if waited_s >= self.state.policy.door_open_alarm_s {
                        self.settle_or_retry(now_s, compartment, Settling::NeverSeenOpen)?;
                    }
                }
                (Some(door), DoorState::Open) => {
                    if !door.seen_open {
                        self.write(now_s, Entry::DoorSeenOpen { compartment })?;
                    }
                    let alarm_s = self.state.policy.door_open_alarm_s;
                    if !door.alarmed && now_s.saturating_sub(door.opened_at_s) >= alarm_s {
                        self.write(now_s, Entry::DoorLeftOpen { compartment })?;
                        self.events.push(Event::DoorLeftOpen { compartment });
                    }
                }
                (None, DoorState::Open) => {
                    if !self.state.out_of_service.contains_key(&compartment) {
                        self.write(now_s, Entry::Tampered { compartment })?;
                        self.events.push(Event::Tamper { compartment });
                    }
                }
                (None, DoorState::Closed) => {}
            }
        }
        Ok(())
    }

    fn end_graces(&mut self, now_s: u64) -> Result<(), LockerError> {
        let ended: Vec<CompartmentId> = self
            .state
            .graces
            .iter()
            .filter(|(compartment, grace)| {
                now_s >= grace.until_s && !self.state.open_doors.contains_key(compartment)
            })
            .map(|(compartment, _)| *compartment)
            .collect();
        for compartment in ended {
            self.write(now_s, Entry::GraceEnded { compartment })?;
        }
        Ok(())
    }

    fn sweep_deliveries(&mut self, now_s: u64) -> Result<(), LockerError> {
        let due: Vec<(CompartmentId, bool)> = self
            .state
            .deliveries
            .iter()
            .filter(|(compartment, _)| {
                !self.state.open_doors.contains_key(compartment)
                    && !self.state.interrupted.contains_key(compartment)
            })
            .filter_map(|(compartment, delivery)| {
                // Past the dwell, or past the carrier's return window: a
                // (fresh) return token goes to the carrier.
                if now_s >= delivery.expires_at_s {
                    return Some((*compartment, true));
                }
                if delivery.returning {
                    return None;
                }
                let reminders = &self.state.policy.reminders_before_expiry_s;
                let sent = usize::try_from(delivery.reminders_sent).unwrap_or(usize::MAX);
                let mut due_at = reminders
                    .iter()
                    .map(|before_s| delivery.expires_at_s.saturating_sub(*before_s))
                    .filter(|at_s| *at_s > delivery.deposited_at_s)
                    .collect::<Vec<_>>();
                crate::collections::sort::values(&mut due_at);
                due_at
                    .get(sent)
                    .is_some_and(|at_s| now_s >= *at_s)
                    .then_some((*compartment, false))
            })
            .collect();
        for (compartment, expired) in due {
            if expired {
                self.expire(now_s, compartment)?;
            } else if let Some(delivery) = self.state.deliveries.get(&compartment).cloned() {
                self.write(now_s, Entry::ReminderSent { compartment })?;
                self.events.push(Event::Reminder {
                    recipient: delivery.recipient,
                    compartment,
                    expires_at_s: delivery.expires_at_s,
                });
            }
        }
        Ok(())
    }

    /// Expires a door's parcels: the resident's credentials stop working
    /// and the carrier gets a one-time QR token to take them back.
    fn expire(&mut self, now_s: u64, compartment: CompartmentId) -> Result<(), LockerError> {
        let Some(delivery) = self.state.deliveries.get(&compartment).cloned() else {
            return Ok(());
        };
        let mut rng = self.rng()?;
        let expires_at_s = now_s.saturating_add(self.state.policy.return_window_s);
        let (qr_token, return_credential) = issue_recorded_token(
            &self.keys,
            &mut rng,
            &TokenRequest {
                bank: self.state.bank_id,
                purpose: Purpose::Pickup,
                compartments: alloc::vec![compartment],
                recipient: None,
                expires_at_s,
            },
            now_s,
        )?;
        self.write(
            now_s,
            Entry::Expired {
                compartment,
                return_credential,
            },
        )?;
        self.events.push(Event::ReturnReady {
            recipient: delivery.recipient,
            carrier: delivery.carrier,
            compartment,
            qr_token,
            expires_at_s,
        });
        Ok(())
    }
}
