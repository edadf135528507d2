//! Back-end issuing with Ed25519: a bank can be given only a back end's
//! public key, so QR tokens and remote commands are verified there without
//! any secret that could mint them. A stolen locker then signs nothing for
//! any bank, its own included.
//!
//! HMAC under the site key stays the default (smaller tokens, no curve
//! arithmetic on the board). A bank whose
//! [`CredentialPolicy::issuers`](super::CredentialPolicy::issuers) lists
//! public keys takes back-end tokens and remote commands only when one of
//! them signed it; its own tokens (those with a record in the store) keep
//! their HMAC tags.

use alloc::vec::Vec;
use core::fmt;

use super::error::CredentialError;
use super::keys::KeyId;

/// Bytes of an Ed25519 public key.
pub const ISSUER_PUBLIC_KEY_BYTES: usize = 32;
/// Bytes of an Ed25519 signature.
pub const ISSUER_SIGNATURE_BYTES: usize = 64;

macro_rules! hex_bytes {
    ($(#[$meta:meta])* $name:ident, $len:expr) => {
        $(#[$meta])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash)]
        pub struct $name(pub [u8; $len]);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                crate::hex::fmt(&self.0, f)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({self})", stringify!($name))
            }
        }

        #[cfg(feature = "serde")]
        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                crate::hex::serialize(&self.0, serializer)
            }
        }

        #[cfg(feature = "serde")]
        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                crate::hex::deserialize(deserializer).map(Self)
            }
        }
    };
}

hex_bytes!(
    /// An Ed25519 public key, written as 64 lowercase hex digits.
    PublicKeyBytes,
    ISSUER_PUBLIC_KEY_BYTES
);
hex_bytes!(
    /// An Ed25519 signature, written as 128 lowercase hex digits.
    SignatureBytes,
    ISSUER_SIGNATURE_BYTES
);

/// A back end's public key, as a bank's policy lists it. Not secret.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub struct IssuerKey {
    /// The id tokens and commands name (its own numbering, apart from the
    /// site keys').
    pub key_id: KeyId,
    /// The Ed25519 public key.
    pub public_key: PublicKeyBytes,
}

/// Checks a policy's issuer keys: distinct ids, each a valid curve point.
///
/// # Errors
///
/// [`CredentialError::InvalidPolicy`] naming what is wrong.
pub(crate) fn validate_issuers(issuers: &[IssuerKey]) -> Result<(), CredentialError> {
    let mut ids: Vec<KeyId> = issuers.iter().map(|k| k.key_id).collect();
    crate::collections::sort::values(&mut ids);
    if ids.windows(2).any(|pair| pair[0] == pair[1]) {
        return Err(CredentialError::InvalidPolicy {
            field: "issuers",
            reason: "a key id is listed twice",
        });
    }
    #[cfg(feature = "ed25519")]
    for key in issuers {
        match ed25519_dalek::VerifyingKey::from_bytes(&key.public_key.0) {
            Err(_) => {
                return Err(CredentialError::InvalidPolicy {
                    field: "issuers",
                    reason: "a public key is not an Ed25519 point",
                });
            }
            // A point of small order verifies nothing under the strict
            // check, so listing one is a mistake (or a forger's hope).
            Ok(point) if point.is_weak() => {
                return Err(CredentialError::InvalidPolicy {
                    field: "issuers",
                    reason: "a public key is a point of small order",
                });
            }
            Ok(_) => {}
        }
    }
    #[cfg(not(feature = "ed25519"))]
    if !issuers.is_empty() {
        return Err(CredentialError::InvalidPolicy {
            field: "issuers",
            reason: "this build has no Ed25519 (the `ed25519` feature)",
        });
    }
    Ok(())
}

/// The message a signature covers: a domain label and parts, each after its
/// length as a big-endian `u16` (as the HMAC tags frame theirs).
#[cfg(feature = "ed25519")]
fn framed(domain: &[u8], parts: &[&[u8]]) -> Vec<u8> {
    let mut message = Vec::new();
    for part in core::iter::once(domain).chain(parts.iter().copied()) {
        let len = u16::try_from(part.len()).unwrap_or(u16::MAX);
        message.extend_from_slice(&len.to_be_bytes());
        message.extend_from_slice(part);
    }
    message
}

/// Checks an Ed25519 signature by the issuer `key_id` of `issuers`
/// (strict verification: no malleable signatures, no small-order keys).
///
/// # Errors
///
/// [`CredentialError::UnknownKeyId`] for an issuer the policy does not
/// list, [`CredentialError::Rejected`] for a signature that does not
/// verify (or a build without Ed25519).
pub(crate) fn verify(
    issuers: &[IssuerKey],
    key_id: KeyId,
    domain: &[u8],
    parts: &[&[u8]],
    signature: &SignatureBytes,
) -> Result<(), CredentialError> {
    let issuer = issuers
        .iter()
        .find(|k| k.key_id == key_id)
        .ok_or(CredentialError::UnknownKeyId { key_id })?;
    #[cfg(feature = "ed25519")]
    {
        let key = ed25519_dalek::VerifyingKey::from_bytes(&issuer.public_key.0)
            .map_err(|_| CredentialError::Rejected)?;
        let signature = ed25519_dalek::Signature::from_bytes(&signature.0);
        key.verify_strict(&framed(domain, parts), &signature)
            .map_err(|_| CredentialError::Rejected)
    }
    #[cfg(not(feature = "ed25519"))]
    {
        let _ = (issuer, domain, parts, signature);
        Err(CredentialError::Rejected)
    }
}

