//! Arguments as Python passes them, converted with their names.
//!
//! Every parameter of the package's functions and methods is read here
//! (`#[pyo3(from_py_with = args::<name>)]`), so every refusal is one of the
//! package's exceptions with code `invalid_argument` whose message starts
//! with the argument's name: `ArgumentTypeError` (also a `TypeError`) for a
//! value of the wrong type, `InvalidArgumentError` (also a `ValueError`)
//! for a value of the right type out of range. pyo3's own conversions would
//! raise a bare `TypeError` or `OverflowError` without a code.
//!
//! Integers are anything with `__index__` (a NumPy integer from a
//! DataFrame, say) but `bool`; text is `str`; bytes are `bytes`; id lists
//! and sizes are sequences (list, tuple, range) of integers.

use pyo3::exceptions::{PyOverflowError, PyTypeError};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyBytes, PySequence, PyString};
use pyo3::{PyClass, PyTypeCheck};

use crate::exceptions::{argument_type, invalid_argument};

/// A value read from one Python argument.
pub trait FromArg<'a, 'py>: Sized {
    /// Reads `object`, the argument `name` (named in errors).
    ///
    /// # Errors
    ///
    /// `ArgumentTypeError` or `InvalidArgumentError` naming `name`.
    fn from_arg(object: &'a Bound<'py, PyAny>, name: &str) -> PyResult<Self>;
}

/// The Python type name of `object`, for messages.
fn type_name(object: &Bound<'_, PyAny>) -> String {
    object
        .get_type()
        .name()
        .map_or_else(|_| String::from("?"), |name| name.to_string())
}

/// Unsigned integers: anything with `__index__` but `bool`.
macro_rules! unsigned {
    ($($ty:ty),*) => {$(
        impl<'a, 'py> FromArg<'a, 'py> for $ty {
            fn from_arg(object: &'a Bound<'py, PyAny>, name: &str) -> PyResult<Self> {
                if object.is_instance_of::<PyBool>() {
                    return Err(argument_type(name, "expected an int, not bool"));
                }
                object.extract::<$ty>().map_err(|error| {
                    let py = object.py();
                    if error.is_instance_of::<PyOverflowError>(py) {
                        invalid_argument(
                            name,
                            format!("{object} is out of range (0 to {})", <$ty>::MAX),
                        )
                    } else if error.is_instance_of::<PyTypeError>(py) {
                        argument_type(name, format!("expected an int, not {}", type_name(object)))
                    } else {
                        invalid_argument(name, error.to_string())
                    }
                })
            }
        }
    )*};
}

unsigned!(u16, u32, u64);

/// Signed integers (a clock jump back or ahead): anything with
/// `__index__` but `bool`.
impl<'a, 'py> FromArg<'a, 'py> for i64 {
    fn from_arg(object: &'a Bound<'py, PyAny>, name: &str) -> PyResult<Self> {
        if object.is_instance_of::<PyBool>() {
            return Err(argument_type(name, "expected an int, not bool"));
        }
        object.extract::<Self>().map_err(|error| {
            let py = object.py();
            if error.is_instance_of::<PyOverflowError>(py) {
                invalid_argument(
                    name,
                    format!("{object} is out of range ({} to {})", Self::MIN, Self::MAX),
                )
            } else if error.is_instance_of::<PyTypeError>(py) {
                argument_type(name, format!("expected an int, not {}", type_name(object)))
            } else {
                invalid_argument(name, error.to_string())
            }
        })
    }
}

impl<'a, 'py> FromArg<'a, 'py> for bool {
    fn from_arg(object: &'a Bound<'py, PyAny>, name: &str) -> PyResult<Self> {
        object
            .cast::<PyBool>()
            .map(|b| b.is_true())
            .map_err(|_| argument_type(name, format!("expected a bool, not {}", type_name(object))))
    }
}

impl<'a, 'py> FromArg<'a, 'py> for &'a str {
    fn from_arg(object: &'a Bound<'py, PyAny>, name: &str) -> PyResult<Self> {
        let text = object.cast::<PyString>().map_err(|_| {
            argument_type(name, format!("expected a str, not {}", type_name(object)))
        })?;
        // Only a `str` with lone surrogates is not UTF-8.
        text.to_str()
            .map_err(|error| invalid_argument(name, error.to_string()))
    }
}

impl<'a, 'py> FromArg<'a, 'py> for &'a [u8] {
    fn from_arg(object: &'a Bound<'py, PyAny>, name: &str) -> PyResult<Self> {
        object
            .cast::<PyBytes>()
            .map(|b| b.as_bytes())
            .map_err(|_| argument_type(name, format!("expected bytes, not {}", type_name(object))))
    }
}

