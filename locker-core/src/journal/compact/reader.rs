//! The storage encoding read straight into a value's `Deserialize`, with
//! no CBOR value tree and no JSON text in between: what a boot on a
//! microcontroller can afford. A value reads as serde_json would read its
//! JSON (the [substitutions](super) undone as each item is met), which a
//! property test holds against the JSON route; except that a struct is
//! read from a map only: one written as an array, which serde_json also
//! reads and this encoding never writes, is refused as not canonical.
//!
//! Each item is held to the one encoding the writers give it: the
//! shortest header, definite lengths, names and hex never as text, no
//! empty byte string, no tag but a name's, no float JSON cannot hold.

use alloc::string::{String, ToString};
use core::fmt;

use ciborium_ll::{Decoder, Encoder, Header, simple};
use serde::de::{self, DeserializeSeed, IntoDeserializer, Visitor};

use super::{NAME_TAG, NAMES, name_index, stored_as_text};

/// How deep arrays and maps may nest: serde_json's limit, so a value the
/// JSON route refused is refused here too, and a forged value cannot
/// exhaust the stack.
pub(super) const MAX_DEPTH: usize = 127;

/// The most items a container's count tells its visitor to make room
/// for: a vector sized from a forged count would take the heap before
/// its first item failed to read, at every level of a nested value. A
/// longer container grows as it reads.
const MAX_HINT: usize = 16;

/// Why bytes did not read as the value asked for.
#[derive(Debug)]
pub(super) struct ReadError {
    pub(super) message: String,
    /// An item in a shape this encoding never writes for the value asked
    /// for (a struct as an array, which JSON may read): not canonical if
    /// the bytes are one well-formed value.
    pub(super) not_canonical: bool,
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl de::StdError for ReadError {}

impl de::Error for ReadError {
    fn custom<T: fmt::Display>(message: T) -> Self {
        Self {
            message: message.to_string(),
            not_canonical: false,
        }
    }

    // serde's own messages, but for a float's value: spelling one would
    // link the float printer (10 KiB of a microcontroller's image) for
    // an error message.
    fn invalid_type(unexpected: de::Unexpected<'_>, expected: &dyn de::Expected) -> Self {
        Self::custom(format_args!(
            "invalid type: {}, expected {expected}",
            Found(unexpected)
        ))
    }

    fn invalid_value(unexpected: de::Unexpected<'_>, expected: &dyn de::Expected) -> Self {
        Self::custom(format_args!(
            "invalid value: {}, expected {expected}",
            Found(unexpected)
        ))
    }
}

/// What was found, as serde says it, a float without its value.
struct Found<'a>(de::Unexpected<'a>);

impl fmt::Display for Found<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use de::Unexpected as U;
        match self.0 {
            U::Bool(value) => write!(f, "boolean `{value}`"),
            U::Unsigned(value) => write!(f, "integer `{value}`"),
            U::Signed(value) => write!(f, "integer `{value}`"),
            U::Float(_) => f.write_str("floating point"),
            U::Char(value) => write!(f, "character `{value}`"),
            U::Str(value) => write!(f, "string {value:?}"),
            U::Bytes(_) => f.write_str("byte array"),
            U::Unit => f.write_str("unit value"),
            U::Option => f.write_str("Option value"),
            U::NewtypeStruct => f.write_str("newtype struct"),
            U::Seq => f.write_str("sequence"),
            U::Map => f.write_str("map"),
            U::Enum => f.write_str("enum"),
            U::UnitVariant => f.write_str("unit variant"),
            U::NewtypeVariant => f.write_str("newtype variant"),
            U::TupleVariant => f.write_str("tuple variant"),
            U::StructVariant => f.write_str("struct variant"),
            U::Other(other) => f.write_str(other),
        }
    }
}

fn error(message: &str) -> ReadError {
    ReadError {
        message: message.into(),
        not_canonical: false,
    }
}

