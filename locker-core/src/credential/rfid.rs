//! RFID tags: a tag UID registered to a recipient (stored as a keyed tag);
//! a tap opens all of that recipient's compartments. Tag UIDs can be cloned,
//! so a policy may require the tag's own PIN with every tap.

use core::fmt;

use rand_core::CryptoRng;

use super::error::{CredentialError, Refusal};
use super::grant::{Channel, Grant, Purpose};
use super::id::CredentialId;
use super::id::KioskId;
use super::keys::{Domain, KeyPurpose};
use super::keys::{KeyRing, SiteKey, Tag};
use super::pin::PinSecret;
use super::pin::parse_digits;
use super::record::{CredentialKind, CredentialRecord, RecordStatus};
use super::store::CredentialStore;
use super::throttle::ScopeKey;
use super::throttle::{Failure, Subject};
use crate::ids::RecipientId;

/// Shortest UID accepted (ISO 14443 single-size UID).
pub const MIN_RFID_UID_BYTES: usize = 4;
/// Longest UID accepted (ISO 14443 triple-size UID).
pub const MAX_RFID_UID_BYTES: usize = 10;
/// Default length of an RFID tag's PIN.
const DEFAULT_RFID_PIN_DIGITS: u8 = 6;
/// Tag domain of RFID UIDs.
const RFID_UID_DOMAIN: Domain = Domain::new(KeyPurpose::RfidTag, b"lk/rfid/1");
/// Tag domain of RFID tag PINs.
const RFID_PIN_DOMAIN: Domain = Domain::new(KeyPurpose::PinTag, b"lk/rfid-pin/1");

/// RFID rules of a site.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields, default))]
pub struct RfidPolicy {
    /// Every tag needs its PIN with each tap (defence against cloned UIDs).
    /// Off by default; tags registered with a PIN always need it.
    pub require_pin: bool,
    /// Digits of a tag's PIN (per-tag throttling caps guesses at 5 a day).
    pub pin_digits: u8,
}

impl Default for RfidPolicy {
    fn default() -> Self {
        Self {
            require_pin: false,
            pin_digits: DEFAULT_RFID_PIN_DIGITS,
        }
    }
}

impl RfidPolicy {
    /// Checks the values.
    ///
    /// # Errors
    ///
    /// [`CredentialError::InvalidPolicy`] naming the bad field.
    pub fn validate(&self) -> Result<(), CredentialError> {
        if !(super::MIN_PIN_DIGITS..=super::MAX_PIN_DIGITS).contains(&self.pin_digits) {
            return Err(CredentialError::InvalidPolicy {
                field: "rfid.pin_digits",
                reason: "must be 4 to 12",
            });
        }
        Ok(())
    }
}

/// A request to register a tag.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub struct RfidRequest {
    /// Whose tag it is.
    pub recipient: RecipientId,
    /// Give the tag a PIN even if the policy does not require one.
    pub with_pin: bool,
    /// End of validity (unix seconds); `None` for a tag without an end date.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub expires_at_s: Option<u64>,
}

/// A tap on the reader.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct RfidTap<'a> {
    /// Where.
    pub kiosk: KioskId,
    /// The UID read from the tag.
    pub uid: &'a [u8],
    /// The tag's PIN, if typed.
    pub pin: Option<&'a str>,
}

impl fmt::Debug for RfidTap<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RfidTap")
            .field("kiosk", &self.kiosk)
            .field("uid", &"<redacted>")
            .field("pin", &self.pin.map(|_| "<redacted>"))
            .finish()
    }
}

fn check_uid(uid: &[u8]) -> Result<(), CredentialError> {
    if (MIN_RFID_UID_BYTES..=MAX_RFID_UID_BYTES).contains(&uid.len()) {
        Ok(())
    } else {
        Err(CredentialError::MalformedRfidUid {
            len: uid.len(),
            min: MIN_RFID_UID_BYTES,
            max: MAX_RFID_UID_BYTES,
        })
    }
}

fn uid_tag(key: &SiteKey, legacy: bool, uid: &[u8]) -> Tag {
    key.tag_as(legacy, &RFID_UID_DOMAIN, &[uid])
}

fn pin_tag(key: &SiteKey, legacy: bool, id: CredentialId, pin: &[u8]) -> Tag {
    key.tag_as(legacy, &RFID_PIN_DOMAIN, &[&id.0.to_be_bytes(), pin])
}

