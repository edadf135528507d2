//! A bare-metal locker firmware, just big enough to measure what
//! `locker-core` costs on a Cortex-M4F: it starts a locker (or restores it
//! from the journal on "flash"), then serves a drop-off, a pickup and the
//! periodic sweep forever. The lock board is a handful of memory-mapped
//! registers read and written with volatile accesses, so nothing is
//! optimized away; the image is linked but never flashed.
#![no_std]
#![no_main]

extern crate alloc;

use alloc::string::String;
use core::mem::MaybeUninit;
use core::ptr::{read_volatile, write_volatile};

use embedded_alloc::LlffHeap as Heap;
use locker_core::allocate::Request;
use locker_core::credential::{CarrierId, KeyId, KeyRing, KioskId, SiteKey};
use locker_core::hardware::{DoorState, Hardware, HardwareErrorKind, Occupancy};
use locker_core::journal::{JournalSink, Record, lines};
use locker_core::locker::{DropOff, Entry, Event, Locker, LockerConfig};
use locker_core::{CompartmentId, Dimensions, Parcel, ParcelId, RecipientId};

/// The heap: 64 KiB of the part's 192 KiB RAM.
const HEAP_BYTES: usize = 64 * 1024;

#[global_allocator]
static HEAP: Heap = Heap::empty();

// The lock board's registers (an imaginary peripheral).
const LATCH: *mut u32 = 0x4000_0000 as *mut u32;
const DOOR_SENSE: *const u32 = 0x4000_0004 as *const u32;
const OCCUPANCY: *const u32 = 0x4000_0008 as *const u32;
const RTC_SECONDS: *const u32 = 0x4000_000c as *const u32;
const TRNG_DATA: *const u32 = 0x4000_0010 as *const u32;
const STATUS: *const u32 = 0x4000_0014 as *const u32;
const FLASH_WRITE: *mut u8 = 0x4000_0018 as *mut u8;
const FLASH_COMMIT: *mut u32 = 0x4000_001c as *mut u32;
const KIOSK_INPUT: *const u32 = 0x4000_0020 as *const u32;
const EVENT_OUT: *mut u8 = 0x4000_0024 as *mut u8;
/// The journal as stored on flash: a length word, then the text.
#[cfg(feature = "restore")]
const JOURNAL_FLASH: *const u8 = 0x0808_0000 as *const u8;

struct Board;

fn reg(address: *const u32) -> u32 {
    // SAFETY: the addresses above are the (imaginary) board's registers,
    // always mapped and readable as 32-bit words.
    unsafe { read_volatile(address) }
}

fn fault() -> Result<(), HardwareErrorKind> {
    match reg(STATUS) {
        0 => Ok(()),
        1 => Err(HardwareErrorKind::DoorJammed),
        2 => Err(HardwareErrorKind::BusTimeout),
        _ => Err(HardwareErrorKind::Other),
    }
}

impl Hardware for Board {
    type Error = HardwareErrorKind;

    fn unlock(&mut self, door: CompartmentId) -> Result<(), Self::Error> {
        // SAFETY: the latch register is always mapped and writable.
        unsafe { write_volatile(LATCH, door.0) };
        fault()
    }

    fn door_state(&mut self, door: CompartmentId) -> Result<DoorState, Self::Error> {
        fault()?;
        let open = reg(DOOR_SENSE) & (1 << (door.0 % 32)) != 0;
        Ok(if open {
            DoorState::Open
        } else {
            DoorState::Closed
        })
    }

    fn occupancy(&mut self, door: CompartmentId) -> Result<Occupancy, Self::Error> {
        fault()?;
        let full = reg(OCCUPANCY) & (1 << (door.0 % 32)) != 0;
        Ok(if full {
            Occupancy::Occupied
        } else {
            Occupancy::Empty
        })
    }

    fn now_s(&mut self) -> Result<u64, Self::Error> {
        fault()?;
        Ok(u64::from(reg(RTC_SECONDS)))
    }

    fn fill_random(&mut self, buf: &mut [u8]) -> Result<(), Self::Error> {
        for chunk in buf.chunks_mut(4) {
            let word = reg(TRNG_DATA).to_le_bytes();
            chunk.copy_from_slice(&word[..chunk.len()]);
        }
        fault()
    }
}

/// The journal on the part's own flash.
struct Flash;

impl JournalSink<Entry> for Flash {
    type Error = HardwareErrorKind;

    fn append(&mut self, record: &Record<Entry>) -> Result<(), Self::Error> {
        let line = lines::to_line(record);
        for byte in line.bytes().chain(core::iter::once(b'\n')) {
            // SAFETY: the flash controller's data register is always
            // mapped and writable.
            unsafe { write_volatile(FLASH_WRITE, byte) };
        }
        // SAFETY: as above; the commit register syncs the page.
        unsafe { write_volatile(FLASH_COMMIT, 1) };
        fault()
    }
}

/// The journal text stored on flash, if there is one.
#[cfg(feature = "restore")]
fn stored_journal() -> Option<&'static str> {
    // SAFETY: the journal region is memory-mapped flash: a length word
    // followed by that many bytes, always readable.
    let len = unsafe { read_volatile(JOURNAL_FLASH.cast::<u32>()) } as usize;
    if len == 0 || len > 256 * 1024 {
        return None;
    }
    // SAFETY: as above; the region holds `len` bytes after the length word.
    let bytes = unsafe { core::slice::from_raw_parts(JOURNAL_FLASH.add(4), len) };
    core::str::from_utf8(bytes).ok()
}

