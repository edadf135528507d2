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
mod hotp;
mod issuer;
pub(crate) mod keys;
mod pin;
#[cfg(feature = "qr")]
mod qr;
mod remote;
mod rfid;
#[cfg(feature = "serde")]
mod snapshot;
mod store;
mod throttle;
mod token;

use alloc::vec::Vec;
use core::fmt;

use rand_core::CryptoRng;

use crate::ids::{CompartmentId, MAX_SAFE_INTEGER, RecipientId};

pub use bound::{
    ATTACKER_MODEL, BOUND_TARGET_PROBABILITY, BoundReport, BruteForceLimit, BruteForcePolicy,
    DEFAULT_TARGET_PER_BILLION, REFERENCE_OCCUPIED_COMPARTMENTS, SecondFactor, brute_force_bound,
};
pub use courier::{COURIER_CODE_DIGITS, CourierRequest};
pub use delegation::{DelegationRequest, DelegationScope};
pub use error::{CredentialError, PinParseError, Refusal, TokenParseError};
pub use hotp::{HOTP_MAX_DIGITS, HOTP_MIN_DIGITS, HotpAlgorithm, hotp};
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
#[cfg(feature = "qr")]
pub use qr::{
    QR_DEFAULT_MODULE_PX, QR_MAX_MODULE_PX, QR_MAX_QUIET_ZONE_MODULES, QR_QUIET_ZONE_MODULES,
    QrErrorCorrection, QrMatrix, QrOptions, QrRenderError,
};
pub use remote::{
    BankId, RemoteCommand, RemotePolicy, RemoteRequest, SIGNED_TIME_SKEW_S, SignedTime,
    sign_remote_command, sign_time,
};
#[cfg(feature = "ed25519")]
pub use remote::{sign_remote_command_ed25519, sign_time_ed25519};
pub use rfid::{MAX_RFID_UID_BYTES, MIN_RFID_UID_BYTES, RfidPolicy, RfidRequest, RfidTap};
pub use store::{
    CredentialKind, CredentialPolicy, CredentialRecord, CredentialStore, RecordStatus,
};
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

/// An opaque, random credential identifier.
///
/// Drawn from the caller's RNG, so it says nothing about the recipient or the
/// parcel; it is not secret (it appears in journals and in QR tokens).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(transparent))]
pub struct CredentialId(pub u64);

impl CredentialId {
    /// Draws a fresh random identifier of 53 bits (up to
    /// [`MAX_SAFE_INTEGER`]), so it reaches JavaScript as a plain number.
    /// 2^53 ids leave a collision between a bank's live credentials as
    /// unlikely as it matters: the store draws again when one is taken.
    pub fn random<R: CryptoRng + ?Sized>(rng: &mut R) -> Self {
        Self(rng.next_u64() & MAX_SAFE_INTEGER)
    }
}

impl fmt::Display for CredentialId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "credential {:016x}", self.0)
    }
}

/// A kiosk (keypad, scanner and RFID reader) of the bank; throttling counts
/// failures per kiosk.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(transparent))]
pub struct KioskId(pub u32);

impl fmt::Display for KioskId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "kiosk {}", self.0)
    }
}

/// A carrier (delivery company), as numbered by the host; each carrier has
/// its own courier code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(transparent))]
pub struct CarrierId(pub u32);

impl fmt::Display for CarrierId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "carrier {}", self.0)
    }
}

/// What a credential allows: collecting, dropping off, or a staff override.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub enum Purpose {
    /// A resident (or their delegate) collects parcels.
    Pickup,
    /// A courier drops parcels off; never allows pickup.
    CourierDropOff,
    /// A staff override (audited by the journal).
    Staff,
}

impl Purpose {
    /// The one-byte code used in QR tokens and signed commands.
    #[must_use]
    pub const fn code(self) -> u8 {
        match self {
            Self::Pickup => 1,
            Self::CourierDropOff => 2,
            Self::Staff => 3,
        }
    }

    /// The purpose for a one-byte code, if the code is known.
    #[must_use]
    pub const fn from_code(code: u8) -> Option<Self> {
        match code {
            1 => Some(Self::Pickup),
            2 => Some(Self::CourierDropOff),
            3 => Some(Self::Staff),
            _ => None,
        }
    }
}

impl fmt::Display for Purpose {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Pickup => "pickup",
            Self::CourierDropOff => "courier drop-off",
            Self::Staff => "staff",
        })
    }
}

/// How a credential was presented. Throttling counts failures per channel,
/// so a PIN lockout never blocks QR or RFID pickups.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub enum Channel {
    /// Digits typed on the keypad (resident PINs and delegated PINs).
    Pin,
    /// A QR token shown to the scanner.
    Qr,
    /// An RFID tag tapped on the reader (with its PIN if required).
    Rfid,
    /// A courier code typed on the keypad.
    Courier,
    /// A signed remote command from a back end or an app.
    Remote,
}

impl fmt::Display for Channel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Pin => "pin",
            Self::Qr => "qr",
            Self::Rfid => "rfid",
            Self::Courier => "courier",
            Self::Remote => "remote",
        })
    }
}

/// What a successful verification allows. Contains no secret, so it can be
/// journaled as is; pass it to [`CredentialStore::redeem`] once the door has
/// opened.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub struct Grant {
    /// The credential that was presented (for remote commands: the nonce).
    pub credential_id: CredentialId,
    /// How it was presented.
    pub channel: Channel,
    /// What it allows.
    pub purpose: Purpose,
    /// The compartments it opens; empty for courier drop-off, where the
    /// allocator chooses.
    pub compartments: Vec<CompartmentId>,
    /// The recipient whose parcels these are, when known.
    pub recipient: Option<RecipientId>,
    /// The carrier, for courier codes.
    pub carrier: Option<CarrierId>,
    /// When the credential expires (unix seconds); `None` for never (an
    /// RFID tag registered without an end date), written as an absent
    /// field.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub expires_at_s: Option<u64>,
    /// Whether redeeming spends the credential.
    pub single_use: bool,
}

/// Refuses a list of compartments that names a door twice: a credential
/// for it could never open (the second unlock finds the door busy).
pub(crate) fn check_distinct(compartments: &[CompartmentId]) -> Result<(), CredentialError> {
    let mut sorted = compartments.to_vec();
    sorted.sort_unstable();
    if sorted.windows(2).any(|pair| pair[0] == pair[1]) {
        return Err(CredentialError::InvalidRequest {
            field: "compartments",
            reason: "a door is named twice",
        });
    }
    Ok(())
}
