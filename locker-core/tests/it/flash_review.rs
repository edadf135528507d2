//! Review probes of the journal on raw flash, as an attacker and a
//! property analyst: power cuts in a row (first format, compaction, a
//! locker running on after a torn frame), a chip rewritten by someone
//! without the keys (frames moved, headers edited, an older half or
//! snapshot presented as the newer), bytes that must not panic (fuzzed
//! chips, a flash whose calls fail, odd layouts, offsets near
//! `u32::MAX`), and compaction (a long busy run in a small region, a
//! snapshot too big, `previous()`, generation wrap-around).
//!
//! Four of these found defects, fixed since: an edited header chain, a
//! compaction or frame whose commit write failed yet programmed, and an
//! erase block of 2 GiB or more.

#![allow(
    clippy::unwrap_used,
    clippy::std_instead_of_alloc,
    clippy::std_instead_of_core,
    clippy::cast_possible_truncation
)]

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::rc::Rc;

use locker_core::RecipientId;
use locker_core::credential::{CarrierId, KeyRing};
use locker_core::hardware::SimulatedHardware;
use locker_core::journal::flash::{
    Flash, FlashConfig, FlashContents, FlashError, FlashJournal, MemoryFlash,
};
use locker_core::journal::{Chain, Head, JournalError, JournalSink, Record};
use locker_core::locker::{
    DAY_S, Entry, FlashChecks, HOUR_S, Locker, LockerConfig, LockerError, LockerState, Snapshot,
    replay_from,
};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

const T0: u64 = 1_700_000_000;
const BLOCK: u32 = 1024;
/// A time every hold is set until: far in the future of every probe.
const FAR_S: u64 = T0 + 10_000 * DAY_S;

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

// ---------------------------------------------------------------------
// A chip the test keeps a hand on (even when a failed open drops the
// journal), which can also fail its Nth call.
// ---------------------------------------------------------------------

/// What the Nth call of a [`Chip`] does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Fault {
    /// Fails without touching the flash.
    Refuse,
    /// Does the write or erase, then reports a failure (a driver whose
    /// verify timed out: "the bytes may then be written in part").
    DoThenFail,
}

#[derive(Clone)]
struct Chip {
    inner: Rc<RefCell<MemoryFlash>>,
    calls: Rc<Cell<u64>>,
    fail: Option<(u64, Fault)>,
    /// Only writes of this many bytes fail (None: any call).
    only_len: Option<usize>,
}

impl Chip {
    fn new(flash: MemoryFlash) -> Self {
        Self {
            inner: Rc::new(RefCell::new(flash)),
            calls: Rc::new(Cell::new(0)),
            fail: None,
            only_len: None,
        }
    }

    fn failing(flash: MemoryFlash, at: u64, fault: Fault) -> Self {
        Self {
            fail: Some((at, fault)),
            ..Self::new(flash)
        }
    }

    fn snapshot(&self) -> MemoryFlash {
        let mut flash = self.inner.borrow().clone();
        flash.restore_power();
        flash
    }

    /// Counts a call; `Some(fault)` when this one must fail.
    fn tick(&self, len: usize) -> Option<Fault> {
        if self.only_len.is_some_and(|only| only != len) {
            return None;
        }
        let n = self.calls.get();
        self.calls.set(n + 1);
        self.fail.filter(|(at, _)| *at == n).map(|(_, fault)| fault)
    }
}

impl Flash for Chip {
    type Error = String;

    fn capacity_bytes(&self) -> u32 {
        self.inner.borrow().capacity_bytes()
    }

    fn erase_block_bytes(&self) -> u32 {
        self.inner.borrow().erase_block_bytes()
    }

    fn read(&mut self, offset: u32, buf: &mut [u8]) -> Result<(), String> {
        if self.only_len.is_none() && self.tick(buf.len()).is_some() {
            return Err("read fault".into());
        }
        self.inner
            .borrow_mut()
            .read(offset, buf)
            .map_err(|e| e.to_string())
    }

    fn write(&mut self, offset: u32, bytes: &[u8]) -> Result<(), String> {
        match self.tick(bytes.len()) {
            Some(Fault::Refuse) => Err("write fault".into()),
            Some(Fault::DoThenFail) => {
                self.inner
                    .borrow_mut()
                    .write(offset, bytes)
                    .map_err(|e| e.to_string())?;
                Err("write verify fault".into())
            }
            None => self
                .inner
                .borrow_mut()
                .write(offset, bytes)
                .map_err(|e| e.to_string()),
        }
    }

    fn erase(&mut self, offset: u32, len: u32) -> Result<(), String> {
        if self.only_len.is_some() {
            return self
                .inner
                .borrow_mut()
                .erase(offset, len)
                .map_err(|e| e.to_string());
        }
        match self.tick(len as usize) {
            Some(Fault::Refuse) => Err("erase fault".into()),
            Some(Fault::DoThenFail) => {
                self.inner
                    .borrow_mut()
                    .erase(offset, len)
                    .map_err(|e| e.to_string())?;
                Err("erase verify fault".into())
            }
            None => self
                .inner
                .borrow_mut()
                .erase(offset, len)
                .map_err(|e| e.to_string()),
        }
    }
}

type ChipLocker<F> = Locker<SimulatedHardware, FlashJournal<F>>;

fn open_flash_with<F: Flash>(
    flash: F,
    hardware: SimulatedHardware,
    checks: FlashChecks,
) -> Result<ChipLocker<F>, LockerError> {
    let capacity = flash.capacity_bytes();
    let (journal, contents) =
        FlashJournal::open::<Entry>(flash, FlashConfig::for_capacity(capacity)).map_err(
            |error| LockerError::JournalWrite {
                message: error.to_string(),
            },
        )?;
    Locker::open_flash(config(), keys(), hardware, journal, &contents, checks)
}

fn open_with(
    flash: MemoryFlash,
    hardware: SimulatedHardware,
    checks: FlashChecks,
) -> Result<ChipLocker<MemoryFlash>, LockerError> {
    open_flash_with(flash, hardware, checks)
}

fn open(flash: MemoryFlash, hardware: SimulatedHardware) -> ChipLocker<MemoryFlash> {
    open_with(flash, hardware, FlashChecks::default()).unwrap()
}

fn power_off(locker: ChipLocker<MemoryFlash>) -> (SimulatedHardware, MemoryFlash) {
    let (hardware, journal) = locker.into_parts();
    let mut flash = journal.into_flash();
    flash.restore_power();
    (hardware, flash)
}

fn contents(flash: &MemoryFlash) -> FlashContents<Entry> {
    let capacity = flash.capacity_bytes();
    FlashJournal::open::<Entry>(flash.clone(), FlashConfig::for_capacity(capacity))
        .unwrap()
        .1
}

fn state_of<F: Flash>(locker: &ChipLocker<F>) -> LockerState {
    locker.state().clone()
}