/// Site keys as provisioned into the part (a secure element would hold
/// them on a real board).
fn provisioned_keys() -> KeyRing {
    let mut secret = [0_u8; 32];
    for chunk in secret.chunks_mut(4) {
        chunk.copy_from_slice(&reg(TRNG_DATA).to_le_bytes());
    }
    let mut ring = KeyRing::new();
    let _ = ring.add(SiteKey::from_bytes(KeyId(1), secret));
    ring
}

fn emit(text: &str) {
    for byte in text.bytes() {
        // SAFETY: the event output register is always mapped and writable.
        unsafe { write_volatile(EVENT_OUT, byte) };
    }
}

fn serve() -> ! {
    #[cfg(feature = "restore")]
    let restored = stored_journal().and_then(|text| {
        let loaded = lines::read::<Entry>(text, None).ok()?;
        Locker::restore(provisioned_keys(), Board, Flash, &loaded.records).ok()
    });
    #[cfg(not(feature = "restore"))]
    let restored: Option<Locker<Board, Flash>> = None;
    let mut locker = match restored {
        Some(locker) => locker,
        None => {
            match Locker::with_keys(LockerConfig::default(), provisioned_keys(), Board, Flash) {
                Ok(locker) => locker,
                Err(_) => halt(),
            }
        }
    };
    let code = locker
        .issue_courier_code(CarrierId(1), 30 * 86_400)
        .map(|code| String::from(code.expose()))
        .unwrap_or_default();
    loop {
        let input = reg(KIOSK_INPUT);
        let kiosk = KioskId(1);
        match input & 0xf {
            1 => {
                if let Ok(session) = locker.courier_sign_in(kiosk, &code) {
                    let size = Dimensions::new(input >> 20, (input >> 10) & 0x3ff, 100);
                    let parcel = Parcel::new(ParcelId(u64::from(input)), size, 1_500);
                    let request = Request::new(parcel, RecipientId(u64::from(input >> 4 & 0xff)));
                    if let Ok(DropOff::Opened { compartment, .. }) =
                        locker.deposit(&session, request)
                    {
                        emit(if compartment.0 > 0 { "opened" } else { "?" });
                    }
                }
            }
            2 => {
                let mut pin = [b'0'; 8];
                for (i, digit) in pin.iter_mut().enumerate() {
                    *digit = b'0' + ((input >> (4 + i * 3)) % 10) as u8;
                }
                let pin = core::str::from_utf8(&pin).unwrap_or_default();
                let unit = Some(RecipientId(u64::from(input >> 28)));
                let _ = locker.pickup_pin(kiosk, unit, pin);
            }
            3 => {
                let _ = locker.door_closed(CompartmentId(input >> 4));
            }
            _ => {
                let _ = locker.tick();
            }
        }
        for event in locker.take_events() {
            match event {
                Event::ParcelReady { pin, .. } => emit(pin.expose()),
                Event::ReturnReady { qr_token, .. } => emit(qr_token.expose()),
                _ => emit("event"),
            }
        }
    }
}

fn halt() -> ! {
    loop {
        core::hint::spin_loop();
    }
}

/// The reset handler: set up the heap, then serve.
#[unsafe(no_mangle)]
pub extern "C" fn reset() -> ! {
    static mut HEAP_MEM: [MaybeUninit<u8>; HEAP_BYTES] = [MaybeUninit::uninit(); HEAP_BYTES];
    // SAFETY: runs once, before anything allocates; HEAP_MEM is used by
    // nothing else.
    unsafe { HEAP.init((&raw mut HEAP_MEM) as usize, HEAP_BYTES) };
    serve()
}

/// The reset vector, placed right after the initial stack pointer.
#[unsafe(link_section = ".vector_table.reset_vector")]
#[unsafe(no_mangle)]
pub static RESET_VECTOR: extern "C" fn() -> ! = reset;

#[panic_handler]
fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
    halt()
}

/// A single-core critical section for the allocator: interrupts off,
/// restored to what they were.
struct SingleCore;
critical_section::set_impl!(SingleCore);

// SAFETY: on a single-core Cortex-M, masking interrupts with PRIMASK makes
// the section exclusive; `release` restores the state `acquire` saw.
unsafe impl critical_section::Impl for SingleCore {
    unsafe fn acquire() -> bool {
        let primask: u32;
        // SAFETY: reading PRIMASK and masking interrupts have no memory
        // effects beyond what the critical section promises.
        unsafe {
            core::arch::asm!("mrs {}, PRIMASK", out(reg) primask, options(nomem, nostack, preserves_flags));
            core::arch::asm!("cpsid i", options(nomem, nostack, preserves_flags));
        }
        primask & 1 == 0
    }

    unsafe fn release(was_enabled: bool) {
        if was_enabled {
            // SAFETY: re-enables interrupts that were enabled at acquire.
            unsafe { core::arch::asm!("cpsie i", options(nomem, nostack, preserves_flags)) };
        }
    }
}
