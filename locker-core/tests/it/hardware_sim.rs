//! `SimulatedHardware`: the physical rules, every injected fault, the call
//! log and the entropy source.
#![allow(clippy::unwrap_used)]

use locker_core::CompartmentId;
use locker_core::hardware::sim::{ActionError, Repeat, SensorLie, SimError};
use locker_core::hardware::{
    Call, DoorState, Hardware, HardwareError, HardwareErrorKind, Occupancy, Operation,
    SimulatedHardware,
};

const A: CompartmentId = CompartmentId(1);
const B: CompartmentId = CompartmentId(2);
const NOWHERE: CompartmentId = CompartmentId(99);

fn bank() -> SimulatedHardware {
    SimulatedHardware::new([A, B], 1)
}

fn kind<T: core::fmt::Debug>(result: Result<T, SimError>) -> HardwareErrorKind {
    result.unwrap_err().kind()
}

// --- physical rules -----------------------------------------------------------

#[test]
fn a_new_bank_is_closed_latched_and_empty() {
    let mut sim = bank();
    for door in [A, B] {
        assert!(!sim.is_open(door).unwrap());
        assert!(!sim.is_latch_released(door).unwrap());
        assert_eq!(sim.parcel_count(door).unwrap(), 0);
        assert_eq!(sim.door_state(door).unwrap(), DoorState::Closed);
        assert_eq!(sim.occupancy(door).unwrap(), Occupancy::Empty);
    }
    assert!(sim.is_powered());
    assert_eq!(sim.clock_s(), 0);
}

#[test]
fn a_latched_door_does_not_open() {
    let mut sim = bank();
    assert!(!sim.open_door(A).unwrap());
    assert_eq!(sim.door_state(A).unwrap(), DoorState::Closed);
}

#[test]
fn an_unlocked_door_opens_and_only_that_door() {
    let mut sim = bank();
    sim.unlock(A).unwrap();
    assert!(sim.is_latch_released(A).unwrap());
    assert!(!sim.open_door(B).unwrap());
    assert!(sim.open_door(A).unwrap());
    assert_eq!(sim.door_state(A).unwrap(), DoorState::Open);
    assert_eq!(sim.door_state(B).unwrap(), DoorState::Closed);
}

#[test]
fn a_closed_door_latches_again() {
    let mut sim = bank();
    sim.unlock(A).unwrap();
    assert!(sim.open_door(A).unwrap());
    assert!(sim.close_door(A).unwrap());
    assert!(!sim.is_latch_released(A).unwrap());
    assert!(!sim.open_door(A).unwrap(), "one unlock opens the door once");
}

#[test]
fn a_latch_pulse_that_nobody_used_relatches() {
    let mut sim = bank();
    sim.unlock(A).unwrap();
    sim.relatch(A).unwrap();
    assert!(!sim.open_door(A).unwrap());
}

#[test]
fn unlocking_an_open_door_is_not_an_error() {
    let mut sim = bank();
    sim.force_open(A).unwrap();
    sim.unlock(A).unwrap();
    assert_eq!(sim.door_state(A).unwrap(), DoorState::Open);
}

#[test]
fn parcels_go_in_and_out_only_through_an_open_door() {
    let mut sim = bank();
    assert_eq!(sim.put_parcel(A), Err(ActionError::DoorClosed { door: A }));
    sim.unlock(A).unwrap();
    sim.open_door(A).unwrap();
    sim.put_parcel(A).unwrap();
    sim.put_parcel(A).unwrap();
    assert_eq!(sim.parcel_count(A).unwrap(), 2);
    sim.close_door(A).unwrap();
    assert_eq!(sim.take_parcel(A), Err(ActionError::DoorClosed { door: A }));
    assert_eq!(sim.parcel_count(A).unwrap(), 2);
}

#[test]
fn the_occupancy_sensor_reports_the_truth() {
    let mut sim = bank();
    sim.force_open(A).unwrap();
    sim.put_parcel(A).unwrap();
    assert_eq!(sim.occupancy(A).unwrap(), Occupancy::Occupied);
    sim.take_parcel(A).unwrap();
    assert_eq!(sim.occupancy(A).unwrap(), Occupancy::Empty);
    assert_eq!(sim.take_parcel(A), Err(ActionError::NoParcel { door: A }));
}

