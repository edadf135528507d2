#![allow(clippy::unwrap_used, clippy::cast_possible_truncation)]

use arrow_array::cast::AsArray;
use arrow_array::types::{Int8Type, TimestampSecondType, UInt32Type, UInt64Type};
use arrow_array::{Array, RecordBatch};
use locker_core::credential::KeyRing;
use locker_core::journal::{Trust, lines};
use locker_core::locker::Entry;
use proptest::prelude::*;

use super::read::read_in_batches;
use super::*;

const V2: &str = include_str!("../../locker-core/tests/data/journal-v2.jsonl");
const V3: &str = include_str!("../../locker-core/tests/data/journal-v3.jsonl");
const V2_KEYS: &str = include_str!("../../locker-core/tests/data/journal-v2.keys.hex");
const V3_KEYS: &str = include_str!("../../locker-core/tests/data/journal-v3.keys.hex");

/// Every version of the schema, frozen: a column or a dictionary value
/// changed without a new version fails here. Never edit a line; add the
/// next version's.
const FROZEN_SCHEMAS: &[(u32, &str)] = &[(
    1,
    "bank_id:Utf8, seq:UInt64, at:Timestamp(s, \"UTC\"), version:UInt8, \
     kind:Dictionary(Int8, Utf8), door:UInt32?, recipient:UInt64?, parcel:UInt64?, \
     carrier:UInt32?, channel:Dictionary(Int8, Utf8)?, outcome:Utf8?, entry:Utf8, \
     hash:FixedSizeBinary(32) | kinds configured keys_changed credential_issued \
     credential_revoked attempt_failed attempts_refused courier_signed_in \
     courier_signed_out deposit_opened deposit_committed deposit_aborted \
     deposit_overflowed pickup_opened pickup_completed pickup_aborted reopened \
     missing_reported grace_ended reminder_sent expired extended hold_set staff_opened \
     door_reclosed out_of_service back_in_service tampered door_seen_open door_left_open \
     clock_jumped clock_confirmed unexpected_door_close hardware_fault interrupted \
     pruned inspected | channels pin qr rfid courier remote",
)];

fn keys(hex: &str) -> KeyRing {
    let text = hex.trim();
    let bytes: Vec<u8> = (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
        .collect();
    KeyRing::from_secret_bytes(&bytes).unwrap()
}

/// The names serde reads for `T`, from its refusal of one it does not know.
fn names_read<T: serde::de::DeserializeOwned + core::fmt::Debug>(probe: &str) -> Vec<String> {
    let error = serde_json::from_str::<T>(probe).unwrap_err().to_string();
    let list = error.split_once("expected ").unwrap().1;
    let list = list.split(" at line").next().unwrap();
    list.split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_owned)
        .collect()
}

fn sorted(mut names: Vec<String>) -> Vec<String> {
    names.sort();
    names
}

#[test]
fn the_schema_is_the_frozen_description_of_its_version() {
    let (version, frozen) = FROZEN_SCHEMAS.last().unwrap();
    assert_eq!(
        *version, SCHEMA_VERSION,
        "a new schema version needs its frozen line"
    );
    assert_eq!(describe(&journal_schema()), *frozen);
    assert_eq!(
        journal_schema().metadata()[SCHEMA_VERSION_KEY],
        SCHEMA_VERSION.to_string()
    );
}

