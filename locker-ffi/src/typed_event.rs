//! Events as C structs: `locker_take_event` hands over one event at a
//! time in a `locker_event`, a kind tag and fixed-size fields, for a
//! firmware that would rather not parse JSON. The JSON way
//! (`locker_take_events`) stays; both take from the same queue.

use alloc::string::String;
use core::ffi::c_char;

use locker_core::credential::CarrierId;
use locker_core::locker::Event;
use locker_core::{CompartmentId, ParcelId, RecipientId};
use zeroize::Zeroize;

use crate::api::{locker, with_events};
use crate::error::Error;
use crate::ptr::non_null;
use crate::{boundary, locker_status};

/// The most parcel ids a `locker_event` holds (`parcel_ids`).
pub const LOCKER_EVENT_MAX_PARCELS: usize = 8;
/// The most door ids a `locker_event` holds (`doors`).
pub const LOCKER_EVENT_MAX_DOORS: usize = 8;
/// Bytes of `locker_event.pin`: the longest PIN (12 digits) and its NUL.
pub const LOCKER_EVENT_PIN_BYTES: usize = 16;
/// Bytes of `locker_event.qr_token`: the longest QR token and its NUL.
pub const LOCKER_EVENT_TOKEN_BYTES: usize = 256;
/// Bytes of `locker_event.reason`: a snake_case name and its NUL.
pub const LOCKER_EVENT_REASON_BYTES: usize = 32;
/// Bytes of `locker_event.detail`: one line of at most 200 bytes and its
/// NUL.
pub const LOCKER_EVENT_DETAIL_BYTES: usize = 208;

// The secrets and the detail always fit, with their NUL.
const _: () = {
    assert!((locker_core::credential::MAX_PIN_DIGITS as usize) < LOCKER_EVENT_PIN_BYTES);
    assert!(locker_core::credential::MAX_TOKEN_CHARS < LOCKER_EVENT_TOKEN_BYTES);
    assert!(locker_core::hardware::MAX_DETAIL_BYTES < LOCKER_EVENT_DETAIL_BYTES);
    assert!(locker_core::credential::MAX_TOKEN_COMPARTMENTS <= LOCKER_EVENT_MAX_DOORS);
};

/// What a `locker_event` is about: the core's event types, by the name
/// its JSON `"type"` has. Numbers are fixed and never reused; 0 is none
/// (an event of a type this header has no kind for is not written:
/// `locker_take_event` returns `LOCKER_BUFFER_TOO_SMALL` and leaves it for
/// `locker_take_events`).
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum locker_event_kind {
    /// `parcel_ready`: send the recipient the PIN and the QR token.
    LOCKER_EVENT_PARCEL_READY = 1,
    /// `collected`: the recipient collected.
    LOCKER_EVENT_COLLECTED = 2,
    /// `reminder`: the parcels expire soon.
    LOCKER_EVENT_REMINDER = 3,
    /// `return_ready`: the parcels expired; the carrier collects them with
    /// the QR token.
    LOCKER_EVENT_RETURN_READY = 4,
    /// `returned`: the carrier took expired parcels back.
    LOCKER_EVENT_RETURNED = 5,
    /// `drop_off_aborted`: a drop-off did not happen; why in `reason`.
    LOCKER_EVENT_DROP_OFF_ABORTED = 6,
    /// `pickup_aborted`: a pickup door closed with the parcels inside.
    LOCKER_EVENT_PICKUP_ABORTED = 7,
    /// `door_left_open`: a door has been open too long.
    LOCKER_EVENT_DOOR_LEFT_OPEN = 8,
    /// `suspicious_attempts`: failed attempts crossed a throttle
    /// threshold; the channel in `reason` (the subject is in the JSON).
    LOCKER_EVENT_SUSPICIOUS_ATTEMPTS = 9,
    /// `hardware_fault`: the hardware failed; its kind in `reason`, what
    /// the vendor said in `detail`.
    LOCKER_EVENT_HARDWARE_FAULT = 10,
    /// `tamper`: a door opened without a grant.
    LOCKER_EVENT_TAMPER = 11,
    /// `parcels_missing`: a resident reported the parcels missing.
    LOCKER_EVENT_PARCELS_MISSING = 12,
    /// `found_occupied`: something was left inside a door.
    LOCKER_EVENT_FOUND_OCCUPIED = 13,
    /// `needs_inspection`: after a power loss, staff must look inside.
    LOCKER_EVENT_NEEDS_INSPECTION = 14,
    /// `clock_went_back`: the clock read earlier than the last record.
    LOCKER_EVENT_CLOCK_WENT_BACK = 15,
    /// `overflow`: no door could take a courier's parcel; why in `reason`.
    LOCKER_EVENT_OVERFLOW = 16,
    /// `clock_jumped`: the clock jumped ahead; the excess is held back.
    LOCKER_EVENT_CLOCK_JUMPED = 17,
    /// `clock_confirmed`: the locker's time is the clock's again; what
    /// confirmed it in `reason`.
    LOCKER_EVENT_CLOCK_CONFIRMED = 18,
    /// `unexpected_door_close`: a door the locker had not unlocked was
    /// reported closed.
    LOCKER_EVENT_UNEXPECTED_DOOR_CLOSE = 19,
    /// `journal_compacted`: the journal now starts from a snapshot.
    LOCKER_EVENT_JOURNAL_COMPACTED = 20,
}

