//! Scenario tests of the credential module: each kind of credential issued,
//! verified and redeemed; bad input typed and counted; rotation; replay.
#![allow(clippy::unwrap_used)]

use locker_core::credential::{
    BankId, CarrierId, Channel, CourierRequest, CredentialError, CredentialId, CredentialPolicy,
    CredentialStore, DelegationRequest, DelegationScope, Failure, Grant, KeyRing, KioskId,
    PinAttempt, PinParseError, PinRequest, PinSecret, Purpose, RemoteCommand, RemoteRequest,
    RfidRequest, RfidTap, TokenParseError, TokenRequest, issue_token, sign_remote_command,
};
use locker_core::{CompartmentId, RecipientId};
use rand::SeedableRng;
use rand::rngs::StdRng;

const NOW: u64 = 1_700_000_000;
const HOUR: u64 = 3_600;
const KIOSK: KioskId = KioskId(1);
const BANK: locker_core::credential::BankId = locker_core::credential::BankId(5);

fn setup() -> (StdRng, KeyRing, CredentialStore) {
    let mut rng = StdRng::seed_from_u64(42);
    let mut keys = KeyRing::new();
    keys.rotate(&mut rng).unwrap();
    (rng, keys, CredentialStore::default())
}

fn issue_pin(
    store: &mut CredentialStore,
    keys: &KeyRing,
    rng: &mut StdRng,
    recipient: u64,
    compartments: &[u32],
) -> (PinSecret, CredentialId) {
    let request = PinRequest {
        recipient: RecipientId(recipient),
        compartments: compartments.iter().copied().map(CompartmentId).collect(),
        purpose: Purpose::Pickup,
        expires_at_s: NOW + 48 * HOUR,
    };
    let (pin, record) = store.generate_pin(keys, rng, &request, NOW).unwrap();
    let id = record.id;
    store.insert(record, NOW).unwrap();
    (pin, id)
}

fn attempt(pin: &str, unit: u64) -> PinAttempt<'_> {
    PinAttempt {
        kiosk: KIOSK,
        unit: Some(RecipientId(unit)),
        pin,
        purpose: Purpose::Pickup,
    }
}

#[test]
fn pin_verifies_until_redeemed_then_never() {
    let (mut rng, keys, mut store) = setup();
    let (pin, id) = issue_pin(&mut store, &keys, &mut rng, 12, &[3]);
    assert_eq!(pin.len(), 8);
    let grant = store
        .verify_pin(&keys, &attempt(pin.expose(), 12), NOW + 10)
        .unwrap();
    // Verification does not consume: a failed door leaves the PIN valid.
    let again = store
        .verify_pin(&keys, &attempt(pin.expose(), 12), NOW + 20)
        .unwrap();
    assert_eq!(grant, again);
    assert_eq!(grant.credential_id, id);
    assert_eq!(grant.compartments, [CompartmentId(3)]);
    assert_eq!(grant.recipient, Some(RecipientId(12)));
    assert_eq!(store.redeem(&grant, NOW + 30).unwrap(), [id]);
    let refusal = store
        .verify_pin(&keys, &attempt(pin.expose(), 12), NOW + 40)
        .unwrap_err();
    assert_eq!(
        refusal.error,
        CredentialError::AlreadyUsed { credential_id: id }
    );
    assert!(
        refusal.failure.is_some(),
        "a replayed PIN counts toward throttling"
    );
    assert_eq!(
        store.redeem(&grant, NOW + 50).unwrap_err(),
        CredentialError::AlreadyUsed { credential_id: id }
    );
}

#[test]
fn an_edited_grant_is_redeemed_as_its_record_says() {
    let (mut rng, keys, mut store) = setup();
    let (pin, id) = issue_pin(&mut store, &keys, &mut rng, 12, &[3]);
    let (neighbour, neighbour_id) = issue_pin(&mut store, &keys, &mut rng, 13, &[4]);
    let mut grant = store
        .verify_pin(&keys, &attempt(pin.expose(), 12), NOW + 10)
        .unwrap();
    assert!(grant.single_use);
    // A grant crosses bindings as plain data and may come back edited: to
    // look reusable, remote, and the neighbour's.
    grant.single_use = false;
    grant.channel = Channel::Remote;
    grant.recipient = Some(RecipientId(13));
    grant.compartments = vec![CompartmentId(4)];
    assert_eq!(store.redeem(&grant, NOW + 20).unwrap(), [id]);
    assert_eq!(
        store
            .verify_pin(&keys, &attempt(pin.expose(), 12), NOW + 30)
            .unwrap_err()
            .error,
        CredentialError::AlreadyUsed { credential_id: id }
    );
    let theirs = store
        .verify_pin(&keys, &attempt(neighbour.expose(), 13), NOW + 30)
        .unwrap();
    assert_eq!(theirs.credential_id, neighbour_id);
    assert_eq!(theirs.compartments, [CompartmentId(4)]);
}

