//! The journal: every state change as one record, hash-chained with
//! SHA-256 and authenticated with a MAC under the site's journal key.
//!
//! Each [`Record`] carries a sequence number, the time, the hash of the
//! record before it, its own hash over all of that and its entry, and a
//! MAC of its sequence number and hash under the journal key of the newest
//! site key (HMAC-SHA256, truncated to 128 bits, with a key derived for
//! the journal alone:
//! see [`KeyPurpose::Journal`](crate::credential::KeyPurpose)). So an edited
//! record no longer matches its hash, a missing one breaks the sequence, a
//! reordered one breaks the chain, and a chain rewritten with recomputed
//! hashes fails its MACs: [`verify`] names the first record where any of
//! that happens. Records cut off the end are found against a [`Head`]
//! seen before or a board's monotonic counter ([`Trust`]).
//!
//! Records are stored as JSON lines (`{"v":3,"seq":…,"at_s":…,"prev":…,
//! "entry":…,"hash":…,"key_id":…,"mac":…}`); [`lines`] reads and writes
//! them, refuses a line that is not exactly the text its record is written
//! as, and recovers from a torn last line after a power cut. The entry type
//! is the caller's (the locker's [`Entry`](crate::locker::Entry)); this
//! module only seals and checks.
//!
//! ```
//! use locker_core::credential::KeyRing;
//! use locker_core::journal::{Chain, JournalError, Trust, verify};
//! use rand::SeedableRng;
//!
//! let mut keys = KeyRing::new();
//! keys.rotate(&mut rand::rngs::StdRng::seed_from_u64(1))?;
//! let mut chain = Chain::new();
//! let records = vec![
//!     chain.seal(&keys, 100, "deposited".to_string())?,
//!     chain.seal(&keys, 160, "collected".to_string())?,
//! ];
//! let trust = Trust::with_keys(&keys);
//! assert!(verify(&records, &trust).is_ok());
//!
//! // An edit with a recomputed hash still fails: the MAC needs the key.
//! let mut edited = records.clone();
//! edited[1].entry = "nothing happened".to_string();
//! edited[1].hash = edited[1].compute_hash();
//! assert!(matches!(verify(&edited, &trust), Err(JournalError::Forged { seq: 1, .. })));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Format versions
//!
//! A locker's journal outlives the library that wrote it, so the format
//! follows three rules:
//!
//! - **A record reads the same forever.** This library reads every
//!   version from 1 to [`RECORD_VERSION`], and a record re-serializes to
//!   exactly the bytes its hash was computed over. A frozen journal of
//!   each version, holding every kind of entry, is read, verified and
//!   replayed by the tests (`tests/data/journal-v1.jsonl`), and the names
//!   of each version's kinds and values are frozen in a table the tests
//!   compare with what this library reads.
//! - **A change an older reader would misread bumps the version.** A new
//!   entry kind, a new field or a new enum value: an older library would
//!   refuse the line, or drop the field and then find the record "edited".
//!   With the bump, the new records carry the new `v`, and the older
//!   library says [`JournalError::UnsupportedVersion`] instead: upgrade,
//!   not tampering.
//! - **The version is read first.** A line of a newer version whose entry
//!   this library cannot parse is still reported as
//!   [`JournalError::UnsupportedVersion`], not as malformed.
//!
//! Version 1 records carry no MAC: they were written before journals were
//! authenticated. They are read as a legacy prefix, vouched for by the
//! first authenticated record after them (which chains to them), or
//! accepted on their own only when the caller says so
//! ([`Trust::accept_legacy`]). A version-1 record after a version-2 one is
//! a downgrade and is refused.

pub mod compact;
#[cfg(feature = "std")]
mod file;
mod json_digest;
pub(crate) use json_digest::{json_digest, to_json_vec};
pub mod flash;
pub mod lines;
#[cfg(feature = "std")]
pub mod raw;
mod verify;
mod walk;

use alloc::vec::Vec;
use core::fmt;

use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

use crate::credential::keys::{Domain, ct_eq_bytes};
use crate::credential::{CredentialError, KeyId, KeyPurpose, KeyRing};

