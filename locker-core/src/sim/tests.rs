use alloc::vec;
use alloc::vec::Vec;

use proptest::prelude::*;

use super::*;
use crate::bank::default_bank;
use crate::geometry::Dimensions;

fn small(units: u32, days: u32, seed: u64) -> Building {
    Building {
        units,
        days,
        seed,
        ..Building::default()
    }
}

/// `building` with only `profiles` (every carrier brings the same mix).
fn only(mut building: Building, profiles: Vec<ParcelProfile>) -> Building {
    building.size_mix = profiles;
    for carrier in &mut building.carriers {
        carrier.size_shares.clear();
    }
    building
}

/// `building` without its trips away, extensions or carriers' rounds:
/// parcels stay exactly until collected or the dwell limit.
fn plain(mut building: Building) -> Building {
    building.carriers.clear();
    building.away.trips_per_unit_per_year = 0.0;
    building.extension_percent = 0;
    building
}

#[test]
fn counts_add_up_and_rates_are_fractions() {
    let result = simulate(&small(150, 60, 7), &default_bank()).unwrap();
    assert_eq!(result.arrivals, result.placed + result.overflow);
    assert_eq!(
        result.overflow,
        result.overflow_full + result.overflow_nothing_fits
    );
    assert!(result.picked_up + result.expired <= result.placed);
    // Returned parcels leave when their carrier comes back for them, after
    // they expired; a few may still wait at the end.
    assert!(result.dwell.count <= result.picked_up + result.expired);
    assert!(result.dwell.count >= result.picked_up);
    assert!(result.expired > 0 && result.extensions > 0 && result.holds > 0);
    assert_eq!(result.occupancy_by_hour.len(), 24);
    assert_eq!(
        result.carriers.iter().map(|c| c.arrivals).sum::<u64>(),
        result.arrivals
    );
    assert_eq!(
        result.carriers.iter().map(|c| c.overflow).sum::<u64>(),
        result.overflow
    );
    assert!((0.0..=1.0).contains(&result.overflow_rate));
    assert!((0.0..=1.0).contains(&result.utilization));
    assert!(result.peak_occupancy <= result.doors);
    assert_eq!(result.daily.len(), 60);
    let daily: u64 = result.daily.iter().map(|d| u64::from(d.arrivals)).sum();
    assert_eq!(daily, result.arrivals);
    let names: Vec<&str> = result
        .classes
        .iter()
        .map(|c| c.size_class.as_str())
        .collect();
    assert_eq!(names, ["A", "B", "C", "XL"]);
    for class in &result.classes {
        assert!((0.0..=1.0).contains(&class.utilization), "{class:?}");
        assert!(class.peak_occupied <= class.doors);
    }
    assert!(result.dwell.median_h <= result.dwell.p90_h);
    assert!(result.dwell.p90_h <= result.dwell.max_h);
}

/// The default bank without consolidation: a door's parcels all arrived
/// together, so a door's expiry is its parcel's.
fn separate_doors() -> crate::bank::BankConfig {
    let mut config = default_bank();
    config.policy.consolidate = false;
    config
}

#[test]
fn volume_follows_the_parcels_per_unit() {
    // 200 units × 20 a month for a year is about 48,000 parcels.
    let result = simulate(&small(200, 365, 1), &default_bank()).unwrap();
    let expected = 200.0 * 20.0 * 12.0;
    let arrivals = num::to_f64(result.arrivals);
    assert!((arrivals - expected).abs() < expected * 0.02, "{arrivals}");
}

#[test]
fn weekday_pattern_shapes_the_days() {
    let mut building = small(100, 28, 3);
    building.weekday_weights = [1, 1, 1, 1, 1, 0, 0];
    let result = simulate(&building, &default_bank()).unwrap();
    for day in &result.daily {
        if day.weekday >= 5 {
            assert_eq!(day.arrivals, 0, "{day:?}");
        } else {
            assert!(day.arrivals > 0, "{day:?}");
        }
    }
}

