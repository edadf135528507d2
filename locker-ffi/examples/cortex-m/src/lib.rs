//! What both footprint images share: the (imaginary) lock board's
//! memory-mapped registers, the [`Board`] that drives them through
//! locker-core's [`Hardware`] trait, the heap, the panic handler, the
//! single-core critical section and the reset vector ([`entry!`]).
//!
//! Every register access is volatile, so nothing the images compute is
//! optimized away; the images are linked but never flashed. All the
//! `unsafe` of the crate is here: the binaries have none of their own.
#![no_std]

use core::mem::MaybeUninit;
use core::ptr::{read_volatile, write_volatile};
use core::sync::atomic::{AtomicBool, Ordering};

use embedded_alloc::LlffHeap as Heap;
use locker_core::CompartmentId;
use locker_core::credential::{KeyId, KeyRing, SiteKey};
use locker_core::hardware::{DoorState, Hardware, HardwareErrorKind, Occupancy};

/// The heap: 64 KiB of the part's 192 KiB RAM (1 MiB of QEMU's 4 MiB
/// for the RAM measurement, which fills a whole bank).
pub const HEAP_BYTES: usize = if cfg!(feature = "qemu") {
    1024 * 1024
} else {
    64 * 1024
};

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
/// The kiosk's keypad / scanner FIFO: each read pops one typed or scanned
/// character, 0 when there is none left.
const KEYPAD: *const u32 = 0x4000_0028 as *const u32;
/// The journal as stored on flash: a length word, then the text.
const JOURNAL_FLASH: *const u8 = 0x0808_0000 as *const u8;
/// The largest journal [`stored_journal`] accepts.
const JOURNAL_MAX_BYTES: usize = 256 * 1024;

fn reg(address: *const u32) -> u32 {
    // SAFETY: the addresses above are the (imaginary) board's registers,
    // always mapped and readable as 32-bit words.
    unsafe { read_volatile(address) }
}

/// The kiosk's command register: what the person in front of the locker
/// asked for (the low nibble) and its arguments (the other bits).
#[must_use]
pub fn kiosk_input() -> u32 {
    reg(KIOSK_INPUT)
}

/// Reads what was typed on the keypad (or scanned) into `buf`: printable
/// ASCII characters until the FIFO runs dry or `buf` is full.
pub fn read_keypad(buf: &mut [u8]) -> &str {
    let mut len = 0;
    for slot in buf.iter_mut() {
        let Some(byte) = u8::try_from(reg(KEYPAD)).ok().filter(u8::is_ascii_graphic) else {
            break;
        };
        *slot = byte;
        len += 1;
    }
    // Only ASCII went in, so this never falls back to "".
    buf.get(..len)
        .and_then(|text| core::str::from_utf8(text).ok())
        .unwrap_or_default()
}

/// Writes `text` to the kiosk's display / event output.
pub fn emit(text: &str) {
    for byte in text.bytes() {
        // SAFETY: the event output register is always mapped and writable.
        unsafe { write_volatile(EVENT_OUT, byte) };
    }
}

/// Appends `bytes` to the journal page being written on the part's flash.
pub fn flash_write(bytes: &[u8]) {
    for &byte in bytes {
        // SAFETY: the flash controller's data register is always mapped
        // and writable.
        unsafe { write_volatile(FLASH_WRITE, byte) };
    }
}

/// Syncs the journal page written with [`flash_write`].
///
/// # Errors
///
/// The board's fault, if it reports one.
pub fn flash_commit() -> Result<(), HardwareErrorKind> {
    // SAFETY: the flash controller's commit register is always mapped and
    // writable.
    unsafe { write_volatile(FLASH_COMMIT, 1) };
    fault()
}

/// The journal text stored on flash, if there is one.
#[must_use]
pub fn stored_journal() -> Option<&'static str> {
    // SAFETY: the journal region is memory-mapped flash: a length word
    // followed by that many bytes, always readable.
    let len = unsafe { read_volatile(JOURNAL_FLASH.cast::<u32>()) } as usize;
    if len == 0 || len > JOURNAL_MAX_BYTES {
        return None;
    }
    // SAFETY: as above; the region holds `len` (at most 256 KiB) bytes
    // after the length word, and flash is never written through this
    // mapping, so a shared `'static` slice is sound.
    let bytes = unsafe { core::slice::from_raw_parts(JOURNAL_FLASH.add(4), len) };
    core::str::from_utf8(bytes).ok()
}

