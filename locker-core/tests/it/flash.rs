//! The journal on flash: compaction keeps it inside its region for good,
//! a restore from snapshot and tail rebuilds the same locker, a power cut
//! at any byte of an append or a compaction loses nothing acknowledged,
//! and a forged snapshot or record is refused.

#![allow(
    clippy::unwrap_used,
    clippy::std_instead_of_alloc,
    clippy::std_instead_of_core
)]

use locker_core::allocate::Request;
use locker_core::credential::{CarrierId, KeyRing, KioskId};
use locker_core::hardware::SimulatedHardware;
use locker_core::journal::flash::{
    Flash, FlashConfig, FlashContents, FlashError, FlashJournal, MemoryFlash,
};
use locker_core::journal::{JournalError, JournalSink, Trust, verify};
use locker_core::locker::{
    DAY_S, DropOff, Entry, Event, FlashChecks, HOUR_S, Locker, LockerConfig, LockerError,
    LockerState, Snapshot,
};
use locker_core::{CompartmentId, Dimensions, Parcel, ParcelId, RecipientId};
use rand::SeedableRng;

type FlashLocker = Locker<SimulatedHardware, FlashJournal<MemoryFlash>>;

const T0: u64 = 1_700_000_000;
const KIOSK: KioskId = KioskId(1);
const BLOCK: u32 = 4096;

fn keys() -> KeyRing {
    let mut keys = KeyRing::new();
    keys.rotate(&mut rand::rngs::StdRng::seed_from_u64(41))
        .unwrap();
    keys
}

fn config() -> LockerConfig {
    LockerConfig::default()
}

fn board() -> SimulatedHardware {
    let config = config();
    let doors = config.bank.compartments.iter().map(|c| c.id);
    SimulatedHardware::new(doors, 5).with_now_s(T0)
}

fn flash_config(capacity: u32) -> FlashConfig {
    FlashConfig::for_capacity(capacity)
}

fn open_with(
    flash: MemoryFlash,
    hardware: SimulatedHardware,
    checks: FlashChecks,
) -> Result<FlashLocker, LockerError> {
    let capacity = flash.capacity_bytes();
    let (journal, contents) =
        FlashJournal::open::<Entry>(flash, flash_config(capacity)).map_err(|error| {
            LockerError::JournalWrite {
                message: error.to_string(),
            }
        })?;
    Locker::open_flash(config(), keys(), hardware, journal, &contents, checks)
}

fn open(flash: MemoryFlash, hardware: SimulatedHardware) -> FlashLocker {
    open_with(flash, hardware, FlashChecks::default()).unwrap()
}

/// Power off: the board and the chip as they are.
fn power_off(locker: FlashLocker) -> (SimulatedHardware, MemoryFlash) {
    let (hardware, journal) = locker.into_parts();
    let mut flash = journal.into_flash();
    flash.restore_power();
    (hardware, flash)
}

fn contents(flash: &MemoryFlash) -> FlashContents<Entry> {
    let capacity = flash.capacity_bytes();
    FlashJournal::open::<Entry>(flash.clone(), flash_config(capacity))
        .unwrap()
        .1
}

struct Site {
    locker: FlashLocker,
    next_parcel: u64,
    /// Doors with a parcel and the PIN that opens them.
    waiting: Vec<(CompartmentId, RecipientId, String)>,
    compactions: usize,
}

impl Site {
    fn new(capacity: u32) -> Self {
        Self::from(open(MemoryFlash::new(capacity, BLOCK), board()))
    }

    fn from(locker: FlashLocker) -> Self {
        Self {
            locker,
            next_parcel: 1,
            waiting: Vec::new(),
            compactions: 0,
        }
    }

    fn events(&mut self) -> Vec<Event> {
        let events = self.locker.take_events();
        self.compactions += events
            .iter()
            .filter(|event| matches!(event, Event::JournalCompacted { .. }))
            .count();
        events
    }

