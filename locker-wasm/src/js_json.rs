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
    // Integers up to 2^53 − 1 have at most 16 digits: a text without a
    // number of 16 digits holds none beyond, and most answers have none.
    if !has_long_number(text.as_bytes()) {
        return Ok(text);
    }
    write::quoted(&text)
}

/// True when the JSON text `bytes` holds a number of 16 digits or more:
/// only such a number can be beyond 2^53 − 1. Digits inside strings (hex
/// digests, labels) do not count, so a journal's records, whose hashes
/// often hold such runs, skip the tree when they hold no big integer.
fn has_long_number(bytes: &[u8]) -> bool {
    let mut in_string = false;
    let mut escaped = false;
    let mut run = 0;
    for &byte in bytes {
        if in_string {
            if escaped {
                escaped = false;
            } else if byte == b'\\' {
                escaped = true;
            } else if byte == b'"' {
                in_string = false;
            }
            continue;
        }
        in_string = byte == b'"';
        run = if byte.is_ascii_digit() { run + 1 } else { 0 };
        if run >= 16 {
            return true;
        }
    }
    false
}

#[cfg(test)]
mod tests;
