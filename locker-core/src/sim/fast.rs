//! The fast backend: parcels move through the core's [`Bank`] (its
//! allocation, consolidation and reserve), with the locker's expiry, hold
//! and extension rules applied directly and no credentials. The planner
//! runs it thousands of times; the full backend checks it agrees.

use alloc::collections::BinaryHeap;
use alloc::vec::Vec;
use core::cmp::Reverse;

use super::SimError;
use super::building::Building;
use super::demand::{Arrival, HOUR_S};
use super::run::{Backend, Deposit};
use crate::allocate::{Outcome, Request, Rule};
use crate::bank::Bank;
use crate::ids::{CompartmentId, ParcelId};
use crate::parcel::TemperatureZone;

/// How long a resident may re-open a door they emptied: the locker
/// policy's default `reopen_grace_s` (a test checks they agree; the locker
/// module needs `serde`, the fast path does not).
pub(crate) const REOPEN_GRACE_S: u64 = 2 * 60;

/// A door holding a delivery.
#[derive(Clone, Copy)]
struct Held {
    unit: u32,
    /// When its first parcel went in.
    first_s: u64,
    expires_at_s: u64,
    chilled: bool,
    carrier: Option<usize>,
    /// Bumped whenever the expiry moves, so stale queue entries are dropped.
    version: u64,
    returning: bool,
}

/// The bank and the deliveries in it.
pub(crate) struct FastBackend {
    bank: Bank,
    doors: Vec<Option<Held>>,
    expiries: BinaryHeap<Reverse<(u64, usize, u64)>>,
    /// Doors a resident emptied, back in service when their re-open grace
    /// ends (as the locker keeps them).
    graces: BinaryHeap<Reverse<(u64, usize)>>,
    reopen_grace_s: u64,
    /// Per unit, the end of the hold it set (0 for none).
    hold_until_s: Vec<u64>,
    dwell_s: u64,
    chilled_dwell_s: u64,
    max_dwell_s: u64,
    chilled_max_dwell_s: u64,
    next_version: u64,
}

impl FastBackend {
    pub(crate) fn new(building: &Building, bank: Bank) -> Self {
        let doors = bank.compartments().len();
        let dwell_s = u64::from(building.dwell_limit_h) * HOUR_S;
        let chilled_max_dwell_s = u64::from(building.chilled_dwell_limit_h) * HOUR_S;
        Self {
            bank,
            doors: alloc::vec![None; doors],
            expiries: BinaryHeap::new(),
            graces: BinaryHeap::new(),
            reopen_grace_s: REOPEN_GRACE_S,
            hold_until_s: alloc::vec![0; usize::try_from(building.units).unwrap_or(0)],
            dwell_s,
            // As the locker policy: the chilled limit caps the dwell too.
            chilled_dwell_s: dwell_s.min(chilled_max_dwell_s),
            max_dwell_s: u64::from(building.max_dwell_h) * HOUR_S,
            chilled_max_dwell_s,
            next_version: 0,
        }
    }

    fn door_index(&self, id: CompartmentId) -> usize {
        self.bank
            .compartments()
            .binary_search_by_key(&id, |door| door.id())
            .unwrap_or(0)
    }

    fn max_dwell(&self, chilled: bool) -> u64 {
        if chilled {
            self.chilled_max_dwell_s
        } else {
            self.max_dwell_s
        }
    }

    /// Moves door `door`'s expiry to `expires_at_s`.
    fn set_expiry(&mut self, door: usize, expires_at_s: u64) {
        self.next_version += 1;
        let version = self.next_version;
        if let Some(Some(held)) = self.doors.get_mut(door) {
            held.expires_at_s = expires_at_s;
            held.version = version;
            self.expiries.push(Reverse((expires_at_s, door, version)));
        }
    }

    fn release(&mut self, door: usize) -> Result<Vec<ParcelId>, SimError> {
        let id = self
            .bank
            .compartments()
            .get(door)
            .map(|d| d.id())
            .ok_or_else(|| SimError::field("door", door, "is not a door of the bank"))?;
        if let Some(slot) = self.doors.get_mut(door) {
            *slot = None;
        }
        let contents = self.bank.release(id)?;
        Ok(contents.parcels.iter().map(|p| p.id).collect())
    }
}

