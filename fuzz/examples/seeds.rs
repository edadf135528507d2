//! Writes the committed seed corpora under `fuzz/corpus/<target>/`:
//!
//! ```text
//! cd fuzz && cargo +nightly run --example seeds
//! ```
//!
//! Everything is deterministic (fixed keys, seeded simulated hardware), so
//! running it again rewrites the same files. Structure-aware targets (whose
//! input `arbitrary` decodes from any bytes) get a few fixed byte strings.
#![allow(clippy::unwrap_used, clippy::expect_used)]

// Only the tokens are needed here, not the key ring or the store.
#[allow(dead_code)]
#[path = "../fuzz_targets/token_fixture.rs"]
mod token_fixture;

use std::fs;
use std::path::Path;

use locker_core::allocate::{OverflowReason, Request};
use locker_core::bank::{BankConfig, default_bank};
use locker_core::credential::{CarrierId, KeyRing, KioskId};
use locker_core::hardware::{HardwareErrorKind, SimulatedHardware};
use locker_core::journal::compact::{encode_json, encode_record, encode_snapshot};
use locker_core::journal::flash::{FlashConfig, FlashJournal, MemoryFlash};
use locker_core::journal::{Chain, JournalSink, MemoryJournal, Trust, lines, verify};
use locker_core::locker::{CourierSession, DropOff, Entry, Event, Locker, LockerConfig};
use locker_core::{CompartmentId, Dimensions, Parcel, ParcelId, RecipientId};

fn write(target: &str, name: &str, bytes: &[u8]) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("corpus")
        .join(target);
    fs::create_dir_all(&dir).unwrap();
    fs::write(dir.join(name), bytes).unwrap();
}

/// The first `n` doors of the default bank, without the ADA check.
fn small_bank(n: usize) -> BankConfig {
    let mut bank = default_bank();
    bank.name = format!("First {n} doors");
    bank.ada_compliant = false;
    bank.compartments.truncate(n);
    bank.validate().unwrap();
    bank
}

fn bank_config() {
    let compact = |bank: &BankConfig| serde_json::to_string(bank).unwrap();
    write(
        "bank_config",
        "small-3-doors.json",
        small_bank(3).to_json().as_bytes(),
    );
    write(
        "bank_config",
        "default-12-doors.json",
        compact(&small_bank(12)).as_bytes(),
    );
    let mut ada = small_bank(4);
    ada.ada_compliant = true;
    write(
        "bank_config",
        "ada-too-few-accessible.json",
        compact(&ada).as_bytes(),
    );
    let mut duplicate = small_bank(2);
    duplicate.compartments[1].id = duplicate.compartments[0].id;
    write(
        "bank_config",
        "duplicate-id.json",
        compact(&duplicate).as_bytes(),
    );
    let minimal = r#"{"name":"Lobby","clearance_mm":5,"policy":{"reserve_largest":0,"consolidate":false},"compartments":[{"id":1,"label":"A1","size_class":"A","inner":{"width_mm":380,"depth_mm":640,"height_mm":80},"max_weight_g":25000,"zone":"chilled","accessible":true,"operable_height_mm":900,"position":{"column":0,"row":0}}]}"#;
    write("bank_config", "minimal-all-fields.json", minimal.as_bytes());
}

fn qr_token() {
    let fixture = token_fixture::build();
    for (i, (text, _, _, _, state)) in fixture.tokens.iter().enumerate() {
        write("qr_token", &format!("token-{i}-{state}"), text.as_bytes());
    }
    // `~`: an issued token with flips chosen by the bytes after it.
    write("qr_token", "mutated-one-flip", b"~\x01\x05\x01\x10\x00");
    write(
        "qr_token",
        "lowercase",
        fixture.tokens[0].0.to_lowercase().as_bytes(),
    );
}

/// The key ring of the `journal_decode` target.
fn journal_keys() -> KeyRing {
    locker_fuzz::ring(5)
}

