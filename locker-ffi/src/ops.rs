//! The operations on a `locker`: couriers, doors and the sweep, residents,
//! staff. Each is one call of the core's `Locker`, inside the panic boundary.

use alloc::boxed::Box;
use core::ffi::c_char;

use locker_core::allocate::{OverflowReason, Request};
use locker_core::credential::{
    CarrierId, CredentialId, DelegationRequest, DelegationScope, KioskId, RemoteCommand,
};
use locker_core::locker::{CourierSession, DropOff};
use locker_core::{
    CompartmentId, Dimensions, Handling, Parcel, ParcelId, RecipientId, TemperatureZone,
};

use crate::api::{locker, with_locker};
use crate::error::Error;
use crate::ptr::{
    OutDoors, borrow, bytes_arg, doors_arg, json_arg, non_null, opt_str_arg, secret_string,
    str_arg, write_out, write_string,
};
use crate::{boundary, locker_dimensions, locker_orientation, locker_status};

// --- couriers ---------------------------------------------------------------

/// A courier signed in at a kiosk: proof that the courier code was checked.
/// Opaque; made by `locker_courier_sign_in` or
/// `locker_courier_sign_in_for`, released by
/// `locker_courier_session_free`. Independent of the `locker` it came from
/// (free them in any order), but only meaningful with it.
pub struct locker_courier_session {
    pub(crate) session: CourierSession,
}

/// Issues (or rotates) carrier `carrier`'s courier code, valid from now for
/// `valid_for_s` seconds; the carrier's previous code stops working. On
/// `LOCKER_OK`, `*out_code` is the code (digits, NUL-terminated), owned by
/// the caller: give it to the carrier, then `locker_string_free` it.
///
/// Ownership: pointer arguments are borrowed for this call only; nothing is
/// kept. Thread safety: one thread at a time per `locker` (from any
/// thread); not from inside the locker's own callbacks (`LOCKER_BUSY`).
#[unsafe(no_mangle)]
pub extern "C" fn locker_issue_courier_code(
    handle: *mut locker,
    carrier: u32,
    valid_for_s: u64,
    out_code: *mut *mut c_char,
) -> locker_status {
    boundary(|| {
        non_null(out_code, "out_code")?;
        let code = with_locker(handle, |core| {
            let code = core.issue_courier_code(CarrierId(carrier), valid_for_s)?;
            Ok(secret_string(code.expose()))
        })?;
        write_string(out_code, code)
    })
}

/// Checks a courier code typed at kiosk `kiosk`, whichever carrier it is
/// for. On `LOCKER_OK`, `*out_session` is a new session owned by the
/// caller (`locker_courier_session_free`); the sign-in is journaled
/// (`courier_signed_in`). A wrong code gives `LOCKER_CREDENTIAL_REJECTED`
/// and counts against the kiosk and against the whole bank's courier
/// sign-ins: a guesser here slows every carrier's couriers. Prefer
/// `locker_courier_sign_in_for`, with the carrier chosen on the kiosk's
/// screen. `LOCKER_CREDENTIAL_THROTTLED` while those failures hold the
/// kiosk or the bank back; `LOCKER_CREDENTIAL_MALFORMED` for a code that
/// is not 12 digits.
///
/// Ownership: pointer arguments are borrowed for this call only; nothing is
/// kept. Thread safety: one thread at a time per `locker` (from any
/// thread); not from inside the locker's own callbacks (`LOCKER_BUSY`).
#[unsafe(no_mangle)]
pub extern "C" fn locker_courier_sign_in(
    handle: *mut locker,
    kiosk: u32,
    code: *const c_char,
    out_session: *mut *mut locker_courier_session,
) -> locker_status {
    boundary(|| {
        non_null(out_session, "out_session")?;
        let code = str_arg(code, "code")?;
        let session = with_locker(handle, |core| {
            Ok(core.courier_sign_in(KioskId(kiosk), code)?)
        })?;
        write_session(out_session, session)
    })
}

