//! The journal and the keys under attack: someone who can read and write
//! the journal's storage, recompute its hashes, move the clock, send door
//! events, hold another site's ring, or steal this site's key. Each attack
//! is refused, and the first bad record is named.
#![allow(
    clippy::unwrap_used,
    clippy::std_instead_of_alloc,
    clippy::std_instead_of_core
)]

use locker_core::allocate::Request;
use locker_core::credential::{
    BankId, CarrierId, CredentialError, CredentialPolicy, IssuerSigningKey, KeyId, KeyRing,
    KioskId, PinSecret, Purpose, SiteKey, TokenRequest, TokenSecret, issue_token,
    issue_token_signed, sign_time,
};
use locker_core::hardware::SimulatedHardware;
use locker_core::journal::{Digest, JournalError, MemoryJournal, Record, Trust, lines, verify};
use locker_core::locker::{
    ClockConfirmation, CourierSession, DAY_S, DropOff, Entry, Event, HOUR_S, Locker, LockerConfig,
    LockerError, ParcelPlace, Restore, Snapshot, StateError,
};
use locker_core::{CompartmentId, Dimensions, Parcel, ParcelId, RecipientId};
use proptest::prelude::*;
use rand::SeedableRng;

type SimLocker = Locker<SimulatedHardware, MemoryJournal<Entry>>;

const T0: u64 = 1_700_000_000;
const KIOSK: KioskId = KioskId(1);
const BANK: BankId = BankId(31);

struct Rig {
    locker: SimLocker,
    courier: CourierSession,
}

fn config() -> LockerConfig {
    LockerConfig {
        bank_id: BANK,
        ..LockerConfig::default()
    }
}

fn rig_with(config: LockerConfig, hardware: SimulatedHardware) -> Rig {
    let mut locker = Locker::new(config, hardware, MemoryJournal::new()).unwrap();
    let code = locker.issue_courier_code(CarrierId(1), 90 * DAY_S).unwrap();
    let courier = locker.courier_sign_in(KIOSK, code.expose()).unwrap();
    Rig { locker, courier }
}

fn board(config: &LockerConfig, seed: u64) -> SimulatedHardware {
    let doors = config.bank.compartments.iter().map(|c| c.id);
    SimulatedHardware::new(doors, seed).with_now_s(T0)
}

fn rig() -> Rig {
    let config = config();
    let hardware = board(&config, 7);
    rig_with(config, hardware)
}

fn parcel(id: u64) -> Parcel {
    Parcel::new(ParcelId(id), Dimensions::new(300, 200, 100), 1_000)
}

impl Rig {
    fn hw(&mut self) -> &mut SimulatedHardware {
        self.locker.hardware_mut()
    }

    /// Time passes, the clock read hourly as a ticking host does.
    fn advance(&mut self, by_s: u64) {
        let mut left_s = by_s;
        while left_s > 0 {
            let step_s = left_s.min(HOUR_S);
            self.hw().advance_s(step_s);
            self.locker.observe_clock().unwrap();
            left_s -= step_s;
        }
    }

    fn drop_off(&mut self, id: u64, recipient: u64) -> (CompartmentId, PinSecret, TokenSecret) {
        let courier = self.courier.clone();
        let DropOff::Opened { compartment, .. } = self
            .locker
            .deposit(&courier, Request::new(parcel(id), RecipientId(recipient)))
            .unwrap()
        else {
            panic!("overflow");
        };
        self.hw().open_door(compartment).unwrap();
        self.hw().put_parcel(compartment).unwrap();
        self.hw().close_door(compartment).unwrap();
        self.locker.door_closed(compartment).unwrap();
        let (pin, token) = self
            .locker
            .take_events()
            .into_iter()
            .find_map(|event| match event {
                Event::ParcelReady { pin, qr_token, .. } => Some((pin, qr_token)),
                _ => None,
            })
            .unwrap();
        (compartment, pin, token)
    }

