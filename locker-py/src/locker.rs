//! The `Locker` facade over simulated hardware or a Python hardware object,
//! with a journal in memory or on flash (`crate::flash`).

extern crate alloc;

use alloc::sync::Arc;
use std::sync::{Mutex, MutexGuard, PoisonError};

use locker_core::allocate::{BatchOptions, Request};
use locker_core::credential::{
    BankId, CarrierId, CredentialId, DelegationRequest, KeyId, KioskId, RemoteCommand, SignedTime,
};
use locker_core::hardware::{
    DoorState, Hardware, HardwareError as CoreHardwareError, HardwareErrorKind, HardwareFault,
    Occupancy, Operation, sim as hwsim,
};
use locker_core::journal::flash::{Flash, FlashConfig, FlashJournal};
use locker_core::journal::{MemoryJournal, Trust, lines};
use locker_core::locker::{
    self as core_locker, BatchStep, CourierSession, Entry, FlashChecks, LockerConfig, Restore,
    Snapshot,
};
use locker_core::{CompartmentId, RecipientId};
use pyo3::exceptions::{PyException, PyTypeError};
use pyo3::prelude::*;

use crate::args;
use crate::convert::{self, from_py, from_py_or_default, to_py};
use crate::credential::{KeyRing, site_key};
use crate::exceptions::{CoreError, argument_type, invalid_argument};
use crate::flash::{FlashReport, OnFlash, flash_from};
use crate::journal::{head_from, records_from};
use crate::pickle;

/// The simulated hardware, shared between Python (which opens doors and
/// puts parcels in) and the locker (which unlocks and reads sensors).
#[derive(Clone)]
struct SharedSim(Arc<Mutex<hwsim::SimulatedHardware>>);

impl SharedSim {
    fn lock(&self) -> MutexGuard<'_, hwsim::SimulatedHardware> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A Python object with the hardware methods.
struct PyHardware {
    object: Py<PyAny>,
    interrupt: Interrupt,
}

/// Where a `KeyboardInterrupt` or `SystemExit` raised in a hardware method
/// waits while the core records the failed call as a fault; the locker
/// raises it once the core returns, in place of the call's result. Until
/// then no hardware method is called again.
#[derive(Clone, Default)]
pub(crate) struct Interrupt(Arc<Mutex<Option<PyErr>>>);

impl Interrupt {
    pub(crate) fn slot(&self) -> MutexGuard<'_, Option<PyErr>> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// `result`, unless an interrupt waits: then the interrupt.
    fn raise_or<T>(&self, result: Result<T, core_locker::LockerError>) -> PyResult<T> {
        match self.slot().take() {
            Some(interrupt) => Err(interrupt),
            None => result.map_err(locker_err),
        }
    }

    /// `result`, unless an interrupt waits: then the interrupt.
    fn raise_or_else<T>(&self, result: Result<T, CoreError>) -> PyResult<T> {
        match self.slot().take() {
            Some(interrupt) => Err(interrupt),
            None => result.map_err(PyErr::from),
        }
    }
}

/// A hardware fault from a Python exception: its `kind` attribute when it
/// names a kind (`"door_jammed"`, ...), otherwise `other`.
fn fault(py: Python<'_>, error: &PyErr) -> HardwareFault {
    let kind = error
        .value(py)
        .getattr("kind")
        .ok()
        .and_then(|k| k.extract::<String>().ok())
        .and_then(|k| convert::named(&k))
        .unwrap_or(HardwareErrorKind::Other);
    // "Type: message", or the type alone when the message is empty.
    let text = error.to_string();
    let detail = text.trim_end();
    let detail = detail.strip_suffix(':').unwrap_or(detail);
    HardwareFault::with_detail(kind, detail)
}

impl PyHardware {
    /// Whether the object has an optional method.
    fn has(&self, method: &str) -> bool {
        Python::attach(|py| self.object.bind(py).hasattr(method).unwrap_or(false))
    }

    fn call<T>(
        &self,
        method: &str,
        args: impl for<'py> FnOnce(Python<'py>) -> PyResult<Bound<'py, pyo3::types::PyTuple>>,
        convert: impl for<'py> FnOnce(&Bound<'py, PyAny>) -> PyResult<T>,
    ) -> Result<T, HardwareFault> {
        if self.interrupt.slot().is_some() {
            return Err(HardwareFault::with_detail(
                HardwareErrorKind::Other,
                format!("{method}() not called: interrupted"),
            ));
        }
        Python::attach(|py| {
            let result = args(py)
                .and_then(|a| self.object.bind(py).call_method1(method, a))
                .and_then(|value| {
                    convert(&value).map_err(|error| returned(py, method, &value, &error))
                });
            result.map_err(|error| {
                let fault = fault(py, &error);
                // Not an `Exception`: the program is being stopped.
                if !error.is_instance_of::<PyException>(py) {
                    self.interrupt.slot().get_or_insert(error);
                }
                fault
            })
        })
    }
}

/// A conversion error of what a hardware method returned, naming the
/// method and the type it returned: the same exception class (a
/// `TypeError`, an `OverflowError`), the message prefixed with
/// `method() returned <type>: `.
fn returned(py: Python<'_>, method: &str, value: &Bound<'_, PyAny>, error: &PyErr) -> PyErr {
    let type_name = value
        .get_type()
        .name()
        .map_or_else(|_| String::from("?"), |name| name.to_string());
    let message = format!("{method}() returned {type_name}: {}", error.value(py));
    match error.get_type(py).call1((message,)) {
        Ok(instance) => PyErr::from_value(instance),
        Err(_) => error.clone_ref(py),
    }
}

/// Reads a snake_case name into a core enum.
fn named<T: serde::de::DeserializeOwned>(value: &Bound<'_, PyAny>, what: &str) -> PyResult<T> {
    let name: String = value.extract()?;
    convert::named(&name).ok_or_else(|| PyTypeError::new_err(format!("unexpected {what} {name:?}")))
}

impl Hardware for PyHardware {
    type Error = HardwareFault;

    fn unlock(&mut self, door: CompartmentId) -> Result<(), Self::Error> {
        self.call(
            "unlock",
            |py| pyo3::types::PyTuple::new(py, [door.0]),
            |_| Ok(()),
        )
    }

    fn door_state(&mut self, door: CompartmentId) -> Result<DoorState, Self::Error> {
        self.call(
            "door_state",
            |py| pyo3::types::PyTuple::new(py, [door.0]),
            |v| named(v, "door_state"),
        )
    }

    fn occupancy(&mut self, door: CompartmentId) -> Result<Occupancy, Self::Error> {
        if !self.has("occupancy") {
            return Ok(Occupancy::Unknown);
        }
        self.call(
            "occupancy",
            |py| pyo3::types::PyTuple::new(py, [door.0]),
            |v| named(v, "occupancy"),
        )
    }

    fn now_s(&mut self) -> Result<u64, Self::Error> {
        self.call(
            "now_s",
            |py| Ok(pyo3::types::PyTuple::empty(py)),
            |v| v.extract(),
        )
    }