/// Checks a courier code typed at kiosk `kiosk` with the carrier
/// `carrier` the courier chose on the kiosk's screen: only that carrier's
/// code is looked at. On `LOCKER_OK`, `*out_session` is a new session
/// owned by the caller (`locker_courier_session_free`); the sign-in is
/// journaled (`courier_signed_in`).
///
/// A wrong code gives `LOCKER_CREDENTIAL_REJECTED` and counts against
/// that carrier and the kiosk, so someone guessing one carrier's code
/// never locks out another carrier's couriers
/// (`LOCKER_CREDENTIAL_THROTTLED` while those failures hold them back; a
/// `suspicious_attempts` event when they start to). A carrier that has no
/// code counts against the whole bank's courier sign-ins instead.
/// `LOCKER_CREDENTIAL_MALFORMED` for a code that is not 12 digits;
/// `LOCKER_CREDENTIAL_REVOKED` or `LOCKER_CREDENTIAL_EXPIRED` for the
/// carrier's rotated or expired code; the clock's hardware statuses and
/// `LOCKER_JOURNAL_WRITE`.
///
/// Ownership: pointer arguments are borrowed for this call only; nothing is
/// kept. Thread safety: one thread at a time per `locker` (from any
/// thread); not from inside the locker's own callbacks (`LOCKER_BUSY`).
#[unsafe(no_mangle)]
pub extern "C" fn locker_courier_sign_in_for(
    handle: *mut locker,
    kiosk: u32,
    carrier: u32,
    code: *const c_char,
    out_session: *mut *mut locker_courier_session,
) -> locker_status {
    boundary(|| {
        non_null(out_session, "out_session")?;
        let code = str_arg(code, "code")?;
        let session = with_locker(handle, |core| {
            Ok(core.courier_sign_in_for(KioskId(kiosk), CarrierId(carrier), code)?)
        })?;
        write_session(out_session, session)
    })
}

/// Gives a new session to C.
fn write_session(
    out_session: *mut *mut locker_courier_session,
    session: CourierSession,
) -> Result<(), Error> {
    write_out(
        out_session,
        Box::into_raw(Box::new(locker_courier_session { session })),
    )
}

/// The courier of `session` signs out at the kiosk they signed in at:
/// journaled (`courier_signed_out`), for the audit. The session is not
/// freed: release it with `locker_courier_session_free` afterwards (a
/// session is proof that a code was checked, and signing out does not
/// take that back; do not deposit with it after signing out). Errors: the
/// clock's hardware statuses and `LOCKER_JOURNAL_WRITE`.
///
/// Ownership: pointer arguments are borrowed for this call only; nothing is
/// kept. Thread safety: one thread at a time per `locker` (from any
/// thread); not from inside the locker's own callbacks (`LOCKER_BUSY`).
#[unsafe(no_mangle)]
pub extern "C" fn locker_courier_sign_out(
    handle: *mut locker,
    session: *const locker_courier_session,
) -> locker_status {
    boundary(|| {
        let session = &borrow(session, "session")?.session;
        with_locker(handle, |core| Ok(core.courier_sign_out(session)?))
    })
}

/// Journals every pending sum of refused attempts now (`attempts_refused`
/// records are otherwise written an hour after their first attempt, by
/// `locker_tick` once due): call it before a planned power-down, so no
/// count is lost. Errors: the clock's hardware statuses.
///
/// Ownership: the handle is borrowed for this call only. Thread safety:
/// one thread at a time per `locker` (from any thread); not from inside
/// the locker's own callbacks (`LOCKER_BUSY`).
#[unsafe(no_mangle)]
pub extern "C" fn locker_flush_attempts(handle: *mut locker) -> locker_status {
    boundary(|| with_locker(handle, |core| Ok(core.flush_attempts()?)))
}

/// Releases a courier session. `NULL` is a no-op.
///
/// # Safety
///
/// `session` is NULL or a session this library returned and that was not
/// freed yet.
///
/// Ownership: gives back what the library allocated. Thread safety: any
/// thread, but not while the object is in use by another thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn locker_courier_session_free(session: *mut locker_courier_session) {
    if session.is_null() {
        return;
    }
    let _ = crate::catch_panic(|| {
        // SAFETY: non-NULL; by the header contract it came from
        // `locker_courier_sign_in(_for)` (`write_session`) and was not
        // freed before.
        drop(unsafe { Box::from_raw(session) });
    });
}

/// Temperature zones, for `locker_parcel.zone`.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum locker_zone {
    /// Room temperature.
    LOCKER_ZONE_AMBIENT = 0,
    /// Refrigerated.
    LOCKER_ZONE_CHILLED = 1,
    /// Frozen.
    LOCKER_ZONE_FROZEN = 2,
}

/// Hand-over rules, for `locker_parcel.handling`.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum locker_handling {
    /// Prepaid, no checks.
    LOCKER_HANDLING_STANDARD = 0,
    /// The recipient pays at the locker.
    LOCKER_HANDLING_CASH_ON_DELIVERY = 1,
    /// The recipient's identity is checked.
    LOCKER_HANDLING_ID_CHECK = 2,
}

/// A parcel as the courier declares it.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct locker_parcel {
    /// The host's number for the parcel.
    pub id: u64,
    /// Outer size in millimetres.
    pub size: locker_dimensions,
    /// Weight in grams.
    pub weight_g: u32,
    /// Only turn it about the vertical axis.
    pub this_side_up: bool,
    /// A `locker_zone` value.
    pub zone: u32,
    /// A `locker_handling` value.
    pub handling: u32,
}

