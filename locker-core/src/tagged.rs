//! Internally tagged enums (`{"type": "deposit_opened", …}`) read in one
//! pass.
//!
//! serde's derive reads an internally tagged enum by first buffering the
//! whole object into a private tree (the tag might come last), then reading
//! the variant from that tree. Every type inside such an enum is then
//! compiled twice, once per deserializer: in a WebAssembly module that is
//! about a sixth of the code. Here the tag must be the object's first
//! field, where every serializer of these enums writes it, and the variant
//! is read straight from the input by the derive of an externally tagged
//! twin of the enum, which [`tag_first!`] declares.

#[cfg(feature = "serde")]
mod read;
#[cfg(feature = "serde")]
pub(crate) use read::TagFirst;

/// Declares an enum serialized internally tagged (`{"<tag>": "variant",
/// fields…}`) and deserialized from that shape with the tag first.
///
/// The enum's `Serialize` comes from serde's derive (add it to the
/// derives); its `Deserialize` reads the tag, then the variant's fields
/// through a twin declared in the module named after `twin`. Only the
/// enum's body is copied to the twin: an enum-level `#[serde(…)]` other
/// than the tag and `snake_case` would not reach its `Deserialize`.
macro_rules! tag_first {
    (
        tag = $tag:literal, twin = $twin:ident, remote = $remote:literal;
        $(#[$meta:meta])*
        pub enum $name:ident { $($body:tt)* }
    ) => {
        $(#[$meta])*
        #[cfg_attr(feature = "serde", serde(rename_all = "snake_case", tag = $tag))]
        pub enum $name { $($body)* }

        /// The externally tagged twin whose derive reads the variants.
        #[cfg(feature = "serde")]
        mod $twin {
            #[allow(unused_imports)]
            use super::*;

            #[derive(serde::Deserialize)]
            #[serde(rename_all = "snake_case", remote = $remote, deny_unknown_fields)]
            #[allow(dead_code)]
            pub(super) enum $name { $($body)* }
        }

        #[cfg(feature = "serde")]
        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                $twin::$name::deserialize($crate::tagged::TagFirst::new(deserializer, $tag))
            }
        }
    };
}
pub(crate) use tag_first;

#[cfg(all(test, feature = "serde"))]
mod tests;
