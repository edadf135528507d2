//! The vendor's hardware and journal storage as C function pointers: the
//! [`locker_hardware`] struct, and its implementations of the core's
//! [`Hardware`] and [`JournalSink`] traits.

use alloc::format;
use alloc::vec::Vec;
use core::ffi::{c_char, c_int, c_void};
use core::fmt;

use locker_core::CompartmentId;
use locker_core::hardware::{DoorState, Hardware, HardwareErrorKind, HardwareFault, Occupancy};
use locker_core::journal::{JournalSink, Record, lines};
use locker_core::locker::Entry;

use crate::error::Error;
use crate::fault::call;
use crate::locker_status;
use crate::ptr::{Versions, read_versioned};

/// What a hardware callback returns: `LOCKER_HW_OK` (0) or the kind of
/// failure. Any number not listed counts as `LOCKER_HW_OTHER`.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum locker_hw_result {
    /// The call succeeded.
    LOCKER_HW_OK = 0,
    /// The latch did not release: the door is still locked.
    LOCKER_HW_DOOR_JAMMED = 1,
    /// The board has no door with this id.
    LOCKER_HW_UNKNOWN_DOOR = 2,
    /// A door or occupancy sensor gave no usable reading.
    LOCKER_HW_SENSOR_FAULT = 3,
    /// The lock board did not answer in time.
    LOCKER_HW_BUS_TIMEOUT = 4,
    /// The real-time clock has no valid time.
    LOCKER_HW_CLOCK_FAULT = 5,
    /// The random number generator could not deliver.
    LOCKER_HW_ENTROPY_UNAVAILABLE = 6,
    /// Power failed during the call.
    LOCKER_HW_POWER_LOST = 7,
    /// Any other failure.
    LOCKER_HW_OTHER = 8,
}

/// What an occupancy sensor reads, as written by the `occupancy` callback.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum locker_occupancy {
    /// Nothing inside.
    LOCKER_OCCUPANCY_EMPTY = 0,
    /// Something inside.
    LOCKER_OCCUPANCY_OCCUPIED = 1,
    /// No sensor, or it cannot tell: the library trusts its journal.
    LOCKER_OCCUPANCY_UNKNOWN = 2,
}

/// The kind of failure a callback's return code names (`None` for 0).
pub(crate) fn kind_of(code: c_int) -> Option<HardwareErrorKind> {
    const OK: c_int = locker_hw_result::LOCKER_HW_OK as c_int;
    const JAMMED: c_int = locker_hw_result::LOCKER_HW_DOOR_JAMMED as c_int;
    const UNKNOWN: c_int = locker_hw_result::LOCKER_HW_UNKNOWN_DOOR as c_int;
    const SENSOR: c_int = locker_hw_result::LOCKER_HW_SENSOR_FAULT as c_int;
    const BUS: c_int = locker_hw_result::LOCKER_HW_BUS_TIMEOUT as c_int;
    const CLOCK: c_int = locker_hw_result::LOCKER_HW_CLOCK_FAULT as c_int;
    const ENTROPY: c_int = locker_hw_result::LOCKER_HW_ENTROPY_UNAVAILABLE as c_int;
    const POWER: c_int = locker_hw_result::LOCKER_HW_POWER_LOST as c_int;
    match code {
        OK => None,
        JAMMED => Some(HardwareErrorKind::DoorJammed),
        UNKNOWN => Some(HardwareErrorKind::UnknownDoor),
        SENSOR => Some(HardwareErrorKind::SensorFault),
        BUS => Some(HardwareErrorKind::BusTimeout),
        CLOCK => Some(HardwareErrorKind::ClockFault),
        ENTROPY => Some(HardwareErrorKind::EntropyUnavailable),
        POWER => Some(HardwareErrorKind::PowerLost),
        _ => Some(HardwareErrorKind::Other),
    }
}