#[test]
fn a_forced_door_is_open_without_any_unlock() {
    let mut sim = bank();
    sim.force_open(B).unwrap();
    assert_eq!(sim.door_state(B).unwrap(), DoorState::Open);
    assert_eq!(sim.count_calls(Operation::Unlock), 0);
    sim.assert_calls(&[Call::DoorState(B)]);
    assert!(sim.close_door(B).unwrap());
    assert_eq!(sim.door_state(B).unwrap(), DoorState::Closed);
}

#[test]
fn an_unknown_door_is_an_error_not_a_panic() {
    let mut sim = bank();
    let error = sim.unlock(NOWHERE).unwrap_err();
    assert_eq!(error.kind(), HardwareErrorKind::UnknownDoor);
    assert_eq!(error.door, Some(NOWHERE));
    assert_eq!(
        kind(sim.door_state(NOWHERE)),
        HardwareErrorKind::UnknownDoor
    );
    assert_eq!(kind(sim.occupancy(NOWHERE)), HardwareErrorKind::UnknownDoor);
    sim.assert_calls(&[
        Call::Unlock(NOWHERE),
        Call::DoorState(NOWHERE),
        Call::Occupancy(NOWHERE),
    ]);
    let unknown = ActionError::UnknownDoor { door: NOWHERE };
    assert_eq!(sim.open_door(NOWHERE).unwrap_err(), unknown);
    assert_eq!(sim.close_door(NOWHERE).unwrap_err(), unknown);
    assert_eq!(sim.put_parcel(NOWHERE).unwrap_err(), unknown);
    assert_eq!(sim.take_parcel(NOWHERE).unwrap_err(), unknown);
    assert_eq!(sim.force_open(NOWHERE).unwrap_err(), unknown);
    assert_eq!(sim.relatch(NOWHERE).unwrap_err(), unknown);
    assert_eq!(sim.is_open(NOWHERE).unwrap_err(), unknown);
    assert_eq!(sim.parcel_count(NOWHERE).unwrap_err(), unknown);
    assert_eq!(sim.jam(NOWHERE, Repeat::Once).unwrap_err(), unknown);
    assert_eq!(sim.hold_open(NOWHERE).unwrap_err(), unknown);
    assert_eq!(sim.break_door_sensor(NOWHERE).unwrap_err(), unknown);
    assert_eq!(
        sim.lie_occupancy(NOWHERE, SensorLie::Opposite).unwrap_err(),
        unknown
    );
    assert_eq!(sim.clear_door_faults(NOWHERE).unwrap_err(), unknown);
    assert_eq!(
        ActionError::UnknownDoor { door: NOWHERE }.to_string(),
        "door #99 does not exist in this simulated bank"
    );
}

// --- faults --------------------------------------------------------------------

#[test]
fn a_door_jammed_once_stays_locked_then_works() {
    let mut sim = bank();
    sim.jam(A, Repeat::Once).unwrap();
    let error = sim.unlock(A).unwrap_err();
    assert_eq!(error.kind(), HardwareErrorKind::DoorJammed);
    assert_eq!(
        error.to_string(),
        "door #1: door jammed: the latch did not release"
    );
    assert!(!sim.is_latch_released(A).unwrap());
    assert!(!sim.open_door(A).unwrap());
    sim.unlock(A).unwrap();
    assert!(sim.open_door(A).unwrap());
}

#[test]
fn a_door_jammed_always_stays_locked_until_cleared() {
    let mut sim = bank();
    sim.jam(A, Repeat::Always).unwrap();
    for _ in 0..3 {
        assert_eq!(kind(sim.unlock(A)), HardwareErrorKind::DoorJammed);
        assert!(!sim.open_door(A).unwrap());
    }
    sim.unlock(B).unwrap();
    sim.clear_door_faults(A).unwrap();
    sim.unlock(A).unwrap();
    assert!(sim.open_door(A).unwrap());
}

#[test]
fn a_door_held_open_does_not_close_until_cleared() {
    let mut sim = bank();
    sim.hold_open(A).unwrap();
    sim.unlock(A).unwrap();
    assert!(sim.open_door(A).unwrap());
    assert!(!sim.close_door(A).unwrap());
    assert_eq!(sim.door_state(A).unwrap(), DoorState::Open);
    sim.clear_door_faults(A).unwrap();
    assert!(sim.close_door(A).unwrap());
    assert_eq!(sim.door_state(A).unwrap(), DoorState::Closed);
}

