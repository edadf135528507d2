//! What a building is, for the simulation: units, parcel volume, sizes,
//! dwell times and the delivery pattern.

use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;

use super::SimError;
use super::demand;
use super::pattern::{
    self, Away, Carrier, DEFAULT_COLLECTION_HOURS, DEFAULT_SEASON, PeakPeriod, ReceiverGroup,
};
use crate::geometry::Dimensions;
use crate::ids::ParcelId;
use crate::parcel::{Parcel, TemperatureZone};

/// Most units a building may have.
const MAX_UNITS: u32 = 1_000_000;
/// Longest simulated horizon, in days (ten years).
const MAX_DAYS: u32 = 3_660;
/// Most parcels per unit per month.
const MAX_PARCELS_PER_UNIT_PER_MONTH: f64 = 1_000.0;
/// Longest name of a parcel profile, in bytes.
const MAX_NAME_BYTES: usize = 32;
/// Longest dwell bucket bound, in hours (a year).
const MAX_DWELL_H: u32 = 8_760;
/// Most parcels one simulation may expect (memory stays under ~200 MB).
const MAX_EXPECTED_PARCELS: f64 = 10_000_000.0;
/// Most trips away one simulation may expect (each is kept to the end).
const MAX_EXPECTED_TRIPS: f64 = 10_000_000.0;

/// One kind of parcel of the size mix.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub struct ParcelProfile {
    /// A name for reports (`envelope`, `shoebox`, …), 1 to 32 bytes.
    pub name: String,
    /// Outer size.
    pub size: Dimensions,
    /// Weight in grams.
    pub weight_g: u32,
    /// Relative frequency (any scale; the shares are normalized).
    pub share: u32,
    /// Must stay upright.
    #[cfg_attr(feature = "serde", serde(default))]
    pub this_side_up: bool,
    /// The temperature it needs.
    #[cfg_attr(feature = "serde", serde(default))]
    pub zone: TemperatureZone,
}

impl ParcelProfile {
    /// A profile with the given name, size, weight and share, ambient and
    /// free to turn.
    #[must_use]
    pub fn new(name: &str, size: Dimensions, weight_g: u32, share: u32) -> Self {
        Self {
            name: String::from(name),
            size,
            weight_g,
            share,
            this_side_up: false,
            zone: TemperatureZone::Ambient,
        }
    }

    /// The parcel this profile describes, with an id.
    #[must_use]
    pub const fn parcel(&self, id: ParcelId) -> Parcel {
        Parcel {
            id,
            size: self.size,
            weight_g: self.weight_g,
            this_side_up: self.this_side_up,
            zone: self.zone,
            handling: crate::parcel::Handling::Standard,
        }
    }
}

/// A share of parcels collected within a time: the bucket covers dwell
/// times from the previous bucket's `up_to_h` (or 0) up to `up_to_h`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub struct DwellBucket {
    /// The bucket's upper bound, in hours (exclusive).
    pub up_to_h: u32,
    /// Relative frequency (any scale).
    pub share: u32,
}

