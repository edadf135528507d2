//! An adversarial review of the building simulation: buildings at the
//! edges of every field, random buildings and random JSON, the fast path
//! against the locker, the locker's journal against the statistics, and
//! the planner's promises.
#![cfg(feature = "serde")]
#![allow(
    clippy::unwrap_used,
    clippy::cast_precision_loss,
    clippy::cast_possible_truncation
)]

use locker_core::analytics::{StatsOptions, journal_stats};
use locker_core::bank::{BankConfig, default_bank};
use locker_core::journal::{Trust, verify};
use locker_core::locker::replay;
use locker_core::sim::{
    Away, Building, Carrier, DwellBucket, ParcelProfile, PeakPeriod, ReceiverGroup, SimError,
    SimResult, compose_bank, default_classes, simulate, simulate_locker,
};
use locker_core::{Dimensions, TemperatureZone};
use proptest::prelude::*;

/// Every count of a result adds up.
fn check_invariants(r: &SimResult, what: &str) {
    assert_eq!(r.arrivals, r.placed + r.overflow, "{what}");
    assert_eq!(
        r.overflow,
        r.overflow_full + r.overflow_nothing_fits,
        "{what}"
    );
    assert_eq!(
        r.carriers.iter().map(|c| c.arrivals).sum::<u64>(),
        r.arrivals,
        "{what}"
    );
    assert_eq!(
        r.carriers.iter().map(|c| c.overflow).sum::<u64>(),
        r.overflow,
        "{what}"
    );
    assert!(r.dwell.count <= r.picked_up + r.expired, "{what}");
    assert!(r.picked_up + r.expired <= r.placed, "{what}: {r:?}");
    assert!(r.peak_occupancy <= r.doors, "{what}");
    assert!((0.0..=1.0).contains(&r.utilization), "{what}");
    for class in &r.classes {
        assert!((0.0..=1.0).contains(&class.utilization), "{what}");
        assert!(class.peak_occupied <= class.doors, "{what}");
    }
    assert_eq!(
        r.classes.iter().map(|c| c.parcels).sum::<u64>(),
        r.placed,
        "{what}"
    );
    assert!((0.0..=1.0).contains(&r.overflow_rate), "{what}");
    let mean_occupied: f64 = r.occupancy_by_hour.iter().sum::<f64>() / 24.0;
    let occupied = r.utilization * f64::from(r.doors);
    assert!(
        (mean_occupied - occupied).abs() <= 1e-6 * occupied.max(1.0),
        "{what}: {mean_occupied} by hour, {occupied} by utilization"
    );
    assert_eq!(r.daily.len(), r.days as usize, "{what}");
    let sum = |f: fn(&locker_core::sim::DayStats) -> u32| -> u64 {
        r.daily.iter().map(|d| u64::from(f(d))).sum()
    };
    assert_eq!(sum(|d| d.arrivals), r.arrivals, "{what}");
    assert_eq!(sum(|d| d.overflow), r.overflow, "{what}");
    assert_eq!(sum(|d| d.collected), r.picked_up, "{what}");
    assert_eq!(sum(|d| d.returned), r.expired, "{what}");
    assert_eq!(
        r.daily.iter().map(|d| d.peak_occupied).max().unwrap_or(0),
        r.peak_occupancy,
        "{what}"
    );
    for d in &r.daily {
        assert!(d.peak_hour < 24 && d.weekday < 7, "{what}");
    }
    for x in [
        r.dwell.mean_h,
        r.dwell.median_h,
        r.dwell.p90_h,
        r.dwell.p95_h,
        r.dwell.max_h,
        r.peak_at_h,
    ] {
        assert!(x.is_finite() && x >= 0.0, "{what}");
    }
    assert!(r.dwell.median_h <= r.dwell.p90_h && r.dwell.p90_h <= r.dwell.p95_h);
    assert!(r.dwell.p95_h <= r.dwell.max_h, "{what}");
}