    fn fill_random(&mut self, buf: &mut [u8]) -> Result<(), Self::Error> {
        let len = buf.len();
        let bytes: Vec<u8> = self.call(
            "fill_random",
            |py| pyo3::types::PyTuple::new(py, [len]),
            |v| v.extract(),
        )?;
        if bytes.len() != len {
            return Err(HardwareFault::with_detail(
                HardwareErrorKind::EntropyUnavailable,
                format!("fill_random({len}) returned {} bytes", bytes.len()),
            ));
        }
        buf.copy_from_slice(&bytes);
        Ok(())
    }

    fn monotonic_counter(&mut self) -> Result<Option<u64>, Self::Error> {
        if !self.has("monotonic_counter") {
            return Ok(None);
        }
        self.call(
            "monotonic_counter",
            |py| Ok(pyo3::types::PyTuple::empty(py)),
            |v| v.extract(),
        )
    }

    fn raise_monotonic_counter(&mut self, at_least: u64) -> Result<(), Self::Error> {
        if !self.has("raise_monotonic_counter") {
            return Ok(());
        }
        self.call(
            "raise_monotonic_counter",
            |py| pyo3::types::PyTuple::new(py, [at_least]),
            |_| Ok(()),
        )
    }

    fn uptime_s(&mut self) -> Result<Option<u64>, Self::Error> {
        if !self.has("uptime_s") {
            return Ok(None);
        }
        self.call(
            "uptime_s",
            |py| Ok(pyo3::types::PyTuple::empty(py)),
            |v| v.extract(),
        )
    }
}

/// The simulated hardware or a Python object.
enum AnyHardware {
    Sim(SharedSim),
    Python(PyHardware),
}

/// Forwards one call to the hardware in use.
macro_rules! forward {
    ($self:ident, $method:ident($($arg:expr),*)) => {
        match $self {
            // The simulator's errors are a kind and a door, both already
            // in the core's error: no detail to repeat them.
            AnyHardware::Sim(sim) => sim
                .lock()
                .$method($($arg),*)
                .map_err(|e| HardwareFault::new(e.kind())),
            AnyHardware::Python(hw) => hw.$method($($arg),*),
        }
    };
}

impl Hardware for AnyHardware {
    type Error = HardwareFault;

    fn unlock(&mut self, door: CompartmentId) -> Result<(), Self::Error> {
        forward!(self, unlock(door))
    }

    fn door_state(&mut self, door: CompartmentId) -> Result<DoorState, Self::Error> {
        forward!(self, door_state(door))
    }

    fn occupancy(&mut self, door: CompartmentId) -> Result<Occupancy, Self::Error> {
        forward!(self, occupancy(door))
    }

    fn now_s(&mut self) -> Result<u64, Self::Error> {
        forward!(self, now_s())
    }

    fn fill_random(&mut self, buf: &mut [u8]) -> Result<(), Self::Error> {
        forward!(self, fill_random(buf))
    }

    fn monotonic_counter(&mut self) -> Result<Option<u64>, Self::Error> {
        forward!(self, monotonic_counter())
    }

    fn raise_monotonic_counter(&mut self, at_least: u64) -> Result<(), Self::Error> {
        forward!(self, raise_monotonic_counter(at_least))
    }

    fn uptime_s(&mut self) -> Result<Option<u64>, Self::Error> {
        forward!(self, uptime_s())
    }
}

/// A simulated lock board: doors with physical rules, a settable clock,
/// deterministic entropy from a seed. Pass it to `Locker`, then act as the
/// people at the bank: `open_door`, `put_parcel`, `take_parcel`,
/// `close_door`.
#[pyclass(module = "locker")]
pub struct SimulatedHardware {
    shared: SharedSim,
}

/// Runs a physical action on the simulated hardware.
fn act<T>(
    sim: &SimulatedHardware,
    action: impl FnOnce(&mut hwsim::SimulatedHardware) -> Result<T, hwsim::ActionError>,
) -> PyResult<T> {
    action(&mut sim.shared.lock()).map_err(|e| PyErr::from(CoreError::SimAction(e)))
}

/// A hardware operation (`"unlock"`, `"door_state"`, ...) by name.
fn operation(name: &str) -> PyResult<Operation> {
    convert::named(name).ok_or_else(|| {
        invalid_argument(
            "operation",
            format_args!(
                "expected \"unlock\", \"door_state\", \"occupancy\", \"now_s\", \"fill_random\", \"monotonic_counter\", \"raise_monotonic_counter\" or \"uptime_s\", not {name:?}"
            ),
        )
    })
}

/// A hardware error kind (`"power_lost"`, `"bus_timeout"`, ...) by name.
fn error_kind(name: &str) -> PyResult<HardwareErrorKind> {
    convert::named(name).ok_or_else(|| {
        invalid_argument(
            "kind",
            format_args!(
                "expected \"door_jammed\", \"unknown_door\", \"sensor_fault\", \"bus_timeout\", \"clock_fault\", \"entropy_unavailable\", \"power_lost\" or \"other\", not {name:?}"
            ),
        )
    })
}

/// How long an injected fault lasts.
const fn repeat(always: bool) -> hwsim::Repeat {
    if always {
        hwsim::Repeat::Always
    } else {
        hwsim::Repeat::Once
    }
}

#[pymethods]
impl SimulatedHardware {
    /// A board with the given door ids, entropy from `seed`, clock at
    /// `now_s`; with `monotonic_counter=True` it has a monotonic counter
    /// (at 0), which the locker raises after each record and checks at a
    /// restore; with `uptime=True` an uptime counter (at 0: seconds the
    /// board has run), which time passing moves (`advance_s`, `set_now_s`
    /// forward) and a clock jump (`jump_clock_s`) does not, so the locker
    /// holds back a clock pushed ahead even in small steps.
    #[new]
    #[pyo3(signature = (doors, seed = 0, now_s = 1_700_000_000, *, monotonic_counter = false, uptime = false))]
    fn new(
        #[pyo3(from_py_with = args::doors)] doors: Vec<u32>,
        #[pyo3(from_py_with = args::seed)] seed: u64,
        #[pyo3(from_py_with = args::now_s)] now_s: u64,
        #[pyo3(from_py_with = args::monotonic_counter)] monotonic_counter: bool,
        #[pyo3(from_py_with = args::uptime)] uptime: bool,
    ) -> Self {
        let mut sim = hwsim::SimulatedHardware::new(doors.into_iter().map(CompartmentId), seed)
            .with_now_s(now_s);
        if monotonic_counter {
            sim = sim.with_monotonic_counter();
        }
        // After the clock is set: setting it is no time the board lived.
        if uptime {
            sim = sim.with_uptime();
        }
        Self {
            shared: SharedSim(Arc::new(Mutex::new(sim))),
        }
    }

    /// The monotonic counter's value (without a hardware call), or `None`
    /// for a board without one.
    fn monotonic_counter_value(&self) -> Option<u64> {
        self.shared.lock().monotonic_counter_value()
    }

    /// Sets the clock (unix seconds), as time passing: a board with an
    /// uptime counter counts a forward move as time lived. Not a hardware
    /// call.
    fn set_now_s(&self, #[pyo3(from_py_with = args::now_s)] now_s: u64) {
        self.shared.lock().set_now_s(now_s);
    }

