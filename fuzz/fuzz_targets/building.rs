//! Arbitrary bytes as a simulated building in JSON.
//!
//! - Parsing never panics; a building that parses either validates or is
//!   refused with a typed error naming a field (never a panic).
//! - A valid building round-trips through JSON unchanged.
//! - Cut to a few units and days (so a run takes milliseconds), it
//!   simulates on the fast path without panicking (or is refused by field),
//!   and its counts add up:
//!   every parcel placed or overflowed, each overflow full or fitting no
//!   door, every carrier's parcels counted, the peak within the bank.
#![no_main]

use libfuzzer_sys::fuzz_target;
use locker_core::bank::default_bank;
use locker_core::sim::{Building, SimError, simulate};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = core::str::from_utf8(data) else {
        return;
    };
    let Ok(building) = serde_json::from_str::<Building>(text) else {
        return;
    };
    if let Err(error) = building.validate() {
        assert!(
            matches!(
                error,
                SimError::InvalidField { .. } | SimError::InvalidParcel { .. }
            ),
            "a bad building is refused by field: {error:?}"
        );
        return;
    }
    let json = serde_json::to_string(&building).expect("a building serializes");
    let back: Building = serde_json::from_str(&json).expect("its JSON loads back");
    assert_eq!(back, building, "round trip changed the building");

    let small = Building {
        units: building.units.min(40),
        days: building.days.min(10),
        ..building
    };
    let result = match simulate(&small, &default_bank()) {
        Ok(result) => result,
        // Fewer days may leave none with deliveries: a typed refusal.
        Err(SimError::InvalidField { .. }) => return,
        Err(error) => panic!("a valid building simulates: {error:?}"),
    };
    assert_eq!(result.arrivals, result.placed + result.overflow);
    assert_eq!(
        result.overflow,
        result.overflow_full + result.overflow_nothing_fits
    );
    assert_eq!(
        result.carriers.iter().map(|c| c.arrivals).sum::<u64>(),
        result.arrivals
    );
    assert!(result.peak_occupancy <= result.doors);
    assert!(result.dwell.count <= result.picked_up + result.expired);
});