#[cfg(feature = "std")]
pub use file::{FileJournal, FileJournalError, Opened};
pub use verify::{Head, Trust, Verified, Verifier, verify};

/// The record format version this library writes; it reads every version
/// from 1 up to this one (see [Format versions](self#format-versions)).
/// Version 2 added the MAC (`key_id`, `mac`). Version 3 keeps every
/// number it writes within 2^53 − 1 ([`MAX_SAFE_INTEGER`](crate::MAX_SAFE_INTEGER)),
/// so a record crosses into JavaScript as plain numbers: credential ids are
/// drawn in 53 bits, and "never expires" is an absent `expires_at_s` where
/// versions 1 and 2 wrote 2^64 − 1. Those still read, and re-serialize,
/// as they were written.
pub const RECORD_VERSION: u32 = 3;
/// The first version whose records carry a MAC.
pub const AUTHENTICATED_VERSION: u32 = 2;
/// Bytes of a record's MAC: HMAC-SHA256 truncated to 128 bits.
pub const RECORD_MAC_BYTES: usize = 16;
/// MAC domain of records.
const RECORD_DOMAIN: Domain = Domain::new(KeyPurpose::Journal, b"lk/journal/2");

/// A SHA-256 digest, written as 64 lowercase hex digits in JSON.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Digest(pub [u8; 32]);

impl Digest {
    /// The `prev` of the first record of a journal.
    pub const ZERO: Self = Self([0; 32]);
}

impl fmt::Display for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        crate::hex::fmt(&self.0, f)
    }
}

impl fmt::Debug for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Digest({self})")
    }
}

impl Serialize for Digest {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        crate::hex::serialize(&self.0, serializer)
    }
}

impl<'de> Deserialize<'de> for Digest {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        crate::hex::deserialize(deserializer).map(Self)
    }
}

/// A record's (or a snapshot's) MAC, written as 32 lowercase hex digits.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct RecordMac(pub [u8; RECORD_MAC_BYTES]);

impl RecordMac {
    /// The MAC of the record `seq` whose hash is `hash`, under `key_id`'s
    /// journal key in `keys`: the sequence number is under the MAC too, so
    /// a head names its position with authority.
    fn compute(
        keys: &KeyRing,
        key_id: KeyId,
        domain: &Domain,
        seq: u64,
        hash: &Digest,
    ) -> Option<Self> {
        let key = keys.get(key_id).ok()?;
        let full = key.mac(domain, &[&seq.to_be_bytes(), &hash.0]);
        let mut mac = [0_u8; RECORD_MAC_BYTES];
        mac.copy_from_slice(&full[..RECORD_MAC_BYTES]);
        Some(Self(mac))
    }

    /// Whether this is the MAC of record `seq` with `hash` under `key_id`'s
    /// journal key: `None` when the ring does not hold that key. Constant
    /// time.
    fn verifies(
        &self,
        keys: &KeyRing,
        key_id: KeyId,
        domain: &Domain,
        seq: u64,
        hash: &Digest,
    ) -> Option<bool> {
        let expected = Self::compute(keys, key_id, domain, seq, hash)?;
        Some(ct_eq_bytes(&expected.0, &self.0))
    }
}

impl fmt::Display for RecordMac {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        crate::hex::fmt(&self.0, f)
    }
}

impl fmt::Debug for RecordMac {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RecordMac({self})")
    }
}

impl Serialize for RecordMac {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        crate::hex::serialize(&self.0, serializer)
    }
}

impl<'de> Deserialize<'de> for RecordMac {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        crate::hex::deserialize(deserializer).map(Self)
    }
}

/// A MAC and the key that made it: what authenticates a record, a head or
/// a snapshot.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Seal {
    /// The site key whose journal key made the MAC.
    pub key_id: KeyId,
    /// The MAC.
    pub mac: RecordMac,
}

