use super::*;
use crate::allocate::Request;
use crate::credential::{CarrierId, KioskId, PinSecret, TokenSecret};
use crate::hardware::sim::Repeat;
use crate::hardware::{HardwareErrorKind, HardwareFault, SimulatedHardware};
use crate::journal::MemoryJournal;
use crate::{Dimensions, Parcel, ParcelId, RecipientId, TemperatureZone};
use alloc::string::ToString;
use alloc::vec;
use alloc::vec::Vec;

const T0: u64 = 1_700_000_000;
const KIOSK: KioskId = KioskId(1);

type TestLocker = Locker<SimulatedHardware, MemoryJournal<Entry>>;

mod batch;
mod format;
mod remote;

struct Rig {
    locker: TestLocker,
    courier: CourierSession,
}

fn rig_with(config: LockerConfig) -> Rig {
    let doors: Vec<CompartmentId> = config.bank.compartments.iter().map(|c| c.id).collect();
    let hardware = SimulatedHardware::new(doors, 42).with_now_s(T0);
    let mut locker = Locker::new(config, hardware, MemoryJournal::new()).unwrap();
    let code = locker.issue_courier_code(CarrierId(7), 30 * DAY_S).unwrap();
    let courier = locker.courier_sign_in(KIOSK, code.expose()).unwrap();
    Rig { locker, courier }
}

fn rig() -> Rig {
    rig_with(LockerConfig::default())
}

fn parcel(id: u64) -> Parcel {
    Parcel::new(ParcelId(id), Dimensions::new(300, 200, 50), 800)
}

/// The PIN and QR token of the first `parcel_ready` among `events`.
fn parcel_ready(events: Vec<Event>) -> Option<(PinSecret, TokenSecret)> {
    events.into_iter().find_map(|event| match event {
        Event::ParcelReady { pin, qr_token, .. } => Some((pin, qr_token)),
        _ => None,
    })
}

/// The carrier's return token for `door` among `events`.
fn return_token(events: Vec<Event>, door: CompartmentId) -> Option<TokenSecret> {
    events.into_iter().find_map(|event| match event {
        Event::ReturnReady {
            qr_token,
            compartment,
            ..
        } if compartment == door => Some(qr_token),
        _ => None,
    })
}

impl Rig {
    fn hw(&mut self) -> &mut SimulatedHardware {
        self.locker.hardware_mut()
    }

    /// Time passes, the locker reading its clock at least hourly, as a
    /// host that ticks does (a longer gap would be a jump, held back).
    fn advance(&mut self, by_s: u64) {
        let mut left_s = by_s;
        while left_s > 0 {
            let step_s = left_s.min(HOUR_S);
            self.hw().advance_s(step_s);
            // A clock fault is what some tests are about: the next
            // operation meets it.
            let _ = self.locker.observe_clock();
            left_s -= step_s;
        }
    }

    /// A whole drop-off; returns the door and the recipient's secrets.
    fn drop_off(
        &mut self,
        parcel: Parcel,
        recipient: u64,
    ) -> (CompartmentId, PinSecret, TokenSecret) {
        let compartment = self.open_for(parcel, recipient);
        self.hw().open_door(compartment).unwrap();
        self.hw().put_parcel(compartment).unwrap();
        self.hw().close_door(compartment).unwrap();
        self.locker.door_closed(compartment).unwrap();
        let (pin, token) = self.ready().unwrap();
        (compartment, pin, token)
    }

    fn open_for(&mut self, parcel: Parcel, recipient: u64) -> CompartmentId {
        let courier = self.courier.clone();
        match self
            .locker
            .deposit(&courier, Request::new(parcel, RecipientId(recipient)))
            .unwrap()
        {
            DropOff::Opened { compartment, .. } => compartment,
            DropOff::Overflow(overflow) => panic!("overflow: {overflow}"),
        }
    }

    fn ready(&mut self) -> Option<(PinSecret, TokenSecret)> {
        parcel_ready(self.locker.take_events())
    }

    /// The resident takes everything out of the opened doors and closes them.
    fn empty_doors(&mut self, doors: &[CompartmentId]) {
        for &door in doors {
            assert!(self.hw().open_door(door).unwrap());
            while self.hw().parcel_count(door).unwrap() > 0 {
                self.hw().take_parcel(door).unwrap();
            }
            self.hw().close_door(door).unwrap();
            self.locker.door_closed(door).unwrap();
        }
    }

    fn assert_replays(&self) {
        let records = self.locker.journal().records();
        crate::journal::verify(records, &crate::journal::Trust::integrity_only()).unwrap();
        assert_eq!(&replay(records).unwrap(), self.locker.state());
    }
}

#[test]
fn a_parcel_goes_in_and_comes_out_by_pin() {
    let mut rig = rig();
    let (door, pin, token) = rig.drop_off(parcel(1), 12);
    assert_eq!(
        rig.locker.state().parcels()[&ParcelId(1)],
        ParcelPlace::Compartment(door)
    );
    assert_eq!(token.expose().len(), crate::credential::token_chars_for(1));
    rig.advance(3_600);
    // The default policy asks for the unit with the PIN.
    assert!(rig.locker.pickup_pin(KIOSK, None, pin.expose()).is_err());
    let opened = rig
        .locker
        .pickup_pin(KIOSK, Some(RecipientId(12)), pin.expose())
        .unwrap();
    assert_eq!(opened, vec![door]);
    rig.empty_doors(&opened);
    assert_eq!(
        rig.locker.state().parcels()[&ParcelId(1)],
        ParcelPlace::Collected
    );
    assert!(
        rig.locker
            .state()
            .bank()
            .compartment(door)
            .unwrap()
            .contents()
            .is_none()
    );
    // Both credentials are spent.
    rig.advance(10);
    assert!(
        rig.locker
            .pickup_pin(KIOSK, Some(RecipientId(12)), pin.expose())
            .is_err()
    );
    assert!(rig.locker.pickup_qr(KIOSK, token.expose()).is_err());
    rig.assert_replays();
}

#[test]
fn a_qr_token_opens_the_door_and_the_grace_period_allows_a_reopen() {
    let mut rig = rig();
    let (door, _pin, token) = rig.drop_off(parcel(1), 12);
    let opened = rig.locker.pickup_qr(KIOSK, token.expose()).unwrap();
    rig.empty_doors(&opened);
    // The door is not allocated during the grace period.
    assert!(
        !rig.locker
            .state()
            .bank()
            .compartment(door)
            .unwrap()
            .is_free()
    );
    rig.locker.reopen(door).unwrap();
    assert!(rig.hw().open_door(door).unwrap());
    rig.hw().close_door(door).unwrap();
    rig.locker.door_closed(door).unwrap();
    rig.locker.report_missing(door).unwrap();
    assert_eq!(
        rig.locker.state().parcels()[&ParcelId(1)],
        ParcelPlace::Missing
    );
    rig.advance(rig.locker.state().policy().reopen_grace_s);
    rig.locker.tick().unwrap();
    assert!(
        rig.locker
            .state()
            .bank()
            .compartment(door)
            .unwrap()
            .is_free()
    );
    assert!(rig.locker.reopen(door).is_err());
    rig.assert_replays();
}