/// One event, as `locker_take_event` writes it: `kind`, then the fields
/// that kind has (each field says which kinds set it); the others are 0,
/// false or "". Strings are NUL-terminated UTF-8. The same facts as the
/// event's JSON, with the same snake_case names for reasons.
///
/// Set `size = sizeof(locker_event)` before the call: a library
/// newer than the header then writes only the fields the program knows.
///
/// It may hold a PIN and a QR token: wipe it (`memset`) once they are
/// sent, as the library wipes its own copies.
#[repr(C)]
pub struct locker_event {
    /// `sizeof(locker_event)`, set by the caller (written back unchanged).
    pub size: usize,
    /// What happened.
    pub kind: locker_event_kind,
    /// Whether `compartment` is set: every kind but `overflow`,
    /// `suspicious_attempts`, `clock_*`, `journal_compacted`, and a
    /// `hardware_fault` of no door.
    pub has_compartment: bool,
    /// The door.
    pub compartment: u32,
    /// Whether `recipient` is set: `parcel_ready`, `collected`,
    /// `reminder`, `return_ready`, `overflow`, and `parcels_missing` when
    /// known.
    pub has_recipient: bool,
    /// Who to tell (the recipient's unit).
    pub recipient: u64,
    /// Whether `carrier` is set: `return_ready`, `returned`, `overflow`,
    /// and `parcel_ready` when the door's first parcel has a carrier.
    pub has_carrier: bool,
    /// The carrier.
    pub carrier: u32,
    /// How many parcels the event names (`parcel_ready`: the door's
    /// parcels; `collected`, `returned`, `parcels_missing`: what was
    /// taken or is missing; `drop_off_aborted`, `overflow`: 1); the first
    /// `LOCKER_EVENT_MAX_PARCELS` of them are in `parcel_ids`.
    pub parcel_count: usize,
    /// The parcels, oldest first.
    pub parcel_ids: [u64; LOCKER_EVENT_MAX_PARCELS],
    /// `parcel_ready`: how many doors the PIN opens (this one, and the
    /// recipient's other doors whose earlier PINs it replaces).
    pub door_count: usize,
    /// `parcel_ready`: the doors the PIN opens.
    pub doors: [u32; LOCKER_EVENT_MAX_DOORS],
    /// `parcel_ready`: the PIN, typed with the unit number.
    pub pin: [c_char; LOCKER_EVENT_PIN_BYTES],
    /// `parcel_ready`, `return_ready`: the QR token (show it as a QR code).
    pub qr_token: [c_char; LOCKER_EVENT_TOKEN_BYTES],
    /// `parcel_ready`, `reminder`, `return_ready`: when the parcels go
    /// back to the carrier (or the carrier's token stops working).
    pub expires_at_s: u64,
    /// `clock_went_back`, `clock_jumped`: what the clock said.
    pub clock_s: u64,
    /// The locker's time: `clock_went_back` the time it kept (its last
    /// record's), `clock_jumped` its time now, `clock_confirmed` the time
    /// confirmed.
    pub locker_s: u64,
    /// `clock_jumped`: all the seconds now held back.
    pub held_s: u64,
    /// `suspicious_attempts`: when the lockout began.
    pub at_s: u64,
    /// `suspicious_attempts`: when it ends unless more failures come.
    pub until_s: u64,
    /// `suspicious_attempts`: failures inside the window.
    pub failures: u32,
    /// `journal_compacted`: whether `through_seq` is set (not for an
    /// empty journal).
    pub has_through_seq: bool,
    /// `journal_compacted`: the last record the snapshot covers.
    pub through_seq: u64,
    /// `journal_compacted`: bytes of the snapshot as the journal took it
    /// (on flash: as the chip holds it, compressed).
    pub snapshot_bytes: usize,
    /// Why, as its JSON name: `drop_off_aborted` and `overflow` their
    /// `reason` (`"door_fault"`, `"nothing_fits"`, ...),
    /// `hardware_fault` its `kind` (`"door_jammed"`, ...),
    /// `suspicious_attempts` the channel (`"pin"`, ...),
    /// `clock_confirmed` what confirmed it (`"staff"`, ...).
    pub reason: [c_char; LOCKER_EVENT_REASON_BYTES],
    /// `hardware_fault`: what the vendor's error said beyond its kind (""
    /// when nothing).
    pub detail: [c_char; LOCKER_EVENT_DETAIL_BYTES],
}

