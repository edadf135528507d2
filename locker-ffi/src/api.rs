//! The `locker` handle: a running locker over the vendor's hardware, and
//! every operation on it.

use alloc::boxed::Box;
use alloc::collections::VecDeque;
use core::cell::RefCell;
use core::ffi::c_char;

use locker_core::locker::{Event, Locker, LockerConfig};

use crate::error::Error;
use crate::hardware::{CHardware, locker_hardware, read_hardware};
use crate::journal::Journal;
use crate::ptr::{borrow, bytes_arg, json_arg, non_null, opt_str_arg, write_out, write_string};
use crate::{boundary, keys, locker_status};

pub(crate) type Core = Locker<CHardware, Journal>;

/// A running locker bank: its state, its keys, and the vendor's hardware
/// and journal callbacks. Opaque; made by `locker_new`,
/// `locker_new_with_keys` or `locker_restore`, released by `locker_free`.
///
/// Thread safety: a `locker` may move between threads but must be used by
/// one thread at a time (the callbacks run on the calling thread). A call
/// from inside one of its own callbacks returns `LOCKER_BUSY`.
pub struct locker {
    slot: RefCell<Slot>,
}

struct Slot {
    core: Core,
    /// Events taken from the core that C has not taken yet: one
    /// `locker_take_event` takes one of them.
    pending: VecDeque<Event>,
    /// Set while an operation runs; still set if it panicked.
    poisoned: bool,
}

/// Runs `body` on the locker behind `handle`: refuses NULL, re-entrant
/// calls and a handle poisoned by an earlier panic.
pub(crate) fn with_locker<R>(
    handle: *const locker,
    body: impl FnOnce(&mut Core) -> Result<R, Error>,
) -> Result<R, Error> {
    with_slot(handle, |core, _| body(core))
}

/// Runs `body` on the events of the locker behind `handle` not taken yet,
/// oldest first (those the typed and the JSON way leave, in one queue).
pub(crate) fn with_events<R>(
    handle: *const locker,
    body: impl FnOnce(&mut VecDeque<Event>) -> Result<R, Error>,
) -> Result<R, Error> {
    with_slot(handle, |core, pending| {
        pending.extend(core.take_events());
        body(pending)
    })
}

fn with_slot<R>(
    handle: *const locker,
    body: impl FnOnce(&mut Core, &mut VecDeque<Event>) -> Result<R, Error>,
) -> Result<R, Error> {
    let handle = borrow(handle, "locker")?;
    let mut slot = handle
        .slot
        .try_borrow_mut()
        .map_err(|_| Error::from(locker_status::LOCKER_BUSY))?;
    if slot.poisoned {
        return Err(locker_status::LOCKER_POISONED.into());
    }
    slot.poisoned = true;
    // A storage failure of an earlier call says nothing about this one.
    let _ = slot.core.journal().take_failure();
    let Slot { core, pending, .. } = &mut *slot;
    let result = body(core, pending);
    slot.poisoned = false;
    result.map_err(|error| slot.core.journal().refine(error))
}

pub(crate) fn into_handle(core: Core, out_locker: *mut *mut locker) -> Result<(), Error> {
    let handle = Box::into_raw(Box::new(locker {
        slot: RefCell::new(Slot {
            core,
            pending: VecDeque::new(),
            poisoned: false,
        }),
    }));
    write_out(out_locker, handle)
}

pub(crate) fn parse_config(config_json: *const c_char) -> Result<LockerConfig, Error> {
    match opt_str_arg(config_json, "config_json")? {
        None => Ok(LockerConfig::default()),
        Some(json) => json_arg(json, "config_json", locker_status::LOCKER_CONFIG_INVALID),
    }
}