impl locker_parcel {
    fn to_core(self) -> Result<Parcel, Error> {
        let zone = match self.zone {
            0 => TemperatureZone::Ambient,
            1 => TemperatureZone::Chilled,
            2 => TemperatureZone::Frozen,
            other => {
                return Err(Error::new(
                    locker_status::LOCKER_INVALID_ARGUMENT,
                    format_args!("parcel->zone is {other}; expected a locker_zone (0 to 2)"),
                ));
            }
        };
        let handling = match self.handling {
            0 => Handling::Standard,
            1 => Handling::CashOnDelivery,
            2 => Handling::IdCheck,
            other => {
                return Err(Error::new(
                    locker_status::LOCKER_INVALID_ARGUMENT,
                    format_args!(
                        "parcel->handling is {other}; expected a locker_handling (0 to 2)"
                    ),
                ));
            }
        };
        let size = Dimensions::new(self.size.width_mm, self.size.depth_mm, self.size.height_mm);
        let mut parcel = Parcel::new(ParcelId(self.id), size, self.weight_g);
        parcel.this_side_up = self.this_side_up;
        parcel.zone = zone;
        parcel.handling = handling;
        Ok(parcel)
    }
}

/// Why a drop-off found no door.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum locker_overflow {
    /// A door opened (no overflow).
    LOCKER_OVERFLOW_NONE = 0,
    /// No compartment of the bank could take the parcel even if empty.
    LOCKER_OVERFLOW_NOTHING_FITS = 1,
    /// Compartments that fit exist, but none is free.
    LOCKER_OVERFLOW_FULL = 2,
    /// The courier found the door too small and no larger compartment can
    /// take the parcel (`locker_need_larger_door`).
    LOCKER_OVERFLOW_NO_LARGER_DOOR = 3,
}

/// The answer to a drop-off.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct locker_drop_off {
    /// True when a door was unlocked for the parcel.
    pub opened: bool,
    /// The door, when `opened`.
    pub compartment: u32,
    /// How to put the parcel in, when `opened`.
    pub orientation: locker_orientation,
    /// Why no door, when not `opened`: take the parcel to overflow.
    pub overflow: locker_overflow,
}

impl From<DropOff> for locker_drop_off {
    fn from(drop_off: DropOff) -> Self {
        match drop_off {
            DropOff::Opened {
                compartment,
                placement,
                ..
            } => Self {
                opened: true,
                compartment: compartment.0,
                orientation: placement.orientation.into(),
                overflow: locker_overflow::LOCKER_OVERFLOW_NONE,
            },
            DropOff::Overflow(overflow) => Self {
                opened: false,
                compartment: 0,
                orientation: locker_orientation::LOCKER_ORIENTATION_WDH,
                overflow: match overflow.reason {
                    OverflowReason::NothingFits => locker_overflow::LOCKER_OVERFLOW_NOTHING_FITS,
                    OverflowReason::NoLargerDoor => locker_overflow::LOCKER_OVERFLOW_NO_LARGER_DOOR,
                    _ => locker_overflow::LOCKER_OVERFLOW_FULL,
                },
            },
            // #[non_exhaustive]: a new answer reads as "no door".
            _ => Self {
                opened: false,
                compartment: 0,
                orientation: locker_orientation::LOCKER_ORIENTATION_WDH,
                overflow: locker_overflow::LOCKER_OVERFLOW_FULL,
            },
        }
    }
}

/// Drops a parcel off for `recipient`: chooses a door, journals the
/// intent and unlocks it (a door whose latch is at fault, jammed or
/// unknown to the board, is taken out of service and the next best is
/// tried, up to three; a power loss or a bus fault fails the call and
/// leaves the door in service). The drop-off completes when the door
/// closes (`locker_door_closed` or `locker_tick`), which raises
/// `parcel_ready` with the PIN and QR token.
///
/// A drop-off never fails on the policy's cap of active PINs per unit
/// (`pin.max_active_per_unit`, default 3): at the cap, the resident's own
/// pickup PINs give way to one PIN for all their doors, which
/// `parcel_ready`'s `pin_opens` lists (their earlier PINs stop working).
///
/// On `LOCKER_OK`, `*out_drop_off` says which door opened, or why none
/// did (then an `overflow` event names the parcel, the recipient, the
/// carrier and the reason, for the host to route the parcel elsewhere).
/// Errors: credential statuses when the session's code was rotated or
/// expired, `LOCKER_PARCEL_INVALID`, `LOCKER_PARCEL_ALREADY_STORED`,
/// hardware statuses (500–599) when no door unlocks, `LOCKER_JOURNAL_WRITE`.
///
/// Ownership: pointer arguments are borrowed for this call only; nothing is
/// kept. Thread safety: one thread at a time per `locker` (from any
/// thread); not from inside the locker's own callbacks (`LOCKER_BUSY`).
#[unsafe(no_mangle)]
pub extern "C" fn locker_deposit(
    handle: *mut locker,
    session: *const locker_courier_session,
    parcel: *const locker_parcel,
    recipient: u64,
    needs_accessible: bool,
    out_drop_off: *mut locker_drop_off,
) -> locker_status {
    boundary(|| {
        non_null(out_drop_off, "out_drop_off")?;
        let session = &borrow(session, "session")?.session;
        let parcel = borrow(parcel, "parcel")?.to_core()?;
        let request = Request {
            parcel,
            recipient: RecipientId(recipient),
            needs_accessible,
        };
        let drop_off = with_locker(handle, |core| Ok(core.deposit(session, request)?))?;
        write_out(out_drop_off, drop_off.into())
    })
}

