//! The storage encoding: records and snapshots as CBOR for flash, about a
//! fifth of their JSON, converting losslessly to and from the JSON that
//! stays the interchange form.
//!
//! A value is written as its JSON would be, as a CBOR item (`ciborium`),
//! with three substitutions:
//!
//! - an object key or string found in [`NAMES`] is its index there (an
//!   integer map key, or tag 6 around the index for a string value);
//! - a string of lowercase hex digits of even length (digests, tags,
//!   MACs, key checks) is its bytes: JSON has no byte strings, so the
//!   reverse is exact;
//! - numbers, booleans, arrays and null are CBOR's own.
//!
//! A record also leaves out what its position gives: its sequence number
//! and the hash of the record before (the chain it continues), and its own
//! hash when a MAC vouches for it (the hash is recomputed). Decoding puts
//! them back, so a record moved, edited or replaced fails its MAC as it
//! would in JSON.
//!
//! A snapshot is stored compressed ([`encode_snapshot`]): its encoding
//! with the first byte [`COMPRESSED_VERSION`], the length of the rest of
//! its [`STORAGE_VERSION`] encoding (`u32`, little-endian), then that rest
//! as one LZ4 block (`lz4_flex`). A snapshot repeats its shapes once per
//! door (a credential record, a delivery, a stored parcel), which LZ4
//! finds: the snapshot of a full 120-door bank takes about 57 % of its
//! uncompressed encoding. Records stay uncompressed: one record is too
//! short to repeat itself.
//!
//! Values are written straight from their `Serialize` ([`encode_value`],
//! [`encode_snapshot_of`]) and read straight into their `Deserialize`
//! ([`decode_value`], [`decode_record`]), as serde_json would write and
//! read their JSON (but a struct is read from a map only, as it is
//! written): no value tree and no JSON text in memory, which a
//! microcontroller compacting or booting cannot afford. The JSON route
//! ([`encode_json`], [`decode_to_json`]) stays for export and
//! interchange; property tests hold the two routes to the same bytes
//! and the same values.
//!
//! Why not a schema-driven format such as `postcard`: the journal's serde
//! shapes are made for JSON (fields left out when empty, internally tagged
//! enums read tag first), which a non-self-describing format cannot carry;
//! a second set of types for storage would have to follow every change of
//! the first. The substitutions above are what remains of a schema, and
//! the table is frozen with the format version.

use alloc::boxed::Box;
use alloc::format;
use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;

use ciborium::Value;
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::{Chain, Digest, JournalError, Record, RecordMac};

mod reader;
mod writer;
use crate::credential::KeyId;

/// The first byte of every encoded record and uncompressed value: the
/// format and the [`NAMES`] table it uses ([`COMPRESSED_VERSION`] starts a
/// compressed snapshot).
pub const STORAGE_VERSION: u8 = 1;

/// The first byte of a compressed value (a snapshot): a
/// [`STORAGE_VERSION`] value whose bytes after the first are one LZ4
/// block, behind their length.
pub const COMPRESSED_VERSION: u8 = 2;

/// The most a compressed value may claim to expand to. LZ4 expands at
/// most about 255 times, and the claim is checked against that first: a
/// forged length must not allocate more than the bytes could hold.
const MAX_EXPANDED_BYTES: usize = 64 << 20;

/// CBOR tag around the index of an interned string value.
const NAME_TAG: u64 = 6;

