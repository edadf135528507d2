//! `journal::raw::scan` reads what `journal::lines::read` reads, record for
//! record, and refuses what it refuses; lines in another spelling of their
//! record (sorted keys) are read too, and nothing else gets through.

#![allow(
    clippy::unwrap_used,
    clippy::std_instead_of_alloc,
    clippy::std_instead_of_core,
    clippy::cast_possible_truncation
)]

use locker_core::credential::KeyRing;
use locker_core::journal::raw::{RawRecord, scan};
use locker_core::journal::{JournalError, Trust, lines};
use locker_core::locker::Entry;
use proptest::prelude::*;

const V1: &str = include_str!("../data/journal-v1.jsonl");
const V2: &str = include_str!("../data/journal-v2.jsonl");
const V3: &str = include_str!("../data/journal-v3.jsonl");
const V2_KEYS: &str = include_str!("../data/journal-v2.keys.hex");
const V3_KEYS: &str = include_str!("../data/journal-v3.keys.hex");

fn keys(hex: &str) -> KeyRing {
    let text = hex.trim();
    let bytes: Vec<u8> = (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
        .collect();
    KeyRing::from_secret_bytes(&bytes).unwrap()
}

/// What a record looks like once read: (seq, at_s, entry JSON, hash hex).
type Seen = (u64, u64, String, String);

fn scanned(text: &str, trust: &Trust<'_>) -> (Result<u64, JournalError>, Vec<Seen>, u64) {
    let mut seen = Vec::new();
    let mut respelt = 0;
    let result = scan::<Entry>(text, trust, |record: RawRecord<'_>| {
        respelt += u64::from(record.respelt);
        seen.push((
            record.seq,
            record.at_s,
            record.entry_json.into_owned(),
            record.hash.to_string(),
        ));
        Ok(())
    })
    .map(|scanned| {
        assert_eq!(scanned.respelt, respelt);
        scanned.records
    });
    (result, seen, respelt)
}

fn read(text: &str, trust: &Trust<'_>) -> Vec<Seen> {
    lines::read::<Entry>(text, trust)
        .unwrap()
        .records
        .iter()
        .map(|r| {
            (
                r.seq,
                r.at_s,
                serde_json::to_string(&r.entry).unwrap(),
                r.hash.to_string(),
            )
        })
        .collect()
}

/// Every line with its keys sorted, as `json.dumps(sort_keys=True)` or
/// Postgres `jsonb` would store it.
fn sorted_keys(text: &str) -> String {
    text.lines()
        .map(|line| {
            let value: serde_json::Value = serde_json::from_str(line).unwrap();
            // serde_json's map without `preserve_order` keeps keys sorted.
            serde_json::to_string(&value).unwrap() + "\n"
        })
        .collect()
}

#[test]
fn every_frozen_journal_scans_as_it_reads() {
    let v2_keys = keys(V2_KEYS);
    let v3_keys = keys(V3_KEYS);
    let mut legacy = Trust::with_keys(&v2_keys);
    legacy.accept_legacy = true;
    for (text, trust) in [
        (V1, legacy),
        (V2, Trust::with_keys(&v2_keys)),
        (V3, Trust::with_keys(&v3_keys)),
        (V3, Trust::integrity_only()),
    ] {
        let (result, seen, respelt) = scanned(text, &trust);
        let expected = read(text, &trust);
        assert_eq!(result.unwrap(), expected.len() as u64);
        assert_eq!(seen, expected);
        assert_eq!(
            respelt, 0,
            "the frozen journals are written as the library writes"
        );
    }
}

#[test]
fn a_journal_stored_with_sorted_keys_reads_as_written() {
    let v3_keys = keys(V3_KEYS);
    let trust = Trust::with_keys(&v3_keys);
    let sorted = sorted_keys(V3);
    assert_ne!(sorted, V3);
    // The strict reader refuses it: what it read is not what was hashed.
    assert!(matches!(
        lines::read::<Entry>(&sorted, &trust),
        Err(JournalError::NotCanonical { .. } | JournalError::Malformed { .. })
    ));
    let (result, seen, respelt) = scanned(&sorted, &trust);
    assert_eq!(result.unwrap(), seen.len() as u64);
    assert_eq!(seen, read(V3, &trust));
    assert_eq!(respelt, seen.len() as u64);
}

#[test]
fn an_edit_stops_the_scan_at_the_edited_record_with_the_records_before_it() {
    let v3_keys = keys(V3_KEYS);
    let trust = Trust::with_keys(&v3_keys);
    let edited = V3.replacen("\"weight_g\":800", "\"weight_g\":801", 1);
    assert_ne!(edited, V3);
    let (result, seen, _) = scanned(&edited, &trust);
    let Err(JournalError::Edited { seq }) = result else {
        panic!("an edit must be refused, got {result:?}");
    };
    assert_eq!(seen.len() as u64, seq);
    assert_eq!(seen, read(V3, &trust)[..seen.len()]);
}

#[test]
fn a_chain_rewritten_with_recomputed_hashes_is_forged_under_the_keys() {
    let v3_keys = keys(V3_KEYS);
    let trust = Trust::with_keys(&v3_keys);
    let mut records = lines::read::<Entry>(V3, &trust).unwrap().records;
    // Rewrite from record 5 on with fresh hashes (anyone can compute them)
    // and the old MACs (only the key can make new ones).
    for index in 5..records.len() {
        if index == 5 {
            records[index].at_s += 1;
        } else {
            records[index].prev = records[index - 1].hash;
        }
        records[index].hash = records[index].compute_hash();
    }
    let rewritten = lines::write(&records);
    let (result, seen, _) = scanned(&rewritten, &trust);
    assert!(
        matches!(result, Err(JournalError::Forged { seq: 5, .. })),
        "{result:?}"
    );
    assert_eq!(seen.len(), 5);
    // Without keys the rewrite is consistent: integrity alone cannot tell.
    let (result, _, _) = scanned(&rewritten, &Trust::integrity_only());
    assert!(result.is_ok());
}

