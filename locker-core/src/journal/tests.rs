use super::lines::{self, TornTail};
use super::*;
use alloc::string::{String, ToString};
use alloc::vec;
use rand::SeedableRng;

fn ring(seed: u64) -> KeyRing {
    let mut keys = KeyRing::new();
    keys.rotate(&mut rand::rngs::StdRng::seed_from_u64(seed))
        .unwrap();
    keys
}

fn sample_with(keys: &KeyRing, n: u64) -> Vec<Record<String>> {
    let mut chain = Chain::new();
    (0..n)
        .map(|i| {
            chain
                .seal(keys, 1_000 + i * 60, alloc::format!("entry {i}"))
                .unwrap()
        })
        .collect()
}

fn sample(n: u64) -> (KeyRing, Vec<Record<String>>) {
    let keys = ring(1);
    let records = sample_with(&keys, n);
    (keys, records)
}

/// Records as a version-1 library wrote them: no MAC.
fn legacy(n: u64) -> Vec<Record<String>> {
    let mut chain = Chain::new();
    (0..n)
        .map(|i| {
            let mut record = Record {
                v: 1,
                seq: i,
                at_s: 1_000 + i * 60,
                prev: chain.head,
                entry: alloc::format!("old {i}"),
                hash: Digest::ZERO,
                key_id: None,
                mac: None,
            };
            record.hash = record.compute_hash();
            chain.advance(&record);
            record
        })
        .collect()
}

/// Rewrites `records` from `from` on with recomputed hashes and links, as
/// someone with write access to the storage but without the key would.
fn rechain(records: &mut [Record<String>], from: usize) {
    for i in from..records.len() {
        if i > 0 {
            records[i].prev = records[i - 1].hash;
        }
        records[i].hash = records[i].compute_hash();
    }
}

#[test]
fn a_sealed_chain_verifies_and_ends_where_it_should() {
    let (keys, records) = sample(5);
    let end = verify(&records, &Trust::with_keys(&keys)).unwrap();
    assert_eq!(end.chain.next_seq, 5);
    assert_eq!(end.chain.head, records[4].hash);
    assert_eq!(end.authenticated_through, Some(4));
    assert_eq!(end.legacy_records, 0);
    assert_eq!(end.head, Some(records[4].head()));
    assert_eq!(records[0].prev, Digest::ZERO);
    assert_eq!(records[3].prev, records[2].hash);
    assert!(
        records
            .iter()
            .all(|r| r.v == RECORD_VERSION && r.seal().is_some())
    );
    // Verification may start at a snapshot's position.
    let first = verify(&records[..2], &Trust::with_keys(&keys)).unwrap();
    let from_two = verify(
        &records[2..],
        &Trust::with_keys(&keys).from(Some(first.chain)),
    )
    .unwrap();
    assert_eq!(from_two.chain, end.chain);
    // Without keys only integrity is checked.
    let unkeyed = verify(&records, &Trust::integrity_only()).unwrap();
    assert_eq!(unkeyed.authenticated_through, None);
}

#[test]
fn an_edit_is_named() {
    let (keys, mut records) = sample(5);
    records[2].at_s += 1;
    assert_eq!(
        verify(&records, &Trust::with_keys(&keys)),
        Err(JournalError::Edited { seq: 2 })
    );
    let (_, mut records) = sample(5);
    records[3].entry.push('!');
    assert_eq!(
        verify(&records, &Trust::integrity_only()),
        Err(JournalError::Edited { seq: 3 })
    );
}

#[test]
fn a_rewritten_chain_with_recomputed_hashes_is_refused_at_the_first_rewritten_record() {
    let (keys, records) = sample(6);
    for from in 0..records.len() {
        let mut forged = records.clone();
        forged[from].entry = String::from("staff opened door 7");
        rechain(&mut forged, from);
        // The chain alone is fooled...
        assert!(verify(&forged, &Trust::integrity_only()).is_ok());
        // ...the MAC is not.
        assert_eq!(
            verify(&forged, &Trust::with_keys(&keys)),
            Err(JournalError::Forged {
                seq: u64::try_from(from).unwrap(),
                key_id: KeyId(1)
            })
        );
    }
}

