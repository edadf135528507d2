//! QR tokens: compact signed text a cloud service issues and a locker
//! verifies offline with the same site key.
//!
//! # Layout (version 2)
//!
//! | offset | bytes | field |
//! | --- | --- | --- |
//! | 0 | 1 | version (`2`) |
//! | 1 | 1 | purpose ([`Purpose::code`]) |
//! | 2 | 2 | key id, big-endian |
//! | 4 | 8 | credential id (random), big-endian |
//! | 12 | 4 | issue time, unix seconds, big-endian (`u32`: until 2106) |
//! | 16 | 4 | expiry, unix seconds, big-endian (`u32`) |
//! | 20 | 1 | compartment count *n* (0 to 8) |
//! | 21 | 4 *n* | compartment ids, big-endian `u32` |
//! | 21 + 4 *n* | 12 | tag: HMAC-SHA256 over the bytes before it, truncated to 96 bits |
//!
//! The bytes are encoded in uppercase RFC 4648 base32 without padding:
//! 37 bytes → **60 characters** for one compartment, 41 bytes → **66
//! characters** for two. QR version 3 at level M holds 61 alphanumeric
//! characters (29 × 29 modules), so a pickup token for one compartment fits
//! it; larger tokens get a larger QR version.
//!
//! The issue time lets a locker tell a token the back end issued without
//! giving it the record (so naming no recipient) from a later delivery in
//! the same door: such a token opens its doors only until they are next
//! emptied after it was issued (see `Locker::pickup_qr`). Version 1 had no
//! issue time and is no longer read.
//!
//! The tag is 96 bits (at least 80 asked for): a forger's chance per try is
//! 2⁻⁹⁶, and tries are throttled. Identifiers are random; the token carries
//! no personal data (the recipient stays in the record, if any). Decoding is
//! canonical, so changing any character fails: either the text no longer
//! parses, or the tag no longer matches.

use alloc::vec::Vec;
use core::fmt;

use rand_core::CryptoRng;
use zeroize::{Zeroize, ZeroizeOnDrop};

use super::keys::{Domain, KeyPurpose};
use super::codec;
use super::keys::ct_eq_bytes;
use super::{
    Channel, CredentialError, CredentialId, CredentialKind, CredentialRecord, CredentialStore,
    Failure, Grant, KeyId, KeyRing, KioskId, Purpose, RecordStatus, Refusal, TokenParseError,
};
use crate::ids::{CompartmentId, RecipientId};

/// The token format version this build writes and reads.
pub const TOKEN_VERSION: u8 = 2;
/// How far ahead of a locker's clock an issuer's may run: a token the
/// locker has no record of, issued later than this ahead of its clock, is
/// not valid yet. (An issue time ahead would let the token outlive the
/// emptying of its door.)
pub const TOKEN_ISSUE_SKEW_S: u64 = 60;
/// Bytes of the truncated HMAC-SHA256 tag (96 bits).
pub const TOKEN_TAG_BYTES: usize = 12;
/// Most compartments one token may list.
pub const MAX_TOKEN_COMPARTMENTS: usize = 8;
/// Bytes before the compartment list.
const HEADER_BYTES: usize = 21;
/// Bytes per compartment id.
const COMPARTMENT_BYTES: usize = 4;
/// Smallest token (no compartment), in bytes.
const MIN_TOKEN_BYTES: usize = HEADER_BYTES + TOKEN_TAG_BYTES;
/// Largest token, in bytes.
const MAX_TOKEN_BYTES: usize =
    HEADER_BYTES + MAX_TOKEN_COMPARTMENTS * COMPARTMENT_BYTES + TOKEN_TAG_BYTES;
/// Smallest token, in characters.
const MIN_TOKEN_CHARS: usize = codec::encoded_len(MIN_TOKEN_BYTES);
/// Largest token, in characters.
pub const MAX_TOKEN_CHARS: usize = codec::encoded_len(MAX_TOKEN_BYTES);
/// Tag domain of QR tokens.
const TOKEN_DOMAIN: Domain = Domain::new(KeyPurpose::QrToken, b"lk/qr/1");

/// Characters of a token listing `compartments` compartments.
#[must_use]
pub const fn token_chars_for(compartments: usize) -> usize {
    codec::encoded_len(HEADER_BYTES + compartments * COMPARTMENT_BYTES + TOKEN_TAG_BYTES)
}

/// The text of a QR token: wiped on drop, redacted in `Debug`.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct TokenSecret {
    text: [u8; MAX_TOKEN_CHARS],
    len: u8,
}