/// The flash controller's address register (where the next data byte is
/// programmed) and its erase register (erases the block holding the
/// address written).
#[cfg(feature = "flash")]
const FLASH_ADDRESS: *mut u32 = 0x4000_002c as *mut u32;
#[cfg(feature = "flash")]
const FLASH_ERASE: *mut u32 = 0x4000_0030 as *mut u32;
/// The journal region as a raw flash of 4 KiB blocks (the flash-journal
/// image): the same memory-mapped range as the text journal.
#[cfg(feature = "flash")]
const REGION_BYTES: u32 = JOURNAL_MAX_BYTES as u32;
#[cfg(feature = "flash")]
const BLOCK_BYTES: u32 = 4096;

/// The journal region as raw NOR flash for locker-core's flash journal:
/// read through the memory mapping, programmed and erased through the
/// flash controller.
#[cfg(feature = "flash")]
#[derive(Debug, Default)]
pub struct BoardFlash;

#[cfg(feature = "flash")]
impl locker_core::journal::flash::Flash for BoardFlash {
    type Error = HardwareErrorKind;

    fn capacity_bytes(&self) -> u32 {
        REGION_BYTES
    }

    fn erase_block_bytes(&self) -> u32 {
        BLOCK_BYTES
    }

    fn read(&mut self, offset: u32, buf: &mut [u8]) -> Result<(), Self::Error> {
        for (i, byte) in buf.iter_mut().enumerate() {
            // SAFETY: the journal region is memory-mapped flash, always
            // readable; the journal reads only inside its capacity.
            *byte = unsafe { read_volatile(JOURNAL_FLASH.add(offset as usize + i)) };
        }
        fault()
    }

    fn write(&mut self, offset: u32, bytes: &[u8]) -> Result<(), Self::Error> {
        // SAFETY: the flash controller's registers are always mapped and
        // writable.
        unsafe { write_volatile(FLASH_ADDRESS, offset) };
        flash_write(bytes);
        flash_commit()
    }

    fn erase(&mut self, offset: u32, len: u32) -> Result<(), Self::Error> {
        for block in (offset..offset + len).step_by(BLOCK_BYTES as usize) {
            // SAFETY: as above.
            unsafe { write_volatile(FLASH_ERASE, block) };
            fault()?;
        }
        Ok(())
    }
}

/// The board's fault register as a [`HardwareErrorKind`].
fn fault() -> Result<(), HardwareErrorKind> {
    match reg(STATUS) {
        0 => Ok(()),
        1 => Err(HardwareErrorKind::DoorJammed),
        2 => Err(HardwareErrorKind::BusTimeout),
        _ => Err(HardwareErrorKind::Other),
    }
}

/// The lock board: latches, door and occupancy sensors, RTC and TRNG, all
/// memory-mapped.
#[derive(Debug, Default)]
pub struct Board;

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

/// Site keys as provisioned into the part (a secure element would hold
/// them on a real board).
#[must_use]
pub fn provisioned_keys() -> KeyRing {
    let mut secret = [0_u8; 32];
    for chunk in secret.chunks_mut(4) {
        chunk.copy_from_slice(&reg(TRNG_DATA).to_le_bytes());
    }
    let mut ring = KeyRing::new();
    // A weak secret (a TRNG stuck on one value) leaves the ring empty:
    // the locker then refuses to start rather than run on it.
    if let Ok(key) = SiteKey::from_bytes(KeyId(1), secret) {
        let _ = ring.add(key);
    }
    ring
}

/// Spins forever: where a real firmware would reset or sleep.
pub fn halt() -> ! {
    loop {
        core::hint::spin_loop();
    }
}

/// Gives the allocator its memory. Only the first call does anything, so
/// calling it twice is harmless; [`entry!`] calls it before the firmware's
/// main function.
pub fn init_heap() {
    static STARTED: AtomicBool = AtomicBool::new(false);
    static mut HEAP_MEM: [MaybeUninit<u8>; HEAP_BYTES] = [MaybeUninit::uninit(); HEAP_BYTES];
    if STARTED.swap(true, Ordering::AcqRel) {
        return;
    }
    // SAFETY: the flag above lets exactly one call through, before anything
    // has been allocated (the heap was empty until now); HEAP_MEM is used by
    // nothing but the allocator from here on.
    unsafe { HEAP.init((&raw mut HEAP_MEM) as usize, HEAP_BYTES) };
}

