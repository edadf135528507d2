//! Credentials: PINs, signed QR tokens, RFID tags, courier codes, delegations
//! and remote opening, verified offline, with brute-force protection you can
//! compute.
//!
//! # Model
//!
//! * **Keys.** A [`KeyRing`] holds the site's [`SiteKey`]s, each with a
//!   [`KeyId`]. New credentials use the newest key; older keys verify until
//!   they are retired. Each purpose (QR tokens, remote commands, PIN tags,
//!   RFID tags, courier codes, the journal) uses its own key derived from
//!   the site secret with HKDF-SHA256 ([`KeyPurpose`]), so a key that leaks
//!   from one use signs nothing of another. A back end can sign with
//!   Ed25519 instead ([`IssuerKey`]), so banks hold no key that mints
//!   their tokens. Keys never appear in `Debug` output and are wiped on
//!   drop. The ring is *not* part of the [`CredentialStore`]: the store holds
//!   public records only, so it can be snapshotted and journaled.
//! * **Issue = generate + insert.** `generate_*` returns the secret (a
//!   [`PinSecret`] or [`TokenSecret`], wiped on drop, redacted in `Debug`)
//!   and a public [`CredentialRecord`] (keyed tags, never the secret).
//!   [`CredentialStore::insert`] adds the record; journal replay calls the
//!   same method, so the store is rebuilt exactly from records.
//! * **Verify, then redeem.** `verify_*` never changes state. It returns a
//!   [`Grant`] (what may be opened, for whom, for which [`Purpose`]) or a
//!   [`Refusal`] (a typed [`CredentialError`] plus the [`Failure`] the caller
//!   records with [`CredentialStore::record_failure`] to feed the throttle).
//!   Once the door has really opened, the caller calls
//!   [`CredentialStore::redeem`]; a single-use credential then stops
//!   verifying. A failure in between leaves the credential valid.
//! * **Time and randomness** are arguments: `now_s` is unix seconds, `rng` is
//!   any [`rand_core::CryptoRng`]. The module never reads a clock.
//!
//! # Example: a PIN, issued, verified and redeemed
//!
//! ```
//! use locker_core::credential::{
//!     CredentialPolicy, CredentialStore, KeyRing, KioskId, PinAttempt, PinRequest, Purpose,
//! };
//! use locker_core::{CompartmentId, RecipientId};
//! use rand::SeedableRng;
//!
//! let mut rng = rand::rngs::StdRng::seed_from_u64(7);
//! let mut keys = KeyRing::new();
//! keys.rotate(&mut rng)?;
//! let mut store = CredentialStore::new(CredentialPolicy::default())?;
//! let now_s = 1_700_000_000;
//!
//! // Issue: generate (secret + public record), then insert the record.
//! let request = PinRequest {
//!     recipient: RecipientId(12),
//!     compartments: vec![CompartmentId(3)],
//!     purpose: Purpose::Pickup,
//!     expires_at_s: now_s + 48 * 3600,
//! };
//! let (pin, record) = store.generate_pin(&keys, &mut rng, &request, now_s)?;
//! store.insert(record, now_s)?;
//!
//! // Verify at the kiosk: the default policy asks for the unit with the PIN.
//! let attempt = PinAttempt {
//!     kiosk: KioskId(1),
//!     unit: Some(RecipientId(12)),
//!     pin: pin.expose(),
//!     purpose: Purpose::Pickup,
//! };
//! let grant = store.verify_pin(&keys, &attempt, now_s + 60)?;
//! assert_eq!(grant.compartments, vec![CompartmentId(3)]);
//!
//! // The door opened and closed: redeem. The PIN is now spent.
//! store.redeem(&grant, now_s + 90)?;
//! assert!(store.verify_pin(&keys, &attempt, now_s + 120).is_err());
//! # Ok::<(), locker_core::credential::CredentialError>(())
//! ```
//!
//! # Example: a QR token issued in the cloud, verified offline by a locker
//!
//! ```
//! use locker_core::credential::{
//!     issue_token, BankId, CredentialError, CredentialStore, KeyRing, KioskId, Purpose,
//!     TokenRequest,
//! };
//! use locker_core::{CompartmentId, RecipientId};
//! use rand::SeedableRng;
//!
//! let mut rng = rand::rngs::StdRng::seed_from_u64(8);
//! let mut keys = KeyRing::new();
//! keys.rotate(&mut rng)?;
//! let now_s = 1_700_000_000;
//! let bank = BankId(7);
//!
//! // Cloud side: only the key ring is needed. The token names its bank
//! // (it opens nothing at another) and its recipient (it opens only doors
//! // holding their parcels).
//! let request = TokenRequest {
//!     bank,
//!     purpose: Purpose::Pickup,
//!     compartments: vec![CompartmentId(41)],
//!     recipient: Some(RecipientId(12)),
//!     expires_at_s: now_s + 3 * 24 * 3600,
//! };
//! let (token, _record) = issue_token(&keys, &mut rng, &request, now_s)?;
//! assert_eq!(token.expose().len(), 74); // uppercase base32, fits QR version 4-M
//!
//! // Locker side: the same keys, no record needed.
//! let mut store = CredentialStore::default();
//! let grant = store.verify_token(&keys, bank, KioskId(1), token.expose(), Purpose::Pickup, now_s)?;
//! assert_eq!(grant.recipient, Some(RecipientId(12)));
//! store.redeem(&grant, now_s)?;
//! let again = store.verify_token(&keys, bank, KioskId(1), token.expose(), Purpose::Pickup, now_s);
//! assert!(matches!(again.map_err(|r| r.error), Err(CredentialError::AlreadyUsed { .. })));
//! // At another bank the tag does not match.
//! let elsewhere = store.verify_token(&keys, BankId(8), KioskId(1), token.expose(), Purpose::Pickup, now_s);
//! assert!(matches!(elsewhere.map_err(|r| r.error), Err(CredentialError::Rejected)));
//! # Ok::<(), CredentialError>(())
//! ```
//!
//! # Brute force
//!
//! See [`brute_force_bound`] for the bound and the arithmetic behind
//! [`CredentialPolicy::default`]: PINs of 8 digits asked together with the
//! unit number, at most 3 active PINs per unit, and at most 25 failed PIN
//! attempts per bank per rolling 24 hours keep the chance that a guesser
//! opens any compartment within 24 hours at 75 / (10⁸ − 225) ≈ 7.5 × 10⁻⁷
//! with 200 occupied compartments (target: under 10⁻⁶).