#[test]
fn a_door_closed_with_something_inside_after_a_reopen_is_taken_out_of_service() {
    let mut rig = rig();
    let (door, _pin, token) = rig.drop_off(parcel(1), 12);
    let opened = rig.locker.pickup_qr(KIOSK, token.expose()).unwrap();
    rig.empty_doors(&opened);
    // Re-opened and closed empty: nothing happens.
    rig.locker.reopen(door).unwrap();
    rig.hw().open_door(door).unwrap();
    rig.hw().close_door(door).unwrap();
    rig.locker.door_closed(door).unwrap();
    assert!(
        !rig.locker
            .take_events()
            .iter()
            .any(|e| matches!(e, Event::FoundOccupied { .. }))
    );
    // Re-opened and closed with something inside: no courier is sent there.
    rig.locker.reopen(door).unwrap();
    rig.hw().open_door(door).unwrap();
    rig.hw().put_parcel(door).unwrap();
    rig.hw().close_door(door).unwrap();
    rig.locker.door_closed(door).unwrap();
    assert!(
        rig.locker
            .take_events()
            .iter()
            .any(|e| matches!(e, Event::FoundOccupied { compartment } if *compartment == door))
    );
    assert!(rig.locker.state().door_blocked(door).is_some());
    rig.advance(rig.locker.state().policy().reopen_grace_s);
    rig.locker.tick().unwrap();
    let compartment = rig.locker.state().bank().compartment(door).unwrap();
    assert!(
        !compartment.is_free(),
        "out of service after the grace period"
    );
    rig.assert_replays();
}

#[test]
fn a_door_staff_open_to_inspect_stays_collectable_after_the_inspection() {
    use crate::hardware::sim::Repeat;
    use crate::hardware::{HardwareErrorKind, Operation};
    let mut rig = rig();
    let door = rig.open_for(parcel(1), 12);
    rig.hw().open_door(door).unwrap();
    rig.hw().put_parcel(door).unwrap();
    rig.hw().close_door(door).unwrap();
    rig.hw().fail_calls(
        Operation::Occupancy,
        HardwareErrorKind::SensorFault,
        Repeat::Once,
    );
    rig.locker.door_closed(door).unwrap();
    // Staff open the door to look, close it, and confirm the parcel.
    rig.locker
        .staff_open(door, "inspect after a sensor fault")
        .unwrap();
    rig.hw().open_door(door).unwrap();
    rig.hw().close_door(door).unwrap();
    rig.locker.door_closed(door).unwrap();
    assert!(
        !rig.locker
            .take_events()
            .iter()
            .any(|e| matches!(e, Event::FoundOccupied { .. }))
    );
    rig.locker.inspect(door, true).unwrap();
    let (pin, _) = rig.ready().unwrap();
    assert_eq!(
        rig.locker
            .pickup_pin(KIOSK, Some(RecipientId(12)), pin.expose())
            .unwrap(),
        vec![door]
    );
    rig.assert_replays();
}

#[test]
fn a_second_parcel_joins_the_recipients_door_with_new_credentials() {
    let mut rig = rig();
    let (door, old_pin, _) = rig.drop_off(parcel(1), 12);
    let (second, new_pin, _) = rig.drop_off(parcel(2), 12);
    assert_eq!(door, second);
    assert!(
        rig.locker
            .pickup_pin(KIOSK, Some(RecipientId(12)), old_pin.expose())
            .is_err()
    );
    let opened = rig
        .locker
        .pickup_pin(KIOSK, Some(RecipientId(12)), new_pin.expose())
        .unwrap();
    assert_eq!(opened, vec![door]);
    rig.empty_doors(&opened);
    assert_eq!(
        rig.locker.state().parcels()[&ParcelId(2)],
        ParcelPlace::Collected
    );
    rig.assert_replays();
}

#[test]
fn a_door_closed_empty_calls_the_drop_off_off() {
    let mut rig = rig();
    let door = rig.open_for(parcel(1), 12);
    rig.hw().open_door(door).unwrap();
    rig.hw().close_door(door).unwrap();
    rig.locker.door_closed(door).unwrap();
    assert_eq!(
        rig.locker.state().parcels()[&ParcelId(1)],
        ParcelPlace::WithCourier
    );
    assert!(
        rig.locker
            .state()
            .bank()
            .compartment(door)
            .unwrap()
            .is_free()
    );
    assert!(rig.ready().is_none());
    rig.assert_replays();
}

#[test]
fn a_courier_can_ask_for_a_larger_door() {
    let mut rig = rig();
    let small = rig.open_for(parcel(1), 12);
    rig.hw().open_door(small).unwrap();
    assert!(matches!(
        rig.locker.need_larger_door(small),
        Err(LockerError::DoorStillOpen { .. })
    ));
    rig.hw().close_door(small).unwrap();
    let DropOff::Opened { compartment, .. } = rig.locker.need_larger_door(small).unwrap() else {
        panic!("a larger door is free");
    };
    let volume = |c| {
        rig.locker
            .state()
            .bank()
            .compartment(c)
            .unwrap()
            .spec()
            .inner
            .volume_mm3()
    };
    assert!(volume(compartment) > volume(small));
    rig.assert_replays();
}

#[test]
fn a_parcel_too_big_for_the_largest_door_overflows_as_no_larger_door() {
    let mut rig = rig();
    let largest = rig
        .locker
        .state()
        .bank()
        .config()
        .compartments
        .iter()
        .max_by_key(|spec| spec.inner.volume_mm3())
        .unwrap()
        .inner;
    // Declared to fit only the largest doors; the courier finds it does not.
    let size = Dimensions::new(
        largest.width_mm - 40,
        largest.depth_mm - 40,
        largest.height_mm - 40,
    );
    let big = Parcel::new(ParcelId(1), size, 2_000);
    let door = rig.open_for(big, 12);
    rig.hw().open_door(door).unwrap();
    rig.hw().close_door(door).unwrap();
    let DropOff::Overflow(overflow) = rig.locker.need_larger_door(door).unwrap() else {
        panic!("no door is larger than the largest");
    };
    // Not "nothing fits": the bank has doors for the declared size.
    assert_eq!(
        overflow.reason,
        crate::allocate::OverflowReason::NoLargerDoor
    );
    assert_eq!(
        overflow.reason.to_string(),
        "no compartment larger than the one found too small can take it"
    );
    let last = &rig.locker.journal().records().last().unwrap().entry;
    assert!(
        matches!(
            last,
            Entry::DepositOverflowed {
                reason: crate::allocate::OverflowReason::NoLargerDoor,
                ..
            }
        ),
        "{last:?}"
    );
    assert_eq!(
        rig.locker.state().parcels()[&ParcelId(1)],
        ParcelPlace::WithCourier
    );
    rig.assert_replays();
}

#[test]
fn a_jammed_door_is_taken_out_of_service_and_another_opens() {
    let mut rig = rig();
    rig.hw().jam(CompartmentId(1), Repeat::Always).unwrap();
    let door = rig.open_for(parcel(1), 12);
    assert_ne!(door, CompartmentId(1));
    assert!(
        rig.locker
            .state()
            .out_of_service()
            .contains_key(&CompartmentId(1))
    );
    assert!(
        rig.locker
            .take_events()
            .iter()
            .any(|e| matches!(e, Event::HardwareFault { .. }))
    );
    rig.assert_replays();
}

#[test]
fn expiry_reminds_then_returns_to_the_carrier() {
    let mut rig = rig();
    let (door, pin, _) = rig.drop_off(parcel(1), 12);
    let dwell = rig.locker.state().policy().dwell_s;
    rig.advance(dwell - DAY_S);
    rig.locker.tick().unwrap();
    assert!(
        rig.locker
            .take_events()
            .iter()
            .any(|e| matches!(e, Event::Reminder { .. }))
    );
    rig.advance(DAY_S);
    rig.locker.tick().unwrap();
    let token = rig
        .locker
        .take_events()
        .into_iter()
        .find_map(|e| match e {
            Event::ReturnReady {
                qr_token, carrier, ..
            } => {
                assert_eq!(carrier, CarrierId(7));
                Some(qr_token)
            }
            _ => None,
        })
        .unwrap();
    // The resident's PIN no longer works; the carrier's token does.
    assert!(
        rig.locker
            .pickup_pin(KIOSK, Some(RecipientId(12)), pin.expose())
            .is_err()
    );
    let opened = rig.locker.pickup_qr(KIOSK, token.expose()).unwrap();
    rig.empty_doors(&opened);
    assert_eq!(
        rig.locker.state().parcels()[&ParcelId(1)],
        ParcelPlace::Returned
    );
    assert!(
        rig.locker
            .state()
            .bank()
            .compartment(door)
            .unwrap()
            .is_free()
    );
    rig.assert_replays();
}

