//! Conversion between Python objects and the core's serde shapes.
//!
//! Every structured value crosses the boundary as JSON-compatible data:
//! Python dicts, lists, strings, ints, floats, bools and `None`, shaped
//! exactly like the core's snake_case JSON. [`to_py`] turns a serializable
//! core value into such data (directly, see [`crate::to_python`]);
//! [`from_py`] reads a core value from it.

use core::fmt::Write as _;

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
    serde_json::from_slice(&text).map_err(|error| shape_error(path, &text, &error))
}

/// As [`from_py`] for an optional argument: its default when it was not
/// given.
///
/// # Errors
///
/// As [`from_py`].
pub fn from_py_or_default<T: DeserializeOwned + Default>(
    object: Option<&Bound<'_, PyAny>>,
    path: &str,
) -> PyResult<T> {
    object.map_or_else(|| Ok(T::default()), |object| from_py(object, path))
}

/// `InvalidArgumentError` for data without the core's shape, naming where
/// inside the argument (`building.season`, `building.carriers[0].rounds`)
/// instead of serde_json's position (`at line 1 column 57`), which means
/// nothing for a dict.
fn shape_error(path: &str, json: &[u8], error: &serde_json::Error) -> PyErr {
    let text = error.to_string();
    let position = format!(" at line {} column {}", error.line(), error.column());
    let inside = path_at(json, error.column());
    let mut message = text.strip_suffix(&position).unwrap_or(&text);
    // What serde_json says of an array longer than a fixed-size one.
    if message == "trailing characters" && inside.ends_with(']') {
        message = "more entries than expected";
    }
    invalid_argument(&format!("{path}{inside}"), message)
}

/// Where in `json` (one line, as [`py_to_json`] writes it) the reader
/// stopped after `consumed` bytes, as a path: `.season` once an array
/// value of the key `season` ended there, `.season[11]` inside its 12th
/// element, `.carriers[0]` right after one of its keys (an unknown field,
/// which the message names). Only read for an error.
fn path_at(json: &[u8], consumed: usize) -> String {
    enum Frame {
        Object(Option<String>),
        Array(usize),
    }
    let mut stack: Vec<Frame> = Vec::new();
    let mut key_next = false;
    // A key was read and not yet its `:`.
    let mut after_key = false;
    let mut i = 0;
    while i < consumed.min(json.len()) {
        match json.get(i).copied().unwrap_or(b' ') {
            b'{' => {
                stack.push(Frame::Object(None));
                key_next = true;
            }
            b'[' => stack.push(Frame::Array(0)),
            b':' => after_key = false,
            b'}' | b']' => {
                stack.pop();
                key_next = false;
            }
            b',' => match stack.last_mut() {
                Some(Frame::Array(index)) => *index += 1,
                Some(Frame::Object(_)) => key_next = true,
                None => {}
            },
            b'"' => {
                let start = i;
                i += 1;
                while let Some(&byte) = json.get(i) {
                    match byte {
                        b'\\' => i += 2,
                        b'"' => break,
                        _ => i += 1,
                    }
                }
                if key_next {
                    key_next = false;
                    after_key = true;
                    if let Some(Frame::Object(key)) = stack.last_mut() {
                        *key = json
                            .get(start..=i)
                            .and_then(|text| serde_json::from_slice(text).ok());
                    }
                }
            }
            _ => {}
        }
        i += 1;
    }
    if after_key && let Some(Frame::Object(key)) = stack.last_mut() {
        *key = None;
    }
    let mut path = String::new();
    for frame in stack {
        match frame {
            Frame::Object(Some(key)) => {
                path.push('.');
                path.push_str(&key);
            }
            Frame::Object(None) => {}
            Frame::Array(index) => {
                // Writing to a `String` cannot fail.
                let _ = write!(path, "[{index}]");
            }
        }
    }
    path
}

pub use crate::to_python::to_py;

/// A unit enum of the core (a purpose, an error-correction level…) from
/// its snake_case name, without a JSON round trip.
pub fn named<T: DeserializeOwned>(name: &str) -> Option<T> {
    T::deserialize(serde::de::value::StrDeserializer::<serde::de::value::Error>::new(name)).ok()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use locker_core::sim::Building;

    use super::path_at;

    /// The path serde_json's error position points at, for `json`.
    fn path_of_error(json: &str) -> String {
        let error = serde_json::from_str::<Building>(json).unwrap_err();
        path_at(json.as_bytes(), error.column())
    }

    #[test]
    fn errors_name_the_field_inside_the_argument() {
        assert_eq!(path_of_error(r#"{"days":1,"season":[1,1]}"#), ".season");
        assert_eq!(path_of_error(r#"{"units":"5"}"#), ".units");
        assert_eq!(
            path_of_error(r#"{"days":1,"season":[1,null]}"#),
            ".season[1]"
        );
        assert_eq!(
            path_of_error(
                r#"{"carriers":[{"name":"a","share":1,"rounds":[1]},{"name":"b\"]","colour":1}]}"#
            ),
            ".carriers[1]"
        );
        assert_eq!(
            path_of_error(r#"{"carriers":[{"name":"a","share":1}]}"#),
            ".carriers[0]"
        );
        assert_eq!(
            path_of_error(r#"{"away":{"min_days":-1}}"#),
            ".away.min_days"
        );
        assert_eq!(path_of_error(r#"{"colour":1}"#), "");
    }
}
