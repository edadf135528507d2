//! Throttles stop attackers, never the resident: every channel flooded from
//! one kiosk and from several, then every legitimate QR code, RFID tag and
//! remote command still opens at once, the attacked resident's host hears
//! of it, and the flood costs bounded storage.
#![allow(
    clippy::unwrap_used,
    clippy::std_instead_of_alloc,
    clippy::std_instead_of_core
)]

use locker_core::allocate::Request;
use locker_core::credential::{
    BankId, BruteForceLimit, CarrierId, Channel, CredentialError, CredentialPolicy,
    CredentialStore, DAY_S, Failure, KeyRing, KioskId, PinBinding, PinSecret, Purpose,
    RemotePolicy, RemoteRequest, RfidTap, ScopeKey, Subject, ThrottlePolicy, TokenRequest,
    TokenSecret, issue_token, sign_remote_command,
};
use locker_core::hardware::SimulatedHardware;
use locker_core::hardware::sim::Repeat;
use locker_core::hardware::{HardwareErrorKind, Operation};
use locker_core::journal::{MemoryJournal, Record};
use locker_core::locker::{
    CourierSession, DropOff, Entry, Event, HOUR_S, Locker, LockerConfig, LockerError,
};
use locker_core::{CompartmentId, Dimensions, Parcel, ParcelId, RecipientId};
use proptest::prelude::*;
use rand::SeedableRng;

type SimLocker = Locker<SimulatedHardware, MemoryJournal<Entry>>;

const T0: u64 = 1_700_000_000;
const BANK: BankId = BankId(9);

struct Rig {
    locker: SimLocker,
    courier: CourierSession,
}

fn config() -> LockerConfig {
    let mut config = LockerConfig {
        bank_id: BANK,
        ..LockerConfig::default()
    };
    config.credentials.remote = RemotePolicy {
        enabled: true,
        ..RemotePolicy::default()
    };
    config
}

fn rig() -> Rig {
    let config = config();
    let doors = config.bank.compartments.iter().map(|c| c.id);
    let hardware = SimulatedHardware::new(doors, 3).with_now_s(T0);
    let mut locker = Locker::new(config, hardware, MemoryJournal::new()).unwrap();
    for carrier in [1, 2] {
        locker
            .issue_courier_code(CarrierId(carrier), 30 * DAY_S)
            .unwrap();
    }
    let code = locker.issue_courier_code(CarrierId(3), 30 * DAY_S).unwrap();
    let courier = locker
        .courier_sign_in_for(KioskId(1), CarrierId(3), code.expose())
        .unwrap();
    Rig { locker, courier }
}

impl Rig {
    fn hw(&mut self) -> &mut SimulatedHardware {
        self.locker.hardware_mut()
    }

    fn drop_off(&mut self, id: u64, recipient: u64) -> (CompartmentId, PinSecret, TokenSecret) {
        let courier = self.courier.clone();
        let parcel = Parcel::new(ParcelId(id), Dimensions::new(300, 200, 100), 1_000);
        let DropOff::Opened { compartment, .. } = self
            .locker
            .deposit(&courier, Request::new(parcel, RecipientId(recipient)))
            .unwrap()
        else {
            panic!("overflow");
        };
        self.hw().open_door(compartment).unwrap();
        self.hw().put_parcel(compartment).unwrap();
        self.hw().close_door(compartment).unwrap();
        self.locker.door_closed(compartment).unwrap();
        let ready = self.locker.take_events().into_iter().find_map(|e| match e {
            Event::ParcelReady { pin, qr_token, .. } => Some((pin, qr_token)),
            _ => None,
        });
        let (pin, token) = ready.unwrap();
        (compartment, pin, token)
    }

    fn empty(&mut self, doors: &[CompartmentId]) {
        for &door in doors {
            self.hw().open_door(door).unwrap();
            while self.hw().parcel_count(door).unwrap() > 0 {
                self.hw().take_parcel(door).unwrap();
            }
            self.hw().close_door(door).unwrap();
            self.locker.door_closed(door).unwrap();
        }
    }

