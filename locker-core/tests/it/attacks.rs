//! An adversarial review of the trust model (issue 17): attacks by someone
//! who (a) can write the journal's storage but holds no key, (b) holds a
//! stolen site key ring, (c) controls the clock, or (d) forges hardware
//! events.
//!
//! Every test asserts the secure behaviour. Attacks that the library
//! refuses are kept as regressions; attacks that succeed are kept too, but
//! marked `//! fixed (run them with `cargo test -p locker-core --test it -- --ignored`).
#![allow(
    clippy::unwrap_used,
    clippy::std_instead_of_alloc,
    clippy::std_instead_of_core,
    clippy::too_many_lines
)]

use locker_core::allocate::Request;
use locker_core::credential::{
    BankId, CarrierId, CredentialError, CredentialKind, CredentialPolicy, DelegationRequest,
    DelegationScope, IssuerKey, IssuerSigningKey, KeyId, KeyRing, KioskId, PinSecret,
    PublicKeyBytes, Purpose, RemoteCommand, RemoteRequest, SignedTime, SiteKey, TokenRequest,
    TokenSecret, issue_token, issue_token_signed, rng_from_entropy, sign_remote_command, sign_time,
};
use locker_core::hardware::{DoorState, Hardware, SimulatedHardware};
use locker_core::journal::{Head, JournalError, MemoryJournal, Record, Trust, lines, verify};
use locker_core::locker::{
    CourierSession, DAY_S, DropOff, Entry, Event, HOUR_S, Locker, LockerConfig, LockerError,
    ParcelPlace, Restore, Snapshot, StateError,
};
use locker_core::{CompartmentId, Dimensions, Parcel, ParcelId, RecipientId};
use rand::SeedableRng;

type SimLocker = Locker<SimulatedHardware, MemoryJournal<Entry>>;

const T0: u64 = 1_700_000_000;
const KIOSK: KioskId = KioskId(1);
const BANK: BankId = BankId(31);
const OTHER_BANK: BankId = BankId(32);

// --- the rig ----------------------------------------------------------------

struct Rig {
    locker: SimLocker,
    courier: CourierSession,
}

fn config_for(bank_id: BankId) -> LockerConfig {
    LockerConfig {
        bank_id,
        ..LockerConfig::default()
    }
}

fn config() -> LockerConfig {
    config_for(BANK)
}

fn board(config: &LockerConfig, seed: u64) -> SimulatedHardware {
    let doors = config.bank.compartments.iter().map(|c| c.id);
    SimulatedHardware::new(doors, seed).with_now_s(T0)
}

fn rig_from(locker: SimLocker) -> Rig {
    let mut locker = locker;
    let code = locker.issue_courier_code(CarrierId(1), 90 * DAY_S).unwrap();
    let courier = locker.courier_sign_in(KIOSK, code.expose()).unwrap();
    Rig { locker, courier }
}

fn rig_with(config: LockerConfig, hardware: SimulatedHardware) -> Rig {
    rig_from(Locker::new(config, hardware, MemoryJournal::new()).unwrap())
}

fn rig() -> Rig {
    let config = config();
    let hardware = board(&config, 7);
    rig_with(config, hardware)
}

/// A locker of bank `bank_id` made with the site's ring `keys`.
fn rig_with_keys(bank_id: BankId, keys: KeyRing, seed: u64) -> Rig {
    let config = config_for(bank_id);
    let hardware = board(&config, seed);
    rig_from(Locker::with_keys(config, keys, hardware, MemoryJournal::new()).unwrap())
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

    /// The door opened for a pickup is emptied and closed.
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

    fn now_s(&self) -> u64 {
        self.locker.state().last_at_s()
    }
}

/// A busy little journal: drop-offs, pickups, wrong PINs, a staff opening.
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
    let free = free_door(&rig);
    rig.locker.staff_open(free, "door/7 check").unwrap();
    rig.hw().open_door(free).unwrap();
    rig.hw().close_door(free).unwrap();
    rig.locker.door_closed(free).unwrap();
    rig
}

/// A door holding nothing and open for nothing.
fn free_door(rig: &Rig) -> CompartmentId {
    let state = rig.locker.state();
    state
        .bank()
        .compartments()
        .iter()
        .map(|c| c.id())
        .find(|id| {
            !state.deliveries().contains_key(id)
                && !state.open_doors().contains_key(id)
                && !state.graces().contains_key(id)
        })
        .unwrap()
}

fn ring(seed: u64) -> KeyRing {
    let mut keys = KeyRing::new();
    keys.rotate(&mut rand::rngs::StdRng::seed_from_u64(seed))
        .unwrap();
    keys
}

fn memory(records: &[Record<Entry>]) -> MemoryJournal<Entry> {
    let mut journal = MemoryJournal::new();
    for record in records {
        journal.push(record.clone());
    }
    journal
}

/// Restores over a fresh board (its clock a minute past the last record).
fn restore(keys: KeyRing, records: &[Record<Entry>]) -> Result<SimLocker, LockerError> {
    restore_with(keys, records, None, false)
}

fn restore_with(
    keys: KeyRing,
    records: &[Record<Entry>],
    expected_head: Option<Head>,
    accept_legacy: bool,
) -> Result<SimLocker, LockerError> {
    let config = config();
    let hardware = board(&config, 99).with_now_s(records.last().map_or(T0, |r| r.at_s) + 60);
    Locker::restore_with(
        keys,
        hardware,
        memory(records),
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

/// The token record of the delivery in `door`, as the journal shows it.
fn token_record_of(records: &[Record<Entry>], door: CompartmentId) -> (u64, Option<RecipientId>) {
    records
        .iter()
        .rev()
        .find_map(|record| match &record.entry {
            Entry::DepositCommitted {
                compartment,
                credentials,
                ..
            } if *compartment == door => credentials
                .iter()
                .find(|c| matches!(c.kind, CredentialKind::Token { .. }))
                .map(|c| (c.id.0, c.recipient)),
            _ => None,
        })
        .unwrap()
}

/// A generator that draws the value it was given: how a holder of the
/// site key picks the credential id of the token it mints.
struct Chosen(u64);

impl rand::TryRng for Chosen {
    type Error = core::convert::Infallible;

    fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
        Ok(u32::try_from(self.0 & 0xffff_ffff).unwrap())
    }

    fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
        Ok(self.0)
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
        let bytes = self.0.to_be_bytes();
        for (i, byte) in dst.iter_mut().enumerate() {
            *byte = bytes[i % 8];
        }
        Ok(())
    }
}

impl rand::TryCryptoRng for Chosen {}

// --- base32, for editing tokens byte by byte ---------------------------------

const BASE32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

fn base32_encode(data: &[u8]) -> String {
    let mut out = String::new();
    let mut acc: u32 = 0;
    let mut bits = 0;
    for &byte in data {
        acc = (acc << 8) | u32::from(byte);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(char::from(BASE32[((acc >> bits) & 31) as usize]));
        }
        acc &= (1 << bits) - 1;
    }
    if bits > 0 {
        out.push(char::from(BASE32[((acc << (5 - bits)) & 31) as usize]));
    }
    out
}

fn base32_decode(text: &str) -> Vec<u8> {
    let mut out = Vec::new();
    let mut acc: u32 = 0;
    let mut bits = 0;
    for c in text.bytes() {
        let value = u32::try_from(BASE32.iter().position(|&b| b == c).unwrap()).unwrap();
        acc = (acc << 5) | value;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push(u8::try_from((acc >> bits) & 0xff).unwrap());
            acc &= (1 << bits) - 1;
        }
    }
    out
}

// =============================================================================
// (a) Write access to the journal's storage, no key
// =============================================================================

