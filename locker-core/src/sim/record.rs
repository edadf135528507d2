//! The statistics of a simulated run, kept the same way whichever engine
//! moves the parcels: arrivals, overflow, occupancy through the day, dwell.

use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;

use super::building::Building;
use super::demand::{Arrival, DAY_S, HOUR_S};
use super::num::to_f64;
use crate::allocate::OverflowReason;
use crate::bank::Bank;

/// What happened to one size class of doors.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub struct ClassStats {
    /// The size class, as configured.
    pub size_class: String,
    /// Doors of this class.
    pub doors: u32,
    /// Time-averaged fraction of these doors that were occupied, 0 to 1.
    pub utilization: f64,
    /// Most doors of this class occupied at once.
    pub peak_occupied: u32,
    /// Parcels stored in doors of this class.
    pub parcels: u64,
}

/// Statistics of the time parcels spent in the bank, in hours.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub struct DwellStats {
    /// Parcels that left the bank within the horizon.
    pub count: u64,
    /// Mean hours.
    pub mean_h: f64,
    /// Median hours.
    pub median_h: f64,
    /// 90th percentile, hours.
    pub p90_h: f64,
    /// 95th percentile, hours.
    pub p95_h: f64,
    /// Longest, hours.
    pub max_h: f64,
}

/// One simulated day.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub struct DayStats {
    /// Day number, from 0.
    pub day: u32,
    /// 0 is Monday.
    pub weekday: u8,
    /// Parcels delivered.
    pub arrivals: u32,
    /// Parcels that found no door.
    pub overflow: u32,
    /// Parcels their residents collected.
    pub collected: u32,
    /// Parcels that went back to their carrier (at the dwell limit).
    pub returned: u32,
    /// Most doors occupied at once during the day.
    pub peak_occupied: u32,
    /// The hour of day (0 to 23) the peak was first reached.
    pub peak_hour: u8,
}

/// What one carrier brought.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub struct CarrierStats {
    /// The carrier's name (`""` for parcels without carriers).
    pub name: String,
    /// Parcels it delivered.
    pub arrivals: u64,
    /// Of those, parcels that got no door.
    pub overflow: u64,
}

/// What a simulation found.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub struct SimResult {
    /// Days simulated.
    pub days: u32,
    /// Doors in the bank.
    pub doors: u32,
    /// Parcels delivered.
    pub arrivals: u64,
    /// Parcels that got a door.
    pub placed: u64,
    /// Of those, parcels put beside the recipient's other parcels.
    pub consolidated: u64,
    /// Parcels that got no door.
    pub overflow: u64,
    /// Overflow because every door that fits was taken.
    pub overflow_full: u64,
    /// Overflow because no door of the bank fits the parcel.
    pub overflow_nothing_fits: u64,
    /// `overflow / arrivals` (0 when nothing arrived).
    pub overflow_rate: f64,
    /// Parcels collected by their recipient.
    pub picked_up: u64,
    /// Parcels returned to their carrier at the dwell limit.
    pub expired: u64,
    /// Extensions residents asked for.
    pub extensions: u64,
    /// Holds residents set before a trip away.
    pub holds: u64,
    /// Most doors occupied at once.
    pub peak_occupancy: u32,
    /// When the peak was first reached, in hours from the start.
    pub peak_at_h: f64,
    /// Mean doors occupied at each hour of day, 0 to 23 (time-weighted
    /// over the horizon): the bank's daily rhythm.
    pub occupancy_by_hour: Vec<f64>,
    /// Time-averaged fraction of all doors occupied, 0 to 1.
    pub utilization: f64,
    /// Per size class, in order of first appearance in the configuration.
    pub classes: Vec<ClassStats>,
    /// Per carrier, in the building's order.
    pub carriers: Vec<CarrierStats>,
    /// Time parcels spent in the bank, collected and returned alike (a
    /// returned parcel stays until its carrier takes it back).
    pub dwell: DwellStats,
    /// Day by day.
    pub daily: Vec<DayStats>,
}

impl SimResult {
    /// The share of parcels that found every fitting door taken: the
    /// overflow more doors would cure (parcels no door of the bank fits,
    /// such as oversize ones, are left out). The planner's target.
    #[must_use]
    pub fn full_overflow_rate(&self) -> f64 {
        ratio(self.overflow_full, self.arrivals)
    }
}

/// The statistics of a run in progress.
pub(crate) struct Recorder {
    result: SimResult,
    today: DayStats,
    /// Per door (in the bank's id order): its class, and since when it is
    /// occupied.
    door_class: Vec<usize>,
    door_since: Vec<Option<u64>>,
    classes: Vec<ClassStats>,
    class_occupied: Vec<u32>,
    class_busy_s: Vec<u64>,
    occupied: u32,
    /// Occupied-door seconds by hour of day, and the last time counted.
    hour_busy_s: [u64; 24],
    counted_to_s: u64,
    dwell_s: Vec<u64>,
    start_weekday: u8,
}

