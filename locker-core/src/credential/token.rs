//! QR tokens: compact signed text a cloud service (or the locker itself)
//! issues and a locker verifies offline.
//!
//! # Layout (version 3)
//!
//! | offset | bytes | field |
//! | --- | --- | --- |
//! | 0 | 1 | version (`3`) |
//! | 1 | 1 | purpose ([`Purpose::code`]) |
//! | 2 | 2 | key id, big-endian |
//! | 4 | 8 | credential id (random), big-endian |
//! | 12 | 4 | issue time, unix seconds, big-endian (`u32`: until 2106) |
//! | 16 | 4 | expiry, unix seconds, big-endian (`u32`) |
//! | 20 | 1 | flags: bit 0 a recipient follows, bit 1 an Ed25519 signature ends the token |
//! | 21 | 8 | recipient, big-endian (only with flag bit 0) |
//! | 21 or 29 | 1 | compartment count *n* (0 to 8) |
//! | … | 4 *n* | compartment ids, big-endian `u32` |
//! | … | 12 or 64 | HMAC-SHA256 under the site's token key, truncated to 96 bits, or an Ed25519 signature by a back end ([`IssuerSigningKey`](super::IssuerSigningKey)) |
//!
//! The tag or signature covers the bank's id (8 bytes, not carried: the
//! verifying bank puts in its own, so a token opens nothing at another
//! bank) and every byte before it. Encoded in uppercase RFC 4648 base32
//! without padding: a pickup token for one compartment and its recipient
//! is 46 bytes, **74 characters**, which QR version 4 at level M holds
//! (90 alphanumeric characters, 33 × 33 modules; up to three doors);
//! signed with Ed25519 it is 98 bytes, 157 characters (version 7-M).
//!
//! A token names its recipient: the locker opens only doors holding that
//! recipient's parcels. A token the back end issued without giving the
//! locker its record must name one, opens its doors only until they are
//! next emptied after it was issued (see `Locker::pickup_qr`), and counts
//! against [`TokenPolicy`]'s caps, so a stolen key opens at most that many
//! doors before someone notices.
//!
//! The locker's own tokens ([`issue_recorded_token`]) end in 96 random bits,
//! not a tag: their record holds only a digest of them (SHA-256 of the
//! bank, the token's bytes and the secret). Neither the journal nor the
//! site key makes such a token, so a stolen key mints nothing with the id
//! of a parcel's token: a token naming an id whose record holds a digest
//! opens only with the secret. The carrier's return tokens name no
//! recipient.
//!
//! Version 2 (no flags, no recipient, a tag under the site secret itself
//! and not covering the bank) is read only for a token whose record a
//! legacy journal holds. Version 1 is no longer read.
//!
//! The tag is 96 bits (at least 80 asked for): a forger's chance per try is
//! 2⁻⁹⁶. Identifiers are random. Decoding is canonical, so changing any
//! character fails: either the text no longer parses, or the tag no longer
//! matches.

use alloc::vec::Vec;
use core::fmt;

use rand_core::CryptoRng;
use zeroize::{Zeroize, ZeroizeOnDrop};

use super::codec;
use super::error::{CredentialError, Refusal, TokenParseError};
use super::grant::{Channel, Grant, Purpose};
use super::id::{CredentialId, KioskId};
use super::issuer::SignatureBytes;
use super::keys::{Domain, KeyPurpose, ct_eq_bytes};
use super::keys::{KeyId, KeyRing, Tag};
use super::record::{CredentialKind, CredentialRecord, RecordStatus};
use super::remote::BankId;
use super::store::CredentialStore;
use super::throttle::Failure;
use crate::ids::{CompartmentId, RecipientId};

/// The token format version this build writes.
pub const TOKEN_VERSION: u8 = 3;
/// The version before bank and recipient binding, read for legacy records.
const LEGACY_TOKEN_VERSION: u8 = 2;
/// How far ahead of a locker's clock an issuer's may run: a token the
/// locker has no record of, issued later than this ahead of its clock, is
/// not valid yet. (An issue time ahead would let the token outlive the
/// emptying of its door.)
pub const TOKEN_ISSUE_SKEW_S: u64 = 60;
/// Bytes of the truncated HMAC-SHA256 tag (96 bits).
pub const TOKEN_TAG_BYTES: usize = 12;
/// Most compartments one token may list.
pub const MAX_TOKEN_COMPARTMENTS: usize = 8;
/// Flag: a recipient follows the flags.
const FLAG_RECIPIENT: u8 = 1;
/// Flag: an Ed25519 signature, not an HMAC tag, ends the token.
const FLAG_ED25519: u8 = 2;
/// Bytes before the flags.
const FIXED_BYTES: usize = 20;
/// Bytes of a recipient.
const RECIPIENT_BYTES: usize = 8;
/// Bytes per compartment id.
const COMPARTMENT_BYTES: usize = 4;
/// Bytes before the compartment list in version 2.
const LEGACY_HEADER_BYTES: usize = 21;
/// Smallest token (version 2, no compartment), in bytes.
const MIN_TOKEN_BYTES: usize = LEGACY_HEADER_BYTES + TOKEN_TAG_BYTES;
/// Largest token, in bytes.
const MAX_TOKEN_BYTES: usize = FIXED_BYTES
    + 1
    + RECIPIENT_BYTES
    + 1
    + MAX_TOKEN_COMPARTMENTS * COMPARTMENT_BYTES
    + super::ISSUER_SIGNATURE_BYTES;