/// A sequence (list, tuple, range, ...; not `str` or `bytes`), item by
/// item (`name[i]` in errors).
fn items<'py, T>(
    object: &Bound<'py, PyAny>,
    name: &str,
    mut item: impl FnMut(&Bound<'py, PyAny>, &str) -> PyResult<T>,
) -> PyResult<Vec<T>> {
    let sequence = object
        .cast::<PySequence>()
        .ok()
        .filter(|_| !(object.is_instance_of::<PyString>() || object.is_instance_of::<PyBytes>()))
        .ok_or_else(|| {
            argument_type(
                name,
                format!("expected a list of ints, not {}", type_name(object)),
            )
        })?;
    let mut out = Vec::with_capacity(sequence.len()?);
    for (index, value) in sequence.try_iter()?.enumerate() {
        out.push(item(&value?, &format!("{name}[{index}]"))?);
    }
    Ok(out)
}

impl<'a, 'py> FromArg<'a, 'py> for Vec<u32> {
    fn from_arg(object: &'a Bound<'py, PyAny>, name: &str) -> PyResult<Self> {
        items(object, name, |item, name| u32::from_arg(item, name))
    }
}

impl<'a, 'py> FromArg<'a, 'py> for (u32, u32, u32) {
    fn from_arg(object: &'a Bound<'py, PyAny>, name: &str) -> PyResult<Self> {
        let sides = items(object, name, |item, name| u32::from_arg(item, name))?;
        match sides[..] {
            [width, depth, height] => Ok((width, depth, height)),
            _ => Err(invalid_argument(
                name,
                format!(
                    "expected (width_mm, depth_mm, height_mm), not {} values",
                    sides.len()
                ),
            )),
        }
    }
}

impl<'a, 'py, T: FromArg<'a, 'py>> FromArg<'a, 'py> for Option<T> {
    fn from_arg(object: &'a Bound<'py, PyAny>, name: &str) -> PyResult<Self> {
        if object.is_none() {
            Ok(None)
        } else {
            T::from_arg(object, name).map(Some)
        }
    }
}

/// Any object (dicts, records, a hardware object): checked where it is
/// read (`convert::from_py` names the argument too).
impl<'a, 'py> FromArg<'a, 'py> for &'a Bound<'py, PyAny> {
    fn from_arg(object: &'a Bound<'py, PyAny>, _name: &str) -> PyResult<Self> {
        Ok(object)
    }
}

/// An instance of one of the package's classes (`KeyRing`, ...).
impl<'a, 'py, T: PyClass + PyTypeCheck> FromArg<'a, 'py> for PyRef<'py, T> {
    fn from_arg(object: &'a Bound<'py, PyAny>, name: &str) -> PyResult<Self> {
        let instance = object.cast::<T>().map_err(|_| {
            argument_type(
                name,
                format!("expected a {}, not {}", T::NAME, type_name(object)),
            )
        })?;
        Ok(instance.try_borrow()?)
    }
}

/// One extractor per parameter name, for `from_py_with`: reads the
/// argument as its parameter's type, naming it in errors.
macro_rules! names {
    ($($name:ident),* $(,)?) => {$(
        #[doc = concat!("The argument `", stringify!($name), "`.")]
        ///
        /// # Errors
        ///
        /// `ArgumentTypeError` or `InvalidArgumentError` naming it.
        pub fn $name<'a, 'py, T: FromArg<'a, 'py>>(object: &'a Bound<'py, PyAny>) -> PyResult<T> {
            T::from_arg(object, stringify!($name))
        }
    )*};
}

names!(
    accept_legacy,
    active_credentials,
    always,
    bank,
    bank_id,
    by_s,
    bytes,
    calls,
    capacity_bytes,
    carrier,
    clearance_mm,
    code,
    compact_at_bytes,
    compartment,
    compartments,
    credential_id,
    counts,
    data,
    delta_s,
    door,
    doors,
    entropy,
    erase_block_bytes,
    error_correction,
    expected_bank,
    expires_at_s,
    found_parcels,
    from_s,
    in_service,
    json,
    key_id,
    keys,
    kind,
    kiosk,
    length,
    min_records,
    module_px,
    monotonic_counter,
    now_s,
    offset,
    operation,
    parcel_dims,
    parcel_id,
    pin,
    purpose,
    quiet_zone_modules,
    reason,
    recipient,
    secret,
    seed,
    session,
    signer,
    space,
    space_dims,
    strict,
    text,
    this_side_up,
    threads,
    time_s,
    token,
    uid,
    unit,
    until_s,
    uptime,
    utc_offset_s,
    valid_for_s,
    valid_from_s,
    with_pin,
);