/// Carrier 7 signs in at kiosk 1 and stores parcel 1 for recipient 12 in
/// an empty bank: the door opened, filled and closed. Gives the session.
fn first_drop_off<J: JournalSink<Entry>>(
    locker: &mut Locker<SimulatedHardware, J>,
) -> CourierSession {
    let code = locker.issue_courier_code(CarrierId(7), 86_400).unwrap();
    let session = locker.courier_sign_in(KioskId(1), code.expose()).unwrap();
    let parcel = Parcel::new(ParcelId(1), Dimensions::new(300, 200, 50), 800);
    let DropOff::Opened { compartment, .. } = locker
        .deposit(&session, Request::new(parcel, RecipientId(12)))
        .unwrap()
    else {
        panic!("an empty bank has room");
    };
    let hw = locker.hardware_mut();
    hw.open_door(compartment).unwrap();
    hw.put_parcel(compartment).unwrap();
    hw.close_door(compartment).unwrap();
    locker.door_closed(compartment).unwrap();
    session
}

/// A real journal: a drop-off, a second parcel refused (the one door is
/// taken) and a pickup by PIN on a one-door bank.
fn journal() -> String {
    let config = LockerConfig {
        bank: small_bank(1),
        ..LockerConfig::default()
    };
    let doors = config.bank.compartments.iter().map(|c| c.id);
    let hardware = SimulatedHardware::new(doors, 42).with_now_s(1_700_000_000);
    // The ring the journal_decode target reads with: its seeds verify.
    let mut locker =
        Locker::with_keys(config, journal_keys(), hardware, MemoryJournal::new()).unwrap();
    let session = first_drop_off(&mut locker);
    let second = Parcel::new(ParcelId(2), Dimensions::new(300, 200, 50), 800);
    let refused = locker
        .deposit(&session, Request::new(second, RecipientId(13)))
        .unwrap();
    assert!(matches!(refused, DropOff::Overflow(_)), "one door, taken");
    let pin = locker
        .take_events()
        .into_iter()
        .find_map(|event| match event {
            Event::ParcelReady { pin, .. } => Some(pin),
            _ => None,
        })
        .unwrap();
    locker.hardware_mut().advance_s(600);
    let opened = locker
        .pickup_pin(KioskId(1), Some(RecipientId(12)), pin.expose())
        .unwrap();
    let hw = locker.hardware_mut();
    hw.open_door(opened[0]).unwrap();
    hw.take_parcel(opened[0]).unwrap();
    hw.close_door(opened[0]).unwrap();
    locker.door_closed(opened[0]).unwrap();
    lines::write(locker.journal().records())
}

fn journal_decode(text: &str) {
    write(
        "journal_decode",
        "drop-off-and-pickup.jsonl",
        text.as_bytes(),
    );
    let first_line = text.split_inclusive('\n').next().unwrap();
    write(
        "journal_decode",
        "configured-only.jsonl",
        first_line.as_bytes(),
    );
    // A power cut in the middle of the last line.
    write(
        "journal_decode",
        "torn-tail.jsonl",
        &text.as_bytes()[..text.len() - 40],
    );
    write(
        "journal_decode",
        "fault-detail-and-no-larger-door.jsonl",
        with_optional_shapes(text).as_bytes(),
    );
    // Every kind of entry, as the frozen format tests read them (version
    // 2 sealed with another ring: its MACs do not verify here).
    write(
        "journal_decode",
        "every-kind-v1.jsonl",
        include_bytes!("../../locker-core/tests/data/journal-v1.jsonl"),
    );
    write(
        "journal_decode",
        "every-kind-v2.jsonl",
        include_bytes!("../../locker-core/tests/data/journal-v2.jsonl"),
    );
}

