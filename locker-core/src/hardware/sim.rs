//! A simulated locker bank: the [`Hardware`] a test or a demo runs the
//! library against.
//!
//! [`SimulatedHardware`] keeps the physical truth of every door — is it open,
//! is its latch released, how many parcels are inside — and obeys the same
//! rules as a real bank: a latched door does not open when pulled, a parcel
//! goes in or comes out only through an open door, and a closed door latches.
//! The test plays the person at the locker with [`open_door`], [`close_door`],
//! [`put_parcel`], [`take_parcel`] and [`force_open`]; the library plays the
//! firmware through the [`Hardware`] calls, each of which is recorded in
//! [`calls`].
//!
//! Every kind of failure can be injected: a jammed latch ([`jam`]), a door
//! that will not close ([`hold_open`]), a broken door sensor
//! ([`break_door_sensor`]), a lying occupancy sensor ([`lie_occupancy`]), a
//! clock that jumps ([`jump_clock_s`]), a power cut after a number of calls
//! ([`cut_power_after`]), and any [`HardwareErrorKind`] on any call
//! ([`fail_calls`]).
//!
//! Physical actions, fault injection and inspection are not hardware calls:
//! they are never recorded and never fail from injected faults (a person can
//! still push a door shut during a power cut). They fail only for a door the
//! bank does not have, or an action the physical rules forbid, with an
//! [`ActionError`].
//!
//! ```
//! use locker_core::CompartmentId;
//! use locker_core::hardware::{Call, DoorState, Hardware, SimulatedHardware};
//!
//! let door = CompartmentId(1);
//! let mut sim = SimulatedHardware::new([door, CompartmentId(2)], 42);
//! assert!(!sim.open_door(door)?, "a latched door does not open");
//! sim.unlock(door)?;
//! assert!(sim.open_door(door)?);
//! sim.put_parcel(door)?;
//! assert!(sim.close_door(door)?);
//! assert_eq!(sim.door_state(door)?, DoorState::Closed);
//! assert_eq!(sim.calls(), [Call::Unlock(door), Call::DoorState(door)]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! [`open_door`]: SimulatedHardware::open_door
//! [`close_door`]: SimulatedHardware::close_door
//! [`put_parcel`]: SimulatedHardware::put_parcel
//! [`take_parcel`]: SimulatedHardware::take_parcel
//! [`force_open`]: SimulatedHardware::force_open
//! [`calls`]: SimulatedHardware::calls
//! [`jam`]: SimulatedHardware::jam
//! [`hold_open`]: SimulatedHardware::hold_open
//! [`break_door_sensor`]: SimulatedHardware::break_door_sensor
//! [`lie_occupancy`]: SimulatedHardware::lie_occupancy
//! [`jump_clock_s`]: SimulatedHardware::jump_clock_s
//! [`cut_power_after`]: SimulatedHardware::cut_power_after
//! [`fail_calls`]: SimulatedHardware::fail_calls

use alloc::vec::Vec;
use core::fmt;

use sha2::{Digest, Sha256};

use super::{Call, DoorState, Hardware, HardwareError, HardwareErrorKind, Occupancy, Operation};
use crate::ids::CompartmentId;

/// How long an injected fault lasts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Repeat {
    /// Only the next matching call fails; then the fault is gone.
    Once,
    /// Every matching call fails until the fault is cleared.
    Always,
}

/// How a lying occupancy sensor lies (see [`SimulatedHardware::lie_occupancy`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SensorLie {
    /// Reports [`Occupancy::Empty`] for a compartment with a parcel and
    /// [`Occupancy::Occupied`] for an empty one.
    Opposite,
    /// Reports [`Occupancy::Unknown`].
    Unknown,
    /// Fails with [`HardwareErrorKind::SensorFault`].
    Fault,
}

/// A failed [`Hardware`] call of the simulation: the kind of failure, and
/// the door the call was about, if any.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, thiserror::Error)]
pub struct SimError {
    /// What kind of failure it was.
    pub kind: HardwareErrorKind,
    /// The door the failed call was about (`None` for the clock and entropy).
    pub door: Option<CompartmentId>,
}

impl fmt::Display for SimError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.door {
            Some(door) => write!(f, "door {door}: {}", self.kind),
            None => write!(f, "{}", self.kind),
        }
    }
}