    fn drop_off(&mut self, recipient: u64) -> bool {
        let code = self.locker.issue_courier_code(CarrierId(1), DAY_S).unwrap();
        let session = self.locker.courier_sign_in(KIOSK, code.expose()).unwrap();
        let parcel = Parcel::new(
            ParcelId(self.next_parcel),
            Dimensions::new(300, 200, 100),
            900,
        );
        self.next_parcel += 1;
        let outcome = self
            .locker
            .deposit(&session, Request::new(parcel, RecipientId(recipient)))
            .unwrap();
        let DropOff::Opened { compartment, .. } = outcome else {
            self.events();
            return false;
        };
        let hw = self.locker.hardware_mut();
        hw.open_door(compartment).unwrap();
        hw.put_parcel(compartment).unwrap();
        hw.close_door(compartment).unwrap();
        self.locker.door_closed(compartment).unwrap();
        for event in self.events() {
            if let Event::ParcelReady {
                pin,
                recipient,
                pin_opens,
                ..
            } = event
            {
                self.waiting
                    .retain(|(door, _, _)| !pin_opens.contains(door));
                for door in pin_opens {
                    self.waiting
                        .push((door, recipient, pin.expose().to_string()));
                }
            }
        }
        true
    }

    fn pick_up_oldest(&mut self) {
        if self.waiting.is_empty() {
            return;
        }
        let (_, recipient, pin) = self.waiting.remove(0);
        let opened = self
            .locker
            .pickup_pin(KIOSK, Some(recipient), &pin)
            .unwrap();
        for door in opened {
            let hw = self.locker.hardware_mut();
            hw.open_door(door).unwrap();
            while hw.parcel_count(door).unwrap() > 0 {
                hw.take_parcel(door).unwrap();
            }
            hw.close_door(door).unwrap();
            self.locker.door_closed(door).unwrap();
            self.waiting.retain(|(d, _, _)| *d != door);
        }
        self.events();
    }

    fn advance(&mut self, by_s: u64) {
        let mut left_s = by_s;
        while left_s > 0 {
            let step_s = left_s.min(HOUR_S);
            self.locker.hardware_mut().advance_s(step_s);
            self.locker.tick().unwrap();
            left_s -= step_s;
        }
        self.events();
    }
}

fn state_of(locker: &FlashLocker) -> LockerState {
    locker.state().clone()
}

#[test]
fn a_bounded_region_compacts_for_good_and_restores_the_same_locker() {
    let mut site = Site::new(256 * 1024);
    for day in 0..40_u64 {
        for n in 0..12 {
            site.drop_off(10 + (day * 7 + n) % 90);
        }
        for _ in 0..10 {
            site.pick_up_oldest();
        }
        site.advance(DAY_S);
        let usage = site.locker.journal().usage();
        assert!(usage.used_bytes <= usage.half_bytes);
    }
    assert!(site.compactions >= 3, "{} compactions", site.compactions);

    let live = state_of(&site.locker);
    let waiting = site.waiting.clone();
    let (hardware, flash) = power_off(site.locker);
    let restored = open(flash, hardware);
    assert_eq!(state_of(&restored), live);
    assert!(
        restored
            .restore_report()
            .unwrap()
            .snapshot_through
            .is_some()
    );

    // A PIN issued before the last compaction opens its door after it.
    let mut site = Site::from(restored);
    site.waiting = waiting;
    let (door, recipient, pin) = site.waiting[0].clone();
    let opened = site
        .locker
        .pickup_pin(KIOSK, Some(recipient), &pin)
        .unwrap();
    assert!(opened.contains(&door));
}

