//! Bank configurations as plain objects, the run-time bank, allocation and
//! packing.

use locker_core::allocate::{BatchPlan, Request};
use locker_core::bank::{self as core_bank, BankConfig};
use locker_core::geometry::Dimensions as CoreDimensions;
use locker_core::{CompartmentId, Parcel, ParcelId, RecipientId};
use wasm_bindgen::prelude::*;

use crate::convert::{
    bool_value, from_js, list_from_js, refuse_array_text, to_js, u32_value, u64_value,
};
use crate::error::LockerError;

#[wasm_bindgen(typescript_custom_section)]
const BANK_TS: &str = r#"
/** A box size in millimetres (the core's JSON). */
export interface Size { width_mm: number; depth_mm: number; height_mm: number }
/** A parcel (the core's JSON): `zone` defaults to "ambient", `handling` to "standard". */
export interface ParcelJson {
  id: number; size: Size; weight_g: number; this_side_up?: boolean;
  zone?: "ambient" | "chilled" | "frozen";
  handling?: "standard" | "cash_on_delivery" | "id_check";
}
/** One compartment of a bank configuration. */
export interface CompartmentSpecJson {
  id: number; label: string; size_class: string; inner: Size; max_weight_g: number;
  zone?: "ambient" | "chilled" | "frozen"; accessible?: boolean;
  position: { column: number; row: number }; operable_height_mm?: number | null;
}
/** A bank configuration (`BankConfig` JSON, snake_case fields). */
export interface BankConfigJson {
  name: string; clearance_mm?: number; ada_compliant?: boolean;
  policy?: { reserve_largest?: number; consolidate?: boolean };
  compartments: CompartmentSpecJson[];
}
/** A request to place one parcel. */
export interface RequestJson { parcel: ParcelJson; recipient: number; needs_accessible?: boolean }
/** Why no door took a parcel. */
export type OverflowReasonJson = "nothing_fits" | "full" | "no_larger_door";
/** The rule that chose a door ("packed": a batch plan packed the load). */
export type RuleJson = "consolidated" | "smallest_fit" | "next_larger_free" | "packed";
/** A batch plan's strategy. */
export type BatchStrategyJson = "grouped" | "arrival_order" | "packed";
/**
 * How a packed batch plan searches: the packer's budget in placement
 * attempts (default 20,000) and the seed of its restarts (default 0).
 */
export interface BatchOptionsJson { max_iterations?: number; seed?: number }
/** Where a parcel went, or why it did not: `outcome` is "assigned" or "overflow". */
export type OutcomeJson =
  | { outcome: "assigned"; parcel: ParcelJson; recipient: number; compartment: number;
      placement: PlacementJson; rule: RuleJson;
      considered: ConsideredJson[] }
  | { outcome: "overflow"; parcel: ParcelJson; recipient: number;
      reason: OverflowReasonJson; considered: ConsideredJson[] };
/**
 * Why allocation took or passed over a door or a group of doors, by
 * `verdict` ("chosen" for the one it took).
 */
export type VerdictJson =
  | { verdict: "chosen" }
  | { verdict: "wrong_zone"; zone: "ambient" | "chilled" | "frozen" }
  | { verdict: "not_accessible" }
  | { verdict: "too_heavy"; load_g: number; max_weight_g: number }
  | { verdict: "too_small"; usable: Size }
  | { verdict: "none_free" }
  | { verdict: "reserved"; free: number; reserve: number }
  | { verdict: "mixed_handling" }
  | { verdict: "no_room_beside" }
  | { verdict: "out_of_service" };
/**
 * What allocation looked at, in order, by `kind`: the recipient's occupied
 * door, or a group of free doors of one shape (`shape` numbers the bank's
 * distinct door shapes).
 */
export type ConsideredJson =
  | { kind: "occupied"; compartment: number; verdict: VerdictJson }
  | { kind: "group"; shape: number; inner: Size; free_doors: number; verdict: VerdictJson };