#[test]
fn chilled_parcels_expire_sooner_and_extensions_stop_at_the_limit() {
    let mut rig = rig();
    let cold = parcel(1).in_zone(TemperatureZone::Chilled);
    let (door, _, _) = rig.drop_off(cold, 12);
    let delivery = rig.locker.state().deliveries()[&door].clone();
    let policy = rig.locker.state().policy().clone();
    assert_eq!(
        delivery.expires_at_s - delivery.deposited_at_s,
        policy.dwell_for(true)
    );
    assert!(rig.locker.extend(door, DAY_S).is_err());
    let (plain, _, _) = rig.drop_off(parcel(2), 13);
    let extended = rig.locker.extend(plain, 100 * DAY_S).unwrap();
    let deposited = rig.locker.state().deliveries()[&plain].deposited_at_s;
    assert_eq!(extended, deposited + policy.max_dwell_s);
    rig.locker
        .hold(RecipientId(13), T0 + 1_000 * DAY_S)
        .unwrap();
    rig.assert_replays();
}

#[test]
fn a_forced_door_raises_tamper_and_goes_out_of_service() {
    let mut rig = rig();
    rig.hw().force_open(CompartmentId(5)).unwrap();
    rig.locker.tick().unwrap();
    assert!(
        rig.locker
            .state()
            .out_of_service()
            .contains_key(&CompartmentId(5))
    );
    assert!(
        rig.locker.take_events().iter().any(
            |e| matches!(e, Event::Tamper { compartment } if *compartment == CompartmentId(5))
        )
    );
    rig.hw().close_door(CompartmentId(5)).unwrap();
    rig.locker.back_in_service(CompartmentId(5)).unwrap();
    rig.assert_replays();
}

#[test]
fn a_door_left_open_raises_one_alarm() {
    let mut rig = rig();
    let door = rig.open_for(parcel(1), 12);
    rig.hw().open_door(door).unwrap();
    rig.advance(rig.locker.state().policy().door_open_alarm_s);
    rig.locker.tick().unwrap();
    rig.locker.tick().unwrap();
    let alarms = rig
        .locker
        .take_events()
        .iter()
        .filter(|e| matches!(e, Event::DoorLeftOpen { .. }))
        .count();
    assert_eq!(alarms, 1);
    rig.assert_replays();
}

#[test]
fn staff_must_give_a_reason() {
    let mut rig = rig();
    assert!(matches!(
        rig.locker.staff_open(CompartmentId(3), " "),
        Err(LockerError::Invalid {
            field: "reason",
            ..
        })
    ));
    rig.locker.staff_open(CompartmentId(3), "cleaning").unwrap();
    rig.hw().open_door(CompartmentId(3)).unwrap();
    rig.hw().close_door(CompartmentId(3)).unwrap();
    rig.locker.door_closed(CompartmentId(3)).unwrap();
    assert!(rig.locker.state().open_doors().is_empty());
    rig.assert_replays();
}

#[test]
fn wrong_operations_are_typed_errors_that_change_nothing() {
    let mut rig = rig();
    let (door, _, _) = rig.drop_off(parcel(1), 12);
    // A close of a door the locker did not unlock is refused, and only its
    // alarm is journaled.
    let records = rig.locker.journal().records().len();
    assert!(matches!(
        rig.locker.door_closed(door),
        Err(LockerError::State(StateError::NotOpenFor { .. }))
    ));
    let journal = rig.locker.journal().records();
    assert_eq!(journal.len(), records + 1);
    assert_eq!(
        journal[records].entry,
        Entry::UnexpectedDoorClose { compartment: door }
    );
    assert!(
        rig.locker.take_events().iter().any(
            |e| matches!(e, Event::UnexpectedDoorClose { compartment } if *compartment == door)
        )
    );
    let before = rig.locker.state().clone();
    let records = rig.locker.journal().records().len();
    assert!(matches!(
        rig.locker.door_closed(CompartmentId(9_999)),
        Err(LockerError::State(_))
    ));
    assert!(rig.locker.reopen(door).is_err());
    assert!(rig.locker.inspect(door, true).is_err());
    assert!(rig.locker.back_in_service(door).is_err());
    assert!(rig.locker.extend(CompartmentId(2), DAY_S).is_err());
    // The same parcel cannot be dropped off twice.
    let courier = rig.courier.clone();
    assert!(matches!(
        rig.locker
            .deposit(&courier, Request::new(parcel(1), RecipientId(12))),
        Err(LockerError::Allocation(_))
    ));
    assert_eq!(rig.locker.state(), &before);
    assert_eq!(rig.locker.journal().records().len(), records);
    // An entry that contradicts the state is refused by apply, unchanged.
    let mut state = before.clone();
    let other = Entry::DepositOpened {
        compartment: door,
        parcel: parcel(5),
        recipient: RecipientId(99),
        needs_accessible: false,
        carrier: CarrierId(7),
    };
    assert!(state.apply(&other, T0).is_err());
    assert_eq!(state, before);
}

#[test]
fn a_delegated_pin_collects_the_parcels_and_a_revoked_one_nothing() {
    use crate::credential::{CredentialError, DelegationRequest, DelegationScope};
    let mut rig = rig();
    let (door, own_pin, _) = rig.drop_off(parcel(1), 12);
    let request = |scope, compartments| DelegationRequest {
        delegator: RecipientId(12),
        scope,
        compartments,
        expires_at_s: T0 + DAY_S,
    };
    // Only the delegator's own doors can be delegated; nothing is journaled.
    let records = rig.locker.journal().records().len();
    let other = CompartmentId(door.0 + 1);
    assert!(matches!(
        rig.locker
            .delegate(&request(DelegationScope::Parcels, vec![other])),
        Err(LockerError::Credential(
            CredentialError::NotDelegable { .. }
        ))
    ));
    assert_eq!(rig.locker.journal().records().len(), records);

    // A delegation of every parcel, revoked: it opens nothing, and a second
    // revocation is refused without a record.
    let all = rig
        .locker
        .delegate(&request(DelegationScope::AllParcels, vec![]))
        .unwrap();
    let (all_pin, all_id) = (all.pin, all.credential_id);
    rig.locker.revoke_credential(all_id).unwrap();
    assert!(matches!(
        rig.locker
            .pickup_pin(KIOSK, Some(RecipientId(12)), all_pin.expose()),
        Err(LockerError::Credential(_))
    ));
    let records = rig.locker.journal().records().len();
    assert!(matches!(
        rig.locker.revoke_credential(all_id),
        Err(LockerError::Credential(CredentialError::Revoked { .. }))
    ));
    assert_eq!(rig.locker.journal().records().len(), records);

    // A delegation of this door collects it; the resident's PIN is spent.
    let delegation = rig
        .locker
        .delegate(&request(DelegationScope::Parcels, vec![door]))
        .unwrap();
    let json = serde_json::to_value(&delegation).unwrap();
    assert_eq!(json["pin"], delegation.pin.expose());
    assert_eq!(json["credential_id"], delegation.credential_id.0);
    let pin = delegation.pin;
    rig.advance(60);
    let opened = rig
        .locker
        .pickup_pin(KIOSK, Some(RecipientId(12)), pin.expose())
        .unwrap();
    assert_eq!(opened, vec![door]);
    rig.empty_doors(&opened);
    assert_eq!(
        rig.locker.state().parcels()[&ParcelId(1)],
        ParcelPlace::Collected
    );
    // The door's own PIN went with the parcels.
    assert!(matches!(
        rig.locker
            .pickup_pin(KIOSK, Some(RecipientId(12)), own_pin.expose()),
        Err(LockerError::Credential(CredentialError::Revoked { .. }))
    ));
    rig.assert_replays();
}

