//! serde's data model walked as serde_json would write it, for the
//! writers that must produce what the JSON route produces without making
//! the JSON text: the storage encoding written straight from a value
//! ([`super::compact`]) and the SHA-256 of a value's JSON taken as it is
//! written ([`super::json_digest`]). serde_json's own serializer writes
//! only into a vector without `std`, and a full bank's snapshot as JSON is
//! most of a microcontroller's RAM.
//!
//! The walk settles what serde_json settles: map keys as text (numbers
//! and booleans spelt out, anything else refused), `None` and units as
//! null, a variant with content as `{variant: content}`, bytes as an
//! array of numbers. An [`Emit`] writes the pieces in its own form.

use alloc::string::{String, ToString};
use core::fmt;

use serde::ser::{self, Serialize};

/// Why a value has no JSON form (a map key of another kind).
#[derive(Debug)]
pub(crate) struct Unencodable(pub(crate) String);

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

/// An array or map being written: where it started and how many items or
/// entries it holds so far.
pub(crate) struct Mark {
    /// Where its first item starts in the output (for writers that put a
    /// count in front).
    pub(crate) start: usize,
    /// Items or entries begun so far.
    pub(crate) items: usize,
}

/// What a walk writes, piece by piece, in some form.
pub(crate) trait Emit {
    /// JSON's null.
    fn null(&mut self);
    /// A boolean.
    fn boolean(&mut self, value: bool);
    /// An unsigned integer.
    fn unsigned(&mut self, value: u64);
    /// A signed integer.
    fn signed(&mut self, value: i64);
    /// Any other number (a float, or an integer beyond 64 bits): its JSON
    /// as serde_json writes it, and the float JSON reads back from that
    /// (`None` when it is `null`: NaN and the infinities). The walk makes
    /// both, so what spells them is compiled only where a value has such a
    /// number, not in every writer (no record or snapshot has one).
    fn number(&mut self, json: &[u8], read_back: Option<f64>);
    /// A string value.
    fn text(&mut self, value: &str);
    /// Bytes (an array of numbers in JSON).
    fn bytes(&mut self, value: &[u8]);
    /// A map key; its value follows.
    fn key(&mut self, key: &str);
    /// Begins a map or an array.
    fn open(&mut self, map: bool) -> Mark;
    /// Begins the next item of an array, or entry of a map.
    fn item(&mut self, mark: &mut Mark);
    /// Ends the map or array `mark` began.
    fn close(&mut self, mark: Mark, map: bool);
}

/// An integer beyond 64 bits: its digits, which JSON reads back as the
/// nearest float, `nearest`.
fn beyond_64_bits(emit: &mut dyn Emit, value: impl itoa::Integer, nearest: f64) {
    emit.number(itoa::Buffer::new().format(value).as_bytes(), Some(nearest));
}

/// A serde `Serializer` writing into its [`Emit`].
///
/// The emitter is chosen at run time: every type's `Serialize` is then
/// compiled once for all the writers (the storage encoding and the JSON
/// digest), where a type parameter compiled it once per writer, about
/// 11 KiB of flash each on the part.
pub(crate) struct Walker<'e>(pub(crate) &'e mut dyn Emit);

impl Walker<'_> {
    /// A one-entry map `{variant: ...}` (serde_json's form of a variant
    /// with content), left open for its value.
    fn open_variant(&mut self, variant: &str) -> Mark {
        let mut outer = self.0.open(true);
        self.0.item(&mut outer);
        self.0.key(variant);
        outer
    }
}

impl<'a, 'e> ser::Serializer for &'a mut Walker<'e> {
    type Ok = ();
    type Error = Unencodable;
    type SerializeSeq = Seq<'a, 'e>;
    type SerializeTuple = Seq<'a, 'e>;
    type SerializeTupleStruct = Seq<'a, 'e>;
    type SerializeTupleVariant = Seq<'a, 'e>;
    type SerializeMap = Map<'a, 'e>;
    type SerializeStruct = Map<'a, 'e>;
    type SerializeStructVariant = Map<'a, 'e>;

