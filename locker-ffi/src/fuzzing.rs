//! The fuzz driver of `fuzz/fuzz_targets/ffi_entry.rs` (feature `fuzzing`):
//! the C entry points, called the way C would call them, with arbitrary
//! bytes wherever C passes text or bytes: the configuration JSON, site
//! keys, the stored journal read back by `locker_restore`, PINs, courier
//! codes (with or without the carrier named), QR tokens, RFID UIDs,
//! delegations' doors, staff reasons and the credential policies whose
//! brute-force bound is asked for —
//! including non-UTF-8 and embedded NULs (C sees the string up to the
//! first NUL).
//! The hardware is a board of Rust callbacks; which optional callbacks are
//! NULL (the monotonic counter and the uptime counter among them), the
//! occupancy reading and a failing callback are fuzzed too; so are the
//! expected head, the expected bank and the accept-legacy flag of the
//! restore, signed times and key changes.
//!
//! Checks: no call returns `LOCKER_PANIC` (or leaves a handle poisoned),
//! every status has a message; the default configuration over a healthy
//! board starts; and the journal a locker wrote restores with its exported
//! keys, its exported head and the board's counter (with arbitrary bytes
//! appended it may fail, with a status).
use core::cell::RefCell;
use core::ffi::{CStr, c_char, c_int, c_void};

use arbitrary::Arbitrary;

use crate::api::{
    locker, locker_free, locker_keys_export, locker_keys_len, locker_new, locker_new_with_keys,
    locker_take_events,
};
use crate::clock::{
    locker_clock_held, locker_confirm_clock, locker_confirm_signed_time, locker_observe_clock,
};
use crate::keys::{locker_add_key, locker_key_checks, locker_retire_key, locker_rotate_key};
use crate::ops::{
    locker_courier_session, locker_courier_session_free, locker_courier_sign_in,
    locker_courier_sign_in_for, locker_courier_sign_out, locker_delegate, locker_deposit,
    locker_door_closed, locker_drop_off, locker_issue_courier_code, locker_open_remote,
    locker_parcel, locker_pickup_pin, locker_pickup_qr, locker_pickup_rfid, locker_register_rfid,
    locker_revoke_credential, locker_staff_open, locker_tick,
};
use crate::policy::locker_brute_force_bound;
use crate::restore::{
    locker_head, locker_restore, locker_restore_options, locker_restore_report, locker_restore_with,
};
use crate::typed_event::locker_event;
use crate::{
    LOCKER_EVENT_MAX_DOORS, LOCKER_EVENT_MAX_PARCELS, locker_dimensions, locker_doors_free,
    locker_event_kind, locker_hardware, locker_hw_fault_detail, locker_last_error_message,
    locker_status, locker_status_message, locker_string_free, locker_take_event,
};

#[derive(Default)]
struct Board {
    now_s: u64,
    /// Seconds the board has run: time passing moves it, a clock set
    /// ahead does not.
    uptime_s: u64,
    counter: u64,
    /// The board's monotonic counter.
    monotonic: u64,
    open: Vec<u32>,
    occupancy: u32,
    /// (callback 0..=10, code it returns)
    fail: Option<(u8, i32)>,
    /// What a failing hardware callback says (NUL-terminated).
    detail: Vec<u8>,
    /// What `journal_append` wrote.
    written: Vec<u8>,
    /// What `journal_read` gives.
    stored: Vec<u8>,
}

thread_local! {
    static BOARD: RefCell<Board> = RefCell::new(Board::default());
}

fn fail(callback: u8) -> c_int {
    BOARD.with_borrow(|b| match b.fail {
        Some((which, code)) if which % 11 == callback => {
            locker_hw_fault_detail(b.detail.as_ptr().cast());
            code
        }
        _ => 0,
    })
}

unsafe extern "C" fn unlock(_: *mut c_void, _: u32) -> c_int {
    fail(0)
}

unsafe extern "C" fn door_state(_: *mut c_void, door: u32, out_open: *mut bool) -> c_int {
    let open = BOARD.with_borrow(|b| b.open.contains(&door));
    // SAFETY: the library passes a valid, aligned bool for this call.
    unsafe { out_open.write(open) };
    fail(1)
}

