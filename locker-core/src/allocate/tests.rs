use super::*;
use crate::bank::{AllocationPolicy, BankConfig, CompartmentSpec, DoorPosition, default_bank};
use crate::geometry::Dimensions;
use crate::parcel::{Handling, TemperatureZone};
use alloc::string::{String, ToString};
use alloc::vec::Vec;

const A: Dimensions = Dimensions::new(380, 640, 80);
const B: Dimensions = Dimensions::new(380, 640, 190);
const C: Dimensions = Dimensions::new(380, 640, 410);
const XL: Dimensions = Dimensions::new(780, 640, 600);

/// Doors listed as (class, inner, accessible); ids count from 1.
fn bank_of(doors: &[(&str, Dimensions, bool)], reserve_largest: u32) -> Bank {
    let compartments = doors
        .iter()
        .zip(1_u32..)
        .map(|(&(class, inner, accessible), id)| CompartmentSpec {
            id: CompartmentId(id),
            label: alloc::format!("D{id}"),
            size_class: String::from(class),
            inner,
            max_weight_g: 25_000,
            zone: TemperatureZone::Ambient,
            accessible,
            position: DoorPosition {
                column: 0,
                row: u16::try_from(id).unwrap(),
            },
            operable_height_mm: None,
        })
        .collect();
    Bank::new(BankConfig {
        name: String::from("test"),
        clearance_mm: 10,
        ada_compliant: false,
        policy: AllocationPolicy {
            reserve_largest,
            consolidate: true,
        },
        compartments,
    })
    .unwrap()
}

fn parcel(id: u64, w: u32, d: u32, h: u32) -> Parcel {
    Parcel::new(ParcelId(id), Dimensions::new(w, d, h), 1_000)
}

fn request(id: u64, w: u32, d: u32, h: u32, recipient: u64) -> Request {
    Request::new(parcel(id, w, d, h), RecipientId(recipient))
}

fn assigned(outcome: &Outcome) -> &Assignment {
    outcome
        .assignment()
        .unwrap_or_else(|| panic!("expected an assignment: {outcome}"))
}

#[test]
fn smallest_door_that_fits_wins_with_lowest_id() {
    let bank = bank_of(
        &[
            ("C", C, false),
            ("B", B, false),
            ("A", A, false),
            ("A", A, false),
        ],
        0,
    );
    let flat = assigned(&bank.allocate(&request(1, 300, 200, 50, 1)).unwrap()).clone();
    assert_eq!(flat.compartment, CompartmentId(3));
    assert_eq!(flat.rule, Rule::SmallestFit);
    let box_ = bank.allocate(&request(2, 300, 300, 150, 1)).unwrap();
    let box_ = assigned(&box_);
    assert_eq!(box_.compartment, CompartmentId(2));
    // The A doors were passed over as too small, and said so.
    assert!(matches!(
        box_.considered[0],
        Considered::Group {
            verdict: Verdict::TooSmall { .. },
            ..
        }
    ));
    assert!(box_.to_string().contains("too small"), "{box_}");
}

#[test]
fn a_parcel_that_must_turn_is_turned() {
    let bank = bank_of(&[("A", A, false)], 0);
    // 600 mm long: only fits along the 640 mm depth.
    let outcome = bank.allocate(&request(1, 600, 100, 50, 1)).unwrap();
    let placement = assigned(&outcome).placement;
    assert_eq!(placement.extent.depth_mm, 600);
}

#[test]
fn this_side_up_keeps_tall_parcels_out_of_flat_doors() {
    let bank = bank_of(&[("A", A, false), ("C", C, false)], 0);
    let lying = bank.allocate(&request(1, 60, 100, 300, 1)).unwrap();
    assert_eq!(assigned(&lying).compartment, CompartmentId(1));
    let upright = Request::new(parcel(2, 60, 100, 300).upright(), RecipientId(1));
    let outcome = bank.allocate(&upright).unwrap();
    assert_eq!(assigned(&outcome).compartment, CompartmentId(2));
    assert!(assigned(&outcome).placement.orientation.is_upright());
}

