//! WebAssembly bindings for [`locker_core`], published as an npm package.
//!
//! Thin wrappers only: each export converts its arguments, calls the core
//! and converts the result back. Methods are camelCase (`js_name`); errors
//! are instances of the exported `LockerError` class (an `Error`) with a
//! stable `code` string (see [`error`]).
//!
//! JavaScript never traps the module: every argument crosses as a
//! JavaScript value and is checked here (numbers, strings, booleans,
//! typed arrays, class instances, plain data) before anything else
//! happens, each wrong one a `LockerError` with code `invalid_argument`
//! naming it. What the glue would check itself (the receiver of a method)
//! is checked by `js/errors.js` first, which `build-pkg.sh` hooks onto
//! every class: a freed object, or one the module never made, is refused
//! the same way, naming `this`.
//!
//! Plain data (bank configurations, parcels, requests, outcomes, journal
//! records, snapshots) crosses as plain objects in the core's JSON shapes,
//! snake_case fields; numbers are checked before they become ids or times.
//!
//! | module | exports |
//! | --- | --- |
//! | [`bank`] | `defaultBank`, `validateBankConfig`, `Bank`, `pack`, `lowerBound` |
//! | [`credential`] | `KeyRing`, `CredentialStore`, `bruteForceBound`, `issueToken`, `issueRecordedToken`, `verifyTokenOffline`, `signRemoteCommand`, `signTime`, `qrSvg` |
//! | [`error`] | `LockerError` |
//! | [`issuer`] | `IssuerSigningKey`, `issueTokenSigned`, `signRemoteCommandEd25519`, `signTimeEd25519` (feature `ed25519`) |
//! | [`flash`] | the `Flash` interface, `MemoryFlash` |
//! | [`hardware`] | the `Hardware` interface, `SimulatedHardware` |
//! | [`journal`] | `readJournal`, `verifyJournal`, `journalRecords`, `replayJournal` |
//! | [`locker`] | `Locker`, `CourierSession` |
//! | [`plain`] | verification results as plain objects (and their `Channel` type) |
//! | [`sim`] | `defaultBuilding`, `simulate`, `simulateLocker`, `planBank`, `coverageCurve`, `defaultDoorClasses` |
//! | [`storage`] | where a locker keeps its journal: memory or flash; opening a locker on flash |
//!
//! ```js
//! import { Dimensions, fits, version } from "locker-wasm";
//!
//! const parcel = new Dimensions(600, 100, 50);
//! const door = new Dimensions(380, 640, 80);
//! fits(parcel, door);        // "dwh": a quarter turn about the vertical axis
//! fits(parcel, door, true);  // still "dwh": upright turns are allowed
//! ```

extern crate alloc;

use wasm_bindgen::prelude::*;

use crate::convert::u32_value;

pub mod bank;
pub mod convert;
pub mod credential;
pub mod error;
pub mod flash;
pub mod hardware;
#[cfg(feature = "ed25519")]
pub mod issuer;
pub mod journal;
pub mod js_json;
pub mod locker;
pub mod plain;
pub mod sim;
pub mod storage;

pub use error::LockerError;

/// The compartment ids of a bank configuration (object or JSON text), in
/// id order: the doors a `SimulatedHardware` needs.
///
/// # Errors
///
/// As `validateBankConfig`.
#[wasm_bindgen(js_name = doorIds)]
pub fn door_ids(
    #[wasm_bindgen(unchecked_param_type = "BankConfigJson | string")] config: JsValue,
) -> Result<Vec<u32>, LockerError> {
    let config = bank::parse_config(&config)?;
    let mut ids: Vec<u32> = config.compartments.iter().map(|c| c.id.0).collect();
    ids.sort_unstable();
    Ok(ids)
}

/// Whether this build signs and verifies with Ed25519 (`IssuerSigningKey`
/// and the functions that take one exist, and banks may list issuers).
#[wasm_bindgen(js_name = hasEd25519)]
#[must_use]
pub fn has_ed25519() -> bool {
    cfg!(feature = "ed25519")
}

/// The package version (the Rust crate's version, e.g. `"0.1.0"`).
#[wasm_bindgen]
#[must_use]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").into()
}

/// A box size in whole millimetres: width (left to right), depth (front to
/// back) and height (bottom to top).
///
/// ```js
/// const door = new Dimensions(380, 640, 80);
/// door.depthMm; // 640
/// ```
#[wasm_bindgen]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Dimensions(locker_core::Dimensions);

