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
use alloc::string::String;

use locker_core::allocate::Request;
use locker_core::bank::{CompartmentSpec, DoorPosition};
use locker_core::credential::{CarrierId, KioskId};
use locker_core::hardware::{DoorState, Hardware, HardwareErrorKind};
use locker_core::journal::{JournalSink, Record};
use locker_core::locker::{DropOff, Entry, Locker, LockerConfig};
use locker_core::{CompartmentId, Dimensions, Parcel, ParcelId, RecipientId};
use locker_cortex_m_footprint::{heap_used_bytes, semihosting};

locker_cortex_m_footprint::entry!(measure);

/// The most heap an occupied door may cost before the run fails: a
/// regression guard just above the measured cost (739 B; the run is
/// deterministic, so it moves only when the code does), not the target.
const OCCUPIED_BUDGET_BYTES: usize = 800;

/// A lock board that keeps nothing in RAM: every door reads closed, no
/// occupancy sensor, a fixed clock.
struct RamBoard {
    state: u64,
}

impl Hardware for RamBoard {
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
        // xorshift64: a stand-in for a TRNG in a measurement, never for
        // firmware.
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

/// The default configuration with `doors` identical doors.
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
                column: u16::try_from(id / 10).unwrap_or(u16::MAX),
                row: u16::try_from(id % 10).unwrap_or(u16::MAX),
            },
            operable_height_mm: None,
            ..template.clone()
        })
        .collect();
    config
}

/// Heap bytes a locker with `doors` doors holds once `filled` of them
/// hold one parcel each (each for another resident), or `None` if it
/// could not be built or filled.
fn live_bytes(doors: u32, filled: u32) -> Option<usize> {
    let before = heap_used_bytes();
    let board = RamBoard {
        state: 0x9E37_79B9_7F4A_7C15,
    };
    let mut locker = Locker::new(config(doors), board, Discard).ok()?;
    let code = locker.issue_courier_code(CarrierId(1), 86_400).ok()?;
    let session = locker.courier_sign_in(KioskId(1), code.expose()).ok()?;
    for n in 0..filled {
        let parcel = Parcel::new(
            ParcelId(u64::from(n)),
            Dimensions::new(300, 200, 100),
            1_500,
        );
        let request = Request::new(parcel, RecipientId(u64::from(n)));
        let DropOff::Opened { compartment, .. } = locker.deposit(&session, request).ok()? else {
            return None;
        };
        locker.door_closed(compartment).ok()?;
        drop(locker.take_events());
    }
    let live = heap_used_bytes() - before;
    drop(locker);
    Some(live)
}

fn measure() -> ! {
    let measured = (|| {
        let small = live_bytes(20, 0)?;
        let large = live_bytes(120, 0)?;
        let full = live_bytes(120, 100)?;
        Some((small, large, full))
    })();
    let Some((small, large, full)) = measured else {
        semihosting::write("ram-per-door: the locker could not be built or filled\n");
        semihosting::exit(false)
    };
    let per_door = (large - small) / 100;
    let per_parcel = (full - large) / 100;
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
