//! The parts of a building's demand beyond volume and sizes: peaks of the
//! year, carriers and their rounds, heavy receivers, residents away.
//!
//! Each default says where it comes from in [`Building`]'s documentation
//! (module `sim`, "Defaults and their sources").
//!
//! [`Building`]: super::Building

use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;

use super::SimError;

/// Most carriers, peak periods or receiver groups a building may list.
pub(crate) const MAX_LIST: usize = 64;
/// Most rounds a carrier may make a day.
const MAX_ROUNDS: usize = 24;

/// A stretch of days with more (or fewer) deliveries than its month and
/// weekday say: the days after Black Friday and Cyber Monday, the weeks
/// before Christmas.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub struct PeakPeriod {
    /// A name for reports, 1 to 32 bytes.
    pub name: String,
    /// Its first day, as a day of the year (0 is 1 January, of a 365-day
    /// year).
    pub first_day_of_year: u16,
    /// How many days it lasts, 1 to 365.
    pub days: u16,
    /// Volume on those days, in percent of an ordinary day of the same
    /// month and weekday (150 is half as much again).
    pub factor_percent: u32,
}

/// A carrier: its share of the parcels, the hours its courier comes, and
/// its own size mix.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub struct Carrier {
    /// A name for reports, 1 to 32 bytes.
    pub name: String,
    /// Relative share of all parcels (any scale).
    pub share: u32,
    /// Hours of day (0 to 23) its courier arrives, each a round that
    /// brings that round's parcels as one batch and takes back expired
    /// ones. The day's parcels are split evenly over the rounds.
    pub rounds: Vec<u8>,
    /// Relative frequency of each profile of the size mix for this
    /// carrier, one per profile; empty: the size mix's own shares.
    #[cfg_attr(feature = "serde", serde(default))]
    pub size_shares: Vec<u32>,
}

/// A group of units that receive parcels at a relative rate: a few heavy
/// receivers get many parcels, most units few.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub struct ReceiverGroup {
    /// Relative share of the units in this group (any scale).
    pub share: u32,
    /// Relative parcels per unit of this group (any scale). The rates are
    /// normalized so the building's mean stays
    /// `parcels_per_unit_per_month`.
    pub rate: u32,
}

/// Residents away from home: trips during which they collect nothing.
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(default, deny_unknown_fields))]
pub struct Away {
    /// Trips a unit makes a year, on average (0 to 52).
    pub trips_per_unit_per_year: f64,
    /// Shortest trip, in days (1 or more).
    pub min_days: u32,
    /// Longest trip, in days (at least `min_days`, at most 365).
    pub max_days: u32,
    /// Percent of trips for which the resident sets a hold, so parcels
    /// wait for them (up to the maximum dwell) instead of going back.
    pub hold_percent: u32,
}

impl Default for Away {
    fn default() -> Self {
        Self {
            trips_per_unit_per_year: 3.0,
            min_days: 2,
            max_days: 14,
            hold_percent: 30,
        }
    }
}

/// Monthly volume, January to December, in percent of an average month.
pub(crate) const DEFAULT_SEASON: [u32; 12] = [97, 90, 97, 95, 97, 95, 95, 97, 99, 104, 115, 119];

/// The delivery peaks of the default building.
pub(crate) fn default_peaks() -> Vec<PeakPeriod> {
    let peak = |name: &str, first_day_of_year, days, factor_percent| PeakPeriod {
        name: String::from(name),
        first_day_of_year,
        days,
        factor_percent,
    };
    vec![
        // Orders of Black Friday (27 November 2026) and Cyber Monday
        // arrive in the days after.
        peak("after Black Friday", 331, 4, 125),
        peak("after Cyber Monday", 335, 3, 115),
        peak("before Christmas", 345, 8, 110),
        // Little comes between Christmas and the new year.
        peak("Christmas", 358, 3, 30),
    ]
}

/// Three carriers with their own rounds and mixes (profiles in the order
/// of the default size mix: envelope, small, medium, large, bulky,
/// chilled, oversize).
pub(crate) fn default_carriers() -> Vec<Carrier> {
    let carrier = |name: &str, share, rounds: &[u8], size_shares: &[u32]| Carrier {
        name: String::from(name),
        share,
        rounds: rounds.to_vec(),
        size_shares: size_shares.to_vec(),
    };
    vec![
        carrier("postal", 40, &[11], &[45, 30, 17, 6, 2, 0, 1]),
        carrier("parcel network", 40, &[10, 15], &[20, 25, 30, 17, 6, 0, 2]),
        carrier(
            "grocery and same-day",
            20,
            &[18],
            &[20, 20, 25, 15, 4, 15, 1],
        ),
    ]
}