fn checks_for(head: Option<Head>) -> FlashChecks {
    FlashChecks {
        expected_head: head,
        ..FlashChecks::default()
    }
}

// ---------------------------------------------------------------------
// Reading the layout from the bytes, as an attacker would.
// ---------------------------------------------------------------------

#[derive(Clone, Copy, Debug)]
struct HeaderAt {
    base: usize,
    generation: u32,
    records_at: usize,
}

fn header_at(bytes: &[u8], base: usize, half: usize) -> Option<HeaderAt> {
    if bytes[base..base + 4] != *b"LKF\x02" {
        return None;
    }
    let word = |at: usize| u32::from_le_bytes(bytes[base + at..base + at + 4].try_into().unwrap());
    let snapshot_len = word(48) as usize;
    if snapshot_len + 53 > half || bytes[base + 52 + snapshot_len] != 0 {
        return None;
    }
    Some(HeaderAt {
        base,
        generation: word(4),
        records_at: 53 + snapshot_len,
    })
}

/// The active half's header and the other half's (if committed).
fn headers(flash: &MemoryFlash) -> (HeaderAt, Option<HeaderAt>) {
    let bytes = flash.bytes();
    let half = bytes.len() / 2;
    let a = header_at(bytes, 0, half);
    let b = header_at(bytes, half, half);
    match (a, b) {
        (Some(a), Some(b)) if b.generation.wrapping_sub(a.generation) < u32::MAX / 2 => {
            (b, Some(a))
        }
        (Some(a), b) => (a, b),
        (None, Some(b)) => (b, None),
        (None, None) => panic!("no header"),
    }
}

/// The committed frames of a half: (offset in the region, bytes).
fn frames(flash: &MemoryFlash, header: HeaderAt) -> Vec<Vec<u8>> {
    let bytes = flash.bytes();
    let half = bytes.len() / 2;
    let mut at = header.records_at;
    let mut found = Vec::new();
    while at + 4 <= half {
        let start = header.base + at;
        let len = u32::from_le_bytes(bytes[start..start + 4].try_into().unwrap()) as usize;
        if len == u32::MAX as usize || at + 5 + len > half || bytes[start + 4 + len] != 0 {
            break;
        }
        found.push(bytes[start..start + 5 + len].to_vec());
        at += 5 + len;
    }
    found
}

/// Rewrites the frames of a half (the rest erased).
fn rewrite_frames(flash: &mut MemoryFlash, header: HeaderAt, new: &[Vec<u8>]) {
    let half = flash.bytes().len() / 2;
    let bytes = flash.bytes_mut();
    let region = &mut bytes[header.base + header.records_at..header.base + half];
    region.fill(0xFF);
    let mut at = 0;
    for frame in new {
        region[at..at + frame.len()].copy_from_slice(frame);
        at += frame.len();
    }
}

fn set_word(flash: &mut MemoryFlash, at: usize, value: u32) {
    flash.bytes_mut()[at..at + 4].copy_from_slice(&value.to_le_bytes());
}

/// A locker on a 64 KiB chip: four holds, a compaction, three holds. The
/// active half holds a snapshot and three frames; the other the first
/// journal. Returns the chip, the board, the live state and head, and the
/// state and head at the compaction.
struct TwoHalves {
    flash: MemoryFlash,
    hardware: SimulatedHardware,
    live: LockerState,
    head: Option<Head>,
    at_compaction: LockerState,
}

fn two_halves(hardware: SimulatedHardware) -> TwoHalves {
    let mut locker = open(MemoryFlash::new(64 * 1024, BLOCK), hardware);
    for n in 0..4 {
        locker.hold(RecipientId(100 + n), FAR_S + n).unwrap();
    }
    assert!(locker.compact().unwrap());
    let at_compaction = state_of(&locker);
    for n in 0..3 {
        locker.hold(RecipientId(200 + n), FAR_S + n).unwrap();
    }
    let live = state_of(&locker);
    let head = locker.head();
    let (hardware, flash) = power_off(locker);
    assert_eq!(frames(&flash, headers(&flash).0).len(), 3);
    TwoHalves {
        flash,
        hardware,
        live,
        head,
        at_compaction,
    }
}

// ---------------------------------------------------------------------
// Promise 2: a chip rewritten without the keys.
// ---------------------------------------------------------------------

/// Moving, duplicating or dropping frames in the middle is refused;
/// dropping frames at the end is a rollback (accepted without checks, as
/// documented) that the exported head detects.
#[test]
fn frames_moved_duplicated_or_dropped_are_refused_and_a_truncation_is_caught_by_the_head() {
    let site = two_halves(board());
    let (active, _) = headers(&site.flash);
    let f = frames(&site.flash, active);
    let refused_orders: [&[usize]; 7] = [
        &[1, 0, 2],
        &[0, 2, 1],
        &[2, 0, 1],
        &[0, 1, 2, 2],
        &[0, 0, 1, 2],
        &[0, 2],
        &[1, 2],
    ];
    for order in refused_orders {
        let mut chip = site.flash.clone();
        let new: Vec<Vec<u8>> = order.iter().map(|i| f[*i].clone()).collect();
        rewrite_frames(&mut chip, active, &new);
        let result = open_with(chip, site.hardware.clone(), FlashChecks::default());
        assert!(
            result.is_err(),
            "frames in order {order:?} were accepted as {:?}",
            result.map(|l| state_of(&l) == site.live)
        );
    }
    // Truncations: an older state the chain cannot tell from a real one.
    for keep in 0..3 {
        let mut chip = site.flash.clone();
        rewrite_frames(&mut chip, active, &f[..keep]);
        let rolled_back = open(chip.clone(), site.hardware.clone());
        assert_ne!(state_of(&rolled_back), site.live);
        if keep == 0 {
            assert_eq!(state_of(&rolled_back), site.at_compaction);
        }
        let error = open_with(chip, site.hardware.clone(), checks_for(site.head)).unwrap_err();
        assert!(
            matches!(error, LockerError::Journal(JournalError::RolledBack { .. })),
            "keep {keep}: {error:?}"
        );
    }
    // The halves swapped, or the active half copied over the older one:
    // nothing changes.
    let half = site.flash.bytes().len() / 2;
    let mut swapped = site.flash.clone();
    swapped.bytes_mut().rotate_left(half);
    let mut copied = site.flash.clone();
    let other = half - active.base;
    copied
        .bytes_mut()
        .copy_within(active.base..active.base + half, other);
    for chip in [swapped, copied] {
        let locker = open_with(chip, site.hardware.clone(), checks_for(site.head)).unwrap();
        assert_eq!(state_of(&locker), site.live);
    }
    // A commit byte cleared on a torn frame (0xF0 -> 0x00 is a legal
    // program) with junk in it: refused, not replayed.
    let mut chip = site.flash.clone();
    let mut junk = f[2].clone();
    junk[6] ^= 0x01;
    rewrite_frames(
        &mut chip,
        active,
        &[f[0].clone(), f[1].clone(), f[2].clone(), junk],
    );
    assert!(open_with(chip, site.hardware.clone(), FlashChecks::default()).is_err());
}

