//! The SHA-256 of a value's JSON, as serde_json writes it compactly,
//! taken as the JSON is written: no text of the whole value in memory.
//! serde_json writes only into a vector without `std`, and a full bank's
//! snapshot is 150 KB of JSON, most of a microcontroller's RAM; its seal
//! covers that JSON. The same writer keeps the text when asked
//! ([`to_json_vec`] with the `single-walk` feature). The walk
//! ([`super::walk`]) gives the structure; every float, and every string
//! or key that needs escaping, is written by serde_json itself, other
//! strings quoted as they are (serde_json escapes nothing else), and
//! integers by the crate serde_json writes them with (`itoa`), so the
//! bytes are serde_json's (property tests hold it).

use serde::Serialize;
use sha2::{Digest as _, Sha256};

use super::Digest;
use super::walk::{Emit, Mark, Walker};

/// The SHA-256 of `value`'s compact JSON, or `None` for a value JSON
/// cannot hold in the walk's terms (a map key that is not text, a number
/// or a boolean), which the caller hashes the JSON way.
pub(crate) fn json_digest<T: Serialize + ?Sized>(value: &T) -> Option<Digest> {
    match write_json(value, Out::Hash(Sha256::new()))? {
        Out::Hash(hasher) => Some(Digest(hasher.finalize().into())),
        Out::Text(_) => None,
    }
}

/// `value`'s compact JSON, or no bytes for a value JSON cannot hold (a
/// map key that is not text, a number or a boolean): serde_json's
/// `to_vec`, or with the `single-walk` feature the same bytes written by
/// the walk, so each type's `Serialize` is compiled once for the JSON, its
/// digest and the storage encoding (smaller where the flash journal is
/// linked, larger where JSON alone is).
pub(crate) fn to_json_vec<T: Serialize + ?Sized>(value: &T) -> alloc::vec::Vec<u8> {
    #[cfg(feature = "single-walk")]
    let json = json_text(value);
    #[cfg(not(feature = "single-walk"))]
    let json = serde_json::to_vec(value).ok();
    // Plain data with string keys always serializes.
    json.unwrap_or_default()
}

/// `value`'s compact JSON written by the walk, byte for byte serde_json's,
/// or `None` where serde_json fails (a map key that is not text, a number
/// or a boolean).
#[cfg_attr(not(any(test, feature = "single-walk")), allow(dead_code))]
pub(crate) fn json_text<T: Serialize + ?Sized>(value: &T) -> Option<alloc::vec::Vec<u8>> {
    match write_json(value, Out::Text(alloc::vec::Vec::with_capacity(256)))? {
        Out::Text(text) => Some(text),
        Out::Hash(_) => None,
    }
}

/// `value`'s compact JSON written into `out`, or `None` for a value JSON
/// cannot hold.
fn write_json<T: Serialize + ?Sized>(value: &T, out: Out) -> Option<Out> {
    let mut json = JsonWriter { out };
    value.serialize(&mut Walker(&mut json)).ok()?;
    Some(json.out)
}

/// Where the JSON goes.
enum Out {
    /// Hashed as it is written.
    Hash(Sha256),
    /// Kept.
    Text(alloc::vec::Vec<u8>),
}

/// Compact JSON, hashed or kept as it is written.
struct JsonWriter {
    out: Out,
}

impl JsonWriter {
    fn raw(&mut self, bytes: &[u8]) {
        match &mut self.out {
            Out::Hash(hasher) => hasher.update(bytes),
            Out::Text(text) => text.extend_from_slice(bytes),
        }
    }

    /// A string or bytes as serde_json writes them (into a vector of its
    /// own: serde_json has no other writer without `std`).
    fn json<T: Serialize + ?Sized>(&mut self, value: &T) {
        // A string or bytes always serialize.
        let json = serde_json::to_vec(value).unwrap_or_default();
        self.raw(&json);
    }

    /// A string as serde_json writes it: quoted, and escaped by
    /// serde_json itself when it holds a quote, a backslash or a control
    /// character (the only characters it escapes); most strings are field
    /// names and need no vector of their own.
    fn string(&mut self, value: &str) {
        if value.bytes().any(|b| b == b'"' || b == b'\\' || b < 0x20) {
            self.json(value);
        } else {
            self.raw(b"\"");
            self.raw(value.as_bytes());
            self.raw(b"\"");
        }
    }

    /// An integer in decimal, as serde_json writes it (with the same
    /// crate).
    fn decimal(&mut self, value: impl itoa::Integer) {
        let mut digits = itoa::Buffer::new();
        self.raw(digits.format(value).as_bytes());
    }
}

impl Emit for JsonWriter {
    fn null(&mut self) {
        self.raw(b"null");
    }

    fn boolean(&mut self, value: bool) {
        self.raw(if value { b"true" } else { b"false" });
    }

    fn unsigned(&mut self, value: u64) {
        self.decimal(value);
    }

    fn signed(&mut self, value: i64) {
        self.decimal(value);
    }

    fn number(&mut self, json: &[u8], _read_back: Option<f64>) {
        self.raw(json);
    }

    fn text(&mut self, value: &str) {
        self.string(value);
    }

    fn bytes(&mut self, value: &[u8]) {
        // An array of numbers, as serde_json writes bytes.
        self.json(value);
    }

    fn key(&mut self, key: &str) {
        self.string(key);
        self.raw(b":");
    }

    fn open(&mut self, map: bool) -> Mark {
        self.raw(if map { b"{" } else { b"[" });
        Mark { start: 0, items: 0 }
    }

    fn item(&mut self, mark: &mut Mark) {
        if mark.items > 0 {
            self.raw(b",");
        }
        mark.items += 1;
    }