#[test]
fn zones_are_matched_and_missing_zones_overflow() {
    let mut config = default_bank();
    config.policy.reserve_largest = 0;
    let bank = Bank::new(config).unwrap();
    let chilled = Request::new(
        parcel(1, 300, 200, 150).in_zone(TemperatureZone::Chilled),
        RecipientId(1),
    );
    let outcome = bank.allocate(&chilled).unwrap();
    let door = bank.compartment(assigned(&outcome).compartment).unwrap();
    assert_eq!(door.spec().zone, TemperatureZone::Chilled);
    let frozen = Request::new(
        parcel(2, 100, 100, 50).in_zone(TemperatureZone::Frozen),
        RecipientId(1),
    );
    let outcome = bank.allocate(&frozen).unwrap();
    assert_eq!(
        outcome.overflow().map(|o| o.reason),
        Some(OverflowReason::NothingFits)
    );
}

#[test]
fn accessibility_need_is_met_and_accessible_doors_are_kept_for_it() {
    let bank = bank_of(&[("B", B, true), ("B", B, false)], 0);
    let plain = bank.allocate(&request(1, 300, 300, 150, 1)).unwrap();
    assert_eq!(assigned(&plain).compartment, CompartmentId(2));
    let needs = bank
        .allocate(&request(2, 300, 300, 150, 2).accessible())
        .unwrap();
    assert_eq!(assigned(&needs).compartment, CompartmentId(1));
    let only_plain = bank_of(&[("B", B, false)], 0);
    let outcome = only_plain
        .allocate(&request(3, 300, 300, 150, 2).accessible())
        .unwrap();
    assert_eq!(
        outcome.overflow().map(|o| o.reason),
        Some(OverflowReason::NothingFits)
    );
}

#[test]
fn the_reserve_keeps_large_doors_for_large_parcels() {
    let mut bank = bank_of(&[("C", C, false), ("XL", XL, false), ("XL", XL, false)], 1);
    // A C-sized parcel takes the C door.
    let first = bank.allocate(&request(1, 300, 300, 300, 1)).unwrap();
    assert_eq!(assigned(&first).compartment, CompartmentId(1));
    bank.store(CompartmentId(1), RecipientId(1), parcel(1, 300, 300, 300))
        .unwrap();
    // The next may use one XL door (two are free, one is kept)...
    let second = bank.allocate(&request(2, 300, 300, 300, 2)).unwrap();
    assert_eq!(assigned(&second).rule, Rule::NextLargerFree);
    bank.store(CompartmentId(2), RecipientId(2), parcel(2, 300, 300, 300))
        .unwrap();
    // ...but not the last one.
    let third = bank.allocate(&request(3, 300, 300, 300, 3)).unwrap();
    let overflow = third.overflow().expect("the last XL door is reserved");
    assert_eq!(overflow.reason, OverflowReason::Full);
    assert!(overflow.considered.iter().any(|c| matches!(
        c,
        Considered::Group {
            verdict: Verdict::Reserved {
                free: 1,
                reserve: 1
            },
            ..
        }
    )));
    // A parcel that needs the XL door still gets it.
    let large = bank.allocate(&request(4, 700, 500, 500, 4)).unwrap();
    assert_eq!(assigned(&large).compartment, CompartmentId(3));
}

#[test]
fn full_and_nothing_fits_are_outcomes_not_errors() {
    let mut bank = bank_of(&[("A", A, false)], 0);
    let huge = bank.allocate(&request(1, 900, 900, 900, 1)).unwrap();
    assert_eq!(
        huge.overflow().map(|o| o.reason),
        Some(OverflowReason::NothingFits)
    );
    let heavy = Request::new(
        Parcel {
            weight_g: 26_000,
            ..parcel(2, 100, 100, 50)
        },
        RecipientId(1),
    );
    let outcome = bank.allocate(&heavy).unwrap();
    assert!(matches!(
        outcome.considered()[0],
        Considered::Group {
            verdict: Verdict::TooHeavy { .. },
            ..
        }
    ));
    bank.store(CompartmentId(1), RecipientId(1), parcel(3, 300, 600, 60))
        .unwrap();
    let outcome = bank.allocate(&request(4, 100, 100, 50, 2)).unwrap();
    assert_eq!(
        outcome.overflow().map(|o| o.reason),
        Some(OverflowReason::Full)
    );
    assert!(outcome.to_string().contains("none free"), "{outcome}");
}

