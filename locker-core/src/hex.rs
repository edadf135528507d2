//! Fixed-length byte strings as lowercase hex in JSON: digests, tags, key
//! check values, MACs, public keys and signatures all cross the JSON
//! boundary this way, so one reader and one writer serve them all.

use core::fmt;

/// Writes `bytes` as lowercase hex into `out` (twice as long).
pub(crate) fn encode_into<'a>(bytes: &[u8], out: &'a mut [u8]) -> &'a str {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    for (pair, byte) in out.chunks_exact_mut(2).zip(bytes) {
        pair[0] = DIGITS[usize::from(byte >> 4)];
        pair[1] = DIGITS[usize::from(byte & 0x0f)];
    }
    // Hex digits are ASCII.
    core::str::from_utf8(out).unwrap_or_default()
}

/// Parses exactly `2 * N` lowercase hex digits.
#[cfg(any(feature = "serde", test))]
#[must_use]
pub(crate) fn decode<const N: usize>(text: &str) -> Option<[u8; N]> {
    let bytes = text.as_bytes();
    if bytes.len() != 2 * N {
        return None;
    }
    let nibble = |c: u8| match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        _ => None,
    };
    let mut out = [0_u8; N];
    for (byte, pair) in out.iter_mut().zip(bytes.chunks_exact(2)) {
        *byte = (nibble(pair[0])? << 4) | nibble(pair[1])?;
    }
    Some(out)
}

/// Parses lowercase hex digits of any even length (the storage encoding
/// turns such strings to bytes and back).
#[cfg(feature = "serde")]
pub(crate) fn decode_vec(text: &str) -> Option<alloc::vec::Vec<u8>> {
    let nibble = |c: u8| match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        _ => None,
    };
    let bytes = text.as_bytes();
    if !bytes.len().is_multiple_of(2) {
        return None;
    }
    bytes
        .chunks_exact(2)
        .map(|pair| Some((nibble(pair[0])? << 4) | nibble(pair[1])?))
        .collect()
}

/// `bytes` as lowercase hex.
#[cfg(feature = "serde")]
pub(crate) fn encode(bytes: &[u8]) -> alloc::string::String {
    let mut out = alloc::vec![0_u8; bytes.len() * 2];
    alloc::string::String::from(encode_into(bytes, &mut out))
}

/// Formats `bytes` as lowercase hex (a chunk at a time: digests are
/// formatted for every record read, and a formatter call per byte was a
/// fifth of reading a journal).
pub(crate) fn fmt(bytes: &[u8], f: &mut fmt::Formatter<'_>) -> fmt::Result {
    let mut text = [0_u8; 64];
    for chunk in bytes.chunks(32) {
        let out = text.get_mut(..2 * chunk.len()).unwrap_or_default();
        f.write_str(encode_into(chunk, out))?;
    }
    Ok(())
}

/// Longest byte string written (an Ed25519 signature).
#[cfg(feature = "serde")]
const MAX_BYTES: usize = 64;

/// Serializes `bytes` (at most 64) as a lowercase hex string.
#[cfg(feature = "serde")]
pub(crate) fn serialize<S: serde::Serializer>(
    bytes: &[u8],
    serializer: S,
) -> Result<S::Ok, S::Error> {
    let mut text = [0_u8; 2 * MAX_BYTES];
    let len = 2 * bytes.len().min(MAX_BYTES);
    let out = text.get_mut(..len).unwrap_or_default();
    serializer.serialize_str(encode_into(bytes, out))
}

/// Deserializes exactly `N` bytes written as `2 * N` lowercase hex digits.
#[cfg(feature = "serde")]
pub(crate) fn deserialize<'de, D: serde::Deserializer<'de>, const N: usize>(
    deserializer: D,
) -> Result<[u8; N], D::Error> {
    struct HexVisitor<const N: usize>;
    impl<const N: usize> serde::de::Visitor<'_> for HexVisitor<N> {
        type Value = [u8; N];
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            write!(f, "{} lowercase hex digits", 2 * N)
        }
        fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<[u8; N], E> {
            decode(v).ok_or_else(|| E::invalid_value(serde::de::Unexpected::Str(v), &self))
        }
    }
    deserializer.deserialize_str(HexVisitor::<N>)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_round_trips_and_refuses_other_spellings() {
        let bytes = [0x00, 0x7f, 0xa5, 0xff];
        let mut out = [0_u8; 8];
        let text = encode_into(&bytes, &mut out);
        assert_eq!(text, "007fa5ff");
        assert_eq!(decode::<4>(text), Some(bytes));
        assert_eq!(
            decode::<4>("007FA5FF"),
            None,
            "uppercase is another spelling"
        );
        assert_eq!(decode::<4>("007fa5f"), None);
        assert_eq!(decode::<4>("007fa5fg"), None);
        assert_eq!(decode::<3>(text), None);
    }
}
