//! PINs: generated uniformly, unique on the site, stored only as keyed
//! tags, single use, with an expiry, bound to compartments and (by default)
//! to the unit number typed with them.
//!
//! Verification computes one HMAC-SHA256 per key in the ring (one, or two
//! during a rotation) and looks the tag up in a sorted map: constant time in the
//! secret, no scan over credentials. Tags are compared in constant time.

use core::fmt;

use rand_core::CryptoRng;
use zeroize::{Zeroize, ZeroizeOnDrop};

use super::delegation::DelegationScope;
use super::error::{CredentialError, PinParseError, Refusal};
use super::grant::{Channel, Grant, Purpose};
use super::id::{CredentialId, KioskId};
use super::keys::KeyId;
use super::keys::{Domain, KeyPurpose};
use super::keys::{KeyRing, SiteKey, Tag};
use super::record::{CredentialKind, CredentialRecord, RecordStatus};
use super::store::CredentialStore;
use super::throttle::Failure;
use crate::ids::{CompartmentId, RecipientId};
use alloc::vec::Vec;

/// Shortest PIN a policy may ask for.
pub const MIN_PIN_DIGITS: u8 = 4;
/// Longest PIN (or courier code) the module handles.
pub const MAX_PIN_DIGITS: u8 = 12;
/// Default PIN length (see the brute-force bound).
pub const DEFAULT_PIN_DIGITS: u8 = 8;
/// Default cap on active PINs per unit, delegations included.
const DEFAULT_MAX_ACTIVE_PINS_PER_UNIT: u32 = 3;
/// Draws tried to find a PIN no active credential uses.
const MAX_PIN_DRAWS: u32 = 64;
/// Random bytes below this map uniformly onto the ten digits (250 = 25 × 10).
const DIGIT_REJECTION_LIMIT: u8 = 250;
/// Random bytes drawn per refill when generating digits.
const DIGIT_DRAW_BYTES: usize = 16;
/// Tag domain: digits alone (lookup when PINs are not bound to units).
const PIN_LOOKUP_DOMAIN: Domain = Domain::new(KeyPurpose::PinTag, b"lk/pin/1");
/// Tag domain: unit and digits (lookup when PINs are bound to units).
const PIN_UNIT_LOOKUP_DOMAIN: Domain = Domain::new(KeyPurpose::PinTag, b"lk/pin-unit/1");
/// Tag domain: digits alone, for site-wide uniqueness.
const PIN_UNIQUE_DOMAIN: Domain = Domain::new(KeyPurpose::PinTag, b"lk/pin-uniq/1");

/// What is typed together with the PIN.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub enum PinBinding {
    /// The PIN alone: one guess tries every active PIN at once.
    Unbound,
    /// The unit number (mapped by the host to a [`RecipientId`]) and the
    /// PIN: one guess tries only that unit's PINs.
    Unit,
}

/// PIN rules of a site.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields, default))]
pub struct PinPolicy {
    /// Digits per PIN.
    pub digits: u8,
    /// What is typed with the PIN.
    pub binding: PinBinding,
    /// Active PINs (own and delegated) one unit may hold.
    pub max_active_per_unit: u32,
}

impl Default for PinPolicy {
    fn default() -> Self {
        Self {
            digits: DEFAULT_PIN_DIGITS,
            binding: PinBinding::Unit,
            max_active_per_unit: DEFAULT_MAX_ACTIVE_PINS_PER_UNIT,
        }
    }
}

impl PinPolicy {
    /// Checks the values.
    ///
    /// # Errors
    ///
    /// [`CredentialError::InvalidPolicy`] naming the bad field.
    pub fn validate(&self) -> Result<(), CredentialError> {
        if !(MIN_PIN_DIGITS..=MAX_PIN_DIGITS).contains(&self.digits) {
            return Err(CredentialError::InvalidPolicy {
                field: "pin.digits",
                reason: "must be 4 to 12",
            });
        }
        if self.max_active_per_unit == 0 {
            return Err(CredentialError::InvalidPolicy {
                field: "pin.max_active_per_unit",
                reason: "must be at least 1",
            });
        }
        Ok(())
    }
}

/// The digits of a PIN or courier code: wiped on drop, redacted in `Debug`.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct PinSecret {
    digits: [u8; MAX_PIN_DIGITS as usize],
    len: u8,
}