#[test]
fn a_broken_door_sensor_fails_but_the_door_still_works() {
    let mut sim = bank();
    sim.break_door_sensor(A).unwrap();
    assert_eq!(kind(sim.door_state(A)), HardwareErrorKind::SensorFault);
    sim.unlock(A).unwrap();
    assert!(sim.open_door(A).unwrap());
    assert_eq!(kind(sim.door_state(A)), HardwareErrorKind::SensorFault);
    assert_eq!(sim.door_state(B).unwrap(), DoorState::Closed);
    sim.clear_door_faults(A).unwrap();
    assert_eq!(sim.door_state(A).unwrap(), DoorState::Open);
}

#[test]
fn a_lying_occupancy_sensor() {
    let mut sim = bank();
    sim.force_open(A).unwrap();
    sim.put_parcel(A).unwrap();

    sim.lie_occupancy(A, SensorLie::Opposite).unwrap();
    assert_eq!(sim.occupancy(A).unwrap(), Occupancy::Empty);
    assert_eq!(
        sim.occupancy(B).unwrap(),
        Occupancy::Empty,
        "B tells the truth"
    );
    sim.take_parcel(A).unwrap();
    assert_eq!(sim.occupancy(A).unwrap(), Occupancy::Occupied);

    sim.lie_occupancy(A, SensorLie::Unknown).unwrap();
    assert_eq!(sim.occupancy(A).unwrap(), Occupancy::Unknown);

    sim.lie_occupancy(A, SensorLie::Fault).unwrap();
    assert_eq!(kind(sim.occupancy(A)), HardwareErrorKind::SensorFault);

    sim.clear_door_faults(A).unwrap();
    assert_eq!(sim.occupancy(A).unwrap(), Occupancy::Empty);
}

#[test]
fn a_bank_without_occupancy_sensors_reports_unknown() {
    let mut sim = bank().without_occupancy_sensors();
    sim.force_open(A).unwrap();
    sim.put_parcel(A).unwrap();
    assert_eq!(sim.occupancy(A).unwrap(), Occupancy::Unknown);
    sim.assert_calls(&[Call::Occupancy(A)]);
}

#[test]
fn the_clock_is_set_and_advanced() {
    let mut sim = bank().with_now_s(1_000);
    assert_eq!(sim.now_s().unwrap(), 1_000);
    sim.advance_s(60);
    assert_eq!(sim.now_s().unwrap(), 1_060);
    sim.set_now_s(5);
    assert_eq!(sim.now_s().unwrap(), 5);
    sim.advance_s(u64::MAX);
    assert_eq!(sim.now_s().unwrap(), u64::MAX);
}

#[test]
fn a_clock_jump_is_applied_once_at_the_next_read() {
    let mut sim = bank().with_now_s(10_000);
    sim.jump_clock_s(3_600);
    assert_eq!(sim.clock_s(), 10_000, "not before the read");
    assert_eq!(sim.now_s().unwrap(), 13_600);
    assert_eq!(sim.now_s().unwrap(), 13_600, "once, not at every read");

    sim.jump_clock_s(-20_000);
    assert_eq!(sim.now_s().unwrap(), 0, "backward, saturating at 0");
    assert_eq!(sim.now_s().unwrap(), 0);

    sim.set_now_s(100);
    sim.jump_clock_s(-30);
    sim.jump_clock_s(-20);
    assert_eq!(sim.now_s().unwrap(), 50, "jumps before a read add up");
}

#[test]
fn a_clock_jump_waits_for_a_successful_read() {
    let mut sim = bank().with_now_s(500);
    sim.jump_clock_s(-100);
    sim.fail_calls(Operation::NowS, HardwareErrorKind::ClockFault, Repeat::Once);
    assert_eq!(kind(sim.now_s()), HardwareErrorKind::ClockFault);
    assert_eq!(sim.now_s().unwrap(), 400);
}

