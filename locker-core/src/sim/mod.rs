//! A deterministic building simulation and a capacity planner, for analysts
//! and for sizing a new bank.
//!
//! A [`Building`] says how many units it has, how many parcels a unit gets
//! a month, what sizes they come in, how long residents take to collect
//! them, and on which weekdays and hours couriers come. [`simulate`] runs it
//! against a [`BankConfig`] with the core's own allocation ([`Bank::allocate`]
//! and [`Bank::store`]), and returns a [`SimResult`]: overflow rate, peak
//! occupancy, utilization per size class and dwell statistics. The same
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
//! - **Arrivals.** The mean daily volume is
//!   `units × parcels_per_unit_per_month × 12 / 365`, scaled by the
//!   weekday's weight (relative to the week's mean) and split over the
//!   hours by the hour weights. Each hour's count is binomial with that
//!   mean (close to Poisson); arrival instants are uniform within the hour.
//!   Each parcel goes to a unit drawn uniformly, has a size profile drawn
//!   from the size mix, and a dwell time drawn from the dwell buckets
//!   (uniform within a bucket).
//! - **Allocation.** Exactly the core's rules: consolidation with the
//!   unit's occupied door, smallest fit, the reserve of the largest doors.
//!   A parcel that gets no door is overflow (it goes to the mail room).
//! - **Departures.** At its dwell time the resident collects the parcel —
//!   and everything else in the same door, as one code opens it. A parcel
//!   not collected by the dwell limit (`dwell_limit_h`, or
//!   `chilled_dwell_limit_h` for chilled parcels) is returned then.
//! - **Horizon.** The bank starts empty; statistics cover `days` days.
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