    /// Time passes: the clock (and the uptime counter, when the board has
    /// one) moves `delta_s` seconds ahead. Not a hardware call.
    fn advance_s(&self, #[pyo3(from_py_with = args::delta_s)] delta_s: u64) {
        self.shared.lock().advance_s(delta_s);
    }

    /// Someone moves the clock by `delta_s` seconds (ahead if positive,
    /// back if negative, not before 0) without any time passing: the jump
    /// happens at the next clock read (`now_s`) and the uptime counter
    /// does not move. Several jumps before a read add up. Not a hardware
    /// call.
    fn jump_clock_s(&self, #[pyo3(from_py_with = args::delta_s)] delta_s: i64) {
        self.shared.lock().jump_clock_s(delta_s);
    }

    /// The clock (unix seconds): a hardware call, as the locker makes it
    /// (a pending `jump_clock_s` happens, an injected `now_s` fault
    /// raises `HardwareError`).
    fn now_s(&self) -> PyResult<u64> {
        let mut sim = self.shared.lock();
        Hardware::now_s(&mut *sim).map_err(|e| PyErr::from(CoreError::SimHardware(e)))
    }

    /// Seconds the board has run (its uptime counter), or `None` for a
    /// board without one: a hardware call, as the locker makes it.
    fn uptime_s(&self) -> PyResult<Option<u64>> {
        let mut sim = self.shared.lock();
        Hardware::uptime_s(&mut *sim).map_err(|e| PyErr::from(CoreError::SimHardware(e)))
    }

    /// A person opens a door; returns whether it opened (a latched door
    /// does not).
    fn open_door(&self, #[pyo3(from_py_with = args::door)] door: u32) -> PyResult<bool> {
        act(self, |s| s.open_door(CompartmentId(door)))
    }

    /// A person closes a door; returns whether it was open.
    fn close_door(&self, #[pyo3(from_py_with = args::door)] door: u32) -> PyResult<bool> {
        act(self, |s| s.close_door(CompartmentId(door)))
    }

    /// A parcel goes in through an open door.
    fn put_parcel(&self, #[pyo3(from_py_with = args::door)] door: u32) -> PyResult<()> {
        act(self, |s| s.put_parcel(CompartmentId(door)))
    }

    /// A parcel comes out through an open door.
    fn take_parcel(&self, #[pyo3(from_py_with = args::door)] door: u32) -> PyResult<()> {
        act(self, |s| s.take_parcel(CompartmentId(door)))
    }

    /// Refuses pickling with the reason: a simulated board stays in its process.
    fn __reduce__(&self) -> PyResult<()> {
        Err(pickle::refused(
            "SimulatedHardware",
            "a simulated board belongs to the process that drives its locker",
        ))
    }

    fn __repr__(&self) -> String {
        let sim = self.shared.lock();
        let doors: Vec<CompartmentId> = sim.doors().collect();
        let open = doors
            .iter()
            .filter(|door| sim.is_open(**door).unwrap_or(false))
            .count();
        format!(
            "SimulatedHardware(doors={}, open={open}, now_s={})",
            doors.len(),
            sim.clock_s()
        )
    }

    /// Whether a door is open.
    fn is_open(&self, #[pyo3(from_py_with = args::door)] door: u32) -> PyResult<bool> {
        act(self, |s| s.is_open(CompartmentId(door)))
    }

    /// Parcels physically inside a door.
    fn parcel_count(&self, #[pyo3(from_py_with = args::door)] door: u32) -> PyResult<u32> {
        act(self, |s| s.parcel_count(CompartmentId(door)))
    }

    /// Makes the next unlock of a door fail as jammed (`always=True`: every
    /// unlock until `clear_faults`).
    #[pyo3(signature = (door, always = false))]
    fn jam(
        &self,
        #[pyo3(from_py_with = args::door)] door: u32,
        #[pyo3(from_py_with = args::always)] always: bool,
    ) -> PyResult<()> {
        act(self, |s| s.jam(CompartmentId(door), repeat(always)))
    }

    /// Makes the next call of a hardware `operation` (`"unlock"`,
    /// `"door_state"`, `"occupancy"`, `"now_s"`, `"fill_random"`,
    /// `"monotonic_counter"`, `"raise_monotonic_counter"`, `"uptime_s"`)
    /// fail with
    /// `kind` (`"power_lost"`, `"bus_timeout"`, `"door_jammed"`, ...;
    /// `always=True`: every such call until `clear_faults`).
    #[pyo3(signature = (operation, kind, always = false))]
    fn fail_calls(
        &self,
        #[pyo3(from_py_with = args::operation)] operation: &str,
        #[pyo3(from_py_with = args::kind)] kind: &str,
        #[pyo3(from_py_with = args::always)] always: bool,
    ) -> PyResult<()> {
        let (operation, kind) = (self::operation(operation)?, error_kind(kind)?);
        self.shared
            .lock()
            .fail_calls(operation, kind, repeat(always));
        Ok(())
    }

    /// Cuts the power after `calls` more hardware calls (0: now): every
    /// call after them fails with `power_lost` until `restore_power` (or
    /// `clear_faults`). Doors, parcels and the clock keep their state.
    fn cut_power_after(&self, #[pyo3(from_py_with = args::calls)] calls: u32) {
        let calls = usize::try_from(calls).unwrap_or(usize::MAX);
        self.shared.lock().cut_power_after(calls);
    }

    /// Restores the power (and cancels a pending cut).
    fn restore_power(&self) {
        self.shared.lock().restore_power();
    }

    /// Removes every injected fault.
    fn clear_faults(&self) {
        self.shared.lock().clear_faults();
    }
}

/// A handle for a signed-in courier (from `Locker.courier_sign_in`).
#[pyclass(module = "locker", frozen)]
pub struct CourierSessionHandle {
    inner: CourierSession,
}

#[pymethods]
impl CourierSessionHandle {
    /// The courier's carrier id.
    #[getter]
    fn carrier(&self) -> Option<u32> {
        self.inner.carrier().map(|c| c.0)
    }

    /// The kiosk the courier signed in at.
    #[getter]
    fn kiosk(&self) -> u32 {
        self.inner.kiosk().0
    }

    /// Refuses pickling with the reason: a session stays with its locker.
    fn __reduce__(&self) -> PyResult<()> {
        Err(pickle::refused(
            "CourierSessionHandle",
            "a courier session belongs to the locker that opened it, in its process",
        ))
    }
}

/// The core locker, whichever journal it keeps: in memory (`Locker()`,
/// `Locker.restore`) or on flash (`Locker.open_flash`). The core's
/// `Locker` is generic over its journal, and the two journals answer
/// different questions (every record in memory; the active half, the
/// other half and the usage on flash), so each keeps its own type.
enum CoreLocker {
    Memory(core_locker::Locker<AnyHardware, MemoryJournal<Entry>>),
    Flash(core_locker::Locker<AnyHardware, OnFlash>),
}

