//! The storage encoding written straight from a value's `Serialize`, with
//! no JSON text and no CBOR value tree in between: what a compaction on a
//! microcontroller can afford. The bytes are exactly those of the JSON
//! route ([`super::encode_json`] over `serde_json::to_vec`), which a
//! property test holds: the value as serde_json would write it (map keys
//! as strings, bytes as arrays of numbers, non-finite floats as null),
//! then the [substitutions](super) of names and hex.
//!
//! A container's length is counted as its items are written and put in
//! front of them at its end, so a `Serialize` that gives no length (or a
//! wrong one) is still written right.

use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::convert::Infallible;
use core::fmt;

use ciborium_ll::{Encoder, Header, simple};
use serde::ser::{self, Serialize};

use super::{NAME_TAG, STORAGE_VERSION, name_index};

/// Why a value has no storage encoding (what JSON cannot hold either).
#[derive(Debug)]
pub(super) struct Unencodable(String);

impl fmt::Display for Unencodable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl ser::StdError for Unencodable {}

impl ser::Error for Unencodable {
    fn custom<T: fmt::Display>(message: T) -> Self {
        Self(message.to_string())
    }
}

/// Bytes as `ciborium_ll` writes into them.
struct Out<'a>(&'a mut Vec<u8>);

impl ciborium_io::Write for Out<'_> {
    type Error = Infallible;

    fn write_all(&mut self, data: &[u8]) -> Result<(), Self::Error> {
        self.0.extend_from_slice(data);
        Ok(())
    }

    fn flush(&mut self) -> Result<(), Self::Error> {
        Ok(())
    }
}

/// Writes `value` in the storage encoding (version byte included).
pub(super) fn encode<T: Serialize + ?Sized>(value: &T) -> Result<Vec<u8>, Unencodable> {
    let mut writer = Writer {
        bytes: Vec::with_capacity(256),
    };
    writer.bytes.push(STORAGE_VERSION);
    value.serialize(&mut writer)?;
    Ok(writer.bytes)
}

struct Writer {
    bytes: Vec<u8>,
}

impl Writer {
    fn encoder(&mut self) -> Encoder<Out<'_>> {
        Encoder::from(Out(&mut self.bytes))
    }

    fn push(&mut self, header: Header) {
        // Writing into a vector cannot fail.
        let _ = self.encoder().push(header);
    }

    fn unsigned(&mut self, value: u64) {
        self.push(Header::Positive(value));
    }

    fn signed(&mut self, value: i64) {
        match u64::try_from(value) {
            Ok(positive) => self.push(Header::Positive(positive)),
            // CBOR writes -1 - n as n.
            Err(_) => self.push(Header::Negative(value.unsigned_abs() - 1)),
        }
    }

    fn float(&mut self, value: f64) {
        if value.is_finite() {
            self.push(Header::Float(value));
        } else {
            // serde_json writes NaN and the infinities as null.
            self.push(Header::Simple(simple::NULL));
        }
    }

    /// A string value: a name's index, hex as bytes, or the text.
    fn text_value(&mut self, text: &str) {
        if let Some(index) = name_index(text) {
            self.push(Header::Tag(NAME_TAG));
            self.unsigned(index);
        } else if let Some(bytes) = crate::hex::decode_vec(text).filter(|b| !b.is_empty()) {
            let _ = self.encoder().bytes(&bytes, None);
        } else {
            let _ = self.encoder().text(text, None);
        }
    }

    /// A map key: a name's index, or the text (hex stays text in keys).
    fn text_key(&mut self, text: &str) {
        match name_index(text) {
            Some(index) => self.unsigned(index),
            None => {
                let _ = self.encoder().text(text, None);
            }
        }
    }

    /// Where a container's items start, for [`Writer::close`].
    fn open(&mut self) -> Container {
        Container {
            start: self.bytes.len(),
            items: 0,
        }
    }

    /// Puts the container's header, with the count of its items, in front
    /// of them.
    fn close(&mut self, container: &Container, map: bool) {
        let count = container.items;
        let mut header = Vec::with_capacity(9);
        let _ = Encoder::from(Out(&mut header)).push(if map {
            Header::Map(Some(count))
        } else {
            Header::Array(Some(count))
        });
        let start = container.start;
        self.bytes.splice(start..start, header);
    }

    /// A one-entry map `{variant: ...}` (serde_json's form of a variant
    /// with content), left open for its value.
    fn open_variant(&mut self, variant: &str) -> Container {
        let outer = Container {
            start: self.bytes.len(),
            items: 1,
        };
        self.text_key(variant);
        outer
    }
}