unsafe extern "C" fn occupancy(_: *mut c_void, _: u32, out: *mut u32) -> c_int {
    // SAFETY: the library passes a valid, aligned u32 for this call.
    unsafe { out.write(BOARD.with_borrow(|b| b.occupancy)) };
    fail(2)
}

unsafe extern "C" fn now_s(_: *mut c_void, out: *mut u64) -> c_int {
    // SAFETY: the library passes a valid, aligned u64 for this call.
    unsafe { out.write(BOARD.with_borrow(|b| b.now_s)) };
    fail(3)
}

unsafe extern "C" fn fill_random(_: *mut c_void, buf: *mut u8, len: usize) -> c_int {
    // SAFETY: the library passes `buf` valid for writes of `len` bytes.
    let buf = unsafe { core::slice::from_raw_parts_mut(buf, len) };
    BOARD.with_borrow_mut(|b| {
        for byte in buf {
            b.counter = b
                .counter
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1);
            *byte = (b.counter >> 33).to_le_bytes()[0];
        }
    });
    fail(4)
}

unsafe extern "C" fn journal_append(_: *mut c_void, line: *const c_char, len: usize) -> c_int {
    let code = fail(5);
    if code == 0 {
        // SAFETY: the library passes `line` valid for reads of `len` bytes.
        let line = unsafe { core::slice::from_raw_parts(line.cast::<u8>(), len) };
        BOARD.with_borrow_mut(|b| b.written.extend_from_slice(line));
    }
    code
}

unsafe extern "C" fn journal_read(
    _: *mut c_void,
    offset: u64,
    buf: *mut u8,
    cap: usize,
    out_len: *mut usize,
) -> c_int {
    let n = BOARD.with_borrow(|b| {
        let from = usize::try_from(offset)
            .unwrap_or(usize::MAX)
            .min(b.stored.len());
        let chunk = &b.stored[from..];
        let n = chunk.len().min(cap);
        // SAFETY: the library passes `buf` valid for writes of `cap` bytes.
        unsafe { core::ptr::copy_nonoverlapping(chunk.as_ptr(), buf, n) };
        n
    });
    // SAFETY: the library passes a valid, aligned usize for this call.
    unsafe { out_len.write(n) };
    fail(6)
}

unsafe extern "C" fn journal_truncate(_: *mut c_void, len: u64) -> c_int {
    BOARD.with_borrow_mut(|b| {
        b.stored
            .truncate(usize::try_from(len).unwrap_or(usize::MAX))
    });
    fail(7)
}

unsafe extern "C" fn monotonic_counter(_: *mut c_void, out: *mut u64) -> c_int {
    // SAFETY: the library passes a valid, aligned u64 for this call.
    unsafe { out.write(BOARD.with_borrow(|b| b.monotonic)) };
    fail(8)
}

unsafe extern "C" fn raise_monotonic_counter(_: *mut c_void, at_least: u64) -> c_int {
    let code = fail(9);
    if code == 0 {
        BOARD.with_borrow_mut(|b| b.monotonic = b.monotonic.max(at_least));
    }
    code
}

unsafe extern "C" fn uptime_s(_: *mut c_void, out: *mut u64) -> c_int {
    // SAFETY: the library passes a valid, aligned u64 for this call.
    unsafe { out.write(BOARD.with_borrow(|b| b.uptime_s)) };
    fail(10)
}

/// The board's callbacks; `without` leaves out the optional ones (an
/// occupancy sensor, `journal_read`, `journal_truncate`, the monotonic
/// counter, the uptime counter) whose bit is set.
fn hardware(without: u8) -> locker_hardware {
    let counter = without & 8 == 0;
    locker_hardware {
        size: core::mem::size_of::<locker_hardware>(),
        ctx: core::ptr::null_mut(),
        unlock: Some(unlock),
        door_state: Some(door_state),
        occupancy: (without & 1 == 0).then_some(occupancy as _),
        now_s: Some(now_s),
        fill_random: Some(fill_random),
        journal_append: Some(journal_append),
        journal_read: (without & 2 == 0).then_some(journal_read as _),
        journal_truncate: (without & 4 == 0).then_some(journal_truncate as _),
        monotonic_counter: counter.then_some(monotonic_counter as _),
        raise_monotonic_counter: counter.then_some(raise_monotonic_counter as _),
        uptime_s: (without & 16 == 0).then_some(uptime_s as _),
    }
}