    fn empty(&mut self, door: CompartmentId) {
        self.hw().open_door(door).unwrap();
        while self.hw().parcel_count(door).unwrap() > 0 {
            self.hw().take_parcel(door).unwrap();
        }
        self.hw().close_door(door).unwrap();
        self.locker.door_closed(door).unwrap();
    }

    fn records(&self) -> Vec<Record<Entry>> {
        self.locker.journal().records().to_vec()
    }

    fn keys(&self) -> KeyRing {
        self.locker.keys().clone()
    }
}

/// A busy little journal: drop-offs, pickups, wrong PINs.
fn busy() -> Rig {
    let mut rig = rig();
    for id in 1..=6 {
        let (door, pin, _) = rig.drop_off(id, 10 + id);
        assert!(
            rig.locker
                .pickup_pin(KIOSK, Some(RecipientId(10 + id)), "00000000")
                .is_err()
        );
        if id % 2 == 0 {
            rig.advance(600);
            rig.locker
                .pickup_pin(KIOSK, Some(RecipientId(10 + id)), pin.expose())
                .unwrap();
            rig.empty(door);
        }
    }
    rig
}

/// Restores over a fresh board from `records` with `keys`.
fn restore(keys: KeyRing, records: &[Record<Entry>]) -> Result<SimLocker, LockerError> {
    restore_with(keys, records, None, false)
}

fn restore_with(
    keys: KeyRing,
    records: &[Record<Entry>],
    expected_head: Option<locker_core::journal::Head>,
    accept_legacy: bool,
) -> Result<SimLocker, LockerError> {
    let config = config();
    let hardware = board(&config, 99).with_now_s(records.last().map_or(T0, |r| r.at_s) + 60);
    let mut journal = MemoryJournal::new();
    for record in records {
        journal.push(record.clone());
    }
    Locker::restore_with(
        keys,
        hardware,
        journal,
        Restore {
            expected_head,
            accept_legacy,
            ..Restore::new(records)
        },
    )
}

/// Recomputes hashes and links from `from` on, as a forger without the key
/// would after an edit.
fn rechain(records: &mut [Record<Entry>], from: usize) {
    for i in from..records.len() {
        if i > 0 {
            records[i].prev = records[i - 1].hash;
        }
        records[i].seq = u64::try_from(i).unwrap();
        records[i].hash = records[i].compute_hash();
    }
}

fn journal_error(result: Result<SimLocker, LockerError>) -> JournalError {
    match result {
        Err(LockerError::Journal(error)) => error,
        Err(other) => panic!("not a journal error: {other}"),
        Ok(_) => panic!("the forged journal was restored"),
    }
}

#[test]
fn a_recipient_rewritten_with_recomputed_hashes_is_refused() {
    let mut rig = busy();
    let (door, _, _) = rig.drop_off(50, 12);
    let mut records = rig.records();
    // Give unit 12's delivery to unit 99, then fix every hash after it.
    let at = records
        .iter()
        .position(|r| matches!(&r.entry, Entry::DepositOpened { compartment, .. } if *compartment == door))
        .unwrap();
    if let Entry::DepositOpened { recipient, .. } = &mut records[at].entry {
        *recipient = RecipientId(99);
    }
    rechain(&mut records, at);
    assert!(
        verify(&records, &Trust::integrity_only()).is_ok(),
        "the chain alone is fooled"
    );
    let error = journal_error(restore(rig.keys(), &records));
    assert_eq!(
        error,
        JournalError::Forged {
            seq: u64::try_from(at).unwrap(),
            key_id: KeyId(1)
        }
    );
    assert!(
        error.to_string().contains(&format!("record {at}")),
        "{error}"
    );
}

#[test]
fn deleting_failed_attempts_to_reset_the_throttle_is_refused() {
    let rig = busy();
    let records = rig.records();
    let mut forged: Vec<Record<Entry>> = records
        .iter()
        .filter(|r| !matches!(r.entry, Entry::AttemptFailed { .. }))
        .cloned()
        .collect();
    let first = records
        .iter()
        .position(|r| matches!(r.entry, Entry::AttemptFailed { .. }))
        .unwrap();
    rechain(&mut forged, first);
    assert!(matches!(
        journal_error(restore(rig.keys(), &forged)),
        JournalError::Forged { seq, .. } if seq == u64::try_from(first).unwrap()
    ));
}