/// A building small enough to simulate in a few milliseconds.
fn small(units: u32, days: u32, seed: u64) -> Building {
    Building {
        units,
        days,
        seed,
        ..Building::default()
    }
}

fn field_of(error: &SimError) -> Option<&str> {
    match error {
        SimError::InvalidField { field, .. } => Some(field),
        _ => None,
    }
}

// ---------------------------------------------------------------------
// Buildings at the edges
// ---------------------------------------------------------------------

#[test]
fn edge_buildings_simulate_or_name_the_field() {
    let base = small(40, 10, 3);
    let mut cases: Vec<(&str, Building)> = vec![
        (
            "one unit",
            Building {
                units: 1,
                ..base.clone()
            },
        ),
        (
            "one day",
            Building {
                days: 1,
                ..base.clone()
            },
        ),
        (
            "start on the last day of the year",
            Building {
                start_day_of_year: 364,
                days: 5,
                ..base.clone()
            },
        ),
        (
            "a peak wrapping past 31 December",
            Building {
                start_day_of_year: 360,
                peaks: vec![PeakPeriod {
                    name: "new year".into(),
                    first_day_of_year: 362,
                    days: 10,
                    factor_percent: 400,
                }],
                ..base.clone()
            },
        ),
        (
            "every peak factor 0 except none",
            Building {
                peaks: vec![PeakPeriod {
                    name: "closed".into(),
                    first_day_of_year: 0,
                    days: 365,
                    factor_percent: 0,
                }],
                ..base.clone()
            },
        ),
        (
            "one season month, outside the horizon",
            Building {
                season: [0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0],
                ..base.clone()
            },
        ),
        (
            "growth -50 for ten years",
            Building {
                growth_percent_per_year: -50.0,
                days: 3_660,
                units: 2,
                parcels_per_unit_per_month: 1.0,
                ..base.clone()
            },
        ),
        (
            "max dwell at its bounds",
            Building {
                max_dwell_h: 8_760,
                dwell_limit_h: 8_760,
                chilled_dwell_limit_h: 8_760,
                extension_h: 8_760,
                ..base.clone()
            },
        ),
        (
            "shortest limits",
            Building {
                max_dwell_h: 1,
                dwell_limit_h: 1,
                chilled_dwell_limit_h: 1,
                extension_h: 1,
                ..base.clone()
            },
        ),
        (
            "52 trips of 365 days, all held",
            Building {
                away: Away {
                    trips_per_unit_per_year: 52.0,
                    min_days: 365,
                    max_days: 365,
                    hold_percent: 100,
                },
                extension_percent: 100,
                max_dwell_h: 8_760,
                ..base.clone()
            },
        ),
        (
            "one collection hour",
            Building {
                collection_hour_weights: {
                    let mut w = [0; 24];
                    w[3] = 1;
                    w
                },
                ..base.clone()
            },
        ),
        (
            "a carrier with 24 rounds",
            Building {
                carriers: vec![Carrier {
                    name: "all day".into(),
                    share: 1,
                    rounds: (0..24).collect(),
                    size_shares: vec![],
                }],
                ..base.clone()
            },
        ),
        (
            "a carrier whose parcels fit no door",
            Building {
                carriers: vec![Carrier {
                    name: "furniture".into(),
                    share: 1,
                    rounds: vec![9],
                    size_shares: vec![0, 0, 0, 0, 0, 0, 1],
                }],
                ..base.clone()
            },
        ),
        (
            "huge extension, everyone extends",
            Building {
                extension_h: 8_760,
                extension_percent: 100,
                max_dwell_h: 8_760,
                ..base.clone()
            },
        ),
        (
            "no carriers",
            Building {
                carriers: vec![],
                ..base.clone()
            },
        ),
        (
            "receivers with a zero-share zero-rate group",
            Building {
                receivers: vec![
                    ReceiverGroup { share: 0, rate: 0 },
                    ReceiverGroup { share: 1, rate: 5 },
                ],
                ..base.clone()
            },
        ),
        (
            "every unit accessible",
            Building {
                accessible_units_percent: 100,
                ..base.clone()
            },
        ),
        (
            "one dwell bucket of a year",
            Building {
                dwell: vec![DwellBucket {
                    up_to_h: 8_760,
                    share: 1,
                }],
                ..base.clone()
            },
        ),
        (
            "many units, one day",
            Building {
                units: 1_000_000,
                parcels_per_unit_per_month: 0.01,
                days: 1,
                away: Away {
                    trips_per_unit_per_year: 0.0,
                    ..Away::default()
                },
                ..base.clone()
            },
        ),
    ];
    for start in [0, 59, 180, 300, 364] {
        cases.push((
            "start anywhere",
            Building {
                start_day_of_year: start,
                start_weekday: (start % 7) as u8,
                ..base.clone()
            },
        ));
    }
    for (what, building) in cases {
        match simulate(&building, &default_bank()) {
            Ok(result) => check_invariants(&result, what),
            Err(error) => assert!(field_of(&error).is_some(), "{what}: {error}"),
        }
    }
}

