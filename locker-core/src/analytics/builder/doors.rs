//! What a record did to its door, read from the state before and after
//! it: parcels stored (a drop-off committed, or confirmed by staff),
//! parcels leaving (collected, returned, later reported missing), and
//! what the entry itself counts (overflow, aborts, expiries).

use alloc::vec::Vec;

use super::{ABORT_REASONS, Run};
use crate::analytics::options::StatsOptions;
use crate::analytics::stays::{ParcelStay, StayOutcome};
use crate::credential::{CarrierId, Channel};
use crate::ids::{CompartmentId, ParcelId, RecipientId};
use crate::locker::{DoorTask, Entry, LockerState, ParcelPlace};

/// A parcel in a door.
#[derive(Clone, Copy, Debug)]
pub(super) struct Held {
    parcel: ParcelId,
    stored_at_s: u64,
    /// Its line among the stays recorded, if recorded.
    line: Option<usize>,
}

/// A door emptied by its recipient, in its re-open grace period: the
/// parcels count as collected when it ends, unless reported missing.
#[derive(Clone, Debug)]
pub(super) struct Pending {
    /// Whether the pickup was in the window.
    counted: bool,
    /// Each parcel and its stay, in seconds.
    parcels: Vec<(Held, u64)>,
}

/// What the state said about the record's door before the record.
#[derive(Clone, Copy, Debug)]
pub(super) struct Before {
    door: CompartmentId,
    parcels: usize,
    /// The channel of the pickup closing, for a pickup's door.
    channel: Option<Channel>,
    /// An interrupted drop-off staff find empty.
    found_empty: bool,
    /// The recipient and carrier of a drop-off the record may store.
    deposit: Option<(RecipientId, CarrierId)>,
}

impl Run {
    /// What the state says about `door` before `entry` applies.
    pub(super) fn before(&self, door: CompartmentId, entry: &Entry) -> Before {
        let parcels = self
            .state
            .bank()
            .compartment(door)
            .and_then(|c| c.contents())
            .map_or(0, |contents| contents.parcels.len());
        let task = match entry {
            Entry::PickupCompleted { .. } => self.state.open_doors().get(&door).map(|d| &d.task),
            Entry::Inspected { .. } => self.state.interrupted().get(&door),
            _ => None,
        };
        let task = match entry {
            Entry::DepositCommitted { .. } => self.state.open_doors().get(&door).map(|d| &d.task),
            _ => task,
        };
        let channel = match task {
            Some(DoorTask::Pickup { grant }) => Some(grant.channel),
            _ => None,
        };
        let deposit = match task {
            Some(DoorTask::Deposit {
                recipient, carrier, ..
            }) => Some((*recipient, *carrier)),
            _ => None,
        };
        let found_empty = matches!(
            (entry, task),
            (
                Entry::Inspected {
                    found_parcels: false,
                    ..
                },
                Some(DoorTask::Deposit { .. })
            )
        );
        Before {
            door,
            parcels,
            channel,
            found_empty,
            deposit,
        }
    }

    /// Counts what the entry itself says (entries that change no door's
    /// parcels).
    pub(super) fn count_entry(&mut self, entry: &Entry, at_s: u64, options: &StatsOptions) {
        match entry {
            Entry::DepositOpened { .. } => self.totals.deposits_opened += 1,
            Entry::DepositAborted { reason, .. } => {
                if let Some(index) = ABORT_REASONS.iter().position(|r| r == reason)
                    && let Some(count) = self.aborts.get_mut(index)
                {
                    *count += 1;
                }
            }
            Entry::DepositOverflowed {
                carrier, reason, ..
            } => {
                self.overflow.total += 1;
                self.overflow.by_reason.add(*reason);
                if let Some(count) = self
                    .overflow
                    .by_hour_of_day
                    .get_mut(options.hour_of_day(at_s))
                {
                    *count += 1;
                }
                *self.by_carrier.entry(*carrier).or_insert(0) += 1;
                if let Some(day) = self.day_mut(at_s, options) {
                    day.overflowed += 1;
                }
            }
            Entry::Expired { .. } => self.totals.deliveries_expired += 1,
            _ => {}
        }
    }

