//! The coverage curve: the doors a building needs for several coverages,
//! with a band across simulated years.

use alloc::vec::Vec;
use core::ops::ControlFlow;

use super::SimError;
use super::building::Building;
use super::plan::{ClassCount, PlanRequest, Progress, Search, class_counts, nearest_rank};

/// Most coverages one curve may have.
const MAX_COVERAGES: usize = 101;

/// The percentiles of the band: a good year, a median year, a bad year.
const BAND: [f64; 3] = [10.0, 50.0, 90.0];

/// One coverage of a [`CoverageCurve`].
///
/// Coverage is the share of parcels that get a door: `1 − overflow rate`.
/// `doors` is the plan's answer (the request's `percentile` of the years
/// meets the coverage); `doors_p10`, `doors_p50` and `doors_p90` are the
/// doors that meet it in 10 %, 50 % and 90 % of the simulated years (so
/// `doors_p90` is what [`plan`](super::plan) answers at its default
/// percentile); and `overflow_p10` … `overflow_p90` say how the years
/// spread at `doors`. Doors are `None` where even `max_doors` doors do not
/// meet the coverage.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub struct CurvePoint {
    /// The share of parcels that must get a door, 0 to 1.
    pub coverage: f64,
    /// `1 − coverage`: the overflow rate planned for.
    pub target_overflow_rate: f64,
    /// Doors that meet the coverage at the request's percentile of years.
    pub doors: Option<u32>,
    /// Doors per class of that bank (empty when `doors` is `None`).
    pub counts: Vec<ClassCount>,
    /// Doors that meet the coverage in 10 % of the years.
    pub doors_p10: Option<u32>,
    /// Doors that meet the coverage in half of the years.
    pub doors_p50: Option<u32>,
    /// Doors that meet the coverage in 90 % of the years.
    pub doors_p90: Option<u32>,
    /// Overflow rate at `doors` in a good year (10th percentile of years).
    pub overflow_p10: Option<f64>,
    /// Overflow rate at `doors` in a median year.
    pub overflow_p50: Option<f64>,
    /// Overflow rate at `doors` in a bad year (90th percentile of years).
    pub overflow_p90: Option<f64>,
}

/// Doors against coverage, for a building: what [`coverage_curve`]
/// returns.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub struct CoverageCurve {
    /// Simulated years per composition.
    pub seeds: u32,
    /// The percentile of years `doors` is planned for.
    pub percentile: f64,
    /// One point per coverage asked for, in the order asked.
    pub points: Vec<CurvePoint>,
    /// Simulations run.
    pub evaluations: u32,
}

/// The doors `building` needs for each of `coverages` (shares of parcels
/// that get a door, 0 to 1), with the request's classes, bounds and seeds
/// (its `target_overflow_rate` is not used). All points come from the
/// same chain of compositions as [`plan`](super::plan) and share its
/// simulations, so the curve is monotone: more coverage never needs fewer
/// doors, and a higher percentile of years never needs fewer doors.
///
/// ```
/// use locker_core::sim::{Building, PlanRequest, coverage_curve};
///
/// let building = Building { units: 60, days: 21, ..Building::default() };
/// let request = PlanRequest { seeds: 4, ..PlanRequest::default() };
/// let curve = coverage_curve(&building, &request, &[0.9, 0.99])?;
/// let (low, high) = (&curve.points[0], &curve.points[1]);
/// assert!(low.doors <= high.doors);
/// assert!(high.doors_p10 <= high.doors_p50 && high.doors_p50 <= high.doors_p90);
/// # Ok::<(), locker_core::sim::SimError>(())
/// ```
///
/// # Errors
///
/// [`SimError::InvalidField`] or [`SimError::InvalidParcel`] for a bad
/// building, request or coverage (`coverages[2]`, …).
pub fn coverage_curve(
    building: &Building,
    request: &PlanRequest,
    coverages: &[f64],
) -> Result<CoverageCurve, SimError> {
    coverage_curve_with(building, request, coverages, &mut |_| {
        ControlFlow::Continue(())
    })
}

/// [`coverage_curve`] with a progress callback, as
/// [`plan_with`](super::plan_with).
///
/// ```
/// use core::ops::ControlFlow;
/// use locker_core::sim::{Building, PlanRequest, coverage_curve_with};
///
/// let building = Building { units: 40, days: 14, ..Building::default() };
/// let request = PlanRequest { seeds: 2, ..PlanRequest::default() };
/// let mut last = 0;
/// let curve = coverage_curve_with(&building, &request, &[0.95], &mut |p| {
///     last = p.simulations;
///     ControlFlow::Continue(())
/// })?;
/// assert_eq!(last, curve.evaluations);
/// # Ok::<(), locker_core::sim::SimError>(())
/// ```
///
/// # Errors
///
/// As [`coverage_curve`], and [`SimError::Cancelled`] when `progress`
/// stops it.
pub fn coverage_curve_with(
    building: &Building,
    request: &PlanRequest,
    coverages: &[f64],
    progress: &mut dyn FnMut(Progress) -> ControlFlow<()>,
) -> Result<CoverageCurve, SimError> {
    building.validate()?;
    request.validate()?;
    if coverages.is_empty() || coverages.len() > MAX_COVERAGES {
        return Err(SimError::field(
            "coverages",
            alloc::format!("{} entries", coverages.len()),
            "must have 1 to 101 coverages",
        ));
    }
    for (index, &coverage) in coverages.iter().enumerate() {
        if !(coverage.is_finite() && (0.0..=1.0).contains(&coverage)) {
            return Err(SimError::field(
                alloc::format!("coverages[{index}]"),
                coverage,
                "must be 0 to 1",
            ));
        }
    }
    let mut search = Search::new(building, request, progress);
    let searches =
        u32::try_from(coverages.len().saturating_mul(BAND.len() + 1)).unwrap_or(u32::MAX);
    let mut points = Vec::with_capacity(coverages.len());
    let mut done = 0_u32;
    for &coverage in coverages {
        let target = 1.0 - coverage;
        let mut find = |search: &mut Search<'_, '_>, percentile: f64| {
            done += 1;
            search.remaining_searches = searches.saturating_sub(done);
            search.search(target, percentile)
        };
        let doors = find(&mut search, request.percentile)?;
        let [p10, p50, p90] = BAND;
        let doors_p10 = find(&mut search, p10)?;
        let doors_p50 = find(&mut search, p50)?;
        let doors_p90 = find(&mut search, p90)?;
        let (counts, band) = match doors {
            Some(doors) => {
                let rates = search.rates(doors)?;
                let at = |p: f64| nearest_rank(&rates, p).map(|(_, rate)| rate);
                (
                    class_counts(&request.classes, &search.counts_at(doors)),
                    [at(p10), at(p50), at(p90)],
                )
            }
            None => (Vec::new(), [None; 3]),
        };
        let [overflow_p10, overflow_p50, overflow_p90] = band;
        points.push(CurvePoint {
            coverage,
            target_overflow_rate: target,
            doors,
            counts,
            doors_p10,
            doors_p50,
            doors_p90,
            overflow_p10,
            overflow_p50,
            overflow_p90,
        });
    }
    Ok(CoverageCurve {
        seeds: request.seeds,
        percentile: request.percentile,
        points,
        evaluations: search.simulations,
    })
}