/// The courier found door `compartment` too small and closed it again: the
/// drop-off there is called off and a larger door opens (answer in
/// `*out_drop_off` as for `locker_deposit`). `LOCKER_DOOR_STILL_OPEN` until
/// the door is shut.
///
/// Ownership: pointer arguments are borrowed for this call only; nothing is
/// kept. Thread safety: one thread at a time per `locker` (from any
/// thread); not from inside the locker's own callbacks (`LOCKER_BUSY`).
#[unsafe(no_mangle)]
pub extern "C" fn locker_need_larger_door(
    handle: *mut locker,
    compartment: u32,
    out_drop_off: *mut locker_drop_off,
) -> locker_status {
    boundary(|| {
        non_null(out_drop_off, "out_drop_off")?;
        let drop_off = with_locker(handle, |core| {
            Ok(core.need_larger_door(CompartmentId(compartment))?)
        })?;
        write_out(out_drop_off, drop_off.into())
    })
}

/// The courier called the drop-off at `compartment` off and closed the
/// door: the parcel stays with the courier.
///
/// Ownership: pointer arguments are borrowed for this call only; nothing is
/// kept. Thread safety: one thread at a time per `locker` (from any
/// thread); not from inside the locker's own callbacks (`LOCKER_BUSY`).
#[unsafe(no_mangle)]
pub extern "C" fn locker_cancel_deposit(handle: *mut locker, compartment: u32) -> locker_status {
    boundary(|| {
        with_locker(handle, |core| {
            Ok(core.cancel_deposit(CompartmentId(compartment))?)
        })
    })
}

// --- doors and the sweep ------------------------------------------------------

/// The firmware saw door `compartment` close: completes what it was open
/// for (stores the parcel and raises `parcel_ready`; frees a collected
/// door; ends a staff visit). `LOCKER_DOOR_STILL_OPEN` if the sensor says
/// open, `LOCKER_DOOR_NOT_OPEN_FOR` if the door was not open for anything.
///
/// Ownership: pointer arguments are borrowed for this call only; nothing is
/// kept. Thread safety: one thread at a time per `locker` (from any
/// thread); not from inside the locker's own callbacks (`LOCKER_BUSY`).
#[unsafe(no_mangle)]
pub extern "C" fn locker_door_closed(handle: *mut locker, compartment: u32) -> locker_status {
    boundary(|| {
        with_locker(handle, |core| {
            Ok(core.door_closed(CompartmentId(compartment))?)
        })
    })
}

/// The periodic sweep; call it every few seconds: completes doors that
/// closed, raises door-left-open and tamper alarms, sends reminders,
/// expires parcels past their dwell (raising `return_ready` with the
/// carrier's token), prunes spent credentials hourly, and journals the
/// sums of refused attempts that are due (`attempts_refused`: every
/// attempt is on the record, a flood in one record per channel, kiosk and
/// error an hour; beyond 32 kiosks at once, the others' attempts are
/// summed together, with `"kiosk": null`).
///
/// Ownership: pointer arguments are borrowed for this call only; nothing is
/// kept. Thread safety: one thread at a time per `locker` (from any
/// thread); not from inside the locker's own callbacks (`LOCKER_BUSY`).
#[unsafe(no_mangle)]
pub extern "C" fn locker_tick(handle: *mut locker) -> locker_status {
    boundary(|| with_locker(handle, |core| Ok(core.tick()?)))
}

// --- residents ----------------------------------------------------------------