/// A building and how parcels come to it.
///
/// Every field has a default ([`Building::default`]): 100 units with 20
/// parcels a month each, a mix of seven parcel kinds (one chilled, one
/// that fits no door), three carriers with their rounds, a year from
/// 1 January with a busy November and December, heavy receivers, residents
/// who collect after work and go away now and then, a 72 h dwell limit
/// (24 h chilled), seed 0. The [`sim`](super) module documentation says
/// where each default comes from.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(default, deny_unknown_fields))]
pub struct Building {
    /// Residential units (recipients), 1 to 1,000,000.
    pub units: u32,
    /// Mean parcels per unit per month (a month is 365/12 days).
    pub parcels_per_unit_per_month: f64,
    /// Which parcels come, and how often.
    pub size_mix: Vec<ParcelProfile>,
    /// How long residents take to collect, as buckets of increasing
    /// `up_to_h`.
    pub dwell: Vec<DwellBucket>,
    /// Relative delivery volume Monday to Sunday.
    pub weekday_weights: [u32; 7],
    /// Relative delivery volume by hour of day, 0 to 23, when no
    /// `carriers` are given (with carriers, parcels come in their rounds).
    pub hour_weights: [u32; 24],
    /// Relative delivery volume by month, January to December (scaled so
    /// the year's mean day keeps `parcels_per_unit_per_month`).
    pub season: [u32; 12],
    /// Stretches of days busier (or quieter) than their month and weekday.
    pub peaks: Vec<PeakPeriod>,
    /// Growth of volume over the horizon, percent a year (linear; may be
    /// negative, down to -50).
    pub growth_percent_per_year: f64,
    /// Day of the year of day 0 (0 is 1 January; a 365-day year).
    pub start_day_of_year: u16,
    /// Carriers, their shares, rounds and size mixes; empty: one anonymous
    /// carrier whose parcels arrive one by one by `hour_weights`.
    pub carriers: Vec<Carrier>,
    /// When residents come to the locker, relative by hour of day: a
    /// resident ready to collect waits for an hour they come by.
    pub collection_hour_weights: [u32; 24],
    /// Groups of units by how many parcels they receive; empty: every unit
    /// alike.
    pub receivers: Vec<ReceiverGroup>,
    /// Residents away from home.
    pub away: Away,
    /// Percent of residents who, reminded that a parcel is about to go
    /// back while they cannot come yet, extend its stay.
    pub extension_percent: u32,
    /// How long an extension adds, in hours.
    pub extension_h: u32,
    /// The longest a parcel may wait with holds and extensions, in hours
    /// (the locker policy's `max_dwell_s`).
    pub max_dwell_h: u32,
    /// Percentage of units whose resident needs an accessible door.
    pub accessible_units_percent: u32,
    /// Hours after which an uncollected parcel is returned.
    pub dwell_limit_h: u32,
    /// The same for chilled parcels.
    pub chilled_dwell_limit_h: u32,
    /// Days simulated.
    pub days: u32,
    /// Weekday of day 0: 0 is Monday, 6 is Sunday.
    pub start_weekday: u8,
    /// Seed of the random sequence: the same seed, the same result.
    pub seed: u64,
}

impl Default for Building {
    fn default() -> Self {
        Self {
            units: 100,
            parcels_per_unit_per_month: 20.0,
            size_mix: default_size_mix(),
            dwell: vec![
                DwellBucket {
                    up_to_h: 2,
                    share: 20,
                },
                DwellBucket {
                    up_to_h: 6,
                    share: 25,
                },
                DwellBucket {
                    up_to_h: 12,
                    share: 20,
                },
                DwellBucket {
                    up_to_h: 24,
                    share: 17,
                },
                DwellBucket {
                    up_to_h: 48,
                    share: 10,
                },
                DwellBucket {
                    up_to_h: 72,
                    share: 5,
                },
                DwellBucket {
                    up_to_h: 120,
                    share: 3,
                },
            ],
            weekday_weights: [118, 108, 104, 102, 100, 60, 8],
            hour_weights: [
                0, 0, 0, 0, 0, 0, 1, 3, 6, 9, 10, 10, 10, 10, 9, 8, 7, 6, 5, 3, 2, 1, 0, 0,
            ],
            season: DEFAULT_SEASON,
            peaks: pattern::default_peaks(),
            growth_percent_per_year: 0.0,
            start_day_of_year: 0,
            carriers: pattern::default_carriers(),
            collection_hour_weights: DEFAULT_COLLECTION_HOURS,
            receivers: pattern::default_receivers(),
            away: Away::default(),
            extension_percent: 30,
            extension_h: 48,
            max_dwell_h: 14 * 24,
            accessible_units_percent: 0,
            dwell_limit_h: 72,
            chilled_dwell_limit_h: 24,
            days: 365,
            // 1 January 2026 was a Thursday.
            start_weekday: 3,
            seed: 0,
        }
    }
}

/// Five parcel sizes of e-commerce deliveries, a chilled grocery box and
/// an oversize parcel (a flat-packed piece of furniture) that fits no door
/// of the default bank.
fn default_size_mix() -> Vec<ParcelProfile> {
    let mut chilled = ParcelProfile::new("chilled", Dimensions::new(350, 300, 170), 5_000, 3);
    chilled.zone = TemperatureZone::Chilled;
    chilled.this_side_up = true;
    vec![
        ParcelProfile::new("envelope", Dimensions::new(320, 230, 30), 300, 30),
        ParcelProfile::new("small", Dimensions::new(300, 200, 60), 900, 25),
        ParcelProfile::new("medium", Dimensions::new(400, 300, 150), 2_500, 25),
        ParcelProfile::new("large", Dimensions::new(600, 400, 300), 6_000, 15),
        ParcelProfile::new("bulky", Dimensions::new(700, 500, 450), 12_000, 5),
        chilled,
        ParcelProfile::new("oversize", Dimensions::new(1_200, 400, 300), 15_000, 1),
    ]
}