#[test]
fn power_lost_after_n_calls_fails_call_n_plus_1_onward() {
    for n in 0..6 {
        let mut sim = bank();
        sim.cut_power_after(n);
        for made in 0..n {
            assert!(sim.is_powered());
            assert!(
                sim.door_state(A).is_ok(),
                "call {} of {n} must work",
                made + 1
            );
        }
        for _ in 0..3 {
            assert_eq!(kind(sim.now_s()), HardwareErrorKind::PowerLost);
            assert_eq!(kind(sim.unlock(A)), HardwareErrorKind::PowerLost);
        }
        assert!(!sim.is_powered());
        assert_eq!(sim.calls().len(), n + 6, "failed calls are logged too");
        sim.restore_power();
        assert!(sim.is_powered());
        sim.unlock(A).unwrap();
        assert!(sim.open_door(A).unwrap());
    }
}

#[test]
fn a_power_cut_keeps_the_physical_world() {
    let mut sim = bank().with_now_s(42);
    sim.unlock(A).unwrap();
    sim.cut_power();
    let error = sim.door_state(A).unwrap_err();
    assert_eq!(error.kind(), HardwareErrorKind::PowerLost);
    assert_eq!(error.door, Some(A));
    assert_eq!(
        kind(sim.fill_random(&mut [0; 4])),
        HardwareErrorKind::PowerLost
    );
    assert_eq!(kind(sim.occupancy(A)), HardwareErrorKind::PowerLost);
    assert!(
        sim.open_door(A).unwrap(),
        "a person can still pull a released door"
    );
    sim.put_parcel(A).unwrap();
    assert!(sim.close_door(A).unwrap());
    sim.advance_s(8);
    sim.restore_power();
    assert_eq!(sim.door_state(A).unwrap(), DoorState::Closed);
    assert_eq!(sim.occupancy(A).unwrap(), Occupancy::Occupied);
    assert_eq!(sim.now_s().unwrap(), 50);
}

#[test]
fn a_power_cut_counts_calls_that_failed_for_other_reasons() {
    let mut sim = bank();
    sim.cut_power_after(2);
    assert_eq!(kind(sim.unlock(NOWHERE)), HardwareErrorKind::UnknownDoor);
    sim.jam(A, Repeat::Once).unwrap();
    assert_eq!(kind(sim.unlock(A)), HardwareErrorKind::DoorJammed);
    assert_eq!(kind(sim.unlock(A)), HardwareErrorKind::PowerLost);
    assert!(!sim.is_latch_released(A).unwrap());
}

#[test]
fn restoring_power_cancels_a_pending_cut() {
    let mut sim = bank();
    sim.cut_power_after(1);
    sim.restore_power();
    for _ in 0..5 {
        sim.now_s().unwrap();
    }
}

#[test]
fn any_kind_can_be_injected_into_any_call() {
    let mut sim = bank();
    sim.fail_calls(
        Operation::Unlock,
        HardwareErrorKind::BusTimeout,
        Repeat::Once,
    );
    sim.fail_calls(
        Operation::FillRandom,
        HardwareErrorKind::EntropyUnavailable,
        Repeat::Always,
    );
    sim.fail_calls(Operation::NowS, HardwareErrorKind::ClockFault, Repeat::Once);
    sim.fail_calls(Operation::NowS, HardwareErrorKind::Other, Repeat::Once);
    sim.fail_calls(
        Operation::DoorState,
        HardwareErrorKind::BusTimeout,
        Repeat::Once,
    );
    sim.fail_calls(
        Operation::Occupancy,
        HardwareErrorKind::BusTimeout,
        Repeat::Once,
    );

    let error = sim.unlock(A).unwrap_err();
    assert_eq!(error.kind(), HardwareErrorKind::BusTimeout);
    assert!(
        !sim.is_latch_released(A).unwrap(),
        "a failed unlock does not unlock"
    );
    sim.unlock(A).unwrap();

    for _ in 0..3 {
        let error = sim.fill_random(&mut [0; 8]).unwrap_err();
        assert_eq!(error.kind(), HardwareErrorKind::EntropyUnavailable);
        assert_eq!(error.door, None);
    }

    assert_eq!(
        kind(sim.now_s()),
        HardwareErrorKind::ClockFault,
        "oldest first"
    );
    assert_eq!(kind(sim.now_s()), HardwareErrorKind::Other);
    sim.now_s().unwrap();

    assert_eq!(kind(sim.door_state(B)), HardwareErrorKind::BusTimeout);
    sim.door_state(B).unwrap();
    assert_eq!(kind(sim.occupancy(B)), HardwareErrorKind::BusTimeout);
    sim.occupancy(B).unwrap();

    sim.clear_faults();
    sim.fill_random(&mut [0; 8]).unwrap();
}