    fn serialize_bool(self, value: bool) -> Result<(), Unencodable> {
        self.0.boolean(value);
        Ok(())
    }

    fn serialize_i8(self, value: i8) -> Result<(), Unencodable> {
        self.0.signed(value.into());
        Ok(())
    }

    fn serialize_i16(self, value: i16) -> Result<(), Unencodable> {
        self.0.signed(value.into());
        Ok(())
    }

    fn serialize_i32(self, value: i32) -> Result<(), Unencodable> {
        self.0.signed(value.into());
        Ok(())
    }

    fn serialize_i64(self, value: i64) -> Result<(), Unencodable> {
        self.0.signed(value);
        Ok(())
    }

    fn serialize_i128(self, value: i128) -> Result<(), Unencodable> {
        match (u64::try_from(value), i64::try_from(value)) {
            (Ok(value), _) => self.0.unsigned(value),
            (_, Ok(value)) => self.0.signed(value),
            #[allow(clippy::cast_precision_loss)]
            _ => beyond_64_bits(self.0, value, value as f64),
        }
        Ok(())
    }

    fn serialize_u8(self, value: u8) -> Result<(), Unencodable> {
        self.0.unsigned(value.into());
        Ok(())
    }

    fn serialize_u16(self, value: u16) -> Result<(), Unencodable> {
        self.0.unsigned(value.into());
        Ok(())
    }

    fn serialize_u32(self, value: u32) -> Result<(), Unencodable> {
        self.0.unsigned(value.into());
        Ok(())
    }

    fn serialize_u64(self, value: u64) -> Result<(), Unencodable> {
        self.0.unsigned(value);
        Ok(())
    }

    fn serialize_u128(self, value: u128) -> Result<(), Unencodable> {
        match u64::try_from(value) {
            Ok(value) => self.0.unsigned(value),
            #[allow(clippy::cast_precision_loss)]
            Err(_) => beyond_64_bits(self.0, value, value as f64),
        }
        Ok(())
    }

    fn serialize_f32(self, value: f32) -> Result<(), Unencodable> {
        // The f64 JSON reads from serde_json's digits for the f32: read
        // from those digits, since two printers may pick different
        // shortest digits (-257507.13 and -257507.12 are both that f32).
        let json = serde_json::to_vec(&value).unwrap_or_default();
        let read_back = serde_json::from_slice::<f64>(&json).ok();
        self.0.number(&json, read_back);
        Ok(())
    }

    fn serialize_f64(self, value: f64) -> Result<(), Unencodable> {
        // serde_json writes NaN and the infinities as null.
        let json = serde_json::to_vec(&value).unwrap_or_default();
        self.0.number(&json, value.is_finite().then_some(value));
        Ok(())
    }

    fn serialize_char(self, value: char) -> Result<(), Unencodable> {
        self.0.text(value.encode_utf8(&mut [0_u8; 4]));
        Ok(())
    }

    fn serialize_str(self, value: &str) -> Result<(), Unencodable> {
        self.0.text(value);
        Ok(())
    }

    fn serialize_bytes(self, value: &[u8]) -> Result<(), Unencodable> {
        self.0.bytes(value);
        Ok(())
    }

