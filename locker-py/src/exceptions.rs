//! The Python exception hierarchy: `locker.LockerError` and one subclass per
//! core error kind.
//!
//! Every error the package raises derives from `LockerError`, so
//! `except locker.LockerError` catches them all; the subclass says which
//! concern failed. [`CoreError`] gathers the core's error enums and
//! converts them with one exhaustive `match`, so a new core error enum
//! cannot be bound without choosing its Python class.

use locker_core::allocate::AllocationError as CoreAllocationError;
use locker_core::bank::{BankError as CoreBankError, ConfigError as CoreConfigError};
use locker_core::credential::{CredentialError as CoreCredentialError, QrRenderError};
use locker_core::geometry::GeometryError as CoreGeometryError;
use locker_core::hardware::HardwareErrorKind;
use locker_core::journal::JournalError as CoreJournalError;
use locker_core::locker::LockerError as CoreLockerError;
use locker_core::pack::PackError as CorePackError;
use locker_core::sim::SimError as CoreSimError;
use pyo3::PyErr;
use pyo3::create_exception;
use pyo3::exceptions::{PyException, PyValueError};
use pyo3::types::PyAnyMethods;

create_exception!(
    locker,
    LockerError,
    PyException,
    "Base class of every error raised by the locker package."
);

create_exception!(
    locker,
    GeometryError,
    LockerError,
    "A size or weight that cannot be real (a side of 0 mm, a side over 5 m, ...)."
);

create_exception!(
    locker,
    ConfigError,
    LockerError,
    "A bank configuration was rejected; the message names the field and value."
);

create_exception!(
    locker,
    BankError,
    LockerError,
    "The bank refused a change (unknown, full, out-of-service or occupied compartment, ...); nothing changed."
);

create_exception!(
    locker,
    AllocationError,
    LockerError,
    "Bad input to allocation (an impossible or already stored parcel). A full bank is an overflow outcome, not an error."
);

create_exception!(
    locker,
    PackError,
    LockerError,
    "A packing is not physically possible (overlap, outside the space, unsupported)."
);

create_exception!(
    locker,
    CredentialError,
    LockerError,
    "A credential was refused or could not be issued (wrong, expired, used, throttled, ...)."
);

create_exception!(
    locker,
    QrError,
    LockerError,
    "A QR code could not be rendered."
);

create_exception!(
    locker,
    JournalError,
    LockerError,
    "A journal is malformed or was tampered with (edited, missing, reordered records)."
);

create_exception!(
    locker,
    HardwareError,
    LockerError,
    "The hardware failed (jammed door, sensor fault, bus timeout, ...) or a Python hardware object raised."
);

create_exception!(
    locker,
    OperationError,
    LockerError,
    "A Locker operation was refused by the locker's state (door still open, nothing to collect, ...)."
);

create_exception!(
    locker,
    SimError,
    LockerError,
    "A building, bank or planner request for the simulation is invalid."
);

create_exception!(
    locker,
    InfeasibleError,
    SimError,
    "No bank within the door limit keeps overflow at or under the target."
);

/// Every core error the bindings can meet.
#[derive(Debug)]
pub enum CoreError {
    /// Sizes and weights.
    Geometry(CoreGeometryError),
    /// Bank configuration.
    Config(CoreConfigError),
    /// Bank changes.
    Bank(CoreBankError),
    /// Allocation input.
    Allocation(CoreAllocationError),
    /// Packings.
    Pack(CorePackError),
    /// Credentials.
    Credential(CoreCredentialError),
    /// QR rendering.
    Qr(QrRenderError),
    /// Journals.
    Journal(CoreJournalError),
    /// Hardware, by kind, with the message of a Python hardware object.
    Hardware(HardwareErrorKind, String),
    /// The locker facade.
    Locker(CoreLockerError),
    /// A physical action the simulated hardware cannot perform.
    SimAction(locker_core::hardware::sim::ActionError),
    /// Simulation and planning.
    Sim(CoreSimError),
}

macro_rules! from_core {
    ($($variant:ident($ty:ty)),* $(,)?) => {
        $(impl From<$ty> for CoreError {
            fn from(error: $ty) -> Self {
                Self::$variant(error)
            }
        })*
    };
}

from_core!(
    Geometry(CoreGeometryError),
    Config(CoreConfigError),
    Bank(CoreBankError),
    Allocation(CoreAllocationError),
    Pack(CorePackError),
    Credential(CoreCredentialError),
    Qr(QrRenderError),
    Journal(CoreJournalError),
    Locker(CoreLockerError),
    Sim(CoreSimError),
);

impl From<CoreError> for PyErr {
    fn from(error: CoreError) -> Self {
        match error {
            CoreError::Geometry(e) => GeometryError::new_err(e.to_string()),
            CoreError::Config(e) => ConfigError::new_err(e.to_string()),
            CoreError::Bank(e) => BankError::new_err(e.to_string()),
            CoreError::Allocation(e) => AllocationError::new_err(e.to_string()),
            CoreError::Pack(e) => PackError::new_err(e.to_string()),
            CoreError::Credential(e) => CredentialError::new_err(e.to_string()),
            CoreError::Qr(e @ QrRenderError::InvalidOption { .. }) => {
                PyValueError::new_err(e.to_string())
            }
            CoreError::Qr(e) => QrError::new_err(e.to_string()),
            CoreError::Journal(e) => JournalError::new_err(e.to_string()),
            CoreError::Hardware(kind, message) => hardware_error(kind, &message),
            CoreError::Locker(e) => locker_error(e),
            CoreError::SimAction(e) => hardware_error(HardwareErrorKind::Other, &e.to_string()),
            CoreError::Sim(e) => match e {
                CoreSimError::Infeasible { .. } => InfeasibleError::new_err(e.to_string()),
                CoreSimError::Config(inner) => ConfigError::new_err(inner.to_string()),
                other => SimError::new_err(other.to_string()),
            },
        }
    }
}

/// A `HardwareError` whose `kind` attribute is the kind's snake_case name.
/// `message` says what failed (the core's messages name the kind already);
/// the kind's own words when it is empty.
fn hardware_error(kind: HardwareErrorKind, message: &str) -> PyErr {
    let name = serde_json::to_value(kind)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_else(|| String::from("other"));
    let text = if message.is_empty() {
        kind.to_string()
    } else {
        message.to_owned()
    };
    pyo3::Python::attach(|py| {
        let error = HardwareError::new_err(text);
        // Best effort: an attribute that cannot be set leaves the message.
        let _ = error.value(py).setattr("kind", name);
        error
    })
}

/// The locker facade's errors go to the class of their concern.
fn locker_error(error: CoreLockerError) -> PyErr {
    match error {
        CoreLockerError::Credential(e) => CredentialError::new_err(e.to_string()),
        CoreLockerError::Allocation(e) => AllocationError::new_err(e.to_string()),
        CoreLockerError::Journal(e) => JournalError::new_err(e.to_string()),
        CoreLockerError::Hardware { kind, .. } => hardware_error(kind, &error.to_string()),
        CoreLockerError::JournalWrite { .. } | CoreLockerError::Replay { .. } => {
            JournalError::new_err(error.to_string())
        }
        other => OperationError::new_err(other.to_string()),
    }
}

/// Converts a core geometry error about the Python argument `argument`.
#[must_use]
pub fn geometry_error(argument: &str, error: &CoreGeometryError) -> PyErr {
    GeometryError::new_err(format!("{argument}: {error}"))
}
