//! Site keys with key ids and rotation, and the keyed tags made with them.

use alloc::vec::Vec;
use core::fmt;

use locker_core_mac::KeyedMac;
use rand_core::CryptoRng;
use subtle::ConstantTimeEq;
use zeroize::{Zeroize, ZeroizeOnDrop};

use super::error::CredentialError;

/// Length of a site key in bytes (256 bits).
pub const SITE_KEY_BYTES: usize = locker_core_mac::KEY_BYTES;
/// The format byte of [`KeyRing::to_secret_bytes`].
pub const KEY_RING_FORMAT: u8 = 1;
/// Format byte and largest id used.
const KEY_RING_HEADER_BYTES: usize = 3;
/// An id and a secret.
const KEY_RING_ENTRY_BYTES: usize = 2 + SITE_KEY_BYTES;
/// Length of a keyed tag (a full HMAC-SHA256 output) in bytes.
const TAG_BYTES: usize = locker_core_mac::MAC_BYTES;

/// Identifies a site key; carried by every credential so a verifier knows
/// which key to use. Ids only grow: a retired id is never reused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(transparent))]
pub struct KeyId(pub u16);

impl fmt::Display for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// What a key derived from a site key is for. Each purpose has its own key
/// (HKDF-SHA256 from the site secret), so a key that leaks from one use —
/// say the journal's, read off a board — signs nothing of another.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum KeyPurpose {
    /// QR tokens.
    QrToken,
    /// Remote commands and signed times from a back end.
    RemoteCommand,
    /// PIN tags (lookup, uniqueness, an RFID tag's PIN).
    PinTag,
    /// RFID UID tags.
    RfidTag,
    /// Courier code tags.
    CourierCode,
    /// The journal's record and snapshot MACs.
    Journal,
    /// The key check value that tells one ring from another.
    KeyCheck,
}

impl KeyPurpose {
    /// Every purpose, in the order of [`SiteKey`]'s derived keys.
    pub const ALL: [Self; 7] = [
        Self::QrToken,
        Self::RemoteCommand,
        Self::PinTag,
        Self::RfidTag,
        Self::CourierCode,
        Self::Journal,
        Self::KeyCheck,
    ];

    /// The HKDF `info` of this purpose.
    const fn label(self) -> &'static [u8] {
        match self {
            Self::QrToken => b"locker/v1/qr-token",
            Self::RemoteCommand => b"locker/v1/remote-command",
            Self::PinTag => b"locker/v1/pin-tag",
            Self::RfidTag => b"locker/v1/rfid-tag",
            Self::CourierCode => b"locker/v1/courier-code",
            Self::Journal => b"locker/v1/journal",
            Self::KeyCheck => b"locker/v1/key-check",
        }
    }

    const fn index(self) -> usize {
        match self {
            Self::QrToken => 0,
            Self::RemoteCommand => 1,
            Self::PinTag => 2,
            Self::RfidTag => 3,
            Self::CourierCode => 4,
            Self::Journal => 5,
            Self::KeyCheck => 6,
        }
    }
}

/// HKDF salt of every derived key: fixed, so the derivation is a function of
/// the site secret alone (RFC 5869 allows any non-secret salt).
const DERIVATION_SALT: &[u8] = b"locker site key";
/// Fewest distinct byte values, and distinct differences between
/// neighbouring bytes, a site secret (or caller entropy) must have. 32
/// bytes from a real random source hold about 30 of each, and fewer than
/// 16 with a chance below 10⁻¹⁵; zeros, a repeated byte, a short pattern or
/// a counter have far fewer.
const MIN_DISTINCT_SECRET_BYTES: usize = 16;
/// Bytes of a key check value.
pub const KEY_CHECK_BYTES: usize = 8;
/// Tag domain of key check values.
const KEY_CHECK_DOMAIN: &[u8] = b"lk/kcv/1";

/// A tag domain: the label framed into every MAC, and the derived key it is
/// made with.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Domain {
    /// Which derived key.
    pub(crate) purpose: KeyPurpose,
    /// The label (short, so a PIN's input fits one SHA-256 block).
    pub(crate) label: &'static [u8],
}