#[test]
fn records_appended_without_the_key_are_refused() {
    let rig = busy();
    let mut records = rig.records();
    let last = records.last().unwrap().clone();
    // A staff opening appended with a fresh hash and no MAC.
    let mut staff = Record {
        v: 2,
        seq: last.seq + 1,
        at_s: last.at_s + 10,
        prev: last.hash,
        entry: Entry::StaffOpened {
            compartment: CompartmentId(3),
            reason: "maintenance".into(),
        },
        hash: Digest::ZERO,
        key_id: None,
        mac: None,
    };
    staff.hash = staff.compute_hash();
    records.push(staff.clone());
    assert_eq!(
        journal_error(restore(rig.keys(), &records)),
        JournalError::Unauthenticated { seq: last.seq + 1 }
    );
    // With a MAC made under another key: forged.
    let other = ring(77);
    let mut chain = locker_core::journal::Chain {
        next_seq: last.seq + 1,
        head: last.hash,
    };
    records.pop();
    records.push(chain.seal(&other, last.at_s + 10, staff.entry).unwrap());
    assert!(matches!(
        journal_error(restore(rig.keys(), &records)),
        JournalError::Forged { .. }
    ));
}

fn ring(seed: u64) -> KeyRing {
    let mut keys = KeyRing::new();
    keys.rotate(&mut rand::rngs::StdRng::seed_from_u64(seed))
        .unwrap();
    keys
}

#[test]
fn a_rollback_or_a_truncation_is_refused_against_the_head_or_the_counter() {
    let rig = busy();
    let records = rig.records();
    let head = rig.locker.head().unwrap();
    assert_eq!(head.seq + 1, u64::try_from(records.len()).unwrap());
    head.verify(&rig.keys()).unwrap();
    // Without anything seen before, a prefix is a valid (older) journal.
    let cut = records.len() - 5;
    assert!(restore(rig.keys(), &records[..cut]).is_ok());
    assert!(matches!(
        journal_error(restore_with(rig.keys(), &records[..cut], Some(head), false)),
        JournalError::RolledBack { expected_records, found_records }
            if expected_records == u64::try_from(records.len()).unwrap()
                && found_records == u64::try_from(cut).unwrap()
    ));
    assert!(restore_with(rig.keys(), &records, Some(head), false).is_ok());
    // A torn tail is only an incomplete last line.
    let text = lines::write(&records);
    let torn = &text[..text.len() - 10];
    let loaded = lines::read::<Entry>(torn, &Trust::with_keys(&rig.keys())).unwrap();
    assert_eq!(loaded.records.len(), records.len() - 1);
    assert!(loaded.torn_tail.is_some());
    let whole_lines = lines::write(&records[..cut]);
    assert!(
        lines::read::<Entry>(&whole_lines, &Trust::with_keys(&rig.keys()))
            .unwrap()
            .torn_tail
            .is_none()
    );
}

#[test]
fn the_boards_monotonic_counter_makes_a_rollback_evident() {
    let config = config();
    let hardware = board(&config, 7).with_monotonic_counter();
    let mut rig = rig_with(config.clone(), hardware);
    rig.drop_off(1, 12);
    let records = rig.records();
    let count = u64::try_from(records.len()).unwrap();
    assert_eq!(rig.hw().monotonic_counter_value(), Some(count));
    let keys = rig.keys();
    let (hardware, _) = rig.locker.into_parts();
    // The storage is rolled back three records; the counter is not.
    let old = &records[..records.len() - 3];
    let mut journal = MemoryJournal::new();
    for record in old {
        journal.push(record.clone());
    }
    let error = Locker::restore(keys.clone(), hardware.clone(), journal, old).unwrap_err();
    assert!(matches!(
        error,
        LockerError::Journal(JournalError::RolledBack { expected_records, .. }) if expected_records == count
    ));
    let mut journal = MemoryJournal::new();
    for record in &records {
        journal.push(record.clone());
    }
    let restored = Locker::restore(keys, hardware, journal, &records).unwrap();
    assert_eq!(restored.restore_report().unwrap().counter, Some(count));
}