/** A parcel of a batch plan and the door it goes to. */
export interface AssignmentJson {
  parcel: ParcelJson; recipient: number; compartment: number; placement: PlacementJson;
  rule: RuleJson; considered: ConsideredJson[];
}
/** A parcel of a batch plan no door could take. */
export interface BatchOverflowJson {
  parcel: ParcelJson; recipient: number; reason: OverflowReasonJson; considered: ConsideredJson[];
}
/** Where a parcel sits in a compartment. */
export interface PlacementJson {
  parcel: number; position: { x_mm: number; y_mm: number; z_mm: number };
  orientation: "wdh" | "dwh" | "whd" | "hwd" | "dhw" | "hdw"; extent: Size;
}
/** A compartment `packInto` may fill: its usable space, shelf limit (none when absent) and zone. */
export interface BinJson {
  id: number; space: Size; max_weight_g?: number | null;
  zone?: "ambient" | "chilled" | "frozen";
}
/** How `packInto` searches; every field optional (defaults: fewest compartments, 100000 iterations, seed 0). */
export interface PackOptionsJson {
  objective?: "most_parcels" | "fewest_compartments" | "least_volume";
  max_iterations?: number; seed?: number;
}
/** What `packInto` found: the compartments used, each with its packing, and the parcels left out. */
export interface PackIntoResultJson {
  bins: { compartment: number; packing: { space: Size; placements: PlacementJson[] } }[];
  unplaced: number[]; iterations: number;
}
/** A courier's whole load, planned. */
export interface BatchPlanJson {
  assignments: AssignmentJson[]; overflow: BatchOverflowJson[]; strategy: BatchStrategyJson;
}
/** One door of a bank at run time. */
export interface CompartmentJson {
  /** The door's configuration, as in the bank's, every field present. */
  spec: Required<CompartmentSpecJson>;
  /** The inner size less the bank's clearance. */
  usable: Size;
  in_service: boolean;
  /** In service and empty. */
  free: boolean;
  contents: { recipient: number; parcels: ParcelJson[]; packing: PackingJson } | null;
}
/** Parcels packed into a space: where each sits. */
export interface PackingJson { space: Size; placements: PlacementJson[] }
"#;

/// The default bank (105 doors in twelve columns, ADA compliant) as a
/// plain object, ready to edit and pass back.
///
/// # Errors
///
/// Never in practice.
#[wasm_bindgen(js_name = defaultBank, unchecked_return_type = "BankConfigJson")]
pub fn default_bank() -> Result<JsValue, LockerError> {
    to_js(&core_bank::default_bank())
}

/// Parses and validates a bank configuration (a plain object or JSON
/// text); returns it with every default filled in.
///
/// ```js
/// const config = validateBankConfig(defaultBank());
/// validateBankConfig({ name: "x", compartments: [] }); // throws, code "empty_bank"
/// ```
///
/// # Errors
///
/// `"invalid_argument"` for a wrong shape, `"invalid_json"` for bad JSON
/// text, and the validation codes (`"duplicate_id"`, `"bad_size"`, …).
#[wasm_bindgen(js_name = validateBankConfig, unchecked_return_type = "BankConfigJson")]
pub fn validate_bank_config(
    #[wasm_bindgen(unchecked_param_type = "BankConfigJson | string")] config: JsValue,
) -> Result<JsValue, LockerError> {
    to_js(&parse_config(&config)?)
}

/// A bank configuration from an object or JSON text, validated.
pub(crate) fn parse_config(config: &JsValue) -> Result<BankConfig, LockerError> {
    let config: BankConfig = match config.as_string() {
        Some(text) => {
            refuse_array_text(&text, "config")?;
            return BankConfig::from_json(&text).map_err(LockerError::from);
        }
        None => from_js(config, "config")?,
    };
    config.validate()?;
    Ok(config)
}

