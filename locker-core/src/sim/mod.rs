//! A deterministic building simulation and a capacity planner, for analysts
//! and for sizing a new bank.
//!
//! A [`Building`] says how many units it has, how many parcels a unit gets
//! a month and how that volume moves through the year, which carriers
//! bring them when and in what sizes, who receives many and who few, and
//! how residents collect. From its seed the simulation draws that demand
//! once, then acts it out with one driver over one of two backends:
//!
//! - [`simulate`], the fast path: the core's own allocation
//!   ([`Bank::allocate`], [`Bank::store`]) and the locker's expiry, hold
//!   and extension rules applied directly, without credentials. The
//!   planner runs it thousands of times.
//! - [`simulate_locker`], the full path: a real `Locker` over the simulated
//!   hardware, couriers signing in with their codes, residents opening
//!   doors by PIN, QR code or RFID tag, the locker's sweeps, holds,
//!   extensions and returns, all journaled; its journal can be analysed
//!   like a real bank's ([`crate::analytics`]).
//!
//! Both give a [`SimResult`] (overflow and its causes, peak occupancy and
//! when, occupancy through the day, utilization per size class, dwell of
//! collected and returned parcels, day by day, per carrier) and agree on
//! the same building within noise (`tests/it/sim.rs` checks it). The same
//! building and seed always give the same result, on every platform.
//!
//! [`plan`] searches bank compositions — how many doors of each
//! [`DoorClass`] — for the fewest doors (or the least cost) that keep the
//! overflow rate at or under a target in most simulated years (a
//! percentile of several seeds); [`coverage_curve`] gives the doors for
//! several coverages at once, with a band across the years.
//!
//! ```
//! use locker_core::bank::default_bank;
//! use locker_core::sim::{Building, simulate};
//!
//! let building = Building { units: 120, days: 28, ..Building::default() };
//! let result = simulate(&building, &default_bank())?;
//! assert_eq!(result.arrivals, result.placed + result.overflow);
//! assert_eq!(result, simulate(&building, &default_bank())?);
//! # Ok::<(), locker_core::sim::SimError>(())
//! ```
//!
//! # The model
//!
//! - **Volume.** The mean daily volume is
//!   `units × parcels_per_unit_per_month × 12 / 365`, shaped by the
//!   weekday's weight (relative to the week's mean), the month's `season`
//!   weight and any `peaks` covering the day (the year's shape scaled so a
//!   year keeps the mean), and linear `growth_percent_per_year`. Counts
//!   are binomial with their mean (close to Poisson).
//! - **Carriers.** Each carrier brings its share of a day's parcels in its
//!   `rounds`: a round is a batch unloaded from the round's hour on, one
//!   parcel every 30 s, with the carrier's own size mix; the courier of a
//!   round also takes back the parcels that expired since its last one.
//!   Without carriers, parcels arrive one by one by `hour_weights` and
//!   expired ones leave at once.
//! - **Receivers.** Units fall into `receivers` groups by share; a unit's
//!   chance of receiving a parcel is its group's rate (the building's mean
//!   is kept).
//! - **Collection.** A resident is ready to collect after a time drawn
//!   from the `dwell` buckets (uniform within a bucket), later when away on
//!   a trip; then comes at the first hour they pass the locker, each hour
//!   with a chance proportional to `collection_hour_weights`. A visit
//!   empties every door the resident has waiting, as their codes open
//!   them.
//! - **Allocation.** Exactly the core's rules: consolidation with the
//!   unit's occupied door, smallest fit, the reserve of the largest doors;
//!   a door whose parcels wait for their carrier takes no new parcel. A
//!   parcel that gets no door is overflow (to the mail room): because
//!   every fitting door was taken, or because no door fits it.
//! - **Expiry.** The locker's rule: a door expires `dwell_limit_h` (or
//!   `chilled_dwell_limit_h`) after its latest parcel, later while its
//!   resident holds (set at the start of a trip by `away.hold_percent` of
//!   residents), never past `max_dwell_h` after the first. A resident who
//!   will come too late extends by `extension_h` when reminded, a day
//!   before (`extension_percent` of them).
//! - **Horizon.** The bank starts empty; statistics cover `days` days from
//!   `start_day_of_year` (2026 for the full path's clock).
//!
//! # Defaults and their sources
//!
//! Published field data is scarce; where a figure has a source it is
//! named, and the rest are stated assumptions to calibrate against a
//! site's own journal ([`crate::analytics::journal_stats`] reads the
//! figures off it).
//!
//! - 20 parcels a unit a month: the project's field facts for apartment
//!   residents (`DESIGN.md`).
//! - Seasons and peaks: Loughborough University's year of London locker
//!   data (J. Open Innov. 2021, 7(3):183) finds
//!   demand peaking in November and December and on Mondays, so that
//!   covering every parcel instead of 80 % about doubles the doors. The
//!   monthly weights (November 115, December 119 against a mean of 100),
//!   the days after Black Friday (125 %) and Cyber Monday (115 %), the run-up
//!   to Christmas (110 %) and the lull after it (30 %) are our
//!   assumptions, checked to give that ratio (1.5 to 2.5; 2.1 for 300
//!   units, `tests/it/sim.rs`).
//! - Weekdays: Monday heaviest, Saturday about 60 % of a weekday, Sunday
//!   little (assumption
//!   after the same study's Monday peak).
//! - Dwell: most parcels collected within a day, 8 % after two days
//!   (assumption); the 72 h limit is Amazon Hub's (48 h at InPost, 7 days
//!   at DHL); 24 h chilled and a 14-day maximum with holds and extensions
//!   are the locker policy's defaults.
//! - Carriers: a postal service (one late-morning round), a parcel network
//!   (two rounds) and a grocery and same-day carrier (an evening round,
//!   most chilled parcels), 40/40/20 % (assumption).
//! - Sizes: five e-commerce sizes against InPost's A/B/C door heights, 3 %
//!   chilled groceries and 1 % oversize parcels beyond DHL Packstation's
//!   600 × 350 × 350 mm limit (assumption).
//! - Receivers: 20 % of units receive about 2.4 times the mean rate and
//!   40 % about 0.4 times it, so a fifth of the residents get about 47 %
//!   of the parcels (assumption).
//! - Collection hours: mostly 17:00–21:00, after work (assumption).
//! - Trips away: three a year of 2 to 14 days, 30 % with a hold; 30 % of
//!   late residents extend by 48 h (assumption).
//!
//! [`Bank::allocate`]: crate::bank::Bank::allocate
//! [`Bank::store`]: crate::bank::Bank::store