#[test]
fn wrong_pins_are_throttled_but_qr_still_works() {
    let mut rig = rig();
    let (_, _, token) = rig.drop_off(parcel(1), 12);
    // Quick guesses: after the free ones the backoff refuses without
    // counting; slow guesses are counted until the unit is locked out.
    let mut refused = 0;
    for guess in 0..40_u32 {
        let pin = alloc::format!("{guess:08}");
        if rig
            .locker
            .pickup_pin(KIOSK, Some(RecipientId(12)), &pin)
            .is_err()
        {
            refused += 1;
        }
        if guess >= 30 {
            rig.advance(HOUR_S);
        }
    }
    assert_eq!(refused, 40);
    let failures = rig
        .locker
        .journal()
        .records()
        .iter()
        .filter(|r| matches!(r.entry, Entry::AttemptFailed { .. }))
        .count();
    assert!(
        failures > 0 && failures < 40,
        "throttled attempts are not counted again"
    );
    assert!(
        rig.locker
            .take_events()
            .iter()
            .any(|e| matches!(e, Event::SuspiciousAttempts { .. }))
    );
    assert!(rig.locker.pickup_qr(KIOSK, token.expose()).is_ok());
    rig.assert_replays();
}

#[test]
fn a_clock_that_goes_back_does_not_turn_time_back() {
    let mut rig = rig();
    rig.advance(1_000);
    rig.locker
        .set_out_of_service(CompartmentId(4), "repair")
        .unwrap();
    rig.hw().set_now_s(T0);
    rig.locker.tick().unwrap();
    assert!(
        rig.locker
            .take_events()
            .iter()
            .any(|e| matches!(e, Event::ClockWentBack { .. }))
    );
    // Records written now carry the kept time, not the clock's.
    rig.locker
        .set_out_of_service(CompartmentId(3), "repair")
        .unwrap();
    let last = rig.locker.journal().records().last().unwrap();
    assert!(last.at_s >= T0 + 1_000);
}

#[test]
fn a_glitched_clock_reading_is_held_back_then_undone() {
    let mut rig = rig();
    let (_, pin, _) = rig.drop_off(parcel(1), 12);
    let code = rig
        .locker
        .issue_courier_code(CarrierId(8), 60 * DAY_S)
        .unwrap();
    let records = rig.locker.journal().records().len();
    // One reading a month ahead, during a call that journals nothing else:
    // the jump is journaled and held back, then undone when the clock
    // reads right again.
    let month_s = i64::try_from(30 * DAY_S).unwrap();
    rig.hw().jump_clock_s(month_s);
    rig.locker.courier_sign_in(KIOSK, code.expose()).unwrap();
    rig.hw().jump_clock_s(-month_s);
    rig.advance(60);
    let kinds: Vec<&Entry> = rig.locker.journal().records()[records..]
        .iter()
        .map(|r| &r.entry)
        .filter(|e| matches!(e, Entry::ClockJumped { .. } | Entry::ClockConfirmed { .. }))
        .collect();
    assert!(
        matches!(
            kinds[..],
            [
                Entry::ClockJumped { .. },
                Entry::ClockConfirmed {
                    by: ClockConfirmation::Returned
                }
            ]
        ),
        "{kinds:?}"
    );
    assert_eq!(rig.locker.state().clock_offset_s(), 0);
    rig.locker.tick().unwrap();
    assert!(
        !rig.locker
            .take_events()
            .iter()
            .any(|e| matches!(e, Event::ClockWentBack { .. } | Event::ReturnReady { .. }))
    );
    assert!(
        rig.locker
            .pickup_pin(KIOSK, Some(RecipientId(12)), pin.expose())
            .is_ok()
    );
    rig.assert_replays();
}

#[test]
fn a_clock_past_what_credentials_carry_is_a_clock_fault() {
    let mut config = LockerConfig::default();
    config.policy.dwell_s = super::POLICY_MAX_S;
    config.policy.max_dwell_s = super::POLICY_MAX_S;
    config.policy.return_window_s = super::POLICY_MAX_S;
    let doors: Vec<CompartmentId> = config.bank.compartments.iter().map(|c| c.id).collect();
    let hardware = SimulatedHardware::new(doors, 42).with_now_s(super::CLOCK_MAX_S - 60);
    let mut locker = Locker::new(config, hardware, MemoryJournal::new()).unwrap();
    let code = locker.issue_courier_code(CarrierId(7), DAY_S).unwrap();
    let courier = locker.courier_sign_in(KIOSK, code.expose()).unwrap();
    let mut rig = Rig { locker, courier };
    // The last second it accepts still issues a delivery's credentials,
    // with the longest dwell a policy allows.
    rig.advance(60);
    rig.drop_off(parcel(1), 12);
    rig.advance(1);
    let records = rig.locker.journal().records().len();
    assert!(matches!(
        rig.locker.courier_sign_in(KIOSK, code.expose()),
        Err(LockerError::Hardware {
            kind: crate::hardware::HardwareErrorKind::ClockFault,
            detail: Some(_),
            ..
        })
    ));
    assert_eq!(rig.locker.journal().records().len(), records);
    rig.assert_replays();
}

#[test]
fn entropy_that_was_never_written_is_refused() {
    use crate::hardware::{Expectation, HardwareErrorKind, MockHardware};
    let hardware = MockHardware::new([Expectation::FillRandom(Ok(vec![0; 32]))]);
    let made = Locker::new(LockerConfig::default(), hardware, MemoryJournal::new());
    assert!(matches!(
        made,
        Err(LockerError::Hardware {
            kind: HardwareErrorKind::EntropyUnavailable,
            ..
        })
    ));
    // A stuck generator (one byte repeated, a short pattern, a counter) is
    // refused too; bytes as varied as a random source's are entropy like
    // any other, zeros among them.
    for stuck in [
        vec![1; 32],
        (0..32).map(|i| i % 4).collect::<Vec<u8>>(),
        (0..32).collect(),
    ] {
        let hardware = MockHardware::new([Expectation::FillRandom(Ok(stuck))]);
        assert!(matches!(
            Locker::new(LockerConfig::default(), hardware, MemoryJournal::new()),
            Err(LockerError::Hardware {
                kind: HardwareErrorKind::EntropyUnavailable,
                ..
            })
        ));
    }
    let mut seed: Vec<u8> = (0..32_u8)
        .map(|i| i.wrapping_mul(i).wrapping_mul(37) ^ i)
        .collect();
    seed[31] = 0;
    let hardware =
        MockHardware::new([Expectation::FillRandom(Ok(seed)), Expectation::NowS(Ok(T0))]);
    assert!(Locker::new(LockerConfig::default(), hardware, MemoryJournal::new()).is_ok());
}

#[test]
fn a_policy_timing_beyond_a_year_is_refused_before_anything_runs() {
    let doors: Vec<CompartmentId> = LockerConfig::default()
        .bank
        .compartments
        .iter()
        .map(|c| c.id)
        .collect();
    for (field, set) in [
        (
            "max_dwell_s",
            (|p| p.max_dwell_s = 1 << 55) as fn(&mut LockerPolicy),
        ),
        ("return_window_s", |p| {
            p.return_window_s = super::POLICY_MAX_S + 1
        }),
        ("reminders_before_expiry_s", |p| {
            p.reminders_before_expiry_s = vec![DAY_S, u64::MAX];
        }),
        ("reopen_grace_s", |p| p.reopen_grace_s = u64::MAX),
    ] {
        let mut config = LockerConfig::default();
        set(&mut config.policy);
        let hardware = SimulatedHardware::new(doors.clone(), 42).with_now_s(T0);
        assert!(matches!(
            Locker::new(config, hardware, MemoryJournal::new()),
            Err(LockerError::Invalid { field: f, .. }) if f == field
        ));
    }
}

