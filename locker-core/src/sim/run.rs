//! The one simulation: the building's residents and couriers acting on a
//! bank in time order. What executes their actions is a [`Backend`]: the
//! fast one moves parcels through the core's `Bank` (for the planner's
//! many runs), the full one drives a real `Locker` over the simulated
//! hardware and keeps its journal. Both read the same demand and keep the
//! same statistics, so they agree on the same building.

use alloc::collections::BinaryHeap;
use alloc::vec::Vec;
use core::cmp::Reverse;

use super::SimError;
use super::building::Building;
use super::demand::{Arrival, DAY_S, Demand, HOUR_S};
use super::record::Recorder;
use crate::allocate::{OverflowReason, Request};
use crate::ids::{ParcelId, RecipientId};

/// How long before its expiry a resident is reminded (and may extend).
pub(crate) const REMINDER_S: u64 = DAY_S;

/// What a drop-off came to.
pub(crate) enum Deposit {
    /// Stored in door `door` (an index in id order), beside the resident's
    /// other parcels when `consolidated`; the door now expires at
    /// `expires_at_s`.
    Stored {
        door: usize,
        consolidated: bool,
        expires_at_s: u64,
    },
    /// No door took it.
    Overflow(OverflowReason),
}

/// What carries out the simulated people's actions.
pub(crate) trait Backend {
    /// A courier of `arrival.carrier` puts the parcel in at `now_s`.
    fn deposit(
        &mut self,
        arrival: &Arrival,
        request: Request,
        now_s: u64,
    ) -> Result<Deposit, SimError>;
    /// The resident of `unit` collects doors `doors` at `now_s`; returns
    /// each emptied door with the parcels taken.
    fn collect(
        &mut self,
        unit: u32,
        doors: &[usize],
        now_s: u64,
    ) -> Result<Vec<(usize, Vec<ParcelId>)>, SimError>;
    /// The resident extends door `door` by `by_s`; the new expiry, if it
    /// moved.
    fn extend(&mut self, door: usize, by_s: u64, now_s: u64) -> Result<Option<u64>, SimError>;
    /// The resident of `unit` is away until `until_s`.
    fn hold(&mut self, unit: u32, until_s: u64, now_s: u64) -> Result<(), SimError>;
    /// When the backend next needs time to pass (an expiry, a tick).
    fn next_due_s(&self) -> Option<u64>;
    /// Lets time reach `now_s`; returns the doors whose parcels reached
    /// their limit, with how many parcels, and the carrier (an index of
    /// `carriers`) that takes them back.
    fn due(&mut self, now_s: u64) -> Result<Vec<(usize, usize, Option<usize>)>, SimError>;
    /// The carrier empties returning door `door` at `now_s`.
    fn take_back(&mut self, door: usize, now_s: u64) -> Result<Vec<ParcelId>, SimError>;
}

/// A scheduled action of a person.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Action {
    /// A carrier takes back a returning door.
    TakeBack { door: usize },
    /// A resident sets a hold (index into the demand's holds).
    Hold { index: usize },
    /// A resident asks to extend a door (valid while the door's fill is
    /// `fill`).
    Extend { door: usize, fill: u64 },
    /// A resident comes to collect (valid when it is their next visit).
    Visit { unit: u32 },
}

/// The simulated people and their schedule.
pub(crate) struct Driver<'a, B> {
    building: &'a Building,
    demand: Demand<'a>,
    backend: B,
    recorder: Recorder,
    queue: BinaryHeap<Reverse<(u64, Action)>>,
    /// Per unit: its next visit, and its doors waiting to be collected.
    visit_s: Vec<Option<u64>>,
    unit_doors: Vec<Vec<usize>>,
    /// Per door: its resident, how many times it was filled (so stale
    /// actions are dropped) and whether it is on its way back.
    door_unit: Vec<Option<u32>>,
    door_fill: Vec<u64>,
    /// Arrival time of each parcel, by id.
    arrived_s: Vec<u64>,
}

impl<'a, B: Backend> Driver<'a, B> {
    pub(crate) fn new(
        building: &'a Building,
        backend: B,
        recorder: Recorder,
        doors: usize,
    ) -> Result<Self, SimError> {
        let demand = Demand::new(building)?;
        let units = usize::try_from(building.units).unwrap_or(0);
        let mut queue = BinaryHeap::new();
        for (index, hold) in demand.holds().iter().enumerate() {
            queue.push(Reverse((hold.at_s, Action::Hold { index })));
        }
        Ok(Self {
            building,
            demand,
            backend,
            recorder,
            queue,
            visit_s: alloc::vec![None; units],
            unit_doors: alloc::vec![Vec::new(); units],
            door_unit: alloc::vec![None; doors],
            door_fill: alloc::vec![0; doors],
            arrived_s: Vec::new(),
        })
    }

    /// Runs every day; returns the statistics and the backend.
    pub(crate) fn run(mut self) -> Result<(super::SimResult, B), SimError> {
        for day in 0..self.building.days {
            self.recorder.start_day(day);
            for arrival in self.demand.day(day) {
                self.until(arrival.at_s)?;
                self.arrive(&arrival)?;
            }
            self.until(u64::from(day + 1) * DAY_S - 1)?;
            self.recorder.end_day(day);
        }
        Ok((self.recorder.finish(), self.backend))
    }