impl TokenSecret {
    /// The token text (uppercase base32), to encode in a QR code.
    #[must_use]
    pub fn expose(&self) -> &str {
        let text = self.text.get(..usize::from(self.len)).unwrap_or_default();
        core::str::from_utf8(text).unwrap_or_default()
    }
}

impl fmt::Debug for TokenSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TokenSecret(<redacted>, {} chars)", self.len)
    }
}

/// A request for a QR token.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub struct TokenRequest {
    /// What the token allows.
    pub purpose: Purpose,
    /// Compartments it opens (at least one for pickup; at most 8).
    pub compartments: Vec<CompartmentId>,
    /// The recipient, kept in the record only (never in the token).
    pub recipient: Option<RecipientId>,
    /// End of validity (unix seconds, at most `u32::MAX`).
    pub expires_at_s: u64,
}

/// The fields of a token whose tag has been checked.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub struct TokenClaims {
    /// Format version.
    pub version: u8,
    /// The key that signed it.
    pub key_id: KeyId,
    /// The credential id.
    pub credential_id: CredentialId,
    /// What it allows.
    pub purpose: Purpose,
    /// Compartments it opens.
    pub compartments: Vec<CompartmentId>,
    /// When it was issued, on the issuer's clock (unix seconds).
    pub issued_at_s: u64,
    /// End of validity (unix seconds).
    pub expires_at_s: u64,
}

/// Issues a QR token with the newest key: the token text and its public
/// record (insert it where the locker can get it, or not at all: lockers
/// verify tokens without records).
///
/// # Errors
///
/// [`CredentialError::NoKeys`], [`CredentialError::BadExpiry`] (not after
/// `now_s`, or beyond 2106), [`CredentialError::InvalidRequest`] (more than
/// 8 compartments, one named twice, or a pickup token without one).
pub fn issue_token<R: CryptoRng + ?Sized>(
    keys: &KeyRing,
    rng: &mut R,
    request: &TokenRequest,
    now_s: u64,
) -> Result<(TokenSecret, CredentialRecord), CredentialError> {
    let count = request.compartments.len();
    if count > MAX_TOKEN_COMPARTMENTS {
        return Err(CredentialError::InvalidRequest {
            field: "compartments",
            reason: "at most 8 per token",
        });
    }
    super::check_distinct(&request.compartments)?;
    if count == 0 && request.purpose == Purpose::Pickup {
        return Err(CredentialError::InvalidRequest {
            field: "compartments",
            reason: "a pickup token opens at least one compartment",
        });
    }
    let expires_at_s = request.expires_at_s;
    let expiry = u32::try_from(expires_at_s)
        .ok()
        .filter(|_| expires_at_s > now_s)
        .ok_or(CredentialError::BadExpiry {
            expires_at_s,
            now_s,
        })?;
    // Below the expiry, so it fits u32 too.
    let issued = u32::try_from(now_s).unwrap_or(u32::MAX);
    let key = keys.newest()?;
    let id = CredentialId::random(rng);

    let mut bytes = [0u8; MAX_TOKEN_BYTES];
    bytes[0] = TOKEN_VERSION;
    bytes[1] = request.purpose.code();
    bytes[2..4].copy_from_slice(&key.id().0.to_be_bytes());
    bytes[4..12].copy_from_slice(&id.0.to_be_bytes());
    bytes[12..16].copy_from_slice(&issued.to_be_bytes());
    bytes[16..20].copy_from_slice(&expiry.to_be_bytes());
    bytes[20] = u8::try_from(count).unwrap_or(u8::MAX);
    for (slot, compartment) in bytes[HEADER_BYTES..]
        .chunks_exact_mut(COMPARTMENT_BYTES)
        .zip(&request.compartments)
    {
        slot.copy_from_slice(&compartment.0.to_be_bytes());
    }
    let body = HEADER_BYTES + count * COMPARTMENT_BYTES;
    let mut mac = key.mac(&TOKEN_DOMAIN, &[&bytes[..body]]);
    bytes[body..body + TOKEN_TAG_BYTES].copy_from_slice(&mac[..TOKEN_TAG_BYTES]);
    mac.zeroize();

    let mut secret = TokenSecret {
        text: [0; MAX_TOKEN_CHARS],
        len: 0,
    };
    let written = codec::encode(&bytes[..body + TOKEN_TAG_BYTES], &mut secret.text);
    secret.len = u8::try_from(written).unwrap_or(u8::MAX);
    bytes.zeroize();

    let record = CredentialRecord {
        id,
        key_id: key.id(),
        kind: CredentialKind::Token,
        purpose: request.purpose,
        compartments: request.compartments.clone(),
        recipient: request.recipient,
        valid_from_s: now_s,
        expires_at_s,
        status: RecordStatus::Active,
    };
    Ok((secret, record))
}