#[test]
fn bad_pin_input_is_typed_and_noted_but_never_counted() {
    let (mut rng, keys, mut store) = setup();
    let (pin, id) = issue_pin(&mut store, &keys, &mut rng, 12, &[3]);
    let cases: [(&str, CredentialError); 4] = [
        ("", PinParseError::Empty.into()),
        (
            "123456789",
            PinParseError::WrongLength {
                len: 9,
                expected: 8,
            }
            .into(),
        ),
        ("1234x678", PinParseError::NotDigit { position: 4 }.into()),
        (
            "１２３４５６７８",
            PinParseError::NotDigit { position: 0 }.into(),
        ),
    ];
    for (typed, error) in cases {
        let refusal = store
            .verify_pin(&keys, &attempt(typed, 12), NOW)
            .unwrap_err();
        assert_eq!(refusal.error, error, "{typed:?}");
        // It can match nothing, so it counts against nobody (junk must not
        // lock residents out); the attempt is kept for the record.
        assert!(refusal.failure.is_none(), "{typed:?} counted");
        let noted = refusal.attempt().unwrap();
        assert_eq!(noted.kiosk, Some(KIOSK));
        assert_eq!(noted.recipient, Some(RecipientId(12)));
    }
    // Right PIN, wrong unit: as opaque as a wrong PIN.
    let wrong_unit = store
        .verify_pin(&keys, &attempt(pin.expose(), 13), NOW)
        .unwrap_err();
    assert_eq!(wrong_unit.error, CredentialError::Rejected);
    assert_eq!(
        wrong_unit.failure.unwrap().recipient,
        None,
        "unknown units get no scope"
    );
    let no_unit = PinAttempt {
        unit: None,
        ..attempt(pin.expose(), 12)
    };
    assert_eq!(
        store.verify_pin(&keys, &no_unit, NOW).unwrap_err().error,
        CredentialError::UnitRequired
    );
    let staff = PinAttempt {
        purpose: Purpose::Staff,
        ..attempt(pin.expose(), 12)
    };
    assert_eq!(
        store.verify_pin(&keys, &staff, NOW).unwrap_err().error,
        CredentialError::WrongPurpose {
            expected: Purpose::Staff,
            actual: Purpose::Pickup
        }
    );
    let expired = store
        .verify_pin(&keys, &attempt(pin.expose(), 12), NOW + 48 * HOUR)
        .unwrap_err();
    assert_eq!(
        expired.error,
        CredentialError::Expired {
            expired_at_s: NOW + 48 * HOUR,
            now_s: NOW + 48 * HOUR
        }
    );
    store.revoke(id, NOW).unwrap();
    assert_eq!(
        store
            .verify_pin(&keys, &attempt(pin.expose(), 12), NOW)
            .unwrap_err()
            .error,
        CredentialError::Revoked { credential_id: id }
    );
}

