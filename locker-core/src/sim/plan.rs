//! The capacity planner: how many doors of each class a building needs.
//!
//! # Algorithm
//!
//! 1. **Estimate.** Each parcel profile is assigned to the smallest class
//!    that takes it (the cheapest, when minimizing cost); by Little's law a class needs about
//!    `parcels per hour × mean stay (h)` doors for its parcels.
//! 2. **Scale.** Compositions `ceil(s × estimate)` are simulated for a
//!    factor `s` found by doubling or halving from 1 and then bisection,
//!    down to the smallest `s` that meets the overflow target.
//! 3. **Trim.** Greedy descent: from the scaled composition, try removing
//!    a step of doors from each class (a step starts at an eighth of the
//!    class and halves when no removal is possible), keep the removal
//!    that saves the most doors (or cost) while meeting the target, and
//!    repeat down to steps of one door.
//!
//! Every evaluation simulates the same building with the same seed
//! (common random numbers), so compositions are compared on the very same
//! parcels. The result is a good composition, not a proven optimum: the
//! overflow of a composition is not strictly monotone in its doors.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use super::SimError;
use super::building::Building;
use super::num::ceil_u32;
use super::{SimResult, simulate};
use crate::bank::{
    AllocationPolicy, BankConfig, CompartmentSpec, DEFAULT_CLEARANCE_MM, DoorPosition,
    MAX_COMPARTMENTS, default_bank,
};
use crate::geometry::{Dimensions, validate_weight_g};
use crate::ids::CompartmentId;
use crate::parcel::TemperatureZone;

/// Most classes a plan may consider.
const MAX_CLASSES: usize = 64;
/// Most simulations one plan may run.
const MAX_EVALUATIONS: u32 = 400;
/// Doors per column of a composed bank.
const DOORS_PER_COLUMN: u32 = 16;

/// A kind of door the planner may use.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub struct DoorClass {
    /// Its name (`A`, `B`, …), 1 to 32 bytes, unique among the classes.
    pub size_class: String,
    /// Inner size.
    pub inner: Dimensions,
    /// Shelf limit in grams.
    pub max_weight_g: u32,
    /// Temperature kept.
    #[cfg_attr(feature = "serde", serde(default))]
    pub zone: TemperatureZone,
    /// Price of one door, in any currency unit (1 by default).
    #[cfg_attr(feature = "serde", serde(default = "one"))]
    pub price: f64,
}

#[cfg(feature = "serde")]
const fn one() -> f64 {
    1.0
}

/// What the planner minimizes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[non_exhaustive]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub enum Objective {
    /// The number of doors.
    #[default]
    Doors,
    /// The sum of the door prices.
    Cost,
}

/// What to plan for.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(default, deny_unknown_fields))]
pub struct PlanRequest {
    /// The classes to choose from ([`default_classes`] by default).
    pub classes: Vec<DoorClass>,
    /// The highest acceptable overflow rate, 0 to 1 (0.02 by default).
    pub target_overflow_rate: f64,
    /// Fewest doors, or least cost.
    pub objective: Objective,
    /// The largest bank to consider (2,000 doors by default).
    pub max_doors: u32,
    /// Doors every class keeps at least (0 by default).
    pub min_doors_per_class: u32,
    /// The allocation policy of the planned bank.
    pub policy: AllocationPolicy,
    /// The clearance of the planned bank.
    pub clearance_mm: u32,
}

impl Default for PlanRequest {
    fn default() -> Self {
        Self {
            classes: default_classes(),
            target_overflow_rate: 0.02,
            objective: Objective::Doors,
            max_doors: 2_000,
            min_doors_per_class: 0,
            policy: AllocationPolicy::default(),
            clearance_mm: DEFAULT_CLEARANCE_MM,
        }
    }
}

/// How many doors of one class a plan uses.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub struct ClassCount {
    /// The class.
    pub size_class: String,
    /// Its doors.
    pub count: u32,
    /// Price of one door.
    pub price: f64,
}

/// The planner's answer.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub struct Plan {
    /// Doors per class, in the order of the request's classes.
    pub counts: Vec<ClassCount>,
    /// All doors.
    pub doors: u32,
    /// Sum of the door prices.
    pub cost: f64,
    /// The simulation of the chosen composition.
    pub result: SimResult,
    /// Simulations run.
    pub evaluations: u32,
    /// The chosen bank, ready to save as JSON.
    pub config: BankConfig,
}

