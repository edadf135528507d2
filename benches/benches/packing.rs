//! Packing benchmarks: several parcels into one compartment (the
//! consolidation case, run on every multi-parcel deposit) and a large load
//! into as few compartments as possible (sizing and batch allocation).

use criterion::{Criterion, criterion_group, criterion_main};
use locker_benches::mpv;
use locker_core::pack::{lower_bound, pack, pack_bins};
use locker_core::{Dimensions, Parcel, ParcelId};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use std::hint::black_box;

/// An InPost "C" compartment: 380 mm wide, 640 mm deep, 410 mm high.
const LOCKER_C: Dimensions = Dimensions::new(380, 640, 410);

/// Six parcels of one recipient that together fill about half of
/// [`LOCKER_C`]; one is "this side up".
fn six_parcels() -> [Parcel; 6] {
    let parcel = |id, w, d, h| Parcel::new(ParcelId(id), Dimensions::new(w, d, h), 1_000);
    [
        parcel(1, 300, 200, 150),
        parcel(2, 250, 250, 100).upright(),
        parcel(3, 400, 150, 100),
        parcel(4, 200, 150, 120),
        parcel(5, 150, 100, 80),
        parcel(6, 100, 100, 100),
    ]
}

/// `n` parcels with sides drawn uniformly (50–380 × 50–400 × 20–300 mm),
/// one in five "this side up", from a fixed seed.
fn random_parcels(seed: u64, n: u64) -> Vec<Parcel> {
    let mut rng = StdRng::seed_from_u64(seed);
    (0..n)
        .map(|id| {
            let size = Dimensions::new(
                rng.random_range(50..=380),
                rng.random_range(50..=400),
                rng.random_range(20..=300),
            );
            let parcel = Parcel::new(ParcelId(id), size, 1_000);
            if rng.random_bool(0.2) {
                parcel.upright()
            } else {
                parcel
            }
        })
        .collect()
}

fn packing(c: &mut Criterion) {
    let six = six_parcels();
    c.bench_function("pack 6 parcels into one compartment", |b| {
        b.iter(|| pack(black_box(LOCKER_C), black_box(&six)));
    });

    let load = random_parcels(2024, 200);
    c.bench_function("pack_bins 200 parcels", |b| {
        b.iter(|| pack_bins(black_box(LOCKER_C), black_box(&load)));
    });
    c.bench_function("lower_bound 200 parcels", |b| {
        b.iter(|| lower_bound(black_box(LOCKER_C), black_box(&load)));
    });
}

/// `pack_bins` and the bound on a Martello–Pisinger–Vigo class-1 instance
/// of 200 parcels (seed 1, the one in `benches/data/`), the same instance
/// the Python and Node comparison scripts read.
fn packing_mpv(c: &mut Criterion) {
    let inst = mpv::instance(1, 200, 1);
    c.bench_function("pack_bins MPV class 1 n=200", |b| {
        b.iter(|| pack_bins(black_box(inst.bin_mm), black_box(&inst.parcels)));
    });
    c.bench_function("lower_bound MPV class 1 n=200", |b| {
        b.iter(|| lower_bound(black_box(inst.bin_mm), black_box(&inst.parcels)));
    });
}

criterion_group!(benches, packing, packing_mpv);
criterion_main!(benches);