impl Building {
    /// Checks every field.
    ///
    /// # Errors
    ///
    /// [`SimError::InvalidField`] naming the first bad field, or
    /// [`SimError::InvalidParcel`] for an impossible parcel profile.
    pub fn validate(&self) -> Result<(), SimError> {
        if !(1..=MAX_UNITS).contains(&self.units) {
            return Err(SimError::field("units", self.units, "must be 1 to 1000000"));
        }
        let ppm = self.parcels_per_unit_per_month;
        if !(ppm.is_finite() && ppm > 0.0 && ppm <= MAX_PARCELS_PER_UNIT_PER_MONTH) {
            return Err(SimError::field(
                "parcels_per_unit_per_month",
                ppm,
                "must be more than 0 and at most 1000",
            ));
        }
        if !(1..=MAX_DAYS).contains(&self.days) {
            return Err(SimError::field("days", self.days, "must be 1 to 3660"));
        }
        let flat = self.mean_parcels_per_day() * f64::from(self.days);
        if flat > MAX_EXPECTED_PARCELS {
            return Err(too_many_parcels(flat));
        }
        if self.start_weekday > 6 {
            return Err(SimError::field(
                "start_weekday",
                self.start_weekday,
                "must be 0 (Monday) to 6 (Sunday)",
            ));
        }
        if self.accessible_units_percent > 100 {
            return Err(SimError::field(
                "accessible_units_percent",
                self.accessible_units_percent,
                "must be 0 to 100",
            ));
        }
        for (field, hours) in [
            ("dwell_limit_h", self.dwell_limit_h),
            ("chilled_dwell_limit_h", self.chilled_dwell_limit_h),
            ("extension_h", self.extension_h),
            ("max_dwell_h", self.max_dwell_h),
        ] {
            if !(1..=MAX_DWELL_H).contains(&hours) {
                return Err(SimError::field(field, hours, "must be 1 to 8760 hours"));
            }
        }
        if self.max_dwell_h < self.dwell_limit_h.max(self.chilled_dwell_limit_h) {
            return Err(SimError::field(
                "max_dwell_h",
                self.max_dwell_h,
                "must be at least dwell_limit_h and chilled_dwell_limit_h",
            ));
        }
        check_weights("weekday_weights", &self.weekday_weights)?;
        check_weights("hour_weights", &self.hour_weights)?;
        check_weights("season", &self.season)?;
        check_weights("collection_hour_weights", &self.collection_hour_weights)?;
        self.validate_size_mix()?;
        self.validate_dwell()?;
        self.validate_pattern()?;
        // The parcels that really come: growth, season, peaks and weekdays
        // can put many times the flat mean into the horizon (or into one
        // day).
        let expected: f64 = demand::day_means(self)?.iter().sum();
        if expected > MAX_EXPECTED_PARCELS {
            return Err(too_many_parcels(expected));
        }
        let trips =
            f64::from(self.units) * self.away.trips_per_unit_per_year * f64::from(self.days)
                / 365.0;
        if trips > MAX_EXPECTED_TRIPS {
            return Err(SimError::field(
                "away.trips_per_unit_per_year",
                alloc::format!("{trips:.0} trips in all"),
                "times units and days must expect at most 10000000 trips",
            ));
        }
        Ok(())
    }