/// Names interned by [`STORAGE_VERSION`] 1: object keys and enum values
/// of records and snapshots, most frequent first. Frozen: a new name goes
/// at the end with a new version.
pub const NAMES: &[&str] = &[
    "type",
    "recipient",
    "expires_at_s",
    "id",
    "compartment",
    "compartments",
    "purpose",
    "pickup",
    "carrier",
    "key_id",
    "kind",
    "valid_from_s",
    "status",
    "active",
    "width_mm",
    "depth_mm",
    "height_mm",
    "zone",
    "ambient",
    "size",
    "weight_g",
    "this_side_up",
    "handling",
    "standard",
    "parcel",
    "secret_digest",
    "pin",
    "token",
    "needs_accessible",
    "deposit_opened",
    "credentials",
    "lookup_tag",
    "unique_tag",
    "replaced",
    "deposit_committed",
    "channel",
    "pickup_completed",
    "grant",
    "credential_id",
    "single_use",
    "pickup_opened",
    "grace_ended",
    "reason",
    "deposit_overflowed",
    "full",
    "revoked",
    "qr",
    "pruned",
    "label",
    "size_class",
    "inner",
    "max_weight_g",
    "accessible",
    "position",
    "column",
    "row",
    "operable_height_mm",
    "kiosk",
    "chilled",
    "return_credential",
    "expired",
    "rfid",
    "A",
    "reminder_sent",
    "courier_signed_in",
    "at_s",
    "B",
    "failure",
    "credential",
    "attempt_failed",
    "deposit_aborted",
    "too_small",
    "place",
    "uid_tag",
    "pin_tag",
    "parcels",
    "deposited_at_s",
    "reminders_sent",
    "returning",
    "record",
    "credential_issued",
    "C",
    "last_at_s",
    "error",
    "count",
    "first_at_s",
    "attempts_refused",
    "throttled",
    "free_failures",
    "base_delay_s",
    "max_delay_s",
    "max_failures_per_window",
    "window_s",
    "subject",
    "code_tag",
    "XL",
    "courier",
    "courier_drop_off",
    "policy",
    "bank",
    "failures_at_s",
    "blocked_until_s",
    "throttle",
    "remote",
    "redeemed",
    "nothing_fits",
    "no_larger_door",
    "collected",
    "door_opened",
    "door_closed",
    "courier_code_issued",
    "courier_signed_out",
    "dimensions",
    "fragile",
    "frozen",
    "failures",
    "unit",
    "other_kiosks",
    "extended",
    "hold_set",
    "until_s",
    "returned",
    "return_collected",
    "reopened",
    "staff_opened",
    "out_of_service",
    "back_in_service",
    "inspected",
    "found_parcels",
    "keys_changed",
    "keys",
    "check",
    "configured",
    "bank_id",
    "clock_held",
    "clock_confirmed",
    "held_s",
    "by",
    "door_alarm",
    "tamper",
    "delivery",
    "v",
    "chain",
    "next_seq",
    "head",
    "stored",
    "deliveries",
    "open_doors",
    "graces",
    "interrupted",
    "holds",
    "emptied_at",
    "last_pruned_s",
    "key_checks",
    "records",
    "spent_tokens",
    "scopes",
    "delay_until_s",
    "window_start_s",
    "task",
    "for",
    "opened_at_s",
    "grace",
    "delegated",
    "delegation",
    "scope",
    "pickup_pin",
    "pickup_qr",
    "pickup_rfid",
    "opened",
    "missing",
    "mac",
];

/// Why bytes are not an encoded record or snapshot.
fn malformed(message: String) -> JournalError {
    JournalError::Malformed { line: 0, message }
}

/// Encodes a record for storage (see the [module](self)).
#[must_use]
pub fn encode_record<E: Serialize>(record: &Record<E>) -> Vec<u8> {
    writer::encode(&StoredRecord {
        record,
        entry_as_null: false,
    })
    // An entry JSON could not hold either (a float map key) is stored as
    // null, as its JSON route did: decoding it then fails.
    .or_else(|_| {
        writer::encode(&StoredRecord {
            record,
            entry_as_null: true,
        })
    })
    .unwrap_or_default()
}

/// A record as stored: `[v, at_s, entry, key_id, mac]`, or with a null
/// MAC and its hash when nothing else vouches for it.
struct StoredRecord<'a, E> {
    record: &'a Record<E>,
    entry_as_null: bool,
}

impl<E: Serialize> Serialize for StoredRecord<'_, E> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeTuple as _;
        let record = self.record;
        let mut fields = serializer.serialize_tuple(5 + usize::from(record.mac.is_none()))?;
        fields.serialize_element(&record.v)?;
        fields.serialize_element(&record.at_s)?;
        if self.entry_as_null {
            fields.serialize_element(&())?;
        } else {
            fields.serialize_element(&record.entry)?;
        }
        fields.serialize_element(&record.key_id.map(|id| id.0))?;
        fields.serialize_element(&record.mac)?;
        if record.mac.is_none() {
            // Nothing but the hash vouches for an unsealed record.
            fields.serialize_element(&record.hash)?;
        }
        fields.end()
    }
}