/// What a part's startup code does before Rust runs, for the images that
/// run (under QEMU): the footprint images are linked, never run, and leave
/// it out. Copies `.data` from flash, zeroes `.bss` and turns the FPU on
/// (the `eabihf` code uses it; it is off at reset, and the first floating
/// point instruction would fault).
#[cfg(feature = "qemu")]
#[inline(always)]
pub fn start_qemu() {
    unsafe extern "C" {
        static mut _sdata: u32;
        static mut _edata: u32;
        static _sidata: u32;
        static mut _sbss: u32;
        static mut _ebss: u32;
    }
    /// The Coprocessor Access Control Register.
    const CPACR: *mut u32 = 0xE000_ED88 as *mut u32;
    // SAFETY: runs first in the reset handler, before anything reads a
    // static: the symbols are memory-qemu.x's word-aligned bounds of .data
    // in RAM, its image in flash, and .bss; each word is written once
    // through a raw pointer (no reference to a static is made). CPACR is
    // the core's register; setting CP10 and CP11 to full access enables
    // the FPU, and the barriers make it take effect before the next
    // instruction.
    unsafe {
        let mut to = &raw mut _sdata;
        let mut from = &raw const _sidata;
        while to < &raw mut _edata {
            write_volatile(to, read_volatile(from));
            to = to.add(1);
            from = from.add(1);
        }
        let mut to = &raw mut _sbss;
        while to < &raw mut _ebss {
            write_volatile(to, 0);
            to = to.add(1);
        }
        write_volatile(CPACR, read_volatile(CPACR) | (0xF << 20));
        core::arch::asm!("dsb", "isb", options(nostack, preserves_flags));
    }
}

/// Defines the reset handler (`reset`, the ELF entry point memory.x names)
/// and the reset vector right after the initial stack pointer: the handler
/// sets up the heap, then runs `$main`, a `fn() -> !`.
#[macro_export]
macro_rules! entry {
    ($main:path) => {
        /// The reset handler: set up the heap, then run the firmware.
        #[allow(unsafe_code)]
        #[unsafe(no_mangle)]
        pub extern "C" fn reset() -> ! {
            #[cfg(feature = "qemu")]
            $crate::start_qemu();
            $crate::init_heap();
            $main()
        }

        /// The reset vector, placed right after the initial stack pointer.
        #[allow(unsafe_code)]
        #[unsafe(link_section = ".vector_table.reset_vector")]
        #[unsafe(no_mangle)]
        pub static RESET_VECTOR: extern "C" fn() -> ! = reset;
    };
}

/// Bytes of the heap in use now: what the allocations ask for, rounded
/// up as the allocator lays them out (what RAM they really take).
#[must_use]
pub fn heap_used_bytes() -> usize {
    HEAP.used()
}

#[panic_handler]
fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
    // Under QEMU a panic ends the run as a failure rather than hanging it.
    #[cfg(feature = "qemu")]
    semihosting::exit(false);
    #[cfg(not(feature = "qemu"))]
    halt()
}

/// Output and exit through the debugger (ARM semihosting), as QEMU serves
/// it with `-semihosting-config enable=on`: only the images run under
/// QEMU use it (a part without a debugger attached would fault on it).
#[cfg(feature = "qemu")]
pub mod semihosting {
    /// SYS_WRITE0: write a NUL-terminated string to the host's console.
    const SYS_WRITE0: u32 = 0x04;
    /// SYS_EXIT: stop the target; the host exits with the reason's status.
    const SYS_EXIT: u32 = 0x18;
    /// ADP_Stopped_ApplicationExit: QEMU exits with status 0.
    const APPLICATION_EXIT: u32 = 0x2_0026;
    /// ADP_Stopped_RunTimeErrorUnknown: QEMU exits with status 1.
    const RUN_TIME_ERROR: u32 = 0x2_0023;

    fn call(operation: u32, argument: u32) {
        // SAFETY: `bkpt 0xab` is the semihosting call: the debugger (QEMU)
        // performs `operation` on `argument` and returns in r0; it reads
        // only the memory `argument` points to, which the callers keep
        // alive across the call.
        unsafe {
            core::arch::asm!(
                "bkpt #0xab",
                inout("r0") operation => _,
                in("r1") argument,
                options(nostack, preserves_flags)
            );
        }
    }

    /// Writes `text` to the host's console, in pieces of up to 127 bytes.
    pub fn write(text: &str) {
        let mut piece = [0_u8; 128];
        for chunk in text.as_bytes().chunks(piece.len() - 1) {
            piece[..chunk.len()].copy_from_slice(chunk);
            piece[chunk.len()] = 0;
            call(SYS_WRITE0, piece.as_ptr() as u32);
        }
    }

    /// Stops the run: QEMU exits with status 0 on `success`, 1 otherwise.
    pub fn exit(success: bool) -> ! {
        call(
            SYS_EXIT,
            if success {
                APPLICATION_EXIT
            } else {
                RUN_TIME_ERROR
            },
        );
        super::halt()
    }
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
