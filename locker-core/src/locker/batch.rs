//! A courier's whole load at once: planned against the free doors by
//! [`Bank::plan_batch_packed`](crate::bank::Bank::plan_batch_packed), then
//! dropped off door by door.
//!
//! Each step is the single drop-off ([`Locker::deposit`]) into the door the
//! plan gave the parcel: the same journal entries (`deposit_opened`, then
//! `deposit_committed` or `deposit_aborted` as the door closes), the same
//! checks of the courier's code, the same events for the resident, the
//! same "did not fit" ([`Locker::need_larger_door`]) and cancel
//! ([`Locker::cancel_deposit`]). So a batch adds no kind of entry and
//! replays as any drop-off does; the plan itself changes nothing but the
//! record of the parcels no door takes. A step whose door no longer takes
//! the parcel (another drop-off took it, it went out of service, it does
//! not unlock) gets the door allocation gives, as a single drop-off would.

use alloc::vec::Vec;

use super::entry::Entry;
use super::error::LockerError;
use super::event::Event;
use super::{CourierSession, DropOff, Locker};
use crate::allocate::{
    AllocationError, Assignment, BatchOptions, BatchStrategy, Overflow, Request, Rule,
};
use crate::hardware::Hardware;
use crate::ids::{CompartmentId, RecipientId};
use crate::journal::JournalSink;
use crate::pack::Placement;
use crate::parcel::Parcel;

/// One parcel of a planned batch and the door it goes into. As JSON:
/// `{"parcel", "recipient", "needs_accessible", "compartment",
/// "placement", "rule"}`; [`Locker::deposit_planned`] takes it back as the
/// plan gave it (the placement and rule are what the plan expected; the
/// answer says where the parcel goes then).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BatchStep {
    /// The parcel.
    pub parcel: Parcel,
    /// Its recipient.
    pub recipient: RecipientId,
    /// True when the recipient needs an accessible door.
    #[serde(default)]
    pub needs_accessible: bool,
    /// The door the plan gave it.
    pub compartment: CompartmentId,
    /// Where the plan expects it to sit.
    pub placement: Placement,
    /// Why this door.
    pub rule: Rule,
}

impl BatchStep {
    /// The drop-off request of this step.
    #[must_use]
    pub const fn request(&self) -> Request {
        Request {
            parcel: self.parcel,
            recipient: self.recipient,
            needs_accessible: self.needs_accessible,
        }
    }
}

/// A courier's load planned against the free doors. As JSON:
/// `{"steps": [step, …], "overflow": [overflow, …], "strategy", "doors"}`.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct BatchDropOff {
    /// The parcels with a door, door by door, in the order to drop them
    /// off.
    pub steps: Vec<BatchStep>,
    /// The parcels no door takes (journaled, as a single drop-off's).
    pub overflow: Vec<Overflow>,
    /// How the plan was made.
    pub strategy: BatchStrategy,
    /// How many doors the plan uses.
    pub doors: usize,
}

impl<H: Hardware, J: JournalSink<Entry>> Locker<H, J> {
    /// Plans a signed-in courier's whole load against the free doors
    /// (and the recipients' doors where parcels may join them); drop each
    /// step off with [`Locker::deposit_planned`]. The parcels no door
    /// takes are journaled and announced as overflow, as a single
    /// drop-off's are; nothing else changes.
    ///
    /// # Errors
    ///
    /// [`LockerError::Credential`] when the courier code has expired or was
    /// rotated; [`LockerError::Allocation`] for an invalid parcel, one
    /// given twice, or one already stored or being dropped off; the
    /// clock's. Nothing is journaled on error.
    pub fn plan_drop_off_batch(
        &mut self,
        session: &CourierSession,
        requests: &[Request],
        options: &BatchOptions,
    ) -> Result<BatchDropOff, LockerError> {
        let now_s = self.now()?;
        let carrier = self.check_session(session, now_s)?;
        for request in requests {
            if let Some(compartment) = self.state.deposit_door_of(request.parcel.id) {
                return Err(AllocationError::AlreadyStored {
                    parcel: request.parcel.id,
                    compartment,
                }
                .into());
            }
        }
        let plan = self.state.bank.plan_batch_packed(requests, options)?;
        let doors = plan.doors_used();
        for overflow in &plan.overflow {
            // Best effort, as a single drop-off's overflow: it changes
            // nothing, and the courier must hear of it.
            let _ = self.write(
                now_s,
                Entry::DepositOverflowed {
                    parcel: overflow.parcel,
                    recipient: overflow.recipient,
                    carrier,
                    reason: overflow.reason,
                },
            );
            self.events.push(Event::Overflow {
                parcel: overflow.parcel.id,
                recipient: overflow.recipient,
                carrier,
                reason: overflow.reason,
            });
        }
        let steps = plan
            .assignments
            .into_iter()
            .map(|assignment| BatchStep {
                needs_accessible: requests
                    .iter()
                    .any(|r| r.parcel.id == assignment.parcel.id && r.needs_accessible),
                parcel: assignment.parcel,
                recipient: assignment.recipient,
                compartment: assignment.compartment,
                placement: assignment.placement,
                rule: assignment.rule,
            })
            .collect();
        Ok(BatchDropOff {
            steps,
            overflow: plan.overflow,
            strategy: plan.strategy,
            doors,
        })
    }

    /// Drops off one step of a batch plan: [`Locker::deposit`] into the
    /// step's door when that door still takes the parcel, else into the
    /// door allocation gives. The drop-off completes when the door closes
    /// ([`Locker::door_closed`]); the next step into the same door waits
    /// for that.
    ///
    /// # Errors
    ///
    /// As [`Locker::deposit`]. No parcel is stored on error.
    pub fn deposit_planned(
        &mut self,
        session: &CourierSession,
        step: &BatchStep,
    ) -> Result<DropOff, LockerError> {
        let now_s = self.now()?;
        let carrier = self.check_session(session, now_s)?;
        self.open_for_deposit(
            now_s,
            step.request(),
            carrier,
            None,
            Some((step.compartment, step.rule)),
        )
    }

    /// The assignment of `request` to `door` when the door takes it now:
    /// open to drop-offs, of its zone, accessible when needed, with room
    /// and weight left and no other recipient's parcels.
    pub(super) fn planned_assignment(
        &self,
        request: &Request,
        door: CompartmentId,
        rule: Rule,
    ) -> Option<Assignment> {
        let accessible = self.state.bank.compartment(door)?.spec().accessible;
        if (request.needs_accessible && !accessible) || self.state.door_blocked(door).is_some() {
            return None;
        }
        let placement = self
            .state
            .bank
            .check_store(door, request.recipient, &request.parcel)
            .ok()?;
        Some(Assignment {
            parcel: request.parcel,
            recipient: request.recipient,
            compartment: door,
            placement,
            rule,
            considered: Vec::new(),
        })
    }
}