/// Collects with a PIN typed at kiosk `kiosk`, with the unit number
/// (`*unit`) when the policy binds PINs to units (the default); `unit` may
/// be NULL otherwise. On `LOCKER_OK`, `*out_doors` is a new array of the
/// `*out_count` doors that unlocked, owned by the caller: release it with
/// `locker_doors_free(doors, count)`. A wrong PIN gives
/// `LOCKER_CREDENTIAL_REJECTED` and counts against the kiosk, the unit
/// named and the whole bank's PINs; once they back off (or the bank's cap
/// of 25 failures a day, which the brute-force bound rests on, is
/// reached), PINs there give `LOCKER_CREDENTIAL_THROTTLED`, and a
/// `suspicious_attempts` event names the scope (for a unit's PINs, send
/// that resident their QR code: PIN failures never block QR tokens, RFID
/// tags or remote commands). The unit's daily cap is the bank's (25), so
/// a unit's PINs never lock before the bank's do. Keypad input that is
/// no PIN at all (`LOCKER_CREDENTIAL_MALFORMED`: wrong length, letters;
/// `LOCKER_CREDENTIAL_UNIT_REQUIRED`: no unit) can never match, so it
/// counts against nobody. Refusals that count toward no throttle are on
/// the record too (`attempts_refused`, summed), and so are refusals after
/// the PIN verified (`LOCKER_NOTHING_TO_COLLECT`,
/// `LOCKER_DOOR_UNAVAILABLE`). A counted failure the journal could not
/// store is kept: every later verification (PIN, QR, RFID, remote,
/// courier sign-in) gives `LOCKER_JOURNAL_WRITE` until it is stored, so a
/// failing flash never switches the throttle off. A PIN for several doors
/// (one for all of a resident's doors) opens those that can open (one out
/// of service stays shut) and is spent door by door: it keeps opening the
/// others after one is collected. A door whose latch fails stays the
/// resident's: the PIN keeps working, and only a door at fault (jammed,
/// unknown to the board) goes out of service; a power loss or a bus fault
/// does not take it out.
///
/// Ownership: pointer arguments are borrowed for this call only; nothing is
/// kept. Thread safety: one thread at a time per `locker` (from any
/// thread); not from inside the locker's own callbacks (`LOCKER_BUSY`).
#[unsafe(no_mangle)]
pub extern "C" fn locker_pickup_pin(
    handle: *mut locker,
    kiosk: u32,
    unit: *const u64,
    pin: *const c_char,
    out_doors: *mut *mut u32,
    out_count: *mut usize,
) -> locker_status {
    boundary(|| {
        let out = OutDoors::new(out_doors, out_count)?;
        let pin = str_arg(pin, "pin")?;
        let unit = if unit.is_null() {
            None
        } else {
            Some(RecipientId(*borrow(unit, "unit")?))
        };
        let opened = with_locker(handle, |core| {
            Ok(core.pickup_pin(KioskId(kiosk), unit, pin)?)
        })?;
        out.write(&opened)
    })
}

/// Collects with a QR token scanned at kiosk `kiosk` (a resident's, or a
/// carrier's return token). Results and errors as for `locker_pickup_pin`.
/// A token that verifies is never refused for anyone else's failures;
/// only what does not verify (junk scans, forgeries) counts, against this
/// kiosk, and slows the next unverifiable scans there
/// (`LOCKER_CREDENTIAL_THROTTLED`).
///
/// Ownership: pointer arguments are borrowed for this call only; nothing is
/// kept. Thread safety: one thread at a time per `locker` (from any
/// thread); not from inside the locker's own callbacks (`LOCKER_BUSY`).
#[unsafe(no_mangle)]
pub extern "C" fn locker_pickup_qr(
    handle: *mut locker,
    kiosk: u32,
    token: *const c_char,
    out_doors: *mut *mut u32,
    out_count: *mut usize,
) -> locker_status {
    boundary(|| {
        let out = OutDoors::new(out_doors, out_count)?;
        let token = str_arg(token, "token")?;
        let opened = with_locker(handle, |core| Ok(core.pickup_qr(KioskId(kiosk), token)?))?;
        out.write(&opened)
    })
}

/// Collects with an RFID tag (`uid_len` bytes of UID): opens every door
/// holding the owner's parcels. `pin` is the tag's PIN when the policy
/// asks for one, else NULL. Results as for `locker_pickup_pin`; also
/// `LOCKER_NOTHING_TO_COLLECT`. A registered tag is never refused for
/// anyone else's failures; unknown tags count against this kiosk (and
/// slow the next unknown tags there), and a registered tag's wrong PINs
/// against that tag alone.
///
/// Ownership: pointer arguments are borrowed for this call only; nothing is
/// kept. Thread safety: one thread at a time per `locker` (from any
/// thread); not from inside the locker's own callbacks (`LOCKER_BUSY`).
#[unsafe(no_mangle)]
pub extern "C" fn locker_pickup_rfid(
    handle: *mut locker,
    kiosk: u32,
    uid: *const u8,
    uid_len: usize,
    pin: *const c_char,
    out_doors: *mut *mut u32,
    out_count: *mut usize,
) -> locker_status {
    boundary(|| {
        let out = OutDoors::new(out_doors, out_count)?;
        let uid = bytes_arg(uid, uid_len, "uid")?;
        let pin = opt_str_arg(pin, "pin")?;
        let opened = with_locker(handle, |core| {
            Ok(core.pickup_rfid(KioskId(kiosk), uid, pin)?)
        })?;
        out.write(&opened)
    })
}