/// One item of the storage encoding, as JSON would hold it.
#[derive(Clone, Copy)]
enum Item<'de> {
    Null,
    Bool(bool),
    Unsigned(u64),
    Negative(i64),
    Float(f64),
    /// Text as stored.
    Text(&'de str),
    /// A name of the table, stored as its index.
    Name(&'static str),
    /// Lowercase hex, stored as its bytes.
    Hex(&'de [u8]),
    Array(usize),
    Map(usize),
}

/// Where a header is written as the writers write it (at most nine
/// bytes, and how many of them), lent to the encoder by value: `&mut` of
/// a writer is one only without `std`.
struct Shortest<'a>(&'a mut ([u8; 9], usize));

impl ciborium_io::Write for Shortest<'_> {
    type Error = ();

    fn write_all(&mut self, data: &[u8]) -> Result<(), ()> {
        let (bytes, length) = &mut *self.0;
        let end = *length + data.len();
        bytes.get_mut(*length..end).ok_or(())?.copy_from_slice(data);
        *length = end;
        Ok(())
    }

    fn flush(&mut self) -> Result<(), ()> {
        Ok(())
    }
}

/// Reads items from the bytes after the version byte.
pub(super) struct Reader<'de> {
    input: &'de [u8],
    depth: usize,
    max_depth: usize,
}

impl<'de> Reader<'de> {
    pub(super) const fn new(input: &'de [u8]) -> Self {
        Self {
            input,
            depth: 0,
            max_depth: MAX_DEPTH,
        }
    }

    /// A reader for a value inside an array the JSON route never saw (a
    /// stored record's fields): its items nest as deep as they would
    /// alone.
    pub(super) const fn in_envelope(input: &'de [u8]) -> Self {
        Self {
            input,
            depth: 0,
            max_depth: MAX_DEPTH + 1,
        }
    }

    /// True when every byte has been read.
    pub(super) const fn is_done(&self) -> bool {
        self.input.is_empty()
    }

    /// The next header, which must be written as the writers write it.
    fn header(&mut self) -> Result<Header, ReadError> {
        let mut decoder = Decoder::from(self.input);
        let header = decoder
            .pull()
            .map_err(|_| error("bytes that are not a CBOR item"))?;
        let used = decoder.offset();
        let (read, rest) = self.input.split_at(used);
        let mut shortest = ([0_u8; 9], 0_usize);
        // Nine bytes hold any header.
        let _ = Encoder::from(Shortest(&mut shortest)).push(header);
        if shortest.0.get(..shortest.1) != Some(read) {
            return Err(error("not the shortest encoding"));
        }
        self.input = rest;
        Ok(header)
    }

