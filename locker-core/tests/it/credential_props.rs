//! Property tests: every issued credential verifies exactly once, only before
//! expiry, only for its purpose; any altered token never verifies.
#![allow(clippy::unwrap_used)]

use locker_core::credential::{
    CredentialError, CredentialStore, KeyRing, KioskId, PinAttempt, PinRequest, Purpose,
    TokenRequest, issue_token,
};
use locker_core::{CompartmentId, RecipientId};
use proptest::prelude::*;
use rand::SeedableRng;
use rand::rngs::StdRng;

const NOW: u64 = 1_700_000_000;
const KIOSK: KioskId = KioskId(3);
const BANK: locker_core::credential::BankId = locker_core::credential::BankId(5);

fn purpose(code: u8) -> Purpose {
    Purpose::from_code(code).unwrap()
}

fn keys(rng: &mut StdRng) -> KeyRing {
    let mut keys = KeyRing::new();
    keys.rotate(rng).unwrap();
    keys
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    /// Every id the library draws (credentials, tokens, remote nonces) is
    /// a number JavaScript holds exactly; a tag without an end has none in
    /// its JSON, and reads back as never expiring.
    #[test]
    fn drawn_ids_fit_53_bits_and_never_is_an_absent_field(seed in any::<u64>()) {
        let mut rng = StdRng::seed_from_u64(seed);
        let keys = keys(&mut rng);
        let id = locker_core::credential::CredentialId::random(&mut rng);
        prop_assert!(id.0 <= locker_core::MAX_SAFE_INTEGER);
        let request = TokenRequest {
            compartments: vec![CompartmentId(4)],
            recipient: Some(RecipientId(9)),
            purpose: Purpose::Pickup,
            bank: BANK,
            expires_at_s: NOW + 60,
        };
        let (_, record) = issue_token(&keys, &mut rng, &request, NOW).unwrap();
        prop_assert!(record.id.0 <= locker_core::MAX_SAFE_INTEGER);
        let remote = locker_core::credential::sign_remote_command(
            &keys,
            &mut rng,
            &locker_core::credential::RemoteRequest {
                bank: BANK,
                compartment: CompartmentId(4),
                purpose: Purpose::Pickup,
                recipient: Some(RecipientId(9)),
                not_before_s: NOW,
                not_after_s: NOW + 60,
            },
        )
        .unwrap();
        prop_assert!(remote.nonce <= locker_core::MAX_SAFE_INTEGER);
        let store = CredentialStore::default();
        let (_, tag) = store
            .generate_rfid(
                &keys,
                &mut rng,
                &[1, 2, 3, 4],
                &locker_core::credential::RfidRequest {
                    recipient: RecipientId(9),
                    with_pin: false,
                    expires_at_s: None,
                },
                NOW,
            )
            .unwrap();
        let json = serde_json::to_string(&tag).unwrap();
        prop_assert!(!json.contains("expires_at_s"), "{}", json);
        let back: locker_core::credential::CredentialRecord = serde_json::from_str(&json).unwrap();
        prop_assert_eq!(&back, &tag);
        prop_assert!(back.unexpired_at(u64::MAX - 1));
    }

    #[test]
    fn tokens_verify_once_before_expiry_for_their_purpose(
        seed in any::<u64>(),
        issued in 1u8..=3,
        asked in 1u8..=3,
        compartments in proptest::collection::vec(any::<u32>(), 1..=8),
        lifetime_s in 1u64..1_000_000,
        probe_s in 0u64..2_000_000,
    ) {
        let mut rng = StdRng::seed_from_u64(seed);
        let keys = keys(&mut rng);
        let request = TokenRequest {
            bank: BANK,
            purpose: purpose(issued),
            compartments: compartments.iter().copied().map(CompartmentId).collect(),
            recipient: Some(RecipientId(12)),
            expires_at_s: NOW + lifetime_s,
        };
        let (token, _) = issue_token(&keys, &mut rng, &request, NOW).unwrap();
        let mut store = CredentialStore::default();
        let now = NOW + probe_s;
        let result = store.verify_token(&keys, BANK, KIOSK, token.expose(), purpose(asked), now);
        let valid = probe_s < lifetime_s && issued == asked;
        prop_assert_eq!(result.is_ok(), valid, "{:?}", result);
        if let Ok(grant) = result {
            prop_assert_eq!(&grant.compartments, &request.compartments);
            store.redeem(&grant, now).unwrap();
            let again = store.verify_token(&keys, BANK, KIOSK, token.expose(), purpose(asked), now).unwrap_err();
            prop_assert_eq!(again.error, CredentialError::AlreadyUsed { credential_id: grant.credential_id });
        }
    }

    #[test]
    fn pins_verify_once_before_expiry_for_their_purpose(
        seed in any::<u64>(),
        issued in 1u8..=3,
        asked in 1u8..=3,
        lifetime_s in 1u64..1_000_000,
        probe_s in 0u64..2_000_000,
        other_pins in 0usize..20,
    ) {
        let mut rng = StdRng::seed_from_u64(seed);
        let keys = keys(&mut rng);
        let mut store = CredentialStore::default();
        let mut issue = |store: &mut CredentialStore, recipient: u64, code: u8| {
            let request = PinRequest {
                recipient: RecipientId(recipient),
                compartments: vec![CompartmentId(u32::try_from(recipient).unwrap())],
                purpose: purpose(code),
                expires_at_s: NOW + lifetime_s,
            };
            let (pin, record) = store.generate_pin(&keys, &mut rng, &request, NOW).unwrap();
            store.insert(record, NOW).unwrap();
            pin
        };
        for other in 0..other_pins {
            issue(&mut store, 100 + u64::try_from(other).unwrap(), 1);
        }
        let pin = issue(&mut store, 7, issued);
        let now = NOW + probe_s;
        let attempt = PinAttempt { kiosk: KIOSK, unit: Some(RecipientId(7)), pin: pin.expose(), purpose: purpose(asked) };
        let result = store.verify_pin(&keys, &attempt, now);
        prop_assert_eq!(result.is_ok(), probe_s < lifetime_s && issued == asked, "{:?}", result);
        if let Ok(grant) = result {
            prop_assert_eq!(&grant.compartments, &vec![CompartmentId(7)]);
            store.redeem(&grant, now).unwrap();
            let again = store.verify_pin(&keys, &attempt, now).unwrap_err().error;
            prop_assert_eq!(again, CredentialError::AlreadyUsed { credential_id: grant.credential_id });
        }
    }

    #[test]
    fn altered_tokens_never_verify(
        seed in any::<u64>(),
        compartments in 1usize..=8,
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<char>()), 1..4),
        edit_ascii in proptest::collection::vec((any::<prop::sample::Index>(), 0x20u8..0x7f), 0..3),
        cut in any::<Option<prop::sample::Index>>(),
    ) {
        let mut rng = StdRng::seed_from_u64(seed);
        let keys = keys(&mut rng);
        let request = TokenRequest {
            bank: BANK,
            purpose: Purpose::Pickup,
            compartments: (1..).take(compartments).map(CompartmentId).collect(),
            recipient: Some(RecipientId(12)),
            expires_at_s: NOW + 3_600,
        };
        let (token, _) = issue_token(&keys, &mut rng, &request, NOW).unwrap();
        let original: Vec<char> = token.expose().chars().collect();
        let mut altered = original.clone();
        for (index, c) in edits {
            altered[index.index(original.len())] = c;
        }
        for (index, b) in edit_ascii {
            altered[index.index(original.len())] = char::from(b);
        }
        if let Some(index) = cut {
            altered.truncate(index.index(original.len()));
        }
        prop_assume!(altered != original);
        let text: String = altered.into_iter().collect();
        let store = CredentialStore::default();
        let refusal = store.verify_token(&keys, BANK, KIOSK, &text, Purpose::Pickup, NOW).unwrap_err();
        prop_assert!(refusal.failure.is_some(), "{:?}", refusal.error);
    }
}