impl HardwareError for SimError {
    fn kind(&self) -> HardwareErrorKind {
        self.kind
    }
}

/// A physical action, fault injection or inspection the simulation cannot
/// perform.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, thiserror::Error)]
#[non_exhaustive]
pub enum ActionError {
    /// The simulated bank has no such door.
    #[error("door {door} does not exist in this simulated bank")]
    UnknownDoor {
        /// The door asked for.
        door: CompartmentId,
    },
    /// A parcel cannot go in or come out of a closed door.
    #[error("door {door} is closed; open it first")]
    DoorClosed {
        /// The closed door.
        door: CompartmentId,
    },
    /// There is no parcel to take.
    #[error("door {door} is empty; there is no parcel to take")]
    NoParcel {
        /// The empty compartment.
        door: CompartmentId,
    },
}

/// One simulated door: its physical state and the faults injected into it.
#[derive(Clone, Debug)]
struct Door {
    id: CompartmentId,
    open: bool,
    latch_released: bool,
    parcels: u32,
    jam: Option<Repeat>,
    held_open: bool,
    door_sensor_broken: bool,
    occupancy_lie: Option<SensorLie>,
}

impl Door {
    const fn new(id: CompartmentId) -> Self {
        Self {
            id,
            open: false,
            latch_released: false,
            parcels: 0,
            jam: None,
            held_open: false,
            door_sensor_broken: false,
            occupancy_lie: None,
        }
    }

    fn clear_faults(&mut self) {
        self.jam = None;
        self.held_open = false;
        self.door_sensor_broken = false;
        self.occupancy_lie = None;
    }
}

/// The power supply of the simulated lock board.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Power {
    On,
    /// On for this many more calls, then off.
    CutAfter(usize),
    Off,
}

/// SHA-256 in counter mode: block `i` is `SHA-256(seed ‖ i)`, both as
/// 8-byte little-endian integers, and bytes are handed out in order.
#[derive(Clone, Debug)]
struct Entropy {
    seed: u64,
    next_block: u64,
    block: [u8; 32],
    used: usize,
}

impl Entropy {
    const fn new(seed: u64) -> Self {
        Self {
            seed,
            next_block: 0,
            block: [0; 32],
            used: 32,
        }
    }

    fn fill(&mut self, buf: &mut [u8]) {
        for byte in buf {
            if self.used == self.block.len() {
                let digest = Sha256::new()
                    .chain_update(self.seed.to_le_bytes())
                    .chain_update(self.next_block.to_le_bytes())
                    .finalize();
                self.block.copy_from_slice(&digest);
                self.next_block = self.next_block.wrapping_add(1);
                self.used = 0;
            }
            *byte = self.block[self.used];
            self.used += 1;
        }
    }
}

/// A simulated bank of doors with a clock, an entropy source, a call log
/// and fault injection. See the [module documentation](self).
///
/// A new simulation has every door closed, latched and empty, every sensor
/// fitted and honest, the clock at 0 and the power on.
#[derive(Clone, Debug)]
pub struct SimulatedHardware {
    /// Sorted by id, no duplicates.
    doors: Vec<Door>,
    occupancy_sensors: bool,
    now_s: u64,
    clock_jump_s: i64,
    entropy: Entropy,
    call_faults: Vec<(Operation, HardwareErrorKind, Repeat)>,
    power: Power,
    calls: Vec<Call>,
    /// The board's monotonic counter, when it has one.
    counter: Option<u64>,
    /// Seconds the board has run, when it counts them: time passing
    /// (`advance_s`, `set_now_s` forward) moves it, a clock jump does not.
    uptime_s: Option<u64>,
}

impl SimulatedHardware {
    /// A bank with these doors (duplicates are ignored) whose entropy source
    /// is seeded with `seed`.
    ///
    /// The entropy is SHA-256 in counter mode (block `i` is
    /// `SHA-256(seed ‖ i)` with both as 8-byte little-endian integers): the
    /// same seed gives the same bytes, so a run can be replayed. It is **not
    /// a secure random number generator** — anyone who knows the seed knows
    /// every credential — and must never stand in for a real TRNG.
    #[must_use]
    pub fn new(doors: impl IntoIterator<Item = CompartmentId>, seed: u64) -> Self {
        let mut ids: Vec<CompartmentId> = doors.into_iter().collect();
        crate::collections::sort::values(&mut ids);
        ids.dedup();
        Self {
            doors: ids.into_iter().map(Door::new).collect(),
            occupancy_sensors: true,
            now_s: 0,
            clock_jump_s: 0,
            entropy: Entropy::new(seed),
            call_faults: Vec::new(),
            power: Power::On,
            calls: Vec::new(),
            counter: None,
            uptime_s: None,
        }
    }