    /// Reads what changed in the record's door.
    pub(super) fn door_changed(
        &mut self,
        before: &Before,
        entry: &Entry,
        at_s: u64,
        counting: bool,
        options: &StatsOptions,
    ) {
        let door = before.door;
        if counting && before.found_empty {
            self.totals.deposits_found_empty += 1;
        }
        let held = |state: &LockerState| -> Vec<ParcelId> {
            state
                .bank()
                .compartment(door)
                .and_then(|c| c.contents())
                .map(|contents| contents.parcels.iter().map(|p| p.id).collect())
                .unwrap_or_default()
        };
        let count = self
            .state
            .bank()
            .compartment(door)
            .and_then(|c| c.contents())
            .map_or(0, |contents| contents.parcels.len());
        if count > before.parcels {
            let now = held(&self.state);
            let new = now.get(before.parcels..).unwrap_or_default();
            self.stored(door, new, before, entry, at_s, counting, options);
        } else if count < before.parcels {
            let now = held(&self.state);
            self.emptied(door, &now, before, at_s, counting, options);
        }
        if (before.parcels > 0) == (count == 0) {
            self.settle(at_s, options);
            self.occupancy.set(door, count > 0);
        }
        if matches!(entry, Entry::MissingReported { .. }) {
            self.missing(door);
        }
        if self.pending.contains_key(&door) && !self.state.graces().contains_key(&door) {
            self.collect(door);
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn stored(
        &mut self,
        door: CompartmentId,
        parcels: &[ParcelId],
        before: &Before,
        entry: &Entry,
        at_s: u64,
        counting: bool,
        options: &StatsOptions,
    ) {
        let n = u64::try_from(parcels.len()).unwrap_or(u64::MAX);
        self.in_bank += n;
        let (recipient, carrier) = before.deposit.unwrap_or_else(|| {
            self.state
                .deliveries()
                .get(&door)
                .map_or((RecipientId(0), CarrierId(0)), |d| (d.recipient, d.carrier))
        });
        for &parcel in parcels {
            let line = match &mut self.lines {
                Some(lines) if counting => {
                    let size_class = self
                        .state
                        .bank()
                        .compartment(door)
                        .map(|c| c.spec().size_class.clone())
                        .unwrap_or_default();
                    lines.push(ParcelStay {
                        parcel,
                        recipient,
                        carrier,
                        compartment: door,
                        size_class,
                        stored_at_s: at_s,
                        left_at_s: None,
                        outcome: StayOutcome::InBank,
                        stay_s: None,
                    });
                    Some(lines.len() - 1)
                }
                _ => None,
            };
            self.inside.entry(door).or_default().push(Held {
                parcel,
                stored_at_s: at_s,
                line,
            });
        }
        if !counting {
            return;
        }
        self.totals.parcels_stored += n;
        if before.parcels > 0 {
            self.totals.parcels_consolidated += n;
        }
        if matches!(entry, Entry::Inspected { .. }) {
            self.totals.parcels_stored_by_inspection += n;
        }
        if let Some(day) = self.day_mut(at_s, options) {
            day.stored += n;
        }
    }

    fn emptied(
        &mut self,
        door: CompartmentId,
        left_in: &[ParcelId],
        before: &Before,
        at_s: u64,
        counting: bool,
        options: &StatsOptions,
    ) {
        let mut parcels = self.inside.remove(&door).unwrap_or_default();
        if !left_in.is_empty() {
            let stay: Vec<Held> = parcels
                .iter()
                .filter(|held| left_in.contains(&held.parcel))
                .copied()
                .collect();
            parcels.retain(|held| !left_in.contains(&held.parcel));
            self.inside.insert(door, stay);
        }
        self.in_bank = self
            .in_bank
            .saturating_sub(u64::try_from(parcels.len()).unwrap_or(u64::MAX));
        let mut returned = false;
        let mut collected = Vec::new();
        for held in parcels {
            let stay_s = at_s.saturating_sub(held.stored_at_s);
            let outcome = if self.state.parcels().get(&held.parcel) == Some(&ParcelPlace::Returned)
            {
                returned = true;
                if counting {
                    self.totals.parcels_returned += 1;
                    self.stays.returned.push(stay_s);
                }
                StayOutcome::Returned
            } else {
                collected.push((held, stay_s));
                StayOutcome::Collected
            };
            if let Some(line) = self.line_mut(held.line) {
                line.left_at_s = Some(at_s);
                line.stay_s = Some(stay_s);
                line.outcome = outcome;
            }
        }
        let hour = options.hour_of_day(at_s);
        if !collected.is_empty() {
            // A door emptied again before its grace ended (not by the
            // locker's rules): the first pickup is settled.
            self.collect(door);
            self.pending.insert(
                door,
                Pending {
                    counted: counting,
                    parcels: collected,
                },
            );
        }
        if !counting {
            return;
        }
        if returned {
            self.pickups.returns += 1;
            if let Some(count) = self.pickups.returns_by_hour_of_day.get_mut(hour) {
                *count += 1;
            }
        } else {
            self.pickups.pickups += 1;
            if let Some(channel) = before.channel {
                self.pickups.pickups_by_channel.add(channel);
            }
            if let Some(count) = self.pickups.pickups_by_hour_of_day.get_mut(hour) {
                *count += 1;
            }
            if let Some(day) = self.day_mut(at_s, options) {
                day.pickups += 1;
            }
        }
    }

    /// The parcels of the door's pending pickup the state now holds
    /// missing.
    fn missing(&mut self, door: CompartmentId) {
        let Some(pending) = self.pending.get_mut(&door) else {
            return;
        };
        let parcels = self.state.parcels();
        let mut gone = Vec::new();
        pending.parcels.retain(|(held, _)| {
            let missing = parcels.get(&held.parcel) == Some(&ParcelPlace::Missing);
            if missing {
                gone.push(held.line);
            }
            !missing
        });
        if pending.counted {
            self.totals.parcels_missing += u64::try_from(gone.len()).unwrap_or(u64::MAX);
        }
        for line in gone {
            if let Some(line) = self.line_mut(line) {
                line.outcome = StayOutcome::Missing;
            }
        }
    }

    /// The recorded stay on `line`, if any.
    fn line_mut(&mut self, line: Option<usize>) -> Option<&mut ParcelStay> {
        self.lines.as_mut()?.get_mut(line?)
    }

    /// The door's pending pickup is settled: its parcels are collected.
    pub(super) fn collect(&mut self, door: CompartmentId) {
        let Some(pending) = self.pending.remove(&door) else {
            return;
        };
        if pending.counted {
            let n = u64::try_from(pending.parcels.len()).unwrap_or(u64::MAX);
            self.totals.parcels_collected += n;
            self.stays
                .collected
                .extend(pending.parcels.iter().map(|&(_, stay_s)| stay_s));
        }
    }
}