    fn records(&self) -> Vec<Record<Entry>> {
        self.locker.journal().records().to_vec()
    }
}

/// Junk, forgeries and guesses on every channel from `kiosks`, `rounds`
/// times; returns the events the host saw.
fn flood(rig: &mut Rig, kiosks: &[u32], rounds: u32) -> Vec<Event> {
    let forger = {
        let mut keys = KeyRing::new();
        keys.rotate(&mut rand::rngs::StdRng::seed_from_u64(66))
            .unwrap();
        keys
    };
    let mut rng = rand::rngs::StdRng::seed_from_u64(5);
    let mut events = Vec::new();
    for round in 0..rounds {
        for &k in kiosks {
            let kiosk = KioskId(k);
            let _ = rig.locker.pickup_qr(kiosk, "NOTATOKEN");
            let (forged, _) = issue_token(
                &forger,
                &mut rng,
                &TokenRequest {
                    bank: BANK,
                    purpose: Purpose::Pickup,
                    compartments: vec![CompartmentId(1)],
                    recipient: Some(RecipientId(12)),
                    expires_at_s: T0 + DAY_S,
                },
                T0,
            )
            .unwrap();
            let _ = rig.locker.pickup_qr(kiosk, forged.expose());
            let uid = [
                0xAA,
                0xBB,
                0xCC,
                u8::try_from(round % 250).unwrap(),
                1,
                2,
                3,
            ];
            let _ = rig.locker.pickup_rfid(kiosk, &uid, None);
            let _ = rig.locker.pickup_pin(
                kiosk,
                Some(RecipientId(15)),
                &format!("{:08}", 10_000 + round),
            );
            let _ =
                rig.locker
                    .pickup_pin(kiosk, Some(RecipientId(100 + u64::from(round))), "12345670");
            let _ = rig.locker.courier_sign_in_for(
                kiosk,
                CarrierId(1),
                &format!("{:08}", 20_000 + round),
            );
            let now_s = rig.locker.state().last_at_s();
            let forged_command = sign_remote_command(
                &forger,
                &mut rng,
                &RemoteRequest {
                    bank: BANK,
                    compartment: CompartmentId(1),
                    purpose: Purpose::Pickup,
                    recipient: Some(RecipientId(14)),
                    not_before_s: now_s,
                    not_after_s: now_s + 60,
                },
            )
            .unwrap();
            let _ = rig.locker.open_remote(&forged_command);
        }
        events.extend(rig.locker.take_events());
        rig.hw().advance_s(7);
    }
    events
}

