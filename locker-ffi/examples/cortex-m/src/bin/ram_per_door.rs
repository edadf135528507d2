//! What one compartment costs in RAM on the part itself: the heap a
//! running [`Locker`] holds per configured door and per door holding a
//! parcel (its delivery, the recipient's PIN and QR records), read from
//! the allocator's own count of the bytes in use.
//!
//! Runs under QEMU's MPS2 AN386 board (a Cortex-M4F):
//! `cargo build --release --features qemu --bin ram-per-door` here, then
//! `qemu-system-arm -M mps2-an386 -nographic -semihosting-config
//! enable=on,target=native -kernel <image>`; scripts/ci/no_std does both.
//! It prints the numbers and fails when an occupied door costs more than
//! [`OCCUPIED_BUDGET_BYTES`].
#![no_std]
#![no_main]
#![deny(unsafe_code)]

extern crate alloc;

use alloc::format;

use locker_cortex_m_footprint::{heap_used_bytes, semihosting};

/// The measurement locker-ffi's host footprint test runs too.
#[path = "../../../../tests/footprint_rig/mod.rs"]
mod rig;

locker_cortex_m_footprint::entry!(measure);

/// The most heap an occupied door may cost before the run fails: a
/// regression guard just above the measured cost (677 B since the tag
/// indexes hold a tag's first word, the records one pointer each (the
/// id is the record's own), the recipient indexes one pair a
/// record or door, and a settled packing no extreme points; 835 B
/// before; the run is deterministic, so it moves only when the code
/// does), not the target.
const OCCUPIED_BUDGET_BYTES: usize = 690;

fn measure() -> ! {
    let Some(measured) = rig::heap_per_door(heap_used_bytes) else {
        semihosting::write("ram-per-door: the locker could not be built or filled\n");
        semihosting::exit(false)
    };
    let (small, large) = (measured.small_bytes, measured.large_bytes);
    let (per_door, per_parcel) = (measured.per_door_bytes, measured.per_occupied_bytes);
    semihosting::write(&format!(
        "RAM (Cortex-M4F, heap in use): {small} B for 20 doors, {large} B for 120; \
         {per_door} B per configured compartment, +{per_parcel} B per occupied compartment\n"
    ));
    if per_parcel > OCCUPIED_BUDGET_BYTES {
        semihosting::write(&format!(
            "an occupied compartment costs {per_parcel} B, over the {OCCUPIED_BUDGET_BYTES} B guard\n"
        ));
        semihosting::exit(false)
    }
    semihosting::exit(true)
}