/// Checks a status and passes it on.
fn ok(status: locker_status) -> bool {
    assert_ne!(
        status,
        locker_status::LOCKER_PANIC,
        "a panic reached the boundary"
    );
    assert_ne!(status, locker_status::LOCKER_POISONED);
    assert!(!locker_status_message(status as u32).is_null());
    assert!(!locker_last_error_message().is_null());
    status == locker_status::LOCKER_OK
}

/// C's view of arbitrary bytes: NUL-terminated (cut at an embedded NUL).
fn c_text(bytes: &[u8]) -> Vec<u8> {
    let mut text = bytes.to_vec();
    text.push(0);
    text
}

#[derive(Arbitrary, Debug)]
enum Call {
    Pin {
        unit: Option<u64>,
        pin: Vec<u8>,
    },
    IssuedPin {
        index: u8,
        unit: Option<u64>,
    },
    Qr {
        token: Vec<u8>,
    },
    IssuedQr {
        index: u8,
    },
    SignIn {
        code: Vec<u8>,
    },
    Rfid {
        uid: Vec<u8>,
        pin: Option<Vec<u8>>,
    },
    RegisterRfid {
        recipient: u64,
        uid: Vec<u8>,
        with_pin: bool,
    },
    StaffOpen {
        door: u32,
        reason: Vec<u8>,
    },
    Deposit {
        recipient: u64,
        size: [u32; 3],
        weight_g: u32,
        zone: u32,
        handling: u32,
    },
    SetDoor {
        door: u32,
        open: bool,
    },
    DoorClosed {
        door: u32,
    },
    /// Time passes by `advance_s` (the clock and the uptime counter),
    /// then the sweep runs.
    Tick {
        advance_s: u32,
    },
    Delegate {
        delegator: u64,
        scope: u32,
        doors: Vec<u32>,
        valid_for_s: u32,
    },
    Revoke {
        id: u64,
    },
    RevokeIssued {
        index: u8,
    },
    /// A remote command: arbitrary text.
    Remote {
        command: Vec<u8>,
    },
    /// Reads the clock after setting it `advance_s` ahead (the uptime
    /// counter stays: a clock pushed, which a board with the counter holds
    /// back).
    ObserveClock {
        advance_s: u32,
    },
    ConfirmClock,
    /// A signed time: arbitrary text.
    SignedTime {
        text: Vec<u8>,
    },
    RotateKey,
    AddKey {
        id: u16,
        secret: Vec<u8>,
    },
    RetireKey {
        id: u16,
    },
    /// The head, the restore report, the key checks and the held clock.
    Inspect,
    /// A courier code typed with the carrier it is for: arbitrary text.
    SignInFor {
        carrier: u32,
        code: Vec<u8>,
    },
    /// The driver's courier signs out (the session stays, as in C).
    SignOut,
    /// The brute-force bound of a policy: arbitrary text (or NULL).
    Bound {
        policy: Option<Vec<u8>>,
        active_credentials: u64,
    },
}

/// One fuzz case: what C passes in, and the calls it makes.
#[derive(Arbitrary, Debug)]
pub struct Input {
    config: Option<Vec<u8>>,
    keys: Vec<u8>,
    journal: Vec<u8>,
    occupancy: u32,
    fail: Option<(u8, i32)>,
    /// What a failing callback says about it.
    detail: Vec<u8>,
    without_callbacks: u8,
    /// The expected head given to the restore of arbitrary bytes.
    expected_head: Option<Vec<u8>>,
    /// The bank that restore is told the board is.
    expected_bank: Option<u64>,
    accept_legacy: bool,
    calls: Vec<Call>,
}

/// Takes a string the library returned, and frees it.
fn take_string(ptr: *mut c_char) -> String {
    assert!(!ptr.is_null());
    // SAFETY: a NUL-terminated string the library just returned.
    let text = unsafe { CStr::from_ptr(ptr) }
        .to_string_lossy()
        .into_owned();
    // SAFETY: returned by the library, freed once.
    unsafe { locker_string_free(ptr) };
    text
}

/// The NUL-terminated text of a `locker_event` field.
fn field_text<const N: usize>(field: &[c_char; N]) -> String {
    let bytes: Vec<u8> = field.iter().map(|&c| c.to_ne_bytes()[0]).collect();
    let text = CStr::from_bytes_until_nul(&bytes).expect("a locker_event text field ends in NUL");
    text.to_str()
        .expect("locker_event text is UTF-8")
        .to_owned()
}