/// Smallest token, in characters.
const MIN_TOKEN_CHARS: usize = codec::encoded_len(MIN_TOKEN_BYTES);
/// Largest token, in characters.
pub const MAX_TOKEN_CHARS: usize = codec::encoded_len(MAX_TOKEN_BYTES);
/// Tag domain of QR tokens (version 3).
const TOKEN_DOMAIN: Domain = Domain::new(KeyPurpose::QrToken, b"lk/qr/3");
/// Tag domain of version-2 tokens (under the site secret itself).
const LEGACY_TOKEN_DOMAIN: Domain = Domain::new(KeyPurpose::QrToken, b"lk/qr/1");
/// Signature domain of QR tokens signed with Ed25519.
const SIGNED_TOKEN_DOMAIN: &[u8] = b"lk/qr-ed/3";
/// Digest domain of the secrets that end the locker's own tokens.
const SECRET_DIGEST_DOMAIN: &[u8] = b"lk/qr-secret/3";

/// Characters of a token listing `compartments` compartments and naming
/// a recipient, with an HMAC tag.
#[must_use]
pub const fn token_chars_for(compartments: usize) -> usize {
    codec::encoded_len(
        FIXED_BYTES + 2 + RECIPIENT_BYTES + compartments * COMPARTMENT_BYTES + TOKEN_TAG_BYTES,
    )
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

    /// The token of `bytes`, encoded.
    fn encode(bytes: &[u8]) -> Self {
        let mut secret = Self {
            text: [0; MAX_TOKEN_CHARS],
            len: 0,
        };
        let written = codec::encode(bytes, &mut secret.text);
        secret.len = u8::try_from(written).unwrap_or(u8::MAX);
        secret
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
    /// The bank it opens doors of (tokens open nothing at another bank).
    #[cfg_attr(feature = "serde", serde(default))]
    pub bank: BankId,
    /// What the token allows.
    pub purpose: Purpose,
    /// Compartments it opens (at least one for pickup; at most 8).
    pub compartments: Vec<CompartmentId>,
    /// The recipient whose parcels it collects: the locker opens only doors
    /// holding their parcels. Required for a pickup token issued without
    /// a record; `None` for the carrier's return token.
    pub recipient: Option<RecipientId>,
    /// End of validity (unix seconds, at most `u32::MAX`).
    pub expires_at_s: u64,
}

/// Who signed a token.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum TokenSigner {
    /// An HMAC tag under the site's token key.
    Site,
    /// An Ed25519 signature by a back end.
    Issuer,
    /// A version-2 tag under the site secret itself (a legacy record).
    Legacy,
}

/// The fields of a token whose tag or signature has been checked.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub struct TokenClaims {
    /// Format version.
    pub version: u8,
    /// The key that signed it (a site key, or an issuer's).
    pub key_id: KeyId,
    /// Who signed it.
    pub signer: TokenSigner,
    /// The credential id.
    pub credential_id: CredentialId,
    /// What it allows.
    pub purpose: Purpose,
    /// Whose parcels it collects, if it names anyone.
    pub recipient: Option<RecipientId>,
    /// Compartments it opens.
    pub compartments: Vec<CompartmentId>,
    /// When it was issued, on the issuer's clock (unix seconds).
    pub issued_at_s: u64,
    /// End of validity (unix seconds).
    pub expires_at_s: u64,
}

/// What ends a token.
enum Seal {
    Tag([u8; TOKEN_TAG_BYTES]),
    Signature(SignatureBytes),
}

/// A parsed token: its claims (unchecked), the bytes its seal covers, and
/// the seal.
struct Parsed {
    claims: TokenClaims,
    bytes: [u8; MAX_TOKEN_BYTES],
    signed_len: usize,
    seal: Seal,
}

impl Drop for Parsed {
    fn drop(&mut self) {
        self.bytes.zeroize();
        if let Seal::Tag(tag) = &mut self.seal {
            tag.zeroize();
        }
    }
}

/// Issues a QR token with the newest site key: the token text and its
/// public record (insert it where the locker can get it, or not at all:
/// lockers verify tokens without records, within their caps).
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
    let key = keys.newest()?;
    let id = CredentialId::random(rng);
    let (mut bytes, len) = body(request, key.id(), id, now_s, 0)?;
    let mut mac = key.mac(
        &TOKEN_DOMAIN,
        &[&request.bank.0.to_be_bytes(), &bytes[..len]],
    );
    bytes[len..len + TOKEN_TAG_BYTES].copy_from_slice(&mac[..TOKEN_TAG_BYTES]);
    mac.zeroize();
    let secret = TokenSecret::encode(&bytes[..len + TOKEN_TAG_BYTES]);
    bytes.zeroize();
    Ok((secret, record(request, key.id(), id, now_s)))
}

