//! The deserializer behind [`tag_first!`](super::tag_first).

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use serde::de::{
    self, DeserializeSeed, Deserializer, EnumAccess, MapAccess, VariantAccess, Visitor,
};

/// A deserializer that reads the object `{"<tag>": "variant", fields…}` as
/// the enum variant `variant { fields… }`.
pub(crate) struct TagFirst<D> {
    inner: D,
    tag: &'static str,
}

impl<D> TagFirst<D> {
    /// Wraps `inner`, whose next value is the tagged object.
    pub(crate) const fn new(inner: D, tag: &'static str) -> Self {
        Self { inner, tag }
    }
}

impl<'de, D: Deserializer<'de>> Deserializer<'de> for TagFirst<D> {
    type Error = D::Error;

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        let human_readable = self.inner.is_human_readable();
        self.inner.deserialize_map(TaggedObject {
            tag: self.tag,
            human_readable,
            visitor,
        })
    }

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        self.inner.deserialize_any(visitor)
    }

    fn is_human_readable(&self) -> bool {
        self.inner.is_human_readable()
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct newtype_struct seq tuple
        tuple_struct map struct identifier ignored_any
    }
}

/// Visits the tagged object and hands it on as an enum.
struct TaggedObject<V> {
    tag: &'static str,
    human_readable: bool,
    visitor: V,
}

impl<'de, V: Visitor<'de>> Visitor<'de> for TaggedObject<V> {
    type Value = V::Value;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "an object whose first field is `{}`", self.tag)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<V::Value, A::Error> {
        self.visitor.visit_enum(Variant {
            rest: Rest { map, tag: self.tag },
            human_readable: self.human_readable,
        })
    }
}

/// The object, as an enum: its tag names the variant, the other fields
/// are the variant's.
struct Variant<A> {
    rest: Rest<A>,
    human_readable: bool,
}

impl<'de, A: MapAccess<'de>> EnumAccess<'de> for Variant<A> {
    type Error = A::Error;
    type Variant = Self;

    fn variant_seed<S: DeserializeSeed<'de>>(
        mut self,
        seed: S,
    ) -> Result<(S::Value, Self), A::Error> {
        let tag = self.rest.tag;
        match self.rest.map.next_key_seed(KeyIs(tag))? {
            Some(true) => {
                let variant = self.rest.map.next_value_seed(seed)?;
                Ok((variant, self))
            }
            Some(false) | None => Err(de::Error::custom(format_args!(
                "the first field must be `{tag}`"
            ))),
        }
    }
}

impl<'de, A: MapAccess<'de>> VariantAccess<'de> for Variant<A> {
    type Error = A::Error;

    fn unit_variant(mut self) -> Result<(), A::Error> {
        // The variant has no fields, so any field after the tag is unknown
        // (serde's own internally tagged unit variants would ignore it).
        match self.rest.next_key::<alloc::string::String>()? {
            Some(field) => Err(de::Error::unknown_field(&field, &[])),
            None => Ok(()),
        }
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, A::Error> {
        seed.deserialize(RestDeserializer {
            rest: self.rest,
            human_readable: self.human_readable,
        })
    }

    fn tuple_variant<V: Visitor<'de>>(
        self,
        _len: usize,
        _visitor: V,
    ) -> Result<V::Value, A::Error> {
        Err(de::Error::invalid_type(
            de::Unexpected::Map,
            &"a variant with named fields",
        ))
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, A::Error> {
        visitor.visit_map(self.rest)
    }
}

/// The object's fields after the tag; a second tag among them is refused,
/// so no reader can see a different variant than this one.
struct Rest<A> {
    map: A,
    tag: &'static str,
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for Rest<A> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, A::Error> {
        self.map.next_key_seed(NotTag {
            inner: seed,
            tag: self.tag,
        })
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, A::Error> {
        self.map.next_value_seed(seed)
    }

    fn size_hint(&self) -> Option<usize> {
        self.map.size_hint()
    }
}

/// The fields after the tag as a map (a newtype variant's struct).
struct RestDeserializer<A> {
    rest: Rest<A>,
    human_readable: bool,
}

impl<'de, A: MapAccess<'de>> Deserializer<'de> for RestDeserializer<A> {
    type Error = A::Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, A::Error> {
        visitor.visit_map(self.rest)
    }