/// A bank at run time: what each door holds, allocation and batch plans.
///
/// ```js
/// const bank = new Bank(defaultBank());
/// const outcome = bank.allocate({
///   parcel: { id: 1, size: { width_mm: 300, depth_mm: 250, height_mm: 150 }, weight_g: 2000 },
///   recipient: 42,
/// });
/// if (outcome.outcome === "assigned") bank.store(outcome.compartment, 42, outcome.parcel);
/// ```
#[wasm_bindgen]
#[derive(Clone, Debug)]
pub struct Bank(core_bank::Bank);

#[wasm_bindgen]
impl Bank {
    /// A bank from a configuration (object or JSON text), every door empty.
    ///
    /// # Errors
    ///
    /// As [`validate_bank_config`].
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_param_type = "BankConfigJson | string")] config: JsValue,
    ) -> Result<Self, LockerError> {
        Ok(Self(core_bank::Bank::new(parse_config(&config)?)?))
    }

    /// The configuration, as a plain object.
    ///
    /// # Errors
    ///
    /// Never in practice.
    #[wasm_bindgen(unchecked_return_type = "BankConfigJson")]
    pub fn config(&self) -> Result<JsValue, LockerError> {
        to_js(self.0.config())
    }

    /// The configuration as pretty JSON text.
    #[wasm_bindgen(js_name = configJson)]
    #[must_use]
    pub fn config_json(&self) -> String {
        self.0.config().to_json()
    }

    /// Every door, by id: its configuration, usable space, service state
    /// and contents.
    ///
    /// # Errors
    ///
    /// Never in practice.
    #[wasm_bindgen(unchecked_return_type = "CompartmentJson[]")]
    pub fn compartments(&self) -> Result<JsValue, LockerError> {
        to_js(&self.0.compartments())
    }

    /// Free doors.
    #[wasm_bindgen(getter, js_name = freeCount)]
    #[must_use]
    pub fn free_count(&self) -> usize {
        self.0.free_count()
    }

    /// Parcels stored.
    #[wasm_bindgen(getter, js_name = parcelCount)]
    #[must_use]
    pub fn parcel_count(&self) -> usize {
        self.0.parcel_count()
    }

    /// The door holding a parcel, if any.
    ///
    /// # Errors
    ///
    /// `"invalid_argument"` for a bad id.
    pub fn locate(
        &self,
        #[wasm_bindgen(unchecked_param_type = "number")] parcel: JsValue,
    ) -> Result<Option<u32>, LockerError> {
        let parcel = ParcelId(u64_value(&parcel, "parcel")?);
        Ok(self.0.locate(parcel).map(|c| c.0))
    }

    /// Chooses a door for one parcel, without changing the bank.
    ///
    /// # Errors
    ///
    /// `"invalid_argument"`, `"invalid_parcel"`, `"already_stored"`.
    /// "Nothing fits" is an outcome, not an error.
    #[wasm_bindgen(unchecked_return_type = "OutcomeJson")]
    pub fn allocate(
        &self,
        #[wasm_bindgen(unchecked_param_type = "RequestJson")] request: JsValue,
    ) -> Result<JsValue, LockerError> {
        let request: Request = from_js(&request, "request")?;
        to_js(&self.0.allocate(&request)?)
    }

    /// Chooses a door larger than `door` (the courier found it too small).
    ///
    /// # Errors
    ///
    /// As [`Bank::allocate`], and `"unknown_compartment"`.
    #[wasm_bindgen(js_name = allocateLargerThan, unchecked_return_type = "OutcomeJson")]
    pub fn allocate_larger_than(
        &self,
        #[wasm_bindgen(unchecked_param_type = "RequestJson")] request: JsValue,
        #[wasm_bindgen(unchecked_param_type = "number")] door: JsValue,
    ) -> Result<JsValue, LockerError> {
        let request: Request = from_js(&request, "request")?;
        let door = CompartmentId(u32_value(&door, "door")?);
        to_js(&self.0.allocate_larger_than(&request, door)?)
    }

    /// Plans a courier's whole load (the better of grouped and arrival
    /// order), without changing the bank.
    ///
    /// # Errors
    ///
    /// As [`Bank::allocate`], and `"duplicate_in_batch"`.
    #[wasm_bindgen(js_name = planBatch, unchecked_return_type = "BatchPlanJson")]
    pub fn plan_batch(
        &self,
        #[wasm_bindgen(unchecked_param_type = "RequestJson[]")] requests: JsValue,
    ) -> Result<JsValue, LockerError> {
        let requests: Vec<Request> = list_from_js(&requests, "requests")?;
        to_js(&self.0.plan_batch(&requests)?)
    }

    /// Plans a courier's whole load like `planBatch`, packing it into the
    /// free doors by a search within `options`; never worse than
    /// `planBatch`.
    ///
    /// # Errors
    ///
    /// As [`Bank::plan_batch`], and `"invalid_argument"` for options of a
    /// wrong shape.
    #[wasm_bindgen(js_name = planBatchPacked, unchecked_return_type = "BatchPlanJson")]
    pub fn plan_batch_packed(
        &self,
        #[wasm_bindgen(unchecked_param_type = "RequestJson[]")] requests: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "BatchOptionsJson | null")] options: Option<
            JsValue,
        >,
    ) -> Result<JsValue, LockerError> {
        let requests: Vec<Request> = list_from_js(&requests, "requests")?;
        let options = match crate::convert::given(options) {
            Some(options) => from_js(&options, "options")?,
            None => locker_core::allocate::BatchOptions::default(),
        };
        to_js(&self.0.plan_batch_packed(&requests, &options)?)
    }

    /// Stores every assignment of a plan, all or nothing.
    ///
    /// # Errors
    ///
    /// The bank codes of the first assignment that no longer applies.
    #[wasm_bindgen(js_name = applyBatch)]
    pub fn apply_batch(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "BatchPlanJson")] plan: JsValue,
    ) -> Result<(), LockerError> {
        let plan: BatchPlan = from_js(&plan, "plan")?;
        Ok(self.0.apply_batch(&plan)?)
    }

    /// Stores a parcel in a door for a recipient.
    ///
    /// # Errors
    ///
    /// `"does_not_fit"`, `"too_heavy"`, `"other_recipient"`, … (nothing
    /// changes).
    pub fn store(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "number")] door: JsValue,
        #[wasm_bindgen(unchecked_param_type = "number")] recipient: JsValue,
        #[wasm_bindgen(unchecked_param_type = "ParcelJson")] parcel: JsValue,
    ) -> Result<(), LockerError> {
        let door = CompartmentId(u32_value(&door, "door")?);
        let recipient = RecipientId(u64_value(&recipient, "recipient")?);
        let parcel: Parcel = from_js(&parcel, "parcel")?;
        self.0.store(door, recipient, parcel)?;
        Ok(())
    }

    /// Empties a door; returns what it held.
    ///
    /// # Errors
    ///
    /// `"compartment_empty"`, `"unknown_compartment"`.
    #[wasm_bindgen(unchecked_return_type = "NonNullable<CompartmentJson[\"contents\"]>")]
    pub fn release(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "number")] door: JsValue,
    ) -> Result<JsValue, LockerError> {
        let door = CompartmentId(u32_value(&door, "door")?);
        to_js(&self.0.release(door)?)
    }

    /// Takes a door out of service or puts it back.
    ///
    /// # Errors
    ///
    /// `"invalid_argument"`, `"unknown_compartment"`.
    #[wasm_bindgen(js_name = setInService)]
    pub fn set_in_service(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "number")] door: JsValue,
        #[wasm_bindgen(js_name = inService, unchecked_param_type = "boolean")] in_service: JsValue,
    ) -> Result<(), LockerError> {
        let door = CompartmentId(u32_value(&door, "door")?);
        let in_service = bool_value(&in_service, "inService")?;
        Ok(self.0.set_in_service(door, in_service)?)
    }
}

