//! The SHA-256 of a value's JSON, as serde_json writes it compactly,
//! taken as the JSON is written: no text of the whole value in memory.
//! serde_json writes only into a vector without `std`, and a full bank's
//! snapshot is 150 KB of JSON, most of a microcontroller's RAM; its seal
//! covers that JSON. The walk ([`super::walk`]) gives the structure;
//! every float, string and key is written by serde_json itself, and
//! integers in decimal as it writes them, so the bytes hashed are
//! serde_json's (a property test holds it).

use alloc::string::String;
use core::fmt::{self, Write as _};

use serde::Serialize;
use sha2::{Digest as _, Sha256};

use super::Digest;
use super::walk::{Emit, Mark, Walker};

/// The SHA-256 of `value`'s compact JSON, or `None` for a value JSON
/// cannot hold in the walk's terms (a map key that is not text, a number
/// or a boolean), which the caller hashes the JSON way.
pub(crate) fn json_digest<T: Serialize + ?Sized>(value: &T) -> Option<Digest> {
    let mut walker = Walker(JsonHash {
        hasher: Sha256::new(),
        scratch: String::with_capacity(40),
    });
    value.serialize(&mut walker).ok()?;
    Some(Digest(walker.0.hasher.finalize().into()))
}

/// Compact JSON, hashed as it is written.
struct JsonHash {
    hasher: Sha256,
    scratch: String,
}

impl JsonHash {
    fn raw(&mut self, bytes: &[u8]) {
        self.hasher.update(bytes);
    }

    /// A float or string as serde_json writes it (into a vector of its
    /// own: serde_json has no other writer without `std`).
    fn json<T: Serialize + ?Sized>(&mut self, value: &T) {
        // A float or a string always serializes.
        let json = serde_json::to_vec(value).unwrap_or_default();
        self.hasher.update(&json);
    }

    /// An integer in decimal, as serde_json writes it.
    fn decimal(&mut self, value: impl fmt::Display) {
        self.scratch.clear();
        let _ = write!(self.scratch, "{value}");
        self.hasher.update(self.scratch.as_bytes());
    }
}

impl Emit for JsonHash {
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

    fn wide_unsigned(&mut self, value: u128) {
        self.decimal(value);
    }

    fn wide_signed(&mut self, value: i128) {
        self.decimal(value);
    }

    fn single(&mut self, value: f32) {
        self.json(&value);
    }

    fn double(&mut self, value: f64) {
        self.json(&value);
    }

    fn text(&mut self, value: &str) {
        self.json(value);
    }

    fn bytes(&mut self, value: &[u8]) {
        // An array of numbers, as serde_json writes bytes.
        self.json(value);
    }

    fn key(&mut self, key: &str) {
        self.json(key);
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
    use alloc::vec;
    use alloc::vec::Vec;

    use proptest::prelude::*;

    use super::*;
    use crate::journal::{Chain, Record, lines};
    use crate::locker::{Entry, replay};

    /// What the digest stands for: SHA-256 over serde_json's text.
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
                assert_eq!(json_digest(record), Some(json_route(record)));
                chain.advance(record);
                let Ok(state) = replay(&records[..=n]) else {
                    continue;
                };
                let snapshot = state.snapshot(chain);
                assert_eq!(json_digest(&snapshot), Some(json_route(&snapshot)));
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
        assert_eq!(json_digest(&shapes), Some(json_route(&shapes)));
        assert_eq!(json_digest(&by_number), Some(json_route(&by_number)));
        assert_eq!(json_digest(&by_flag), Some(json_route(&by_flag)));
        assert_eq!(json_digest(&by_char), Some(json_route(&by_char)));
        assert_eq!(json_digest(&wide), Some(json_route(&wide)));
        assert_eq!(json_digest(&floats), Some(json_route(&floats)));
        assert_eq!(json_digest(&Wrapped(-9)), Some(json_route(&Wrapped(-9))));
        let empty: (Vec<u8>, BTreeMap<u8, u8>, Option<u8>, ()) =
            (vec![], BTreeMap::new(), None, ());
        assert_eq!(json_digest(&empty), Some(json_route(&empty)));
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
            prop_assert_eq!(json_digest(&value), Some(json_route(&value)));
        }

        #[test]
        fn any_f32_hashes_as_its_json(value in any::<f32>(), wide in any::<u128>()) {
            prop_assert_eq!(json_digest(&(value, wide)), Some(json_route(&(value, wide))));
        }
    }
}
