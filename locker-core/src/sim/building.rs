//! What a building is, for the simulation: units, parcel volume, sizes,
//! dwell times and the delivery pattern.

use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;

use super::SimError;
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
/// parcels a month each, a mix of five parcel sizes, most parcels
/// collected within a day, deliveries on weekdays in working hours, a 72 h
/// dwell limit (24 h chilled), one year, seed 0.
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
    /// Relative delivery volume by hour of day, 0 to 23.
    pub hour_weights: [u32; 24],
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
            weekday_weights: [100, 100, 100, 100, 100, 60, 15],
            hour_weights: [
                0, 0, 0, 0, 0, 0, 1, 3, 6, 9, 10, 10, 10, 10, 9, 8, 7, 6, 5, 3, 2, 1, 0, 0,
            ],
            accessible_units_percent: 0,
            dwell_limit_h: 72,
            chilled_dwell_limit_h: 24,
            days: 365,
            start_weekday: 0,
            seed: 0,
        }
    }
}

/// Five parcel sizes of e-commerce deliveries; every one fits a door of the
/// default bank.
fn default_size_mix() -> Vec<ParcelProfile> {
    vec![
        ParcelProfile::new("envelope", Dimensions::new(320, 230, 30), 300, 30),
        ParcelProfile::new("small", Dimensions::new(300, 200, 60), 900, 25),
        ParcelProfile::new("medium", Dimensions::new(400, 300, 150), 2_500, 25),
        ParcelProfile::new("large", Dimensions::new(600, 400, 300), 6_000, 15),
        ParcelProfile::new("bulky", Dimensions::new(700, 500, 450), 12_000, 5),
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
        let expected = self.mean_parcels_per_day() * f64::from(self.days);
        if expected > MAX_EXPECTED_PARCELS {
            return Err(SimError::field(
                "units × parcels_per_unit_per_month × days",
                alloc::format!("{expected:.0} parcels"),
                "must expect at most 10000000 parcels; simulate fewer days or units",
            ));
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
        ] {
            if !(1..=MAX_DWELL_H).contains(&hours) {
                return Err(SimError::field(field, hours, "must be 1 to 8760 hours"));
            }
        }
        check_weights("weekday_weights", &self.weekday_weights)?;
        check_weights("hour_weights", &self.hour_weights)?;
        self.validate_size_mix()?;
        self.validate_dwell()
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

    /// The mean number of parcels a day, before the weekday pattern.
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