/// The vendor's lock board and journal storage: C function pointers that
/// all receive `ctx` as their first argument.
///
/// The library calls them only during a call into the library, on the
/// calling thread, one at a time, never re-entrantly; a callback must not
/// call back into the same `locker` (that returns `LOCKER_BUSY`). Pointers
/// passed to a callback are valid only during that callback. `ctx` and the
/// functions must stay valid until the `locker` is freed; the struct itself
/// is copied by `locker_new`/`locker_restore`.
///
/// A hardware callback that fails may say more before it returns (what
/// the board reported) with `locker_hw_fault_detail`: it reaches the error
/// message, the journal's fault record and the `hardware_fault` event.
///
/// Set `size` to `sizeof(locker_hardware)` (zero the struct first, then
/// fill it in): the struct can then grow at its end in later versions
/// without breaking programs built against this header. The library reads
/// only the first `size` bytes: a program built against an older header
/// (a smaller struct: `offsetof(locker_hardware, uptime_s)` bytes, every
/// field before `uptime_s`) keeps working, the fields it lacks taken as
/// NULL. A size this library does not know is refused with
/// `LOCKER_STRUCT_SIZE`.
///
/// Required: `unlock`, `door_state`, `now_s`, `fill_random`,
/// `journal_append`. Optional (may be NULL): `occupancy` (no sensor),
/// `journal_read` (only `locker_restore` needs it), `journal_truncate`
/// (only needed when `locker_restore` finds a torn last line),
/// `monotonic_counter` with `raise_monotonic_counter` (both or neither: no
/// counter), and `uptime_s` (no uptime counter).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct locker_hardware {
    /// `sizeof(locker_hardware)`, set by the caller.
    pub size: usize,
    /// The vendor's context, passed to every callback.
    pub ctx: *mut c_void,
    /// Pulses the latch of door `door`; `LOCKER_HW_OK` means the latch
    /// released. Keep it under a second. Return `LOCKER_HW_DOOR_JAMMED` when
    /// it did not release (the door must then still be locked).
    pub unlock: Option<unsafe extern "C" fn(ctx: *mut c_void, door: u32) -> c_int>,
    /// Reads the door sensor now: writes `true` to `*out_open` when the door
    /// stands open, `false` when shut.
    pub door_state:
        Option<unsafe extern "C" fn(ctx: *mut c_void, door: u32, out_open: *mut bool) -> c_int>,
    /// Reads the occupancy sensor: writes a `locker_occupancy` value to
    /// `*out_occupancy`. NULL when there are no sensors.
    pub occupancy:
        Option<unsafe extern "C" fn(ctx: *mut c_void, door: u32, out_occupancy: *mut u32) -> c_int>,
    /// Reads the real-time clock: unix seconds (UTC) to `*out_now_s`. Fail
    /// with `LOCKER_HW_CLOCK_FAULT` rather than guess.
    pub now_s: Option<unsafe extern "C" fn(ctx: *mut c_void, out_now_s: *mut u64) -> c_int>,
    /// Fills all `len` bytes of `buf` from the hardware RNG (TRNG); the
    /// bytes become credential secrets. Fail with
    /// `LOCKER_HW_ENTROPY_UNAVAILABLE`, never with predictable bytes. A
    /// buffer no random source would fill (left all zeros, a repeated
    /// byte, a short pattern, a counter, only printable text) is refused
    /// as that same failure.
    pub fill_random:
        Option<unsafe extern "C" fn(ctx: *mut c_void, buf: *mut u8, len: usize) -> c_int>,
    /// Appends one journal line to the vendor's storage: `len` bytes of
    /// UTF-8 JSON ending in `'\n'` (also NUL-terminated at `line[len]`).
    /// Return 0 only once the bytes are durable (synced to flash); any other
    /// value refuses the change (`LOCKER_JOURNAL_WRITE`). Store the bytes
    /// exactly; the journal is the concatenation of every appended line.
    pub journal_append:
        Option<unsafe extern "C" fn(ctx: *mut c_void, line: *const c_char, len: usize) -> c_int>,
    /// Reads the stored journal for `locker_restore`: copies up to `cap`
    /// bytes starting at byte `offset` into `buf` and writes how many to
    /// `*out_len`; 0 bytes means the end. Return 0, or non-zero on a read
    /// error (`LOCKER_JOURNAL_READ`).
    pub journal_read: Option<
        unsafe extern "C" fn(
            ctx: *mut c_void,
            offset: u64,
            buf: *mut u8,
            cap: usize,
            out_len: *mut usize,
        ) -> c_int,
    >,
    /// Cuts the stored journal to its first `len` bytes: called after
    /// `locker_restore` found a last line torn by a power cut, just before
    /// the next line is appended (never for a journal the restore refused).
    /// Return 0, or non-zero on failure (the append then fails with
    /// `LOCKER_JOURNAL_WRITE`).
    pub journal_truncate: Option<unsafe extern "C" fn(ctx: *mut c_void, len: u64) -> c_int>,
    /// Reads the board's monotonic counter into `*out_value`: a value that
    /// only ever goes up and that the journal's storage cannot roll back
    /// (an RTC backup register, an OTP or secure-element counter). The
    /// locker reads it at `locker_new` and `locker_restore`, raises it to
    /// the number of records after each record, and refuses to restore a
    /// journal with fewer records (`LOCKER_JOURNAL_ROLLED_BACK`). NULL: the
    /// board has no counter. Return a `locker_hw_result`.
    pub monotonic_counter:
        Option<unsafe extern "C" fn(ctx: *mut c_void, out_value: *mut u64) -> c_int>,
    /// Raises the monotonic counter to at least `at_least` (never lowers
    /// it); called after each durable record with the number of records. A
    /// counter that wears may store only every n-th value. A failure does
    /// not undo the record: it raises a `hardware_fault` event. Required
    /// with `monotonic_counter`, NULL without it.
    pub raise_monotonic_counter:
        Option<unsafe extern "C" fn(ctx: *mut c_void, at_least: u64) -> c_int>,
    /// Reads the seconds the board has run since it started to
    /// `*out_uptime_s`, from a counter whoever sets the real-time clock
    /// cannot move (a free-running timer, the SysTick count; not the RTC,
    /// and not `CLOCK_REALTIME`). With it the locker tells time passing
    /// from a clock pushed ahead in steps too small to be jumps: the
    /// clock may run ahead of the time lived by a small allowance (60 s,
    /// regrowing at 1 % of the time lived) and the rest is held back
    /// (event `clock_jumped`) until confirmed. It may restart from 0 at a
    /// reboot; it must not go back while the board runs. Called at every
    /// clock reading; a failure fails the call that read the clock. NULL
    /// when the board has no such counter: the locker then holds back
    /// only steps larger than the policy's `clock.max_step_s`. (New in
    /// this version: a struct from an older header has none.)
    pub uptime_s: Option<unsafe extern "C" fn(ctx: *mut c_void, out_uptime_s: *mut u64) -> c_int>,
}

