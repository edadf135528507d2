//! The building simulation and the capacity planner of `locker_core::sim`.

use core::ops::ControlFlow;

use locker_core::bank::{AllocationPolicy, BankConfig};
use locker_core::journal::lines;
use locker_core::sim::{self, Building, DoorClass, PlanRequest, Progress, SimError};
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::args;
use crate::convert::{from_py, to_py};
use crate::credential::KeyRing;
use crate::exceptions::{CoreError, argument_type};

/// A building dict: the defaults, updated with the given dict's fields.
fn building_from(building: Option<&Bound<'_, PyAny>>) -> PyResult<Building> {
    building.map_or_else(|| Ok(Building::default()), |b| from_py(b, "building"))
}

/// The building dict (defaults for what it leaves out) and the bank
/// configuration dict (the default bank when `None`) a simulation runs on.
fn building_and_bank(
    building: Option<&Bound<'_, PyAny>>,
    bank: Option<&Bound<'_, PyAny>>,
) -> PyResult<(Building, BankConfig)> {
    let building = building_from(building)?;
    let config = match bank {
        Some(bank) => from_py(bank, "bank")?,
        None => locker_core::bank::default_bank(),
    };
    Ok((building, config))
}

/// The default building as a dict, every field (the `Building`
/// TypedDict): 100 units, 20 parcels per unit per month, seven parcel
/// kinds, dwell buckets, weekday, hour, season and collection-hour
/// weights, peaks, three carriers with their rounds, heavy receivers,
/// residents away, a 72 h dwell limit, 365 days from 1 January, seed 0.
#[pyfunction]
pub(crate) fn default_building(py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
    to_py(py, &Building::default())
}

/// The ambient door classes of the default bank (A, B, C, XL) at price 1,
/// as dicts.
#[pyfunction]
pub(crate) fn default_classes(py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
    to_py(py, &sim::default_classes())
}

/// Simulates a building (a dict of `Building` fields; missing fields take
/// their defaults) against a bank configuration dict (the default bank
/// when `None`). Deterministic from the building's `seed`. Returns the
/// result dict: overflow rate, peak occupancy, utilization per size class,
/// dwell statistics and day-by-day figures. Runs without the GIL.
#[pyfunction]
#[pyo3(signature = (building = None, bank = None))]
pub(crate) fn simulate<'py>(
    py: Python<'py>,
    building: Option<&Bound<'py, PyAny>>,
    bank: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    let (building, config) = building_and_bank(building, bank)?;
    let result = py
        .detach(|| sim::simulate(&building, &config))
        .map_err(CoreError::from)?;
    to_py(py, &result)
}

/// Simulates a building as `simulate` does, but through a real locker
/// over simulated hardware: couriers sign in with their codes, residents
/// collect by PIN, QR code or RFID tag, the locker's own expiry, holds,
/// extensions and returns. Returns `{"result": SimResult, "journal":
/// str, "keys": KeyRing}`: the statistics (`simulate`'s fields; within
/// noise of `simulate`'s on the same building), the locker's journal as
/// JSON-lines text (for `read_journal`, `verify_journal`,
/// `journal_stats`) and the site keys that sign it (to verify its MACs).
/// Day 0 is `start_day_of_year` of 2026, UTC. Runs without the GIL;
/// slower than `simulate` (a locker's work per parcel).
#[pyfunction]
#[pyo3(signature = (building = None, bank = None))]
pub(crate) fn simulate_locker<'py>(
    py: Python<'py>,
    building: Option<&Bound<'py, PyAny>>,
    bank: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    let (building, config) = building_and_bank(building, bank)?;
    let (result, journal, keys) = py
        .detach(|| {
            sim::simulate_locker(&building, &config).map(|run| {
                let journal = lines::write(run.locker.journal().records());
                (run.result, journal, run.locker.keys().clone())
            })
        })
        .map_err(CoreError::from)?;
    let out = PyDict::new(py);
    out.set_item("result", to_py(py, &result)?)?;
    out.set_item("journal", journal)?;
    out.set_item("keys", KeyRing { inner: keys })?;
    Ok(out.into_any())
}

fn request_from(request: Option<&Bound<'_, PyAny>>) -> PyResult<PlanRequest> {
    request.map_or_else(|| Ok(PlanRequest::default()), |r| from_py(r, "request"))
}

/// The progress callable, checked: `None` or any callable.
fn progress_from(progress: Option<&Bound<'_, PyAny>>) -> PyResult<Option<Py<PyAny>>> {
    match progress {
        Some(p) if p.is_none() => Ok(None),
        Some(p) if p.is_callable() => Ok(Some(p.clone().unbind())),
        Some(p) => Err(argument_type(
            "progress",
            format!("must be callable or None, not {}", p.get_type().name()?),
        )),
        None => Ok(None),
    }
}

