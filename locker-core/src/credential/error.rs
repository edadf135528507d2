//! Errors of the credential concern.

use super::grant::Purpose;
use super::id::CredentialId;
use super::keys::KeyId;
use super::throttle::Failure;
use crate::ids::{CompartmentId, RecipientId};

/// Why a typed PIN or code is malformed (before any secret is checked).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PinParseError {
    /// Nothing was typed.
    #[error("empty code")]
    Empty,
    /// Too few or too many digits.
    #[error("code has {len} characters, expected {expected} digits")]
    WrongLength {
        /// Characters typed.
        len: usize,
        /// Digits expected by the policy.
        expected: usize,
    },
    /// A character that is not an ASCII digit (its value is not echoed).
    #[error("character {position} of the code is not a digit")]
    NotDigit {
        /// Zero-based position of the first offending character.
        position: usize,
    },
}

/// Why a QR token text is malformed (before its tag is checked).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TokenParseError {
    /// The text is empty.
    #[error("empty token")]
    Empty,
    /// Fewer characters than the smallest token.
    #[error("token has {len} characters, at least {min} expected")]
    TooShort {
        /// Characters given.
        len: usize,
        /// The smallest token length.
        min: usize,
    },
    /// More characters than the largest token.
    #[error("token has {len} characters, at most {max} allowed")]
    TooLong {
        /// Characters given.
        len: usize,
        /// The largest token length.
        max: usize,
    },
    /// A character outside uppercase RFC 4648 base32 (`A`–`Z`, `2`–`7`).
    #[error("character {character:?} at position {position} is not uppercase base32")]
    NotBase32 {
        /// Zero-based position.
        position: usize,
        /// The offending character.
        character: char,
    },
    /// Padding bits are not zero or the length is impossible for base32:
    /// another spelling of some token, refused so that every change of a
    /// character is detected.
    #[error("token is not canonical base32")]
    NonCanonical,
    /// A format version this build does not know.
    #[error("unsupported token version {version}")]
    UnsupportedVersion {
        /// The version byte.
        version: u8,
    },
    /// Flag bits this build does not know.
    #[error("unknown token flags {flags:#04x}")]
    UnknownFlags {
        /// The flags byte.
        flags: u8,
    },
    /// A purpose code this build does not know.
    #[error("unknown purpose code {code}")]
    UnknownPurpose {
        /// The purpose byte.
        code: u8,
    },
    /// More compartments than a token may carry.
    #[error("token lists {count} compartments, at most {max} allowed")]
    TooManyCompartments {
        /// The count byte.
        count: usize,
        /// The limit.
        max: usize,
    },
    /// The byte length does not match the compartment count.
    #[error("token has {actual} bytes, its header implies {expected}")]
    LengthMismatch {
        /// Bytes implied by the header.
        expected: usize,
        /// Bytes decoded.
        actual: usize,
    },
}