/// A NULL-or-pointer to an optional value.
fn opt_ptr<T>(value: Option<&T>) -> *const T {
    value.map_or(core::ptr::null(), |v| v as *const T)
}

/// What a locker leaves for its restore: its keys and its head.
struct Kept {
    keys: Vec<u8>,
    head: Vec<u8>,
}

/// Runs the calls on a live handle; returns the keys and the head it
/// exports.
///
/// The C contract (every call below): `handle` is a live handle from this library,
/// used by this thread only; string arguments are NUL-terminated buffers
/// (`c_text`) and byte arguments are slices with their lengths, all alive
/// for the call; out-parameters point to local variables.
fn drive(handle: *mut locker, calls: &[Call]) -> Kept {
    let mut pins: Vec<String> = Vec::new();
    let mut tokens: Vec<String> = Vec::new();
    let mut credential_ids: Vec<u64> = Vec::new();
    let mut session: *mut locker_courier_session = core::ptr::null_mut();
    let mut code = core::ptr::null_mut();
    // The C contract: see above.
    if ok(locker_issue_courier_code(
        handle,
        7,
        86_400 * 365,
        &raw mut code,
    )) {
        let code = c_text(take_string(code).as_bytes());
        // The C contract: see above.
        ok(locker_courier_sign_in(
            handle,
            1,
            code.as_ptr().cast(),
            &raw mut session,
        ));
    }
    for call in calls.iter().take(32) {
        let mut doors: *mut u32 = core::ptr::null_mut();
        let mut count = 0_usize;
        let (d, n) = (&raw mut doors, &raw mut count);
        let status = match call {
            Call::Pin { unit, pin } => {
                let pin = c_text(pin);
                // The C contract: see above; `unit` is NULL or a local u64.
                locker_pickup_pin(handle, 1, opt_ptr(unit.as_ref()), pin.as_ptr().cast(), d, n)
            }
            Call::IssuedPin { index, unit } => {
                let Some(pin) = pins.get(usize::from(*index) % pins.len().max(1)) else {
                    continue;
                };
                let pin = c_text(pin.as_bytes());
                // The C contract: see above; `unit` is NULL or a local u64.
                locker_pickup_pin(handle, 1, opt_ptr(unit.as_ref()), pin.as_ptr().cast(), d, n)
            }
            Call::Qr { token } => {
                let token = c_text(token);
                // The C contract: see above.
                locker_pickup_qr(handle, 1, token.as_ptr().cast(), d, n)
            }
            Call::IssuedQr { index } => {
                let Some(token) = tokens.get(usize::from(*index) % tokens.len().max(1)) else {
                    continue;
                };
                let token = c_text(token.as_bytes());
                // The C contract: see above.
                locker_pickup_qr(handle, 1, token.as_ptr().cast(), d, n)
            }
            Call::SignIn { code } => {
                let code = c_text(code);
                let mut other = core::ptr::null_mut();
                // The C contract: see above.
                let status =
                    locker_courier_sign_in(handle, 2, code.as_ptr().cast(), &raw mut other);
                // SAFETY: NULL or a session the library just returned, freed once.
                unsafe { locker_courier_session_free(other) };
                status
            }
            Call::SignInFor { carrier, code } => {
                let code = c_text(code);
                let mut other = core::ptr::null_mut();
                // The C contract: see above.
                let status = locker_courier_sign_in_for(
                    handle,
                    3,
                    *carrier,
                    code.as_ptr().cast(),
                    &raw mut other,
                );
                // SAFETY: NULL or a session the library just returned, freed once.
                unsafe { locker_courier_session_free(other) };
                status
            }
            // The C contract: see above; `session` is NULL or the live session.
            Call::SignOut => locker_courier_sign_out(handle, session),
            Call::Bound {
                policy,
                active_credentials,
            } => {
                let policy = policy.as_deref().map(c_text);
                let policy_ptr = policy
                    .as_ref()
                    .map_or(core::ptr::null(), |p| p.as_ptr().cast());
                let mut json = core::ptr::null_mut();
                // The C contract: see above; `policy_ptr` is NULL or a NUL-terminated buffer.
                let status =
                    locker_brute_force_bound(policy_ptr, *active_credentials, &raw mut json);
                if ok(status) {
                    let report: serde_json::Value =
                        serde_json::from_str(&take_string(json)).expect("the report is JSON");
                    assert!(report["per_billion"].is_u64(), "{report}");
                }
                status
            }
            Call::Rfid { uid, pin } => {
                let pin = pin.as_deref().map(c_text);
                let pin_ptr = pin
                    .as_ref()
                    .map_or(core::ptr::null(), |p| p.as_ptr().cast());
                // The C contract: see above; `pin_ptr` is NULL or a NUL-terminated buffer.
                locker_pickup_rfid(handle, 1, uid.as_ptr(), uid.len(), pin_ptr, d, n)
            }
            Call::RegisterRfid {
                recipient,
                uid,
                with_pin,
            } => {
                let mut pin = core::ptr::null_mut();
                let (r, w) = (*recipient, *with_pin);
                // The C contract: see above.
                let status =
                    locker_register_rfid(handle, r, uid.as_ptr(), uid.len(), w, &raw mut pin);
                if status == locker_status::LOCKER_OK && !pin.is_null() {
                    pins.push(take_string(pin));
                }
                status
            }
            Call::Delegate {
                delegator,
                scope,
                doors: delegated,
                valid_for_s,
            } => {
                let expires_at_s = BOARD.with_borrow(|b| b.now_s) + u64::from(*valid_for_s);
                let mut pin = core::ptr::null_mut();
                let mut id = 0_u64;
                // The C contract: see above; `delegated` is a local array.
                let status = locker_delegate(
                    handle,
                    *delegator,
                    *scope,
                    delegated.as_ptr(),
                    delegated.len(),
                    expires_at_s,
                    &raw mut pin,
                    &raw mut id,
                );
                if status == locker_status::LOCKER_OK {
                    pins.push(take_string(pin));
                    credential_ids.push(id);
                }
                status
            }
            // The C contract: see above.
            Call::Revoke { id } => locker_revoke_credential(handle, *id),
            Call::RevokeIssued { index } => {
                let Some(&id) =
                    credential_ids.get(usize::from(*index) % credential_ids.len().max(1))
                else {
                    continue;
                };
                // The C contract: see above.
                locker_revoke_credential(handle, id)
            }
            Call::Remote { command } => {
                let command = c_text(command);
                // The C contract: see above.
                locker_open_remote(handle, command.as_ptr().cast(), d, n)
            }
            Call::ObserveClock { advance_s } => {
                BOARD.with_borrow_mut(|b| b.now_s += u64::from(*advance_s));
                let mut now_s = 0_u64;
                // The C contract: see above.
                locker_observe_clock(handle, &raw mut now_s)
            }
            Call::ConfirmClock => {
                let mut now_s = 0_u64;
                // The C contract: see above.
                locker_confirm_clock(handle, &raw mut now_s)
            }
            Call::SignedTime { text } => {
                let text = c_text(text);
                let mut now_s = 0_u64;
                // The C contract: see above.
                locker_confirm_signed_time(handle, text.as_ptr().cast(), &raw mut now_s)
            }
            Call::RotateKey => {
                let mut id = 0_u16;
                // The C contract: see above.
                locker_rotate_key(handle, &raw mut id)
            }
            // The C contract: see above; `secret` is a slice with its length.
            Call::AddKey { id, secret } => {
                locker_add_key(handle, *id, secret.as_ptr(), secret.len())
            }
            // The C contract: see above.
            Call::RetireKey { id } => locker_retire_key(handle, *id),
            Call::Inspect => {
                let mut json = core::ptr::null_mut();
                // The C contract: see above.
                if ok(locker_head(handle, &raw mut json)) && !json.is_null() {
                    take_string(json);
                }
                let mut json = core::ptr::null_mut();
                // The C contract: see above.
                if ok(locker_restore_report(handle, &raw mut json)) && !json.is_null() {
                    take_string(json);
                }
                let mut json = core::ptr::null_mut();
                // The C contract: see above.
                if ok(locker_key_checks(handle, &raw mut json)) {
                    take_string(json);
                }
                let mut held_s = 0_u64;
                // The C contract: see above.
                locker_clock_held(handle, &raw mut held_s)
            }
            Call::StaffOpen { door, reason } => {
                let reason = c_text(reason);
                // The C contract: see above.
                locker_staff_open(handle, *door, reason.as_ptr().cast())
            }
            Call::Deposit {
                recipient,
                size,
                weight_g,
                zone,
                handling,
            } => {
                let parcel = locker_parcel {
                    id: u64::from(size[0] ^ size[1]),
                    size: locker_dimensions {
                        width_mm: size[0],
                        depth_mm: size[1],
                        height_mm: size[2],
                    },
                    weight_g: *weight_g,
                    this_side_up: false,
                    zone: *zone,
                    handling: *handling,
                };
                let mut out = core::mem::MaybeUninit::<locker_drop_off>::uninit();
                // The C contract: see above; `session` is NULL or the live session.
                locker_deposit(
                    handle,
                    session,
                    &raw const parcel,
                    *recipient,
                    false,
                    out.as_mut_ptr(),
                )
            }
            Call::SetDoor { door, open } => {
                BOARD.with_borrow_mut(|b| {
                    b.open.retain(|d| d != door);
                    if *open {
                        b.open.push(*door);
                    }
                });
                continue;
            }
            // The C contract: see above.
            Call::DoorClosed { door } => locker_door_closed(handle, *door),
            Call::Tick { advance_s } => {
                BOARD.with_borrow_mut(|b| {
                    b.now_s += u64::from(*advance_s);
                    b.uptime_s += u64::from(*advance_s);
                });
                // The C contract: see above.
                locker_tick(handle)
            }
        };
        if ok(status) && !doors.is_null() {
            // SAFETY: an array of `count` doors the library just returned.
            unsafe { locker_doors_free(doors, count) };
        }
        // The oldest event as a struct, the rest as JSON: both ways take
        // from one queue, and the struct's PIN and token serve as well.
        let mut event = locker_event::empty(
            core::mem::size_of::<locker_event>(),
            locker_event_kind::LOCKER_EVENT_TAMPER,
        );
        // The C contract: see above; `event` is a whole, sized struct.
        let status = locker_take_event(handle, &raw mut event);
        assert!(
            matches!(
                status,
                locker_status::LOCKER_OK
                    | locker_status::LOCKER_NO_EVENT
                    | locker_status::LOCKER_BUFFER_TOO_SMALL
            ),
            "locker_take_event: {status:?}"
        );
        if ok(status) {
            assert!(event.parcel_count <= LOCKER_EVENT_MAX_PARCELS);
            assert!(event.door_count <= LOCKER_EVENT_MAX_DOORS);
            if event.kind == locker_event_kind::LOCKER_EVENT_PARCEL_READY {
                pins.push(field_text(&event.pin));
            }
            if event.qr_token[0] != 0 {
                tokens.push(field_text(&event.qr_token));
            }
        }
        let mut events = core::ptr::null_mut();
        // The C contract: see above.
        if ok(locker_take_events(handle, &raw mut events)) {
            let events = take_string(events);
            let parsed: serde_json::Value = serde_json::from_str(&events).expect("events are JSON");
            for event in parsed.as_array().expect("events are an array") {
                if let Some(pin) = event.get("pin").and_then(|p| p.as_str()) {
                    pins.push(pin.to_owned());
                }
                if let Some(token) = event.get("qr_token").and_then(|t| t.as_str()) {
                    tokens.push(token.to_owned());
                }
            }
        }
    }
    // SAFETY: NULL or the session signed in above, freed once.
    unsafe { locker_courier_session_free(session) };
    let mut len = 0_usize;
    // The C contract: see above.
    assert!(ok(locker_keys_len(handle, &raw mut len)));
    let mut keys = vec![0_u8; len];
    // The C contract: see above; `keys` holds `len` writable bytes.
    assert!(ok(locker_keys_export(
        handle,
        keys.as_mut_ptr(),
        len,
        &raw mut len
    )));
    let mut head = core::ptr::null_mut();
    // The C contract: see above.
    assert!(ok(locker_head(handle, &raw mut head)));
    let head = if head.is_null() {
        Vec::new()
    } else {
        c_text(take_string(head).as_bytes())
    };
    Kept { keys, head }
}

