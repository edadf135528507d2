//! What a failing hardware callback says beyond its `locker_hw_result`: a
//! callback gives it with [`locker_hw_fault_detail`] before it returns,
//! and the failure carries it to the call's error message, the journal's
//! `hardware_fault` record and the event.

use alloc::string::String;
use alloc::vec::Vec;
use core::ffi::{c_char, c_int};

use locker_core::hardware::HardwareFault;

use crate::local::local;

/// The most of a detail kept, in bytes: the error message keeps it whole
/// up to this; the journal keeps one line of `MAX_DETAIL_BYTES`.
const MAX_KEPT_BYTES: usize = 1_024;

local! {
    /// `Some` while a callback runs on this thread: the detail it gave, if
    /// any. `None` outside callbacks, where a detail is ignored.
    static DETAIL: Option<Option<String>> = None;
}

/// Runs one callback, collecting the detail it gives; its return code
/// becomes the result (`LOCKER_HW_OK` or a kind of failure).
pub(crate) fn call(callback: impl FnOnce() -> c_int) -> Result<(), HardwareFault> {
    // A callback may call into another locker, whose callbacks collect
    // their own details: the outer slot is put back afterwards.
    // `Some(None)`: inside a callback, no detail given yet.
    let outer = DETAIL.with(|slot| slot.replace(None)).flatten();
    let code = callback();
    let detail = DETAIL
        .with(|slot| core::mem::replace(slot, outer))
        .flatten()
        .flatten();
    match (crate::hardware::kind_of(code), detail) {
        (None, _) => Ok(()),
        (Some(kind), None) => Err(HardwareFault::new(kind)),
        (Some(kind), Some(detail)) => Err(HardwareFault::with_detail(kind, detail)),
    }
}

/// Says more about the failure a hardware callback is about to return:
/// what the board reported (a bus frame, a motor current, a latch
/// number), as NUL-terminated text (invalid UTF-8 is replaced), read up
/// to its NUL or 1024 bytes, whichever comes first. Call it from inside
/// the callback, before returning a `LOCKER_HW_*` failure; the text is
/// copied. The error message of the call
/// (`locker_last_error_message`) keeps it; the journal's `hardware_fault`
/// record and event keep one line of at most 200 bytes. Ignored outside
/// a callback, and when the callback then returns `LOCKER_HW_OK`; a second
/// call replaces the first; NULL clears it.
///
/// Ownership: `detail` is borrowed for this call only. Thread safety: it
/// applies to the callback running on the calling thread.
#[unsafe(no_mangle)]
pub extern "C" fn locker_hw_fault_detail(detail: *const c_char) {
    let text = kept_text(detail);
    // A detail in flight is best effort: a nested borrow (impossible from
    // C) or a missing thread-local (thread teardown) just drops it.
    let _ = DETAIL.with(|slot| {
        if let Some(pending) = slot.as_mut() {
            *pending = text;
        }
    });
}

/// A string up to its NUL or `MAX_KEPT_BYTES`, whichever comes first
/// (never read past either: a buffer filled to its end without a NUL is
/// a common slip), invalid UTF-8 replaced; `None` for NULL.
fn kept_text(ptr: *const c_char) -> Option<String> {
    if ptr.is_null() {
        return None;
    }
    let mut bytes = Vec::new();
    for offset in 0..MAX_KEPT_BYTES {
        // SAFETY: non-NULL (checked); by `locker_hw_fault_detail`'s
        // contract readable up to its NUL or the limit, and no byte past
        // the first NUL is read.
        let byte = unsafe { ptr.add(offset).cast::<u8>().read() };
        if byte == 0 {
            break;
        }
        bytes.push(byte);
    }
    Some(String::from_utf8_lossy(&bytes).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use locker_core::hardware::{HardwareError, HardwareErrorKind};

    #[test]
    fn a_detail_given_during_a_failing_callback_is_kept() {
        let fault = call(|| {
            locker_hw_fault_detail(c"latch 4: motor current 2.1 A".as_ptr());
            1
        })
        .unwrap_err();
        assert_eq!(fault.kind(), HardwareErrorKind::DoorJammed);
        assert_eq!(fault.detail(), Some("latch 4: motor current 2.1 A"));
        assert_eq!(
            fault.to_string(),
            format!("{}: latch 4: motor current 2.1 A", fault.kind())
        );
    }

    #[test]
    fn a_detail_outside_a_callback_or_before_success_is_dropped() {
        locker_hw_fault_detail(c"stray".as_ptr());
        assert_eq!(call(|| 4).unwrap_err().detail(), None);
        assert_eq!(
            call(|| {
                locker_hw_fault_detail(c"fine after all".as_ptr());
                0
            }),
            Ok(())
        );
        assert_eq!(call(|| 4).unwrap_err().detail(), None);
        let cleared = call(|| {
            locker_hw_fault_detail(c"first".as_ptr());
            locker_hw_fault_detail(core::ptr::null());
            4
        });
        assert_eq!(cleared.unwrap_err().detail(), None);
    }

    #[test]
    fn a_callback_calling_into_another_locker_keeps_its_detail() {
        let fault = call(|| {
            locker_hw_fault_detail(c"before".as_ptr());
            // Another locker's callback, inside this one.
            let inner = call(|| {
                locker_hw_fault_detail(c"inner".as_ptr());
                3
            });
            assert_eq!(inner.unwrap_err().detail(), Some("inner"));
            assert_eq!(call(|| 0), Ok(()));
            1
        })
        .unwrap_err();
        assert_eq!(fault.detail(), Some("before"));
    }

    #[test]
    fn a_long_or_broken_detail_is_cut_and_repaired() {
        let mut long = vec![b'x'; 3_000];
        long[0] = 0xff;
        long.push(0);
        let fault = call(|| {
            locker_hw_fault_detail(long.as_ptr().cast());
            8
        })
        .unwrap_err();
        let detail = fault.detail().unwrap();
        assert!(detail.starts_with('\u{fffd}'));
        assert_eq!(detail.len(), MAX_KEPT_BYTES - 1 + '\u{fffd}'.len_utf8());

        // A buffer filled to its end, with no NUL: read to the limit only.
        let unterminated = vec![b'y'; MAX_KEPT_BYTES];
        let fault = call(|| {
            locker_hw_fault_detail(unterminated.as_ptr().cast());
            8
        })
        .unwrap_err();
        assert_eq!(fault.detail().map(str::len), Some(MAX_KEPT_BYTES));
    }
}