impl Backend for FastBackend {
    fn deposit(
        &mut self,
        arrival: &Arrival,
        request: Request,
        now_s: u64,
    ) -> Result<Deposit, SimError> {
        let parcel = request.parcel;
        let recipient = request.recipient;
        match self.bank.allocate(&request)? {
            Outcome::Overflow(overflow) => Ok(Deposit::Overflow(overflow.reason)),
            Outcome::Assigned(assignment) => {
                let door = self.door_index(assignment.compartment);
                self.bank.store(assignment.compartment, recipient, parcel)?;
                // The locker's rule: the policy's dwell, or the hold if
                // later, within the maximum; never before the parcels
                // already in the door.
                let chilled = parcel.zone != TemperatureZone::Ambient;
                let dwell = if chilled {
                    self.chilled_dwell_s
                } else {
                    self.dwell_s
                };
                let held_s = self
                    .hold_until_s
                    .get(usize::try_from(arrival.unit).unwrap_or(usize::MAX))
                    .copied()
                    .unwrap_or(0);
                let expiry = (now_s + dwell)
                    .max(held_s)
                    .min(now_s + self.max_dwell(chilled));
                let existing = self.doors.get(door).copied().flatten();
                let expires_at_s = existing.map_or(expiry, |h| h.expires_at_s.max(expiry));
                if existing.is_none()
                    && let Some(slot) = self.doors.get_mut(door)
                {
                    *slot = Some(Held {
                        unit: arrival.unit,
                        first_s: now_s,
                        expires_at_s,
                        chilled,
                        carrier: arrival.carrier,
                        version: 0,
                        returning: false,
                    });
                }
                if existing.is_none_or(|h| h.expires_at_s != expires_at_s) {
                    self.set_expiry(door, expires_at_s);
                }
                Ok(Deposit::Stored {
                    door,
                    consolidated: assignment.rule == Rule::Consolidated,
                    expires_at_s,
                })
            }
        }
    }

    fn collect(
        &mut self,
        _unit: u32,
        doors: &[usize],
        now_s: u64,
    ) -> Result<Vec<(usize, Vec<ParcelId>)>, SimError> {
        let mut emptied = Vec::new();
        for &door in doors {
            if self
                .doors
                .get(door)
                .copied()
                .flatten()
                .is_some_and(|h| !h.returning)
            {
                emptied.push((door, self.release(door)?));
                // As the locker: the resident may re-open the door for a
                // while, and it takes no new parcel meanwhile.
                if self.reopen_grace_s > 0
                    && let Some(id) = self.bank.compartments().get(door).map(|d| d.id())
                {
                    self.bank.set_in_service(id, false)?;
                    self.graces
                        .push(Reverse((now_s + self.reopen_grace_s, door)));
                }
            }
        }
        Ok(emptied)
    }

    fn extend(&mut self, door: usize, by_s: u64, _now_s: u64) -> Result<Option<u64>, SimError> {
        let Some(held) = self.doors.get(door).copied().flatten() else {
            return Ok(None);
        };
        if held.returning {
            return Ok(None);
        }
        let cap = held.first_s + self.max_dwell(held.chilled);
        let extended = held.expires_at_s.saturating_add(by_s).min(cap);
        if extended <= held.expires_at_s {
            return Ok(None);
        }
        self.set_expiry(door, extended);
        Ok(Some(extended))
    }

    fn hold(&mut self, unit: u32, until_s: u64, _now_s: u64) -> Result<(), SimError> {
        if let Some(slot) = self
            .hold_until_s
            .get_mut(usize::try_from(unit).unwrap_or(usize::MAX))
        {
            *slot = until_s;
        }
        let waiting: Vec<(usize, u64)> = self
            .doors
            .iter()
            .enumerate()
            .filter_map(|(door, held)| {
                let held = (*held)?;
                (held.unit == unit && !held.returning && held.expires_at_s < until_s).then(|| {
                    let cap = held.first_s + self.max_dwell(held.chilled);
                    (door, until_s.min(cap).max(held.expires_at_s))
                })
            })
            .collect();
        for (door, expires_at_s) in waiting {
            self.set_expiry(door, expires_at_s);
        }
        Ok(())
    }

    fn next_due_s(&self) -> Option<u64> {
        let expiry = self.expiries.peek().map(|Reverse((at, ..))| *at);
        let grace = self.graces.peek().map(|Reverse((at, _))| *at);
        match (expiry, grace) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    fn due(&mut self, now_s: u64) -> Result<Vec<(usize, usize, Option<usize>)>, SimError> {
        while let Some(&Reverse((at, door))) = self.graces.peek() {
            if at > now_s {
                break;
            }
            self.graces.pop();
            if let Some(id) = self.bank.compartments().get(door).map(|d| d.id()) {
                self.bank.set_in_service(id, true)?;
            }
        }
        let mut expired = Vec::new();
        while let Some(&Reverse((at, door, version))) = self.expiries.peek() {
            if at > now_s {
                break;
            }
            self.expiries.pop();
            let Some(Some(held)) = self.doors.get_mut(door) else {
                continue;
            };
            if held.version != version || held.returning {
                continue;
            }
            held.returning = true;
            let carrier = held.carrier;
            // As the locker: a door whose parcels wait for the carrier
            // takes no new parcel (consolidation would add one).
            if let Some(id) = self.bank.compartments().get(door).map(|d| d.id()) {
                self.bank.set_in_service(id, false)?;
            }
            let parcels = self
                .bank
                .compartments()
                .get(door)
                .and_then(|d| d.contents())
                .map_or(0, |c| c.parcels.len());
            expired.push((door, parcels, carrier));
        }
        Ok(expired)
    }

    fn take_back(&mut self, door: usize, _now_s: u64) -> Result<Vec<ParcelId>, SimError> {
        if self.doors.get(door).copied().flatten().is_none() {
            return Ok(Vec::new());
        }
        if let Some(id) = self.bank.compartments().get(door).map(|d| d.id()) {
            self.bank.set_in_service(id, true)?;
        }
        self.release(door)
    }
}
