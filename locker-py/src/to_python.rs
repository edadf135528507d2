//! Core values straight into Python objects, in the shape of their JSON.
//!
//! A serde [`Serializer`](serde::Serializer) that builds dicts, lists, strings and numbers
//! directly, with no JSON tree in between, and reuses one Python string per
//! field name: verification results cross the boundary on every kiosk key
//! press, and building a `serde_json::Value` first, then a fresh `str` for
//! every key, cost more than the verification itself. The shape is what
//! `serde_json` gives for every type of the core: structs and maps are
//! dicts (string, integer and bool map keys as strings), sequences and
//! tuples are lists, unit variants are their name, other variants
//! `{name: value}`, bytes a list of ints, and non-finite floats `None`.
//! (Unlike `serde_json`, 128-bit integers beyond 64 bits become Python ints
//! and float map keys are refused; the core has neither.)

use core::convert::Infallible;
use core::fmt::{self, Display};

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyList, PyString};
use serde::ser::{self, Serialize};

use crate::interned;

/// A core value as Python data shaped like its JSON.
///
/// # Errors
///
/// `ValueError` if the value does not serialize (a map key that is not a
/// string or a number: never for core types), or a Python error if Python
/// cannot allocate.
pub fn to_py<'py, T: Serialize + ?Sized>(
    py: Python<'py>,
    value: &T,
) -> PyResult<Bound<'py, PyAny>> {
    value
        .serialize(PySerializer { py })
        .map_err(|error| error.0)
}

/// A failure to build the Python object.
#[derive(Debug)]
pub struct Error(PyErr);

impl Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        Display::fmt(&self.0, f)
    }
}

impl core::error::Error for Error {}

impl ser::Error for Error {
    fn custom<T: Display>(message: T) -> Self {
        Self(PyValueError::new_err(message.to_string()))
    }
}

impl From<PyErr> for Error {
    fn from(error: PyErr) -> Self {
        Self(error)
    }
}

/// Numbers convert without failing.
impl From<Infallible> for Error {
    fn from(never: Infallible) -> Self {
        match never {}
    }
}

/// The Python `str` for a field or variant name, as a new reference.
fn name<'py>(py: Python<'py>, name: &'static str) -> Bound<'py, PyString> {
    match interned::name(py, name) {
        Some(string) => string.bind(py).clone(),
        None => PyString::intern(py, name),
    }
}

/// `dict[name] = value`, the cached name borrowed rather than cloned.
fn set_named<'py>(
    dict: &Bound<'py, PyDict>,
    key: &'static str,
    value: Bound<'py, PyAny>,
) -> PyResult<()> {
    let py = dict.py();
    match interned::name(py, key) {
        Some(string) => dict.set_item(string.bind(py), value),
        None => dict.set_item(PyString::intern(py, key), value),
    }
}

/// Builds Python objects from serde's data model.
#[derive(Clone, Copy)]
struct PySerializer<'py> {
    py: Python<'py>,
}

/// A list being filled (sequences, tuples, tuple structs).
struct ListBuilder<'py> {
    py: Python<'py>,
    list: Bound<'py, PyList>,
    /// `Some(name)` for a tuple variant: the list goes under its name.
    variant: Option<&'static str>,
}

/// A dict being filled (maps, structs, struct variants).
struct DictBuilder<'py> {
    py: Python<'py>,
    dict: Bound<'py, PyDict>,
    /// The key of the entry under way (maps only).
    key: Option<Bound<'py, PyString>>,
    /// `Some(name)` for a struct variant: the dict goes under its name.
    variant: Option<&'static str>,
}

/// `{name: value}`, serde_json's shape for a non-unit enum variant.
fn tagged<'py>(
    py: Python<'py>,
    variant: &'static str,
    value: Bound<'py, PyAny>,
) -> Result<Bound<'py, PyAny>, Error> {
    let dict = PyDict::new(py);
    set_named(&dict, variant, value)?;
    Ok(dict.into_any())
}

impl<'py> ser::Serializer for PySerializer<'py> {
    type Ok = Bound<'py, PyAny>;
    type Error = Error;
    type SerializeSeq = ListBuilder<'py>;
    type SerializeTuple = ListBuilder<'py>;
    type SerializeTupleStruct = ListBuilder<'py>;
    type SerializeTupleVariant = ListBuilder<'py>;
    type SerializeMap = DictBuilder<'py>;
    type SerializeStruct = DictBuilder<'py>;
    type SerializeStructVariant = DictBuilder<'py>;