    /// The same simulation with its clock set to `now_s` (Unix seconds).
    #[must_use]
    pub const fn with_now_s(mut self, now_s: u64) -> Self {
        self.now_s = now_s;
        self
    }

    /// The same simulation without occupancy sensors, like a bank that has
    /// none: [`Hardware::occupancy`] answers [`Occupancy::Unknown`] (the
    /// call is still recorded).
    #[must_use]
    pub const fn without_occupancy_sensors(mut self) -> Self {
        self.occupancy_sensors = false;
        self
    }

    /// The same simulation with a monotonic counter at 0, like a board with
    /// an RTC backup register or a secure element's counter: the locker
    /// raises it after each record and refuses a journal shorter than it.
    #[must_use]
    pub const fn with_monotonic_counter(mut self) -> Self {
        self.counter = Some(0);
        self
    }

    /// The same simulation with an uptime counter at 0, like a board with a
    /// free-running timer: time passing ([`advance_s`](Self::advance_s),
    /// [`set_now_s`](Self::set_now_s) forward) moves it, a clock jump
    /// ([`jump_clock_s`](Self::jump_clock_s)) does not, so the locker tells
    /// a clock pushed ahead from time lived.
    #[must_use]
    pub const fn with_uptime(mut self) -> Self {
        self.uptime_s = Some(0);
        self
    }

    /// The monotonic counter's value, without a hardware call; `None`
    /// without a counter.
    #[must_use]
    pub const fn monotonic_counter_value(&self) -> Option<u64> {
        self.counter
    }

    // --- the clock -------------------------------------------------------

    /// Sets the clock to `now_s` (Unix seconds). Not a hardware call.
    pub const fn set_now_s(&mut self, now_s: u64) {
        if let Some(uptime_s) = self.uptime_s
            && now_s > self.now_s
        {
            self.uptime_s = Some(uptime_s.saturating_add(now_s - self.now_s));
        }
        self.now_s = now_s;
    }

    /// Moves the clock forward by `delta_s` seconds (saturating), as time
    /// passing. Not a hardware call.
    pub const fn advance_s(&mut self, delta_s: u64) {
        self.now_s = self.now_s.saturating_add(delta_s);
        if let Some(uptime_s) = self.uptime_s {
            self.uptime_s = Some(uptime_s.saturating_add(delta_s));
        }
    }

    /// The clock's time in Unix seconds, without a hardware call and without
    /// any pending [`jump_clock_s`](Self::jump_clock_s).
    #[must_use]
    pub const fn clock_s(&self) -> u64 {
        self.now_s
    }

    // --- the person at the locker -----------------------------------------

    /// Pulls on a door. It opens only if its latch was released by an
    /// [`unlock`](Hardware::unlock) (opening uses up the release) or if it
    /// was already open. Returns whether the door is open now.
    ///
    /// # Errors
    ///
    /// [`ActionError::UnknownDoor`] for a door the bank does not have.
    pub fn open_door(&mut self, door: CompartmentId) -> Result<bool, ActionError> {
        let door = self.door_mut(door)?;
        if door.latch_released {
            door.open = true;
            door.latch_released = false;
        }
        Ok(door.open)
    }

    /// Pushes a door shut; a shut door latches. A door under
    /// [`hold_open`](Self::hold_open) stays open. Returns whether the door
    /// is closed now.
    ///
    /// # Errors
    ///
    /// [`ActionError::UnknownDoor`] for a door the bank does not have.
    pub fn close_door(&mut self, door: CompartmentId) -> Result<bool, ActionError> {
        let door = self.door_mut(door)?;
        if !door.held_open {
            door.open = false;
            door.latch_released = false;
        }
        Ok(!door.open)
    }

    /// The latch pulse of an [`unlock`](Hardware::unlock) ends without
    /// anyone pulling the door: the door is latched again.
    ///
    /// # Errors
    ///
    /// [`ActionError::UnknownDoor`] for a door the bank does not have.
    pub fn relatch(&mut self, door: CompartmentId) -> Result<(), ActionError> {
        self.door_mut(door)?.latch_released = false;
        Ok(())
    }