/// A container being written.
struct Container {
    start: usize,
    items: usize,
}

impl<'a> ser::Serializer for &'a mut Writer {
    type Ok = ();
    type Error = Unencodable;
    type SerializeSeq = Seq<'a>;
    type SerializeTuple = Seq<'a>;
    type SerializeTupleStruct = Seq<'a>;
    type SerializeTupleVariant = Seq<'a>;
    type SerializeMap = Map<'a>;
    type SerializeStruct = Map<'a>;
    type SerializeStructVariant = Map<'a>;

    fn serialize_bool(self, value: bool) -> Result<(), Unencodable> {
        self.push(Header::Simple(if value {
            simple::TRUE
        } else {
            simple::FALSE
        }));
        Ok(())
    }

    fn serialize_i8(self, value: i8) -> Result<(), Unencodable> {
        self.signed(value.into());
        Ok(())
    }

    fn serialize_i16(self, value: i16) -> Result<(), Unencodable> {
        self.signed(value.into());
        Ok(())
    }

    fn serialize_i32(self, value: i32) -> Result<(), Unencodable> {
        self.signed(value.into());
        Ok(())
    }

    fn serialize_i64(self, value: i64) -> Result<(), Unencodable> {
        self.signed(value);
        Ok(())
    }

    fn serialize_i128(self, value: i128) -> Result<(), Unencodable> {
        match (u64::try_from(value), i64::try_from(value)) {
            (Ok(unsigned), _) => self.unsigned(unsigned),
            (_, Ok(signed)) => self.signed(signed),
            // JSON reads an integer beyond 64 bits as the nearest float.
            #[allow(clippy::cast_precision_loss)]
            _ => self.float(value as f64),
        }
        Ok(())
    }

    fn serialize_u8(self, value: u8) -> Result<(), Unencodable> {
        self.unsigned(value.into());
        Ok(())
    }

    fn serialize_u16(self, value: u16) -> Result<(), Unencodable> {
        self.unsigned(value.into());
        Ok(())
    }

    fn serialize_u32(self, value: u32) -> Result<(), Unencodable> {
        self.unsigned(value.into());
        Ok(())
    }

    fn serialize_u64(self, value: u64) -> Result<(), Unencodable> {
        self.unsigned(value);
        Ok(())
    }

    fn serialize_u128(self, value: u128) -> Result<(), Unencodable> {
        match u64::try_from(value) {
            Ok(unsigned) => self.unsigned(unsigned),
            #[allow(clippy::cast_precision_loss)]
            Err(_) => self.float(value as f64),
        }
        Ok(())
    }

    fn serialize_f32(self, value: f32) -> Result<(), Unencodable> {
        // serde_json writes the f32's shortest digits, which JSON then
        // reads as an f64: the same digits parsed as one.
        let widened = if value.is_finite() {
            format!("{value}").parse::<f64>().unwrap_or(f64::NAN)
        } else {
            f64::NAN
        };
        self.float(widened);
        Ok(())
    }

    fn serialize_f64(self, value: f64) -> Result<(), Unencodable> {
        self.float(value);
        Ok(())
    }

    fn serialize_char(self, value: char) -> Result<(), Unencodable> {
        self.text_value(value.encode_utf8(&mut [0_u8; 4]));
        Ok(())
    }

    fn serialize_str(self, value: &str) -> Result<(), Unencodable> {
        self.text_value(value);
        Ok(())
    }

    fn serialize_bytes(self, value: &[u8]) -> Result<(), Unencodable> {
        // serde_json writes bytes as an array of numbers.
        self.push(Header::Array(Some(value.len())));
        for byte in value {
            self.unsigned((*byte).into());
        }
        Ok(())
    }