/// Opens a door for a pickup on a remote command the back end signed, given
/// as the JSON text it sent:
/// `{"request": {"bank", "compartment", "purpose", "recipient",
/// "not_before_s", "not_after_s"}, "nonce", "key_id", "tag"}` (the tag as
/// 64 hex digits under the site key; or `"signature"`, Ed25519 by an
/// issuer the policy lists, which the policy then requires). The command
/// must name this bank: the configuration's `bank_id`. An unknown field is
/// refused. The door opens only while it holds parcels of the resident the command
/// names, never parcels going back to the carrier. The command is spent as
/// the door unlocks, and counts against the policy's caps, even when the
/// latch then fails; the pickup completes when the door closes, as any
/// other. Results as for `locker_pickup_pin`.
///
/// Refusals, which open nothing: `LOCKER_REMOTE_DISABLED` (off by
/// default: the configuration's `credentials.remote.enabled`),
/// `LOCKER_REMOTE_WRONG_BANK`, `LOCKER_REMOTE_WINDOW_TOO_LONG`,
/// `LOCKER_CREDENTIAL_REJECTED` (a bad signature) and
/// `LOCKER_CREDENTIAL_FAILED` (a key this locker does not have), which
/// count against the bank's remote channel (further forgeries then get
/// `LOCKER_CREDENTIAL_THROTTLED`; a command the back end signed never
/// does); and for a
/// command the site's key signed, `LOCKER_CREDENTIAL_FAILED` (a pickup
/// naming no resident), `LOCKER_CREDENTIAL_NOT_YET_VALID`,
/// `LOCKER_CREDENTIAL_EXPIRED`, `LOCKER_REMOTE_REPLAYED`,
/// `LOCKER_REMOTE_CAP_REACHED`, `LOCKER_CREDENTIAL_WRONG_PURPOSE` (staff
/// overrides are given at the locker, `locker_staff_open`),
/// `LOCKER_NOTHING_TO_COLLECT` (no parcels of that resident) and
/// `LOCKER_DOOR_UNAVAILABLE` (open, out of service, in a grace period).
/// `LOCKER_CREDENTIAL_MALFORMED` for text that is not a command.
///
/// Ownership: pointer arguments are borrowed for this call only; nothing is
/// kept. Thread safety: one thread at a time per `locker` (from any
/// thread); not from inside the locker's own callbacks (`LOCKER_BUSY`).
#[unsafe(no_mangle)]
pub extern "C" fn locker_open_remote(
    handle: *mut locker,
    command_json: *const c_char,
    out_doors: *mut *mut u32,
    out_count: *mut usize,
) -> locker_status {
    boundary(|| {
        let out = OutDoors::new(out_doors, out_count)?;
        let text = str_arg(command_json, "command_json")?;
        let command: RemoteCommand = json_arg(
            text,
            "command_json",
            locker_status::LOCKER_CREDENTIAL_MALFORMED,
        )?;
        let opened = with_locker(handle, |core| Ok(core.open_remote(&command)?))?;
        out.write(&opened)
    })
}

/// Registers an RFID tag for `recipient`. On `LOCKER_OK`, `*out_pin` is the
/// tag's PIN (a new string the caller releases with `locker_string_free`)
/// when the policy or `with_pin` asks for one, else NULL.
///
/// Ownership: pointer arguments are borrowed for this call only; nothing is
/// kept. Thread safety: one thread at a time per `locker` (from any
/// thread); not from inside the locker's own callbacks (`LOCKER_BUSY`).
#[unsafe(no_mangle)]
pub extern "C" fn locker_register_rfid(
    handle: *mut locker,
    recipient: u64,
    uid: *const u8,
    uid_len: usize,
    with_pin: bool,
    out_pin: *mut *mut c_char,
) -> locker_status {
    boundary(|| {
        non_null(out_pin, "out_pin")?;
        let uid = bytes_arg(uid, uid_len, "uid")?;
        let pin = with_locker(handle, |core| {
            let pin = core.register_rfid(RecipientId(recipient), uid, with_pin)?;
            Ok(pin.map(|pin| secret_string(pin.expose())))
        })?;
        match pin {
            Some(pin) => write_string(out_pin, pin),
            None => write_out(out_pin, core::ptr::null_mut()),
        }
    })
}

/// Who a delegation covers, for `locker_delegate`'s `scope`.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum locker_delegation_scope {
    /// The delegator's parcels in the doors given.
    LOCKER_DELEGATION_PARCELS = 0,
    /// Every parcel of the delegator, waiting now or later (no doors given).
    LOCKER_DELEGATION_ALL_PARCELS = 1,
}