    /// The next `length` bytes of a string.
    fn take(&mut self, length: usize) -> Result<&'de [u8], ReadError> {
        if length > self.input.len() {
            return Err(error("a string longer than the bytes left"));
        }
        let (taken, rest) = self.input.split_at(length);
        self.input = rest;
        Ok(taken)
    }

    /// The text a text header of `length` announces.
    fn text(&mut self, length: Option<usize>) -> Result<&'de str, ReadError> {
        let length = length.ok_or_else(|| error("an indefinite length"))?;
        core::str::from_utf8(self.take(length)?).map_err(|_| error("text that is not UTF-8"))
    }

    /// A container's count, which the bytes left must be able to hold
    /// (each item takes a byte at least): a forged count allocates
    /// nothing.
    fn count(&self, count: Option<usize>, bytes_each: usize) -> Result<usize, ReadError> {
        let count = count.ok_or_else(|| error("an indefinite length"))?;
        if count.saturating_mul(bytes_each) > self.input.len() {
            return Err(error("a count larger than the bytes left"));
        }
        Ok(count)
    }

    fn item(&mut self) -> Result<Item<'de>, ReadError> {
        Ok(match self.header()? {
            Header::Positive(value) => Item::Unsigned(value),
            Header::Negative(value) => Item::Negative(
                i64::try_from(value)
                    .map(|n| -1 - n)
                    .map_err(|_| error("an integer JSON cannot hold"))?,
            ),
            Header::Float(value) if value.is_finite() => Item::Float(value),
            Header::Float(_) => return Err(error("a number JSON cannot hold")),
            Header::Simple(simple::NULL) => Item::Null,
            Header::Simple(simple::FALSE) => Item::Bool(false),
            Header::Simple(simple::TRUE) => Item::Bool(true),
            Header::Bytes(length) => {
                let length = length.ok_or_else(|| error("an indefinite length"))?;
                if length == 0 {
                    // Storage never writes one: "" stays text.
                    return Err(error("an empty byte string"));
                }
                Item::Hex(self.take(length)?)
            }
            Header::Text(length) => {
                let text = self.text(length)?;
                // As text they would be a second encoding of one value.
                if !stored_as_text(text) {
                    return Err(error("a name or hex stored as text"));
                }
                Item::Text(text)
            }
            Header::Tag(NAME_TAG) => match self.header()? {
                Header::Positive(index) => Item::Name(name_at(index)?),
                _ => return Err(error("a name's index is an integer")),
            },
            Header::Array(count) => Item::Array(self.count(count, 1)?),
            Header::Map(count) => Item::Map(self.count(count, 2)?),
            Header::Tag(_) => return Err(error("an unknown tag")),
            Header::Simple(_) | Header::Break => return Err(error("an item JSON cannot hold")),
        })
    }

    /// A map key: a name's index, or text that is not a name.
    fn key(&mut self) -> Result<&'de str, ReadError> {
        match self.header()? {
            Header::Positive(index) => name_at(index),
            Header::Text(length) => {
                let text = self.text(length)?;
                if name_index(text).is_some() {
                    return Err(error("a name stored as text"));
                }
                Ok(text)
            }
            _ => Err(error("a map key is a name or text")),
        }
    }

    fn enter(&mut self) -> Result<(), ReadError> {
        if self.depth >= self.max_depth {
            return Err(error("recursion limit exceeded"));
        }
        self.depth += 1;
        Ok(())
    }

    /// Reads and checks one whole item, keeping nothing.
    pub(super) fn skip(&mut self) -> Result<(), ReadError> {
        match self.item()? {
            Item::Array(count) => {
                self.enter()?;
                for _ in 0..count {
                    self.skip()?;
                }
                self.depth -= 1;
            }
            Item::Map(count) => {
                self.enter()?;
                for _ in 0..count {
                    self.key()?;
                    self.skip()?;
                }
                self.depth -= 1;
            }
            _ => {}
        }
        Ok(())
    }

    /// The first byte of the next item is null's (peeked, not read).
    fn at_null(&self) -> bool {
        self.input.first() == Some(&0xf6)
    }

    /// A number for a visitor that asked for one, as JSON hands it over
    /// (the visitor refuses one it cannot hold); anything else is refused
    /// here, so no number's reader is compiled with a container's.
    fn number<V: Visitor<'de>>(&mut self, visitor: V) -> Result<V::Value, ReadError> {
        match self.item()? {
            Item::Unsigned(value) => visitor.visit_u64(value),
            Item::Negative(value) => visitor.visit_i64(value),
            Item::Float(value) => visitor.visit_f64(value),
            other => Err(de::Error::invalid_type(unexpected(&other), &visitor)),
        }
    }

    /// The items of an array or the entries of a map, for `visitor`; all
    /// of them must be read.
    fn visit_container<V: Visitor<'de>>(
        &mut self,
        count: usize,
        map: bool,
        visitor: V,
    ) -> Result<V::Value, ReadError> {
        self.enter()?;
        let mut access = Items {
            reader: self,
            left: count,
        };
        let value = if map {
            visitor.visit_map(&mut access)
        } else {
            visitor.visit_seq(&mut access)
        };
        let left = access.left;
        self.depth -= 1;
        // The value's own error first: an item that is not canonical
        // stays so inside any container.
        let value = value?;
        if left != 0 {
            return Err(error("items left after the value"));
        }
        Ok(value)
    }
}

fn name_at(index: u64) -> Result<&'static str, ReadError> {
    usize::try_from(index)
        .ok()
        .and_then(|i| NAMES.get(i).copied())
        .ok_or_else(|| de::Error::custom(alloc::format!("name {index} unknown")))
}