impl Domain {
    /// A domain of `purpose` with `label`.
    pub(crate) const fn new(purpose: KeyPurpose, label: &'static [u8]) -> Self {
        Self { purpose, label }
    }
}

/// A 256-bit site key, and the keys derived from it for each
/// [`KeyPurpose`].
///
/// Never shown by `Debug` (there is no `Display`), wiped on drop. Copies made
/// by `Clone` are wiped on their own drop.
#[derive(Clone, ZeroizeOnDrop)]
pub struct SiteKey {
    #[zeroize(skip)]
    id: KeyId,
    secret: [u8; SITE_KEY_BYTES],
    /// HMAC keyed with each purpose's derived key, cloned for each tag;
    /// wiped by their own drop.
    #[zeroize(skip)]
    derived: [KeyedMac; KeyPurpose::ALL.len()],
    /// HMAC keyed with the secret itself: how credentials were tagged
    /// before keys were derived per purpose. Used only to verify
    /// credentials a legacy journal issued.
    #[zeroize(skip)]
    legacy: KeyedMac,
}

/// Wipes the secret and replaces every keyed HMAC state (each as good as a
/// key) with one keyed by zeros; the old states are wiped as they drop.
impl Zeroize for SiteKey {
    fn zeroize(&mut self) {
        self.secret.zeroize();
        let zero = KeyedMac::new(&[0u8; SITE_KEY_BYTES]);
        for keyed in &mut self.derived {
            *keyed = zero.clone();
        }
        self.legacy = zero;
    }
}

impl SiteKey {
    /// A key from provisioned bytes (for example from a secure element).
    /// The caller should wipe its own copy of `secret`.
    ///
    /// # Errors
    ///
    /// [`CredentialError::WeakKey`] for a secret no random source would
    /// give: fewer than 16 distinct byte values (all zeros, one byte
    /// repeated, a short pattern, typed text).
    pub fn from_bytes(id: KeyId, secret: [u8; SITE_KEY_BYTES]) -> Result<Self, CredentialError> {
        check_secret(id, &secret)?;
        let derived = KeyPurpose::ALL.map(|purpose| derive(&secret, purpose));
        let legacy = KeyedMac::new(&secret);
        Ok(Self {
            id,
            secret,
            derived,
            legacy,
        })
    }

    /// A fresh random key drawn from `rng`.
    ///
    /// # Errors
    ///
    /// [`CredentialError::WeakKey`] when the generator gave a weak secret
    /// (a broken source: one that is working never does).
    pub fn generate<R: CryptoRng + ?Sized>(
        id: KeyId,
        rng: &mut R,
    ) -> Result<Self, CredentialError> {
        let mut secret = [0u8; SITE_KEY_BYTES];
        rng.fill_bytes(&mut secret);
        let key = Self::from_bytes(id, secret);
        secret.zeroize();
        key
    }

    /// The key's id.
    #[must_use]
    pub const fn id(&self) -> KeyId {
        self.id
    }

    /// The raw key, for provisioning lockers from the issuing service. Handle
    /// with care: this is the only way the secret leaves this type.
    #[must_use]
    pub const fn expose_secret(&self) -> &[u8; SITE_KEY_BYTES] {
        &self.secret
    }

    /// The key check value: a MAC of nothing under the key-check key, which
    /// tells this key from another with the same id (another site's ring)
    /// and reveals nothing of the secret.
    #[must_use]
    pub fn check_value(&self) -> KeyCheck {
        let mac = self.mac(&Domain::new(KeyPurpose::KeyCheck, KEY_CHECK_DOMAIN), &[]);
        let mut check = [0u8; KEY_CHECK_BYTES];
        check.copy_from_slice(&mac[..KEY_CHECK_BYTES]);
        KeyCheck {
            key_id: self.id,
            check: CheckValue(check),
        }
    }

    /// HMAC-SHA256 under the domain's derived key over its label and
    /// parts, each prefixed with its length as a big-endian `u16` (see
    /// [`KeyedMac::mac`]).
    pub(crate) fn mac(&self, domain: &Domain, parts: &[&[u8]]) -> [u8; TAG_BYTES] {
        self.derived[domain.purpose.index()].mac(domain.label, parts)
    }