/// A record's fields as read back (what its place gives comes after).
struct ReadRecord<E> {
    v: u32,
    at_s: u64,
    entry: E,
    key_id: Option<u16>,
    mac: Option<RecordMac>,
    hash: Option<Digest>,
}

impl<'de, E: serde::Deserialize<'de>> serde::Deserialize<'de> for ReadRecord<E> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Fields<E>(core::marker::PhantomData<E>);
        impl<'de, E: serde::Deserialize<'de>> serde::de::Visitor<'de> for Fields<E> {
            type Value = ReadRecord<E>;

            fn expecting(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                f.write_str("a stored record: [v, at_s, entry, key_id, mac, hash?]")
            }

            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut fields: A,
            ) -> Result<Self::Value, A::Error> {
                use serde::de::Error as _;
                let missing = |field: &str| A::Error::custom(format!("{field} is missing"));
                Ok(ReadRecord {
                    v: fields.next_element()?.ok_or_else(|| missing("v"))?,
                    at_s: fields.next_element()?.ok_or_else(|| missing("at_s"))?,
                    entry: fields.next_element()?.ok_or_else(|| missing("entry"))?,
                    key_id: fields.next_element()?.ok_or_else(|| missing("key_id"))?,
                    mac: fields.next_element()?.ok_or_else(|| missing("mac"))?,
                    hash: fields.next_element()?.flatten(),
                })
            }
        }
        deserializer.deserialize_seq(Fields(core::marker::PhantomData))
    }
}

/// Decodes a record stored after `chain` (the chain as it stood before
/// it): its sequence number and `prev` come from there, its hash is
/// recomputed when a MAC vouches for it. The bytes must be exactly the
/// encoding of the record they decode to.
///
/// # Errors
///
/// [`JournalError::Malformed`] for bytes that are not a record of this
/// format, [`JournalError::NotCanonical`] for bytes that decode to a record
/// whose encoding differs, or that hold a struct as an array.
pub fn decode_record<E: DeserializeOwned + Serialize>(
    bytes: &[u8],
    chain: Chain,
) -> Result<Record<E>, JournalError> {
    let read: ReadRecord<E> =
        read_value(bytes, reader::Reader::in_envelope).map_err(|error| match error {
            JournalError::NotCanonical { line, .. } => JournalError::NotCanonical {
                seq: chain.next_seq,
                line,
            },
            other => other,
        })?;
    let mut record = Record {
        v: read.v,
        seq: chain.next_seq,
        at_s: read.at_s,
        prev: chain.head,
        entry: read.entry,
        hash: Digest::ZERO,
        key_id: read.key_id.map(KeyId),
        mac: read.mac,
    };
    record.hash = read.hash.unwrap_or_else(|| record.compute_hash());
    if encode_record(&record) != bytes {
        return Err(JournalError::NotCanonical {
            seq: record.seq,
            line: 0,
        });
    }
    Ok(record)
}

/// Reads a value stored by [`encode_value`] or [`encode_snapshot_of`]
/// (compressed or not) straight into `T`, as `T` would read from its
/// JSON: no JSON text and no value tree in memory. The bytes must be
/// exactly the encoding of the value they decode to. A boot on a
/// microcontroller reads its snapshot this way.
///
/// One difference from JSON, for types outside this library: a map key
/// asked for as an integer that is a JSON number but not an integer of
/// 64 bits (`1e3`, `1.5`, `-0`) is refused as serde's integer types
/// refuse it, without being read as a float, so a key type whose reader
/// takes a float when asked for an integer does not read it here.
///
/// # Errors
///
/// [`JournalError::Malformed`] for bytes that are not a value of this
/// format, or not one `T` reads; [`JournalError::NotCanonical`] (seq 0)
/// for bytes that read as a value whose encoding differs, or that hold a
/// struct as an array (a shape this encoding never writes).
pub fn decode_value<T: DeserializeOwned + Serialize>(bytes: &[u8]) -> Result<T, JournalError> {
    let expanded = expanded(bytes)?;
    let bytes = expanded.as_deref().unwrap_or(bytes);
    let value = read_value(bytes, reader::Reader::new)?;
    // Each item was read in its one encoding; what remains is the value's
    // shape (its fields in their order, none that it leaves out).
    if writer::encode_with_capacity(&value, bytes.len())
        .ok()
        .as_deref()
        != Some(bytes)
    {
        return Err(JournalError::NotCanonical { seq: 0, line: 0 });
    }
    Ok(value)
}

