//! The building simulation and capacity planner (`locker_core::sim`):
//! deterministic runs of a building's parcel traffic against a bank, and a
//! search for the smallest bank that keeps overflow under a target.

use core::ops::ControlFlow;

use locker_core::bank::BankConfig;
use locker_core::journal::lines;
use locker_core::sim::{self as core_sim, Building, PlanRequest, Progress, SimError};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;

use crate::bank::parse_config;
use crate::convert::{from_js, list_from_js, to_js};
use crate::credential::KeyRing;
use crate::error::LockerError;

#[wasm_bindgen(typescript_custom_section)]
const SIM_TS: &str = r#"
/** One kind of parcel of a building's `size_mix` (the core's `ParcelProfile`): a name (1 to 32 bytes), its size, weight and relative share. */
export interface ParcelProfileJson {
  name: string; size: Size; weight_g: number; share: number; this_side_up?: boolean;
  zone?: "ambient" | "chilled" | "frozen";
}
/** A share of parcels collected within `up_to_h` hours (from the previous bucket's bound). */
export interface DwellBucketJson { up_to_h: number; share: number }
/** Days busier (or quieter) than their month and weekday: from `first_day_of_year` (0 is 1 January) for `days` days, at `factor_percent` of an ordinary day. */
export interface PeakPeriodJson { name: string; first_day_of_year: number; days: number; factor_percent: number }
/** A carrier: its relative `share`, the hours of its `rounds` (0 to 23, increasing), its own `size_shares` (one per `size_mix` profile; empty: the mix's). */
export interface CarrierJson { name: string; share: number; rounds: number[]; size_shares?: number[] }
/** A relative `share` of the units receiving parcels at a relative `rate`. */
export interface ReceiverGroupJson { share: number; rate: number }
/** Residents away from home (every field optional). */
export interface AwayJson { trips_per_unit_per_year?: number; min_days?: number; max_days?: number; hold_percent?: number }
/**
 * A building's parcel traffic (the core's `Building` JSON): every field
 * optional, missing fields take `defaultBuilding()`'s values. Weights are
 * relative: `weekday_weights` Monday first (7), `hour_weights` and
 * `collection_hour_weights` by hour of day (24), `season` January first
 * (12). `seed` beyond 2^53 − 1 is a decimal string.
 */
export interface BuildingJson {
  units?: number; parcels_per_unit_per_month?: number; size_mix?: ParcelProfileJson[];
  dwell?: DwellBucketJson[]; weekday_weights?: number[]; hour_weights?: number[]; season?: number[];
  peaks?: PeakPeriodJson[]; growth_percent_per_year?: number; start_day_of_year?: number;
  carriers?: CarrierJson[]; collection_hour_weights?: number[]; receivers?: ReceiverGroupJson[];
  away?: AwayJson; extension_percent?: number; extension_h?: number; max_dwell_h?: number;
  accessible_units_percent?: number; dwell_limit_h?: number; chilled_dwell_limit_h?: number;
  days?: number; start_weekday?: number; seed?: number | string;
}
/**
 * A class of doors the planner may choose (`defaultDoorClasses()`):
 * `zone` "ambient" and `price` 1 when left out.
 */
export interface DoorClassJson {
  size_class: string; inner: Size; max_weight_g: number;
  zone?: "ambient" | "chilled" | "frozen"; price?: number;
}
/**
 * What the planner searches for (the core's `PlanRequest` JSON; every field
 * optional): the classes to choose from, the overflow rate to keep under
 * (0 to 1) in the `percentile` of `seeds` simulated years, and whether to
 * minimise the doors or their cost.
 */