/// The space (validated) and the parcels of a packing call.
fn pack_args(
    space: &JsValue,
    parcels: &JsValue,
) -> Result<(CoreDimensions, Vec<Parcel>), LockerError> {
    let space: CoreDimensions = from_js(space, "space")?;
    space.validate()?;
    Ok((space, list_from_js(parcels, "parcels")?))
}

/// Packs parcels into one space (a 3D heuristic): where each goes, and
/// which did not fit.
///
/// # Errors
///
/// `"invalid_argument"` for a wrong shape.
#[wasm_bindgen(
    unchecked_return_type = "{ packing: { space: Size; placements: PlacementJson[] }; unplaced: number[] }"
)]
pub fn pack(
    #[wasm_bindgen(unchecked_param_type = "Size")] space: JsValue,
    #[wasm_bindgen(unchecked_param_type = "ParcelJson[]")] parcels: JsValue,
) -> Result<JsValue, LockerError> {
    let (space, parcels) = pack_args(&space, &parcels)?;
    to_js(&locker_core::pack::pack(space, &parcels))
}

/// Packs parcels into as few spaces of one size as the heuristic manages:
/// one packing per space used, every parcel placed.
///
/// # Errors
///
/// `"invalid_argument"` for a wrong shape, `"fits_no_bin"` naming the
/// first parcel that fits no empty space.
#[wasm_bindgen(
    js_name = packBins,
    unchecked_return_type = "{ space: Size; placements: PlacementJson[] }[]"
)]
pub fn pack_bins(
    #[wasm_bindgen(unchecked_param_type = "Size")] space: JsValue,
    #[wasm_bindgen(unchecked_param_type = "ParcelJson[]")] parcels: JsValue,
) -> Result<JsValue, LockerError> {
    let (space, parcels) = pack_args(&space, &parcels)?;
    to_js(&locker_core::pack::try_pack_bins(space, &parcels)?)
}

