//! The capacity planner through the public API: the percentile of seeds,
//! monotonicity in the target and in coverage, the door limit, progress
//! and cancellation, chilled and accessible doors.
#![allow(clippy::unwrap_used)]

use core::ops::ControlFlow;

use locker_core::TemperatureZone;
use locker_core::geometry::Dimensions;
use locker_core::sim::{
    Building, ParcelProfile, PlanRequest, SimError, compose_bank, coverage_curve, default_classes,
    plan, plan_with, simulate,
};
use proptest::prelude::*;

fn building(units: u32, days: u32, seed: u64) -> Building {
    Building {
        units,
        days,
        seed,
        ..Building::default()
    }
}

fn request(target: f64, seeds: u32) -> PlanRequest {
    PlanRequest {
        target_overflow_rate: target,
        seeds,
        ..PlanRequest::default()
    }
}

/// The nearest-rank percentile, written out independently.
fn nearest_rank(rates: &[f64], percentile: f64) -> f64 {
    let mut sorted = rates.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    let mut rank = 1;
    while (rank as f64) < percentile / 100.0 * n as f64 - 1e-9 {
        rank += 1;
    }
    sorted[rank.min(n) - 1]
}

#[test]
fn a_plan_meets_its_target_at_the_percentile_of_its_seeds() {
    let building = building(100, 42, 17);
    for percentile in [50.0, 90.0, 100.0] {
        let request = PlanRequest {
            percentile,
            ..request(0.02, 5)
        };
        let plan = plan(&building, &request).unwrap();
        // The per-seed rates are the simulations of seeds 17, 18, …
        for (i, &rate) in plan.seed_overflow_rates.iter().enumerate() {
            let year = Building {
                seed: 17 + i as u64,
                ..building.clone()
            };
            assert_eq!(
                simulate(&year, &plan.config).unwrap().full_overflow_rate(),
                rate
            );
        }
        let at = nearest_rank(&plan.seed_overflow_rates, percentile);
        assert_eq!(plan.overflow_rate, at, "{percentile}");
        assert!(plan.overflow_rate <= 0.02);
        assert_eq!(plan.result.full_overflow_rate(), at);
    }
    // A higher percentile (more of the years must meet it) never needs
    // fewer doors.
    let doors = |percentile| {
        let request = PlanRequest {
            percentile,
            ..request(0.02, 5)
        };
        plan(&building, &request).unwrap().doors
    };
    assert!(doors(20.0) <= doors(50.0));
    assert!(doors(50.0) <= doors(100.0));
}

#[test]
fn doors_never_grow_as_the_target_rises() {
    let building = building(120, 35, 3);
    let targets = [
        0.0, 0.001, 0.002, 0.005, 0.01, 0.02, 0.03, 0.05, 0.1, 0.2, 0.5,
    ];
    let mut previous = u32::MAX;
    for target in targets {
        let plan = plan(&building, &request(target, 4)).unwrap();
        assert!(
            plan.doors <= previous,
            "{target}: {} after {previous}",
            plan.doors
        );
        assert!(
            plan.overflow_rate <= target,
            "{target}: {}",
            plan.overflow_rate
        );
        assert!(plan.seed_overflow_rates.iter().all(|&r| r <= target));
        previous = plan.doors;
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4))]

    #[test]
    fn doors_are_non_increasing_in_the_target_for_any_seed(
        seed in any::<u64>(),
        units in 30_u32..120,
        mut targets in proptest::collection::vec(0.0_f64..0.2, 3),
    ) {
        let building = building(units, 21, seed);
        targets.sort_by(f64::total_cmp);
        let doors: Vec<u32> = targets
            .iter()
            .map(|&t| {
                let plan = plan(&building, &request(t, 3)).unwrap();
                assert!(plan.overflow_rate <= t);
                plan.doors
            })
            .collect();
        prop_assert!(doors.windows(2).all(|w| w[0] >= w[1]), "{targets:?}: {doors:?}");
    }
}