/// `sizeof(locker_hardware)` of the first header with a `size` field:
/// every field up to `raise_monotonic_counter`, without `uptime_s`. A
/// program built against that header passes this size and keeps working.
pub(crate) const LOCKER_HARDWARE_SIZE_V1: usize = core::mem::offset_of!(locker_hardware, uptime_s);

/// The versions of `locker_hardware` this library reads: the first
/// (without `uptime_s`) and this one. Each later version that grows the
/// struct also reads the sizes before it, the fields they lack as NULL.
const VERSIONS: Versions<locker_hardware> = Versions {
    type_name: "locker_hardware",
    sizes: &[
        LOCKER_HARDWARE_SIZE_V1,
        core::mem::size_of::<locker_hardware>(),
    ],
    missing: locker_hardware {
        size: 0,
        ctx: core::ptr::null_mut(),
        unlock: None,
        door_state: None,
        occupancy: None,
        now_s: None,
        fill_random: None,
        journal_append: None,
        journal_read: None,
        journal_truncate: None,
        monotonic_counter: None,
        raise_monotonic_counter: None,
        uptime_s: None,
    },
};

/// The required callbacks of a [`locker_hardware`], checked once.
#[derive(Clone, Copy)]
pub(crate) struct CHardware {
    ctx: *mut c_void,
    unlock: unsafe extern "C" fn(*mut c_void, u32) -> c_int,
    door_state: unsafe extern "C" fn(*mut c_void, u32, *mut bool) -> c_int,
    occupancy: Option<unsafe extern "C" fn(*mut c_void, u32, *mut u32) -> c_int>,
    now_s: unsafe extern "C" fn(*mut c_void, *mut u64) -> c_int,
    fill_random: unsafe extern "C" fn(*mut c_void, *mut u8, usize) -> c_int,
    journal_read:
        Option<unsafe extern "C" fn(*mut c_void, u64, *mut u8, usize, *mut usize) -> c_int>,
    journal_truncate: Option<unsafe extern "C" fn(*mut c_void, u64) -> c_int>,
    counter: Option<Counter>,
    uptime: Option<unsafe extern "C" fn(*mut c_void, *mut u64) -> c_int>,
}