#[test]
fn a_power_cut_while_a_blank_region_is_formatted_never_leaves_it_damaged() {
    // The first record formats the region. Cut the power after every byte
    // of that; a second cut after every byte of the next try; the region
    // must open each time, never as damaged.
    let blank = MemoryFlash::new(64 * 1024, 1024);
    let (_, whole) = power_off(open(blank.clone(), board()));
    let first = contents(&whole).records.remove(0);
    let moved = whole.written_bytes() + whole.erased_blocks() * 1024;
    let cuts: Vec<u64> = (0..=moved)
        .filter(|cut| *cut < 64 || moved - cut < 64 || cut % 97 == 0)
        .collect();
    let append_cut = |chip: MemoryFlash, cut: u64| {
        let mut chip = chip;
        chip.cut_power_after(cut);
        let capacity = chip.capacity_bytes();
        let (mut journal, _) = FlashJournal::open::<Entry>(chip, flash_config(capacity)).unwrap();
        let _ = journal.append(&first);
        let mut chip = journal.into_flash();
        chip.restore_power();
        chip
    };
    for &cut in &cuts {
        let once = append_cut(blank.clone(), cut);
        for second in [0, 1, 30, 52, 53, 100, moved / 2, moved - 1, moved] {
            let twice = append_cut(once.clone(), second);
            let found = FlashJournal::open::<Entry>(twice.clone(), flash_config(64 * 1024))
                .map(|(_, found)| found.records.len())
                .map_err(|error| error.code());
            // Nothing, the record, or (both appends whole) the record twice.
            assert!(
                matches!(found, Ok(0..=2)),
                "cuts after {cut} and {second} bytes: {found:?}"
            );
        }
        // And a locker starts (or goes on) there, and comes back as it was
        // after a record it acknowledged: a first header committed with
        // its first frame cut short must not start the journal with a
        // snapshot of nothing.
        let mut locker = open(once, board());
        locker.hold(RecipientId(7), T0 + DAY_S).unwrap();
        let live = state_of(&locker);
        let (hardware, chip) = power_off(locker);
        assert_eq!(
            state_of(&open(chip, hardware)),
            live,
            "cut after {cut} bytes"
        );
    }
}

#[test]
fn three_power_cuts_in_the_first_format_never_leave_the_region_damaged() {
    // Cut while the first header goes into half A, again while it goes
    // into half B, then while the third try erases a half: the junk an
    // erase cut short leaves must not make the region look damaged, and
    // the next try must format it.
    let blank = MemoryFlash::new(16 * 1024, 1024);
    let (_, whole) = power_off(open(blank.clone(), board()));
    let first = contents(&whole).records.remove(0);
    let half = 8 * 1024_u64;
    let append_cut = |chip: &MemoryFlash, cut: u64| {
        let mut chip = chip.clone();
        chip.cut_power_after(cut);
        let (mut journal, _) = FlashJournal::open::<Entry>(chip, flash_config(16 * 1024)).unwrap();
        let _ = journal.append(&first);
        let mut chip = journal.into_flash();
        chip.restore_power();
        chip
    };
    for a in [0_u64, 1, 20, 52] {
        let once = append_cut(&blank, a);
        for b in [0_u64, 1, 20, 52] {
            let twice = append_cut(&once, b);
            for c in [0, 1, 52, 53, 100, 300, 511, 600, half - 1, half, half + 52] {
                let thrice = append_cut(&twice, c);
                let found = FlashJournal::open::<Entry>(thrice.clone(), flash_config(16 * 1024))
                    .map(|(_, found)| found.records.len())
                    .map_err(|error| error.code());
                assert!(matches!(found, Ok(0..=1)), "cuts {a}, {b}, {c}: {found:?}");
                let whole = append_cut(&thrice, u64::MAX);
                assert!(
                    !contents(&whole).records.is_empty(),
                    "cuts {a}, {b}, {c}: the next try formats"
                );
            }
        }
    }
}

#[test]
fn a_compaction_right_after_a_pickup_restores() {
    // A PIN spent at a pickup keeps its record, without doors, until the
    // hourly prune: a snapshot taken in between must read back.
    let mut site = Site::new(128 * 1024);
    site.drop_off(21);
    site.drop_off(22);
    site.pick_up_oldest();
    assert!(site.locker.compact().unwrap());
    let live = state_of(&site.locker);
    let (hardware, flash) = power_off(site.locker);
    assert_eq!(state_of(&open(flash, hardware)), live);
}