#[test]
fn edited_json_text_is_refused_even_when_it_parses_to_the_same_record() {
    let rig = busy();
    let text = lines::write(&rig.records());
    let keys = rig.keys();
    let trust = Trust::with_keys(&keys);
    assert!(lines::read::<Entry>(&text, &trust).is_ok());
    for (what, edited) in [
        (
            "renamed key",
            text.replacen("\"needs_accessible\":false", "\"needs_acessible\":false", 1),
        ),
        (
            "injected key",
            text.replacen("\"recipient\":11", "\"recipient\":11,\"vip\":true", 1),
        ),
        ("spacing", text.replacen("\"seq\":3,", "\"seq\": 3,", 1)),
        (
            "escape",
            text.replacen(
                "\"type\":\"deposit_opened\"",
                "\"type\":\"deposit_open\\u0065d\"",
                1,
            ),
        ),
    ] {
        assert!(edited != text, "{what}: the edit found nothing to change");
        let error = lines::read::<Entry>(&edited, &trust).unwrap_err();
        assert!(
            matches!(
                error,
                JournalError::Malformed { .. } | JournalError::NotCanonical { .. }
            ),
            "{what}: {error:?}"
        );
    }
    // A request with a misspelt field is refused, not read as the default.
    let request = r#"{"parcel":{"id":1,"dimensions":{"width_mm":10,"depth_mm":10,"height_mm":10},"weight_g":10},"recipient":12,"needs_acessible":true}"#;
    assert!(serde_json::from_str::<Request>(request).is_err());
}

#[test]
fn an_empty_ring_or_another_sites_ring_cannot_restore() {
    let rig = busy();
    let records = rig.records();
    assert!(matches!(
        restore(KeyRing::new(), &records),
        Err(LockerError::Credential(CredentialError::NoKeys))
    ));
    assert_eq!(
        journal_error(restore(ring(5), &records)),
        JournalError::WrongKeyRing { key_id: KeyId(1) }
    );
    // A weak secret never makes a ring.
    assert!(matches!(
        SiteKey::from_bytes(KeyId(1), [0; 32]),
        Err(CredentialError::WeakKey { .. })
    ));
}

#[test]
fn a_forged_snapshot_is_refused() {
    let rig = busy();
    let mut snapshot: Snapshot = rig.locker.snapshot();
    let keys = rig.keys();
    snapshot.verify(&keys, false).unwrap();
    let restore_from = |snapshot: &Snapshot| {
        let config = config();
        Locker::restore_from(
            keys.clone(),
            board(&config, 3).with_now_s(snapshot.last_at_s + 60),
            MemoryJournal::new(),
            Some(snapshot),
            &[],
        )
    };
    assert!(restore_from(&snapshot).is_ok());
    // Free a door that holds a parcel.
    let door = *snapshot.deliveries.keys().next().unwrap();
    snapshot.deliveries.remove(&door);
    assert!(matches!(
        restore_from(&snapshot),
        Err(LockerError::Journal(JournalError::Forged { .. }))
    ));
    let mut unsealed = rig.locker.snapshot();
    unsealed.mac = None;
    assert!(matches!(
        restore_from(&unsealed),
        Err(LockerError::Journal(JournalError::Unauthenticated { .. }))
    ));
}

