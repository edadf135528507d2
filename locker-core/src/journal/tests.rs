use super::lines::{self, TornTail};
use super::*;
use alloc::string::{String, ToString};
use alloc::vec;

fn sample(n: u64) -> Vec<Record<String>> {
    let mut chain = Chain::new();
    (0..n)
        .map(|i| chain.seal(1_000 + i * 60, alloc::format!("entry {i}")))
        .collect()
}

#[test]
fn a_sealed_chain_verifies_and_ends_where_it_should() {
    let records = sample(5);
    let end = verify(&records, None).unwrap();
    assert_eq!(end.next_seq, 5);
    assert_eq!(end.head, records[4].hash);
    assert_eq!(records[0].prev, Digest::ZERO);
    assert_eq!(records[3].prev, records[2].hash);
    // Verification may start at a snapshot's position.
    let from_two = verify(&records[2..], Some(verify(&records[..2], None).unwrap())).unwrap();
    assert_eq!(from_two, end);
}

#[test]
fn an_edit_is_named() {
    let mut records = sample(5);
    records[2].at_s += 1;
    assert_eq!(verify(&records, None), Err(JournalError::Edited { seq: 2 }));
    let mut records = sample(5);
    records[3].entry.push('!');
    assert_eq!(verify(&records, None), Err(JournalError::Edited { seq: 3 }));
}

#[test]
fn a_gap_a_repeat_and_a_swap_are_named() {
    let mut records = sample(5);
    records.remove(2);
    assert_eq!(
        verify(&records, None),
        Err(JournalError::Missing {
            expected: 2,
            found: 3
        })
    );
    let mut records = sample(5);
    let again = records[1].clone();
    records.insert(2, again);
    assert_eq!(
        verify(&records, None),
        Err(JournalError::OutOfOrder {
            expected: 2,
            found: 1
        })
    );
    let mut records = sample(5);
    records.swap(1, 3);
    assert_eq!(verify(&records, None).unwrap_err().seq(), Some(3));
}

#[test]
fn a_forged_record_with_a_fresh_hash_breaks_the_link() {
    let mut records = sample(4);
    records[2].entry = String::from("forged");
    records[2].hash = records[2].compute_hash();
    assert_eq!(
        verify(&records, None),
        Err(JournalError::BrokenLink { seq: 3 })
    );
    let mut records = sample(4);
    records[0].prev = Digest([1; 32]);
    records[0].hash = records[0].compute_hash();
    assert_eq!(
        verify(&records, None),
        Err(JournalError::BrokenLink { seq: 0 })
    );
}

#[test]
fn unknown_versions_are_refused() {
    for version in [0, RECORD_VERSION + 1, u32::MAX] {
        let mut records = sample(2);
        records[1].v = version;
        assert_eq!(
            verify(&records, None),
            Err(JournalError::UnsupportedVersion { seq: 1, version })
        );
    }
}

/// A line as a newer library would write it: a version this one does not
/// read, and an entry of a shape it has never seen.
fn newer_line(seq: u64, prev: &Digest) -> String {
    alloc::format!(
        r#"{{"v":{},"seq":{seq},"at_s":2000,"prev":"{prev}","entry":{{"type":"teleported","to":"mars"}},"hash":"{}"}}"#,
        RECORD_VERSION + 1,
        Digest::ZERO,
    )
}