/// Found by the `ffi_entry` fuzz target: a board clock driven past the
/// last time credentials can carry fails the restore as a clock fault;
/// the same journal restores once the clock is right.
#[test]
fn a_restore_with_a_clock_past_what_credentials_carry_waits_for_a_good_clock() {
    let mut rig = rig();
    rig.drop_off(parcel(1), 12);
    let keys = rig.locker.keys().clone();
    let state = rig.locker.state().clone();
    let (mut hardware, journal) = rig.locker.into_parts();
    let records = journal.records().to_vec();
    hardware.set_now_s(super::CLOCK_MAX_S + 1);
    let error =
        Locker::restore(keys.clone(), &mut hardware, MemoryJournal::new(), &records).unwrap_err();
    assert!(matches!(
        error,
        LockerError::Hardware {
            kind: crate::hardware::HardwareErrorKind::ClockFault,
            ..
        }
    ));
    hardware.set_now_s(T0 + 60);
    let restored = Locker::restore(keys, hardware, journal, &records).unwrap();
    assert_eq!(restored.state(), &state);
}

#[test]
fn restore_rebuilds_the_same_locker_and_refuses_a_damaged_journal() {
    let mut rig = rig();
    let (_, pin, _) = rig.drop_off(parcel(1), 12);
    let keys = rig.locker.keys().clone();
    let state = rig.locker.state().clone();
    let (hardware, journal) = rig.locker.into_parts();
    let records = journal.records().to_vec();
    let mut restored = Locker::restore(keys.clone(), hardware, journal, &records).unwrap();
    assert_eq!(restored.state(), &state);
    let opened = restored
        .pickup_pin(KIOSK, Some(RecipientId(12)), pin.expose())
        .unwrap();
    assert_eq!(opened.len(), 1);

    let (hardware, _) = restored.into_parts();
    let mut edited = records.clone();
    edited[2].at_s += 1;
    let error = Locker::restore(keys.clone(), hardware, MemoryJournal::new(), &edited).unwrap_err();
    assert!(error.to_string().contains("record 2 was edited"), "{error}");
}

#[test]
fn no_secret_enters_the_journal() {
    let mut rig = rig();
    let (_, pin, token) = rig.drop_off(parcel(1), 12);
    let text = crate::journal::lines::write(rig.locker.journal().records());
    assert!(!text.contains(pin.expose()));
    assert!(!text.contains(token.expose()));
    assert!(!alloc::format!("{:?}", rig.locker).contains(pin.expose()));
}

#[test]
fn a_snapshot_rebuilds_the_state_and_replay_continues_from_it() {
    let mut rig = rig();
    let (door, _, _) = rig.drop_off(parcel(1), 12);
    rig.drop_off(parcel(2), 12);
    let (_, _, token) = rig.drop_off(parcel(3), 40);
    let snapshot = rig.locker.snapshot();
    let taken_at = rig.locker.journal().records().len();
    let json = serde_json::to_string(&snapshot).unwrap();
    let snapshot: Snapshot = serde_json::from_str(&json).unwrap();
    assert_eq!(
        &LockerState::from_snapshot(&snapshot).unwrap(),
        rig.locker.state()
    );
    let opened = rig.locker.pickup_qr(KIOSK, token.expose()).unwrap();
    rig.empty_doors(&opened);
    rig.locker.extend(door, DAY_S).unwrap();
    let after = &rig.locker.journal().records()[taken_at..];
    assert_eq!(
        &replay_from(Some(&snapshot), after).unwrap(),
        rig.locker.state()
    );
    // Records that do not link to the snapshot are refused.
    let keys = rig.locker.keys().clone();
    let (hardware, journal) = rig.locker.into_parts();
    let skipped = &journal.records()[taken_at + 1..];
    assert!(matches!(
        Locker::restore_from(
            keys,
            hardware,
            MemoryJournal::new(),
            Some(&snapshot),
            skipped
        ),
        Err(LockerError::Journal(_))
    ));
}

#[test]
fn events_serialize_to_one_json_shape_with_the_secrets_to_deliver() {
    let mut rig = rig();
    let door = rig.open_for(parcel(1), 12);
    rig.hw().open_door(door).unwrap();
    rig.hw().put_parcel(door).unwrap();
    rig.hw().close_door(door).unwrap();
    rig.locker.door_closed(door).unwrap();
    let events = rig.locker.take_events();
    let ready = events
        .iter()
        .find(|e| matches!(e, Event::ParcelReady { .. }))
        .unwrap();
    let Event::ParcelReady { pin, qr_token, .. } = ready else {
        unreachable!()
    };
    let json = serde_json::to_value(ready).unwrap();
    assert_eq!(json["type"], "parcel_ready");
    assert_eq!(json["compartment"], door.0);
    assert_eq!(json["recipient"], 12);
    assert_eq!(json["pin"], pin.expose());
    assert_eq!(json["qr_token"], qr_token.expose());
    // Debug still hides them.
    assert!(!alloc::format!("{ready:?}").contains(pin.expose()));
}

#[test]
fn the_door_view_follows_a_door_through_drop_off_pickup_and_grace() {
    let mut rig = rig();
    rig.hw().jam(CompartmentId(1), Repeat::Always).unwrap();
    let door = rig.open_for(parcel(1), 12);
    fn view(rig: &Rig, id: CompartmentId) -> DoorView<'_> {
        let doors = rig.locker.state().doors();
        assert_eq!(doors.len(), rig.locker.state().bank().compartments().len());
        doors.into_iter().find(|d| d.id == id).unwrap()
    }
    let status = |rig: &Rig, id| {
        let view = view(rig, id);
        (view.state, view.task, view.parcels)
    };
    assert_eq!(
        status(&rig, CompartmentId(1)),
        (DoorStatus::OutOfService, None, 0)
    );
    assert_eq!(
        status(&rig, door),
        (DoorStatus::Open, Some(OpenFor::Deposit), 0)
    );
    rig.hw().open_door(door).unwrap();
    rig.hw().put_parcel(door).unwrap();
    rig.hw().close_door(door).unwrap();
    rig.locker.door_closed(door).unwrap();
    let (_pin, token) = rig.ready().unwrap();
    let stored = view(&rig, door);
    assert_eq!((stored.state, stored.parcels), (DoorStatus::Occupied, 1));
    assert_eq!(stored.recipient, Some(RecipientId(12)));
    assert!(stored.expires_at_s.is_some() && !stored.returning);
    let opened = rig.locker.pickup_qr(KIOSK, token.expose()).unwrap();
    assert_eq!(
        status(&rig, door),
        (DoorStatus::Open, Some(OpenFor::Pickup), 1)
    );
    rig.empty_doors(&opened);
    assert_eq!(status(&rig, door), (DoorStatus::Grace, None, 0));
    rig.advance(rig.locker.state().policy().reopen_grace_s);
    rig.locker.tick().unwrap();
    assert_eq!(status(&rig, door), (DoorStatus::Free, None, 0));
    // One JSON shape for every binding's grid.
    let json = serde_json::to_value(view(&rig, door)).unwrap();
    assert_eq!(json["state"], "free");
    assert_eq!(json["task"], serde_json::Value::Null);
    assert_eq!(json["id"], door.0);
}