impl PinSecret {
    /// The digits, to show or send to the recipient once.
    #[must_use]
    pub fn expose(&self) -> &str {
        let digits = self.digits.get(..usize::from(self.len)).unwrap_or_default();
        core::str::from_utf8(digits).unwrap_or_default()
    }

    /// Number of digits.
    #[must_use]
    pub fn len(&self) -> usize {
        usize::from(self.len)
    }

    /// Whether there are no digits (never, for generated secrets).
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Uniform random digits (rejection sampling, no modulo bias).
    pub(crate) fn draw<R: CryptoRng + ?Sized>(rng: &mut R, digits: u8) -> Self {
        let len = digits.min(MAX_PIN_DIGITS);
        let mut secret = Self {
            digits: [0; MAX_PIN_DIGITS as usize],
            len,
        };
        let mut filled = 0usize;
        let mut bytes = [0u8; DIGIT_DRAW_BYTES];
        while filled < usize::from(len) {
            rng.fill_bytes(&mut bytes);
            for &byte in bytes.iter().filter(|&&b| b < DIGIT_REJECTION_LIMIT) {
                if let Some(slot) = secret.digits.get_mut(filled) {
                    *slot = b'0' + byte % 10;
                    filled += 1;
                }
            }
        }
        bytes.zeroize();
        secret
    }
}

impl fmt::Debug for PinSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PinSecret(<redacted>, {} digits)", self.len)
    }
}

/// A request for a resident's PIN.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub struct PinRequest {
    /// The recipient (unit) the PIN belongs to.
    pub recipient: RecipientId,
    /// The compartments it opens.
    pub compartments: Vec<CompartmentId>,
    /// What it allows (normally [`Purpose::Pickup`]).
    pub purpose: Purpose,
    /// End of validity (unix seconds).
    pub expires_at_s: u64,
}

/// A PIN typed at a kiosk.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct PinAttempt<'a> {
    /// Where.
    pub kiosk: KioskId,
    /// The unit typed with the PIN (required when PINs are bound to units).
    pub unit: Option<RecipientId>,
    /// The typed characters.
    pub pin: &'a str,
    /// What the user wants to do.
    pub purpose: Purpose,
}

impl fmt::Debug for PinAttempt<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PinAttempt")
            .field("kiosk", &self.kiosk)
            .field("unit", &self.unit)
            .field("pin", &"<redacted>")
            .field("purpose", &self.purpose)
            .finish()
    }
}

/// Checks that `input` is exactly `digits` ASCII digits.
pub(crate) fn parse_digits(input: &str, digits: u8) -> Result<(), PinParseError> {
    if input.is_empty() {
        return Err(PinParseError::Empty);
    }
    let expected = usize::from(digits);
    // The common case, byte by byte; the errors below count characters.
    if input.len() == expected && input.bytes().all(|b| b.is_ascii_digit()) {
        return Ok(());
    }
    let len = input.chars().count();
    if len != expected {
        return Err(PinParseError::WrongLength { len, expected });
    }
    match input.chars().position(|c| !c.is_ascii_digit()) {
        Some(position) => Err(PinParseError::NotDigit { position }),
        None => Ok(()),
    }
}

/// The lookup tag of PIN digits, bound to the unit when `unit` is given.
pub(crate) fn lookup_tag(
    key: &SiteKey,
    legacy: bool,
    unit: Option<RecipientId>,
    digits: &[u8],
) -> Tag {
    match unit {
        Some(unit) => key.tag_as(
            legacy,
            &PIN_UNIT_LOOKUP_DOMAIN,
            &[&unit.0.to_be_bytes(), digits],
        ),
        None => key.tag_as(legacy, &PIN_LOOKUP_DOMAIN, &[digits]),
    }
}

/// The uniqueness tag of PIN digits.
fn unique_tag(key: &SiteKey, legacy: bool, digits: &[u8]) -> Tag {
    key.tag_as(legacy, &PIN_UNIQUE_DOMAIN, &[digits])
}

