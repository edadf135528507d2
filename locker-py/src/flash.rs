//! The journal on raw flash: the core's simulated NOR chip as
//! `locker.MemoryFlash`, and any Python object with the flash methods as
//! the flash a `Locker.open_flash` journal lives in.
//!
//! Both are one `AnyFlash`, the core's [`Flash`] by delegation: the
//! shared [`MemoryFlash`](CoreMemoryFlash) (Python keeps a handle to cut
//! the power, tamper, read the wear while the locker writes), or a
//! `PyFlash` whose every answer is checked (bytes of the asked length
//! from `read`, `None` from `write` and `erase`). An exception from a
//! Python flash method, or an answer of the wrong type, is a flash failure
//! naming the method (the core then does what its contract says: the half
//! takes no more records, the locker compacts before the next one); a
//! `KeyboardInterrupt` or `SystemExit` is kept in the locker's
//! `Interrupt` and raised once the core returns, as the hardware's are.

extern crate alloc;

use alloc::sync::Arc;
use core::fmt;
use std::sync::{Mutex, MutexGuard, PoisonError};

use locker_core::journal::flash::{
    Flash, FlashContents, FlashError, FlashJournal, FlashUsage, MemoryFlash as CoreMemoryFlash,
    MemoryFlashError,
};
use locker_core::locker::Entry;
use pyo3::exceptions::PyException;
use pyo3::prelude::*;
use pyo3::types::{PyByteArray, PyBytes, PyTuple};
use serde::Serialize;

use crate::args::{self, FromArg};
use crate::exceptions::{CoreError, argument_type, invalid_argument};
use crate::locker::Interrupt;
use crate::pickle;

/// The simulated chip, shared between Python (which cuts the power and
/// reads the wear) and the journal (which writes).
#[derive(Clone)]
pub(crate) struct SharedFlash(Arc<Mutex<CoreMemoryFlash>>);

impl SharedFlash {
    fn new(flash: CoreMemoryFlash) -> Self {
        Self(Arc::new(Mutex::new(flash)))
    }

    fn lock(&self) -> MutexGuard<'_, CoreMemoryFlash> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Why a flash call failed.
#[derive(Debug)]
pub enum FlashFault {
    /// The simulated chip refused (power lost, out of range).
    Memory(MemoryFlashError),
    /// A Python flash method raised, or answered with a value of the wrong
    /// type: what happened, naming the method.
    Python(String),
}

impl fmt::Display for FlashFault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Memory(error) => fmt::Display::fmt(error, f),
            Self::Python(message) => f.write_str(message),
        }
    }
}

/// A Python object with the flash methods; its sizes are read once, when
/// the locker opens it.
pub(crate) struct PyFlash {
    object: Py<PyAny>,
    capacity_bytes: u32,
    erase_block_bytes: u32,
    interrupt: Interrupt,
}

/// The Python type name of `value`, for messages.
fn type_name(value: &Bound<'_, PyAny>) -> String {
    value
        .get_type()
        .name()
        .map_or_else(|_| String::from("?"), |name| name.to_string())
}

/// `None`, the answer of `write` and `erase`: anything else could be a
/// failure the method meant to report by its return value (`False`, a
/// count), which would be lost, so it is refused.
fn nothing(method: &str, value: &Bound<'_, PyAny>) -> Result<(), String> {
    if value.is_none() {
        Ok(())
    } else {
        Err(format!(
            "{method}() returned {}, expected None (raise an exception to report a failure)",
            type_name(value)
        ))
    }
}

