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

extern crate alloc;

#[path = "footprint_rig/mod.rs"]
mod rig;

struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);

// SAFETY: forwards to the system allocator unchanged; only counts bytes.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size(), Ordering::Relaxed);
        // SAFETY: the caller upholds `alloc`'s contract, passed on as is.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        // SAFETY: as above.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LIVE.fetch_add(new_size, Ordering::Relaxed);
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
