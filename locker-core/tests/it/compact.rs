//! The storage encoding: every record and snapshot converts to it and
//! back to the same JSON, the chain and MACs verify in both forms, and
//! bytes that are not an encoding are refused without a panic.

#![allow(
    clippy::unwrap_used,
    clippy::std_instead_of_alloc,
    clippy::std_instead_of_core
)]

use locker_core::journal::compact::{
    COMPRESSED_VERSION, STORAGE_VERSION, decode_record, decode_to_json, encode_json, encode_record,
    encode_snapshot, encode_snapshot_of, encode_value,
};
use locker_core::journal::{Chain, JournalError, Record, Trust, lines, verify};
use locker_core::locker::{Entry, Snapshot};
use proptest::prelude::*;

use crate::common::storage::{FIXTURES, json_value, records};

/// Encodes each record, decodes it where the chain stands, and checks the
/// record and its JSON line come back the same.
fn round_trip(records: &[Record<Entry>]) -> Vec<Record<Entry>> {
    let mut chain = Chain::new();
    let mut decoded = Vec::new();
    for record in records {
        let bytes = encode_record(record);
        assert_eq!(bytes[0], STORAGE_VERSION);
        let back: Record<Entry> = decode_record(&bytes, chain).unwrap();
        assert_eq!(&back, record);
        assert_eq!(lines::to_line(&back), lines::to_line(record));
        assert_eq!(encode_record(&back), bytes, "encode . decode . encode");
        chain.advance(&back);
        decoded.push(back);
    }
    decoded
}

#[test]
fn every_frozen_journal_converts_both_ways_and_still_verifies() {
    for text in FIXTURES {
        let original = records(text);
        let decoded = round_trip(&original);
        let trust = Trust {
            accept_legacy: true,
            ..Trust::default()
        };
        assert_eq!(
            verify(&decoded, &trust).unwrap(),
            verify(&original, &trust).unwrap()
        );
    }
}

#[test]
fn a_stored_record_is_a_fraction_of_its_json_line() {
    let original = records(FIXTURES[2]);
    let json: usize = original.iter().map(|r| lines::to_line(r).len()).sum();
    let stored: usize = original.iter().map(|r| encode_record(r).len()).sum();
    assert!(stored * 3 < json, "{stored} B stored for {json} B of JSON");
}

#[test]
fn a_record_decoded_at_another_place_in_the_chain_fails_its_mac() {
    let original = records(FIXTURES[2]);
    let keys_hex = include_str!("../data/journal-v2.keys.hex");
    let keys = locker_core::credential::KeyRing::from_secret_bytes(
        &(0..keys_hex.trim().len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&keys_hex.trim()[i..i + 2], 16).unwrap())
            .collect::<Vec<u8>>(),
    )
    .unwrap();
    let trust = Trust::with_keys(&keys);
    verify(&original, &trust).unwrap();
    // Record 5 stored where record 4 was: decoded with record 4's chain.
    let mut chain = Chain::new();
    let mut moved = Vec::new();
    for (index, record) in original.iter().enumerate().take(6) {
        let source = if index == 4 { &original[5] } else { record };
        let decoded: Record<Entry> = decode_record(&encode_record(source), chain).unwrap();
        chain.advance(&decoded);
        moved.push(decoded);
    }
    assert!(matches!(
        verify(&moved, &trust),
        Err(JournalError::Forged { seq: 4, .. })
    ));
}

#[test]
fn snapshots_convert_both_ways() {
    // A snapshot of the state the frozen journal ends in.
    let original = records(FIXTURES[2]);
    let state = locker_core::locker::replay(&original).unwrap();
    let mut chain = Chain::new();
    for record in &original {
        chain.advance(record);
    }
    let snapshot = state.snapshot(chain);
    let json = serde_json::to_vec(&snapshot).unwrap();
    let stored = encode_json(&json).unwrap();
    assert!(stored.len() * 2 < json.len());
    let back = decode_to_json(&stored).unwrap();
    assert_eq!(back, json);
    assert_eq!(Snapshot::from_json_bytes(&back).unwrap(), snapshot);
    // Compressed, as flash stores it: smaller again, and the same JSON.
    let compressed = encode_snapshot(&json).unwrap();
    assert_eq!(compressed[0], COMPRESSED_VERSION);
    assert!(compressed.len() < stored.len());
    assert_eq!(decode_to_json(&compressed).unwrap(), json);
}

/// What the writer makes straight from a value is what the JSON route
/// makes of its JSON, compressed or not.
fn same_both_ways<T: serde::Serialize>(value: &T) -> Result<(), TestCaseError> {
    let json = serde_json::to_vec(value).unwrap();
    prop_assert_eq!(encode_value(value), encode_json(&json).unwrap());
    prop_assert_eq!(
        encode_snapshot_of(value).unwrap(),
        encode_snapshot(&json).unwrap()
    );
    Ok(())
}

