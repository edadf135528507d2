//! What one compartment costs in RAM: the heap a running locker holds per
//! configured door, and per door holding a parcel (its delivery and the
//! recipient's PIN and QR records), measured with a counting allocator.
//!
//! Measured on the host (64-bit pointers and `usize`), so it is an upper
//! bound for a 32-bit Cortex-M. `cargo test -p locker-ffi --test footprint
//! -- --nocapture` prints the numbers; scripts/ci/no_std reports them.
#![allow(clippy::unwrap_used, missing_docs)]
// A counting global allocator needs `unsafe` (this crate allows it, with a
// `// SAFETY:` comment on each use).
#![allow(unsafe_code)]

use core::alloc::{GlobalAlloc, Layout};
use core::sync::atomic::{AtomicUsize, Ordering};
use std::alloc::System;

use locker_core::allocate::Request;
use locker_core::bank::{CompartmentSpec, DoorPosition};
use locker_core::credential::{CarrierId, KioskId};
use locker_core::hardware::{DoorState, Hardware, HardwareErrorKind};
use locker_core::journal::{JournalSink, Record};
use locker_core::locker::{DropOff, Entry, Locker, LockerConfig};
use locker_core::{CompartmentId, Dimensions, Parcel, ParcelId, RecipientId};

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

/// A lock board that keeps nothing in RAM: every door reads closed, no
/// occupancy sensor.
struct Board {
    state: u64,
}

impl Hardware for Board {
    type Error = HardwareErrorKind;
    fn unlock(&mut self, _: CompartmentId) -> Result<(), Self::Error> {
        Ok(())
    }
    fn door_state(&mut self, _: CompartmentId) -> Result<DoorState, Self::Error> {
        Ok(DoorState::Closed)
    }
    fn now_s(&mut self) -> Result<u64, Self::Error> {
        Ok(1_700_000_000)
    }
    fn fill_random(&mut self, buf: &mut [u8]) -> Result<(), Self::Error> {
        // xorshift64: a test stand-in for a TRNG, never for firmware.
        for byte in buf {
            self.state ^= self.state << 13;
            self.state ^= self.state >> 7;
            self.state ^= self.state << 17;
            *byte = self.state.to_le_bytes()[0];
        }
        Ok(())
    }
}

/// A journal on the vendor's flash: nothing stays in RAM.
struct Discard;

impl JournalSink<Entry> for Discard {
    type Error = core::convert::Infallible;
    fn append(&mut self, _: &Record<Entry>) -> Result<(), Self::Error> {
        Ok(())
    }
}

fn config(doors: u32) -> LockerConfig {
    let mut config = LockerConfig::default();
    let template = config.bank.compartments[0].clone();
    config.bank.ada_compliant = false;
    config.bank.policy.reserve_largest = 0;
    config.bank.compartments = (1..=doors)
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
    config
}

/// Live heap bytes of a locker with `doors` doors, `filled` of them
/// holding one parcel each.
fn live_bytes(doors: u32, filled: u32) -> usize {
    let config = config(doors);
    let before = LIVE.load(Ordering::Relaxed);
    let mut locker = Locker::new(
        config,
        Board {
            state: 0x9E37_79B9_7F4A_7C15,
        },
        Discard,
    )
    .unwrap();
    let code = locker.issue_courier_code(CarrierId(1), 86_400).unwrap();
    let session = locker.courier_sign_in(KioskId(1), code.expose()).unwrap();
    for n in 0..filled {
        let parcel = Parcel::new(
            ParcelId(u64::from(n)),
            Dimensions::new(300, 200, 100),
            1_500,
        );
        let request = Request::new(parcel, RecipientId(u64::from(n)));
        let DropOff::Opened { compartment, .. } = locker.deposit(&session, request).unwrap() else {
            panic!("room for every parcel");
        };
        locker.door_closed(compartment).unwrap();
        drop(locker.take_events());
    }
    let live = LIVE.load(Ordering::Relaxed) - before;
    drop(locker);
    live
}

#[test]
fn ram_per_compartment() {
    let small = live_bytes(20, 0);
    let large = live_bytes(120, 0);
    let per_door = (large - small) / 100;
    let full = live_bytes(120, 100);
    let per_parcel = (full - large) / 100;
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