/// The ambient size classes of [`default_bank`], in order, at price 1.
#[must_use]
pub fn default_classes() -> Vec<DoorClass> {
    let mut classes: Vec<DoorClass> = Vec::new();
    for spec in default_bank().compartments {
        if spec.zone == TemperatureZone::Ambient
            && !classes.iter().any(|c| c.size_class == spec.size_class)
        {
            classes.push(DoorClass {
                size_class: spec.size_class,
                inner: spec.inner,
                max_weight_g: spec.max_weight_g,
                zone: spec.zone,
                price: 1.0,
            });
        }
    }
    classes
}

/// A bank with `counts[i]` doors of `classes[i]`: ids from 1, labels
/// `D1`, `D2`, …, columns of 16 doors, and the first 5 % (at least one) of
/// each class marked accessible, so the bank is ADA compliant.
///
/// # Errors
///
/// [`SimError::InvalidField`] when the lengths differ, and
/// [`SimError::Config`] when the bank is invalid (no doors, a bad class).
pub fn compose_bank(
    classes: &[DoorClass],
    counts: &[u32],
    policy: AllocationPolicy,
    clearance_mm: u32,
) -> Result<BankConfig, SimError> {
    if classes.len() != counts.len() {
        return Err(SimError::field(
            "counts",
            format!("{} entries", counts.len()),
            "needs one count per class",
        ));
    }
    let mut compartments = Vec::new();
    let mut next = 0_u32;
    for (class, &count) in classes.iter().zip(counts) {
        let accessible = ceil_u32(f64::from(count) * 0.05).max(1);
        for n in 0..count {
            let column = u16::try_from(next / DOORS_PER_COLUMN).unwrap_or(u16::MAX);
            let row = u16::try_from(next % DOORS_PER_COLUMN).unwrap_or(0);
            next += 1;
            compartments.push(CompartmentSpec {
                id: CompartmentId(next),
                label: format!("D{next}"),
                size_class: class.size_class.clone(),
                inner: class.inner,
                max_weight_g: class.max_weight_g,
                zone: class.zone,
                accessible: n < accessible,
                position: DoorPosition { column, row },
                operable_height_mm: None,
            });
        }
    }
    let config = BankConfig {
        name: String::from("Planned bank"),
        clearance_mm,
        ada_compliant: true,
        policy,
        compartments,
    };
    config.validate()?;
    Ok(config)
}

impl PlanRequest {
    /// Checks every field.
    ///
    /// # Errors
    ///
    /// [`SimError::InvalidField`] naming the first bad field.
    pub fn validate(&self) -> Result<(), SimError> {
        if self.classes.is_empty() || self.classes.len() > MAX_CLASSES {
            return Err(SimError::field(
                "classes",
                format!("{} entries", self.classes.len()),
                "must have 1 to 64 classes",
            ));
        }
        for (index, class) in self.classes.iter().enumerate() {
            if class.size_class.is_empty() || class.size_class.len() > 32 {
                return Err(SimError::field(
                    format!("classes[{index}].size_class"),
                    format!("{:?}", class.size_class),
                    "must be 1 to 32 bytes",
                ));
            }
            if self.classes[..index]
                .iter()
                .any(|c| c.size_class == class.size_class)
            {
                return Err(SimError::field(
                    format!("classes[{index}].size_class"),
                    format!("{:?}", class.size_class),
                    "must be unique",
                ));
            }
            if let Err(error) = class.inner.validate() {
                return Err(SimError::field(
                    format!("classes[{index}].inner"),
                    error,
                    "must be a real size",
                ));
            }
            if let Err(error) = validate_weight_g(class.max_weight_g) {
                return Err(SimError::field(
                    format!("classes[{index}].max_weight_g"),
                    error,
                    "must be a real weight",
                ));
            }
            if !(class.price.is_finite() && class.price >= 0.0) {
                return Err(SimError::field(
                    format!("classes[{index}].price"),
                    class.price,
                    "must be a finite number, 0 or more",
                ));
            }
        }
        let target = self.target_overflow_rate;
        if !(target.is_finite() && (0.0..=1.0).contains(&target)) {
            return Err(SimError::field(
                "target_overflow_rate",
                target,
                "must be 0 to 1",
            ));
        }
        let max = u32::try_from(MAX_COMPARTMENTS).unwrap_or(u32::MAX);
        if !(1..=max).contains(&self.max_doors) {
            return Err(SimError::field(
                "max_doors",
                self.max_doors,
                "must be 1 to 100000",
            ));
        }
        let classes = u32::try_from(self.classes.len()).unwrap_or(u32::MAX);
        if self.min_doors_per_class.saturating_mul(classes) > self.max_doors {
            return Err(SimError::field(
                "min_doors_per_class",
                self.min_doors_per_class,
                "times the number of classes must not exceed max_doors",
            ));
        }
        Ok(())
    }
}