/// Evaluates `$body` with `$locker` bound to the core locker in `$inner`
/// (a `&CoreLocker` or a `&mut CoreLocker`), whichever journal it keeps:
/// the body is compiled once for each.
macro_rules! with_locker {
    ($inner:expr, |$locker:ident| $body:expr) => {
        match $inner {
            CoreLocker::Memory($locker) => $body,
            CoreLocker::Flash($locker) => $body,
        }
    };
}

/// Runs one call of the core locker (`|locker| ...` on a `Locker`'s
/// `self`), raising a hardware or flash method's interrupt in place of its
/// result.
macro_rules! run {
    ($self:ident, |$locker:ident| $body:expr) => {{
        let result = with_locker!(&mut $self.inner, |$locker| $body);
        $self.interrupt.raise_or(result)
    }};
}

/// A locker bank: drop-off, pickup, expiry, staff actions, every change
/// journaled (in memory, or on flash with `Locker.open_flash`). Events
/// (with the PINs and QR tokens to send) come from `take_events()`.
#[pyclass(module = "locker")]
pub struct Locker {
    inner: CoreLocker,
    interrupt: Interrupt,
    /// What `open_flash` found; `None` for a locker in memory.
    flash_report: Option<FlashReport>,
}

/// A core locker error as its Python exception (a hardware fault's message
/// carries what the Python hardware object raised).
fn locker_err(error: core_locker::LockerError) -> PyErr {
    PyErr::from(CoreError::from(error))
}

/// The simulated hardware when `hardware` is a `SimulatedHardware`, the
/// object's methods otherwise (checked to exist).
fn hardware_from(hardware: &Bound<'_, PyAny>, interrupt: &Interrupt) -> PyResult<AnyHardware> {
    if let Ok(sim) = hardware.cast::<SimulatedHardware>() {
        return Ok(AnyHardware::Sim(sim.borrow().shared.clone()));
    }
    for method in ["unlock", "door_state", "now_s", "fill_random"] {
        if !hardware.hasattr(method)? {
            return Err(argument_type(
                "hardware",
                format_args!(
                    "expected a SimulatedHardware or an object with the hardware methods; {} has no method {method}()",
                    hardware.get_type().name()?
                ),
            ));
        }
    }
    Ok(AnyHardware::Python(PyHardware {
        object: hardware.clone().unbind(),
        interrupt: interrupt.clone(),
    }))
}

#[pymethods]
impl Locker {
    /// Refuses pickling with the reason: the journal travels, not the locker.
    fn __reduce__(&self) -> PyResult<()> {
        Err(pickle::refused(
            "Locker",
            "a locker is live state over its hardware and holds the site's secret keys; its journal travels (journal_text(), head()), and Locker.restore() rebuilds it where the keys are",
        ))
    }

    fn __repr__(&self) -> String {
        let (journal, bank_id, doors, occupied, records) = with_locker!(&self.inner, |locker| {
            let state = locker.state();
            (
                if matches!(self.inner, CoreLocker::Flash(_)) {
                    "flash"
                } else {
                    "memory"
                },
                state.bank_id().0,
                state.bank().compartments().len(),
                state.deliveries().len(),
                locker.head().map_or(0, |head| head.seq.saturating_add(1)),
            )
        });
        format!(
            "Locker(bank_id={bank_id}, doors={doors}, occupied={occupied}, records={records}, journal={journal:?})"
        )
    }

    /// A new locker: `config` is a `LockerConfig` dict (`{"bank": ...,
    /// "policy": ..., "credentials": ...}`; the default bank and policies
    /// when `None`), `hardware` a `SimulatedHardware` or any object with
    /// the methods `unlock(door)`, `door_state(door) -> "open"|"closed"`,
    /// `now_s() -> int`, `fill_random(n) -> bytes` and optionally
    /// `occupancy(door) -> "empty"|"occupied"|"unknown"`,
    /// `monotonic_counter() -> int | None` (a counter the journal's storage
    /// cannot roll back), `raise_monotonic_counter(n)` and
    /// `uptime_s() -> int | None` (seconds the board has run, from a
    /// counter setting the clock cannot move: with it the locker holds back
    /// a clock pushed ahead in small steps). An exception from the object
    /// becomes a hardware fault of kind `exc.kind` (a kind name) or
    /// `"other"`, and so does a value of the wrong type (the message names
    /// the method and the type); a `KeyboardInterrupt` or `SystemExit` is
    /// recorded as one too, then raised again.
    #[new]
    #[pyo3(signature = (hardware, config = None))]
    fn new(hardware: &Bound<'_, PyAny>, config: Option<&Bound<'_, PyAny>>) -> PyResult<Self> {
        let config: LockerConfig = from_py_or_default(config, "config")?;
        let interrupt = Interrupt::default();
        let hardware = hardware_from(hardware, &interrupt)?;
        let inner = interrupt.raise_or(core_locker::Locker::new(
            config,
            hardware,
            MemoryJournal::new(),
        ))?;
        Ok(Self {
            inner: CoreLocker::Memory(inner),
            interrupt,
            flash_report: None,
        })
    }

