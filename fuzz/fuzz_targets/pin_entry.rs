//! PIN entry at a kiosk: a sequence of (unit, PIN) attempts against a store
//! holding a few issued PINs (active, for pickup and for staff, one
//! revoked, one spent), with PINs bound to the unit or unbound.
//!
//! - `verify_pin` never changes the store (compared before and after).
//! - A grant is only ever given for the right PIN (with the right unit when
//!   PINs are bound), of an active, unexpired credential of the attempted
//!   purpose, and it opens that credential's doors for its recipient.
//! - The right PIN, in time, is granted unless the throttle (fed with the
//!   failures the attempts record) refuses before looking at it.
#![no_main]

use std::sync::OnceLock;

use arbitrary::Arbitrary;
use chacha20::ChaCha20Rng;
use libfuzzer_sys::fuzz_target;
use locker_core::credential::{
    BruteForceLimit, CredentialError, CredentialPolicy, CredentialStore, KeyId, KeyRing, KioskId,
    PinAttempt, PinBinding, PinRequest, Purpose, SiteKey,
};
use locker_core::{CompartmentId, RecipientId};
use rand_core::SeedableRng;

const T0: u64 = 1_700_000_000;
const DAY_S: u64 = 86_400;

struct Issued {
    unit: RecipientId,
    pin: String,
    purpose: Purpose,
    doors: Vec<CompartmentId>,
    expires_at_s: u64,
    usable: bool,
}

struct Fixture {
    keys: KeyRing,
    stores: [(CredentialStore, Vec<Issued>); 2],
}

fn issue(keys: &KeyRing, binding: PinBinding) -> (CredentialStore, Vec<Issued>) {
    let mut rng = ChaCha20Rng::seed_from_u64(11);
    let mut policy = CredentialPolicy::default();
    policy.pin.binding = binding;
    // PINs without the unit exceed the default brute-force target; the
    // target is a site's choice, so this fixture raises it, stating why.
    policy.brute_force = BruteForceLimit {
        target_per_billion: 1_000_000_000,
        override_reason: Some("fuzzing PINs without the unit".into()),
    };
    let mut store = CredentialStore::new(policy).unwrap();
    let mut issued = Vec::new();
    let plans = [
        (1, Purpose::Pickup, 1, DAY_S, "active"),
        (2, Purpose::Pickup, 2, 2 * DAY_S, "active"),
        (2, Purpose::Staff, 3, DAY_S, "active"),
        (3, Purpose::Pickup, 4, DAY_S, "revoked"),
        (3, Purpose::Pickup, 5, DAY_S, "spent"),
    ];
    for (unit, purpose, door, valid_s, state) in plans {
        let request = PinRequest {
            recipient: RecipientId(unit),
            compartments: vec![CompartmentId(door)],
            purpose,
            expires_at_s: T0 + valid_s,
        };
        let (pin, record) = store.generate_pin(keys, &mut rng, &request, T0).unwrap();
        let id = record.id;
        store.insert(record, T0).unwrap();
        let attempt = PinAttempt {
            kiosk: KioskId(1),
            unit: Some(RecipientId(unit)),
            pin: pin.expose(),
            purpose,
        };
        match state {
            "revoked" => store.revoke(id, T0).unwrap(),
            "spent" => {
                let grant = store.verify_pin(keys, &attempt, T0).unwrap();
                store.redeem(&grant, T0).unwrap();
            }
            _ => {}
        }
        issued.push(Issued {
            unit: RecipientId(unit),
            pin: pin.expose().to_owned(),
            purpose,
            doors: request.compartments,
            expires_at_s: request.expires_at_s,
            usable: state == "active",
        });
    }
    (store, issued)
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let mut keys = KeyRing::new();
        let secret: [u8; 32] = locker_fuzz::secret(0x33);
        keys.add(SiteKey::from_bytes(KeyId(1), secret).unwrap())
            .unwrap();
        let stores = [
            issue(&keys, PinBinding::Unit),
            issue(&keys, PinBinding::Unbound),
        ];
        Fixture { keys, stores }
    })
}

#[derive(Arbitrary, Debug)]
enum Unit {
    None,
    Of(u8),
    Any(u64),
}

#[derive(Arbitrary, Debug)]
enum Pin {
    Typed(String),
    Bytes(Vec<u8>),
    Issued { index: u8, change: Option<(u8, u8)> },
}

#[derive(Arbitrary, Debug)]
struct Attempt {
    unit: Unit,
    pin: Pin,
    for_staff: bool,
    kiosk: u8,
    wait_s: u16,
    record_failure: bool,
}

fuzz_target!(|input: (bool, Vec<Attempt>)| {
    let f = fixture();
    let (unbound, attempts) = input;
    let (store, issued) = &f.stores[usize::from(unbound)];
    let mut store = store.clone();
    let mut now_s = T0;
    for attempt in attempts.iter().take(64) {
        now_s += u64::from(attempt.wait_s);
        let unit = match attempt.unit {
            Unit::None => None,
            Unit::Of(i) => Some(issued[usize::from(i) % issued.len()].unit),
            Unit::Any(n) => Some(RecipientId(n)),
        };
        let pin = match &attempt.pin {
            Pin::Typed(text) => text.clone(),
            Pin::Bytes(bytes) => String::from_utf8_lossy(bytes).into_owned(),
            Pin::Issued { index, change } => {
                let mut pin = issued[usize::from(*index) % issued.len()]
                    .pin
                    .clone()
                    .into_bytes();
                if let Some((at, to)) = change {
                    let at = usize::from(*at) % pin.len();
                    pin[at] = *to;
                }
                String::from_utf8_lossy(&pin).into_owned()
            }
        };
        let purpose = if attempt.for_staff {
            Purpose::Staff
        } else {
            Purpose::Pickup
        };
        let typed = PinAttempt {
            kiosk: KioskId(u32::from(attempt.kiosk % 4)),
            unit,
            pin: &pin,
            purpose,
        };
        let before = store.clone();
        let result = store.verify_pin(&f.keys, &typed, now_s);
        assert_eq!(before, store, "verify_pin changed the store");

        // The credential this attempt names, if any.
        let right = issued
            .iter()
            .find(|i| i.pin == pin && (unbound || unit == Some(i.unit)));
        let valid = right.filter(|i| {
            i.usable
                && i.purpose == purpose
                && now_s < i.expires_at_s
                && (unbound || unit.is_some())
        });
        match result {
            Ok(grant) => {
                let i = valid
                    .expect("granted a PIN that is wrong, spent, expired or for another purpose");
                assert_eq!(grant.compartments, i.doors);
                assert_eq!(grant.recipient, Some(i.unit));
                assert_eq!(grant.purpose, purpose);
            }
            Err(refusal) => {
                if valid.is_some() {
                    assert!(
                        matches!(refusal.error, CredentialError::Throttled { .. }),
                        "the right PIN was refused: {:?}",
                        refusal.error
                    );
                }
                if attempt.record_failure
                    && let Some(failure) = refusal.failure.as_ref()
                {
                    store.record_failure(failure);
                }
            }
        }
    }
});
