//! What the storage-encoding tests share: the frozen journals, their
//! records, and JSON values of the shapes records and snapshots have.

use locker_core::journal::compact::NAMES;
use locker_core::journal::{Record, lines};
use locker_core::locker::Entry;
use proptest::prelude::*;

/// The frozen journals (one per record version, and a delegation).
pub const FIXTURES: [&str; 4] = [
    include_str!("../../data/journal-v1.jsonl"),
    include_str!("../../data/journal-v1-two-door-delegation.jsonl"),
    include_str!("../../data/journal-v2.jsonl"),
    include_str!("../../data/journal-v3.jsonl"),
];

/// The records of a frozen journal.
pub fn records(text: &str) -> Vec<Record<Entry>> {
    text.lines()
        .enumerate()
        .map(|(i, line)| lines::parse_line(line, i + 1).unwrap())
        .collect()
}

/// JSON values of the shapes records and snapshots have: names from the
/// table, hex strings, numbers spelt as text, free text, numbers of every
/// size.
pub fn json_value() -> impl Strategy<Value = serde_json::Value> {
    let text = prop_oneof![
        proptest::sample::select(NAMES).prop_map(String::from),
        "[0-9a-f]{0,66}",
        "[0-9A-Fa-f]{1,9}",
        "-?[0-9]{1,3}",
        ".{0,12}",
    ];
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::Bool),
        any::<u64>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        any::<f64>()
            .prop_filter("JSON has no NaN or infinity", |x| x.is_finite())
            .prop_map(serde_json::Value::from),
        text.clone().prop_map(serde_json::Value::String),
    ];
    leaf.prop_recursive(4, 48, 6, move |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(serde_json::Value::Array),
            proptest::collection::vec((text.clone(), inner), 0..6)
                .prop_map(|pairs| serde_json::Value::Object(pairs.into_iter().collect())),
        ]
    })
}