/// Issues a QR token that only its record verifies: the locker's own
/// tokens. It ends in 96 random bits where other tokens carry a tag, and
/// the record holds only their digest, so neither the record (journaled,
/// public) nor the site key makes the token: a stolen key mints nothing
/// that opens a door such a token opens. The token does not verify
/// without its record ([`verify_token_offline`] refuses it).
///
/// # Errors
///
/// As [`issue_token`].
pub fn issue_recorded_token<R: CryptoRng + ?Sized>(
    keys: &KeyRing,
    rng: &mut R,
    request: &TokenRequest,
    now_s: u64,
) -> Result<(TokenSecret, CredentialRecord), CredentialError> {
    // The key id is carried for the format's sake; no key makes the seal.
    let key_id = keys.newest()?.id();
    let id = CredentialId::random(rng);
    let (mut bytes, len) = body(request, key_id, id, now_s, 0)?;
    let mut secret = [0_u8; TOKEN_TAG_BYTES];
    rng.fill_bytes(&mut secret);
    bytes[len..len + TOKEN_TAG_BYTES].copy_from_slice(&secret);
    let digest = secret_digest(request.bank, &bytes[..len], &secret);
    secret.zeroize();
    let text = TokenSecret::encode(&bytes[..len + TOKEN_TAG_BYTES]);
    bytes.zeroize();
    let mut record = record(request, key_id, id, now_s);
    record.kind = CredentialKind::Token {
        secret_digest: Some(digest),
    };
    Ok((text, record))
}

/// The digest a record keeps of the secret that ends one of the locker's
/// own tokens: SHA-256 over the bank, the token's bytes and the secret
/// (a preimage, not a MAC: no key recomputes it).
fn secret_digest(bank: BankId, signed: &[u8], secret: &[u8]) -> Tag {
    use sha2::{Digest as _, Sha256};
    let mut hasher = Sha256::new();
    hasher.update(SECRET_DIGEST_DOMAIN);
    hasher.update(bank.0.to_be_bytes());
    hasher.update(signed);
    hasher.update(secret);
    Tag(hasher.finalize().into())
}

/// Issues a QR token signed with a back end's Ed25519 key, for banks that
/// list its public key ([`CredentialPolicy::issuers`](super::CredentialPolicy::issuers)).
/// A pickup token must name its recipient.
///
/// # Errors
///
/// As [`issue_token`], and [`CredentialError::InvalidRequest`] for a
/// pickup token naming no recipient.
#[cfg(feature = "ed25519")]
pub fn issue_token_signed<R: CryptoRng + ?Sized>(
    signer: &super::IssuerSigningKey,
    rng: &mut R,
    request: &TokenRequest,
    now_s: u64,
) -> Result<(TokenSecret, CredentialRecord), CredentialError> {
    if request.purpose == Purpose::Pickup && request.recipient.is_none() {
        return Err(CredentialError::InvalidRequest {
            field: "recipient",
            reason: "a token without a record names its recipient",
        });
    }
    let id = CredentialId::random(rng);
    let (mut bytes, len) = body(request, signer.id(), id, now_s, FLAG_ED25519)?;
    let signature = signer.sign(
        SIGNED_TOKEN_DOMAIN,
        &[&request.bank.0.to_be_bytes(), &bytes[..len]],
    );
    let end = len + super::ISSUER_SIGNATURE_BYTES;
    bytes[len..end].copy_from_slice(&signature.0);
    let secret = TokenSecret::encode(&bytes[..end]);
    bytes.zeroize();
    Ok((secret, record(request, signer.id(), id, now_s)))
}

/// The bytes a token's seal covers (bank excepted), and their length.
fn body(
    request: &TokenRequest,
    key_id: KeyId,
    id: CredentialId,
    now_s: u64,
    flags: u8,
) -> Result<([u8; MAX_TOKEN_BYTES], usize), CredentialError> {
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
    let mut bytes = [0u8; MAX_TOKEN_BYTES];
    bytes[0] = TOKEN_VERSION;
    bytes[1] = request.purpose.code();
    bytes[2..4].copy_from_slice(&key_id.0.to_be_bytes());
    bytes[4..12].copy_from_slice(&id.0.to_be_bytes());
    bytes[12..16].copy_from_slice(&issued.to_be_bytes());
    bytes[16..20].copy_from_slice(&expiry.to_be_bytes());
    let mut at = FIXED_BYTES + 1;
    if let Some(recipient) = request.recipient {
        bytes[FIXED_BYTES] = flags | FLAG_RECIPIENT;
        bytes[at..at + RECIPIENT_BYTES].copy_from_slice(&recipient.0.to_be_bytes());
        at += RECIPIENT_BYTES;
    } else {
        bytes[FIXED_BYTES] = flags;
    }
    bytes[at] = u8::try_from(count).unwrap_or(u8::MAX);
    at += 1;
    for compartment in &request.compartments {
        bytes[at..at + COMPARTMENT_BYTES].copy_from_slice(&compartment.0.to_be_bytes());
        at += COMPARTMENT_BYTES;
    }
    Ok((bytes, at))
}

/// The public record of a token just issued.
fn record(request: &TokenRequest, key_id: KeyId, id: CredentialId, now_s: u64) -> CredentialRecord {
    CredentialRecord {
        id,
        key_id,
        kind: CredentialKind::Token {
            secret_digest: None,
        },
        purpose: request.purpose,
        compartments: request.compartments.clone(),
        recipient: request.recipient,
        valid_from_s: now_s,
        expires_at_s: Some(request.expires_at_s),
        status: RecordStatus::Active,
    }
}