    /// Restores a locker from its journal with the keys the caller kept
    /// (`KeyRing`): `records` is a list of record dicts or the journal's
    /// JSON-lines text (canonical lines; a torn last line is left out).
    /// `snapshot` is a sealed snapshot (`Locker.snapshot()`) the records
    /// continue; `expected_head` a head exported before (`Locker.head()`);
    /// `expected_bank` the bank this board is (from its provisioning; the
    /// bank of `expected_head` when not given): banks sharing a key ring
    /// authenticate each other's journals, so a journal or snapshot
    /// configuring another bank is refused (`bank_mismatch`);
    /// `accept_legacy` accepts a version-1 journal (no MACs) once, when
    /// upgrading. The ring must be the journal's, every record's MAC must
    /// verify, and the journal must reach the expected head and the
    /// hardware's monotonic counter. Raises `JournalError` (`.code`:
    /// `forged`, `rolled_back`, `wrong_key_ring`, `bank_mismatch`,
    /// `unauthenticated`, ...; `.seq`: the first bad record) or
    /// `CredentialError` (`no_keys`) for an empty ring. `restore_report()`
    /// then says what was found.
    #[staticmethod]
    #[pyo3(signature = (keys, hardware, records, *, snapshot = None, expected_head = None, expected_bank = None, accept_legacy = false))]
    #[allow(clippy::too_many_arguments)]
    fn restore<'py>(
        py: Python<'py>,
        #[pyo3(from_py_with = args::keys)] keys: PyRef<'py, KeyRing>,
        hardware: &Bound<'py, PyAny>,
        records: &Bound<'py, PyAny>,
        snapshot: Option<&Bound<'py, PyAny>>,
        expected_head: Option<&Bound<'py, PyAny>>,
        #[pyo3(from_py_with = args::expected_bank)] expected_bank: Option<u64>,
        #[pyo3(from_py_with = args::accept_legacy)] accept_legacy: bool,
    ) -> PyResult<Self> {
        let snapshot: Option<Snapshot> = snapshot.map(|s| from_py(s, "snapshot")).transpose()?;
        let expected_head = head_from(expected_head)?;
        // Read (text) with integrity only: the restore authenticates.
        let start = snapshot.as_ref().map(|s| s.chain);
        let (records, _) = records_from(py, records, &Trust::integrity_only().from(start))?;
        let mut journal = MemoryJournal::new();
        for record in &records {
            journal.push(record.clone());
        }
        let interrupt = Interrupt::default();
        let hardware = hardware_from(hardware, &interrupt)?;
        let restore = Restore {
            snapshot: snapshot.as_ref(),
            expected_head,
            expected_bank: expected_bank.map(BankId),
            accept_legacy,
            ..Restore::new(&records)
        };
        let inner = interrupt.raise_or(core_locker::Locker::restore_with(
            keys.inner.clone(),
            hardware,
            journal,
            restore,
        ))?;
        Ok(Self {
            inner: CoreLocker::Memory(inner),
            interrupt,
            flash_report: None,
        })
    }

    /// Opens the locker whose journal lives in `flash`: a `MemoryFlash`
    /// or any object with `capacity_bytes` and `erase_block_bytes` (ints,
    /// read once, now) and the methods `read(offset, length) -> bytes`,
    /// `write(offset, data)` (programs bits from 1 to 0, as NOR flash
    /// does; returns `None`) and `erase(offset, length)` (whole erase
    /// blocks back to 0xFF; returns `None`), which raise to report a
    /// failure. The region is two halves of whole erase blocks, each a
    /// sealed snapshot and the records after it, with a commit byte after
    /// every header and record, so a power cut at any byte loses nothing
    /// acknowledged.
    ///
    /// On a blank region a new locker is made with `config` (a
    /// `LockerConfig` dict, the defaults when `None`) and `keys`; otherwise
    /// the locker is restored from the snapshot and records found (its
    /// configuration is the journal's; `config` is not used), authenticated
    /// with `keys` and checked as `restore` checks: `expected_head` a head
    /// exported before, `expected_bank` the bank this board is. A blank
    /// region when a head was exported or the hardware's monotonic counter
    /// counted records is a wiped journal (`rolled_back`). Opening writes
    /// nothing: a new locker's first record formats a blank region, so a
    /// region refused is left as it was.
    /// `compact_at_bytes`: compact once a half holds this many bytes
    /// (default: three quarters of a half); leave room for the next
    /// snapshot. `flash_report()` says what was found.
    ///
    /// `hardware` is as for `Locker()`. An exception from a flash method,
    /// or an answer of the wrong type (`read` returning anything but
    /// `bytes` or `bytearray` of the length asked, `write` or `erase`
    /// returning anything but `None`), is a flash failure naming the
    /// method: the locker continues the journal in the other half before
    /// its next record; a `KeyboardInterrupt` or `SystemExit` is recorded
    /// the same way, no flash or hardware method is called again during
    /// that call, and it is raised once the locker has settled. Raises
    /// `JournalError` with `.code` `flash_layout` (not an even number of
    /// erase blocks, or halves under 64 bytes), `flash_failed` (the flash
    /// failed while opening), `flash_damaged` (the region holds data but
    /// neither half a journal: erase it to start anew), `forged`,
    /// `rolled_back`, `bank_mismatch`, ...; `ArgumentTypeError` naming
    /// `flash` for an object without the flash methods and sizes (or one
    /// whose attribute raises), `InvalidArgumentError` for a negative or
    /// too large size, or a `MemoryFlash` another live locker holds (one
    /// locker a chip: pass `flash.copy()` for an independent one).
    #[staticmethod]
    #[pyo3(signature = (config, keys, hardware, flash, *, compact_at_bytes = None, expected_head = None, expected_bank = None))]
    #[allow(clippy::too_many_arguments)]
    fn open_flash<'py>(
        config: Option<&Bound<'py, PyAny>>,
        #[pyo3(from_py_with = args::keys)] keys: PyRef<'py, KeyRing>,
        hardware: &Bound<'py, PyAny>,
        flash: &Bound<'py, PyAny>,
        #[pyo3(from_py_with = args::compact_at_bytes)] compact_at_bytes: Option<u32>,
        expected_head: Option<&Bound<'py, PyAny>>,
        #[pyo3(from_py_with = args::expected_bank)] expected_bank: Option<u64>,
    ) -> PyResult<Self> {
        let config: LockerConfig = from_py_or_default(config, "config")?;
        let expected_head = head_from(expected_head)?;
        let interrupt = Interrupt::default();
        let hardware = hardware_from(hardware, &interrupt)?;
        let flash = flash_from(flash, &interrupt)?;
        let flash_config = compact_at_bytes.map_or_else(
            || FlashConfig::for_capacity(flash.capacity_bytes()),
            |compact_at_bytes| FlashConfig { compact_at_bytes },
        );
        let opened = FlashJournal::open::<Entry>(flash, flash_config).map_err(CoreError::from);
        let (journal, contents) = interrupt.raise_or_else(opened)?;
        let report = FlashReport::new(&contents, journal.usage());
        let checks = FlashChecks {
            expected_head,
            expected_bank: expected_bank.map(BankId),
        };
        let inner = interrupt.raise_or(core_locker::Locker::open_flash(
            config,
            keys.inner.clone(),
            hardware,
            journal,
            &contents,
            checks,
        ))?;
        Ok(Self {
            inner: CoreLocker::Flash(inner),
            interrupt,
            flash_report: Some(report),
        })
    }

    /// What the restore found, as a dict (`records`, `snapshot_through`,
    /// `authenticated_through`, `legacy_records`, `unauthenticated_legacy`,
    /// `counter`, `keys_recorded`); `None` for a locker made new.
    fn restore_report<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(
            py,
            &with_locker!(&self.inner, |locker| locker.restore_report()),
        )
    }

    /// The journal's last record as a head dict (`{"seq", "hash",
    /// "key_id", "mac", "bank_id"}`; the MAC covers the sequence number
    /// and the hash): export it (to a back end, to storage the journal's
    /// storage cannot roll back) and pass it back as `expected_head`, so a
    /// journal cut short or rolled back, or another bank's, is refused.
    fn head<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &with_locker!(&self.inner, |locker| locker.head()))
    }

    /// A copy of the site keys (to restore the locker later).
    fn keys(&self) -> KeyRing {
        KeyRing {
            inner: with_locker!(&self.inner, |locker| locker.keys()).clone(),
        }
    }

    /// Adds a fresh key (entropy from the hardware) that signs from now
    /// on; journaled (`keys_changed`). Returns its id.
    fn rotate_key(&mut self) -> PyResult<u16> {
        Ok(run!(self, |locker| locker.rotate_key())?.0)
    }

    /// Adds a provisioned key (its id and 32 secret bytes, shared with a
    /// back end); journaled. Raises `CredentialError` (`weak_key`,
    /// `duplicate_key_id`).
    fn add_key(
        &mut self,
        #[pyo3(from_py_with = args::key_id)] key_id: u16,
        #[pyo3(from_py_with = args::secret)] secret: &[u8],
    ) -> PyResult<()> {
        let key = site_key(key_id, secret)?;
        run!(self, |locker| locker.add_key(key))
    }

    /// Retires a key: credentials made with it stop verifying; journaled.
    /// The last key cannot be retired.
    fn retire_key(&mut self, #[pyo3(from_py_with = args::key_id)] key_id: u16) -> PyResult<()> {
        run!(self, |locker| locker.retire_key(KeyId(key_id)))
    }

    /// Reads the clock, as every operation does first, and returns the
    /// locker's time. A reading further ahead than the time lived since
    /// the last one is a jump, journaled and held back until confirmed:
    /// on a board with an uptime counter, anything beyond the time the
    /// counter says passed (with an allowance of a minute, regrowing at
    /// 1 % of the time lived); without one, a step beyond the policy's
    /// `clock.max_step_s` (an hour). Hosts whose time passes in large
    /// steps without an uptime counter call it at least that often.
    fn observe_clock(&mut self) -> PyResult<u64> {
        run!(self, |locker| locker.observe_clock())
    }

    /// Staff confirm the clock after a jump: its time counts from now on
    /// (parcels past their dwell then expire). Journaled; a no-op when no
    /// jump is held. Returns the locker's time.
    fn confirm_clock(&mut self) -> PyResult<u64> {
        run!(self, |locker| locker.confirm_clock())
    }

    /// Confirms the clock with a time the back end signed for this bank
    /// (`sign_time` or `sign_time_ed25519`), when the clock agrees with it
    /// (within `SIGNED_TIME_SKEW_S`). Returns the locker's time. Raises
    /// `CredentialError` for a bad signature or another bank,
    /// `OperationError` (`invalid_argument`) when the clock disagrees.
    fn confirm_signed_time(&mut self, signed: &Bound<'_, PyAny>) -> PyResult<u64> {
        let signed: SignedTime = from_py(signed, "signed")?;
        run!(self, |locker| locker.confirm_signed_time(&signed))
    }

    /// Seconds the hardware clock runs ahead of the locker's time (jumps
    /// held back, not confirmed yet).
    fn clock_offset_s(&self) -> u64 {
        with_locker!(&self.inner, |locker| locker.state()).clock_offset_s()
    }

    /// When (locker time) the locker started holding a clock jump back,
    /// while one is unconfirmed; `None` otherwise.
    fn clock_held_since_s(&self) -> Option<u64> {
        with_locker!(&self.inner, |locker| locker.state()).clock_held_since_s()
    }

    /// The bank's id (the configuration's `bank_id`), which tokens and
    /// remote commands must name.
    fn bank_id(&self) -> u64 {
        with_locker!(&self.inner, |locker| locker.state())
            .bank_id()
            .0
    }

    /// Gives a carrier a courier code valid for `valid_for_s` seconds.
    fn issue_courier_code(
        &mut self,
        #[pyo3(from_py_with = args::carrier)] carrier: u32,
        #[pyo3(from_py_with = args::valid_for_s)] valid_for_s: u64,
    ) -> PyResult<String> {
        let code = run!(self, |locker| locker
            .issue_courier_code(CarrierId(carrier), valid_for_s))?;
        Ok(code.expose().to_owned())
    }

    /// Signs a courier in with their code; returns the session handle.
    /// With `carrier` (the carrier the courier chose on the kiosk's
    /// screen) only that carrier's code is looked at, and a wrong code
    /// counts against that carrier (and the kiosk), never against the
    /// bank: someone guessing codes for one carrier never locks out
    /// another's couriers. Journaled (`courier_signed_in`).
    #[pyo3(signature = (code, kiosk = 1, carrier = None))]
    fn courier_sign_in(
        &mut self,
        #[pyo3(from_py_with = args::code)] code: &str,
        #[pyo3(from_py_with = args::kiosk)] kiosk: u32,
        #[pyo3(from_py_with = args::carrier)] carrier: Option<u32>,
    ) -> PyResult<CourierSessionHandle> {
        let kiosk = KioskId(kiosk);
        let inner = run!(self, |locker| match carrier {
            Some(carrier) => locker.courier_sign_in_for(kiosk, CarrierId(carrier), code),
            None => locker.courier_sign_in(kiosk, code),
        })?;
        Ok(CourierSessionHandle { inner })
    }

    /// The courier signs out (journaled: `courier_signed_out`).
    fn courier_sign_out(
        &mut self,
        #[pyo3(from_py_with = args::session)] session: PyRef<'_, CourierSessionHandle>,
    ) -> PyResult<()> {
        run!(self, |locker| locker.courier_sign_out(&session.inner))
    }

    /// Journals every pending sum of refused attempts now (they are
    /// journaled an hour after their first attempt, or by `tick` once
    /// due): call it before a planned shutdown or a snapshot.
    fn flush_attempts(&mut self) -> PyResult<()> {
        run!(self, |locker| locker.flush_attempts())
    }

    /// Drops a parcel off: `request` is a request dict. Returns the
    /// drop-off dict (a door opened, or overflow).
    fn deposit<'py>(
        &mut self,
        py: Python<'py>,
        #[pyo3(from_py_with = args::session)] session: PyRef<'py, CourierSessionHandle>,
        request: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let request: Request = from_py(request, "request")?;
        let drop_off = run!(self, |locker| locker.deposit(&session.inner, request))?;
        to_py(py, &drop_off)
    }

    /// Plans a signed-in courier's whole load (a list of request dicts)
    /// against the free doors; returns the batch drop-off dict
    /// (``steps`` door by door, ``overflow``, journaled as a single
    /// drop-off's). ``options``: ``{"max_iterations", "seed"}``.
    #[pyo3(signature = (session, requests, options = None))]
    fn plan_drop_off_batch<'py>(
        &mut self,
        py: Python<'py>,
        #[pyo3(from_py_with = args::session)] session: PyRef<'py, CourierSessionHandle>,
        requests: &Bound<'py, PyAny>,
        options: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let requests: Vec<Request> = from_py(requests, "requests")?;
        let options: BatchOptions = from_py_or_default(options, "options")?;
        let plan = run!(self, |locker| locker.plan_drop_off_batch(
            &session.inner,
            &requests,
            &options
        ))?;
        to_py(py, &plan)
    }

    /// Drops one step of a batch plan off (a step dict as the plan gave
    /// it): its door when that still takes the parcel, else the door
    /// allocation gives. Returns the drop-off dict, as ``deposit``.
    fn deposit_planned<'py>(
        &mut self,
        py: Python<'py>,
        #[pyo3(from_py_with = args::session)] session: PyRef<'py, CourierSessionHandle>,
        step: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let step: BatchStep = from_py(step, "step")?;
        let drop_off = run!(self, |locker| locker.deposit_planned(&session.inner, &step))?;
        to_py(py, &drop_off)
    }

    /// The courier found the door too small: another, larger door.
    fn need_larger_door<'py>(
        &mut self,
        py: Python<'py>,
        #[pyo3(from_py_with = args::compartment)] compartment: u32,
    ) -> PyResult<Bound<'py, PyAny>> {
        let drop_off = run!(self, |locker| locker
            .need_larger_door(CompartmentId(compartment)))?;
        to_py(py, &drop_off)
    }

    /// The courier cancels a drop-off whose door is open.
    fn cancel_deposit(
        &mut self,
        #[pyo3(from_py_with = args::compartment)] compartment: u32,
    ) -> PyResult<()> {
        run!(self, |locker| locker
            .cancel_deposit(CompartmentId(compartment)))?;
        Ok(())
    }

    /// A door was closed: completes the drop-off or pickup it was open for.
    /// A door the locker did not unlock is an alarm: journaled
    /// (`unexpected_door_close`), raised as an event, and refused with
    /// `OperationError` (`not_open_for`).
    fn door_closed(
        &mut self,
        #[pyo3(from_py_with = args::compartment)] compartment: u32,
    ) -> PyResult<()> {
        run!(self, |locker| locker
            .door_closed(CompartmentId(compartment)))?;
        Ok(())
    }

    /// Periodic upkeep: doors left open, reminders, expiry, pruning.
    fn tick(&mut self) -> PyResult<()> {
        run!(self, |locker| locker.tick())?;
        Ok(())
    }

    /// A resident collects with a PIN (and unit); returns the doors opened.
    #[pyo3(signature = (pin, unit = None, kiosk = 1))]
    fn pickup_pin(
        &mut self,
        #[pyo3(from_py_with = args::pin)] pin: &str,
        #[pyo3(from_py_with = args::unit)] unit: Option<u64>,
        #[pyo3(from_py_with = args::kiosk)] kiosk: u32,
    ) -> PyResult<Vec<u32>> {
        let doors = run!(self, |locker| locker.pickup_pin(
            KioskId(kiosk),
            unit.map(RecipientId),
            pin
        ))?;
        Ok(doors.into_iter().map(|c| c.0).collect())
    }

    /// A resident (or a returning courier) collects with a QR token.
    #[pyo3(signature = (token, kiosk = 1))]
    fn pickup_qr(
        &mut self,
        #[pyo3(from_py_with = args::token)] token: &str,
        #[pyo3(from_py_with = args::kiosk)] kiosk: u32,
    ) -> PyResult<Vec<u32>> {
        let doors = run!(self, |locker| locker.pickup_qr(KioskId(kiosk), token))?;
        Ok(doors.into_iter().map(|c| c.0).collect())
    }

    /// A resident collects with an RFID tag (`uid` bytes), with the tag's
    /// PIN when the policy asks for one; returns the doors opened.
    #[pyo3(signature = (uid, pin = None, kiosk = 1))]
    fn pickup_rfid(
        &mut self,
        #[pyo3(from_py_with = args::uid)] uid: &[u8],
        #[pyo3(from_py_with = args::pin)] pin: Option<&str>,
        #[pyo3(from_py_with = args::kiosk)] kiosk: u32,
    ) -> PyResult<Vec<u32>> {
        let doors = run!(self, |locker| locker.pickup_rfid(KioskId(kiosk), uid, pin))?;
        Ok(doors.into_iter().map(|c| c.0).collect())
    }

    /// Opens a door for a pickup on a remote command dict the back end
    /// signed (`sign_remote_command`, or `sign_remote_command_ed25519` for
    /// a bank that lists issuers) for this bank (the configuration's
    /// `bank_id`), while the door holds parcels of the resident the command
    /// names; returns the doors opened. Off unless the policy's
    /// `credentials.remote.enabled`; each command opens once, within the
    /// policy's caps, and is spent even when the latch then fails.
    fn open_remote(&mut self, command: &Bound<'_, PyAny>) -> PyResult<Vec<u32>> {
        let command: RemoteCommand = from_py(command, "command")?;
        let doors = run!(self, |locker| locker.open_remote(&command))?;
        Ok(doors.into_iter().map(|c| c.0).collect())
    }

    /// Registers an RFID tag for a recipient; returns the tag's PIN when
    /// the policy (or `with_pin`) asks for one.
    #[pyo3(signature = (recipient, uid, with_pin = false))]
    fn register_rfid(
        &mut self,
        #[pyo3(from_py_with = args::recipient)] recipient: u64,
        #[pyo3(from_py_with = args::uid)] uid: &[u8],
        #[pyo3(from_py_with = args::with_pin)] with_pin: bool,
    ) -> PyResult<Option<String>> {
        let pin = run!(self, |locker| locker.register_rfid(
            RecipientId(recipient),
            uid,
            with_pin
        ))?;
        Ok(pin.map(|p| p.expose().to_owned()))
    }

    /// Lets someone else collect: `request` is a delegation dict
    /// (`delegator`, `scope` `"parcels"` or `"all_parcels"`, `compartments`
    /// for `"parcels"`, `expires_at_s`). Returns `{"pin", "credential_id"}`:
    /// the PIN to pass on, and the id to revoke it early.
    fn delegate<'py>(
        &mut self,
        py: Python<'py>,
        request: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let request: DelegationRequest = from_py(request, "request")?;
        let delegation = run!(self, |locker| locker.delegate(&request))?;
        to_py(py, &delegation)
    }

    /// Revokes a credential by id (a delegation, an RFID tag, a courier
    /// code, a pickup PIN): it stops working at once.
    fn revoke_credential(
        &mut self,
        #[pyo3(from_py_with = args::credential_id)] credential_id: u64,
    ) -> PyResult<()> {
        run!(self, |locker| locker
            .revoke_credential(CredentialId(credential_id)))
    }

    /// Opens the door again in the grace period after a pickup.
    fn reopen(
        &mut self,
        #[pyo3(from_py_with = args::compartment)] compartment: u32,
    ) -> PyResult<()> {
        run!(self, |locker| locker.reopen(CompartmentId(compartment)))
    }

    /// The resident found the door empty: the parcels are marked missing.
    fn report_missing(
        &mut self,
        #[pyo3(from_py_with = args::compartment)] compartment: u32,
    ) -> PyResult<()> {
        run!(self, |locker| locker
            .report_missing(CompartmentId(compartment)))
    }

    /// A recipient is away until `until_s`: their parcels wait until then.
    fn hold(
        &mut self,
        #[pyo3(from_py_with = args::recipient)] recipient: u64,
        #[pyo3(from_py_with = args::until_s)] until_s: u64,
    ) -> PyResult<()> {
        run!(self, |locker| locker.hold(RecipientId(recipient), until_s))
    }

    /// Staff looked inside a door interrupted by a power loss.
    fn inspect(
        &mut self,
        #[pyo3(from_py_with = args::compartment)] compartment: u32,
        #[pyo3(from_py_with = args::found_parcels)] found_parcels: bool,
    ) -> PyResult<()> {
        run!(self, |locker| locker
            .inspect(CompartmentId(compartment), found_parcels))
    }

    /// Staff open a door, with a reason for the journal.
    fn staff_open(
        &mut self,
        #[pyo3(from_py_with = args::compartment)] compartment: u32,
        #[pyo3(from_py_with = args::reason)] reason: &str,
    ) -> PyResult<()> {
        run!(self, |locker| locker
            .staff_open(CompartmentId(compartment), reason))?;
        Ok(())
    }

    /// Staff take a door out of service.
    fn set_out_of_service(
        &mut self,
        #[pyo3(from_py_with = args::compartment)] compartment: u32,
        #[pyo3(from_py_with = args::reason)] reason: &str,
    ) -> PyResult<()> {
        run!(self, |locker| locker
            .set_out_of_service(CompartmentId(compartment), reason))?;
        Ok(())
    }

    /// Staff put a door back in service.
    fn back_in_service(
        &mut self,
        #[pyo3(from_py_with = args::compartment)] compartment: u32,
    ) -> PyResult<()> {
        run!(self, |locker| locker
            .back_in_service(CompartmentId(compartment)))?;
        Ok(())
    }

    /// Extends a delivery's dwell by `by_s`; returns the new expiry.
    fn extend(
        &mut self,
        #[pyo3(from_py_with = args::compartment)] compartment: u32,
        #[pyo3(from_py_with = args::by_s)] by_s: u64,
    ) -> PyResult<u64> {
        run!(self, |locker| locker
            .extend(CompartmentId(compartment), by_s))
    }

    /// The events since the last call, as dicts (PINs and tokens included).
    fn take_events<'py>(&mut self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        // The core's one JSON shape for events (`{"type": "parcel_ready",
        // …}`), secrets included: the host must send them on.
        to_py(
            py,
            &with_locker!(&mut self.inner, |locker| locker.take_events()),
        )
    }

    /// The journal's records, as dicts. For a locker on flash: the records
    /// the flash holds after its snapshot (read back from the flash, so a
    /// flash failure raises `JournalError`), which continue the chain
    /// where the snapshot stops; the records before the last compaction
    /// are `previous_records()` until the next one.
    fn journal_records<'py>(&mut self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        match &mut self.inner {
            CoreLocker::Memory(locker) => to_py(py, locker.journal().records()),
            CoreLocker::Flash(locker) => {
                let records = locker.journal_mut().records::<Entry>();
                let records = self
                    .interrupt
                    .raise_or_else(records.map_err(CoreError::from))?;
                to_py(py, &records)
            }
        }
    }

    /// The journal as JSON-lines text (for a locker on flash, the records
    /// of `journal_records()`).
    fn journal_text(&mut self) -> PyResult<String> {
        match &mut self.inner {
            CoreLocker::Memory(locker) => Ok(lines::write(locker.journal().records())),
            CoreLocker::Flash(locker) => {
                let records = locker.journal_mut().records::<Entry>();
                let records = self
                    .interrupt
                    .raise_or_else(records.map_err(CoreError::from))?;
                Ok(lines::write(&records))
            }
        }
    }

    /// Compacts the journal now: a sealed snapshot of the state goes to
    /// the journal's storage, which continues from it. A locker on flash
    /// writes it into the other half, then appends there (it compacts on
    /// its own when a half passes `compact_at_bytes`, when a write failed
    /// or a record did not fit); a `journal_compacted` event follows
    /// (`through_seq`, `snapshot_bytes`): export `previous_records()`
    /// then. Returns whether the storage compacted: `False` for a locker
    /// in memory, whose journal keeps every record. Raises `JournalError`
    /// (`journal_write`) when the flash fails; the journal is then as it
    /// was.
    fn compact(&mut self) -> PyResult<bool> {
        run!(self, |locker| locker.compact())
    }

    /// Where the journal stands in its flash (`capacity_bytes`,
    /// `half_bytes`, `used_bytes` in the active half, `snapshot_bytes`,
    /// `records`, `generation`: compactions since the region was
    /// formatted); `None` for a locker in memory.
    fn flash_usage<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        match &self.inner {
            CoreLocker::Memory(_) => Ok(None),
            CoreLocker::Flash(locker) => to_py(py, &locker.journal().usage()).map(Some),
        }
    }

    /// The records of the flash's other half: the history before the
    /// active snapshot, kept there until the next compaction erases it.
    /// Export them after each `journal_compacted` event; with the records
    /// exported before and `journal_records()`, they make the whole chain.
    /// Empty before the first compaction, after a compaction cut short,
    /// and for a locker in memory. Raises `JournalError` when the flash
    /// fails or a record there is damaged.
    fn previous_records<'py>(&mut self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        match &mut self.inner {
            CoreLocker::Memory(_) => Ok(pyo3::types::PyList::empty(py).into_any()),
            CoreLocker::Flash(locker) => {
                let previous = locker.journal_mut().previous::<Entry>();
                let previous = self
                    .interrupt
                    .raise_or_else(previous.map_err(CoreError::from))?;
                to_py(py, &previous)
            }
        }
    }

    /// What `open_flash` found in the flash: `new` (no journal: a locker
    /// was made with `config` and `keys`), `formatted` (neither half held
    /// one), `snapshot_bytes` (the snapshot the records continue; `None`
    /// before the first compaction), `records` (after it) and
    /// `torn_bytes` (a frame a power cut left unfinished, dropped: it was
    /// never acknowledged; the journal continues in the other half).
    /// `None` for a locker in memory.
    fn flash_report<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.flash_report)
    }

    /// A snapshot of the state, as a dict (no secrets), sealed with the
    /// newest key (`key_id`, `mac`): pass it to `restore` with the records
    /// after it; a snapshot changed since is refused.
    fn snapshot<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &with_locker!(&self.inner, |locker| locker.snapshot()))
    }

    /// Every door for display, in id order: its configuration, `state`
    /// (`"open"`, `"needs_inspection"`, `"out_of_service"`, `"grace"`,
    /// `"occupied"` or `"free"`), what an open door is open for (`task`),
    /// the recipient, the parcel count and the expiry.
    fn doors<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(
            py,
            &with_locker!(&self.inner, |locker| locker.state()).doors(),
        )
    }
}

