//! The Python exception hierarchy: `locker.LockerError` and one subclass per
//! core error kind.
//!
//! Every error the package raises derives from `LockerError`, so
//! `except locker.LockerError` catches them all; the subclass says which
//! concern failed, and `.code` is the core's stable code for what went
//! wrong (`error.code()`, from the core's one table in `codes.rs`: the
//! bindings never write codes of their own). [`CoreError`] gathers the
//! core's error enums and converts them with one exhaustive `match`, so a
//! new core error enum cannot be bound without choosing its Python class.
//!
//! Arguments the package refuses before the core sees them (a wrong type,
//! a wrong length, a dict of the wrong shape or with an unknown key) raise
//! `InvalidArgumentError` (a `LockerError` and a `ValueError`) or its
//! subclass `ArgumentTypeError` (also a `TypeError`), with code
//! `invalid_argument` (the core's code for a bad argument) and the
//! argument's name in `.argument` and at the start of the message; so
//! `except ValueError` and `except TypeError` keep working, and every
//! refusal has a code.
//!
//! Attributes beyond `.code`: `JournalError.seq` (the first bad record,
//! when the core names one), `HardwareError.kind`, `CredentialError.failure`
//! and `.attempt` (set where a refusal carries them),
//! `InvalidArgumentError.argument`. Each class has these as class
//! attributes set to `None`, so they are always there to read.

use core::fmt::Display;
use locker_core::allocate::AllocationError as CoreAllocationError;
use locker_core::bank::{BankError as CoreBankError, ConfigError as CoreConfigError};
use locker_core::credential::{CredentialError as CoreCredentialError, QrRenderError};
use locker_core::geometry::GeometryError as CoreGeometryError;
use locker_core::hardware::HardwareErrorKind;
use locker_core::journal::JournalError as CoreJournalError;
use locker_core::journal::flash::{FlashError, MemoryFlashError};
use locker_core::locker::{LockerError as CoreLockerError, StateError};
use locker_core::pack::PackError as CorePackError;
use locker_core::sim::SimError as CoreSimError;

use pyo3::create_exception;
use pyo3::exceptions::{PyException, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::type_object::PyTypeInfo;
use pyo3::types::{PyDict, PyTuple, PyType};

use crate::flash::FlashFault;

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
    /// A failed call of the simulated hardware (its clock, ...).
    SimHardware(locker_core::hardware::sim::SimError),
    /// Simulation and planning.
    Sim(CoreSimError),
    /// A journal on flash (opening it, reading it back).
    Flash(FlashError<FlashFault>),
    /// A call of the simulated flash chip.
    MemoryFlash(MemoryFlashError),
    /// Journal analytics.
    Analytics(locker_core::analytics::AnalyticsError),
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
    Analytics(locker_core::analytics::AnalyticsError),
);

/// An exception of class `T` with `message` and the core's `code`.
fn coded<T: PyTypeInfo>(message: String, code: &'static str) -> PyErr {
    let error = PyErr::new::<T, _>(message);
    Python::attach(|py| {
        // Best effort: an attribute that cannot be set leaves the message.
        let _ = error.value(py).setattr("code", code);
    });
    error
}

/// Sets one more attribute on an exception.
fn with_attr<'py, V: IntoPyObject<'py>>(
    py: Python<'py>,
    error: PyErr,
    name: &str,
    value: V,
) -> PyErr {
    // Best effort, as in `coded`.
    let _ = error.value(py).setattr(name, value);
    error
}

