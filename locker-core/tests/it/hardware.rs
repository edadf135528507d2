//! The `Hardware` trait from the library's side: one generic routine run
//! against the simulation (including a power cut at every step) and against
//! the mock, and the JSON shapes of the plain data types.
#![allow(clippy::unwrap_used)]

use locker_core::CompartmentId;
use locker_core::hardware::{
    Call, DoorState, Expectation, Hardware, HardwareError, HardwareErrorKind, MockHardware,
    SimulatedHardware,
};

const DOOR: CompartmentId = CompartmentId(12);

/// What a drop-off asks of the hardware: a timestamp, a secret for the
/// pickup credential, the door unlocked, then a look at the door.
fn drop_off<H: Hardware>(
    hw: &mut H,
    door: CompartmentId,
) -> Result<(u64, [u8; 16], DoorState), H::Error> {
    let at_s = hw.now_s()?;
    let mut secret = [0u8; 16];
    hw.fill_random(&mut secret)?;
    hw.unlock(door)?;
    let state = hw.door_state(door)?;
    Ok((at_s, secret, state))
}

const STEPS: usize = 4;

fn expected_calls() -> [Call; STEPS] {
    [
        Call::NowS,
        Call::FillRandom { len: 16 },
        Call::Unlock(DOOR),
        Call::DoorState(DOOR),
    ]
}

#[test]
fn a_generic_routine_runs_on_the_simulation_through_a_mut_borrow() {
    let mut sim = SimulatedHardware::new([DOOR], 3).with_now_s(1_700_000_000);
    let (at_s, secret, state) = drop_off(&mut &mut sim, DOOR).unwrap();
    assert_eq!(at_s, 1_700_000_000);
    assert_ne!(secret, [0; 16]);
    assert_eq!(state, DoorState::Closed, "unlocked, not yet pulled");
    sim.assert_calls(&expected_calls());
    assert!(sim.open_door(DOOR).unwrap());
}

#[test]
fn a_power_cut_at_every_step_fails_that_step_and_nothing_after() {
    for cut_after in 0..=STEPS {
        let mut sim = SimulatedHardware::new([DOOR], 3);
        sim.cut_power_after(cut_after);
        let result = drop_off(&mut sim, DOOR);
        if cut_after < STEPS {
            let error = result.unwrap_err();
            assert_eq!(error.kind(), HardwareErrorKind::PowerLost);
            assert_eq!(
                sim.calls(),
                &expected_calls()[..=cut_after],
                "the call that lost power is the last one made"
            );
            assert_eq!(
                sim.is_latch_released(DOOR).unwrap(),
                cut_after > 2,
                "the door is unlocked only if the unlock ran"
            );
        } else {
            result.unwrap();
        }
        sim.restore_power();
        sim.clear_calls();
        drop_off(&mut sim, DOOR).unwrap();
        sim.assert_calls(&expected_calls());
    }
}

#[test]
fn the_same_routine_on_the_mock() {
    let mut hw = MockHardware::new([
        Expectation::NowS(Ok(99)),
        Expectation::FillRandom(Ok(vec![7; 16])),
        Expectation::Unlock(DOOR, Err(HardwareErrorKind::DoorJammed)),
    ]);
    assert_eq!(drop_off(&mut hw, DOOR), Err(HardwareErrorKind::DoorJammed));
    hw.done();
}

#[test]
fn error_kinds_print_and_are_their_own_kind() {
    let kinds = [
        HardwareErrorKind::DoorJammed,
        HardwareErrorKind::UnknownDoor,
        HardwareErrorKind::SensorFault,
        HardwareErrorKind::BusTimeout,
        HardwareErrorKind::ClockFault,
        HardwareErrorKind::EntropyUnavailable,
        HardwareErrorKind::PowerLost,
        HardwareErrorKind::Other,
    ];
    for kind in kinds {
        assert_eq!(kind.kind(), kind);
        assert!(!kind.to_string().is_empty());
        let _: &dyn core::error::Error = &kind;
    }
}

#[cfg(feature = "serde")]
#[test]
fn plain_data_is_snake_case_json() {
    use locker_core::hardware::{Occupancy, Operation};
    assert_eq!(
        serde_json::to_string(&HardwareErrorKind::EntropyUnavailable).unwrap(),
        "\"entropy_unavailable\""
    );
    assert_eq!(serde_json::to_string(&DoorState::Open).unwrap(), "\"open\"");
    assert_eq!(
        serde_json::to_string(&Occupancy::Unknown).unwrap(),
        "\"unknown\""
    );
    assert_eq!(
        serde_json::to_string(&Operation::NowS).unwrap(),
        "\"now_s\""
    );
    assert_eq!(
        serde_json::to_string(&Call::FillRandom { len: 16 }).unwrap(),
        r#"{"fill_random":{"len":16}}"#
    );
    assert_eq!(
        serde_json::to_string(&Call::Unlock(DOOR)).unwrap(),
        r#"{"unlock":12}"#
    );
    let kind: HardwareErrorKind = serde_json::from_str("\"door_jammed\"").unwrap();
    assert_eq!(kind, HardwareErrorKind::DoorJammed);
}
