//! Allocation cost: one parcel on a 120-door bank and on a 10,000-door
//! site (both half full), consolidation into a door holding four parcels
//! (beside them, and when only a re-pack would do), and a courier's batch
//! of 500 parcels.

use std::hint::black_box;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use locker_core::allocate::{Outcome, Request};
use locker_core::bank::{Bank, default_bank};
use locker_core::{CompartmentId, Dimensions, Parcel, ParcelId, RecipientId};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

/// A bank of exactly `doors` doors: the default bank's doors repeated
/// column block by column block, with fresh ids, labels and positions.
fn site(doors: usize) -> Bank {
    let mut config = default_bank();
    let template = config.compartments.clone();
    config.compartments = (0..doors)
        .map(|i| {
            let mut spec = template[i % template.len()].clone();
            let copy = u16::try_from(i / template.len()).unwrap();
            spec.id = CompartmentId(u32::try_from(i).unwrap() + 1);
            spec.label = format!("{copy}-{}", spec.label);
            spec.position.column += copy * 12;
            spec
        })
        .collect();
    config.ada_compliant = false;
    Bank::new(config).unwrap()
}

fn random_request(rng: &mut StdRng, id: u64, recipients: u64) -> Request {
    let size = Dimensions::new(
        rng.random_range(100..370),
        rng.random_range(100..500),
        rng.random_range(20..350),
    );
    let parcel = Parcel::new(ParcelId(id), size, rng.random_range(100..10_000));
    Request::new(parcel, RecipientId(rng.random_range(0..recipients)))
}

/// Fills about half the doors with one parcel each, as on a busy evening.
fn half_full(mut bank: Bank, rng: &mut StdRng) -> Bank {
    let target = bank.compartments().len() / 2;
    let mut id = 1_000_000;
    while bank.compartments().len() - bank.free_count() < target {
        id += 1;
        let request = random_request(rng, id, u64::MAX);
        if let Outcome::Assigned(a) = bank.allocate(&request).unwrap() {
            bank.store(a.compartment, request.recipient, request.parcel)
                .unwrap();
        }
    }
    bank
}

fn single(c: &mut Criterion) {
    let mut rng = StdRng::seed_from_u64(7);
    let requests: Vec<Request> = (0..1_024)
        .map(|i| random_request(&mut rng, i, 1_000_000))
        .collect();
    for doors in [120, 10_000] {
        let bank = half_full(site(doors), &mut rng);
        let mut next = 0;
        c.bench_function(&format!("allocate one parcel, {doors} doors"), |b| {
            b.iter(|| {
                next = (next + 1) % requests.len();
                black_box(bank.allocate(black_box(&requests[next])).unwrap())
            });
        });
    }
}

fn batch(c: &mut Criterion) {
    let mut rng = StdRng::seed_from_u64(11);
    let bank = half_full(site(10_000), &mut rng);
    let requests: Vec<Request> = (0..500).map(|i| random_request(&mut rng, i, 150)).collect();
    c.bench_function("plan a batch of 500 parcels, 10000 doors", |b| {
        b.iter_batched(
            || requests.clone(),
            |requests| black_box(bank.plan_batch(&requests).unwrap()),
            BatchSize::SmallInput,
        );
    });
}

/// A recipient holds one C door (usable 370 × 630 × 400 mm) with four
/// parcels; the next parcel either fits beside them, needs the exact
/// search to re-pack all five, or fits no way (the search's worst case:
/// its budget spent).
fn consolidate(c: &mut Criterion) {
    let mut bank = site(120);
    let recipient = RecipientId(42);
    let held = [
        (370, 194, 400),
        (370, 194, 200),
        (100, 100, 100),
        (150, 120, 90),
    ];
    let first = bank
        .allocate(&Request::new(
            Parcel::new(ParcelId(1), Dimensions::new(370, 194, 400), 1_000),
            recipient,
        ))
        .unwrap();
    let door = match first {
        Outcome::Assigned(a) => a.compartment,
        Outcome::Overflow(_) => unreachable!("an empty bank takes the first parcel"),
    };
    for (i, &(w, d, h)) in held.iter().enumerate() {
        let parcel = Parcel::new(ParcelId(1 + i as u64), Dimensions::new(w, d, h), 1_000);
        bank.store(door, recipient, parcel).unwrap();
    }
    for (name, size) in [
        ("beside", Dimensions::new(100, 100, 100)),
        ("no room", Dimensions::new(370, 300, 300)),
    ] {
        let request = Request::new(Parcel::new(ParcelId(99), size, 500), recipient);
        c.bench_function(
            &format!("allocate consolidating, 4 parcels held, {name}"),
            |b| {
                b.iter(|| black_box(bank.allocate(black_box(&request)).unwrap()));
            },
        );
    }
}

criterion_group!(benches, single, consolidate, batch);
criterion_main!(benches);