#[test]
fn the_chain_runs_on_across_a_compaction_and_the_previous_half_is_readable() {
    let mut site = Site::new(256 * 1024);
    for n in 0..5 {
        site.drop_off(20 + n);
    }
    let before = site.locker.chain();
    assert!(site.locker.compact().unwrap());
    assert!(site.events().iter().any(|event| matches!(
        event,
        Event::JournalCompacted { through_seq: Some(seq), .. } if *seq + 1 == before.next_seq
    )));
    site.drop_off(30);
    let live_tail = site.locker.journal_mut().records::<Entry>().unwrap();
    let (hardware, mut flash) = power_off(site.locker);
    let found = contents(&flash);
    let snapshot = Snapshot::from_stored(found.snapshot.as_ref().unwrap()).unwrap();
    assert_eq!(snapshot.chain, before);
    snapshot.verify(&keys(), false).unwrap();
    // The tail links to the snapshot and verifies from it.
    let ring = keys();
    let trust = Trust {
        start: Some(snapshot.chain),
        ..Trust::with_keys(&ring)
    };
    verify(&found.records, &trust).unwrap();
    assert_eq!(live_tail, found.records);
    // The history before the snapshot is still there for export.
    let capacity = flash.capacity_bytes();
    let (mut journal, _) =
        FlashJournal::open::<Entry>(flash.clone(), flash_config(capacity)).unwrap();
    let history = journal.previous::<Entry>().unwrap();
    assert_eq!(history.len() as u64, before.next_seq);
    verify(&history, &Trust::with_keys(&keys())).unwrap();
    flash.restore_power();
    open(flash, hardware);
}

/// Runs `operation` on a locker reopened from `flash` with the power cut
/// after every possible number of bytes, then checks that the reopened
/// locker is the one before or the one after, and that it goes on.
fn sweep_power_cuts(
    flash: &MemoryFlash,
    hardware: &SimulatedHardware,
    stride: u64,
    operation: &dyn Fn(&mut FlashLocker),
) -> (usize, usize) {
    let before = state_of(&open(flash.clone(), hardware.clone()));
    let worn = |chip: &MemoryFlash| chip.written_bytes() + chip.erased_blocks() * u64::from(BLOCK);
    // The whole operation, uncut, says how many bytes it moves.
    let mut whole = open(flash.clone(), hardware.clone());
    operation(&mut whole);
    let after = state_of(&whole);
    assert_ne!(before, after, "the operation must change something");
    let moved = worn(whole.journal().flash()) - worn(flash);
    let (mut saw_before, mut saw_after) = (0, 0);
    let mut cut = 0;
    while cut <= moved {
        let mut chip = flash.clone();
        chip.cut_power_after(cut);
        let mut locker = open(chip, hardware.clone());
        operation(&mut locker);
        let (board, chip) = power_off(locker);
        let mut reopened = open(chip, board);
        let state = state_of(&reopened);
        if state == before {
            saw_before += 1;
        } else if state == after {
            saw_after += 1;
        } else {
            let diff: Vec<String> = format!("{state:#?}")
                .lines()
                .zip(format!("{before:#?}").lines())
                .filter(|(a, b)| a != b)
                .take(6)
                .map(|(a, b)| format!("{a} | {b}"))
                .collect();
            panic!("a cut after {cut} of {moved} bytes left a third state: {diff:?}");
        }
        // The journal goes on, compacting first when the cut tore it.
        reopened.hold(RecipientId(77), T0 + 400 * DAY_S).unwrap();
        let (board, chip) = power_off(reopened);
        let again = open(chip, board);
        assert_eq!(
            again.state().holds().get(&RecipientId(77)).copied(),
            Some(T0 + 400 * DAY_S)
        );
        cut = next_cut(cut, moved, u64::from(flash.capacity_bytes()) / 2, stride);
    }
    assert!(
        saw_after > 0,
        "{saw_before} cuts of {moved} bytes all left the locker as before"
    );
    (saw_before, saw_after)
}

/// The next byte count to cut the power after: every one near the start,
/// around the end of an erase of one half (where a compaction starts
/// writing) and near the end (the header's commit byte, the record after
/// it), a stride apart elsewhere.
fn next_cut(cut: u64, moved: u64, half: u64, stride: u64) -> u64 {
    let dense = [
        0..32,
        half.saturating_sub(4)..half + 16,
        moved.saturating_sub(64)..moved + 1,
    ];
    let next = cut + 1;
    if dense.iter().any(|window| window.contains(&next)) {
        return next;
    }
    let strided = cut + stride;
    dense
        .iter()
        .map(|window| window.start)
        .filter(|start| *start > cut && *start < strided)
        .min()
        .unwrap_or(strided)
}

fn busy_flash() -> (MemoryFlash, SimulatedHardware) {
    let mut site = Site::new(128 * 1024);
    for n in 0..8 {
        site.drop_off(40 + n);
    }
    let (hardware, flash) = power_off(site.locker);
    (flash, hardware)
}