#[test]
fn a_parcel_no_door_takes_is_journaled_as_overflow_and_changes_no_door() {
    let mut rig = rig();
    let state_before = rig.locker.state().clone();
    let records_before = rig.locker.journal().records().len();
    // Two metres long: no door of the default bank takes it.
    let huge = Parcel::new(ParcelId(9), Dimensions::new(2_000, 300, 300), 5_000);
    let courier = rig.courier.clone();
    let outcome = rig
        .locker
        .deposit(&courier, Request::new(huge, RecipientId(12)))
        .unwrap();
    let DropOff::Overflow(overflow) = outcome else {
        panic!("expected an overflow, got {outcome:?}");
    };
    assert_eq!(
        overflow.reason,
        crate::allocate::OverflowReason::NothingFits
    );
    let records = rig.locker.journal().records();
    assert_eq!(records.len(), records_before + 1);
    assert_eq!(
        records.last().unwrap().entry,
        Entry::DepositOverflowed {
            parcel: huge,
            recipient: RecipientId(12),
            carrier: CarrierId(7),
            reason: crate::allocate::OverflowReason::NothingFits,
        }
    );
    // No door, no parcel, no credential: the state is as it was; the host
    // hears of the overflow.
    assert_eq!(rig.locker.state(), &state_before);
    let events = rig.locker.take_events();
    assert!(
        matches!(
            &events[..],
            [Event::Overflow {
                parcel,
                recipient: RecipientId(12),
                carrier: CarrierId(7),
                reason: crate::allocate::OverflowReason::NothingFits,
            }] if *parcel == huge.id
        ),
        "{events:?}"
    );
    rig.assert_replays();
    // The parcel may still come back another day, to a bank that takes it.
    let (door, ..) = rig.drop_off(parcel(10), 12);
    assert_eq!(
        rig.locker.state().parcels()[&ParcelId(10)],
        ParcelPlace::Compartment(door)
    );
    rig.assert_replays();
}

#[test]
fn a_hardware_error_keeps_what_the_vendor_said() {
    let board = HardwareFault::with_detail(HardwareErrorKind::BusTimeout, "no ACK to frame 0x12");
    let error = LockerError::hardware(Some(CompartmentId(3)), &board);
    assert_eq!(
        error.to_string(),
        "hardware fault at compartment #3: bus timeout: the lock board did not answer \
         (no ACK to frame 0x12)"
    );
    // The simulation's errors say nothing beyond the kind and the door.
    let mut rig = rig();
    rig.hw().fail_calls(
        crate::hardware::Operation::Unlock,
        HardwareErrorKind::BusTimeout,
        Repeat::Once,
    );
    let courier = rig.courier.clone();
    let error = rig
        .locker
        .deposit(&courier, Request::new(parcel(1), RecipientId(12)))
        .unwrap_err();
    assert!(
        matches!(
            error,
            LockerError::Hardware {
                compartment: Some(_),
                kind: HardwareErrorKind::BusTimeout,
                detail: None,
            }
        ),
        "{error:?}"
    );
}

/// Simulated hardware whose failures explain themselves, as a vendor's
/// driver would.
struct ExplainingBoard {
    sim: SimulatedHardware,
    says: alloc::string::String,
}

impl ExplainingBoard {
    fn explain(&self, error: &crate::hardware::sim::SimError) -> HardwareFault {
        HardwareFault::with_detail(error.kind(), self.says.clone())
    }
}

impl Hardware for ExplainingBoard {
    type Error = HardwareFault;
    fn unlock(&mut self, door: CompartmentId) -> Result<(), HardwareFault> {
        self.sim.unlock(door).map_err(|e| self.explain(&e))
    }
    fn door_state(
        &mut self,
        door: CompartmentId,
    ) -> Result<crate::hardware::DoorState, HardwareFault> {
        self.sim.door_state(door).map_err(|e| self.explain(&e))
    }
    fn occupancy(
        &mut self,
        door: CompartmentId,
    ) -> Result<crate::hardware::Occupancy, HardwareFault> {
        self.sim.occupancy(door).map_err(|e| self.explain(&e))
    }
    fn now_s(&mut self) -> Result<u64, HardwareFault> {
        self.sim.now_s().map_err(|e| self.explain(&e))
    }
    fn fill_random(&mut self, buf: &mut [u8]) -> Result<(), HardwareFault> {
        self.sim.fill_random(buf).map_err(|e| self.explain(&e))
    }
}

#[test]
fn the_fault_record_and_event_keep_what_the_board_said_up_to_a_bound() {
    // 15 ASCII bytes, then two-byte characters: byte 200 falls inside one.
    let says = alloc::format!("latch 7 stuck: {}", "é".repeat(150));
    let config = LockerConfig::default();
    let doors: Vec<CompartmentId> = config.bank.compartments.iter().map(|c| c.id).collect();
    let board = ExplainingBoard {
        sim: SimulatedHardware::new(doors, 42).with_now_s(T0),
        says: says.clone(),
    };
    let mut locker = Locker::new(config, board, MemoryJournal::new()).unwrap();
    let code = locker.issue_courier_code(CarrierId(7), DAY_S).unwrap();
    let courier = locker.courier_sign_in(KIOSK, code.expose()).unwrap();
    locker.hardware_mut().sim.fail_calls(
        crate::hardware::Operation::Unlock,
        HardwareErrorKind::BusTimeout,
        Repeat::Once,
    );
    let error = locker
        .deposit(&courier, Request::new(parcel(1), RecipientId(12)))
        .unwrap_err();

    let kept = &says[..199];
    assert!(kept.ends_with('é'));
    // The caller's error keeps it whole; the event and record keep 199 B.
    let LockerError::Hardware { detail, .. } = &error else {
        panic!("{error:?}");
    };
    assert_eq!(detail.as_deref(), Some(says.as_str()));
    let events = locker.take_events();
    assert!(
        events.iter().any(|e| matches!(
            e,
            Event::HardwareFault { detail: Some(d), kind: HardwareErrorKind::BusTimeout, .. }
                if d == kept
        )),
        "{events:?}"
    );
    let records = locker.journal().records();
    let faults: Vec<&Entry> = records
        .iter()
        .map(|r| &r.entry)
        .filter(|e| matches!(e, Entry::HardwareFault { .. }))
        .collect();
    assert!(
        matches!(faults[..], [Entry::HardwareFault { detail: Some(d), .. }] if d == kept),
        "{faults:?}"
    );
    crate::journal::verify(records, &crate::journal::Trust::integrity_only()).unwrap();
    assert_eq!(&replay(records).unwrap(), locker.state());
}

proptest::proptest! {
    #[test]
    fn a_recorded_detail_is_one_bounded_trimmed_line(detail in "\\PC{0,80}[\\n\\t\\r ]{0,3}\\PC{0,80}") {
        use crate::hardware::MAX_DETAIL_BYTES;
        let one_line: alloc::string::String =
            detail.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
        match super::recorded_detail(&HardwareFault::with_detail(HardwareErrorKind::Other, &detail)) {
            None => proptest::prop_assert!(one_line.len() > MAX_DETAIL_BYTES || one_line.trim().is_empty()),
            Some(kept) => {
                proptest::prop_assert!(kept.len() <= MAX_DETAIL_BYTES);
                proptest::prop_assert!(!kept.chars().any(char::is_control));
                proptest::prop_assert_eq!(kept.trim(), kept.as_str());
                proptest::prop_assert!(!kept.is_empty());
                proptest::prop_assert!(one_line.trim_start().starts_with(&kept));
                if one_line.len() <= MAX_DETAIL_BYTES {
                    proptest::prop_assert_eq!(kept.as_str(), one_line.trim());
                }
            }
        }
    }
}

#[test]
fn a_blank_or_absent_detail_is_not_recorded() {
    assert_eq!(
        super::recorded_detail(&HardwareFault::with_detail(
            HardwareErrorKind::Other,
            " \n\t "
        )),
        None
    );
    assert_eq!(
        super::recorded_detail(&HardwareErrorKind::SensorFault),
        None
    );
    assert_eq!(
        super::recorded_detail(&HardwareFault::with_detail(
            HardwareErrorKind::Other,
            "frame 0x12\nno ACK"
        ))
        .as_deref(),
        Some("frame 0x12 no ACK")
    );
}

#[test]
fn a_fault_record_without_detail_reads_and_hashes_as_before() {
    // Records written before faults kept the board's words have no
    // `detail` key; re-serialized for the hash, they must not gain one.
    let old = r#"{"type":"hardware_fault","compartment":3,"kind":"door_jammed"}"#;
    let entry: Entry = serde_json::from_str(old).unwrap();
    assert_eq!(
        entry,
        Entry::HardwareFault {
            compartment: Some(CompartmentId(3)),
            kind: HardwareErrorKind::DoorJammed,
            detail: None,
        }
    );
    assert_eq!(serde_json::to_string(&entry).unwrap(), old);
}

