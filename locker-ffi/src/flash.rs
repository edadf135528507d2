//! The vendor's raw flash region as C function pointers: the
//! [`locker_flash`] struct, and its implementation of the core's
//! [`Flash`] trait, which the core's `FlashJournal` lays its two halves
//! out in.

use alloc::format;
use core::ffi::{c_int, c_void};
use core::fmt;

use locker_core::journal::flash::Flash;

use crate::error::Error;
use crate::ptr::{Versions, read_versioned};

/// A region of NOR-like flash the journal owns, as C function pointers
/// that all receive `ctx` as their first argument.
///
/// The journal lays the region out as two halves (A and B) of whole
/// erase blocks; see the README's "The journal on raw flash". Nothing
/// else may write to the region.
///
/// The library calls the callbacks only during a call into the library,
/// on the calling thread, one at a time, never re-entrantly; a callback
/// must not call back into the same `locker` (that returns
/// `LOCKER_BUSY`). Pointers passed to a callback are valid only during
/// that callback. `ctx` and the functions must stay valid until the
/// `locker` is freed; the struct itself is copied by `locker_open_flash`.
/// Every offset and length the library passes lies inside the region
/// (and an erase covers whole erase blocks): the library checks that
/// before calling.
///
/// Each callback returns 0 on success, or any non-zero value on failure
/// (for example a negative errno): the library names the callback, the
/// value, the offset and the length in the last-error message and returns
/// `LOCKER_FLASH_FAILED`.
///
/// Set `size` to `sizeof(locker_flash)` (zero the struct first, then fill
/// it in): the struct can then grow at its end in later versions without
/// breaking programs built against this header. A size this library does
/// not know is refused with `LOCKER_STRUCT_SIZE`.
///
/// All three callbacks are required.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct locker_flash {
    /// `sizeof(locker_flash)`, set by the caller.
    pub size: usize,
    /// The vendor's context, passed to every callback.
    pub ctx: *mut c_void,
    /// Bytes in the region: an even number of erase blocks, so that each
    /// half is whole blocks (otherwise `LOCKER_FLASH_LAYOUT`), each half at
    /// least 64 bytes.
    pub capacity_bytes: u32,
    /// Bytes in one erase block (the smallest unit `erase` clears), not 0.
    pub erase_block_bytes: u32,
    /// Reads `len` bytes at `offset` (from the region's start) into `buf`.
    /// Erased bytes read as 0xFF. Return 0, or non-zero on failure.
    pub read: Option<
        unsafe extern "C" fn(ctx: *mut c_void, offset: u32, buf: *mut u8, len: usize) -> c_int,
    >,
    /// Programs `len` bytes at `offset`, which the library erased before:
    /// bits go from 1 to 0 only (NOR flash; a byte written over 0xFF reads
    /// back as written). Return 0 only once the bytes survive a power cut
    /// (wait for the chip's write-in-progress bit); non-zero on failure,
    /// the bytes then written in part or not at all.
    pub write: Option<
        unsafe extern "C" fn(ctx: *mut c_void, offset: u32, bytes: *const u8, len: usize) -> c_int,
    >,
    /// Erases `len` bytes at `offset` back to 0xFF: both multiples of
    /// `erase_block_bytes`. Return 0 once erased, non-zero on failure (the
    /// blocks may then hold anything).
    pub erase: Option<unsafe extern "C" fn(ctx: *mut c_void, offset: u32, len: u32) -> c_int>,
}

/// The versions of `locker_flash` this library reads: only this one so
/// far (the first). A later version that grows the struct also reads the
/// sizes before it, the fields they lack as NULL.
const VERSIONS: Versions<locker_flash> = Versions {
    type_name: "locker_flash",
    sizes: &[core::mem::size_of::<locker_flash>()],
    missing: locker_flash {
        size: 0,
        ctx: core::ptr::null_mut(),
        capacity_bytes: 0,
        erase_block_bytes: 0,
        read: None,
        write: None,
        erase: None,
    },
};

type ReadFn = unsafe extern "C" fn(*mut c_void, u32, *mut u8, usize) -> c_int;
type WriteFn = unsafe extern "C" fn(*mut c_void, u32, *const u8, usize) -> c_int;
type EraseFn = unsafe extern "C" fn(*mut c_void, u32, u32) -> c_int;