#[test]
fn reordered_records_are_refused_raw_or_rechained() {
    let rig = busy();
    let keys = rig.keys();
    let records = rig.records();
    let i = records.len() / 2;
    let mut swapped = records.clone();
    swapped.swap(i, i + 1);
    assert_eq!(
        journal_error(restore(keys.clone(), &swapped)),
        JournalError::Missing {
            expected: u64::try_from(i).unwrap(),
            found: u64::try_from(i + 1).unwrap()
        }
    );
    // The forger renumbers and relinks: the MAC of the first moved record
    // fails.
    rechain(&mut swapped, i);
    let error = journal_error(restore(keys, &swapped));
    assert!(
        matches!(error, JournalError::Forged { seq, .. } if seq == u64::try_from(i).unwrap()),
        "{error:?}"
    );
}

#[test]
fn a_duplicated_record_is_refused_raw_or_rechained() {
    let rig = busy();
    let keys = rig.keys();
    let records = rig.records();
    // A pickup opened twice: the same record again right after itself.
    let at = records
        .iter()
        .position(|r| matches!(r.entry, Entry::PickupOpened { .. }))
        .unwrap();
    let mut doubled = records.clone();
    doubled.insert(at + 1, records[at].clone());
    assert!(matches!(
        journal_error(restore(keys.clone(), &doubled)),
        JournalError::OutOfOrder { .. }
    ));
    rechain(&mut doubled, at + 1);
    assert!(matches!(
        journal_error(restore(keys.clone(), &doubled)),
        JournalError::Forged { seq, .. } if seq == u64::try_from(at + 1).unwrap()
    ));
    // Appended at the end, as-is: still out of order.
    let mut appended = records.clone();
    appended.push(records[at].clone());
    assert!(matches!(
        journal_error(restore(keys, &appended)),
        JournalError::OutOfOrder { .. }
    ));
}

#[test]
fn a_replayed_keys_changed_record_is_refused() {
    let mut rig = busy();
    let first = rig.locker.keys().newest().unwrap().id();
    rig.locker.rotate_key().unwrap();
    rig.drop_off(40, 40);
    rig.locker.retire_key(first).unwrap();
    rig.drop_off(41, 41);
    let keys = rig.keys();
    let records = rig.records();
    // The rotation's record (which lists key 1) replayed at the end, to
    // bring the retired key back into the journal's idea of the ring.
    let rotation = records
        .iter()
        .find(|r| matches!(&r.entry, Entry::KeysChanged { keys } if keys.len() == 2))
        .unwrap()
        .clone();
    let mut replayed = records.clone();
    replayed.push(rotation.clone());
    assert!(matches!(
        journal_error(restore(keys.clone(), &replayed)),
        JournalError::OutOfOrder { .. }
    ));
    // Renumbered and relinked: sealed with the retired key, which no
    // record after it vouches for (or, with the old ring, a bad MAC).
    let last = replayed.len() - 1;
    rechain(&mut replayed, last);
    let error = journal_error(restore(keys.clone(), &replayed));
    assert!(
        matches!(
            error,
            JournalError::Forged { seq, .. } | JournalError::UnknownKey { seq, .. }
                if seq == u64::try_from(last).unwrap()
        ),
        "{error:?}"
    );
    // The real journal restores.
    assert!(restore(keys, &records).is_ok());
}

#[test]
fn records_spliced_from_another_lockers_journal_are_refused() {
    // Same site ring, two banks: each record is validly sealed, but the
    // chains differ.
    let keys = ring(11);
    let mut a = rig_with_keys(BANK, keys.clone(), 7);
    let mut b = rig_with_keys(OTHER_BANK, keys.clone(), 8);
    for id in 1..=4 {
        a.drop_off(id, 20 + id);
        b.drop_off(100 + id, 50 + id);
    }
    let ours = a.records();
    let theirs = b.records();
    let k = ours.len().min(theirs.len()) / 2;
    let mut spliced = ours[..k].to_vec();
    spliced.extend_from_slice(&theirs[k..]);
    assert_eq!(
        journal_error(restore(keys.clone(), &spliced)),
        JournalError::BrokenLink {
            seq: u64::try_from(k).unwrap()
        }
    );
    // Renumbered and relinked: the MAC fails at the splice.
    rechain(&mut spliced, k);
    assert!(matches!(
        journal_error(restore(keys.clone(), &spliced)),
        JournalError::Forged { seq, .. } if seq == u64::try_from(k).unwrap()
    ));
    // A record of another ring spliced in.
    let mut stranger = rig_with_keys(BANK, ring(12), 9);
    for id in 1..=4 {
        stranger.drop_off(id, 20 + id);
    }
    let mut foreign = ours.clone();
    foreign[k] = stranger.records()[k].clone();
    rechain(&mut foreign, k);
    assert!(matches!(
        journal_error(restore(keys, &foreign)),
        JournalError::Forged { .. } | JournalError::UnknownKey { .. }
    ));
}

#[test]
fn another_banks_journal_is_refused_against_this_banks_exported_head() {
    let keys = ring(13);
    let mut a = rig_with_keys(BANK, keys.clone(), 7);
    let mut b = rig_with_keys(OTHER_BANK, keys.clone(), 8);
    a.drop_off(1, 21);
    for id in 1..=6 {
        b.drop_off(100 + id, 50 + id);
    }
    let head_a = a.locker.head().unwrap();
    let theirs = b.records();
    assert!(theirs.len() > usize::try_from(head_a.seq).unwrap());
    // The head names its bank: refused before the records are read.
    assert_eq!(
        journal_error(restore_with(keys.clone(), &theirs, Some(head_a), false)),
        JournalError::WrongBank {
            expected: BANK.0,
            found: OTHER_BANK.0
        }
    );
    // A head without its bank (a bare record's) still catches the swap.
    let bare = Head {
        bank_id: None,
        ..head_a
    };
    assert_eq!(
        journal_error(restore_with(keys, &theirs, Some(bare), false)),
        JournalError::HeadMismatch { seq: head_a.seq }
    );
}

/// Restores bank A's board from what the attacker put in its storage.
fn restore_board_of_a(
    keys: KeyRing,
    snapshot: Option<&Snapshot>,
    records: &[Record<Entry>],
    expected_head: Option<Head>,
    now_s: u64,
) -> Result<SimLocker, LockerError> {
    let config = config_for(BANK);
    let hardware = board(&config, 7).with_now_s(now_s);
    Locker::restore_with(
        keys,
        hardware,
        memory(records),
        Restore {
            snapshot,
            expected_head,
            ..Restore::new(records)
        },
    )
}

#[test]
fn another_banks_snapshot_does_not_pass_this_banks_exported_head() {
    let keys = ring(14);
    let mut a = rig_with_keys(BANK, keys.clone(), 7);
    let mut b = rig_with_keys(OTHER_BANK, keys.clone(), 8);
    a.drop_off(1, 21);
    for id in 1..=6 {
        b.drop_off(100 + id, 50 + id);
    }
    // A's head was exported to the back end; B's snapshot lies further on.
    let head_a = a.locker.head().unwrap();
    let snapshot_b = b.locker.snapshot();
    assert!(snapshot_b.chain.next_seq > head_a.seq + 1);
    let now_s = snapshot_b.last_at_s + 60;
    // The attacker writes B's sealed snapshot (and no records) into A's
    // storage and cuts A's power.
    let restored = restore_board_of_a(keys, Some(&snapshot_b), &[], Some(head_a), now_s);
    match restored {
        Err(LockerError::Journal(JournalError::WrongBank { expected, found })) => {
            assert_eq!((expected, found), (BANK.0, OTHER_BANK.0));
        }
        Err(other) => panic!("refused, but not as another bank's: {other}"),
        Ok(locker) => panic!(
            "bank {} restored B's snapshot past A's head {}: it now runs as {}",
            BANK.0,
            head_a.seq,
            locker.state().bank_id()
        ),
    }
}