    /// Puts one parcel into an open compartment.
    ///
    /// # Errors
    ///
    /// [`ActionError::DoorClosed`] if the door is closed;
    /// [`ActionError::UnknownDoor`] for a door the bank does not have.
    pub fn put_parcel(&mut self, door: CompartmentId) -> Result<(), ActionError> {
        let id = door;
        let door = self.door_mut(id)?;
        if !door.open {
            return Err(ActionError::DoorClosed { door: id });
        }
        door.parcels = door.parcels.saturating_add(1);
        Ok(())
    }

    /// Takes one parcel out of an open compartment.
    ///
    /// # Errors
    ///
    /// [`ActionError::DoorClosed`] if the door is closed;
    /// [`ActionError::NoParcel`] if the compartment is empty;
    /// [`ActionError::UnknownDoor`] for a door the bank does not have.
    pub fn take_parcel(&mut self, door: CompartmentId) -> Result<(), ActionError> {
        let id = door;
        let door = self.door_mut(id)?;
        if !door.open {
            return Err(ActionError::DoorClosed { door: id });
        }
        if door.parcels == 0 {
            return Err(ActionError::NoParcel { door: id });
        }
        door.parcels -= 1;
        Ok(())
    }

    /// Forces a door open without an unlock: a break-in, or a door pried
    /// open. The door sensor then reports it open.
    ///
    /// # Errors
    ///
    /// [`ActionError::UnknownDoor`] for a door the bank does not have.
    pub fn force_open(&mut self, door: CompartmentId) -> Result<(), ActionError> {
        let door = self.door_mut(door)?;
        door.open = true;
        door.latch_released = false;
        Ok(())
    }

    // --- inspection ----------------------------------------------------------