impl locker_event {
    /// An event of `kind` with nothing else set, of the caller's
    /// `size`.
    pub(crate) fn empty(struct_size: usize, kind: locker_event_kind) -> Self {
        Self {
            size: struct_size,
            kind,
            has_compartment: false,
            compartment: 0,
            has_recipient: false,
            recipient: 0,
            has_carrier: false,
            carrier: 0,
            parcel_count: 0,
            parcel_ids: [0; LOCKER_EVENT_MAX_PARCELS],
            door_count: 0,
            doors: [0; LOCKER_EVENT_MAX_DOORS],
            pin: [0; LOCKER_EVENT_PIN_BYTES],
            qr_token: [0; LOCKER_EVENT_TOKEN_BYTES],
            expires_at_s: 0,
            clock_s: 0,
            locker_s: 0,
            held_s: 0,
            at_s: 0,
            until_s: 0,
            failures: 0,
            has_through_seq: false,
            through_seq: 0,
            snapshot_bytes: 0,
            reason: [0; LOCKER_EVENT_REASON_BYTES],
            detail: [0; LOCKER_EVENT_DETAIL_BYTES],
        }
    }

    fn door(&mut self, door: CompartmentId) {
        self.has_compartment = true;
        self.compartment = door.0;
    }

    fn recipient(&mut self, recipient: RecipientId) {
        self.has_recipient = true;
        self.recipient = recipient.0;
    }

    fn carrier(&mut self, carrier: CarrierId) {
        self.has_carrier = true;
        self.carrier = carrier.0;
    }

    fn parcels(&mut self, parcels: &[ParcelId]) -> Result<(), Error> {
        self.parcel_count = parcels.len();
        copy_ids(
            &mut self.parcel_ids,
            parcels.iter().map(|id| id.0),
            "parcel_ids",
        )
    }

    /// Wipes the secrets of this copy.
    fn wipe(&mut self) {
        self.pin.zeroize();
        self.qr_token.zeroize();
    }
}