#[test]
fn a_door_limit_at_or_above_the_needed_doors_succeeds() {
    // Regression: doubling past `max_doors` gave up without trying the
    // limit itself, so a limit above the needed doors was "infeasible".
    let building = building(150, 28, 5);
    let free = plan(&building, &request(0.05, 3)).unwrap();
    for max_doors in [
        free.doors,
        free.doors + 1,
        free.doors + 5,
        free.doors * 3 / 2,
    ] {
        let limited = PlanRequest {
            max_doors,
            ..request(0.05, 3)
        };
        let plan = plan(&building, &limited).unwrap();
        assert!(plan.doors <= max_doors, "{max_doors}: {}", plan.doors);
        assert!(plan.overflow_rate <= 0.05);
    }
    // Too few doors: infeasible, and the limit itself was simulated.
    let tight = PlanRequest {
        max_doors: free.doors / 2,
        ..request(0.05, 3)
    };
    match plan(&building, &tight) {
        Err(SimError::Infeasible {
            max_doors,
            best_doors,
            best_overflow_rate,
            ..
        }) => {
            assert_eq!((max_doors, best_doors), (free.doors / 2, free.doors / 2));
            assert!(best_overflow_rate > 0.05);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn progress_counts_every_simulation_and_can_stop_the_plan() {
    let building = building(60, 14, 1);
    let request = request(0.05, 3);
    let mut seen = Vec::new();
    let plan = plan_with(&building, &request, &mut |p| {
        seen.push(p);
        ControlFlow::Continue(())
    })
    .unwrap();
    assert_eq!(seen.len(), usize::try_from(plan.evaluations).unwrap());
    for (i, p) in seen.iter().enumerate() {
        assert_eq!(p.simulations, u32::try_from(i).unwrap() + 1);
        assert!(p.estimated_total >= p.simulations, "{p:?}");
    }
    assert_eq!(seen.last().unwrap().estimated_total, plan.evaluations);
    // Stopping at the fifth year: no call after it, a typed error.
    let mut calls = 0;
    let stopped = plan_with(&building, &request, &mut |_| {
        calls += 1;
        if calls == 5 {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    });
    assert_eq!(stopped, Err(SimError::Cancelled));
    assert_eq!(calls, 5);
    assert_eq!(SimError::Cancelled.code(), "cancelled");
}

#[test]
fn the_same_request_gives_the_same_plan() {
    let building = building(80, 21, 8);
    let request = request(0.03, 6);
    assert_eq!(
        plan(&building, &request).unwrap(),
        plan(&building, &request).unwrap()
    );
}

#[test]
fn more_coverage_never_needs_fewer_doors() {
    let building = building(100, 28, 2);
    let request = request(0.05, 5);
    let coverages = [0.5, 0.8, 0.9, 0.95, 0.98, 0.99, 1.0];
    let curve = coverage_curve(&building, &request, &coverages).unwrap();
    assert_eq!(curve.points.len(), coverages.len());
    let mut previous = 0;
    for point in &curve.points {
        let doors = point.doors.unwrap_or(u32::MAX);
        assert!(doors >= previous, "{point:?}");
        previous = doors;
        assert!(point.doors_p10 <= point.doors_p50, "{point:?}");
        assert!(point.doors_p50 <= point.doors_p90, "{point:?}");
        if let Some(doors) = point.doors {
            // The curve's answer is the plan's.
            let plan = plan(
                &building,
                &PlanRequest {
                    target_overflow_rate: point.target_overflow_rate,
                    ..request.clone()
                },
            )
            .unwrap();
            assert_eq!(plan.doors, doors, "{point:?}");
            assert_eq!(point.counts, plan.counts);
            let (p10, p90) = (point.overflow_p10.unwrap(), point.overflow_p90.unwrap());
            assert!(p10 <= point.overflow_p50.unwrap() && point.overflow_p50.unwrap() <= p90);
            assert!(p90 <= point.target_overflow_rate);
        }
    }
    let bad = coverage_curve(&building, &request, &[0.9, 1.5]);
    assert!(matches!(bad, Err(SimError::InvalidField { field, .. }) if field == "coverages[1]"));
    let empty = coverage_curve(&building, &request, &[]);
    assert!(matches!(empty, Err(SimError::InvalidField { field, .. }) if field == "coverages"));
}

#[test]
fn chilled_parcels_get_chilled_doors() {
    let mut building = building(100, 28, 4);
    let mut groceries = ParcelProfile::new("groceries", Dimensions::new(350, 250, 150), 4_000, 15);
    groceries.zone = TemperatureZone::Chilled;
    building.size_mix.push(groceries);
    // No oversize parcels, so whatever fits no door would be a chilled one.
    building.size_mix.retain(|p| p.name != "oversize");
    // Every carrier brings the building's mix.
    for carrier in &mut building.carriers {
        carrier.size_shares.clear();
    }
    let plan = plan(&building, &request(0.03, 3)).unwrap();
    let chilled: u32 = plan
        .config
        .compartments
        .iter()
        .filter(|d| d.zone == TemperatureZone::Chilled)
        .count()
        .try_into()
        .unwrap();
    assert!(chilled > 0, "{:?}", plan.counts);
    assert!(plan.overflow_rate <= 0.03);
    assert_eq!(plan.result.overflow_nothing_fits, 0);
    // Without chilled parcels the chilled classes stay empty.
    let mut ambient = building.clone();
    ambient
        .size_mix
        .retain(|p| p.zone == TemperatureZone::Ambient);
    let ambient = locker_core::sim::plan(&ambient, &request(0.05, 2)).unwrap();
    assert!(
        ambient
            .counts
            .iter()
            .filter(|c| c.size_class.ends_with("chilled"))
            .all(|c| c.count == 0)
    );
}

#[test]
fn composed_banks_mark_five_percent_of_each_class_accessible() {
    let classes = default_classes();
    let counts = [1, 19, 20, 21, 41];
    for &n in &counts {
        let config = compose_bank(&classes, &[n, 0, 0, 2], Default::default(), 10).unwrap();
        let accessible = |class: &str| {
            config
                .compartments
                .iter()
                .filter(|d| d.size_class == class && d.accessible)
                .count()
        };
        // 5 % rounded up, at least one.
        let expected = usize::try_from(n.div_ceil(20)).unwrap().max(1);
        assert_eq!(accessible("A"), expected, "{n}");
        assert_eq!(accessible("XL"), 1);
        assert!(config.ada_compliant);
        config.validate().unwrap();
    }
    let plan = plan(&building(60, 14, 0), &request(0.05, 2)).unwrap();
    assert!(plan.config.ada_compliant);
    plan.config.validate().unwrap();
}

#[test]
fn bad_requests_name_the_field() {
    let building = building(40, 7, 0);
    type Spoil = fn(&mut PlanRequest);
    let cases: [(Spoil, &str); 6] = [
        (|r| r.seeds = 0, "seeds"),
        (|r| r.seeds = 1_001, "seeds"),
        (|r| r.percentile = 0.0, "percentile"),
        (|r| r.percentile = f64::NAN, "percentile"),
        (|r| r.percentile = 100.5, "percentile"),
        (|r| r.target_overflow_rate = -0.1, "target_overflow_rate"),
    ];
    for (spoil, name) in cases {
        let mut request = PlanRequest::default();
        spoil(&mut request);
        match plan(&building, &request) {
            Err(SimError::InvalidField { field, .. }) => assert_eq!(field, name),
            other => panic!("{name}: {other:?}"),
        }
    }
}
