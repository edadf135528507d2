//! The simulation through the public API: common random numbers across
//! banks, and the JSON shapes the bindings expose.
#![cfg(feature = "serde")]
#![allow(clippy::unwrap_used)]

use locker_core::bank::default_bank;
use locker_core::sim::{
    Building, PlanRequest, SimResult, compose_bank, coverage_curve, default_classes, simulate,
    simulate_locker,
};

fn building(seed: u64) -> Building {
    Building {
        units: 150,
        days: 21,
        seed,
        ..Building::default()
    }
}

#[test]
fn every_bank_sees_the_same_parcels() {
    // The random draws do not depend on allocation, so compositions are
    // compared on the very same arrivals (common random numbers).
    let small = compose_bank(&default_classes(), &[5, 5, 2, 1], Default::default(), 10).unwrap();
    for seed in 0..4 {
        let a = simulate(&building(seed), &default_bank()).unwrap();
        let b = simulate(&building(seed), &small).unwrap();
        assert_eq!(a.arrivals, b.arrivals);
        let daily_a: Vec<u32> = a.daily.iter().map(|d| d.arrivals).collect();
        let daily_b: Vec<u32> = b.daily.iter().map(|d| d.arrivals).collect();
        assert_eq!(daily_a, daily_b);
        assert!(b.overflow >= a.overflow, "seed {seed}");
    }
}

#[test]
fn results_serialize_as_snake_case_json() {
    let result = simulate(&building(1), &default_bank()).unwrap();
    let json = serde_json::to_value(&result).unwrap();
    for key in [
        "overflow_rate",
        "peak_occupancy",
        "utilization",
        "classes",
        "dwell",
        "daily",
        "overflow_nothing_fits",
    ] {
        assert!(json.get(key).is_some(), "{key}");
    }
    assert!(json["dwell"].get("p90_h").is_some());
    assert!(json["classes"][0].get("size_class").is_some());
    let request = serde_json::to_value(PlanRequest::default()).unwrap();
    assert_eq!(request["objective"], "doors");
    assert_eq!(request["classes"][3]["size_class"], "XL");
}

#[test]
fn a_building_round_trips_through_json() {
    let original = building(9);
    let text = serde_json::to_string(&original).unwrap();
    let back: Building = serde_json::from_str(&text).unwrap();
    assert_eq!(back, original);
    assert_eq!(
        simulate(&back, &default_bank()).unwrap(),
        simulate(&original, &default_bank()).unwrap()
    );
}

#[test]
fn occupied_doors_follow_littles_law_when_parcels_never_share_a_door() {
    // Little's law: the time-averaged number of parcels in the bank is the
    // arrival rate times the mean stay. Without consolidation occupied
    // doors are parcels; on a bank large enough that none overflows.
    let classes = default_classes();
    let mut bank =
        compose_bank(&classes, &vec![120; classes.len()], Default::default(), 10).unwrap();
    bank.policy.consolidate = false;
    for seed in 0..3 {
        let quiet = Building {
            units: 1_000,
            parcels_per_unit_per_month: 2.0,
            days: 90,
            seed,
            ..Building::default()
        };
        let result = simulate(&quiet, &bank).unwrap();
        // Only what fits no door of these ambient classes (oversize and
        // chilled parcels) overflows.
        assert_eq!(result.overflow_full, 0, "seed {seed}");
        #[allow(clippy::cast_precision_loss)]
        let arrivals_per_h = result.placed as f64 / (f64::from(result.days) * 24.0);
        let parcels_in_bank = arrivals_per_h * result.dwell.mean_h;
        let occupied_doors = result.utilization * f64::from(result.doors);
        let ratio = occupied_doors / parcels_in_bank;
        assert!(
            (0.95..=1.05).contains(&ratio),
            "seed {seed}: {occupied_doors:.2} doors occupied on average, {parcels_in_bank:.2} by Little's law"
        );
        assert_eq!(result.consolidated, 0, "seed {seed}");
    }
}