    /// A keyed tag (full HMAC-SHA256) under the domain's derived key.
    pub(crate) fn tag(&self, domain: &Domain, parts: &[&[u8]]) -> Tag {
        Tag(self.mac(domain, parts))
    }

    /// A tag as credentials were made before keys were derived per
    /// purpose: under the site secret itself.
    pub(crate) fn legacy_tag(&self, domain: &Domain, parts: &[&[u8]]) -> Tag {
        Tag(self.legacy.mac(domain.label, parts))
    }

    /// [`tag`](Self::tag), or [`legacy_tag`](Self::legacy_tag) for a
    /// record a legacy journal issued.
    pub(crate) fn tag_as(&self, legacy: bool, domain: &Domain, parts: &[&[u8]]) -> Tag {
        if legacy {
            self.legacy_tag(domain, parts)
        } else {
            self.tag(domain, parts)
        }
    }

    /// A MAC as credentials were made before keys were derived per
    /// purpose.
    pub(crate) fn legacy_mac(&self, domain: &Domain, parts: &[&[u8]]) -> [u8; TAG_BYTES] {
        self.legacy.mac(domain.label, parts)
    }
}

/// A generator seeded with 32 bytes of caller-given entropy (what a
/// binding draws from the operating system, or a test gives): refused when
/// the bytes have fewer than 16 distinct values, the same rule as a site
/// secret's, since every key and PIN drawn from it would be as guessable.
///
/// # Errors
///
/// [`CredentialError::WeakEntropy`].
pub fn rng_from_entropy(entropy: [u8; 32]) -> Result<chacha20::ChaCha20Rng, CredentialError> {
    if let Some(reason) = weakness(&entropy) {
        return Err(CredentialError::WeakEntropy { reason });
    }
    Ok(<chacha20::ChaCha20Rng as rand_core::SeedableRng>::from_seed(entropy))
}

/// What gives away 32 bytes no random source would give, if anything:
/// too few distinct values (zeros, a repeated byte, a short pattern), too
/// few distinct steps between neighbours (a counter, a ramp), or nothing
/// but printable text (a typed phrase: 32 random bytes are all printable
/// with a chance near 10⁻¹⁴).
fn weakness(bytes: &[u8; 32]) -> Option<&'static str> {
    let mut values = [false; 256];
    let mut steps = [false; 256];
    for &byte in bytes {
        values[usize::from(byte)] = true;
    }
    for pair in bytes.windows(2) {
        steps[usize::from(pair[1].wrapping_sub(pair[0]))] = true;
    }
    let count = |seen: &[bool; 256]| seen.iter().filter(|&&s| s).count();
    if count(&values) < MIN_DISTINCT_SECRET_BYTES {
        Some("too few distinct byte values for random bytes")
    } else if count(&steps) < MIN_DISTINCT_SECRET_BYTES {
        Some("too few distinct steps between neighbouring bytes (a counter or pattern)")
    } else if bytes.iter().all(|byte| (0x20..0x7f).contains(byte)) {
        Some("only printable characters (typed text)")
    } else {
        None
    }
}

/// Refuses a secret no random source would give ([`weakness`]).
pub(crate) fn check_secret(
    key_id: KeyId,
    secret: &[u8; SITE_KEY_BYTES],
) -> Result<(), CredentialError> {
    match weakness(secret) {
        Some(reason) => Err(CredentialError::WeakKey { key_id, reason }),
        None => Ok(()),
    }
}

/// The HMAC state keyed with the derived key of `purpose` (HKDF-SHA256).
fn derive(secret: &[u8; SITE_KEY_BYTES], purpose: KeyPurpose) -> KeyedMac {
    let hkdf = hkdf::Hkdf::<sha2::Sha256>::new(Some(DERIVATION_SALT), secret);
    let mut okm = [0u8; SITE_KEY_BYTES];
    // 32 bytes is far below HKDF-SHA256's limit of 255 × 32: never fails.
    let _ = hkdf.expand(purpose.label(), &mut okm);
    let keyed = KeyedMac::new(&okm);
    okm.zeroize();
    keyed
}

impl fmt::Debug for SiteKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SiteKey")
            .field("id", &self.id)
            .field("secret", &"<redacted>")
            .finish()
    }
}