    /// The doors of the bank, in id order.
    pub fn doors(&self) -> impl Iterator<Item = CompartmentId> + '_ {
        self.doors.iter().map(|door| door.id)
    }

    /// Whether a door is physically open (the truth, whatever its sensor
    /// says). Not a hardware call.
    ///
    /// # Errors
    ///
    /// [`ActionError::UnknownDoor`] for a door the bank does not have.
    pub fn is_open(&self, door: CompartmentId) -> Result<bool, ActionError> {
        Ok(self.door(door)?.open)
    }

    /// Whether a door's latch is released, so that pulling opens it.
    ///
    /// # Errors
    ///
    /// [`ActionError::UnknownDoor`] for a door the bank does not have.
    pub fn is_latch_released(&self, door: CompartmentId) -> Result<bool, ActionError> {
        Ok(self.door(door)?.latch_released)
    }

    /// How many parcels are physically inside a compartment (the truth,
    /// whatever its sensor says). Not a hardware call.
    ///
    /// # Errors
    ///
    /// [`ActionError::UnknownDoor`] for a door the bank does not have.
    pub fn parcel_count(&self, door: CompartmentId) -> Result<u32, ActionError> {
        Ok(self.door(door)?.parcels)
    }

    /// Whether the lock board has power (it still has while a
    /// [`cut_power_after`](Self::cut_power_after) counts down).
    #[must_use]
    pub const fn is_powered(&self) -> bool {
        !matches!(self.power, Power::Off)
    }

    // --- the call log ----------------------------------------------------------

    /// Every [`Hardware`] call made so far, in order, including calls that
    /// failed.
    #[must_use]
    pub fn calls(&self) -> &[Call] {
        &self.calls
    }

    /// Returns the call log and empties it, to check one step at a time.
    pub fn take_calls(&mut self) -> Vec<Call> {
        core::mem::take(&mut self.calls)
    }

    /// Empties the call log.
    pub fn clear_calls(&mut self) {
        self.calls.clear();
    }

    /// How many calls of one operation were made.
    #[must_use]
    pub fn count_calls(&self, operation: Operation) -> usize {
        self.calls
            .iter()
            .filter(|call| call.operation() == operation)
            .count()
    }

    /// Checks that the calls made so far are exactly `expected`, in order.
    ///
    /// # Panics
    ///
    /// If they differ; the message lists both and the first difference.
    #[track_caller]
    pub fn assert_calls(&self, expected: &[Call]) {
        if self.calls == expected {
            return;
        }
        let first = self
            .calls
            .iter()
            .zip(expected)
            .position(|(made, wanted)| made != wanted)
            .unwrap_or_else(|| self.calls.len().min(expected.len()));
        panic!(
            "SimulatedHardware: calls differ from call #{first}\n  made:     {}\n  expected: {}",
            CallList(&self.calls),
            CallList(expected),
        );
    }

    // --- fault injection -------------------------------------------------------

    /// Makes a door's latch fail to release: [`unlock`](Hardware::unlock)
    /// fails with [`HardwareErrorKind::DoorJammed`] and the door stays
    /// latched, for the next unlock ([`Repeat::Once`]) or until cleared
    /// ([`Repeat::Always`]).
    ///
    /// # Errors
    ///
    /// [`ActionError::UnknownDoor`] for a door the bank does not have.
    pub fn jam(&mut self, door: CompartmentId, repeat: Repeat) -> Result<(), ActionError> {
        self.door_mut(door)?.jam = Some(repeat);
        Ok(())
    }

    /// Makes a door impossible to close (a broken closer, something in the
    /// way): [`close_door`](Self::close_door) leaves it open until the fault
    /// is cleared. A closed door is not affected until it is opened.
    ///
    /// # Errors
    ///
    /// [`ActionError::UnknownDoor`] for a door the bank does not have.
    pub fn hold_open(&mut self, door: CompartmentId) -> Result<(), ActionError> {
        self.door_mut(door)?.held_open = true;
        Ok(())
    }

    /// Breaks a door's sensor: [`door_state`](Hardware::door_state) fails
    /// with [`HardwareErrorKind::SensorFault`] until the fault is cleared.
    ///
    /// # Errors
    ///
    /// [`ActionError::UnknownDoor`] for a door the bank does not have.
    pub fn break_door_sensor(&mut self, door: CompartmentId) -> Result<(), ActionError> {
        self.door_mut(door)?.door_sensor_broken = true;
        Ok(())
    }

    /// Makes a compartment's occupancy sensor lie, until the fault is
    /// cleared.
    ///
    /// # Errors
    ///
    /// [`ActionError::UnknownDoor`] for a door the bank does not have.
    pub fn lie_occupancy(
        &mut self,
        door: CompartmentId,
        lie: SensorLie,
    ) -> Result<(), ActionError> {
        self.door_mut(door)?.occupancy_lie = Some(lie);
        Ok(())
    }

    /// Makes the clock jump by `delta_s` seconds (forward if positive,
    /// backward if negative, saturating at 0) at the next successful
    /// [`now_s`](Hardware::now_s) read. The jump happens once: the clock
    /// then keeps the new time. Several jumps before a read add up.
    pub const fn jump_clock_s(&mut self, delta_s: i64) {
        self.clock_jump_s = self.clock_jump_s.saturating_add(delta_s);
    }

    /// Makes calls of one operation fail with `kind` — a bus timeout, a
    /// clock fault, entropy unavailable, anything — for the next such call
    /// ([`Repeat::Once`]) or until cleared ([`Repeat::Always`]). Faults
    /// queue: the oldest one matching a call is the one used.
    pub fn fail_calls(&mut self, operation: Operation, kind: HardwareErrorKind, repeat: Repeat) {
        self.call_faults.push((operation, kind, repeat));
    }

    /// Cuts the power after `calls` more hardware calls: those calls run
    /// normally (they may still fail from other faults), and every call
    /// after them fails with [`HardwareErrorKind::PowerLost`] until
    /// [`restore_power`](Self::restore_power). `cut_power_after(0)` cuts it
    /// now. Doors, parcels and the clock keep their state.
    pub const fn cut_power_after(&mut self, calls: usize) {
        self.power = if calls == 0 {
            Power::Off
        } else {
            Power::CutAfter(calls)
        };
    }

    /// Cuts the power now: every call fails with
    /// [`HardwareErrorKind::PowerLost`] until
    /// [`restore_power`](Self::restore_power).
    pub const fn cut_power(&mut self) {
        self.power = Power::Off;
    }

    /// Restores the power, and cancels a pending
    /// [`cut_power_after`](Self::cut_power_after).
    pub const fn restore_power(&mut self) {
        self.power = Power::On;
    }

    /// Clears the faults of one door: jam, hold-open, door sensor and
    /// occupancy sensor.
    ///
    /// # Errors
    ///
    /// [`ActionError::UnknownDoor`] for a door the bank does not have.
    pub fn clear_door_faults(&mut self, door: CompartmentId) -> Result<(), ActionError> {
        self.door_mut(door)?.clear_faults();
        Ok(())
    }

    /// Clears every fault: those of every door, a pending clock jump, the
    /// faults of [`fail_calls`](Self::fail_calls), and a power cut (past or
    /// pending). Physical state, the clock and the call log are kept.
    pub fn clear_faults(&mut self) {
        self.doors.iter_mut().for_each(Door::clear_faults);
        self.clock_jump_s = 0;
        self.call_faults.clear();
        self.power = Power::On;
    }

    // --- internals ---------------------------------------------------------------

    fn index(&self, door: CompartmentId) -> Option<usize> {
        self.doors.binary_search_by_key(&door, |d| d.id).ok()
    }

    fn door(&self, door: CompartmentId) -> Result<&Door, ActionError> {
        self.index(door)
            .map(|i| &self.doors[i])
            .ok_or(ActionError::UnknownDoor { door })
    }

    fn door_mut(&mut self, door: CompartmentId) -> Result<&mut Door, ActionError> {
        match self.index(door) {
            Some(i) => Ok(&mut self.doors[i]),
            None => Err(ActionError::UnknownDoor { door }),
        }
    }

    /// What every hardware call goes through first: log it, then check the
    /// power.
    fn begin(&mut self, call: Call) -> Result<(), SimError> {
        self.calls.push(call);
        match self.power {
            Power::On => Ok(()),
            Power::CutAfter(n) => {
                self.power = if n <= 1 {
                    Power::Off
                } else {
                    Power::CutAfter(n - 1)
                };
                Ok(())
            }
            Power::Off => Err(SimError {
                kind: HardwareErrorKind::PowerLost,
                door: call.door(),
            }),
        }
    }

    /// Fails a call that an injected [`fail_calls`](Self::fail_calls) fault
    /// matches, using up a [`Repeat::Once`] fault.
    fn injected(&mut self, call: Call) -> Result<(), SimError> {
        let operation = call.operation();
        let Some(at) = self.call_faults.iter().position(|f| f.0 == operation) else {
            return Ok(());
        };
        let (_, kind, repeat) = self.call_faults[at];
        if repeat == Repeat::Once {
            self.call_faults.remove(at);
        }
        Err(SimError {
            kind,
            door: call.door(),
        })
    }

    /// [`begin`](Self::begin) for a call about a door: also checks that the
    /// door exists and the injected faults, and returns the door.
    fn begin_door(&mut self, call: Call, id: CompartmentId) -> Result<&mut Door, SimError> {
        self.begin(call)?;
        let index = self.index(id).ok_or(SimError {
            kind: HardwareErrorKind::UnknownDoor,
            door: Some(id),
        })?;
        self.injected(call)?;
        Ok(&mut self.doors[index])
    }
}