    fn serialize_none(self) -> Result<(), Unencodable> {
        self.serialize_unit()
    }

    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), Unencodable> {
        value.serialize(self)
    }

    fn serialize_unit(self) -> Result<(), Unencodable> {
        self.push(Header::Simple(simple::NULL));
        Ok(())
    }

    fn serialize_unit_struct(self, _name: &'static str) -> Result<(), Unencodable> {
        self.serialize_unit()
    }

    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<(), Unencodable> {
        self.text_value(variant);
        Ok(())
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<(), Unencodable> {
        value.serialize(self)
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<(), Unencodable> {
        let outer = self.open_variant(variant);
        value.serialize(&mut *self)?;
        self.close(&outer, true);
        Ok(())
    }

    fn serialize_seq(self, _len: Option<usize>) -> Result<Seq<'a>, Unencodable> {
        let items = self.open();
        Ok(Seq {
            writer: self,
            items,
            outer: None,
        })
    }

    fn serialize_tuple(self, len: usize) -> Result<Seq<'a>, Unencodable> {
        self.serialize_seq(Some(len))
    }

    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        len: usize,
    ) -> Result<Seq<'a>, Unencodable> {
        self.serialize_seq(Some(len))
    }

    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Seq<'a>, Unencodable> {
        let outer = self.open_variant(variant);
        let items = self.open();
        Ok(Seq {
            writer: self,
            items,
            outer: Some(outer),
        })
    }

    fn serialize_map(self, _len: Option<usize>) -> Result<Map<'a>, Unencodable> {
        let entries = self.open();
        Ok(Map {
            writer: self,
            entries,
            outer: None,
        })
    }

    fn serialize_struct(self, _name: &'static str, len: usize) -> Result<Map<'a>, Unencodable> {
        self.serialize_map(Some(len))
    }

    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Map<'a>, Unencodable> {
        let outer = self.open_variant(variant);
        let entries = self.open();
        Ok(Map {
            writer: self,
            entries,
            outer: Some(outer),
        })
    }
}

/// An array being written (inside `{variant: [...]}` for a tuple variant).
pub(super) struct Seq<'a> {
    writer: &'a mut Writer,
    items: Container,
    outer: Option<Container>,
}

impl Seq<'_> {
    fn item<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Unencodable> {
        value.serialize(&mut *self.writer)?;
        self.items.items += 1;
        Ok(())
    }

    fn finish(self) {
        self.writer.close(&self.items, false);
        if let Some(outer) = &self.outer {
            self.writer.close(outer, true);
        }
    }
}

impl ser::SerializeSeq for Seq<'_> {
    type Ok = ();
    type Error = Unencodable;

    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Unencodable> {
        self.item(value)
    }

    fn end(self) -> Result<(), Unencodable> {
        self.finish();
        Ok(())
    }
}

impl ser::SerializeTuple for Seq<'_> {
    type Ok = ();
    type Error = Unencodable;

    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Unencodable> {
        self.item(value)
    }

    fn end(self) -> Result<(), Unencodable> {
        self.finish();
        Ok(())
    }
}

impl ser::SerializeTupleStruct for Seq<'_> {
    type Ok = ();
    type Error = Unencodable;

    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Unencodable> {
        self.item(value)
    }

    fn end(self) -> Result<(), Unencodable> {
        self.finish();
        Ok(())
    }
}

impl ser::SerializeTupleVariant for Seq<'_> {
    type Ok = ();
    type Error = Unencodable;

    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Unencodable> {
        self.item(value)
    }

    fn end(self) -> Result<(), Unencodable> {
        self.finish();
        Ok(())
    }
}

/// A map or struct being written (inside `{variant: {...}}` for a struct
/// variant).
pub(super) struct Map<'a> {
    writer: &'a mut Writer,
    entries: Container,
    outer: Option<Container>,
}

impl Map<'_> {
    fn finish(self) {
        self.writer.close(&self.entries, true);
        if let Some(outer) = &self.outer {
            self.writer.close(outer, true);
        }
    }

    fn field<T: Serialize + ?Sized>(&mut self, key: &str, value: &T) -> Result<(), Unencodable> {
        self.writer.text_key(key);
        value.serialize(&mut *self.writer)?;
        self.entries.items += 1;
        Ok(())
    }
}

impl ser::SerializeMap for Map<'_> {
    type Ok = ();
    type Error = Unencodable;

    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Unencodable> {
        let text = key.serialize(KeyText)?;
        self.writer.text_key(&text);
        Ok(())
    }

    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Unencodable> {
        value.serialize(&mut *self.writer)?;
        self.entries.items += 1;
        Ok(())
    }

    fn end(self) -> Result<(), Unencodable> {
        self.finish();
        Ok(())
    }
}

impl ser::SerializeStruct for Map<'_> {
    type Ok = ();
    type Error = Unencodable;

    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), Unencodable> {
        self.field(key, value)
    }

    fn end(self) -> Result<(), Unencodable> {
        self.finish();
        Ok(())
    }
}

