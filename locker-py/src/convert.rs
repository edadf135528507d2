//! Conversion between Python objects and the core's serde shapes.
//!
//! Every structured value crosses the boundary as JSON-compatible data:
//! Python dicts, lists, strings, ints, floats, bools and `None`, shaped
//! exactly like the core's snake_case JSON. [`to_py`] turns a serializable
//! core value into such data (directly, see [`crate::to_python`]);
//! [`from_py`] reads a core value from it.

use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};
use serde::de::DeserializeOwned;
use serde_json::Number;

use crate::exceptions::{argument_type, invalid_argument};

/// JSON text from a Python object, dicts in their own key order (an
/// internally tagged object's tag stays first); `path` names the argument
/// (and the position inside it) in errors.
///
/// # Errors
///
/// `ArgumentTypeError` (a `TypeError`) for an object that is not JSON data
/// (or a dict key that is not a string), `InvalidArgumentError` (a
/// `ValueError`) for a float that is not finite, an integer beyond 64
/// bits, or containers nested deeper than JSON readers go (a list that
/// contains itself, for one); both name the path.
pub fn py_to_json(object: &Bound<'_, PyAny>, path: &str, out: &mut Vec<u8>) -> PyResult<()> {
    write_json(object, path, out, 0)
}

/// How deep containers may nest: `serde_json` reads no deeper.
const MAX_DEPTH: usize = 128;

fn write_json(
    object: &Bound<'_, PyAny>,
    path: &str,
    out: &mut Vec<u8>,
    depth: usize,
) -> PyResult<()> {
    if depth > MAX_DEPTH {
        return Err(invalid_argument(
            path,
            format_args!("nested more than {MAX_DEPTH} deep"),
        ));
    }
    if object.is_none() {
        out.extend_from_slice(b"null");
    } else if object.is_instance_of::<PyBool>() {
        let text: &[u8] = if object.extract::<bool>()? {
            b"true"
        } else {
            b"false"
        };
        out.extend_from_slice(text);
    } else if object.is_instance_of::<PyInt>() {
        if let Ok(u) = object.extract::<u64>() {
            out.extend_from_slice(u.to_string().as_bytes());
        } else if let Ok(i) = object.extract::<i64>() {
            out.extend_from_slice(i.to_string().as_bytes());
        } else {
            return Err(invalid_argument(
                path,
                format_args!("integer {object} is out of range"),
            ));
        }
    } else if object.is_instance_of::<PyFloat>() {
        let f = object.extract::<f64>()?;
        let number = Number::from_f64(f)
            .ok_or_else(|| invalid_argument(path, format_args!("{f} is not a finite number")))?;
        out.extend_from_slice(number.to_string().as_bytes());
    } else if object.is_instance_of::<PyString>() {
        write_str(out, &object.cast::<PyString>()?.to_cow()?);
    } else if let Ok(dict) = object.cast::<PyDict>() {
        out.push(b'{');
        for (index, (key, item)) in dict.iter().enumerate() {
            let Ok(key) = key.cast::<PyString>() else {
                return Err(argument_type(
                    path,
                    format_args!("dict keys must be str, not {}", key.get_type().name()?),
                ));
            };
            let key = key.to_cow()?;
            if index > 0 {
                out.push(b',');
            }
            write_str(out, &key);
            out.push(b':');
            write_json(&item, &format!("{path}.{key}"), out, depth + 1)?;
        }
        out.push(b'}');
    } else if object.is_instance_of::<PyList>() || object.is_instance_of::<PyTuple>() {
        out.push(b'[');
        for (index, item) in object.try_iter()?.enumerate() {
            if index > 0 {
                out.push(b',');
            }
            write_json(&item?, &format!("{path}[{index}]"), out, depth + 1)?;
        }
        out.push(b']');
    } else {
        return Err(argument_type(
            path,
            format_args!(
                "expected JSON data (dict, list, str, int, float, bool or None), not {}",
                object.get_type().name()?
            ),
        ));
    }
    Ok(())
}

/// A JSON string literal.
fn write_str(out: &mut Vec<u8>, text: &str) {
    // Writing a `str` into a `Vec` cannot fail.
    let _ = serde_json::to_writer(&mut *out, text);
}

/// A core value from Python data shaped like its JSON.
///
/// # Errors
///
/// `ArgumentTypeError` when `object` is not JSON data,
/// `InvalidArgumentError` naming the argument when the data does not have
/// the core's shape (a missing or unknown field, a wrong value).
pub fn from_py<T: DeserializeOwned>(object: &Bound<'_, PyAny>, path: &str) -> PyResult<T> {
    let mut text = Vec::with_capacity(256);
    py_to_json(object, path, &mut text)?;
    serde_json::from_slice(&text).map_err(|error| shape_error(path, &error))
}

/// `InvalidArgumentError` for data without the core's shape, without
/// serde_json's position (`at line 1 column 57`), which means nothing for
/// a dict.
fn shape_error(path: &str, error: &serde_json::Error) -> PyErr {
    let text = error.to_string();
    let position = format!(" at line {} column {}", error.line(), error.column());
    invalid_argument(path, text.strip_suffix(&position).unwrap_or(&text))
}

pub use crate::to_python::to_py;

/// A unit enum of the core (a purpose, an error-correction level…) from
/// its snake_case name, without a JSON round trip.
pub fn named<T: DeserializeOwned>(name: &str) -> Option<T> {
    T::deserialize(serde::de::value::StrDeserializer::<serde::de::value::Error>::new(name)).ok()
}