#[test]
fn a_power_cut_at_any_byte_of_an_append_loses_nothing_acknowledged() {
    let (flash, hardware) = busy_flash();
    let (before, after) = sweep_power_cuts(&flash, &hardware, 1, &|locker| {
        let _ = locker.hold(RecipientId(5), T0 + 100 * DAY_S);
    });
    assert!(before > 0 && after > 0);
}

#[test]
fn a_power_cut_at_any_byte_of_a_compaction_loses_nothing() {
    let (flash, hardware) = busy_flash();
    let (before, after) = sweep_power_cuts(&flash, &hardware, 4999, &|locker| {
        // The compaction, then a record in the new half.
        if locker.compact().is_ok() {
            let _ = locker.hold(RecipientId(5), T0 + 100 * DAY_S);
        }
    });
    assert!(before > 0 && after > 0);
}

/// A copy of `flash` whose journal an attacker with the chip rewrote
/// through the journal's own code: `forge` changes the contents, which
/// are written back as a newer half.
fn forged_chip(
    flash: &MemoryFlash,
    forge: impl FnOnce(&mut FlashJournal<MemoryFlash>, &mut FlashContents<Entry>),
) -> MemoryFlash {
    let capacity = flash.capacity_bytes();
    let (mut journal, mut found) =
        FlashJournal::open::<Entry>(flash.clone(), flash_config(capacity)).unwrap();
    forge(&mut journal, &mut found);
    journal.into_flash()
}

#[test]
fn a_forged_snapshot_or_record_on_the_chip_is_refused() {
    let mut site = Site::new(128 * 1024);
    for n in 0..4 {
        site.drop_off(50 + n);
    }
    site.locker.compact().unwrap();
    site.drop_off(60);
    let (hardware, flash) = power_off(site.locker);

    // Recipient 50's parcels given to recipient 99 in the snapshot, which
    // is written again as the start of a newer half.
    let forged = forged_chip(&flash, |journal, found| {
        let json = String::from_utf8(
            locker_core::journal::compact::decode_to_json(found.snapshot.as_ref().unwrap())
                .unwrap(),
        )
        .unwrap();
        let edited = json.replace("\"recipient\":50", "\"recipient\":99");
        assert_ne!(json, edited);
        JournalSink::<Entry>::compact(journal, edited.as_bytes()).unwrap();
    });
    let error = open_with(forged, hardware.clone(), FlashChecks::default()).unwrap_err();
    assert!(
        matches!(error, LockerError::Journal(JournalError::Forged { .. })),
        "{error:?}"
    );

    // A record appended with a recomputed hash but no key.
    let forged = forged_chip(&flash, |journal, found| {
        let mut record = found.records.last().unwrap().clone();
        record.seq += 1;
        record.prev = record.hash;
        record.at_s += 60;
        record.hash = record.compute_hash();
        journal.append(&record).unwrap();
    });
    let error = open_with(forged, hardware.clone(), FlashChecks::default()).unwrap_err();
    assert!(
        matches!(error, LockerError::Journal(JournalError::Forged { .. })),
        "{error:?}"
    );

    // A wiped chip is refused when the back end holds a head.
    let head = open(flash.clone(), hardware.clone()).head();
    let wiped = MemoryFlash::new(flash.capacity_bytes(), BLOCK);
    let error = open_with(
        wiped,
        hardware,
        FlashChecks {
            expected_head: head,
            ..FlashChecks::default()
        },
    )
    .unwrap_err();
    assert!(matches!(
        error,
        LockerError::Journal(JournalError::RolledBack { .. })
    ));
}