impl Seal {
    /// Seals position `seq` and `hash` with the newest key of `keys` in
    /// `domain`.
    pub(crate) fn new(
        keys: &KeyRing,
        domain: &Domain,
        seq: u64,
        hash: &Digest,
    ) -> Result<Self, CredentialError> {
        let key_id = keys.newest()?.id();
        let mac =
            RecordMac::compute(keys, key_id, domain, seq, hash).ok_or(CredentialError::NoKeys)?;
        Ok(Self { key_id, mac })
    }

    /// Whether the seal is the MAC of position `seq` and `hash`: `None`
    /// when the ring does not hold the key.
    pub(crate) fn verifies(
        &self,
        keys: &KeyRing,
        domain: &Domain,
        seq: u64,
        hash: &Digest,
    ) -> Option<bool> {
        self.mac.verifies(keys, self.key_id, domain, seq, hash)
    }
}

/// One sealed state change.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Record<E> {
    /// Format version: [`RECORD_VERSION`] when this library wrote it.
    pub v: u32,
    /// Position in the journal, from 0, with no gaps.
    pub seq: u64,
    /// When it happened, unix seconds.
    pub at_s: u64,
    /// Hash of the record before ([`Digest::ZERO`] for the first).
    pub prev: Digest,
    /// What changed.
    pub entry: E,
    /// SHA-256 over `v`, `seq`, `at_s`, `prev` and `entry`.
    pub hash: Digest,
    /// The site key whose journal key made `mac` (absent in version 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_id: Option<KeyId>,
    /// HMAC-SHA256 of `seq` and `hash` under the journal key, 128 bits
    /// (absent in version 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mac: Option<RecordMac>,
}

/// The part of a record its hash covers, in a fixed field order.
#[derive(Serialize)]
struct Body<'a, E> {
    v: u32,
    seq: u64,
    at_s: u64,
    prev: &'a Digest,
    entry: &'a E,
}

impl<E: Serialize> Record<E> {
    /// The hash this record should carry.
    #[must_use]
    pub fn compute_hash(&self) -> Digest {
        Digest(Sha256::digest(self.body_json()).into())
    }

    /// The JSON its hash covers: compact, fields in declaration order, no
    /// floats and no maps with unordered keys, so the bytes are canonical.
    pub(crate) fn body_json(&self) -> Vec<u8> {
        let body = Body {
            v: self.v,
            seq: self.seq,
            at_s: self.at_s,
            prev: &self.prev,
            entry: &self.entry,
        };
        // Plain data with string keys always serializes.
        to_json_vec(&body)
    }
}

impl<E> Record<E> {
    /// The record's seal, when it carries one.
    #[must_use]
    pub const fn seal(&self) -> Option<Seal> {
        match (self.key_id, self.mac) {
            (Some(key_id), Some(mac)) => Some(Seal { key_id, mac }),
            _ => None,
        }
    }

    /// This record as a journal head, to export and check later.
    #[must_use]
    pub const fn head(&self) -> Head {
        Head {
            seq: self.seq,
            hash: self.hash,
            seal: self.seal(),
            bank_id: None,
        }
    }
}

/// Where the next record goes: its sequence number and the hash it links
/// to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Chain {
    /// Sequence number of the next record.
    pub next_seq: u64,
    /// Hash of the last record ([`Digest::ZERO`] when empty).
    pub head: Digest,
}

impl Default for Chain {
    fn default() -> Self {
        Self::new()
    }
}

impl Chain {
    /// The start of an empty journal.
    #[must_use]
    pub const fn new() -> Self {
        Self {
            next_seq: 0,
            head: Digest::ZERO,
        }
    }

    /// Seals `entry` as the next record with the newest key of `keys`, and
    /// advances the chain.
    ///
    /// # Errors
    ///
    /// [`CredentialError::NoKeys`] for an empty ring.
    pub fn seal<E: Serialize>(
        &mut self,
        keys: &KeyRing,
        at_s: u64,
        entry: E,
    ) -> Result<Record<E>, CredentialError> {
        let record = self.peek(keys, at_s, entry)?;
        self.advance(&record);
        Ok(record)
    }