#[test]
fn every_record_entry_and_snapshot_is_written_straight_as_through_json() {
    for text in FIXTURES {
        let original = records(text);
        let mut chain = Chain::new();
        for (n, record) in original.iter().enumerate() {
            same_both_ways(&record.entry).unwrap();
            same_both_ways(record).unwrap();
            chain.advance(record);
            let state = locker_core::locker::replay(&original[..=n]).unwrap();
            same_both_ways(&state.snapshot(chain)).unwrap();
        }
    }
}

/// Every shape serde has, as JSON would hold it: variants of each kind,
/// numbers of every width (and floats JSON has no room for), bytes, map
/// keys that are numbers or booleans, and hex, names and text among the
/// strings.
#[derive(serde::Serialize)]
enum Shape {
    Unit,
    Newtype(u8),
    Tuple(i16, String),
    Struct { width_mm: u32, id: Option<u64> },
}

#[derive(serde::Serialize)]
struct Shapes {
    shapes: Vec<Shape>,
    wide: (u128, i128, u128, i128),
    floats: (f32, f64, f32, f64, f64),
    #[serde(with = "as_bytes")]
    bytes: Vec<u8>,
    by_number: std::collections::BTreeMap<i64, &'static str>,
    by_flag: std::collections::BTreeMap<bool, char>,
    unit: (),
    strings: [&'static str; 5],
}

mod as_bytes {
    pub fn serialize<S: serde::Serializer>(bytes: &[u8], serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_bytes(bytes)
    }
}

#[test]
fn every_serde_shape_is_written_straight_as_through_json() {
    let shapes = Shapes {
        shapes: vec![
            Shape::Unit,
            Shape::Newtype(7),
            Shape::Tuple(-300, String::from("ab12")),
            Shape::Struct {
                width_mm: 400,
                id: None,
            },
            Shape::Struct {
                width_mm: 0,
                id: Some(u64::MAX),
            },
        ],
        wide: (u128::from(u64::MAX) + 1, i128::from(i64::MIN) - 1, 5, -5),
        floats: (0.1, -2.5e-300, f32::NAN, f64::INFINITY, 3.0),
        bytes: vec![0, 1, 255],
        by_number: [(-1, "a"), (12, "b"), (i64::MAX, "type")]
            .into_iter()
            .collect(),
        by_flag: [(false, 'x'), (true, '\u{e9}')].into_iter().collect(),
        unit: (),
        strings: ["", "pickup", "00ff", "0F", "not hex"],
    };
    same_both_ways(&shapes).unwrap();
    same_both_ways(&Shape::Unit).unwrap();
    same_both_ways(&Shape::Newtype(0)).unwrap();
}

/// Found by the `flash_image` fuzz target: a stored snapshot whose key
/// `spent_tokens` (a name of the table) was written as text decoded, and
/// its JSON encoded back to other bytes. One encoding per value: refused.
#[test]
fn a_name_stored_as_text_is_refused() {
    let bytes = include_bytes!("../data/fuzz-flash-image-name-as-text.bin");
    match decode_to_json(bytes) {
        Ok(json) => assert_eq!(encode_json(&json).unwrap(), bytes),
        Err(error) => assert!(matches!(error, JournalError::Malformed { .. }), "{error:?}"),
    }
    assert!(decode_to_json(bytes).is_err());
}

/// A compressed value whose length or block was changed is refused, and a
/// forged length is refused before anything of that size is allocated.
#[test]
fn a_compressed_value_damaged_or_claiming_too_much_is_refused() {
    let json = serde_json::to_vec(&serde_json::json!({
        "stored": (0..40).map(|n| serde_json::json!({"compartment": n, "recipient": 100 + n}))
            .collect::<Vec<_>>(),
    }))
    .unwrap();
    let good = encode_snapshot(&json).unwrap();
    assert_eq!(decode_to_json(&good).unwrap(), json);
    let claim = |bytes: &[u8], length: u32| {
        let mut changed = bytes.to_vec();
        changed[1..5].copy_from_slice(&length.to_le_bytes());
        changed
    };
    let length = u32::from_le_bytes(good[1..5].try_into().unwrap());
    for bad in [
        vec![COMPRESSED_VERSION],
        good[..4].to_vec(),
        good[..good.len() - 1].to_vec(),
        claim(&good, length + 1),
        claim(&good, length - 1),
        claim(&good, 0),
        // 4 GiB from a few bytes: refused at once, not allocated.
        claim(&good, u32::MAX),
        [&good[..], &[0]].concat(),
    ] {
        let error = decode_to_json(&bad).unwrap_err();
        assert!(matches!(error, JournalError::Malformed { .. }), "{error:?}");
    }
    // A block that expands to bytes that are not a value.
    let mut garbage = vec![COMPRESSED_VERSION, 3, 0, 0, 0, 0x30];
    garbage.extend_from_slice(b"abc");
    assert!(decode_to_json(&garbage).is_err());
}

#[test]
fn bytes_that_are_not_an_encoding_are_refused() {
    let record = records(FIXTURES[2]).remove(0);
    let bytes = encode_record(&record);
    let mut wrong_version = bytes.clone();
    wrong_version[0] = 9;
    for bad in [
        &[][..],
        &[STORAGE_VERSION][..],
        &wrong_version[..],
        &bytes[..bytes.len() - 1],
        &[STORAGE_VERSION, 0xc6, 0x19, 0xff, 0xff][..],
    ] {
        assert!(decode_record::<Entry>(bad, Chain::new()).is_err());
        assert!(decode_to_json(bad).is_err());
    }
    // Trailing bytes, and a name beyond the table.
    let mut trailing = bytes.clone();
    trailing.push(0);
    assert!(decode_record::<Entry>(&trailing, Chain::new()).is_err());
    let beyond = [STORAGE_VERSION, 0xc6, 0x19, 0x01, 0x00];
    assert!(decode_to_json(&beyond).is_err());
    // A name of the table, or hex, stored as text: a second encoding of
    // the same value (the fuzzer stored the key "spent_tokens" as text).
    let as_text = |text: &str| {
        let mut bytes = vec![
            STORAGE_VERSION,
            0xa1,
            0x60 + u8::try_from(text.len()).unwrap(),
        ];
        bytes.extend_from_slice(text.as_bytes());
        bytes.push(0x01);
        bytes
    };
    assert_eq!(
        decode_to_json(&as_text("spent")).unwrap(),
        br#"{"spent":1}"#
    );
    assert!(decode_to_json(&as_text("spent_tokens")).is_err());
    assert!(decode_to_json(&[STORAGE_VERSION, 0x64, b't', b'y', b'p', b'e']).is_err());
    assert!(decode_to_json(&[STORAGE_VERSION, 0x64, b'0', b'0', b'f', b'f']).is_err());
    assert_eq!(
        decode_to_json(&[STORAGE_VERSION, 0x64, b'0', b'0', b'F', b'F']).unwrap(),
        br#""00FF""#
    );
    // Storage never writes an empty byte string (the fuzzer sent one).
    assert!(decode_to_json(&[STORAGE_VERSION, 0x40]).is_err());
    // Nor a NaN, which JSON cannot hold (the fuzzer sent a 16-bit one).
    assert!(decode_to_json(&[STORAGE_VERSION, 0xf9, 0x7e, 0x01]).is_err());
    // Found by the fuzzer: -1 written in five bytes instead of one reads
    // as the same value, so it is refused (one encoding per value).
    assert!(decode_to_json(&[STORAGE_VERSION, 0x3a, 0, 0, 0, 0]).is_err());
    assert_eq!(decode_to_json(&[STORAGE_VERSION, 0x20]).unwrap(), b"-1");
    // Also found by the fuzzer: a float stored in 32 bits comes back as
    // the 64-bit JSON number it is, and is stored again in 32 bits.
    let single = [STORAGE_VERSION, 0xfa, 0x01, 0x89, 0x2c, 0xb5];
    let json = decode_to_json(&single).unwrap();
    assert_eq!(encode_json(&json).unwrap(), single);
    // A 64-bit number that a 32-bit float holds exactly keeps its digits.
    let exact = serde_json::to_vec(&f64::from(0.1_f32)).unwrap();
    assert_eq!(
        decode_to_json(&encode_json(&exact).unwrap()).unwrap(),
        exact
    );
}

proptest! {
    #[test]
    fn json_to_storage_and_back_is_the_identity(value in json_value()) {
        let json = serde_json::to_vec(&value).unwrap();
        let stored = encode_json(&json).unwrap();
        prop_assert_eq!(decode_to_json(&stored).unwrap(), json.clone());
        // And storage to JSON to storage.
        prop_assert_eq!(encode_json(&decode_to_json(&stored).unwrap()).unwrap(), stored);
    }

    #[test]
    fn any_json_value_is_written_straight_as_through_its_text(value in json_value()) {
        same_both_ways(&value)?;
    }

    #[test]
    fn any_f32_or_wide_integer_is_written_straight_as_through_json(
        single in any::<f32>(),
        wide in any::<u128>(),
        signed in any::<i128>(),
    ) {
        same_both_ways(&(single, wide, signed))?;
    }

    #[test]
    fn json_to_compressed_storage_and_back_is_the_identity(value in json_value()) {
        let json = serde_json::to_vec(&value).unwrap();
        let stored = encode_snapshot(&json).unwrap();
        prop_assert_eq!(decode_to_json(&stored).unwrap(), json.clone());
        prop_assert_eq!(encode_snapshot(&decode_to_json(&stored).unwrap()).unwrap(), stored);
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
        let _ = decode_to_json(&bytes);
        let _ = decode_record::<Entry>(&bytes, Chain::new());
        // The same bytes behind a compressed value's header.
        let mut compressed = vec![COMPRESSED_VERSION];
        compressed.extend_from_slice(&bytes);
        let _ = decode_to_json(&compressed);
    }
}