// ---------------------------------------------------------------------
// The cap on expected parcels
// ---------------------------------------------------------------------

/// Validation caps the parcels a run expects (10 million) so memory stays
/// bounded; the cap must hold for the parcels that really come, after
/// growth, season, peaks and weekdays, not for the flat mean alone.
#[test]
fn the_parcel_cap_counts_growth_and_concentration() {
    // 3.6 million parcels at a flat rate, 51 times as many with +1000 % a
    // year for ten years (184 million: gigabytes of arrival times).
    let growing = Building {
        units: 3_000,
        parcels_per_unit_per_month: 10.0,
        days: 3_660,
        growth_percent_per_year: 1_000.0,
        ..Building::default()
    };
    let error = growing.validate().unwrap_err();
    assert!(field_of(&error).unwrap().contains("units"), "{error}");
    // 9.9 million parcels at a flat rate on one day, but the whole year's
    // volume on that day: one season month, its other days at factor 0,
    // one weekday. Day 0 alone would be 25 billion parcels (an endless
    // loop and an allocation of terabytes).
    let mut weekdays = [0; 7];
    weekdays[0] = 1;
    let concentrated = Building {
        units: 1_000_000,
        parcels_per_unit_per_month: 300.0,
        days: 1,
        start_day_of_year: 31,
        start_weekday: 0,
        weekday_weights: weekdays,
        season: [0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
        peaks: vec![PeakPeriod {
            name: "quiet".into(),
            first_day_of_year: 32,
            days: 27,
            factor_percent: 0,
        }],
        away: Away {
            trips_per_unit_per_year: 0.0,
            ..Away::default()
        },
        ..Building::default()
    };
    let error = concentrated.validate().unwrap_err();
    assert!(field_of(&error).unwrap().contains("units"), "{error}");
    // A building under the cap on its busiest day still validates.
    let flat = Building {
        units: 1_000_000,
        parcels_per_unit_per_month: 200.0,
        days: 1,
        ..Building::default()
    };
    assert!(flat.validate().is_ok());
}

/// Trips away are drawn per unit up front: a million units with 52 trips
/// a year for ten years is half a billion trips (gigabytes).
#[test]
fn trips_away_are_capped_too() {
    let travellers = Building {
        units: 1_000_000,
        parcels_per_unit_per_month: 0.05,
        days: 3_660,
        away: Away {
            trips_per_unit_per_year: 52.0,
            ..Away::default()
        },
        ..Building::default()
    };
    let error = travellers.validate().unwrap_err();
    assert_eq!(
        field_of(&error),
        Some("away.trips_per_unit_per_year"),
        "{error}"
    );
}