#[test]
fn pin_lockout_never_blocks_qr_or_rfid() {
    let (mut rng, keys, mut store) = setup();
    let (pin, _) = issue_pin(&mut store, &keys, &mut rng, 12, &[3]);
    let (_, record) = store
        .generate_rfid(
            &keys,
            &mut rng,
            &[1, 2, 3, 4],
            &RfidRequest {
                recipient: RecipientId(12),
                with_pin: false,
                expires_at_s: None,
            },
            NOW,
        )
        .unwrap();
    store.insert(record, NOW).unwrap();
    let request = TokenRequest {
        bank: BANK,
        purpose: Purpose::Pickup,
        compartments: vec![CompartmentId(3)],
        recipient: Some(RecipientId(12)),
        expires_at_s: NOW + 48 * HOUR,
    };
    let (token, _) = issue_token(&keys, &mut rng, &request, NOW).unwrap();

    // Hammer the PIN pad with wrong PINs until it locks.
    let mut now = NOW;
    let mut lockouts = Vec::new();
    for _ in 0..1_000 {
        match store.verify_pin(&keys, &attempt("00000000", 12), now) {
            Err(r) if matches!(r.error, CredentialError::Throttled { .. }) => {
                let CredentialError::Throttled { retry_at_s } = r.error else {
                    unreachable!()
                };
                if retry_at_s > now + 2 * HOUR {
                    break; // locked (the cap), not just backing off
                }
                now = retry_at_s;
            }
            Err(r) => lockouts.extend(store.record_failure(&r.failure.unwrap())),
            Ok(_) => panic!("guessed"),
        }
    }
    assert!(!lockouts.is_empty());
    // Even the right PIN is refused now...
    assert!(matches!(
        store
            .verify_pin(&keys, &attempt(pin.expose(), 12), now)
            .unwrap_err()
            .error,
        CredentialError::Throttled { .. }
    ));
    // ...but QR and RFID pickups still work.
    store
        .verify_token(&keys, BANK, KIOSK, token.expose(), Purpose::Pickup, now)
        .unwrap();
    let tap = RfidTap {
        kiosk: KIOSK,
        uid: &[1, 2, 3, 4],
        pin: None,
    };
    assert_eq!(
        store.verify_rfid(&keys, &tap, now).unwrap().compartments,
        [CompartmentId(3)]
    );
}

#[test]
fn state_dump_reveals_no_secret() {
    let (mut rng, keys, mut store) = setup();
    let (pin, _) = issue_pin(&mut store, &keys, &mut rng, 12, &[3]);
    let json = serde_json::to_string(&store).unwrap();
    let debug = format!("{store:?} {keys:?} {pin:?}");
    assert!(!json.contains(pin.expose()));
    assert!(!debug.contains(pin.expose()));
    let secret: String = keys
        .newest()
        .unwrap()
        .expose_secret()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert!(!debug.contains(&secret) && !json.contains(&secret));
    assert!(!debug.contains(&format!("{:?}", keys.newest().unwrap().expose_secret())));
}

#[test]
fn rotation_keeps_old_credentials_until_retired() {
    let (mut rng, mut keys, mut store) = setup();
    let (old_pin, _) = issue_pin(&mut store, &keys, &mut rng, 12, &[3]);
    let request = TokenRequest {
        bank: BANK,
        purpose: Purpose::Pickup,
        compartments: vec![CompartmentId(4)],
        recipient: Some(RecipientId(12)),
        expires_at_s: NOW + HOUR,
    };
    let (old_token, _) = issue_token(&keys, &mut rng, &request, NOW).unwrap();
    let old = keys.newest().unwrap().id();
    let new = keys.rotate(&mut rng).unwrap();
    let (new_pin, new_id) = issue_pin(&mut store, &keys, &mut rng, 14, &[5]);
    assert_eq!(store.get(new_id).unwrap().key_id, new);
    store
        .verify_pin(&keys, &attempt(old_pin.expose(), 12), NOW)
        .unwrap();
    store
        .verify_pin(&keys, &attempt(new_pin.expose(), 14), NOW)
        .unwrap();
    store
        .verify_token(&keys, BANK, KIOSK, old_token.expose(), Purpose::Pickup, NOW)
        .unwrap();
    keys.retire(old).unwrap();
    assert_eq!(
        store
            .verify_pin(&keys, &attempt(old_pin.expose(), 12), NOW)
            .unwrap_err()
            .error,
        CredentialError::Rejected
    );
    assert_eq!(
        store
            .verify_token(&keys, BANK, KIOSK, old_token.expose(), Purpose::Pickup, NOW)
            .unwrap_err()
            .error,
        CredentialError::UnknownKeyId { key_id: old }
    );
    store
        .verify_pin(&keys, &attempt(new_pin.expose(), 14), NOW)
        .unwrap();
}