impl From<CoreError> for PyErr {
    fn from(error: CoreError) -> Self {
        match error {
            CoreError::Geometry(e) => coded::<GeometryError>(e.to_string(), e.code()),
            CoreError::Config(e) => coded::<ConfigError>(e.to_string(), e.code()),
            CoreError::Bank(e) => coded::<BankError>(e.to_string(), e.code()),
            CoreError::Allocation(e) => coded::<AllocationError>(e.to_string(), e.code()),
            CoreError::Pack(e) => coded::<PackError>(e.to_string(), e.code()),
            CoreError::Credential(e) => credential_error(&e),
            CoreError::Qr(e @ QrRenderError::InvalidOption { field, .. }) => {
                // A bad rendering option is a bad argument (the core's
                // message names it).
                refused(invalid_argument_class, field, e.to_string())
            }
            CoreError::Qr(e) => coded::<QrError>(e.to_string(), e.code()),
            CoreError::Journal(e) => journal_error(&e.to_string(), &e),
            CoreError::Hardware(kind, message) => hardware_error(kind, &message),
            CoreError::Locker(e) => locker_error(e),
            // Something a person cannot do at the simulated bank (open a
            // door that is not there, take from an empty one): no failure
            // of the hardware, so no `kind`.
            CoreError::SimAction(e) => coded::<HardwareError>(e.to_string(), e.code()),
            CoreError::SimHardware(e) => hardware_error(e.kind, &e.to_string()),
            CoreError::Sim(e) => sim_error(e),
            // The flash is the journal's storage: its failures are the
            // journal's, with the core's code (`flash_layout`,
            // `flash_failed`, ..., or a damaged record's own).
            CoreError::Flash(FlashError::Journal(e)) => {
                journal_error(&format!("flash journal: {e}"), &e)
            }
            CoreError::Flash(e) => coded::<JournalError>(e.to_string(), e.code()),
            CoreError::MemoryFlash(e) => coded::<JournalError>(format!("flash: {e}"), e.code()),
            CoreError::Analytics(e) => analytics_error(&e),
        }
    }
}

/// Journal analytics: a bad option is a bad argument; a journal that does
/// not replay (or spans too long) is a `JournalError` naming the record.
fn analytics_error(error: &locker_core::analytics::AnalyticsError) -> PyErr {
    use locker_core::analytics::AnalyticsError;
    let message = error.to_string();
    match error {
        AnalyticsError::InvalidOption { field, reason } => invalid_argument(field, reason),
        AnalyticsError::Replay { seq, .. } | AnalyticsError::SpanTooLong { seq, .. } => {
            let py_error = coded::<JournalError>(message, error.code());
            Python::attach(|py| with_attr(py, py_error, "seq", *seq))
        }
        _ => coded::<JournalError>(message, error.code()),
    }
}

/// A `CredentialError` with the core's code.
fn credential_error(error: &CoreCredentialError) -> PyErr {
    coded::<CredentialError>(error.to_string(), error.code())
}

/// A `JournalError` with the core's code and `seq`, the first bad record
/// when the core names one.
fn journal_error(message: &str, error: &CoreJournalError) -> PyErr {
    let py_error = coded::<JournalError>(message.to_owned(), error.code());
    Python::attach(|py| with_attr(py, py_error, "seq", error.seq()))
}

/// A `HardwareError` whose `kind` attribute is the kind's snake_case name
/// and whose `code` is the kind's code. `message` says what failed (the
/// core's messages name the kind already); the kind's own words when it
/// is empty.
fn hardware_error(kind: HardwareErrorKind, message: &str) -> PyErr {
    let text = if message.is_empty() {
        kind.to_string()
    } else {
        message.to_owned()
    };
    let error = coded::<HardwareError>(text, kind.code());
    // The kind's serde name is its code (`HardwareErrorKind::code`).
    Python::attach(|py| with_attr(py, error, "kind", kind.code()))
}

/// The locker facade's errors go to the class of their concern; the code
/// is always the core's (`LockerError::code`, the innermost cause's).
fn locker_error(error: CoreLockerError) -> PyErr {
    let code = error.code();
    let message = error.to_string();
    match &error {
        CoreLockerError::Credential(_) => coded::<CredentialError>(message, code),
        CoreLockerError::Allocation(_) => coded::<AllocationError>(message, code),
        CoreLockerError::Journal(inner) => journal_error(&message, inner),
        CoreLockerError::Hardware { kind, .. } => hardware_error(*kind, &message),
        CoreLockerError::JournalWrite { .. } => coded::<JournalError>(message, code),
        CoreLockerError::Replay { seq, .. } => {
            let py_error = coded::<JournalError>(message, code);
            Python::attach(|py| with_attr(py, py_error, "seq", *seq))
        }
        CoreLockerError::State(state) => match state {
            StateError::Config(_) => coded::<ConfigError>(message, code),
            StateError::Bank(_) => coded::<BankError>(message, code),
            StateError::Credential(_) => coded::<CredentialError>(message, code),
            StateError::Snapshot { .. } => coded::<JournalError>(message, code),
            // The operation does not fit the locker's state.
            StateError::Configuration
            | StateError::DoorBusy { .. }
            | StateError::NotOpenFor { .. }
            | StateError::NotInGrace { .. }
            | StateError::NoDelivery { .. }
            | StateError::NotInterrupted { .. }
            | StateError::Unavailable { .. } => coded::<OperationError>(message, code),
            // A refusal a newer core adds (the enum is non-exhaustive, so
            // Rust requires this arm): the code still says which.
            _ => coded::<OperationError>(message, code),
        },
        CoreLockerError::DoorStillOpen { .. }
        | CoreLockerError::NothingToCollect
        | CoreLockerError::Invalid { .. } => coded::<OperationError>(message, code),
        // A refusal a newer core adds (the enum is non-exhaustive, so Rust
        // requires this arm): the code still says which.
        _ => coded::<OperationError>(message, code),
    }
}