#[test]
fn a_flipped_byte_anywhere_is_refused_or_changes_nothing() {
    let mut site = Site::new(64 * 1024);
    for n in 0..3 {
        site.drop_off(70 + n);
    }
    site.locker.compact().unwrap();
    site.drop_off(80);
    site.pick_up_oldest();
    let live = state_of(&site.locker);
    let head = site.locker.head();
    let (hardware, flash) = power_off(site.locker);
    let checks = FlashChecks {
        expected_head: head,
        ..FlashChecks::default()
    };
    let mut refused = 0;
    // Both halves' written bytes, a stride apart, and the erased bytes
    // just after the tail.
    let half = flash.capacity_bytes() as usize / 2;
    let written = |base: usize| {
        let end = flash.bytes()[base..base + half]
            .iter()
            .rposition(|byte| *byte != 0xFF)
            .map_or(0, |last| last + 16);
        (base..base + end).step_by(41)
    };
    for at in written(0).chain(written(half)) {
        let mut chip = flash.clone();
        chip.bytes_mut()[at] ^= 0x10;
        match open_with(chip, hardware.clone(), checks) {
            Err(_) => refused += 1,
            Ok(locker) => assert_eq!(state_of(&locker), live, "a flip at byte {at} went unseen"),
        }
    }
    assert!(refused > 50, "{refused}");
}

#[test]
fn a_region_that_is_not_two_halves_is_refused_and_a_full_half_says_so() {
    let odd = MemoryFlash::new(3 * BLOCK, BLOCK);
    assert!(matches!(
        FlashJournal::open::<Entry>(odd, FlashConfig::for_capacity(3 * BLOCK)),
        Err(FlashError::Layout { .. })
    ));
    let (mut journal, _) =
        FlashJournal::open::<Entry>(MemoryFlash::new(2 * BLOCK, BLOCK), flash_config(2 * BLOCK))
            .unwrap();
    let snapshot = crate::common::incompressible_json_string(5000);
    let error = JournalSink::<Entry>::compact(&mut journal, snapshot.as_bytes()).unwrap_err();
    assert_eq!(error.code(), "flash_full");
    assert_eq!(
        journal.usage().generation,
        0,
        "the region is as it was: blank"
    );
    assert!(journal.flash().bytes().iter().all(|byte| *byte == 0xFF));

    // A region that holds data but no journal is not formatted over.
    let mut used = MemoryFlash::new(4 * BLOCK, BLOCK);
    used.bytes_mut()[300] = 0x42;
    let error = FlashJournal::open::<Entry>(used, flash_config(4 * BLOCK))
        .map(|_| ())
        .unwrap_err();
    assert_eq!(error.code(), "flash_damaged");
    // Nor is one whose only journal lost its header.
    let mut site = Site::new(64 * 1024);
    site.drop_off(30);
    let (_, mut flash) = power_off(site.locker);
    flash.bytes_mut()[0] ^= 0x01;
    let error = FlashJournal::open::<Entry>(flash, flash_config(64 * 1024))
        .map(|_| ())
        .unwrap_err();
    assert_eq!(error.code(), "flash_damaged");
}

/// The library's own building simulation (300 units at 20 parcels a unit
/// a month, the main job's building) written onto a bounded region as a
/// locker would write it: every record appended, a sealed snapshot of the
/// state so far whenever the journal asks for a compaction. The region
/// never holds more than a half; every compaction's snapshot verifies;
/// and the chip, opened as a locker at the end, is the simulated locker.
/// (A year of it is `flash_budget` in the benchmarks: 76 compactions in
/// 1 MiB.)
#[test]
fn a_simulated_building_stays_inside_its_flash_and_restores_as_it_ran() {
    use locker_core::bank::default_bank;
    use locker_core::journal::Chain;
    use locker_core::sim::{Building, simulate_locker};

    let capacity = 256 * 1024;
    let building = Building {
        units: 300,
        days: 14,
        start_day_of_year: 304,
        start_weekday: 6,
        seed: 7,
        ..Building::default()
    };
    let run = simulate_locker(&building, &default_bank()).unwrap();
    let keys = run.locker.keys().clone();
    let records = run.locker.journal().records();
    let (mut journal, _) =
        FlashJournal::open::<Entry>(MemoryFlash::new(capacity, BLOCK), flash_config(capacity))
            .unwrap();
    let mut state = LockerState::from_entry(&records[0].entry, records[0].at_s).unwrap();
    let mut chain = Chain::new();
    let mut compactions = 0;
    for (index, record) in records.iter().enumerate() {
        if index > 0 && JournalSink::<Entry>::wants_compaction(&journal) {
            let mut snapshot = state.snapshot(chain);
            snapshot.seal(&keys).unwrap();
            let json = serde_json::to_vec(&snapshot).unwrap();
            Snapshot::from_json_bytes(&json)
                .unwrap()
                .verify(&keys, false)
                .unwrap();
            JournalSink::<Entry>::compact(&mut journal, &json).unwrap();
            compactions += 1;
        }
        journal.append(record).unwrap();
        if index > 0 {
            state.apply(&record.entry, record.at_s).unwrap();
        }
        chain.advance(record);
        let usage = journal.usage();
        assert!(
            usage.used_bytes <= usage.half_bytes,
            "record {index}: {} B used of a {} B half",
            usage.used_bytes,
            usage.half_bytes
        );
    }
    assert!(compactions >= 3, "{compactions} compactions");
    assert_eq!(&state, run.locker.state());

    // Power on with the board's clock where the journal stopped.
    let last_at_s = records.last().unwrap().at_s;
    let bank = default_bank();
    let doors = bank.compartments.iter().map(|c| c.id);
    let hardware = SimulatedHardware::new(doors, 9).with_now_s(last_at_s);
    let flash = journal.into_flash();
    let (journal, contents) = FlashJournal::open::<Entry>(flash, flash_config(capacity)).unwrap();
    assert!(contents.snapshot.is_some());
    let restored = Locker::open_flash(
        config(),
        keys,
        hardware,
        journal,
        &contents,
        FlashChecks::default(),
    )
    .unwrap();
    assert_eq!(restored.state(), run.locker.state());
}