impl PyFlash {
    /// Calls `method` with `args`, checking its answer with `check` (whose
    /// error is the whole message, naming the method).
    fn call<T>(
        &self,
        method: &str,
        args: impl for<'py> FnOnce(Python<'py>) -> PyResult<Bound<'py, PyTuple>>,
        check: impl for<'py> FnOnce(&Bound<'py, PyAny>) -> Result<T, String>,
    ) -> Result<T, FlashFault> {
        if self.interrupt.slot().is_some() {
            return Err(FlashFault::Python(format!(
                "{method}() not called: interrupted"
            )));
        }
        Python::attach(|py| {
            let value = args(py)
                .and_then(|a| self.object.bind(py).call_method1(method, a))
                .map_err(|error| {
                    // "Type: message", or the type alone when the message
                    // is empty.
                    let text = error.to_string();
                    let detail = text.trim_end();
                    let detail = detail.strip_suffix(':').unwrap_or(detail);
                    let fault = FlashFault::Python(format!("{method}() raised {detail}"));
                    // Not an `Exception`: the program is being stopped.
                    if !error.is_instance_of::<PyException>(py) {
                        self.interrupt.slot().get_or_insert(error);
                    }
                    fault
                })?;
            check(&value).map_err(FlashFault::Python)
        })
    }
}

impl Flash for PyFlash {
    type Error = FlashFault;

    fn capacity_bytes(&self) -> u32 {
        self.capacity_bytes
    }

    fn erase_block_bytes(&self) -> u32 {
        self.erase_block_bytes
    }

    fn read(&mut self, offset: u32, buf: &mut [u8]) -> Result<(), Self::Error> {
        let length = buf.len();
        self.call(
            "read",
            |py| PyTuple::new(py, [offset as usize, length]),
            |value| {
                let copied = if let Ok(bytes) = value.cast::<PyBytes>() {
                    let bytes = bytes.as_bytes();
                    (bytes.len() == length).then(|| buf.copy_from_slice(bytes))
                } else if let Ok(array) = value.cast::<PyByteArray>() {
                    let bytes = array.to_vec();
                    (bytes.len() == length).then(|| buf.copy_from_slice(&bytes))
                } else {
                    return Err(format!(
                        "read({offset}, {length}) returned {}, expected bytes",
                        type_name(value)
                    ));
                };
                copied.ok_or_else(|| {
                    format!(
                        "read({offset}, {length}) returned {} bytes",
                        value.len().unwrap_or_default()
                    )
                })
            },
        )
    }

    fn write(&mut self, offset: u32, bytes: &[u8]) -> Result<(), Self::Error> {
        self.call(
            "write",
            |py| {
                PyTuple::new(
                    py,
                    [
                        offset.into_pyobject(py)?.into_any(),
                        PyBytes::new(py, bytes).into_any(),
                    ],
                )
            },
            |value| nothing("write", value),
        )
    }

    fn erase(&mut self, offset: u32, len: u32) -> Result<(), Self::Error> {
        self.call(
            "erase",
            |py| PyTuple::new(py, [offset, len]),
            |value| nothing("erase", value),
        )
    }
}

/// The flash a locker's journal lives in.
pub(crate) enum AnyFlash {
    Memory(SharedFlash),
    Python(PyFlash),
}

/// Forwards one call to the flash in use.
macro_rules! forward {
    ($self:ident, $method:ident($($arg:expr),*)) => {
        match $self {
            AnyFlash::Memory(flash) => flash.lock().$method($($arg),*).map_err(FlashFault::Memory),
            AnyFlash::Python(flash) => flash.$method($($arg),*),
        }
    };
}

impl Flash for AnyFlash {
    type Error = FlashFault;

    fn capacity_bytes(&self) -> u32 {
        match self {
            Self::Memory(flash) => flash.lock().capacity_bytes(),
            Self::Python(flash) => flash.capacity_bytes(),
        }
    }

    fn erase_block_bytes(&self) -> u32 {
        match self {
            Self::Memory(flash) => flash.lock().erase_block_bytes(),
            Self::Python(flash) => flash.erase_block_bytes(),
        }
    }

    fn read(&mut self, offset: u32, buf: &mut [u8]) -> Result<(), Self::Error> {
        forward!(self, read(offset, buf))
    }

    fn write(&mut self, offset: u32, bytes: &[u8]) -> Result<(), Self::Error> {
        forward!(self, write(offset, bytes))
    }

    fn erase(&mut self, offset: u32, len: u32) -> Result<(), Self::Error> {
        forward!(self, erase(offset, len))
    }
}

/// The journal a locker keeps on flash.
pub(crate) type OnFlash = FlashJournal<AnyFlash>;