#[test]
fn a_flood_on_every_channel_never_stops_a_valid_qr_rfid_remote_or_courier() {
    for kiosks in [&[1][..], &[1, 2, 3]] {
        let mut rig = rig();
        let (door_12, _, token_12) = rig.drop_off(1, 12);
        let (door_13, _, _) = rig.drop_off(2, 13);
        let (door_14, _, _) = rig.drop_off(3, 14);
        let (door_15, _, token_15) = rig.drop_off(4, 15);
        let uid_13 = [0x04, 0x13, 0x13, 0x13, 0x13, 0x13, 0x13];
        rig.locker
            .register_rfid(RecipientId(13), &uid_13, false)
            .unwrap();
        let carrier_2 = rig
            .locker
            .issue_courier_code(CarrierId(2), 30 * DAY_S)
            .unwrap();
        rig.hw().advance_s(60);
        let before = rig.records().len();
        let events = flood(&mut rig, kiosks, 200);
        let kiosk = KioskId(kiosks[0]);

        // The attacked resident's host heard at once that their PINs are
        // throttled (and sends their QR code).
        assert!(events.iter().any(|e| matches!(
            e,
            Event::SuspiciousAttempts { lockout }
                if lockout.scope == ScopeKey { channel: Channel::Pin, subject: Subject::Recipient(RecipientId(15)) }
        )));
        // Every legitimate credential on a channel that verifies opens at
        // once, at the flooded kiosk.
        assert_eq!(
            rig.locker.pickup_qr(kiosk, token_12.expose()).unwrap(),
            vec![door_12]
        );
        assert_eq!(
            rig.locker.pickup_rfid(kiosk, &uid_13, None).unwrap(),
            vec![door_13]
        );
        let now_s = rig.locker.state().last_at_s();
        let command = sign_remote_command(
            rig.locker.keys(),
            &mut rand::rngs::StdRng::seed_from_u64(8),
            &RemoteRequest {
                bank: BANK,
                compartment: door_14,
                purpose: Purpose::Pickup,
                recipient: Some(RecipientId(14)),
                not_before_s: now_s,
                not_after_s: now_s + 60,
            },
        )
        .unwrap();
        assert_eq!(rig.locker.open_remote(&command).unwrap(), vec![door_14]);
        assert_eq!(
            rig.locker.pickup_qr(kiosk, token_15.expose()).unwrap(),
            vec![door_15]
        );
        rig.empty(&[door_12, door_13, door_14, door_15]);
        // Carrier 2's courier signs in: the guesser named carrier 1.
        rig.locker
            .courier_sign_in_for(kiosk, CarrierId(2), carrier_2.expose())
            .unwrap();
        // Every attempt is on the record, and the flood cost bounded storage.
        let records = rig.records();
        let added = &records[before..];
        let attempts = u64::try_from(kiosks.len()).unwrap() * 200 * 7;
        let on_record: u64 = added
            .iter()
            .map(|r| match &r.entry {
                Entry::AttemptFailed { .. } => 1,
                Entry::AttemptsRefused { count, .. } => u64::from(*count),
                _ => 0,
            })
            .sum();
        rig.hw().advance_s(3_600);
        rig.locker.tick().unwrap();
        let flushed: u64 = rig.records()[records.len()..]
            .iter()
            .map(|r| match &r.entry {
                Entry::AttemptsRefused { count, .. } => u64::from(*count),
                _ => 0,
            })
            .sum();
        assert_eq!(on_record + flushed, attempts, "every attempt on the record");
        assert!(
            added.len() < usize::try_from(attempts / 4).unwrap(),
            "{} records for {attempts} attempts",
            added.len()
        );
    }
}

#[test]
fn a_resident_whose_pins_are_attacked_keeps_collecting_and_no_lock_lasts_a_day() {
    let mut rig = rig();
    let (door, pin, token) = rig.drop_off(1, 13);
    // Five wrong PINs naming unit 13, as fast as allowed.
    let mut events = Vec::new();
    let mut refused = 0;
    for guess in 0..5 {
        match rig.locker.pickup_pin(
            KioskId(1),
            Some(RecipientId(13)),
            &format!("{:08}", 40_000 + guess),
        ) {
            Err(LockerError::Credential(CredentialError::Throttled { .. })) => refused += 1,
            Err(_) => {}
            Ok(_) => panic!("guessed"),
        }
        events.extend(rig.locker.take_events());
    }
    assert!(refused > 0, "the unit's PINs back off");
    let until = events
        .iter()
        .find_map(|e| match e {
            Event::SuspiciousAttempts { lockout }
                if lockout.scope.subject == Subject::Recipient(RecipientId(13)) =>
            {
                Some(lockout.until_s)
            }
            _ => None,
        })
        .expect("the host hears at once");
    assert!(
        until < T0 + HOUR_S,
        "a backoff of minutes, not a day's lock"
    );
    // The QR code opens now; the PIN works again minutes later.
    assert!(rig.locker.pickup_qr(KioskId(1), token.expose()).is_ok());
    rig.hw().open_door(door).unwrap();
    rig.hw().close_door(door).unwrap();
    rig.locker.door_closed(door).unwrap();
    for _ in 0..2 {
        rig.hw().advance_s(HOUR_S / 2);
        rig.locker.observe_clock().unwrap();
    }
    assert_eq!(
        rig.locker
            .pickup_pin(KioskId(1), Some(RecipientId(13)), pin.expose())
            .unwrap(),
        vec![door]
    );
}