/// Simulation errors, with the core's code (`invalid_field`,
/// `infeasible`, or the wrapped error's).
fn sim_error(error: CoreSimError) -> PyErr {
    let message = error.to_string();
    let code = error.code();
    match &error {
        CoreSimError::Infeasible { .. } => coded::<InfeasibleError>(message, code),
        CoreSimError::Config(inner) => coded::<ConfigError>(inner.to_string(), code),
        // A progress callback stopped it without raising (the bindings
        // raise the callback's exception instead): code "cancelled".
        CoreSimError::Cancelled => coded::<SimError>(message, code),
        // A variant a newer core adds (the enum is non-exhaustive).
        _ => coded::<SimError>(message, code),
    }
}

/// The code of every refusal of an argument: the core's code for a bad
/// argument (`QrRenderError::InvalidOption`, `LockerError::Invalid`).
pub const INVALID_ARGUMENT: &str = "invalid_argument";

static INVALID_ARGUMENT_ERROR: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static ARGUMENT_TYPE_ERROR: PyOnceLock<Py<PyType>> = PyOnceLock::new();

/// A class made at run time, as `class name(*bases)` with `namespace`:
/// pyo3 makes exception classes with one base only.
fn make_class<'py>(
    py: Python<'py>,
    name: &str,
    bases: Bound<'py, PyTuple>,
    doc: &str,
) -> PyResult<Py<PyType>> {
    let namespace = PyDict::new(py);
    namespace.set_item("__module__", "locker")?;
    namespace.set_item("__doc__", doc)?;
    namespace.set_item("code", INVALID_ARGUMENT)?;
    namespace.set_item("argument", py.None())?;
    let class = PyType::type_object(py).call1((name, bases, namespace))?;
    Ok(class.cast_into::<PyType>()?.unbind())
}

