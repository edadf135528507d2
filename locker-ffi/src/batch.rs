//! A courier's whole load from C: planned against the free doors
//! (`Locker::plan_drop_off_batch`), then dropped off step by step
//! (`Locker::deposit_planned`), with the core's JSON shapes.

use alloc::vec::Vec;
use core::ffi::c_char;

use locker_core::allocate::{BatchOptions, Request};
use locker_core::locker::BatchStep;

use crate::api::{locker, with_locker};
use crate::boundary;
use crate::error::Error;
use crate::ops::{locker_courier_session, locker_drop_off};
use crate::ptr::{borrow, json_arg, non_null, opt_str_arg, str_arg, write_out, write_string};
use crate::status::locker_status;

/// Plans a signed-in courier's whole load against the free doors (and the
/// recipients' doors where parcels may join them), packed by a search,
/// never worse than the greedy plan. The parcels no door takes are
/// journaled and raised as `overflow` events, as a single drop-off's;
/// nothing else changes. Drop each step off with `locker_deposit_planned`.
///
/// `requests_json` is a JSON array of requests (`{"parcel", "recipient",
/// "needs_accessible"?}`, as everywhere in this API); `options_json`
/// `{"max_iterations"?, "seed"?}` or NULL for the defaults (20000
/// placement attempts, seed 0).
///
/// On `LOCKER_OK`, `*out_json` is `{"steps": [{"parcel", "recipient",
/// "needs_accessible", "compartment", "placement", "rule"}], "overflow":
/// [{"parcel", "recipient", "reason", "considered"}], "strategy",
/// "doors"}`, the steps door by door, a new string owned by the caller:
/// release it with `locker_string_free`, never `free()`. Returns
/// `LOCKER_INVALID_ARGUMENT` for JSON not of these shapes (the last-error
/// message says where), `LOCKER_PARCEL_INVALID`,
/// `LOCKER_PARCEL_ALREADY_STORED` (stored, or being dropped off),
/// `LOCKER_DUPLICATE_IN_BATCH` for a parcel given twice, the credential
/// statuses for a courier code that expired or was rotated,
/// `LOCKER_INVALID_UTF8` and `LOCKER_NULL_POINTER`; nothing changes then
/// and `*out_json` is not written.
///
/// Ownership: pointer arguments are borrowed for this call only; nothing is
/// kept. Thread safety: one thread at a time per `locker` (from any
/// thread); not from inside the locker's own callbacks (`LOCKER_BUSY`).
#[unsafe(no_mangle)]
pub extern "C" fn locker_plan_drop_off_batch(
    handle: *mut locker,
    session: *const locker_courier_session,
    requests_json: *const c_char,
    options_json: *const c_char,
    out_json: *mut *mut c_char,
) -> locker_status {
    boundary(|| {
        non_null(out_json, "out_json")?;
        let session = &borrow(session, "session")?.session;
        let requests: Vec<Request> = json_arg(
            str_arg(requests_json, "requests_json")?,
            "requests_json",
            locker_status::LOCKER_INVALID_ARGUMENT,
        )?;
        let options: BatchOptions = match opt_str_arg(options_json, "options_json")? {
            None => BatchOptions::default(),
            Some(json) => json_arg(json, "options_json", locker_status::LOCKER_INVALID_ARGUMENT)?,
        };
        let plan = with_locker(handle, |core| {
            Ok(core.plan_drop_off_batch(session, &requests, &options)?)
        })?;
        let json = serde_json::to_string(&plan)
            .map_err(|error| Error::new(locker_status::LOCKER_PANIC, error))?;
        write_string(out_json, json)
    })
}

/// Drops one step of a batch plan off: `step_json` is a step of the plan
/// as `locker_plan_drop_off_batch` gave it. Its door opens when it still
/// takes the parcel, otherwise the door allocation gives (another
/// drop-off took it, it went out of service, it did not unlock). The
/// answer is written to `*out_drop_off` as for `locker_deposit`, and the
/// drop-off goes on as a single one: `locker_door_closed` completes it,
/// `locker_need_larger_door` and `locker_cancel_deposit` apply. The next
/// step into the same door waits for the door to close.
///
/// Returns `LOCKER_INVALID_ARGUMENT` for a step not of that shape, and the
/// statuses of `locker_deposit`; no parcel is stored then.
///
/// Ownership: pointer arguments are borrowed for this call only; nothing is
/// kept. Thread safety: one thread at a time per `locker` (from any
/// thread); not from inside the locker's own callbacks (`LOCKER_BUSY`).
#[unsafe(no_mangle)]
pub extern "C" fn locker_deposit_planned(
    handle: *mut locker,
    session: *const locker_courier_session,
    step_json: *const c_char,
    out_drop_off: *mut locker_drop_off,
) -> locker_status {
    boundary(|| {
        non_null(out_drop_off, "out_drop_off")?;
        let session = &borrow(session, "session")?.session;
        let step: BatchStep = json_arg(
            str_arg(step_json, "step_json")?,
            "step_json",
            locker_status::LOCKER_INVALID_ARGUMENT,
        )?;
        let drop_off = with_locker(handle, |core| Ok(core.deposit_planned(session, &step)?))?;
        write_out(out_drop_off, drop_off.into())
    })
}