/// The older half presented as the newer (its generation raised), an old
/// dump of the chip written back, or the newer half's header broken so the
/// older is read: each is a rollback to a consistent older state, which
/// the exported head and the board's monotonic counter both detect.
#[test]
fn an_older_half_or_an_old_snapshot_presented_as_newer_is_caught_by_the_head_and_the_counter() {
    for counter in [false, true] {
        let hardware = if counter {
            board().with_monotonic_counter()
        } else {
            board()
        };
        let site = two_halves(hardware);
        let (active, older) = headers(&site.flash);
        let older = older.unwrap();
        let head = if counter { None } else { site.head };

        let mut forged = Vec::new();
        // The older half's generation above the active one's.
        let mut chip = site.flash.clone();
        set_word(&mut chip, older.base + 4, active.generation + 1);
        forged.push(("generation raised", chip));
        // The active header's generation below the older one's.
        let mut chip = site.flash.clone();
        set_word(&mut chip, active.base + 4, older.generation.wrapping_sub(1));
        forged.push(("generation lowered", chip));
        // Both halves at the same generation: the first half wins.
        let mut chip = site.flash.clone();
        set_word(&mut chip, older.base + 4, active.generation);
        forged.push(("generations equal", chip));
        // The active header's commit byte (or magic) broken.
        let mut chip = site.flash.clone();
        chip.bytes_mut()[active.base] = b'X';
        forged.push(("magic broken", chip));
        // The active header's snapshot length changed.
        for delta in [1_u32, 2, 1000] {
            let mut chip = site.flash.clone();
            let len = active.records_at as u32 - 53;
            set_word(&mut chip, active.base + 48, len + delta);
            forged.push(("snapshot length grown", chip));
        }
        for (what, chip) in forged {
            if let Ok(locker) = open_with(chip.clone(), site.hardware.clone(), checks_for(None)) {
                assert_ne!(state_of(&locker), site.live, "{what}: unseen");
                if !counter {
                    assert_eq!(state_of(&locker), site.at_compaction, "{what}");
                }
            }
            let accepted = open_with(chip.clone(), site.hardware.clone(), checks_for(None)).is_ok();
            let error = open_with(chip, site.hardware.clone(), checks_for(head)).unwrap_err();
            assert!(
                !accepted || matches!(error, LockerError::Journal(JournalError::RolledBack { .. })),
                "{what} (counter {counter}): {error:?}"
            );
        }

        // An old dump of the whole chip, and its active half written back
        // over today's with a newer generation.
        let mut locker = open(site.flash.clone(), site.hardware.clone());
        let old_dump = site.flash.clone();
        for n in 0..3 {
            locker.compact().unwrap();
            locker.hold(RecipientId(300 + n), FAR_S).unwrap();
        }
        let head = if counter { None } else { locker.head() };
        let (hardware, today) = power_off(locker);
        let error = open_with(old_dump.clone(), hardware.clone(), checks_for(head)).unwrap_err();
        assert!(
            matches!(error, LockerError::Journal(JournalError::RolledBack { .. })),
            "{error:?}"
        );
        let (old_active, _) = headers(&old_dump);
        let (now_active, _) = headers(&today);
        let half = today.bytes().len() / 2;
        let mut chip = today.clone();
        let other = half - now_active.base;
        chip.bytes_mut()[other..other + half]
            .copy_from_slice(&old_dump.bytes()[old_active.base..old_active.base + half]);
        set_word(&mut chip, other + 4, now_active.generation + 1);
        let error = open_with(chip, hardware, checks_for(head)).unwrap_err();
        assert!(
            matches!(error, LockerError::Journal(JournalError::RolledBack { .. })),
            "{error:?}"
        );
    }
}

/// A first frame made to look torn (its commit byte set) in a journal that
/// was never compacted reads as a blank region: a new locker without
/// checks (the documented rollback to nothing), refused with the head or
/// the counter.
#[test]
fn a_first_frame_made_torn_is_a_wipe_that_the_head_and_the_counter_catch() {
    for counter in [false, true] {
        let hardware = if counter {
            board().with_monotonic_counter()
        } else {
            board()
        };
        let mut locker = open(MemoryFlash::new(32 * 1024, BLOCK), hardware);
        for n in 0..3 {
            locker.hold(RecipientId(n), FAR_S).unwrap();
        }
        let head = if counter { None } else { locker.head() };
        let (hardware, flash) = power_off(locker);
        let (active, other) = headers(&flash);
        assert!(other.is_none());
        let first = frames(&flash, active)[0].len();
        let mut chip = flash.clone();
        chip.bytes_mut()[active.base + active.records_at + first - 1] = 0xF0;
        if !counter {
            let fresh = open(chip.clone(), hardware.clone());
            assert!(fresh.state().holds().is_empty());
        }
        let error = open_with(chip, hardware, checks_for(head)).unwrap_err();
        assert!(
            matches!(error, LockerError::Journal(JournalError::RolledBack { .. })),
            "{error:?}"
        );
    }
}

/// Frames with a length field near `u32::MAX`, or just past what is left
/// of the half, read as torn: nothing panics, the locker restores as it
/// was and goes on.
#[test]
fn length_fields_near_u32_max_read_as_torn() {
    let site = two_halves(board());
    let (active, _) = headers(&site.flash);
    let f = frames(&site.flash, active);
    let half = site.flash.bytes().len() / 2;
    let end = active.records_at + f.iter().map(Vec::len).sum::<usize>();
    let left = (half - end - 4) as u32;
    for length in [
        u32::MAX - 1,
        u32::MAX / 2,
        0x8000_0000,
        left + 1,
        left,
        left - 1,
        0,
    ] {
        let mut chip = site.flash.clone();
        set_word(&mut chip, active.base + end, length);
        let mut locker = match open_with(chip, site.hardware.clone(), FlashChecks::default()) {
            Ok(locker) => locker,
            // A zero-length frame with a commit byte of 0xFF is torn; a
            // committed one is refused. Either way: no panic.
            Err(error) => panic!("length {length}: {error:?}"),
        };
        assert_eq!(state_of(&locker), site.live, "length {length}");
        locker.hold(RecipientId(9), FAR_S).unwrap();
        let live = state_of(&locker);
        let (hardware, chip) = power_off(locker);
        assert_eq!(state_of(&open(chip, hardware)), live, "length {length}");
    }
}