/// A back end's Ed25519 signing key: signs QR tokens and remote commands
/// that banks listing its public key accept. Lives in the back end only.
/// Never shown by `Debug`, wiped on drop.
#[cfg(feature = "ed25519")]
#[derive(Clone)]
pub struct IssuerSigningKey {
    key_id: KeyId,
    signing: ed25519_dalek::SigningKey,
}

#[cfg(feature = "ed25519")]
impl IssuerSigningKey {
    /// A key from its 32 secret bytes. The caller should wipe its copy.
    ///
    /// # Errors
    ///
    /// [`CredentialError::WeakKey`] for bytes no random source would give
    /// (the rule of [`SiteKey::from_bytes`](super::SiteKey::from_bytes)).
    pub fn from_bytes(key_id: KeyId, secret: [u8; 32]) -> Result<Self, CredentialError> {
        super::keys::check_secret(key_id, &secret)?;
        Ok(Self {
            key_id,
            signing: ed25519_dalek::SigningKey::from_bytes(&secret),
        })
    }

    /// A fresh key drawn from `rng`.
    ///
    /// # Errors
    ///
    /// [`CredentialError::WeakKey`] when the generator is broken.
    pub fn generate<R: rand_core::CryptoRng + ?Sized>(
        key_id: KeyId,
        rng: &mut R,
    ) -> Result<Self, CredentialError> {
        let mut secret = zeroize::Zeroizing::new([0_u8; 32]);
        rng.fill_bytes(secret.as_mut());
        Self::from_bytes(key_id, *secret)
    }

    /// The key's id.
    #[must_use]
    pub const fn id(&self) -> KeyId {
        self.key_id
    }

    /// The public key to give banks.
    #[must_use]
    pub fn public_key(&self) -> IssuerKey {
        IssuerKey {
            key_id: self.key_id,
            public_key: PublicKeyBytes(self.signing.verifying_key().to_bytes()),
        }
    }

    /// The secret bytes, for the back end's sealed storage. Wiped when
    /// dropped.
    #[must_use]
    pub fn to_secret_bytes(&self) -> zeroize::Zeroizing<[u8; 32]> {
        zeroize::Zeroizing::new(self.signing.to_bytes())
    }

    /// Signs a domain label and parts.
    pub(crate) fn sign(&self, domain: &[u8], parts: &[&[u8]]) -> SignatureBytes {
        use ed25519_dalek::Signer as _;
        SignatureBytes(self.signing.sign(&framed(domain, parts)).to_bytes())
    }
}

#[cfg(feature = "ed25519")]
impl fmt::Debug for IssuerSigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IssuerSigningKey")
            .field("key_id", &self.key_id)
            .field("secret", &"<redacted>")
            .finish()
    }
}

#[cfg(all(test, feature = "ed25519"))]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn a_signature_verifies_only_for_its_message_and_key() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(1);
        let signer = IssuerSigningKey::generate(KeyId(4), &mut rng).unwrap();
        let other = IssuerSigningKey::generate(KeyId(4), &mut rng).unwrap();
        let issuers = [signer.public_key()];
        let signature = signer.sign(b"d", &[b"abc"]);
        assert_eq!(
            verify(&issuers, KeyId(4), b"d", &[b"abc"], &signature),
            Ok(())
        );
        assert_eq!(
            verify(&issuers, KeyId(4), b"d", &[b"abd"], &signature),
            Err(CredentialError::Rejected)
        );
        assert_eq!(
            verify(&issuers, KeyId(4), b"d", &[b"ab", b"c"], &signature),
            Err(CredentialError::Rejected)
        );
        assert_eq!(
            verify(
                &issuers,
                KeyId(4),
                b"d",
                &[b"abc"],
                &other.sign(b"d", &[b"abc"])
            ),
            Err(CredentialError::Rejected)
        );
        assert_eq!(
            verify(&issuers, KeyId(5), b"d", &[b"abc"], &signature),
            Err(CredentialError::UnknownKeyId { key_id: KeyId(5) })
        );
        let mut bent = signature;
        bent.0[63] ^= 0x40;
        assert_eq!(
            verify(&issuers, KeyId(4), b"d", &[b"abc"], &bent),
            Err(CredentialError::Rejected)
        );
        let back = IssuerSigningKey::from_bytes(KeyId(4), *signer.to_secret_bytes()).unwrap();
        assert_eq!(back.public_key(), signer.public_key());
        assert!(alloc::format!("{signer:?}").contains("redacted"));
    }

    #[test]
    fn a_policy_refuses_duplicate_ids_and_points_off_the_curve() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(2);
        let key = IssuerSigningKey::generate(KeyId(1), &mut rng)
            .unwrap()
            .public_key();
        assert!(validate_issuers(&[key]).is_ok());
        assert!(validate_issuers(&[key, key]).is_err());
        // y = 2 is not the y-coordinate of a curve point.
        let mut off = [0_u8; 32];
        off[0] = 2;
        let bad = IssuerKey {
            key_id: KeyId(2),
            public_key: PublicKeyBytes(off),
        };
        assert!(validate_issuers(&[bad]).is_err());
        assert!(IssuerSigningKey::from_bytes(KeyId(1), [0; 32]).is_err());
    }
}