#[test]
fn keys_rotated_and_retired_keep_the_journal_authenticated() {
    let mut rig = busy();
    let old = rig.locker.keys().newest().unwrap().id();
    let new = rig.locker.rotate_key().unwrap();
    rig.drop_off(70, 30);
    rig.locker.retire_key(old).unwrap();
    assert!(rig.locker.retire_key(new).is_err(), "the last key stays");
    rig.drop_off(71, 31);
    let records = rig.records();
    let changes = records
        .iter()
        .filter(|r| matches!(r.entry, Entry::KeysChanged { .. }))
        .count();
    assert_eq!(changes, 2, "a rotation and a retirement, journaled");
    // Records sealed with the retired key are vouched for by later ones.
    let restored = restore(rig.keys(), &records).unwrap();
    assert_eq!(
        restored.restore_report().unwrap().authenticated_through,
        Some(records.last().unwrap().seq)
    );
    // A ring provisioned while the locker was off is journaled at restore.
    let mut grown = rig.keys();
    grown
        .rotate(&mut rand::rngs::StdRng::seed_from_u64(4))
        .unwrap();
    let restored = restore(grown.clone(), &records).unwrap();
    assert!(restored.restore_report().unwrap().keys_recorded);
    assert!(matches!(
        restored.journal().records().last().unwrap().entry,
        Entry::KeysChanged { .. }
    ));
    assert!(verify(restored.journal().records(), &Trust::with_keys(&grown)).is_ok());
}

#[test]
fn a_power_cut_before_the_new_ring_is_stored_leaves_a_journal_the_old_ring_restores() {
    let mut rig = busy();
    let stored = rig.keys();
    rig.locker.rotate_key().unwrap();
    // The rotation is journaled, the new ring never reached the storage.
    let records = rig.records();
    let restored = restore(stored.clone(), &records).unwrap();
    assert!(restored.restore_report().unwrap().keys_recorded);
    // A retirement too: sealed with a key both rings hold.
    let mut rig = busy();
    let first = rig.locker.keys().newest().unwrap().id();
    rig.locker.rotate_key().unwrap();
    let both = rig.keys();
    rig.locker.retire_key(first).unwrap();
    let mut retired = both.clone();
    retired.retire(first).unwrap();
    assert!(
        restore(both, &rig.records()).is_ok(),
        "the ring before the retirement"
    );
    assert!(
        restore(retired, &rig.records()).is_ok(),
        "the ring after it"
    );
}

#[test]
fn a_flood_of_forged_door_closes_costs_bounded_storage() {
    let mut rig = rig();
    let free = rig.locker.state().bank().compartments()[0].id();
    let before = rig.records().len();
    for _ in 0..500 {
        assert!(rig.locker.door_closed(free).is_err());
    }
    let events = rig
        .locker
        .take_events()
        .iter()
        .filter(|e| matches!(e, Event::UnexpectedDoorClose { .. }))
        .count();
    assert_eq!(events, 500, "every one raised");
    assert_eq!(rig.records().len(), before + 1, "one journaled");
    rig.advance(3_600);
    assert!(rig.locker.door_closed(free).is_err());
    assert_eq!(rig.records().len(), before + 2, "and one more an hour on");
}

#[test]
fn a_token_opens_nothing_at_another_bank_or_for_another_resident() {
    let mut rig = rig();
    let (door_12, _, token_12) = rig.drop_off(1, 12);
    let (door_13, _, _) = rig.drop_off(2, 13);
    rig.advance(60);
    // The same keys at another bank.
    let mut other_config = config();
    other_config.bank_id = BankId(32);
    let other_board = board(&other_config, 5).with_now_s(T0 + 120);
    let mut other =
        Locker::with_keys(other_config, rig.keys(), other_board, MemoryJournal::new()).unwrap();
    assert!(matches!(
        other.pickup_qr(KIOSK, token_12.expose()),
        Err(LockerError::Credential(CredentialError::Rejected))
    ));
    // A back-end token for resident 12 naming 13's door opens nothing.
    let mut rng = rand::rngs::StdRng::seed_from_u64(9);
    let request = TokenRequest {
        bank: BANK,
        purpose: Purpose::Pickup,
        compartments: vec![door_13],
        recipient: Some(RecipientId(12)),
        expires_at_s: T0 + DAY_S,
    };
    let (for_12, _) = issue_token(&rig.keys(), &mut rng, &request, T0 + 60).unwrap();
    assert!(matches!(
        rig.locker.pickup_qr(KIOSK, for_12.expose()),
        Err(LockerError::NothingToCollect)
    ));
    // Resident 12's own token opens 12's door.
    assert_eq!(
        rig.locker.pickup_qr(KIOSK, token_12.expose()).unwrap(),
        vec![door_12]
    );
}