/// Defect: the header's `next_seq`/`head` are not checked against the
/// snapshot's chain. An attacker who edits them in a header with no
/// records after it gets an `open_flash` that succeeds (the snapshot
/// verifies on its own); the locker then acknowledges records that are
/// stored without seq/prev (the storage encoding leaves them out) and are
/// decoded on the next boot from the forged header, so every later boot
/// fails ("forged"): acknowledged records are lost and the locker cannot
/// be restored. Smallest reproduction: compact, add 1 to the active
/// header's `next_seq` (bytes 8..16), open, `hold`, power off, open.
/// Fix: in `FlashJournal::open` (journal/flash/mod.rs), refuse a header
/// whose `start` differs from the chain in its snapshot (or `Chain::new()`
/// without one), e.g. by returning it in `FlashContents` for
/// `Locker::open_flash` to compare with `snapshot.chain`; and/or make
/// `FlashJournal::append` refuse a record whose seq/prev do not continue
/// `self.chain`.
#[test]
fn a_header_chain_edited_after_a_snapshot_is_refused_or_harmless() {
    let mut locker = open(MemoryFlash::new(64 * 1024, BLOCK), board());
    for n in 0..3 {
        locker.hold(RecipientId(n), FAR_S).unwrap();
    }
    locker.compact().unwrap();
    let (hardware, flash) = power_off(locker);
    let (active, _) = headers(&flash);
    for field in ["next_seq", "head"] {
        let mut chip = flash.clone();
        match field {
            "next_seq" => chip.bytes_mut()[active.base + 8] ^= 1,
            _ => chip.bytes_mut()[active.base + 20] ^= 1,
        }
        let Ok(mut locker) = open_with(chip, hardware.clone(), FlashChecks::default()) else {
            continue; // refused: fine
        };
        locker.hold(RecipientId(50), FAR_S).unwrap();
        let live = state_of(&locker);
        let (board, chip) = power_off(locker);
        let reopened = open_with(chip, board, FlashChecks::default());
        assert!(
            reopened.as_ref().is_ok_and(|l| state_of(l) == live),
            "{field} edited: accepted, then an acknowledged record is lost: {:?}",
            reopened.map(|_| ())
        );
    }
}

// ---------------------------------------------------------------------
// Promise 1: power cuts in a row.
// ---------------------------------------------------------------------

/// One call of a busy locker's life: holds, courier codes, time passing,
/// a compaction now and then.
fn step<F: Flash>(locker: &mut ChipLocker<F>, op: u32, n: u64) -> Result<(), LockerError> {
    match op {
        0..=3 => locker.hold(RecipientId(n % 7), FAR_S + n),
        4 => locker.issue_courier_code(CarrierId(1), HOUR_S).map(|_| ()),
        5 | 6 => {
            locker.hardware_mut().advance_s(HOUR_S / 2);
            locker.tick()
        }
        _ => locker.compact().map(|_| ()),
    }
}

/// Many boots of one locker on a small chip, each cut after a random
/// number of bytes (within an append, a compaction, its erase, the first
/// format, or the compaction after a torn frame): every boot restores,
/// and the state is the live one's as of its last call (a record whose
/// write returned an error is never durable on this flash).
#[test]
fn a_locker_cut_again_and_again_at_random_bytes_restores_as_it_was_each_time() {
    for seed in [7, 8, 9] {
        cut_again_and_again(seed);
    }
}

fn cut_again_and_again(seed: u64) {
    let capacity = 16 * 1024;
    let mut rng = StdRng::seed_from_u64(seed);
    let chip = Chip::new(MemoryFlash::new(capacity, BLOCK));
    let mut hardware = board();
    let mut expected: Option<LockerState> = None;
    let mut n = 0_u64;
    let mut cuts = 0;
    for boot in 0..150 {
        // What the chip holds, replayed without writing anything (opening
        // a locker may journal a clock jump).
        let found = contents(&chip.snapshot());
        if let Some(expected) = &expected {
            let snapshot = found
                .snapshot
                .as_deref()
                .map(|bytes| Snapshot::from_stored(bytes).unwrap());
            let state = replay_from(snapshot.as_ref(), &found.records).unwrap();
            if &state != expected {
                let diff: Vec<String> = format!("{state:#?}")
                    .lines()
                    .zip(format!("{expected:#?}").lines())
                    .filter(|(a, b)| a != b)
                    .take(8)
                    .map(|(a, b)| format!("{a} | {b}"))
                    .collect();
                panic!("seed {seed} boot {boot}: stored | live: {diff:#?}");
            }
        }
        let cut = match rng.random_range(0..4) {
            0 => None,
            1 => Some(rng.random_range(0..64_u64)),
            _ => Some(rng.random_range(0..u64::from(capacity))),
        };
        if let Some(cut) = cut {
            chip.inner.borrow_mut().cut_power_after(cut);
        }
        let opened = open_flash_with(chip.clone(), hardware.clone(), FlashChecks::default());
        let mut locker = match opened {
            Ok(locker) => locker,
            Err(error) => {
                // Opening writes (the first format, a clock jump): a cut
                // there fails the open, nothing else does.
                assert!(
                    chip.inner.borrow().power_lost(),
                    "seed {seed} boot {boot} cut {cut:?}: {error:?}"
                );
                chip.inner.borrow_mut().restore_power();
                continue;
            }
        };
        for _ in 0..40 {
            n += 1;
            let op = rng.random_range(0..9_u32);
            if let Err(error) = step(&mut locker, op.min(7), n) {
                assert!(
                    chip.inner.borrow().power_lost(),
                    "seed {seed} boot {boot}: call failed with power on: {error:?}"
                );
                cuts += 1;
                break;
            }
        }
        expected = Some(state_of(&locker));
        let (board, _) = locker.into_parts();
        hardware = board;
        chip.inner.borrow_mut().restore_power();
    }
    assert!(cuts > 30, "{cuts} cuts");
    let generation = contents_usage(&chip.snapshot()).generation;
    assert!(generation > 5, "generation {generation}");
}

fn contents_usage(flash: &MemoryFlash) -> locker_core::journal::flash::FlashUsage {
    let capacity = flash.capacity_bytes();
    FlashJournal::open::<Entry>(flash.clone(), FlashConfig::for_capacity(capacity))
        .unwrap()
        .0
        .usage()
}