#[test]
fn clear_faults_clears_everything_but_keeps_the_world() {
    let mut sim = bank().with_now_s(1_000);
    sim.force_open(B).unwrap();
    sim.put_parcel(B).unwrap();
    sim.jam(A, Repeat::Always).unwrap();
    sim.hold_open(B).unwrap();
    sim.break_door_sensor(A).unwrap();
    sim.lie_occupancy(B, SensorLie::Fault).unwrap();
    sim.jump_clock_s(50);
    sim.fail_calls(
        Operation::FillRandom,
        HardwareErrorKind::Other,
        Repeat::Always,
    );
    sim.cut_power_after(100);
    sim.door_state(B).unwrap();

    sim.clear_faults();
    sim.unlock(A).unwrap();
    assert_eq!(sim.door_state(A).unwrap(), DoorState::Closed);
    assert!(sim.close_door(B).unwrap());
    assert_eq!(sim.occupancy(B).unwrap(), Occupancy::Occupied);
    assert_eq!(sim.now_s().unwrap(), 1_000);
    sim.fill_random(&mut [0; 4]).unwrap();
    assert_eq!(sim.calls().len(), 6, "the log is kept");
}

// --- the call log ----------------------------------------------------------------

#[test]
fn the_call_log_records_every_call_in_order() {
    let mut sim = bank();
    sim.now_s().unwrap();
    sim.fill_random(&mut [0; 16]).unwrap();
    sim.unlock(B).unwrap();
    sim.open_door(B).unwrap(); // a physical action: not logged
    sim.door_state(B).unwrap();
    sim.occupancy(B).unwrap();
    sim.assert_calls(&[
        Call::NowS,
        Call::FillRandom { len: 16 },
        Call::Unlock(B),
        Call::DoorState(B),
        Call::Occupancy(B),
    ]);
    assert_eq!(sim.count_calls(Operation::Unlock), 1);
    assert_eq!(sim.count_calls(Operation::Occupancy), 1);

    let taken = sim.take_calls();
    assert_eq!(taken.len(), 5);
    assert!(sim.calls().is_empty());
    sim.now_s().unwrap();
    assert_eq!(sim.calls(), [Call::NowS]);
    sim.clear_calls();
    sim.assert_calls(&[]);
}

#[test]
#[should_panic(expected = "calls differ from call #1")]
fn assert_calls_names_the_first_difference() {
    let mut sim = bank();
    sim.now_s().unwrap();
    sim.unlock(A).unwrap();
    sim.assert_calls(&[Call::NowS, Call::Unlock(B)]);
}

#[test]
#[should_panic(expected = "calls differ from call #1")]
fn assert_calls_sees_a_missing_call() {
    let mut sim = bank();
    sim.now_s().unwrap();
    sim.assert_calls(&[Call::NowS, Call::Unlock(A)]);
}

// --- entropy -----------------------------------------------------------------------

#[test]
fn entropy_is_deterministic_per_seed_and_differs_across_seeds() {
    let bytes = |seed| {
        let mut sim = SimulatedHardware::new([], seed);
        let mut buf = [0u8; 64];
        sim.fill_random(&mut buf).unwrap();
        buf
    };
    assert_eq!(bytes(1), bytes(1));
    assert_ne!(bytes(1), bytes(2));
    assert_ne!(bytes(0), bytes(u64::MAX));
    assert_ne!(bytes(1)[..32], bytes(1)[32..], "blocks differ");
}

#[test]
fn entropy_keeps_flowing_and_a_failed_read_uses_none() {
    let mut sim = SimulatedHardware::new([], 5);
    let mut first = [0u8; 16];
    sim.fill_random(&mut first).unwrap();
    sim.fail_calls(
        Operation::FillRandom,
        HardwareErrorKind::EntropyUnavailable,
        Repeat::Once,
    );
    assert!(sim.fill_random(&mut [0; 16]).is_err());
    let mut second = [0u8; 16];
    sim.fill_random(&mut second).unwrap();
    assert_ne!(first, second);

    let mut reference = SimulatedHardware::new([], 5);
    let mut both = [0u8; 32];
    reference.fill_random(&mut both).unwrap();
    assert_eq!(both[..16], first);
    assert_eq!(both[16..], second);
    sim.fill_random(&mut []).unwrap();
}
