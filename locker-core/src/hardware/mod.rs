//! The boundary between the library and the locker's electronics.
//!
//! The library decides *which* door opens and *who* may open it; the vendor's
//! firmware moves the latches. That firmware implements [`Hardware`] for its
//! lock board: one blocking trait with five calls (unlock a door, read a door
//! sensor, read an optional occupancy sensor, read the real-time clock, read
//! the hardware random number generator). Each failure is a vendor error type
//! that says what *kind* of failure it was through [`HardwareError::kind`], so
//! the library can tell a jammed door from a bus timeout while the vendor
//! keeps its own detailed errors (the pattern of `embedded-hal`).
//!
//! For tests and demos there are two ready implementations:
//!
//! - [`SimulatedHardware`] — a bank of doors with physical rules (a latched
//!   door does not open, a parcel can only go in through an open door), a
//!   settable clock, deterministic entropy, a log of every call, and fault
//!   injection for every [`HardwareErrorKind`].
//! - [`MockHardware`] — an expectation list: each call must be the next one
//!   expected, and [`MockHardware::done`] checks that all of them happened.
//!
//! # The contract, call by call
//!
//! The library calls the hardware from one thread, one call at a time
//! (every method takes `&mut self`), never re-entrantly, and only while it is
//! serving an operation (a deposit, a pickup, an expiry sweep, a staff
//! action). It never calls [`Hardware::unlock`] for more than one door per
//! call, and only for a door the operation has authorized.
//!
//! | call | when the library calls it | may block for | after an error, the library |
//! | --- | --- | --- | --- |
//! | [`unlock`](Hardware::unlock) | once per authorized opening, after every check has passed and the credential has been accepted | the latch pulse; keep it under 1 s | treats the door as still locked, records the fault and takes the door out of service; a drop-off then tries the next best door (up to three), a pickup gives that door back with its credential still valid; no parcel moves |
//! | [`door_state`](Hardware::door_state) | after an unlock, to see the door open and close again; in sweeps, to find doors left open or forced | one sensor read; tens of milliseconds | does not assume "closed": the door is reported as needing attention and no state change is based on the reading |
//! | [`occupancy`](Hardware::occupancy) | after a door closes, to cross-check that a parcel went in or came out | one sensor read; tens of milliseconds | treats the reading as [`Occupancy::Unknown`] (trust the journal) and reports the fault |
//! | [`now_s`](Hardware::now_s) | at the start of each operation: for the journal timestamp and expiry checks | one RTC read; milliseconds | refuses the operation (a record without a time cannot be written); nothing changes |
//! | [`fill_random`](Hardware::fill_random) | when issuing a credential (PIN, QR token nonce) | until enough entropy is collected; keep it under 100 ms | refuses the operation; never falls back to a weaker source |
//!
//! Every call can fail with [`HardwareErrorKind::PowerLost`]: the operation
//! in progress is then not committed, and after the restart the library's
//! state is rebuilt from its journal, which holds only committed operations.
//! A door that was unlocked when power went is settled at the restart with
//! the occupancy sensor, or left for staff to inspect when there is none.
//!
//! # Writing an implementation
//!
//! The smallest useful implementation uses [`HardwareErrorKind`] itself as
//! its error type. A real one would talk to the lock board over RS-485, CAN
//! or I²C and map the board's error codes to kinds.
//!
//! ```
//! use locker_core::CompartmentId;
//! use locker_core::hardware::{DoorState, Hardware, HardwareErrorKind};
//!
//! /// A board with 16 doors, a door sensor per door, no occupancy sensor.
//! struct MyBoard {
//!     latched: [bool; 16],
//!     rtc_s: u64,
//! }
//!
//! impl MyBoard {
//!     fn slot(door: CompartmentId) -> Result<usize, HardwareErrorKind> {
//!         usize::try_from(door.0)
//!             .ok()
//!             .filter(|&i| i < 16)
//!             .ok_or(HardwareErrorKind::UnknownDoor)
//!     }
//! }
//!
//! impl Hardware for MyBoard {
//!     type Error = HardwareErrorKind;
//!
//!     fn unlock(&mut self, door: CompartmentId) -> Result<(), Self::Error> {
//!         let slot = Self::slot(door)?;
//!         // Pulse the solenoid here; read back the latch switch.
//!         self.latched[slot] = false;
//!         Ok(())
//!     }
//!
//!     fn door_state(&mut self, door: CompartmentId) -> Result<DoorState, Self::Error> {
//!         let slot = Self::slot(door)?;
//!         Ok(if self.latched[slot] { DoorState::Closed } else { DoorState::Open })
//!     }
//!
//!     // `occupancy` keeps its default: `Ok(Occupancy::Unknown)`, no sensor.
//!
//!     fn now_s(&mut self) -> Result<u64, Self::Error> {
//!         Ok(self.rtc_s)
//!     }
//!
//!     fn fill_random(&mut self, buf: &mut [u8]) -> Result<(), Self::Error> {
//!         // Read the TRNG here. This board has none: say so, never fake it.
//!         let _ = buf;
//!         Err(HardwareErrorKind::EntropyUnavailable)
//!     }
//! }
//!
//! let mut board = MyBoard { latched: [true; 16], rtc_s: 1_700_000_000 };
//! board.unlock(CompartmentId(3))?;
//! assert_eq!(board.door_state(CompartmentId(3))?, DoorState::Open);
//! assert_eq!(board.unlock(CompartmentId(99)), Err(HardwareErrorKind::UnknownDoor));
//! # Ok::<(), HardwareErrorKind>(())
//! ```