mod building;
mod curve;
mod demand;
mod fast;
#[cfg(feature = "serde")]
mod full;
mod num;
mod pattern;
mod plan;
mod record;
mod run;
mod seeds;

use alloc::string::String;

pub use building::{Building, DwellBucket, ParcelProfile};
pub use curve::{CoverageCurve, CurvePoint, coverage_curve, coverage_curve_with};
#[cfg(feature = "serde")]
pub use full::{LockerSimulation, SimLocker, YEAR_START_S, building_policy, simulate_locker};
pub use pattern::{Away, Carrier, PeakPeriod, ReceiverGroup};
pub use plan::{
    ClassCount, DoorClass, Objective, Plan, PlanRequest, Progress, compose_bank,
    default_chilled_classes, default_classes, plan, plan_with,
};
pub use record::{CarrierStats, ClassStats, DayStats, DwellStats, SimResult};

/// Simulates `building` against a bank built from `config`, on the fast
/// path: the core's allocation and the locker's expiry, hold and extension
/// rules, without credentials or a journal.
///
/// Deterministic: the same building (seed included) and configuration give
/// the same result. A year of a 500-unit building (about 120,000 parcels)
/// takes a fraction of a second in a release build.
///
/// # Errors
///
/// [`SimError::InvalidField`] or [`SimError::InvalidParcel`] for a bad
/// building, [`SimError::Config`] for a bad configuration.
pub fn simulate(building: &Building, config: &BankConfig) -> Result<SimResult, SimError> {
    building.validate()?;
    let bank = bank_from(config)?;
    let recorder = record::Recorder::new(building, &bank);
    let doors = bank.compartments().len();
    let backend = fast::FastBackend::new(building, bank);
    let (result, _) = run::Driver::new(building, backend, recorder, doors)?.run()?;
    Ok(result)
}

use crate::allocate::AllocationError;
use crate::bank::{BankConfig, BankError, ConfigError};
use crate::geometry::GeometryError;

/// Why a simulation or a plan could not be made.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum SimError {
    /// A building or planner field is out of range.
    #[error("{field} is {value}; {expected}")]
    InvalidField {
        /// The field, as named in JSON (`units`, `size_mix[2].share`, …).
        field: String,
        /// The value given.
        value: String,
        /// What is allowed.
        expected: &'static str,
    },
    /// A parcel profile of the size mix cannot be real.
    #[error("size_mix[{index}] ({name}): {source}")]
    InvalidParcel {
        /// Its position in `size_mix`.
        index: usize,
        /// Its name.
        name: String,
        /// What was wrong.
        source: GeometryError,
    },
    /// The bank configuration is invalid.
    #[error("bank configuration: {0}")]
    Config(#[from] ConfigError),
    /// The core refused an allocation the simulation made (a bug).
    #[error("allocation: {0}")]
    Allocation(#[from] AllocationError),
    /// The core refused to store or release (a bug).
    #[error("bank: {0}")]
    Bank(#[from] BankError),
    /// The locker refused what the simulated people did (a bug).
    #[cfg(feature = "serde")]
    #[error("locker: {0}")]
    Locker(#[from] crate::locker::LockerError),
    /// No composition within `max_doors` keeps the overflow rate at or
    /// under the target.
    #[error(
        "no bank of at most {max_doors} doors keeps overflow at or under {target_overflow_rate}; the best reached {best_overflow_rate} with {best_doors} doors"
    )]
    Infeasible {
        /// The target asked for.
        target_overflow_rate: f64,
        /// The door limit.
        max_doors: u32,
        /// The lowest overflow rate seen.
        best_overflow_rate: f64,
        /// The doors of that composition.
        best_doors: u32,
    },
    /// The progress callback of [`plan_with`] or [`coverage_curve_with`]
    /// asked to stop.
    #[error("cancelled")]
    Cancelled,
}

impl SimError {
    /// An [`SimError::InvalidField`].
    pub(crate) fn field(
        field: impl Into<String>,
        value: impl core::fmt::Display,
        expected: &'static str,
    ) -> Self {
        Self::InvalidField {
            field: field.into(),
            value: alloc::format!("{value}"),
            expected,
        }
    }
}

/// Runs a config by reference (so callers can keep it) — used by the
/// planner too.
fn bank_from(config: &BankConfig) -> Result<crate::bank::Bank, SimError> {
    Ok(crate::bank::Bank::new(config.clone())?)
}

#[cfg(test)]
mod tests;
