//! Courier codes: one per carrier, valid in a time window, for drop-off
//! only (never pickup), each rotatable on its own.
//!
//! Rotation: generate a new code for the carrier and insert it; inserting it
//! revokes the carrier's previous code in the same step, other carriers'
//! codes are untouched.

use rand_core::CryptoRng;

use super::error::{CredentialError, Refusal};
use super::grant::{Channel, Grant, Purpose};
use super::id::{CarrierId, KioskId};
use super::keys::{Domain, KeyPurpose};
use super::keys::{KeyRing, SiteKey, Tag};
use super::pin::PinSecret;
use super::pin::parse_digits;
use super::record::{CredentialKind, CredentialRecord, RecordStatus};
use super::store::CredentialStore;
use super::throttle::Failure;

/// Digits of a courier code (10¹² codes: guessing is hopeless under the
/// bank-wide cap of failures).
pub const COURIER_CODE_DIGITS: u8 = 12;
/// Draws tried to find an unused courier code.
const MAX_COURIER_DRAWS: u32 = 16;
/// Tag domain of courier codes.
const COURIER_DOMAIN: Domain = Domain::new(KeyPurpose::CourierCode, b"lk/courier/1");

/// A request for a carrier's courier code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub struct CourierRequest {
    /// The carrier.
    pub carrier: CarrierId,
    /// Start of validity (unix seconds).
    pub valid_from_s: u64,
    /// End of validity (unix seconds).
    pub expires_at_s: u64,
}

fn code_tag(key: &SiteKey, legacy: bool, code: &[u8]) -> Tag {
    key.tag_as(legacy, &COURIER_DOMAIN, &[code])
}

impl CredentialStore {
    /// Generates a courier code for a carrier and its record. Inserting the
    /// record replaces (revokes) the carrier's current code. Does not change
    /// the store.
    ///
    /// # Errors
    ///
    /// [`CredentialError::NoKeys`], [`CredentialError::BadExpiry`] (window
    /// empty or over), [`CredentialError::PinSpaceExhausted`].
    pub fn generate_courier_code<R: CryptoRng + ?Sized>(
        &self,
        keys: &KeyRing,
        rng: &mut R,
        request: &CourierRequest,
        now_s: u64,
    ) -> Result<(PinSecret, CredentialRecord), CredentialError> {
        let expires_at_s = request.expires_at_s;
        if expires_at_s <= now_s.max(request.valid_from_s) {
            return Err(CredentialError::BadExpiry {
                expires_at_s,
                now_s,
            });
        }
        let key = keys.newest()?;
        for _ in 0..MAX_COURIER_DRAWS {
            let code = PinSecret::draw(rng, COURIER_CODE_DIGITS);
            let digits = code.expose().as_bytes();
            if self.tag_taken(keys, |k, legacy| code_tag(k, legacy, digits)) {
                continue;
            }
            let record = CredentialRecord {
                id: self.fresh_id(rng),
                key_id: key.id(),
                kind: CredentialKind::Courier {
                    carrier: request.carrier,
                    code_tag: code_tag(key, false, digits),
                },
                purpose: Purpose::CourierDropOff,
                compartments: alloc::vec::Vec::new(),
                recipient: None,
                valid_from_s: request.valid_from_s,
                expires_at_s: Some(expires_at_s),
                status: RecordStatus::Active,
            };
            return Ok((code, record));
        }
        Err(CredentialError::PinSpaceExhausted {
            draws: MAX_COURIER_DRAWS,
        })
    }

    /// Verifies a typed courier code. The grant is for drop-off only (no
    /// compartments: the allocator chooses) and names the carrier; the code
    /// stays valid after redeeming. Never changes the store.
    ///
    /// # Errors
    ///
    /// A [`Refusal`] carrying [`CredentialError::Throttled`],
    /// [`CredentialError::MalformedPin`], [`CredentialError::Rejected`],
    /// [`CredentialError::NotYetValid`], [`CredentialError::Expired`] or
    /// [`CredentialError::Revoked`] (rotated away).
    pub fn verify_courier(
        &self,
        keys: &KeyRing,
        kiosk: KioskId,
        code: &str,
        now_s: u64,
    ) -> Result<Grant, Refusal> {
        self.verify_courier_code(keys, kiosk, None, code, now_s)
    }

    /// Verifies a courier code typed with the carrier it is for (chosen on
    /// the kiosk's screen): only that carrier's code is looked at, and a
    /// wrong code counts against that carrier (and the kiosk), so a
    /// guesser naming one carrier never blocks another's couriers.
    ///
    /// # Errors
    ///
    /// As [`verify_courier`](Self::verify_courier).
    pub fn verify_courier_for(
        &self,
        keys: &KeyRing,
        kiosk: KioskId,
        carrier: CarrierId,
        code: &str,
        now_s: u64,
    ) -> Result<Grant, Refusal> {
        self.verify_courier_code(keys, kiosk, Some(carrier), code, now_s)
    }

    fn verify_courier_code(
        &self,
        keys: &KeyRing,
        kiosk: KioskId,
        carrier: Option<CarrierId>,
        code: &str,
        now_s: u64,
    ) -> Result<Grant, Refusal> {
        // Only carriers with a code get a scope of their own: naming
        // made-up carriers counts against the bank, and grows no state.
        let known = carrier.filter(|c| self.courier_by_carrier.contains_key(c));
        let failure = Failure {
            at_s: now_s,
            channel: Channel::Courier,
            kiosk: Some(kiosk),
            recipient: None,
            credential: None,
            carrier: known,
        };
        self.throttle
            .check(&self.policy.throttle, failure.scopes(), now_s)
            .map_err(|throttled| Refusal::noted(throttled, failure))?;
        self.check_courier(keys, carrier, code, now_s)
            .map_err(|e| Refusal::new(e, failure))
    }

    fn check_courier(
        &self,
        keys: &KeyRing,
        carrier: Option<CarrierId>,
        code: &str,
        now_s: u64,
    ) -> Result<Grant, CredentialError> {
        parse_digits(code, COURIER_CODE_DIGITS)?;
        if keys.is_empty() {
            return Err(CredentialError::NoKeys);
        }
        let (record, _) = self
            .find_by_tag(
                keys,
                |key, legacy| code_tag(key, legacy, code.as_bytes()),
                |kind| match kind {
                    CredentialKind::Courier { carrier: c, .. } => carrier.is_none_or(|n| n == *c),
                    _ => false,
                },
            )
            .ok_or(CredentialError::Rejected)?;
        record.check_usable(now_s)?;
        Ok(record.grant(Channel::Courier, alloc::vec::Vec::new()))
    }

    /// The carrier's active courier record, if any.
    #[must_use]
    pub fn courier_code_of(&self, carrier: CarrierId) -> Option<&CredentialRecord> {
        self.courier_by_carrier
            .get(&carrier)
            .and_then(|id| self.records.get(id))
            .map(alloc::sync::Arc::as_ref)
    }
}