impl Recorder {
    pub(crate) fn new(building: &Building, bank: &Bank) -> Self {
        let mut classes: Vec<ClassStats> = Vec::new();
        let door_class = bank
            .compartments()
            .iter()
            .map(|door| {
                let name = door.spec().size_class.as_str();
                let index = classes
                    .iter()
                    .position(|c| c.size_class == name)
                    .unwrap_or_else(|| {
                        classes.push(ClassStats {
                            size_class: String::from(name),
                            doors: 0,
                            utilization: 0.0,
                            peak_occupied: 0,
                            parcels: 0,
                        });
                        classes.len() - 1
                    });
                if let Some(class) = classes.get_mut(index) {
                    class.doors += 1;
                }
                index
            })
            .collect();
        let doors = bank.compartments().len();
        let class_count = classes.len();
        let mut carriers: Vec<CarrierStats> = building
            .carriers
            .iter()
            .map(|c| CarrierStats {
                name: c.name.clone(),
                arrivals: 0,
                overflow: 0,
            })
            .collect();
        if carriers.is_empty() {
            carriers.push(CarrierStats {
                name: String::new(),
                arrivals: 0,
                overflow: 0,
            });
        }
        Self {
            result: SimResult {
                days: building.days,
                doors: u32::try_from(doors).unwrap_or(u32::MAX),
                arrivals: 0,
                placed: 0,
                consolidated: 0,
                overflow: 0,
                overflow_full: 0,
                overflow_nothing_fits: 0,
                overflow_rate: 0.0,
                picked_up: 0,
                expired: 0,
                extensions: 0,
                holds: 0,
                peak_occupancy: 0,
                peak_at_h: 0.0,
                occupancy_by_hour: Vec::new(),
                utilization: 0.0,
                classes: Vec::new(),
                carriers,
                dwell: dwell_stats(&mut []),
                daily: Vec::new(),
            },
            today: day_stats(0, building.start_weekday, 0),
            door_class,
            door_since: vec![None; doors],
            classes,
            class_occupied: vec![0; class_count],
            class_busy_s: vec![0; class_count],
            occupied: 0,
            hour_busy_s: [0; 24],
            counted_to_s: 0,
            dwell_s: Vec::new(),
            start_weekday: building.start_weekday,
        }
    }

    /// Counts occupied-door time up to `now_s`, hour by hour of day.
    fn advance(&mut self, now_s: u64) {
        let occupied = u64::from(self.occupied);
        while self.counted_to_s < now_s {
            let hour_end = (self.counted_to_s / HOUR_S + 1) * HOUR_S;
            let until = hour_end.min(now_s);
            let hour = usize::try_from(self.counted_to_s / HOUR_S % 24).unwrap_or(0);
            if let Some(busy) = self.hour_busy_s.get_mut(hour) {
                *busy += occupied * (until - self.counted_to_s);
            }
            self.counted_to_s = until;
        }
    }

    /// Day `day` begins.
    pub(crate) fn start_day(&mut self, day: u32) {
        self.today = day_stats(day, self.start_weekday, self.occupied);
    }

    /// Day `day` is over (everything before its end was recorded).
    pub(crate) fn end_day(&mut self, day: u32) {
        self.advance(u64::from(day + 1) * DAY_S);
        self.result.daily.push(self.today.clone());
    }

    pub(crate) fn arrived(&mut self, arrival: &Arrival) {
        self.result.arrivals += 1;
        self.today.arrivals += 1;
        if let Some(carrier) = self.result.carriers.get_mut(arrival.carrier.unwrap_or(0)) {
            carrier.arrivals += 1;
        }
    }

    pub(crate) fn overflowed(&mut self, arrival: &Arrival, reason: OverflowReason) {
        self.result.overflow += 1;
        self.today.overflow += 1;
        if reason == OverflowReason::Full {
            self.result.overflow_full += 1;
        } else {
            self.result.overflow_nothing_fits += 1;
        }
        if let Some(carrier) = self.result.carriers.get_mut(arrival.carrier.unwrap_or(0)) {
            carrier.overflow += 1;
        }
    }