/// Parses token text into its claims (unchecked) and its sealed bytes.
fn parse(text: &str) -> Result<Parsed, TokenParseError> {
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
    let (flags, mut at) = match version {
        TOKEN_VERSION => (bytes[FIXED_BYTES], FIXED_BYTES + 1),
        LEGACY_TOKEN_VERSION => (0, FIXED_BYTES),
        _ => return Err(TokenParseError::UnsupportedVersion { version }),
    };
    if flags & !(FLAG_RECIPIENT | FLAG_ED25519) != 0 {
        return Err(TokenParseError::UnknownFlags { flags });
    }
    let purpose =
        Purpose::from_code(bytes[1]).ok_or(TokenParseError::UnknownPurpose { code: bytes[1] })?;
    let be_u32 = |b: &[u8]| u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
    let be_u64 = |b: &[u8]| {
        let mut word = [0u8; 8];
        word.copy_from_slice(&b[..8]);
        u64::from_be_bytes(word)
    };
    let recipient = if flags & FLAG_RECIPIENT != 0 {
        let recipient = RecipientId(be_u64(&bytes[at..]));
        at += RECIPIENT_BYTES;
        Some(recipient)
    } else {
        None
    };
    let count = usize::from(bytes[at]);
    at += 1;
    if count > MAX_TOKEN_COMPARTMENTS {
        return Err(TokenParseError::TooManyCompartments {
            count,
            max: MAX_TOKEN_COMPARTMENTS,
        });
    }
    let signed_len = at + count * COMPARTMENT_BYTES;
    let seal_len = if flags & FLAG_ED25519 != 0 {
        super::ISSUER_SIGNATURE_BYTES
    } else {
        TOKEN_TAG_BYTES
    };
    let expected = signed_len + seal_len;
    if actual != expected {
        return Err(TokenParseError::LengthMismatch { expected, actual });
    }
    let seal = if flags & FLAG_ED25519 != 0 {
        let mut signature = [0u8; super::ISSUER_SIGNATURE_BYTES];
        signature.copy_from_slice(&bytes[signed_len..expected]);
        Seal::Signature(SignatureBytes(signature))
    } else {
        let mut tag = [0u8; TOKEN_TAG_BYTES];
        tag.copy_from_slice(&bytes[signed_len..expected]);
        Seal::Tag(tag)
    };
    let signer = match (&seal, version) {
        (Seal::Signature(_), _) => TokenSigner::Issuer,
        (Seal::Tag(_), LEGACY_TOKEN_VERSION) => TokenSigner::Legacy,
        (Seal::Tag(_), _) => TokenSigner::Site,
    };
    let claims = TokenClaims {
        version,
        key_id: KeyId(u16::from_be_bytes([bytes[2], bytes[3]])),
        signer,
        credential_id: CredentialId(be_u64(&bytes[4..12])),
        purpose,
        recipient,
        compartments: bytes[at..signed_len]
            .chunks_exact(COMPARTMENT_BYTES)
            .map(|c| CompartmentId(be_u32(c)))
            .collect(),
        issued_at_s: u64::from(be_u32(&bytes[12..16])),
        expires_at_s: u64::from(be_u32(&bytes[16..20])),
    };
    Ok(Parsed {
        claims,
        bytes,
        signed_len,
        seal,
    })
}

impl Parsed {
    /// Checks the secret that ends one of the locker's own tokens against
    /// its record's digest (constant time).
    fn check_secret(&self, bank: BankId, digest: &Tag) -> Result<(), CredentialError> {
        let Seal::Tag(secret) = &self.seal else {
            return Err(CredentialError::Rejected);
        };
        if self.claims.signer != TokenSigner::Site {
            return Err(CredentialError::Rejected);
        }
        let found = secret_digest(bank, &self.bytes[..self.signed_len], secret);
        if ct_eq_bytes(&found.0, &digest.0) {
            Ok(())
        } else {
            Err(CredentialError::Rejected)
        }
    }

    /// Checks the seal: a site tag under `keys` (for `bank`), a version-2
    /// tag under the site secret, or an Ed25519 signature by one of
    /// `issuers`.
    fn check_seal(
        &self,
        keys: &KeyRing,
        issuers: &[super::IssuerKey],
        bank: BankId,
    ) -> Result<(), CredentialError> {
        let signed = &self.bytes[..self.signed_len];
        let bank = bank.0.to_be_bytes();
        let key_id = self.claims.key_id;
        match &self.seal {
            Seal::Signature(signature) => super::issuer::verify(
                issuers,
                key_id,
                SIGNED_TOKEN_DOMAIN,
                &[&bank, signed],
                signature,
            ),
            Seal::Tag(tag) => {
                let key = keys.get(key_id)?;
                let mut mac = if self.claims.signer == TokenSigner::Legacy {
                    key.legacy_mac(&LEGACY_TOKEN_DOMAIN, &[signed])
                } else {
                    key.mac(&TOKEN_DOMAIN, &[&bank, signed])
                };
                let ok = ct_eq_bytes(&mac[..TOKEN_TAG_BYTES], tag);
                mac.zeroize();
                if ok {
                    Ok(())
                } else {
                    Err(CredentialError::Rejected)
                }
            }
        }
    }
}

