//! Journal text read fast, each entry left as the JSON text it was written
//! as: for readers that need only a few of an entry's fields (a columnar
//! export, a quick verification) and would waste their time building the
//! typed entry.
//!
//! Each line is hashed as its bytes stand (the hash covers the record's
//! body: the line up to its `"hash"` field, closed), so the bytes read are
//! the bytes verified without serializing the record again. A line in
//! another spelling of the same record (a store that sorts keys, such as
//! Postgres `jsonb` or `json.dumps(sort_keys=True)`) does not hash as it
//! stands; it is read into the typed record, written again as the library
//! writes it, and verified in that form ([`Scanned::respelt`] counts them).
//! Either way the chain, the MACs and the heads are checked by the same
//! [`Verifier`] as [`lines::read`](super::lines::read).

use alloc::borrow::Cow;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

use serde::de::{DeserializeOwned, IgnoredAny};
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

use super::lines::{TornTail, WholeLines, parse_line};
use super::{Digest, JournalError, Record, Trust, Verified, Verifier};

/// One verified record, its entry as JSON text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RawRecord<'t> {
    /// Format version.
    pub v: u32,
    /// Position in the journal.
    pub seq: u64,
    /// When it happened, unix seconds.
    pub at_s: u64,
    /// The entry, as the library writes it: borrowed from the text when the
    /// line was written so, owned when it was respelt.
    pub entry_json: Cow<'t, str>,
    /// The record's hash.
    pub hash: Digest,
    /// Whether the line was another spelling of its record.
    pub respelt: bool,
}

/// What [`scan`] established about a whole text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scanned {
    /// What the verification established (chain, authentication, head).
    pub verified: Verified,
    /// The torn last line, if one was dropped.
    pub torn_tail: Option<TornTail>,
    /// How many bytes of the text are whole records.
    pub valid_bytes: usize,
    /// How many records were read.
    pub records: u64,
    /// How many lines were another spelling of their record.
    pub respelt: u64,
}

/// Reads and verifies a journal text against `trust`, handing each record
/// to `visit` in order once it is vouched for (with keys: once a MAC, its
/// own or a later record's, verifies; a record sealed with a key the ring
/// lacks, or a legacy one, waits for that or for the whole journal to
/// verify); `E` is the entry type a respelt line is read into (the
/// locker's [`Entry`](crate::locker::Entry)).
///
/// On an error the records before the bad one that were vouched for have
/// been visited, so a caller can keep the verified part and report where
/// it ends.
///
/// # Errors
///
/// As [`lines::read`](super::lines::read), except that a line in another
/// spelling of a genuine record (sorted keys, CRLF line ends) is read, not
/// refused, and that the entry of a line that hashes as it stands is not
/// checked against `E` (with keys its MAC vouches for it: the key holder
/// wrote it; without, integrity is all there is). An error of `visit`
/// stops the scan and is returned.
pub fn scan<'t, E: DeserializeOwned + Serialize>(
    text: &'t str,
    trust: &Trust<'_>,
    mut visit: impl FnMut(RawRecord<'t>) -> Result<(), JournalError>,
) -> Result<Scanned, JournalError> {
    scan_with::<E, IgnoredAny>(text, trust, |record, _| visit(record))
}

