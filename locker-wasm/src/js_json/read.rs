//! JSON text in: serde_json's deserializer, wrapped so that where the type
//! asks for an integer (`u64`, `i32`, … through `deserialize_u64` and its
//! kin) a string of digits is read as that integer.
//!
//! Every visitor, map, sequence, enum and seed is wrapped on its way
//! through, so the values nested in objects and arrays (and in the
//! core's internally tagged enums, whose reader asks for each field by
//! its type) get the same treatment. A value read through
//! `deserialize_any` (a `serde_json::Value`, say) says no type: its
//! strings stay strings.
//!
//! The price is size: each type read here is compiled for this
//! deserializer, and the types the core also reads from text itself
//! (records, snapshots) are in the module twice. Id types that took a
//! decimal string in their own `Deserialize` would make the wrapper
//! unnecessary.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use serde::de::{
    self, DeserializeOwned, DeserializeSeed, Deserializer, EnumAccess, MapAccess, SeqAccess,
    VariantAccess, Visitor,
};

use locker_core::MAX_SAFE_INTEGER;

/// What a number beyond 2^53 − 1 in the text means.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Numbers {
    /// JSON text as a host or a back end wrote it: every number is as
    /// written.
    Exact,
    /// `JSON.stringify` of a JavaScript value: an integer beyond 2^53 − 1
    /// given as a number lost its last digits when it became one, and is
    /// refused (read, it would be another id, and a signed command's tag
    /// would not match).
    Rounded,
}

/// The message for an integer refused as [`Numbers::Rounded`].
const ROUNDED: &str = "holds an integer beyond 2^53 - 1 as a JavaScript number, which has \
                       lost its last digits: give it as a decimal string, or pass the JSON \
                       text as it came";

/// `text` as a `T`, with integers also read from strings of digits as
/// Rust writes them (no sign but `-`, no leading zeros).
///
/// # Errors
///
/// serde_json's, with the line and column: text that is no JSON, a value
/// without the type's shape, or (as [`Numbers::Rounded`]) an integer
/// beyond 2^53 − 1 given as a number.
pub fn read<T: DeserializeOwned>(text: &str, numbers: Numbers) -> Result<T, serde_json::Error> {
    let mut json = serde_json::Deserializer::from_str(text);
    let value = T::deserialize(Lenient {
        inner: &mut json,
        numbers,
    })?;
    json.end()?;
    Ok(value)
}

/// An integer written as Rust writes it.
enum Integer {
    Unsigned(u64),
    Signed(i64),
}

impl Integer {
    fn visit<'de, V: Visitor<'de>, E: de::Error>(self, visitor: V) -> Result<V::Value, E> {
        match self {
            Self::Unsigned(n) => visitor.visit_u64(n),
            Self::Signed(n) => visitor.visit_i64(n),
        }
    }
}

fn integer(text: &str) -> Option<Integer> {
    let digits = text.strip_prefix('-').unwrap_or(text);
    let canonical = !digits.is_empty()
        && digits.len() <= 20
        && digits.bytes().all(|b| b.is_ascii_digit())
        && (digits == "0" || !digits.starts_with('0'))
        && text != "-0";
    if !canonical {
        None
    } else if digits.len() == text.len() {
        text.parse().ok().map(Integer::Unsigned)
    } else {
        text.parse().ok().map(Integer::Signed)
    }
}

/// The deserializer: `inner`, with integers read from strings too.
struct Lenient<D> {
    inner: D,
    numbers: Numbers,
}

impl<D> Lenient<D> {
    const fn wrap<V>(&self, visitor: V, digits: bool) -> Wrap<V> {
        Wrap {
            inner: visitor,
            numbers: self.numbers,
            digits,
        }
    }
}

/// Methods handed on with the visitor wrapped.
macro_rules! forward {
    ($digits:literal => $($method:ident)*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
            let visitor = self.wrap(visitor, $digits);
            self.inner.$method(visitor)
        }
    )*};
}

/// Methods for an integer: whatever the text holds there, so a string is
/// seen by the visitor, which reads its digits.
macro_rules! integers {
    ($($method:ident)*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
            let visitor = self.wrap(visitor, true);
            self.inner.deserialize_any(visitor)
        }
    )*};
}

