//! Arbitrary bytes as a flash chip holding a locker's journal, and as one
//! stored record or snapshot; nothing may panic.
//!
//! 1. The bytes are the first part of a small chip (the rest erased):
//!    `FlashJournal::open` either fails with a typed error or gives
//!    contents that open a `Locker` or fail with a typed `LockerError`;
//!    a journal it opens takes a record (compacting when it must).
//! 2. The bytes are one stored value: decoding it to JSON and encoding that
//!    again gives the same bytes (one encoding per value; a compressed
//!    value, whose block another compressor could write otherwise, gives
//!    the same JSON again), and a stored record decodes only to a record
//!    that encodes back to the bytes. Read straight into a value (a
//!    snapshot, any JSON value), the bytes give what their JSON gives.
#![no_main]

use libfuzzer_sys::fuzz_target;
use locker_core::RecipientId;
use locker_core::credential::KeyRing;
use locker_core::hardware::SimulatedHardware;
use locker_core::journal::compact::{
    COMPRESSED_VERSION, decode_record, decode_to_json, decode_value, encode_json, encode_record,
    encode_snapshot,
};
use locker_core::journal::flash::{FlashConfig, FlashJournal, MemoryFlash};
use locker_core::journal::{Chain, JournalSink};
use locker_core::locker::{Entry, FlashChecks, Locker, LockerConfig, Snapshot};

const CAPACITY: u32 = 16 * 1024;
const BLOCK: u32 = 1024;

fn keys() -> KeyRing {
    locker_fuzz::ring(9)
}

fuzz_target!(|data: &[u8]| {
    // 2. One stored value.
    if let Ok(json) = decode_to_json(data) {
        if data.first() == Some(&COMPRESSED_VERSION) {
            let again = encode_snapshot(&json).unwrap();
            assert_eq!(decode_to_json(&again).unwrap(), json);
        } else {
            assert_eq!(encode_json(&json).unwrap(), data);
        }
    }
    if let Ok(record) = decode_record::<Entry>(data, Chain::new()) {
        assert_eq!(encode_record(&record), data);
    }
    if let Ok(value) = decode_value::<serde_json::Value>(data) {
        let json = decode_to_json(data).unwrap();
        assert_eq!(
            serde_json::from_slice::<serde_json::Value>(&json).unwrap(),
            value
        );
    }
    if let Ok(snapshot) = Snapshot::from_stored(data) {
        let json = decode_to_json(data).unwrap();
        assert_eq!(Snapshot::from_json_bytes(&json).unwrap(), snapshot);
    }

    // 1. A chip.
    let mut flash = MemoryFlash::new(CAPACITY, BLOCK);
    let len = data.len().min(CAPACITY as usize);
    flash.bytes_mut()[..len].copy_from_slice(&data[..len]);
    let Ok((journal, contents)) =
        FlashJournal::open::<Entry>(flash, FlashConfig::for_capacity(CAPACITY))
    else {
        return;
    };
    let config = LockerConfig::default();
    let doors = config.bank.compartments.iter().map(|c| c.id);
    let hardware = SimulatedHardware::new(doors, 1).with_now_s(1_700_000_000);
    let opened = Locker::open_flash(
        config,
        keys(),
        hardware,
        journal,
        &contents,
        FlashChecks::default(),
    );
    if let Ok(mut locker) = opened {
        let _ = locker.hold(RecipientId(3), 1_900_000_000);
        let usage = locker.journal().usage();
        assert!(usage.used_bytes <= usage.half_bytes);
        let _ = JournalSink::<Entry>::wants_compaction(locker.journal());
    }
});