/// Banks sharing a key ring authenticate each other's journals: a board
/// among them is told which bank it is (`Restore::expected_bank`, from its
/// provisioning), since neither its counter nor the journal can tell.
#[test]
fn another_banks_journal_does_not_restore_on_this_banks_board() {
    let keys = ring(15);
    let a_config = config_for(BANK);
    let a_board = board(&a_config, 7).with_monotonic_counter();
    let mut a =
        rig_from(Locker::with_keys(a_config, keys.clone(), a_board, MemoryJournal::new()).unwrap());
    let mut b = rig_with_keys(OTHER_BANK, keys.clone(), 8);
    let (door_a, _, _) = a.drop_off(1, 21);
    let mut b_token = None;
    for id in 1..=4 {
        let (door, _, token) = b.drop_off(100 + id, 50 + id);
        if door == door_a {
            b_token = Some(token);
        }
    }
    let counter = a.hw().monotonic_counter_value().unwrap();
    let theirs = b.records();
    assert!(u64::try_from(theirs.len()).unwrap() >= counter);
    // A's board (with its monotonic counter) and B's journal.
    let (mut a_board, _) = a.locker.into_parts();
    a_board.set_now_s(theirs.last().unwrap().at_s + 60);
    let restored = Locker::restore_with(
        keys,
        a_board,
        memory(&theirs),
        Restore {
            expected_bank: Some(BANK),
            ..Restore::new(&theirs)
        },
    );
    let mut restored = match restored {
        Err(LockerError::Journal(JournalError::WrongBank { expected, found })) => {
            assert_eq!((expected, found), (BANK.0, OTHER_BANK.0));
            return;
        }
        Err(other) => panic!("refused, but not as another bank's: {other}"),
        Ok(restored) => restored,
    };
    // What it means: A's board now believes it is bank B, and a token B
    // gave its resident opens A's door (which holds A's resident's parcel).
    let now_bank = restored.state().bank_id();
    let opened = b_token.map(|token| restored.pickup_qr(KIOSK, token.expose()));
    panic!(
        "bank {}'s board restored bank {}'s journal and runs as {now_bank}; \
         B's token for door {door_a} at A: {opened:?}",
        BANK.0, OTHER_BANK.0
    );
}

#[test]
fn version_1_records_cannot_downgrade_a_version_2_journal() {
    let rig = busy();
    let keys = rig.keys();
    let records = rig.records();
    let last = records.len() - 1;
    let as_v1 = |record: &mut Record<Entry>| {
        record.v = 1;
        record.key_id = None;
        record.mac = None;
    };
    // The last record rewritten as version 1 (no MAC to forge).
    let mut tail = records.clone();
    as_v1(&mut tail[last]);
    rechain(&mut tail, last);
    for accept_legacy in [false, true] {
        assert_eq!(
            journal_error(restore_with(keys.clone(), &tail, None, accept_legacy)),
            JournalError::Unauthenticated {
                seq: u64::try_from(last).unwrap()
            },
            "accept_legacy {accept_legacy}"
        );
    }
    // A version-1 record appended after the authenticated ones.
    let mut appended = records.clone();
    let mut extra = records[last].clone();
    as_v1(&mut extra);
    appended.push(extra);
    rechain(&mut appended, last + 1);
    assert_eq!(
        journal_error(restore_with(keys.clone(), &appended, None, true)),
        JournalError::Unauthenticated {
            seq: u64::try_from(last + 1).unwrap()
        }
    );
    // Half a seal, or a seal on a version-1 record: no library wrote it.
    let mut half = records.clone();
    half[last].mac = None;
    assert!(matches!(
        journal_error(restore(keys.clone(), &half)),
        JournalError::Unauthenticated { .. }
    ));
    let mut sealed_v1 = records.clone();
    sealed_v1[last].v = 1;
    rechain(&mut sealed_v1, last);
    assert!(matches!(
        journal_error(restore(keys.clone(), &sealed_v1)),
        JournalError::Unauthenticated { .. }
    ));
    // The whole journal rewritten as version 1: refused unless the caller
    // explicitly accepts legacy journals.
    let mut all_v1 = records.clone();
    for record in &mut all_v1 {
        as_v1(record);
    }
    rechain(&mut all_v1, 0);
    assert_eq!(
        journal_error(restore(keys.clone(), &all_v1)),
        JournalError::Unauthenticated { seq: 0 }
    );
    // A version from the future.
    let mut future = records;
    let newer = locker_core::journal::RECORD_VERSION + 1;
    future[last].v = newer;
    rechain(&mut future, last);
    assert!(matches!(
        journal_error(restore(keys, &future)),
        JournalError::UnsupportedVersion { version, .. } if version == newer
    ));
}

#[test]
fn a_first_record_without_key_check_values_is_refused() {
    let rig = busy();
    let keys = rig.keys();
    let mut records = rig.records();
    if let Entry::Configured { keys: checks, .. } = &mut records[0].entry {
        checks.clear();
    } else {
        panic!("the first record configures the locker");
    }
    rechain(&mut records, 0);
    assert!(matches!(
        journal_error(restore(keys, &records)),
        JournalError::Forged { seq: 0, .. }
    ));
    // Nor does dropping the check values let another site's ring in.
    assert!(restore(ring(77), &records).is_err());
}

#[test]
fn a_wrong_or_empty_ring_cannot_restore() {
    let rig = busy();
    let records = rig.records();
    assert!(matches!(
        restore(KeyRing::new(), &records),
        Err(LockerError::Credential(CredentialError::NoKeys))
    ));
    // Same id, another secret.
    assert_eq!(
        journal_error(restore(ring(5), &records)),
        JournalError::WrongKeyRing { key_id: KeyId(1) }
    );
    // Only another id: nothing vouches for the records.
    let mut other_id = ring(6);
    other_id
        .rotate(&mut rand::rngs::StdRng::seed_from_u64(6))
        .unwrap();
    other_id.retire(KeyId(1)).unwrap();
    assert!(matches!(
        journal_error(restore(other_id, &records)),
        JournalError::UnknownKey { .. }
    ));
    // The right key beside another site's key with the same id cannot be
    // built: ids are unique in a ring.
    let mut both = rig.keys();
    let stranger = SiteKey::from_bytes(
        KeyId(1),
        <sha2::Sha256 as sha2::Digest>::digest(b"another site").into(),
    );
    assert!(both.add(stranger.unwrap()).is_err());
}

#[test]
fn a_snapshot_whose_chain_does_not_match_the_records_is_refused() {
    let mut rig = busy();
    let keys = rig.keys();
    let snapshot = rig.locker.snapshot();
    let at = usize::try_from(snapshot.chain.next_seq).unwrap();
    rig.drop_off(60, 60);
    rig.drop_off(61, 61);
    let records = rig.records();
    let now_s = records.last().unwrap().at_s + 60;
    let from = |snapshot: &Snapshot, records: &[Record<Entry>], head: Option<Head>| {
        restore_board_of_a(keys.clone(), Some(snapshot), records, head, now_s)
    };
    assert!(from(&snapshot, &records[at..], None).is_ok());
    // A record skipped after the snapshot.
    assert!(matches!(
        journal_error(from(&snapshot, &records[at + 1..], None)),
        JournalError::Missing { .. }
    ));
    // Records the snapshot already holds, replayed again.
    assert!(matches!(
        journal_error(from(&snapshot, &records[at - 1..], None)),
        JournalError::OutOfOrder { .. }
    ));
    // The snapshot's chain edited to fit other records: the seal fails.
    let mut moved = snapshot.clone();
    moved.chain.next_seq += 1;
    moved.chain.head = records[at].hash;
    assert!(matches!(
        journal_error(from(&moved, &records[at + 1..], None)),
        JournalError::Forged { .. }
    ));
    // An older snapshot, with the records after it cut short, against the
    // head exported since.
    let head = rig.locker.head().unwrap();
    assert!(matches!(
        journal_error(from(&snapshot, &records[at..records.len() - 2], Some(head))),
        JournalError::RolledBack { .. }
    ));
    // Another ring's snapshot.
    let stranger = rig_with_keys(BANK, ring(16), 4).locker.snapshot();
    let error = journal_error(from(&stranger, &[], None));
    assert!(
        matches!(
            error,
            JournalError::WrongKeyRing { .. }
                | JournalError::Forged { .. }
                | JournalError::UnknownKey { .. }
        ),
        "{error:?}"
    );
}