/// A [`locker_flash`] with its callbacks checked once: the core's
/// [`Flash`] over the vendor's functions.
pub(crate) struct CFlash {
    ctx: *mut c_void,
    capacity_bytes: u32,
    erase_block_bytes: u32,
    read: ReadFn,
    write: WriteFn,
    erase: EraseFn,
}

impl fmt::Debug for CFlash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CFlash")
            .field("capacity_bytes", &self.capacity_bytes)
            .field("erase_block_bytes", &self.erase_block_bytes)
            .finish_non_exhaustive()
    }
}

/// Reads the vendor's struct behind `flash`: checks its `size` first
/// (before reading anything past it), then every callback.
pub(crate) fn read_flash(flash: *const locker_flash) -> Result<CFlash, Error> {
    // SAFETY: `locker_flash` is `#[repr(C)]` and starts with `size`; its
    // one version's size is its own; its fields are a size_t, a pointer,
    // two uint32_t and nullable function pointers, any value of which is
    // valid.
    let copy = unsafe { read_versioned(flash, "flash", &VERSIONS) }?;
    let required = |name: &str| Error::null(&format!("flash->{name}"));
    Ok(CFlash {
        ctx: copy.ctx,
        capacity_bytes: copy.capacity_bytes,
        erase_block_bytes: copy.erase_block_bytes,
        read: copy.read.ok_or_else(|| required("read"))?,
        write: copy.write.ok_or_else(|| required("write"))?,
        erase: copy.erase.ok_or_else(|| required("erase"))?,
    })
}

/// Why a flash callback failed, or was not called.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct CFlashError {
    /// `read`, `write` or `erase`.
    op: &'static str,
    offset: u32,
    len: u64,
    why: Refusal,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Refusal {
    /// The callback returned this (non-zero).
    Returned(c_int),
    /// The range is outside the region (or not whole blocks, for an
    /// erase): the callback was not called.
    OutOfRange(u32),
}

impl fmt::Display for CFlashError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Self {
            op, offset, len, ..
        } = self;
        match self.why {
            Refusal::Returned(code) => write!(
                f,
                "flash->{op} returned {code} (offset {offset}, {len} bytes)"
            ),
            Refusal::OutOfRange(capacity) => write!(
                f,
                "flash->{op} of {len} bytes at offset {offset} is outside the {capacity}-byte \
                 region or its erase blocks (not called)"
            ),
        }
    }
}

impl CFlash {
    /// Checks that `len` bytes at `offset` lie in the region (and, for an
    /// erase, cover whole blocks), so the vendor's callback is never asked
    /// for anything else.
    fn check(&self, op: &'static str, offset: u32, len: usize) -> Result<(), CFlashError> {
        let len = u64::try_from(len).unwrap_or(u64::MAX);
        let end = u64::from(offset).saturating_add(len);
        let block = u64::from(self.erase_block_bytes);
        let aligned =
            op != "erase" || (block != 0 && u64::from(offset) % block == 0 && len % block == 0);
        if end <= u64::from(self.capacity_bytes) && aligned {
            Ok(())
        } else {
            Err(CFlashError {
                op,
                offset,
                len,
                why: Refusal::OutOfRange(self.capacity_bytes),
            })
        }
    }

    /// A callback's return code as a result.
    fn result(op: &'static str, offset: u32, len: usize, code: c_int) -> Result<(), CFlashError> {
        if code == 0 {
            Ok(())
        } else {
            Err(CFlashError {
                op,
                offset,
                len: u64::try_from(len).unwrap_or(u64::MAX),
                why: Refusal::Returned(code),
            })
        }
    }
}

impl Flash for CFlash {
    type Error = CFlashError;

    fn capacity_bytes(&self) -> u32 {
        self.capacity_bytes
    }

    fn erase_block_bytes(&self) -> u32 {
        self.erase_block_bytes
    }

    fn read(&mut self, offset: u32, buf: &mut [u8]) -> Result<(), Self::Error> {
        self.check("read", offset, buf.len())?;
        // SAFETY: the vendor promised (locker_open_flash's contract) that
        // `read` and `ctx` stay valid while the locker lives; `buf` is
        // valid for writes of `buf.len()` bytes for the duration of the
        // call, and the range lies in the region (checked).
        let code = unsafe { (self.read)(self.ctx, offset, buf.as_mut_ptr(), buf.len()) };
        Self::result("read", offset, buf.len(), code)
    }