    fn serialize_bool(self, v: bool) -> Result<Self::Ok, Error> {
        Ok(PyBool::new(self.py, v).to_owned().into_any())
    }

    fn serialize_i8(self, v: i8) -> Result<Self::Ok, Error> {
        self.serialize_i64(i64::from(v))
    }

    fn serialize_i16(self, v: i16) -> Result<Self::Ok, Error> {
        self.serialize_i64(i64::from(v))
    }

    fn serialize_i32(self, v: i32) -> Result<Self::Ok, Error> {
        self.serialize_i64(i64::from(v))
    }

    fn serialize_i64(self, v: i64) -> Result<Self::Ok, Error> {
        Ok(v.into_pyobject(self.py)?.into_any())
    }

    fn serialize_i128(self, v: i128) -> Result<Self::Ok, Error> {
        Ok(v.into_pyobject(self.py)?.into_any())
    }

    fn serialize_u8(self, v: u8) -> Result<Self::Ok, Error> {
        self.serialize_u64(u64::from(v))
    }

    fn serialize_u16(self, v: u16) -> Result<Self::Ok, Error> {
        self.serialize_u64(u64::from(v))
    }

    fn serialize_u32(self, v: u32) -> Result<Self::Ok, Error> {
        self.serialize_u64(u64::from(v))
    }

    fn serialize_u64(self, v: u64) -> Result<Self::Ok, Error> {
        Ok(v.into_pyobject(self.py)?.into_any())
    }

    fn serialize_u128(self, v: u128) -> Result<Self::Ok, Error> {
        Ok(v.into_pyobject(self.py)?.into_any())
    }

    fn serialize_f32(self, v: f32) -> Result<Self::Ok, Error> {
        self.serialize_f64(f64::from(v))
    }

    fn serialize_f64(self, v: f64) -> Result<Self::Ok, Error> {
        // serde_json writes NaN and the infinities as null.
        if v.is_finite() {
            Ok(v.into_pyobject(self.py)?.into_any())
        } else {
            self.serialize_unit()
        }
    }

    fn serialize_char(self, v: char) -> Result<Self::Ok, Error> {
        self.serialize_str(v.encode_utf8(&mut [0; 4]))
    }

    fn serialize_str(self, v: &str) -> Result<Self::Ok, Error> {
        Ok(PyString::new(self.py, v).into_any())
    }

    fn serialize_bytes(self, v: &[u8]) -> Result<Self::Ok, Error> {
        Ok(PyList::new(self.py, v)?.into_any())
    }

    fn serialize_none(self) -> Result<Self::Ok, Error> {
        self.serialize_unit()
    }

    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<Self::Ok, Error> {
        value.serialize(self)
    }

    fn serialize_unit(self) -> Result<Self::Ok, Error> {
        Ok(self.py.None().into_bound(self.py))
    }

    fn serialize_unit_struct(self, _name: &'static str) -> Result<Self::Ok, Error> {
        self.serialize_unit()
    }

    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<Self::Ok, Error> {
        Ok(name(self.py, variant).into_any())
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<Self::Ok, Error> {
        value.serialize(self)
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<Self::Ok, Error> {
        tagged(self.py, variant, value.serialize(self)?)
    }

    fn serialize_seq(self, _len: Option<usize>) -> Result<Self::SerializeSeq, Error> {
        Ok(ListBuilder {
            py: self.py,
            list: PyList::empty(self.py),
            variant: None,
        })
    }

    fn serialize_tuple(self, len: usize) -> Result<Self::SerializeTuple, Error> {
        self.serialize_seq(Some(len))
    }

    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        len: usize,
    ) -> Result<Self::SerializeTupleStruct, Error> {
        self.serialize_seq(Some(len))
    }

    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleVariant, Error> {
        Ok(ListBuilder {
            py: self.py,
            list: PyList::empty(self.py),
            variant: Some(variant),
        })
    }

    fn serialize_map(self, _len: Option<usize>) -> Result<Self::SerializeMap, Error> {
        Ok(DictBuilder {
            py: self.py,
            dict: PyDict::new(self.py),
            key: None,
            variant: None,
        })
    }

    fn serialize_struct(
        self,
        _name: &'static str,
        len: usize,
    ) -> Result<Self::SerializeStruct, Error> {
        self.serialize_map(Some(len))
    }

    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStructVariant, Error> {
        Ok(DictBuilder {
            py: self.py,
            dict: PyDict::new(self.py),
            key: None,
            variant: Some(variant),
        })
    }
}

impl<'py> ListBuilder<'py> {
    fn push<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.list
            .append(value.serialize(PySerializer { py: self.py })?)?;
        Ok(())
    }