/// Starts a new locker: reads the configuration, draws a site key from
/// `hardware->fill_random`, and appends the configuration as the journal's
/// first record through `hardware->journal_append` (the journal must be
/// empty). Keep the keys with `locker_keys_export` to restore it later.
///
/// `config_json` is a UTF-8 JSON object `{"bank": {...}, "policy": {...},
/// "credentials": {...}, "bank_id": 31}` (snake_case, as in every binding;
/// `policy`, `credentials` and `bank_id` may be left out; an unknown field
/// is refused), or NULL for the default bank and policies. `bank_id` is the
/// bank QR tokens, remote commands and signed times must name (0 when left
/// out). `hardware` is copied (its `size` must be
/// `sizeof(locker_hardware)`, or the size of an older header's struct);
/// its `ctx` and callbacks must stay valid until `locker_free`. With a
/// monotonic counter, the locker raises it after every record; with an
/// uptime counter, it holds back a clock pushed ahead of the time lived.
/// On `LOCKER_OK`, `*out_locker` is a new handle the caller owns and
/// releases with `locker_free`.
///
/// The configuration's credential policy (`credentials`) must meet its
/// brute-force bound: with 200 active PINs, a guesser at every kiosk for
/// 24 hours opens a door with at most `credentials.brute_force.
/// target_per_billion` chances per billion (default 1,000: 10^-6). A
/// policy above it (for example 4-digit PINs without the unit number) is
/// refused with `LOCKER_BOUND_EXCEEDED`, the last-error message naming the
/// bound and the target; a higher target needs its `override_reason`,
/// which the journal then keeps. `locker_brute_force_bound` computes the
/// bound of a policy.
///
/// Returns `LOCKER_NULL_POINTER` (a NULL argument or required callback),
/// `LOCKER_STRUCT_SIZE`, `LOCKER_INVALID_UTF8`, `LOCKER_CONFIG_INVALID`,
/// `LOCKER_BOUND_EXCEEDED`, the hardware status (500–599) of a failing
/// clock, RNG or counter, or `LOCKER_JOURNAL_WRITE`.
///
/// Ownership: `config_json`, `keys` and `*hardware` are read during this call
/// only (the struct is copied); `hardware->ctx` and the callbacks are kept
/// and must outlive the locker. Thread safety: callable from any thread;
/// the callbacks run on the calling thread, during the call.
#[unsafe(no_mangle)]
pub extern "C" fn locker_new(
    config_json: *const c_char,
    hardware: *const locker_hardware,
    out_locker: *mut *mut locker,
) -> locker_status {
    boundary(|| {
        non_null(out_locker, "out_locker")?;
        let (hardware, journal) = read_hardware(hardware)?;
        let config = parse_config(config_json)?;
        let core = Locker::new(config, hardware, Journal::Lines(journal))?;
        into_handle(core, out_locker)
    })
}

/// As `locker_new`, with provisioned site keys (`keys_len` bytes in the
/// format of `locker_keys_export`, for example shared with a cloud service
/// that issues QR tokens) instead of a fresh key.
///
/// Also returns `LOCKER_KEYS_INVALID` for malformed key bytes and
/// `LOCKER_WEAK_KEY` for a secret no random source would give (see
/// `LOCKER_WEAK_KEY`; the message says what gave it away). The caller
/// keeps (and should wipe) its copy of `keys`.
///
/// Ownership: `config_json`, `keys` and `*hardware` are read during this call
/// only (the struct is copied); `hardware->ctx` and the callbacks are kept
/// and must outlive the locker. Thread safety: callable from any thread;
/// the callbacks run on the calling thread, during the call.
#[unsafe(no_mangle)]
pub extern "C" fn locker_new_with_keys(
    config_json: *const c_char,
    keys: *const u8,
    keys_len: usize,
    hardware: *const locker_hardware,
    out_locker: *mut *mut locker,
) -> locker_status {
    boundary(|| {
        non_null(out_locker, "out_locker")?;
        non_null(keys, "keys")?;
        let (hardware, journal) = read_hardware(hardware)?;
        let ring = keys::import(bytes_arg(keys, keys_len, "keys")?)?;
        let config = parse_config(config_json)?;
        let core = Locker::with_keys(config, ring, hardware, Journal::Lines(journal))?;
        into_handle(core, out_locker)
    })
}

/// Releases a locker. `NULL` is a no-op. The hardware `ctx` is not
/// touched; the vendor frees it afterwards. Must not be called from one of
/// the locker's own callbacks (the handle is then left alone).
///
/// # Safety
///
/// `handle` is NULL or a handle this library returned and that was not
/// freed yet.
///
/// Ownership: gives back what the library allocated. Thread safety: any
/// thread, but not while the object is in use by another thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn locker_free(handle: *mut locker) {
    if handle.is_null() {
        return;
    }
    let _ = crate::catch_panic(|| {
        // SAFETY: non-NULL; by the header contract it came from
        // `into_handle` and was not freed before.
        let busy = unsafe { &*handle }.slot.try_borrow_mut().is_err();
        if !busy {
            // SAFETY: as above, and no borrow of it is live (not inside a
            // call); ownership comes back here exactly once.
            drop(unsafe { Box::from_raw(handle) });
        }
    });
}