#[test]
fn every_single_character_change_breaks_a_token() {
    let (mut rng, keys, store) = setup();
    let request = TokenRequest {
        bank: BANK,
        purpose: Purpose::Pickup,
        compartments: vec![CompartmentId(9)],
        recipient: Some(RecipientId(12)),
        expires_at_s: NOW + HOUR,
    };
    let (token, _) = issue_token(&keys, &mut rng, &request, NOW).unwrap();
    let text = token.expose();
    assert_eq!(text.len(), 74);
    assert!(
        text.bytes()
            .all(|b| b.is_ascii_uppercase() || (b'2'..=b'7').contains(&b))
    );
    for position in 0..text.len() {
        for replacement in "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567a0=".chars() {
            let mut altered: Vec<char> = text.chars().collect();
            if altered[position] == replacement {
                continue;
            }
            altered[position] = replacement;
            let altered: String = altered.into_iter().collect();
            let refusal = store
                .verify_token(&keys, BANK, KIOSK, &altered, Purpose::Pickup, NOW)
                .unwrap_err();
            assert!(refusal.failure.is_some(), "{altered}: {:?}", refusal.error);
        }
    }
    let truncated = &text[..text.len() - 1];
    assert!(matches!(
        store
            .verify_token(&keys, BANK, KIOSK, truncated, Purpose::Pickup, NOW)
            .unwrap_err()
            .error,
        CredentialError::MalformedToken(
            TokenParseError::LengthMismatch { .. } | TokenParseError::NonCanonical
        )
    ));
}

#[test]
fn tokens_with_records_are_revocable_and_name_the_recipient() {
    let (mut rng, keys, mut store) = setup();
    let request = TokenRequest {
        bank: BANK,
        purpose: Purpose::Pickup,
        compartments: vec![CompartmentId(9), CompartmentId(10)],
        recipient: Some(RecipientId(7)),
        expires_at_s: NOW + HOUR,
    };
    let twice = TokenRequest {
        compartments: vec![CompartmentId(9), CompartmentId(9)],
        ..request.clone()
    };
    assert!(matches!(
        issue_token(&keys, &mut rng, &twice, NOW),
        Err(CredentialError::InvalidRequest {
            field: "compartments",
            ..
        })
    ));
    let (token, record) = issue_token(&keys, &mut rng, &request, NOW).unwrap();
    assert_eq!(token.expose().len(), 80);
    let id = record.id;
    store.insert(record, NOW).unwrap();
    let grant = store
        .verify_token(&keys, BANK, KIOSK, token.expose(), Purpose::Pickup, NOW)
        .unwrap();
    assert_eq!(grant.recipient, Some(RecipientId(7)));
    let wrong = store
        .verify_token(
            &keys,
            BANK,
            KIOSK,
            token.expose(),
            Purpose::CourierDropOff,
            NOW,
        )
        .unwrap_err();
    assert_eq!(
        wrong.error,
        CredentialError::WrongPurpose {
            expected: Purpose::CourierDropOff,
            actual: Purpose::Pickup
        }
    );
    store.revoke_token(id, NOW + HOUR, NOW).unwrap();
    assert_eq!(
        store
            .verify_token(&keys, BANK, KIOSK, token.expose(), Purpose::Pickup, NOW)
            .unwrap_err()
            .error,
        CredentialError::Revoked { credential_id: id }
    );
    // Without a record, revocation goes to the spent list.
    let (other, record) = issue_token(&keys, &mut rng, &request, NOW).unwrap();
    store
        .revoke_token(record.id, record.expires_at_s.unwrap(), NOW)
        .unwrap();
    assert_eq!(
        store
            .verify_token(&keys, BANK, KIOSK, other.expose(), Purpose::Pickup, NOW)
            .unwrap_err()
            .error,
        CredentialError::Revoked {
            credential_id: record.id
        }
    );
}

