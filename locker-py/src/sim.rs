//! The building simulation and the capacity planner of `locker_core::sim`.

use locker_core::bank::{AllocationPolicy, BankConfig};
use locker_core::sim::{self, Building, DoorClass, PlanRequest};
use pyo3::prelude::*;

use crate::args;
use crate::convert::{from_py, to_py};
use crate::exceptions::CoreError;

/// A building dict: the defaults, updated with the given dict's fields.
fn building_from(building: Option<&Bound<'_, PyAny>>) -> PyResult<Building> {
    building.map_or_else(|| Ok(Building::default()), |b| from_py(b, "building"))
}

/// The default building as a dict: 100 units, 20 parcels per unit per
/// month, five parcel sizes, dwell buckets, weekday and hour weights, a
/// 72 h dwell limit, 365 days, seed 0.
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
    let building = building_from(building)?;
    let config: BankConfig = match bank {
        Some(bank) => from_py(bank, "bank")?,
        None => locker_core::bank::default_bank(),
    };
    let result = py
        .detach(|| sim::simulate(&building, &config))
        .map_err(CoreError::from)?;
    to_py(py, &result)
}

/// Searches bank compositions for the fewest doors (or least cost) that
/// keep the building's overflow rate at or under the target. `request` is
/// a dict of `PlanRequest` fields (`classes`, `target_overflow_rate`,
/// `objective` = `"doors"` or `"cost"`, `max_doors`, ...). Returns the plan
/// dict: `counts`, `doors`, `cost`, `result`, `evaluations` and the bank
/// `config`. Raises `InfeasibleError` when no bank within `max_doors`
/// meets the target. Runs without the GIL.
#[pyfunction]
#[pyo3(signature = (building = None, request = None))]
pub(crate) fn plan<'py>(
    py: Python<'py>,
    building: Option<&Bound<'py, PyAny>>,
    request: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    let building = building_from(building)?;
    let request: PlanRequest =
        request.map_or_else(|| Ok(PlanRequest::default()), |r| from_py(r, "request"))?;
    let plan = py
        .detach(|| sim::plan(&building, &request))
        .map_err(CoreError::from)?;
    to_py(py, &plan)
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