#[test]
fn a_head_with_another_key_id_or_mac_does_not_verify() {
    let rig = busy();
    let keys = rig.keys();
    let head = rig.locker.head().unwrap();
    head.verify(&keys).unwrap();
    let mut other_key = head;
    let mut seal = other_key.seal.unwrap();
    seal.key_id = KeyId(9);
    other_key.seal = Some(seal);
    assert!(matches!(
        other_key.verify(&keys),
        Err(JournalError::UnknownKey { .. })
    ));
    let mut other_mac = head;
    let mut seal = other_mac.seal.unwrap();
    seal.mac.0[0] ^= 1;
    other_mac.seal = Some(seal);
    assert!(matches!(
        other_mac.verify(&keys),
        Err(JournalError::Forged { .. })
    ));
    let mut unsealed = head;
    unsealed.seal = None;
    assert!(matches!(
        unsealed.verify(&keys),
        Err(JournalError::Unauthenticated { .. })
    ));
    // Head JSON refuses unknown fields and half seals.
    let json = serde_json::to_string(&head).unwrap();
    assert!(serde_json::from_str::<Head>(&json).is_ok());
    let injected = json.replacen('{', "{\"records\":99,", 1);
    assert!(serde_json::from_str::<Head>(&injected).is_err());
    let half = serde_json::to_string(&unsealed).unwrap().replacen(
        '}',
        &format!(",\"key_id\":{}}}", head.seal.unwrap().key_id.0),
        1,
    );
    assert!(serde_json::from_str::<Head>(&half).is_err());
}

#[test]
fn a_head_with_a_forged_sequence_number_does_not_verify() {
    let rig = busy();
    let keys = rig.keys();
    let head = rig.locker.head().unwrap();
    // A back end that takes exported heads through untrusted hands keeps
    // the highest seq it verified; an attacker inflates (or lowers) it.
    for seq in [head.seq + 1_000_000, head.seq.saturating_sub(5)] {
        let forged = Head { seq, ..head };
        assert!(
            forged.verify(&keys).is_err(),
            "a head claiming {seq} records past the real {} verified",
            head.seq
        );
    }
}

// --- the text of the journal ----------------------------------------------------

/// `text` edited by `edit` is refused by `lines::read` with a parse or
/// canonical-form error (or, for content changes, a chain error).
fn assert_text_refused(what: &str, text: &str, edited: &str, keys: &KeyRing) {
    assert!(edited != text, "{what}: the edit changed nothing");
    let trust = Trust::with_keys(keys);
    match lines::read::<Entry>(edited, &trust) {
        Ok(loaded) => panic!(
            "{what}: read {} records, torn tail {:?}",
            loaded.records.len(),
            loaded.torn_tail
        ),
        Err(
            JournalError::Malformed { .. }
            | JournalError::NotCanonical { .. }
            | JournalError::Edited { .. }
            | JournalError::Forged { .. },
        ) => {}
        Err(other) => panic!("{what}: refused, but as {other:?}"),
    }
}

#[test]
fn json_spelt_otherwise_is_refused_in_every_form() {
    let rig = busy();
    let keys = rig.keys();
    let text = lines::write(&rig.records());
    assert!(lines::read::<Entry>(&text, &Trust::with_keys(&keys)).is_ok());
    assert!(text.contains("door/7 check"), "the staff record is there");
    let seq3 = "\"seq\":3,";
    let edits: Vec<(&str, String)> = vec![
        (
            "duplicate key",
            text.replacen("{\"v\":3,", "{\"v\":3,\"v\":3,", 1),
        ),
        (
            "duplicate seq",
            text.replacen(seq3, "\"seq\":3,\"seq\":3,", 1),
        ),
        ("float", text.replacen(seq3, "\"seq\":3.0,", 1)),
        ("exponent", text.replacen(seq3, "\"seq\":3e0,", 1)),
        ("leading zero", text.replacen(seq3, "\"seq\":03,", 1)),
        (
            "negative zero",
            text.replacen("\"seq\":0,", "\"seq\":-0,", 1),
        ),
        ("string number", text.replacen(seq3, "\"seq\":\"3\",", 1)),
        (
            "overflow",
            text.replacen(seq3, "\"seq\":18446744073709551619,", 1),
        ),
        ("space after colon", text.replacen(seq3, "\"seq\": 3,", 1)),
        ("space before line", text.replacen("\n{", "\n {", 1)),
        ("space after line", text.replacen("}\n", "} \n", 1)),
        ("tab", text.replacen(seq3, "\"seq\":\t3,", 1)),
        ("CRLF on one line", text.replacen('\n', "\r\n", 1)),
        ("CRLF everywhere", text.replace('\n', "\r\n")),
        ("byte order mark", format!("\u{feff}{text}")),
        (
            "escaped letter in a tag",
            text.replacen(
                "\"type\":\"configured\"",
                "\"type\":\"configur\\u0065d\"",
                1,
            ),
        ),
        (
            "escaped letter in a key",
            text.replacen("\"at_s\":", "\"\\u0061t_s\":", 1),
        ),
        (
            "escaped solidus",
            text.replacen("door/7 check", "door\\/7 check", 1),
        ),
        (
            "unicode escape of ASCII in a string",
            text.replacen("door/7 check", "door\\u002f7 check", 1),
        ),
        ("key order", {
            let line = text.lines().nth(2).unwrap();
            let swapped = line.replacen("{\"v\":3,\"seq\":2,", "{\"seq\":2,\"v\":3,", 1);
            text.replacen(line, &swapped, 1)
        }),
        ("uppercase hex", {
            let line = text.lines().nth(1).unwrap();
            let at = line.find("\"hash\":\"").unwrap() + 8;
            let hash = &line[at..at + 64];
            text.replacen(hash, &hash.to_uppercase(), 1)
        }),
        ("NUL", text.replacen(seq3, "\"seq\":3,\u{0},", 1)),
        ("blank line", text.replacen('\n', "\n\n", 1)),
        (
            "unknown field",
            text.replacen(seq3, "\"seq\":3,\"x\":null,", 1),
        ),
        ("trailing comma", text.replacen("}\n", ",}\n", 1)),
    ];
    for (what, edited) in &edits {
        assert_text_refused(what, &text, edited, &keys);
    }
}

#[test]
fn absurd_lines_are_refused_without_exhausting_the_stack() {
    let rig = busy();
    let keys = rig.keys();
    let text = lines::write(&rig.records());
    let trust = Trust::with_keys(&keys);
    // A reason of four megabytes in a rechained staff record.
    let mut records = rig.records();
    let at = records
        .iter()
        .position(|r| matches!(r.entry, Entry::StaffOpened { .. }))
        .unwrap();
    if let Entry::StaffOpened { reason, .. } = &mut records[at].entry {
        *reason = "x".repeat(4 << 20);
    }
    rechain(&mut records, at);
    let long = lines::write(&records);
    assert!(matches!(
        lines::read::<Entry>(&long, &trust),
        Err(JournalError::Forged { .. })
    ));
    // Nesting a hundred thousand deep, as a middle line.
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let nested = text.replacen('\n', &format!("\n{deep}\n"), 1);
    assert!(matches!(
        lines::read::<Entry>(&nested, &trust),
        Err(JournalError::Malformed { line: 2, .. })
    ));
    // The same as a torn last line: dropped, not parsed.
    let torn = format!("{text}{deep}");
    let loaded = lines::read::<Entry>(&torn, &trust).unwrap();
    assert_eq!(loaded.records.len(), rig.records().len());
    assert!(loaded.torn_tail.is_some());
    // A megabyte of whitespace before a line.
    let padded = text.replacen("\n{", &format!("\n{}{{", " ".repeat(1 << 20)), 1);
    assert_text_refused("padding", &text, &padded, &keys);
}