/// Copies `ids` into `field`, or fails when there are more than it holds.
fn copy_ids<T: Copy, const N: usize>(
    field: &mut [T; N],
    ids: impl ExactSizeIterator<Item = T>,
    name: &str,
) -> Result<(), Error> {
    let count = ids.len();
    if count > N {
        return Err(too_small(format_args!("{count} {name}, {N} fit")));
    }
    for (slot, id) in field.iter_mut().zip(ids) {
        *slot = id;
    }
    Ok(())
}

/// Copies `text` and a NUL into `field`, or fails when it does not fit.
fn copy_text<const N: usize>(field: &mut [c_char; N], text: &str, name: &str) -> Result<(), Error> {
    if text.len() >= N {
        return Err(too_small(format_args!(
            "{name} of {} bytes, {} fit",
            text.len(),
            N - 1
        )));
    }
    for (slot, byte) in field.iter_mut().zip(text.bytes()) {
        *slot = c_char::from_ne_bytes([byte]);
    }
    Ok(())
}

fn too_small(what: core::fmt::Arguments<'_>) -> Error {
    Error::new(
        locker_status::LOCKER_BUFFER_TOO_SMALL,
        format_args!(
            "the first event does not fit a locker_event ({what}); it stays queued: \
             take it with locker_take_events (JSON)"
        ),
    )
}

/// The JSON name of a unit variant (`"door_jammed"`), "" for anything
/// else.
fn json_name<T: serde::Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(name)) => name,
        _ => String::new(),
    }
}

/// `event` as a `locker_event` of the caller's `size`.
fn to_struct(event: &Event, struct_size: usize) -> Result<locker_event, Error> {
    use locker_event_kind as K;
    let kind = match event {
        Event::ParcelReady { .. } => K::LOCKER_EVENT_PARCEL_READY,
        Event::Collected { .. } => K::LOCKER_EVENT_COLLECTED,
        Event::Reminder { .. } => K::LOCKER_EVENT_REMINDER,
        Event::ReturnReady { .. } => K::LOCKER_EVENT_RETURN_READY,
        Event::Returned { .. } => K::LOCKER_EVENT_RETURNED,
        Event::DropOffAborted { .. } => K::LOCKER_EVENT_DROP_OFF_ABORTED,
        Event::PickupAborted { .. } => K::LOCKER_EVENT_PICKUP_ABORTED,
        Event::DoorLeftOpen { .. } => K::LOCKER_EVENT_DOOR_LEFT_OPEN,
        Event::SuspiciousAttempts { .. } => K::LOCKER_EVENT_SUSPICIOUS_ATTEMPTS,
        Event::HardwareFault { .. } => K::LOCKER_EVENT_HARDWARE_FAULT,
        Event::Tamper { .. } => K::LOCKER_EVENT_TAMPER,
        Event::ParcelsMissing { .. } => K::LOCKER_EVENT_PARCELS_MISSING,
        Event::FoundOccupied { .. } => K::LOCKER_EVENT_FOUND_OCCUPIED,
        Event::NeedsInspection { .. } => K::LOCKER_EVENT_NEEDS_INSPECTION,
        Event::ClockWentBack { .. } => K::LOCKER_EVENT_CLOCK_WENT_BACK,
        Event::Overflow { .. } => K::LOCKER_EVENT_OVERFLOW,
        Event::ClockJumped { .. } => K::LOCKER_EVENT_CLOCK_JUMPED,
        Event::ClockConfirmed { .. } => K::LOCKER_EVENT_CLOCK_CONFIRMED,
        Event::UnexpectedDoorClose { .. } => K::LOCKER_EVENT_UNEXPECTED_DOOR_CLOSE,
        Event::JournalCompacted { .. } => K::LOCKER_EVENT_JOURNAL_COMPACTED,
        // The core's events are non-exhaustive: one this library has no
        // kind for goes out as JSON.
        _ => {
            return Err(too_small(format_args!(
                "an event type this header has no kind for"
            )));
        }
    };
    let mut out = locker_event::empty(struct_size, kind);
    let filled = fill(event, &mut out);
    match filled {
        Ok(()) => Ok(out),
        Err(error) => {
            out.wipe();
            Err(error)
        }
    }
}