#[test]
fn a_policy_above_the_bound_is_refused_and_an_override_is_journaled() {
    let mut config = config();
    config.credentials.pin.digits = 4;
    config.credentials.pin.binding = PinBinding::Unbound;
    let doors: Vec<CompartmentId> = config.bank.compartments.iter().map(|c| c.id).collect();
    let hardware = || SimulatedHardware::new(doors.clone(), 3).with_now_s(T0);
    let error = Locker::new(config.clone(), hardware(), MemoryJournal::new()).unwrap_err();
    assert!(matches!(
        error,
        LockerError::Credential(CredentialError::BoundExceeded { bound_per_billion, target_per_billion: 1_000 })
            if bound_per_billion > 1_000_000
    ));
    assert!(error.to_string().contains("per billion"), "{error}");
    // A store is held to it too.
    assert!(CredentialStore::new(config.credentials.clone()).is_err());
    // An override without its reason is refused; with one, it is on the record.
    config.credentials.brute_force = BruteForceLimit {
        target_per_billion: 1_000_000_000,
        override_reason: None,
    };
    assert!(Locker::new(config.clone(), hardware(), MemoryJournal::new()).is_err());
    config.credentials.brute_force.override_reason = Some("a test bench, no parcels".into());
    let locker = Locker::new(config, hardware(), MemoryJournal::new()).unwrap();
    let Entry::Configured { credentials, .. } = &locker.journal().records()[0].entry else {
        panic!("the first record configures");
    };
    assert_eq!(
        credentials.brute_force.override_reason.as_deref(),
        Some("a test bench, no parcels")
    );
    // The default policy meets the target, and says what it assumes.
    let report = CredentialPolicy::default().brute_force_bound(200);
    assert!(report.per_billion() <= 1_000 && report.probability < 1e-6);
    assert_eq!(report.inputs.attempts_per_24h, 25);
    assert!(report.attacker.contains("24 hours"));
}

#[test]
fn a_power_loss_at_the_latch_leaves_the_door_in_service_and_the_pin_valid() {
    let mut rig = rig();
    let (door, pin, _) = rig.drop_off(1, 12);
    rig.hw().advance_s(60);
    rig.hw().fail_calls(
        Operation::Unlock,
        HardwareErrorKind::PowerLost,
        Repeat::Once,
    );
    let error = rig
        .locker
        .pickup_pin(KioskId(1), Some(RecipientId(12)), pin.expose())
        .unwrap_err();
    assert!(matches!(
        error,
        LockerError::Hardware {
            kind: HardwareErrorKind::PowerLost,
            ..
        }
    ));
    assert!(!rig.locker.state().out_of_service().contains_key(&door));
    // Power back: the resident tries again, with the same PIN.
    assert_eq!(
        rig.locker
            .pickup_pin(KioskId(1), Some(RecipientId(12)), pin.expose())
            .unwrap(),
        vec![door]
    );
}

/// A failure from a source other than the valid credential's.
#[derive(Clone, Debug)]
enum Junk {
    Qr(u32, String),
    Rfid(u32, Vec<u8>),
    Pin(u32, u64, String),
    Courier(u32, u32, String),
}