use core::convert::Infallible;
use core::fmt;

use crate::ids::CompartmentId;

pub mod mock;
pub mod sim;

pub use mock::{Expectation, MockHardware};
pub use sim::SimulatedHardware;

/// Whether a door is physically open, as its door sensor reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub enum DoorState {
    /// The door stands open (whether or not the latch was released: a
    /// forced door is open too).
    Open,
    /// The door is shut.
    Closed,
}

impl fmt::Display for DoorState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Open => "open",
            Self::Closed => "closed",
        })
    }
}

/// What a compartment's occupancy sensor (a light barrier, a weight pad)
/// says is inside.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub enum Occupancy {
    /// Nothing inside.
    Empty,
    /// Something inside.
    Occupied,
    /// The compartment has no sensor, or the sensor cannot tell; the library
    /// then trusts its journal.
    Unknown,
}

impl fmt::Display for Occupancy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Empty => "empty",
            Self::Occupied => "occupied",
            Self::Unknown => "unknown",
        })
    }
}

/// What kind of failure a [`Hardware`] call had: the part of a vendor's
/// error the library acts on.
///
/// New kinds may be added in minor releases, so a `match` needs a `_` arm;
/// a vendor error that fits no kind uses [`HardwareErrorKind::Other`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, thiserror::Error)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[non_exhaustive]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub enum HardwareErrorKind {
    /// The latch did not release: the door is still locked and needs
    /// service.
    #[error("door jammed: the latch did not release")]
    DoorJammed,
    /// The board has no door with this id: the bank configuration and the
    /// wiring disagree.
    #[error("unknown door: the lock board has no door with this id")]
    UnknownDoor,
    /// A door or occupancy sensor gave no usable reading.
    #[error("sensor fault: no usable reading")]
    SensorFault,
    /// The lock board did not answer in time (RS-485, CAN, I²C): usually
    /// transient.
    #[error("bus timeout: the lock board did not answer")]
    BusTimeout,
    /// The real-time clock is not set, lost its time, or gave an impossible
    /// value.
    #[error("clock fault: the real-time clock has no valid time")]
    ClockFault,
    /// The hardware random number generator could not deliver.
    #[error("entropy unavailable: the random number generator could not deliver")]
    EntropyUnavailable,
    /// Power to the lock board (or to the whole bank) failed during the call.
    #[error("power lost")]
    PowerLost,
    /// Any other failure; the vendor's error says more.
    #[error("hardware failure")]
    Other,
}

/// A vendor's hardware error: anything printable that can say which
/// [`HardwareErrorKind`] it is.
pub trait HardwareError: fmt::Debug + fmt::Display {
    /// The kind of failure, which the library branches on.
    fn kind(&self) -> HardwareErrorKind;

    /// What the vendor's error says beyond its kind (a bus frame, a latch
    /// number, an exception's message). The error the caller gets
    /// ([`LockerError::Hardware`](crate::locker::LockerError::Hardware))
    /// keeps it whole; the `hardware_fault` event and the journal's record
    /// of the fault keep one line of it, at most [`MAX_DETAIL_BYTES`].
    /// `None` (the default) when the kind says it all.
    fn detail(&self) -> Option<&str> {
        None
    }
}

/// How much of a [`HardwareError::detail`] the journal's fault record and
/// the `hardware_fault` event keep: a record stays small on a controller's
/// flash, whatever a driver says. Control characters (line breaks, tabs)
/// become spaces first, so the stored JSON is at most twice as long
/// (quotes and backslashes are escaped).
pub const MAX_DETAIL_BYTES: usize = 200;

