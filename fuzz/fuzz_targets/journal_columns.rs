//! Arbitrary bytes as a journal read fast and into Arrow columns
//! (`journal::raw::scan`, `locker_arrow::read_journal`); nothing may panic.
//!
//! - Whatever the strict reader (`lines::read`) accepts, the fast one
//!   accepts too, with the same records in the same order, and the Arrow
//!   reader gives one row per record and no error.
//! - The Arrow reader's rows are always the records the scan gave before
//!   it stopped, and never more than the text has lines.
//! - The same holds with the fuzzer's key ring checking MACs.
#![no_main]

use libfuzzer_sys::fuzz_target;
use locker_arrow::{JournalInput, read_journal};
use locker_core::credential::KeyRing;
use locker_core::journal::raw::scan;
use locker_core::journal::{Trust, lines};
use locker_core::locker::Entry;

fn keys() -> KeyRing {
    locker_fuzz::ring(5)
}

fn check(text: &str, trust: &Trust<'_>) {
    let mut scanned = Vec::new();
    let fast = scan::<Entry>(text, trust, |record| {
        scanned.push((record.seq, record.hash, record.entry_json.into_owned()));
        Ok(())
    });
    if let Ok(loaded) = lines::read::<Entry>(text, trust) {
        let fast = fast
            .as_ref()
            .expect("the fast reader accepts what the strict one does");
        assert_eq!(fast.records as usize, loaded.records.len());
        for (record, (seq, hash, entry)) in loaded.records.iter().zip(&scanned) {
            assert_eq!(record.seq, *seq);
            assert_eq!(record.hash, *hash);
            assert_eq!(serde_json::to_string(&record.entry).unwrap(), *entry);
        }
    }
    let (batches, report) = read_journal(&JournalInput {
        bank_id: "fuzz",
        text,
        trust: *trust,
    });
    let rows: usize = batches.iter().map(|b| b.num_rows()).sum();
    assert_eq!(rows as u64, report.records);
    assert!(rows <= scanned.len());
    assert!(rows <= text.lines().count());
    if fast.is_ok() {
        assert!(report.error.is_none() || rows < scanned.len());
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = core::str::from_utf8(data) else {
        return;
    };
    check(text, &Trust::integrity_only());
    let ring = keys();
    let mut trust = Trust::with_keys(&ring);
    trust.accept_legacy = true;
    check(text, &trust);
});