/// A board's monotonic counter: both callbacks.
#[derive(Clone, Copy)]
struct Counter {
    read: unsafe extern "C" fn(*mut c_void, *mut u64) -> c_int,
    raise: unsafe extern "C" fn(*mut c_void, u64) -> c_int,
}

/// The journal half of a [`locker_hardware`].
#[derive(Debug)]
pub(crate) struct CJournal {
    ctx: *mut c_void,
    append: unsafe extern "C" fn(*mut c_void, *const c_char, usize) -> c_int,
    truncate: Option<unsafe extern "C" fn(*mut c_void, u64) -> c_int>,
    /// Where a torn last line found by the restore starts: cut there
    /// before the next line is appended.
    truncate_to: Option<u64>,
}

/// Reads the vendor's struct behind `hardware`: checks its `size` first
/// (before reading anything past it), reads the `size` bytes it states
/// (the fields a smaller, older struct lacks are NULL), then splits it
/// into the hardware and the journal, checking every required callback.
pub(crate) fn read_hardware(
    hardware: *const locker_hardware,
) -> Result<(CHardware, CJournal), Error> {
    // SAFETY: `locker_hardware` is `#[repr(C)]` and starts with `size`; its
    // versions' sizes end on field boundaries (each field is a word); its
    // fields are a size_t, a pointer and nullable function pointers.
    let copy = unsafe { read_versioned(hardware, "hardware", &VERSIONS) }?;
    copy.split()
}

/// Reads the vendor's struct behind `hardware` as `read_hardware` does,
/// for a locker whose journal is elsewhere (on flash): the journal's
/// callbacks are not used, and may be NULL.
pub(crate) fn read_board(hardware: *const locker_hardware) -> Result<CHardware, Error> {
    // SAFETY: as in `read_hardware`.
    let copy = unsafe { read_versioned(hardware, "hardware", &VERSIONS) }?;
    copy.board()
}

impl locker_hardware {
    /// Splits the struct into the hardware and the journal, checking that
    /// every required callback is there.
    pub(crate) fn split(&self) -> Result<(CHardware, CJournal), Error> {
        let required = |name: &str| Error::null(&format!("hardware->{name}"));
        let hardware = self.board()?;
        let journal = CJournal {
            ctx: self.ctx,
            append: self
                .journal_append
                .ok_or_else(|| required("journal_append"))?,
            truncate: self.journal_truncate,
            truncate_to: None,
        };
        Ok((hardware, journal))
    }

