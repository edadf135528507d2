//! Doors holding parcels over time: counted as they change, integrated
//! over the time between records (split by local hour of day), for the
//! whole bank and for each size class and temperature zone.

use alloc::string::String;
use alloc::vec::Vec;

use super::dwell::{to_f64, to_f64_wide};
use super::options::StatsOptions;
use super::report::{ClassUtilization, OccupancyStats, UtilizationStats, ZoneUtilization};
use crate::bank::Bank;
use crate::ids::CompartmentId;
use crate::parcel::TemperatureZone;

const DAY_S: u64 = 86_400;
const HOUR_S: u64 = 3_600;

/// One group of doors (a size class or a zone): how many, how many hold
/// parcels now, and door-seconds occupied so far.
#[derive(Clone, Debug)]
struct Group<K> {
    key: K,
    doors: u64,
    occupied: u64,
    busy_s: u128,
}

impl<K> Group<K> {
    const fn new(key: K) -> Self {
        Self {
            key,
            doors: 0,
            occupied: 0,
            busy_s: 0,
        }
    }

    fn fraction(&self, span_s: u64) -> f64 {
        fraction(self.busy_s, self.doors, span_s)
    }
}

/// Door-seconds `busy_s` as a fraction of `doors` doors over `span_s`.
fn fraction(busy_s: u128, doors: u64, span_s: u64) -> f64 {
    let whole = u128::from(doors) * u128::from(span_s);
    if whole == 0 {
        0.0
    } else {
        (to_f64_wide(busy_s) / to_f64_wide(whole)).clamp(0.0, 1.0)
    }
}

/// The index of `key` in `groups`, added when new.
fn group_of<K: PartialEq>(groups: &mut Vec<Group<K>>, key: K) -> usize {
    if let Some(index) = groups.iter().position(|g| g.key == key) {
        return index;
    }
    groups.push(Group::new(key));
    groups.len() - 1
}

/// Occupancy through time.
#[derive(Clone, Debug)]
pub(super) struct Occupancy {
    /// Per door, in the bank's order (by id): its size class and zone.
    doors: Vec<(CompartmentId, usize, usize)>,
    classes: Vec<Group<String>>,
    zones: Vec<Group<TemperatureZone>>,
    occupied: u64,
    busy_s: u128,
    busy_s_by_hour: [u128; 24],
    observed_s_by_hour: [u64; 24],
    peak: u64,
    peak_at_s: Option<u64>,
}

impl Occupancy {
    /// The bank's doors, all empty.
    pub(super) fn new(bank: &Bank) -> Self {
        let mut classes = Vec::new();
        let mut zones = Vec::new();
        let doors = bank
            .compartments()
            .iter()
            .map(|door| {
                let spec = door.spec();
                let class = group_of(&mut classes, spec.size_class.clone());
                let zone = group_of(&mut zones, spec.zone);
                if let Some(group) = classes.get_mut(class) {
                    group.doors += 1;
                }
                if let Some(group) = zones.get_mut(zone) {
                    group.doors += 1;
                }
                (door.id(), class, zone)
            })
            .collect();
        Self {
            doors,
            classes,
            zones,
            occupied: 0,
            busy_s: 0,
            busy_s_by_hour: [0; 24],
            observed_s_by_hour: [0; 24],
            peak: 0,
            peak_at_s: None,
        }
    }

    /// Doors holding parcels now.
    pub(super) const fn occupied(&self) -> u64 {
        self.occupied
    }

    /// Door `door` now holds parcels (`true`) or not.
    pub(super) fn set(&mut self, door: CompartmentId, occupied: bool) {
        let Ok(index) = self.doors.binary_search_by_key(&door, |d| d.0) else {
            return;
        };
        let Some(&(_, class, zone)) = self.doors.get(index) else {
            return;
        };
        let change = |count: &mut u64| {
            *count = if occupied {
                count.saturating_add(1)
            } else {
                count.saturating_sub(1)
            };
        };
        change(&mut self.occupied);
        if let Some(group) = self.classes.get_mut(class) {
            change(&mut group.occupied);
        }
        if let Some(group) = self.zones.get_mut(zone) {
            change(&mut group.occupied);
        }
    }