/// `locker_restore` over the board, with `keys` and the expected head
/// `head` (NUL-terminated, or empty for none), or `locker_restore_with`
/// when the board is told its bank; frees the handle unless `calls` are to
/// be run on it first.
fn restore(
    hw: &locker_hardware,
    keys: &[u8],
    head: &[u8],
    bank: Option<u64>,
    accept_legacy: bool,
    calls: Option<&[Call]>,
) -> locker_status {
    let mut handle = core::ptr::null_mut();
    let head = if head.is_empty() {
        core::ptr::null()
    } else {
        head.as_ptr().cast()
    };
    let status = match bank {
        // The C contract: `keys` is a slice with its length, `head` NULL or
        // NUL-terminated, `hw` a valid struct whose callbacks live for the
        // whole program, the out-pointer a local.
        None => locker_restore(
            keys.as_ptr(),
            keys.len(),
            hw,
            head,
            accept_legacy,
            &raw mut handle,
        ),
        Some(bank) => {
            let options = locker_restore_options {
                size: core::mem::size_of::<locker_restore_options>(),
                accept_legacy,
                expected_head_json: head,
                expected_bank: &raw const bank,
            };
            // The C contract: as above; `options` a local whose pointers
            // outlive the call.
            locker_restore_with(
                keys.as_ptr(),
                keys.len(),
                hw,
                &raw const options,
                &raw mut handle,
            )
        }
    };
    if ok(status)
        && let Some(calls) = calls
    {
        drive(handle, calls);
    }
    // SAFETY: NULL or a handle locker_restore returned, freed once.
    unsafe { locker_free(handle) };
    status
}

