//! JSON for JavaScript: integers beyond 2^53 − 1 as decimal strings.
//!
//! A JavaScript number holds integers exactly only up to 2^53 − 1, and
//! `JSON.parse` rounds larger ones. Since journal record version 3 the
//! library writes none: it draws ids in 53 bits and leaves "never
//! expires" out. Larger values still come from journals of versions 1 and
//! 2 (64-bit ids, "never" as 2^64 − 1) and from C or Python hosts' own
//! 64-bit parcel numbers, so they leave as decimal strings ([`write`](fn@write)) and
//! come back as such ([`read`]). Neither direction edits JSON text:
//! out, the serialized value's big integers become strings (in
//! a tree read from the text, which keeps every key's place); in,
//! a string of digits is read as an integer exactly where the core type
//! asks for one (back ends that send every 64-bit integer as a string,
//! protobuf's JSON mapping does, are read too), and a string anywhere
//! else (a door's label of digits) stays a string.

mod read;
mod write;

pub use read::{Numbers, read};

use serde::Serialize;

/// The value's compact JSON text, with every integer beyond 2^53 − 1 in
/// magnitude written as a decimal string (its fields in their order).
///
/// # Errors
///
/// The serializer's, for a value that does not serialize (a map with keys
/// that are no strings or numbers: no core type).
pub fn write<T: Serialize + ?Sized>(value: &T) -> Result<String, serde_json::Error> {
    let text = serde_json::to_string(value)?;
    // Most answers hold no integer beyond 2^53 − 1: their text is final.
    if !has_big_number(text.as_bytes()) {
        return Ok(text);
    }
    write::quoted(&text)
}

/// True when the JSON text `bytes` holds a number whose digits run
/// beyond 2^53 − 1 (17 digits or more, or 16 above 9007199254740991).
/// Digits inside strings (hex digests, labels) do not count, nor do the
/// 16-digit ids of version-3 records: such answers skip the tree.
fn has_big_number(bytes: &[u8]) -> bool {
    let mut in_string = false;
    let mut escaped = false;
    let mut start = 0;
    for (at, &byte) in bytes.iter().enumerate() {
        if in_string {
            if escaped {
                escaped = false;
            } else if byte == b'\\' {
                escaped = true;
            } else if byte == b'"' {
                in_string = false;
            }
            start = at + 1;
            continue;
        }
        in_string = byte == b'"';
        if !byte.is_ascii_digit() {
            if beyond_safe(&bytes[start..at]) {
                return true;
            }
            start = at + 1;
        }
    }
    !in_string && beyond_safe(&bytes[start..])
}

/// True for ASCII digits worth more than 2^53 − 1 (9007199254740991).
fn beyond_safe(digits: &[u8]) -> bool {
    digits.len() > 16 || (digits.len() == 16 && digits > b"9007199254740991".as_slice())
}

#[cfg(test)]
mod tests;