/// Replays a journal (record dicts or JSON-lines text) and returns the
/// snapshot of the state it builds. Without `keys` integrity only is
/// checked and the snapshot is unsealed; with `keys` every record is
/// authenticated and the snapshot sealed, as `Locker.snapshot()` is.
/// Raises `JournalError` for a broken journal.
#[pyfunction]
#[pyo3(signature = (records, keys = None, *, accept_legacy = false))]
pub(crate) fn replay<'py>(
    py: Python<'py>,
    records: &Bound<'py, PyAny>,
    #[pyo3(from_py_with = args::keys)] keys: Option<PyRef<'py, KeyRing>>,
    #[pyo3(from_py_with = args::accept_legacy)] accept_legacy: bool,
) -> PyResult<Bound<'py, PyAny>> {
    let keys = keys.as_deref().map(|k| &k.inner);
    let trust = Trust {
        keys,
        accept_legacy,
        ..Trust::integrity_only()
    };
    let (records, verified) = records_from(py, records, &trust)?;
    let verified = match verified {
        Some(verified) => verified,
        None => locker_core::journal::verify(&records, &trust).map_err(CoreError::from)?,
    };
    let state = core_locker::replay(&records).map_err(CoreError::from)?;
    let mut snapshot = state.snapshot(verified.chain);
    if let Some(keys) = keys {
        snapshot.seal(keys).map_err(CoreError::from)?;
    }
    to_py(py, &snapshot)
}