/// A kind is its own error, so a simple implementation can use
/// `type Error = HardwareErrorKind`.
impl HardwareError for HardwareErrorKind {
    fn kind(&self) -> HardwareErrorKind {
        *self
    }
}

/// For hardware that cannot fail (a pure simulation without faults).
impl HardwareError for Infallible {
    fn kind(&self) -> HardwareErrorKind {
        match *self {}
    }
}

/// A hardware error that is its kind and, when the driver said more, that
/// detail: for drivers (and the bindings' hardware) that need no error
/// type of their own.
///
/// ```
/// use locker_core::hardware::{HardwareError, HardwareErrorKind, HardwareFault};
///
/// let fault = HardwareFault::with_detail(HardwareErrorKind::DoorJammed, "latch 4: 2.1 A");
/// assert_eq!(fault.detail(), Some("latch 4: 2.1 A"));
/// assert!(fault.to_string().ends_with(": latch 4: 2.1 A"));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HardwareFault {
    kind: HardwareErrorKind,
    detail: Option<alloc::string::String>,
}

impl HardwareFault {
    /// A fault its kind says all about.
    #[must_use]
    pub const fn new(kind: HardwareErrorKind) -> Self {
        Self { kind, detail: None }
    }

    /// A fault with what the driver said about it.
    #[must_use]
    pub fn with_detail(kind: HardwareErrorKind, detail: impl Into<alloc::string::String>) -> Self {
        Self {
            kind,
            detail: Some(detail.into()),
        }
    }
}

impl fmt::Display for HardwareFault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.detail {
            Some(detail) => write!(f, "{}: {detail}", self.kind),
            None => write!(f, "{}", self.kind),
        }
    }
}

impl HardwareError for HardwareFault {
    fn kind(&self) -> HardwareErrorKind {
        self.kind
    }

    fn detail(&self) -> Option<&str> {
        self.detail.as_deref()
    }
}

/// The locker's electronics, as the vendor's firmware drives them.
///
/// All calls are blocking; see the [module documentation](self) for when the
/// library makes each call, how long it may take, and what the library does
/// after a failure.
pub trait Hardware {
    /// The vendor's error; its [`kind`](HardwareError::kind) is what the
    /// library acts on.
    type Error: HardwareError;

    /// Pulses the latch of one door so the person in front of it can pull it
    /// open. `Ok` means the latch released; it does not mean the door was
    /// opened (see [`Hardware::door_state`]). Unlocking a door that is
    /// already open is not an error.
    ///
    /// # Errors
    ///
    /// [`HardwareErrorKind::DoorJammed`] when the latch did not release (the
    /// door must then still be locked); [`HardwareErrorKind::UnknownDoor`]
    /// for a door the board does not have; bus and power kinds as they occur.
    fn unlock(&mut self, door: CompartmentId) -> Result<(), Self::Error>;

    /// Reads the door sensor of one door: the physical state now, never a
    /// cached or assumed one.
    ///
    /// # Errors
    ///
    /// [`HardwareErrorKind::SensorFault`] when the sensor gives no usable
    /// reading; [`HardwareErrorKind::UnknownDoor`]; bus and power kinds.
    fn door_state(&mut self, door: CompartmentId) -> Result<DoorState, Self::Error>;

    /// Reads the occupancy sensor of one compartment. The sensor is
    /// optional: the default implementation answers
    /// [`Occupancy::Unknown`] without touching the hardware.
    ///
    /// # Errors
    ///
    /// [`HardwareErrorKind::SensorFault`] when a fitted sensor gives no
    /// usable reading; [`HardwareErrorKind::UnknownDoor`]; bus and power
    /// kinds. The default implementation never fails.
    fn occupancy(&mut self, door: CompartmentId) -> Result<Occupancy, Self::Error> {
        let _ = door;
        Ok(Occupancy::Unknown)
    }

    /// The current time in Unix seconds (UTC), from the lock board's
    /// real-time clock. It should not run backwards; when the clock has no
    /// valid time, fail rather than return a guess.
    ///
    /// # Errors
    ///
    /// [`HardwareErrorKind::ClockFault`] when the clock has no valid time;
    /// bus and power kinds.
    fn now_s(&mut self) -> Result<u64, Self::Error>;