    /// A parcel went into door `door` (an index in id order) at `now_s`.
    pub(crate) fn stored(&mut self, door: usize, consolidated: bool, now_s: u64) {
        self.advance(now_s);
        self.result.placed += 1;
        if consolidated {
            self.result.consolidated += 1;
        }
        let class = self.door_class.get(door).copied().unwrap_or(0);
        if let Some(stats) = self.classes.get_mut(class) {
            stats.parcels += 1;
        }
        let Some(since @ None) = self.door_since.get_mut(door) else {
            return;
        };
        *since = Some(now_s);
        self.occupied += 1;
        if self.occupied > self.result.peak_occupancy {
            self.result.peak_occupancy = self.occupied;
            self.result.peak_at_h = to_f64(now_s) / 3_600.0;
        }
        if self.occupied > self.today.peak_occupied {
            self.today.peak_occupied = self.occupied;
            self.today.peak_hour = u8::try_from(now_s / HOUR_S % 24).unwrap_or(0);
        }
        if let (Some(count), Some(stats)) = (
            self.class_occupied.get_mut(class),
            self.classes.get_mut(class),
        ) {
            *count += 1;
            stats.peak_occupied = stats.peak_occupied.max(*count);
        }
    }

    /// Door `door` was emptied at `now_s` of parcels that arrived at
    /// `arrived_s`, by their residents or (`returned`) by their carrier.
    pub(crate) fn emptied(&mut self, door: usize, now_s: u64, arrived_s: &[u64], returned: bool) {
        self.advance(now_s);
        for &at in arrived_s {
            self.dwell_s.push(now_s.saturating_sub(at));
        }
        let count = u32::try_from(arrived_s.len()).unwrap_or(u32::MAX);
        if !returned {
            self.result.picked_up += u64::from(count);
            self.today.collected += count;
        }
        let Some(since) = self.door_since.get_mut(door).and_then(Option::take) else {
            return;
        };
        let class = self.door_class.get(door).copied().unwrap_or(0);
        if let Some(busy) = self.class_busy_s.get_mut(class) {
            *busy += now_s.saturating_sub(since);
        }
        if let Some(count) = self.class_occupied.get_mut(class) {
            *count = count.saturating_sub(1);
        }
        self.occupied = self.occupied.saturating_sub(1);
    }

    /// `parcels` parcels reached their dwell limit and go back.
    pub(crate) fn expired(&mut self, parcels: usize) {
        let parcels = u32::try_from(parcels).unwrap_or(u32::MAX);
        self.result.expired += u64::from(parcels);
        self.today.returned += parcels;
    }

    pub(crate) fn extended(&mut self) {
        self.result.extensions += 1;
    }

    pub(crate) fn held(&mut self) {
        self.result.holds += 1;
    }

    pub(crate) fn finish(mut self) -> SimResult {
        let horizon = u64::from(self.result.days) * DAY_S;
        self.advance(horizon);
        // Doors still occupied at the end count up to the horizon.
        for (door, since) in self.door_since.iter().enumerate() {
            if let Some(since) = since {
                let class = self.door_class.get(door).copied().unwrap_or(0);
                if let Some(busy) = self.class_busy_s.get_mut(class) {
                    *busy += horizon.saturating_sub(*since);
                }
            }
        }
        let mut busy_total = 0;
        for (stats, &busy) in self.classes.iter_mut().zip(&self.class_busy_s) {
            busy_total += busy;
            stats.utilization = ratio(busy, u64::from(stats.doors) * horizon);
        }
        let days = u64::from(self.result.days);
        let result = &mut self.result;
        result.occupancy_by_hour = self
            .hour_busy_s
            .iter()
            .map(|&busy| ratio(busy, days * HOUR_S))
            .collect();
        result.utilization = ratio(busy_total, u64::from(result.doors) * horizon);
        result.overflow_rate = ratio(result.overflow, result.arrivals);
        result.classes = self.classes;
        result.dwell = dwell_stats(&mut self.dwell_s);
        self.result
    }
}

fn day_stats(day: u32, start_weekday: u8, occupied: u32) -> DayStats {
    DayStats {
        day,
        weekday: u8::try_from((u32::from(start_weekday) + day) % 7).unwrap_or(0),
        arrivals: 0,
        overflow: 0,
        collected: 0,
        returned: 0,
        peak_occupied: occupied,
        peak_hour: 0,
    }
}

fn ratio(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        to_f64(part) / to_f64(whole)
    }
}

fn dwell_stats(samples: &mut [u64]) -> DwellStats {
    crate::collections::sort::values(samples);
    let hours = |s: u64| to_f64(s) / 3_600.0;
    let count = u64::try_from(samples.len()).unwrap_or(u64::MAX);
    let at = |percent: usize| {
        let index = (samples.len().saturating_sub(1) * percent) / 100;
        samples.get(index).copied().map_or(0.0, hours)
    };
    DwellStats {
        count,
        mean_h: if samples.is_empty() {
            0.0
        } else {
            hours(samples.iter().sum::<u64>()) / to_f64(count)
        },
        median_h: at(50),
        p90_h: at(90),
        p95_h: at(95),
        max_h: samples.last().copied().map_or(0.0, hours),
    }
}