/// A torn frame, then the compaction the locker makes before its next
/// record cut at every byte (the erase included), then once more cut at
/// a byte of that retry: each boot restores as before or after, and the
/// locker goes on.
#[test]
fn the_compaction_after_a_torn_frame_survives_two_cuts_in_a_row() {
    let capacity = 16 * 1024;
    let mut locker = open(MemoryFlash::new(capacity, BLOCK), board());
    for n in 0..6 {
        locker.hold(RecipientId(n), FAR_S + n).unwrap();
    }
    locker.compact().unwrap();
    locker.hold(RecipientId(8), FAR_S).unwrap();
    // Tear the next frame after 7 bytes.
    locker.journal_mut().flash_mut().cut_power_after(7);
    assert!(locker.hold(RecipientId(9), FAR_S).is_err());
    let before = state_of(&locker);
    let (hardware, torn) = power_off(locker);
    assert!(contents(&torn).torn_bytes.is_some());

    let op = |locker: &mut ChipLocker<MemoryFlash>| locker.hold(RecipientId(10), FAR_S + 1);
    let mut whole = open(torn.clone(), hardware.clone());
    op(&mut whole).unwrap();
    let after = state_of(&whole);
    let worn = |f: &MemoryFlash| f.written_bytes() + f.erased_blocks() * u64::from(BLOCK);
    let moved = worn(whole.journal().flash()) - worn(&torn);
    let mut cut = 0;
    while cut <= moved {
        let mut chip = torn.clone();
        chip.cut_power_after(cut);
        let mut locker = open(chip, hardware.clone());
        let acked = op(&mut locker).is_ok();
        let (board, chip) = power_off(locker);
        for second in [0, 53, moved / 2] {
            let mut again = chip.clone();
            again.cut_power_after(second);
            let mut locker = open(again, board.clone());
            let state = state_of(&locker);
            assert!(
                state == before || state == after,
                "cut {cut} then boot: third state"
            );
            if acked {
                assert_eq!(state, after, "cut {cut}: acknowledged record lost");
            }
            let acked2 = op(&mut locker).is_ok();
            let live = state_of(&locker);
            let (board2, chip2) = power_off(locker);
            let mut locker = open(chip2, board2);
            assert_eq!(state_of(&locker), live, "cuts {cut}, {second}");
            if acked2 {
                assert_eq!(state_of(&locker), after);
            }
            locker.hold(RecipientId(11), FAR_S).unwrap();
            let live = state_of(&locker);
            let (board3, chip3) = power_off(locker);
            assert_eq!(state_of(&open(chip3, board3)), live, "cuts {cut}, {second}");
        }
        let half = u64::from(capacity / 2);
        let dense = cut < 8 || (half - 4..half + 8).contains(&cut) || moved - cut < 24;
        cut += if dense { 1 } else { 397 };
    }
}

// ---------------------------------------------------------------------
// Promise 3: bad bytes and failing flash never panic.
// ---------------------------------------------------------------------

/// A flash whose Nth call fails without touching anything (a read, a
/// write or an erase): no panic; the locker's calls fail or succeed, and
/// after one more call on a healthy flash the chip restores the live
/// state.
#[test]
fn a_flash_failing_its_nth_call_never_panics_nor_loses_an_acknowledged_record() {
    let base = {
        let mut locker = open(MemoryFlash::new(16 * 1024, BLOCK), board());
        locker.hold(RecipientId(1), FAR_S).unwrap();
        power_off(locker)
    };
    let script = |locker: &mut ChipLocker<Chip>| {
        vec![
            locker.hold(RecipientId(2), FAR_S).is_ok(),
            locker.compact().is_ok(),
            locker.hold(RecipientId(3), FAR_S).is_ok(),
            locker.issue_courier_code(CarrierId(1), HOUR_S).is_ok(),
            locker.compact().is_ok(),
            locker.hold(RecipientId(4), FAR_S).is_ok(),
        ]
    };
    // How many calls the script makes.
    let counting = Chip::new(base.1.clone());
    let mut locker =
        open_flash_with(counting.clone(), base.0.clone(), FlashChecks::default()).unwrap();
    assert!(script(&mut locker).iter().all(|ok| *ok));
    let calls = counting.calls.get();
    for at in 0..calls {
        let chip = Chip::failing(base.1.clone(), at, Fault::Refuse);
        let Ok(mut locker) = open_flash_with(chip.clone(), base.0.clone(), FlashChecks::default())
        else {
            // A read failed while opening: refused, nothing written.
            assert_eq!(chip.snapshot(), base.1);
            continue;
        };
        script(&mut locker);
        // One more call on the healthy flash.
        locker.hold(RecipientId(5), FAR_S).unwrap();
        let live = state_of(&locker);
        let (board, _) = locker.into_parts();
        let restored = open(chip.snapshot(), board);
        assert_eq!(state_of(&restored), live, "call {at} failed");
    }
}

/// A flash whose Nth call does its write or erase and then reports a
/// failure: no panic, and the chip always opens and restores afterwards
/// (the state may differ: see the defect below).
#[test]
fn a_flash_failing_after_doing_its_nth_call_never_leaves_a_region_that_does_not_open() {
    let base = {
        let mut locker = open(MemoryFlash::new(16 * 1024, BLOCK), board());
        locker.hold(RecipientId(1), FAR_S).unwrap();
        power_off(locker)
    };
    for at in 0..120 {
        let chip = Chip::failing(base.1.clone(), at, Fault::DoThenFail);
        let Ok(mut locker) = open_flash_with(chip.clone(), base.0.clone(), FlashChecks::default())
        else {
            continue;
        };
        let _ = locker.hold(RecipientId(2), FAR_S);
        let _ = locker.compact();
        let _ = locker.hold(RecipientId(3), FAR_S);
        let _ = locker.compact();
        let _ = locker.hold(RecipientId(4), FAR_S);
        let (board, _) = locker.into_parts();
        let mut restored = open_flash_with(chip.snapshot(), board, FlashChecks::default())
            .unwrap_or_else(|e| panic!("call {at}: {e:?}"));
        restored.hold(RecipientId(5), FAR_S).unwrap();
        let live = state_of(&restored);
        let (board, journal) = restored.into_parts();
        let again = open_flash_with(journal.into_flash(), board, FlashChecks::default()).unwrap();
        assert_eq!(state_of(&again), live, "call {at}");
    }
}

/// Defect: a compaction whose header commit byte is programmed but whose
/// write reports an error (a driver's verify timing out; the trait allows
/// "written in part") leaves the journal appending to the old half while
/// the other half now holds a newer committed header. The next boot reads
/// the newer half: every record acknowledged since is lost. Smallest
/// reproduction: `Locker::compact` with the 1-byte commit write failing
/// after programming, then `hold` (Ok), power off, open: the hold is gone.
/// Fix: in `FlashJournal::start_half`, on any error after the erase began,
/// set `broken` (refuse appends until a compaction succeeds), so the old
/// half is never written after the other may have been committed.
#[test]
fn a_compaction_commit_reported_failed_but_programmed_loses_nothing() {
    let (hardware, flash) = {
        let mut locker = open(MemoryFlash::new(16 * 1024, BLOCK), board());
        locker.hold(RecipientId(1), FAR_S).unwrap();
        power_off(locker)
    };
    // Only 1-byte writes (commit bytes) count; the first is the
    // compaction's.
    let mut chip = Chip::failing(flash, 0, Fault::DoThenFail);
    chip.only_len = Some(1);
    let mut locker = open_flash_with(chip.clone(), hardware, FlashChecks::default()).unwrap();
    assert!(locker.compact().is_err());
    locker.hold(RecipientId(2), FAR_S).unwrap();
    let live = state_of(&locker);
    let (board, _) = locker.into_parts();
    let restored = open(chip.snapshot(), board);
    assert_eq!(
        state_of(&restored).holds().get(&RecipientId(2)),
        live.holds().get(&RecipientId(2)),
        "an acknowledged hold is lost"
    );
}