    fn write(&mut self, offset: u32, bytes: &[u8]) -> Result<(), Self::Error> {
        self.check("write", offset, bytes.len())?;
        // SAFETY: as for `read`; `bytes` is valid for reads of
        // `bytes.len()` bytes for the duration of the call, and the
        // callback only reads it.
        let code = unsafe { (self.write)(self.ctx, offset, bytes.as_ptr(), bytes.len()) };
        Self::result("write", offset, bytes.len(), code)
    }

    fn erase(&mut self, offset: u32, len: u32) -> Result<(), Self::Error> {
        let wide = usize::try_from(len).unwrap_or(usize::MAX);
        self.check("erase", offset, wide)?;
        // SAFETY: as for `read`; only plain values are passed.
        let code = unsafe { (self.erase)(self.ctx, offset, len) };
        Self::result("erase", offset, wide, code)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::locker_status;

    /// A RAM-backed NOR flash behind the callbacks: `ctx` is a `Vec<u8>`.
    fn ram(ctx: *mut c_void) -> &'static mut Vec<u8> {
        // SAFETY: every test passes a live, exclusively used `Vec<u8>`.
        unsafe { &mut *ctx.cast::<Vec<u8>>() }
    }

    unsafe extern "C" fn read(ctx: *mut c_void, offset: u32, buf: *mut u8, len: usize) -> c_int {
        let at = offset as usize;
        // SAFETY: the library passes `len` writable bytes.
        let out = unsafe { core::slice::from_raw_parts_mut(buf, len) };
        out.copy_from_slice(&ram(ctx)[at..at + len]);
        0
    }

    unsafe extern "C" fn write(
        ctx: *mut c_void,
        offset: u32,
        bytes: *const u8,
        len: usize,
    ) -> c_int {
        let at = offset as usize;
        // SAFETY: the library passes `len` readable bytes.
        let bytes = unsafe { core::slice::from_raw_parts(bytes, len) };
        for (cell, byte) in ram(ctx)[at..at + len].iter_mut().zip(bytes) {
            *cell &= byte;
        }
        0
    }

    unsafe extern "C" fn erase(_: *mut c_void, _: u32, _: u32) -> c_int {
        -5
    }

    fn flash(ctx: &mut Vec<u8>) -> locker_flash {
        locker_flash {
            size: core::mem::size_of::<locker_flash>(),
            ctx: (ctx as *mut Vec<u8>).cast(),
            capacity_bytes: u32::try_from(ctx.len()).unwrap(),
            erase_block_bytes: 256,
            read: Some(read),
            write: Some(write),
            erase: Some(erase),
        }
    }

    #[test]
    fn callbacks_are_checked_and_ranges_never_leave_the_region() {
        let mut bytes = vec![0xFF; 1024];
        let c = flash(&mut bytes);
        let mut adapter = read_flash(&raw const c).unwrap();
        adapter.write(10, &[0x0F, 0xF0]).unwrap();
        let mut back = [0; 2];
        adapter.read(10, &mut back).unwrap();
        assert_eq!(back, [0x0F, 0xF0]);

        let error = adapter.erase(0, 256).unwrap_err();
        assert_eq!(
            error.to_string(),
            "flash->erase returned -5 (offset 0, 256 bytes)"
        );
        // Outside the region, or not whole blocks: never called.
        let mut past = [0; 8];
        let error = adapter.read(1020, &mut past).unwrap_err();
        assert!(error.to_string().contains("outside the 1024-byte region"));
        assert!(adapter.write(u32::MAX, &[0]).is_err());
        assert!(adapter.erase(128, 256).is_err());
        assert!(adapter.erase(0, 100).is_err());
    }

    #[test]
    fn a_missing_callback_or_an_unknown_size_is_refused() {
        let mut bytes = vec![0xFF; 1024];
        let c = locker_flash {
            erase: None,
            ..flash(&mut bytes)
        };
        let error = read_flash(&raw const c).unwrap_err();
        assert_eq!(error.status, locker_status::LOCKER_NULL_POINTER);
        assert_eq!(error.message, "flash->erase is NULL");

        let small = locker_flash {
            size: 16,
            ..flash(&mut bytes)
        };
        let error = read_flash(&raw const small).unwrap_err();
        assert_eq!(error.status, locker_status::LOCKER_STRUCT_SIZE);
        assert!(error.message.contains("flash->size is 16"));

        let error = read_flash(core::ptr::null()).unwrap_err();
        assert_eq!(error.status, locker_status::LOCKER_NULL_POINTER);
    }
}
