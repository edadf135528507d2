//! The building simulation and capacity planner (`locker_core::sim`):
//! deterministic runs of a building's parcel traffic against a bank, and a
//! search for the smallest bank that keeps overflow under a target.

use core::ops::ControlFlow;

use locker_core::bank::BankConfig;
use locker_core::sim::{self as core_sim, Building, PlanRequest, Progress, SimError};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;

use crate::bank::parse_config;
use crate::convert::{from_js, list_from_js, to_js};
use crate::error::LockerError;

#[wasm_bindgen(typescript_custom_section)]
const SIM_TS: &str = r#"
/** A building's parcel traffic (the core's `Building` JSON; every field optional). */
export type BuildingJson = { [field: string]: unknown };
/** What the planner searches for (the core's `PlanRequest` JSON; every field optional). */
export type PlanRequestJson = { [field: string]: unknown };
/** A simulation's outcome (the core's `SimResult` JSON). */
export interface SimResultJson { arrivals: number; placed: number; overflow: number; [field: string]: unknown }
/** Doors of one class in a plan. */
export interface ClassCountJson { size_class: string; count: number; price: number }
/**
 * A planned bank: door counts per class, the overflow rate at the
 * request's percentile of simulated years (`overflow_rate`) and of each
 * year (`seed_overflow_rates`, seed order), the year at the percentile
 * (`result_seed`, a string beyond 2^53 − 1, and `result`) and the bank
 * configuration.
 */
export interface PlanJson { counts: ClassCountJson[]; doors: number; cost: number; overflow_rate: number; seed_overflow_rates: number[]; result_seed: number | string; result: SimResultJson; evaluations: number; config: BankConfigJson }
/**
 * One coverage (share of parcels that get a door): doors at the request's
 * percentile of years, doors that meet it in 10/50/90 % of the years, and
 * the overflow of the years at `doors`; `null` where `max_doors` does not
 * suffice.
 */
export interface CurvePointJson {
  coverage: number; target_overflow_rate: number; doors: number | null; counts: ClassCountJson[];
  doors_p10: number | null; doors_p50: number | null; doors_p90: number | null;
  overflow_p10: number | null; overflow_p50: number | null; overflow_p90: number | null;
}
/** Doors against coverage: what `coverageCurve` returns. */
export interface CoverageCurveJson { seeds: number; percentile: number; points: CurvePointJson[]; evaluations: number }
/** How far a plan has come: simulations `done`, an estimated `total`, the `doors` being simulated. */
export interface PlanProgress { done: number; total: number; doors: number }
/** Called after every simulated year; return `false` to stop (the call throws code "cancelled"). */
export type PlanProgressCallback = (progress: PlanProgress) => boolean | void;
"#;

fn building_arg(building: &JsValue) -> Result<Building, LockerError> {
    if building.is_undefined() || building.is_null() {
        return Ok(Building::default());
    }
    from_js(building, "building")
}

/// The default building (units, parcels a month, size mix, dwell, courier
/// days and hours), as a plain object to edit.
///
/// # Errors
///
/// Never in practice.
#[wasm_bindgen(js_name = defaultBuilding, unchecked_return_type = "BuildingJson")]
pub fn default_building() -> Result<JsValue, LockerError> {
    to_js(&Building::default())
}

/// The planner's default door classes.
///
/// # Errors
///
/// Never in practice.
#[wasm_bindgen(js_name = defaultDoorClasses, unchecked_return_type = "object[]")]
pub fn default_door_classes() -> Result<JsValue, LockerError> {
    to_js(&core_sim::default_classes())
}

/// Runs a building's traffic against a bank (default building when left
/// out): overflow, peak occupancy, utilization per size class, dwell. The
/// same input gives the same result, everywhere.
///
/// ```js
/// const result = simulate({ units: 120, days: 28 }, defaultBank());
/// result.arrivals === result.placed + result.overflow; // true
/// ```
///
/// # Errors
///
/// `"invalid_argument"`, `"invalid_field"`, a parcel profile's geometry
/// code (`"zero_side"`, …) and the configuration codes.
#[wasm_bindgen(unchecked_return_type = "SimResultJson")]
pub fn simulate(
    #[wasm_bindgen(unchecked_param_type = "BuildingJson | null | undefined")] building: JsValue,
    #[wasm_bindgen(unchecked_param_type = "BankConfigJson | string")] config: JsValue,
) -> Result<JsValue, LockerError> {
    let building = building_arg(&building)?;
    let config: BankConfig = parse_config(&config)?;
    to_js(&core_sim::simulate(&building, &config)?)
}

fn request_arg(request: Option<JsValue>) -> Result<PlanRequest, LockerError> {
    match request.filter(|r| !r.is_undefined() && !r.is_null()) {
        None => Ok(PlanRequest::default()),
        Some(request) => from_js(&request, "request"),
    }
}