    fn is_human_readable(&self) -> bool {
        self.human_readable
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct newtype_struct seq tuple
        tuple_struct map struct enum identifier ignored_any
    }
}

/// A map key, compared with the tag's name.
struct KeyIs(&'static str);

impl<'de> DeserializeSeed<'de> for KeyIs {
    type Value = bool;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<bool, D::Error> {
        deserializer.deserialize_identifier(self)
    }
}

impl Visitor<'_> for KeyIs {
    type Value = bool;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("a field name")
    }

    fn visit_str<E: de::Error>(self, key: &str) -> Result<bool, E> {
        Ok(key == self.0)
    }
}

/// `inner` (a field's name, as the variant reads it), unless it is the
/// tag: the seed, the deserializer it is given and that deserializer's
/// visitor are each wrapped to look at the name on its way through.
struct NotTag<T> {
    inner: T,
    tag: &'static str,
}

impl<T> NotTag<T> {
    fn check<E: de::Error>(&self, key: &[u8]) -> Result<(), E> {
        if key == self.tag.as_bytes() {
            Err(E::duplicate_field(self.tag))
        } else {
            Ok(())
        }
    }

    const fn wrap<U>(&self, inner: U) -> NotTag<U> {
        NotTag {
            inner,
            tag: self.tag,
        }
    }
}

impl<'de, K: DeserializeSeed<'de>> DeserializeSeed<'de> for NotTag<K> {
    type Value = K::Value;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<K::Value, D::Error> {
        let tag = self.tag;
        self.inner.deserialize(NotTag {
            inner: deserializer,
            tag,
        })
    }
}

impl<'de, D: Deserializer<'de>> Deserializer<'de> for NotTag<D> {
    type Error = D::Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        let visitor = self.wrap(visitor);
        self.inner.deserialize_any(visitor)
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        let visitor = self.wrap(visitor);
        self.inner.deserialize_identifier(visitor)
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        let visitor = self.wrap(visitor);
        self.inner.deserialize_str(visitor)
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        let visitor = self.wrap(visitor);
        self.inner.deserialize_string(visitor)
    }

    fn is_human_readable(&self) -> bool {
        self.inner.is_human_readable()
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char
        bytes byte_buf option unit unit_struct newtype_struct seq tuple
        tuple_struct map struct enum ignored_any
    }
}

impl<'de, V: Visitor<'de>> Visitor<'de> for NotTag<V> {
    type Value = V::Value;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.inner.expecting(formatter)
    }

    fn visit_str<E: de::Error>(self, key: &str) -> Result<V::Value, E> {
        self.check(key.as_bytes())?;
        self.inner.visit_str(key)
    }

    fn visit_borrowed_str<E: de::Error>(self, key: &'de str) -> Result<V::Value, E> {
        self.check(key.as_bytes())?;
        self.inner.visit_borrowed_str(key)
    }

    fn visit_string<E: de::Error>(self, key: String) -> Result<V::Value, E> {
        self.check(key.as_bytes())?;
        self.inner.visit_string(key)
    }

    fn visit_bytes<E: de::Error>(self, key: &[u8]) -> Result<V::Value, E> {
        self.check(key)?;
        self.inner.visit_bytes(key)
    }

    fn visit_borrowed_bytes<E: de::Error>(self, key: &'de [u8]) -> Result<V::Value, E> {
        self.check(key)?;
        self.inner.visit_borrowed_bytes(key)
    }

    fn visit_byte_buf<E: de::Error>(self, key: Vec<u8>) -> Result<V::Value, E> {
        self.check(&key)?;
        self.inner.visit_byte_buf(key)
    }

    fn visit_u64<E: de::Error>(self, index: u64) -> Result<V::Value, E> {
        // A field given by its index (non-self-describing formats).
        self.inner.visit_u64(index)
    }
}