/// A key check value's bytes, written as 16 hex digits in JSON.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CheckValue(pub [u8; KEY_CHECK_BYTES]);

impl fmt::Display for CheckValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for byte in self.0 {
            write!(f, "{byte:02x}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for CheckValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CheckValue({self})")
    }
}

#[cfg(feature = "serde")]
impl serde::Serialize for CheckValue {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        crate::hex::serialize(&self.0, serializer)
    }
}

#[cfg(feature = "serde")]
impl<'de> serde::Deserialize<'de> for CheckValue {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        crate::hex::deserialize(deserializer).map(Self)
    }
}

/// A key's id and check value: what a journal keeps of each key, so a
/// restore can tell the right ring from another site's.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub struct KeyCheck {
    /// The key.
    pub key_id: KeyId,
    /// Its check value.
    pub check: CheckValue,
}

/// The site's keys: the newest signs, every key still in the ring verifies.
///
/// Rotation: [`rotate`](Self::rotate) adds a key with the next id; new
/// credentials use it, credentials made with older keys keep verifying until
/// [`retire`](Self::retire) removes their key. Retiring a key invalidates
/// every credential made with it (RFID tags must then be registered again).
#[derive(Clone, Default)]
pub struct KeyRing {
    /// Keys in ascending id order.
    keys: Vec<SiteKey>,
    /// The largest id ever added, so retired ids are never reused.
    last_id: Option<KeyId>,
}

impl KeyRing {
    /// An empty ring.
    #[must_use]
    pub const fn new() -> Self {
        Self {
            keys: Vec::new(),
            last_id: None,
        }
    }

    /// Adds a provisioned key.
    ///
    /// # Errors
    ///
    /// [`CredentialError::DuplicateKeyId`] if a key with this id is in the
    /// ring.
    pub fn add(&mut self, key: SiteKey) -> Result<(), CredentialError> {
        let key_id = key.id();
        let at = match self.keys.binary_search_by_key(&key_id, SiteKey::id) {
            Ok(_) => return Err(CredentialError::DuplicateKeyId { key_id }),
            Err(at) => at,
        };
        self.keys.insert(at, key);
        self.last_id = self.last_id.max(Some(key_id));
        Ok(())
    }

    /// Generates a key with the next id and makes it the newest.
    ///
    /// # Errors
    ///
    /// [`CredentialError::KeyIdsExhausted`] after id 65,535.
    pub fn rotate<R: CryptoRng + ?Sized>(&mut self, rng: &mut R) -> Result<KeyId, CredentialError> {
        let next = match self.last_id {
            None => 1,
            Some(last) => last
                .0
                .checked_add(1)
                .ok_or(CredentialError::KeyIdsExhausted { key_id: last })?,
        };
        let key_id = KeyId(next);
        self.add(SiteKey::generate(key_id, rng)?)?;
        Ok(key_id)
    }

    /// The ring as bytes for sealed storage (a secure element, encrypted
    /// flash), so a locker keeps its keys across restarts: the format byte
    /// [`KEY_RING_FORMAT`], the largest id ever used (so a retired id is
    /// never reused after a restore), then each key's id and secret; ids are
    /// big-endian `u16`. The bytes are wiped when dropped.
    #[must_use]
    pub fn to_secret_bytes(&self) -> zeroize::Zeroizing<Vec<u8>> {
        let mut bytes = zeroize::Zeroizing::new(Vec::with_capacity(
            KEY_RING_HEADER_BYTES + self.keys.len() * KEY_RING_ENTRY_BYTES,
        ));
        bytes.push(KEY_RING_FORMAT);
        bytes.extend_from_slice(&self.last_id.map_or(0, |id| id.0).to_be_bytes());
        for key in &self.keys {
            bytes.extend_from_slice(&key.id().0.to_be_bytes());
            bytes.extend_from_slice(key.expose_secret());
        }
        bytes
    }

