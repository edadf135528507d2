//! Credential verification cost against the cost of one raw HMAC-SHA256 on
//! the same machine: verify a PIN with 10,000 active (right and wrong PIN),
//! verify a QR token with an HMAC tag and one signed with Ed25519 (the
//! price of a bank that holds no key to mint tokens), render a QR SVG.
//! Target: verification within 2× the raw HMAC.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use hmac::{Hmac, KeyInit, Mac};
use locker_core::credential::{
    BankId, CredentialPolicy, CredentialStore, IssuerSigningKey, KeyId, KeyRing, KioskId,
    PinAttempt, PinRequest, PinSecret, Purpose, QrOptions, TokenRequest, TokenSecret, issue_token,
    issue_token_signed,
};
use locker_core::{CompartmentId, RecipientId};
use rand::SeedableRng;
use rand::rngs::StdRng;
use sha2::Sha256;

/// Unix time of the benchmarks.
const NOW_S: u64 = 1_700_000_000;
/// Active PINs in the store.
const ACTIVE_PINS: u64 = 10_000;
/// Validity of the credentials: 2 days.
const VALIDITY_S: u64 = 2 * 86_400;

fn keys(rng: &mut StdRng) -> KeyRing {
    let mut keys = KeyRing::new();
    keys.rotate(rng).expect("a fresh ring has ids left");
    keys
}

/// A store with `ACTIVE_PINS` PINs (one per unit) and the last one's digits.
fn store_with_pins(keys: &KeyRing, rng: &mut StdRng) -> (CredentialStore, PinSecret, RecipientId) {
    let mut store = CredentialStore::default();
    let mut last = None;
    for unit in 0..ACTIVE_PINS {
        let request = PinRequest {
            recipient: RecipientId(unit),
            compartments: vec![CompartmentId(u32::try_from(unit).expect("small"))],
            purpose: Purpose::Pickup,
            expires_at_s: NOW_S + VALIDITY_S,
        };
        let (pin, record) = store
            .generate_pin(keys, rng, &request, NOW_S)
            .expect("PIN space is large");
        store.insert(record, NOW_S).expect("unique");
        last = Some((pin, RecipientId(unit)));
    }
    let (pin, unit) = last.expect("at least one PIN");
    (store, pin, unit)
}

/// The bank the tokens are for.
const BANK: BankId = BankId(7);

fn request() -> TokenRequest {
    TokenRequest {
        bank: BANK,
        purpose: Purpose::Pickup,
        compartments: vec![CompartmentId(41)],
        recipient: Some(RecipientId(12)),
        expires_at_s: NOW_S + VALIDITY_S,
    }
}

fn token(keys: &KeyRing, rng: &mut StdRng) -> TokenSecret {
    issue_token(keys, rng, &request(), NOW_S)
        .expect("valid request")
        .0
}

fn credential(c: &mut Criterion) {
    let mut rng = StdRng::seed_from_u64(1);
    let keys = keys(&mut rng);
    let raw_key = *keys.newest().expect("one key").expose_secret();

    c.bench_function("raw HMAC-SHA256 (key setup + 16-byte message)", |b| {
        b.iter(|| {
            let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(black_box(&raw_key))
                .expect("any key length");
            mac.update(black_box(b"0123456789abcdef"));
            black_box(mac.finalize().into_bytes())
        });
    });

    let (store, pin, unit) = store_with_pins(&keys, &mut rng);
    let right = PinAttempt {
        kiosk: KioskId(1),
        unit: Some(unit),
        pin: pin.expose(),
        purpose: Purpose::Pickup,
    };
    c.bench_function("verify PIN, 10,000 active (right PIN)", |b| {
        b.iter(|| black_box(store.verify_pin(&keys, black_box(&right), NOW_S)).expect("right PIN"));
    });
    let wrong = PinAttempt {
        pin: "00000000",
        ..right
    };
    c.bench_function("verify PIN, 10,000 active (wrong PIN)", |b| {
        b.iter(|| black_box(store.verify_pin(&keys, black_box(&wrong), NOW_S)).is_err());
    });

    // A restart from a snapshot rebuilds the tag indexes, whose keys come
    // in random order.
    let snapshot = serde_json::to_string(&store).expect("serializable");
    c.bench_function("restore a store of 10,000 PINs from its snapshot", |b| {
        b.iter(|| {
            let restored: CredentialStore =
                serde_json::from_str(black_box(&snapshot)).expect("restorable");
            black_box(restored)
        });
    });

    let token = token(&keys, &mut rng);
    let empty = CredentialStore::default();
    c.bench_function("verify QR token, HMAC (74 chars)", |b| {
        b.iter(|| {
            black_box(empty.verify_token(
                &keys,
                BANK,
                KioskId(1),
                black_box(token.expose()),
                Purpose::Pickup,
                NOW_S,
            ))
            .expect("valid token")
        });
    });

    let signer = IssuerSigningKey::generate(KeyId(1), &mut rng).expect("a working generator");
    let (signed, _) = issue_token_signed(&signer, &mut rng, &request(), NOW_S).expect("valid");
    let policy = CredentialPolicy {
        issuers: vec![signer.public_key()],
        ..CredentialPolicy::default()
    };
    let issuer_store = CredentialStore::new(policy).expect("valid policy");
    c.bench_function("verify QR token, Ed25519 (157 chars)", |b| {
        b.iter(|| {
            black_box(issuer_store.verify_token(
                &keys,
                BANK,
                KioskId(1),
                black_box(signed.expose()),
                Purpose::Pickup,
                NOW_S,
            ))
            .expect("valid token")
        });
    });

    let options = QrOptions::default();
    let svg = token.to_qr_svg(&options).expect("fits");
    let qr = token.to_qr(&options).expect("fits");
    println!(
        "QR for a {}-char token: version {}, {}x{} modules, SVG {} bytes",
        token.expose().len(),
        qr.version(),
        qr.width_modules(),
        qr.width_modules(),
        svg.len()
    );
    c.bench_function("render QR SVG (version 4-M)", |b| {
        b.iter(|| black_box(token.to_qr_svg(black_box(&options)).expect("fits")));
    });
}

criterion_group!(benches, credential);
criterion_main!(benches);