impl CredentialStore {
    /// Generates the record registering tag `uid` to a recipient, and the
    /// tag's PIN when one is required. Does not change the store.
    ///
    /// # Errors
    ///
    /// [`CredentialError::MalformedRfidUid`], [`CredentialError::NoKeys`],
    /// [`CredentialError::BadExpiry`], or [`CredentialError::TagCollision`]
    /// if the UID is already registered.
    pub fn generate_rfid<R: CryptoRng + ?Sized>(
        &self,
        keys: &KeyRing,
        rng: &mut R,
        uid: &[u8],
        request: &RfidRequest,
        now_s: u64,
    ) -> Result<(Option<PinSecret>, CredentialRecord), CredentialError> {
        check_uid(uid)?;
        let expires_at_s = request.expires_at_s;
        if let Some(expires_at_s) = expires_at_s.filter(|&end_s| end_s <= now_s) {
            return Err(CredentialError::BadExpiry {
                expires_at_s,
                now_s,
            });
        }
        let key = keys.newest()?;
        let id = self.fresh_id(rng);
        if self.tag_taken(keys, |k, legacy| uid_tag(k, legacy, uid)) {
            return Err(CredentialError::TagCollision { credential_id: id });
        }
        let pin = (request.with_pin || self.policy.rfid.require_pin)
            .then(|| PinSecret::draw(rng, self.policy.rfid.pin_digits));
        let record = CredentialRecord {
            id,
            key_id: key.id(),
            kind: CredentialKind::Rfid {
                uid_tag: uid_tag(key, false, uid),
                pin_tag: pin
                    .as_ref()
                    .map(|p| pin_tag(key, false, id, p.expose().as_bytes())),
            },
            purpose: Purpose::Pickup,
            compartments: alloc::vec::Vec::new(),
            recipient: Some(request.recipient),
            valid_from_s: now_s,
            expires_at_s,
            status: RecordStatus::Active,
        };
        Ok((pin, record))
    }

    /// Verifies a tap: the grant opens every compartment of the tag's
    /// recipient. Never changes the store; the tag itself stays valid after
    /// redeeming (it spends the recipient's pickup credentials).
    ///
    /// # Errors
    ///
    /// A [`Refusal`] carrying [`CredentialError::Throttled`],
    /// [`CredentialError::MalformedRfidUid`], [`CredentialError::Rejected`]
    /// (unknown tag or wrong PIN), [`CredentialError::PinRequired`] (ask for
    /// it and tap again; not counted), [`CredentialError::MalformedPin`],
    /// [`CredentialError::Expired`], [`CredentialError::Revoked`] or
    /// [`CredentialError::NothingToCollect`].
    pub fn verify_rfid(
        &self,
        keys: &KeyRing,
        tap: &RfidTap<'_>,
        now_s: u64,
    ) -> Result<Grant, Refusal> {
        let mut failure = Failure {
            at_s: now_s,
            channel: Channel::Rfid,
            kiosk: Some(tap.kiosk),
            recipient: None,
            credential: None,
            carrier: None,
        };
        let throttle = &self.policy.throttle;
        if keys.is_empty() {
            return Err(Refusal::uncounted(CredentialError::NoKeys));
        }
        let found = check_uid(tap.uid).and_then(|()| {
            self.find_by_tag(
                keys,
                |key, legacy| uid_tag(key, legacy, tap.uid),
                |kind| matches!(kind, CredentialKind::Rfid { .. }),
            )
            .ok_or(CredentialError::Rejected)
        });
        let (record, key) = match found {
            Ok(found) => found,
            // An unknown tag (or junk from the reader): slowed at this
            // kiosk only; a registered tag never is.
            Err(error) => {
                self.throttle
                    .check(throttle, failure.scopes(), now_s)
                    .map_err(|throttled| Refusal::noted(throttled, failure))?;
                return Err(Refusal::new(error, failure));
            }
        };
        // From here on the tag is known: its failures count against it
        // alone.
        failure.credential = Some(record.id);
        record
            .check_usable(now_s)
            .map_err(|e| Refusal::noted(e, failure))?;
        let CredentialKind::Rfid {
            pin_tag: stored_pin,
            ..
        } = &record.kind
        else {
            return Err(Refusal::new(CredentialError::Rejected, failure));
        };
        if stored_pin.is_some() || self.policy.rfid.require_pin {
            // Guessing a stolen tag's PIN is slowed, and capped, per tag.
            let scope = ScopeKey {
                channel: Channel::Rfid,
                subject: Subject::Credential(record.id),
            };
            self.throttle
                .check(throttle, [scope], now_s)
                .map_err(|throttled| Refusal::noted(throttled, failure))?;
            let pin = tap
                .pin
                .ok_or(Refusal::noted(CredentialError::PinRequired, failure))?;
            let stored = stored_pin.ok_or(Refusal::noted(CredentialError::PinRequired, failure))?;
            parse_digits(pin, self.policy.rfid.pin_digits)
                .map_err(|e| Refusal::new(e.into(), failure))?;
            let legacy = self.is_legacy(record.id);
            if !pin_tag(key, legacy, record.id, pin.as_bytes()).ct_eq(&stored) {
                return Err(Refusal::new(CredentialError::Rejected, failure));
            }
        }
        let recipient = record
            .recipient
            .ok_or(Refusal::noted(CredentialError::Rejected, failure))?;
        let compartments = self.pickup_compartments_of(recipient, now_s);
        if compartments.is_empty() {
            return Err(Refusal::noted(
                CredentialError::NothingToCollect { recipient },
                failure,
            ));
        }
        Ok(record.grant(Channel::Rfid, compartments))
    }
}