    /// The ring [`to_secret_bytes`](Self::to_secret_bytes) wrote.
    ///
    /// # Errors
    ///
    /// [`CredentialError::InvalidRequest`] naming what is wrong with the
    /// bytes (format, length, no key at all),
    /// [`CredentialError::DuplicateKeyId`].
    pub fn from_secret_bytes(bytes: &[u8]) -> Result<Self, CredentialError> {
        let invalid = |reason| CredentialError::InvalidRequest {
            field: "key_ring",
            reason,
        };
        let [format, last_hi, last_lo, entries @ ..] = bytes else {
            return Err(invalid("shorter than its 3-byte header"));
        };
        if *format != KEY_RING_FORMAT {
            return Err(invalid("unknown format byte"));
        }
        if entries.len() % KEY_RING_ENTRY_BYTES != 0 {
            return Err(invalid("not a whole number of 34-byte keys"));
        }
        let mut ring = Self::new();
        for entry in entries.chunks_exact(KEY_RING_ENTRY_BYTES) {
            let (id, secret) = entry.split_at(2);
            let mut secret_bytes = [0_u8; SITE_KEY_BYTES];
            secret_bytes.copy_from_slice(secret);
            let key = SiteKey::from_bytes(KeyId(u16::from_be_bytes([id[0], id[1]])), secret_bytes);
            secret_bytes.zeroize();
            ring.add(key?)?;
        }
        if ring.keys.is_empty() {
            return Err(invalid("holds no key"));
        }
        let last_used = KeyId(u16::from_be_bytes([*last_hi, *last_lo]));
        if ring.last_id.is_some_and(|id| id > last_used) {
            return Err(invalid("a key id above the largest id used"));
        }
        if last_used.0 > 0 {
            ring.last_id = Some(last_used);
        }
        Ok(ring)
    }

    /// Removes a key: credentials made with it stop verifying.
    ///
    /// # Errors
    ///
    /// [`CredentialError::UnknownKeyId`] if the ring does not hold it.
    pub fn retire(&mut self, key_id: KeyId) -> Result<(), CredentialError> {
        let at = self
            .keys
            .iter()
            .position(|k| k.id() == key_id)
            .ok_or(CredentialError::UnknownKeyId { key_id })?;
        // Dropping the removed key wipes it.
        drop(self.keys.remove(at));
        Ok(())
    }

    /// The key new credentials are made with.
    ///
    /// # Errors
    ///
    /// [`CredentialError::NoKeys`] if the ring is empty.
    pub fn newest(&self) -> Result<&SiteKey, CredentialError> {
        self.keys.last().ok_or(CredentialError::NoKeys)
    }

    /// The key with this id.
    ///
    /// # Errors
    ///
    /// [`CredentialError::UnknownKeyId`] if the ring does not hold it.
    pub fn get(&self, key_id: KeyId) -> Result<&SiteKey, CredentialError> {
        self.keys
            .binary_search_by_key(&key_id, SiteKey::id)
            .ok()
            .and_then(|i| self.keys.get(i))
            .ok_or(CredentialError::UnknownKeyId { key_id })
    }

    /// The ids in the ring, oldest first.
    pub fn ids(&self) -> impl Iterator<Item = KeyId> + '_ {
        self.keys.iter().map(SiteKey::id)
    }

    /// Number of keys in the ring.
    #[must_use]
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether the ring is empty.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// The id and check value of every key, oldest first: what a journal
    /// keeps to tell this ring from another.
    #[must_use]
    pub fn checks(&self) -> Vec<KeyCheck> {
        self.keys.iter().map(SiteKey::check_value).collect()
    }

    /// Keys, newest first (verification tries every key, in this order).
    pub(crate) fn newest_first(&self) -> impl Iterator<Item = &SiteKey> {
        self.keys.iter().rev()
    }
}

impl fmt::Debug for KeyRing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyRing")
            .field(
                "key_ids",
                &self.keys.iter().map(SiteKey::id).collect::<Vec<_>>(),
            )
            .finish()
    }
}

/// Constant-time equality of byte strings of equal length: ORs the XOR of
/// every byte pair without branching on the data, then checks the
/// accumulator with `subtle` (one optimisation barrier instead of one per
/// byte). Strings of different lengths are unequal (lengths are public).
pub(crate) fn ct_eq_bytes(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let diff = a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    diff.ct_eq(&0).into()
}

/// A keyed tag: HMAC-SHA256 of a secret (PIN, RFID UID, courier code) under
/// a site key. Stored instead of the secret; without the key it reveals
/// nothing. Compared in constant time. Serialized as 64 hex digits.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Tag(pub(crate) [u8; TAG_BYTES]);

