//! Records as JSON lines: one record a line, each line ended by `\n`.
//!
//! A record is durable once its newline is written (and synced). After a
//! power cut the last line may be cut short; [`read`] drops such a torn,
//! unterminated tail and says so, while damage anywhere else is an error.
//!
//! Tagged objects inside a record (an entry's `"type"`, a credential
//! kind's `"type"`) have the tag as their first field, where the
//! serializer writes it; a reader requires it there.
//!
//! A line must be exactly the text its record is written as: the hash
//! covers the record's canonical JSON, so a line that parses to the same
//! record but is spelt otherwise (spacing, key order, escapes, an unknown
//! field) would otherwise pass with a hash that was never computed over
//! it. [`read`] refuses such a line as [`JournalError::NotCanonical`].

use alloc::string::{String, ToString};
use alloc::vec::Vec;

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::{Chain, Digest, JournalError, Record, Trust, Verified, Verifier};

/// A record as one JSON line, without the newline.
#[must_use]
pub fn to_line<E: Serialize>(record: &Record<E>) -> String {
    // JSON is UTF-8.
    String::from_utf8(super::to_json_vec(record)).unwrap_or_default()
}

/// Parses one line (`line_number` is 1-based, for the error).
///
/// # Errors
///
/// [`JournalError::UnsupportedVersion`] when the line is a record of a
/// version this library does not read, even if its entry does not parse
/// here (a newer library's entry kind); [`JournalError::Malformed`] when
/// the line is not a record.
pub fn parse_line<E: DeserializeOwned>(
    text: &str,
    line_number: usize,
) -> Result<Record<E>, JournalError> {
    serde_json::from_str(text).map_err(|error| {
        // Only on failure: a good line is parsed once.
        match serde_json::from_str::<Head>(text) {
            Ok(head) if !super::is_readable_version(head.v) => JournalError::UnsupportedVersion {
                seq: head.seq,
                version: head.v,
            },
            _ => JournalError::Malformed {
                line: line_number,
                message: error.to_string(),
            },
        }
    })
}

/// What every record version has: enough to say which version a line is
/// when the rest of it does not parse.
#[derive(serde::Deserialize)]
struct Head {
    v: u32,
    seq: u64,
}

/// A last line that was cut short by a power cut and dropped.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct TornTail {
    /// Its 1-based line number.
    pub line: usize,
    /// How many bytes were dropped.
    pub bytes: usize,
}

/// The records of a journal text, verified.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Loaded<E> {
    /// The records, oldest first.
    pub records: Vec<Record<E>>,
    /// What the verification established (chain, authentication, head).
    pub verified: Verified,
    /// The torn last line, if one was dropped.
    pub torn_tail: Option<TornTail>,
    /// How many bytes of the text are whole records (where to truncate).
    pub valid_bytes: usize,
}

impl<E> Loaded<E> {
    /// Where the chain stands after the records.
    #[must_use]
    pub const fn chain(&self) -> Chain {
        self.verified.chain
    }
}

/// A journal text's whole lines: each with its 1-based number and its
/// length with the newline. An unterminated last line is no record but a
/// write cut short: it ends the lines and is kept as the torn tail.
pub(crate) struct WholeLines<'t> {
    segments: core::iter::Enumerate<core::str::SplitInclusive<'t, char>>,
    /// The unterminated last line, once the lines reached it.
    pub(crate) torn_tail: Option<TornTail>,
}

impl<'t> WholeLines<'t> {
    pub(crate) fn new(text: &'t str) -> Self {
        Self {
            segments: text.split_inclusive('\n').enumerate(),
            torn_tail: None,
        }
    }
}

impl<'t> Iterator for WholeLines<'t> {
    type Item = (usize, &'t str, usize);

    fn next(&mut self) -> Option<Self::Item> {
        let (index, segment) = self.segments.next()?;
        let line_number = index + 1;
        if let Some(line) = segment.strip_suffix('\n') {
            return Some((line_number, line, segment.len()));
        }
        self.torn_tail = Some(TornTail {
            line: line_number,
            bytes: segment.len(),
        });
        None
    }
}

/// Reads and verifies a journal text against `trust` (its keys, its start,
/// what was seen before).
///
/// # Errors
///
/// [`JournalError::Malformed`] for a damaged line that is not the torn
/// tail, [`JournalError::NotCanonical`] for a line that is not exactly its
/// record's text, and any error of [`verify`](super::verify).
pub fn read<E: DeserializeOwned + Serialize>(
    text: &str,
    trust: &Trust<'_>,
) -> Result<Loaded<E>, JournalError> {
    let mut verifier = Verifier::new(*trust)?;
    let mut records = Vec::new();
    let mut valid_bytes = 0;
    let mut lines = WholeLines::new(text);
    for (line_number, line, bytes) in lines.by_ref() {
        let record = parse_line(line, line_number)?;
        let hash = canonical_hash(&record, line, line_number)?;
        verifier.push_hashed(&record, &hash)?;
        records.push(record);
        valid_bytes += bytes;
    }
    Ok(Loaded {
        records,
        verified: verifier.finish()?,
        torn_tail: lines.torn_tail,
        valid_bytes,
    })
}

/// The hash of `record`'s body, after checking that `line` is exactly the
/// record's text (so the bytes read are the bytes hashed).
fn canonical_hash<E: Serialize>(
    record: &Record<E>,
    line: &str,
    line_number: usize,
) -> Result<Digest, JournalError> {
    let body = record.body_json();
    let hash = Digest(<sha2::Sha256 as sha2::Digest>::digest(&body).into());
    // The record's text is its body without the closing brace, then the
    // hash and the seal, then the brace.
    let open_body = body.get(..body.len().saturating_sub(1)).unwrap_or_default();
    let mut tail = alloc::format!(",\"hash\":\"{}\"", record.hash);
    if let (Some(key_id), Some(mac)) = (record.key_id, record.mac) {
        tail.push_str(&alloc::format!(
            ",\"key_id\":{},\"mac\":\"{mac}\"",
            key_id.0
        ));
    }
    tail.push('}');
    let bytes = line.as_bytes();
    let canonical = bytes.len() == open_body.len() + tail.len()
        && bytes.starts_with(open_body)
        && bytes.ends_with(tail.as_bytes());
    if !canonical {
        return Err(JournalError::NotCanonical {
            line: line_number,
            seq: record.seq,
        });
    }
    Ok(hash)
}

/// Writes records as JSON lines, each with its newline.
#[must_use]
pub fn write<E: Serialize>(records: &[Record<E>]) -> String {
    let mut text = String::new();
    for record in records {
        text.push_str(&to_line(record));
        text.push('\n');
    }
    text
}