    fn serialize_none(self) -> Result<(), Unencodable> {
        self.serialize_unit()
    }

    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), Unencodable> {
        value.serialize(self)
    }

    fn serialize_unit(self) -> Result<(), Unencodable> {
        self.0.null();
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
        self.0.text(variant);
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
        self.0.close(outer, true);
        Ok(())
    }

    fn serialize_seq(self, _len: Option<usize>) -> Result<Seq<'a, 'e>, Unencodable> {
        let items = self.0.open(false);
        Ok(Seq {
            writer: self,
            items,
            outer: None,
        })
    }

    fn serialize_tuple(self, len: usize) -> Result<Seq<'a, 'e>, Unencodable> {
        self.serialize_seq(Some(len))
    }

    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        len: usize,
    ) -> Result<Seq<'a, 'e>, Unencodable> {
        self.serialize_seq(Some(len))
    }

    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Seq<'a, 'e>, Unencodable> {
        let outer = self.open_variant(variant);
        let items = self.0.open(false);
        Ok(Seq {
            writer: self,
            items,
            outer: Some(outer),
        })
    }

    fn serialize_map(self, _len: Option<usize>) -> Result<Map<'a, 'e>, Unencodable> {
        let entries = self.0.open(true);
        Ok(Map {
            writer: self,
            entries,
            outer: None,
        })
    }

    fn serialize_struct(self, _name: &'static str, len: usize) -> Result<Map<'a, 'e>, Unencodable> {
        self.serialize_map(Some(len))
    }

    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Map<'a, 'e>, Unencodable> {
        let outer = self.open_variant(variant);
        let entries = self.0.open(true);
        Ok(Map {
            writer: self,
            entries,
            outer: Some(outer),
        })
    }
}

/// An array being written (inside `{variant: [...]}` for a tuple variant).
pub(crate) struct Seq<'a, 'e> {
    writer: &'a mut Walker<'e>,
    items: Mark,
    outer: Option<Mark>,
}

impl Seq<'_, '_> {
    fn item<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Unencodable> {
        self.writer.0.item(&mut self.items);
        value.serialize(&mut *self.writer)
    }

    fn finish(self) {
        self.writer.0.close(self.items, false);
        if let Some(outer) = self.outer {
            self.writer.0.close(outer, true);
        }
    }
}

impl ser::SerializeSeq for Seq<'_, '_> {
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

impl ser::SerializeTuple for Seq<'_, '_> {
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

impl ser::SerializeTupleStruct for Seq<'_, '_> {
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

impl ser::SerializeTupleVariant for Seq<'_, '_> {
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
pub(crate) struct Map<'a, 'e> {
    writer: &'a mut Walker<'e>,
    entries: Mark,
    outer: Option<Mark>,
}

impl Map<'_, '_> {
    fn finish(self) {
        self.writer.0.close(self.entries, true);
        if let Some(outer) = self.outer {
            self.writer.0.close(outer, true);
        }
    }

    fn field<T: Serialize + ?Sized>(&mut self, key: &str, value: &T) -> Result<(), Unencodable> {
        self.writer.0.item(&mut self.entries);
        self.writer.0.key(key);
        value.serialize(&mut *self.writer)
    }
}

impl ser::SerializeMap for Map<'_, '_> {
    type Ok = ();
    type Error = Unencodable;

    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Unencodable> {
        let text = key.serialize(KeyText)?;
        self.writer.0.item(&mut self.entries);
        self.writer.0.key(&text);
        Ok(())
    }

    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Unencodable> {
        value.serialize(&mut *self.writer)
    }

    fn end(self) -> Result<(), Unencodable> {
        self.finish();
        Ok(())
    }
}

impl ser::SerializeStruct for Map<'_, '_> {
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

impl ser::SerializeStructVariant for Map<'_, '_> {
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

fn float_key(finite: bool, text: serde_json::Result<String>) -> Result<String, Unencodable> {
    match text {
        Ok(text) if finite => Ok(text),
        _ => Err(Unencodable(String::from("a float map key must be finite"))),
    }
}

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

    // A finite float key is spelt as serde_json spells the float; it
    // refuses the others.
    fn serialize_f32(self, value: f32) -> Result<String, Unencodable> {
        float_key(value.is_finite(), serde_json::to_string(&value))
    }

    fn serialize_f64(self, value: f64) -> Result<String, Unencodable> {
        float_key(value.is_finite(), serde_json::to_string(&value))
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
