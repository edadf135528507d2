//! The capacity planner: how many doors of each class a building needs.
//! The algorithm, the percentile and why plans are monotone in the target
//! are documented on [`plan`].

use alloc::collections::BTreeMap;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use core::ops::ControlFlow;

use super::SimError;
use super::building::Building;
use super::num::{ceil_u32, sqrt};
use super::seeds;
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
/// Most seeds (simulated years) per composition.
const MAX_SEEDS: u32 = 1_000;
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
    /// The classes to choose from ([`default_classes`] and
    /// [`default_chilled_classes`] by default).
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
    /// Simulated years per composition, 1 to 1,000 (10 by default): the
    /// building with seeds `building.seed`, `building.seed + 1`, ….
    pub seeds: u32,
    /// Which of those years must meet the target, as a percentile of
    /// their overflow rates, more than 0 and at most 100 (90 by default:
    /// nearest rank, so with 10 seeds the second-worst year). See the
    /// [planner documentation](plan#seeds-and-the-percentile).
    pub percentile: f64,
}

impl Default for PlanRequest {
    fn default() -> Self {
        Self {
            classes: [default_classes(), default_chilled_classes()].concat(),
            target_overflow_rate: 0.02,
            objective: Objective::Doors,
            max_doors: 2_000,
            min_doors_per_class: 0,
            policy: AllocationPolicy::default(),
            clearance_mm: DEFAULT_CLEARANCE_MM,
            seeds: 10,
            percentile: 90.0,
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
    /// The overflow rate more doors would cure
    /// ([`SimResult::full_overflow_rate`]: parcels no door class fits are
    /// left out) at the request's percentile of the seeds: what was
    /// compared with the target (at or under it).
    pub overflow_rate: f64,
    /// That overflow rate of each simulated year, in seed order
    /// (`building.seed`, `building.seed + 1`, …).
    pub seed_overflow_rates: Vec<f64>,
    /// The seed of the year at the percentile (`result`'s).
    pub result_seed: u64,
    /// The simulation of the chosen composition in the year at the
    /// percentile.
    pub result: SimResult,
    /// Simulations run (compositions tried × seeds, and one more for
    /// `result`).
    pub evaluations: u32,
    /// The chosen bank, ready to save as JSON.
    pub config: BankConfig,
}

/// How far a plan or a coverage curve has come, for a progress bar.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub struct Progress {
    /// Simulations finished so far.
    pub simulations: u32,
    /// An estimate of all the simulations the call will run (never below
    /// `simulations`; it may grow or shrink as the search learns).
    pub estimated_total: u32,
    /// Doors of the composition being simulated.
    pub doors: u32,
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

/// The chilled size classes of [`default_bank`] (B and C), named
/// `B chilled` and `C chilled`, at price 1. [`PlanRequest::default`] plans
/// them beside [`default_classes`], so a building with chilled parcels
/// gets chilled doors (a class no parcel needs gets no doors).
///
/// ```
/// use locker_core::sim::{PlanRequest, default_chilled_classes};
/// use locker_core::TemperatureZone;
///
/// let chilled = default_chilled_classes();
/// assert!(chilled.iter().all(|c| c.zone == TemperatureZone::Chilled));
/// assert!(PlanRequest::default().classes.ends_with(&chilled));
/// ```
#[must_use]
pub fn default_chilled_classes() -> Vec<DoorClass> {
    let mut classes: Vec<DoorClass> = Vec::new();
    for spec in default_bank().compartments {
        let name = format!("{} chilled", spec.size_class);
        if spec.zone == TemperatureZone::Chilled && !classes.iter().any(|c| c.size_class == name) {
            classes.push(DoorClass {
                size_class: name,
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
        if !(1..=MAX_SEEDS).contains(&self.seeds) {
            return Err(SimError::field("seeds", self.seeds, "must be 1 to 1000"));
        }
        let percentile = self.percentile;
        if !(percentile.is_finite() && percentile > 0.0 && percentile <= 100.0) {
            return Err(SimError::field(
                "percentile",
                percentile,
                "must be more than 0 and at most 100",
            ));
        }
        Ok(())
    }
}

/// Searches compositions of `request.classes` for the fewest doors (or
/// least cost) that keep the overflow rate of `building`, in the
/// request's percentile of `seeds` simulated years, at or under the
/// target.
///
/// ```
/// use locker_core::sim::{Building, PlanRequest, plan};
///
/// let building = Building { units: 60, days: 28, ..Building::default() };
/// let request = PlanRequest { target_overflow_rate: 0.05, seeds: 4, ..PlanRequest::default() };
/// let plan = plan(&building, &request)?;
/// assert!(plan.overflow_rate <= 0.05);
/// assert_eq!(plan.seed_overflow_rates.len(), 4);
/// assert_eq!(plan.doors, plan.counts.iter().map(|c| c.count).sum::<u32>());
/// # Ok::<(), locker_core::sim::SimError>(())
/// ```
///
/// # Seeds and the percentile
///
/// One simulated year is one draw: two seeds of the same building can ask
/// for a few doors more or less. So every composition is simulated on
/// `seeds` years — the building with seeds `building.seed`,
/// `building.seed + 1`, … (wrapping), the same seeds for every composition
/// (common random numbers) — and it **meets the target** when the overflow
/// rate at the request's `percentile` of those years is at or under the
/// target. The percentile is the *nearest rank*: the overflow rates sorted
/// from lowest to highest, the `⌈percentile × seeds / 100⌉`-th of them (at
/// least the first). With 10 seeds the 90th percentile is the 9th lowest
/// rate (one year in ten may overflow more); with 9 seeds or fewer it is
/// the highest (every simulated year meets the target).
///
/// # Algorithm: one chain of compositions, searched by yes/no questions
///
/// 1. **Estimate.** Each parcel profile is assigned to the smallest class
///    that takes it (the cheapest, when minimizing cost); by Little's law a
///    class needs about `d = parcels per hour × mean stay (h)` doors for its
///    parcels.
/// 2. **Chain.** From every class at `min_doors_per_class`, doors are added
///    one at a time up to `max_doors`, each to the class whose next door
///    has the lowest square-root-staffing key `(k − 1 − d) / √d` (its
///    `k`-th door; ties to the earlier class). Composition `n` of the chain
///    has `n` doors and contains composition `n − 1`. Square-root staffing
///    (`d + z·√d` doors for a common `z`) is the classic rule for pools of
///    servers with Poisson arrivals: a common `z` gives every class about
///    the same benefit from its next door, so a chain of it is near the
///    cheapest way to grow a bank. The chain depends on the building and
///    the request's classes, bounds and objective, never on the target.
/// 3. **Search.** From the chain position of `z = 0` the search gallops
///    down or up (steps of an eighth of it, doubling; up to `max_doors`
///    itself, which is always tried before giving up) and then bisects
///    down to two neighbours: composition `n` meets the target and `n − 1`
///    does not (or `n` is the first of the chain). The answer is `n`.
///
/// **Why the answer is monotone.** Every step of the search is decided by
/// one question, "does composition `m` meet the target?", and an answer
/// "yes" bounds the result to at most `m` doors, "no" to more than `m`.
/// For two targets `t₁ < t₂` the searches ask the same questions until the
/// first `m` where the answers differ; there `m` meets `t₂` but not `t₁`,
/// so the plan for `t₂` has at most `m` doors and the plan for `t₁` more.
/// So a lower target never gets fewer doors, even where overflow is not
/// monotone along the chain (adding a door can change which parcels share
/// a door). The same argument holds for the percentile (a higher
/// percentile never gets fewer doors) and for the coverage curve. The
/// price: the plan is the best composition *of the chain*, not a proven
/// optimum over all compositions; an earlier planner trimmed classes
/// greedily and lost monotonicity doing so.
///
/// Every plan meets its target at the percentile (its composition was
/// simulated on every seed), and its `result` is the simulated year at the
/// percentile.
///
/// # Errors
///
/// [`SimError::InvalidField`] or [`SimError::InvalidParcel`] for a bad
/// building or request, and [`SimError::Infeasible`] when even
/// `max_doors` doors overflow too much.
pub fn plan(building: &Building, request: &PlanRequest) -> Result<Plan, SimError> {
    plan_with(building, request, &mut |_| ControlFlow::Continue(()))
}

/// [`plan`], telling `progress` after every simulated year how far it has
/// come; when `progress` returns [`ControlFlow::Break`] the plan stops
/// (after the simulations under way) with [`SimError::Cancelled`].
///
/// With the `std` feature a composition's seeds run on all cores
/// (`std::thread::available_parallelism`); the answer does not depend on
/// the number of threads. `progress` is called on the calling thread.
///
/// ```
/// use core::ops::ControlFlow;
/// use locker_core::sim::{Building, PlanRequest, SimError, plan_with};
///
/// let building = Building { units: 60, days: 14, ..Building::default() };
/// let request = PlanRequest { seeds: 3, ..PlanRequest::default() };
/// let mut calls = 0;
/// let stopped = plan_with(&building, &request, &mut |progress| {
///     calls += 1;
///     assert!(progress.simulations <= progress.estimated_total);
///     if calls == 2 { ControlFlow::Break(()) } else { ControlFlow::Continue(()) }
/// });
/// assert_eq!(stopped, Err(SimError::Cancelled));
/// ```
///
/// # Errors
///
/// As [`plan`], and [`SimError::Cancelled`] when `progress` stops it.
pub fn plan_with(
    building: &Building,
    request: &PlanRequest,
    progress: &mut dyn FnMut(Progress) -> ControlFlow<()>,
) -> Result<Plan, SimError> {
    building.validate()?;
    request.validate()?;
    let mut search = Search::new(building, request, progress);
    let target = request.target_overflow_rate;
    match search.search(target, request.percentile)? {
        Some(doors) => search.plan_at(doors),
        None => Err(search.infeasible(target)),
    }
}

/// The nearest-rank percentile of `rates` (any order): the
/// `⌈percentile × n / 100⌉`-th lowest, at least the lowest; with its index
/// in `rates` (the earliest of equal rates). `None` when `rates` is empty.
pub(crate) fn nearest_rank(rates: &[f64], percentile: f64) -> Option<(usize, f64)> {
    let n = rates.len();
    let count = u32::try_from(n).ok().filter(|&c| c > 0)?;
    let mut order: Vec<usize> = (0..n).collect();
    crate::collections::sort::by(&mut order, |&a, &b| {
        let (x, y) = (rates.get(a), rates.get(b));
        x.zip(y)
            .map_or(core::cmp::Ordering::Equal, |(x, y)| x.total_cmp(y))
            .then(a.cmp(&b))
    });
    // `percentile × n` is exact for whole percentiles, so the rank of the
    // 90th percentile of 10 seeds is exactly 9.
    let rank = ceil_u32(percentile * f64::from(count) / 100.0).clamp(1, count);
    let index = *order.get(usize::try_from(rank - 1).ok()?)?;
    Some((index, *rates.get(index)?))
}

/// The chain of compositions and the search along it; remembers every
/// composition's overflow rates per seed, so searches for other targets
/// or percentiles (the coverage curve) reuse them.
pub(crate) struct Search<'a, 'p> {
    building: &'a Building,
    request: &'a PlanRequest,
    progress: &'p mut dyn FnMut(Progress) -> ControlFlow<()>,
    /// Doors every class starts with.
    base: Vec<u32>,
    /// The class of each door added after `base`, in chain order.
    order: Vec<u8>,
    /// Chain position of `z = 0`, where the search starts.
    start: u32,
    /// Overflow rates per seed of each chain position simulated.
    rates: BTreeMap<u32, Vec<f64>>,
    /// Simulations run.
    pub(crate) simulations: u32,
    /// Compositions the current search still expects to simulate.
    remaining: u32,
    /// Searches still to come after this one (the coverage curve's).
    pub(crate) remaining_searches: u32,
}

impl<'a, 'p> Search<'a, 'p> {
    pub(crate) fn new(
        building: &'a Building,
        request: &'a PlanRequest,
        progress: &'p mut dyn FnMut(Progress) -> ControlFlow<()>,
    ) -> Self {
        let mut demand = estimate(building, request);
        if demand.iter().all(|&d| d <= 0.0) {
            // No class takes any parcel: grow every class anyway, so the
            // answer says why.
            demand = alloc::vec![1.0; demand.len()];
        }
        let base = alloc::vec![request.min_doors_per_class; request.classes.len()];
        let base_total: u32 = base.iter().sum();
        let mut counts = base.clone();
        let mut order = Vec::new();
        let mut start = base_total;
        let steps = request.max_doors.saturating_sub(base_total);
        for _ in 0..steps {
            // The class whose next door has the lowest key (the earliest
            // on ties); classes no parcel needs never grow.
            let mut best: Option<(usize, f64)> = None;
            for (index, (&d, &count)) in demand.iter().zip(&counts).enumerate() {
                if d <= 0.0 {
                    continue;
                }
                let key = (f64::from(count) - d) / sqrt(d);
                if best.is_none_or(|(_, best_key)| key < best_key) {
                    best = Some((index, key));
                }
            }
            let Some((index, key)) = best else { break };
            if let Some(count) = counts.get_mut(index) {
                *count += 1;
            }
            order.push(u8::try_from(index).unwrap_or(u8::MAX));
            if key <= 0.0 {
                start += 1;
            }
        }
        Self {
            building,
            request,
            progress,
            base,
            order,
            start,
            rates: BTreeMap::new(),
            simulations: 0,
            remaining: 0,
            remaining_searches: 0,
        }
    }

    /// The first chain position with a door.
    fn first(&self) -> u32 {
        self.base.iter().sum::<u32>().max(1)
    }

    /// The last chain position (at most `max_doors`).
    fn last(&self) -> u32 {
        let added = u32::try_from(self.order.len()).unwrap_or(u32::MAX);
        self.base.iter().sum::<u32>().saturating_add(added)
    }

    /// The composition at chain position `doors`.
    pub(crate) fn counts_at(&self, doors: u32) -> Vec<u32> {
        let mut counts = self.base.clone();
        let added = doors.saturating_sub(self.base.iter().sum());
        let added = usize::try_from(added).unwrap_or(usize::MAX);
        for &index in self.order.iter().take(added) {
            if let Some(count) = counts.get_mut(usize::from(index)) {
                *count += 1;
            }
        }
        counts
    }

    /// The overflow rate per seed of chain position `doors`, simulated
    /// once.
    pub(crate) fn rates(&mut self, doors: u32) -> Result<Vec<f64>, SimError> {
        if let Some(rates) = self.rates.get(&doors) {
            return Ok(rates.clone());
        }
        let config = self.config_at(doors)?;
        let seeds = self.request.seeds;
        // Simulations expected after this composition: the rest of this
        // search, two compositions for each search to come, and `result`.
        let remaining = self.remaining.saturating_sub(1);
        let later = remaining
            .saturating_add(self.remaining_searches.saturating_mul(2))
            .saturating_mul(seeds)
            .saturating_add(1);
        let first = self.simulations;
        let mut done = first;
        let progress = &mut *self.progress;
        let rates = seeds::overflow_rates(self.building, &config, seeds, &mut || {
            done = done.saturating_add(1);
            progress(Progress {
                simulations: done,
                estimated_total: first.saturating_add(seeds).saturating_add(later),
                doors,
            })
        })?;
        self.simulations = self.simulations.saturating_add(seeds);
        self.remaining = remaining;
        self.rates.insert(doors, rates.clone());
        Ok(rates)
    }

    fn config_at(&self, doors: u32) -> Result<BankConfig, SimError> {
        compose_bank(
            &self.request.classes,
            &self.counts_at(doors),
            self.request.policy,
            self.request.clearance_mm,
        )
    }

    /// Whether chain position `doors` meets `target` at `percentile`.
    fn meets(&mut self, doors: u32, target: f64, percentile: f64) -> Result<bool, SimError> {
        let rates = self.rates(doors)?;
        Ok(nearest_rank(&rates, percentile).is_some_and(|(_, rate)| rate <= target))
    }

    /// The fewest doors of the chain that meet `target` at `percentile`,
    /// or `None` when `max_doors` does not. Every branch is one question
    /// "does `m` meet it?": see [`plan`] for why that makes the answer
    /// monotone.
    pub(crate) fn search(&mut self, target: f64, percentile: f64) -> Result<Option<u32>, SimError> {
        let (first, last) = (self.first(), self.last());
        if last < first {
            return Ok(None);
        }
        let start = self.start.clamp(first, last);
        let mut step = (start / 8).max(1);
        self.remaining = log2_ceil(step) + 3;
        // `low` fails (or is below the chain), `high` meets the target.
        let (mut low, mut high);
        if self.meets(start, target, percentile)? {
            high = start;
            loop {
                let m = high.saturating_sub(step).max(first);
                if m == high {
                    low = first - 1;
                    break;
                }
                if self.meets(m, target, percentile)? {
                    high = m;
                    step = step.saturating_mul(2);
                } else {
                    low = m;
                    break;
                }
            }
        } else {
            low = start;
            loop {
                if low >= last {
                    return Ok(None);
                }
                let m = low.saturating_add(step).min(last);
                if self.meets(m, target, percentile)? {
                    high = m;
                    break;
                }
                low = m;
                step = step.saturating_mul(2);
            }
        }
        while high - low > 1 {
            self.remaining = log2_ceil(high - low);
            let middle = low + (high - low) / 2;
            if self.meets(middle, target, percentile)? {
                high = middle;
            } else {
                low = middle;
            }
        }
        self.remaining = 0;
        Ok(Some(high))
    }

    /// The plan at chain position `doors` (already simulated): the year at
    /// the percentile simulated once more for its full result.
    pub(crate) fn plan_at(&mut self, doors: u32) -> Result<Plan, SimError> {
        let rates = self.rates(doors)?;
        let (index, overflow_rate) =
            nearest_rank(&rates, self.request.percentile).unwrap_or((0, 1.0));
        let seed = self
            .building
            .seed
            .wrapping_add(u64::try_from(index).unwrap_or(0));
        let config = self.config_at(doors)?;
        let year = Building {
            seed,
            ..self.building.clone()
        };
        let result = simulate(&year, &config)?;
        self.simulations = self.simulations.saturating_add(1);
        let progress = Progress {
            simulations: self.simulations,
            estimated_total: self.simulations,
            doors,
        };
        if (self.progress)(progress).is_break() {
            return Err(SimError::Cancelled);
        }
        let classes = &self.request.classes;
        let counts = self.counts_at(doors);
        Ok(Plan {
            counts: class_counts(classes, &counts),
            doors: counts.iter().sum(),
            cost: classes
                .iter()
                .zip(&counts)
                .map(|(class, &count)| class.price * f64::from(count))
                .sum(),
            overflow_rate,
            seed_overflow_rates: rates,
            result_seed: seed,
            result,
            evaluations: self.simulations,
            config,
        })
    }

    /// The error for a target `max_doors` cannot meet, with what the
    /// largest composition reached.
    pub(crate) fn infeasible(&self, target: f64) -> SimError {
        let last = self.last();
        let best = self
            .rates
            .get(&last)
            .and_then(|rates| nearest_rank(rates, self.request.percentile))
            .map_or(1.0, |(_, rate)| rate);
        SimError::Infeasible {
            target_overflow_rate: target,
            max_doors: self.request.max_doors,
            best_overflow_rate: best,
            best_doors: last,
        }
    }
}

/// `counts` as [`ClassCount`]s of `classes`.
pub(crate) fn class_counts(classes: &[DoorClass], counts: &[u32]) -> Vec<ClassCount> {
    classes
        .iter()
        .zip(counts)
        .map(|(class, &count)| ClassCount {
            size_class: class.size_class.clone(),
            count,
            price: class.price,
        })
        .collect()
}

/// `⌈log₂ n⌉` (0 for 0 and 1).
const fn log2_ceil(n: u32) -> u32 {
    if n <= 1 {
        0
    } else {
        u32::BITS - (n - 1).leading_zeros()
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