/// `locker.InvalidArgumentError`: a `LockerError` and a `ValueError`.
///
/// # Errors
///
/// A Python error if the class cannot be made (never in practice).
pub fn invalid_argument_class(py: Python<'_>) -> PyResult<&Bound<'_, PyType>> {
    INVALID_ARGUMENT_ERROR
        .get_or_try_init(py, || {
            let bases = PyTuple::new(
                py,
                [LockerError::type_object(py), PyValueError::type_object(py)],
            )?;
            make_class(
                py,
                "InvalidArgumentError",
                bases,
                "An argument the package refuses before the core sees it: a wrong length, a value out of range, a dict of the wrong shape or with an unknown key. `.argument` names it; `.code` is \"invalid_argument\".",
            )
        })
        .map(|class| class.bind(py))
}

/// `locker.ArgumentTypeError`: an `InvalidArgumentError` and a
/// `TypeError`.
///
/// # Errors
///
/// A Python error if the class cannot be made (never in practice).
pub fn argument_type_class(py: Python<'_>) -> PyResult<&Bound<'_, PyType>> {
    ARGUMENT_TYPE_ERROR
        .get_or_try_init(py, || {
            let bases = PyTuple::new(
                py,
                [
                    invalid_argument_class(py)?.clone(),
                    PyTypeError::type_object(py),
                ],
            )?;
            make_class(
                py,
                "ArgumentTypeError",
                bases,
                "An argument of the wrong type (an InvalidArgumentError that is also a TypeError). `.argument` names it; `.code` is \"invalid_argument\".",
            )
        })
        .map(|class| class.bind(py))
}

/// An exception of a run-time class with `message` (which names the
/// argument) and `argument`.
fn refused(
    class: for<'py> fn(Python<'py>) -> PyResult<&'py Bound<'py, PyType>>,
    argument: &str,
    message: String,
) -> PyErr {
    Python::attach(|py| {
        let class = match class(py) {
            Ok(class) => class.clone(),
            Err(error) => return error,
        };
        let error = PyErr::from_type(class, message);
        // The parameter, without the path inside it (`request` of
        // `request.parcel.size`). Best effort, as in `coded`.
        let root = argument.split(['.', '[']).next().unwrap_or(argument);
        let _ = error.value(py).setattr("argument", root);
        error
    })
}

/// `InvalidArgumentError` for the argument `argument` (a Python parameter,
/// or a path inside one: `request.parcel.size`, whose `.argument` is then
/// `request`).
#[must_use]
pub fn invalid_argument(argument: &str, message: impl Display) -> PyErr {
    refused(
        invalid_argument_class,
        argument,
        format!("{argument}: {message}"),
    )
}

/// `ArgumentTypeError` for the argument `argument`.
#[must_use]
pub fn argument_type(argument: &str, message: impl Display) -> PyErr {
    refused(
        argument_type_class,
        argument,
        format!("{argument}: {message}"),
    )
}

/// Sets the attributes only some instances carry on their classes, as
/// `None`, so reading one never raises `AttributeError` (`code` is set on
/// every instance the package raises).
///
/// # Errors
///
/// A Python error if a class refuses the attribute (never for these).
pub fn init_attributes(py: Python<'_>) -> PyResult<()> {
    let none = py.None();
    JournalError::type_object(py).setattr("seq", &none)?;
    HardwareError::type_object(py).setattr("kind", &none)?;
    CredentialError::type_object(py).setattr("failure", &none)?;
    CredentialError::type_object(py).setattr("attempt", &none)?;
    Ok(())
}

/// Converts a core geometry error about the Python argument `argument`.
#[must_use]
pub fn geometry_error(argument: &str, error: &CoreGeometryError) -> PyErr {
    coded::<GeometryError>(format!("{argument}: {error}"), error.code())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use locker_core::credential::KeyId;

    /// `(class name, code, seq)` of the exception a core error becomes.
    fn converted(error: CoreError) -> (String, Option<String>, Option<u64>) {
        Python::initialize();
        let error = PyErr::from(error);
        Python::attach(|py| {
            let value = error.value(py);
            let name = value.get_type().name().unwrap().to_string();
            let code = value.getattr("code").unwrap().extract().unwrap();
            let seq = value
                .getattr("seq")
                .ok()
                .and_then(|s| s.extract::<Option<u64>>().ok())
                .flatten();
            (name, code, seq)
        })
    }

    #[test]
    fn journal_errors_carry_the_code_and_the_first_bad_record() {
        let forged = CoreJournalError::Forged {
            seq: 3,
            key_id: KeyId(1),
        };
        assert_eq!(
            converted(CoreError::Journal(forged.clone())),
            ("JournalError".into(), Some("forged".into()), Some(3))
        );
        // Through the locker: the same class, code and record.
        assert_eq!(
            converted(CoreError::Locker(CoreLockerError::Journal(forged))),
            ("JournalError".into(), Some("forged".into()), Some(3))
        );
        let rolled_back = CoreJournalError::RolledBack {
            expected_records: 9,
            found_records: 7,
        };
        assert_eq!(
            converted(CoreError::Journal(rolled_back)),
            ("JournalError".into(), Some("rolled_back".into()), None)
        );
        // Another bank's journal, as a restore refuses it: no record named.
        let wrong_bank = CoreJournalError::WrongBank {
            expected: 5,
            found: 6,
        };
        assert_eq!(
            converted(CoreError::Locker(CoreLockerError::Journal(wrong_bank))),
            ("JournalError".into(), Some("bank_mismatch".into()), None)
        );
    }

    #[test]
    fn locker_errors_go_to_their_concern_with_the_innermost_code() {
        let weak = CoreCredentialError::WeakKey {
            key_id: KeyId(1),
            reason: "too few distinct byte values for random bytes",
        };
        assert_eq!(
            converted(CoreError::Locker(CoreLockerError::Credential(weak))).0,
            "CredentialError"
        );
        assert_eq!(
            converted(CoreError::Locker(CoreLockerError::NothingToCollect)),
            (
                "OperationError".into(),
                Some("nothing_to_collect".into()),
                None
            )
        );
        let jammed = CoreLockerError::Hardware {
            compartment: None,
            kind: HardwareErrorKind::DoorJammed,
            detail: None,
        };
        assert_eq!(
            converted(CoreError::Locker(jammed)).1.as_deref(),
            Some("door_jammed")
        );
    }

    #[test]
    fn the_simulators_errors_carry_the_cores_codes() {
        use locker_core::CompartmentId;
        use locker_core::hardware::sim::ActionError;
        let closed = ActionError::DoorClosed {
            door: CompartmentId(3),
        };
        assert_eq!(
            converted(CoreError::SimAction(closed)).1.as_deref(),
            Some("door_closed")
        );
        let infeasible = converted(CoreError::Sim(CoreSimError::Infeasible {
            target_overflow_rate: 0.0,
            max_doors: 1,
            best_overflow_rate: 0.5,
            best_doors: 1,
        }));
        assert_eq!(
            (infeasible.0.as_str(), infeasible.1.as_deref()),
            ("InfeasibleError", Some("infeasible"))
        );
    }

    #[test]
    fn flash_errors_are_journal_errors_with_the_cores_codes() {
        use crate::flash::FlashFault;
        let layout = FlashError::<FlashFault>::Layout {
            reason: "the region must be an even number of whole erase blocks",
        };
        assert_eq!(
            converted(CoreError::Flash(layout)),
            ("JournalError".into(), Some("flash_layout".into()), None)
        );
        let failed = FlashError::Flash(FlashFault::Python("read() raised OSError".into()));
        assert_eq!(
            converted(CoreError::Flash(failed)).1.as_deref(),
            Some("flash_failed")
        );
        // A region with data but no journal: left for the host to erase.
        assert_eq!(
            converted(CoreError::Flash(FlashError::Damaged)),
            ("JournalError".into(), Some("flash_damaged".into()), None)
        );
        // No heap to expand the snapshot: its own code, not a damaged one.
        let short = FlashError::<FlashFault>::Journal(CoreJournalError::OutOfMemory {
            needed_bytes: 42_000,
        });
        assert_eq!(
            converted(CoreError::Flash(short)),
            ("JournalError".into(), Some("out_of_memory".into()), None)
        );
        // A damaged record in flash: its own code and record.
        let forged = FlashError::<FlashFault>::Journal(CoreJournalError::Forged {
            seq: 4,
            key_id: KeyId(1),
        });
        assert_eq!(
            converted(CoreError::Flash(forged)),
            ("JournalError".into(), Some("forged".into()), Some(4))
        );
        assert_eq!(
            converted(CoreError::MemoryFlash(MemoryFlashError::PowerLost)),
            ("JournalError".into(), Some("power_lost".into()), None)
        );
    }

    #[test]
    fn refused_arguments_are_value_and_type_errors_naming_the_argument() {
        Python::initialize();
        Python::attach(|py| {
            let error = invalid_argument("request.parcel.size", "width_mm is missing");
            assert!(error.is_instance_of::<LockerError>(py));
            assert!(error.is_instance_of::<PyValueError>(py));
            assert!(!error.is_instance_of::<PyTypeError>(py));
            let value = error.value(py);
            let attr = |name: &str| -> String { value.getattr(name).unwrap().extract().unwrap() };
            assert_eq!(attr("code"), "invalid_argument");
            assert_eq!(attr("argument"), "request");
            assert_eq!(
                value.to_string(),
                "request.parcel.size: width_mm is missing"
            );
            let error = argument_type("keys[2]", "expected a KeyRing, not int");
            assert!(
                error.is_instance_of::<PyTypeError>(py) && error.is_instance_of::<PyValueError>(py)
            );
            assert_eq!(
                error.value(py).getattr("argument").unwrap().to_string(),
                "keys"
            );
        });
    }
}