/// Same fault on a record's commit byte: the locker compacts and writes
/// the record again, and `previous()` then holds the orphan committed in
/// the old half (a record the history never had: its seq is that of the
/// active half's first record). Defect only in `previous()`; the restore
/// itself is right.
/// Fix: `FlashJournal::previous` decodes only up to the chain of the
/// active header (`self.header.start.next_seq`), and refuses a half whose
/// records do not reach it; better, `append_payload` marks `broken` and the
/// compaction that follows starts at the chain after the frame if its
/// commit byte reads back 0x00.
#[test]
fn previous_never_returns_records_past_the_active_snapshot() {
    let (hardware, flash) = {
        let mut locker = open(MemoryFlash::new(16 * 1024, BLOCK), board());
        locker.hold(RecipientId(1), FAR_S).unwrap();
        power_off(locker)
    };
    let mut chip = Chip::failing(flash, 0, Fault::DoThenFail);
    chip.only_len = Some(1);
    let mut locker = open_flash_with(chip.clone(), hardware, FlashChecks::default()).unwrap();
    locker.hold(RecipientId(2), FAR_S).unwrap();
    let live = state_of(&locker);
    let (board, _) = locker.into_parts();
    let restored = open(chip.snapshot(), board);
    assert_eq!(state_of(&restored), live);
    let (_, mut journal) = restored.into_parts();
    let snapshot = Snapshot::from_stored(&contents(journal.flash()).snapshot.unwrap()).unwrap();
    let previous: Vec<Record<Entry>> = journal.previous().unwrap();
    let last = previous.last().unwrap();
    assert_eq!(
        (last.seq + 1, last.hash),
        (snapshot.chain.next_seq, snapshot.chain.head),
        "previous() ends past the snapshot"
    );
}

/// Fuzzed chips: random bytes, a valid chip with random runs of bytes
/// overwritten, and committed frames and snapshots of crafted CBOR (huge
/// declared lengths, deep nesting). Opening and restoring never panic.
#[test]
fn fuzzed_chips_never_panic() {
    let site = two_halves(board());
    let half = site.flash.bytes().len() / 2;
    let mut rng = StdRng::seed_from_u64(99);
    let try_open = |chip: MemoryFlash| {
        let _ = open_with(chip, site.hardware.clone(), FlashChecks::default());
    };
    // Random runs over a valid chip (fast to refuse or restore).
    let (active, _) = headers(&site.flash);
    let end = active.base + active.records_at + 600;
    let (_, older) = headers(&site.flash);
    let older = older.unwrap();
    for round in 0..1500 {
        let mut chip = site.flash.clone();
        let at = if round % 3 == 0 {
            rng.random_range(older.base..older.base + 600)
        } else {
            rng.random_range(active.base..end)
        };
        let len = rng.random_range(1..24);
        for byte in &mut chip.bytes_mut()[at..(at + len).min(2 * half)] {
            *byte = rng.random();
        }
        try_open(chip);
    }
    // Whole random chips (and random with a valid magic).
    for magic in [false, true] {
        for _ in 0..20 {
            let mut chip = MemoryFlash::new(4 * BLOCK, BLOCK);
            rng.fill(chip.bytes_mut());
            if magic {
                chip.bytes_mut()[..4].copy_from_slice(b"LKF\x02");
                set_word(&mut chip, 48, rng.random_range(0..300));
            }
            try_open(chip);
        }
    }
    // Crafted payloads as committed frames after a valid first header,
    // and as a committed snapshot.
    let nested = |depth: usize| {
        let mut v = vec![1_u8];
        v.extend(std::iter::repeat_n(0x81_u8, depth));
        v.push(0x00);
        v
    };
    let payloads: Vec<Vec<u8>> = vec![
        vec![1, 0x9B, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF],
        vec![1, 0xBB, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF],
        vec![1, 0x5B, 0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF],
        vec![1, 0x7B, 0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF],
        vec![1, 0x9F, 0x9F, 0x9F, 0xFF],
        vec![
            1, 0x86, 0x01, 0x1B, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xA0, 0xF6, 0xF6,
            0xF6,
        ],
        vec![
            1, 0xC6, 0x1B, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
        ],
        vec![1, 0xFB, 0x7F, 0xF8, 0, 0, 0, 0, 0, 0],
        vec![1],
        vec![],
        vec![2, 0x80],
        nested(100),
        nested(300),
        nested(3000),
    ];
    let mut blank_with_header = MemoryFlash::new(8 * BLOCK, BLOCK);
    {
        let bytes = blank_with_header.bytes_mut();
        bytes[..4].copy_from_slice(b"LKF\x02");
        bytes[4..8].copy_from_slice(&1_u32.to_le_bytes());
        bytes[8..52].fill(0);
        bytes[52] = 0;
    }
    for payload in &payloads {
        let mut chip = blank_with_header.clone();
        let len = payload.len();
        let bytes = chip.bytes_mut();
        bytes[53..57].copy_from_slice(&(len as u32).to_le_bytes());
        bytes[57..57 + len].copy_from_slice(payload);
        bytes[57 + len] = 0;
        try_open(chip);
        let mut chip = blank_with_header.clone();
        let bytes = chip.bytes_mut();
        bytes[48..52].copy_from_slice(&(len as u32).to_le_bytes());
        bytes[52..52 + len].copy_from_slice(payload);
        bytes[52 + len] = 0;
        try_open(chip);
    }
}

/// A sparse flash of almost 4 GiB: offsets and lengths near `u32::MAX`.
#[derive(Clone, Default)]
struct Sparse {
    bytes: BTreeMap<u64, u8>,
    capacity: u32,
    block: u32,
}

impl Flash for Sparse {
    type Error = String;

    fn capacity_bytes(&self) -> u32 {
        self.capacity
    }

    fn erase_block_bytes(&self) -> u32 {
        self.block
    }

    fn read(&mut self, offset: u32, buf: &mut [u8]) -> Result<(), String> {
        let start = u64::from(offset);
        if start + buf.len() as u64 > u64::from(self.capacity) {
            return Err("out of range".into());
        }
        for (i, byte) in buf.iter_mut().enumerate() {
            *byte = self.bytes.get(&(start + i as u64)).copied().unwrap_or(0xFF);
        }
        Ok(())
    }

    fn write(&mut self, offset: u32, bytes: &[u8]) -> Result<(), String> {
        let start = u64::from(offset);
        if start + bytes.len() as u64 > u64::from(self.capacity) {
            return Err("out of range".into());
        }
        for (i, byte) in bytes.iter().enumerate() {
            let cell = self.bytes.entry(start + i as u64).or_insert(0xFF);
            *cell &= byte;
        }
        Ok(())
    }