#[test]
fn a_small_bank_overflows_and_a_large_one_does_not() {
    let building = small(400, 30, 5);
    let busy = simulate(&building, &default_bank()).unwrap();
    assert!(busy.overflow_rate > 0.2, "{}", busy.overflow_rate);
    assert!(busy.overflow_full > 0);
    let classes = default_classes();
    let big = compose_bank(&classes, &[400, 400, 300, 100], Default::default(), 10).unwrap();
    let calm = simulate(&building, &big).unwrap();
    // Only parcels no ambient door takes (chilled, oversize) overflow.
    assert_eq!(calm.overflow_full, 0);
    assert_eq!(calm.overflow, calm.overflow_nothing_fits);
}

#[test]
fn parcels_that_fit_nothing_are_reported_as_such() {
    let building = only(
        small(50, 14, 2),
        vec![ParcelProfile::new(
            "sofa",
            Dimensions::new(2_000, 900, 800),
            40_000,
            1,
        )],
    );
    let result = simulate(&building, &default_bank()).unwrap();
    assert!(result.arrivals > 0);
    assert_eq!(result.overflow_nothing_fits, result.arrivals);
    assert_eq!(result.overflow_rate, 1.0);
}

#[test]
fn long_dwell_expires_at_the_limit() {
    let mut building = plain(small(20, 20, 4));
    building.dwell = vec![DwellBucket {
        up_to_h: 500,
        share: 1,
    }];
    building.dwell_limit_h = 10;
    let result = simulate(&building, &separate_doors()).unwrap();
    assert!(result.expired > 0);
    assert!(result.dwell.max_h <= 10.0);
    // With carriers, a return waits for the carrier's next round.
    let mut rounds = building.clone();
    rounds.carriers = Building::default().carriers;
    for carrier in &mut rounds.carriers {
        carrier.size_shares.clear();
    }
    let result = simulate(&rounds, &separate_doors()).unwrap();
    assert!(result.dwell.max_h > 10.0 && result.dwell.max_h <= 34.0);
}

#[test]
fn bad_buildings_name_the_field() {
    type Spoil = fn(&mut Building);
    let cases: [(Spoil, &str); 6] = [
        (|b| b.units = 0, "units"),
        (
            |b| b.parcels_per_unit_per_month = f64::NAN,
            "parcels_per_unit_per_month",
        ),
        (|b| b.days = 0, "days"),
        (|b| b.hour_weights = [0; 24], "hour_weights"),
        (|b| b.dwell[1].up_to_h = 1, "dwell[1].up_to_h"),
        (|b| b.start_weekday = 7, "start_weekday"),
    ];
    for (spoil, name) in cases {
        let mut building = Building::default();
        spoil(&mut building);
        match simulate(&building, &default_bank()) {
            Err(SimError::InvalidField { field, .. }) => assert_eq!(field, name),
            other => panic!("{name}: {other:?}"),
        }
    }
    let huge = Building {
        units: 1_000_000,
        parcels_per_unit_per_month: 1_000.0,
        ..Building::default()
    };
    assert!(matches!(
        simulate(&huge, &default_bank()),
        Err(SimError::InvalidField { .. })
    ));
    let mut building = Building::default();
    building.size_mix[0].weight_g = 0;
    assert!(matches!(
        simulate(&building, &default_bank()),
        Err(SimError::InvalidParcel { index: 0, .. })
    ));
}

#[test]
fn composed_banks_are_valid_and_ada_compliant() {
    let config = compose_bank(&default_classes(), &[3, 0, 40, 1], Default::default(), 10).unwrap();
    assert_eq!(config.compartments.len(), 44);
    assert!(config.ada_compliant);
    assert!(compose_bank(&default_classes(), &[0; 4], Default::default(), 10).is_err());
    assert!(compose_bank(&default_classes(), &[1], Default::default(), 10).is_err());
}