/// Runs `work` without the GIL. After every simulated year the GIL is
/// taken back for a moment: pending signals are checked (Ctrl-C raises
/// `KeyboardInterrupt`) and `progress(done, total)` is called. An
/// exception from either stops the work and is raised as it is.
fn with_progress<T: Send>(
    py: Python<'_>,
    progress: Option<Py<PyAny>>,
    work: impl Send + FnOnce(&mut dyn FnMut(Progress) -> ControlFlow<()>) -> Result<T, SimError>,
) -> PyResult<T> {
    let mut raised: Option<PyErr> = None;
    let result = py.detach(|| {
        work(&mut |p: Progress| {
            Python::attach(|py| {
                let called = py.check_signals().and_then(|()| match &progress {
                    Some(progress) => progress
                        .call1(py, (p.simulations, p.estimated_total))
                        .map(drop),
                    None => Ok(()),
                });
                match called {
                    Ok(()) => ControlFlow::Continue(()),
                    Err(error) => {
                        raised = Some(error);
                        ControlFlow::Break(())
                    }
                }
            })
        })
    });
    match (result, raised) {
        (Err(SimError::Cancelled), Some(error)) => Err(error),
        (result, _) => result.map_err(|e| CoreError::from(e).into()),
    }
}

/// Searches bank compositions for the fewest doors (or least cost) that
/// keep the building's overflow rate at or under the target in most
/// simulated years. `request` is a dict of `PlanRequest` fields
/// (`classes`, `target_overflow_rate`, `objective` = `"doors"` or
/// `"cost"`, `max_doors`, `seeds` = simulated years per composition,
/// `percentile` of those years that must meet the target, ...). Returns
/// the plan dict: `counts`, `doors`, `cost`, `overflow_rate` (at the
/// percentile), `seed_overflow_rates`, `result_seed`, `result`,
/// `evaluations` and the bank `config`. Raises `InfeasibleError` when no
/// bank within `max_doors` meets the target.
///
/// Runs without the GIL, on all cores. `progress`, if given, is called
/// as `progress(done, total)` after every simulated year: simulations
/// done and an estimate of all of them (for tqdm: `bar.total = total;
/// bar.update(done - bar.n)`); an exception it raises stops the plan and
/// propagates. Ctrl-C raises `KeyboardInterrupt` once the simulations
/// under way finish.
#[pyfunction]
#[pyo3(signature = (building = None, request = None, progress = None))]
pub(crate) fn plan<'py>(
    py: Python<'py>,
    building: Option<&Bound<'py, PyAny>>,
    request: Option<&Bound<'py, PyAny>>,
    progress: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    let building = building_from(building)?;
    let request = request_from(request)?;
    let progress = progress_from(progress)?;
    let plan = with_progress(py, progress, |report| {
        sim::plan_with(&building, &request, report)
    })?;
    to_py(py, &plan)
}

/// Doors against coverage: for each coverage (share of parcels that get
/// a door, 0 to 1) the doors the building needs at the request's
/// percentile of simulated years (`doors`, `counts`), the doors that meet
/// it in 10 %, 50 % and 90 % of the years (`doors_p10`, `doors_p50`,
/// `doors_p90`) and the overflow rates of the years at `doors`
/// (`overflow_p10`, ...); `None` where `max_doors` doors do not suffice.
/// `request` is as for `plan` (its `target_overflow_rate` is not used);
/// `progress` and Ctrl-C as for `plan`.
#[pyfunction]
#[pyo3(signature = (building = None, request = None, coverages = None, progress = None))]
pub(crate) fn coverage_curve<'py>(
    py: Python<'py>,
    building: Option<&Bound<'py, PyAny>>,
    request: Option<&Bound<'py, PyAny>>,
    coverages: Option<&Bound<'py, PyAny>>,
    progress: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    let building = building_from(building)?;
    let request = request_from(request)?;
    let coverages: Vec<f64> = match coverages {
        Some(c) if !c.is_none() => from_py(c, "coverages")?,
        _ => vec![0.8, 0.9, 0.95, 0.98, 0.99, 1.0],
    };
    let progress = progress_from(progress)?;
    let curve = with_progress(py, progress, |report| {
        sim::coverage_curve_with(&building, &request, &coverages, report)
    })?;
    to_py(py, &curve)
}

/// A bank configuration dict with `counts[i]` doors of `classes[i]` (door
/// class dicts), as the planner builds them.
#[pyfunction]
#[pyo3(signature = (classes, counts, policy = None, clearance_mm = 10))]
pub(crate) fn compose_bank<'py>(
    py: Python<'py>,
    classes: &Bound<'py, PyAny>,
    #[pyo3(from_py_with = args::counts)] counts: Vec<u32>,
    policy: Option<&Bound<'py, PyAny>>,
    #[pyo3(from_py_with = args::clearance_mm)] clearance_mm: u32,
) -> PyResult<Bound<'py, PyAny>> {
    let classes: Vec<DoorClass> = from_py(classes, "classes")?;
    let policy: AllocationPolicy =
        policy.map_or_else(|| Ok(AllocationPolicy::default()), |p| from_py(p, "policy"))?;
    let config =
        sim::compose_bank(&classes, &counts, policy, clearance_mm).map_err(CoreError::from)?;
    to_py(py, &config)
}
