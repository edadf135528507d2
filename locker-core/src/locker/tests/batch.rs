//! A courier's whole load: planned, dropped off door by door, journaled
//! as single drop-offs are, and rebuilt by replay and restore.

use super::*;
use crate::allocate::{BatchOptions, OverflowReason};
use proptest::prelude::*;

fn load() -> Vec<Request> {
    let huge = Parcel::new(ParcelId(9), Dimensions::new(2_000, 300, 300), 5_000);
    vec![
        Request::new(parcel(1), RecipientId(12)),
        Request::new(parcel(2), RecipientId(13)),
        Request::new(parcel(3), RecipientId(12)),
        Request::new(huge, RecipientId(14)),
        Request::new(parcel(4), RecipientId(12)),
    ]
}

impl Rig {
    fn plan(&mut self, requests: &[Request]) -> Result<BatchDropOff, LockerError> {
        let courier = self.courier.clone();
        self.locker
            .plan_drop_off_batch(&courier, requests, &BatchOptions::default())
    }

    /// Drops one step off and closes its door; the door it went into.
    fn drop_step(&mut self, step: &BatchStep) -> CompartmentId {
        let courier = self.courier.clone();
        let DropOff::Opened { compartment, .. } =
            self.locker.deposit_planned(&courier, step).unwrap()
        else {
            panic!("no door for {step:?}");
        };
        self.hw().open_door(compartment).unwrap();
        self.hw().put_parcel(compartment).unwrap();
        self.hw().close_door(compartment).unwrap();
        self.locker.door_closed(compartment).unwrap();
        compartment
    }
}

#[test]
fn a_load_is_planned_then_dropped_off_door_by_door_and_replays() {
    let mut rig = rig();
    let state_before = rig.locker.state().clone();
    let plan = rig.plan(&load()).unwrap();
    // Only the overflow is journaled by the plan; no door changes.
    assert_eq!(plan.overflow.len(), 1);
    assert_eq!(plan.overflow[0].reason, OverflowReason::NothingFits);
    assert_eq!(rig.locker.state(), &state_before);
    assert!(matches!(
        &rig.locker.take_events()[..],
        [Event::Overflow {
            parcel: ParcelId(9),
            ..
        }]
    ));
    // Recipient 12's three parcels share one door; 13 has another.
    assert_eq!(plan.steps.len(), 4);
    assert_eq!(plan.doors, 2);
    let door_12: Vec<CompartmentId> = plan
        .steps
        .iter()
        .filter(|s| s.recipient == RecipientId(12))
        .map(|s| s.compartment)
        .collect();
    assert!(door_12.windows(2).all(|w| w[0] == w[1]), "{plan:?}");
    let mut ready = 0;
    for step in &plan.steps {
        assert_eq!(rig.drop_step(step), step.compartment);
        // Each parcel reaches its resident as a single drop-off's does.
        let events = rig.locker.take_events();
        ready += events
            .iter()
            .filter(|e| matches!(e, Event::ParcelReady { .. }))
            .count();
    }
    assert_eq!(ready, 4);
    for step in &plan.steps {
        assert_eq!(
            rig.locker.state().parcels()[&step.parcel.id],
            ParcelPlace::Compartment(step.compartment)
        );
    }
    let contents = rig
        .locker
        .state()
        .bank()
        .compartment(door_12[0])
        .unwrap()
        .contents()
        .unwrap();
    assert_eq!(contents.parcels.len(), 3);
    contents.packing.check(&contents.parcels).unwrap();
    rig.assert_replays();
    // A restart rebuilds the same locker from the journal.
    let keys = rig.locker.keys().clone();
    let state = rig.locker.state().clone();
    let (hardware, journal) = rig.locker.into_parts();
    let records = journal.records().to_vec();
    let restored = Locker::restore(keys, hardware, journal, &records).unwrap();
    assert_eq!(restored.state(), &state);
}

#[test]
fn a_step_whose_door_was_taken_meanwhile_gets_another_door() {
    let mut rig = rig();
    let plan = rig
        .plan(&[Request::new(parcel(1), RecipientId(12))])
        .unwrap();
    let step = plan.steps[0].clone();
    // Another drop-off takes the planned door first.
    let (taken, ..) = rig.drop_off(parcel(2), 13);
    assert_eq!(taken, step.compartment);
    let door = rig.drop_step(&step);
    assert_ne!(door, taken);
    rig.assert_replays();
}

#[test]
fn a_step_that_did_not_fit_or_was_cancelled_goes_as_a_single_drop_off() {
    let mut rig = rig();
    let plan = rig.plan(&load()[..2]).unwrap();
    let courier = rig.courier.clone();
    let first = &plan.steps[0];
    rig.locker.deposit_planned(&courier, first).unwrap();
    let DropOff::Opened { compartment, .. } =
        rig.locker.need_larger_door(first.compartment).unwrap()
    else {
        panic!("no larger door");
    };
    assert_ne!(compartment, first.compartment);
    rig.locker.cancel_deposit(compartment).unwrap();
    assert_eq!(
        rig.locker.state().parcels()[&first.parcel.id],
        ParcelPlace::WithCourier
    );
    rig.drop_step(&plan.steps[1]);
    rig.assert_replays();
}