#[test]
fn a_cloud_token_without_a_record_opens_its_door_once() {
    use crate::credential::{TokenRequest, issue_token};
    let mut rig = rig();
    let (door, _, _) = rig.drop_off(parcel(1), 12);
    // The back end shares the site keys and issues a token the locker has
    // no record of.
    let keys = rig.locker.keys().clone();
    let mut rng = <chacha20::ChaCha20Rng as rand_core::SeedableRng>::from_seed([9; 32]);
    let (token, _record) = issue_token(
        &keys,
        &mut rng,
        &TokenRequest {
            bank: crate::credential::BankId::UNNAMED,
            purpose: crate::credential::Purpose::Pickup,
            compartments: vec![door],
            recipient: Some(RecipientId(12)),
            expires_at_s: T0 + 7 * DAY_S,
        },
        T0,
    )
    .unwrap();
    rig.advance(60);
    assert_eq!(
        rig.locker.pickup_qr(KIOSK, token.expose()).unwrap(),
        vec![door]
    );
    rig.empty_doors(&[door]);
    // The next parcel in the same door is someone else's.
    rig.advance(rig.locker.state().policy().reopen_grace_s + 1);
    rig.locker.tick().unwrap();
    let (again, _, _) = rig.drop_off(parcel(2), 13);
    assert_eq!(again, door);
    let replayed = rig.locker.pickup_qr(KIOSK, token.expose());
    assert!(replayed.is_err(), "{replayed:?}");
    rig.assert_replays();
}

fn delegate_doors(
    rig: &mut Rig,
    delegator: u64,
    scope: crate::credential::DelegationScope,
    compartments: Vec<CompartmentId>,
) -> Result<Delegation, LockerError> {
    let expires_at_s = rig.locker.state().last_at_s() + 60 * DAY_S;
    rig.locker.delegate(&crate::credential::DelegationRequest {
        delegator: RecipientId(delegator),
        scope,
        compartments,
        expires_at_s,
    })
}

#[test]
fn a_door_closed_full_keeps_its_credentials_when_another_door_of_the_grant_empties() {
    use crate::credential::DelegationScope;
    use crate::parcel::Handling;
    let mut rig = rig();
    let (a, _, _) = rig.drop_off(parcel(1), 12);
    // Cash on delivery never shares a door: the resident has two.
    let (b, pin_b, token_b) = rig.drop_off(parcel(2).with_handling(Handling::CashOnDelivery), 12);
    assert_ne!(a, b);
    let delegation = delegate_doors(&mut rig, 12, DelegationScope::Parcels, vec![a, b]).unwrap();
    rig.advance(60);
    let opened = rig
        .locker
        .pickup_pin(KIOSK, Some(RecipientId(12)), delegation.pin.expose())
        .unwrap();
    assert_eq!(opened.len(), 2);
    // The delegate takes A's parcel and leaves B's.
    rig.empty_doors(&[a]);
    rig.hw().open_door(b).unwrap();
    rig.hw().close_door(b).unwrap();
    rig.locker.door_closed(b).unwrap();
    assert_eq!(
        rig.locker.state().parcels()[&ParcelId(2)],
        ParcelPlace::Compartment(b)
    );
    rig.advance(60);
    // The delegation is spent for A only: it, B's own PIN and B's token
    // still open B.
    let delegated = rig.locker.state().credentials().verify_pin(
        &rig.locker.keys,
        &crate::credential::PinAttempt {
            kiosk: KIOSK,
            unit: Some(RecipientId(12)),
            pin: delegation.pin.expose(),
            purpose: crate::credential::Purpose::Pickup,
        },
        rig.locker.state().last_at_s(),
    );
    assert_eq!(delegated.map(|grant| grant.compartments), Ok(vec![b]));
    let qr = rig.locker.state().credentials().verify_token(
        &rig.locker.keys,
        rig.locker.state().bank_id(),
        KIOSK,
        token_b.expose(),
        crate::credential::Purpose::Pickup,
        rig.locker.state().last_at_s(),
    );
    assert_eq!(qr.map(|grant| grant.compartments), Ok(vec![b]));
    assert_eq!(
        rig.locker
            .pickup_pin(KIOSK, Some(RecipientId(12)), pin_b.expose())
            .unwrap(),
        vec![b]
    );
    rig.empty_doors(&[b]);
    assert_eq!(
        rig.locker.state().parcels()[&ParcelId(2)],
        ParcelPlace::Collected
    );
    rig.assert_replays();
}

#[test]
fn a_one_door_delegation_ends_when_its_parcels_go_back() {
    use crate::credential::{CredentialError, DelegationScope};
    let mut rig = rig();
    let (door, _, _) = rig.drop_off(parcel(1), 12);
    let delegation = delegate_doors(&mut rig, 12, DelegationScope::Parcels, vec![door]).unwrap();
    let everything = delegate_doors(&mut rig, 12, DelegationScope::AllParcels, vec![]).unwrap();
    // The parcel expires: it goes back to the carrier, not to a delegate.
    rig.advance(rig.locker.state().policy().dwell_s);
    rig.locker.tick().unwrap();
    assert!(rig.locker.state().deliveries()[&door].returning);
    // Spent (and pruned with the other spent credentials).
    let store = rig.locker.state().credentials();
    let now_s = rig.locker.state().last_at_s();
    assert!(
        store
            .get(delegation.credential_id)
            .is_none_or(|record| !record.is_usable(now_s))
    );
    assert!(matches!(
        rig.locker
            .pickup_pin(KIOSK, Some(RecipientId(12)), delegation.pin.expose()),
        Err(LockerError::Credential(
            CredentialError::Rejected | CredentialError::AlreadyUsed { .. }
        ))
    ));
    // An all-parcels delegation stays, and opens nothing going back.
    assert!(matches!(
        rig.locker
            .pickup_pin(KIOSK, Some(RecipientId(12)), everything.pin.expose()),
        Err(LockerError::NothingToCollect
            | LockerError::Credential(CredentialError::NothingToCollect { .. }))
    ));
    let token = return_token(rig.locker.take_events(), door).unwrap();
    let opened = rig.locker.pickup_qr(KIOSK, token.expose()).unwrap();
    rig.empty_doors(&opened);
    // The door's next parcel is someone else's: neither opens it.
    let (again, _, _) = rig.drop_off(parcel(2), 13);
    assert_eq!(again, door);
    assert!(matches!(
        rig.locker
            .pickup_pin(KIOSK, Some(RecipientId(12)), everything.pin.expose()),
        Err(LockerError::NothingToCollect
            | LockerError::Credential(CredentialError::NothingToCollect { .. }))
    ));
    rig.assert_replays();
}

#[test]
fn only_a_deliverys_own_credentials_or_its_recipients_may_collect_it() {
    use crate::credential::{Channel, CredentialId, Grant, Purpose};
    let mut rig = rig();
    let (door, _, _) = rig.drop_off(parcel(1), 12);
    let grant = |recipient: Option<u64>, id: CredentialId| Grant {
        credential_id: id,
        channel: Channel::Pin,
        purpose: Purpose::Pickup,
        compartments: vec![door],
        recipient: recipient.map(RecipientId),
        carrier: None,
        expires_at_s: Some(T0 + DAY_S),
        single_use: true,
    };
    let own = rig.locker.state().deliveries()[&door].credentials[0];
    let state = rig.locker.state();
    assert!(state.may_collect(&grant(Some(12), CredentialId(1)), door));
    assert!(state.may_collect(&grant(None, CredentialId(1)), door));
    assert!(state.may_collect(&grant(Some(99), own), door));
    assert!(!state.may_collect(&grant(Some(13), CredentialId(1)), door));
    assert!(!state.may_collect(&grant(Some(12), CredentialId(1)), CompartmentId(9_999)));
    // Going back to the carrier: only the delivery's own (return) token.
    rig.advance(rig.locker.state().policy().dwell_s);
    rig.locker.tick().unwrap();
    let state = rig.locker.state();
    let return_id = state.deliveries()[&door].credentials[0];
    assert!(state.may_collect(&grant(None, return_id), door));
    assert!(!state.may_collect(&grant(Some(12), CredentialId(1)), door));
    assert!(!state.may_collect(&grant(None, CredentialId(1)), door));
}