mod bound;
mod caps;
mod codec;
mod courier;
mod delegation;
mod error;
mod grant;
mod hotp;
mod id;
mod issuer;
pub(crate) mod keys;
mod pin;
mod policy;
#[cfg(feature = "qr")]
mod qr;
mod record;
mod record_map;
mod remote;
mod rfid;
#[cfg(feature = "serde")]
mod snapshot;
mod store;
mod tag_index;
mod throttle;
mod token;

pub use bound::{
    ATTACKER_MODEL, BOUND_TARGET_PROBABILITY, BoundReport, BruteForceLimit, BruteForcePolicy,
    DEFAULT_TARGET_PER_BILLION, REFERENCE_OCCUPIED_COMPARTMENTS, SecondFactor, bound_per_billion,
    brute_force_bound,
};
pub use courier::{COURIER_CODE_DIGITS, CourierRequest};
pub use delegation::{DelegationRequest, DelegationScope};
pub use error::{CredentialError, PinParseError, Refusal, TokenParseError};
pub(crate) use grant::check_distinct;
pub use grant::{Channel, Grant, Purpose};
pub use hotp::{HOTP_MAX_DIGITS, HOTP_MIN_DIGITS, HotpAlgorithm, hotp};
pub use id::{CarrierId, CredentialId, KioskId};
#[cfg(feature = "ed25519")]
pub use issuer::IssuerSigningKey;
pub use issuer::{
    ISSUER_PUBLIC_KEY_BYTES, ISSUER_SIGNATURE_BYTES, IssuerKey, PublicKeyBytes, SignatureBytes,
};
pub use keys::{
    CheckValue, KEY_CHECK_BYTES, KEY_RING_FORMAT, KeyCheck, KeyId, KeyPurpose, KeyRing,
    SITE_KEY_BYTES, SiteKey, Tag, rng_from_entropy,
};
pub use pin::{
    DEFAULT_PIN_DIGITS, MAX_PIN_DIGITS, MIN_PIN_DIGITS, PinAttempt, PinBinding, PinPolicy,
    PinRequest, PinSecret,
};
pub use policy::CredentialPolicy;
#[cfg(feature = "qr")]
pub use qr::{
    QR_DEFAULT_MODULE_PX, QR_MAX_MODULE_PX, QR_MAX_QUIET_ZONE_MODULES, QR_QUIET_ZONE_MODULES,
    QrErrorCorrection, QrMatrix, QrOptions, QrRenderError,
};
pub use record::{CredentialKind, CredentialRecord, RecordStatus};
pub use remote::{
    BankId, RemoteCommand, RemotePolicy, RemoteRequest, SIGNED_TIME_SKEW_S, SignedTime,
    sign_remote_command, sign_time,
};
#[cfg(feature = "ed25519")]
pub use remote::{sign_remote_command_ed25519, sign_time_ed25519};
pub use rfid::{MAX_RFID_UID_BYTES, MIN_RFID_UID_BYTES, RfidPolicy, RfidRequest, RfidTap};
pub use store::CredentialStore;
pub use throttle::{
    Backoff, DAY_S, Failure, LockoutEvent, MAX_KIOSK_SCOPES, ScopeKey, Subject, ThrottlePolicy,
    ThrottleState,
};
#[cfg(feature = "ed25519")]
pub use token::issue_token_signed;
pub use token::{
    MAX_TOKEN_CHARS, MAX_TOKEN_COMPARTMENTS, TOKEN_ISSUE_SKEW_S, TOKEN_TAG_BYTES, TOKEN_VERSION,
    TokenClaims, TokenPolicy, TokenRequest, TokenSecret, TokenSigner, issue_recorded_token,
    issue_token, token_chars_for, verify_token_offline,
};