impl From<FlashError<FlashFault>> for CoreError {
    fn from(error: FlashError<FlashFault>) -> Self {
        Self::Flash(error)
    }
}

/// The flash `flash` names: a `MemoryFlash`, or an object with
/// `capacity_bytes`, `erase_block_bytes` (ints) and the methods `read`,
/// `write` and `erase`, checked here, before anything is read or written.
pub(crate) fn flash_from(flash: &Bound<'_, PyAny>, interrupt: &Interrupt) -> PyResult<AnyFlash> {
    if let Ok(memory) = flash.cast::<MemoryFlash>() {
        let shared = memory.borrow().shared.clone();
        // The Python object holds one reference and this clone another:
        // any more is a live locker writing its journal there, and two
        // journals in one region destroy each other.
        if Arc::strong_count(&shared.0) > 2 {
            return Err(invalid_argument(
                "flash",
                "is the journal of another live locker: one locker a chip (pass flash.copy() for an independent one)",
            ));
        }
        return Ok(AnyFlash::Memory(shared));
    }
    // A property that raises is the object's fault, named as such (not a
    // bare exception out of `open_flash`).
    let attribute = |name: &str| {
        flash.getattr(name).map_err(|error| {
            // Ctrl-C and exit stay what they are.
            if !error.is_instance_of::<PyException>(flash.py()) {
                return error;
            }
            argument_type(
                "flash",
                format_args!(
                    "{}.{name} raised {error}: expected a MemoryFlash or an object with the flash methods",
                    type_name(flash)
                ),
            )
        })
    };
    for method in ["read", "write", "erase"] {
        let callable = flash.hasattr(method).unwrap_or(true) && attribute(method)?.is_callable();
        if !callable {
            return Err(argument_type(
                "flash",
                format_args!(
                    "expected a MemoryFlash or an object with the flash methods; {} has no method {method}()",
                    type_name(flash)
                ),
            ));
        }
    }
    let size = |name: &str| -> PyResult<u32> {
        if !flash.hasattr(name).unwrap_or(true) {
            return Err(argument_type(
                "flash",
                format_args!(
                    "expected a MemoryFlash or an object with the flash methods; {} has no attribute {name}",
                    type_name(flash)
                ),
            ));
        }
        u32::from_arg(&attribute(name)?, &format!("flash.{name}"))
    };
    Ok(AnyFlash::Python(PyFlash {
        capacity_bytes: size("capacity_bytes")?,
        erase_block_bytes: size("erase_block_bytes")?,
        object: flash.clone().unbind(),
        interrupt: interrupt.clone(),
    }))
}

/// What `Locker.open_flash` found in the flash (`Locker.flash_report()`).
#[derive(Clone, Copy, Debug, Serialize)]
pub(crate) struct FlashReport {
    /// The flash held no journal: a new locker was made.
    new: bool,
    /// The region was blank (neither half held a journal, nothing else
    /// was written there): the new locker's first record formatted it.
    formatted: bool,
    /// Bytes the snapshot the records continue takes in the flash (its
    /// storage encoding, as `flash_usage()` counts it; `None` before the
    /// first compaction).
    snapshot_bytes: Option<u32>,
    /// Records after the snapshot.
    records: usize,
    /// Bytes of a frame cut short by a power cut, dropped (never
    /// acknowledged); the journal continues in the other half.
    torn_bytes: Option<u32>,
}

impl FlashReport {
    /// The report of a journal that found `contents` and stood at `usage`
    /// when it was opened.
    pub(crate) fn new(contents: &FlashContents<Entry>, usage: FlashUsage) -> Self {
        Self {
            new: contents.is_empty(),
            formatted: contents.formatted,
            // The contents hold the snapshot as JSON; the flash holds it
            // in the storage encoding, which is what a region is sized by.
            snapshot_bytes: contents.snapshot.as_ref().map(|_| usage.snapshot_bytes),
            records: contents.records.len(),
            torn_bytes: contents.torn_bytes,
        }
    }
}