#[test]
fn a_larger_door_is_full_or_there_is_no_larger_door() {
    // Doors 1 (A) and 2 (B); the courier found door 1 too small.
    let mut bank = bank_of(&[("A", A, false), ("B", B, false)], 0);
    let parcel_request = request(1, 300, 600, 60, 1);
    let larger = bank
        .allocate_larger_than(&parcel_request, CompartmentId(1))
        .unwrap();
    assert_eq!(assigned(&larger).compartment, CompartmentId(2));
    // The larger door taken: that is "full", not "no larger door".
    bank.store(CompartmentId(2), RecipientId(9), parcel(2, 300, 600, 150))
        .unwrap();
    let full = bank
        .allocate_larger_than(&parcel_request, CompartmentId(1))
        .unwrap();
    assert_eq!(
        full.overflow().map(|o| o.reason),
        Some(OverflowReason::Full)
    );
    // From the largest door there is none larger, free or not.
    let none = bank
        .allocate_larger_than(&parcel_request, CompartmentId(2))
        .unwrap();
    assert_eq!(
        none.overflow().map(|o| o.reason),
        Some(OverflowReason::NoLargerDoor)
    );
}

#[test]
fn consolidation_packs_beside_the_recipients_parcels_only_when_allowed() {
    let mut bank = bank_of(&[("C", C, false), ("C", C, false), ("C", C, false)], 0);
    bank.store(CompartmentId(1), RecipientId(7), parcel(1, 300, 300, 200))
        .unwrap();
    // Same recipient, room beside: same door.
    let outcome = bank.allocate(&request(2, 300, 300, 150, 7)).unwrap();
    assert_eq!(assigned(&outcome).compartment, CompartmentId(1));
    assert_eq!(assigned(&outcome).rule, Rule::Consolidated);
    // Another recipient: another door.
    let outcome = bank.allocate(&request(3, 100, 100, 100, 8)).unwrap();
    assert_eq!(assigned(&outcome).compartment, CompartmentId(2));
    // Cash on delivery is never mixed with prepaid.
    let cod = Request::new(
        parcel(4, 100, 100, 100).with_handling(Handling::CashOnDelivery),
        RecipientId(7),
    );
    let outcome = bank.allocate(&cod).unwrap();
    assert_eq!(assigned(&outcome).compartment, CompartmentId(2));
    assert!(matches!(
        outcome.considered()[0],
        Considered::Occupied {
            verdict: Verdict::MixedHandling,
            ..
        }
    ));
    // No room beside: a new door, and the reason is given.
    let outcome = bank.allocate(&request(5, 370, 630, 390, 7)).unwrap();
    assert_eq!(assigned(&outcome).compartment, CompartmentId(2));
    assert!(matches!(
        outcome.considered()[0],
        Considered::Occupied {
            verdict: Verdict::NoRoomBeside,
            ..
        }
    ));
}

#[test]
fn consolidation_re_packs_a_few_parcels_when_the_new_one_fits_only_that_way() {
    // Usable 370 × 630 × 400. The greedy stands the first parcel 400 mm
    // deep, leaving 230 mm for the 242 mm of the second; together they
    // fill the depth exactly.
    let mut bank = bank_of(&[("C", C, false), ("C", C, false)], 0);
    bank.store(CompartmentId(1), RecipientId(7), parcel(1, 370, 388, 400))
        .unwrap();
    let second = request(2, 370, 242, 400, 7);
    let outcome = bank.allocate(&second).unwrap();
    assert_eq!(assigned(&outcome).compartment, CompartmentId(1));
    assert_eq!(assigned(&outcome).rule, Rule::Consolidated);
    bank.store(CompartmentId(1), RecipientId(7), second.parcel)
        .unwrap();
    let contents = bank
        .compartment(CompartmentId(1))
        .unwrap()
        .contents()
        .unwrap();
    assert_eq!(contents.packing.placements().len(), 2);
    assert_eq!(contents.packing.check(&contents.parcels), Ok(()));
    // Nothing more fits: the next one goes to a new door.
    let outcome = bank.allocate(&request(3, 100, 100, 100, 7)).unwrap();
    assert_eq!(assigned(&outcome).compartment, CompartmentId(2));
}