#[test]
fn rfid_tap_opens_all_compartments_and_spends_the_pins() {
    let (mut rng, keys, mut store) = setup();
    let (pin_a, id_a) = issue_pin(&mut store, &keys, &mut rng, 12, &[3]);
    let (_, id_b) = issue_pin(&mut store, &keys, &mut rng, 12, &[5, 6]);
    issue_pin(&mut store, &keys, &mut rng, 13, &[8]);
    let uid = [0xde, 0xad, 0xbe, 0xef, 1, 2, 3];
    let (tag_pin, record) = store
        .generate_rfid(
            &keys,
            &mut rng,
            &uid,
            &RfidRequest {
                recipient: RecipientId(12),
                with_pin: true,
                expires_at_s: None,
            },
            NOW,
        )
        .unwrap();
    let tag_pin = tag_pin.unwrap();
    let rfid_id = record.id;
    store.insert(record, NOW).unwrap();
    // The same UID cannot be registered twice.
    let twice = store.generate_rfid(
        &keys,
        &mut rng,
        &uid,
        &RfidRequest {
            recipient: RecipientId(13),
            with_pin: false,
            expires_at_s: None,
        },
        NOW,
    );
    assert!(matches!(twice, Err(CredentialError::TagCollision { .. })));

    let no_pin = RfidTap {
        kiosk: KIOSK,
        uid: &uid,
        pin: None,
    };
    let refusal = store.verify_rfid(&keys, &no_pin, NOW).unwrap_err();
    assert_eq!(
        (refusal.error, refusal.failure),
        (CredentialError::PinRequired, None)
    );
    let wrong = RfidTap {
        pin: Some("000000"),
        ..no_pin
    };
    let refusal = store.verify_rfid(&keys, &wrong, NOW).unwrap_err();
    assert_eq!(refusal.error, CredentialError::Rejected);
    assert_eq!(refusal.failure.unwrap().credential, Some(rfid_id));
    let unknown = RfidTap {
        uid: &[9, 9, 9, 9],
        ..no_pin
    };
    assert_eq!(
        store.verify_rfid(&keys, &unknown, NOW).unwrap_err().error,
        CredentialError::Rejected
    );
    let short = RfidTap {
        uid: &[9],
        ..no_pin
    };
    assert!(matches!(
        store.verify_rfid(&keys, &short, NOW).unwrap_err().error,
        CredentialError::MalformedRfidUid { len: 1, .. }
    ));

    let tap = RfidTap {
        pin: Some(tag_pin.expose()),
        ..no_pin
    };
    let grant = store.verify_rfid(&keys, &tap, NOW).unwrap();
    assert_eq!(
        grant.compartments,
        [CompartmentId(3), CompartmentId(5), CompartmentId(6)]
    );
    assert!(!grant.single_use);
    let mut spent = store.redeem(&grant, NOW).unwrap();
    spent.sort_unstable();
    let mut expected = vec![id_a, id_b];
    expected.sort_unstable();
    assert_eq!(spent, expected);
    assert_eq!(
        store
            .verify_pin(&keys, &attempt(pin_a.expose(), 12), NOW)
            .unwrap_err()
            .error,
        CredentialError::AlreadyUsed {
            credential_id: id_a
        }
    );
    assert_eq!(
        store.verify_rfid(&keys, &tap, NOW).unwrap_err().error,
        CredentialError::NothingToCollect {
            recipient: RecipientId(12)
        }
    );
    // Wrong PINs lock this tag's PIN, not others.
    let mut now = NOW + HOUR;
    let mut failures = 0;
    let cap = store.policy().throttle.subject.max_failures_per_window;
    while failures < cap {
        match store.verify_rfid(&keys, &wrong, now).unwrap_err() {
            refusal if refusal.failure.is_some() => {
                store.record_failure(&refusal.failure.unwrap());
                failures += 1;
            }
            refusal => {
                let CredentialError::Throttled { retry_at_s } = refusal.error else {
                    panic!("{refusal:?}")
                };
                now = retry_at_s;
            }
        }
    }
    let locked = store
        .verify_rfid(&keys, &tap, now + HOUR)
        .unwrap_err()
        .error;
    assert!(
        matches!(locked, CredentialError::Throttled { retry_at_s } if retry_at_s >= NOW + 25 * HOUR),
        "{locked:?}"
    );
    // Another recipient's tag at the same kiosk is not locked.
    issue_pin(&mut store, &keys, &mut rng, 13, &[9]);
    let (_, other) = store
        .generate_rfid(
            &keys,
            &mut rng,
            &[5, 5, 5, 5],
            &RfidRequest {
                recipient: RecipientId(13),
                with_pin: false,
                expires_at_s: None,
            },
            NOW,
        )
        .unwrap();
    store.insert(other, NOW).unwrap();
    let other_tap = RfidTap {
        kiosk: KIOSK,
        uid: &[5, 5, 5, 5],
        pin: None,
    };
    assert_eq!(
        store
            .verify_rfid(&keys, &other_tap, now + HOUR)
            .unwrap()
            .compartments,
        [CompartmentId(8), CompartmentId(9)]
    );
}