/// Checks a token's format, key, tag (or signature) and expiry for `bank`,
/// without a store: no record, no spent list, no purpose check, no caps.
/// Lockers use [`CredentialStore::verify_token`], which adds those. A
/// version-2 token is refused here (only its legacy record vouches for it).
///
/// # Errors
///
/// [`CredentialError::MalformedToken`], [`CredentialError::UnknownKeyId`],
/// [`CredentialError::Rejected`] (tag or signature mismatch, another bank)
/// or [`CredentialError::Expired`].
pub fn verify_token_offline(
    keys: &KeyRing,
    issuers: &[super::IssuerKey],
    bank: BankId,
    text: &str,
    now_s: u64,
) -> Result<TokenClaims, CredentialError> {
    let parsed = parse(text)?;
    if parsed.claims.signer == TokenSigner::Legacy {
        return Err(TokenParseError::UnsupportedVersion {
            version: LEGACY_TOKEN_VERSION,
        }
        .into());
    }
    check_parsed(&parsed, keys, issuers, bank, now_s)?;
    Ok(parsed.claims.clone())
}

/// The seal, then the expiry.
fn check_parsed(
    parsed: &Parsed,
    keys: &KeyRing,
    issuers: &[super::IssuerKey],
    bank: BankId,
    now_s: u64,
) -> Result<(), CredentialError> {
    parsed.check_seal(keys, issuers, bank)?;
    if now_s >= parsed.claims.expires_at_s {
        return Err(CredentialError::Expired {
            expired_at_s: parsed.claims.expires_at_s,
            now_s,
        });
    }
    Ok(())
}

/// Caps on openings by QR tokens a back end issued without giving the
/// locker their record: what a stolen key (or a compromised back end) can
/// open before someone notices. Each such opening is journaled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields, default))]
pub struct TokenPolicy {
    /// Openings per bank per rolling minute.
    pub max_recordless_opens_per_minute: u32,
    /// Openings per bank per rolling 24 hours.
    pub max_recordless_opens_per_day: u32,
}

/// Default cap on record-less token openings per minute.
const DEFAULT_RECORDLESS_OPENS_PER_MINUTE: u32 = 4;
/// Default cap on record-less token openings per day.
const DEFAULT_RECORDLESS_OPENS_PER_DAY: u32 = 100;

impl Default for TokenPolicy {
    fn default() -> Self {
        Self {
            max_recordless_opens_per_minute: DEFAULT_RECORDLESS_OPENS_PER_MINUTE,
            max_recordless_opens_per_day: DEFAULT_RECORDLESS_OPENS_PER_DAY,
        }
    }
}

impl TokenPolicy {
    /// True for the defaults (left out of a configuration record).
    #[must_use]
    pub fn is_default(&self) -> bool {
        *self == Self::default()
    }

    /// Checks the values.
    ///
    /// # Errors
    ///
    /// [`CredentialError::InvalidPolicy`] naming the bad field.
    pub fn validate(&self) -> Result<(), CredentialError> {
        if self.max_recordless_opens_per_day < self.max_recordless_opens_per_minute {
            return Err(CredentialError::InvalidPolicy {
                field: "tokens.max_recordless_opens_per_day",
                reason: "below max_recordless_opens_per_minute",
            });
        }
        Ok(())
    }
}