#[test]
fn deleting_records_and_rechaining_is_refused() {
    let (keys, records) = sample(6);
    let mut forged: Vec<_> = records.iter().filter(|&r| r.seq != 2).cloned().collect();
    for (seq, record) in forged.iter_mut().enumerate() {
        record.seq = u64::try_from(seq).unwrap();
    }
    rechain(&mut forged, 2);
    assert!(verify(&forged, &Trust::integrity_only()).is_ok());
    assert_eq!(
        verify(&forged, &Trust::with_keys(&keys)),
        Err(JournalError::Forged {
            seq: 2,
            key_id: KeyId(1)
        })
    );
}

#[test]
fn a_record_appended_without_the_key_is_refused() {
    let (keys, mut records) = sample(4);
    let mut chain = verify(&records, &Trust::with_keys(&keys)).unwrap().chain;
    // Sealed with another site's key, named as ours.
    let mut forged = chain
        .seal(&ring(99), 9_000, String::from("forged"))
        .unwrap();
    assert_eq!(forged.key_id, Some(KeyId(1)));
    forged.hash = forged.compute_hash();
    records.push(forged);
    assert_eq!(
        verify(&records, &Trust::with_keys(&keys)),
        Err(JournalError::Forged {
            seq: 4,
            key_id: KeyId(1)
        })
    );
}

#[test]
fn another_sites_ring_and_an_empty_ring_cannot_verify() {
    let (_, records) = sample(3);
    assert!(matches!(
        verify(&records, &Trust::with_keys(&ring(2))),
        Err(JournalError::Forged { seq: 0, .. })
    ));
    assert_eq!(
        verify(&records, &Trust::with_keys(&KeyRing::new())),
        Err(JournalError::NoKeys)
    );
}

#[test]
fn records_sealed_with_a_key_the_ring_lacks_need_a_later_record_to_vouch_for_them() {
    let mut rng = rand::rngs::StdRng::seed_from_u64(5);
    let mut keys = KeyRing::new();
    keys.rotate(&mut rng).unwrap();
    let mut chain = Chain::new();
    let mut records = vec![
        chain.seal(&keys, 1, String::from("a")).unwrap(),
        chain.seal(&keys, 2, String::from("b")).unwrap(),
    ];
    keys.rotate(&mut rng).unwrap();
    keys.retire(KeyId(1)).unwrap();
    // Key 1 is retired: records 0 and 1 are vouched for by record 2.
    records.push(chain.seal(&keys, 3, String::from("c")).unwrap());
    let verified = verify(&records, &Trust::with_keys(&keys)).unwrap();
    assert_eq!(verified.authenticated_through, Some(2));
    // Without record 2 nothing vouches for them.
    assert_eq!(
        verify(&records[..2], &Trust::with_keys(&keys)),
        Err(JournalError::UnknownKey {
            seq: 0,
            key_id: KeyId(1)
        })
    );
    // A record naming a key nobody has, at the end, is refused too.
    let mut odd = records.clone();
    let mut last = chain.seal(&keys, 4, String::from("d")).unwrap();
    last.key_id = Some(KeyId(77));
    odd.push(last);
    assert_eq!(
        verify(&odd, &Trust::with_keys(&keys)),
        Err(JournalError::UnknownKey {
            seq: 3,
            key_id: KeyId(77)
        })
    );
}