#[test]
fn a_stolen_site_key_mints_tokens_that_open_only_a_capped_number_of_doors() {
    let mut rig = rig();
    let mut doors = Vec::new();
    for id in 1..=30 {
        doors.push((rig.drop_off(id, 100 + id).0, 100 + id));
    }
    rig.advance(60);
    let stolen = rig.keys();
    let mut rng = rand::rngs::StdRng::seed_from_u64(1);
    let mut opened = 0;
    for (door, recipient) in &doors {
        let request = TokenRequest {
            bank: BANK,
            purpose: Purpose::Pickup,
            compartments: vec![*door],
            recipient: Some(RecipientId(*recipient)),
            expires_at_s: T0 + DAY_S,
        };
        let now_s = rig.locker.state().last_at_s();
        let (token, _) = issue_token(&stolen, &mut rng, &request, now_s).unwrap();
        if rig.locker.pickup_qr(KIOSK, token.expose()).is_ok() {
            opened += 1;
        }
    }
    let cap = CredentialPolicy::default()
        .tokens
        .max_recordless_opens_per_minute;
    assert_eq!(opened, cap, "in one minute, at most the cap");
    let journaled = rig
        .records()
        .iter()
        .filter(|r| matches!(&r.entry, Entry::PickupOpened { grant } if grant.channel == locker_core::credential::Channel::Qr))
        .count();
    assert_eq!(
        journaled,
        usize::try_from(cap).unwrap(),
        "each use is journaled"
    );
}

#[test]
fn a_bank_with_an_issuer_key_accepts_back_end_tokens_only_signed_by_it() {
    let mut rng = rand::rngs::StdRng::seed_from_u64(3);
    let signer = IssuerSigningKey::generate(KeyId(1), &mut rng).unwrap();
    let mut config = config();
    config.credentials.issuers = vec![signer.public_key()];
    let hardware = board(&config, 7);
    let mut rig = rig_with(config, hardware);
    let (door, _, own_token) = rig.drop_off(1, 12);
    rig.advance(60);
    let request = TokenRequest {
        bank: BANK,
        purpose: Purpose::Pickup,
        compartments: vec![door],
        recipient: Some(RecipientId(12)),
        expires_at_s: T0 + DAY_S,
    };
    let now_s = rig.locker.state().last_at_s();
    let (minted, _) = issue_token(&rig.keys(), &mut rng, &request, now_s).unwrap();
    assert!(matches!(
        rig.locker.pickup_qr(KIOSK, minted.expose()),
        Err(LockerError::Credential(CredentialError::Rejected))
    ));
    let (signed, _) = issue_token_signed(&signer, &mut rng, &request, now_s).unwrap();
    assert_eq!(
        rig.locker.pickup_qr(KIOSK, signed.expose()).unwrap(),
        vec![door]
    );
    rig.empty(door);
    // The locker's own tokens (with records) keep their HMAC tags.
    let (door, _, own) = rig.drop_off(2, 13);
    rig.advance(60);
    assert_eq!(
        rig.locker.pickup_qr(KIOSK, own.expose()).unwrap(),
        vec![door]
    );
    drop(own_token);
}

