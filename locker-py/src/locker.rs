//! The `Locker` facade over simulated hardware or a Python hardware object,
//! with an in-memory journal.

extern crate alloc;

use alloc::sync::Arc;
use std::sync::{Mutex, MutexGuard, PoisonError};

use locker_core::allocate::Request;
use locker_core::credential::{
    BankId, CarrierId, CredentialId, DelegationRequest, KioskId, RemoteCommand,
};
use locker_core::hardware::{
    DoorState, Hardware, HardwareError as CoreHardwareError, HardwareErrorKind, HardwareFault,
    Occupancy, sim as hwsim,
};
use locker_core::journal::{MemoryJournal, lines};
use locker_core::locker::{self as core_locker, CourierSession, Entry, LockerConfig};
use locker_core::{CompartmentId, RecipientId};
use pyo3::exceptions::{PyException, PyTypeError};
use pyo3::prelude::*;

use crate::convert::{self, from_py, to_py};
use crate::exceptions::CoreError;

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
struct Interrupt(Arc<Mutex<Option<PyErr>>>);

impl Interrupt {
    fn slot(&self) -> MutexGuard<'_, Option<PyErr>> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// `result`, unless an interrupt waits: then the interrupt.
    fn raise_or<T>(&self, result: Result<T, core_locker::LockerError>) -> PyResult<T> {
        match self.slot().take() {
            Some(interrupt) => Err(interrupt),
            None => result.map_err(locker_err),
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
                .and_then(|value| convert(&value));
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

/// Reads a snake_case name into a core enum.
fn named<T: serde::de::DeserializeOwned>(value: &Bound<'_, PyAny>, what: &str) -> PyResult<T> {
    let name: String = value.extract()?;
    convert::named(&name)
        .ok_or_else(|| PyTypeError::new_err(format!("{what}: unexpected value {name:?}")))
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
        let has = Python::attach(|py| self.object.bind(py).hasattr("occupancy").unwrap_or(false));
        if !has {
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

#[pymethods]
impl SimulatedHardware {
    /// A board with the given door ids, entropy from `seed`, clock at
    /// `now_s`.
    #[new]
    #[pyo3(signature = (doors, seed = 0, now_s = 1_700_000_000))]
    fn new(doors: Vec<u32>, seed: u64, now_s: u64) -> Self {
        let mut sim = hwsim::SimulatedHardware::new(doors.into_iter().map(CompartmentId), seed);
        sim.set_now_s(now_s);
        Self {
            shared: SharedSim(Arc::new(Mutex::new(sim))),
        }
    }

    /// Sets the clock (unix seconds).
    fn set_now_s(&self, now_s: u64) {
        self.shared.lock().set_now_s(now_s);
    }

    /// The clock (unix seconds).
    fn now_s(&self) -> PyResult<u64> {
        let mut sim = self.shared.lock();
        Hardware::now_s(&mut *sim)
            .map_err(|e| PyErr::from(CoreError::Hardware(e.kind(), e.to_string())))
    }

    /// A person opens a door; returns whether it opened (a latched door
    /// does not).
    fn open_door(&self, door: u32) -> PyResult<bool> {
        act(self, |s| s.open_door(CompartmentId(door)))
    }

    /// A person closes a door; returns whether it was open.
    fn close_door(&self, door: u32) -> PyResult<bool> {
        act(self, |s| s.close_door(CompartmentId(door)))
    }

    /// A parcel goes in through an open door.
    fn put_parcel(&self, door: u32) -> PyResult<()> {
        act(self, |s| s.put_parcel(CompartmentId(door)))
    }

    /// A parcel comes out through an open door.
    fn take_parcel(&self, door: u32) -> PyResult<()> {
        act(self, |s| s.take_parcel(CompartmentId(door)))
    }

    /// Whether a door is open.
    fn is_open(&self, door: u32) -> PyResult<bool> {
        act(self, |s| s.is_open(CompartmentId(door)))
    }

    /// Parcels physically inside a door.
    fn parcel_count(&self, door: u32) -> PyResult<u32> {
        act(self, |s| s.parcel_count(CompartmentId(door)))
    }

    /// Makes the next unlock of a door fail as jammed (`always=True`: every
    /// unlock until `clear_faults`).
    #[pyo3(signature = (door, always = false))]
    fn jam(&self, door: u32, always: bool) -> PyResult<()> {
        let repeat = if always {
            hwsim::Repeat::Always
        } else {
            hwsim::Repeat::Once
        };
        act(self, |s| s.jam(CompartmentId(door), repeat))
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
}

type CoreLocker = core_locker::Locker<AnyHardware, MemoryJournal<Entry>>;

/// A locker bank: drop-off, pickup, expiry, staff actions, every change
/// journaled. Events (with the PINs and QR tokens to send) come from
/// `take_events()`.
#[pyclass(module = "locker")]
pub struct Locker {
    inner: CoreLocker,
    interrupt: Interrupt,
}

impl Locker {
    /// Runs one call of the core locker, raising a hardware method's
    /// interrupt in place of its result.
    fn run<T>(
        &mut self,
        call: impl FnOnce(&mut CoreLocker) -> Result<T, core_locker::LockerError>,
    ) -> PyResult<T> {
        let result = call(&mut self.inner);
        self.interrupt.raise_or(result)
    }
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
            return Err(PyTypeError::new_err(format!(
                "hardware: {} has no method {method}()",
                hardware.get_type().name()?
            )));
        }
    }
    Ok(AnyHardware::Python(PyHardware {
        object: hardware.clone().unbind(),
        interrupt: interrupt.clone(),
    }))
}

#[pymethods]
impl Locker {
    /// A new locker: `config` is a `LockerConfig` dict (`{"bank": ...,
    /// "policy": ..., "credentials": ...}`; the default bank and policies
    /// when `None`), `hardware` a `SimulatedHardware` or any object with
    /// the methods `unlock(door)`, `door_state(door) -> "open"|"closed"`,
    /// `now_s() -> int`, `fill_random(n) -> bytes` and optionally
    /// `occupancy(door) -> "empty"|"occupied"|"unknown"`. An exception from
    /// the object becomes a hardware fault of kind `exc.kind` (a kind name)
    /// or `"other"`; a `KeyboardInterrupt` or `SystemExit` is recorded as
    /// one too, then raised again.
    #[new]
    #[pyo3(signature = (hardware, config = None))]
    fn new(hardware: &Bound<'_, PyAny>, config: Option<&Bound<'_, PyAny>>) -> PyResult<Self> {
        let config: LockerConfig = match config {
            Some(c) => from_py(c, "config")?,
            None => LockerConfig::default(),
        };
        let interrupt = Interrupt::default();
        let hardware = hardware_from(hardware, &interrupt)?;
        let inner = interrupt.raise_or(CoreLocker::new(config, hardware, MemoryJournal::new()))?;
        Ok(Self { inner, interrupt })
    }

    /// Restores a locker from its journal (record dicts) with the keys the
    /// caller kept (`KeyRing`).
    #[staticmethod]
    fn restore(
        keys: &crate::credential::KeyRing,
        hardware: &Bound<'_, PyAny>,
        records: &Bound<'_, PyAny>,
    ) -> PyResult<Self> {
        let records: Vec<locker_core::journal::Record<Entry>> = from_py(records, "records")?;
        let mut journal = MemoryJournal::new();
        for record in &records {
            journal.push(record.clone());
        }
        let interrupt = Interrupt::default();
        let hardware = hardware_from(hardware, &interrupt)?;
        let inner = interrupt.raise_or(CoreLocker::restore(
            keys.inner.clone(),
            hardware,
            journal,
            &records,
        ))?;
        Ok(Self { inner, interrupt })
    }

    /// A copy of the site keys (to restore the locker later).
    fn keys(&self) -> crate::credential::KeyRing {
        crate::credential::KeyRing {
            inner: self.inner.keys().clone(),
        }
    }

    /// Gives a carrier a courier code valid for `valid_for_s` seconds.
    fn issue_courier_code(&mut self, carrier: u32, valid_for_s: u64) -> PyResult<String> {
        let code = self.run(|locker| locker.issue_courier_code(CarrierId(carrier), valid_for_s))?;
        Ok(code.expose().to_owned())
    }

    /// Signs a courier in with their code; returns the session handle.
    #[pyo3(signature = (code, kiosk = 1))]
    fn courier_sign_in(&mut self, code: &str, kiosk: u32) -> PyResult<CourierSessionHandle> {
        let inner = self.run(|locker| locker.courier_sign_in(KioskId(kiosk), code))?;
        Ok(CourierSessionHandle { inner })
    }

    /// Drops a parcel off: `request` is a request dict. Returns the
    /// drop-off dict (a door opened, or overflow).
    fn deposit<'py>(
        &mut self,
        py: Python<'py>,
        session: &CourierSessionHandle,
        request: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let request: Request = from_py(request, "request")?;
        let drop_off = self.run(|locker| locker.deposit(&session.inner, request))?;
        to_py(py, &drop_off)
    }

    /// The courier found the door too small: another, larger door.
    fn need_larger_door<'py>(
        &mut self,
        py: Python<'py>,
        compartment: u32,
    ) -> PyResult<Bound<'py, PyAny>> {
        let drop_off = self.run(|locker| locker.need_larger_door(CompartmentId(compartment)))?;
        to_py(py, &drop_off)
    }

    /// The courier cancels a drop-off whose door is open.
    fn cancel_deposit(&mut self, compartment: u32) -> PyResult<()> {
        self.run(|locker| locker.cancel_deposit(CompartmentId(compartment)))?;
        Ok(())
    }

    /// A door was closed: completes the drop-off or pickup it was open for.
    fn door_closed(&mut self, compartment: u32) -> PyResult<()> {
        self.run(|locker| locker.door_closed(CompartmentId(compartment)))?;
        Ok(())
    }

    /// Periodic upkeep: doors left open, reminders, expiry, pruning.
    fn tick(&mut self) -> PyResult<()> {
        self.run(|locker| locker.tick())?;
        Ok(())
    }

    /// A resident collects with a PIN (and unit); returns the doors opened.
    #[pyo3(signature = (pin, unit = None, kiosk = 1))]
    fn pickup_pin(&mut self, pin: &str, unit: Option<u64>, kiosk: u32) -> PyResult<Vec<u32>> {
        let doors =
            self.run(|locker| locker.pickup_pin(KioskId(kiosk), unit.map(RecipientId), pin))?;
        Ok(doors.into_iter().map(|c| c.0).collect())
    }

    /// A resident (or a returning courier) collects with a QR token.
    #[pyo3(signature = (token, kiosk = 1))]
    fn pickup_qr(&mut self, token: &str, kiosk: u32) -> PyResult<Vec<u32>> {
        let doors = self.run(|locker| locker.pickup_qr(KioskId(kiosk), token))?;
        Ok(doors.into_iter().map(|c| c.0).collect())
    }

    /// A resident collects with an RFID tag (`uid` bytes), with the tag's
    /// PIN when the policy asks for one; returns the doors opened.
    #[pyo3(signature = (uid, pin = None, kiosk = 1))]
    fn pickup_rfid(&mut self, uid: &[u8], pin: Option<&str>, kiosk: u32) -> PyResult<Vec<u32>> {
        let doors = self.run(|locker| locker.pickup_rfid(KioskId(kiosk), uid, pin))?;
        Ok(doors.into_iter().map(|c| c.0).collect())
    }

    /// Opens a door for a pickup on a remote command dict the back end
    /// signed (`sign_remote_command`) for bank `bank`, while the door holds
    /// parcels of the resident the command names; returns the doors
    /// opened. Off unless the policy's `credentials.remote.enabled`; each
    /// command opens once, within the policy's caps, and is spent even when
    /// the latch then fails.
    fn open_remote(&mut self, bank: u64, command: &Bound<'_, PyAny>) -> PyResult<Vec<u32>> {
        let command: RemoteCommand = from_py(command, "command")?;
        let doors = self.run(|locker| locker.open_remote(BankId(bank), &command))?;
        Ok(doors.into_iter().map(|c| c.0).collect())
    }

    /// Registers an RFID tag for a recipient; returns the tag's PIN when
    /// the policy (or `with_pin`) asks for one.
    #[pyo3(signature = (recipient, uid, with_pin = false))]
    fn register_rfid(
        &mut self,
        recipient: u64,
        uid: &[u8],
        with_pin: bool,
    ) -> PyResult<Option<String>> {
        let pin = self.run(|locker| locker.register_rfid(RecipientId(recipient), uid, with_pin))?;
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
        let delegation = self.run(|locker| locker.delegate(&request))?;
        to_py(py, &delegation)
    }

    /// Revokes a credential by id (a delegation, an RFID tag, a courier
    /// code, a pickup PIN): it stops working at once.
    fn revoke_credential(&mut self, credential_id: u64) -> PyResult<()> {
        self.run(|locker| locker.revoke_credential(CredentialId(credential_id)))
    }

    /// Opens the door again in the grace period after a pickup.
    fn reopen(&mut self, compartment: u32) -> PyResult<()> {
        self.run(|locker| locker.reopen(CompartmentId(compartment)))
    }

    /// The resident found the door empty: the parcels are marked missing.
    fn report_missing(&mut self, compartment: u32) -> PyResult<()> {
        self.run(|locker| locker.report_missing(CompartmentId(compartment)))
    }

    /// A recipient is away until `until_s`: their parcels wait until then.
    fn hold(&mut self, recipient: u64, until_s: u64) -> PyResult<()> {
        self.run(|locker| locker.hold(RecipientId(recipient), until_s))
    }

    /// Staff looked inside a door interrupted by a power loss.
    fn inspect(&mut self, compartment: u32, found_parcels: bool) -> PyResult<()> {
        self.run(|locker| locker.inspect(CompartmentId(compartment), found_parcels))
    }

    /// Staff open a door, with a reason for the journal.
    fn staff_open(&mut self, compartment: u32, reason: &str) -> PyResult<()> {
        self.run(|locker| locker.staff_open(CompartmentId(compartment), reason))?;
        Ok(())
    }

    /// Staff take a door out of service.
    fn set_out_of_service(&mut self, compartment: u32, reason: &str) -> PyResult<()> {
        self.run(|locker| locker.set_out_of_service(CompartmentId(compartment), reason))?;
        Ok(())
    }

    /// Staff put a door back in service.
    fn back_in_service(&mut self, compartment: u32) -> PyResult<()> {
        self.run(|locker| locker.back_in_service(CompartmentId(compartment)))?;
        Ok(())
    }

    /// Extends a delivery's dwell by `by_s`; returns the new expiry.
    fn extend(&mut self, compartment: u32, by_s: u64) -> PyResult<u64> {
        self.run(|locker| locker.extend(CompartmentId(compartment), by_s))
    }

    /// The events since the last call, as dicts (PINs and tokens included).
    fn take_events<'py>(&mut self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        // The core's one JSON shape for events (`{"type": "parcel_ready",
        // …}`), secrets included: the host must send them on.
        to_py(py, &self.inner.take_events())
    }

    /// The journal's records, as dicts.
    fn journal_records<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.inner.journal().records())
    }

    /// The journal as JSON-lines text.
    fn journal_text(&self) -> String {
        lines::write(self.inner.journal().records())
    }

    /// A snapshot of the state, as a dict (no secrets).
    fn snapshot<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.inner.snapshot())
    }

    /// Every door for display, in id order: its configuration, `state`
    /// (`"open"`, `"needs_inspection"`, `"out_of_service"`, `"grace"`,
    /// `"occupied"` or `"free"`), what an open door is open for (`task`),
    /// the recipient, the parcel count and the expiry.
    fn doors<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.inner.state().doors())
    }
}

/// Replays journal records (dicts) and returns the snapshot of the state
/// they build. Raises `JournalError` for a broken journal.
#[pyfunction]
pub(crate) fn replay<'py>(
    py: Python<'py>,
    records: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyAny>> {
    let records: Vec<locker_core::journal::Record<Entry>> = from_py(records, "records")?;
    let chain = locker_core::journal::verify(&records, None).map_err(CoreError::from)?;
    let state = core_locker::replay(&records).map_err(CoreError::from)?;
    to_py(py, &state.snapshot(chain))
}