#[test]
fn legacy_records_are_vouched_for_by_a_later_record_or_accepted_only_when_asked() {
    let keys = ring(4);
    let old = legacy(3);
    assert_eq!(
        verify(&old, &Trust::with_keys(&keys)),
        Err(JournalError::Unauthenticated { seq: 0 })
    );
    let accepted = verify(
        &old,
        &Trust {
            accept_legacy: true,
            ..Trust::with_keys(&keys)
        },
    )
    .unwrap();
    assert_eq!(
        (accepted.legacy_records, accepted.authenticated_through),
        (3, None)
    );
    // An upgraded library appends an authenticated record: it vouches for all.
    let mut upgraded = old.clone();
    let mut chain = accepted.chain;
    upgraded.push(chain.seal(&keys, 5_000, String::from("keys")).unwrap());
    let verified = verify(&upgraded, &Trust::with_keys(&keys)).unwrap();
    assert_eq!(
        (verified.legacy_records, verified.authenticated_through),
        (3, Some(3))
    );
    // A legacy record after an authenticated one is a downgrade.
    let mut chain = verified.chain;
    let mut downgrade = upgraded.clone();
    let mut record = chain.seal(&keys, 6_000, String::from("x")).unwrap();
    record.v = 1;
    record.key_id = None;
    record.mac = None;
    record.hash = record.compute_hash();
    downgrade.push(record);
    let trust = Trust {
        accept_legacy: true,
        ..Trust::with_keys(&keys)
    };
    assert_eq!(
        verify(&downgrade, &trust),
        Err(JournalError::Unauthenticated { seq: 4 })
    );
    // Half a seal, or a seal on a version-1 record, is no record at all.
    let mut half = upgraded.clone();
    half[3].mac = None;
    assert_eq!(
        verify(&half, &Trust::integrity_only()),
        Err(JournalError::Unauthenticated { seq: 3 })
    );
    let mut sealed_old = upgraded;
    sealed_old[0].key_id = Some(KeyId(1));
    assert_eq!(
        verify(&sealed_old, &Trust::integrity_only()),
        Err(JournalError::Unauthenticated { seq: 0 })
    );
}

#[test]
fn truncation_and_rollback_are_found_against_a_head_or_a_counter() {
    let (keys, records) = sample(8);
    let head = records[7].head();
    let trust = Trust {
        expected_head: Some(head),
        ..Trust::with_keys(&keys)
    };
    assert!(verify(&records, &trust).is_ok());
    assert!(head.verify(&keys).is_ok());
    for kept in 0..records.len() {
        assert_eq!(
            verify(&records[..kept], &trust),
            Err(JournalError::RolledBack {
                expected_records: 8,
                found_records: u64::try_from(kept).unwrap()
            }),
            "{kept} records kept"
        );
    }
    let counted = Trust {
        min_records: Some(6),
        ..Trust::with_keys(&keys)
    };
    assert!(verify(&records[..6], &counted).is_ok());
    assert!(matches!(
        verify(&records[..5], &counted),
        Err(JournalError::RolledBack { .. })
    ));
    // Another journal that reaches the head's position is a fork.
    let mut chain = Chain::new();
    let other: Vec<_> = (0..9)
        .map(|i| {
            chain
                .seal(&keys, 5_000 + i, alloc::format!("other {i}"))
                .unwrap()
        })
        .collect();
    assert_eq!(
        verify(&other, &trust),
        Err(JournalError::HeadMismatch { seq: 7 })
    );
    // A head from a snapshot's last record is checked against the snapshot.
    let start = verify(&records, &Trust::with_keys(&keys)).unwrap().chain;
    let from_snapshot = Trust {
        expected_head: Some(head),
        ..Trust::with_keys(&keys).from(Some(start))
    };
    assert!(verify::<String>(&[], &from_snapshot).is_ok());
    let wrong = Trust {
        expected_head: Some(other[7].head()),
        ..from_snapshot
    };
    assert!(matches!(
        verify::<String>(&[], &wrong),
        Err(JournalError::HeadMismatch { seq: 7 })
    ));
    // Heads are sealed: a back end checks them with its ring.
    let mut bent = head;
    bent.hash = Digest([9; 32]);
    assert!(matches!(
        bent.verify(&keys),
        Err(JournalError::Forged { seq: 7, .. })
    ));
    assert!(matches!(
        head.verify(&ring(7)),
        Err(JournalError::Forged { .. })
    ));
    let json = serde_json::to_string(&head).unwrap();
    assert_eq!(serde_json::from_str::<Head>(&json).unwrap(), head);
    assert!(serde_json::from_str::<Head>(&json.replacen("\"seq\"", "\"seq\":1,\"x\"", 1)).is_err());
}