/// Searches compositions of `request.classes` for the fewest doors (or
/// least cost) that keep the overflow rate of `building` at or under the
/// target. See the [`sim`](crate::sim) module documentation for the algorithm.
///
/// ```
/// use locker_core::sim::{Building, PlanRequest, plan};
///
/// let building = Building { units: 60, days: 28, ..Building::default() };
/// let request = PlanRequest { target_overflow_rate: 0.05, ..PlanRequest::default() };
/// let plan = plan(&building, &request)?;
/// assert!(plan.result.full_overflow_rate() <= 0.05);
/// assert_eq!(plan.doors, plan.counts.iter().map(|c| c.count).sum::<u32>());
/// # Ok::<(), locker_core::sim::SimError>(())
/// ```
///
/// # Errors
///
/// [`SimError::InvalidField`] or [`SimError::InvalidParcel`] for a bad
/// building or request, and [`SimError::Infeasible`] when even
/// `max_doors` doors overflow too much.
pub fn plan(building: &Building, request: &PlanRequest) -> Result<Plan, SimError> {
    building.validate()?;
    request.validate()?;
    Search::new(building, request).run()
}

struct Search<'a> {
    building: &'a Building,
    request: &'a PlanRequest,
    demand: Vec<f64>,
    evaluations: u32,
    best: Option<(Vec<u32>, SimResult)>,
    lowest: (f64, u32),
}

impl<'a> Search<'a> {
    fn new(building: &'a Building, request: &'a PlanRequest) -> Self {
        Self {
            demand: estimate(building, request),
            building,
            request,
            evaluations: 0,
            best: None,
            lowest: (f64::INFINITY, 0),
        }
    }

    fn counts_for(&self, scale: f64) -> Vec<u32> {
        self.demand
            .iter()
            .map(|&d| {
                let min = self.request.min_doors_per_class;
                if d > 0.0 {
                    ceil_u32(scale * d).max(min)
                } else {
                    min
                }
            })
            .collect()
    }

    /// What the objective charges for `count` doors of class `index`.
    fn weight(&self, index: usize) -> f64 {
        match self.request.objective {
            Objective::Doors => 1.0,
            Objective::Cost => self.request.classes.get(index).map_or(1.0, |c| c.price),
        }
    }

    fn objective(&self, counts: &[u32]) -> f64 {
        counts
            .iter()
            .enumerate()
            .map(|(i, &n)| f64::from(n) * self.weight(i))
            .sum()
    }

    /// Simulates a composition; `Some(rate)` when it is within the door
    /// limit. Remembers the best feasible composition.
    fn evaluate(&mut self, counts: &[u32]) -> Result<Option<f64>, SimError> {
        let doors: u32 = counts.iter().sum();
        if doors == 0 {
            return Ok(Some(1.0));
        }
        if doors > self.request.max_doors {
            return Ok(None);
        }
        let config = compose_bank(
            &self.request.classes,
            counts,
            self.request.policy,
            self.request.clearance_mm,
        )?;
        let result = simulate(self.building, &config)?;
        self.evaluations += 1;
        let rate = result.full_overflow_rate();
        if rate < self.lowest.0 {
            self.lowest = (rate, doors);
        }
        if rate <= self.request.target_overflow_rate {
            let better = self.best.as_ref().is_none_or(|(best, best_result)| {
                let (new, old) = (self.objective(counts), self.objective(best));
                new < old || (new <= old && rate < best_result.full_overflow_rate())
            });
            if better {
                self.best = Some((counts.to_vec(), result));
            }
        }
        Ok(Some(rate))
    }

    fn feasible(&mut self, counts: &[u32]) -> Result<Option<bool>, SimError> {
        let target = self.request.target_overflow_rate;
        Ok(self.evaluate(counts)?.map(|rate| rate <= target))
    }

    fn run(mut self) -> Result<Plan, SimError> {
        if self.demand.iter().all(|&d| d <= 0.0) {
            // No class takes any parcel: simulate one door of each anyway,
            // so the answer says why.
            self.demand = alloc::vec![1.0; self.demand.len()];
        }
        self.scale()?;
        self.trim()?;
        let Some((counts, result)) = self.best.take() else {
            return Err(self.infeasible());
        };
        let classes = &self.request.classes;
        let config = compose_bank(
            classes,
            &counts,
            self.request.policy,
            self.request.clearance_mm,
        )?;
        Ok(Plan {
            counts: classes
                .iter()
                .zip(&counts)
                .map(|(class, &count)| ClassCount {
                    size_class: class.size_class.clone(),
                    count,
                    price: class.price,
                })
                .collect(),
            doors: counts.iter().sum(),
            cost: classes
                .iter()
                .zip(&counts)
                .map(|(class, &count)| class.price * f64::from(count))
                .sum(),
            result,
            evaluations: self.evaluations,
            config,
        })
    }