#[test]
fn courier_codes_drop_off_only_and_rotate_per_carrier() {
    let (mut rng, keys, mut store) = setup();
    let window = |carrier| CourierRequest {
        carrier: CarrierId(carrier),
        valid_from_s: NOW,
        expires_at_s: NOW + 30 * 24 * HOUR,
    };
    let (code_a, record_a) = store
        .generate_courier_code(&keys, &mut rng, &window(1), NOW)
        .unwrap();
    let id_a = record_a.id;
    store.insert(record_a, NOW).unwrap();
    let (code_b, record_b) = store
        .generate_courier_code(&keys, &mut rng, &window(2), NOW)
        .unwrap();
    store.insert(record_b, NOW).unwrap();
    assert_eq!(code_a.len(), 12);

    let grant = store
        .verify_courier(&keys, KIOSK, code_a.expose(), NOW)
        .unwrap();
    assert_eq!(
        (grant.purpose, grant.carrier),
        (Purpose::CourierDropOff, Some(CarrierId(1)))
    );
    assert!(grant.compartments.is_empty() && !grant.single_use);
    store.redeem(&grant, NOW).unwrap();
    store
        .verify_courier(&keys, KIOSK, code_a.expose(), NOW)
        .unwrap();
    // A courier code is never a pickup PIN.
    assert!(
        store
            .verify_pin(&keys, &attempt(code_a.expose(), 12), NOW)
            .is_err()
    );
    assert_eq!(
        store
            .verify_courier(&keys, KIOSK, code_a.expose(), NOW - 1)
            .unwrap_err()
            .error,
        CredentialError::NotYetValid {
            valid_from_s: NOW,
            now_s: NOW - 1
        }
    );
    // Rotating carrier 1 revokes its old code only.
    let (code_a2, record_a2) = store
        .generate_courier_code(&keys, &mut rng, &window(1), NOW)
        .unwrap();
    store.insert(record_a2, NOW + 1).unwrap();
    assert_eq!(
        store
            .verify_courier(&keys, KIOSK, code_a.expose(), NOW + 2)
            .unwrap_err()
            .error,
        CredentialError::Revoked {
            credential_id: id_a
        }
    );
    store
        .verify_courier(&keys, KIOSK, code_a2.expose(), NOW + 2)
        .unwrap();
    store
        .verify_courier(&keys, KIOSK, code_b.expose(), NOW + 2)
        .unwrap();
    // A courier QR token is refused for pickup.
    let request = TokenRequest {
        bank: BANK,
        purpose: Purpose::CourierDropOff,
        compartments: vec![],
        recipient: None,
        expires_at_s: NOW + HOUR,
    };
    let (token, _) = issue_token(&keys, &mut rng, &request, NOW).unwrap();
    assert_eq!(
        store
            .verify_token(&keys, BANK, KIOSK, token.expose(), Purpose::Pickup, NOW)
            .unwrap_err()
            .error,
        CredentialError::WrongPurpose {
            expected: Purpose::Pickup,
            actual: Purpose::CourierDropOff
        }
    );
}

#[test]
fn delegations_are_scoped_and_revocable() {
    let (mut rng, keys, mut store) = setup();
    let (own, _) = issue_pin(&mut store, &keys, &mut rng, 12, &[3, 5]);
    let one = DelegationRequest {
        delegator: RecipientId(12),
        scope: DelegationScope::Parcels,
        compartments: vec![CompartmentId(3)],
        expires_at_s: NOW + HOUR,
    };
    let (delegate_pin, record) = store
        .generate_delegation(&keys, &mut rng, &one, NOW)
        .unwrap();
    store.insert(record, NOW).unwrap();
    let not_mine = DelegationRequest {
        compartments: vec![CompartmentId(8)],
        ..one.clone()
    };
    assert_eq!(
        store
            .generate_delegation(&keys, &mut rng, &not_mine, NOW)
            .unwrap_err(),
        CredentialError::NotDelegable {
            recipient: RecipientId(12),
            compartment: CompartmentId(8)
        }
    );
    let grant = store
        .verify_pin(&keys, &attempt(delegate_pin.expose(), 12), NOW)
        .unwrap();
    assert_eq!(grant.compartments, [CompartmentId(3)]);
    store.redeem(&grant, NOW).unwrap();
    // The resident's own PIN now opens only what is left.
    assert_eq!(
        store
            .verify_pin(&keys, &attempt(own.expose(), 12), NOW)
            .unwrap()
            .compartments,
        [CompartmentId(5)]
    );

    let all = DelegationRequest {
        scope: DelegationScope::AllParcels,
        compartments: vec![],
        ..one
    };
    let (neighbour, record) = store
        .generate_delegation(&keys, &mut rng, &all, NOW)
        .unwrap();
    let neighbour_id = record.id;
    store.insert(record, NOW).unwrap();
    let grant = store
        .verify_pin(&keys, &attempt(neighbour.expose(), 12), NOW)
        .unwrap();
    assert_eq!(grant.compartments, [CompartmentId(5)]);
    assert!(!grant.single_use);
    store.revoke(neighbour_id, NOW).unwrap();
    assert_eq!(
        store
            .verify_pin(&keys, &attempt(neighbour.expose(), 12), NOW)
            .unwrap_err()
            .error,
        CredentialError::Revoked {
            credential_id: neighbour_id
        }
    );
    store
        .verify_pin(&keys, &attempt(own.expose(), 12), NOW)
        .unwrap();
}

