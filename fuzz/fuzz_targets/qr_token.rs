//! QR tokens against a fixed key ring (two keys) and a store that holds one
//! token's record, one revoked token and one spent token.
//!
//! - Raw input: the bytes (lossily UTF-8) as scanned text, parsed and
//!   verified offline (`verify_token_offline`) and by the store
//!   (`verify_token`) at several times without a panic; either accepts only
//!   the text of a token that was really issued.
//! - Input starting with `~`: an issued token with byte flips (chosen by
//!   `arbitrary` from the rest) verifies only when the text is unchanged;
//!   base32 decoding is canonical, so any change must be refused.
//!
//! Every verification leaves the store exactly as it was, and an issued
//! token verifies with the claims it was issued with (until it expires).
#![no_main]

mod token_fixture;

use std::sync::OnceLock;

use arbitrary::{Arbitrary, Unstructured};
use libfuzzer_sys::fuzz_target;
use locker_core::credential::{CredentialError, KioskId, Purpose, verify_token_offline};
use token_fixture::{BANK, DAY_S, Fixture, T0};

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(token_fixture::build)
}

/// After a leading `~`: an issued token, byte flips, and when.
#[derive(Arbitrary, Debug)]
struct Mutation {
    token: u8,
    flips: Vec<(u8, u8)>,
    at_s: u16,
}

fn check(f: &Fixture, text: &str, purpose: Purpose, now_s: u64) {
    let issued = f.tokens.iter().find(|t| t.0 == text);
    let offline = verify_token_offline(&f.keys, &[], BANK, text, now_s);
    if let Ok(claims) = &offline {
        let (_, p, doors, expires_at_s, _) = issued.expect("an unissued token verified offline");
        assert_eq!((&claims.purpose, &claims.compartments), (p, doors));
        assert!(now_s < *expires_at_s);
    }
    if let Some((_, p, doors, expires_at_s, _)) = issued
        && now_s < *expires_at_s
    {
        let claims = offline.expect("an issued, unexpired token must verify offline");
        assert_eq!((&claims.purpose, &claims.compartments), (p, doors));
    }

    let store = f.store.clone();
    let online = f
        .store
        .verify_token(&f.keys, BANK, KioskId(1), text, purpose, now_s);
    assert_eq!(store, f.store, "verify_token changed the store");
    match (&online, issued) {
        (Ok(grant), Some((_, p, doors, _, state))) => {
            assert!(
                matches!(*state, "unknown" | "recorded"),
                "{state} token accepted"
            );
            assert_eq!((grant.purpose, &grant.compartments), (*p, doors));
        }
        (Ok(_), None) => panic!("the store accepted a token that was never issued"),
        (Err(refusal), Some((_, p, _, expires_at_s, state))) if now_s < *expires_at_s => {
            let expected = match *state {
                _ if *p != purpose => "wrong purpose",
                "revoked" => "revoked",
                "spent" => "already used",
                other => panic!("a valid {other} token was refused: {:?}", refusal.error),
            };
            let ok = match refusal.error {
                CredentialError::WrongPurpose { .. } => expected == "wrong purpose",
                CredentialError::Revoked { .. } => expected == "revoked",
                CredentialError::AlreadyUsed { .. } => expected == "already used",
                _ => false,
            };
            assert!(ok, "expected {expected}, got {:?}", refusal.error);
        }
        (Err(_), _) => {}
    }
}

fuzz_target!(|data: &[u8]| {
    let f = fixture();
    if let Some((b'~', rest)) = data.split_first() {
        let Ok(Mutation { token, flips, at_s }) =
            Mutation::arbitrary_take_rest(Unstructured::new(rest))
        else {
            return;
        };
        let (text, purpose, ..) = &f.tokens[usize::from(token) % f.tokens.len()];
        let mut bytes = text.clone().into_bytes();
        for (at, xor) in flips {
            let at = usize::from(at) % bytes.len();
            bytes[at] ^= xor;
        }
        let Ok(mutated) = String::from_utf8(bytes) else {
            return;
        };
        let now_s = T0 + u64::from(at_s);
        let verified = verify_token_offline(&f.keys, &[], BANK, &mutated, now_s).is_ok();
        let unchanged = f.tokens.iter().any(|t| t.0 == mutated);
        assert_eq!(verified, unchanged, "a changed token verified");
        check(f, &mutated, *purpose, now_s);
        return;
    }
    // Anything else is the scanned text, checked at a few times and for
    // both purposes.
    let text = String::from_utf8_lossy(data);
    for now_s in [0, T0, T0 + DAY_S - 1, T0 + DAY_S] {
        check(f, &text, Purpose::Pickup, now_s);
    }
    check(f, &text, Purpose::Staff, T0 + 1);
});