/// [`scan`], reading each entry as `V` too, in the same pass as the line
/// (a view of the fields the caller needs: serde skips the rest). `visit`
/// gets the view for lines read as they stand, and `None` for respelt
/// ones, whose entry the caller reads from the record's `entry_json`.
///
/// # Errors
///
/// As [`scan`].
pub fn scan_with<'t, E: DeserializeOwned + Serialize, V: Deserialize<'t>>(
    text: &'t str,
    trust: &Trust<'_>,
    mut visit: impl FnMut(RawRecord<'t>, Option<V>) -> Result<(), JournalError>,
) -> Result<Scanned, JournalError> {
    let mut verifier = Verifier::new(*trust)?;
    let mut valid_bytes = 0;
    let mut records = 0;
    let mut respelt = 0;
    // Records no MAC has vouched for yet (a key the ring lacks, a legacy
    // record): visited once a later MAC vouches for them, or when the
    // whole journal verifies; never when it does not.
    let mut held: Vec<(RawRecord<'t>, Option<V>)> = Vec::new();
    let mut lines = WholeLines::new(text);
    for (line_number, line, bytes) in lines.by_ref() {
        match as_written::<V>(line) {
            Some((record, entry_json, hash)) => {
                verifier.push_hashed(&record, &hash)?;
                let raw = RawRecord {
                    v: record.v,
                    seq: record.seq,
                    at_s: record.at_s,
                    entry_json: Cow::Borrowed(entry_json),
                    hash,
                    respelt: false,
                };
                held.push((raw, Some(record.entry)));
            }
            None => {
                let record: Record<E> = parse_line(&respell(line, line_number)?, line_number)?;
                verifier.push(&record)?;
                respelt += 1;
                let raw = RawRecord {
                    v: record.v,
                    seq: record.seq,
                    at_s: record.at_s,
                    entry_json: Cow::Owned(
                        serde_json::to_string(&record.entry).unwrap_or_default(),
                    ),
                    hash: record.hash,
                    respelt: true,
                };
                held.push((raw, None));
            }
        }
        if verifier.all_vouched() {
            for (raw, view) in held.drain(..) {
                visit(raw, view)?;
            }
        }
        records += 1;
        valid_bytes += bytes;
    }
    let verified = verifier.finish()?;
    for (raw, view) in held {
        visit(raw, view)?;
    }
    Ok(Scanned {
        verified,
        torn_tail: lines.torn_tail,
        valid_bytes,
        records,
        respelt,
    })
}

/// Fixed-size text written without the formatter (this runs per record).
struct Text<const N: usize> {
    bytes: [u8; N],
    len: usize,
}

impl<const N: usize> Text<N> {
    const fn new() -> Self {
        Self {
            bytes: [0; N],
            len: 0,
        }
    }

    fn put(&mut self, bytes: &[u8]) {
        if let Some(slot) = self.bytes.get_mut(self.len..self.len + bytes.len()) {
            slot.copy_from_slice(bytes);
        }
        self.len += bytes.len();
    }

    fn put_hex(&mut self, bytes: &[u8]) {
        let mut hex = [0_u8; 64];
        let out = hex.get_mut(..2 * bytes.len()).unwrap_or_default();
        self.put(crate::hex::encode_into(bytes, out).as_bytes());
    }

    fn put_decimal(&mut self, value: u64) {
        let mut digits = [0_u8; 20];
        self.put(decimal(value, &mut digits));
    }

    /// The text, or `None` if it overflowed.
    fn as_str(&self) -> Option<&str> {
        core::str::from_utf8(self.bytes.get(..self.len)?).ok()
    }
}

/// The record of a line written as the library writes it (its entry read
/// as the view `V`), its entry's text and the hash of the line's body as
/// it stands; `None` when the line is not such a record (another
/// spelling, an edit, not a record at all), for the slow path to sort out.
fn as_written<'t, V: Deserialize<'t>>(line: &'t str) -> Option<(Record<V>, &'t str, Digest)> {
    let record: Record<V> = serde_json::from_str(line).ok()?;
    // The line is the fields before the entry, the entry, then the hash
    // and the seal: with both ends as the library writes them, what lies
    // between is the entry the view was read from.
    let mut head = Text::<192>::new();
    head.put(b"{\"v\":");
    head.put_decimal(u64::from(record.v));
    head.put(b",\"seq\":");
    head.put_decimal(record.seq);
    head.put(b",\"at_s\":");
    head.put_decimal(record.at_s);
    head.put(b",\"prev\":\"");
    head.put_hex(&record.prev.0);
    head.put(b"\",\"entry\":");
    // 131 bytes at most: a 5-digit key id.
    let mut tail = Text::<160>::new();
    tail.put(b",\"hash\":\"");
    tail.put_hex(&record.hash.0);
    tail.put(b"\"");
    if let (Some(key_id), Some(mac)) = (record.key_id, record.mac) {
        tail.put(b",\"key_id\":");
        tail.put_decimal(u64::from(key_id.0));
        tail.put(b",\"mac\":\"");
        tail.put_hex(&mac.0);
        tail.put(b"\"");
    }
    tail.put(b"}");
    let tail = tail.as_str()?;
    let open_body = line.strip_suffix(tail)?;
    let entry_json = open_body.strip_prefix(head.as_str()?)?;
    let mut hasher = Sha256::new();
    hasher.update(open_body.as_bytes());
    hasher.update(b"}");
    let hash = Digest(hasher.finalize().into());
    (hash == record.hash).then_some((record, entry_json, hash))
}

/// `value` in decimal, in the end of `digits`.
fn decimal(mut value: u64, digits: &mut [u8; 20]) -> &[u8] {
    let mut start = digits.len();
    loop {
        start -= 1;
        digits[start] = b'0' + u8::try_from(value % 10).unwrap_or(0);
        value /= 10;
        if value == 0 {
            return &digits[start..];
        }
    }
}

/// The line written again with every object's `"type"` first, where the
/// library's tagged readers need it; the rest of each object may stay in
/// any order, as the typed reader takes it.
fn respell(line: &str, line_number: usize) -> Result<String, JournalError> {
    let value: serde_json::Value =
        serde_json::from_str(line).map_err(|error| JournalError::Malformed {
            line: line_number,
            message: error.to_string(),
        })?;
    let mut out = String::with_capacity(line.len());
    write_tag_first(&value, &mut out);
    Ok(out)
}

/// Writes `value` as compact JSON, `"type"` first in every object.
fn write_tag_first(value: &serde_json::Value, out: &mut String) {
    use serde_json::Value;
    match value {
        Value::Object(map) => {
            out.push('{');
            let tag = map.get_key_value("type");
            let rest = map.iter().filter(|(key, _)| key.as_str() != "type");
            for (index, (key, field)) in tag.into_iter().chain(rest).enumerate() {
                if index > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(key.clone()).to_string());
                out.push(':');
                write_tag_first(field, out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (index, item) in items.iter().enumerate() {
                if index > 0 {
                    out.push(',');
                }
                write_tag_first(item, out);
            }
            out.push(']');
        }
        scalar => out.push_str(&scalar.to_string()),
    }
}