/// Checks that bytes are one stored value (compressed or not), each item
/// in its one encoding, without keeping any of it: what a flash journal
/// checks of its snapshot when it opens, before anything reads it as a
/// snapshot.
///
/// # Errors
///
/// [`JournalError::Malformed`] for bytes that are not a value of this
/// format.
pub fn check_value(bytes: &[u8]) -> Result<(), JournalError> {
    let expanded = expanded(bytes)?;
    read_value::<serde::de::IgnoredAny>(expanded.as_deref().unwrap_or(bytes), reader::Reader::new)
        .map(|_| ())
}

/// Reads a [`STORAGE_VERSION`] value into `T`, every byte of it.
fn read_value<'de, T: DeserializeOwned>(
    bytes: &'de [u8],
    new_reader: fn(&'de [u8]) -> reader::Reader<'de>,
) -> Result<T, JournalError> {
    let body = match bytes.split_first() {
        Some((&STORAGE_VERSION, body)) => body,
        Some((version, _)) => {
            return Err(malformed(format!("storage encoding {version} unknown")));
        }
        None => return Err(malformed("empty".into())),
    };
    let mut reader = new_reader(body);
    let value = T::deserialize(&mut reader).map_err(|error| {
        let mut whole = new_reader(body);
        if error.not_canonical && whole.skip().is_ok() && whole.is_done() {
            JournalError::NotCanonical { seq: 0, line: 0 }
        } else {
            malformed(error.message)
        }
    })?;
    if !reader.is_done() {
        return Err(malformed("bytes after the value".into()));
    }
    Ok(value)
}

/// Encodes any value the library writes as JSON (a snapshot) for storage:
/// the bytes [`encode_json`] makes of its JSON, written straight from the
/// value (no JSON text, no value tree).
#[must_use]
pub fn encode_value<T: Serialize + ?Sized>(value: &T) -> Vec<u8> {
    // What JSON cannot hold either (a float map key) goes the JSON way,
    // as it did before: the two agree on everything else.
    writer::encode(value).unwrap_or_else(|_| write(&to_value(value)))
}

/// [`encode_snapshot`] straight from the snapshot: the same bytes, without
/// its JSON text or a value tree in memory. A compaction on a
/// microcontroller goes this way.
///
/// # Errors
///
/// [`JournalError::Malformed`] for a value JSON could not hold, or one
/// whose encoding outgrows 64 MiB.
pub fn encode_snapshot_of<T: Serialize + ?Sized>(value: &T) -> Result<Vec<u8>, JournalError> {
    let encoded = writer::encode(value).map_err(|error| malformed(format!("{error}")))?;
    compress(&encoded)
}

/// Decodes a value encoded with [`encode_value`], [`encode_json`] or
/// [`encode_snapshot`] back to its JSON text.
///
/// # Errors
///
/// [`JournalError::Malformed`] for bytes that are not a value of this
/// format.
pub fn decode_to_json(bytes: &[u8]) -> Result<Vec<u8>, JournalError> {
    let expanded = expanded(bytes)?;
    let value = read(expanded.as_deref().unwrap_or(bytes))?;
    serde_json::to_vec(&AsJson(&from_storage(value)?))
        .map_err(|error| malformed(format!("{error}")))
}

/// Converts a snapshot's JSON text to its storage encoding, compressed
/// (see the [module](self)); [`decode_to_json`] reads it back.
///
/// # Errors
///
/// [`JournalError::Malformed`] for text that is not JSON, or a value
/// whose encoding outgrows 64 MiB.
pub fn encode_snapshot(json: &[u8]) -> Result<Vec<u8>, JournalError> {
    compress(&encode_json(json)?)
}