/// The journal with two records in the shapes only some entries take: a
/// hardware fault with the driver's words, and an overflow after a door
/// too small with no larger one.
fn with_optional_shapes(text: &str) -> String {
    let keys = journal_keys();
    let trust = Trust::with_keys(&keys);
    let mut records = lines::read::<Entry>(text, &trust).unwrap().records;
    let mut chain = verify(&records, &trust).unwrap().chain;
    let at_s = records.last().unwrap().at_s;
    records.push(
        chain
            .seal(
                &keys,
                at_s,
                Entry::HardwareFault {
                    compartment: Some(CompartmentId(1)),
                    kind: HardwareErrorKind::DoorJammed,
                    detail: Some("latch 7 stuck".into()),
                },
            )
            .unwrap(),
    );
    records.push(
        chain
            .seal(
                &keys,
                at_s,
                Entry::DepositOverflowed {
                    parcel: Parcel::new(ParcelId(3), Dimensions::new(300, 200, 50), 800),
                    recipient: RecipientId(14),
                    carrier: CarrierId(7),
                    reason: OverflowReason::NoLargerDoor,
                },
            )
            .unwrap(),
    );
    lines::write(&records)
}

/// Fixed pseudo-random bytes for the `arbitrary`-decoded targets.
fn bytes(seed: u64, len: usize) -> Vec<u8> {
    let mut state = seed;
    (0..len)
        .map(|_| {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (state >> 56) as u8
        })
        .collect()
}

/// The `flash_image` target's seeds: one stored record of `text`, the
/// snapshot of its end compressed and not, and a 16 KiB chip (the
/// target's size) from a locker keyed as the target opens it: a drop-off,
/// a compaction, a hold after it.
fn flash_image(text: &str) {
    let records: Vec<_> = text
        .lines()
        .enumerate()
        .map(|(i, line)| lines::parse_line::<Entry>(line, i + 1).unwrap())
        .collect();
    write("flash_image", "record", &encode_record(&records[0]));
    let mut chain = Chain::new();
    for record in &records {
        chain.advance(record);
    }
    let state = locker_core::locker::replay(&records).unwrap();
    let mut snapshot = state.snapshot(chain);
    snapshot.seal(&journal_keys()).unwrap();
    let json = serde_json::to_vec(&snapshot).unwrap();
    write("flash_image", "snapshot", &encode_snapshot(&json).unwrap());
    write("flash_image", "snapshot-v1", &encode_json(&json).unwrap());

    // The target's chip: 16 KiB in 1 KiB blocks, the default bank, the
    // ring of `locker_fuzz::ring(9)`, its clock.
    let capacity = 16 * 1024;
    let (flash_journal, _) = FlashJournal::open::<Entry>(
        MemoryFlash::new(capacity, 1024),
        FlashConfig::for_capacity(capacity),
    )
    .unwrap();
    let config = LockerConfig::default();
    let doors = config.bank.compartments.iter().map(|c| c.id);
    let hardware = SimulatedHardware::new(doors, 1).with_now_s(1_700_000_000);
    let mut locker =
        Locker::with_keys(config, locker_fuzz::ring(9), hardware, flash_journal).unwrap();
    first_drop_off(&mut locker);
    assert!(locker.compact().unwrap());
    locker.hold(RecipientId(3), 1_900_000_000).unwrap();
    let (_, flash_journal) = locker.into_parts();
    write(
        "flash_image",
        "chip-compacted",
        flash_journal.into_flash().bytes(),
    );
}

fn main() {
    bank_config();
    qr_token();
    let journal = journal();
    journal_decode(&journal);
    flash_image(&journal);
    for target in ["pin_entry", "locker_ops", "ffi_entry"] {
        for (i, len) in [64, 256, 1024].into_iter().enumerate() {
            write(target, &format!("bytes-{len}"), &bytes(i as u64 + 1, len));
        }
    }
    let max = u64::MAX;
    let min = i64::MIN;
    write(
        "js_big_integers",
        "answer",
        format!(
            r#"{{"credential_id":{max},"n":9007199254740991,"at":{min},"m":{{"{max}":1.5e300}}}}"#
        )
        .as_bytes(),
    );
    write(
        "js_big_integers",
        "given-back",
        format!(r#"[{{"id":"{max}","label":"12","z":"0009007199254740993"}},"a\"b\\"]"#).as_bytes(),
    );
    println!("seed corpora written under fuzz/corpus/");
}