/// `a` and `b` within `relative` of each other, or `absolute` apart.
fn close(a: f64, b: f64, relative: f64, absolute: f64) -> bool {
    (a - b).abs() <= absolute || (a - b).abs() <= relative * a.abs().max(b.abs())
}

fn assert_agree(fast: &SimResult, full: &SimResult, what: &str) {
    // The same demand: the same parcels arrive.
    assert_eq!(fast.arrivals, full.arrivals, "{what}");
    assert_eq!(
        fast.overflow_nothing_fits, full.overflow_nothing_fits,
        "{what}"
    );
    for (name, a, b, relative, absolute) in [
        (
            "overflow rate",
            fast.overflow_rate,
            full.overflow_rate,
            0.10,
            0.01,
        ),
        (
            "utilization",
            fast.utilization,
            full.utilization,
            0.05,
            0.01,
        ),
        (
            "peak occupancy",
            f64::from(fast.peak_occupancy),
            f64::from(full.peak_occupancy),
            0.05,
            2.0,
        ),
        (
            "mean dwell",
            fast.dwell.mean_h,
            full.dwell.mean_h,
            0.05,
            0.5,
        ),
        (
            "median dwell",
            fast.dwell.median_h,
            full.dwell.median_h,
            0.05,
            0.5,
        ),
        ("p90 dwell", fast.dwell.p90_h, full.dwell.p90_h, 0.05, 1.0),
    ] {
        assert!(
            close(a, b, relative, absolute),
            "{what}: {name} {a:.4} on the fast path, {b:.4} through the locker"
        );
    }
    #[allow(clippy::cast_precision_loss)]
    let returned = |r: &SimResult| r.expired as f64;
    assert!(
        close(returned(fast), returned(full), 0.15, 5.0),
        "{what}: {} returned on the fast path, {} through the locker",
        fast.expired,
        full.expired
    );
}

#[test]
fn the_fast_path_and_the_locker_agree_on_the_same_building() {
    // One simulator, two ways to run it: through the bank alone (the
    // planner's) and through the real locker with its credentials,
    // sweeps and journal. On the same demand they must tell the same story.
    for (seed, units, ppm) in [(1, 300, 20.0), (2, 150, 8.0), (3, 500, 20.0)] {
        let building = Building {
            units,
            parcels_per_unit_per_month: ppm,
            days: 28,
            start_day_of_year: 305,
            start_weekday: 6,
            seed,
            ..Building::default()
        };
        let fast = simulate(&building, &default_bank()).unwrap();
        let full = simulate_locker(&building, &default_bank()).unwrap();
        assert_agree(&fast, &full.result, &format!("seed {seed}, {units} units"));
    }
}

#[test]
fn covering_every_parcel_takes_about_twice_the_doors_of_covering_four_in_five() {
    // Field data (Loughborough University, J. Open Innov. 2021, 7(3):183:
    // a year of London lockers) finds that covering 100 % of parcels
    // instead of 80 % about doubles the doors, because demand is uneven:
    // the busy months, the days after Black Friday, Mondays. The default
    // building's seasonal profile must show it, in a median year, for the
    // main job's 300 units. (A building of 100 units, whose busiest days
    // are relatively busier still, comes out near 2.5×.)
    let building = Building {
        units: 300,
        seed: 11,
        ..Building::default()
    };
    let request = PlanRequest {
        seeds: 3,
        percentile: 50.0,
        ..PlanRequest::default()
    };
    let curve = coverage_curve(&building, &request, &[0.8, 1.0]).unwrap();
    let doors = |i: usize| f64::from(curve.points[i].doors.unwrap());
    let ratio = doors(1) / doors(0);
    assert!(
        (1.5..=2.5).contains(&ratio),
        "{} doors cover every parcel, {} four in five: {ratio:.2}×",
        doors(1),
        doors(0)
    );
}