#[test]
fn pins_per_unit_are_capped() {
    let (mut rng, keys, mut store) = setup();
    for c in 0..3 {
        issue_pin(&mut store, &keys, &mut rng, 12, &[c]);
    }
    let request = PinRequest {
        recipient: RecipientId(12),
        compartments: vec![CompartmentId(9)],
        purpose: Purpose::Pickup,
        expires_at_s: NOW + HOUR,
    };
    assert_eq!(
        store
            .generate_pin(&keys, &mut rng, &request, NOW)
            .unwrap_err(),
        CredentialError::TooManyPins {
            recipient: RecipientId(12),
            max: 3
        }
    );
}

#[test]
fn remote_opening_is_off_signed_single_use_and_capped() {
    let (mut rng, keys, _) = setup();
    let bank = BankId(77);
    let request = |door, not_before_s| RemoteRequest {
        bank,
        compartment: CompartmentId(door),
        purpose: Purpose::Staff,
        recipient: None,
        not_before_s,
        not_after_s: not_before_s + 120,
    };
    // A pickup names whose parcels it is for.
    let anyone = RemoteRequest {
        purpose: Purpose::Pickup,
        ..request(4, NOW)
    };
    assert!(matches!(
        sign_remote_command(&keys, &mut rng, &anyone).unwrap_err(),
        CredentialError::InvalidRequest {
            field: "recipient",
            ..
        }
    ));
    let command = sign_remote_command(&keys, &mut rng, &request(4, NOW)).unwrap();
    let off = CredentialStore::default();
    assert_eq!(
        off.verify_remote(&keys, bank, &command, NOW)
            .unwrap_err()
            .error,
        CredentialError::RemoteDisabled
    );

    let mut policy = CredentialPolicy::default();
    policy.remote.enabled = true;
    let mut store = CredentialStore::new(policy).unwrap();
    assert_eq!(
        store
            .verify_remote(&keys, BankId(78), &command, NOW)
            .unwrap_err()
            .error,
        CredentialError::WrongBank {
            expected: 78,
            actual: 77
        }
    );
    // What the back end signed cannot be changed, the door or whose
    // parcels: a forgery counts toward throttling.
    for forged in [
        RemoteCommand {
            request: RemoteRequest {
                compartment: CompartmentId(5),
                ..command.request
            },
            ..command
        },
        RemoteCommand {
            request: RemoteRequest {
                purpose: Purpose::Pickup,
                recipient: Some(RecipientId(12)),
                ..command.request
            },
            ..command
        },
    ] {
        let refusal = store.verify_remote(&keys, bank, &forged, NOW).unwrap_err();
        assert_eq!(refusal.error, CredentialError::Rejected);
        assert!(refusal.failure.is_some());
    }
    // A signed command refused for its time is a retry, not an attack.
    let late = store
        .verify_remote(&keys, bank, &command, NOW + 120)
        .unwrap_err();
    assert!(matches!(late.error, CredentialError::Expired { .. }));
    assert_eq!(late.failure, None);
    let long = sign_remote_command(
        &keys,
        &mut rng,
        &RemoteRequest {
            not_after_s: NOW + 3_600,
            ..request(4, NOW)
        },
    )
    .unwrap();
    assert!(matches!(
        store
            .verify_remote(&keys, bank, &long, NOW)
            .unwrap_err()
            .error,
        CredentialError::WindowTooLong { .. }
    ));

    let grant = store.verify_remote(&keys, bank, &command, NOW).unwrap();
    assert_eq!(grant.compartments, [CompartmentId(4)]);
    store.redeem(&grant, NOW).unwrap();
    assert_eq!(
        store
            .verify_remote(&keys, bank, &command, NOW + 1)
            .unwrap_err()
            .error,
        CredentialError::Replayed {
            nonce: command.nonce
        }
    );
    assert_eq!(
        store
            .verify_remote(&keys, bank, &command, NOW + 1)
            .unwrap_err()
            .failure,
        None,
        "a replay is not counted"
    );
    assert!(matches!(
        store.redeem(&grant, NOW + 1).unwrap_err(),
        CredentialError::Replayed { .. }
    ));
    // Two per minute: the third is refused until the first leaves the minute.
    let second = store
        .verify_remote(
            &keys,
            bank,
            &sign_remote_command(&keys, &mut rng, &request(5, NOW)).unwrap(),
            NOW + 1,
        )
        .unwrap();
    store.redeem(&second, NOW + 1).unwrap();
    let third = sign_remote_command(&keys, &mut rng, &request(6, NOW)).unwrap();
    assert_eq!(
        store
            .verify_remote(&keys, bank, &third, NOW + 2)
            .unwrap_err()
            .error,
        CredentialError::RemoteCapReached {
            retry_at_s: NOW + 60
        }
    );
    store.verify_remote(&keys, bank, &third, NOW + 60).unwrap();
}