#[test]
fn a_bad_batch_is_a_typed_error_that_changes_nothing() {
    let mut rig = rig();
    rig.drop_off(parcel(1), 12);
    let state = rig.locker.state().clone();
    let records = rig.locker.journal().records().len();
    // A parcel already stored, one given twice, an invalid one.
    let stored = [Request::new(parcel(1), RecipientId(12))];
    let twice = [
        Request::new(parcel(2), RecipientId(12)),
        Request::new(parcel(2), RecipientId(13)),
    ];
    let flat = [Request::new(
        Parcel::new(ParcelId(3), Dimensions::new(0, 100, 100), 10),
        RecipientId(12),
    )];
    for bad in [&stored[..], &twice[..], &flat[..]] {
        assert!(matches!(rig.plan(bad), Err(LockerError::Allocation(_))));
    }
    assert_eq!(rig.locker.state(), &state);
    assert_eq!(rig.locker.journal().records().len(), records);
    // A parcel being dropped off already.
    let open = rig.open_for(parcel(5), 15);
    let (state, records) = (
        rig.locker.state().clone(),
        rig.locker.journal().records().len(),
    );
    assert!(matches!(
        rig.plan(&[Request::new(parcel(5), RecipientId(15))]),
        Err(LockerError::Allocation(_))
    ));
    assert_eq!(rig.locker.state(), &state);
    assert_eq!(rig.locker.journal().records().len(), records);
    rig.locker.cancel_deposit(open).unwrap();
    // A rotated courier code signs the session out: plan and step refused.
    let plan = rig
        .plan(&[Request::new(parcel(6), RecipientId(16))])
        .unwrap();
    rig.locker.issue_courier_code(CarrierId(7), DAY_S).unwrap();
    let state_rotated = rig.locker.state().clone();
    let records_rotated = rig.locker.journal().records().len();
    let courier = rig.courier.clone();
    assert!(matches!(
        rig.locker.deposit_planned(&courier, &plan.steps[0]),
        Err(LockerError::Credential(_))
    ));
    assert!(matches!(
        rig.plan(&[Request::new(parcel(7), RecipientId(16))]),
        Err(LockerError::Credential(_))
    ));
    assert_eq!(rig.locker.state(), &state_rotated);
    assert_eq!(rig.locker.journal().records().len(), records_rotated);
    rig.assert_replays();
}

#[test]
fn steps_read_back_as_they_were_written_and_refuse_unknown_fields() {
    let mut rig = rig();
    let plan = rig.plan(&load()[..1]).unwrap();
    let json = serde_json::to_string(&plan.steps[0]).unwrap();
    let back: BatchStep = serde_json::from_str(&json).unwrap();
    assert_eq!(back, plan.steps[0]);
    let extra = json.replacen('{', "{\"door\":1,", 1);
    assert!(serde_json::from_str::<BatchStep>(&extra).is_err());
    let plan_json = serde_json::to_value(&plan).unwrap();
    assert_eq!(plan_json["doors"], 1);
    assert_eq!(
        plan_json["steps"][0]["compartment"],
        plan.steps[0].compartment.0
    );
}

fn random_load() -> impl Strategy<Value = Vec<Request>> {
    proptest::collection::vec(
        (
            (40_u32..700, 40_u32..500, 20_u32..450),
            100_u32..20_000,
            0_u64..8,
        ),
        1..30,
    )
    .prop_map(|items| {
        items
            .into_iter()
            .zip(1_u64..)
            .map(|(((w, d, h), weight_g, recipient), id)| {
                let parcel = Parcel::new(ParcelId(id), Dimensions::new(w, d, h), weight_g);
                Request::new(parcel, RecipientId(100 + recipient))
            })
            .collect()
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// Any load, planned and dropped off step by step: every step opens its
    /// planned door, every parcel ends where the plan said, every door's
    /// packing checks, and the journal replays to the same state.
    #[test]
    fn any_load_dropped_off_as_planned_replays(
        earlier in proptest::collection::vec(0_u64..8, 0..6),
        load in random_load(),
        seed in any::<u64>(),
    ) {
        let mut rig = rig();
        // Some recipients already hold a door.
        for (i, recipient) in earlier.iter().enumerate() {
            rig.drop_off(parcel(1_000 + u64::try_from(i).unwrap()), 100 + recipient);
        }
        let courier = rig.courier.clone();
        let options = BatchOptions { max_iterations: 2_000, seed };
        let plan = rig.locker.plan_drop_off_batch(&courier, &load, &options).unwrap();
        prop_assert_eq!(plan.steps.len() + plan.overflow.len(), load.len());
        for step in &plan.steps {
            prop_assert_eq!(rig.drop_step(step), step.compartment);
        }
        let state = rig.locker.state();
        for step in &plan.steps {
            prop_assert_eq!(
                state.parcels()[&step.parcel.id],
                ParcelPlace::Compartment(step.compartment)
            );
        }
        for door in state.bank().compartments() {
            if let Some(contents) = door.contents() {
                prop_assert!(contents.packing.check(&contents.parcels).is_ok());
            }
        }
        rig.assert_replays();
    }
}