impl CredentialStore {
    /// Verifies a scanned QR token for `expected` purpose at `bank`,
    /// offline. Uses the token's record if the store has one (revocation,
    /// recipient), else the spent list and the caps on record-less
    /// openings. Never changes the store.
    ///
    /// # Errors
    ///
    /// A [`Refusal`] carrying [`CredentialError::Throttled`],
    /// [`CredentialError::MalformedToken`], [`CredentialError::UnknownKeyId`],
    /// [`CredentialError::Rejected`], [`CredentialError::Expired`],
    /// [`CredentialError::WrongPurpose`], [`CredentialError::AlreadyUsed`],
    /// [`CredentialError::Revoked`], [`CredentialError::InvalidRequest`] (a
    /// record-less token naming no recipient) or
    /// [`CredentialError::RecordlessCapReached`].
    pub fn verify_token(
        &self,
        keys: &KeyRing,
        bank: BankId,
        kiosk: KioskId,
        text: &str,
        expected: Purpose,
        now_s: u64,
    ) -> Result<Grant, Refusal> {
        self.verify_token_with_claims(keys, bank, kiosk, text, expected, now_s)
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
        bank: BankId,
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
            carrier: None,
        };
        let checked = parse(text)
            .map_err(CredentialError::from)
            .and_then(|parsed| self.check_token(keys, bank, &parsed).map(|()| parsed));
        match checked {
            // Signed by a key the bank trusts: never throttled for anyone's
            // failures, and a refusal from here on (spent, expired, another
            // purpose, the caps) is the token's state, never a guess.
            Ok(parsed) => self
                .grant_token(&parsed.claims, expected, now_s)
                .map(|grant| (grant, parsed.claims.clone()))
                .map_err(|error| Refusal::noted(error, failure)),
            // Junk or a forgery: slowed at this kiosk only.
            Err(error) => {
                self.throttle
                    .check(&self.policy.throttle, failure.scopes(), now_s)
                    .map_err(|throttled| Refusal::noted(throttled, failure))?;
                Err(Refusal::new(error, failure))
            }
        }
    }

    /// The seal, by the rules of the token's signer: a
    /// version-2 token only with its legacy record; a record-less token
    /// with a site tag only while no issuer key is configured.
    fn check_token(
        &self,
        keys: &KeyRing,
        bank: BankId,
        parsed: &Parsed,
    ) -> Result<(), CredentialError> {
        let claims = &parsed.claims;
        let record = self.records.get(&claims.credential_id);
        if let Some(digest) = self.secret_digest_of(claims.credential_id) {
            // One of the locker's own tokens: only its secret opens, and
            // no key makes that.
            return parsed.check_secret(bank, &digest);
        }
        let has_record = record.is_some_and(|r| matches!(r.kind, CredentialKind::Token { .. }));
        match claims.signer {
            TokenSigner::Legacy if !(has_record && self.is_legacy(claims.credential_id)) => {
                return Err(TokenParseError::UnsupportedVersion {
                    version: LEGACY_TOKEN_VERSION,
                }
                .into());
            }
            TokenSigner::Site if !has_record && !self.policy.issuers.is_empty() => {
                // The bank takes back-end tokens only from its issuers.
                return Err(CredentialError::Rejected);
            }
            _ => {}
        }
        parsed.check_seal(keys, &self.policy.issuers, bank)
    }

    /// The digest of the secret of the locker's own token `id`, from its
    /// record.
    fn secret_digest_of(&self, id: CredentialId) -> Option<Tag> {
        match self.records.get(&id).map(|record| &record.kind) {
            Some(CredentialKind::Token { secret_digest }) => *secret_digest,
            _ => None,
        }
    }

    /// What a token with a good seal may open now: by its record when the
    /// store has one, else by the spent list and the caps.
    fn grant_token(
        &self,
        claims: &TokenClaims,
        expected: Purpose,
        now_s: u64,
    ) -> Result<Grant, CredentialError> {
        if now_s >= claims.expires_at_s {
            return Err(CredentialError::Expired {
                expired_at_s: claims.expires_at_s,
                now_s,
            });
        }
        if claims.purpose != expected {
            return Err(CredentialError::WrongPurpose {
                expected,
                actual: claims.purpose,
            });
        }
        let credential_id = claims.credential_id;
        let (compartments, recipient) = match self.records.get(&credential_id) {
            Some(record) if matches!(record.kind, CredentialKind::Token { .. }) => {
                // Status and end: the record's start is the issuer's clock,
                // which may run ahead of the locker's. The record's end
                // holds whatever end the token claims.
                record.check_status()?;
                record.check_unexpired(now_s)?;
                if claims.recipient.is_some() && claims.recipient != record.recipient {
                    return Err(CredentialError::Rejected);
                }
                (record.compartments.clone(), record.recipient)
            }
            Some(_) => return Err(CredentialError::Rejected),
            None => match self.spent_tokens.get(&credential_id) {
                Some(spent) if spent.revoked => {
                    return Err(CredentialError::Revoked { credential_id });
                }
                Some(_) => return Err(CredentialError::AlreadyUsed { credential_id }),
                None => {
                    let Some(recipient) = claims.recipient else {
                        return Err(CredentialError::InvalidRequest {
                            field: "recipient",
                            reason: "a token without a record names its recipient",
                        });
                    };
                    if let Some(retry_at_s) = self.recordless_retry_at(now_s) {
                        return Err(CredentialError::RecordlessCapReached { retry_at_s });
                    }
                    (claims.compartments.clone(), Some(recipient))
                }
            },
        };
        Ok(Grant {
            credential_id,
            channel: Channel::Qr,
            purpose: claims.purpose,
            compartments,
            recipient,
            carrier: None,
            expires_at_s: Some(claims.expires_at_s),
            single_use: true,
        })
    }

    /// When the caps on record-less token openings allow another, or
    /// `None` if they do now.
    pub(crate) fn recordless_retry_at(&self, now_s: u64) -> Option<u64> {
        let policy = &self.policy.tokens;
        super::caps::retry_at(
            &self.recordless_opens_at_s,
            policy.max_recordless_opens_per_minute,
            policy.max_recordless_opens_per_day,
            now_s,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    const BANK: BankId = BankId(41);

    fn request(recipient: Option<u64>) -> TokenRequest {
        TokenRequest {
            bank: BANK,
            purpose: Purpose::Pickup,
            compartments: alloc::vec![CompartmentId(7)],
            recipient: recipient.map(RecipientId),
            expires_at_s: 2_000,
        }
    }

    fn keys(seed: u64) -> (KeyRing, rand::rngs::StdRng) {
        let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
        let mut keys = KeyRing::new();
        keys.rotate(&mut rng).unwrap();
        (keys, rng)
    }

    #[test]
    fn token_sizes_fit_small_qr_versions() {
        assert_eq!(token_chars_for(1), 74);
        assert!(token_chars_for(1) <= 114, "QR 4-M");
        assert_eq!(token_chars_for(2), 80);
        assert_eq!(MIN_TOKEN_CHARS, 53);
        assert_eq!(MAX_TOKEN_CHARS, 202);
        const { assert!(TOKEN_TAG_BYTES * 8 >= 80) };
        let (keys, mut rng) = keys(1);
        let (token, _) = issue_token(&keys, &mut rng, &request(Some(12)), 1_000).unwrap();
        assert_eq!(token.expose().len(), token_chars_for(1));
    }

    #[test]
    fn a_token_opens_only_at_its_bank_and_names_its_recipient() {
        let (keys, mut rng) = keys(2);
        let (token, record) = issue_token(&keys, &mut rng, &request(Some(12)), 1_000).unwrap();
        let claims = verify_token_offline(&keys, &[], BANK, token.expose(), 1_500).unwrap();
        assert_eq!(claims.recipient, Some(RecipientId(12)));
        assert_eq!(claims.signer, TokenSigner::Site);
        assert_eq!(claims.credential_id, record.id);
        assert_eq!(
            verify_token_offline(&keys, &[], BankId(42), token.expose(), 1_500),
            Err(CredentialError::Rejected),
            "another bank"
        );
        // Another recipient cannot be written in: the tag covers it.
        let (other, _) = issue_token(&keys, &mut rng, &request(Some(13)), 1_000).unwrap();
        let mut bytes = [0_u8; MAX_TOKEN_BYTES];
        let len = codec::decode(token.expose(), &mut bytes).unwrap();
        bytes[21..29].copy_from_slice(&13_u64.to_be_bytes());
        let mut forged = [0_u8; MAX_TOKEN_CHARS];
        let n = codec::encode(&bytes[..len], &mut forged);
        let forged = core::str::from_utf8(&forged[..n]).unwrap();
        assert_eq!(
            verify_token_offline(&keys, &[], BANK, forged, 1_500),
            Err(CredentialError::Rejected)
        );
        assert!(verify_token_offline(&keys, &[], BANK, other.expose(), 1_500).is_ok());
        // The site's token key is not its PIN key or journal key.
        let other_keys = keys.clone();
        assert!(verify_token_offline(&other_keys, &[], BANK, token.expose(), 1_500).is_ok());
    }

    #[test]
    fn parse_errors_are_typed() {
        let (mut keys, mut rng) = keys(3);
        let (token, _) = issue_token(&keys, &mut rng, &request(None), 1_000).unwrap();
        let text = token.expose();
        let err = |t: &str| verify_token_offline(&keys, &[], BANK, t, 1_000).unwrap_err();
        assert_eq!(err(""), TokenParseError::Empty.into());
        assert_eq!(
            err("ABC"),
            TokenParseError::TooShort { len: 3, min: 53 }.into()
        );
        assert_eq!(
            err(&"A".repeat(203)),
            TokenParseError::TooLong { len: 203, max: 202 }.into()
        );
        let lower = text.to_lowercase();
        assert!(matches!(
            err(&lower),
            CredentialError::MalformedToken(TokenParseError::NotBase32 { position: 0, .. })
        ));
        let last = text.len() - 1;
        let mut one = alloc::string::String::from(&text[..last]);
        one.push('1');
        assert!(matches!(
            err(&one),
            CredentialError::MalformedToken(TokenParseError::NotBase32 { position, character: '1' })
                if position == last
        ));
        assert_eq!(
            verify_token_offline(&keys, &[], BANK, text, 2_000).unwrap_err(),
            CredentialError::Expired {
                expired_at_s: 2_000,
                now_s: 2_000
            }
        );
        let claims = verify_token_offline(&keys, &[], BANK, text, 1_999).unwrap();
        assert_eq!(claims.compartments, [CompartmentId(7)]);
        assert_eq!((claims.issued_at_s, claims.expires_at_s), (1_000, 2_000));
        assert_eq!(claims.recipient, None);
        keys.rotate(&mut rng).unwrap();
        keys.retire(claims.key_id).unwrap();
        assert_eq!(
            verify_token_offline(&keys, &[], BANK, text, 1_000).unwrap_err(),
            CredentialError::UnknownKeyId {
                key_id: claims.key_id
            }
        );
    }

    #[test]
    fn a_recordless_token_must_name_its_recipient_and_is_capped() {
        let (keys, mut rng) = keys(4);
        let mut store = CredentialStore::default();
        let (anonymous, _) = issue_token(&keys, &mut rng, &request(None), 1_000).unwrap();
        let refused = store
            .verify_token(
                &keys,
                BANK,
                KioskId(1),
                anonymous.expose(),
                Purpose::Pickup,
                1_100,
            )
            .unwrap_err();
        assert!(matches!(
            refused.error,
            CredentialError::InvalidRequest {
                field: "recipient",
                ..
            }
        ));
        assert_eq!(
            refused.failure, None,
            "a signed token costs nobody anything"
        );
        let mut opened = 0;
        let mut capped = None;
        for now_s in 1_100..1_110 {
            let (token, _) = issue_token(&keys, &mut rng, &request(Some(12)), 1_000).unwrap();
            match store.verify_token(
                &keys,
                BANK,
                KioskId(1),
                token.expose(),
                Purpose::Pickup,
                now_s,
            ) {
                Ok(grant) => {
                    assert_eq!(grant.recipient, Some(RecipientId(12)));
                    store.count_recordless_open(&grant, now_s);
                    store.redeem(&grant, now_s).unwrap();
                    opened += 1;
                }
                Err(refusal) => {
                    assert_eq!(refusal.failure, None);
                    capped = Some(refusal.error);
                    break;
                }
            }
        }
        assert_eq!(
            opened,
            TokenPolicy::default().max_recordless_opens_per_minute
        );
        assert!(matches!(
            capped,
            Some(CredentialError::RecordlessCapReached { retry_at_s: 1_160 })
        ));
    }

    #[cfg(feature = "ed25519")]
    #[test]
    fn an_ed25519_token_verifies_with_the_public_key_only() {
        let (keys, mut rng) = keys(5);
        let signer = crate::credential::IssuerSigningKey::generate(KeyId(9), &mut rng).unwrap();
        let issuers = [signer.public_key()];
        let (token, _) = issue_token_signed(&signer, &mut rng, &request(Some(12)), 1_000).unwrap();
        assert_eq!(token.expose().len(), 157);
        let claims =
            verify_token_offline(&KeyRing::new(), &issuers, BANK, token.expose(), 1_500).unwrap();
        assert_eq!(
            (claims.signer, claims.key_id),
            (TokenSigner::Issuer, KeyId(9))
        );
        assert_eq!(
            verify_token_offline(&keys, &issuers, BankId(1), token.expose(), 1_500),
            Err(CredentialError::Rejected)
        );
        assert_eq!(
            verify_token_offline(&keys, &[], BANK, token.expose(), 1_500),
            Err(CredentialError::UnknownKeyId { key_id: KeyId(9) })
        );
        assert!(issue_token_signed(&signer, &mut rng, &request(None), 1_000).is_err());
        // A bank with an issuer refuses record-less tokens of the site key:
        // a stolen locker key mints nothing there.
        let policy = crate::credential::CredentialPolicy {
            issuers: alloc::vec![signer.public_key()],
            ..Default::default()
        };
        let store = CredentialStore::new(policy).unwrap();
        let (site_token, _) = issue_token(&keys, &mut rng, &request(Some(12)), 1_000).unwrap();
        let refused = store
            .verify_token(
                &keys,
                BANK,
                KioskId(1),
                site_token.expose(),
                Purpose::Pickup,
                1_100,
            )
            .unwrap_err();
        assert_eq!(refused.error, CredentialError::Rejected);
        assert!(
            store
                .verify_token(
                    &keys,
                    BANK,
                    KioskId(1),
                    token.expose(),
                    Purpose::Pickup,
                    1_100
                )
                .is_ok()
        );
    }

    #[test]
    fn a_version_2_token_needs_its_legacy_record() {
        let (keys, mut rng) = keys(6);
        let key = keys.newest().unwrap();
        // A version-2 token as the older library wrote it.
        let mut bytes = [0u8; 37];
        bytes[0] = LEGACY_TOKEN_VERSION;
        bytes[1] = Purpose::Pickup.code();
        bytes[2..4].copy_from_slice(&key.id().0.to_be_bytes());
        bytes[4..12].copy_from_slice(&77_u64.to_be_bytes());
        bytes[12..16].copy_from_slice(&1_000_u32.to_be_bytes());
        bytes[16..20].copy_from_slice(&2_000_u32.to_be_bytes());
        bytes[20] = 1;
        bytes[21..25].copy_from_slice(&7_u32.to_be_bytes());
        let mac = key.legacy_mac(&LEGACY_TOKEN_DOMAIN, &[&bytes[..25]]);
        bytes[25..].copy_from_slice(&mac[..TOKEN_TAG_BYTES]);
        let mut text = [0u8; MAX_TOKEN_CHARS];
        let n = codec::encode(&bytes, &mut text);
        let text = core::str::from_utf8(&text[..n]).unwrap();
        assert_eq!(
            verify_token_offline(&keys, &[], BANK, text, 1_500),
            Err(TokenParseError::UnsupportedVersion { version: 2 }.into())
        );
        let mut store = CredentialStore::default();
        let verify = |store: &CredentialStore| {
            store.verify_token(&keys, BANK, KioskId(1), text, Purpose::Pickup, 1_500)
        };
        assert!(verify(&store).is_err());
        let record = CredentialRecord {
            id: CredentialId(77),
            key_id: key.id(),
            kind: CredentialKind::Token {
                secret_digest: None,
            },
            purpose: Purpose::Pickup,
            compartments: alloc::vec![CompartmentId(7)],
            recipient: Some(RecipientId(12)),
            valid_from_s: 1_000,
            expires_at_s: Some(2_000),
            status: RecordStatus::Active,
        };
        store.insert(record.clone(), 1_000).unwrap();
        assert!(
            verify(&store).is_err(),
            "a record of this library is no legacy record"
        );
        let mut legacy = CredentialStore {
            inserting_legacy: true,
            ..CredentialStore::default()
        };
        legacy.insert(record, 1_000).unwrap();
        legacy.inserting_legacy = false;
        let grant = verify(&legacy).unwrap();
        assert_eq!(grant.recipient, Some(RecipientId(12)));
        let _ = &mut rng;
    }
}