impl CredentialStore {
    /// Generates a resident's PIN: the secret digits and the public record
    /// to [`insert`](Self::insert). Does not change the store.
    ///
    /// # Errors
    ///
    /// [`CredentialError::NoKeys`], [`CredentialError::BadExpiry`],
    /// [`CredentialError::InvalidRequest`] (no compartment),
    /// [`CredentialError::TooManyPins`] or [`CredentialError::PinSpaceExhausted`].
    pub fn generate_pin<R: CryptoRng + ?Sized>(
        &self,
        keys: &KeyRing,
        rng: &mut R,
        request: &PinRequest,
        now_s: u64,
    ) -> Result<(PinSecret, CredentialRecord), CredentialError> {
        let max = usize::try_from(self.policy.pin.max_active_per_unit).unwrap_or(usize::MAX);
        self.pin_record(keys, rng, request, now_s, Some(max))
    }

    /// A pickup PIN that replaces the recipient's own pickup PINs (the
    /// caller revokes them in the same change), so it is not held to the
    /// cap on active PINs: a drop-off never fails on the cap. (For the
    /// locker, which needs serde.)
    #[cfg(feature = "serde")]
    pub(crate) fn generate_replacing_pin<R: CryptoRng + ?Sized>(
        &self,
        keys: &KeyRing,
        rng: &mut R,
        request: &PinRequest,
        now_s: u64,
    ) -> Result<(PinSecret, CredentialRecord), CredentialError> {
        self.pin_record(keys, rng, request, now_s, None)
    }

    fn pin_record<R: CryptoRng + ?Sized>(
        &self,
        keys: &KeyRing,
        rng: &mut R,
        request: &PinRequest,
        now_s: u64,
        cap: Option<usize>,
    ) -> Result<(PinSecret, CredentialRecord), CredentialError> {
        if request.compartments.is_empty() {
            return Err(CredentialError::InvalidRequest {
                field: "compartments",
                reason: "a PIN opens at least one compartment",
            });
        }
        let (secret, key_id, lookup_tag, unique_tag) = self.draw_unique_pin(
            keys,
            rng,
            request.recipient,
            request.expires_at_s,
            now_s,
            cap,
        )?;
        let record = CredentialRecord {
            id: self.fresh_id(rng),
            key_id,
            kind: CredentialKind::Pin {
                lookup_tag,
                unique_tag,
            },
            purpose: request.purpose,
            compartments: request.compartments.clone(),
            recipient: Some(request.recipient),
            valid_from_s: now_s,
            expires_at_s: Some(request.expires_at_s),
            status: RecordStatus::Active,
        };
        Ok((secret, record))
    }

    /// Verifies a typed PIN. Never changes the store: redeem the grant once
    /// the door has opened; record the refusal's failure if there is one.
    ///
    /// # Errors
    ///
    /// A [`Refusal`] carrying [`CredentialError::Throttled`] (checked first,
    /// before the PIN is looked at), [`CredentialError::MalformedPin`],
    /// [`CredentialError::UnitRequired`], [`CredentialError::Rejected`]
    /// (wrong PIN or wrong unit), [`CredentialError::Expired`],
    /// [`CredentialError::AlreadyUsed`], [`CredentialError::Revoked`],
    /// [`CredentialError::WrongPurpose`] or [`CredentialError::NothingToCollect`].
    pub fn verify_pin(
        &self,
        keys: &KeyRing,
        attempt: &PinAttempt<'_>,
        now_s: u64,
    ) -> Result<Grant, Refusal> {
        let mut failure = Failure {
            at_s: now_s,
            channel: Channel::Pin,
            kiosk: Some(attempt.kiosk),
            recipient: attempt.unit,
            credential: None,
            carrier: None,
        };
        self.throttle
            .check(&self.policy.throttle, failure.scopes(), now_s)
            .map_err(|throttled| Refusal::noted(throttled, failure))?;
        self.check_pin(keys, attempt, now_s).map_err(|e| {
            // Only units the store knows get a scope of their own, so typing
            // made-up unit numbers cannot grow the throttle state.
            failure.recipient = failure.recipient.filter(|&unit| self.knows_recipient(unit));
            Refusal::new(e, failure)
        })
    }