impl ser::SerializeStructVariant for Map<'_> {
    type Ok = ();
    type Error = Unencodable;

    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), Unencodable> {
        self.field(key, value)
    }

    fn end(self) -> Result<(), Unencodable> {
        self.finish();
        Ok(())
    }
}

/// A map key as serde_json writes it: text, with numbers and booleans in
/// their decimal or literal spelling; anything else has no JSON key.
struct KeyText;

fn no_key() -> Unencodable {
    Unencodable(String::from(
        "a map key must be text, a number or a boolean",
    ))
}

impl ser::Serializer for KeyText {
    type Ok = String;
    type Error = Unencodable;
    type SerializeSeq = ser::Impossible<String, Unencodable>;
    type SerializeTuple = ser::Impossible<String, Unencodable>;
    type SerializeTupleStruct = ser::Impossible<String, Unencodable>;
    type SerializeTupleVariant = ser::Impossible<String, Unencodable>;
    type SerializeMap = ser::Impossible<String, Unencodable>;
    type SerializeStruct = ser::Impossible<String, Unencodable>;
    type SerializeStructVariant = ser::Impossible<String, Unencodable>;

    fn serialize_bool(self, value: bool) -> Result<String, Unencodable> {
        Ok(String::from(if value { "true" } else { "false" }))
    }

    fn serialize_i8(self, value: i8) -> Result<String, Unencodable> {
        Ok(value.to_string())
    }

    fn serialize_i16(self, value: i16) -> Result<String, Unencodable> {
        Ok(value.to_string())
    }

    fn serialize_i32(self, value: i32) -> Result<String, Unencodable> {
        Ok(value.to_string())
    }

    fn serialize_i64(self, value: i64) -> Result<String, Unencodable> {
        Ok(value.to_string())
    }

    fn serialize_i128(self, value: i128) -> Result<String, Unencodable> {
        Ok(value.to_string())
    }

    fn serialize_u8(self, value: u8) -> Result<String, Unencodable> {
        Ok(value.to_string())
    }

    fn serialize_u16(self, value: u16) -> Result<String, Unencodable> {
        Ok(value.to_string())
    }

    fn serialize_u32(self, value: u32) -> Result<String, Unencodable> {
        Ok(value.to_string())
    }

    fn serialize_u64(self, value: u64) -> Result<String, Unencodable> {
        Ok(value.to_string())
    }

    fn serialize_u128(self, value: u128) -> Result<String, Unencodable> {
        Ok(value.to_string())
    }

    // serde_json spells a float key with its own float printer, which
    // this does not reproduce: no value the library stores has one.
    fn serialize_f32(self, _value: f32) -> Result<String, Unencodable> {
        Err(no_key())
    }

    fn serialize_f64(self, _value: f64) -> Result<String, Unencodable> {
        Err(no_key())
    }

    fn serialize_char(self, value: char) -> Result<String, Unencodable> {
        Ok(value.to_string())
    }

    fn serialize_str(self, value: &str) -> Result<String, Unencodable> {
        Ok(String::from(value))
    }

    fn serialize_bytes(self, _value: &[u8]) -> Result<String, Unencodable> {
        Err(no_key())
    }

    fn serialize_none(self) -> Result<String, Unencodable> {
        Err(no_key())
    }

    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<String, Unencodable> {
        value.serialize(self)
    }

    fn serialize_unit(self) -> Result<String, Unencodable> {
        Err(no_key())
    }

    fn serialize_unit_struct(self, _name: &'static str) -> Result<String, Unencodable> {
        Err(no_key())
    }

    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<String, Unencodable> {
        Ok(String::from(variant))
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<String, Unencodable> {
        value.serialize(self)
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _value: &T,
    ) -> Result<String, Unencodable> {
        Err(no_key())
    }

    fn serialize_seq(self, _len: Option<usize>) -> Result<Self::SerializeSeq, Unencodable> {
        Err(no_key())
    }

    fn serialize_tuple(self, _len: usize) -> Result<Self::SerializeTuple, Unencodable> {
        Err(no_key())
    }

    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleStruct, Unencodable> {
        Err(no_key())
    }

    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleVariant, Unencodable> {
        Err(no_key())
    }

    fn serialize_map(self, _len: Option<usize>) -> Result<Self::SerializeMap, Unencodable> {
        Err(no_key())
    }

    fn serialize_struct(
        self,
        _name: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStruct, Unencodable> {
        Err(no_key())
    }

    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStructVariant, Unencodable> {
        Err(no_key())
    }
}