    /// The board's half of the struct (everything but the journal's
    /// callbacks), checking that every required callback is there.
    fn board(&self) -> Result<CHardware, Error> {
        let required = |name: &str| Error::null(&format!("hardware->{name}"));
        let counter = match (self.monotonic_counter, self.raise_monotonic_counter) {
            (Some(read), Some(raise)) => Some(Counter { read, raise }),
            (None, None) => None,
            (Some(_), None) => return Err(required("raise_monotonic_counter")),
            (None, Some(_)) => return Err(required("monotonic_counter")),
        };
        let hardware = CHardware {
            ctx: self.ctx,
            unlock: self.unlock.ok_or_else(|| required("unlock"))?,
            door_state: self.door_state.ok_or_else(|| required("door_state"))?,
            occupancy: self.occupancy,
            now_s: self.now_s.ok_or_else(|| required("now_s"))?,
            fill_random: self.fill_random.ok_or_else(|| required("fill_random"))?,
            journal_read: self.journal_read,
            journal_truncate: self.journal_truncate,
            counter,
            uptime: self.uptime_s,
        };
        Ok(hardware)
    }
}

impl Hardware for CHardware {
    type Error = HardwareFault;

    fn unlock(&mut self, door: CompartmentId) -> Result<(), Self::Error> {
        // SAFETY: the vendor promised (locker_new's contract) that `unlock`
        // and `ctx` stay valid while the locker lives; the call passes only
        // plain values.
        call(|| unsafe { (self.unlock)(self.ctx, door.0) })
    }

    fn door_state(&mut self, door: CompartmentId) -> Result<DoorState, Self::Error> {
        let mut open = false;
        // SAFETY: as for `unlock`; `&raw mut open` is a valid, aligned bool
        // for the duration of the call.
        call(|| unsafe { (self.door_state)(self.ctx, door.0, &raw mut open) })?;
        Ok(if open {
            DoorState::Open
        } else {
            DoorState::Closed
        })
    }

    fn occupancy(&mut self, door: CompartmentId) -> Result<Occupancy, Self::Error> {
        let Some(occupancy) = self.occupancy else {
            return Ok(Occupancy::Unknown);
        };
        let mut reading = locker_occupancy::LOCKER_OCCUPANCY_UNKNOWN as u32;
        // SAFETY: as for `unlock`; `&raw mut reading` is a valid, aligned
        // u32 for the duration of the call.
        call(|| unsafe { occupancy(self.ctx, door.0, &raw mut reading) })?;
        const EMPTY: u32 = locker_occupancy::LOCKER_OCCUPANCY_EMPTY as u32;
        const OCCUPIED: u32 = locker_occupancy::LOCKER_OCCUPANCY_OCCUPIED as u32;
        const UNKNOWN: u32 = locker_occupancy::LOCKER_OCCUPANCY_UNKNOWN as u32;
        match reading {
            EMPTY => Ok(Occupancy::Empty),
            OCCUPIED => Ok(Occupancy::Occupied),
            UNKNOWN => Ok(Occupancy::Unknown),
            other => Err(HardwareFault::with_detail(
                HardwareErrorKind::SensorFault,
                format!("occupancy wrote {other}, not a locker_occupancy"),
            )),
        }
    }

    fn now_s(&mut self) -> Result<u64, Self::Error> {
        let mut now_s = 0_u64;
        // SAFETY: as for `unlock`; `&raw mut now_s` is a valid, aligned u64
        // for the duration of the call.
        call(|| unsafe { (self.now_s)(self.ctx, &raw mut now_s) })?;
        Ok(now_s)
    }

    fn fill_random(&mut self, buf: &mut [u8]) -> Result<(), Self::Error> {
        // SAFETY: as for `unlock`; `buf` is valid for writes of `buf.len()`
        // bytes for the duration of the call.
        call(|| unsafe { (self.fill_random)(self.ctx, buf.as_mut_ptr(), buf.len()) })
    }

