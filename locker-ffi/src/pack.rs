//! Packing parcels into compartments of different sizes
//! (`locker_core::pack::pack_into`), from C, with the core's JSON shapes.

use alloc::vec::Vec;
use core::ffi::c_char;

use locker_core::Parcel;
use locker_core::pack::{Bin, PackOptions, try_pack_into};

use crate::boundary;
use crate::error::Error;
use crate::ptr::{json_arg, non_null, opt_str_arg, str_arg, write_string};
use crate::status::locker_status;

/// Packs parcels into compartments of different sizes for an objective,
/// improved by a seeded search within an iteration budget (deterministic;
/// a larger budget never does worse).
///
/// `compartments_json` is a JSON array of compartments
/// (`{"id", "space": {"width_mm", "depth_mm", "height_mm"},
/// "max_weight_g"?, "zone"?}`, the usable space, clearance already taken
/// off); `parcels_json` a JSON array of parcels as everywhere in this API
/// (`{"id", "size", "weight_g", "this_side_up"?, "zone"?, "handling"?}`);
/// `options_json` `{"objective"?: "most_parcels" | "fewest_compartments" |
/// "least_volume", "max_iterations"?, "seed"?}` or NULL for the defaults
/// (fewest compartments, 100000 iterations, seed 0).
///
/// On `LOCKER_OK`, `*out_json` is `{"bins": [{"compartment", "packing":
/// {"space", "placements"}}], "unplaced": [ids], "iterations"}`, a new
/// string owned by the caller: release it with `locker_string_free`,
/// never `free()`. Returns `LOCKER_INVALID_ARGUMENT` for JSON not of these
/// shapes (an unknown field, a wrong type: the last-error message says
/// which), a geometry status (`LOCKER_ZERO_SIDE`, …) for an impossible
/// compartment or parcel size, `LOCKER_PARCEL_ALREADY_STORED` for a parcel
/// id given twice, `LOCKER_PACK_DUPLICATE_COMPARTMENT` for a compartment
/// id given twice, `LOCKER_INVALID_UTF8` and `LOCKER_NULL_POINTER`;
/// `*out_json` is then not written.
///
/// Ownership: the strings are borrowed for this call only. Thread safety:
/// any thread; it touches no locker. It runs for up to tens of
/// milliseconds with the default budget for 200 parcels.
#[unsafe(no_mangle)]
pub extern "C" fn locker_pack_into(
    compartments_json: *const c_char,
    parcels_json: *const c_char,
    options_json: *const c_char,
    out_json: *mut *mut c_char,
) -> locker_status {
    boundary(|| {
        non_null(out_json, "out_json")?;
        let bins: Vec<Bin> = json_arg(
            str_arg(compartments_json, "compartments_json")?,
            "compartments_json",
            locker_status::LOCKER_INVALID_ARGUMENT,
        )?;
        for (i, bin) in bins.iter().enumerate() {
            bin.space.validate().map_err(|error| {
                Error::core(
                    error.code(),
                    format_args!("compartments_json[{i}].space: {error}"),
                )
            })?;
        }
        let parcels: Vec<Parcel> = json_arg(
            str_arg(parcels_json, "parcels_json")?,
            "parcels_json",
            locker_status::LOCKER_INVALID_ARGUMENT,
        )?;
        for parcel in &parcels {
            parcel.validate().map_err(|error| {
                Error::core(error.code(), format_args!("parcel {}: {error}", parcel.id))
            })?;
        }
        let options: PackOptions = match opt_str_arg(options_json, "options_json")? {
            None => PackOptions::default(),
            Some(json) => json_arg(json, "options_json", locker_status::LOCKER_INVALID_ARGUMENT)?,
        };
        let result = try_pack_into(&bins, &parcels, &options)
            .map_err(|error| Error::core(error.code(), error))?;
        let json = serde_json::to_string(&result)
            .map_err(|error| Error::new(locker_status::LOCKER_PANIC, error))?;
        write_string(out_json, json)
    })
}