impl Tag {
    /// The first eight bytes as a big-endian word: tags are uniformly
    /// random, so this almost always decides an ordering alone.
    pub(crate) fn prefix(&self) -> u64 {
        let [b0, b1, b2, b3, b4, b5, b6, b7, ..] = self.0;
        u64::from_be_bytes([b0, b1, b2, b3, b4, b5, b6, b7])
    }
}

/// Lexicographic by bytes, decided by the first word unless it ties (index
/// lookups compare a tag with a dozen others per check).
impl Ord for Tag {
    fn cmp(&self, other: &Self) -> core::cmp::Ordering {
        self.prefix()
            .cmp(&other.prefix())
            .then_with(|| self.0[8..].cmp(&other.0[8..]))
    }
}

impl PartialOrd for Tag {
    fn partial_cmp(&self, other: &Self) -> Option<core::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Tag {
    /// The tag's bytes.
    #[must_use]
    pub const fn as_bytes(&self) -> &[u8; TAG_BYTES] {
        &self.0
    }

    /// Constant-time equality.
    #[must_use]
    pub fn ct_eq(&self, other: &Self) -> bool {
        ct_eq_bytes(&self.0, &other.0)
    }

    fn write_hex(&self, out: &mut [u8; 2 * TAG_BYTES]) {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        for (i, byte) in self.0.iter().enumerate() {
            out[2 * i] = HEX[usize::from(byte >> 4)];
            out[2 * i + 1] = HEX[usize::from(byte & 0x0f)];
        }
    }

    /// Parses 64 hex digits (either case), as written by `Display`.
    #[must_use]
    pub fn from_hex(text: &str) -> Option<Self> {
        let bytes = text.as_bytes();
        if bytes.len() != 2 * TAG_BYTES {
            return None;
        }
        let nibble = |c: u8| match c {
            b'0'..=b'9' => Some(c - b'0'),
            b'a'..=b'f' => Some(c - b'a' + 10),
            b'A'..=b'F' => Some(c - b'A' + 10),
            _ => None,
        };
        let mut out = [0u8; TAG_BYTES];
        for (i, pair) in bytes.chunks_exact(2).enumerate() {
            out[i] = (nibble(pair[0])? << 4) | nibble(pair[1])?;
        }
        Some(Self(out))
    }
}

impl fmt::Display for Tag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut hex = [0u8; 2 * TAG_BYTES];
        self.write_hex(&mut hex);
        f.write_str(core::str::from_utf8(&hex).map_err(|_| fmt::Error)?)
    }
}

impl fmt::Debug for Tag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Tag({self})")
    }
}

#[cfg(feature = "serde")]
impl serde::Serialize for Tag {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        crate::hex::serialize(&self.0, serializer)
    }
}

