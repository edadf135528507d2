//! Conversion between Python objects and the core's serde shapes.
//!
//! Every structured value crosses the boundary as JSON-compatible data:
//! Python dicts, lists, strings, ints, floats, bools and `None`, shaped
//! exactly like the core's snake_case JSON. [`to_py`] turns a serializable
//! core value into such data (directly, see [`crate::to_python`]);
//! [`from_py`] reads a core value from it.

use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};
use serde::de::DeserializeOwned;
use serde_json::{Map, Number, Value};

/// A Python object from a JSON value.
///
/// # Errors
///
/// Only if Python cannot allocate.
pub fn value_to_py<'py>(py: Python<'py>, value: &Value) -> PyResult<Bound<'py, PyAny>> {
    Ok(match value {
        Value::Null => py.None().into_bound(py),
        Value::Bool(b) => PyBool::new(py, *b).to_owned().into_any(),
        Value::Number(n) => {
            if let Some(u) = n.as_u64() {
                u.into_pyobject(py)?.into_any()
            } else if let Some(i) = n.as_i64() {
                i.into_pyobject(py)?.into_any()
            } else {
                n.as_f64().unwrap_or(f64::NAN).into_pyobject(py)?.into_any()
            }
        }
        Value::String(s) => PyString::new(py, s).into_any(),
        Value::Array(items) => {
            let list = PyList::empty(py);
            for item in items {
                list.append(value_to_py(py, item)?)?;
            }
            list.into_any()
        }
        Value::Object(map) => {
            let dict = PyDict::new(py);
            for (key, item) in map {
                dict.set_item(key, value_to_py(py, item)?)?;
            }
            dict.into_any()
        }
    })
}

/// A JSON value from a Python object; `path` names the argument (and the
/// position inside it) in errors.
///
/// # Errors
///
/// `TypeError` for an object that is not JSON data (or a dict key that is
/// not a string), `ValueError` for a float that is not finite.
pub fn py_to_value(object: &Bound<'_, PyAny>, path: &str) -> PyResult<Value> {
    if object.is_none() {
        return Ok(Value::Null);
    }
    if object.is_instance_of::<PyBool>() {
        return Ok(Value::Bool(object.extract::<bool>()?));
    }
    if object.is_instance_of::<PyInt>() {
        if let Ok(u) = object.extract::<u64>() {
            return Ok(Value::Number(u.into()));
        }
        if let Ok(i) = object.extract::<i64>() {
            return Ok(Value::Number(i.into()));
        }
        return Err(PyValueError::new_err(format!(
            "{path}: integer {object} is out of range"
        )));
    }
    if object.is_instance_of::<PyFloat>() {
        let f = object.extract::<f64>()?;
        return Number::from_f64(f)
            .map(Value::Number)
            .ok_or_else(|| PyValueError::new_err(format!("{path}: {f} is not a finite number")));
    }
    if object.is_instance_of::<PyString>() {
        return Ok(Value::String(object.extract::<String>()?));
    }
    if let Ok(dict) = object.cast::<PyDict>() {
        let mut map = Map::new();
        for (key, item) in dict.iter() {
            let Ok(key) = key.extract::<String>() else {
                return Err(PyTypeError::new_err(format!(
                    "{path}: dict keys must be str, not {}",
                    key.get_type().name()?
                )));
            };
            let inner = py_to_value(&item, &format!("{path}.{key}"))?;
            map.insert(key, inner);
        }
        return Ok(Value::Object(map));
    }
    if object.is_instance_of::<PyList>() || object.is_instance_of::<PyTuple>() {
        let mut items = Vec::new();
        for (index, item) in object.try_iter()?.enumerate() {
            items.push(py_to_value(&item?, &format!("{path}[{index}]"))?);
        }
        return Ok(Value::Array(items));
    }
    Err(PyTypeError::new_err(format!(
        "{path}: expected JSON data (dict, list, str, int, float, bool or None), not {}",
        object.get_type().name()?
    )))
}

/// A core value from Python data shaped like its JSON.
///
/// # Errors
///
/// `TypeError` when `object` is not JSON data, `ValueError` naming the
/// argument when the data does not have the core's shape.
pub fn from_py<T: DeserializeOwned>(object: &Bound<'_, PyAny>, path: &str) -> PyResult<T> {
    let value = py_to_value(object, path)?;
    // Through text, not `from_value`: some core types (journal digests)
    // deserialize from borrowed strings only.
    let text = value.to_string();
    serde_json::from_str(&text).map_err(|error| PyValueError::new_err(format!("{path}: {error}")))
}

pub use crate::to_python::to_py;

/// A unit enum of the core (a purpose, an error-correction level…) from
/// its snake_case name, without a JSON round trip.
pub fn named<T: DeserializeOwned>(name: &str) -> Option<T> {
    T::deserialize(serde::de::value::StrDeserializer::<serde::de::value::Error>::new(name)).ok()
}