#[test]
fn a_torn_last_line_is_dropped_and_reported() {
    let v3_keys = keys(V3_KEYS);
    let trust = Trust::with_keys(&v3_keys);
    let cut = &V3[..V3.len() - 40];
    let mut seen = 0;
    let scanned = scan::<Entry>(cut, &trust, |_| {
        seen += 1;
        Ok(())
    })
    .unwrap();
    let tail = scanned.torn_tail.expect("the cut line is torn");
    assert_eq!(scanned.records, seen);
    assert_eq!(tail.line as u64, seen + 1);
    assert_eq!(scanned.valid_bytes + tail.bytes, cut.len());
}

#[test]
fn a_visitor_error_stops_the_scan() {
    let v3_keys = keys(V3_KEYS);
    let mut seen = 0;
    let result = scan::<Entry>(V3, &Trust::with_keys(&v3_keys), |record| {
        seen += 1;
        if record.seq == 3 {
            return Err(JournalError::Malformed {
                line: 4,
                message: "refused by the caller".into(),
            });
        }
        Ok(())
    });
    assert!(matches!(
        result,
        Err(JournalError::Malformed { line: 4, .. })
    ));
    assert_eq!(seen, 4);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Under the keys, any change to one byte of an authenticated journal
    /// is refused, or reads back as exactly the records written (a
    /// respelling, such as a hex digit's case): never anything else.
    #[test]
    fn one_changed_byte_is_refused_or_changes_nothing(
        at in 0..V3.len(), byte in any::<u8>(), sorted in any::<bool>()
    ) {
        let v3_keys = keys(V3_KEYS);
        let trust = Trust::with_keys(&v3_keys);
        let original = if sorted { sorted_keys(V3) } else { V3.to_owned() };
        let mut bytes = original.into_bytes();
        bytes[at] = byte;
        let Ok(text) = String::from_utf8(bytes) else { return Ok(()) };
        let expected = read(V3, &trust);
        let (result, seen, _) = scanned(&text, &trust);
        prop_assert_eq!(&seen[..], &expected[..seen.len()]);
        if let Ok(records) = result {
            // A byte turned into a newline can cut the text into a journal
            // whose last record is torn off: never a different record.
            prop_assert!(records as usize <= expected.len());
            prop_assert_eq!(seen.len(), records as usize);
        }
    }
}

/// A ring of one key under `id`, its secret varied by `salt`.
fn ring_with(id: u16, salt: u8) -> KeyRing {
    use locker_core::credential::{KeyId, SiteKey};
    let secret: [u8; 32] = <sha2::Sha256 as sha2::Digest>::digest([salt]).into();
    let mut ring = KeyRing::new();
    ring.add(SiteKey::from_bytes(KeyId(id), secret).unwrap())
        .unwrap();
    ring
}

#[test]
fn a_record_sealed_with_a_key_the_ring_lacks_is_never_visited() {
    let v3_keys = keys(V3_KEYS);
    let trust = Trust::with_keys(&v3_keys);
    let loaded = lines::read::<Entry>(V3, &trust).unwrap();
    let count = loaded.records.len() as u64;
    // Anyone can seal the next record with a key of their own, under an id
    // the site's ring does not hold.
    let mut chain = loaded.chain();
    let last = loaded.records.last().unwrap();
    let forged = chain
        .seal(&ring_with(99, 3), last.at_s + 1, last.entry.clone())
        .unwrap();
    let text = format!("{V3}{}\n", lines::to_line(&forged));
    let (result, seen, _) = scanned(&text, &trust);
    assert!(
        matches!(result, Err(JournalError::UnknownKey { seq, .. }) if seq == count),
        "{result:?}"
    );
    assert_eq!(seen.len() as u64, count, "the unvouched record was visited");
    // Accepting legacy records does not accept a key the ring lacks.
    let mut legacy = Trust::with_keys(&v3_keys);
    legacy.accept_legacy = true;
    let (result, seen, _) = scanned(&text, &legacy);
    assert!(result.is_err());
    assert_eq!(seen.len() as u64, count);
}

#[test]
fn legacy_records_no_mac_vouches_for_are_not_visited_under_keys() {
    let v2_keys = keys(V2_KEYS);
    let (result, seen, _) = scanned(V1, &Trust::with_keys(&v2_keys));
    assert!(
        matches!(result, Err(JournalError::Unauthenticated { seq: 0 })),
        "{result:?}"
    );
    assert!(seen.is_empty());
    let mut legacy = Trust::with_keys(&v2_keys);
    legacy.accept_legacy = true;
    let (result, seen, _) = scanned(V1, &legacy);
    assert_eq!(result.unwrap(), seen.len() as u64);
    assert_eq!(seen.len(), V1.lines().count());
}

#[test]
fn lines_sealed_under_a_five_digit_key_id_read_as_they_stand() {
    let ring = ring_with(65_535, 7);
    let mut chain = locker_core::journal::Chain::new();
    let records: Vec<_> = (0..4)
        .map(|i| {
            chain
                .seal(&ring, 1_700_000_000 + i, format!("entry {i}"))
                .unwrap()
        })
        .collect();
    let text = lines::write(&records);
    let mut respelt = 0;
    let scanned = scan::<String>(&text, &Trust::with_keys(&ring), |record| {
        respelt += u64::from(record.respelt);
        Ok(())
    })
    .unwrap();
    assert_eq!(scanned.records, 4);
    assert_eq!(
        respelt, 0,
        "a long key id sent every line down the slow path"
    );
}
