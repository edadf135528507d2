//! The storage encoding read straight into a value (`decode_value`,
//! `Snapshot::from_stored`): the same value as through its JSON text, or
//! refused where that refuses; each item held to its one encoding; forged
//! bytes refused without a panic, a deep stack or a large allocation.

use std::collections::BTreeMap;
use std::fmt::Debug;

use locker_core::journal::compact::{
    COMPRESSED_VERSION, STORAGE_VERSION, check_value, decode_record, decode_to_json, decode_value,
    encode_json, encode_record, encode_snapshot, encode_snapshot_of, encode_value,
};
use locker_core::journal::{Chain, JournalError, Record};
use locker_core::locker::{Entry, Snapshot};
use proptest::prelude::*;

use crate::common::storage::{FIXTURES, json_value, records};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// Every snapshot the frozen journals pass through, with its chain (made
/// once: the property tests draw from them).
fn frozen_snapshots() -> &'static [Snapshot] {
    static SNAPSHOTS: std::sync::OnceLock<Vec<Snapshot>> = std::sync::OnceLock::new();
    SNAPSHOTS.get_or_init(replayed_snapshots)
}

fn replayed_snapshots() -> Vec<Snapshot> {
    let mut snapshots = Vec::new();
    for text in FIXTURES {
        let original = records(text);
        let mut chain = Chain::new();
        for (n, record) in original.iter().enumerate() {
            chain.advance(record);
            let state = locker_core::locker::replay(&original[..=n]).unwrap();
            snapshots.push(state.snapshot(chain));
        }
    }
    snapshots
}

/// Reads `stored` both ways: straight, and as `T` reads the JSON text the
/// bytes convert to. They must agree on the value, or both refuse; the
/// reader alone may refuse bytes whose value is written otherwise (its
/// fields in another order, one it leaves out written as null), and says
/// so.
fn read_both_ways<T>(stored: &[u8]) -> Result<Option<T>, TestCaseError>
where
    T: Serialize + DeserializeOwned + PartialEq + Debug,
{
    let json = decode_to_json(stored).ok();
    let by_json: Option<T> = json
        .as_ref()
        .and_then(|json| serde_json::from_slice(json).ok());
    match (by_json, decode_value::<T>(stored)) {
        (Some(by_json), Ok(read)) => {
            prop_assert_eq!(&read, &by_json);
            Ok(Some(read))
        }
        (None, Ok(read)) => Err(TestCaseError::fail(format!(
            "read {read:?} where JSON refused"
        ))),
        (Some(by_json), Err(JournalError::NotCanonical { .. })) => {
            let canonical = decode_to_json(&encode_value(&by_json)).unwrap();
            prop_assert_ne!(Some(canonical), json, "refused its own encoding");
            Ok(None)
        }
        (Some(by_json), Err(error)) => Err(TestCaseError::fail(format!(
            "refused ({error:?}) what JSON reads as {by_json:?}"
        ))),
        (None, Err(error)) => {
            prop_assert!(
                matches!(
                    error,
                    JournalError::Malformed { .. } | JournalError::NotCanonical { .. }
                ),
                "{:?}",
                error
            );
            Ok(None)
        }
    }
}

#[test]
fn every_frozen_snapshot_and_entry_reads_straight_as_through_json() {
    for snapshot in frozen_snapshots() {
        for stored in [
            encode_value(snapshot),
            encode_snapshot_of(snapshot).unwrap(),
        ] {
            let read = read_both_ways::<Snapshot>(&stored).unwrap();
            assert_eq!(read.as_ref(), Some(snapshot));
            check_value(&stored).unwrap();
            assert_eq!(&Snapshot::from_stored(&stored).unwrap(), snapshot);
        }
    }
    for text in FIXTURES {
        for record in records(text) {
            let stored = encode_value(&record.entry);
            assert_eq!(
                read_both_ways::<Entry>(&stored).unwrap(),
                Some(record.entry)
            );
        }
    }
}

/// Every shape serde reads: variants of each kind, internally tagged,
/// untagged and flattened ones (read through serde's buffer), options,
/// numbers of every width, keys that are numbers or booleans, bytes, and
/// names, hex and text among the strings.
#[derive(Serialize, serde::Deserialize, PartialEq, Debug)]
enum Shape {
    Unit,
    Newtype(u8),
    Tuple(i16, String),
    Struct { width_mm: u32, id: Option<u64> },
}