/// One state change, as a journal would record it.
#[derive(Clone, Debug)]
enum Op {
    Insert(locker_core::credential::CredentialRecord, u64),
    Redeem(Grant, u64),
    Failure(Failure),
    Revoke(CredentialId, u64),
    Prune(u64),
}

fn apply(store: &mut CredentialStore, op: &Op) {
    match op {
        Op::Insert(record, now) => store.insert(record.clone(), *now).unwrap(),
        Op::Redeem(grant, now) => {
            store.redeem(grant, *now).unwrap();
        }
        Op::Failure(failure) => {
            store.record_failure(failure);
        }
        Op::Revoke(id, now) => store.revoke(*id, *now).unwrap(),
        Op::Prune(now) => {
            store.prune_expired(*now);
        }
    }
}

#[test]
fn replaying_the_journal_rebuilds_an_equal_store() {
    let (mut rng, keys, mut live) = setup();
    let mut journal = Vec::new();
    let mut pins = Vec::new();
    let mut ids = Vec::new();
    for (i, recipient) in [12u64, 13, 14, 12].into_iter().enumerate() {
        let request = PinRequest {
            recipient: RecipientId(recipient),
            compartments: vec![CompartmentId(u32::try_from(i).unwrap())],
            purpose: Purpose::Pickup,
            expires_at_s: if i == 1 { NOW + HOUR } else { NOW + 10 * HOUR },
        };
        let (pin, record) = live.generate_pin(&keys, &mut rng, &request, NOW).unwrap();
        journal.push(Op::Insert(record.clone(), NOW));
        ids.push(record.id);
        live.insert(record, NOW).unwrap();
        pins.push((pin, recipient));
    }
    let grant = live
        .verify_pin(&keys, &attempt(pins[0].0.expose(), pins[0].1), NOW + 5)
        .unwrap();
    live.redeem(&grant, NOW + 6).unwrap();
    journal.push(Op::Redeem(grant, NOW + 6));
    let failure = live
        .verify_pin(&keys, &attempt("00000000", 13), NOW + 7)
        .unwrap_err()
        .failure
        .unwrap();
    live.record_failure(&failure);
    journal.push(Op::Failure(failure));
    let revoked = ids[2];
    live.revoke(revoked, NOW + 8).unwrap();
    journal.push(Op::Revoke(revoked, NOW + 8));
    live.prune_expired(NOW + 2 * HOUR);
    journal.push(Op::Prune(NOW + 2 * HOUR));

    let mut replayed = CredentialStore::default();
    for op in &journal {
        apply(&mut replayed, op);
    }
    assert_eq!(replayed, live);
    // A snapshot round-trips to an equal store.
    let json = serde_json::to_string(&live).unwrap();
    let restored: CredentialStore = serde_json::from_str(&json).unwrap();
    assert_eq!(restored, live);
    // Pruning drops spent and revoked PINs: they can never verify again.
    assert!(restored.get(ids[0]).is_none(), "redeemed, then pruned");
    assert!(restored.get(revoked).is_none(), "revoked, then pruned");
    assert!(
        restored
            .verify_pin(
                &keys,
                &attempt(pins[0].0.expose(), pins[0].1),
                NOW + 2 * HOUR
            )
            .is_err()
    );
    assert!(
        restored.get(ids[1]).is_none(),
        "expired after an hour and pruned"
    );
    // And the restored store still verifies the live PINs.
    let (pin, unit) = &pins[3];
    restored
        .verify_pin(&keys, &attempt(pin.expose(), *unit), NOW + 2 * HOUR)
        .unwrap();
}