impl Hardware for SimulatedHardware {
    type Error = SimError;

    fn unlock(&mut self, id: CompartmentId) -> Result<(), SimError> {
        let door = self.begin_door(Call::Unlock(id), id)?;
        if let Some(repeat) = door.jam {
            if repeat == Repeat::Once {
                door.jam = None;
            }
            return Err(SimError {
                kind: HardwareErrorKind::DoorJammed,
                door: Some(id),
            });
        }
        if !door.open {
            door.latch_released = true;
        }
        Ok(())
    }

    fn door_state(&mut self, id: CompartmentId) -> Result<DoorState, SimError> {
        let door = self.begin_door(Call::DoorState(id), id)?;
        if door.door_sensor_broken {
            return Err(SimError {
                kind: HardwareErrorKind::SensorFault,
                door: Some(id),
            });
        }
        Ok(if door.open {
            DoorState::Open
        } else {
            DoorState::Closed
        })
    }

    fn occupancy(&mut self, id: CompartmentId) -> Result<Occupancy, SimError> {
        let sensors = self.occupancy_sensors;
        let door = self.begin_door(Call::Occupancy(id), id)?;
        if !sensors {
            return Ok(Occupancy::Unknown);
        }
        let full = door.parcels > 0;
        let reading = match door.occupancy_lie {
            None => full,
            Some(SensorLie::Opposite) => !full,
            Some(SensorLie::Unknown) => return Ok(Occupancy::Unknown),
            Some(SensorLie::Fault) => {
                return Err(SimError {
                    kind: HardwareErrorKind::SensorFault,
                    door: Some(id),
                });
            }
        };
        Ok(if reading {
            Occupancy::Occupied
        } else {
            Occupancy::Empty
        })
    }