#[test]
fn a_torn_tail_is_only_an_incomplete_last_line() {
    let rig = busy();
    let keys = rig.keys();
    let records = rig.records();
    let head = rig.locker.head().unwrap();
    let text = lines::write(&records);
    let trust = Trust::with_keys(&keys);
    let with_head = Trust {
        expected_head: Some(head),
        ..Trust::with_keys(&keys)
    };
    // Damage in a line that is not the last is never a torn tail.
    let lines_of: Vec<&str> = text.split_inclusive('\n').collect();
    let mut cut_middle = String::new();
    for (i, line) in lines_of.iter().enumerate() {
        if i == 3 {
            cut_middle.push_str(&line[..line.len() / 2]);
            cut_middle.push('\n');
        } else {
            cut_middle.push_str(line);
        }
    }
    assert!(matches!(
        lines::read::<Entry>(&cut_middle, &trust),
        Err(JournalError::Malformed { line: 4, .. })
    ));
    // A whole middle line deleted is a gap, not a tear.
    let gap = text.replacen(lines_of[3], "", 1);
    assert!(matches!(
        lines::read::<Entry>(&gap, &trust),
        Err(JournalError::Missing { .. })
    ));
    // The last record without its newline is dropped as torn, but the head
    // seen before says it was written: a rollback.
    let unterminated = &text[..text.len() - 1];
    let loaded = lines::read::<Entry>(unterminated, &trust).unwrap();
    assert_eq!(loaded.records.len(), records.len() - 1);
    assert!(matches!(
        lines::read::<Entry>(unterminated, &with_head),
        Err(JournalError::RolledBack { .. })
    ));
    // Several whole records cut and a stub left behind to look torn.
    let cut = records.len() - 4;
    let mut stub = lines::write(&records[..cut]);
    stub.push_str(&lines::to_line(&records[cut])[..20]);
    assert!(
        lines::read::<Entry>(&stub, &trust)
            .unwrap()
            .torn_tail
            .is_some()
    );
    assert!(matches!(
        lines::read::<Entry>(&stub, &with_head),
        Err(JournalError::RolledBack { expected_records, found_records })
            if expected_records == u64::try_from(records.len()).unwrap()
                && found_records == u64::try_from(cut).unwrap()
    ));
}