    fn erase(&mut self, offset: u32, len: u32) -> Result<(), String> {
        if !offset.is_multiple_of(self.block) || !len.is_multiple_of(self.block) {
            return Err("unaligned".into());
        }
        let start = u64::from(offset);
        let mut tail = self.bytes.split_off(&start);
        let mut after = tail.split_off(&(start + u64::from(len)));
        self.bytes.append(&mut after);
        Ok(())
    }
}

/// Halves of almost 2 GiB (the region ends one byte short of 4 GiB):
/// format, records, compactions and restores work at offsets near
/// `u32::MAX`.
#[test]
fn a_region_of_almost_four_gib_works() {
    let half = 0x7FFF_FFFF_u32;
    let mut flash = Sparse {
        capacity: 2 * half,
        block: half,
        ..Sparse::default()
    };
    // Something past the first look in each half, so the first format
    // does not read 2 GiB to find the halves erased (it erases one).
    flash.bytes.insert(4000, 0);
    flash.bytes.insert(u64::from(half) + 4000, 0);
    let mut locker = open_flash_with(flash, board(), FlashChecks::default()).unwrap();
    for n in 0..3 {
        locker.hold(RecipientId(n), FAR_S).unwrap();
        locker.compact().unwrap();
    }
    locker.hold(RecipientId(9), FAR_S).unwrap();
    let live = state_of(&locker);
    let (board, journal) = locker.into_parts();
    assert_eq!(journal.usage().generation, 4);
    let restored = open_flash_with(journal.into_flash(), board, FlashChecks::default()).unwrap();
    assert_eq!(state_of(&restored), live);
}

/// Defect: `layout` computes `2 * block` unchecked, so a flash reporting
/// an erase block above 2 GiB panics (overflow, in a debug build) instead
/// of giving `FlashError::Layout`; in release it wraps to 0 and
/// `is_multiple_of(0)` happens to refuse. Smallest reproduction:
/// `FlashJournal::open(MemoryFlash::new(4096, 0x8000_0000), ..)`. Fix in
/// `journal/flash/mod.rs` `layout`: `block.checked_mul(2)` (or test
/// `capacity % 2 == 0 && (capacity / 2) % block == 0`).
#[test]
fn an_erase_block_of_two_gib_or_more_is_a_layout_error() {
    for block in [0x8000_0000_u32, u32::MAX] {
        let result = std::panic::catch_unwind(|| {
            FlashJournal::open::<Entry>(
                MemoryFlash::new(4096, block),
                FlashConfig::for_capacity(4096),
            )
            .map(|_| ())
        });
        assert!(
            matches!(result, Ok(Err(FlashError::Layout { .. }))),
            "block {block:#x}: {:?}",
            result.map_err(|_| "panicked")
        );
    }
}

/// Odd layouts: the smallest halves, a block as large as the half, halves
/// that are a multiple of nothing, blocks of one byte. A region that
/// cannot hold the locker gives a typed error; the others run, compact
/// and restore.
#[test]
fn odd_layouts_give_typed_errors_or_work() {
    for (capacity, block) in [
        (0, 0),
        (0, 16),
        (64, 64),
        (126, 63),
        (100, 0),
        (3 * 4096, 4096),
    ] {
        let result = FlashJournal::open::<Entry>(
            MemoryFlash::new(capacity, block),
            FlashConfig::for_capacity(capacity),
        );
        assert!(
            matches!(result, Err(FlashError::Layout { .. })),
            "{capacity}/{block}"
        );
    }
    // Too small for the locker's first records: a typed error, and the
    // chip still opens afterwards.
    for (capacity, block) in [
        (128, 64),
        (128, 1),
        (2 * 200, 200),
        (2 * 1031, 1031),
        (2 * 6351, 6351),
        (2 * 8191, 1),
    ] {
        let chip = Chip::new(MemoryFlash::new(capacity, block));
        match open_flash_with(chip.clone(), board(), FlashChecks::default()) {
            Ok(_) | Err(LockerError::JournalWrite { .. }) => {}
            Err(error) => panic!("{capacity}/{block}: {error:?}"),
        }
        let _ = open_flash_with(chip.snapshot(), board(), FlashChecks::default());
    }
    for (capacity, block) in [
        (2 * 12_289, 12_289),
        (2 * 13_001, 1),
        (32 * 1024, 16 * 1024),
        (2 * 15_555, 15_555),
    ] {
        let chip = Chip::new(MemoryFlash::new(capacity, block));
        let mut locker = open_flash_with(chip.clone(), board(), FlashChecks::default())
            .unwrap_or_else(|e| panic!("{capacity}/{block}: {e:?}"));
        for n in 0..40 {
            step(&mut locker, (n % 8) as u32, n)
                .unwrap_or_else(|e| panic!("{capacity}/{block} call {n}: {e:?}"));
        }
        let live = state_of(&locker);
        let generation = locker.journal().usage().generation;
        assert!(
            generation >= 3,
            "{capacity}/{block}: generation {generation}"
        );
        let (board, _) = locker.into_parts();
        let restored = open_flash_with(chip.snapshot(), board, FlashChecks::default()).unwrap();
        assert_eq!(state_of(&restored), live, "{capacity}/{block}");
    }
}

// ---------------------------------------------------------------------
// Promise 4: compaction.
// ---------------------------------------------------------------------

/// A long busy run on a small region: compaction keeps firing, no call
/// ever fails for room, the half is never overrun, and a restore at the
/// end is the live locker.
#[test]
fn a_long_busy_run_in_a_small_region_never_fills_for_good() {
    let chip = Chip::new(MemoryFlash::new(16 * 1024, BLOCK));
    let mut locker = open_flash_with(chip.clone(), board(), FlashChecks::default()).unwrap();
    let mut rng = StdRng::seed_from_u64(3);
    let mut compacted = 0;
    let mut last_generation = 0;
    for n in 0..1500 {
        let op = rng.random_range(0..7_u32);
        let before = locker.journal().usage();
        step(&mut locker, op, n).unwrap_or_else(|e| {
            panic!(
                "call {n} (op {op}): {e:?}; before {before:?}, after {:?}, snapshot now {} B",
                locker.journal().usage(),
                serde_json::to_vec(&locker.snapshot()).unwrap().len()
            )
        });
        let usage = locker.journal().usage();
        assert!(usage.used_bytes <= usage.half_bytes);
        if usage.generation != last_generation {
            compacted += 1;
            last_generation = usage.generation;
        }
    }
    assert!(compacted > 10, "{compacted} compactions");
    let live = state_of(&locker);
    let (board, _) = locker.into_parts();
    let restored = open_flash_with(chip.snapshot(), board, FlashChecks::default()).unwrap();
    assert_eq!(state_of(&restored), live);
}

