//! What the library needs from a bare-metal firmware (`target_os = "none"`,
//! built without `std`), taken from its C side so that one `liblocker.a`
//! links with the vendor's C library:
//!
//! - the heap: the C library's `malloc` and `free` (a block is wiped
//!   before it is freed: it may have held a PIN or a key);
//! - the panic hook `locker_panic`: a panic is a bug in the library; with
//!   no unwinding on bare metal it ends in the firmware's hook (log, then
//!   reset), never back in the caller.

use core::alloc::{GlobalAlloc, Layout};
use core::cell::UnsafeCell;
use core::ffi::c_char;
use core::fmt::{self, Write};
use core::sync::atomic::{AtomicBool, Ordering};

use zeroize::Zeroize;

/// The C library's heap (not part of `locker.h`).
///
/// cbindgen:ignore
mod libc {
    use core::ffi::c_void;

    unsafe extern "C" {
        pub(super) fn malloc(size: usize) -> *mut c_void;
        pub(super) fn free(block: *mut c_void);
    }
}

unsafe extern "C" {
    /// Bare-metal builds only (`liblocker.a` built without the `std`
    /// feature): the firmware defines this function. The library calls it
    /// on a panic, that is an internal bug, with a NUL-terminated
    /// description, instead of returning to the caller: nothing unwinds on
    /// bare metal, and the locker's state may be broken. It must not
    /// return: log the message, then reset the part (if it returns, the
    /// library halts in a loop). The hosted library never calls it.
    ///
    /// Thread safety: called on the context that panicked.
    pub fn locker_panic(message: *const c_char);
}

/// What `malloc` aligns every block to on the EABI (two words).
const MALLOC_ALIGN: usize = 8;

/// The C library's heap, for blocks aligned up to 8 bytes; a stricter
/// alignment (none of the library's types asks for one) is served by
/// over-allocating and keeping `malloc`'s pointer just before the block.
struct CHeap;

#[global_allocator]
static HEAP: CHeap = CHeap;

/// `layout`'s size plus what it takes to align it and keep the pointer.
fn padded(layout: Layout) -> Option<usize> {
    layout.size().checked_add(layout.align())
}

// SAFETY: blocks come from `malloc`, sized and aligned as asked (below),
// and go back to `free` exactly once, through `dealloc` with the layout
// they were made with (GlobalAlloc's contract on the caller).
unsafe impl GlobalAlloc for CHeap {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if layout.align() <= MALLOC_ALIGN {
            // SAFETY: plain C call; NULL (out of memory) is passed on.
            return unsafe { libc::malloc(layout.size()) }.cast();
        }
        let Some(size) = padded(layout) else {
            return core::ptr::null_mut();
        };
        // SAFETY: plain C call.
        let raw = unsafe { libc::malloc(size) }.cast::<u8>();
        if raw.is_null() {
            return raw;
        }
        // The first aligned address past `raw`: `raw` is 8-aligned and
        // `align` a larger power of two, so `offset` is a multiple of 8 in
        // 8..=align, room for the pointer kept before the block.
        let offset = layout.align() - (raw.addr() & (layout.align() - 1));
        // SAFETY: `offset` is at most `align`, so the block's
        // `layout.size()` bytes stay inside the `size + align` bytes
        // malloc gave.
        let block = unsafe { raw.add(offset) };
        // SAFETY: the pointer-sized slot before `block` starts at or after
        // `raw` (offset ≥ 8 ≥ a pointer) and is aligned for a pointer
        // (block is aligned to more than 8).
        unsafe { block.cast::<*mut u8>().sub(1).write(raw) };
        block
    }

    unsafe fn dealloc(&self, block: *mut u8, layout: Layout) {
        // SAFETY: by GlobalAlloc's contract `block` holds `layout.size()`
        // bytes this allocator handed out; wiped with volatile writes
        // (zeroize), which the compiler keeps before `free`.
        unsafe { core::slice::from_raw_parts_mut(block, layout.size()) }.zeroize();
        let raw = if layout.align() <= MALLOC_ALIGN {
            block
        } else {
            // SAFETY: `alloc` kept malloc's pointer just before the block.
            unsafe { block.cast::<*mut u8>().sub(1).read() }
        };
        // SAFETY: `raw` came from `malloc` and is freed once, here.
        unsafe { libc::free(raw.cast()) };
    }
}

/// Where the panic message is written for `locker_panic`: static, as the
/// heap may be what failed.
struct Message {
    text: UnsafeCell<[u8; MESSAGE_BYTES]>,
    taken: AtomicBool,
}

const MESSAGE_BYTES: usize = 160;

// SAFETY: `text` is written only by the one panic that set `taken`.
unsafe impl Sync for Message {}

static MESSAGE: Message = Message {
    text: UnsafeCell::new([0; MESSAGE_BYTES]),
    taken: AtomicBool::new(false),
};

/// Fills a buffer, cutting what does not fit and keeping a NUL at the end.
struct Cut<'a> {
    buffer: &'a mut [u8; MESSAGE_BYTES],
    len: usize,
}

impl Write for Cut<'_> {
    fn write_str(&mut self, text: &str) -> fmt::Result {
        for &byte in text.as_bytes() {
            if self.len + 1 >= MESSAGE_BYTES {
                break;
            }
            self.buffer[self.len] = byte;
            self.len += 1;
        }
        Ok(())
    }
}

#[panic_handler]
fn panic(info: &core::panic::PanicInfo<'_>) -> ! {
    let message = if MESSAGE.taken.swap(true, Ordering::Acquire) {
        // A panic while reporting one.
        c"locker: panic while panicking".as_ptr()
    } else {
        // SAFETY: `taken` was false and is now set: this is the only
        // writer, ever.
        let buffer = unsafe { &mut *MESSAGE.text.get() };
        let mut cut = Cut { buffer, len: 0 };
        let _ = write!(cut, "locker: internal error (panic): {}", info.message());
        cut.buffer[cut.len] = 0;
        cut.buffer.as_ptr().cast()
    };
    // SAFETY: the firmware's hook, given a NUL-terminated string.
    unsafe { locker_panic(message) };
    // The hook should not return; if it does, halt here rather than go
    // back into code that broke an invariant.
    loop {
        core::hint::spin_loop();
    }
}