/// Parses token text into its claims (unverified) and its signed bytes.
fn parse(text: &str) -> Result<(TokenClaims, [u8; MAX_TOKEN_BYTES], usize), TokenParseError> {
    let len = if text.is_ascii() {
        text.len()
    } else {
        text.chars().count()
    };
    if len == 0 {
        return Err(TokenParseError::Empty);
    }
    if len < MIN_TOKEN_CHARS {
        return Err(TokenParseError::TooShort {
            len,
            min: MIN_TOKEN_CHARS,
        });
    }
    if len > MAX_TOKEN_CHARS {
        return Err(TokenParseError::TooLong {
            len,
            max: MAX_TOKEN_CHARS,
        });
    }
    let mut bytes = [0u8; MAX_TOKEN_BYTES];
    let actual = codec::decode(text, &mut bytes)?;
    let version = bytes[0];
    if version != TOKEN_VERSION {
        return Err(TokenParseError::UnsupportedVersion { version });
    }
    let purpose =
        Purpose::from_code(bytes[1]).ok_or(TokenParseError::UnknownPurpose { code: bytes[1] })?;
    let count = usize::from(bytes[20]);
    if count > MAX_TOKEN_COMPARTMENTS {
        return Err(TokenParseError::TooManyCompartments {
            count,
            max: MAX_TOKEN_COMPARTMENTS,
        });
    }
    let body = HEADER_BYTES + count * COMPARTMENT_BYTES;
    let expected = body + TOKEN_TAG_BYTES;
    if actual != expected {
        return Err(TokenParseError::LengthMismatch { expected, actual });
    }
    let be_u32 = |b: &[u8]| u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
    let mut id = [0u8; 8];
    id.copy_from_slice(&bytes[4..12]);
    let claims = TokenClaims {
        version,
        key_id: KeyId(u16::from_be_bytes([bytes[2], bytes[3]])),
        credential_id: CredentialId(u64::from_be_bytes(id)),
        purpose,
        compartments: bytes[HEADER_BYTES..body]
            .chunks_exact(COMPARTMENT_BYTES)
            .map(|c| CompartmentId(be_u32(c)))
            .collect(),
        issued_at_s: u64::from(be_u32(&bytes[12..16])),
        expires_at_s: u64::from(be_u32(&bytes[16..20])),
    };
    Ok((claims, bytes, body))
}

/// Checks a token's format, key, tag and expiry, with the key ring only (no
/// store: no spent list, no purpose check, no throttling). Lockers use
/// [`CredentialStore::verify_token`], which adds those.
///
/// # Errors
///
/// [`CredentialError::MalformedToken`], [`CredentialError::UnknownKeyId`],
/// [`CredentialError::Rejected`] (tag mismatch) or [`CredentialError::Expired`].
pub fn verify_token_offline(
    keys: &KeyRing,
    text: &str,
    now_s: u64,
) -> Result<TokenClaims, CredentialError> {
    let (claims, mut bytes, body) = parse(text)?;
    let key = keys.get(claims.key_id)?;
    let mut mac = key.mac(&TOKEN_DOMAIN, &[&bytes[..body]]);
    let tag = &mut bytes[body..body + TOKEN_TAG_BYTES];
    let ok = ct_eq_bytes(&mac[..TOKEN_TAG_BYTES], tag);
    mac[..TOKEN_TAG_BYTES].zeroize();
    tag.zeroize();
    if !ok {
        return Err(CredentialError::Rejected);
    }
    if now_s >= claims.expires_at_s {
        return Err(CredentialError::Expired {
            expired_at_s: claims.expires_at_s,
            now_s,
        });
    }
    Ok(claims)
}

impl CredentialStore {
    /// Verifies a scanned QR token for `expected` purpose, offline. Uses the
    /// token's record if the store has one (revocation, recipient), else the
    /// spent list. Never changes the store.
    ///
    /// # Errors
    ///
    /// A [`Refusal`] carrying [`CredentialError::Throttled`],
    /// [`CredentialError::MalformedToken`], [`CredentialError::UnknownKeyId`],
    /// [`CredentialError::Rejected`], [`CredentialError::Expired`],
    /// [`CredentialError::WrongPurpose`], [`CredentialError::AlreadyUsed`] or
    /// [`CredentialError::Revoked`].
    pub fn verify_token(
        &self,
        keys: &KeyRing,
        kiosk: KioskId,
        text: &str,
        expected: Purpose,
        now_s: u64,
    ) -> Result<Grant, Refusal> {
        self.verify_token_with_claims(keys, kiosk, text, expected, now_s)
            .map(|(grant, _)| grant)
    }