/// A [`STORAGE_VERSION`] value as a [`COMPRESSED_VERSION`] one, in one
/// buffer (the block is written behind the header).
fn compress(encoded: &[u8]) -> Result<Vec<u8>, JournalError> {
    let body = encoded.get(1..).unwrap_or_default();
    let length = u32::try_from(body.len())
        .ok()
        .filter(|_| body.len() <= MAX_EXPANDED_BYTES)
        .ok_or_else(|| malformed("a value too large to store (64 MiB at most)".into()))?;
    let mut bytes = vec![0_u8; 5 + lz4_flex::block::get_maximum_output_size(body.len())];
    bytes[0] = COMPRESSED_VERSION;
    bytes[1..5].copy_from_slice(&length.to_le_bytes());
    let written = lz4_flex::block::compress_into(body, &mut bytes[5..])
        .map_err(|error| malformed(format!("compressing: {error}")))?;
    bytes.truncate(5 + written);
    Ok(bytes)
}

/// A compressed value's [`STORAGE_VERSION`] bytes; `None` for a value
/// that is not compressed.
fn expanded(bytes: &[u8]) -> Result<Option<Vec<u8>>, JournalError> {
    match bytes.first() {
        Some(&COMPRESSED_VERSION) => expand(bytes).map(Some),
        _ => Ok(None),
    }
}

/// A [`COMPRESSED_VERSION`] value back to its [`STORAGE_VERSION`] bytes:
/// the block must expand to exactly the length it claims.
fn expand(bytes: &[u8]) -> Result<Vec<u8>, JournalError> {
    let (length, block) = bytes
        .get(1..5)
        .zip(bytes.get(5..))
        .ok_or_else(|| malformed("a compressed value without its length".into()))?;
    let mut length_bytes = [0_u8; 4];
    length_bytes.copy_from_slice(length);
    let length = usize::try_from(u32::from_le_bytes(length_bytes))
        .map_err(|_| malformed("a compressed value too large".into()))?;
    // What the block expands to, walked before anything is allocated: a
    // damaged or forged length is malformed, so that only an honest one
    // the heap cannot hold is out of memory (which says: do not erase).
    if length > MAX_EXPANDED_BYTES || block_expands_to(block) != Some(length) {
        return Err(malformed(format!(
            "a compressed value of {} bytes does not expand to the {length} it claims",
            block.len()
        )));
    }
    // Asked for, not assumed, so a part short of heap says so instead of
    // stopping (and not that the value is damaged: it is sound so far).
    let mut expanded = Vec::new();
    expanded
        .try_reserve_exact(length + 1)
        .map_err(|_| JournalError::OutOfMemory {
            needed_bytes: u64::try_from(length + 1).unwrap_or(u64::MAX),
        })?;
    expanded.resize(length + 1, 0);
    expanded[0] = STORAGE_VERSION;
    let written = lz4_flex::block::decompress_into(block, &mut expanded[1..])
        .map_err(|error| malformed(format!("compressed value: {error}")))?;
    if written != length {
        return Err(malformed(format!(
            "a compressed value expands to {written} bytes, not the {length} it claims"
        )));
    }
    Ok(expanded)
}

/// The bytes an LZ4 block expands to, from its sequences' lengths alone
/// (`None` for a block that ends inside a sequence or refers before its
/// start). `lz4_flex` learns the size only by writing the output, which a
/// length check before the allocation cannot wait for; this walk reads
/// the lengths the format puts in front of each sequence and nothing
/// else, so it is not a second decoder (about 40 lines, under 200 bytes
/// of `.text`).
fn block_expands_to(block: &[u8]) -> Option<usize> {
    // A length of 15 continues in bytes of 255, ended by a smaller one.
    let extended = |nibble: u8, at: &mut usize| -> Option<usize> {
        let mut length = usize::from(nibble);
        if nibble == 15 {
            loop {
                let more = *block.get(*at)?;
                *at += 1;
                length = length.checked_add(usize::from(more))?;
                if more != 255 {
                    break;
                }
            }
        }
        Some(length)
    };
    let (mut at, mut out) = (0_usize, 0_usize);
    loop {
        let token = *block.get(at)?;
        at += 1;
        let literals = extended(token >> 4, &mut at)?;
        at = at.checked_add(literals)?;
        out = out.checked_add(literals)?;
        match at.cmp(&block.len()) {
            core::cmp::Ordering::Equal => return Some(out),
            core::cmp::Ordering::Greater => return None,
            core::cmp::Ordering::Less => {}
        }
        let offset = usize::from(u16::from_le_bytes([*block.get(at)?, *block.get(at + 1)?]));
        at += 2;
        if offset == 0 || offset > out {
            return None;
        }
        let matched = extended(token & 15, &mut at)?;
        out = out.checked_add(matched)?.checked_add(4)?;
    }
}

