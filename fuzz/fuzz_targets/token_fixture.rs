//! The fixed key ring and tokens of the `qr_token` target, shared with the
//! seed generator (`examples/seeds.rs`) so the seeds are real tokens.

use chacha20::ChaCha20Rng;
use locker_core::credential::{
    BankId, CredentialStore, KeyId, KeyRing, KioskId, Purpose, SiteKey, TokenRequest, issue_token,
};
use locker_core::{CompartmentId, RecipientId};
use rand_core::SeedableRng;

/// When the tokens are issued (unix seconds).
pub const T0: u64 = 1_700_000_000;
/// One day, in seconds: how long the tokens are valid.
pub const DAY_S: u64 = 86_400;
/// The bank the tokens are for.
pub const BANK: BankId = BankId(9);

/// A token the fixture issued: its text, purpose, doors, expiry, and
/// whether the store knows it (`unknown`, `recorded`, `revoked`, `spent`).
pub type Issued = (String, Purpose, Vec<CompartmentId>, u64, &'static str);

/// The key ring, the store, and the tokens.
pub struct Fixture {
    /// Two site keys, ids 1 and 2.
    pub keys: KeyRing,
    /// Knows one token's record, one revoked and one spent token.
    pub store: CredentialStore,
    /// Every token issued.
    pub tokens: Vec<Issued>,
}

/// Builds the fixture (deterministic).
pub fn build() -> Fixture {
    let mut rng = ChaCha20Rng::seed_from_u64(7);
    let mut keys = KeyRing::new();
    keys.add(SiteKey::from_bytes(KeyId(1), locker_fuzz::secret(0x11)).unwrap())
        .unwrap();
    let mut store = CredentialStore::default();
    let mut tokens = Vec::new();
    let plans: [(Purpose, &[u32], &'static str); 4] = [
        (Purpose::Pickup, &[3], "unknown"),
        (Purpose::Pickup, &[4, 5], "recorded"),
        (Purpose::Pickup, &[6], "revoked"),
        (Purpose::Staff, &[7, 8, 9], "spent"),
    ];
    for (i, (purpose, doors, state)) in plans.into_iter().enumerate() {
        if i == 2 {
            // Later tokens are signed with the newer key.
            keys.add(SiteKey::from_bytes(KeyId(2), locker_fuzz::secret(0x22)).unwrap())
                .unwrap();
        }
        let request = TokenRequest {
            bank: BANK,
            purpose,
            compartments: doors.iter().copied().map(CompartmentId).collect(),
            recipient: Some(RecipientId(12)),
            expires_at_s: T0 + DAY_S,
        };
        let (token, record) = issue_token(&keys, &mut rng, &request, T0).unwrap();
        let text = token.expose().to_owned();
        match state {
            "recorded" => store.insert(record, T0).unwrap(),
            "revoked" => {
                let id = record.id;
                store.insert(record, T0).unwrap();
                store.revoke(id, T0).unwrap();
            }
            "spent" => {
                let grant = store
                    .verify_token(&keys, BANK, KioskId(1), &text, purpose, T0)
                    .unwrap();
                store.redeem(&grant, T0).unwrap();
            }
            _ => {}
        }
        tokens.push((text, purpose, request.compartments, T0 + DAY_S, state));
    }
    Fixture {
        keys,
        store,
        tokens,
    }
}