#[test]
fn every_json_type_refuses_unknown_fields() {
    let mut accepted = Vec::new();
    assert!(serde_json::from_str::<Entry>(r#"{"type":"pruned"}"#).is_ok());
    for json in [
        r#"{"type":"pruned","compartment":5}"#,
        r#"{"type":"pruned","credentials":[{"id":1}]}"#,
    ] {
        if serde_json::from_str::<Entry>(json).is_ok() {
            accepted.push(format!("Entry {json}"));
        }
    }
    let kind = r#"{"type":"token","recipient":13}"#;
    if serde_json::from_str::<CredentialKind>(kind).is_ok() {
        accepted.push(format!("CredentialKind {kind}"));
    }
    // A sealed snapshot edited to carry injected fields: the MAC is over
    // the re-serialized snapshot, so it still verifies.
    let mut rig = rig();
    rig.drop_off(1, 12);
    let keys = rig.keys();
    let snapshot = rig.locker.snapshot();
    let json = serde_json::to_string(&snapshot).unwrap();
    assert!(json.contains("{\"type\":\"token\","));
    let injected = json.replacen(
        "{\"type\":\"token\",",
        "{\"type\":\"token\",\"recipient\":13,\"compartments\":[1,2,3],",
        1,
    );
    if let Ok(parsed) = serde_json::from_str::<Snapshot>(&injected)
        && parsed.verify(&keys, false).is_ok()
    {
        accepted.push(String::from(
            "a sealed snapshot with injected fields verifies",
        ));
    }
    assert!(
        accepted.is_empty(),
        "unknown fields accepted: {accepted:#?}"
    );
}

// =============================================================================
// (b) A stolen site key ring
// =============================================================================

#[test]
fn a_stolen_site_key_cannot_open_more_doors_than_the_caps_by_reusing_record_ids() {
    let mut rig = rig();
    let mut doors = Vec::new();
    for id in 1..=20 {
        doors.push(rig.drop_off(id, 100 + id).0);
    }
    rig.advance(60);
    let stolen = rig.keys();
    let records = rig.records();
    let mut opened = 0;
    for &door in &doors {
        // The journal (readable storage) names each delivery's token id.
        let (id, recipient) = token_record_of(&records, door);
        let request = TokenRequest {
            bank: BANK,
            purpose: Purpose::Pickup,
            compartments: vec![door],
            recipient,
            expires_at_s: T0 + DAY_S,
        };
        let (minted, _) = issue_token(&stolen, &mut Chosen(id), &request, rig.now_s()).unwrap();
        if rig.locker.pickup_qr(KIOSK, minted.expose()).is_ok() {
            opened += 1;
        }
    }
    let cap = CredentialPolicy::default()
        .tokens
        .max_recordless_opens_per_minute;
    assert!(
        opened <= cap,
        "a stolen key opened {opened} doors in one minute; the cap is {cap}"
    );
}

#[test]
fn an_ed25519_only_bank_takes_no_token_minted_with_the_stolen_site_key() {
    let mut rng = rand::rngs::StdRng::seed_from_u64(3);
    let signer = IssuerSigningKey::generate(KeyId(1), &mut rng).unwrap();
    let mut config = config();
    config.credentials.issuers = vec![signer.public_key()];
    let hardware = board(&config, 7);
    let mut rig = rig_with(config, hardware);
    let (door, _, _) = rig.drop_off(1, 12);
    rig.advance(60);
    let stolen = rig.keys();
    let (id, recipient) = token_record_of(&rig.records(), door);
    let request = TokenRequest {
        bank: BANK,
        purpose: Purpose::Pickup,
        compartments: vec![door],
        recipient,
        // Far beyond the record's own expiry: the token's expiry is used.
        expires_at_s: T0 + 300 * DAY_S,
    };
    let (minted, _) = issue_token(&stolen, &mut Chosen(id), &request, rig.now_s()).unwrap();
    let result = rig.locker.pickup_qr(KIOSK, minted.expose());
    assert!(
        matches!(
            result,
            Err(LockerError::Credential(CredentialError::Rejected))
        ),
        "a token minted with the stolen site secret: {result:?}"
    );
}

#[test]
fn a_token_for_one_resident_opens_nothing_of_another_even_as_their_delegate() {
    let mut rig = rig();
    let (door_12, _, _) = rig.drop_off(1, 12);
    let (door_13, _, _) = rig.drop_off(2, 13);
    rig.advance(60);
    // 13 lets 12 collect everything of theirs, with a PIN.
    let delegation = rig
        .locker
        .delegate(&DelegationRequest {
            delegator: RecipientId(13),
            scope: DelegationScope::AllParcels,
            compartments: vec![],
            expires_at_s: T0 + 2 * DAY_S,
        })
        .unwrap();
    // A back-end token naming resident 12 and both doors opens only 12's.
    let mut rng = rand::rngs::StdRng::seed_from_u64(4);
    let request = TokenRequest {
        bank: BANK,
        purpose: Purpose::Pickup,
        compartments: vec![door_13, door_12],
        recipient: Some(RecipientId(12)),
        expires_at_s: T0 + DAY_S,
    };
    let (both, _) = issue_token(&rig.keys(), &mut rng, &request, rig.now_s()).unwrap();
    assert_eq!(
        rig.locker.pickup_qr(KIOSK, both.expose()).unwrap(),
        vec![door_12]
    );
    rig.empty(door_12);
    // One naming 13's door only, for resident 12: nothing.
    let request = TokenRequest {
        compartments: vec![door_13],
        ..request
    };
    let (other, _) = issue_token(&rig.keys(), &mut rng, &request, rig.now_s()).unwrap();
    assert!(matches!(
        rig.locker.pickup_qr(KIOSK, other.expose()),
        Err(LockerError::NothingToCollect)
    ));
    // The token's recipient cannot be rewritten: its tag covers it.
    let mut bytes = base32_decode(both.expose());
    bytes[21..29].copy_from_slice(&13_u64.to_be_bytes());
    assert!(matches!(
        rig.locker.pickup_qr(KIOSK, &base32_encode(&bytes)),
        Err(LockerError::Credential(CredentialError::Rejected))
    ));
    // The delegation still works for 13's door, typed with 13's unit.
    assert_eq!(
        rig.locker
            .pickup_pin(KIOSK, Some(RecipientId(13)), delegation.pin.expose())
            .unwrap(),
        vec![door_13]
    );
}

/// A locker restored from `records` on a board whose clock reads `now_s`.
fn restore_at(keys: KeyRing, records: &[Record<Entry>], now_s: u64) -> SimLocker {
    let config = config();
    let hardware = board(&config, 99).with_now_s(now_s);
    Locker::restore(keys, hardware, memory(records), records).unwrap()
}

#[test]
fn record_less_token_caps_and_spent_tokens_survive_a_restore_and_a_snapshot() {
    let mut rig = rig();
    let mut doors = Vec::new();
    for id in 1..=8 {
        doors.push((rig.drop_off(id, 100 + id).0, 100 + id));
    }
    rig.advance(60);
    let keys = rig.keys();
    let mut rng = rand::rngs::StdRng::seed_from_u64(5);
    let mut mint = |door: CompartmentId, recipient: u64, now_s: u64| {
        let request = TokenRequest {
            bank: BANK,
            purpose: Purpose::Pickup,
            compartments: vec![door],
            recipient: Some(RecipientId(recipient)),
            expires_at_s: T0 + DAY_S,
        };
        issue_token(&keys, &mut rng, &request, now_s).unwrap().0
    };
    let cap = usize::try_from(
        CredentialPolicy::default()
            .tokens
            .max_recordless_opens_per_minute,
    )
    .unwrap();
    let mut spent = None;
    for &(door, recipient) in &doors[..cap] {
        let token = mint(door, recipient, rig.now_s());
        assert_eq!(rig.locker.pickup_qr(KIOSK, token.expose()).unwrap(), [door]);
        rig.empty(door);
        spent.get_or_insert(token);
    }
    let spent = spent.unwrap();
    let (next_door, next_recipient) = doors[cap];
    let next = mint(next_door, next_recipient, rig.now_s());
    assert!(matches!(
        rig.locker.pickup_qr(KIOSK, next.expose()),
        Err(LockerError::Credential(
            CredentialError::RecordlessCapReached { .. }
        ))
    ));
    // The power is cut and the locker restored within the same minute.
    let records = rig.records();
    let now_s = records.last().unwrap().at_s + 5;
    let mut restored = restore_at(keys.clone(), &records, now_s);
    assert!(matches!(
        restored.pickup_qr(KIOSK, next.expose()),
        Err(LockerError::Credential(
            CredentialError::RecordlessCapReached { .. }
        ))
    ));
    // From a snapshot too.
    let snapshot = rig.locker.snapshot();
    let mut from_snapshot =
        restore_board_of_a(keys.clone(), Some(&snapshot), &[], None, now_s).unwrap();
    assert!(matches!(
        from_snapshot.pickup_qr(KIOSK, next.expose()),
        Err(LockerError::Credential(
            CredentialError::RecordlessCapReached { .. }
        ))
    ));
    // A minute on, a spent record-less token stays spent.
    let later = restore_at(keys, &records, now_s + 120);
    let mut later = later;
    assert!(matches!(
        later.pickup_qr(KIOSK, spent.expose()),
        Err(LockerError::Credential(CredentialError::AlreadyUsed { .. }))
    ));
}

#[test]
fn the_lockers_own_spent_token_opens_nothing_and_leaves_nothing_to_keep() {
    let mut rig = rig();
    let (door, _, token) = rig.drop_off(1, 12);
    let (other_door, _, other_token) = rig.drop_off(2, 13);
    rig.advance(60);
    assert_eq!(rig.locker.pickup_qr(KIOSK, token.expose()).unwrap(), [door]);
    rig.empty(door);
    // Until the hourly prune, the spent record tells a rescan so.
    assert!(matches!(
        rig.locker.pickup_qr(KIOSK, token.expose()),
        Err(LockerError::Credential(CredentialError::AlreadyUsed { .. }))
    ));
    rig.advance(2 * HOUR_S);
    rig.locker.tick().unwrap();
    // Pruned, its record is gone and nothing replaces it: the token ends
    // in a secret only the record could check, so it verifies never
    // again, and the snapshot keeps nothing of it.
    assert_eq!(spent_token_count(&rig), 0);
    let rescan = rig.locker.pickup_qr(KIOSK, token.expose());
    assert!(
        matches!(
            rescan,
            Err(LockerError::Credential(CredentialError::Rejected))
        ),
        "{rescan:?}"
    );
    assert_eq!(rig.hw().is_open(door), Ok(false));
    // Other tokens are untouched by the rescan.
    assert_eq!(
        rig.locker.pickup_qr(KIOSK, other_token.expose()).unwrap(),
        [other_door]
    );
}

/// Spent tokens the snapshot keeps.
fn spent_token_count(rig: &Rig) -> usize {
    let snapshot = serde_json::to_value(rig.locker.snapshot()).unwrap();
    snapshot["credentials"]["spent_tokens"]
        .as_object()
        .map_or(0, serde_json::Map::len)
}

#[test]
fn keys_serve_one_purpose_each_across_signed_messages() {
    let mut config = config();
    config.credentials.remote.enabled = true;
    let hardware = board(&config, 7);
    let mut rig = rig_with(config, hardware);
    let (door, _, _) = rig.drop_off(1, 12);
    rig.advance(60);
    let keys = rig.keys();
    let now_s = rig.now_s();
    let clock_s = rig.hw().clock_s();
    let request = RemoteRequest {
        bank: BANK,
        compartment: door,
        purpose: Purpose::Pickup,
        recipient: Some(RecipientId(12)),
        not_before_s: now_s - 10,
        not_after_s: now_s + 200,
    };
    // A signed time's tag (same derived key, another domain) as a command's.
    let time = sign_time(&keys, BANK, clock_s).unwrap();
    let command = RemoteCommand {
        request,
        nonce: 77,
        key_id: time.key_id,
        tag: time.tag,
        signature: None,
    };
    assert!(matches!(
        rig.locker.open_remote(&command),
        Err(LockerError::Credential(CredentialError::Rejected))
    ));
    // A command's tag as a signed time's.
    let mut rng = rand::rngs::StdRng::seed_from_u64(6);
    let real = sign_remote_command(&keys, &mut rng, &request).unwrap();
    let as_time = SignedTime {
        bank: BANK,
        time_s: clock_s,
        key_id: real.key_id,
        tag: real.tag,
        signature: None,
    };
    assert!(matches!(
        rig.locker.confirm_signed_time(&as_time),
        Err(LockerError::Credential(CredentialError::Rejected))
    ));
    // A token tag cannot be a command tag (nor anything else of 256 bits).
    let (token, _) = issue_token(
        &keys,
        &mut rng,
        &TokenRequest {
            bank: BANK,
            purpose: Purpose::Pickup,
            compartments: vec![door],
            recipient: Some(RecipientId(12)),
            expires_at_s: T0 + DAY_S,
        },
        now_s,
    )
    .unwrap();
    let token_bytes = base32_decode(token.expose());
    let mut padded = [0_u8; 32];
    padded[..12].copy_from_slice(&token_bytes[token_bytes.len() - 12..]);
    let token_tag: locker_core::credential::Tag = serde_json::from_value(
        serde_json::Value::String(padded.iter().map(|b| format!("{b:02x}")).collect()),
    )
    .unwrap();
    let command = RemoteCommand {
        tag: Some(token_tag),
        ..real
    };
    assert!(matches!(
        rig.locker.open_remote(&command),
        Err(LockerError::Credential(CredentialError::Rejected))
    ));
    // The real command works.
    assert_eq!(rig.locker.open_remote(&real).unwrap(), vec![door]);
    // The journal's head MAC names a key but is no token or command tag:
    // the journal key read off a board verifies only the journal.
    assert!(rig.locker.head().unwrap().verify(&keys).is_ok());
}

#[test]
fn weak_secrets_and_entropy_are_refused() {
    let counter: [u8; 32] = core::array::from_fn(|i| u8::try_from(i).unwrap());
    let typed = *b"The quick brown fox jumps over t";
    let mut accepted = Vec::new();
    for (what, secret) in [("counter", counter), ("typed text", typed)] {
        if SiteKey::from_bytes(KeyId(1), secret).is_ok() {
            accepted.push(format!("{what} as a site key"));
        }
        if rng_from_entropy(secret).is_ok() {
            accepted.push(format!("{what} as entropy"));
        }
    }
    // What it costs: two boards whose entropy stub returns a counter draw
    // the same site key.
    let keys_of = |seed: u64| {
        let config = config();
        let locker = Locker::new(
            config.clone(),
            CounterEntropy(board(&config, seed)),
            MemoryJournal::new(),
        );
        locker.map(|l| l.keys().checks())
    };
    if let (Ok(a), Ok(b)) = (keys_of(1), keys_of(2))
        && a == b
    {
        accepted.push(String::from(
            "two boards with a counting entropy stub drew the same site key",
        ));
    }
    assert!(accepted.is_empty(), "weak secrets accepted: {accepted:#?}");
}

/// A board whose entropy source is a stub that counts.
struct CounterEntropy(SimulatedHardware);

impl Hardware for CounterEntropy {
    type Error = <SimulatedHardware as Hardware>::Error;

    fn unlock(&mut self, door: CompartmentId) -> Result<(), Self::Error> {
        self.0.unlock(door)
    }

    fn door_state(&mut self, door: CompartmentId) -> Result<DoorState, Self::Error> {
        self.0.door_state(door)
    }

    fn now_s(&mut self) -> Result<u64, Self::Error> {
        self.0.now_s()
    }

    fn fill_random(&mut self, buf: &mut [u8]) -> Result<(), Self::Error> {
        for (i, byte) in buf.iter_mut().enumerate() {
            *byte = u8::try_from(i % 256).unwrap();
        }
        Ok(())
    }
}

#[test]
fn weak_secrets_with_few_distinct_bytes_are_refused() {
    for weak in [
        [0_u8; 32],
        [0x5a; 32],
        core::array::from_fn(|i| u8::try_from(i % 15).unwrap()),
        *b"passwordpasswordpasswordpassword",
    ] {
        assert!(matches!(
            SiteKey::from_bytes(KeyId(1), weak),
            Err(CredentialError::WeakKey { .. })
        ));
        assert!(rng_from_entropy(weak).is_err());
        assert!(IssuerSigningKey::from_bytes(KeyId(1), weak).is_err());
    }
}

/// L, the order of the Ed25519 base point, little-endian.
const ED25519_L: [u8; 32] = [
    0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
];

/// `s + L` (little-endian): the same scalar mod L, spelt otherwise.
fn add_l(s: &[u8]) -> [u8; 32] {
    let mut out = [0_u8; 32];
    let mut carry = 0_u16;
    for i in 0..32 {
        let sum = u16::from(s[i]) + u16::from(ED25519_L[i]) + carry;
        out[i] = u8::try_from(sum & 0xff).unwrap();
        carry = sum >> 8;
    }
    out
}

#[test]
fn ed25519_signatures_are_not_malleable_and_small_order_keys_sign_nothing() {
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    let signer = IssuerSigningKey::generate(KeyId(1), &mut rng).unwrap();
    let mut config = config();
    config.credentials.issuers = vec![signer.public_key()];
    let hardware = board(&config, 7);
    let mut rig = rig_with(config.clone(), hardware);
    let (door, _, _) = rig.drop_off(1, 12);
    rig.advance(60);
    let request = TokenRequest {
        bank: BANK,
        purpose: Purpose::Pickup,
        compartments: vec![door],
        recipient: Some(RecipientId(12)),
        expires_at_s: T0 + DAY_S,
    };
    let (signed, _) = issue_token_signed(&signer, &mut rng, &request, rig.now_s()).unwrap();
    let bytes = base32_decode(signed.expose());
    let s_at = bytes.len() - 32;
    // S + L: the same signature to a lax verifier.
    let mut bent = bytes.clone();
    let s = add_l(&bytes[s_at..]);
    bent[s_at..].copy_from_slice(&s);
    assert!(matches!(
        rig.locker.pickup_qr(KIOSK, &base32_encode(&bent)),
        Err(LockerError::Credential(CredentialError::Rejected))
    ));
    // The signature of another issuer id.
    let mut other_id = bytes.clone();
    other_id[2..4].copy_from_slice(&2_u16.to_be_bytes());
    assert!(
        rig.locker
            .pickup_qr(KIOSK, &base32_encode(&other_id))
            .is_err()
    );
    // The genuine one opens.
    assert_eq!(
        rig.locker.pickup_qr(KIOSK, signed.expose()).unwrap(),
        vec![door]
    );

    // A policy listing a small-order key (the identity point) would, under
    // a lax verifier, accept R = identity, S = 0 for any message: it is
    // refused when the locker is built.
    let identity = {
        let mut point = [0_u8; 32];
        point[0] = 1;
        PublicKeyBytes(point)
    };
    let mut weak_config = config;
    weak_config.credentials.issuers = vec![IssuerKey {
        key_id: KeyId(7),
        public_key: identity,
    }];
    let weak_board = board(&weak_config, 8);
    assert!(matches!(
        Locker::new(weak_config, weak_board, MemoryJournal::new()),
        Err(LockerError::Credential(CredentialError::InvalidPolicy {
            field: "issuers",
            ..
        }))
    ));
}

// =============================================================================
// (c) Control of the clock
// =============================================================================

#[test]
fn a_ten_day_push_is_not_confirmed_minutes_after_it_by_an_older_small_jump() {
    let mut rig = rig();
    let (door, _, _) = rig.drop_off(1, 12);
    let start_s = rig.now_s();
    // Pre-arm: push the clock two hours (a jump, held back whole).
    rig.hw().advance_s(2 * HOUR_S);
    rig.locker.observe_clock().unwrap();
    assert_eq!(rig.locker.state().clock_offset_s(), 2 * HOUR_S);
    // A day of ordinary running, read every half hour: the two hours stay
    // held, nothing is confirmed, the locker's time is right.
    for _ in 0..47 {
        rig.hw().advance_s(HOUR_S / 2);
        rig.locker.observe_clock().unwrap();
    }
    assert_eq!(rig.locker.state().clock_offset_s(), 2 * HOUR_S);
    // Now the real push: ten days.
    rig.hw().advance_s(10 * DAY_S);
    rig.locker.observe_clock().unwrap();
    assert!(rig.locker.state().clock_offset_s() >= 10 * DAY_S);
    // Half an hour on.
    rig.hw().advance_s(HOUR_S / 2);
    let locker_s = rig.locker.observe_clock().unwrap();
    rig.locker.tick().unwrap();
    let confirmed_by = rig.records().iter().rev().find_map(|r| match r.entry {
        Entry::ClockConfirmed { by } => Some(by),
        _ => None,
    });
    assert!(
        rig.locker.state().clock_offset_s() >= 10 * DAY_S,
        "the ten-day push, held for half an hour, was confirmed ({confirmed_by:?}): \
         locker time {} days after the start",
        (locker_s - start_s) / DAY_S
    );
    assert!(
        !rig.locker.state().deliveries()[&door].returning,
        "the parcel was sent back by a push nobody confirmed"
    );
}

#[test]
fn a_clock_moved_back_then_forward_neither_rewinds_nor_ages_anything() {
    let mut rig = rig();
    let (door, _, _) = rig.drop_off(1, 12);
    let kept_s = rig.now_s();
    // Back ten days: refused, the locker keeps its time.
    rig.hw().set_now_s(kept_s - 10 * DAY_S);
    assert_eq!(rig.locker.observe_clock().unwrap(), kept_s);
    assert!(
        rig.locker
            .take_events()
            .iter()
            .any(|e| matches!(e, Event::ClockWentBack { .. }))
    );
    // A wrong PIN while the clock is behind is journaled at the kept time.
    assert!(
        rig.locker
            .pickup_pin(KIOSK, Some(RecipientId(12)), "00000000")
            .is_err()
    );
    // Then twenty days forward from there (ten past the real time).
    rig.hw().set_now_s(kept_s + 10 * DAY_S);
    rig.locker.tick().unwrap();
    assert!(rig.locker.state().clock_offset_s() >= 10 * DAY_S - HOUR_S);
    assert!(!rig.locker.state().deliveries()[&door].returning);
    assert_eq!(
        rig.locker.state().parcels()[&ParcelId(1)],
        ParcelPlace::Compartment(door)
    );
    // Record times never go backwards.
    let records = rig.records();
    assert!(records.windows(2).all(|w| w[0].at_s <= w[1].at_s));
    assert!(restore(rig.keys(), &records).is_ok());
}

#[test]
fn an_old_signed_time_cannot_confirm_a_push() {
    let mut rig = rig();
    let (door, _, _) = rig.drop_off(1, 12);
    let keys = rig.keys();
    // The back end's signed time, captured now.
    let captured = sign_time(&keys, BANK, rig.hw().clock_s()).unwrap();
    rig.hw().advance_s(10 * DAY_S);
    rig.locker.tick().unwrap();
    let held_s = rig.locker.state().clock_offset_s();
    assert!(held_s >= 10 * DAY_S);
    // Replayed after the push: it disagrees with the clock.
    assert!(matches!(
        rig.locker.confirm_signed_time(&captured),
        Err(LockerError::Invalid { .. })
    ));
    assert_eq!(rig.locker.state().clock_offset_s(), held_s);
    // The attacker sets the clock to agree with the old signed time: the
    // push is undone, nothing moves forward.
    rig.hw().set_now_s(captured.time_s);
    let now_s = rig.locker.confirm_signed_time(&captured).unwrap();
    assert!(now_s < captured.time_s + HOUR_S);
    rig.locker.tick().unwrap();
    assert!(!rig.locker.state().deliveries()[&door].returning);
    // A signed time for this bank, but in a bank given issuer keys, a
    // site-key signed time confirms nothing.
    let mut rng = rand::rngs::StdRng::seed_from_u64(8);
    let signer = IssuerSigningKey::generate(KeyId(1), &mut rng).unwrap();
    let mut config = config();
    config.credentials.issuers = vec![signer.public_key()];
    let hardware = board(&config, 7);
    let mut issuer_rig = rig_with(config, hardware);
    issuer_rig.hw().advance_s(10 * DAY_S);
    issuer_rig.locker.tick().unwrap();
    let clock_s = issuer_rig.hw().clock_s();
    let site_signed = sign_time(&issuer_rig.keys(), BANK, clock_s).unwrap();
    assert!(matches!(
        issuer_rig.locker.confirm_signed_time(&site_signed),
        Err(LockerError::Credential(CredentialError::Rejected))
    ));
    assert!(issuer_rig.locker.state().clock_offset_s() >= 10 * DAY_S);
}

#[test]
fn a_clock_pushed_while_the_locker_is_off_is_held_after_the_restore() {
    let mut rig = rig();
    let (door, _, token) = rig.drop_off(1, 12);
    let keys = rig.keys();
    let records = rig.records();
    let off_at = records.last().unwrap().at_s;
    let mut restored = restore_at(keys, &records, off_at + 10 * DAY_S);
    restored.tick().unwrap();
    assert!(restored.state().clock_offset_s() >= 9 * DAY_S);
    assert!(!restored.state().deliveries()[&door].returning);
    assert_eq!(
        restored.pickup_qr(KIOSK, token.expose()).unwrap(),
        vec![door]
    );
}

// =============================================================================
// (d) Forged hardware events
// =============================================================================

#[test]
fn door_closed_for_a_door_the_locker_did_not_open_commits_nothing() {
    let mut rig = rig();
    let (occupied, pin, _) = rig.drop_off(1, 12);
    // A drop-off called off: the door was unlocked, then the task ended.
    let courier = rig.courier.clone();
    let DropOff::Opened { compartment, .. } = rig
        .locker
        .deposit(&courier, Request::new(parcel(2), RecipientId(13)))
        .unwrap()
    else {
        panic!("overflow");
    };
    rig.locker.cancel_deposit(compartment).unwrap();
    let before = rig.locker.state().clone();
    let records_before = rig.records().len();
    // A forged close on the cancelled door, with a parcel pushed in.
    rig.hw().force_open(compartment).unwrap();
    rig.hw().put_parcel(compartment).unwrap();
    rig.hw().close_door(compartment).unwrap();
    assert!(matches!(
        rig.locker.door_closed(compartment),
        Err(LockerError::State(StateError::NotOpenFor { .. }))
    ));
    // And on the occupied door.
    assert!(matches!(
        rig.locker.door_closed(occupied),
        Err(LockerError::State(StateError::NotOpenFor { .. }))
    ));
    // And on a door that does not exist.
    assert!(rig.locker.door_closed(CompartmentId(999_999)).is_err());
    let after = rig.locker.state();
    assert_eq!(after.deliveries(), before.deliveries());
    assert_eq!(after.parcels(), before.parcels());
    assert_eq!(
        after.parcels().get(&ParcelId(2)),
        Some(&ParcelPlace::WithCourier)
    );
    let new: Vec<_> = rig.records()[records_before..]
        .iter()
        .map(|r| r.entry.clone())
        .collect();
    assert!(
        new.iter()
            .all(|e| matches!(e, Entry::UnexpectedDoorClose { .. })),
        "{new:?}"
    );
    assert_eq!(new.len(), 2, "each forged close is on the record");
    // The resident's PIN still opens the occupied door.
    assert_eq!(
        rig.locker
            .pickup_pin(KIOSK, Some(RecipientId(12)), pin.expose())
            .unwrap(),
        vec![occupied]
    );
}

#[test]
fn a_door_reported_open_without_an_unlock_is_tampering_not_a_pickup() {
    let mut rig = rig();
    let (door, pin, _) = rig.drop_off(1, 12);
    rig.hw().force_open(door).unwrap();
    rig.locker.tick().unwrap();
    assert!(
        rig.records()
            .iter()
            .any(|r| matches!(r.entry, Entry::Tampered { compartment } if compartment == door))
    );
    rig.hw().take_parcel(door).unwrap();
    rig.hw().close_door(door).unwrap();
    assert!(rig.locker.door_closed(door).is_err());
    rig.locker.tick().unwrap();
    // Nothing was collected: the parcel is on the record in its door.
    assert_eq!(
        rig.locker.state().parcels()[&ParcelId(1)],
        ParcelPlace::Compartment(door)
    );
    assert!(rig.locker.state().out_of_service().contains_key(&door));
    // The PIN stays valid (the door waits for staff).
    assert!(matches!(
        rig.locker
            .pickup_pin(KIOSK, Some(RecipientId(12)), pin.expose()),
        Err(LockerError::State(StateError::Unavailable { .. }))
    ));
}

#[test]
fn the_whole_history_of_these_attacks_verifies_with_the_keys() {
    // Sanity: the journals the rigs above write verify end to end, so a
    // refusal above is the attack's, not the rig's.
    let rig = busy();
    let keys = rig.keys();
    let verified = verify(&rig.records(), &Trust::with_keys(&keys)).unwrap();
    assert_eq!(
        verified.authenticated_through,
        Some(rig.records().last().unwrap().seq)
    );
}
