//! The storage encoding written straight from a value's `Serialize`, with
//! no JSON text and no CBOR value tree in between: what a compaction on a
//! microcontroller can afford. The bytes are exactly those of the JSON
//! route ([`super::encode_json`] over `serde_json::to_vec`), which a
//! property test holds: the value as serde_json would write it
//! ([`crate::journal::walk`]), then the [substitutions](super) of names
//! and hex.
//!
//! A container's length is counted as its items are written and put in
//! front of them at its end, so a `Serialize` that gives no length hint
//! is written right too.

use alloc::vec::Vec;
use core::convert::Infallible;

use ciborium_ll::{Encoder, Header, simple};
use serde::Serialize;

use super::reader::MAX_DEPTH;
use super::{NAME_TAG, STORAGE_VERSION, StoredText, name_index, stored_text};
use crate::journal::walk::{Emit, Mark, Unencodable, Walker};

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
    encode_with_capacity(value, 256)
}

/// As [`encode`], into a vector that starts with room for
/// `capacity_bytes`: a value checked against bytes already read is
/// written without growing (and copying) its vector.
pub(super) fn encode_with_capacity<T: Serialize + ?Sized>(
    value: &T,
    capacity_bytes: usize,
) -> Result<Vec<u8>, Unencodable> {
    let mut bytes = Vec::with_capacity(capacity_bytes);
    bytes.push(STORAGE_VERSION);
    let mut cbor = Cbor {
        bytes,
        depth: 0,
        too_deep: false,
    };
    value.serialize(&mut Walker(&mut cbor))?;
    if cbor.too_deep {
        // JSON reads no deeper (serde_json's limit), nor does the reader:
        // written, it could never be read back.
        return Err(Unencodable(
            "arrays and maps nested deeper than 127 levels".into(),
        ));
    }
    Ok(cbor.bytes)
}

/// The storage encoding's CBOR, as the walk gives it.
struct Cbor {
    bytes: Vec<u8>,
    /// Arrays and maps open around the next item.
    depth: usize,
    /// True once they nested deeper than [`MAX_DEPTH`].
    too_deep: bool,
}

impl Cbor {
    fn encoder(&mut self) -> Encoder<Out<'_>> {
        Encoder::from(Out(&mut self.bytes))
    }

    fn push(&mut self, header: Header) {
        // Writing into a vector cannot fail.
        let _ = self.encoder().push(header);
    }
}

impl Emit for Cbor {
    fn null(&mut self) {
        self.push(Header::Simple(simple::NULL));
    }

    fn boolean(&mut self, value: bool) {
        self.push(Header::Simple(if value {
            simple::TRUE
        } else {
            simple::FALSE
        }));
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

    fn number(&mut self, _json: &[u8], read_back: Option<f64>) {
        match read_back {
            Some(value) => self.push(Header::Float(value)),
            // serde_json writes NaN and the infinities as null.
            None => self.null(),
        }
    }

    /// A name's index, hex as bytes, or the text.
    fn text(&mut self, text: &str) {
        match stored_text(text) {
            StoredText::Name(index) => {
                self.push(Header::Tag(NAME_TAG));
                self.unsigned(index);
            }
            StoredText::Hex(bytes) => {
                let _ = self.encoder().bytes(&bytes, None);
            }
            StoredText::Text => {
                let _ = self.encoder().text(text, None);
            }
        }
    }

    fn bytes(&mut self, value: &[u8]) {
        self.push(Header::Array(Some(value.len())));
        for byte in value {
            self.unsigned((*byte).into());
        }
    }

    /// A name's index, or the text (hex stays text in keys).
    fn key(&mut self, text: &str) {
        match name_index(text) {
            Some(index) => self.unsigned(index),
            None => {
                let _ = self.encoder().text(text, None);
            }
        }
    }

    fn open(&mut self, _map: bool) -> Mark {
        self.depth += 1;
        self.too_deep |= self.depth > MAX_DEPTH;
        Mark {
            start: self.bytes.len(),
            items: 0,
        }
    }

    fn item(&mut self, mark: &mut Mark) {
        mark.items += 1;
    }

    /// Puts the header, with the count of items, in front of them.
    fn close(&mut self, mark: Mark, map: bool) {
        // The header is at most 9 bytes: written at the end, then turned
        // into place, with no allocation per container.
        self.depth -= 1;
        let end = self.bytes.len();
        self.push(if map {
            Header::Map(Some(mark.items))
        } else {
            Header::Array(Some(mark.items))
        });
        let header_bytes = self.bytes.len() - end;
        if let Some(moved) = self.bytes.get_mut(mark.start..) {
            moved.rotate_right(header_bytes);
        }
    }
}