    /// Seals `entry` as the next record without advancing: for writing it
    /// to storage first and advancing (with [`Chain::advance`]) only once
    /// it is durable.
    ///
    /// # Errors
    ///
    /// [`CredentialError::NoKeys`] for an empty ring.
    pub fn peek<E: Serialize>(
        &self,
        keys: &KeyRing,
        at_s: u64,
        entry: E,
    ) -> Result<Record<E>, CredentialError> {
        let mut record = Record {
            v: RECORD_VERSION,
            seq: self.next_seq,
            at_s,
            prev: self.head,
            entry,
            hash: Digest::ZERO,
            key_id: None,
            mac: None,
        };
        record.hash = record.compute_hash();
        let seal = Seal::new(keys, &RECORD_DOMAIN, record.seq, &record.hash)?;
        record.key_id = Some(seal.key_id);
        record.mac = Some(seal.mac);
        Ok(record)
    }

    /// Moves past `record`.
    pub fn advance<E>(&mut self, record: &Record<E>) {
        self.next_seq = record.seq.saturating_add(1);
        self.head = record.hash;
    }
}

/// What is wrong with a journal. Each variant names the first bad record.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum JournalError {
    /// A line is not a record.
    #[error("journal line {line} is not a record: {message}")]
    Malformed {
        /// 1-based line number.
        line: usize,
        /// What the parser said.
        message: alloc::string::String,
    },
    /// A line parses as a record but is not the exact text that record is
    /// written as (spacing, key order, escapes, number spelling): what was
    /// read is not what was hashed.
    #[error("journal line {line} (record {seq}) is not written as its record is: edited")]
    NotCanonical {
        /// 1-based line number.
        line: usize,
        /// The record.
        seq: u64,
    },
    /// A record of a format this library does not read: written by a newer
    /// library (upgrade this one), or not a version at all.
    #[error(
        "record {seq} has format version {version}; this library reads versions 1 to {RECORD_VERSION}"
    )]
    UnsupportedVersion {
        /// The record.
        seq: u64,
        /// Its version.
        version: u32,
    },
    /// A record's content does not match its hash: it was edited.
    #[error("record {seq} was edited: its content does not match its hash")]
    Edited {
        /// The record.
        seq: u64,
    },
    /// Records are missing before this one.
    #[error("records {expected} to {} are missing before record {found}", found.saturating_sub(1))]
    Missing {
        /// The sequence number that should have come.
        expected: u64,
        /// The one that came.
        found: u64,
    },
    /// A record comes again or out of order.
    #[error("record {found} is out of order or repeated: record {expected} was expected")]
    OutOfOrder {
        /// The sequence number that should have come.
        expected: u64,
        /// The one that came.
        found: u64,
    },
    /// A record does not link to the one before it.
    #[error("record {seq} does not link to the record before it")]
    BrokenLink {
        /// The record.
        seq: u64,
    },
    /// A record's MAC does not verify: it was written (or rewritten, with
    /// recomputed hashes) by someone without the journal key.
    #[error("record {seq} is forged: its MAC does not verify under key {key_id}")]
    Forged {
        /// The record.
        seq: u64,
        /// The key it names.
        key_id: KeyId,
    },
    /// The last records name a key the ring does not hold, and no record
    /// after them vouches for them.
    #[error("record {seq} is sealed with key {key_id}, which the key ring does not hold")]
    UnknownKey {
        /// The first record no known key vouches for.
        seq: u64,
        /// The key it names.
        key_id: KeyId,
    },
    /// Records without a MAC where one is required: a version-1 tail no
    /// authenticated record vouches for (accepted only with
    /// [`Trust::accept_legacy`]), a version-2 record without its MAC, or a
    /// version-1 record after an authenticated one (a downgrade).
    #[error("record {seq} carries no MAC and nothing authenticates it")]
    Unauthenticated {
        /// The first such record.
        seq: u64,
    },
    /// The journal ends before a record seen before (an exported head, the
    /// board's monotonic counter): records were cut off the end or the
    /// storage was rolled back.
    #[error(
        "the journal ends before record {}: {expected_records} records were seen before, it holds {found_records}",
        expected_records.saturating_sub(1)
    )]
    RolledBack {
        /// Records the head or counter vouches for.
        expected_records: u64,
        /// Records the journal holds.
        found_records: u64,
    },
    /// The record at an exported head's position differs from that head:
    /// the journal was rewritten from there (or it is another journal).
    #[error("record {seq} differs from the head exported before")]
    HeadMismatch {
        /// The record.
        seq: u64,
    },
    /// The key ring is not the one the journal was written with: a key
    /// with this id has another check value (another site's ring).
    #[error(
        "key {key_id} of this ring has another check value than the journal's key {key_id}: another site's ring"
    )]
    WrongKeyRing {
        /// The key.
        key_id: KeyId,
    },
    /// No key ring to authenticate with (an empty ring).
    #[error("the key ring is empty: nothing can authenticate the journal")]
    NoKeys,
    /// The journal (or snapshot) is another bank's: banks sharing a key
    /// ring authenticate each other's journals, so a restore is told which
    /// bank it is for (`Restore::expected_bank`, or the bank of an
    /// exported head).
    #[error("the journal is bank {found}'s, not bank {expected}'s")]
    WrongBank {
        /// The bank the board is.
        expected: u64,
        /// The bank the journal configures.
        found: u64,
    },
    /// A stored value (a compressed snapshot) could not be expanded: the
    /// heap has no room for it. Nothing says the value is damaged: free
    /// memory, or give the part more heap, and open the journal again.
    /// Never erase a journal for this error.
    #[error("no memory to expand a stored value to {needed_bytes} bytes: the value may be sound")]
    OutOfMemory {
        /// Bytes the expansion asked for.
        needed_bytes: u64,
    },
}