    /// Fills all of `buf` from the hardware random number generator (TRNG).
    /// The bytes become credential secrets: never fill them from a
    /// predictable source; fail instead. The locker refuses 32 bytes left
    /// all zeros, the mark of a source that returned without writing, as
    /// [`HardwareErrorKind::EntropyUnavailable`].
    ///
    /// # Errors
    ///
    /// [`HardwareErrorKind::EntropyUnavailable`] when the generator cannot
    /// deliver (`buf` contents are then unspecified); bus and power kinds.
    fn fill_random(&mut self, buf: &mut [u8]) -> Result<(), Self::Error>;

    /// Reads the board's monotonic counter (an RTC backup register, an OTP
    /// counter, a secure element's counter): a value that only ever goes
    /// up and that the journal's storage cannot roll back. The locker
    /// raises it to the number of records after each record and refuses to
    /// restore a journal with fewer records, so a journal cut short or
    /// rolled back is evident. Optional: the default answers `None` (no
    /// counter) without touching the hardware.
    ///
    /// # Errors
    ///
    /// Bus and power kinds; the default never fails.
    fn monotonic_counter(&mut self) -> Result<Option<u64>, Self::Error> {
        Ok(None)
    }

    /// Raises the monotonic counter to `at_least` (never lowers it). Called
    /// after each durable record with the number of records, only when
    /// [`Hardware::monotonic_counter`] answered a value. A counter that
    /// wears (OTP, flash) may store only every n-th value: a rollback is
    /// then evident once it removes more than n records.
    ///
    /// # Errors
    ///
    /// Bus and power kinds: the record stands, the failure is reported as
    /// an event. The default does nothing.
    fn raise_monotonic_counter(&mut self, at_least: u64) -> Result<(), Self::Error> {
        let _ = at_least;
        Ok(())
    }

    /// Seconds the board has run since it started, from a counter whoever
    /// sets the real-time clock cannot move (a free-running timer, the
    /// SysTick count). It lets the locker tell time passing from a clock
    /// pushed ahead in steps too small to be jumps: with it, the clock may
    /// run ahead of the time lived by at most a small allowance (a
    /// correction of a minute, a clock 1 % fast), and the rest is held
    /// back until confirmed. Optional: the default answers `None` (no such
    /// counter), and the locker then holds back only steps larger than its
    /// policy's `max_step_s`.
    ///
    /// # Errors
    ///
    /// Bus and power kinds; the default never fails.
    fn uptime_s(&mut self) -> Result<Option<u64>, Self::Error> {
        Ok(None)
    }
}

/// A mutable borrow of hardware is hardware, so the library can be handed
/// `&mut board` and the caller keeps the board.
impl<T: Hardware + ?Sized> Hardware for &mut T {
    type Error = T::Error;

    fn unlock(&mut self, door: CompartmentId) -> Result<(), Self::Error> {
        T::unlock(self, door)
    }

    fn door_state(&mut self, door: CompartmentId) -> Result<DoorState, Self::Error> {
        T::door_state(self, door)
    }

    fn occupancy(&mut self, door: CompartmentId) -> Result<Occupancy, Self::Error> {
        T::occupancy(self, door)
    }

    fn now_s(&mut self) -> Result<u64, Self::Error> {
        T::now_s(self)
    }

    fn fill_random(&mut self, buf: &mut [u8]) -> Result<(), Self::Error> {
        T::fill_random(self, buf)
    }

    fn monotonic_counter(&mut self) -> Result<Option<u64>, Self::Error> {
        T::monotonic_counter(self)
    }

    fn raise_monotonic_counter(&mut self, at_least: u64) -> Result<(), Self::Error> {
        T::raise_monotonic_counter(self, at_least)
    }

    fn uptime_s(&mut self) -> Result<Option<u64>, Self::Error> {
        T::uptime_s(self)
    }
}

/// Which [`Hardware`] method a call was, without its arguments: used to
/// inject a fault into every call of one kind, or to count calls.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub enum Operation {
    /// [`Hardware::unlock`].
    Unlock,
    /// [`Hardware::door_state`].
    DoorState,
    /// [`Hardware::occupancy`].
    Occupancy,
    /// [`Hardware::now_s`].
    NowS,
    /// [`Hardware::fill_random`].
    FillRandom,
    /// [`Hardware::monotonic_counter`].
    MonotonicCounter,
    /// [`Hardware::raise_monotonic_counter`].
    RaiseMonotonicCounter,
    /// [`Hardware::uptime_s`].
    UptimeS,
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Unlock => "unlock",
            Self::DoorState => "door_state",
            Self::Occupancy => "occupancy",
            Self::NowS => "now_s",
            Self::FillRandom => "fill_random",
            Self::MonotonicCounter => "monotonic_counter",
            Self::RaiseMonotonicCounter => "raise_monotonic_counter",
            Self::UptimeS => "uptime_s",
        })
    }
}