    fn finish(self) -> Result<Bound<'py, PyAny>, Error> {
        match self.variant {
            Some(variant) => tagged(self.py, variant, self.list.into_any()),
            None => Ok(self.list.into_any()),
        }
    }
}

impl<'py> ser::SerializeSeq for ListBuilder<'py> {
    type Ok = Bound<'py, PyAny>;
    type Error = Error;

    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.push(value)
    }

    fn end(self) -> Result<Self::Ok, Error> {
        self.finish()
    }
}

impl<'py> ser::SerializeTuple for ListBuilder<'py> {
    type Ok = Bound<'py, PyAny>;
    type Error = Error;

    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.push(value)
    }

    fn end(self) -> Result<Self::Ok, Error> {
        self.finish()
    }
}

impl<'py> ser::SerializeTupleStruct for ListBuilder<'py> {
    type Ok = Bound<'py, PyAny>;
    type Error = Error;

    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.push(value)
    }

    fn end(self) -> Result<Self::Ok, Error> {
        self.finish()
    }
}

impl<'py> ser::SerializeTupleVariant for ListBuilder<'py> {
    type Ok = Bound<'py, PyAny>;
    type Error = Error;

    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.push(value)
    }

    fn end(self) -> Result<Self::Ok, Error> {
        self.finish()
    }
}

impl<'py> DictBuilder<'py> {
    fn field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Result<(), Error> {
        let value = value.serialize(PySerializer { py: self.py })?;
        set_named(&self.dict, key, value)?;
        Ok(())
    }

    fn finish(self) -> Result<Bound<'py, PyAny>, Error> {
        match self.variant {
            Some(variant) => tagged(self.py, variant, self.dict.into_any()),
            None => Ok(self.dict.into_any()),
        }
    }
}

impl<'py> ser::SerializeMap for DictBuilder<'py> {
    type Ok = Bound<'py, PyAny>;
    type Error = Error;

    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Error> {
        let key = key.serialize(KeySerializer)?;
        self.key = Some(PyString::new(self.py, &key));
        Ok(())
    }

    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        let key = self
            .key
            .take()
            .ok_or_else(|| <Error as ser::Error>::custom("a map value was given before its key"))?;
        let value = value.serialize(PySerializer { py: self.py })?;
        self.dict.set_item(key, value)?;
        Ok(())
    }

    fn end(self) -> Result<Self::Ok, Error> {
        self.finish()
    }
}

impl<'py> ser::SerializeStruct for DictBuilder<'py> {
    type Ok = Bound<'py, PyAny>;
    type Error = Error;

    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        self.field(key, value)
    }

    fn end(self) -> Result<Self::Ok, Error> {
        self.finish()
    }
}

impl<'py> ser::SerializeStructVariant for DictBuilder<'py> {
    type Ok = Bound<'py, PyAny>;
    type Error = Error;

    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        self.field(key, value)
    }

    fn end(self) -> Result<Self::Ok, Error> {
        self.finish()
    }
}

/// A map key as the string serde_json would write: strings as they are,
/// numbers and bools in decimal, unit variants by name.
struct KeySerializer;

/// A map key that JSON cannot hold.
fn key_error() -> Error {
    <Error as ser::Error>::custom("map keys must be strings or numbers")
}

macro_rules! key_to_string {
    ($($method:ident: $type:ty),* $(,)?) => {
        $(fn $method(self, v: $type) -> Result<String, Error> {
            Ok(v.to_string())
        })*
    };
}

impl ser::Serializer for KeySerializer {
    type Ok = String;
    type Error = Error;
    type SerializeSeq = ser::Impossible<String, Error>;
    type SerializeTuple = ser::Impossible<String, Error>;
    type SerializeTupleStruct = ser::Impossible<String, Error>;
    type SerializeTupleVariant = ser::Impossible<String, Error>;
    type SerializeMap = ser::Impossible<String, Error>;
    type SerializeStruct = ser::Impossible<String, Error>;
    type SerializeStructVariant = ser::Impossible<String, Error>;

    key_to_string!(
        serialize_bool: bool,
        serialize_i8: i8, serialize_i16: i16, serialize_i32: i32, serialize_i64: i64,
        serialize_i128: i128,
        serialize_u8: u8, serialize_u16: u16, serialize_u32: u32, serialize_u64: u64,
        serialize_u128: u128,
        serialize_char: char, serialize_str: &str,
    );

    fn serialize_f32(self, _v: f32) -> Result<String, Error> {
        Err(key_error())
    }

