//! An expectation-list mock of [`Hardware`], in the manner of
//! `embedded-hal-mock`: a test lists the calls it expects, in order, with the
//! result each one returns; the mock checks every call against the next
//! expectation and [`MockHardware::done`] checks that none is left over.
//!
//! Where [`SimulatedHardware`](super::SimulatedHardware) models a bank and
//! lets the library do what it likes, the mock pins the exact sequence down:
//! use it to test that an operation makes precisely the calls it should, and
//! how it reacts to each result.
//!
//! The mock is for tests: a call that is not the next expected one panics
//! with a message naming both.
//!
//! ```
//! use locker_core::CompartmentId;
//! use locker_core::hardware::{DoorState, Expectation, Hardware, HardwareErrorKind, MockHardware};
//!
//! let door = CompartmentId(7);
//! let mut hw = MockHardware::new([
//!     Expectation::NowS(Ok(1_700_000_000)),
//!     Expectation::Unlock(door, Err(HardwareErrorKind::DoorJammed)),
//!     Expectation::DoorState(door, Ok(DoorState::Closed)),
//! ]);
//! assert_eq!(hw.now_s(), Ok(1_700_000_000));
//! assert_eq!(hw.unlock(door), Err(HardwareErrorKind::DoorJammed));
//! assert_eq!(hw.door_state(door), Ok(DoorState::Closed));
//! hw.done();
//! ```

use alloc::collections::VecDeque;
use alloc::vec::Vec;
use core::fmt;

use super::{Call, DoorState, Hardware, HardwareErrorKind, Occupancy, Operation};
use crate::ids::CompartmentId;

/// One expected [`Hardware`] call, with the result the mock returns for it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Expectation {
    /// [`Hardware::unlock`] of this door.
    Unlock(CompartmentId, Result<(), HardwareErrorKind>),
    /// [`Hardware::door_state`] of this door.
    DoorState(CompartmentId, Result<DoorState, HardwareErrorKind>),
    /// [`Hardware::occupancy`] of this door.
    Occupancy(CompartmentId, Result<Occupancy, HardwareErrorKind>),
    /// [`Hardware::now_s`].
    NowS(Result<u64, HardwareErrorKind>),
    /// [`Hardware::fill_random`]: on `Ok`, the buffer must have exactly the
    /// length of these bytes, which are copied into it; on `Err`, any length
    /// is accepted.
    FillRandom(Result<Vec<u8>, HardwareErrorKind>),
}

impl Expectation {
    /// Which method this expectation is for.
    #[must_use]
    pub const fn operation(&self) -> Operation {
        match self {
            Self::Unlock(..) => Operation::Unlock,
            Self::DoorState(..) => Operation::DoorState,
            Self::Occupancy(..) => Operation::Occupancy,
            Self::NowS(_) => Operation::NowS,
            Self::FillRandom(_) => Operation::FillRandom,
        }
    }

    /// Whether a call made is the one this expectation describes.
    #[must_use]
    pub fn matches(&self, call: &Call) -> bool {
        match (self, call) {
            (Self::Unlock(want, _), Call::Unlock(got))
            | (Self::DoorState(want, _), Call::DoorState(got))
            | (Self::Occupancy(want, _), Call::Occupancy(got)) => want == got,
            (Self::NowS(_), Call::NowS) => true,
            (Self::FillRandom(Ok(bytes)), Call::FillRandom { len }) => bytes.len() == *len,
            (Self::FillRandom(Err(_)), Call::FillRandom { .. }) => true,
            _ => false,
        }
    }
}

impl fmt::Display for Expectation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fn outcome<T>(result: &Result<T, HardwareErrorKind>) -> &'static str {
            if result.is_ok() { "ok" } else { "an error" }
        }
        match self {
            Self::Unlock(door, result) => write!(f, "unlock({door}) -> {}", outcome(result)),
            Self::DoorState(door, result) => {
                write!(f, "door_state({door}) -> {}", outcome(result))
            }
            Self::Occupancy(door, result) => {
                write!(f, "occupancy({door}) -> {}", outcome(result))
            }
            Self::NowS(result) => write!(f, "now_s() -> {}", outcome(result)),
            Self::FillRandom(Ok(bytes)) => {
                write!(f, "fill_random({} bytes) -> ok", bytes.len())
            }
            Self::FillRandom(Err(_)) => f.write_str("fill_random(any length) -> an error"),
        }
    }
}