/// Most units get few parcels, a fifth get many.
pub(crate) fn default_receivers() -> Vec<ReceiverGroup> {
    vec![
        ReceiverGroup {
            share: 40,
            rate: 40,
        },
        ReceiverGroup {
            share: 40,
            rate: 100,
        },
        ReceiverGroup {
            share: 20,
            rate: 250,
        },
    ]
}

/// Residents come to the locker mostly after work.
pub(crate) const DEFAULT_COLLECTION_HOURS: [u32; 24] = [
    1, 0, 0, 0, 0, 0, 1, 3, 4, 3, 3, 3, 4, 4, 4, 5, 6, 9, 11, 11, 10, 8, 5, 2,
];

/// Checks a name for reports.
pub(crate) fn check_name(field: String, name: &str) -> Result<(), SimError> {
    if name.is_empty() || name.len() > 32 {
        return Err(SimError::field(
            field,
            alloc::format!("{name:?}"),
            "must be 1 to 32 bytes",
        ));
    }
    Ok(())
}

/// Checks a list's length.
pub(crate) fn check_len(field: &'static str, len: usize) -> Result<(), SimError> {
    if len > MAX_LIST {
        return Err(SimError::field(
            field,
            alloc::format!("{len} entries"),
            "must have at most 64 entries",
        ));
    }
    Ok(())
}

impl PeakPeriod {
    pub(crate) fn validate(&self, index: usize) -> Result<(), SimError> {
        check_name(alloc::format!("peaks[{index}].name"), &self.name)?;
        if self.first_day_of_year > 364 {
            return Err(SimError::field(
                alloc::format!("peaks[{index}].first_day_of_year"),
                self.first_day_of_year,
                "must be 0 (1 January) to 364",
            ));
        }
        if !(1..=365).contains(&self.days) {
            return Err(SimError::field(
                alloc::format!("peaks[{index}].days"),
                self.days,
                "must be 1 to 365",
            ));
        }
        if self.factor_percent > 10_000 {
            return Err(SimError::field(
                alloc::format!("peaks[{index}].factor_percent"),
                self.factor_percent,
                "must be 0 to 10000",
            ));
        }
        Ok(())
    }

    /// Whether `day_of_year` (0 to 364) falls in the period (which may
    /// wrap past 31 December).
    pub(crate) fn covers(&self, day_of_year: u32) -> bool {
        let offset = (day_of_year + 365 - u32::from(self.first_day_of_year)) % 365;
        offset < u32::from(self.days)
    }
}

impl Carrier {
    pub(crate) fn validate(&self, index: usize, profiles: usize) -> Result<(), SimError> {
        check_name(alloc::format!("carriers[{index}].name"), &self.name)?;
        if self.rounds.is_empty() || self.rounds.len() > MAX_ROUNDS {
            return Err(SimError::field(
                alloc::format!("carriers[{index}].rounds"),
                alloc::format!("{} entries", self.rounds.len()),
                "must list 1 to 24 hours",
            ));
        }
        for (round, &hour) in self.rounds.iter().enumerate() {
            let later = self.rounds.get(round + 1).copied();
            if hour > 23 || later.is_some_and(|next| next <= hour) {
                return Err(SimError::field(
                    alloc::format!("carriers[{index}].rounds[{round}]"),
                    hour,
                    "must be hours 0 to 23 in increasing order",
                ));
            }
        }
        if !self.size_shares.is_empty() {
            if self.size_shares.len() != profiles {
                return Err(SimError::field(
                    alloc::format!("carriers[{index}].size_shares"),
                    alloc::format!("{} entries", self.size_shares.len()),
                    "must be empty or have one share per size_mix profile",
                ));
            }
            if self.size_shares.iter().all(|&s| s == 0) {
                return Err(SimError::field(
                    alloc::format!("carriers[{index}].size_shares"),
                    "all 0",
                    "needs at least one share above 0",
                ));
            }
        }
        Ok(())
    }
}

impl Away {
    pub(crate) fn validate(&self) -> Result<(), SimError> {
        let trips = self.trips_per_unit_per_year;
        if !(trips.is_finite() && (0.0..=52.0).contains(&trips)) {
            return Err(SimError::field(
                "away.trips_per_unit_per_year",
                trips,
                "must be 0 to 52",
            ));
        }
        if !(1..=365).contains(&self.min_days) {
            return Err(SimError::field(
                "away.min_days",
                self.min_days,
                "must be 1 to 365",
            ));
        }
        if !(self.min_days..=365).contains(&self.max_days) {
            return Err(SimError::field(
                "away.max_days",
                self.max_days,
                "must be min_days to 365",
            ));
        }
        if self.hold_percent > 100 {
            return Err(SimError::field(
                "away.hold_percent",
                self.hold_percent,
                "must be 0 to 100",
            ));
        }
        Ok(())
    }
}