    /// Carries out everything due at or before `now_s`, in time order.
    fn until(&mut self, now_s: u64) -> Result<(), SimError> {
        loop {
            let action_s = self.queue.peek().map(|Reverse((at, _))| *at);
            let backend_s = self.backend.next_due_s();
            match (action_s, backend_s) {
                (_, Some(due)) if due <= now_s && action_s.is_none_or(|at| due <= at) => {
                    for (door, parcels, carrier) in self.backend.due(due)? {
                        self.expired(door, parcels, carrier, due);
                    }
                }
                (Some(at), _) if at <= now_s => {
                    if let Some(Reverse((at, action))) = self.queue.pop() {
                        self.act(at, action)?;
                    }
                }
                _ => return Ok(()),
            }
        }
    }

    fn expired(&mut self, door: usize, parcels: usize, carrier: Option<usize>, now_s: u64) {
        self.recorder.expired(parcels);
        if let Some(unit) = self.door_unit.get_mut(door).and_then(Option::take)
            && let Some(doors) = self.unit_doors.get_mut(unit_index(unit))
        {
            doors.retain(|&d| d != door);
        }
        let back_s = carrier
            .and_then(|c| self.demand.next_round_s(c, now_s))
            .unwrap_or(now_s);
        self.queue
            .push(Reverse((back_s, Action::TakeBack { door })));
    }

    fn act(&mut self, now_s: u64, action: Action) -> Result<(), SimError> {
        match action {
            Action::TakeBack { door } => {
                let parcels = self.backend.take_back(door, now_s)?;
                let arrived = self.arrivals_of(&parcels);
                self.recorder.emptied(door, now_s, &arrived, true);
            }
            Action::Hold { index } => {
                if let Some(hold) = self.demand.holds().get(index).copied() {
                    self.backend.hold(hold.unit, hold.until_s, now_s)?;
                    self.recorder.held();
                }
            }
            Action::Extend { door, fill } => {
                if self.door_fill.get(door) == Some(&fill)
                    && self.door_unit.get(door).is_some_and(Option::is_some)
                    && self
                        .backend
                        .extend(door, u64::from(self.building.extension_h) * HOUR_S, now_s)?
                        .is_some()
                {
                    self.recorder.extended();
                }
            }
            Action::Visit { unit } => {
                let index = unit_index(unit);
                if self.visit_s.get(index).copied().flatten() != Some(now_s) {
                    return Ok(());
                }
                if let Some(visit) = self.visit_s.get_mut(index) {
                    *visit = None;
                }
                let doors = self
                    .unit_doors
                    .get_mut(index)
                    .map(core::mem::take)
                    .unwrap_or_default();
                if doors.is_empty() {
                    return Ok(());
                }
                for (door, parcels) in self.backend.collect(unit, &doors, now_s)? {
                    if let Some(owner) = self.door_unit.get_mut(door) {
                        *owner = None;
                    }
                    let arrived = self.arrivals_of(&parcels);
                    self.recorder.emptied(door, now_s, &arrived, false);
                }
            }
        }
        Ok(())
    }

    fn arrivals_of(&self, parcels: &[ParcelId]) -> Vec<u64> {
        parcels
            .iter()
            .filter_map(|p| {
                let index = usize::try_from(p.0).ok()?;
                self.arrived_s.get(index).copied()
            })
            .collect()
    }

    fn arrive(&mut self, arrival: &Arrival) -> Result<(), SimError> {
        let now_s = arrival.at_s;
        self.arrived_s.push(now_s);
        self.recorder.arrived(arrival);
        let profile =
            self.building.size_mix.get(arrival.profile).ok_or_else(|| {
                SimError::field("size_mix", arrival.profile, "has no such profile")
            })?;
        let mut request = Request::new(
            profile.parcel(ParcelId(arrival.id)),
            RecipientId(u64::from(arrival.unit)),
        );
        let index = unit_index(arrival.unit);
        if self
            .demand
            .needs_accessible
            .get(index)
            .copied()
            .unwrap_or(false)
        {
            request = request.accessible();
        }
        match self.backend.deposit(arrival, request, now_s)? {
            Deposit::Overflow(reason) => self.recorder.overflowed(arrival, reason),
            Deposit::Stored {
                door,
                consolidated,
                expires_at_s,
            } => {
                self.recorder.stored(door, consolidated, now_s);
                if self.door_unit.get(door).copied().flatten().is_none() {
                    if let Some(owner) = self.door_unit.get_mut(door) {
                        *owner = Some(arrival.unit);
                    }
                    if let Some(fill) = self.door_fill.get_mut(door) {
                        *fill += 1;
                    }
                    if let Some(doors) = self.unit_doors.get_mut(index) {
                        doors.push(door);
                    }
                }
                let next = self
                    .visit_s
                    .get(index)
                    .copied()
                    .flatten()
                    .map_or(arrival.visit_s, |v| v.min(arrival.visit_s));
                if self.visit_s.get(index).copied().flatten() != Some(next) {
                    if let Some(visit) = self.visit_s.get_mut(index) {
                        *visit = Some(next);
                    }
                    self.queue
                        .push(Reverse((next, Action::Visit { unit: arrival.unit })));
                }
                if arrival.extends && arrival.visit_s > expires_at_s {
                    let fill = self.door_fill.get(door).copied().unwrap_or(0);
                    let ask_s = expires_at_s.saturating_sub(REMINDER_S).max(now_s);
                    self.queue
                        .push(Reverse((ask_s, Action::Extend { door, fill })));
                }
            }
        }
        Ok(())
    }
}

fn unit_index(unit: u32) -> usize {
    usize::try_from(unit).unwrap_or(usize::MAX)
}
