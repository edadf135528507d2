//! Arbitrary bytes as a locker journal (JSON lines of hash-chained,
//! MAC-sealed records), read three ways; nothing may panic.
//!
//! 1. As stored, integrity only: `lines::read` either fails with a typed
//!    `JournalError` or gives records that `journal::verify` accepts with
//!    the same chain position, that write back as the same text, and whose
//!    replay either succeeds or fails with `LockerError::Replay`.
//! 2. As stored, with the fuzzer's key ring (and legacy records accepted):
//!    whatever verifies also verifies without keys, and restores as a
//!    `Locker` or fails with a typed error.
//! 3. Resealed: every line that parses as a record has its entry sealed
//!    again into a fresh chain with the ring, so replay and restore see
//!    arbitrary sequences of entries that pass every check.
#![no_main]

use libfuzzer_sys::fuzz_target;
use locker_core::credential::KeyRing;
use locker_core::hardware::SimulatedHardware;
use locker_core::journal::{Chain, MemoryJournal, Record, Trust, lines, verify};
use locker_core::locker::{Entry, Locker, LockerError, Restore, replay};

fn keys() -> KeyRing {
    locker_fuzz::ring(5)
}

fn check_replay(records: &[Record<Entry>], keys: &KeyRing, accept_legacy: bool) {
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
    let restore = Restore {
        accept_legacy,
        ..Restore::new(records)
    };
    if let Ok(locker) = Locker::restore_with(keys.clone(), hardware, journal, restore) {
        let all = locker.journal().records();
        let trust = Trust {
            accept_legacy,
            ..Trust::with_keys(keys)
        };
        verify(all, &trust).expect("a restored locker's journal verifies");
        assert_eq!(
            &replay(all).expect("a restored locker's journal replays"),
            locker.state(),
            "replay after restore differs from the live state"
        );
        // What the restore wrote is authenticated: no legacy flag needed.
        if locker.restore_report().is_some_and(|r| r.keys_recorded) {
            verify(all, &Trust::with_keys(keys)).expect("authenticated from the restore on");
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = core::str::from_utf8(data) else {
        return;
    };
    let keys = keys();

    if let Ok(loaded) = lines::read::<Entry>(text, &Trust::integrity_only()) {
        let verified =
            verify(&loaded.records, &Trust::integrity_only()).expect("read records verify");
        assert_eq!(verified.chain, loaded.chain());
        assert!(loaded.valid_bytes <= text.len());
        let rewritten = lines::write(&loaded.records);
        assert_eq!(
            rewritten,
            text[..loaded.valid_bytes],
            "a line read is its record's text"
        );
        let again = lines::read::<Entry>(&rewritten, &Trust::integrity_only())
            .expect("written records read back");
        assert_eq!(again.records, loaded.records);
        assert_eq!(again.torn_tail, None);
    }

    let trust = Trust {
        accept_legacy: true,
        ..Trust::with_keys(&keys)
    };
    if let Ok(loaded) = lines::read::<Entry>(text, &trust) {
        let plain = lines::read::<Entry>(text, &Trust::integrity_only())
            .expect("what verifies with keys verifies without");
        assert_eq!(plain.records, loaded.records);
        check_replay(&loaded.records, &keys, true);
    }

    let mut chain = Chain::new();
    let resealed: Vec<Record<Entry>> = text
        .lines()
        .take(64)
        .enumerate()
        .filter_map(|(i, line)| lines::parse_line::<Entry>(line, i + 1).ok())
        .map(|record| chain.seal(&keys, record.at_s, record.entry).unwrap())
        .collect();
    if !resealed.is_empty() {
        let verified = verify(&resealed, &Trust::with_keys(&keys)).expect("resealed verifies");
        assert_eq!(verified.chain, chain);
        check_replay(&resealed, &keys, false);
    }
});
