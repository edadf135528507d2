//! The main job (`examples/apartment.rs`) runs to its end on every seed
//! and building size: a drop-off never fails on a credential cap, and the
//! journal always verifies and replays. A shorter, busier month than the
//! example's keeps the suite quick while residents still reach the cap of
//! PINs.
#![allow(
    clippy::unwrap_used,
    clippy::std_instead_of_alloc,
    clippy::std_instead_of_core
)]

#[path = "../examples/apartment.rs"]
#[allow(dead_code, missing_docs)]
mod apartment;

use apartment::{Settings, run};

#[test]
fn the_main_job_finishes_on_a_hundred_seeds_and_residents_reach_the_pin_cap() {
    let mut merged = 0;
    for seed in 1..=100 {
        let outcome = run(Settings {
            seed,
            units: 30,
            days: 3,
            parcels_per_unit_per_month: 240,
            quiet: true,
        })
        .unwrap_or_else(|error| panic!("seed {seed}: {error}"));
        assert!(outcome.journal_sound, "seed {seed}");
        assert!(
            outcome.delivered > 0 && outcome.collected > 0,
            "seed {seed}"
        );
        merged += outcome.merged_pins;
    }
    assert!(
        merged > 0,
        "no resident reached the cap of PINs: the test proves nothing"
    );
}

#[test]
fn the_main_job_finishes_at_100_300_and_500_units() {
    for units in [100, 300, 500] {
        let outcome = run(Settings {
            seed: 2026,
            units,
            days: 3,
            parcels_per_unit_per_month: 20,
            quiet: true,
        })
        .unwrap_or_else(|error| panic!("{units} units: {error}"));
        assert!(outcome.journal_sound, "{units} units");
    }
}
