//! `MockHardware`: answers from an expectation list, panics on any other
//! call, and `done()` checks every expected call happened.
#![allow(clippy::unwrap_used)]

use locker_core::CompartmentId;
use locker_core::hardware::{
    Call, DoorState, Expectation, Hardware, HardwareErrorKind, MockHardware, Occupancy, Operation,
};

const A: CompartmentId = CompartmentId(1);
const B: CompartmentId = CompartmentId(2);

#[test]
fn answers_each_expected_call_in_order() {
    let mut hw = MockHardware::new([
        Expectation::NowS(Ok(1_700_000_000)),
        Expectation::FillRandom(Ok(vec![1, 2, 3, 4])),
        Expectation::Unlock(A, Ok(())),
        Expectation::DoorState(A, Ok(DoorState::Open)),
        Expectation::Occupancy(A, Ok(Occupancy::Occupied)),
    ]);
    assert_eq!(hw.now_s(), Ok(1_700_000_000));
    let mut buf = [0u8; 4];
    hw.fill_random(&mut buf).unwrap();
    assert_eq!(buf, [1, 2, 3, 4]);
    hw.unlock(A).unwrap();
    assert_eq!(hw.door_state(A), Ok(DoorState::Open));
    assert_eq!(hw.occupancy(A), Ok(Occupancy::Occupied));
    assert_eq!(hw.calls_made(), 5);
    hw.done();
}

#[test]
fn returns_the_expected_errors() {
    let mut hw = MockHardware::new([
        Expectation::Unlock(A, Err(HardwareErrorKind::DoorJammed)),
        Expectation::FillRandom(Err(HardwareErrorKind::EntropyUnavailable)),
        Expectation::NowS(Err(HardwareErrorKind::ClockFault)),
    ]);
    assert_eq!(hw.unlock(A), Err(HardwareErrorKind::DoorJammed));
    assert_eq!(
        hw.fill_random(&mut [0; 99]),
        Err(HardwareErrorKind::EntropyUnavailable),
        "an expected failure accepts any length"
    );
    assert_eq!(hw.now_s(), Err(HardwareErrorKind::ClockFault));
    hw.done();
}

#[test]
fn more_expectations_can_be_added_and_pending_ones_listed() {
    let mut hw = MockHardware::default();
    hw.done();
    hw.expect([Expectation::NowS(Ok(1)), Expectation::Unlock(B, Ok(()))]);
    assert_eq!(
        hw.pending().map(Expectation::operation).collect::<Vec<_>>(),
        [Operation::NowS, Operation::Unlock]
    );
    hw.now_s().unwrap();
    hw.expect([Expectation::DoorState(B, Ok(DoorState::Closed))]);
    hw.unlock(B).unwrap();
    hw.door_state(B).unwrap();
    hw.done();
}

#[test]
fn expectations_match_calls() {
    assert!(Expectation::Unlock(A, Ok(())).matches(&Call::Unlock(A)));
    assert!(!Expectation::Unlock(A, Ok(())).matches(&Call::Unlock(B)));
    assert!(!Expectation::Unlock(A, Ok(())).matches(&Call::DoorState(A)));
    assert!(Expectation::FillRandom(Ok(vec![0; 8])).matches(&Call::FillRandom { len: 8 }));
    assert!(!Expectation::FillRandom(Ok(vec![0; 8])).matches(&Call::FillRandom { len: 9 }));
    assert_eq!(
        Expectation::Occupancy(B, Err(HardwareErrorKind::SensorFault)).to_string(),
        "occupancy(#2) -> an error"
    );
}

#[test]
#[should_panic(
    expected = "call #1 was unlock(#2), but the next expected call was unlock(#1) -> ok"
)]
fn panics_on_the_wrong_door() {
    let mut hw = MockHardware::new([Expectation::NowS(Ok(0)), Expectation::Unlock(A, Ok(()))]);
    hw.now_s().unwrap();
    let _ = hw.unlock(B);
}

#[test]
#[should_panic(expected = "call #0 was now_s(), but the next expected call was door_state(#1)")]
fn panics_on_the_wrong_operation() {
    let mut hw = MockHardware::new([Expectation::DoorState(A, Ok(DoorState::Closed))]);
    let _ = hw.now_s();
}

#[test]
#[should_panic(
    expected = "call #0 was fill_random(16 bytes), but the next expected call was fill_random(8 bytes)"
)]
fn panics_on_the_wrong_length() {
    let mut hw = MockHardware::new([Expectation::FillRandom(Ok(vec![0; 8]))]);
    let _ = hw.fill_random(&mut [0; 16]);
}

#[test]
#[should_panic(expected = "unexpected call #1 door_state(#1)")]
fn panics_on_a_call_too_many() {
    let mut hw = MockHardware::new([Expectation::Unlock(A, Ok(()))]);
    hw.unlock(A).unwrap();
    let _ = hw.door_state(A);
}

#[test]
#[should_panic(
    expected = "1 expected call(s) did not happen after 1 call(s) made:\n  unlock(#2) -> ok"
)]
fn done_panics_on_a_missing_call() {
    let mut hw = MockHardware::new([Expectation::NowS(Ok(0)), Expectation::Unlock(B, Ok(()))]);
    hw.now_s().unwrap();
    hw.done();
}
