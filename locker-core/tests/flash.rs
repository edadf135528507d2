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
    let (hardware, mut flash) = power_off(site.locker);
    let found = contents(&flash);
    let snapshot = Snapshot::from_json_bytes(found.snapshot.as_ref().unwrap()).unwrap();
    assert_eq!(snapshot.chain, before);
    snapshot.verify(&keys(), false).unwrap();
    // The tail links to the snapshot and verifies from it.
    let ring = keys();
    let trust = Trust {
        start: Some(snapshot.chain),
        ..Trust::with_keys(&ring)
    };
    verify(&found.records, &trust).unwrap();
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
        // Every byte near the start and the end, a stride between.
        let last_stretch = moved.saturating_sub(64);
        cut = if cut < 64 || cut >= last_stretch {
            cut + 1
        } else {
            (cut + stride).min(last_stretch)
        };
    }
    assert!(
        saw_after > 0,
        "{saw_before} cuts of {moved} bytes all left the locker as before"
    );
    (saw_before, saw_after)
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
    let (before, after) = sweep_power_cuts(&flash, &hardware, 97, &|locker| {
        // The compaction, then a record in the new half.
        if locker.compact().is_ok() {
            let _ = locker.hold(RecipientId(5), T0 + 100 * DAY_S);
        }
    });
    assert!(before > 0 && after > 0);
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
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

    // Someone with the chip gives recipient 50's parcels to recipient 99
    // in the snapshot, keeping the length.
    // The snapshot is in the second half, written by the compaction.
    let mut forged = flash.clone();
    let half = forged.bytes().len() / 2;
    let at = half + find(&forged.bytes()[half..], b"\"recipient\":50").unwrap();
    forged.bytes_mut()[at + 12..at + 14].copy_from_slice(b"99");
    let error = open_with(forged, hardware.clone(), FlashChecks::default()).unwrap_err();
    assert!(
        matches!(error, LockerError::Journal(JournalError::Forged { .. })),
        "{error:?}"
    );

    // A record of the tail edited the same way.
    let mut forged = flash.clone();
    let at = half + find(&forged.bytes()[half..], b"\"recipient\":60").unwrap();
    forged.bytes_mut()[at + 12..at + 14].copy_from_slice(b"61");
    assert!(open_with(forged, hardware.clone(), FlashChecks::default()).is_err());

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
fn a_region_that_is_not_two_halves_is_refused_and_a_full_half_says_so() {
    let odd = MemoryFlash::new(3 * BLOCK, BLOCK);
    assert!(matches!(
        FlashJournal::open::<Entry>(odd, FlashConfig::for_capacity(3 * BLOCK)),
        Err(FlashError::Layout { .. })
    ));
    let (mut journal, _) =
        FlashJournal::open::<Entry>(MemoryFlash::new(2 * BLOCK, BLOCK), flash_config(2 * BLOCK))
            .unwrap();
    let snapshot = vec![b'x'; 5000];
    let error = JournalSink::<Entry>::compact(&mut journal, &snapshot).unwrap_err();
    assert_eq!(error.code(), "flash_full");
    assert_eq!(journal.usage().generation, 1, "the journal is as it was");
}