#[derive(Serialize, serde::Deserialize, PartialEq, Debug)]
#[serde(tag = "type", rename_all = "snake_case")]
enum Tagged {
    Pickup { recipient: u64, label: String },
    Full,
}

#[derive(Serialize, serde::Deserialize, PartialEq, Debug)]
#[serde(untagged)]
enum Either {
    Number(i64),
    Text(String),
    Pair { a: u8, b: Option<bool> },
}

#[derive(Serialize, serde::Deserialize, PartialEq, Debug)]
struct Inner {
    zone: String,
    count: u32,
}

#[derive(Serialize, serde::Deserialize, PartialEq, Debug)]
#[serde(deny_unknown_fields)]
struct Newtype(Vec<u16>);

#[derive(Serialize, serde::Deserialize, PartialEq, Debug)]
struct Unit;

#[derive(Serialize, serde::Deserialize, PartialEq, Debug)]
struct Shapes {
    shapes: Vec<Shape>,
    tagged: Vec<Tagged>,
    either: Vec<Either>,
    #[serde(flatten)]
    inner: Inner,
    wide: (u128, i128),
    floats: (f32, f64, f64),
    bytes: Vec<u8>,
    by_number: BTreeMap<i64, String>,
    by_unsigned: BTreeMap<u16, char>,
    by_flag: BTreeMap<bool, Unit>,
    by_variant: BTreeMap<Tagless, u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    missing: Option<u8>,
    present: Option<Option<u8>>,
    newtype: Newtype,
    strings: [String; 6],
}

#[derive(Serialize, serde::Deserialize, PartialEq, Eq, PartialOrd, Ord, Debug)]
enum Tagless {
    A,
    Kiosk,
}

fn shapes() -> Shapes {
    Shapes {
        shapes: vec![
            Shape::Unit,
            Shape::Newtype(7),
            Shape::Tuple(-300, "ab12".into()),
            Shape::Struct {
                width_mm: 400,
                id: None,
            },
            Shape::Struct {
                width_mm: 0,
                id: Some(u64::MAX),
            },
        ],
        tagged: vec![
            Tagged::Pickup {
                recipient: 12,
                label: "00ff".into(),
            },
            Tagged::Full,
        ],
        either: vec![
            Either::Number(-5),
            Either::Text("pickup".into()),
            Either::Pair { a: 3, b: None },
        ],
        inner: Inner {
            zone: "ambient".into(),
            count: 9,
        },
        wide: (5, -5),
        floats: (0.1, -2.5e-300, 3.0),
        bytes: vec![0, 1, 255],
        by_number: [
            (-1, "a".into()),
            (12, "b".into()),
            (i64::MAX, "type".into()),
        ]
        .into_iter()
        .collect(),
        by_unsigned: [(0, 'x'), (65535, '\u{e9}')].into_iter().collect(),
        by_flag: [(false, Unit), (true, Unit)].into_iter().collect(),
        by_variant: [(Tagless::A, 1), (Tagless::Kiosk, 2)].into_iter().collect(),
        missing: None,
        present: Some(None),
        newtype: Newtype(vec![1, 2, 3]),
        strings: [
            String::new(),
            "pickup".into(),
            "00ff".into(),
            "0F".into(),
            "not hex".into(),
            "\u{1f4e6} caf\u{e9}".into(),
        ],
    }
}

#[test]
fn every_serde_shape_reads_straight_as_through_json() {
    let shapes = shapes();
    for stored in [encode_value(&shapes), encode_snapshot_of(&shapes).unwrap()] {
        // Present as Some(None) is null, which reads back as None: what
        // JSON does too; everything else comes back whole.
        let read = read_both_ways::<Shapes>(&stored).unwrap().unwrap();
        assert_eq!(read.present, None);
        assert_eq!(
            Shapes {
                present: Some(None),
                ..read
            },
            shapes
        );
    }
}