/// A JSON-shaped CBOR value written as JSON: maps in their order, every
/// float as the 64-bit number JSON read it as (CBOR's own serializer
/// writes one a 32-bit float holds with 32-bit digits, which read back as
/// another number).
struct AsJson<'a>(&'a Value);

impl Serialize for AsJson<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{Error as _, SerializeMap as _, SerializeSeq as _};
        match self.0 {
            Value::Null => serializer.serialize_unit(),
            Value::Bool(value) => serializer.serialize_bool(*value),
            Value::Float(value) => serializer.serialize_f64(*value),
            Value::Text(text) => serializer.serialize_str(text),
            Value::Integer(value) => {
                let value = i128::from(*value);
                match (u64::try_from(value), i64::try_from(value)) {
                    (Ok(unsigned), _) => serializer.serialize_u64(unsigned),
                    (_, Ok(signed)) => serializer.serialize_i64(signed),
                    _ => Err(S::Error::custom("an integer JSON cannot hold")),
                }
            }
            Value::Array(items) => {
                let mut seq = serializer.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(&AsJson(item))?;
                }
                seq.end()
            }
            Value::Map(entries) => {
                let mut map = serializer.serialize_map(Some(entries.len()))?;
                for (key, value) in entries {
                    let Value::Text(key) = key else {
                        return Err(S::Error::custom("a map key is text"));
                    };
                    map.serialize_entry(key, &AsJson(value))?;
                }
                map.end()
            }
            _ => Err(S::Error::custom("no JSON value")),
        }
    }
}

/// Converts JSON text (a record's or a snapshot's) to its storage encoding.
///
/// # Errors
///
/// [`JournalError::Malformed`] for text that is not JSON.
pub fn encode_json(json: &[u8]) -> Result<Vec<u8>, JournalError> {
    let value: Value =
        serde_json::from_slice(json).map_err(|error| malformed(format!("{error}")))?;
    Ok(write(&to_storage(value)))
}

fn write(value: &Value) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(128);
    bytes.push(STORAGE_VERSION);
    // Writing to a vector cannot fail.
    let _ = ciborium::into_writer(value, &mut bytes);
    bytes
}

fn read(bytes: &[u8]) -> Result<Value, JournalError> {
    match bytes.split_first() {
        Some((&STORAGE_VERSION, body)) => {
            let mut scratch = [0_u8; 256];
            let mut reader = body;
            let value = ciborium::de::from_reader_with_buffer(&mut reader, &mut scratch)
                .map_err(|error| malformed(format!("{error:?}")))?;
            if !reader.is_empty() {
                return Err(malformed("bytes after the value".into()));
            }
            // One encoding per value: CBOR could also write an integer or
            // a length in more bytes than it needs.
            if write(&value) != bytes {
                return Err(malformed("not the shortest encoding".into()));
            }
            Ok(value)
        }
        Some((version, _)) => Err(malformed(format!("storage encoding {version} unknown"))),
        None => Err(malformed("empty".into())),
    }
}

/// The storage form of a value: its JSON, substituted.
fn to_value<T: Serialize + ?Sized>(value: &T) -> Value {
    // Plain data with string keys always converts.
    let json = serde_json::to_vec(value).unwrap_or_default();
    serde_json::from_slice::<Value>(&json).map_or(Value::Null, to_storage)
}

fn integer(value: Value, field: &str) -> Result<u64, JournalError> {
    match value {
        Value::Integer(n) => {
            u64::try_from(n).map_err(|_| malformed(format!("{field} out of range")))
        }
        _ => Err(malformed(format!("{field} is an integer"))),
    }
}