/// A [`Hardware`] that answers from a list of [`Expectation`]s, in order.
/// Its error type is [`HardwareErrorKind`].
#[derive(Clone, Debug, Default)]
pub struct MockHardware {
    expected: VecDeque<Expectation>,
    calls_made: usize,
}

impl MockHardware {
    /// A mock that expects these calls, in this order.
    #[must_use]
    pub fn new(expectations: impl IntoIterator<Item = Expectation>) -> Self {
        Self {
            expected: expectations.into_iter().collect(),
            calls_made: 0,
        }
    }

    /// Appends more expected calls after those still pending.
    pub fn expect(&mut self, expectations: impl IntoIterator<Item = Expectation>) {
        self.expected.extend(expectations);
    }

    /// The expected calls that have not happened yet.
    pub fn pending(&self) -> impl Iterator<Item = &Expectation> + '_ {
        self.expected.iter()
    }

    /// How many calls were made so far.
    #[must_use]
    pub const fn calls_made(&self) -> usize {
        self.calls_made
    }

    /// Checks that every expected call happened.
    ///
    /// # Panics
    ///
    /// If some expected calls did not happen; the message lists them.
    #[track_caller]
    pub fn done(&mut self) {
        if self.expected.is_empty() {
            return;
        }
        let mut list = alloc::string::String::new();
        for expectation in &self.expected {
            list.push_str("\n  ");
            list.push_str(&alloc::format!("{expectation}"));
        }
        panic!(
            "MockHardware: {} expected call(s) did not happen after {} call(s) made:{list}",
            self.expected.len(),
            self.calls_made,
        );
    }

    /// Takes the next expectation, which must match `call`.
    #[track_caller]
    fn next(&mut self, call: Call) -> Expectation {
        let number = self.calls_made;
        self.calls_made += 1;
        let Some(expectation) = self.expected.pop_front() else {
            panic!(
                "MockHardware: unexpected call #{number} {call}: every expected call has already happened"
            );
        };
        assert!(
            expectation.matches(&call),
            "MockHardware: call #{number} was {call}, but the next expected call was {expectation}"
        );
        expectation
    }
}

impl Hardware for MockHardware {
    type Error = HardwareErrorKind;

    #[track_caller]
    fn unlock(&mut self, door: CompartmentId) -> Result<(), HardwareErrorKind> {
        match self.next(Call::Unlock(door)) {
            Expectation::Unlock(_, result) => result,
            other => unreachable_mismatch(&other),
        }
    }

    #[track_caller]
    fn door_state(&mut self, door: CompartmentId) -> Result<DoorState, HardwareErrorKind> {
        match self.next(Call::DoorState(door)) {
            Expectation::DoorState(_, result) => result,
            other => unreachable_mismatch(&other),
        }
    }

    #[track_caller]
    fn occupancy(&mut self, door: CompartmentId) -> Result<Occupancy, HardwareErrorKind> {
        match self.next(Call::Occupancy(door)) {
            Expectation::Occupancy(_, result) => result,
            other => unreachable_mismatch(&other),
        }
    }

    #[track_caller]
    fn now_s(&mut self) -> Result<u64, HardwareErrorKind> {
        match self.next(Call::NowS) {
            Expectation::NowS(result) => result,
            other => unreachable_mismatch(&other),
        }
    }

    #[track_caller]
    fn fill_random(&mut self, buf: &mut [u8]) -> Result<(), HardwareErrorKind> {
        match self.next(Call::FillRandom { len: buf.len() }) {
            Expectation::FillRandom(Ok(bytes)) => {
                buf.copy_from_slice(&bytes);
                Ok(())
            }
            Expectation::FillRandom(Err(kind)) => Err(kind),
            other => unreachable_mismatch(&other),
        }
    }
}

/// [`MockHardware::next`] has already checked that the expectation matches
/// the call, so this is never reached.
#[track_caller]
fn unreachable_mismatch<T>(expectation: &Expectation) -> T {
    unreachable!("MockHardware: expectation {expectation} was matched to the wrong call")
}