#[test]
fn a_clock_pushed_ten_days_neither_multiplies_guesses_nor_returns_parcels() {
    let mut rig = rig();
    let (door, _, token) = rig.drop_off(1, 12);
    let mut tried = 0;
    // Ten pushes of a day each, guessing at every one.
    for _ in 0..10 {
        rig.hw().advance_s(DAY_S);
        for guess in 0..40 {
            let pin = format!("{:08}", 11_111_111 + guess);
            match rig.locker.pickup_pin(KIOSK, Some(RecipientId(12)), &pin) {
                Err(LockerError::Credential(CredentialError::Throttled { .. })) => {}
                Err(_) => tried += 1,
                Ok(_) => panic!("guessed"),
            }
        }
        rig.locker.tick().unwrap();
    }
    let cap = rig
        .locker
        .state()
        .credentials()
        .policy()
        .throttle
        .bank
        .max_failures_per_window;
    assert!(
        tried <= cap,
        "{tried} guesses tried, the daily cap is {cap}"
    );
    assert!(rig.locker.state().clock_offset_s() >= 9 * DAY_S);
    // No parcel went back: the dwell runs on the locker's time.
    assert_eq!(
        rig.locker.state().parcels()[&ParcelId(1)],
        ParcelPlace::Compartment(door)
    );
    assert!(!rig.locker.state().deliveries()[&door].returning);
    // The resident still collects, with the QR code.
    assert_eq!(
        rig.locker.pickup_qr(KIOSK, token.expose()).unwrap(),
        vec![door]
    );
}

#[test]
fn a_jump_is_confirmed_by_staff_by_a_signed_time_or_by_running_on() {
    for how in ["staff", "signed", "running"] {
        let mut rig = rig();
        let (door, _, _) = rig.drop_off(1, 12);
        rig.hw().advance_s(10 * DAY_S);
        rig.locker.tick().unwrap();
        assert!(
            rig.locker
                .take_events()
                .iter()
                .any(|e| matches!(e, Event::ClockJumped { .. }))
        );
        assert!(!rig.locker.state().deliveries()[&door].returning, "{how}");
        match how {
            "staff" => {
                rig.locker.confirm_clock().unwrap();
            }
            "signed" => {
                let clock_s = rig.hw().clock_s();
                let old = sign_time(&rig.keys(), BANK, T0).unwrap();
                assert!(
                    rig.locker.confirm_signed_time(&old).is_err(),
                    "an old signed time"
                );
                let elsewhere = sign_time(&rig.keys(), BankId(1), clock_s).unwrap();
                assert!(
                    rig.locker.confirm_signed_time(&elsewhere).is_err(),
                    "another bank"
                );
                let forged = sign_time(&ring(8), BANK, clock_s).unwrap();
                assert!(
                    rig.locker.confirm_signed_time(&forged).is_err(),
                    "another key"
                );
                let signed = sign_time(&rig.keys(), BANK, clock_s).unwrap();
                rig.locker.confirm_signed_time(&signed).unwrap();
            }
            _ => {
                // A day of running on, read hourly.
                for _ in 0..=24 {
                    rig.hw().advance_s(HOUR_S);
                    rig.locker.observe_clock().unwrap();
                }
            }
        }
        assert_eq!(rig.locker.state().clock_offset_s(), 0, "{how}");
        let by = rig
            .records()
            .iter()
            .rev()
            .find_map(|r| match r.entry {
                Entry::ClockConfirmed { by } => Some(by),
                _ => None,
            })
            .unwrap();
        assert_eq!(
            by,
            match how {
                "staff" => ClockConfirmation::Staff,
                "signed" => ClockConfirmation::SignedTime,
                _ => ClockConfirmation::Running,
            }
        );
        rig.locker.tick().unwrap();
        assert!(
            rig.locker.state().deliveries()[&door].returning,
            "{how}: the dwell is over"
        );
        // Everything replays.
        assert!(restore(rig.keys(), &rig.records()).is_ok());
    }
}

#[test]
fn a_door_closed_event_the_locker_did_not_cause_commits_nothing() {
    let mut rig = rig();
    let free = rig.locker.state().bank().compartments()[0].id();
    let before = rig.locker.state().parcels().len();
    rig.hw().force_open(free).unwrap();
    rig.hw().put_parcel(free).unwrap();
    rig.hw().close_door(free).unwrap();
    let error = rig.locker.door_closed(free).unwrap_err();
    assert!(matches!(
        error,
        LockerError::State(StateError::NotOpenFor { .. })
    ));
    assert_eq!(
        rig.locker.state().parcels().len(),
        before,
        "no parcel appeared"
    );
    assert!(rig.locker.state().deliveries().get(&free).is_none());
    assert!(matches!(
        rig.records().last().unwrap().entry,
        Entry::UnexpectedDoorClose { compartment } if compartment == free
    ));
    assert!(
        rig.locker.take_events().iter().any(
            |e| matches!(e, Event::UnexpectedDoorClose { compartment } if *compartment == free)
        )
    );
}

