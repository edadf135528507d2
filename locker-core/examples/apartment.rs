//! A simulated day of deliveries into the default bank of a 300-unit
//! apartment building, printed as a table.
//!
//! Run with `cargo run --release -p locker-core --example apartment`
//! (optionally followed by a seed).

// An example is a std program; the no_std import lints are for the library.
#![allow(clippy::std_instead_of_alloc, clippy::std_instead_of_core)]

use std::collections::BTreeMap;

use locker_core::allocate::{Outcome, Request};
use locker_core::bank::{Bank, default_bank};
use locker_core::{CompartmentId, Dimensions, Parcel, ParcelId, RecipientId};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

const UNITS: u64 = 300;
/// About 20 parcels a unit a month, over 30 days.
const PARCELS_PER_UNIT_PER_MONTH: u32 = 20;
/// Couriers come between 8:00 and 20:00.
const DELIVERY_HOURS: core::ops::Range<u32> = 8..20;

fn main() {
    let seed = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(2026);
    let mut rng = StdRng::seed_from_u64(seed);
    let mut bank = Bank::new(default_bank()).expect("the default bank is valid");
    let mut pending_pickups: Vec<(u32, CompartmentId)> = Vec::new();
    let mut next_parcel = 0_u64;
    let mut hourly = Vec::new();
    let mut per_class: BTreeMap<String, (u32, u32)> = BTreeMap::new();
    let (mut delivered, mut overflow, mut consolidated) = (0_u32, 0_u32, 0_u32);

    println!(
        "{} — {} doors, {UNITS} units, seed {seed}\n",
        bank.config().name,
        bank.compartments().len()
    );
    println!("hour  arrived  stored  overflow  collected  occupied");
    for hour in 0..24_u32 {
        // Residents collect: a pickup comes 1 to 20 hours after delivery.
        let due: Vec<CompartmentId> = pending_pickups
            .iter()
            .filter(|(at, _)| *at == hour)
            .map(|(_, door)| *door)
            .collect();
        pending_pickups.retain(|(at, _)| *at != hour);
        let mut collected = 0;
        for door in due {
            if bank.release(door).is_ok() {
                collected += 1;
            }
        }
        let arrivals = if DELIVERY_HOURS.contains(&hour) {
            let per_day = PARCELS_PER_UNIT_PER_MONTH * u32::try_from(UNITS).unwrap_or(0) / 30;
            let mean = per_day / (DELIVERY_HOURS.end - DELIVERY_HOURS.start);
            rng.random_range(mean / 2..=mean * 3 / 2)
        } else {
            0
        };
        let requests: Vec<Request> = (0..arrivals)
            .map(|_| {
                next_parcel += 1;
                random_request(&mut rng, next_parcel)
            })
            .collect();
        let plan = bank.plan_batch(&requests).expect("requests are valid");
        bank.apply_batch(&plan)
            .expect("the plan was made for this bank");
        for assignment in &plan.assignments {
            let door = bank
                .compartment(assignment.compartment)
                .expect("known door");
            let entry = per_class.entry(door.spec().size_class.clone()).or_default();
            entry.0 += 1;
            if assignment.rule == locker_core::allocate::Rule::Consolidated {
                consolidated += 1;
            } else {
                let wait = rng.random_range(1..=20);
                if hour + wait < 24 {
                    pending_pickups.push((hour + wait, assignment.compartment));
                }
            }
        }
        delivered += u32::try_from(plan.placed()).unwrap_or(u32::MAX);
        overflow += u32::try_from(plan.overflow.len()).unwrap_or(u32::MAX);
        let occupied = bank.compartments().len() - bank.free_count();
        hourly.push(occupied);
        println!(
            "{hour:>4}  {arrivals:>7}  {:>6}  {:>8}  {collected:>9}  {occupied:>8}",
            plan.placed(),
            plan.overflow.len()
        );
    }
    println!();
    println!("parcels stored: {delivered}  (consolidated into an occupied door: {consolidated})");
    println!("overflow:       {overflow}");
    println!(
        "peak occupancy: {} of {} doors",
        hourly.iter().max().unwrap_or(&0),
        bank.compartments().len()
    );
    println!("\nstored per size class:");
    for door in bank.compartments() {
        per_class
            .entry(door.spec().size_class.clone())
            .or_default()
            .1 += 1;
    }
    for (class, (stored, doors)) in &per_class {
        println!("  {class:<3} {stored:>4} parcels into {doors:>3} doors");
    }
    let example = bank
        .allocate(&random_request(&mut rng, next_parcel + 1))
        .expect("valid request");
    println!("\nhow one more parcel would be placed now:\n{example}");
    if let Outcome::Overflow(_) = example {
        println!("(route it to the front desk)");
    }
}

/// A parcel of a realistic size: mostly small, a few bulky ones.
fn random_request(rng: &mut StdRng, id: u64) -> Request {
    let size = match rng.random_range(0..100) {
        0..=54 => Dimensions::new(
            rng.random_range(150..350),
            rng.random_range(100..250),
            rng.random_range(10..60),
        ),
        55..=84 => Dimensions::new(
            rng.random_range(200..360),
            rng.random_range(150..400),
            rng.random_range(60..170),
        ),
        85..=97 => Dimensions::new(
            rng.random_range(250..360),
            rng.random_range(250..600),
            rng.random_range(150..380),
        ),
        _ => Dimensions::new(
            rng.random_range(400..750),
            rng.random_range(300..600),
            rng.random_range(300..550),
        ),
    };
    let parcel = Parcel::new(ParcelId(id), size, rng.random_range(100..15_000));
    Request::new(parcel, RecipientId(rng.random_range(1..=UNITS)))
}