#[wasm_bindgen]
impl Dimensions {
    /// A validated size.
    ///
    /// # Errors
    ///
    /// Throws a `LockerError` with `code` `"zero_side"` or
    /// `"side_too_long"` when a side is 0 mm or longer than 5000 mm, and
    /// `"invalid_argument"` for a side that is not a whole number of
    /// millimetres.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(js_name = widthMm, unchecked_param_type = "number")] width_mm: JsValue,
        #[wasm_bindgen(js_name = depthMm, unchecked_param_type = "number")] depth_mm: JsValue,
        #[wasm_bindgen(js_name = heightMm, unchecked_param_type = "number")] height_mm: JsValue,
    ) -> Result<Self, LockerError> {
        let width_mm = u32_value(&width_mm, "widthMm")?;
        let depth_mm = u32_value(&depth_mm, "depthMm")?;
        let height_mm = u32_value(&height_mm, "heightMm")?;
        Self::validated(width_mm, depth_mm, height_mm).map_err(|e| LockerError::from(&e))
    }

    /// A copy (its own object).
    #[wasm_bindgen(js_name = clone)]
    #[must_use]
    pub fn copy(&self) -> Self {
        *self
    }

    /// Extent along the x axis (left to right), in millimetres.
    #[wasm_bindgen(getter, js_name = widthMm)]
    #[must_use]
    pub fn width_mm(&self) -> u32 {
        self.0.width_mm
    }

    /// Extent along the y axis (front to back), in millimetres.
    #[wasm_bindgen(getter, js_name = depthMm)]
    #[must_use]
    pub fn depth_mm(&self) -> u32 {
        self.0.depth_mm
    }

    /// Extent along the z axis (bottom to top), in millimetres.
    #[wasm_bindgen(getter, js_name = heightMm)]
    #[must_use]
    pub fn height_mm(&self) -> u32 {
        self.0.height_mm
    }
}

impl Dimensions {
    /// The Rust side of the constructor, usable off wasm (tests).
    ///
    /// # Errors
    ///
    /// The core's [`locker_core::geometry::GeometryError`] for a bad side.
    pub fn validated(
        width_mm: u32,
        depth_mm: u32,
        height_mm: u32,
    ) -> Result<Self, locker_core::geometry::GeometryError> {
        let dims = locker_core::Dimensions::new(width_mm, depth_mm, height_mm);
        dims.validate()?;
        Ok(Self(dims))
    }
}

/// The first orientation (`"wdh"`, `"dwh"`, …) in which `parcel` fits in
/// `space`, or `undefined` if it fits in none. A `thisSideUp` parcel only
/// turns about the vertical axis.
///
/// ```js
/// fits(new Dimensions(100, 100, 300), new Dimensions(400, 400, 200), true); // undefined
/// ```
///
/// # Errors
///
/// `"invalid_argument"` for anything but two live `Dimensions` and an
/// optional boolean.
#[wasm_bindgen]
pub fn fits(
    #[wasm_bindgen(unchecked_param_type = "Dimensions")] parcel: JsValue,
    #[wasm_bindgen(unchecked_param_type = "Dimensions")] space: JsValue,
    #[wasm_bindgen(js_name = thisSideUp, unchecked_optional_param_type = "boolean")]
    this_side_up: Option<JsValue>,
) -> Result<Option<String>, LockerError> {
    let parcel: Dimensions = convert::instance(&parcel, "parcel", "Dimensions")?;
    let space: Dimensions = convert::instance(&space, "space", "Dimensions")?;
    let this_side_up = convert::given(this_side_up)
        .map(|up| convert::bool_value(&up, "thisSideUp"))
        .transpose()?
        .unwrap_or(false);
    Ok(fits_within(&parcel, &space, this_side_up))
}

/// The orientation `fits` answers with.
fn fits_within(parcel: &Dimensions, space: &Dimensions, this_side_up: bool) -> Option<String> {
    parcel
        .0
        .orientation_within(space.0, this_side_up)
        .map(|o| o.as_str().into())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn fits_names_the_orientation_like_the_core_json() {
        let parcel = Dimensions::validated(600, 100, 50).unwrap();
        let door = Dimensions::validated(380, 640, 80).unwrap();
        assert_eq!(fits_within(&parcel, &door, false).as_deref(), Some("dwh"));
        let tall = Dimensions::validated(100, 100, 300).unwrap();
        let flat = Dimensions::validated(400, 400, 200).unwrap();
        assert_eq!(fits_within(&tall, &flat, true), None);
    }

    #[test]
    fn error_codes_are_the_cores() {
        let zero = Dimensions::validated(1, 0, 1).unwrap_err();
        assert_eq!(zero.code(), "zero_side");
        let long = Dimensions::validated(1, 1, 5_001).unwrap_err();
        assert_eq!(long.code(), "side_too_long");
    }

    #[test]
    fn a_thrown_hardware_code_is_the_kind_with_that_core_code() {
        use locker_core::hardware::HardwareErrorKind as Kind;
        for kind in [
            Kind::DoorJammed,
            Kind::UnknownDoor,
            Kind::SensorFault,
            Kind::BusTimeout,
            Kind::ClockFault,
            Kind::EntropyUnavailable,
            Kind::PowerLost,
            Kind::Other,
        ] {
            assert_eq!(error::hardware_kind(kind.code()), kind);
        }
        assert_eq!(error::hardware_kind("hardware"), Kind::Other);
        assert_eq!(error::hardware_kind("Door_Jammed"), Kind::Other);
    }
}
