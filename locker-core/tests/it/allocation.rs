//! Properties of allocation, consolidation and batches on random banks and
//! random loads.

// Tests may unwrap (a panic is a failure) and are std programs.
#![allow(clippy::unwrap_used, clippy::std_instead_of_alloc)]

use std::collections::BTreeSet;

use locker_core::allocate::{BatchOptions, Outcome, Request};
use locker_core::bank::{
    AllocationPolicy, Bank, BankConfig, CompartmentSpec, DoorPosition, default_bank,
};
use locker_core::{
    CompartmentId, Dimensions, Handling, Orientation, Parcel, ParcelId, RecipientId,
    TemperatureZone,
};
use proptest::prelude::*;

fn zone() -> impl Strategy<Value = TemperatureZone> {
    prop_oneof![
        6 => Just(TemperatureZone::Ambient),
        1 => Just(TemperatureZone::Chilled),
        1 => Just(TemperatureZone::Frozen),
    ]
}

fn handling() -> impl Strategy<Value = Handling> {
    prop_oneof![
        6 => Just(Handling::Standard),
        1 => Just(Handling::CashOnDelivery),
        1 => Just(Handling::IdCheck),
    ]
}

fn door() -> impl Strategy<Value = (Dimensions, u32, TemperatureZone, bool)> {
    (
        (100_u32..800, 200_u32..700, 60_u32..700),
        5_000_u32..40_000,
        zone(),
        any::<bool>(),
    )
        .prop_map(|((w, d, h), max_weight_g, zone, accessible)| {
            (Dimensions::new(w, d, h), max_weight_g, zone, accessible)
        })
}

prop_compose! {
    fn bank_config()(
        kinds in prop::collection::vec(door(), 1..5),
        picks in prop::collection::vec(any::<prop::sample::Index>(), 1..40),
        reserve_largest in 0_u32..3,
        consolidate in any::<bool>(),
        clearance_mm in 0_u32..20,
    ) -> BankConfig {
        let compartments = picks
            .iter()
            .zip(1_u32..)
            .map(|(pick, id)| {
                let (inner, max_weight_g, zone, accessible) = *pick.get(&kinds);
                CompartmentSpec {
                    id: CompartmentId(id * 3),
                    label: format!("D{id}"),
                    size_class: format!("{}", inner.height_mm),
                    inner,
                    max_weight_g,
                    zone,
                    accessible,
                    position: DoorPosition { column: u16::try_from(id).unwrap(), row: 0 },
                    operable_height_mm: None,
                }
            })
            .collect();
        BankConfig {
            name: "random".into(),
            clearance_mm,
            ada_compliant: false,
            policy: AllocationPolicy { reserve_largest, consolidate },
            compartments,
        }
    }
}

prop_compose! {
    fn parcel(id: u64)(
        (w, d, h) in (20_u32..700, 20_u32..700, 10_u32..600),
        weight_g in 50_u32..30_000,
        this_side_up in prop::bool::weighted(0.2),
        zone in zone(),
        handling in handling(),
    ) -> Parcel {
        Parcel { id: ParcelId(id), size: Dimensions::new(w, d, h), weight_g, this_side_up, zone, handling }
    }
}

fn requests(max: usize) -> impl Strategy<Value = Vec<Request>> {
    prop::collection::vec((parcel(0), 0_u64..6, prop::bool::weighted(0.1)), 1..max).prop_map(
        |items| {
            items
                .into_iter()
                .zip(1_u64..)
                .map(|((parcel, recipient, needs_accessible), id)| Request {
                    parcel: Parcel {
                        id: ParcelId(id),
                        ..parcel
                    },
                    recipient: RecipientId(recipient),
                    needs_accessible,
                })
                .collect()
        },
    )
}