/// Sets the fields `event`'s kind has.
fn fill(event: &Event, out: &mut locker_event) -> Result<(), Error> {
    match event {
        Event::ParcelReady {
            recipient,
            compartment,
            parcels: _,
            parcel_ids,
            carrier,
            pin,
            pin_opens,
            qr_token,
            expires_at_s,
        } => {
            out.recipient(*recipient);
            out.door(*compartment);
            out.parcels(parcel_ids)?;
            if let Some(carrier) = carrier {
                out.carrier(*carrier);
            }
            out.door_count = pin_opens.len();
            copy_ids(&mut out.doors, pin_opens.iter().map(|door| door.0), "doors")?;
            copy_text(&mut out.pin, pin.expose(), "pin")?;
            copy_text(&mut out.qr_token, qr_token.expose(), "qr_token")?;
            out.expires_at_s = *expires_at_s;
        }
        Event::Collected {
            recipient,
            compartment,
            parcels,
        } => {
            out.recipient(*recipient);
            out.door(*compartment);
            out.parcels(parcels)?;
        }
        Event::Reminder {
            recipient,
            compartment,
            expires_at_s,
        } => {
            out.recipient(*recipient);
            out.door(*compartment);
            out.expires_at_s = *expires_at_s;
        }
        Event::ReturnReady {
            recipient,
            carrier,
            compartment,
            qr_token,
            expires_at_s,
        } => {
            out.recipient(*recipient);
            out.carrier(*carrier);
            out.door(*compartment);
            copy_text(&mut out.qr_token, qr_token.expose(), "qr_token")?;
            out.expires_at_s = *expires_at_s;
        }
        Event::Returned {
            carrier,
            compartment,
            parcels,
        } => {
            out.carrier(*carrier);
            out.door(*compartment);
            out.parcels(parcels)?;
        }
        Event::DropOffAborted {
            compartment,
            parcel,
            reason,
        } => {
            out.door(*compartment);
            out.parcels(&[*parcel])?;
            copy_text(&mut out.reason, &json_name(reason), "reason")?;
        }
        Event::PickupAborted { compartment }
        | Event::DoorLeftOpen { compartment }
        | Event::Tamper { compartment }
        | Event::FoundOccupied { compartment }
        | Event::NeedsInspection { compartment }
        | Event::UnexpectedDoorClose { compartment } => out.door(*compartment),
        Event::SuspiciousAttempts { lockout } => {
            out.at_s = lockout.at_s;
            out.until_s = lockout.until_s;
            out.failures = lockout.failures;
            copy_text(
                &mut out.reason,
                &json_name(&lockout.scope.channel),
                "reason",
            )?;
        }
        Event::HardwareFault {
            compartment,
            kind,
            detail,
        } => {
            if let Some(compartment) = compartment {
                out.door(*compartment);
            }
            copy_text(&mut out.reason, &json_name(kind), "reason")?;
            copy_text(&mut out.detail, detail.as_deref().unwrap_or(""), "detail")?;
        }
        Event::ParcelsMissing {
            recipient,
            compartment,
            parcels,
        } => {
            if let Some(recipient) = recipient {
                out.recipient(*recipient);
            }
            out.door(*compartment);
            out.parcels(parcels)?;
        }
        Event::ClockWentBack { clock_s, kept_s } => {
            out.clock_s = *clock_s;
            out.locker_s = *kept_s;
        }
        Event::Overflow {
            parcel,
            recipient,
            carrier,
            reason,
        } => {
            out.parcels(&[*parcel])?;
            out.recipient(*recipient);
            out.carrier(*carrier);
            copy_text(&mut out.reason, &json_name(reason), "reason")?;
        }
        Event::ClockJumped {
            clock_s,
            locker_s,
            held_s,
        } => {
            out.clock_s = *clock_s;
            out.locker_s = *locker_s;
            out.held_s = *held_s;
        }
        Event::ClockConfirmed { by, now_s } => {
            out.locker_s = *now_s;
            copy_text(&mut out.reason, &json_name(by), "reason")?;
        }
        Event::JournalCompacted {
            through_seq,
            snapshot_bytes,
        } => {
            if let Some(seq) = through_seq {
                out.has_through_seq = true;
                out.through_seq = *seq;
            }
            out.snapshot_bytes = *snapshot_bytes;
        }
        _ => {}
    }
    Ok(())
}

