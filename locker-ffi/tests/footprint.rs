//! What one compartment costs in RAM: the heap a running locker holds per
//! configured door, and per door holding a parcel (its delivery and the
//! recipient's PIN and QR records), measured with a counting allocator.
//!
//! Measured on the host (64-bit pointers and `usize`): what a Python or
//! Node host pays. The same rig (footprint_rig/mod.rs) runs on the part
//! itself in the Cortex-M `ram-per-door` image. `cargo test -p locker-ffi
//! --test footprint -- --nocapture` prints the numbers; scripts/ci/no_std
//! reports both.
#![allow(clippy::unwrap_used, missing_docs)]
// A counting global allocator needs `unsafe` (this crate allows it, with a
// `// SAFETY:` comment on each use).
#![allow(unsafe_code)]

use core::alloc::{GlobalAlloc, Layout};
use core::sync::atomic::{AtomicUsize, Ordering};
use std::alloc::System;
use std::sync::Mutex;

use locker_core::journal::compact::{check_value, encode_snapshot_of};
use locker_core::journal::flash::{FlashConfig, FlashJournal, MemoryFlash};
use locker_core::locker::{Entry, FlashChecks, Locker};

extern crate alloc;

#[path = "footprint_rig/mod.rs"]
mod rig;

struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
/// The most `LIVE` has been since it was last reset.
static PEAK: AtomicUsize = AtomicUsize::new(0);
/// One measurement at a time: the tests share the allocator's counts.
static MEASURING: Mutex<()> = Mutex::new(());

std::thread_local! {
    /// The largest single allocation this thread may make: a part short
    /// of heap, for one test (other threads are never refused).
    static LARGEST_BYTES: core::cell::Cell<usize> = const { core::cell::Cell::new(usize::MAX) };
}

fn refused(size: usize) -> bool {
    LARGEST_BYTES
        .try_with(core::cell::Cell::get)
        .is_ok_and(|largest| size > largest)
}

fn grew() {
    PEAK.fetch_max(LIVE.load(Ordering::Relaxed), Ordering::Relaxed);
}

// SAFETY: forwards to the system allocator unchanged; only counts bytes,
// and refuses (null, as an allocator out of memory does) what one test
// asks it to.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if refused(layout.size()) {
            return core::ptr::null_mut();
        }
        LIVE.fetch_add(layout.size(), Ordering::Relaxed);
        grew();
        // SAFETY: the caller upholds `alloc`'s contract, passed on as is.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        // SAFETY: as above.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if refused(new_size) {
            return core::ptr::null_mut();
        }
        LIVE.fetch_add(new_size, Ordering::Relaxed);
        grew();
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        // SAFETY: as above.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

fn live_heap_bytes() -> usize {
    LIVE.load(Ordering::Relaxed)
}

#[test]
fn ram_per_compartment() {
    let _alone = MEASURING
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let measured = rig::heap_per_door(live_heap_bytes).unwrap();
    let (small, large) = (measured.small_bytes, measured.large_bytes);
    let (per_door, per_parcel) = (measured.per_door_bytes, measured.per_occupied_bytes);
    println!(
        "RAM (64-bit host, heap): {small} B for 20 doors, {large} B for 120; \
         {per_door} B per configured compartment, +{per_parcel} B per occupied compartment"
    );
    // Generous bounds: a regression guard, not a promise.
    assert!(per_door < 2_048, "{per_door} B per compartment");
    assert!(
        per_parcel < 4_096,
        "{per_parcel} B per occupied compartment"
    );
}

/// The heap a compaction takes on top of the running locker, at its peak,
/// with every door of a 120-door bank occupied: the snapshot, sealed as
/// its JSON is hashed, then its storage encoding and the compressed
/// block. (On the part, a compaction needs this much heap free.) Then the
/// heap a boot from that chip takes: the stored snapshot, expanded and
/// read straight into the snapshot, which becomes the locker's state.
#[test]
fn heap_a_compaction_takes_at_a_full_bank() {
    let _alone = MEASURING
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let capacity = 1 << 20;
    let (journal, _) = FlashJournal::open::<Entry>(
        MemoryFlash::new(capacity, 4096),
        FlashConfig::for_capacity(capacity),
    )
    .unwrap();
    let mut locker = rig::filled_locker(120, 120, journal).unwrap();
    let before = live_heap_bytes();
    PEAK.store(before, Ordering::Relaxed);
    assert!(locker.compact().unwrap());
    let peak = PEAK.load(Ordering::Relaxed) - before;
    println!(
        "RAM (64-bit host, heap): a compaction at a full 120-door bank takes {peak} B at its peak"
    );
    // A regression guard, not a promise.
    assert!(peak < 300_000, "{peak} B");

    // Then a boot from that chip: snapshot and tail read back into a
    // locker (whose own heap is counted too).
    let keys = locker.keys().clone();
    let snapshot = locker.snapshot();
    let (board, journal) = locker.into_parts();
    let flash = journal.into_flash();

    // On a part whose heap cannot hold the expanded snapshot (42 KB),
    // opening says so with its own code, not that the journal is damaged.
    let chip = flash.clone();
    let stored = encode_snapshot_of(&snapshot).unwrap();
    LARGEST_BYTES.with(|largest| largest.set(32 * 1024));
    let short = FlashJournal::open::<Entry>(chip, FlashConfig::for_capacity(capacity));
    // The same snapshot with its length claiming more than its block
    // expands to (a damaged or forged chip) is malformed, not short of
    // heap: only a sound value may say "do not erase".
    let mut forged = stored.clone();
    let claimed = u32::from_le_bytes(forged[1..5].try_into().unwrap());
    forged[1..5].copy_from_slice(&(claimed * 100).to_le_bytes());
    let forged_error = check_value(&forged).unwrap_err();
    let honest_error = check_value(&stored).unwrap_err();
    LARGEST_BYTES.with(|largest| largest.set(usize::MAX));
    let error = short.map(|_| ()).unwrap_err();
    assert_eq!(error.code(), "out_of_memory", "{error}");
    assert_eq!(
        locker::locker_status::of_code(error.code()),
        Some(locker::locker_status::LOCKER_JOURNAL_OUT_OF_MEMORY)
    );
    assert_eq!(honest_error.code(), "out_of_memory", "{honest_error}");
    assert_eq!(forged_error.code(), "malformed_record", "{forged_error}");

    let before = live_heap_bytes();
    PEAK.store(before, Ordering::Relaxed);
    let (journal, contents) =
        FlashJournal::open::<Entry>(flash, FlashConfig::for_capacity(capacity)).unwrap();
    let restored = Locker::open_flash(
        rig::config(120),
        keys,
        board,
        journal,
        &contents,
        FlashChecks::default(),
    )
    .unwrap();
    drop(contents);
    let peak = PEAK.load(Ordering::Relaxed) - before;
    assert_eq!(restored.snapshot().stored.len(), 120);
    println!("RAM (64-bit host, heap): a boot from that chip takes {peak} B at its peak");
    // A regression guard: the snapshot read through its JSON text and a
    // value tree took 1.32 MB.
    assert!(peak < 450_000, "{peak} B");
}