/// Packs parcels into compartments of different sizes for an objective
/// (most parcels, fewest compartments, least volume), improved by a seeded
/// search within `options.max_iterations`.
///
/// # Errors
///
/// `"invalid_argument"` for a wrong shape or an unknown field, a geometry
/// code (`"zero_side"`, …) for an impossible compartment size,
/// `"duplicate_parcel"` or `"duplicate_compartment"` for an id given twice.
#[wasm_bindgen(js_name = packInto, unchecked_return_type = "PackIntoResultJson")]
pub fn pack_into(
    #[wasm_bindgen(unchecked_param_type = "BinJson[]")] compartments: JsValue,
    #[wasm_bindgen(unchecked_param_type = "ParcelJson[]")] parcels: JsValue,
    #[wasm_bindgen(unchecked_param_type = "PackOptionsJson | null")] options: Option<JsValue>,
) -> Result<JsValue, LockerError> {
    let bins: Vec<locker_core::pack::Bin> = list_from_js(&compartments, "compartments")?;
    for bin in &bins {
        bin.space.validate()?;
    }
    let parcels: Vec<Parcel> = list_from_js(&parcels, "parcels")?;
    let options = match crate::convert::given(options) {
        Some(options) => from_js(&options, "options")?,
        None => locker_core::pack::PackOptions::default(),
    };
    to_js(&locker_core::pack::try_pack_into(
        &bins, &parcels, &options,
    )?)
}

/// A lower bound on how many spaces of this size the parcels need.
///
/// # Errors
///
/// `"invalid_argument"` for a wrong shape.
#[wasm_bindgen(js_name = lowerBound)]
pub fn lower_bound(
    #[wasm_bindgen(unchecked_param_type = "Size")] space: JsValue,
    #[wasm_bindgen(unchecked_param_type = "ParcelJson[]")] parcels: JsValue,
) -> Result<u32, LockerError> {
    let (space, parcels) = pack_args(&space, &parcels)?;
    Ok(locker_core::pack::lower_bound(space, &parcels))
}