/// Every invariant a bank must keep, checked from its public view.
fn check_bank(bank: &Bank, needs: &[Request]) {
    let mut free = 0;
    let mut seen_parcels = BTreeSet::new();
    for door in bank.compartments() {
        if door.is_free() {
            free += 1;
        }
        let Some(contents) = door.contents() else {
            continue;
        };
        // One recipient, one zone and one handling per compartment.
        assert!(!contents.parcels.is_empty());
        let kind = contents.kind().unwrap();
        for parcel in &contents.parcels {
            assert_eq!((parcel.zone, parcel.handling), kind);
            assert_eq!(parcel.zone, door.spec().zone);
            assert!(seen_parcels.insert(parcel.id), "parcel stored twice");
            assert_eq!(bank.locate(parcel.id), Some(door.id()));
            let request = needs.iter().find(|r| r.parcel.id == parcel.id).unwrap();
            assert_eq!(request.recipient, contents.recipient);
            if request.needs_accessible {
                assert!(door.spec().accessible);
            }
        }
        assert!(contents.weight_g() <= u64::from(door.spec().max_weight_g));
        // Every parcel sits inside, in an allowed orientation, apart.
        let placements = contents.packing.placements();
        assert_eq!(placements.len(), contents.parcels.len());
        for (placement, parcel) in placements.iter().zip(&contents.parcels) {
            assert_eq!(placement.parcel, parcel.id);
            assert!(Orientation::allowed(parcel.this_side_up).contains(&placement.orientation));
            assert_eq!(
                placement.extent,
                parcel.size.oriented(placement.orientation)
            );
        }
        contents.packing.check(&contents.parcels).unwrap();
    }
    assert_eq!(free, bank.free_count());
    assert_eq!(seen_parcels.len(), bank.parcel_count());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn allocated_parcels_always_fit_and_never_mix(
        config in bank_config(),
        requests in requests(60),
    ) {
        let mut bank = Bank::new(config).unwrap();
        for request in &requests {
            match bank.allocate(request).unwrap() {
                Outcome::Assigned(assignment) => {
                    let placement = bank
                        .store(assignment.compartment, request.recipient, request.parcel)
                        .unwrap();
                    prop_assert_eq!(placement, assignment.placement);
                }
                Outcome::Overflow(_) => {}
            }
            check_bank(&bank, &requests);
        }
    }

    #[test]
    fn batch_places_at_least_as_many_as_one_by_one(
        config in bank_config(),
        requests in requests(80),
    ) {
        let bank = Bank::new(config).unwrap();
        let baseline = bank.plan_in_order(&requests).unwrap();
        let plan = bank.plan_batch(&requests).unwrap();
        prop_assert!(plan.placed() >= baseline.placed());
        prop_assert_eq!(plan.placed() + plan.overflow.len(), requests.len());
        let mut applied = bank.clone();
        applied.apply_batch(&plan).unwrap();
        prop_assert_eq!(applied.parcel_count(), plan.placed());
        check_bank(&applied, &requests);
    }

    #[test]
    fn released_compartments_return_the_bank_to_its_state(
        config in bank_config(),
        requests in requests(30),
    ) {
        let empty = Bank::new(config).unwrap();
        let mut bank = empty.clone();
        let plan = bank.plan_batch(&requests).unwrap();
        bank.apply_batch(&plan).unwrap();
        let doors: BTreeSet<CompartmentId> =
            plan.assignments.iter().map(|a| a.compartment).collect();
        for door in doors {
            bank.release(door).unwrap();
        }
        prop_assert_eq!(bank, empty);
    }

    #[test]
    fn a_packed_batch_is_valid_never_worse_than_greedy_and_deterministic(
        config in bank_config(),
        earlier in requests(20),
        load in requests(60),
        max_iterations in 0_u64..3_000,
        seed in any::<u64>(),
    ) {
        // Some doors already hold parcels, so consolidation has a say.
        let mut bank = Bank::new(config).unwrap();
        let earlier = bank.plan_batch(&earlier).unwrap();
        bank.apply_batch(&earlier).unwrap();
        let load: Vec<Request> = load
            .into_iter()
            .map(|r| Request { parcel: Parcel { id: ParcelId(r.parcel.id.0 + 1_000), ..r.parcel }, ..r })
            .collect();
        let options = BatchOptions { max_iterations, seed };
        let greedy = bank.plan_batch(&load).unwrap();
        let plan = bank.plan_batch_packed(&load, &options).unwrap();
        prop_assert!(
            (plan.placed(), core::cmp::Reverse(plan.doors_used()))
                >= (greedy.placed(), core::cmp::Reverse(greedy.doors_used()))
        );
        prop_assert_eq!(plan.placed() + plan.overflow.len(), load.len());
        prop_assert_eq!(&bank.plan_batch_packed(&load, &options).unwrap(), &plan);
        // Door by door: a door's parcels follow one another.
        let mut doors: Vec<CompartmentId> = plan.assignments.iter().map(|a| a.compartment).collect();
        doors.dedup();
        let distinct: BTreeSet<CompartmentId> = doors.iter().copied().collect();
        prop_assert_eq!(doors.len(), distinct.len());
        let mut applied = bank.clone();
        applied.apply_batch(&plan).unwrap();
        prop_assert_eq!(applied.parcel_count(), bank.parcel_count() + plan.placed());
        let mut everyone: Vec<Request> = earlier.assignments.iter().map(|a| Request {
            parcel: a.parcel,
            recipient: a.recipient,
            needs_accessible: false,
        }).collect();
        everyone.extend(load.iter().copied());
        check_bank(&applied, &everyone);
        // Placed accessible needs sit in accessible doors.
        for assignment in &plan.assignments {
            let request = load.iter().find(|r| r.parcel.id == assignment.parcel.id).unwrap();
            if request.needs_accessible {
                prop_assert!(bank.compartment(assignment.compartment).unwrap().spec().accessible);
            }
        }
    }

    #[test]
    fn config_json_round_trips(config in bank_config()) {
        let json = config.to_json();
        prop_assert_eq!(BankConfig::from_json(&json).unwrap(), config);
    }

    #[test]
    fn malformed_json_is_an_error_not_a_panic(text in ".{0,200}") {
        let _ = BankConfig::from_json(&text);
    }
}

#[test]
fn ten_thousand_doors_allocate_like_a_hundred() {
    // A site of 100 default banks: ids renumbered, same kinds of door.
    let mut site = default_bank();
    let one = site.compartments.clone();
    site.compartments.clear();
    for copy in 0..100_u32 {
        for spec in &one {
            let mut spec = spec.clone();
            spec.id = CompartmentId(copy * 1_000 + spec.id.0);
            spec.label = format!("{}-{}", copy, spec.label);
            spec.position.column += u16::try_from(copy * 20).unwrap();
            site.compartments.push(spec);
        }
    }
    let site = Bank::new(site).unwrap();
    let bank = Bank::new(default_bank()).unwrap();
    assert_eq!(site.shapes().len(), bank.shapes().len());
    let request = Request::new(
        Parcel::new(ParcelId(1), Dimensions::new(300, 250, 150), 2_000),
        RecipientId(1),
    );
    let on_site = site.allocate(&request).unwrap();
    let on_bank = bank.allocate(&request).unwrap();
    assert_eq!(
        on_site.considered(),
        on_bank
            .considered()
            .iter()
            .map(|c| match c {
                locker_core::allocate::Considered::Group {
                    shape,
                    inner,
                    free_doors,
                    verdict,
                } => locker_core::allocate::Considered::Group {
                    shape: *shape,
                    inner: *inner,
                    free_doors: free_doors * 100,
                    verdict: *verdict
                },
                other => *other,
            })
            .collect::<Vec<_>>()
    );
}