#[test]
fn the_dictionaries_hold_every_kind_and_channel_the_library_writes() {
    let kinds = sorted(names_read::<Entry>(r#"{"type":"?"}"#));
    assert_eq!(
        kinds,
        sorted(KINDS.iter().map(|k| (*k).to_owned()).collect())
    );
    let channels = sorted(names_read::<locker_core::credential::Channel>(r#""?""#));
    assert_eq!(
        channels,
        sorted(CHANNELS.iter().map(|c| (*c).to_owned()).collect())
    );
}

/// A batch's rows as comparable text, one line per row.
fn rows(batches: &[RecordBatch]) -> Vec<String> {
    let mut out = Vec::new();
    for batch in batches {
        for row in 0..batch.num_rows() {
            let cells: Vec<String> = batch
                .columns()
                .iter()
                .map(|column| format!("{:?}", column.slice(row, 1)))
                .collect();
            out.push(cells.join("|"));
        }
    }
    out
}

fn read_v3(text: &str, trust: Trust<'_>) -> (Vec<RecordBatch>, BankReport) {
    read_journal(&JournalInput {
        bank_id: "north",
        text,
        trust,
    })
}

#[test]
fn every_row_holds_its_record_and_the_fields_of_its_entry() {
    let ring = keys(V3_KEYS);
    let (batches, report) = read_v3(V3, Trust::with_keys(&ring));
    assert!(report.error.is_none(), "{:?}", report.error);
    assert_eq!(report.respelt, 0);
    let records = lines::read::<Entry>(V3, &Trust::with_keys(&ring))
        .unwrap()
        .records;
    assert_eq!(report.records, records.len() as u64);
    assert_eq!(batches.len(), 1);
    let batch = &batches[0];
    assert_eq!(batch.num_rows(), records.len());
    let column = |name: &str| batch.column_by_name(name).unwrap().clone();
    let seq = column(column::SEQ);
    let at = column(column::AT);
    let kind = column(column::KIND);
    let kind = kind.as_dictionary::<Int8Type>();
    let door = column(column::DOOR);
    let parcel = column(column::PARCEL);
    let recipient = column(column::RECIPIENT);
    let channel = column(column::CHANNEL);
    let channel = channel.as_dictionary::<Int8Type>();
    let outcome = column(column::OUTCOME);
    let entry = column(column::ENTRY);
    let hash = column(column::HASH);
    let bank = column(column::BANK_ID);
    for (row, record) in records.iter().enumerate() {
        let json: serde_json::Value = serde_json::to_value(&record.entry).unwrap();
        assert_eq!(bank.as_string::<i32>().value(row), "north");
        assert_eq!(seq.as_primitive::<UInt64Type>().value(row), record.seq);
        assert_eq!(
            at.as_primitive::<TimestampSecondType>().value(row),
            i64::try_from(record.at_s).unwrap()
        );
        let kind_name = KINDS[usize::try_from(kind.keys().value(row)).unwrap()];
        assert_eq!(kind_name, json["type"]);
        assert_eq!(
            entry.as_string::<i32>().value(row),
            serde_json::to_string(&record.entry).unwrap()
        );
        assert_eq!(hash.as_fixed_size_binary().value(row), record.hash.0);
        if let Some(door_id) = json.get("compartment").and_then(serde_json::Value::as_u64) {
            assert_eq!(
                u64::from(door.as_primitive::<UInt32Type>().value(row)),
                door_id
            );
        }
        if let Some(parcel_id) = json
            .pointer("/parcel/id")
            .and_then(serde_json::Value::as_u64)
        {
            assert_eq!(parcel.as_primitive::<UInt64Type>().value(row), parcel_id);
        }
        if let Some(grant) = json.get("grant") {
            let name = CHANNELS[usize::try_from(channel.keys().value(row)).unwrap()];
            assert_eq!(name, grant["channel"]);
            assert_eq!(
                recipient.is_null(row),
                grant["recipient"].is_null(),
                "row {row}"
            );
        }
        match kind_name {
            "deposit_aborted" | "pickup_aborted" | "deposit_overflowed" => {
                assert_eq!(outcome.as_string::<i32>().value(row), json["reason"]);
            }
            "attempts_refused" => assert_eq!(outcome.as_string::<i32>().value(row), json["error"]),
            "hardware_fault" => assert_eq!(outcome.as_string::<i32>().value(row), json["kind"]),
            "inspected" => assert!(!outcome.is_null(row)),
            // Staff's own words stay in the entry.
            "staff_opened" | "out_of_service" => assert!(outcome.is_null(row)),
            _ => {}
        }
    }
}

/// Every line with its keys sorted, as a store that sorts keys keeps it.
fn sorted_keys(text: &str) -> String {
    text.lines()
        .map(|line| {
            let value: serde_json::Value = serde_json::from_str(line).unwrap();
            serde_json::to_string(&value).unwrap() + "\n"
        })
        .collect()
}

#[test]
fn a_journal_stored_with_sorted_keys_gives_the_same_rows() {
    let ring = keys(V3_KEYS);
    let (expected, _) = read_v3(V3, Trust::with_keys(&ring));
    let (batches, report) = read_v3(&sorted_keys(V3), Trust::with_keys(&ring));
    assert!(report.error.is_none(), "{:?}", report.error);
    assert_eq!(report.respelt, report.records);
    assert_eq!(batches, expected);
}

#[test]
fn batches_split_at_their_size_and_hold_the_same_rows() {
    let input = JournalInput {
        bank_id: "north",
        text: V3,
        trust: Trust::integrity_only(),
    };
    let (whole, _) = read_journal(&input);
    let (split, report) = read_in_batches(&input, 10);
    assert_eq!(split.len(), V3.lines().count().div_ceil(10));
    assert!(split.iter().all(|b| b.num_rows() <= 10));
    assert_eq!(report.records, V3.lines().count() as u64);
    assert_eq!(rows(&split), rows(&whole));
}

#[test]
fn a_tampered_bank_stops_at_its_first_bad_record_and_the_fleet_still_reads() {
    let v2_ring = keys(V2_KEYS);
    let v3_ring = keys(V3_KEYS);
    // The same key ids with other secrets: a ring that never sealed these.
    let mut other = V3_KEYS.trim().to_owned();
    let last = if other.ends_with('0') { "1" } else { "0" };
    other.replace_range(other.len() - 1.., last);
    let other_ring = keys(&other);
    let edited = V3.replacen("\"weight_g\":800", "\"weight_g\":801", 1);
    let inputs = [
        JournalInput {
            bank_id: "a",
            text: V2,
            trust: Trust::with_keys(&v2_ring),
        },
        JournalInput {
            bank_id: "b",
            text: &edited,
            trust: Trust::with_keys(&v3_ring),
        },
        JournalInput {
            bank_id: "c",
            text: V3,
            trust: Trust::with_keys(&v3_ring),
        },
        // The right journal under a ring whose newest key is another.
        JournalInput {
            bank_id: "d",
            text: V3,
            trust: Trust::with_keys(&other_ring),
        },
    ];
    for threads in [1, 2, 4] {
        let table = read_journals(&inputs, threads);
        let ids: Vec<&str> = table.reports.iter().map(|r| r.bank_id.as_str()).collect();
        assert_eq!(ids, ["a", "b", "c", "d"]);
        assert!(table.reports[0].error.is_none());
        assert!(table.reports[2].error.is_none());
        let bad = &table.reports[1];
        let error = bad.error.as_ref().unwrap();
        assert_eq!(error.code(), "edited");
        assert_eq!(Some(bad.records), error.seq());
        assert!(bad.verified.is_none());
        // Its records sealed by the key the rings share read; the first
        // sealed by the changed key is forged.
        let forged = &table.reports[3];
        let error = forged.error.as_ref().unwrap();
        assert_eq!(error.code(), "forged");
        assert_eq!(Some(forged.records), error.seq());
        let expected: u64 = table.reports.iter().map(|r| r.records).sum();
        assert_eq!(table.num_rows() as u64, expected);
        // Bank by bank, in the order given.
        let banks: Vec<String> = table
            .batches
            .iter()
            .flat_map(|b| {
                let column = b
                    .column_by_name(column::BANK_ID)
                    .unwrap()
                    .as_string::<i32>();
                (0..b.num_rows())
                    .map(|i| column.value(i).to_owned())
                    .collect::<Vec<_>>()
            })
            .collect();
        let mut order = banks.clone();
        order.dedup();
        assert_eq!(order, ["a", "b", "c", "d"]);
    }
}

#[test]
fn a_record_under_a_key_the_ring_lacks_gives_no_row() {
    use locker_core::credential::{KeyId, SiteKey};
    let ring = keys(V3_KEYS);
    let trust = Trust::with_keys(&ring);
    let loaded = lines::read::<Entry>(V3, &trust).unwrap();
    // The next record, sealed by someone with a key of their own under an
    // id the site's ring does not hold.
    let secret = *ring.newest().unwrap().expose_secret();
    let mut theirs = KeyRing::new();
    let mut other = secret;
    other.reverse();
    theirs
        .add(SiteKey::from_bytes(KeyId(99), other).unwrap())
        .unwrap();
    let last = loaded.records.last().unwrap();
    let forged = loaded
        .chain()
        .seal(&theirs, last.at_s + 1, last.entry.clone())
        .unwrap();
    let text = format!("{V3}{}\n", lines::to_line(&forged));
    let (batches, report) = read_v3(&text, trust);
    let error = report.error.as_ref().unwrap();
    assert_eq!(error.code(), "unknown_key");
    assert_eq!(error.seq(), Some(report.records));
    assert_eq!(report.records, loaded.records.len() as u64);
    assert_eq!(rows(&batches).len() as u64, report.records);
}

#[test]
fn no_journals_read_as_no_rows() {
    let table = read_journals(&[], 4);
    assert_eq!(table.num_rows(), 0);
    assert!(table.reports.is_empty());
    let (batches, report) = read_v3("", Trust::integrity_only());
    assert!(batches.is_empty());
    assert_eq!(report.records, 0);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// One changed byte of an authenticated journal gives the rows of the
    /// records before the damage, exactly as they were, and a report that
    /// says so; never a changed row.
    #[test]
    fn one_changed_byte_never_changes_a_row(at in 0..V3.len(), byte in any::<u8>()) {
        let ring = keys(V3_KEYS);
        let (expected, _) = read_v3(V3, Trust::with_keys(&ring));
        let expected = rows(&expected);
        let mut bytes = V3.as_bytes().to_vec();
        bytes[at] = byte;
        let Ok(text) = String::from_utf8(bytes) else { return Ok(()) };
        let (batches, report) = read_v3(&text, Trust::with_keys(&ring));
        let got = rows(&batches);
        prop_assert_eq!(got.len() as u64, report.records);
        prop_assert_eq!(&got[..], &expected[..got.len()]);
        if report.error.is_none() && report.torn_tail.is_none() {
            prop_assert_eq!(got.len(), expected.len());
        }
    }
}