#[test]
fn the_planner_meets_the_target_and_one_door_fewer_of_the_chain_does_not() {
    let building = small(120, 56, 9);
    let request = PlanRequest {
        target_overflow_rate: 0.03,
        seeds: 3,
        ..PlanRequest::default()
    };
    let plan = plan(&building, &request).unwrap();
    assert!(plan.overflow_rate <= 0.03);
    assert_eq!(plan.seed_overflow_rates.len(), 3);
    assert_eq!(plan.doors, plan.counts.iter().map(|c| c.count).sum::<u32>());
    assert_eq!(
        plan.config.compartments.len(),
        usize::try_from(plan.doors).unwrap()
    );
    // With 3 seeds the 90th percentile is the worst year; `result` is it.
    let worst = plan.seed_overflow_rates.iter().copied().fold(0.0, f64::max);
    assert_eq!(plan.overflow_rate, worst);
    assert_eq!(plan.result.full_overflow_rate(), worst);
    let year = Building {
        seed: plan.result_seed,
        ..building.clone()
    };
    assert_eq!(simulate(&year, &plan.config).unwrap(), plan.result);
    // The chain's composition one door smaller fails the target.
    let mut noop = |_| core::ops::ControlFlow::Continue(());
    let mut search = plan::Search::new(&building, &request, &mut noop);
    assert_eq!(
        search.counts_at(plan.doors),
        plan.counts.iter().map(|c| c.count).collect::<Vec<_>>()
    );
    let fewer = search.rates(plan.doors - 1).unwrap();
    assert!(
        plan::nearest_rank(&fewer, 90.0).unwrap().1 > 0.03,
        "{fewer:?}"
    );
}

#[cfg(feature = "std")]
#[test]
fn seeds_give_the_same_rates_on_any_number_of_threads() {
    let building = small(90, 14, 40);
    let config = default_bank();
    let mut ticks = 0;
    let one = seeds::sequential(&building, &config, 0..7, &mut [None; 7], &mut || {
        ticks += 1;
        core::ops::ControlFlow::Continue(())
    })
    .unwrap();
    assert_eq!(ticks, 7);
    for threads in [1, 2, 3, 8] {
        let mut ticks = 0;
        let many = seeds::parallel(&building, &config, 7, threads, &mut || {
            ticks += 1;
            core::ops::ControlFlow::Continue(())
        })
        .unwrap();
        assert_eq!(many, one, "{threads} threads");
        assert_eq!(ticks, 7);
    }
    // Year i is seed 40 + i.
    let year = Building {
        seed: 43,
        ..building.clone()
    };
    assert_eq!(
        simulate(&year, &config).unwrap().full_overflow_rate(),
        one[3]
    );
    // Stopping on several threads: a typed error, no tick after it.
    let mut ticks = 0;
    let stopped = seeds::parallel(&building, &config, 7, 3, &mut || {
        ticks += 1;
        core::ops::ControlFlow::Break(())
    });
    assert_eq!(stopped, Err(SimError::Cancelled));
    assert_eq!(ticks, 1);
}

#[test]
fn nearest_rank_is_the_documented_rank() {
    let rates: Vec<f64> = (1..=10).map(|i| f64::from(i) / 100.0).rev().collect();
    // 10 seeds: the 90th percentile is the 9th lowest, the 50th the 5th,
    // the 10th the lowest, the 100th the highest.
    assert_eq!(plan::nearest_rank(&rates, 90.0), Some((1, 0.09)));
    assert_eq!(plan::nearest_rank(&rates, 50.0), Some((5, 0.05)));
    assert_eq!(plan::nearest_rank(&rates, 10.0), Some((9, 0.01)));
    assert_eq!(plan::nearest_rank(&rates, 0.5), Some((9, 0.01)));
    assert_eq!(plan::nearest_rank(&rates, 100.0), Some((0, 0.10)));
    // 8 seeds: the 90th percentile is the highest (rank ⌈7.2⌉ = 8).
    assert_eq!(plan::nearest_rank(&rates[2..], 90.0), Some((0, 0.08)));
    // Equal rates rank in seed order.
    assert_eq!(plan::nearest_rank(&[0.2, 0.1, 0.1], 30.0), Some((1, 0.1)));
    assert_eq!(plan::nearest_rank(&[0.2, 0.1, 0.1], 50.0), Some((2, 0.1)));
    assert_eq!(plan::nearest_rank(&[], 50.0), None);
}

#[test]
fn cost_objective_prefers_cheap_doors() {
    let building = small(80, 28, 11);
    let mut classes = default_classes();
    // Big doors cost almost nothing: the plan should lean on them.
    for (class, price) in classes.iter_mut().zip([100.0, 100.0, 100.0, 1.0]) {
        class.price = price;
    }
    let request = PlanRequest {
        classes,
        objective: Objective::Cost,
        target_overflow_rate: 0.05,
        ..PlanRequest::default()
    };
    let plan = plan(&building, &request).unwrap();
    assert!(plan.result.full_overflow_rate() <= 0.05);
    let xl = plan.counts.iter().find(|c| c.size_class == "XL").unwrap();
    assert!(xl.count * 2 > plan.doors, "{:?}", plan.counts);
}