/// How a string value is stored: one rule for the writers and the reader.
enum StoredText {
    /// A name of the table, as its index.
    Name(u64),
    /// Lowercase hex of even length, as its bytes.
    Hex(Vec<u8>),
    /// Anything else, as text.
    Text,
}

fn stored_text(text: &str) -> StoredText {
    if let Some(index) = name_index(text) {
        StoredText::Name(index)
    } else if let Some(bytes) = crate::hex::decode_vec(text).filter(|_| is_stored_hex(text)) {
        StoredText::Hex(bytes)
    } else {
        StoredText::Text
    }
}

/// True when [`stored_text`] keeps `text` as text, asked without
/// allocating (the reader asks it of every string it reads).
fn stored_as_text(text: &str) -> bool {
    name_index(text).is_none() && !is_stored_hex(text)
}

/// Lowercase hex of even, non-zero length: what storage keeps as bytes.
fn is_stored_hex(text: &str) -> bool {
    !text.is_empty()
        && text.len().is_multiple_of(2)
        && text.bytes().all(|c| matches!(c, b'0'..=b'9' | b'a'..=b'f'))
}

fn name_index(text: &str) -> Option<u64> {
    NAMES
        .iter()
        .position(|name| *name == text)
        .map(|i| i as u64)
}

/// JSON-shaped CBOR (as read from JSON text) to the storage form.
fn to_storage(value: Value) -> Value {
    match value {
        Value::Text(text) => match stored_text(&text) {
            StoredText::Name(index) => Value::Tag(NAME_TAG, Box::new(Value::from(index))),
            StoredText::Hex(bytes) => Value::Bytes(bytes),
            StoredText::Text => Value::Text(text),
        },
        Value::Array(items) => Value::Array(items.into_iter().map(to_storage).collect()),
        Value::Map(entries) => Value::Map(
            entries
                .into_iter()
                .map(|(key, value)| {
                    let key = match key {
                        Value::Text(text) => {
                            name_index(&text).map_or(Value::Text(text), Value::from)
                        }
                        other => other,
                    };
                    (key, to_storage(value))
                })
                .collect(),
        ),
        other => other,
    }
}

/// The storage form back to JSON-shaped CBOR.
fn from_storage(value: Value) -> Result<Value, JournalError> {
    Ok(match value {
        Value::Tag(NAME_TAG, inner) => Value::Text(name_at(*inner)?),
        // Names and hex are stored as their index and their bytes: as
        // text they would be a second encoding of the same value.
        Value::Text(text) if !matches!(stored_text(&text), StoredText::Text) => {
            return Err(malformed(format!("{text:?} stored as text")));
        }
        // Storage never writes an empty byte string: "" stays text.
        Value::Bytes(bytes) if bytes.is_empty() => {
            return Err(malformed("an empty byte string".into()));
        }
        Value::Bytes(bytes) => Value::Text(crate::hex::encode(&bytes)),
        Value::Array(items) => Value::Array(
            items
                .into_iter()
                .map(from_storage)
                .collect::<Result<_, _>>()?,
        ),
        Value::Map(entries) => Value::Map(
            entries
                .into_iter()
                .map(|(key, value)| {
                    let key = match key {
                        // A name the table holds is stored as its index:
                        // as text it would be a second encoding.
                        Value::Text(text) if name_index(&text).is_some() => {
                            return Err(malformed(format!("the name {text:?} as text")));
                        }
                        Value::Text(text) => Value::Text(text),
                        index @ Value::Integer(_) => Value::Text(name_at(index)?),
                        _ => return Err(malformed("a map key is a name".into())),
                    };
                    Ok((key, from_storage(value)?))
                })
                .collect::<Result<_, _>>()?,
        ),
        Value::Tag(..) => return Err(malformed("an unknown tag".into())),
        // JSON has no NaN or infinity (the fuzzer stored one).
        Value::Float(value) if !value.is_finite() => {
            return Err(malformed("a number JSON cannot hold".into()));
        }
        other => other,
    })
}

fn name_at(index: Value) -> Result<String, JournalError> {
    let index = integer(index, "name")?;
    usize::try_from(index)
        .ok()
        .and_then(|i| NAMES.get(i))
        .map(|name| String::from(*name))
        .ok_or_else(|| malformed(format!("name {index} unknown")))
}