#[test]
fn a_deliverys_own_credentials_are_not_revoked_by_hand() {
    let mut rig = rig();
    let (door, pin, _) = rig.drop_off(parcel(1), 12);
    let records = rig.locker.journal().records().len();
    for id in rig.locker.state().deliveries()[&door].credentials.clone() {
        assert!(matches!(
            rig.locker.revoke_credential(id),
            Err(LockerError::State(StateError::Unavailable { compartment, .. })) if compartment == door
        ));
    }
    assert_eq!(rig.locker.journal().records().len(), records);
    assert_eq!(
        rig.locker
            .pickup_pin(KIOSK, Some(RecipientId(12)), pin.expose())
            .unwrap(),
        vec![door]
    );
}

#[test]
fn a_drop_off_at_the_pin_cap_gives_one_pin_for_all_the_residents_doors() {
    use crate::credential::{CredentialError, DelegationScope};
    use crate::parcel::Handling;
    let mut rig = rig();
    let (first, first_pin, _) = rig.drop_off(parcel(1), 12);
    // Two delegations: one PIN of the cap always stays the resident's own.
    delegate_doors(&mut rig, 12, DelegationScope::AllParcels, vec![]).unwrap();
    delegate_doors(&mut rig, 12, DelegationScope::Parcels, vec![first]).unwrap();
    let records = rig.locker.journal().records().len();
    assert!(matches!(
        delegate_doors(&mut rig, 12, DelegationScope::AllParcels, vec![]),
        Err(LockerError::Credential(CredentialError::TooManyPins { .. }))
    ));
    assert_eq!(rig.locker.journal().records().len(), records);
    // A second door for 12 (cash on delivery never shares one): at the cap
    // of three PINs, the new PIN opens both doors and replaces the first.
    let courier = rig.courier.clone();
    let DropOff::Opened {
        compartment: second,
        ..
    } = rig
        .locker
        .deposit(
            &courier,
            Request::new(
                parcel(2).with_handling(Handling::CashOnDelivery),
                RecipientId(12),
            ),
        )
        .unwrap()
    else {
        panic!("a door for the second parcel");
    };
    assert_ne!(second, first);
    rig.hw().open_door(second).unwrap();
    rig.hw().put_parcel(second).unwrap();
    rig.hw().close_door(second).unwrap();
    rig.locker.door_closed(second).unwrap();
    let (pin, pin_opens) = rig
        .locker
        .take_events()
        .into_iter()
        .find_map(|event| match event {
            Event::ParcelReady { pin, pin_opens, .. } => Some((pin, pin_opens)),
            _ => None,
        })
        .unwrap();
    let mut both = vec![first, second];
    both.sort_unstable();
    assert_eq!(pin_opens, both);
    let now_s = rig.locker.state().last_at_s();
    assert_eq!(
        rig.locker
            .state()
            .credentials()
            .active_pins_of(RecipientId(12), now_s),
        3,
        "never above the cap"
    );
    rig.advance(60);
    assert!(
        rig.locker
            .pickup_pin(KIOSK, Some(RecipientId(12)), first_pin.expose())
            .is_err(),
        "the first PIN was replaced"
    );
    let mut opened = rig
        .locker
        .pickup_pin(KIOSK, Some(RecipientId(12)), pin.expose())
        .unwrap();
    opened.sort_unstable();
    assert_eq!(opened, both);
    rig.empty_doors(&opened);
    rig.assert_replays();
}

#[test]
fn a_delegation_names_each_door_once() {
    use crate::credential::{CredentialError, DelegationScope};
    let mut rig = rig();
    let (door, _, _) = rig.drop_off(parcel(1), 12);
    assert!(matches!(
        delegate_doors(&mut rig, 12, DelegationScope::Parcels, vec![door, door]),
        Err(LockerError::Credential(CredentialError::InvalidRequest {
            field: "compartments",
            ..
        }))
    ));
}

#[test]
fn a_cloud_token_opens_its_door_only_until_the_door_is_next_emptied() {
    use crate::credential::{
        CredentialError, Purpose, TOKEN_ISSUE_SKEW_S, TokenRequest, issue_token,
    };
    let mut rig = rig();
    let (door, pin, _) = rig.drop_off(parcel(1), 12);
    let keys = rig.locker.keys().clone();
    let mut rng = <chacha20::ChaCha20Rng as rand_core::SeedableRng>::from_seed([3; 32]);
    let mut cloud_token = |issued_at_s: u64, recipient: u64| {
        issue_token(
            &keys,
            &mut rng,
            &TokenRequest {
                bank: crate::credential::BankId::UNNAMED,
                purpose: Purpose::Pickup,
                compartments: vec![door],
                recipient: Some(RecipientId(recipient)),
                expires_at_s: T0 + 30 * DAY_S,
            },
            issued_at_s,
        )
        .unwrap()
        .0
    };
    // Issued the second the parcel went in, and kept while the resident
    // collects by PIN.
    let kept = cloud_token(T0, 12);
    let ahead = cloud_token(T0 + 10 * TOKEN_ISSUE_SKEW_S, 12);
    assert!(matches!(
        rig.locker.pickup_qr(KIOSK, ahead.expose()),
        Err(LockerError::Credential(CredentialError::NotYetValid { .. }))
    ));
    rig.advance(60);
    let opened = rig
        .locker
        .pickup_pin(KIOSK, Some(RecipientId(12)), pin.expose())
        .unwrap();
    rig.empty_doors(&opened);
    rig.advance(rig.locker.state().policy().reopen_grace_s + 1);
    rig.locker.tick().unwrap();
    // The door's next parcel is someone else's: the kept token is not for it.
    let (again, _, _) = rig.drop_off(parcel(2), 13);
    assert_eq!(again, door);
    assert!(matches!(
        rig.locker.pickup_qr(KIOSK, kept.expose()),
        Err(LockerError::NothingToCollect)
    ));
    // Nor is a fresh token for the resident: the door holds 13's parcel.
    let resident = cloud_token(rig.locker.state().last_at_s(), 12);
    assert!(matches!(
        rig.locker.pickup_qr(KIOSK, resident.expose()),
        Err(LockerError::NothingToCollect)
    ));
    rig.advance(60);
    // A token issued for the new parcel's recipient, on a clock that lags
    // by less than the time since the door was emptied, opens it.
    let fresh = cloud_token(rig.locker.state().last_at_s() - 90, 13);
    assert_eq!(
        rig.locker.pickup_qr(KIOSK, fresh.expose()).unwrap(),
        vec![door]
    );
    rig.assert_replays();
}

#[test]
fn holds_that_have_ended_leave_the_state_at_the_next_prune() {
    let mut rig = rig();
    let now_s = rig.locker.state().last_at_s();
    for recipient in 1..=50 {
        rig.locker
            .hold(RecipientId(recipient), now_s + DAY_S)
            .unwrap();
    }
    rig.locker
        .hold(RecipientId(99), now_s + 10 * DAY_S)
        .unwrap();
    assert_eq!(rig.locker.state().holds().len(), 51);
    rig.advance(2 * DAY_S);
    rig.locker.tick().unwrap();
    // Only the hold still running is kept; replaying gives the same state.
    let held: Vec<RecipientId> = rig.locker.state().holds().keys().copied().collect();
    assert_eq!(held, [RecipientId(99)]);
    rig.assert_replays();
}