    fn validate_pattern(&self) -> Result<(), SimError> {
        if self.start_day_of_year > 364 {
            return Err(SimError::field(
                "start_day_of_year",
                self.start_day_of_year,
                "must be 0 (1 January) to 364",
            ));
        }
        let growth = self.growth_percent_per_year;
        if !(growth.is_finite() && (-50.0..=1_000.0).contains(&growth)) {
            return Err(SimError::field(
                "growth_percent_per_year",
                growth,
                "must be -50 to 1000",
            ));
        }
        if self.extension_percent > 100 {
            return Err(SimError::field(
                "extension_percent",
                self.extension_percent,
                "must be 0 to 100",
            ));
        }
        pattern::check_len("peaks", self.peaks.len())?;
        for (index, peak) in self.peaks.iter().enumerate() {
            peak.validate(index)?;
        }
        pattern::check_len("carriers", self.carriers.len())?;
        for (index, carrier) in self.carriers.iter().enumerate() {
            carrier.validate(index, self.size_mix.len())?;
        }
        if !self.carriers.is_empty() {
            let shares: Vec<u32> = self.carriers.iter().map(|c| c.share).collect();
            check_weights("carriers[].share", &shares)?;
        }
        pattern::check_len("receivers", self.receivers.len())?;
        if !self.receivers.is_empty() {
            let shares: Vec<u32> = self.receivers.iter().map(|r| r.share).collect();
            check_weights("receivers[].share", &shares)?;
            for (index, group) in self.receivers.iter().enumerate() {
                if group.share > 0 && group.rate == 0 {
                    return Err(SimError::field(
                        alloc::format!("receivers[{index}].rate"),
                        0,
                        "must be above 0 for a group with units",
                    ));
                }
            }
        }
        self.away.validate()
    }

    fn validate_size_mix(&self) -> Result<(), SimError> {
        if self.size_mix.is_empty() {
            return Err(SimError::field(
                "size_mix",
                "[]",
                "needs at least one profile",
            ));
        }
        for (index, profile) in self.size_mix.iter().enumerate() {
            if profile.name.is_empty() || profile.name.len() > MAX_NAME_BYTES {
                return Err(SimError::field(
                    alloc::format!("size_mix[{index}].name"),
                    alloc::format!("{:?}", profile.name),
                    "must be 1 to 32 bytes",
                ));
            }
            profile
                .parcel(ParcelId(0))
                .validate()
                .map_err(|source| SimError::InvalidParcel {
                    index,
                    name: profile.name.clone(),
                    source,
                })?;
        }
        let shares: Vec<u32> = self.size_mix.iter().map(|p| p.share).collect();
        check_weights("size_mix[].share", &shares)
    }

    fn validate_dwell(&self) -> Result<(), SimError> {
        if self.dwell.is_empty() {
            return Err(SimError::field("dwell", "[]", "needs at least one bucket"));
        }
        let mut previous = 0;
        for (index, bucket) in self.dwell.iter().enumerate() {
            if bucket.up_to_h <= previous || bucket.up_to_h > MAX_DWELL_H {
                return Err(SimError::field(
                    alloc::format!("dwell[{index}].up_to_h"),
                    bucket.up_to_h,
                    "must increase from bucket to bucket, up to 8760 hours",
                ));
            }
            previous = bucket.up_to_h;
        }
        let shares: Vec<u32> = self.dwell.iter().map(|b| b.share).collect();
        check_weights("dwell[].share", &shares)
    }

    /// The mean number of parcels a day, before the weekday, season and
    /// growth patterns.
    #[must_use]
    pub fn mean_parcels_per_day(&self) -> f64 {
        f64::from(self.units) * self.parcels_per_unit_per_month * 12.0 / 365.0
    }

    /// The mean hours a parcel stays in the bank once stored, from the
    /// dwell buckets (bucket midpoints) capped at the dwell limit.
    #[must_use]
    pub fn mean_stay_h(&self) -> f64 {
        let total: u64 = self.dwell.iter().map(|b| u64::from(b.share)).sum();
        if total == 0 {
            return 0.0;
        }
        let limit = f64::from(self.dwell_limit_h);
        let mut previous = 0.0;
        let mut sum = 0.0;
        for bucket in &self.dwell {
            let upper = f64::from(bucket.up_to_h);
            let mid = f64::midpoint(previous, upper);
            sum += f64::from(bucket.share) * if mid < limit { mid } else { limit };
            previous = upper;
        }
        sum / super::num::to_f64(total)
    }
}

/// The error for a building expecting `expected` parcels, over the cap.
fn too_many_parcels(expected: f64) -> SimError {
    SimError::field(
        "units × parcels_per_unit_per_month × days",
        alloc::format!("{expected:.0} parcels"),
        "must expect at most 10000000 parcels (with growth, season and peaks); simulate fewer days or units",
    )
}

/// Weights must not overflow a `u64` sum (they cannot) and must not all be 0.
fn check_weights(field: &'static str, weights: &[u32]) -> Result<(), SimError> {
    if weights.iter().all(|&w| w == 0) {
        return Err(SimError::field(
            field,
            "all 0",
            "needs at least one weight above 0",
        ));
    }
    Ok(())
}
