#![allow(clippy::unwrap_used)]

use alloc::collections::BTreeMap;

use locker_core::journal::Record;
use locker_core::locker::Entry;
use proptest::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::*;
use locker_core::MAX_SAFE_INTEGER;

/// Integers of every width, in every place a core type has them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Sample {
    id: u64,
    neg: i64,
    small: u32,
    label: String,
    maybe: Option<u64>,
    list: Vec<u64>,
    by_id: BTreeMap<u64, i64>,
    kind: Kind,
    ratio: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Kind {
    Fields { id: u64 },
    Newtype(u64),
    Tuple(u64, i16),
    Unit,
}

fn samples() -> impl Strategy<Value = Sample> {
    let wide = prop_oneof![any::<u64>(), 0..=MAX_SAFE_INTEGER];
    let kind = prop_oneof![
        any::<u64>().prop_map(|id| Kind::Fields { id }),
        any::<u64>().prop_map(Kind::Newtype),
        (any::<u64>(), any::<i16>()).prop_map(|(a, b)| Kind::Tuple(a, b)),
        Just(Kind::Unit),
    ];
    (
        (wide, any::<i64>(), any::<u32>(), "[0-9]{1,20}|[a-z]{0,4}"),
        (
            proptest::option::of(any::<u64>()),
            proptest::collection::vec(any::<u64>(), 0..4),
            proptest::collection::btree_map(any::<u64>(), any::<i64>(), 0..4),
            kind,
            -1e300_f64..1e300,
        ),
    )
        .prop_map(
            |((id, neg, small, label), (maybe, list, by_id, kind, ratio))| Sample {
                id,
                neg,
                small,
                label,
                maybe,
                list,
                by_id,
                kind,
                ratio,
            },
        )
}

/// True for a number JavaScript holds as it is: a float, or an integer up
/// to 2^53 − 1 in magnitude.
fn is_safe(number: &serde_json::Number) -> bool {
    number.as_u64().is_none_or(|n| n <= MAX_SAFE_INTEGER)
        && number
            .as_i64()
            .is_none_or(|n| n.unsigned_abs() <= MAX_SAFE_INTEGER)
}

/// Only numbers `JSON.parse` keeps as they are.
fn safe_numbers_only(value: &Value) -> bool {
    match value {
        Value::Number(n) => is_safe(n),
        Value::Array(items) => items.iter().all(safe_numbers_only),
        Value::Object(map) => map.values().all(safe_numbers_only),
        _ => true,
    }
}

proptest! {
    /// Out with the big integers as strings, then in (as JavaScript gives
    /// it back, from `JSON.stringify`): the same value.
    #[test]
    fn a_value_round_trips_through_javascript(sample in samples()) {
        let text = write(&sample).unwrap();
        let parsed: Value = serde_json::from_str(&text).unwrap();
        prop_assert!(safe_numbers_only(&parsed), "{}", text);
        prop_assert_eq!(read::<Sample>(&text, Numbers::Rounded).unwrap(), sample.clone());
        // Unchanged when there was nothing to quote.
        if text == serde_json::to_string(&sample).unwrap() {
            prop_assert!(safe_numbers_only(&serde_json::to_value(&sample).unwrap()));
        }
    }

    /// Any JSON value: quoted once, nothing is left to quote, and its
    /// strings stay strings when read back untyped.
    #[test]
    fn a_json_value_is_quoted_once(value in values()) {
        let text = write(&value).unwrap();
        let parsed: Value = serde_json::from_str(&text).unwrap();
        prop_assert!(safe_numbers_only(&parsed), "{}", text);
        prop_assert_eq!(write(&parsed).unwrap(), serde_json::to_string(&parsed).unwrap());
        prop_assert_eq!(read::<Value>(&text, Numbers::Rounded).unwrap(), parsed);
    }

    /// Any text at all, JSON or not: an answer or a typed error, no panic.
    #[test]
    fn any_text_is_read_without_panicking(
        pieces in proptest::collection::vec(
            proptest::sample::select(&[
                "9007199254740993", "18446744073709551615", "-9223372036854775808",
                "\"18446744073709551616\"", "\"12\"", "\"-0\"", "\"007\"", "1.5", "e7", "-",
                "\"", "\\", ":", ",", "[", "]", "{", "}", " ", "é", "null", "\"id\"",
                "\"kind\"", "\"fields\"", "\"by_id\"",
            ][..]),
            0..24,
        ),
    ) {
        let text = pieces.concat();
        for numbers in [Numbers::Exact, Numbers::Rounded] {
            let _ = read::<Sample>(&text, numbers);
            let _ = read::<Record<Entry>>(&text, numbers);
            if let Ok(value) = read::<Value>(&text, numbers) {
                prop_assert!(write(&value).is_ok());
            }
        }
    }
}

/// JSON values with integers on both sides of 2^53 and strings that look
/// like them.
fn values() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        any::<u64>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        (0_u64..=MAX_SAFE_INTEGER).prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        "[a-z\\\"é]{0,6}".prop_map(Value::from),
        "[0-9]{1,20}".prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            proptest::collection::btree_map("[0-9a-z]{1,20}", inner, 0..4)
                .prop_map(|map| Value::Object(map.into_iter().collect())),
        ]
    })
}