/// Bytes the sealed snapshot of a full 120-door bank takes on flash (the
/// storage encoding, compressed): every door holding one parcel of its own
/// resident, each with its PIN and QR token, under 32 KB; it reads back
/// to the same snapshot, which verifies. The figure is
/// printed for BENCHMARKS.md (`cargo test -p locker-core --test it
/// full_120 -- --nocapture`).
#[test]
fn the_snapshot_of_a_full_120_door_bank_stays_within_its_budget() {
    use locker_core::bank::{CompartmentSpec, DoorPosition};
    use locker_core::journal::compact::{decode_to_json, encode_json, encode_snapshot};

    let mut config = LockerConfig::default();
    let template = config.bank.compartments[0].clone();
    config.bank.ada_compliant = false;
    config.bank.policy.reserve_largest = 0;
    config.bank.compartments = (1..=120_u32)
        .map(|id| CompartmentSpec {
            id: CompartmentId(id),
            label: format!("D{id}"),
            size_class: String::from("M"),
            inner: Dimensions::new(400, 600, 300),
            position: DoorPosition {
                column: u16::try_from(id / 10).unwrap(),
                row: u16::try_from(id % 10).unwrap(),
            },
            operable_height_mm: None,
            ..template.clone()
        })
        .collect();
    let doors = config.bank.compartments.iter().map(|c| c.id);
    let hardware = SimulatedHardware::new(doors, 5).with_now_s(T0);
    let flash = MemoryFlash::new(1 << 20, BLOCK);
    let (journal, _) = FlashJournal::open::<Entry>(flash, flash_config(1 << 20)).unwrap();
    let mut locker = Locker::with_keys(config, keys(), hardware, journal).unwrap();
    let code = locker.issue_courier_code(CarrierId(1), DAY_S).unwrap();
    let session = locker.courier_sign_in(KIOSK, code.expose()).unwrap();
    for n in 0..120_u64 {
        let parcel = Parcel::new(ParcelId(1_000 + n), Dimensions::new(300, 200, 100), 1_500);
        let DropOff::Opened { compartment, .. } = locker
            .deposit(&session, Request::new(parcel, RecipientId(100 + n)))
            .unwrap()
        else {
            panic!("door {n} refused");
        };
        let hw = locker.hardware_mut();
        hw.open_door(compartment).unwrap();
        hw.put_parcel(compartment).unwrap();
        hw.close_door(compartment).unwrap();
        locker.door_closed(compartment).unwrap();
        locker.take_events();
    }
    let snapshot = locker.snapshot();
    assert_eq!(snapshot.stored.len(), 120);
    let json = serde_json::to_vec(&snapshot).unwrap();
    let uncompressed = encode_json(&json).unwrap();
    let stored = encode_snapshot(&json).unwrap();
    println!(
        "snapshot of a full 120-door bank: {} B stored ({} B before compression, {} B as JSON)",
        stored.len(),
        uncompressed.len(),
        json.len()
    );
    assert!(stored.len() < 32_000, "{} B stored", stored.len());
    let back = Snapshot::from_stored(&stored).unwrap();
    assert_eq!(back, snapshot);
    assert_eq!(
        Snapshot::from_json_bytes(&decode_to_json(&stored).unwrap()).unwrap(),
        snapshot
    );
    back.verify(&keys(), false).unwrap();
    // What the chip holds after a compaction is that encoding.
    assert!(locker.compact().unwrap());
    let usage = locker.journal().usage();
    assert!(usage.used_bytes < 32_000 + 64, "{usage:?}");
}