/// A simulated NOR flash chip in memory (the core's `MemoryFlash`): writes
/// only clear bits (1 → 0), erases set whole blocks back to 0xFF, and the
/// power can be cut after a number of bytes, so a test stops a write or an
/// erase at any byte. Pass it to `Locker.open_flash` and keep it: the
/// locker writes to this very chip, so cutting its power, reading its
/// bytes and its wear work while the locker runs. One locker at a time
/// per chip (`copy()` gives an independent one).
#[pyclass(module = "locker")]
pub struct MemoryFlash {
    shared: SharedFlash,
}

/// A simulated chip no larger than the core's bound for bindings (a chip
/// of gigabytes would take the process's memory at once).
fn check_simulated_size(argument: &str, capacity_bytes: u32) -> PyResult<()> {
    let max = CoreMemoryFlash::MAX_SIMULATED_BYTES;
    if capacity_bytes > max {
        return Err(invalid_argument(
            argument,
            format_args!("{capacity_bytes} bytes is more than {max} (64 MiB)"),
        ));
    }
    Ok(())
}

/// An offset and a length within the chip, or `out_of_range`.
fn within(flash: &CoreMemoryFlash, offset: u32, length: usize) -> Result<(), CoreError> {
    let end = (offset as usize).checked_add(length);
    if end.is_none_or(|end| end > flash.bytes().len()) {
        return Err(CoreError::MemoryFlash(MemoryFlashError::OutOfRange));
    }
    Ok(())
}

#[pymethods]
impl MemoryFlash {
    /// An erased chip (every byte 0xFF) of `capacity_bytes` in erase blocks
    /// of `erase_block_bytes`. The journal needs an even number of whole
    /// blocks, at least 128 bytes (`Locker.open_flash` refuses another
    /// layout with `JournalError`, code `flash_layout`).
    #[new]
    fn new(
        #[pyo3(from_py_with = args::capacity_bytes)] capacity_bytes: u32,
        #[pyo3(from_py_with = args::erase_block_bytes)] erase_block_bytes: u32,
    ) -> PyResult<Self> {
        check_simulated_size("capacity_bytes", capacity_bytes)?;
        Ok(Self {
            shared: SharedFlash::new(CoreMemoryFlash::new(capacity_bytes, erase_block_bytes)),
        })
    }

    /// A chip holding `data` (a saved `to_bytes()` image), in erase blocks
    /// of `erase_block_bytes`; its wear counters start at 0.
    #[staticmethod]
    fn from_bytes(
        #[pyo3(from_py_with = args::data)] data: &[u8],
        #[pyo3(from_py_with = args::erase_block_bytes)] erase_block_bytes: u32,
    ) -> PyResult<Self> {
        let capacity_bytes =
            u32::try_from(data.len()).map_err(|_| invalid_argument("data", "longer than 4 GiB"))?;
        check_simulated_size("data", capacity_bytes)?;
        let mut flash = CoreMemoryFlash::new(capacity_bytes, erase_block_bytes);
        flash.bytes_mut().copy_from_slice(data);
        Ok(Self {
            shared: SharedFlash::new(flash),
        })
    }

    /// An independent copy of the chip: its bytes, wear and power state.
    fn copy(&self) -> Self {
        Self {
            shared: SharedFlash::new(self.shared.lock().clone()),
        }
    }

    fn __copy__(&self) -> Self {
        self.copy()
    }

    fn __deepcopy__(&self, _memo: &Bound<'_, PyAny>) -> Self {
        self.copy()
    }

    /// Bytes of the region.
    #[getter]
    fn capacity_bytes(&self) -> u32 {
        self.shared.lock().capacity_bytes()
    }

    /// Bytes of one erase block.
    #[getter]
    fn erase_block_bytes(&self) -> u32 {
        self.shared.lock().erase_block_bytes()
    }

    /// True once a cut has happened (until `restore_power`).
    #[getter]
    fn power_lost(&self) -> bool {
        self.shared.lock().power_lost()
    }

    /// Bytes written since the chip was made: its wear, with
    /// `erased_blocks`.
    #[getter]
    fn written_bytes(&self) -> u64 {
        self.shared.lock().written_bytes()
    }

    /// Blocks erased since the chip was made.
    #[getter]
    fn erased_blocks(&self) -> u64 {
        self.shared.lock().erased_blocks()
    }