impl JournalError {
    /// The sequence number of the first bad record, when known.
    #[must_use]
    pub const fn seq(&self) -> Option<u64> {
        match self {
            Self::Malformed { .. }
            | Self::RolledBack { .. }
            | Self::WrongKeyRing { .. }
            | Self::WrongBank { .. }
            | Self::OutOfMemory { .. }
            | Self::NoKeys => None,
            Self::NotCanonical { seq, .. }
            | Self::UnsupportedVersion { seq, .. }
            | Self::Edited { seq }
            | Self::BrokenLink { seq }
            | Self::Forged { seq, .. }
            | Self::UnknownKey { seq, .. }
            | Self::Unauthenticated { seq }
            | Self::HeadMismatch { seq } => Some(*seq),
            Self::Missing { found, .. } | Self::OutOfOrder { found, .. } => Some(*found),
        }
    }
}

/// Checks that `record` is the valid successor of `chain`: its version,
/// its place, its hash and its link (not its MAC: see [`Verifier`]).
///
/// # Errors
///
/// As [`verify`], for this one record.
pub fn check_next<E: Serialize>(chain: &Chain, record: &Record<E>) -> Result<(), JournalError> {
    check_link(chain, record, &record.compute_hash())
}

/// [`check_next`] with the record's hash already computed.
fn check_link<E>(chain: &Chain, record: &Record<E>, hash: &Digest) -> Result<(), JournalError> {
    if !is_readable_version(record.v) {
        return Err(JournalError::UnsupportedVersion {
            seq: record.seq,
            version: record.v,
        });
    }
    let sealed = record.key_id.is_some() || record.mac.is_some();
    if sealed != (record.v >= AUTHENTICATED_VERSION) || (sealed && record.seal().is_none()) {
        // A version-1 record with a MAC, or a version-2 one without (or
        // with half of one): not a record any library wrote.
        return Err(JournalError::Unauthenticated { seq: record.seq });
    }
    if record.seq > chain.next_seq {
        return Err(JournalError::Missing {
            expected: chain.next_seq,
            found: record.seq,
        });
    }
    if record.seq < chain.next_seq {
        return Err(JournalError::OutOfOrder {
            expected: chain.next_seq,
            found: record.seq,
        });
    }
    if *hash != record.hash {
        return Err(JournalError::Edited { seq: record.seq });
    }
    if record.prev != chain.head {
        return Err(JournalError::BrokenLink { seq: record.seq });
    }
    Ok(())
}