    fn monotonic_counter(&mut self) -> Result<Option<u64>, Self::Error> {
        let Some(counter) = self.counter else {
            return Ok(None);
        };
        let mut value = 0_u64;
        // SAFETY: as for `unlock`; `&raw mut value` is a valid, aligned u64
        // for the duration of the call.
        call(|| unsafe { (counter.read)(self.ctx, &raw mut value) })?;
        Ok(Some(value))
    }

    fn raise_monotonic_counter(&mut self, at_least: u64) -> Result<(), Self::Error> {
        let Some(counter) = self.counter else {
            return Ok(());
        };
        // SAFETY: as for `unlock`; only plain values are passed.
        call(|| unsafe { (counter.raise)(self.ctx, at_least) })
    }

    fn uptime_s(&mut self) -> Result<Option<u64>, Self::Error> {
        let Some(uptime) = self.uptime else {
            return Ok(None);
        };
        let mut value = 0_u64;
        // SAFETY: as for `unlock`; `&raw mut value` is a valid, aligned u64
        // for the duration of the call.
        call(|| unsafe { uptime(self.ctx, &raw mut value) })?;
        Ok(Some(value))
    }
}

impl CHardware {
    /// Reads the whole stored journal through `journal_read`.
    pub(crate) fn read_journal(&self) -> Result<Vec<u8>, Error> {
        let read = self
            .journal_read
            .ok_or_else(|| Error::null("hardware->journal_read"))?;
        let mut text = Vec::new();
        let mut chunk = [0_u8; 512];
        loop {
            let offset = u64::try_from(text.len()).unwrap_or(u64::MAX);
            let mut len = 0_usize;
            // SAFETY: the vendor promised `journal_read` and `ctx` are valid;
            // `chunk` is valid for writes of `chunk.len()` bytes and `len`
            // is a valid, aligned usize, both for the duration of the call.
            let code = unsafe {
                read(
                    self.ctx,
                    offset,
                    chunk.as_mut_ptr(),
                    chunk.len(),
                    &raw mut len,
                )
            };
            if code != 0 {
                return Err(Error::new(
                    locker_status::LOCKER_JOURNAL_READ,
                    format_args!("journal_read returned {code} at offset {offset}"),
                ));
            }
            let Some(bytes) = chunk.get(..len) else {
                return Err(Error::new(
                    locker_status::LOCKER_JOURNAL_READ,
                    format_args!(
                        "journal_read reported {len} bytes into a {}-byte buffer",
                        chunk.len()
                    ),
                ));
            };
            if bytes.is_empty() {
                return Ok(text);
            }
            text.extend_from_slice(bytes);
        }
    }

    /// Checks that a torn last line of `torn` bytes can be cut off: the
    /// journal then cuts it (`CJournal::truncate_before_next_append`).
    pub(crate) fn check_truncate(&self, torn: usize) -> Result<(), Error> {
        if self.journal_truncate.is_none() {
            return Err(Error::new(
                locker_status::LOCKER_JOURNAL_TORN_TAIL,
                format_args!(
                    "the journal ends in a torn line of {torn} bytes and hardware->journal_truncate is NULL"
                ),
            ));
        }
        Ok(())
    }
}

impl CJournal {
    /// Cuts the stored journal to `len` bytes just before the next line is
    /// appended: a restore refused before then leaves the journal as it was.
    pub(crate) fn truncate_before_next_append(&mut self, len: usize) {
        self.truncate_to = Some(u64::try_from(len).unwrap_or(u64::MAX));
    }
}

/// A refused `journal_append`, or a failed cut of a torn tail before it.
#[derive(Debug)]
pub(crate) enum AppendRefused {
    /// `journal_append` returned this.
    Append(c_int),
    /// `journal_truncate` returned this.
    Truncate(c_int),
}