#[test]
fn a_gap_a_repeat_and_a_swap_are_named() {
    let (keys, mut records) = sample(5);
    let trust = Trust::with_keys(&keys);
    records.remove(2);
    assert_eq!(
        verify(&records, &trust),
        Err(JournalError::Missing {
            expected: 2,
            found: 3
        })
    );
    let (_, mut records) = sample(5);
    let again = records[1].clone();
    records.insert(2, again);
    assert_eq!(
        verify(&records, &trust),
        Err(JournalError::OutOfOrder {
            expected: 2,
            found: 1
        })
    );
    let (_, mut records) = sample(5);
    records.swap(1, 3);
    assert_eq!(verify(&records, &trust).unwrap_err().seq(), Some(3));
}

#[test]
fn unknown_versions_are_refused() {
    for version in [0, RECORD_VERSION + 1, u32::MAX] {
        let (_, mut records) = sample(2);
        records[1].v = version;
        assert_eq!(
            verify(&records, &Trust::integrity_only()),
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

#[derive(Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
enum Known {
    Deposited {
        door: u32,
        #[serde(default, skip_serializing_if = "core::ops::Not::not")]
        this_side_up: bool,
    },
}

#[test]
fn a_newer_record_is_named_as_newer_even_when_its_entry_does_not_parse() {
    let keys = ring(1);
    let mut chain = Chain::new();
    let first = chain
        .seal(
            &keys,
            1000,
            Known::Deposited {
                door: 3,
                this_side_up: false,
            },
        )
        .unwrap();
    let text = lines::write(&[first]) + &newer_line(1, &chain.head) + "\n";
    let trust = Trust::with_keys(&keys);
    assert_eq!(
        lines::read::<Known>(&text, &trust),
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
            lines::read::<Known>(&damaged, &trust),
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
fn a_line_must_be_exactly_its_records_text() {
    let keys = ring(3);
    let mut chain = Chain::new();
    let records = vec![
        chain
            .seal(
                &keys,
                1000,
                Known::Deposited {
                    door: 3,
                    this_side_up: true,
                },
            )
            .unwrap(),
        chain
            .seal(
                &keys,
                1060,
                Known::Deposited {
                    door: 4,
                    this_side_up: false,
                },
            )
            .unwrap(),
    ];
    let text = lines::write(&records);
    let trust = Trust::with_keys(&keys);
    assert_eq!(
        lines::read::<Known>(&text, &trust).unwrap().records,
        records
    );
    // Each edit parses to a record (or would with a lenient reader) and
    // must still be refused.
    let edits = [
        // A renamed key with a default value: the field falls back to false.
        text.replacen("\"this_side_up\":true", "\"thim_side_up\":true", 1),
        // An injected key.
        text.replacen("\"door\":3", "\"door\":3,\"admin\":true", 1),
        // Spacing, an escape, a number spelt otherwise, another key order.
        text.replacen("\"door\":3", "\"door\": 3", 1),
        text.replacen("\"type\":\"deposited\"", "\"type\":\"deposit\\u0065d\"", 1),
        text.replacen("\"at_s\":1000", "\"at_s\":1000.0", 1),
        text.replacen("{\"v\":3,\"seq\":0", "{\"seq\":0,\"v\":3", 1),
        // A duplicated key.
        text.replacen("\"door\":3", "\"door\":3,\"door\":3", 1),
        // Uppercase hex spells the same digest.
        text.replacen(
            &records[0].hash.to_string(),
            &records[0].hash.to_string().to_uppercase(),
            1,
        ),
    ];
    for (i, edited) in edits.iter().enumerate() {
        assert_ne!(*edited, text, "edit {i} changed nothing");
        let error = lines::read::<Known>(edited, &trust).unwrap_err();
        assert!(
            matches!(
                error,
                JournalError::Malformed { line: 1, .. }
                    | JournalError::NotCanonical { line: 1, .. }
            ),
            "edit {i}: {error:?}"
        );
    }
}

#[test]
fn json_lines_round_trip_with_hex_digests() {
    let (keys, records) = sample(3);
    let text = lines::write(&records);
    assert_eq!(text.lines().count(), 3);
    let first = text.lines().next().unwrap();
    assert!(
        first.starts_with(r#"{"v":3,"seq":0,"at_s":1000,"prev":"0000"#),
        "{first}"
    );
    assert!(
        first.ends_with("\"}") && first.contains(r#","key_id":1,"mac":""#),
        "{first}"
    );
    let loaded = lines::read::<String>(&text, &Trust::with_keys(&keys)).unwrap();
    assert_eq!(loaded.records, records);
    assert_eq!(loaded.torn_tail, None);
    assert_eq!(loaded.valid_bytes, text.len());
    assert_eq!(loaded.verified.authenticated_through, Some(2));
    // Legacy lines read as they were written.
    let old = legacy(2);
    let text = lines::write(&old);
    let trust = Trust {
        accept_legacy: true,
        ..Trust::with_keys(&keys)
    };
    assert_eq!(lines::read::<String>(&text, &trust).unwrap().records, old);
}

#[test]
fn a_torn_last_line_is_dropped_and_reported() {
    let (keys, records) = sample(3);
    let text = lines::write(&records);
    let cut = text.len() - 20;
    let loaded = lines::read::<String>(&text[..cut], &Trust::with_keys(&keys)).unwrap();
    assert_eq!(loaded.records, records[..2].to_vec());
    let torn = loaded.torn_tail.unwrap();
    assert_eq!(torn.line, 3);
    assert_eq!(loaded.valid_bytes + torn.bytes, cut);
    // Whole lines cut off the end are not a torn tail: only a head or a
    // counter shows them.
    let whole = lines::write(&records[..2]);
    let loaded = lines::read::<String>(&whole, &Trust::with_keys(&keys)).unwrap();
    assert_eq!(loaded.torn_tail, None);
    let trust = Trust {
        expected_head: Some(records[2].head()),
        ..Trust::with_keys(&keys)
    };
    assert!(matches!(
        lines::read::<String>(&whole, &trust),
        Err(JournalError::RolledBack { .. })
    ));
    assert!(matches!(
        lines::read::<String>(&text[..cut], &trust),
        Err(JournalError::RolledBack { .. })
    ));
}

#[test]
fn damage_before_the_last_line_is_an_error() {
    let (keys, records) = sample(3);
    let trust = Trust::with_keys(&keys);
    let mut text = lines::write(&records);
    text.replace_range(5..6, "#");
    assert!(matches!(
        lines::read::<String>(&text, &trust),
        Err(JournalError::Malformed { line: 1, .. })
    ));
    let bad_digest = lines::write(&records).replacen("\"prev\":\"00", "\"prev\":\"zz", 1);
    let error = lines::read::<String>(&bad_digest, &trust).unwrap_err();
    assert!(error.to_string().contains("hex"), "{error}");
}

#[test]
fn digests_print_as_hex() {
    let digest = Digest([0xab; 32]);
    assert_eq!(digest.to_string().len(), 64);
    assert!(digest.to_string().starts_with("abab"));
    let json = serde_json::to_string(&digest).unwrap();
    assert_eq!(serde_json::from_str::<Digest>(&json).unwrap(), digest);
    assert!(serde_json::from_str::<Digest>("\"AB\"").is_err());
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
    let (keys, records) = sample(3);
    {
        let opened = FileJournal::open::<String>(&path).unwrap();
        assert!(opened.records.is_empty());
        let mut journal = opened.journal;
        for record in &records {
            JournalSink::append(&mut journal, record).unwrap();
        }
    }
    // A power cut in the middle of a fourth write.
    let mut chain = verify(&records, &Trust::with_keys(&keys)).unwrap().chain;
    let fourth = chain.seal(&keys, 9_999, String::from("cut short")).unwrap();
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
    let next = chain
        .seal(&keys, 10_000, String::from("after reboot"))
        .unwrap();
    JournalSink::append(&mut journal, &next).unwrap();
    let reopened = FileJournal::open::<String>(&path).unwrap();
    assert_eq!(reopened.records.len(), 4);
    assert_eq!(reopened.torn_tail, None);
    let _ = ToString::to_string(&1);
    std::fs::remove_dir_all(&dir).unwrap();
}