    /// The occupancy now is a candidate for the peak at `at_s`.
    pub(super) fn observe_peak(&mut self, at_s: u64) {
        if self.peak_at_s.is_none() || self.occupied > self.peak {
            self.peak = self.occupied;
            self.peak_at_s = Some(at_s);
        }
    }

    /// The occupancy now held from `from_s` to `until_s`.
    pub(super) fn hold(&mut self, from_s: u64, until_s: u64, options: &StatsOptions) {
        if until_s <= from_s {
            return;
        }
        let span_s = u128::from(until_s - from_s);
        self.busy_s += u128::from(self.occupied) * span_s;
        for group in &mut self.classes {
            group.busy_s += u128::from(group.occupied) * span_s;
        }
        for group in &mut self.zones {
            group.busy_s += u128::from(group.occupied) * span_s;
        }
        // By hour of day: up to the next hour, whole days at once, then
        // the hours left.
        let mut at_s = from_s;
        let head_end_s = options.hour_end_s(at_s).min(until_s);
        self.hold_hour(at_s, head_end_s - at_s, options);
        at_s = head_end_s;
        let whole_days = (until_s - at_s) / DAY_S;
        if whole_days > 0 {
            let per_hour_s = whole_days * HOUR_S;
            for hour in 0..24 {
                self.add_hour(hour, per_hour_s);
            }
            at_s += whole_days * DAY_S;
        }
        while at_s < until_s {
            let end_s = options.hour_end_s(at_s).min(until_s);
            self.hold_hour(at_s, end_s - at_s, options);
            at_s = end_s;
        }
    }

    fn hold_hour(&mut self, at_s: u64, span_s: u64, options: &StatsOptions) {
        self.add_hour(options.hour_of_day(at_s), span_s);
    }

    fn add_hour(&mut self, hour: usize, span_s: u64) {
        if let Some(busy_s) = self.busy_s_by_hour.get_mut(hour) {
            *busy_s += u128::from(self.occupied) * u128::from(span_s);
        }
        if let Some(observed_s) = self.observed_s_by_hour.get_mut(hour) {
            *observed_s = observed_s.saturating_add(span_s);
        }
    }

    /// The occupancy and utilization over `span_s` seconds observed,
    /// starting at `from_s`.
    pub(super) fn finish(self, from_s: u64, span_s: u64) -> (OccupancyStats, UtilizationStats) {
        let doors = u64::try_from(self.doors.len()).unwrap_or(u64::MAX);
        let mean = |busy_s: u128, span_s: u64| {
            if span_s == 0 {
                0.0
            } else {
                to_f64_wide(busy_s) / to_f64(span_s)
            }
        };
        let mut by_hour = [0.0; 24];
        for ((mean_h, &busy_s), &observed_s) in by_hour
            .iter_mut()
            .zip(&self.busy_s_by_hour)
            .zip(&self.observed_s_by_hour)
        {
            *mean_h = mean(busy_s, observed_s);
        }
        let occupancy = OccupancyStats {
            doors,
            mean_occupied_doors: mean(self.busy_s, span_s),
            mean_occupied_doors_by_hour: by_hour,
            observed_s_by_hour: self.observed_s_by_hour,
            peak_occupied_doors: self.peak,
            peak_at_s: self.peak_at_s.unwrap_or(from_s),
        };
        let utilization = UtilizationStats {
            all: fraction(self.busy_s, doors, span_s),
            by_size_class: self
                .classes
                .iter()
                .map(|group| ClassUtilization {
                    size_class: group.key.clone(),
                    doors: group.doors,
                    occupied_fraction: group.fraction(span_s),
                })
                .collect(),
            by_zone: self
                .zones
                .iter()
                .map(|group| ZoneUtilization {
                    zone: group.key,
                    doors: group.doors,
                    occupied_fraction: group.fraction(span_s),
                })
                .collect(),
        };
        (occupancy, utilization)
    }
}