/// Lets someone else collect: issues a PIN for `delegator`'s parcels until
/// `expires_at_s`. `scope` is a `locker_delegation_scope`: with
/// `LOCKER_DELEGATION_PARCELS`, `compartments` (`compartment_count` door
/// ids) names the doors, each holding a parcel of the delegator; with
/// `LOCKER_DELEGATION_ALL_PARCELS` give none (NULL, 0). The delegate types
/// the PIN like the delegator's own; it opens only doors holding the
/// delegator's parcels, none whose parcels go back to the carrier, and a
/// delegation for several doors is spent door by door. On `LOCKER_OK`,
/// `*out_pin` is the PIN (a new string the caller releases with
/// `locker_string_free`) and `*out_credential_id` its id, for
/// `locker_revoke_credential`. Errors: `LOCKER_CREDENTIAL_NOT_DELEGABLE`
/// (a door the delegator holds no usable PIN or token of),
/// `LOCKER_CREDENTIAL_FAILED` (doors given for the wrong scope or twice, a
/// bad expiry, too many PINs: the delegator already holds as many active
/// PINs as the policy's `pin.max_active_per_unit`, or delegations hold
/// all of them but the one kept for the next drop-off's PIN; with
/// `pin.max_active_per_unit` 1 there is no room for a delegation at all),
/// `LOCKER_INVALID_ARGUMENT` for another `scope`, hardware statuses,
/// `LOCKER_JOURNAL_WRITE`.
///
/// Ownership: pointer arguments are borrowed for this call only; nothing is
/// kept. Thread safety: one thread at a time per `locker` (from any
/// thread); not from inside the locker's own callbacks (`LOCKER_BUSY`).
#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)]
pub extern "C" fn locker_delegate(
    handle: *mut locker,
    delegator: u64,
    scope: u32,
    compartments: *const u32,
    compartment_count: usize,
    expires_at_s: u64,
    out_pin: *mut *mut c_char,
    out_credential_id: *mut u64,
) -> locker_status {
    boundary(|| {
        non_null(out_pin, "out_pin")?;
        non_null(out_credential_id, "out_credential_id")?;
        let scope = match scope {
            0 => DelegationScope::Parcels,
            1 => DelegationScope::AllParcels,
            other => {
                return Err(Error::new(
                    locker_status::LOCKER_INVALID_ARGUMENT,
                    format_args!("scope is {other}; expected a locker_delegation_scope (0 or 1)"),
                ));
            }
        };
        let request = DelegationRequest {
            delegator: RecipientId(delegator),
            scope,
            compartments: doors_arg(compartments, compartment_count, "compartments")?
                .iter()
                .map(|&door| CompartmentId(door))
                .collect(),
            expires_at_s,
        };
        let (pin, credential_id) = with_locker(handle, |core| {
            let delegation = core.delegate(&request)?;
            Ok((
                secret_string(delegation.pin.expose()),
                delegation.credential_id.0,
            ))
        })?;
        // The string first: it is the out-parameter that can fail, and
        // out-parameters are written only on success.
        write_string(out_pin, pin)?;
        write_out(out_credential_id, credential_id)
    })
}

/// Revokes credential `credential_id` (a delegation's, an RFID tag's, a
/// courier code's): it stops working at once, and the revocation is
/// journaled. `LOCKER_CREDENTIAL_UNKNOWN` for no such credential,
/// `LOCKER_CREDENTIAL_REVOKED` or `LOCKER_CREDENTIAL_ALREADY_USED` for one no
/// longer active, `LOCKER_DOOR_UNAVAILABLE` for a delivery's own PIN, token
/// or return token, which the locker revokes itself (nothing is journaled
/// then).
///
/// Ownership: pointer arguments are borrowed for this call only; nothing is
/// kept. Thread safety: one thread at a time per `locker` (from any
/// thread); not from inside the locker's own callbacks (`LOCKER_BUSY`).
#[unsafe(no_mangle)]
pub extern "C" fn locker_revoke_credential(
    handle: *mut locker,
    credential_id: u64,
) -> locker_status {
    boundary(|| {
        with_locker(handle, |core| {
            Ok(core.revoke_credential(CredentialId(credential_id))?)
        })
    })
}

/// Opens door `compartment` again in the short grace period after a pickup
/// ("I left a parcel inside"). `LOCKER_NOT_IN_GRACE` outside it.
///
/// Ownership: pointer arguments are borrowed for this call only; nothing is
/// kept. Thread safety: one thread at a time per `locker` (from any
/// thread); not from inside the locker's own callbacks (`LOCKER_BUSY`).
#[unsafe(no_mangle)]
pub extern "C" fn locker_reopen(handle: *mut locker, compartment: u32) -> locker_status {
    boundary(|| with_locker(handle, |core| Ok(core.reopen(CompartmentId(compartment))?)))
}