/// Writes how many bytes `locker_keys_export` needs to `*out_len`.
///
/// Ownership: pointer arguments are borrowed for this call only; nothing is
/// kept. Thread safety: one thread at a time per `locker` (from any
/// thread); not from inside the locker's own callbacks (`LOCKER_BUSY`).
#[unsafe(no_mangle)]
pub extern "C" fn locker_keys_len(handle: *const locker, out_len: *mut usize) -> locker_status {
    boundary(|| {
        non_null(out_len, "out_len")?;
        let len = with_locker(handle, |core| Ok(keys::exported_len(core.keys())))?;
        write_out(out_len, len)
    })
}

/// Copies the site keys into `buf` (`cap` bytes) and writes the length to
/// `*out_len`: a format byte and the largest key id ever used (big-endian,
/// 2 bytes), then per key a big-endian 2-byte id and 32 secret bytes. These are the secrets every PIN and token depends on:
/// store them protected, and wipe `buf` after use. Returns
/// `LOCKER_BUFFER_TOO_SMALL` (nothing written) when `cap` is less than
/// `locker_keys_len`.
///
/// Ownership: pointer arguments are borrowed for this call only; nothing is
/// kept. Thread safety: one thread at a time per `locker` (from any
/// thread); not from inside the locker's own callbacks (`LOCKER_BUSY`).
#[unsafe(no_mangle)]
pub extern "C" fn locker_keys_export(
    handle: *const locker,
    buf: *mut u8,
    cap: usize,
    out_len: *mut usize,
) -> locker_status {
    boundary(|| {
        non_null(buf, "buf")?;
        non_null(out_len, "out_len")?;
        let len = with_locker(handle, |core| {
            let len = keys::exported_len(core.keys());
            if cap < len {
                return Err(Error::new(
                    locker_status::LOCKER_BUFFER_TOO_SMALL,
                    format_args!("the keys need {len} bytes, the buffer has {cap}"),
                ));
            }
            // SAFETY: `buf` is non-NULL (checked) and, by the header
            // contract, valid for writes of `cap >= len` bytes.
            let out = unsafe { core::slice::from_raw_parts_mut(buf, len) };
            keys::export(core.keys(), out)?;
            Ok(len)
        })?;
        write_out(out_len, len)
    })
}