/// A storage that takes encoded snapshots and answers `Ok(false)`: it
/// counts what it is asked, and keeps its records in memory.
#[derive(Default)]
struct DecliningStorage {
    records: Vec<locker_core::journal::Record<Entry>>,
    encoded_asked: usize,
    json_asked: usize,
    /// Whether it asks for a compaction before every record.
    wants: bool,
}

impl JournalSink<Entry> for DecliningStorage {
    type Error = core::convert::Infallible;

    fn append(&mut self, record: &locker_core::journal::Record<Entry>) -> Result<(), Self::Error> {
        self.records.push(record.clone());
        Ok(())
    }

    fn compact(&mut self, _snapshot: &[u8]) -> Result<bool, Self::Error> {
        self.json_asked += 1;
        Ok(true)
    }

    fn wants_compaction(&self) -> bool {
        self.wants
    }

    fn takes_encoded_snapshots(&self) -> bool {
        true
    }

    fn compact_encoded(&mut self, _stored: &[u8]) -> Result<bool, Self::Error> {
        self.encoded_asked += 1;
        Ok(false)
    }
}

/// A storage that asks for compactions and declines each: every record
/// is still journaled (asking once before it, as the trait docs warn),
/// never the JSON way, and the journal verifies.
#[test]
fn a_storage_that_wants_compaction_but_declines_still_journals() {
    let storage = DecliningStorage {
        wants: true,
        ..DecliningStorage::default()
    };
    let mut locker = Locker::with_keys(config(), keys(), board(), storage).unwrap();
    let asked_at_start = locker.journal().encoded_asked;
    let journaled_at_start = locker.journal().records.len();
    let code = locker.issue_courier_code(CarrierId(1), DAY_S).unwrap();
    locker.courier_sign_in(KIOSK, code.expose()).unwrap();
    let journaled = locker.journal().records.len() - journaled_at_start;
    assert!(journaled >= 2);
    assert_eq!(locker.journal().encoded_asked - asked_at_start, journaled);
    assert_eq!(locker.journal().json_asked, 0);
    verify(&locker.journal().records, &Trust::with_keys(&keys())).unwrap();
}

/// A storage that takes encoded snapshots answers for itself: `Ok(false)`
/// is "not compacted", the snapshot is not sent again as JSON (so an
/// image with only such a storage never links the JSON route), no event
/// says it compacted, and the journal runs on unchanged.
#[test]
fn a_declined_encoded_compaction_is_not_tried_the_json_way() {
    let hardware = board();
    let mut locker =
        Locker::with_keys(config(), keys(), hardware, DecliningStorage::default()).unwrap();
    let code = locker.issue_courier_code(CarrierId(1), DAY_S).unwrap();
    locker.take_events();
    let before = locker.journal().records.len();
    assert!(!locker.compact().unwrap());
    assert_eq!(locker.journal().encoded_asked, 1);
    assert_eq!(locker.journal().json_asked, 0);
    assert!(
        !locker
            .take_events()
            .iter()
            .any(|event| matches!(event, Event::JournalCompacted { .. }))
    );
    assert_eq!(locker.journal().records.len(), before);
    // The journal runs on: a courier signs in, journaled after the rest.
    locker.courier_sign_in(KIOSK, code.expose()).unwrap();
    let records = &locker.journal().records;
    assert!(records.len() > before);
    verify(records, &Trust::with_keys(&keys())).unwrap();
}