impl<'de, D: Deserializer<'de>> Deserializer<'de> for Lenient<D> {
    type Error = D::Error;

    integers! {
        deserialize_i8 deserialize_i16 deserialize_i32 deserialize_i64
        deserialize_u8 deserialize_u16 deserialize_u32 deserialize_u64
    }

    forward! { false =>
        deserialize_any deserialize_bool deserialize_i128 deserialize_u128 deserialize_f32
        deserialize_f64 deserialize_char deserialize_str deserialize_string deserialize_bytes
        deserialize_byte_buf deserialize_option deserialize_unit deserialize_seq
        deserialize_map deserialize_identifier deserialize_ignored_any
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        let visitor = self.wrap(visitor, false);
        self.inner.deserialize_unit_struct(name, visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        let visitor = self.wrap(visitor, false);
        self.inner.deserialize_newtype_struct(name, visitor)
    }

    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        let visitor = self.wrap(visitor, false);
        self.inner.deserialize_tuple(len, visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        let visitor = self.wrap(visitor, false);
        self.inner.deserialize_tuple_struct(name, len, visitor)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        let visitor = self.wrap(visitor, false);
        self.inner.deserialize_struct(name, fields, visitor)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        let visitor = self.wrap(visitor, false);
        self.inner.deserialize_enum(name, variants, visitor)
    }

    fn is_human_readable(&self) -> bool {
        self.inner.is_human_readable()
    }
}

/// A visitor: `inner`, which also reads a string of digits when `digits`
/// (an integer is wanted), refuses rounded numbers as `numbers` says and
/// wraps what it is given to visit.
struct Wrap<V> {
    inner: V,
    numbers: Numbers,
    digits: bool,
}

impl<V> Wrap<V> {
    fn check<E: de::Error>(&self, magnitude: u64) -> Result<(), E> {
        if self.numbers == Numbers::Rounded && magnitude > MAX_SAFE_INTEGER {
            return Err(E::custom(ROUNDED));
        }
        Ok(())
    }

    /// The string's integer, when one is wanted and it holds one.
    fn wanted(&self, text: &str) -> Option<Integer> {
        if self.digits { integer(text) } else { None }
    }

    const fn access<A>(&self, inner: A) -> Access<A> {
        Access {
            inner,
            numbers: self.numbers,
        }
    }

    const fn lenient<D>(&self, inner: D) -> Lenient<D> {
        Lenient {
            inner,
            numbers: self.numbers,
        }
    }
}

/// Visits handed on as they are.
macro_rules! visit {
    ($($method:ident: $ty:ty)*) => {$(
        fn $method<E: de::Error>(self, value: $ty) -> Result<V::Value, E> {
            self.inner.$method(value)
        }
    )*};
}