#[test]
fn bad_input_is_a_typed_error() {
    let mut bank = bank_of(&[("A", A, false)], 0);
    let error = bank.allocate(&request(1, 0, 10, 10, 1)).unwrap_err();
    assert!(matches!(error, AllocationError::InvalidParcel { .. }));
    let error = bank.allocate(&request(1, 10, 10, 9_999, 1)).unwrap_err();
    assert!(error.to_string().contains("9999"), "{error}");
    bank.store(CompartmentId(1), RecipientId(1), parcel(1, 10, 10, 10))
        .unwrap();
    let error = bank.allocate(&request(1, 10, 10, 10, 1)).unwrap_err();
    assert_eq!(
        error,
        AllocationError::AlreadyStored {
            parcel: ParcelId(1),
            compartment: CompartmentId(1)
        }
    );
    let batch = [request(2, 10, 10, 10, 1), request(2, 10, 10, 10, 2)];
    assert_eq!(
        bank.plan_batch(&batch),
        Err(AllocationError::DuplicateInBatch {
            parcel: ParcelId(2)
        })
    );
}

#[test]
fn batch_groups_a_recipients_parcels_into_one_door() {
    let bank = bank_of(&[("B", B, false), ("B", B, false), ("C", C, false)], 0);
    // Three parcels for one recipient: one-by-one uses two B doors and then
    // the C door for the third; grouped packs all three in the C door.
    let requests = [
        request(1, 300, 300, 150, 1),
        request(2, 300, 300, 150, 1),
        request(3, 300, 300, 150, 1),
    ];
    let in_order = bank.plan_in_order(&requests).unwrap();
    let plan = bank.plan_batch(&requests).unwrap();
    assert_eq!(plan.placed(), 3);
    assert!(plan.doors_used() < in_order.doors_used());
    assert_eq!(plan.strategy, BatchStrategy::Grouped);
    let mut applied = bank.clone();
    applied.apply_batch(&plan).unwrap();
    assert_eq!(applied.parcel_count(), 3);
}

#[test]
fn batch_places_large_parcels_before_small_ones_take_their_doors() {
    let bank = bank_of(&[("B", B, false), ("C", C, false)], 0);
    // In arrival order the first B parcel takes the B door, the second the
    // C door, and the C-sized parcel overflows. Largest first places the
    // C-sized parcel, and one small one overflows instead: a small parcel is
    // easier to take elsewhere. Equal counts keep the grouped plan.
    let requests = [
        request(1, 300, 300, 150, 1),
        request(2, 300, 300, 150, 2),
        request(3, 300, 300, 300, 3),
    ];
    let in_order = bank.plan_in_order(&requests).unwrap();
    let plan = bank.plan_batch(&requests).unwrap();
    assert_eq!(in_order.placed(), 2);
    assert_eq!(plan.placed(), 2);
    assert!(plan.assignments.iter().any(|a| a.parcel.id == ParcelId(3)));
    assert!(
        in_order
            .assignments
            .iter()
            .all(|a| a.parcel.id != ParcelId(3))
    );
}

#[test]
fn a_stale_plan_is_refused_and_changes_nothing() {
    let mut bank = bank_of(&[("B", B, false)], 0);
    let plan = bank.plan_batch(&[request(1, 300, 300, 150, 1)]).unwrap();
    bank.store(CompartmentId(1), RecipientId(2), parcel(9, 10, 10, 10))
        .unwrap();
    let before = bank.clone();
    assert!(matches!(
        bank.apply_batch(&plan),
        Err(AllocationError::Store(_))
    ));
    assert_eq!(bank, before);
}

#[test]
fn allocation_is_deterministic() {
    let bank = Bank::new(default_bank()).unwrap();
    let requests: Vec<Request> = (0..50_u32)
        .map(|i| {
            request(
                u64::from(i),
                100 + (i * 37) % 500,
                200,
                40 + (i * 13) % 300,
                u64::from(i % 7),
            )
        })
        .collect();
    assert_eq!(
        bank.plan_batch(&requests).unwrap(),
        bank.plan_batch(&requests).unwrap()
    );
}