/// Hands a visitor a string: stored bytes become their hex.
fn visit_text<'de, V: Visitor<'de>>(item: Item<'de>, visitor: V) -> Result<V::Value, ReadError> {
    match item {
        Item::Text(text) => visitor.visit_borrowed_str(text),
        Item::Name(name) => visitor.visit_borrowed_str(name),
        Item::Hex(bytes) => visitor.visit_string(crate::hex::encode(bytes)),
        other => Err(de::Error::invalid_type(unexpected(&other), &visitor)),
    }
}

fn unexpected<'a>(item: &'a Item<'_>) -> de::Unexpected<'a> {
    match *item {
        Item::Null => de::Unexpected::Unit,
        Item::Bool(value) => de::Unexpected::Bool(value),
        Item::Unsigned(value) => de::Unexpected::Unsigned(value),
        Item::Negative(value) => de::Unexpected::Signed(value),
        Item::Float(value) => de::Unexpected::Float(value),
        Item::Text(_) | Item::Name(_) | Item::Hex(_) => de::Unexpected::Other("string"),
        Item::Array(_) => de::Unexpected::Seq,
        Item::Map(_) => de::Unexpected::Map,
    }
}

/// The number methods of a `Deserializer`, each handing its number over
/// through [`Reader::number`].
macro_rules! numbers {
    ($($method:ident)*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ReadError> {
            self.number(visitor)
        }
    )*};
}