/// A value written otherwise than its type writes it (fields reordered)
/// reads the same through JSON, but is a second encoding of it: refused;
/// so is a field it does not have.
#[test]
fn a_value_written_in_another_shape_is_refused_as_not_canonical() {
    let snapshot = frozen_snapshots().last().unwrap();
    // Its version moved from the first field to the last.
    let json = serde_json::to_string(snapshot).unwrap();
    let version_ends = json.find(',').unwrap();
    assert!(json.starts_with("{\"v\":"));
    let text = format!(
        "{{{},{}}}",
        &json[version_ends + 1..json.len() - 1],
        &json[1..version_ends]
    );
    let stored = encode_json(text.as_bytes()).unwrap();
    assert_eq!(
        &Snapshot::from_json_bytes(text.as_bytes()).unwrap(),
        snapshot
    );
    assert!(matches!(
        decode_value::<Snapshot>(&stored),
        Err(JournalError::NotCanonical { .. })
    ));
    // A snapshot is no record: reported as malformed, naming no record.
    let error = Snapshot::from_stored(&stored).unwrap_err();
    assert!(
        matches!(&error, JournalError::Malformed { message, .. } if message.contains("second encoding")),
        "{error:?}"
    );
    assert_eq!(error.seq(), None);
    assert!(read_both_ways::<Snapshot>(&stored).unwrap().is_none());
    // The same with the unknown-field rule: a field no snapshot has.
    let extra = text.replacen('{', "{\"extra\":1,", 1);
    let stored = encode_json(extra.as_bytes()).unwrap();
    assert!(matches!(
        Snapshot::from_stored(&stored),
        Err(JournalError::Malformed { .. })
    ));
}