/// Takes the events raised since the last call, as a JSON array of objects
/// tagged by `"type"` (snake_case; see the README for every type), for
/// example `[{"type":"parcel_ready","recipient":12,"compartment":3,
/// "parcels":1,"parcel_ids":[1001],"carrier":1,"pin":"12345678",
/// "pin_opens":[3],"qr_token":"…","expires_at_s":…}]`; `[]` when there
/// are none. `pin_opens` lists every door the PIN opens: more than this
/// one when the resident held as many PINs as the policy allows, whose
/// earlier PINs it then replaces (tell the resident). `overflow` says a
/// parcel found no door; `suspicious_attempts` that a throttle started
/// refusing (for a unit's PINs: send that resident their QR code).
///
/// `parcel_ready` carries the recipient's PIN and QR token and
/// `return_ready` the carrier's token: pass them on, never log them. On
/// `LOCKER_OK`, `*out_json` is a new string owned by the caller; release it
/// with `locker_string_free` (which wipes it), never `free()`.
///
/// Ownership: pointer arguments are borrowed for this call only; nothing is
/// kept. Thread safety: one thread at a time per `locker` (from any
/// thread); not from inside the locker's own callbacks (`LOCKER_BUSY`).
#[unsafe(no_mangle)]
pub extern "C" fn locker_take_events(
    handle: *mut locker,
    out_json: *mut *mut c_char,
) -> locker_status {
    boundary(|| {
        non_null(out_json, "out_json")?;
        let json = with_events(handle, |pending| {
            let json = crate::events::to_json(pending.make_contiguous());
            pending.clear();
            Ok(json)
        })?;
        write_string(out_json, json)
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use core::ffi::{CStr, c_int, c_void};

    use super::*;
    use crate::ops::{locker_issue_courier_code, locker_tick};
    use crate::{locker_hw_result, locker_string_free};

    /// A lock board in Rust behind the C callbacks.
    #[derive(Default)]
    struct Board {
        journal: Vec<u8>,
        rng: u64,
    }

    fn board(ctx: *mut c_void) -> &'static mut Board {
        // SAFETY: every test passes a live, exclusively used `Board` as ctx.
        unsafe { &mut *ctx.cast::<Board>() }
    }

    unsafe extern "C" fn unlock(_: *mut c_void, _: u32) -> c_int {
        locker_hw_result::LOCKER_HW_OK as c_int
    }

    unsafe extern "C" fn door_state(_: *mut c_void, _: u32, out_open: *mut bool) -> c_int {
        // SAFETY: the library passes a valid out-pointer.
        unsafe { out_open.write(false) };
        0
    }

    unsafe extern "C" fn now_s(_: *mut c_void, out: *mut u64) -> c_int {
        // SAFETY: the library passes a valid out-pointer.
        unsafe { out.write(1_700_000_000) };
        0
    }

    unsafe extern "C" fn fill_random(ctx: *mut c_void, buf: *mut u8, len: usize) -> c_int {
        let board = board(ctx);
        for i in 0..len {
            board.rng = board
                .rng
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1);
            // SAFETY: the library passes a buffer of `len` bytes.
            unsafe { buf.add(i).write(board.rng.to_le_bytes()[7]) };
        }
        0
    }

    unsafe extern "C" fn append(ctx: *mut c_void, line: *const c_char, len: usize) -> c_int {
        // SAFETY: the library passes `len` readable bytes.
        let bytes = unsafe { core::slice::from_raw_parts(line.cast::<u8>(), len) };
        board(ctx).journal.extend_from_slice(bytes);
        0
    }

    fn hardware(board: &mut Board) -> locker_hardware {
        locker_hardware {
            size: core::mem::size_of::<locker_hardware>(),
            ctx: (board as *mut Board).cast(),
            unlock: Some(unlock),
            door_state: Some(door_state),
            occupancy: None,
            now_s: Some(now_s),
            fill_random: Some(fill_random),
            journal_append: Some(append),
            journal_read: None,
            journal_truncate: None,
            monotonic_counter: None,
            raise_monotonic_counter: None,
            uptime_s: None,
        }
    }

    #[test]
    fn a_panic_inside_an_operation_poisons_the_handle() {
        let mut board = Board::default();
        let hardware = hardware(&mut board);
        let mut handle = core::ptr::null_mut();
        assert_eq!(
            locker_new(core::ptr::null(), &raw const hardware, &raw mut handle),
            locker_status::LOCKER_OK
        );
        assert!(board.journal.ends_with(b"\n"));
        assert_eq!(
            boundary(|| with_locker(handle, |_| panic!("bug"))),
            locker_status::LOCKER_PANIC
        );
        assert_eq!(locker_tick(handle), locker_status::LOCKER_POISONED);
        // SAFETY: a handle from locker_new, freed once.
        unsafe { locker_free(handle) };
    }

    #[test]
    fn events_come_out_as_json_and_strings_are_freed() {
        let mut board = Board::default();
        let hardware = hardware(&mut board);
        let mut handle = core::ptr::null_mut();
        assert_eq!(
            locker_new(core::ptr::null(), &raw const hardware, &raw mut handle),
            locker_status::LOCKER_OK
        );
        let mut json = core::ptr::null_mut();
        assert_eq!(
            locker_take_events(handle, &raw mut json),
            locker_status::LOCKER_OK
        );
        // SAFETY: a string the library just returned.
        assert_eq!(unsafe { CStr::from_ptr(json) }.to_str().unwrap(), "[]");
        // SAFETY: returned by the library, freed once.
        unsafe { locker_string_free(json) };
        let mut code = core::ptr::null_mut();
        assert_eq!(
            locker_issue_courier_code(handle, 1, 3_600, &raw mut code),
            locker_status::LOCKER_OK
        );
        // SAFETY: a string the library just returned.
        let digits = unsafe { CStr::from_ptr(code) }.to_str().unwrap().len();
        assert_eq!(digits, 12);
        // SAFETY: returned by the library, freed once.
        unsafe { locker_string_free(code) };
        // SAFETY: a handle from locker_new, freed once.
        unsafe { locker_free(handle) };
    }
}