    /// Cuts the power once `bytes` more bytes have been written or erased
    /// (0: at the next write or erase): the write or erase under way stops
    /// there, and every later operation fails (`power_lost`) until
    /// `restore_power`.
    fn cut_power_after(&self, #[pyo3(from_py_with = args::bytes)] bytes: u64) {
        self.shared.lock().cut_power_after(bytes);
    }

    /// Power back: operations work again; what was written stays.
    fn restore_power(&self) {
        self.shared.lock().restore_power();
    }

    /// The chip's bytes (a copy).
    fn to_bytes<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, self.shared.lock().bytes())
    }

    /// Sets bytes at `offset` to `data` exactly, bypassing the flash rules
    /// (bits set as well as cleared, no power, no wear): someone with the
    /// chip in hand, for tests that tamper with the journal. Raises
    /// `InvalidArgumentError` past the end of the chip.
    fn write_raw(
        &self,
        #[pyo3(from_py_with = args::offset)] offset: u32,
        #[pyo3(from_py_with = args::data)] data: &[u8],
    ) -> PyResult<()> {
        let mut flash = self.shared.lock();
        let capacity = flash.bytes().len();
        let start = offset as usize;
        let target = start
            .checked_add(data.len())
            .filter(|end| *end <= capacity)
            .and_then(|end| flash.bytes_mut().get_mut(start..end))
            .ok_or_else(|| {
                invalid_argument(
                    "offset",
                    format_args!(
                        "{offset} + {} bytes is past the end of the {capacity}-byte chip",
                        data.len()
                    ),
                )
            })?;
        target.copy_from_slice(data);
        Ok(())
    }

    /// Reads `length` bytes at `offset`, as the journal does (a flash
    /// call: fails while the power is lost). Raises `JournalError` with
    /// code `power_lost` or `out_of_range`.
    fn read<'py>(
        &self,
        py: Python<'py>,
        #[pyo3(from_py_with = args::offset)] offset: u32,
        #[pyo3(from_py_with = args::length)] length: u32,
    ) -> PyResult<Bound<'py, PyBytes>> {
        let mut flash = self.shared.lock();
        let length = length as usize;
        within(&flash, offset, length)?;
        let mut buf = vec![0; length];
        flash
            .read(offset, &mut buf)
            .map_err(CoreError::MemoryFlash)?;
        Ok(PyBytes::new(py, &buf))
    }

    /// Programs `data` at `offset` as NOR flash does (clears bits only; a
    /// flash call: counts toward a power cut and the wear). Raises
    /// `JournalError` with code `power_lost` or `out_of_range`.
    fn write(
        &self,
        #[pyo3(from_py_with = args::offset)] offset: u32,
        #[pyo3(from_py_with = args::data)] data: &[u8],
    ) -> PyResult<()> {
        Ok(self
            .shared
            .lock()
            .write(offset, data)
            .map_err(CoreError::MemoryFlash)?)
    }

    /// Erases `length` bytes at `offset` (both multiples of the erase
    /// block) back to 0xFF (a flash call). Raises `JournalError` with code
    /// `power_lost` or `out_of_range`.
    fn erase(
        &self,
        #[pyo3(from_py_with = args::offset)] offset: u32,
        #[pyo3(from_py_with = args::length)] length: u32,
    ) -> PyResult<()> {
        Ok(self
            .shared
            .lock()
            .erase(offset, length)
            .map_err(CoreError::MemoryFlash)?)
    }

    /// Refuses pickling with the reason: the chip's image travels, not the chip.
    fn __reduce__(&self) -> PyResult<()> {
        Err(pickle::refused(
            "MemoryFlash",
            "a simulated chip belongs to the process that drives it; its image travels as to_bytes(), and MemoryFlash.from_bytes() rebuilds it",
        ))
    }

    fn __repr__(&self) -> String {
        let flash = self.shared.lock();
        format!(
            "MemoryFlash(capacity_bytes={}, erase_block_bytes={})",
            flash.capacity_bytes(),
            flash.erase_block_bytes()
        )
    }
}
