//! Arbitrary bytes as a locker journal (JSON lines of hash-chained
//! records), read two ways; nothing may panic.
//!
//! 1. As stored: `lines::read` either fails with a typed `JournalError`
//!    or gives records that `journal::verify` accepts with the same chain
//!    position, that write back as lines which read back equal, and whose
//!    replay either succeeds or fails with `LockerError::Replay`. A replayed
//!    state also restores as a `Locker` over simulated hardware (or fails
//!    with a typed error).
//! 2. Resealed: every line that parses as a record has its entry sealed
//!    again into a fresh chain, so replay sees arbitrary sequences of
//!    entries that pass the hash check.
#![no_main]

use libfuzzer_sys::fuzz_target;
use locker_core::credential::{KeyId, KeyRing, SiteKey};
use locker_core::hardware::SimulatedHardware;
use locker_core::journal::{Chain, MemoryJournal, Record, lines, verify};
use locker_core::locker::{Entry, Locker, LockerError, replay};

fn check_replay(records: &[Record<Entry>]) {
    let state = match replay(records) {
        Ok(state) => state,
        Err(LockerError::Replay { .. }) => return,
        Err(other) => panic!("replay failed with a non-replay error: {other:?}"),
    };
    // Restore over healthy hardware with the bank's doors: settles any door
    // the journal left open (may append records, or fail with a typed error).
    let doors = state.bank().compartments().iter().map(|c| c.id());
    let hardware = SimulatedHardware::new(doors, 1).with_now_s(state.last_at_s());
    let mut journal = MemoryJournal::new();
    for record in records {
        journal.push(record.clone());
    }
    let mut keys = KeyRing::new();
    keys.add(SiteKey::from_bytes(KeyId(1), [5; 32])).unwrap();
    if let Ok(locker) = Locker::restore(keys, hardware, journal, records) {
        let all = locker.journal().records();
        verify(all, None).expect("a restored locker's journal verifies");
        assert_eq!(
            &replay(all).expect("a restored locker's journal replays"),
            locker.state(),
            "replay after restore differs from the live state"
        );
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = core::str::from_utf8(data) else {
        return;
    };

    if let Ok(loaded) = lines::read::<Entry>(text, None) {
        let chain = verify(&loaded.records, None).expect("read records verify");
        assert_eq!(chain, loaded.chain);
        assert!(loaded.valid_bytes <= text.len());
        let rewritten = lines::write(&loaded.records);
        let again = lines::read::<Entry>(&rewritten, None).expect("written records read back");
        assert_eq!(again.records, loaded.records);
        assert_eq!(again.torn_tail, None);
        check_replay(&loaded.records);
    }

    let mut chain = Chain::new();
    let resealed: Vec<Record<Entry>> = text
        .lines()
        .take(64)
        .enumerate()
        .filter_map(|(i, line)| lines::parse_line::<Entry>(line, i + 1).ok())
        .map(|record| chain.seal(record.at_s, record.entry))
        .collect();
    if !resealed.is_empty() {
        assert_eq!(verify(&resealed, None), Ok(chain));
        check_replay(&resealed);
    }
});