export interface PlanRequestJson {
  classes?: DoorClassJson[]; target_overflow_rate?: number; objective?: "doors" | "cost";
  max_doors?: number; min_doors_per_class?: number;
  policy?: { reserve_largest?: number; consolidate?: boolean }; clearance_mm?: number;
  seeds?: number; percentile?: number;
}
/** One size class of doors in a simulation. */
export interface ClassStatsJson { size_class: string; doors: number; utilization: number; peak_occupied: number; parcels: number }
/** What one carrier brought (`name` is "" for a building without carriers). */
export interface CarrierStatsJson { name: string; arrivals: number; overflow: number }
/** Hours parcels spent in the bank. */
export interface SimDwellJson { count: number; mean_h: number; median_h: number; p90_h: number; p95_h: number; max_h: number }
/** One simulated day (`weekday` 0 is Monday; `peak_hour` when `peak_occupied` was first reached). */
export interface SimDayJson {
  day: number; weekday: number; arrivals: number; overflow: number; collected: number; returned: number;
  peak_occupied: number; peak_hour: number;
}
/**
 * A simulation's outcome (the core's `SimResult` JSON): `arrivals ===
 * placed + overflow`; `overflow_full` is the overflow more doors would
 * cure; `occupancy_by_hour` the mean doors occupied at each hour of day
 * (24); `peak_at_h` hours from the start.
 */
export interface SimResultJson {
  days: number; doors: number; arrivals: number; placed: number; consolidated: number; overflow: number;
  overflow_full: number; overflow_nothing_fits: number; overflow_rate: number; picked_up: number;
  expired: number; extensions: number; holds: number; peak_occupancy: number; peak_at_h: number;
  occupancy_by_hour: number[]; utilization: number; classes: ClassStatsJson[]; carriers: CarrierStatsJson[];
  dwell: SimDwellJson; daily: SimDayJson[];
}
/**
 * What `simulateLocker` returns: the statistics, the locker's journal as
 * JSON lines (for `verifyJournal`, `readJournal`, `journalStats`) and the
 * site keys that sign it.
 */
export interface LockerSimulationJson { result: SimResultJson; journal: string; keys: KeyRing }
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
#[wasm_bindgen(js_name = defaultDoorClasses, unchecked_return_type = "Required<DoorClassJson>[]")]
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

/// Runs a building's traffic as [`simulate`] does, but through a real
/// locker over simulated hardware: couriers sign in with their codes,
/// residents collect by PIN, QR code or RFID tag, the locker's own expiry,
/// holds, extensions and returns, all journaled. Returns `{ result,
/// journal, keys }`: the statistics (within noise of [`simulate`]'s), the
/// journal as JSON lines and the `KeyRing` that signs it. Day 0 is
/// `start_day_of_year` of 2026, UTC. Slower than [`simulate`]: a locker's
/// work per parcel.
///
/// ```js
/// const { result, journal, keys } = simulateLocker({ units: 60, days: 7 }, defaultBank());
/// verifyJournal(journal, { keys });
/// journalStats(journal).totals.parcels_offered === result.arrivals; // true
/// ```
///
/// # Errors
///
/// As [`simulate`].
#[wasm_bindgen(js_name = simulateLocker, unchecked_return_type = "LockerSimulationJson")]
pub fn simulate_locker(
    #[wasm_bindgen(unchecked_param_type = "BuildingJson | null | undefined")] building: JsValue,
    #[wasm_bindgen(unchecked_param_type = "BankConfigJson | string")] config: JsValue,
) -> Result<JsValue, LockerError> {
    let building = building_arg(&building)?;
    let config: BankConfig = parse_config(&config)?;
    let run = core_sim::simulate_locker(&building, &config)?;
    let out = js_sys::Object::new();
    let journal = lines::write(run.locker.journal().records());
    let keys = KeyRing::of(run.locker.keys().clone());
    for (key, value) in [
        ("result", to_js(&run.result)?),
        ("journal", JsValue::from(journal)),
        ("keys", JsValue::from(keys)),
    ] {
        // Setting a property of a fresh plain object cannot fail.
        let _ = js_sys::Reflect::set(&out, &key.into(), &value);
    }
    Ok(out.into())
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