/// True for the format versions this library reads.
const fn is_readable_version(v: u32) -> bool {
    v >= 1 && v <= RECORD_VERSION
}

/// Where sealed records are made durable: memory, a file, the vendor's
/// flash through the C ABI.
pub trait JournalSink<E> {
    /// Why a record could not be stored.
    type Error: fmt::Debug + fmt::Display;

    /// Stores `record` durably; when this returns `Ok` the record survives
    /// a power cut.
    ///
    /// # Errors
    ///
    /// The storage's error; the caller then treats the change as not made.
    fn append(&mut self, record: &Record<E>) -> Result<(), Self::Error>;

    /// Whether the storage asks to be compacted: it passed its configured
    /// size, or a failed write left it unable to take more records. The
    /// [`Locker`](crate::locker::Locker) compacts before its next record.
    fn wants_compaction(&self) -> bool {
        false
    }

    /// Starts the journal again from `snapshot`: the JSON bytes of a
    /// sealed [`Snapshot`](crate::locker::Snapshot) of the state after the
    /// last record appended. Once this returns `Ok(true)` the snapshot is
    /// durable, the records it covers may be dropped, and the next record
    /// follows it. `Ok(false)`: this storage does not compact (the default).
    ///
    /// # Errors
    ///
    /// The storage's error; the journal is then as it was.
    fn compact(&mut self, snapshot: &[u8]) -> Result<bool, Self::Error> {
        let _ = snapshot;
        Ok(false)
    }

    /// Whether this storage compacts from a snapshot in the storage
    /// encoding, compressed ([`compact::encode_snapshot_of`]), through
    /// [`JournalSink::compact_encoded`] instead of its JSON: a flash
    /// journal does, so a compaction never holds the JSON text of the whole
    /// state in RAM (the seal hashes the JSON as it is written). A storage
    /// that says so is never sent the snapshot's JSON:
    /// [`JournalSink::compact_encoded`] answers for it, `Ok(false)` being
    /// "not compacted", as from [`JournalSink::compact`]. Such a storage
    /// must override [`JournalSink::compact_encoded`] (the default never
    /// compacts), and should not decline while
    /// [`JournalSink::wants_compaction`] is true: the locker would encode
    /// the snapshot again before every record.
    fn takes_encoded_snapshots(&self) -> bool {
        false
    }

    /// [`JournalSink::compact`] from the snapshot in the storage encoding,
    /// compressed, for a storage whose
    /// [`takes_encoded_snapshots`](JournalSink::takes_encoded_snapshots)
    /// is true: `Ok(true)` once the snapshot is durable, `Ok(false)` when
    /// the storage did not compact (the default, which is why such a
    /// storage overrides it).
    ///
    /// # Errors
    ///
    /// The storage's error; the journal is then as it was.
    fn compact_encoded(&mut self, stored: &[u8]) -> Result<bool, Self::Error> {
        let _ = stored;
        Ok(false)
    }
}

impl<E: Clone> JournalSink<E> for MemoryJournal<E> {
    type Error = core::convert::Infallible;

    fn append(&mut self, record: &Record<E>) -> Result<(), Self::Error> {
        self.records.push(record.clone());
        Ok(())
    }
}

/// Records collected in memory, sealed as they are appended: the default
/// journal for tests, demos and hosts that persist elsewhere.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MemoryJournal<E> {
    records: Vec<Record<E>>,
}

impl<E> Default for MemoryJournal<E> {
    fn default() -> Self {
        Self {
            records: Vec::new(),
        }
    }
}

impl<E> MemoryJournal<E> {
    /// An empty journal.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Every record, oldest first.
    #[must_use]
    pub fn records(&self) -> &[Record<E>] {
        &self.records
    }

    /// Appends a sealed record.
    pub fn push(&mut self, record: Record<E>) {
        self.records.push(record);
    }
}

#[cfg(test)]
mod tests;