/// JSON reads a struct from an array too; this encoding never writes one,
/// so the reader refuses such bytes as not canonical. Sequences, maps,
/// numbers and booleans read only from their own shapes, as JSON reads
/// them.
#[test]
fn a_struct_written_as_an_array_is_not_canonical() {
    #[derive(Debug, PartialEq, Serialize, serde::Deserialize)]
    struct Pair {
        at_s: u64,
        name: String,
    }
    let pair = Pair {
        at_s: 7,
        name: "door".into(),
    };
    let as_array = br#"[7,"door"]"#;
    assert_eq!(serde_json::from_slice::<Pair>(as_array).unwrap(), pair);
    let stored = encode_json(as_array).unwrap();
    assert!(matches!(
        decode_value::<Pair>(&stored),
        Err(JournalError::NotCanonical { .. })
    ));
    assert!(read_both_ways::<Pair>(&stored).unwrap().is_none());
    assert_eq!(decode_value::<Pair>(&encode_value(&pair)).unwrap(), pair);
    // Inside a container, before its other items: still not canonical.
    let nested = br#"[[7,"door"],{"at_s":7,"name":"door"}]"#;
    assert_eq!(
        serde_json::from_slice::<Vec<Pair>>(nested).unwrap().len(),
        2
    );
    let stored = encode_json(nested).unwrap();
    assert!(matches!(
        decode_value::<Vec<Pair>>(&stored),
        Err(JournalError::NotCanonical { .. })
    ));
    assert!(read_both_ways::<Vec<Pair>>(&stored).unwrap().is_none());
    // Bytes that are no value at all stay malformed: an array holding a
    // lone break, and an array with a byte after it.
    for forged in [[STORAGE_VERSION, 0x81, 0xff], [STORAGE_VERSION, 0x80, 0xf6]] {
        assert!(
            matches!(
                decode_value::<Pair>(&forged),
                Err(JournalError::Malformed { .. })
            ),
            "{forged:02x?}"
        );
    }
    // In a record, the record's place names it.
    let fixture = records(FIXTURES[0]).remove(0);
    let record = Record {
        v: fixture.v,
        seq: fixture.seq,
        at_s: fixture.at_s,
        prev: fixture.prev,
        entry: serde_json::json!([7, "door"]),
        hash: fixture.hash,
        key_id: fixture.key_id,
        mac: fixture.mac,
    };
    let mut chain = Chain::new();
    chain.advance(&fixture);
    assert!(matches!(
        decode_record::<Pair>(&encode_record(&record), chain),
        Err(JournalError::NotCanonical { seq: 1, .. })
    ));

    fn refused_both_ways<T>(json: &[u8])
    where
        T: Serialize + DeserializeOwned + PartialEq + Debug,
    {
        let stored = encode_json(json).unwrap();
        assert!(
            matches!(
                decode_value::<T>(&stored),
                Err(JournalError::Malformed { .. })
            ),
            "{}",
            String::from_utf8_lossy(json)
        );
        assert!(read_both_ways::<T>(&stored).unwrap().is_none());
    }
    refused_both_ways::<Vec<u64>>(br#"{"a":1}"#);
    refused_both_ways::<BTreeMap<String, u64>>(b"[1,2]");
    refused_both_ways::<Pair>(b"7");
    refused_both_ways::<u64>(br#""7""#);
    refused_both_ways::<u64>(b"7.5");
    refused_both_ways::<u8>(b"-3");
    refused_both_ways::<u8>(b"256");
    refused_both_ways::<bool>(b"1");
    refused_both_ways::<f64>(b"true");
    assert_eq!(
        decode_value::<i8>(&encode_json(b"-3").unwrap()).unwrap(),
        -3
    );
    assert_eq!(
        decode_value::<f64>(&encode_json(b"7.5").unwrap()).unwrap(),
        7.5
    );
    // JSON reads 7 as the float 7.0, which is written 7.0: not canonical.
    assert!(
        read_both_ways::<f64>(&encode_json(b"7").unwrap())
            .unwrap()
            .is_none()
    );
    assert!(decode_value::<bool>(&encode_json(b"true").unwrap()).unwrap());
    assert_eq!(
        decode_value::<(u8, bool)>(&encode_json(b"[1,false]").unwrap()).unwrap(),
        (1, false)
    );
}

/// Nesting deeper than serde_json reads is refused at the same depth, and
/// far deeper nesting costs no stack.
#[test]
fn nesting_is_refused_where_json_refuses_it() {
    for depth in [1, 100, 126, 127, 128, 129, 200, 100_000] {
        let mut stored = vec![STORAGE_VERSION];
        stored.extend(std::iter::repeat_n(0x81, depth));
        stored.push(0xf6);
        let read = decode_value::<serde_json::Value>(&stored);
        assert_eq!(read.is_ok(), depth < 128, "{depth}: {read:?}");
        assert_eq!(check_value(&stored).is_ok(), depth < 128, "{depth}");
        if depth <= 200 {
            read_both_ways::<serde_json::Value>(&stored).unwrap();
        }
    }
}

/// A value nested deeper than JSON reads is not written either: it could
/// never be read back.
#[test]
fn nesting_too_deep_to_read_is_not_written() {
    let nested = |depth: usize| {
        let mut value = serde_json::Value::Null;
        for _ in 0..depth {
            value = serde_json::Value::Array(vec![value]);
        }
        value
    };
    let deepest = nested(127);
    let stored = encode_snapshot_of(&deepest).unwrap();
    assert_eq!(decode_value::<serde_json::Value>(&stored).unwrap(), deepest);
    let too_deep = nested(128);
    assert!(encode_snapshot_of(&too_deep).is_err());
    assert!(encode_json(&serde_json::to_vec(&too_deep).unwrap()).is_err());
}

/// Forged counts and lengths are refused (a count sizes its vector for
/// at most 16 items before they are read), and every item must be
/// written the one way the writers write it.
#[test]
fn forged_or_second_encodings_are_refused() {
    let refused = |body: &[u8]| {
        let mut stored = vec![STORAGE_VERSION];
        stored.extend_from_slice(body);
        let error = decode_value::<serde_json::Value>(&stored).unwrap_err();
        assert!(
            matches!(error, JournalError::Malformed { .. }),
            "{body:02x?}: {error:?}"
        );
        assert!(check_value(&stored).is_err(), "{body:02x?}");
        assert!(decode_to_json(&stored).is_err(), "{body:02x?}");
    };
    // An array or a map claiming 2^64 - 1 items, a string 2^32 bytes.
    refused(&[0x9b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xf6]);
    refused(&[0xbb, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00]);
    refused(&[0x7a, 0xff, 0xff, 0xff, 0xff, b'a']);
    // Indefinite lengths, and a break alone.
    refused(&[0x9f, 0xf6, 0xff]);
    refused(&[0x7f, 0x61, b'a', 0xff]);
    refused(&[0xff]);
    // A header longer than it needs: 5 in two bytes, a count of one in
    // two, a float a shorter one holds.
    refused(&[0x18, 0x05]);
    refused(&[0x98, 0x01, 0xf6]);
    refused(&[0xfb, 0x3f, 0xf0, 0, 0, 0, 0, 0, 0]);
    // Names and hex as text, an empty byte string, an unknown tag, a
    // name beyond the table, a key that is neither a name nor text.
    refused(&[0x64, b't', b'y', b'p', b'e']);
    refused(&[0x62, b'a', b'b']);
    refused(&[0x40]);
    refused(&[0xc7, 0x00]);
    refused(&[0xc6, 0x19, 0x01, 0x00]);
    refused(&[0xa1, 0xf6, 0x00]);
    refused(&[0xa1, 0x64, b't', b'y', b'p', b'e', 0x00]);
    // Numbers JSON cannot hold: below i64, NaN, infinity; simple values.
    refused(&[0x3b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
    refused(&[0xf9, 0x7e, 0x00]);
    refused(&[0xf9, 0x7c, 0x00]);
    refused(&[0xf7]);
    refused(&[0xf8, 0x20]);
    // Text that is not UTF-8, bytes after the value, nothing at all.
    refused(&[0x62, 0xc3, 0x28]);
    refused(&[0xf6, 0xf6]);
    refused(&[]);
    // And what stays a value: hex in upper case, text that is not a name,
    // a name's index, a byte string (as hex).
    for (body, json) in [
        (&[0x62, b'A', b'B'][..], &br#""AB""#[..]),
        (&[0x61, b'x'][..], &br#""x""#[..]),
        (&[0xc6, 0x00][..], &br#""type""#[..]),
        (&[0x42, 0x00, 0xff][..], &br#""00ff""#[..]),
        (&[0xa1, 0x00, 0x20][..], &br#"{"type":-1}"#[..]),
    ] {
        let mut stored = vec![STORAGE_VERSION];
        stored.extend_from_slice(body);
        let read = decode_value::<serde_json::Value>(&stored).unwrap();
        assert_eq!(
            read,
            serde_json::from_slice::<serde_json::Value>(json).unwrap()
        );
    }
}

/// Numbers in map keys read as serde_json reads them from the key's text.
#[test]
fn map_keys_read_as_numbers_as_json_reads_them() {
    let key_map = |key: &str| {
        let mut stored = vec![STORAGE_VERSION, 0xa1];
        stored.push(0x60 + u8::try_from(key.len()).unwrap());
        stored.extend_from_slice(key.as_bytes());
        stored.push(0x01);
        stored
    };
    for key in [
        "0",
        "12",
        "-1",
        "-0",
        "012",
        "1.5",
        "1e3",
        "+1",
        " 1",
        "1 ",
        "18446744073709551615",
        "18446744073709551616",
        "-9223372036854775808",
        "-9223372036854775809",
        "1e400",
        "-1e400",
        "true",
        "false",
        "",
        "x",
    ] {
        let stored = key_map(key);
        read_both_ways::<BTreeMap<u64, u8>>(&stored).unwrap();
        read_both_ways::<BTreeMap<i64, u8>>(&stored).unwrap();
        read_both_ways::<BTreeMap<u8, u8>>(&stored).unwrap();
        read_both_ways::<BTreeMap<bool, u8>>(&stored).unwrap();
        read_both_ways::<BTreeMap<String, u8>>(&stored).unwrap();
        read_both_ways::<BTreeMap<u128, u8>>(&stored).unwrap();
        read_both_ways::<BTreeMap<i128, u8>>(&stored).unwrap();
    }
    // Keys that need 128 bits, and float keys, as the library writes them.
    let wide: BTreeMap<u128, u8> = [(u128::from(u64::MAX) + 1, 1), (u128::MAX, 2)]
        .into_iter()
        .collect();
    assert_eq!(
        read_both_ways::<BTreeMap<u128, u8>>(&encode_value(&wide)).unwrap(),
        Some(wide)
    );
    let negative: BTreeMap<i128, u8> = [(i128::MIN, 1), (-1, 2)].into_iter().collect();
    assert_eq!(
        read_both_ways::<BTreeMap<i128, u8>>(&encode_value(&negative)).unwrap(),
        Some(negative)
    );
    let by_float = Floats(vec![(0.1, 1), (-2.5e-300, 2), (3.0, 3)]);
    assert_eq!(
        read_both_ways::<Floats>(&encode_value(&by_float)).unwrap(),
        Some(by_float)
    );
}

/// A map whose keys are floats (serde_json spells each as its digits).
#[derive(PartialEq, Debug)]
struct Floats(Vec<(f64, u8)>);

impl Serialize for Floats {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.0.iter().map(|(k, v)| (k, v)))
    }
}

impl<'de> serde::Deserialize<'de> for Floats {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Entries;
        impl<'de> serde::de::Visitor<'de> for Entries {
            type Value = Floats;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a map of floats")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Floats, A::Error> {
                let mut entries = Vec::new();
                while let Some(entry) = map.next_entry()? {
                    entries.push(entry);
                }
                Ok(Floats(entries))
            }
        }
        deserializer.deserialize_map(Entries)
    }
}

/// An f32 stored as an f64 reads as serde_json reads it from the f64's
/// digits, or is refused where that refuses (beyond its range); one that
/// no f32 writes so is a second encoding, refused as such (the two routes
/// are compared by `read_both_ways`). An f32 the library writes reads
/// back exactly.
#[test]
fn a_single_precision_float_reads_as_json_or_is_refused() {
    let float = |value: f64| {
        let mut stored = vec![STORAGE_VERSION, 0xfb];
        stored.extend_from_slice(&value.to_be_bytes());
        stored
    };
    for value in [1.0 + 2_f64.powi(-24), 1e39, 0.1, -257_507.125, 3.4e38] {
        read_both_ways::<f32>(&float(value)).unwrap();
    }
    for value in [0.1_f32, -257_507.13, f32::MAX, f32::MIN_POSITIVE] {
        let stored = encode_value(&value);
        assert_eq!(read_both_ways::<f32>(&stored).unwrap(), Some(value));
    }
}

proptest! {
    #[test]
    fn any_json_value_reads_straight_as_through_its_text(value in json_value()) {
        let json = serde_json::to_vec(&value).unwrap();
        for stored in [encode_json(&json).unwrap(), encode_snapshot(&json).unwrap()] {
            prop_assert_eq!(read_both_ways::<serde_json::Value>(&stored)?, Some(value.clone()));
        }
    }

    /// A frozen snapshot's encoding with a byte changed, inserted or
    /// removed: read the same both ways, or refused both ways.
    #[test]
    fn a_damaged_snapshot_reads_as_through_json_or_is_refused(
        which in any::<prop::sample::Index>(),
        at in any::<prop::sample::Index>(),
        byte in any::<u8>(),
        edit in 0..3_u8,
    ) {
        let mut stored = encode_value(which.get(frozen_snapshots()));
        let at = 1 + at.index(stored.len() - 1);
        match edit {
            0 => stored[at] = byte,
            1 => stored.insert(at, byte),
            _ => {
                stored.remove(at);
            }
        }
        read_both_ways::<Snapshot>(&stored)?;
        read_both_ways::<serde_json::Value>(&stored)?;
        prop_assert_eq!(check_value(&stored).is_ok(), decode_to_json(&stored).is_ok());
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
        for stored in [
            [&[STORAGE_VERSION][..], &bytes].concat(),
            [&[COMPRESSED_VERSION][..], &bytes].concat(),
            bytes.clone(),
        ] {
            read_both_ways::<serde_json::Value>(&stored)?;
            read_both_ways::<Snapshot>(&stored)?;
            read_both_ways::<Entry>(&stored)?;
            let _ = check_value(&stored);
        }
    }
}

/// A key type that takes a float when asked for an integer (as no type
/// of this library does).
#[derive(PartialEq, Eq, PartialOrd, Ord, Debug)]
struct LenientKey(u64);

impl Serialize for LenientKey {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_u64(self.0)
    }
}

impl<'de> serde::Deserialize<'de> for LenientKey {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Lenient;
        impl serde::de::Visitor<'_> for Lenient {
            type Value = LenientKey;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a whole number, however spelt")
            }
            fn visit_u64<E: serde::de::Error>(self, value: u64) -> Result<LenientKey, E> {
                Ok(LenientKey(value))
            }
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            fn visit_f64<E: serde::de::Error>(self, value: f64) -> Result<LenientKey, E> {
                Ok(LenientKey(value as u64))
            }
        }
        deserializer.deserialize_u64(Lenient)
    }
}

/// The one difference `decode_value` documents: a float key asked for as
/// an integer is refused unread, where JSON hands it over as a float; an
/// integer key reads alike both ways.
#[test]
fn a_float_key_asked_for_as_an_integer_is_refused_unread() {
    let json = br#"{"1e3":1}"#;
    let through_json: BTreeMap<LenientKey, u8> = serde_json::from_slice(json).unwrap();
    assert_eq!(through_json.keys().next(), Some(&LenientKey(1000)));
    let error = decode_value::<BTreeMap<LenientKey, u8>>(&encode_json(json).unwrap())
        .unwrap_err()
        .to_string();
    assert!(error.contains("invalid type: floating point"), "{error}");
    let whole = br#"{"12":1}"#;
    assert_eq!(
        decode_value::<BTreeMap<LenientKey, u8>>(&encode_json(whole).unwrap()).unwrap(),
        serde_json::from_slice::<BTreeMap<LenientKey, u8>>(whole).unwrap()
    );
}