impl fmt::Display for AppendRefused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Append(code) => write!(f, "journal_append returned {code}"),
            Self::Truncate(code) => write!(
                f,
                "journal_truncate returned {code} (cutting the torn last line before appending)"
            ),
        }
    }
}

impl JournalSink<Entry> for CJournal {
    type Error = AppendRefused;

    fn append(&mut self, record: &Record<Entry>) -> Result<(), Self::Error> {
        if let (Some(len), Some(truncate)) = (self.truncate_to, self.truncate) {
            // SAFETY: the vendor promised `journal_truncate` and `ctx` are
            // valid; only plain values are passed.
            let code = unsafe { truncate(self.ctx, len) };
            if code != 0 {
                return Err(AppendRefused::Truncate(code));
            }
            self.truncate_to = None;
        }
        let mut line = lines::to_line(record);
        line.push('\n');
        let len = line.len();
        line.push('\0');
        // SAFETY: the vendor promised `journal_append` and `ctx` are valid;
        // `line` is valid for reads of `len + 1` bytes (NUL included) for
        // the duration of the call, and the callback only reads it.
        let code = unsafe { (self.append)(self.ctx, line.as_ptr().cast(), len) };
        if code == 0 {
            Ok(())
        } else {
            Err(AppendRefused::Append(code))
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use locker_core::hardware::HardwareError as _;

    #[test]
    fn callback_codes_map_to_kinds_and_unknown_codes_to_other() {
        assert_eq!(kind_of(0), None);
        assert_eq!(kind_of(1), Some(HardwareErrorKind::DoorJammed));
        assert_eq!(kind_of(7), Some(HardwareErrorKind::PowerLost));
        assert_eq!(kind_of(8), Some(HardwareErrorKind::Other));
        assert_eq!(kind_of(-5), Some(HardwareErrorKind::Other));
        assert_eq!(kind_of(4242), Some(HardwareErrorKind::Other));
        assert_eq!(
            locker_status::of_code(HardwareErrorKind::DoorJammed.code()),
            Some(locker_status::LOCKER_DOOR_JAMMED)
        );
    }

    #[test]
    fn missing_required_callbacks_are_named() {
        let hardware = locker_hardware {
            size: core::mem::size_of::<locker_hardware>(),
            ctx: core::ptr::null_mut(),
            unlock: None,
            door_state: None,
            occupancy: None,
            now_s: None,
            fill_random: None,
            journal_append: None,
            journal_read: None,
            journal_truncate: None,
            monotonic_counter: None,
            raise_monotonic_counter: None,
            uptime_s: None,
        };
        let Err(error) = read_hardware(&raw const hardware) else {
            panic!("no callbacks at all");
        };
        assert_eq!(error.status, locker_status::LOCKER_NULL_POINTER);
        assert_eq!(error.message, "hardware->unlock is NULL");

        let unsized_ = locker_hardware {
            size: 0,
            ..hardware
        };
        let Err(error) = read_hardware(&raw const unsized_) else {
            panic!("size 0");
        };
        assert_eq!(error.status, locker_status::LOCKER_STRUCT_SIZE);
        assert!(error.message.contains("hardware->size is 0"));
    }

    unsafe extern "C" fn read_counter(_: *mut c_void, out: *mut u64) -> c_int {
        // SAFETY: the library passes a valid out-pointer.
        unsafe { out.write(5) };
        0
    }

    #[test]
    fn a_counter_needs_both_callbacks() {
        let hardware = locker_hardware {
            size: core::mem::size_of::<locker_hardware>(),
            ctx: core::ptr::null_mut(),
            unlock: None,
            door_state: None,
            occupancy: None,
            now_s: None,
            fill_random: None,
            journal_append: None,
            journal_read: None,
            journal_truncate: None,
            monotonic_counter: Some(read_counter),
            raise_monotonic_counter: None,
            uptime_s: None,
        };
        let Err(error) = hardware.split() else {
            panic!("half a counter");
        };
        assert_eq!(error.message, "hardware->raise_monotonic_counter is NULL");
    }

    unsafe extern "C" fn uptime(ctx: *mut c_void, out: *mut u64) -> c_int {
        // SAFETY: the tests pass a u64 as ctx; the library passes a valid
        // out-pointer.
        unsafe { out.write(*ctx.cast::<u64>()) };
        0
    }

    unsafe extern "C" fn no_door(_: *mut c_void, _: u32) -> c_int {
        locker_hw_result::LOCKER_HW_UNKNOWN_DOOR as c_int
    }

    unsafe extern "C" fn no_state(_: *mut c_void, _: u32, _: *mut bool) -> c_int {
        locker_hw_result::LOCKER_HW_SENSOR_FAULT as c_int
    }

    unsafe extern "C" fn no_clock(_: *mut c_void, _: *mut u64) -> c_int {
        locker_hw_result::LOCKER_HW_CLOCK_FAULT as c_int
    }

    unsafe extern "C" fn no_entropy(_: *mut c_void, _: *mut u8, _: usize) -> c_int {
        locker_hw_result::LOCKER_HW_ENTROPY_UNAVAILABLE as c_int
    }

    unsafe extern "C" fn no_append(_: *mut c_void, _: *const c_char, _: usize) -> c_int {
        -5
    }

    /// Every required callback, and an uptime counter reading `*ctx`.
    fn with_uptime(ctx: *mut u64) -> locker_hardware {
        locker_hardware {
            size: core::mem::size_of::<locker_hardware>(),
            ctx: ctx.cast(),
            unlock: Some(no_door),
            door_state: Some(no_state),
            occupancy: None,
            now_s: Some(no_clock),
            fill_random: Some(no_entropy),
            journal_append: Some(no_append),
            journal_read: None,
            journal_truncate: None,
            monotonic_counter: None,
            raise_monotonic_counter: None,
            uptime_s: Some(uptime),
        }
    }

    #[test]
    fn the_first_struct_size_is_every_field_before_uptime_s() {
        // Twelve pointer-sized fields then (`size`, `ctx`, ten callbacks),
        // thirteen now, on any target: 96 and 104 bytes on 64-bit Linux,
        // 48 and 52 on a Cortex-M.
        let word = core::mem::size_of::<usize>();
        assert_eq!(LOCKER_HARDWARE_SIZE_V1, 12 * word);
        assert_eq!(core::mem::size_of::<locker_hardware>(), 13 * word);
    }

    #[test]
    fn uptime_s_is_read_only_from_a_struct_that_has_it() {
        let mut lived_s = 4_242_u64;
        let hardware = with_uptime(&raw mut lived_s);
        let (mut board, _) = read_hardware(&raw const hardware).unwrap();
        assert_eq!(board.uptime_s().unwrap(), Some(4_242));

        // An older caller's struct ends before `uptime_s`: whatever lies
        // after it (here a callback that would answer) is never read.
        let older = locker_hardware {
            size: LOCKER_HARDWARE_SIZE_V1,
            ..hardware
        };
        let (mut board, _) = read_hardware(&raw const older).unwrap();
        assert_eq!(board.uptime_s().unwrap(), None);
        assert!(matches!(
            board.now_s(),
            Err(fault) if fault.kind() == HardwareErrorKind::ClockFault
        ));

        // Sizes between the two, or past this one, are no version's.
        for size in [LOCKER_HARDWARE_SIZE_V1 + 1, LOCKER_HARDWARE_SIZE_V1 - 8] {
            let odd = locker_hardware { size, ..hardware };
            let Err(error) = read_hardware(&raw const odd) else {
                panic!("size {size}");
            };
            assert_eq!(error.status, locker_status::LOCKER_STRUCT_SIZE);
        }
    }
}
