//! The journal: every state change as one record, hash-chained with SHA-256.
//!
//! Each [`Record`] carries a sequence number, the time, the hash of the
//! record before it and its own hash over all of that and its entry. So an
//! edited record no longer matches its hash, a missing one breaks the
//! sequence, and a reordered one breaks the chain; [`verify`] names the
//! first record where any of that happens.
//!
//! Records are stored as JSON lines (`{"v":1,"seq":…,"at_s":…,"prev":…,
//! "entry":…,"hash":…}`); [`lines`] reads and writes them and recovers from
//! a torn last line after a power cut. The entry type is the caller's (the
//! locker's [`Entry`](crate::locker::Entry)); this module only seals and
//! checks.
//!
//! ```
//! use locker_core::journal::{Chain, verify};
//!
//! let mut chain = Chain::new();
//! let records = vec![
//!     chain.seal(100, "deposited".to_string()),
//!     chain.seal(160, "collected".to_string()),
//! ];
//! assert!(verify(&records, None).is_ok());
//!
//! let mut edited = records.clone();
//! edited[0].entry = "nothing happened".to_string();
//! assert_eq!(verify(&edited, None).unwrap_err().seq(), Some(0));
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

#[cfg(feature = "std")]
mod file;
pub mod lines;

use alloc::vec::Vec;
use core::fmt;

use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

#[cfg(feature = "std")]
pub use file::{FileJournal, FileJournalError, Opened};

/// The record format version this library writes; it reads every version
/// from 1 up to this one (see [Format versions](self#format-versions)).
pub const RECORD_VERSION: u32 = 1;

/// A SHA-256 digest, written as 64 lowercase hex digits in JSON.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Digest(pub [u8; 32]);

impl Digest {
    /// The `prev` of the first record of a journal.
    pub const ZERO: Self = Self([0; 32]);
}

impl fmt::Display for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for byte in self.0 {
            write!(f, "{byte:02x}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Digest({self})")
    }
}

impl Serialize for Digest {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut text = [0_u8; 64];
        for (pair, byte) in text.chunks_exact_mut(2).zip(self.0) {
            pair[0] = hex_digit(byte >> 4);
            pair[1] = hex_digit(byte & 0x0f);
        }
        // Hex digits are ASCII.
        serializer.serialize_str(core::str::from_utf8(&text).unwrap_or_default())
    }
}

impl<'de> Deserialize<'de> for Digest {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // Owned: a deserializer that cannot lend its text (a Python dict,
        // JSON with escapes) can still give a digest.
        let text = alloc::string::String::deserialize(deserializer)?;
        parse_hex(&text).ok_or_else(|| {
            serde::de::Error::invalid_value(
                serde::de::Unexpected::Str(&text),
                &"64 lowercase hex digits",
            )
        })
    }
}

fn hex_digit(nibble: u8) -> u8 {
    b"0123456789abcdef"[usize::from(nibble & 0x0f)]
}

fn parse_hex(text: &str) -> Option<Digest> {
    let bytes = text.as_bytes();
    if bytes.len() != 64 {
        return None;
    }
    let mut out = [0_u8; 32];
    for (byte, pair) in out.iter_mut().zip(bytes.chunks_exact(2)) {
        let value = |c: u8| match c {
            b'0'..=b'9' => Some(c - b'0'),
            b'a'..=b'f' => Some(c - b'a' + 10),
            _ => None,
        };
        *byte = (value(pair[0])? << 4) | value(pair[1])?;
    }
    Some(Digest(out))
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
        hash_body(&Body {
            v: self.v,
            seq: self.seq,
            at_s: self.at_s,
            prev: &self.prev,
            entry: &self.entry,
        })
    }
}

/// SHA-256 of the body's JSON: compact, fields in declaration order, no
/// floats and no maps with unordered keys, so the bytes are canonical.
fn hash_body<E: Serialize>(body: &Body<'_, E>) -> Digest {
    // Plain data with string keys always serializes.
    let bytes = serde_json::to_vec(body).unwrap_or_default();
    Digest(Sha256::digest(&bytes).into())
}

/// Where the next record goes: its sequence number and the hash it links
/// to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
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

    /// Seals `entry` as the next record and advances the chain.
    pub fn seal<E: Serialize>(&mut self, at_s: u64, entry: E) -> Record<E> {
        let record = self.peek(at_s, entry);
        self.advance(&record);
        record
    }

    /// Seals `entry` as the next record without advancing: for writing it
    /// to storage first and advancing (with [`Chain::advance`]) only once
    /// it is durable.
    #[must_use]
    pub fn peek<E: Serialize>(&self, at_s: u64, entry: E) -> Record<E> {
        let mut record = Record {
            v: RECORD_VERSION,
            seq: self.next_seq,
            at_s,
            prev: self.head,
            entry,
            hash: Digest::ZERO,
        };
        record.hash = record.compute_hash();
        record
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
    #[error("records {expected} to {} are missing before record {found}", found - 1)]
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
}

impl JournalError {
    /// The sequence number of the first bad record, when known.
    #[must_use]
    pub const fn seq(&self) -> Option<u64> {
        match self {
            Self::Malformed { .. } => None,
            Self::UnsupportedVersion { seq, .. }
            | Self::Edited { seq }
            | Self::BrokenLink { seq } => Some(*seq),
            Self::Missing { found, .. } | Self::OutOfOrder { found, .. } => Some(*found),
        }
    }
}

/// Checks that `records` form an unbroken chain: from `start` (a snapshot's
/// chain position) or from the beginning when `None`.
///
/// # Errors
///
/// The [`JournalError`] of the first bad record: edited, missing records
/// before it, out of order or repeated, or not linked.
pub fn verify<E: Serialize>(
    records: &[Record<E>],
    start: Option<Chain>,
) -> Result<Chain, JournalError> {
    let mut chain = start.unwrap_or_default();
    for record in records {
        check_next(&chain, record)?;
        chain.advance(record);
    }
    Ok(chain)
}

/// Checks that `record` is the valid successor of `chain`.
///
/// # Errors
///
/// As [`verify`], for this one record.
pub fn check_next<E: Serialize>(chain: &Chain, record: &Record<E>) -> Result<(), JournalError> {
    if !is_readable_version(record.v) {
        return Err(JournalError::UnsupportedVersion {
            seq: record.seq,
            version: record.v,
        });
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
    if record.compute_hash() != record.hash {
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
