//! The locker's clock: time is evidence, not truth. A reading further
//! ahead of the one before than the time lived since is a jump: measured
//! by the board's uptime counter when it has one (`hardware->uptime_s`: a
//! minute's allowance, regrowing at 1 % of the time lived, so a clock
//! crept ahead in small steps is caught), else bounded by the policy's
//! `clock.max_step_s` (default an hour). A jump is journaled
//! (`clock_jumped` event) and held back, so it neither ages throttle
//! windows nor expires parcels, until staff confirm it, the back end signs
//! the time, the locker runs on for a day after the latest jump, or the
//! clock comes back.

use core::ffi::c_char;

use locker_core::credential::SignedTime;

use crate::api::{locker, with_locker};
use crate::ptr::{json_arg, non_null, str_arg, write_out};
use crate::{boundary, locker_status};

/// Reads the clock, as every operation does first, and writes the
/// locker's time (unix seconds) to `*out_now_s`. For a host whose time
/// passes in large steps (a test, a board that sleeps): without an uptime
/// counter, call it at least once per `clock.max_step_s` of time passing,
/// as `locker_tick` does; a longer gap between readings is held back as a
/// jump (event `clock_jumped`) until confirmed. With one
/// (`hardware->uptime_s`), any gap the counter vouches for is time
/// passing, and the clock running ahead of it (beyond a minute's
/// allowance) is held back, however small its steps.
///
/// Errors: the clock's and the uptime counter's hardware statuses,
/// `LOCKER_JOURNAL_WRITE` when a jump or a confirmation cannot be
/// journaled.
///
/// Ownership: pointer arguments are borrowed for this call only; nothing is
/// kept. Thread safety: one thread at a time per `locker` (from any
/// thread); not from inside the locker's own callbacks (`LOCKER_BUSY`).
#[unsafe(no_mangle)]
pub extern "C" fn locker_observe_clock(handle: *mut locker, out_now_s: *mut u64) -> locker_status {
    boundary(|| {
        non_null(out_now_s, "out_now_s")?;
        let now_s = with_locker(handle, |core| Ok(core.observe_clock()?))?;
        write_out(out_now_s, now_s)
    })
}

/// Staff confirm the clock after a jump: the locker takes the hardware
/// clock's time as true from here on (parcels past their dwell then
/// expire, throttle windows age). Journaled (event `clock_confirmed`,
/// `"by": "staff"`); nothing happens when no jump is held back. The
/// locker's time goes to `*out_now_s`. Put it behind staff
/// authentication: whoever confirms a pushed clock expires parcels early.
///
/// Errors: the clock's hardware statuses, `LOCKER_JOURNAL_WRITE`.
///
/// Ownership: pointer arguments are borrowed for this call only; nothing is
/// kept. Thread safety: one thread at a time per `locker` (from any
/// thread); not from inside the locker's own callbacks (`LOCKER_BUSY`).
#[unsafe(no_mangle)]
pub extern "C" fn locker_confirm_clock(handle: *mut locker, out_now_s: *mut u64) -> locker_status {
    boundary(|| {
        non_null(out_now_s, "out_now_s")?;
        let now_s = with_locker(handle, |core| Ok(core.confirm_clock()?))?;
        write_out(out_now_s, now_s)
    })
}

/// Confirms the clock with a time the back end signed for this bank, given
/// as the JSON text it sent: `{"bank", "time_s", "key_id", "tag"}` (the
/// tag under the site key, 64 hex digits) or with `"signature"` (Ed25519,
/// by an issuer the policy lists). When the hardware clock agrees with it
/// (within 300 s), a jump held back is taken as true (event
/// `clock_confirmed`, `"by": "signed_time"`). A signed time never moves
/// the clock. The locker's time goes to `*out_now_s`.
///
/// Refusals: `LOCKER_CREDENTIAL_MALFORMED` (not a signed time; an unknown
/// field), `LOCKER_REMOTE_WRONG_BANK` (another bank than the
/// configuration's `bank_id`), `LOCKER_CREDENTIAL_REJECTED` (a bad tag or
/// signature), `LOCKER_CREDENTIAL_FAILED` (a key this locker does not
/// have), `LOCKER_INVALID_ARGUMENT` (the clock disagrees with the signed
/// time: an old one, or a clock that is wrong), and the clock and journal
/// statuses.
///
/// Ownership: pointer arguments are borrowed for this call only; nothing is
/// kept. Thread safety: one thread at a time per `locker` (from any
/// thread); not from inside the locker's own callbacks (`LOCKER_BUSY`).
#[unsafe(no_mangle)]
pub extern "C" fn locker_confirm_signed_time(
    handle: *mut locker,
    signed_time_json: *const c_char,
    out_now_s: *mut u64,
) -> locker_status {
    boundary(|| {
        non_null(out_now_s, "out_now_s")?;
        let text = str_arg(signed_time_json, "signed_time_json")?;
        let signed: SignedTime = json_arg(
            text,
            "signed_time_json",
            locker_status::LOCKER_CREDENTIAL_MALFORMED,
        )?;
        let now_s = with_locker(handle, |core| Ok(core.confirm_signed_time(&signed)?))?;
        write_out(out_now_s, now_s)
    })
}

/// Writes how many seconds of a clock jump the locker holds back (0: none;
/// the hardware clock runs that far ahead of the locker's time) to
/// `*out_held_s`: for a staff screen to ask for `locker_confirm_clock`
/// (the `clock_jumped` event may have been raised before a restart).
///
/// Ownership: pointer arguments are borrowed for this call only; nothing is
/// kept. Thread safety: one thread at a time per `locker` (from any
/// thread); not from inside the locker's own callbacks (`LOCKER_BUSY`).
#[unsafe(no_mangle)]
pub extern "C" fn locker_clock_held(handle: *const locker, out_held_s: *mut u64) -> locker_status {
    boundary(|| {
        non_null(out_held_s, "out_held_s")?;
        let held_s = with_locker(handle, |core| Ok(core.state().clock_offset_s()))?;
        write_out(out_held_s, held_s)
    })
}