/// The sizes of `locker_event` this library writes: each version's, oldest
/// first (a version adds fields at the end).
const EVENT_SIZES: [usize; 1] = [core::mem::size_of::<locker_event>()];

/// Takes the oldest event not taken yet (by this function or
/// `locker_take_events`) as a `locker_event`.
///
/// Set `out_event->size = sizeof(locker_event)` first. On
/// `LOCKER_OK`, `*out_event` holds the event (its kind and that kind's
/// fields, the others zero) and the event is taken. Returns
/// `LOCKER_NO_EVENT` when there is none, `LOCKER_BUFFER_TOO_SMALL` when
/// the first event does not fit the struct (more parcels than
/// `LOCKER_EVENT_MAX_PARCELS`, more doors than `LOCKER_EVENT_MAX_DOORS`,
/// or a type this header has no kind for: take it with
/// `locker_take_events`, as JSON), `LOCKER_STRUCT_SIZE` for a
/// `size` this library does not know, `LOCKER_NULL_POINTER`; the
/// event then stays queued and `*out_event` is not written.
///
/// The struct may hold a PIN and a QR token: wipe it once they are sent.
///
/// Ownership: pointer arguments are borrowed for this call only; nothing is
/// kept. Thread safety: one thread at a time per `locker` (from any
/// thread); not from inside the locker's own callbacks (`LOCKER_BUSY`).
#[unsafe(no_mangle)]
pub extern "C" fn locker_take_event(
    handle: *mut locker,
    out_event: *mut locker_event,
) -> locker_status {
    boundary(|| {
        let size = struct_size(out_event)?;
        with_events(handle, |pending| {
            let event = pending
                .front()
                .ok_or(Error::from(locker_status::LOCKER_NO_EVENT))?;
            let mut filled = to_struct(event, size)?;
            // SAFETY: `out_event` is non-NULL and, by the header contract,
            // valid for writes of its `size` bytes, which is at
            // most `size_of::<locker_event>()` (checked by struct_size);
            // the local `filled` does not overlap the caller's memory.
            unsafe {
                core::ptr::copy_nonoverlapping(
                    (&raw const filled).cast::<u8>(),
                    out_event.cast::<u8>(),
                    size,
                );
            }
            filled.wipe();
            pending.pop_front();
            Ok(())
        })
    })
}