#[test]
fn frozen_older_journals_cross_and_come_back_as_they_were() {
    for journal in [
        include_str!("../../../locker-core/tests/data/journal-v1.jsonl"),
        include_str!("../../../locker-core/tests/data/journal-v2.jsonl"),
    ] {
        let mut big = 0;
        for line in journal.lines() {
            let record: Record<Entry> = serde_json::from_str(line).unwrap();
            let text = write(&record).unwrap();
            big += usize::from(text != serde_json::to_string(&record).unwrap());
            assert!(safe_numbers_only(&serde_json::from_str(&text).unwrap()));
            assert_eq!(
                read::<Record<Entry>>(&text, Numbers::Rounded).unwrap(),
                record
            );
        }
        // 64-bit credential ids and "never" as 2^64 - 1 in several records.
        assert!(big >= 5, "{big}");
    }
}

#[test]
fn strings_are_read_as_integers_only_where_integers_are_wanted() {
    let text = r#"{"id":"18446744073709551615","neg":"-9223372036854775808","small":"7",
        "label":"101","maybe":"9007199254740993","list":["1",2],"by_id":{"5":"-5"},
        "kind":{"fields":{"id":"42"}},"ratio":0.5}"#;
    let sample: Sample = read(text, Numbers::Exact).unwrap();
    assert_eq!(sample.id, u64::MAX);
    assert_eq!(sample.neg, i64::MIN);
    assert_eq!(sample.label, "101");
    assert_eq!(sample.maybe, Some(9_007_199_254_740_993));
    assert_eq!(sample.list, [1, 2]);
    assert_eq!(sample.by_id.get(&5), Some(&-5));
    assert_eq!(sample.kind, Kind::Fields { id: 42 });
    // Read untyped, a string is a string.
    let value: Value = read(text, Numbers::Exact).unwrap();
    assert_eq!(value["id"], "18446744073709551615");
}

#[test]
fn only_integers_as_rust_writes_them_and_in_range() {
    let with = |id: &str| {
        format!(
            r#"{{"id":{id},"neg":0,"small":"7","label":"","maybe":null,"list":[],"by_id":{{}},"kind":"unit","ratio":0}}"#
        )
    };
    assert!(read::<Sample>(&with("\"42\""), Numbers::Exact).is_ok());
    for bad in [
        "\"007\"",
        "\"+5\"",
        "\"-0\"",
        "\"-5\"",
        "\" 5\"",
        "\"\"",
        "\"1e3\"",
        "\"18446744073709551616\"",
        "\"x\"",
    ] {
        let error = read::<Sample>(&with(bad), Numbers::Exact).unwrap_err();
        // The error keeps serde_json's position.
        assert!(error.line() == 1 && error.column() > 0, "{bad}: {error}");
    }
}

#[test]
fn an_integer_rounded_into_a_javascript_number_is_refused() {
    let text = r#"{"id":12105813786408597029,"neg":0,"small":7,"label":"","maybe":null,"list":[],"by_id":{},"kind":"unit","ratio":0}"#;
    let error = read::<Sample>(text, Numbers::Rounded).unwrap_err();
    assert!(error.to_string().contains("2^53 - 1"), "{error}");
    // As text a host wrote, it is the number written.
    assert_eq!(
        read::<Sample>(text, Numbers::Exact).unwrap().id,
        12_105_813_786_408_597_029
    );
    let safe = text.replace("12105813786408597029", "9007199254740991");
    assert!(read::<Sample>(&safe, Numbers::Rounded).is_ok());
}

#[test]
fn repeated_fields_and_trailing_text_are_still_refused() {
    let text = r#"{"id":1,"id":"2","neg":0,"small":7,"label":"","maybe":null,"list":[],"by_id":{},"kind":"unit","ratio":0}"#;
    assert!(
        read::<Sample>(text, Numbers::Exact)
            .unwrap_err()
            .to_string()
            .contains("duplicate field")
    );
    assert!(read::<u64>("1 2", Numbers::Exact).is_err());
    assert_eq!(read::<u64>(" \"2\" ", Numbers::Exact).unwrap(), 2);
}

#[test]
fn nothing_to_quote_leaves_the_text_as_serialized() {
    let value = serde_json::json!({"a": [1, -2, 9_007_199_254_740_991_u64], "b": "x9007199254740993", "c": 1.5e300});
    assert_eq!(
        write(&value).unwrap(),
        serde_json::to_string(&value).unwrap()
    );
    let big = serde_json::json!({"z": u64::MAX, "a": i64::MIN, "f": 1.5e300});
    assert_eq!(
        write(&big).unwrap(),
        r#"{"a":"-9223372036854775808","f":1.5e+300,"z":"18446744073709551615"}"#
    );
}

#[test]
fn only_numbers_beyond_2_53_send_the_text_through_the_tree() {
    assert!(has_big_number(b"[9007199254740992]"));
    assert!(has_big_number(b"9007199254740992"));
    assert!(has_big_number(br#"{"a":"\"","b":-9007199254740993}"#));
    assert!(has_big_number(b"[12345678901234567]"));
    assert!(!has_big_number(
        b"[9007199254740991,1234567890123456,900719925474099]"
    ));
    // Digits in strings, escaped quotes and all, are no numbers.
    assert!(!has_big_number(
        br#"{"prev":"0000000000000000000000","x":"\"12345678901234567\""}"#
    ));
    assert!(!has_big_number(br#"["\\", "12345678901234567"]"#));
    assert!(!has_big_number(br#""12345678901234567"#));
}