/// Reads exactly 64 lowercase hex digits, the one spelling `Serialize`
/// writes: a record that verifies is the bytes that were hashed.
#[cfg(feature = "serde")]
impl<'de> serde::Deserialize<'de> for Tag {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        crate::hex::deserialize(deserializer).map(Self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::format;
    use hmac::{Hmac, KeyInit, Mac};
    use rand::SeedableRng;
    use sha2::Sha256;

    /// A secret as varied as a random one: the SHA-256 of `seed`.
    fn secret(seed: u8) -> [u8; SITE_KEY_BYTES] {
        use sha2::Digest as _;
        Sha256::digest([seed]).into()
    }

    const PIN: Domain = Domain::new(KeyPurpose::PinTag, b"t");

    fn hmac(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(key).unwrap();
        for part in parts {
            Mac::update(&mut mac, part);
        }
        mac.finalize().into_bytes().into()
    }

    /// The framing of `KeyedMac::mac`: each part after its `u16` length.
    fn framed(label: &[u8], parts: &[&[u8]]) -> alloc::vec::Vec<u8> {
        let mut out = alloc::vec::Vec::new();
        for part in core::iter::once(label).chain(parts.iter().copied()) {
            out.extend_from_slice(&u16::try_from(part.len()).unwrap().to_be_bytes());
            out.extend_from_slice(part);
        }
        out
    }

    #[test]
    fn each_purpose_has_its_own_key_derived_by_hkdf_sha256() {
        let raw = secret(3);
        let key = SiteKey::from_bytes(KeyId(1), raw).unwrap();
        // RFC 5869 by hand: PRK = HMAC(salt, IKM); OKM = HMAC(PRK, info || 1).
        let prk = hmac(DERIVATION_SALT, &[&raw]);
        let mut tags = alloc::vec::Vec::new();
        for purpose in KeyPurpose::ALL {
            let okm = hmac(&prk, &[purpose.label(), &[1]]);
            let domain = Domain::new(purpose, b"t");
            let expected = hmac(&okm, &[&framed(b"t", &[b"1234"])]);
            assert_eq!(key.mac(&domain, &[b"1234"]), expected, "{purpose:?}");
            tags.push(expected);
        }
        tags.sort_unstable();
        tags.dedup();
        assert_eq!(tags.len(), KeyPurpose::ALL.len(), "one key per purpose");
        // The legacy tag is under the secret itself.
        assert_eq!(
            key.legacy_tag(&PIN, &[b"1234"]).0,
            hmac(&raw, &[&framed(b"t", &[b"1234"])])
        );
    }

    #[test]
    fn weak_secrets_are_refused_everywhere_a_ring_is_built() {
        for weak in [
            [0_u8; SITE_KEY_BYTES],
            [0xff; SITE_KEY_BYTES],
            core::array::from_fn(|i| u8::try_from(i % 4).unwrap()),
            *b"password1234password1234password",
            // A counter, a ramp, typed text with many letters.
            core::array::from_fn(|i| u8::try_from(i).unwrap()),
            core::array::from_fn(|i| u8::try_from(i * 7 % 256).unwrap()),
            *b"The quick brown fox jumps over t",
        ] {
            assert!(matches!(
                SiteKey::from_bytes(KeyId(1), weak),
                Err(CredentialError::WeakKey {
                    key_id: KeyId(1),
                    ..
                })
            ));
            let mut bytes = alloc::vec![KEY_RING_FORMAT, 0, 1, 0, 1];
            bytes.extend_from_slice(&weak);
            assert!(matches!(
                KeyRing::from_secret_bytes(&bytes),
                Err(CredentialError::WeakKey { .. })
            ));
        }
        assert!(SiteKey::from_bytes(KeyId(1), secret(9)).is_ok());
        // A generator stuck at zero is refused too.
        struct Zeros;
        impl rand_core::TryRng for Zeros {
            type Error = core::convert::Infallible;
            fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
                Ok(0)
            }
            fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
                Ok(0)
            }
            fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
                dst.fill(0);
                Ok(())
            }
        }
        impl rand_core::TryCryptoRng for Zeros {}
        assert!(KeyRing::new().rotate(&mut Zeros).is_err());
    }

    #[test]
    fn check_values_tell_rings_apart_and_reveal_no_tag() {
        let a = SiteKey::from_bytes(KeyId(1), secret(1)).unwrap();
        let b = SiteKey::from_bytes(KeyId(1), secret(2)).unwrap();
        assert_ne!(a.check_value(), b.check_value());
        assert_eq!(a.check_value(), a.clone().check_value());
        assert_eq!(a.check_value().key_id, KeyId(1));
        // Not the prefix of any tag of another purpose.
        for purpose in KeyPurpose::ALL {
            let tag = a.mac(&Domain::new(purpose, KEY_CHECK_DOMAIN), &[]);
            assert_eq!(
                tag[..KEY_CHECK_BYTES] == a.check_value().check.0,
                purpose == KeyPurpose::KeyCheck
            );
        }
    }

    #[test]
    fn a_wiped_key_no_longer_makes_its_tags() {
        let mut key = SiteKey::from_bytes(KeyId(1), secret(7)).unwrap();
        let before = key.tag(&PIN, &[b"1234"]);
        assert_eq!(
            before,
            SiteKey::from_bytes(KeyId(1), secret(7))
                .unwrap()
                .tag(&PIN, &[b"1234"])
        );
        key.zeroize();
        assert_eq!(key.expose_secret(), &[0; SITE_KEY_BYTES]);
        let after = key.tag(&PIN, &[b"1234"]);
        assert_ne!(after, before);
        assert_eq!(after.0, hmac(&[0; 32], &[&framed(b"t", &[b"1234"])]));
        assert_eq!(key.legacy_tag(&PIN, &[b"1234"]), after);
    }

    #[test]
    fn a_ring_survives_its_bytes_and_never_reuses_a_retired_id() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(3);
        let mut ring = KeyRing::new();
        ring.rotate(&mut rng).unwrap();
        let second = ring.rotate(&mut rng).unwrap();
        let third = ring.rotate(&mut rng).unwrap();
        ring.retire(third).unwrap();
        let bytes = ring.to_secret_bytes();
        assert_eq!(bytes.len(), 3 + 2 * 34);
        let mut back = KeyRing::from_secret_bytes(&bytes).unwrap();
        assert_eq!(
            back.get(second).unwrap().expose_secret(),
            ring.get(second).unwrap().expose_secret()
        );
        assert_eq!(back.checks(), ring.checks());
        assert_eq!(back.rotate(&mut rng).unwrap(), KeyId(4));
        assert!(KeyRing::from_secret_bytes(&bytes[..bytes.len() - 1]).is_err());
        assert!(KeyRing::from_secret_bytes(&[2, 0, 0]).is_err());
        assert!(KeyRing::from_secret_bytes(&[]).is_err());
        assert!(KeyRing::from_secret_bytes(&[KEY_RING_FORMAT, 0, 0]).is_err());
        let mut low = bytes.to_vec();
        low[2] = 1;
        assert!(KeyRing::from_secret_bytes(&low).is_err());
    }

    #[test]
    fn debug_never_shows_the_secret() {
        let key = SiteKey::from_bytes(KeyId(3), secret(0xAB)).unwrap();
        let text = format!("{key:?} {:?}", {
            let mut ring = KeyRing::new();
            ring.add(key.clone()).unwrap();
            ring
        });
        assert!(!text.to_lowercase().contains("ab, ") && !text.contains("171"));
        assert!(text.contains("redacted"));
    }

    #[test]
    fn rotation_never_reuses_ids() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(1);
        let mut ring = KeyRing::new();
        assert_eq!(ring.rotate(&mut rng).unwrap(), KeyId(1));
        assert_eq!(ring.rotate(&mut rng).unwrap(), KeyId(2));
        ring.retire(KeyId(2)).unwrap();
        assert_eq!(ring.newest().unwrap().id(), KeyId(1));
        assert_eq!(ring.rotate(&mut rng).unwrap(), KeyId(3));
        assert_eq!(
            ring.add(SiteKey::from_bytes(KeyId(1), secret(5)).unwrap()),
            Err(CredentialError::DuplicateKeyId { key_id: KeyId(1) })
        );
        assert_eq!(
            ring.retire(KeyId(9)),
            Err(CredentialError::UnknownKeyId { key_id: KeyId(9) })
        );
        assert_eq!(ring.ids().collect::<Vec<_>>(), [KeyId(1), KeyId(3)]);
    }

    #[test]
    fn ct_eq_bytes_compares_every_byte() {
        let a = [7u8; 37];
        for i in 0..a.len() {
            let mut b = a;
            b[i] ^= 0x10;
            assert!(!ct_eq_bytes(&a, &b));
        }
        assert!(ct_eq_bytes(&a, &a.clone()));
        assert!(!ct_eq_bytes(&a, &a[..36]));
    }

    #[test]
    fn tag_order_is_byte_order() {
        let mut a = Tag([0; TAG_BYTES]);
        let mut b = a;
        for i in 0..TAG_BYTES {
            a.0[i] = 1;
            b.0[i] = 2;
            assert_eq!(a.cmp(&b), a.0.cmp(&b.0));
            a.0[i] = 3;
            assert_eq!(a.cmp(&b), a.0.cmp(&b.0));
            b.0[i] = 3;
        }
        assert_eq!(a.cmp(&b), core::cmp::Ordering::Equal);
    }

    #[test]
    fn tag_hex_round_trips() {
        let tag = Tag([0x5a; TAG_BYTES]);
        assert_eq!(Tag::from_hex(&format!("{tag}")), Some(tag));
        assert_eq!(Tag::from_hex("zz"), None);
    }
}