/// One call the library made through [`Hardware`], with its arguments: what
/// [`SimulatedHardware::calls`] records, for tests to check.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub enum Call {
    /// [`Hardware::unlock`] of this door.
    Unlock(CompartmentId),
    /// [`Hardware::door_state`] of this door.
    DoorState(CompartmentId),
    /// [`Hardware::occupancy`] of this door.
    Occupancy(CompartmentId),
    /// [`Hardware::now_s`].
    NowS,
    /// [`Hardware::fill_random`] of this many bytes.
    FillRandom {
        /// The length of the buffer, in bytes.
        len: usize,
    },
    /// [`Hardware::monotonic_counter`].
    MonotonicCounter,
    /// [`Hardware::raise_monotonic_counter`] to this value.
    RaiseMonotonicCounter {
        /// The value it was raised to (at least).
        at_least: u64,
    },
    /// [`Hardware::uptime_s`].
    UptimeS,
}

impl Call {
    /// Which method this call was.
    #[must_use]
    pub const fn operation(&self) -> Operation {
        match self {
            Self::Unlock(_) => Operation::Unlock,
            Self::DoorState(_) => Operation::DoorState,
            Self::Occupancy(_) => Operation::Occupancy,
            Self::NowS => Operation::NowS,
            Self::FillRandom { .. } => Operation::FillRandom,
            Self::MonotonicCounter => Operation::MonotonicCounter,
            Self::RaiseMonotonicCounter { .. } => Operation::RaiseMonotonicCounter,
            Self::UptimeS => Operation::UptimeS,
        }
    }

    /// The door the call was about, if it was about one.
    #[must_use]
    pub const fn door(&self) -> Option<CompartmentId> {
        match self {
            Self::Unlock(door) | Self::DoorState(door) | Self::Occupancy(door) => Some(*door),
            Self::NowS
            | Self::FillRandom { .. }
            | Self::MonotonicCounter
            | Self::RaiseMonotonicCounter { .. }
            | Self::UptimeS => None,
        }
    }
}

impl fmt::Display for Call {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Unlock(door) | Self::DoorState(door) | Self::Occupancy(door) => {
                write!(f, "{}({door})", self.operation())
            }
            Self::NowS => f.write_str("now_s()"),
            Self::FillRandom { len } => write!(f, "fill_random({len} bytes)"),
            Self::MonotonicCounter => f.write_str("monotonic_counter()"),
            Self::RaiseMonotonicCounter { at_least } => {
                write!(f, "raise_monotonic_counter({at_least})")
            }
            Self::UptimeS => f.write_str("uptime_s()"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;

    #[test]
    fn a_kind_is_its_own_error() {
        let error = HardwareErrorKind::BusTimeout;
        assert_eq!(error.kind(), HardwareErrorKind::BusTimeout);
        assert_eq!(
            error.to_string(),
            "bus timeout: the lock board did not answer"
        );
    }

    #[test]
    fn default_occupancy_is_unknown_and_mut_ref_forwards() {
        struct Minimal;
        impl Hardware for Minimal {
            type Error = Infallible;
            fn unlock(&mut self, _: CompartmentId) -> Result<(), Infallible> {
                Ok(())
            }
            fn door_state(&mut self, _: CompartmentId) -> Result<DoorState, Infallible> {
                Ok(DoorState::Closed)
            }
            fn now_s(&mut self) -> Result<u64, Infallible> {
                Ok(7)
            }
            fn fill_random(&mut self, buf: &mut [u8]) -> Result<(), Infallible> {
                buf.fill(1);
                Ok(())
            }
        }
        fn generic<H: Hardware>(mut hw: H) -> Result<(Occupancy, u64), H::Error> {
            Ok((hw.occupancy(CompartmentId(1))?, hw.now_s()?))
        }
        let mut board = Minimal;
        assert_eq!(generic(&mut board), Ok((Occupancy::Unknown, 7)));
        assert_eq!(generic(&mut &mut board), Ok((Occupancy::Unknown, 7)));
    }

    #[test]
    fn calls_print_and_classify() {
        let call = Call::Unlock(CompartmentId(4));
        assert_eq!(call.to_string(), "unlock(#4)");
        assert_eq!(call.operation(), Operation::Unlock);
        assert_eq!(call.door(), Some(CompartmentId(4)));
        assert_eq!(
            Call::FillRandom { len: 16 }.to_string(),
            "fill_random(16 bytes)"
        );
        assert_eq!(Call::NowS.door(), None);
    }
}