#[test]
fn impossible_targets_are_infeasible() {
    let building = small(300, 14, 1);
    let request = PlanRequest {
        target_overflow_rate: 0.01,
        max_doors: 8,
        ..PlanRequest::default()
    };
    assert!(matches!(
        plan(&building, &request),
        Err(SimError::Infeasible { max_doors: 8, .. })
    ));
}

#[cfg(feature = "serde")]
#[test]
fn json_shapes_round_trip_with_defaults() {
    let building: Building = serde_json::from_str(r#"{"units": 250, "seed": 4}"#).unwrap();
    assert_eq!(building.units, 250);
    assert_eq!(building.parcels_per_unit_per_month, 20.0);
    assert!(serde_json::from_str::<Building>(r#"{"unit": 250}"#).is_err());
    let request: PlanRequest =
        serde_json::from_str(r#"{"objective": "cost", "target_overflow_rate": 0.1}"#).unwrap();
    assert_eq!(request.objective, Objective::Cost);
    assert_eq!(request.classes.len(), 6);
    assert_eq!(request.seeds, 10);
    assert_eq!(request.percentile, 90.0);
    let request: PlanRequest = serde_json::from_str(r#"{"seeds": 3, "percentile": 50}"#).unwrap();
    assert_eq!((request.seeds, request.percentile), (3, 50.0));
    assert!(serde_json::from_str::<PlanRequest>(r#"{"seed": 3}"#).is_err());
    let json = serde_json::to_string(&Building::default()).unwrap();
    assert_eq!(
        serde_json::from_str::<Building>(&json).unwrap(),
        Building::default()
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(12))]

    #[test]
    fn the_same_seed_gives_the_same_result(seed in any::<u64>(), units in 1_u32..300) {
        let building = small(units, 10, seed);
        let first = simulate(&building, &default_bank()).unwrap();
        let second = simulate(&building, &default_bank()).unwrap();
        prop_assert_eq!(first, second);
    }

    #[test]
    fn invariants_hold_for_any_building(
        seed in any::<u64>(),
        units in 1_u32..400,
        ppm in 0.5_f64..60.0,
        limit in 1_u32..100,
        accessible in 0_u32..=100,
    ) {
        let building = Building {
            units,
            days: 10,
            seed,
            parcels_per_unit_per_month: ppm,
            dwell_limit_h: limit,
            accessible_units_percent: accessible,
            ..Building::default()
        };
        let result = simulate(&building, &default_bank()).unwrap();
        prop_assert_eq!(result.arrivals, result.placed + result.overflow);
        prop_assert!(result.dwell.count <= result.picked_up + result.expired);
        prop_assert!(result.peak_occupancy <= result.doors);
        prop_assert!((0.0..=1.0).contains(&result.utilization));
        let mean_occupied: f64 = result.occupancy_by_hour.iter().sum::<f64>() / 24.0;
        let utilization = result.utilization * f64::from(result.doors);
        prop_assert!((mean_occupied - utilization).abs() <= 1e-6 * utilization.max(1.0));
        for &hourly in &result.occupancy_by_hour {
            prop_assert!(hourly <= f64::from(result.peak_occupancy) + 1e-9);
        }
        // Without consolidation, holds and extensions reach at most the
        // maximum dwell, and a return waits a day at most for its carrier.
        let alone = simulate(&building, &separate_doors()).unwrap();
        prop_assert!(alone.dwell.max_h <= f64::from(building.max_dwell_h) + 24.0);
        prop_assert_eq!(alone.consolidated, 0);
        // Without trips, extensions and rounds too, nothing stays past the
        // limit, and every returned parcel left at once.
        let plain = simulate(&plain(building), &separate_doors()).unwrap();
        prop_assert_eq!(plain.dwell.count, plain.picked_up + plain.expired);
        prop_assert!(plain.dwell.max_h <= f64::from(limit));
    }
}

#[cfg(feature = "serde")]
#[test]
fn the_fast_path_keeps_the_locker_policys_reopen_grace() {
    assert_eq!(
        fast::REOPEN_GRACE_S,
        crate::locker::LockerPolicy::default().reopen_grace_s
    );
}