fn junk() -> impl Strategy<Value = Junk> {
    prop_oneof![
        (1u32..4, "[A-Z2-7]{0,80}").prop_map(|(k, t)| Junk::Qr(k, t)),
        (1u32..4, prop::collection::vec(any::<u8>(), 0..12)).prop_map(|(k, u)| Junk::Rfid(k, u)),
        (1u32..4, 0u64..40, "[0-9]{6,9}").prop_map(|(k, u, p)| Junk::Pin(k, u, p)),
        (1u32..4, 1u32..3, "[0-9]{8}").prop_map(|(k, c, p)| Junk::Courier(k, c, p)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// No sequence of failures from other sources changes what a valid QR
    /// token or RFID tag can do: it verifies, for the same grant, before
    /// and after.
    #[test]
    fn no_failures_from_other_sources_change_what_a_valid_credential_does(
        failures in prop::collection::vec((junk(), 0u64..600), 0..300),
    ) {
        let mut rng = rand::rngs::StdRng::seed_from_u64(1);
        let mut keys = KeyRing::new();
        keys.rotate(&mut rng).unwrap();
        let mut store = CredentialStore::default();
        let (token, record) = issue_token(&keys, &mut rng, &TokenRequest {
            bank: BANK,
            purpose: Purpose::Pickup,
            compartments: vec![CompartmentId(7)],
            recipient: Some(RecipientId(12)),
            expires_at_s: T0 + 10 * DAY_S,
        }, T0).unwrap();
        store.insert(record, T0).unwrap();
        let uid = [0x04, 1, 2, 3, 4, 5, 6];
        let (_, tag) = store.generate_rfid(&keys, &mut rng, &uid, &locker_core::credential::RfidRequest {
            recipient: RecipientId(12),
            with_pin: false,
            expires_at_s: None,
        }, T0).unwrap();
        store.insert(tag, T0).unwrap();
        let kiosk = KioskId(1);
        let qr = |store: &CredentialStore, now_s| store.verify_token(&keys, BANK, kiosk, token.expose(), Purpose::Pickup, now_s);
        let rfid = |store: &CredentialStore, now_s| store.verify_rfid(&keys, &RfidTap { kiosk, uid: &uid, pin: None }, now_s);
        let qr_before = qr(&store, T0).unwrap();
        let rfid_before = rfid(&store, T0).unwrap();
        let mut now_s = T0;
        for (junk, wait_s) in failures {
            now_s += wait_s;
            let refusal = match &junk {
                Junk::Qr(k, text) => store.verify_token(&keys, BANK, KioskId(*k), text, Purpose::Pickup, now_s).err(),
                Junk::Rfid(k, bytes) => store.verify_rfid(&keys, &RfidTap { kiosk: KioskId(*k), uid: bytes, pin: None }, now_s).err(),
                Junk::Pin(k, unit, pin) => store.verify_pin(&keys, &locker_core::credential::PinAttempt {
                    kiosk: KioskId(*k), unit: Some(RecipientId(*unit)), pin, purpose: Purpose::Pickup,
                }, now_s).err(),
                Junk::Courier(k, c, code) => store.verify_courier_for(&keys, KioskId(*k), CarrierId(*c), code, now_s).err(),
            };
            if let Some(failure) = refusal.and_then(|r| r.failure) {
                store.record_failure(&failure);
            }
        }
        let qr_after = qr(&store, now_s);
        prop_assert_eq!(qr_after.as_ref().map(|g| &g.compartments), Ok(&qr_before.compartments));
        let rfid_after = rfid(&store, now_s);
        prop_assert_eq!(rfid_after.map(|g| g.recipient), Ok(rfid_before.recipient));
    }

    /// However failures come, no closed window of 24 hours holds more of
    /// them than the bank's cap (the brute-force bound's premise).
    #[test]
    fn no_closed_day_holds_more_failures_than_the_bank_cap(
        waits in prop::collection::vec(0u64..7_200, 1..400),
    ) {
        let policy = ThrottlePolicy::default();
        let mut state = locker_core::credential::ThrottleState::default();
        let mut now_s = T0;
        let mut accepted = Vec::new();
        for wait in waits {
            now_s += wait;
            let failure = Failure {
                at_s: now_s,
                channel: Channel::Pin,
                kiosk: Some(KioskId(1)),
                recipient: None,
                credential: None,
                carrier: None,
            };
            if state.check(&policy, failure.scopes(), now_s).is_ok() {
                state.record(&policy, &failure);
                accepted.push(now_s);
            }
        }
        let cap = usize::try_from(policy.bank.max_failures_per_window).unwrap();
        for (i, &start) in accepted.iter().enumerate() {
            let in_day = accepted[i..].iter().take_while(|&&t| t <= start + DAY_S).count();
            prop_assert!(in_day <= cap, "{} failures in [{}, {}]", in_day, start, start + DAY_S);
        }
    }
}