/// A state grown until its snapshot nearly fills a half (courier codes
/// issued faster than they are pruned): calls fail with a typed "full"
/// error, and once time passes and the state is pruned the locker goes
/// on: the region is not full for good.
#[test]
fn a_region_filled_by_the_state_recovers_once_the_state_shrinks() {
    let chip = Chip::new(MemoryFlash::new(16 * 1024, BLOCK));
    let mut locker = open_flash_with(chip.clone(), board(), FlashChecks::default()).unwrap();
    let mut full = None;
    for n in 0..600 {
        // Courier codes for ever more carriers, valid a day.
        if let Err(error) = locker.issue_courier_code(CarrierId(1000 + n), DAY_S) {
            assert!(
                matches!(&error, LockerError::JournalWrite { message } if message.contains("full")),
                "{error:?}"
            );
            full = Some(n);
            break;
        }
    }
    assert!(full.is_some(), "the state never filled the half");
    let mut recovered = None;
    for step in 0..(5 * 48) {
        locker.hardware_mut().advance_s(HOUR_S / 2);
        let _ = locker.tick();
        if locker.hold(RecipientId(1), FAR_S).is_ok() {
            recovered = Some(step);
            break;
        }
    }
    assert!(
        recovered.is_some_and(|step| step <= 2 * 48),
        "the region stayed full after the codes expired: {recovered:?}, {} codes, usage {:?}",
        locker.state().credentials().records().count(),
        locker.journal().usage()
    );
    let live = state_of(&locker);
    let (board, _) = locker.into_parts();
    let restored = open_flash_with(chip.snapshot(), board, FlashChecks::default()).unwrap();
    assert_eq!(state_of(&restored), live);
}

/// A snapshot too big for a half is a typed error on a journal in use,
/// which then goes on appending; nothing was erased (`previous()` still
/// reads the older half), and a restore is the live locker.
#[test]
fn a_snapshot_too_big_leaves_a_journal_in_use_usable() {
    let site = two_halves(board());
    let mut locker = open(site.flash.clone(), site.hardware.clone());
    let previous_before: Vec<Record<Entry>> = locker.journal_mut().previous().unwrap();
    assert!(!previous_before.is_empty());
    let huge = crate::common::incompressible_json_string(40 * 1024);
    let error = JournalSink::<Entry>::compact(locker.journal_mut(), huge.as_bytes()).unwrap_err();
    assert!(matches!(error, FlashError::NoRoom { .. }), "{error:?}");
    assert!(!JournalSink::<Entry>::wants_compaction(locker.journal()));
    locker.hold(RecipientId(77), FAR_S).unwrap();
    let previous_after: Vec<Record<Entry>> = locker.journal_mut().previous().unwrap();
    assert_eq!(previous_before, previous_after);
    let live = state_of(&locker);
    let (hardware, flash) = power_off(locker);
    assert_eq!(state_of(&open(flash, hardware)), live);
}

/// Runs `op`, noting where the chain stood before it when it compacted.
fn tracked(
    locker: &mut ChipLocker<MemoryFlash>,
    starts: &mut Vec<Chain>,
    op: impl FnOnce(&mut ChipLocker<MemoryFlash>) -> Result<(), LockerError>,
) -> Result<(), LockerError> {
    let before = locker.chain();
    let generation = locker.journal().usage().generation;
    let result = op(locker);
    if locker.journal().usage().generation != generation {
        starts.push(before);
    }
    result
}

/// `previous()` is exactly the history between the two snapshots, across
/// several compactions and one after a torn frame: it starts where the
/// older half's snapshot ends and ends where the active one starts.
#[test]
fn previous_is_exactly_the_history_before_the_active_snapshot() {
    let mut locker = open(MemoryFlash::new(32 * 1024, BLOCK), board());
    let mut starts = vec![Chain::new()];
    for round in 0..4_u64 {
        for n in 0..(round + 2) {
            tracked(&mut locker, &mut starts, |l| {
                l.hold(RecipientId(n), FAR_S + round)
            })
            .unwrap();
        }
        if round == 2 {
            // A torn frame: the locker compacts before its next record.
            locker.journal_mut().flash_mut().cut_power_after(9);
            assert!(locker.hold(RecipientId(30), FAR_S).is_err());
            let (hardware, flash) = power_off(locker);
            locker = open(flash, hardware);
            tracked(&mut locker, &mut starts, |l| l.hold(RecipientId(31), FAR_S)).unwrap();
        } else {
            tracked(&mut locker, &mut starts, |l| l.compact().map(|_| ())).unwrap();
        }
        let previous: Vec<Record<Entry>> = locker.journal_mut().previous().unwrap();
        let (from, to) = (starts[starts.len() - 2], starts[starts.len() - 1]);
        let first = previous.first().unwrap();
        let last = previous.last().unwrap();
        assert_eq!(
            (first.seq, first.prev),
            (from.next_seq, from.head),
            "round {round}"
        );
        assert_eq!(
            (last.seq + 1, last.hash),
            (to.next_seq, to.head),
            "round {round}"
        );
        // A compaction cut short leaves previous() empty or the same.
        let mut chip = locker.journal().flash().clone();
        chip.cut_power_after(3 * u64::from(BLOCK) + 5);
        let capacity = chip.capacity_bytes();
        let (mut journal, _) =
            FlashJournal::open::<Entry>(chip, FlashConfig::for_capacity(capacity)).unwrap();
        assert!(JournalSink::<Entry>::compact(&mut journal, b"{}").is_err());
        let mut chip = journal.into_flash();
        chip.restore_power();
        let (mut journal, _) =
            FlashJournal::open::<Entry>(chip, FlashConfig::for_capacity(capacity)).unwrap();
        let cut: Vec<Record<Entry>> = journal.previous().unwrap();
        assert!(cut.is_empty() || cut == previous, "round {round}");
    }
    assert_eq!(starts.len(), 5);
}

/// Generations near `u32::MAX`: compactions wrap to 0 and on, the newer
/// half is always the one read, and `previous()` reads across the wrap.
#[test]
fn generation_wraps_around_u32() {
    let site = two_halves(board());
    let (active, older) = headers(&site.flash);
    let older = older.unwrap();
    let mut chip = site.flash.clone();
    set_word(&mut chip, older.base + 4, u32::MAX - 2);
    set_word(&mut chip, active.base + 4, u32::MAX - 1);
    let mut locker = open(chip, site.hardware.clone());
    assert_eq!(state_of(&locker), site.live);
    for (n, generation) in [u32::MAX, 0, 1, 2].into_iter().enumerate() {
        locker.compact().unwrap();
        assert_eq!(locker.journal().usage().generation, generation);
        locker.hold(RecipientId(400 + n as u64), FAR_S).unwrap();
        let live = state_of(&locker);
        let chain = locker.chain();
        let (hardware, flash) = power_off(locker);
        locker = open(flash, hardware);
        assert_eq!(state_of(&locker), live, "generation {generation}");
        assert_eq!(locker.journal().usage().generation, generation);
        let previous: Vec<Record<Entry>> = locker.journal_mut().previous().unwrap();
        assert!(!previous.is_empty(), "generation {generation}");
        assert!(previous.last().unwrap().seq + 2 == chain.next_seq);
    }
}