    fn close(&mut self, _mark: Mark, map: bool) {
        self.raw(if map { b"}" } else { b"]" });
    }
}

#[cfg(test)]
mod tests {
    use alloc::collections::BTreeMap;
    use alloc::string::String;
    use alloc::vec;
    use alloc::vec::Vec;

    use proptest::prelude::*;

    use super::*;
    use crate::journal::{Chain, Record, lines};
    use crate::locker::{Entry, replay};

    /// What the digest stands for: SHA-256 over serde_json's text.
    /// The walk's JSON and its digest are serde_json's text and its hash.
    fn assert_walks_as_json<T: Serialize + ?Sized>(value: &T) {
        let text = serde_json::to_vec(value).unwrap();
        assert_eq!(json_text(value).as_deref(), Some(text.as_slice()));
        assert_eq!(to_json_vec(value), text);
        assert_eq!(json_digest(value), Some(json_route(value)));
    }

    fn json_route<T: Serialize + ?Sized>(value: &T) -> Digest {
        let json = serde_json::to_vec(value).unwrap_or_default();
        Digest(Sha256::digest(json).into())
    }

    #[test]
    fn snapshots_and_records_of_the_frozen_journals_hash_as_their_json() {
        for text in [
            include_str!("../../tests/data/journal-v1.jsonl"),
            include_str!("../../tests/data/journal-v2.jsonl"),
            include_str!("../../tests/data/journal-v3.jsonl"),
        ] {
            let records: Vec<Record<Entry>> = text
                .lines()
                .enumerate()
                .filter_map(|(i, line)| lines::parse_line(line, i + 1).ok())
                .collect();
            let mut chain = Chain::new();
            for (n, record) in records.iter().enumerate() {
                assert_walks_as_json(record);
                chain.advance(record);
                let Ok(state) = replay(&records[..=n]) else {
                    continue;
                };
                let snapshot = state.snapshot(chain);
                assert_walks_as_json(&snapshot);
            }
        }
    }

    #[derive(serde::Serialize)]
    enum Shape {
        Unit,
        Newtype(u8),
        Tuple(i16, String),
        Struct { width_mm: u32, id: Option<u64> },
    }

    #[derive(serde::Serialize)]
    struct Unit;

    #[derive(serde::Serialize)]
    struct Wrapped(i32);

    #[test]
    fn every_serde_shape_hashes_as_its_json() {
        let shapes = vec![
            Shape::Unit,
            Shape::Newtype(7),
            Shape::Tuple(-300, String::from("a\"b\\c\n\u{1}\u{e9}")),
            Shape::Struct {
                width_mm: 400,
                id: None,
            },
            Shape::Struct {
                width_mm: 0,
                id: Some(u64::MAX),
            },
        ];
        let by_number: BTreeMap<i64, Shape> = [(-1, Shape::Unit), (12, Shape::Newtype(1))]
            .into_iter()
            .collect();
        let by_flag: BTreeMap<bool, char> = [(false, 'x'), (true, '"')].into_iter().collect();
        let by_char: BTreeMap<char, Unit> = [('k', Unit)].into_iter().collect();
        let wide = (u128::MAX, i128::MIN, 5_u128, -5_i128);
        let floats = (
            0.1_f32,
            f32::MAX,
            f32::NAN,
            -0.0_f64,
            1e300_f64,
            f64::INFINITY,
            3.0_f64,
        );
        assert_walks_as_json(&shapes);
        assert_walks_as_json(&by_number);
        assert_walks_as_json(&by_flag);
        assert_walks_as_json(&by_char);
        assert_walks_as_json(&wide);
        assert_walks_as_json(&floats);
        assert_walks_as_json(&Wrapped(-9));
        let empty: (Vec<u8>, BTreeMap<u8, u8>, Option<u8>, ()) =
            (vec![], BTreeMap::new(), None, ());
        assert_walks_as_json(&empty);
        // No JSON for a map keyed by pairs: no text, and the digest is
        // left to the caller, as serde_json fails.
        let by_pair = BTreeMap::from([((1_u8, 2_u8), 3_u8)]);
        assert!(serde_json::to_vec(&by_pair).is_err());
        assert_eq!(json_text(&by_pair), None);
        assert_eq!(json_digest(&by_pair), None);
        assert!(to_json_vec(&by_pair).is_empty());
    }

    fn json_value() -> impl Strategy<Value = serde_json::Value> {
        let leaf = prop_oneof![
            Just(serde_json::Value::Null),
            any::<bool>().prop_map(serde_json::Value::Bool),
            any::<u64>().prop_map(serde_json::Value::from),
            any::<i64>().prop_map(serde_json::Value::from),
            any::<f64>()
                .prop_filter("JSON has no NaN or infinity", |x| x.is_finite())
                .prop_map(serde_json::Value::from),
            ".{0,12}".prop_map(serde_json::Value::String),
            // What JSON escapes, and what it leaves as it is.
            "[\"\\\\\n\t\u{1}\u{1f}\u{7f}/é\u{2028}a]{0,8}".prop_map(serde_json::Value::String),
        ];
        leaf.prop_recursive(4, 48, 6, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..6).prop_map(serde_json::Value::Array),
                proptest::collection::vec((".{0,8}", inner), 0..6)
                    .prop_map(|pairs| serde_json::Value::Object(pairs.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #[test]
        fn any_json_value_hashes_as_its_text(value in json_value()) {
            assert_walks_as_json(&value);
        }

        #[test]
        fn any_f32_hashes_as_its_json(value in any::<f32>(), wide in any::<u128>()) {
            assert_walks_as_json(&(value, wide));
        }
    }
}