/// The caller's `out_event->size`, if a version this library
/// writes.
fn struct_size(out_event: *const locker_event) -> Result<usize, Error> {
    non_null(out_event, "out_event")?;
    // SAFETY: non-NULL (checked); by the header contract it points to a
    // `locker_event` the caller set `size` of, its first field (a
    // size_t, aligned as the struct is).
    let size = unsafe { out_event.cast::<usize>().read() };
    if EVENT_SIZES.contains(&size) {
        Ok(size)
    } else {
        Err(Error::new(
            locker_status::LOCKER_STRUCT_SIZE,
            format_args!(
                "out_event->size is {size}; this library writes a locker_event of \
                 {EVENT_SIZES:?} bytes (set size = sizeof(locker_event))"
            ),
        ))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use core::ffi::CStr;
    use locker_core::hardware::HardwareErrorKind;

    fn text<const N: usize>(field: &[c_char; N]) -> String {
        let bytes: Vec<u8> = field.iter().map(|&c| c.to_ne_bytes()[0]).collect();
        CStr::from_bytes_until_nul(&bytes)
            .unwrap()
            .to_str()
            .unwrap()
            .to_owned()
    }

    const SIZE: usize = core::mem::size_of::<locker_event>();

    #[test]
    fn a_hardware_fault_names_its_kind_and_keeps_the_detail() {
        let event = Event::HardwareFault {
            compartment: Some(CompartmentId(4)),
            kind: HardwareErrorKind::DoorJammed,
            detail: Some("latch motor current 2.1 A".into()),
        };
        let out = to_struct(&event, SIZE).unwrap();
        assert_eq!(out.kind, locker_event_kind::LOCKER_EVENT_HARDWARE_FAULT);
        assert_eq!(out.size, SIZE);
        assert!(out.has_compartment);
        assert_eq!(out.compartment, 4);
        assert!(!out.has_recipient);
        assert_eq!(text(&out.reason), "door_jammed");
        assert_eq!(text(&out.detail), "latch motor current 2.1 A");

        let event = Event::HardwareFault {
            compartment: None,
            kind: HardwareErrorKind::ClockFault,
            detail: None,
        };
        let out = to_struct(&event, SIZE).unwrap();
        assert!(!out.has_compartment);
        assert_eq!(text(&out.reason), "clock_fault");
        assert_eq!(text(&out.detail), "");
    }

    #[test]
    fn parcels_are_listed_up_to_what_the_struct_holds() {
        let parcels = |count: u64| Event::Collected {
            recipient: RecipientId(12),
            compartment: CompartmentId(3),
            parcels: (1..=count).map(ParcelId).collect(),
        };
        let out = to_struct(&parcels(8), SIZE).unwrap();
        assert_eq!(out.kind, locker_event_kind::LOCKER_EVENT_COLLECTED);
        assert_eq!(out.parcel_count, 8);
        assert_eq!(out.parcel_ids, [1, 2, 3, 4, 5, 6, 7, 8]);
        assert!(out.has_recipient && out.recipient == 12);

        let Err(error) = to_struct(&parcels(9), SIZE) else {
            panic!("nine parcels fit eight slots")
        };
        assert_eq!(error.status, locker_status::LOCKER_BUFFER_TOO_SMALL);
        assert!(
            error.message.contains("9 parcel_ids, 8 fit"),
            "{}",
            error.message
        );
    }

    #[test]
    fn text_that_does_not_fit_is_refused_not_cut() {
        let mut field = [0 as c_char; 4];
        assert!(copy_text(&mut field, "abc", "reason").is_ok());
        assert_eq!(text(&field), "abc");
        let error = copy_text(&mut [0 as c_char; 4], "abcd", "reason").unwrap_err();
        assert_eq!(error.status, locker_status::LOCKER_BUFFER_TOO_SMALL);
    }

    #[test]
    fn bad_arguments_get_their_status_and_write_nothing() {
        let mut event = locker_event::empty(SIZE, locker_event_kind::LOCKER_EVENT_TAMPER);
        assert_eq!(
            locker_take_event(core::ptr::null_mut(), &raw mut event),
            locker_status::LOCKER_NULL_POINTER
        );
        assert_eq!(
            locker_take_event(core::ptr::null_mut(), core::ptr::null_mut()),
            locker_status::LOCKER_NULL_POINTER
        );
        for wrong in [0, SIZE - 8, SIZE + 8] {
            event.size = wrong;
            assert_eq!(
                locker_take_event(core::ptr::null_mut(), &raw mut event),
                locker_status::LOCKER_STRUCT_SIZE
            );
            assert!(crate::error::last_error().contains("out_event->size"));
            assert_eq!(event.size, wrong);
            assert_eq!(event.kind, locker_event_kind::LOCKER_EVENT_TAMPER);
        }
    }
}
