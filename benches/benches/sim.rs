//! Building simulation cost: one simulated year of a 500-unit building
//! (about 120,000 parcels) against the default bank and against a bank
//! that keeps overflow low, a capacity plan for a 250-unit building, a
//! plan for a year of a 300-unit building on 20 seeds (years), on all
//! cores (target: under 10 s on 2 cores), and a month of a 300-unit
//! building through the real locker (target: under 2 s).

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use locker_core::bank::default_bank;
use locker_core::sim::{
    Building, PlanRequest, compose_bank, default_classes, plan, simulate, simulate_locker,
};

fn year(c: &mut Criterion) {
    let building = Building {
        units: 500,
        days: 365,
        seed: 1,
        ..Building::default()
    };
    let mut group = c.benchmark_group("sim");
    group.sample_size(10);
    let busy = default_bank();
    group.bench_function("year_500_units_default_bank", |b| {
        b.iter(|| simulate(black_box(&building), black_box(&busy)).unwrap());
    });
    let roomy = compose_bank(
        &default_classes(),
        &[90, 80, 60, 15],
        Default::default(),
        10,
    )
    .unwrap();
    group.bench_function("year_500_units_245_doors", |b| {
        b.iter(|| simulate(black_box(&building), black_box(&roomy)).unwrap());
    });
    let small = Building {
        units: 250,
        days: 91,
        ..Building::default()
    };
    group.bench_function("plan_250_units_quarter", |b| {
        b.iter(|| plan(black_box(&small), &PlanRequest::default()).unwrap());
    });
    let tower = Building {
        units: 300,
        days: 365,
        ..Building::default()
    };
    let twenty = PlanRequest {
        seeds: 20,
        ..PlanRequest::default()
    };
    group.bench_function("plan_300_units_year_20_seeds", |b| {
        b.iter(|| plan(black_box(&tower), &twenty).unwrap());
    });
    group.finish();
}

/// The full path: a month of a 300-unit building through a real locker,
/// credentials, sweeps and journal included (target: under 2 s).
fn locker_month(c: &mut Criterion) {
    let building = Building {
        units: 300,
        days: 30,
        start_day_of_year: 304,
        start_weekday: 6,
        seed: 1,
        ..Building::default()
    };
    let mut group = c.benchmark_group("sim");
    group.sample_size(10);
    let bank = default_bank();
    group.bench_function("locker_month_300_units", |b| {
        b.iter(|| simulate_locker(black_box(&building), black_box(&bank)).unwrap());
    });
    group.finish();
}

criterion_group!(benches, year, locker_month);
criterion_main!(benches);