#[test]
fn a_legacy_journal_restores_only_when_asked_and_is_authenticated_from_there() {
    let text = include_str!("../data/journal-v1.jsonl");
    let records = lines::read::<Entry>(text, &Trust::integrity_only())
        .unwrap()
        .records;
    // The ring of the locker that wrote it: the simulated board of seed 7.
    let config = LockerConfig::default();
    let writer = Locker::new(config.clone(), board(&config, 7), MemoryJournal::new()).unwrap();
    let keys = writer.keys().clone();
    assert_eq!(
        journal_error(restore(keys.clone(), &records)),
        JournalError::Unauthenticated { seq: 0 }
    );
    let restored = restore_with(keys.clone(), &records, None, true).unwrap();
    let report = restored.restore_report().unwrap();
    assert!(report.unauthenticated_legacy);
    assert!(report.keys_recorded);
    assert_eq!(report.legacy_records, u64::try_from(records.len()).unwrap());
    // The next restore needs no permission: a MAC vouches for everything.
    let upgraded = restored.journal().records().to_vec();
    let again = restore(keys, &upgraded).unwrap();
    assert!(!again.restore_report().unwrap().unauthenticated_legacy);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Any one byte of a journal replaced, inserted or removed is found:
    /// read with the keys and the head exported before, the journal is
    /// refused.
    #[test]
    fn every_single_byte_edit_of_the_journal_is_detected(
        at in any::<prop::sample::Index>(),
        byte in any::<u8>(),
        how in 0u8..3,
    ) {
        let (text, keys, head) = fixture();
        let mut bytes = text.as_bytes().to_vec();
        let i = at.index(bytes.len());
        match how {
            0 => {
                prop_assume!(bytes[i] != byte);
                bytes[i] = byte;
            }
            1 => bytes.insert(i, byte),
            _ => {
                bytes.remove(i);
            }
        }
        let Ok(edited) = String::from_utf8(bytes) else {
            return Ok(());
        };
        let trust = Trust { expected_head: Some(*head), ..Trust::with_keys(keys) };
        let read = lines::read::<Entry>(&edited, &trust);
        prop_assert!(read.is_err(), "edit {how} at {i} to {byte:#04x} passed");
    }

    /// Any one record changed and the chain recomputed (a forger who can
    /// write the storage) is refused, naming that record.
    #[test]
    fn every_rechained_edit_of_a_record_is_refused_at_that_record(
        at in any::<prop::sample::Index>(),
        shift_s in 1u64..1_000,
    ) {
        let (text, keys, _) = fixture();
        let mut records = lines::read::<Entry>(text, &Trust::with_keys(keys)).unwrap().records;
        let i = at.index(records.len());
        records[i].at_s += shift_s;
        rechain(&mut records, i);
        let error = verify(&records, &Trust::with_keys(keys)).unwrap_err();
        prop_assert_eq!(error.seq(), Some(u64::try_from(i).unwrap()));
        let is_forged = matches!(error, JournalError::Forged { .. });
        prop_assert!(is_forged);
    }
}

/// A busy journal's text, its keys and its head, built once.
fn fixture() -> &'static (String, KeyRing, locker_core::journal::Head) {
    static FIXTURE: std::sync::OnceLock<(String, KeyRing, locker_core::journal::Head)> =
        std::sync::OnceLock::new();
    FIXTURE.get_or_init(|| {
        let rig = busy();
        (
            lines::write(&rig.records()),
            rig.keys(),
            rig.locker.head().unwrap(),
        )
    })
}
