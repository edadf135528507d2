//! The RAM measurement both footprint runs share: a locker on a board that
//! keeps nothing in RAM and a journal that keeps nothing either, filled
//! door by door, with the heap read before and after by the caller's own
//! count. locker-ffi's `footprint` test runs it on the host (a counting
//! global allocator); the Cortex-M `ram-per-door` image runs it on the
//! part under QEMU (the allocator's bytes in use), including this file by
//! path. So it is `no_std` + `alloc` code.

use alloc::format;
use alloc::string::String;

use locker_core::allocate::Request;
use locker_core::bank::{CompartmentSpec, DoorPosition};
use locker_core::credential::{CarrierId, KioskId};
use locker_core::hardware::{DoorState, Hardware, HardwareErrorKind};
use locker_core::journal::{JournalSink, Record};
use locker_core::locker::{DropOff, Entry, Locker, LockerConfig};
use locker_core::{CompartmentId, Dimensions, Parcel, ParcelId, RecipientId};

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
pub fn config(doors: u32) -> LockerConfig {
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

/// A locker with `doors` doors on a board that keeps nothing, over
/// `journal`, once `filled` of them hold one parcel each (each for another
/// resident); `None` if it could not be built or filled.
pub fn filled_locker<J: JournalSink<Entry>>(
    doors: u32,
    filled: u32,
    journal: J,
) -> Option<Locker<impl Hardware, J>> {
    let board = RamBoard {
        state: 0x9E37_79B9_7F4A_7C15,
    };
    let mut locker = Locker::new(config(doors), board, journal).ok()?;
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
    Some(locker)
}

/// Heap bytes a locker with `doors` doors holds once `filled` of them
/// hold one parcel each, by `heap_in_use`; `None` if it could not be
/// built or filled.
fn live_bytes(doors: u32, filled: u32, heap_in_use: fn() -> usize) -> Option<usize> {
    let before = heap_in_use();
    let locker = filled_locker(doors, filled, Discard)?;
    let live = heap_in_use() - before;
    drop(locker);
    Some(live)
}

/// What a locker's heap costs: with 20 and 120 empty doors, and with 100
/// of the 120 holding a parcel.
pub struct HeapPerDoor {
    /// Bytes held with 20 empty doors.
    pub small_bytes: usize,
    /// Bytes held with 120 empty doors.
    pub large_bytes: usize,
    /// Bytes each configured door adds.
    pub per_door_bytes: usize,
    /// Bytes each occupied door adds on top.
    pub per_occupied_bytes: usize,
}

/// Measures [`HeapPerDoor`] with `heap_in_use` (the bytes the heap holds
/// now), or `None` if a locker could not be built or filled.
pub fn heap_per_door(heap_in_use: fn() -> usize) -> Option<HeapPerDoor> {
    let small_bytes = live_bytes(20, 0, heap_in_use)?;
    let large_bytes = live_bytes(120, 0, heap_in_use)?;
    let full_bytes = live_bytes(120, 100, heap_in_use)?;
    Some(HeapPerDoor {
        small_bytes,
        large_bytes,
        per_door_bytes: (large_bytes - small_bytes) / 100,
        per_occupied_bytes: (full_bytes - large_bytes) / 100,
    })
}