#[test]
fn a_newer_record_is_named_as_newer_even_when_its_entry_does_not_parse() {
    #[derive(Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
    #[serde(tag = "type", rename_all = "snake_case")]
    enum Known {
        Deposited { door: u32 },
    }
    let mut chain = Chain::new();
    let first = chain.seal(1000, Known::Deposited { door: 3 });
    let text = lines::write(&[first]) + &newer_line(1, &chain.head) + "\n";
    assert_eq!(
        lines::read::<Known>(&text, None),
        Err(JournalError::UnsupportedVersion {
            seq: 1,
            version: RECORD_VERSION + 1,
        })
    );
    // The same entry under a version this library reads is damage.
    let damaged = text.replacen(
        &alloc::format!(r#"{{"v":{}"#, RECORD_VERSION + 1),
        &alloc::format!(r#"{{"v":{RECORD_VERSION}"#),
        1,
    );
    assert!(
        matches!(
            lines::read::<Known>(&damaged, None),
            Err(JournalError::Malformed { line: 2, .. })
        ),
        "{damaged}"
    );
    // A line without even a version is damage too.
    assert!(matches!(
        lines::parse_line::<Known>(r#"{"seq":1}"#, 7),
        Err(JournalError::Malformed { line: 7, .. })
    ));
}

#[test]
fn json_lines_round_trip_with_hex_digests() {
    let records = sample(3);
    let text = lines::write(&records);
    assert_eq!(text.lines().count(), 3);
    let first = text.lines().next().unwrap();
    assert!(
        first.starts_with(r#"{"v":1,"seq":0,"at_s":1000,"prev":"0000"#),
        "{first}"
    );
    let loaded = lines::read::<String>(&text, None).unwrap();
    assert_eq!(loaded.records, records);
    assert_eq!(loaded.torn_tail, None);
    assert_eq!(loaded.valid_bytes, text.len());
}

#[test]
fn a_torn_last_line_is_dropped_and_reported() {
    let records = sample(3);
    let text = lines::write(&records);
    let cut = text.len() - 20;
    let loaded = lines::read::<String>(&text[..cut], None).unwrap();
    assert_eq!(loaded.records, records[..2].to_vec());
    let torn = loaded.torn_tail.unwrap();
    assert_eq!(torn.line, 3);
    assert_eq!(loaded.valid_bytes + torn.bytes, cut);
}

#[test]
fn damage_before_the_last_line_is_an_error() {
    let records = sample(3);
    let mut text = lines::write(&records);
    text.replace_range(5..6, "#");
    assert!(matches!(
        lines::read::<String>(&text, None),
        Err(JournalError::Malformed { line: 1, .. })
    ));
    let bad_digest = lines::write(&records).replacen("\"prev\":\"00", "\"prev\":\"zz", 1);
    let error = lines::read::<String>(&bad_digest, None).unwrap_err();
    assert!(error.to_string().contains("hex"), "{error}");
}

#[test]
fn digests_print_as_hex() {
    let digest = Digest([0xab; 32]);
    assert_eq!(digest.to_string().len(), 64);
    assert!(digest.to_string().starts_with("abab"));
    assert_eq!(parse_hex(&digest.to_string()), Some(digest));
    assert_eq!(parse_hex("AB"), None);
    let _ = vec![TornTail { line: 1, bytes: 0 }];
}

#[cfg(feature = "std")]
#[test]
fn a_file_journal_survives_a_torn_write_and_reopens() {
    use std::io::Write as _;
    let dir = std::env::temp_dir().join(alloc::format!(
        "locker-journal-{}-{}",
        std::process::id(),
        line!()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("journal.jsonl");
    let _ = std::fs::remove_file(&path);
    let records = sample(3);
    {
        let opened = FileJournal::open::<String>(&path).unwrap();
        assert!(opened.records.is_empty());
        let mut journal = opened.journal;
        for record in &records {
            JournalSink::append(&mut journal, record).unwrap();
        }
    }
    // A power cut in the middle of a fourth write.
    let mut chain = verify(&records, None).unwrap();
    let fourth = chain.seal(9_999, String::from("cut short"));
    let line = lines::to_line(&fourth);
    std::fs::OpenOptions::new()
        .append(true)
        .open(&path)
        .unwrap()
        .write_all(&line.as_bytes()[..line.len() / 2])
        .unwrap();
    let opened = FileJournal::open::<String>(&path).unwrap();
    assert_eq!(opened.records, records);
    assert_eq!(opened.torn_tail.map(|t| t.line), Some(4));
    // The torn bytes are gone from the file, and appending goes on.
    let mut journal = opened.journal;
    let mut chain = opened.chain;
    let next = chain.seal(10_000, String::from("after reboot"));
    JournalSink::append(&mut journal, &next).unwrap();
    let reopened = FileJournal::open::<String>(&path).unwrap();
    assert_eq!(reopened.records.len(), 4);
    assert_eq!(reopened.torn_tail, None);
    std::fs::remove_dir_all(&dir).unwrap();
}