    fn serialize_f64(self, _v: f64) -> Result<String, Error> {
        Err(key_error())
    }

    fn serialize_bytes(self, _v: &[u8]) -> Result<String, Error> {
        Err(key_error())
    }

    fn serialize_none(self) -> Result<String, Error> {
        Err(key_error())
    }

    fn serialize_some<T: Serialize + ?Sized>(self, _value: &T) -> Result<String, Error> {
        Err(key_error())
    }

    fn serialize_unit(self) -> Result<String, Error> {
        Err(key_error())
    }

    fn serialize_unit_struct(self, _name: &'static str) -> Result<String, Error> {
        Err(key_error())
    }

    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<String, Error> {
        Ok(variant.to_owned())
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<String, Error> {
        value.serialize(self)
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _value: &T,
    ) -> Result<String, Error> {
        Err(key_error())
    }

    fn serialize_seq(self, _len: Option<usize>) -> Result<Self::SerializeSeq, Error> {
        Err(key_error())
    }

    fn serialize_tuple(self, _len: usize) -> Result<Self::SerializeTuple, Error> {
        Err(key_error())
    }

    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleStruct, Error> {
        Err(key_error())
    }

    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleVariant, Error> {
        Err(key_error())
    }

    fn serialize_map(self, _len: Option<usize>) -> Result<Self::SerializeMap, Error> {
        Err(key_error())
    }

    fn serialize_struct(
        self,
        _name: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStruct, Error> {
        Err(key_error())
    }

    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStructVariant, Error> {
        Err(key_error())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    extern crate alloc;

    use alloc::collections::BTreeMap;

    use locker_core::bank::default_bank;
    use locker_core::credential::{CredentialPolicy, CredentialStore};
    use pyo3::prelude::*;
    use pyo3::types::{PyBool, PyDict, PyList, PyString};
    use serde::Serialize;
    use serde_json::Value;

    use super::to_py;

    /// A Python object from a JSON value: the reference `to_py` is held to.
    ///
    /// # Errors
    ///
    /// Only if Python cannot allocate.
    fn value_to_py<'py>(py: Python<'py>, value: &Value) -> PyResult<Bound<'py, PyAny>> {
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
    use pyo3::Python;

    /// The direct path gives exactly what the JSON path gives.
    fn same_as_json<T: Serialize>(value: &T) {
        Python::initialize();
        Python::attach(|py| {
            let direct = to_py(py, value).unwrap();
            let through_json = value_to_py(py, &serde_json::to_value(value).unwrap()).unwrap();
            assert!(
                direct.eq(&through_json).unwrap(),
                "direct {direct:?} != through JSON {through_json:?}"
            );
        });
    }

    #[derive(Serialize)]
    #[serde(rename_all = "snake_case", tag = "type")]
    enum Tagged {
        Plain { n: u32, name: String },
        Unit,
    }

    #[derive(Serialize)]
    enum External {
        Unit,
        New(u8),
        Tuple(u8, i16),
        Struct { x: Option<f64> },
    }

    #[test]
    fn shapes_match_serde_json() {
        same_as_json(&default_bank());
        same_as_json(
            CredentialStore::new(CredentialPolicy::default())
                .unwrap()
                .policy(),
        );
        same_as_json(&vec![
            Tagged::Plain {
                n: 7,
                name: "a\"b".into(),
            },
            Tagged::Unit,
        ]);
        same_as_json(&[
            External::Unit,
            External::New(3),
            External::Tuple(1, -2),
            External::Struct { x: Some(f64::NAN) },
            External::Struct { x: Some(1.5) },
            External::Struct { x: None },
        ]);
        let mut keyed = BTreeMap::new();
        keyed.insert(3_u32, "three");
        keyed.insert(u32::MAX, "max");
        same_as_json(&keyed);
        same_as_json(&(u64::MAX, i64::MIN, 'x', true, ()));
        same_as_json(&serde_bytes_like(&[0, 255]));
    }

    fn serde_bytes_like(bytes: &[u8]) -> impl Serialize + '_ {
        struct Bytes<'a>(&'a [u8]);
        impl Serialize for Bytes<'_> {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_bytes(self.0)
            }
        }
        Bytes(bytes)
    }

    #[test]
    fn keys_json_cannot_hold_are_errors() {
        let mut map = BTreeMap::new();
        map.insert(vec![1_u8], 1_u8);
        Python::initialize();
        Python::attach(|py| {
            let error = to_py(py, &map).unwrap_err();
            assert!(error.to_string().contains("map keys"), "{error}");
        });
    }
}