    fn infeasible(&self) -> SimError {
        SimError::Infeasible {
            target_overflow_rate: self.request.target_overflow_rate,
            max_doors: self.request.max_doors,
            best_overflow_rate: self.lowest.0.min(1.0),
            best_doors: self.lowest.1,
        }
    }

    /// Phase 2: the smallest feasible scale of the estimate.
    fn scale(&mut self) -> Result<(), SimError> {
        let mut scale = 1.0;
        let (mut low, mut high);
        match self.feasible(&self.counts_for(scale))? {
            Some(true) => {
                high = scale;
                loop {
                    scale /= 2.0;
                    if scale < 1.0 / 64.0 {
                        low = 0.0;
                        break;
                    }
                    if self.feasible(&self.counts_for(scale))? == Some(true) {
                        high = scale;
                    } else {
                        low = scale;
                        break;
                    }
                }
            }
            _ => {
                low = scale;
                loop {
                    scale *= 2.0;
                    match self.feasible(&self.counts_for(scale))? {
                        Some(true) => {
                            high = scale;
                            break;
                        }
                        Some(false) => low = scale,
                        None => {
                            // Beyond the door limit: try the limit itself.
                            high = scale;
                            break;
                        }
                    }
                }
            }
        }
        for _ in 0..6 {
            let middle = f64::midpoint(low, high);
            if self.feasible(&self.counts_for(middle))? == Some(true) {
                high = middle;
            } else {
                low = middle;
            }
        }
        Ok(())
    }

    /// Phase 3: greedy removal from the best composition.
    fn trim(&mut self) -> Result<(), SimError> {
        let Some((mut counts, _)) = self.best.clone() else {
            return Ok(());
        };
        let min = self.request.min_doors_per_class;
        let mut steps: Vec<u32> = counts.iter().map(|&n| (n / 8).max(1)).collect();
        while self.evaluations < MAX_EVALUATIONS {
            let mut chosen: Option<(usize, f64, f64)> = None;
            for index in 0..counts.len() {
                let (count, step) = (counts[index], steps[index]);
                if count == 0 || count < step.saturating_add(min) {
                    continue;
                }
                let mut trial = counts.clone();
                trial[index] = count - step;
                let Some(rate) = self.evaluate(&trial)? else {
                    continue;
                };
                if rate > self.request.target_overflow_rate {
                    continue;
                }
                let saving = f64::from(step) * self.weight(index);
                let better = chosen.is_none_or(|(_, best_saving, best_rate)| {
                    saving > best_saving || (saving >= best_saving && rate < best_rate)
                });
                if better {
                    chosen = Some((index, saving, rate));
                }
            }
            match chosen {
                Some((index, _, _)) => counts[index] -= steps[index],
                None if steps.iter().all(|&s| s == 1) => break,
                None => steps.iter_mut().for_each(|s| *s = (*s / 2).max(1)),
            }
        }
        Ok(())
    }
}

/// Doors each class needs by Little's law, for the parcels whose smallest
/// fitting class it is (for [`Objective::Cost`]: the cheapest fitting
/// class, then the smallest).
fn estimate(building: &Building, request: &PlanRequest) -> Vec<f64> {
    let mut demand = alloc::vec![0.0; request.classes.len()];
    let total: u64 = building.size_mix.iter().map(|p| u64::from(p.share)).sum();
    if total == 0 {
        return demand;
    }
    let per_hour = building.mean_parcels_per_day() / 24.0;
    let stay_h = building.mean_stay_h();
    for profile in &building.size_mix {
        let parcel = profile.parcel(crate::ids::ParcelId(0));
        let smallest = request
            .classes
            .iter()
            .enumerate()
            .filter(|(_, class)| {
                class.zone == parcel.zone
                    && class.max_weight_g >= parcel.weight_g
                    && class
                        .inner
                        .shrink(request.clearance_mm)
                        .is_some_and(|usable| {
                            parcel
                                .size
                                .orientation_within(usable, parcel.this_side_up)
                                .is_some()
                        })
            })
            .min_by(|(_, a), (_, b)| {
                let by_price = match request.objective {
                    Objective::Cost => a.price.total_cmp(&b.price),
                    Objective::Doors => core::cmp::Ordering::Equal,
                };
                by_price.then(a.inner.volume_mm3().cmp(&b.inner.volume_mm3()))
            });
        if let Some((index, _)) = smallest
            && let Some(slot) = demand.get_mut(index)
        {
            *slot += per_hour * stay_h * f64::from(profile.share) / super::num::to_f64(total);
        }
    }
    demand
}