/// Runs `work`, calling `on_progress` (a function, or absent) after every
/// simulated year. `false` from it stops with code `"cancelled"`; an
/// exception it throws stops the work and is rethrown as it is.
fn with_progress<T>(
    on_progress: Option<JsValue>,
    work: impl FnOnce(&mut dyn FnMut(Progress) -> ControlFlow<()>) -> Result<T, SimError>,
) -> Result<T, JsValue> {
    let callback = match on_progress.filter(|f| !f.is_undefined() && !f.is_null()) {
        None => None,
        Some(f) => Some(f.dyn_into::<js_sys::Function>().map_err(|_| {
            JsValue::from(LockerError::invalid_argument(
                "onProgress",
                "must be a function",
            ))
        })?),
    };
    let mut thrown: Option<JsValue> = None;
    let result = work(&mut |p: Progress| {
        let Some(callback) = &callback else {
            return ControlFlow::Continue(());
        };
        let progress = js_sys::Object::new();
        for (key, value) in [
            ("done", p.simulations),
            ("total", p.estimated_total),
            ("doors", p.doors),
        ] {
            // Setting a property of a fresh plain object cannot fail.
            let _ = js_sys::Reflect::set(&progress, &key.into(), &value.into());
        }
        match callback.call1(&JsValue::NULL, &progress) {
            Ok(answer) if answer.as_bool() == Some(false) => ControlFlow::Break(()),
            Ok(_) => ControlFlow::Continue(()),
            Err(error) => {
                thrown = Some(error);
                ControlFlow::Break(())
            }
        }
    });
    match (result, thrown) {
        (Err(SimError::Cancelled), Some(error)) => Err(error),
        (result, _) => result.map_err(|e| LockerError::from(e).into()),
    }
}

/// `building` is a `BuildingJson`, `request` a `PlanRequestJson`, both
/// optional (defaults). Searches for the bank composition with the fewest
/// doors (or least cost) that keeps overflow at or under the target in
/// the request's `percentile` of `seeds` simulated years; returns the
/// counts, the overflow per year, the year at the percentile and the bank
/// configuration. `onProgress`, if given, is called after every simulated
/// year with `{ done, total, doors }`; returning `false` stops the plan.
///
/// ```js
/// const plan = planBank({ units: 40, days: 14 }, { seeds: 3 }, ({ done, total }) => {
///   console.log(`${done}/${total}`);
/// });
/// ```
///
/// # Errors
///
/// As [`simulate`], `"infeasible"` when no bank within `max_doors`
/// reaches the target, `"cancelled"` when `onProgress` returned `false`,
/// and whatever `onProgress` threw.
#[wasm_bindgen(js_name = planBank, unchecked_return_type = "PlanJson")]
pub fn plan_bank(
    #[wasm_bindgen(unchecked_optional_param_type = "BuildingJson")] building: Option<JsValue>,
    #[wasm_bindgen(unchecked_optional_param_type = "PlanRequestJson")] request: Option<JsValue>,
    #[wasm_bindgen(js_name = onProgress, unchecked_optional_param_type = "PlanProgressCallback")]
    on_progress: Option<JsValue>,
) -> Result<JsValue, JsValue> {
    let building = building_arg(&building.unwrap_or(JsValue::UNDEFINED))?;
    let request = request_arg(request)?;
    let plan = with_progress(on_progress, |report| {
        core_sim::plan_with(&building, &request, report)
    })?;
    Ok(to_js(&plan)?)
}

/// Doors against coverage (the share of parcels that get a door, 0 to 1;
/// `[0.8, 0.9, 0.95, 0.98, 0.99, 1]` when left out), with doors at the
/// 10th, 50th and 90th percentile of simulated years. `request` as for
/// [`plan_bank`] (its `target_overflow_rate` is not used); `onProgress`
/// too.
///
/// # Errors
///
/// As [`plan_bank`]; `"invalid_field"` for a coverage out of 0 to 1.
#[wasm_bindgen(js_name = coverageCurve, unchecked_return_type = "CoverageCurveJson")]
pub fn coverage_curve(
    #[wasm_bindgen(unchecked_optional_param_type = "BuildingJson")] building: Option<JsValue>,
    #[wasm_bindgen(unchecked_optional_param_type = "PlanRequestJson")] request: Option<JsValue>,
    #[wasm_bindgen(unchecked_optional_param_type = "number[]")] coverages: Option<JsValue>,
    #[wasm_bindgen(js_name = onProgress, unchecked_optional_param_type = "PlanProgressCallback")]
    on_progress: Option<JsValue>,
) -> Result<JsValue, JsValue> {
    let building = building_arg(&building.unwrap_or(JsValue::UNDEFINED))?;
    let request = request_arg(request)?;
    let coverages: Vec<f64> = match coverages.filter(|c| !c.is_undefined() && !c.is_null()) {
        None => vec![0.8, 0.9, 0.95, 0.98, 0.99, 1.0],
        Some(c) => list_from_js(&c, "coverages")?,
    };
    let curve = with_progress(on_progress, |report| {
        core_sim::coverage_curve_with(&building, &request, &coverages, report)
    })?;
    Ok(to_js(&curve)?)
}