/// The resident found door `compartment` empty after a pickup: its parcels
/// are marked missing (event `parcels_missing`).
///
/// Ownership: pointer arguments are borrowed for this call only; nothing is
/// kept. Thread safety: one thread at a time per `locker` (from any
/// thread); not from inside the locker's own callbacks (`LOCKER_BUSY`).
#[unsafe(no_mangle)]
pub extern "C" fn locker_report_missing(handle: *mut locker, compartment: u32) -> locker_status {
    boundary(|| {
        with_locker(handle, |core| {
            Ok(core.report_missing(CompartmentId(compartment))?)
        })
    })
}

// --- staff ------------------------------------------------------------------

/// Opens door `compartment` for staff with `reason` (UTF-8, 1 to 200 bytes)
/// in the journal. `LOCKER_INVALID_ARGUMENT` without a reason.
///
/// Ownership: pointer arguments are borrowed for this call only; nothing is
/// kept. Thread safety: one thread at a time per `locker` (from any
/// thread); not from inside the locker's own callbacks (`LOCKER_BUSY`).
#[unsafe(no_mangle)]
pub extern "C" fn locker_staff_open(
    handle: *mut locker,
    compartment: u32,
    reason: *const c_char,
) -> locker_status {
    boundary(|| {
        let reason = str_arg(reason, "reason")?;
        with_locker(handle, |core| {
            Ok(core.staff_open(CompartmentId(compartment), reason)?)
        })
    })
}

/// Takes door `compartment` out of service with `reason`.
///
/// Ownership: pointer arguments are borrowed for this call only; nothing is
/// kept. Thread safety: one thread at a time per `locker` (from any
/// thread); not from inside the locker's own callbacks (`LOCKER_BUSY`).
#[unsafe(no_mangle)]
pub extern "C" fn locker_set_out_of_service(
    handle: *mut locker,
    compartment: u32,
    reason: *const c_char,
) -> locker_status {
    boundary(|| {
        let reason = str_arg(reason, "reason")?;
        with_locker(handle, |core| {
            Ok(core.set_out_of_service(CompartmentId(compartment), reason)?)
        })
    })
}

/// Puts door `compartment` back in service.
///
/// Ownership: pointer arguments are borrowed for this call only; nothing is
/// kept. Thread safety: one thread at a time per `locker` (from any
/// thread); not from inside the locker's own callbacks (`LOCKER_BUSY`).
#[unsafe(no_mangle)]
pub extern "C" fn locker_back_in_service(handle: *mut locker, compartment: u32) -> locker_status {
    boundary(|| {
        with_locker(handle, |core| {
            Ok(core.back_in_service(CompartmentId(compartment))?)
        })
    })
}

/// Extends door `compartment`'s expiry by `by_s` seconds (up to the maximum
/// dwell); the new expiry goes to `*out_expires_at_s`.
///
/// Ownership: pointer arguments are borrowed for this call only; nothing is
/// kept. Thread safety: one thread at a time per `locker` (from any
/// thread); not from inside the locker's own callbacks (`LOCKER_BUSY`).
#[unsafe(no_mangle)]
pub extern "C" fn locker_extend(
    handle: *mut locker,
    compartment: u32,
    by_s: u64,
    out_expires_at_s: *mut u64,
) -> locker_status {
    boundary(|| {
        non_null(out_expires_at_s, "out_expires_at_s")?;
        let at_s = with_locker(handle, |core| {
            Ok(core.extend(CompartmentId(compartment), by_s)?)
        })?;
        write_out(out_expires_at_s, at_s)
    })
}

/// `recipient` is away until `until_s`: their parcels wait until then
/// (within the maximum dwell).
///
/// Ownership: pointer arguments are borrowed for this call only; nothing is
/// kept. Thread safety: one thread at a time per `locker` (from any
/// thread); not from inside the locker's own callbacks (`LOCKER_BUSY`).
#[unsafe(no_mangle)]
pub extern "C" fn locker_hold(handle: *mut locker, recipient: u64, until_s: u64) -> locker_status {
    boundary(|| {
        with_locker(handle, |core| {
            Ok(core.hold(RecipientId(recipient), until_s)?)
        })
    })
}

/// Staff looked inside door `compartment`, interrupted by a power loss
/// (event `needs_inspection`), and found parcels or not.
///
/// Ownership: pointer arguments are borrowed for this call only; nothing is
/// kept. Thread safety: one thread at a time per `locker` (from any
/// thread); not from inside the locker's own callbacks (`LOCKER_BUSY`).
#[unsafe(no_mangle)]
pub extern "C" fn locker_inspect(
    handle: *mut locker,
    compartment: u32,
    found_parcels: bool,
) -> locker_status {
    boundary(|| {
        with_locker(handle, |core| {
            Ok(core.inspect(CompartmentId(compartment), found_parcels)?)
        })
    })
}