/// Everything that can go wrong issuing, verifying or redeeming a credential.
///
/// A wrong secret (PIN, tag, RFID UID) is always the opaque [`Rejected`]
/// (`CredentialError::Rejected`), which tells a guesser nothing.
///
/// [`Rejected`]: CredentialError::Rejected
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CredentialError {
    /// The typed PIN or code is malformed.
    #[error("malformed code: {0}")]
    MalformedPin(#[from] PinParseError),
    /// The QR token text is malformed.
    #[error("malformed token: {0}")]
    MalformedToken(#[from] TokenParseError),
    /// The RFID UID has an impossible length.
    #[error("RFID UID of {len} bytes, expected {min} to {max}")]
    MalformedRfidUid {
        /// Bytes read.
        len: usize,
        /// Smallest UID accepted.
        min: usize,
        /// Largest UID accepted.
        max: usize,
    },
    /// The credential was signed with a key this ring does not hold (never
    /// added, or retired).
    #[error("unknown or retired key id {key_id}")]
    UnknownKeyId {
        /// The key id named by the credential.
        key_id: KeyId,
    },
    /// A site secret no random source would give (all zeros, a repeated
    /// byte, a short pattern, a counter, typed text).
    #[error("key {key_id} is weak: {reason}")]
    WeakKey {
        /// The key's id.
        key_id: KeyId,
        /// What gives it away.
        reason: &'static str,
    },
    /// Entropy given by the caller that no random source would give.
    #[error("the entropy given is weak: {reason}")]
    WeakEntropy {
        /// What gives it away.
        reason: &'static str,
    },
    /// The key ring is empty.
    #[error("the key ring holds no key")]
    NoKeys,
    /// A key with this id is already in the ring.
    #[error("key id {key_id} is already in the ring")]
    DuplicateKeyId {
        /// The duplicate id.
        key_id: KeyId,
    },
    /// Key ids are exhausted (65,535 rotations).
    #[error("no key id left after {key_id}")]
    KeyIdsExhausted {
        /// The newest id.
        key_id: KeyId,
    },
    /// Wrong secret, forged tag or unknown credential. Deliberately opaque.
    #[error("credential rejected")]
    Rejected,
    /// The credential has expired.
    #[error("credential expired at {expired_at_s}, now is {now_s}")]
    Expired {
        /// Expiry (unix seconds).
        expired_at_s: u64,
        /// The time of the attempt.
        now_s: u64,
    },
    /// The credential's window has not started yet.
    #[error("credential valid from {valid_from_s}, now is {now_s}")]
    NotYetValid {
        /// Start of validity (unix seconds).
        valid_from_s: u64,
        /// The time of the attempt.
        now_s: u64,
    },
    /// The single-use credential was already redeemed (a replay).
    #[error("{credential_id} was already used")]
    AlreadyUsed {
        /// The credential.
        credential_id: CredentialId,
    },
    /// The credential was revoked.
    #[error("{credential_id} was revoked")]
    Revoked {
        /// The credential.
        credential_id: CredentialId,
    },
    /// The credential is valid but for another purpose.
    #[error("credential is for {actual}, not {expected}")]
    WrongPurpose {
        /// The purpose asked for.
        expected: Purpose,
        /// The purpose of the credential.
        actual: Purpose,
    },
    /// Too many failed attempts: try again at `retry_at_s`.
    #[error("too many failed attempts, retry at {retry_at_s}")]
    Throttled {
        /// Earliest time of the next accepted attempt (unix seconds).
        retry_at_s: u64,
    },
    /// The policy asks for the unit number with the PIN and none was given.
    #[error("the unit number is required with the PIN")]
    UnitRequired,
    /// The RFID tag needs its PIN and none was given.
    #[error("this RFID tag requires its PIN")]
    PinRequired,
    /// The credential is valid but the recipient has nothing to collect.
    #[error("{recipient} has nothing to collect")]
    NothingToCollect {
        /// The recipient.
        recipient: RecipientId,
    },
    /// A record with this id is already in the store.
    #[error("{credential_id} is already in the store")]
    DuplicateCredential {
        /// The duplicate id.
        credential_id: CredentialId,
    },
    /// No record with this id.
    #[error("{credential_id} is not in the store")]
    UnknownCredential {
        /// The id asked for.
        credential_id: CredentialId,
    },
    /// The keyed tag of this record is already in use (same PIN, same RFID
    /// UID or same courier code under the same key).
    #[error("the secret of {credential_id} collides with an active credential")]
    TagCollision {
        /// The record that was refused.
        credential_id: CredentialId,
    },
    /// No unused PIN was found after the allowed number of draws.
    #[error("no unused PIN found after {draws} draws")]
    PinSpaceExhausted {
        /// Draws attempted.
        draws: u32,
    },
    /// The recipient already has the maximum number of active PINs.
    #[error("{recipient} already has {max} active PINs")]
    TooManyPins {
        /// The recipient.
        recipient: RecipientId,
        /// The policy's limit.
        max: u32,
    },
    /// A record or request is inconsistent (a field has a bad value).
    #[error("invalid {field}: {reason}")]
    InvalidRequest {
        /// The field.
        field: &'static str,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The expiry is not after `now_s` (or does not fit the token format).
    #[error("expiry {expires_at_s} is not in the future of {now_s} or out of range")]
    BadExpiry {
        /// The requested expiry.
        expires_at_s: u64,
        /// The time of the request.
        now_s: u64,
    },
    /// A delegation names a compartment the delegator has no parcel in.
    #[error("{recipient} has no active pickup credential for compartment {compartment}")]
    NotDelegable {
        /// The delegator.
        recipient: RecipientId,
        /// The compartment.
        compartment: CompartmentId,
    },
    /// A policy value is invalid.
    #[error("invalid policy field {field}: {reason}")]
    InvalidPolicy {
        /// The field.
        field: &'static str,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The PIN policy's brute-force bound is above its target (both in
    /// chances per billion that a guesser opens a door within 24 hours).
    #[error(
        "the PIN policy lets a guesser open a door within 24 h with probability {bound_per_billion} per billion, above the target of {target_per_billion} per billion: use longer PINs, bind them to the unit, or lower the bank's cap on failed attempts (or state an override with its reason)"
    )]
    BoundExceeded {
        /// The bound, per billion.
        bound_per_billion: u64,
        /// The target, per billion.
        target_per_billion: u64,
    },
    /// Remote opening is disabled by the policy (the default).
    #[error("remote opening is disabled")]
    RemoteDisabled,
    /// The remote command is for another bank.
    #[error("command is for bank {actual}, this is bank {expected}")]
    WrongBank {
        /// This bank.
        expected: u64,
        /// The bank named in the command.
        actual: u64,
    },
    /// The remote command's window is longer than the policy allows.
    #[error("command window of {window_s} s exceeds {max_s} s")]
    WindowTooLong {
        /// The window.
        window_s: u64,
        /// The policy's limit.
        max_s: u64,
    },
    /// The remote command's nonce was already used.
    #[error("nonce {nonce:016x} was already used")]
    Replayed {
        /// The nonce.
        nonce: u64,
    },
    /// The cap on openings by QR tokens without a record is reached.
    #[error("cap on openings by tokens without a record reached, retry at {retry_at_s}")]
    RecordlessCapReached {
        /// Earliest time another such opening is accepted.
        retry_at_s: u64,
    },
    /// The cap on remote openings per bank is reached.
    #[error("remote opening cap reached, retry at {retry_at_s}")]
    RemoteCapReached {
        /// Earliest time another remote opening is accepted.
        retry_at_s: u64,
    },
}

impl CredentialError {
    /// Whether this failure counts toward throttling: junk scans, wrong
    /// secrets, replays, expired or misused credentials do; being
    /// throttled, configuration errors, "nothing to collect" and keypad
    /// input that is no PIN at all (wrong length, letters, no unit) do not:
    /// such input can never match, so counting it would only let junk lock
    /// residents out. It is on the record all the same (summed).
    #[must_use]
    pub fn counts_toward_throttle(&self) -> bool {
        matches!(
            self,
            Self::MalformedToken(_)
                | Self::MalformedRfidUid { .. }
                | Self::UnknownKeyId { .. }
                | Self::Rejected
                | Self::Expired { .. }
                | Self::NotYetValid { .. }
                | Self::AlreadyUsed { .. }
                | Self::Revoked { .. }
                | Self::WrongPurpose { .. }
                | Self::WrongBank { .. }
                | Self::WindowTooLong { .. }
                | Self::Replayed { .. }
        )
    }
}

/// A refused verification: the error, the [`Failure`] to record with
/// [`CredentialStore::record_failure`](super::CredentialStore::record_failure)
/// when it counts toward throttling, and the attempt itself (so a caller
/// can keep every attempt on the record, counted or not).
///
/// Verification itself never changes state; recording the failure is a
/// separate, journal-able step with explicit inputs.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{error}")]
pub struct Refusal {
    /// Why the credential was refused.
    pub error: CredentialError,
    /// The failed attempt to record, if it counts toward throttling.
    pub failure: Option<Failure>,
    /// The attempt, when it does not count toward throttling (`None` too
    /// for a refusal that was no attempt, such as a ring with no key).
    /// Boxed: it is rare, and keeps a refusal small to return.
    pub noted: Option<alloc::boxed::Box<Failure>>,
}

impl Refusal {
    /// A refusal that records `failure` if `error` counts toward throttling.
    #[must_use]
    pub fn new(error: CredentialError, failure: Failure) -> Self {
        if error.counts_toward_throttle() {
            Self {
                error,
                failure: Some(failure),
                noted: None,
            }
        } else {
            Self::noted(error, failure)
        }
    }

    /// The attempt, counted or not.
    #[must_use]
    pub fn attempt(&self) -> Option<&Failure> {
        self.failure.as_ref().or(self.noted.as_deref())
    }

    /// A refused attempt that does not count toward throttling (throttled
    /// already, or a credential that verified and is refused for its own
    /// state): on the record, but costs nobody anything.
    #[must_use]
    pub fn noted(error: CredentialError, attempt: Failure) -> Self {
        Self {
            error,
            failure: None,
            noted: Some(alloc::boxed::Box::new(attempt)),
        }
    }

    /// A refusal that was no attempt (a configuration error).
    #[must_use]
    pub const fn uncounted(error: CredentialError) -> Self {
        Self {
            error,
            failure: None,
            noted: None,
        }
    }
}

impl From<Refusal> for CredentialError {
    fn from(refusal: Refusal) -> Self {
        refusal.error
    }
}