    fn now_s(&mut self) -> Result<u64, SimError> {
        self.begin(Call::NowS)?;
        self.injected(Call::NowS)?;
        self.now_s = self.now_s.saturating_add_signed(self.clock_jump_s);
        self.clock_jump_s = 0;
        Ok(self.now_s)
    }

    fn fill_random(&mut self, buf: &mut [u8]) -> Result<(), SimError> {
        let call = Call::FillRandom { len: buf.len() };
        self.begin(call)?;
        self.injected(call)?;
        self.entropy.fill(buf);
        Ok(())
    }

    /// Without an uptime counter the call touches nothing and is not
    /// recorded, as the trait's default.
    fn uptime_s(&mut self) -> Result<Option<u64>, SimError> {
        if self.uptime_s.is_none() {
            return Ok(None);
        }
        self.begin(Call::UptimeS)?;
        self.injected(Call::UptimeS)?;
        Ok(self.uptime_s)
    }

    /// Without a counter the call touches nothing and is not recorded, as
    /// the trait's default.
    fn monotonic_counter(&mut self) -> Result<Option<u64>, SimError> {
        if self.counter.is_none() {
            return Ok(None);
        }
        self.begin(Call::MonotonicCounter)?;
        self.injected(Call::MonotonicCounter)?;
        Ok(self.counter)
    }

    fn raise_monotonic_counter(&mut self, at_least: u64) -> Result<(), SimError> {
        let Some(value) = self.counter else {
            return Ok(());
        };
        let call = Call::RaiseMonotonicCounter { at_least };
        self.begin(call)?;
        self.injected(call)?;
        self.counter = Some(value.max(at_least));
        Ok(())
    }
}

/// Prints a list of calls as `[unlock(#1), now_s()]`.
struct CallList<'a>(&'a [Call]);

impl fmt::Display for CallList<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[")?;
        for (i, call) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{call}")?;
        }
        f.write_str("]")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    #[test]
    fn entropy_is_sha256_of_seed_and_counter() {
        let mut sim = SimulatedHardware::new([], 7);
        let mut bytes = [0u8; 40];
        sim.fill_random(&mut bytes).unwrap();
        let block0 = Sha256::new()
            .chain_update(7u64.to_le_bytes())
            .chain_update(0u64.to_le_bytes())
            .finalize();
        let block1 = Sha256::new()
            .chain_update(7u64.to_le_bytes())
            .chain_update(1u64.to_le_bytes())
            .finalize();
        assert_eq!(&bytes[..32], &block0[..]);
        assert_eq!(&bytes[32..], &block1[..8]);
    }

    #[test]
    fn entropy_does_not_depend_on_how_it_is_chunked() {
        let mut whole = SimulatedHardware::new([], 99);
        let mut chunked = SimulatedHardware::new([], 99);
        let mut a = vec![0u8; 100];
        whole.fill_random(&mut a).unwrap();
        let mut b = vec![0u8; 100];
        for chunk in b.chunks_mut(7) {
            chunked.fill_random(chunk).unwrap();
        }
        assert_eq!(a, b);
    }

    #[test]
    fn sim_error_names_the_door() {
        use alloc::string::ToString;
        let error = SimError {
            kind: HardwareErrorKind::DoorJammed,
            door: Some(CompartmentId(5)),
        };
        assert_eq!(
            error.to_string(),
            "door #5: door jammed: the latch did not release"
        );
        let error = SimError {
            kind: HardwareErrorKind::PowerLost,
            door: None,
        };
        assert_eq!(error.to_string(), "power lost");
    }

    #[test]
    fn duplicate_doors_are_ignored() {
        let sim = SimulatedHardware::new([CompartmentId(3), CompartmentId(1), CompartmentId(3)], 0);
        assert_eq!(
            sim.doors().collect::<Vec<_>>(),
            [CompartmentId(1), CompartmentId(3)]
        );
    }
}
