//! The JSON input of `pack_into` (compartments, parcels, options), as the
//! bindings read it: parse arbitrary text, and when it parses, pack with a
//! small budget. Parsing never panics; a packing never fails
//! `Packing::check`, names only known compartments, places each parcel at
//! most once and lists every other parcel as unplaced; the same input
//! gives the same result; and what comes out serializes and reads back.
#![no_main]

use libfuzzer_sys::fuzz_target;
use locker_core::Parcel;
use locker_core::pack::{Bin, PackIntoResult, PackOptions, try_pack_into};

/// The shape the bindings pass: three JSON values.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Input {
    compartments: Vec<Bin>,
    parcels: Vec<Parcel>,
    #[serde(default)]
    options: Option<PackOptions>,
}

fuzz_target!(|text: &[u8]| {
    let Ok(input) = serde_json::from_slice::<Input>(text) else {
        return;
    };
    // Keep each run short: a budget cap and a few dozen parcels.
    if input.parcels.len() > 40 || input.compartments.len() > 12 {
        return;
    }
    let mut options = input.options.unwrap_or_default();
    options.max_iterations = options.max_iterations.min(2_000);
    let Ok(result) = try_pack_into(&input.compartments, &input.parcels, &options) else {
        return;
    };
    let again = try_pack_into(&input.compartments, &input.parcels, &options);
    assert_eq!(again.as_ref().ok(), Some(&result), "not deterministic");
    let mut seen: Vec<u64> = result.unplaced.iter().map(|p| p.0).collect();
    for used in &result.bins {
        let bin = input
            .compartments
            .iter()
            .find(|b| b.id == used.compartment)
            .expect("a known compartment");
        assert_eq!(used.packing.space(), bin.space);
        used.packing.check(&input.parcels).expect("a valid packing");
        seen.extend(used.packing.placements().iter().map(|p| p.parcel.0));
    }
    seen.sort_unstable();
    let mut ids: Vec<u64> = input.parcels.iter().map(|p| p.id.0).collect();
    ids.sort_unstable();
    assert_eq!(seen, ids, "a parcel lost or placed twice");
    let json = serde_json::to_string(&result).expect("serializes");
    let back: PackIntoResult = serde_json::from_str(&json).expect("reads back");
    assert_eq!(back, result);
});
