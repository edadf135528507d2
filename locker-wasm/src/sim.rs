//! The building simulation and capacity planner (`locker_core::sim`):
//! deterministic runs of a building's parcel traffic against a bank, and a
//! search for the smallest bank that keeps overflow under a target.

use locker_core::bank::BankConfig;
use locker_core::sim::{self as core_sim, Building, PlanRequest};
use wasm_bindgen::prelude::*;

use crate::bank::parse_config;
use crate::convert::{from_js, to_js};
use crate::error::LockerError;

#[wasm_bindgen(typescript_custom_section)]
const SIM_TS: &str = r#"
/** A building's parcel traffic (the core's `Building` JSON; every field optional). */
export type BuildingJson = { [field: string]: unknown };
/** What the planner searches for (the core's `PlanRequest` JSON; every field optional). */
export type PlanRequestJson = { [field: string]: unknown };
/** A simulation's outcome (the core's `SimResult` JSON). */
export interface SimResultJson { arrivals: number; placed: number; overflow: number; [field: string]: unknown }
/** A planned bank: door counts per class, its simulation and its configuration. */
export interface PlanJson { counts: object[]; doors: number; cost: number; result: SimResultJson; evaluations: number; config: BankConfigJson }
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

/// `building` is a `BuildingJson`, `request` a `PlanRequestJson`, both
/// optional (defaults). Searches for the bank composition with the fewest doors (or least
/// cost) that keeps overflow at or under the target; returns the counts,
/// the simulated result and the bank configuration.
///
/// # Errors
///
/// As [`simulate`], and `"infeasible"` when no bank within `max_doors`
/// reaches the target.
#[wasm_bindgen(js_name = planBank, unchecked_return_type = "PlanJson")]
pub fn plan_bank(
    #[wasm_bindgen(unchecked_optional_param_type = "BuildingJson")] building: Option<JsValue>,
    #[wasm_bindgen(unchecked_optional_param_type = "PlanRequestJson")] request: Option<JsValue>,
) -> Result<JsValue, LockerError> {
    let building = building_arg(&building.unwrap_or(JsValue::UNDEFINED))?;
    let request: PlanRequest = match request.filter(|r| !r.is_undefined() && !r.is_null()) {
        None => PlanRequest::default(),
        Some(request) => from_js(&request, "request")?,
    };
    to_js(&core_sim::plan(&building, &request)?)
}