    /// As [`verify_token`](Self::verify_token), with the token's checked
    /// claims beside the grant (its issue time, which the grant does not
    /// carry).
    ///
    /// # Errors
    ///
    /// As [`verify_token`](Self::verify_token).
    pub fn verify_token_with_claims(
        &self,
        keys: &KeyRing,
        kiosk: KioskId,
        text: &str,
        expected: Purpose,
        now_s: u64,
    ) -> Result<(Grant, TokenClaims), Refusal> {
        let failure = Failure {
            at_s: now_s,
            channel: Channel::Qr,
            kiosk: Some(kiosk),
            recipient: None,
            credential: None,
        };
        self.throttle
            .check(&self.policy.throttle, failure.scopes(), now_s)
            .map_err(Refusal::uncounted)?;
        self.check_token(keys, text, expected, now_s)
            .map_err(|e| Refusal::new(e, failure))
    }

    fn check_token(
        &self,
        keys: &KeyRing,
        text: &str,
        expected: Purpose,
        now_s: u64,
    ) -> Result<(Grant, TokenClaims), CredentialError> {
        let claims = verify_token_offline(keys, text, now_s)?;
        if claims.purpose != expected {
            return Err(CredentialError::WrongPurpose {
                expected,
                actual: claims.purpose,
            });
        }
        let credential_id = claims.credential_id;
        let (compartments, recipient) = match self.records.get(&credential_id) {
            Some(record) if record.kind == CredentialKind::Token => {
                // Status only: the record's start is the issuer's clock, which
                // may run ahead of the locker's; expiry was checked above.
                record.check_status()?;
                (record.compartments.clone(), record.recipient)
            }
            Some(_) => return Err(CredentialError::Rejected),
            None => match self.spent_tokens.get(&credential_id) {
                Some(spent) if spent.revoked => {
                    return Err(CredentialError::Revoked { credential_id });
                }
                Some(_) => return Err(CredentialError::AlreadyUsed { credential_id }),
                None => (claims.compartments.clone(), None),
            },
        };
        let grant = Grant {
            credential_id,
            channel: Channel::Qr,
            purpose: claims.purpose,
            compartments,
            recipient,
            carrier: None,
            expires_at_s: claims.expires_at_s,
            single_use: true,
        };
        Ok((grant, claims))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn a_one_door_token_fits_qr_version_3_m() {
        assert_eq!(token_chars_for(1), 60);
        assert!(token_chars_for(1) <= 61);
        assert_eq!(token_chars_for(2), 66);
        assert_eq!(MIN_TOKEN_CHARS, 53);
        assert_eq!(MAX_TOKEN_CHARS, 104);
        const { assert!(TOKEN_TAG_BYTES * 8 >= 80) };
    }

    #[test]
    fn parse_errors_are_typed() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(3);
        let mut keys = KeyRing::new();
        keys.rotate(&mut rng).unwrap();
        let request = TokenRequest {
            purpose: Purpose::Pickup,
            compartments: alloc::vec![CompartmentId(7)],
            recipient: None,
            expires_at_s: 2_000,
        };
        let (token, _) = issue_token(&keys, &mut rng, &request, 1_000).unwrap();
        let text = token.expose();
        let err = |t: &str| verify_token_offline(&keys, t, 1_000).unwrap_err();
        assert_eq!(err(""), TokenParseError::Empty.into());
        assert_eq!(
            err("ABC"),
            TokenParseError::TooShort { len: 3, min: 53 }.into()
        );
        assert_eq!(
            err(&"A".repeat(105)),
            TokenParseError::TooLong { len: 105, max: 104 }.into()
        );
        let lower = text.to_lowercase();
        assert!(matches!(
            err(&lower),
            CredentialError::MalformedToken(TokenParseError::NotBase32 { position: 0, .. })
        ));
        let mut one = alloc::string::String::from(&text[..59]);
        one.push('1');
        assert!(matches!(
            err(&one),
            CredentialError::MalformedToken(TokenParseError::NotBase32 {
                position: 59,
                character: '1'
            })
        ));
        assert_eq!(
            verify_token_offline(&keys, text, 2_000).unwrap_err(),
            CredentialError::Expired {
                expired_at_s: 2_000,
                now_s: 2_000
            }
        );
        let claims = verify_token_offline(&keys, text, 1_999).unwrap();
        assert_eq!(claims.compartments, [CompartmentId(7)]);
        assert_eq!((claims.issued_at_s, claims.expires_at_s), (1_000, 2_000));
        keys.rotate(&mut rng).unwrap();
        keys.retire(claims.key_id).unwrap();
        assert_eq!(
            verify_token_offline(&keys, text, 1_000).unwrap_err(),
            CredentialError::UnknownKeyId {
                key_id: claims.key_id
            }
        );
    }
}