impl<'de, V: Visitor<'de>> Visitor<'de> for Wrap<V> {
    type Value = V::Value;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.inner.expecting(formatter)
    }

    visit! {
        visit_bool: bool visit_i8: i8 visit_i16: i16 visit_i32: i32 visit_i128: i128
        visit_u8: u8 visit_u16: u16 visit_u32: u32 visit_u128: u128
        visit_f32: f32 visit_f64: f64 visit_char: char
        visit_bytes: &[u8] visit_borrowed_bytes: &'de [u8] visit_byte_buf: Vec<u8>
    }

    fn visit_i64<E: de::Error>(self, value: i64) -> Result<V::Value, E> {
        self.check(value.unsigned_abs())?;
        self.inner.visit_i64(value)
    }

    fn visit_u64<E: de::Error>(self, value: u64) -> Result<V::Value, E> {
        self.check(value)?;
        self.inner.visit_u64(value)
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<V::Value, E> {
        match self.wanted(value) {
            Some(integer) => integer.visit(self.inner),
            None => self.inner.visit_str(value),
        }
    }

    fn visit_borrowed_str<E: de::Error>(self, value: &'de str) -> Result<V::Value, E> {
        match self.wanted(value) {
            Some(integer) => integer.visit(self.inner),
            None => self.inner.visit_borrowed_str(value),
        }
    }

    fn visit_string<E: de::Error>(self, value: String) -> Result<V::Value, E> {
        match self.wanted(&value) {
            Some(integer) => integer.visit(self.inner),
            None => self.inner.visit_string(value),
        }
    }

    fn visit_none<E: de::Error>(self) -> Result<V::Value, E> {
        self.inner.visit_none()
    }

    fn visit_unit<E: de::Error>(self) -> Result<V::Value, E> {
        self.inner.visit_unit()
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<V::Value, D::Error> {
        let deserializer = self.lenient(deserializer);
        self.inner.visit_some(deserializer)
    }

    fn visit_newtype_struct<D: Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<V::Value, D::Error> {
        let deserializer = self.lenient(deserializer);
        self.inner.visit_newtype_struct(deserializer)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<V::Value, A::Error> {
        let seq = self.access(seq);
        self.inner.visit_seq(seq)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<V::Value, A::Error> {
        let map = self.access(map);
        self.inner.visit_map(map)
    }

    fn visit_enum<A: EnumAccess<'de>>(self, data: A) -> Result<V::Value, A::Error> {
        let data = self.access(data);
        self.inner.visit_enum(data)
    }
}

/// A sequence, map, enum or variant whose values are read leniently.
struct Access<A> {
    inner: A,
    numbers: Numbers,
}

impl<A> Access<A> {
    const fn seed<S>(&self, inner: S) -> Seed<S> {
        Seed {
            inner,
            numbers: self.numbers,
        }
    }

    const fn wrap<V>(&self, inner: V) -> Wrap<V> {
        Wrap {
            inner,
            numbers: self.numbers,
            digits: false,
        }
    }
}

impl<'de, A: SeqAccess<'de>> SeqAccess<'de> for Access<A> {
    type Error = A::Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, A::Error> {
        let seed = self.seed(seed);
        self.inner.next_element_seed(seed)
    }

    fn size_hint(&self) -> Option<usize> {
        self.inner.size_hint()
    }
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for Access<A> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, A::Error> {
        let seed = self.seed(seed);
        self.inner.next_key_seed(seed)
    }

    fn next_value_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<T::Value, A::Error> {
        let seed = self.seed(seed);
        self.inner.next_value_seed(seed)
    }

    fn size_hint(&self) -> Option<usize> {
        self.inner.size_hint()
    }
}

impl<'de, A: EnumAccess<'de>> EnumAccess<'de> for Access<A> {
    type Error = A::Error;
    type Variant = Access<A::Variant>;

    fn variant_seed<S: DeserializeSeed<'de>>(
        self,
        seed: S,
    ) -> Result<(S::Value, Self::Variant), A::Error> {
        let numbers = self.numbers;
        let seed = self.seed(seed);
        let (value, variant) = self.inner.variant_seed(seed)?;
        Ok((
            value,
            Access {
                inner: variant,
                numbers,
            },
        ))
    }
}

impl<'de, A: VariantAccess<'de>> VariantAccess<'de> for Access<A> {
    type Error = A::Error;

    fn unit_variant(self) -> Result<(), A::Error> {
        self.inner.unit_variant()
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, A::Error> {
        let seed = self.seed(seed);
        self.inner.newtype_variant_seed(seed)
    }

    fn tuple_variant<V: Visitor<'de>>(self, len: usize, visitor: V) -> Result<V::Value, A::Error> {
        let visitor = self.wrap(visitor);
        self.inner.tuple_variant(len, visitor)
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, A::Error> {
        let visitor = self.wrap(visitor);
        self.inner.struct_variant(fields, visitor)
    }
}

/// A seed whose deserializer is read leniently.
struct Seed<S> {
    inner: S,
    numbers: Numbers,
}

impl<'de, S: DeserializeSeed<'de>> DeserializeSeed<'de> for Seed<S> {
    type Value = S::Value;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<S::Value, D::Error> {
        self.inner.deserialize(Lenient {
            inner: deserializer,
            numbers: self.numbers,
        })
    }
}