impl<'de> de::Deserializer<'de> for &mut Reader<'de> {
    type Error = ReadError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ReadError> {
        match self.item()? {
            Item::Null => visitor.visit_unit(),
            Item::Bool(value) => visitor.visit_bool(value),
            Item::Unsigned(value) => visitor.visit_u64(value),
            Item::Negative(value) => visitor.visit_i64(value),
            Item::Float(value) => visitor.visit_f64(value),
            Item::Array(count) => self.visit_container(count, false, visitor),
            Item::Map(count) => self.visit_container(count, true, visitor),
            text => visit_text(text, visitor),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ReadError> {
        if self.at_null() {
            self.item()?;
            visitor.visit_none()
        } else {
            visitor.visit_some(self)
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, ReadError> {
        visitor.visit_newtype_struct(self)
    }

    /// A float as the f32 its JSON digits spell (serde_json rounds those
    /// once, where an f64 cast would round twice).
    fn deserialize_f32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ReadError> {
        match self.item()? {
            Item::Float(value) => {
                let digits = serde_json::to_string(&value)
                    .map_err(|_| error("a number JSON cannot hold"))?;
                visit_f32_digits(&digits, visitor)
            }
            Item::Unsigned(value) => visitor.visit_u64(value),
            Item::Negative(value) => visitor.visit_i64(value),
            other => Err(de::Error::invalid_type(unexpected(&other), &visitor)),
        }
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ReadError> {
        let item = self.item()?;
        visit_text(item, visitor)
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ReadError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ReadError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_char<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ReadError> {
        self.deserialize_str(visitor)
    }

    /// A string's UTF-8 bytes, or an array of numbers (as serde_json).
    fn deserialize_bytes<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ReadError> {
        match self.item()? {
            Item::Text(text) => visitor.visit_borrowed_bytes(text.as_bytes()),
            Item::Name(name) => visitor.visit_borrowed_bytes(name.as_bytes()),
            Item::Hex(bytes) => visitor.visit_byte_buf(crate::hex::encode(bytes).into_bytes()),
            Item::Array(count) => self.visit_container(count, false, visitor),
            other => Err(de::Error::invalid_type(unexpected(&other), &visitor)),
        }
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ReadError> {
        self.deserialize_bytes(visitor)
    }

    /// A unit variant as its name; any other as a one-entry map.
    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, ReadError> {
        match self.item()? {
            Item::Text(text) => visitor.visit_enum(text.into_deserializer()),
            Item::Name(name) => visitor.visit_enum(name.into_deserializer()),
            Item::Hex(bytes) => visitor.visit_enum(crate::hex::encode(bytes).into_deserializer()),
            Item::Map(1) => {
                self.enter()?;
                let value = visitor.visit_enum(Variant { reader: self });
                self.depth -= 1;
                value
            }
            other => Err(de::Error::invalid_type(unexpected(&other), &visitor)),
        }
    }

    /// A struct from a map only. JSON reads one from an array too, which
    /// this encoding never writes: such bytes are not canonical. (Reading
    /// maps only also compiles each struct's reader once, not twice.)
    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, ReadError> {
        match self.item()? {
            Item::Map(count) => self.visit_container(count, true, visitor),
            // Not canonical if the bytes are one well-formed value
            // (`read_value` checks), malformed otherwise.
            Item::Array(_) => Err(ReadError {
                message: "a struct written as an array".into(),
                not_canonical: true,
            }),
            other => Err(de::Error::invalid_type(unexpected(&other), &visitor)),
        }
    }

    /// A sequence from an array only, as JSON reads one.
    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ReadError> {
        match self.item()? {
            Item::Array(count) => self.visit_container(count, false, visitor),
            other => Err(de::Error::invalid_type(unexpected(&other), &visitor)),
        }
    }

    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, ReadError> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, ReadError> {
        self.deserialize_seq(visitor)
    }

    /// A map from a map only, as JSON reads one.
    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ReadError> {
        match self.item()? {
            Item::Map(count) => self.visit_container(count, true, visitor),
            other => Err(de::Error::invalid_type(unexpected(&other), &visitor)),
        }
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ReadError> {
        self.skip()?;
        visitor.visit_unit()
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ReadError> {
        match self.item()? {
            Item::Bool(value) => visitor.visit_bool(value),
            other => Err(de::Error::invalid_type(unexpected(&other), &visitor)),
        }
    }

    numbers! {
        deserialize_i8 deserialize_i16 deserialize_i32 deserialize_i64
        deserialize_u8 deserialize_u16 deserialize_u32 deserialize_u64 deserialize_f64
    }

    serde::forward_to_deserialize_any! {
        i128 u128 unit unit_struct
    }
}

/// The items of an array, or the entries of a map, being read.
struct Items<'a, 'de> {
    reader: &'a mut Reader<'de>,
    left: usize,
}

impl<'de> de::SeqAccess<'de> for Items<'_, 'de> {
    type Error = ReadError;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, ReadError> {
        if self.left == 0 {
            return Ok(None);
        }
        self.left -= 1;
        seed.deserialize(&mut *self.reader).map(Some)
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.left.min(MAX_HINT))
    }
}

impl<'de> de::MapAccess<'de> for Items<'_, 'de> {
    type Error = ReadError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, ReadError> {
        if self.left == 0 {
            return Ok(None);
        }
        self.left -= 1;
        let key = self.reader.key()?;
        seed.deserialize(Key(key)).map(Some)
    }

    fn next_value_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<T::Value, ReadError> {
        seed.deserialize(&mut *self.reader)
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.left.min(MAX_HINT))
    }
}

/// The variant of a one-entry map: its key names it, its value holds it.
struct Variant<'a, 'de> {
    reader: &'a mut Reader<'de>,
}

impl<'de> de::EnumAccess<'de> for Variant<'_, 'de> {
    type Error = ReadError;
    type Variant = Self;

    fn variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<(T::Value, Self), ReadError> {
        let key = self.reader.key()?;
        let variant = seed.deserialize(Key(key))?;
        Ok((variant, self))
    }
}

impl<'de> de::VariantAccess<'de> for Variant<'_, 'de> {
    type Error = ReadError;

    fn unit_variant(self) -> Result<(), ReadError> {
        de::Deserialize::deserialize(&mut *self.reader)
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, ReadError> {
        seed.deserialize(&mut *self.reader)
    }

    fn tuple_variant<V: Visitor<'de>>(
        self,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, ReadError> {
        de::Deserializer::deserialize_seq(&mut *self.reader, visitor)
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, ReadError> {
        de::Deserializer::deserialize_struct(&mut *self.reader, "", &[], visitor)
    }
}

/// A map key, read as serde_json reads one: a string, or the number,
/// boolean or unit variant it spells when that is what is asked for
/// (a float spelt where an integer is asked for is refused unread: see
/// [`Key::integer`]).
struct Key<'de>(&'de str);

/// A map key's JSON integer that fits 64 bits.
enum Whole {
    Unsigned(u64),
    Signed(i64),
}

impl Whole {
    fn visit<'de, V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ReadError> {
        match self {
            Self::Unsigned(value) => visitor.visit_u64(value),
            Self::Signed(value) => visitor.visit_i64(value),
        }
    }
}

impl Key<'_> {
    /// JSON's integer grammar: `-?(0|[1-9][0-9]*)`.
    fn is_integer(&self) -> bool {
        is_json_number(self.0) && !self.0.contains(['.', 'e', 'E'])
    }

    /// The key as a JSON number (serde_json reads a numeric key with its
    /// number reader): an integer that fits 64 bits as one, anything
    /// else with a fraction, an exponent or too many digits as a float.
    fn number<'de, V: Visitor<'de>>(&self, visitor: V) -> Result<V::Value, ReadError> {
        match self.whole_number()? {
            Some(whole) => whole.visit(visitor),
            None => self.float(visitor),
        }
    }

    /// The key as a JSON number asked for as an integer: what [`number`]
    /// reads, but a float is refused as serde's integer visitors refuse
    /// one (the message without the float's value), without reading it:
    /// an integer key never links the float reader (6.8 KiB of a
    /// microcontroller's image, soft-float included). Only a visitor that
    /// takes a float when asked for an integer tells the two apart: no
    /// type of this library has one, and [`super::decode_value`] says so
    /// for others.
    ///
    /// [`number`]: Self::number
    fn integer<'de, V: Visitor<'de>>(&self, visitor: V) -> Result<V::Value, ReadError> {
        match self.whole_number()? {
            Some(whole) => whole.visit(visitor),
            None => Err(de::Error::invalid_type(
                de::Unexpected::Other("floating point"),
                &visitor,
            )),
        }
    }

    /// The key as a JSON integer that fits 64 bits, `None` for another
    /// JSON number (a float to serde_json).
    fn whole_number(&self) -> Result<Option<Whole>, ReadError> {
        let text = self.0;
        if !is_json_number(text) {
            return Err(error("a map key that is not a number"));
        }
        if let Ok(value) = text.parse::<u64>() {
            return Ok(Some(Whole::Unsigned(value)));
        }
        Ok(match text.parse::<i64>() {
            // serde_json reads -0 as a float.
            Ok(0) | Err(_) => None,
            Ok(value) => Some(Whole::Signed(value)),
        })
    }

    /// The key as the float serde_json reads from it.
    fn float<'de, V: Visitor<'de>>(&self, visitor: V) -> Result<V::Value, ReadError> {
        let text = self.0;
        // Correctly rounded, as serde_json's `float_roundtrip` reads it.
        let value = text
            .parse::<f64>()
            .map_err(|_| error("a map key that is not a number"))?;
        if !value.is_finite() {
            return Err(error("a number JSON cannot hold"));
        }
        visitor.visit_f64(value)
    }
}

/// An f32 read from JSON digits as serde_json reads one: rounded once
/// from the digits (not through an f64), and refused beyond its range.
fn visit_f32_digits<'de, V: Visitor<'de>>(digits: &str, visitor: V) -> Result<V::Value, ReadError> {
    if !is_json_number(digits) {
        return Err(error("not a number"));
    }
    match digits.parse::<f32>() {
        Ok(value) if value.is_finite() => visitor.visit_f32(value),
        _ => Err(error("a number out of range")),
    }
}

/// JSON's number grammar: `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`.
fn is_json_number(text: &str) -> bool {
    let mut rest = text.as_bytes();
    let digits = |rest: &mut &[u8]| {
        let count = rest.iter().take_while(|c| c.is_ascii_digit()).count();
        *rest = &rest[count..];
        count
    };
    if let [b'-', tail @ ..] = rest {
        rest = tail;
    }
    match rest {
        [b'0', tail @ ..] => rest = tail,
        [b'1'..=b'9', ..] => {
            digits(&mut rest);
        }
        _ => return false,
    }
    if let [b'.', tail @ ..] = rest {
        rest = tail;
        if digits(&mut rest) == 0 {
            return false;
        }
    }
    if let [b'e' | b'E', tail @ ..] = rest {
        rest = tail;
        if let [b'+' | b'-', tail @ ..] = rest {
            rest = tail;
        }
        if digits(&mut rest) == 0 {
            return false;
        }
    }
    rest.is_empty()
}

/// A map key's `deserialize_*` for integers: the key read as a JSON
/// integer (see [`Key::integer`]).
macro_rules! integer_keys {
    ($($method:ident)*) => {
        $(
            fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ReadError> {
                self.integer(visitor)
            }
        )*
    };
}

impl<'de> de::Deserializer<'de> for Key<'de> {
    type Error = ReadError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ReadError> {
        visitor.visit_borrowed_str(self.0)
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ReadError> {
        match self.0 {
            "true" => visitor.visit_bool(true),
            "false" => visitor.visit_bool(false),
            _ => Err(error("a map key that is not a boolean")),
        }
    }

    integer_keys! {
        deserialize_i8 deserialize_i16 deserialize_i32 deserialize_i64
        deserialize_u8 deserialize_u16 deserialize_u32 deserialize_u64
    }

    fn deserialize_f64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ReadError> {
        self.number(visitor)
    }

    /// serde_json reads an f32 from the digits, rounded once.
    fn deserialize_f32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ReadError> {
        if self.is_integer() {
            return self.number(visitor);
        }
        visit_f32_digits(self.0, visitor)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ReadError> {
        visitor.visit_some(self)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, ReadError> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, ReadError> {
        visitor.visit_enum(self.0.into_deserializer())
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ReadError> {
        visitor.visit_borrowed_bytes(self.0.as_bytes())
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ReadError> {
        visitor.visit_borrowed_bytes(self.0.as_bytes())
    }

    /// serde_json reads a 128-bit key as the whole integer it spells.
    fn deserialize_i128<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ReadError> {
        match self.0.parse::<i128>() {
            Ok(value) if self.is_integer() => visitor.visit_i128(value),
            _ => Err(error("a map key that is not a 128-bit integer")),
        }
    }

    fn deserialize_u128<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ReadError> {
        match self.0.parse::<u128>() {
            Ok(value) if self.is_integer() => visitor.visit_u128(value),
            _ => Err(error("a map key that is not a 128-bit integer")),
        }
    }

    serde::forward_to_deserialize_any! {
        char str string unit unit_struct seq tuple tuple_struct map struct
        identifier ignored_any
    }
}

#[cfg(test)]
mod tests {
    use alloc::format;
    use alloc::string::ToString;

    use serde::de::{self, Error as _};

    use super::ReadError;

    /// serde's message for what was found, but for a float's value: the
    /// same words for every other kind, the float named without its
    /// digits.
    #[test]
    fn what_was_found_reads_as_serde_says_it_but_for_a_float() {
        let expected: &dyn de::Expected = &"a bank";
        let kinds = [
            de::Unexpected::Bool(true),
            de::Unexpected::Unsigned(7),
            de::Unexpected::Signed(-7),
            de::Unexpected::Char('x'),
            de::Unexpected::Str("a \"quoted\"\n text"),
            de::Unexpected::Bytes(b"ab"),
            de::Unexpected::Unit,
            de::Unexpected::Option,
            de::Unexpected::NewtypeStruct,
            de::Unexpected::Seq,
            de::Unexpected::Map,
            de::Unexpected::Enum,
            de::Unexpected::UnitVariant,
            de::Unexpected::NewtypeVariant,
            de::Unexpected::TupleVariant,
            de::Unexpected::StructVariant,
            de::Unexpected::Other("a string"),
        ];
        for kind in kinds {
            assert_eq!(
                ReadError::invalid_type(kind, expected).to_string(),
                format!("invalid type: {kind}, expected a bank")
            );
            assert_eq!(
                ReadError::invalid_value(kind, expected).to_string(),
                format!("invalid value: {kind}, expected a bank")
            );
        }
        assert_eq!(
            ReadError::invalid_type(de::Unexpected::Float(1.5), expected).to_string(),
            "invalid type: floating point, expected a bank"
        );
        assert_eq!(
            ReadError::invalid_value(de::Unexpected::Float(-0.25), expected).to_string(),
            "invalid value: floating point, expected a bank"
        );
    }
}