    fn check_pin(
        &self,
        keys: &KeyRing,
        attempt: &PinAttempt<'_>,
        now_s: u64,
    ) -> Result<Grant, CredentialError> {
        parse_digits(attempt.pin, self.policy.pin.digits)?;
        let unit = match self.policy.pin.binding {
            super::PinBinding::Unit => Some(attempt.unit.ok_or(CredentialError::UnitRequired)?),
            super::PinBinding::Unbound => None,
        };
        if keys.is_empty() {
            return Err(CredentialError::NoKeys);
        }
        let digits = attempt.pin.as_bytes();
        let (record, _) = self
            .find_by_tag(
                keys,
                |key, legacy| lookup_tag(key, legacy, unit, digits),
                CredentialKind::is_pin,
            )
            .ok_or(CredentialError::Rejected)?;
        record.check_usable(now_s)?;
        if record.purpose != attempt.purpose {
            return Err(CredentialError::WrongPurpose {
                expected: attempt.purpose,
                actual: record.purpose,
            });
        }
        let compartments = match (&record.kind, record.recipient) {
            (
                CredentialKind::DelegatedPin {
                    scope: DelegationScope::AllParcels,
                    ..
                },
                Some(recipient),
            ) => {
                let compartments = self.pickup_compartments_of(recipient, now_s);
                if compartments.is_empty() {
                    return Err(CredentialError::NothingToCollect { recipient });
                }
                compartments
            }
            _ => record.compartments.clone(),
        };
        Ok(record.grant(Channel::Pin, compartments))
    }

    /// Draws PINs until one is unused under every key in the ring; returns
    /// it with the newest key's id and tags. With a `cap`, refuses when the
    /// recipient already holds that many active PINs.
    pub(crate) fn draw_unique_pin<R: CryptoRng + ?Sized>(
        &self,
        keys: &KeyRing,
        rng: &mut R,
        recipient: RecipientId,
        expires_at_s: u64,
        now_s: u64,
        cap: Option<usize>,
    ) -> Result<(PinSecret, KeyId, Tag, Tag), CredentialError> {
        if expires_at_s <= now_s {
            return Err(CredentialError::BadExpiry {
                expires_at_s,
                now_s,
            });
        }
        if let Some(cap) = cap
            && self.active_pins_of(recipient, now_s) >= cap
        {
            let max = u32::try_from(cap).unwrap_or(u32::MAX);
            return Err(CredentialError::TooManyPins { recipient, max });
        }
        let key = keys.newest()?;
        let unit = (self.policy.pin.binding == super::PinBinding::Unit).then_some(recipient);
        for _ in 0..MAX_PIN_DRAWS {
            let secret = PinSecret::draw(rng, self.policy.pin.digits);
            let digits = secret.expose().as_bytes();
            let legacy_too = !self.legacy.is_empty();
            let taken = keys.newest_first().any(|k| {
                self.unique_tag_in_use(&unique_tag(k, false, digits))
                    || (legacy_too && self.unique_tag_in_use(&unique_tag(k, true, digits)))
            });
            if !taken {
                let lookup = lookup_tag(key, false, unit, digits);
                let unique = unique_tag(key, false, digits);
                return Ok((secret, key.id(), lookup, unique));
            }
        }
        Err(CredentialError::PinSpaceExhausted {
            draws: MAX_PIN_DRAWS,
        })
    }

    /// A random credential id not used by any record or spent token.
    pub(crate) fn fresh_id<R: CryptoRng + ?Sized>(&self, rng: &mut R) -> CredentialId {
        loop {
            let id = CredentialId::random(rng);
            if !self.records.contains_key(&id) && !self.spent_tokens.contains_key(&id) {
                return id;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::format;
    use rand::SeedableRng;

    #[test]
    fn parse_gives_typed_errors() {
        assert_eq!(parse_digits("", 6), Err(PinParseError::Empty));
        assert_eq!(
            parse_digits("12345", 6),
            Err(PinParseError::WrongLength {
                len: 5,
                expected: 6
            })
        );
        assert_eq!(
            parse_digits("1234567", 6),
            Err(PinParseError::WrongLength {
                len: 7,
                expected: 6
            })
        );
        assert_eq!(
            parse_digits("12a456", 6),
            Err(PinParseError::NotDigit { position: 2 })
        );
        assert_eq!(parse_digits("123456", 6), Ok(()));
    }

    #[test]
    fn secrets_are_redacted_and_uniform_length() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(5);
        let pin = PinSecret::draw(&mut rng, 8);
        assert_eq!(pin.len(), 8);
        assert!(pin.expose().bytes().all(|b| b.is_ascii_digit()));
        let shown = format!("{pin:?}");
        assert!(!shown.contains(pin.expose()));
        let attempt = PinAttempt {
            kiosk: KioskId(1),
            unit: None,
            pin: pin.expose(),
            purpose: Purpose::Pickup,
        };
        assert!(!format!("{attempt:?}").contains(pin.expose()));
    }
}