/// Runs one fuzz case; panics (for the fuzzer to report) when a check
/// fails.
pub fn run(input: Input) {
    BOARD.set(Board {
        now_s: 1_700_000_000,
        occupancy: input.occupancy,
        fail: input.fail,
        detail: c_text(&input.detail),
        ..Board::default()
    });
    let hw = hardware(input.without_callbacks);
    let config = input.config.as_deref().map(c_text);
    let config_ptr = config
        .as_ref()
        .map_or(core::ptr::null(), |c| c.as_ptr().cast());

    let mut handle = core::ptr::null_mut();
    // The C contract: `config_ptr` is NULL or NUL-terminated, `hw` is valid and its
    // callbacks live for the whole program, the out-pointer is a local.
    let started = ok(locker_new(config_ptr, &raw const hw, &raw mut handle));
    let healthy = input.fail.is_none_or(|(_, code)| code == 0);
    assert!(
        started || config.is_some() || !healthy,
        "the default locker did not start"
    );
    if started {
        let kept = drive(handle, &input.calls);
        // SAFETY: a handle locker_new returned, freed once.
        unsafe { locker_free(handle) };
        // Restart from the journal it wrote, with its keys, its head and
        // the board's counter.
        BOARD.with_borrow_mut(|b| b.stored = b.written.clone());
        let status = restore(&hw, &kept.keys, &kept.head, None, false, None);
        // A clock driven past the last time credentials can carry is a
        // clock fault, as it should be.
        let clock_ok = BOARD.with_borrow(|b| b.now_s) <= locker_core::locker::CLOCK_MAX_S;
        assert!(
            status == locker_status::LOCKER_OK
                || !healthy
                || !clock_ok
                || hw.journal_read.is_none(),
            "a locker's own journal did not restore: {status:?}"
        );
        // The same journal with arbitrary bytes after it.
        BOARD.with_borrow_mut(|b| {
            b.stored = b.written.clone();
            b.stored.extend_from_slice(&input.journal);
        });
        restore(
            &hw,
            &kept.keys,
            &kept.head,
            input.expected_bank,
            input.accept_legacy,
            None,
        );
    }

    // Arbitrary keys, head and journal.
    BOARD.with_borrow_mut(|b| b.stored = input.journal.clone());
    let head = input
        .expected_head
        .as_deref()
        .map(c_text)
        .unwrap_or_default();
    restore(
        &hw,
        &input.keys,
        &head,
        input.expected_bank,
        input.accept_legacy,
        Some(&input.calls),
    );
    let mut fresh = core::ptr::null_mut();
    let keys = &input.keys;
    // The C contract: as for locker_new; `keys` is a slice with its length.
    ok(locker_new_with_keys(
        config_ptr,
        keys.as_ptr(),
        keys.len(),
        &raw const hw,
        &raw mut fresh,
    ));
    // SAFETY: NULL or a handle locker_new_with_keys returned, freed once.
    unsafe { locker_free(fresh) };
}
