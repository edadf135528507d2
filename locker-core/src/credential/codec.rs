//! Strict uppercase RFC 4648 base32 without padding, into fixed buffers.
//!
//! Written here rather than taken from the `base32` crate for two reasons:
//! the encoder writes into a caller's buffer (so a token's text never lives
//! in an unwiped heap string), and the decoder is *canonical*: non-zero
//! padding bits and impossible lengths are refused, so two texts never decode
//! to the same bytes and changing any character is detected.

use super::error::TokenParseError;

/// RFC 4648 base32 alphabet; every character is in QR alphanumeric mode.
const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
/// Bits carried by one base32 character.
const BITS_PER_CHAR: usize = 5;
/// Bits per byte.
const BITS_PER_BYTE: usize = 8;
/// Marks bytes outside the alphabet in [`DECODE`].
const INVALID: u8 = 0xff;
/// Byte → 5-bit value, or [`INVALID`].
const DECODE: [u8; 256] = {
    let mut table = [INVALID; 256];
    let mut value: u8 = 0;
    while (value as usize) < ALPHABET.len() {
        table[ALPHABET[value as usize] as usize] = value;
        value += 1;
    }
    table
};

/// Characters needed to encode `bytes` bytes without padding.
pub(crate) const fn encoded_len(bytes: usize) -> usize {
    (bytes * BITS_PER_BYTE).div_ceil(BITS_PER_CHAR)
}

/// Encodes `data` into `out`, returning the number of characters written.
/// `out` must hold at least `encoded_len(data.len())` bytes; extra input
/// beyond what fits is not written.
pub(crate) fn encode(data: &[u8], out: &mut [u8]) -> usize {
    let mut acc: u32 = 0;
    let mut bits = 0usize;
    let mut written = 0usize;
    let mut push = |index: u32, written: &mut usize| {
        if let (Some(slot), Some(&c)) = (out.get_mut(*written), ALPHABET.get(index as usize)) {
            *slot = c;
            *written += 1;
        }
    };
    for &byte in data {
        acc = (acc << BITS_PER_BYTE) | u32::from(byte);
        bits += BITS_PER_BYTE;
        while bits >= BITS_PER_CHAR {
            bits -= BITS_PER_CHAR;
            push((acc >> bits) & 0x1f, &mut written);
        }
        acc &= (1 << bits) - 1;
    }
    if bits > 0 {
        push((acc << (BITS_PER_CHAR - bits)) & 0x1f, &mut written);
    }
    written
}

/// Decodes canonical unpadded base32 `text` into `out`, returning the
/// number of bytes written.
///
/// # Errors
///
/// [`TokenParseError::NotBase32`] for a character outside the alphabet
/// (lowercase included), [`TokenParseError::NonCanonical`] for an impossible
/// length or non-zero padding bits, [`TokenParseError::TooLong`] if `out` is
/// too small.
pub(crate) fn decode(text: &str, out: &mut [u8]) -> Result<usize, TokenParseError> {
    let mut acc: u32 = 0;
    let mut bits = 0usize;
    let mut written = 0usize;
    for (position, &byte) in text.as_bytes().iter().enumerate() {
        let value = DECODE[usize::from(byte)];
        if value == INVALID {
            // Every byte before this one is ASCII, so `position` is both a
            // byte offset on a character boundary and a character index.
            let character = text
                .get(position..)
                .and_then(|rest| rest.chars().next())
                .unwrap_or('\u{fffd}');
            return Err(TokenParseError::NotBase32 {
                position,
                character,
            });
        }
        acc = (acc << BITS_PER_CHAR) | u32::from(value);
        bits += BITS_PER_CHAR;
        if bits >= BITS_PER_BYTE {
            bits -= BITS_PER_BYTE;
            let max = encoded_len(out.len());
            let slot = out.get_mut(written).ok_or(TokenParseError::TooLong {
                len: text.len(),
                max,
            })?;
            *slot =
                u8::try_from((acc >> bits) & 0xff).map_err(|_| TokenParseError::NonCanonical)?;
            written += 1;
            acc &= (1 << bits) - 1;
        }
    }
    // A canonical encoding leaves fewer than 5 padding bits, all zero.
    if bits >= BITS_PER_CHAR || acc != 0 {
        return Err(TokenParseError::NonCanonical);
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec::Vec;

    fn round_trip(data: &[u8]) -> Vec<u8> {
        let mut text = [0u8; 128];
        let n = encode(data, &mut text);
        assert_eq!(n, encoded_len(data.len()));
        let text = core::str::from_utf8(&text[..n]).unwrap();
        let reference = base32::encode(base32::Alphabet::Rfc4648 { padding: false }, data);
        assert_eq!(text, reference);
        let mut out = [0u8; 80];
        let m = decode(text, &mut out).unwrap();
        out[..m].to_vec()
    }

    #[test]
    fn matches_the_base32_crate_and_round_trips() {
        for len in 0..40u8 {
            let data: Vec<u8> = (0..len)
                .map(|i: u8| i.wrapping_mul(37).wrapping_add(11))
                .collect();
            assert_eq!(round_trip(&data), data);
        }
    }

    #[test]
    fn refuses_lowercase_padding_bits_and_bad_lengths() {
        let mut out = [0u8; 16];
        assert_eq!(
            decode("MZxw6", &mut out),
            Err(TokenParseError::NotBase32 {
                position: 2,
                character: 'x'
            })
        );
        // "MY" is canonical for 'f'; "MZ" sets a padding bit.
        assert_eq!(decode("MY", &mut out), Ok(1));
        assert_eq!(decode("MZ", &mut out), Err(TokenParseError::NonCanonical));
        // One, three or six characters can never be canonical.
        assert_eq!(decode("M", &mut out), Err(TokenParseError::NonCanonical));
        assert_eq!(decode("MZX", &mut out), Err(TokenParseError::NonCanonical));
        assert_eq!(
            decode("MZXW6Y", &mut out),
            Err(TokenParseError::NonCanonical)
        );
        assert_eq!(
            decode("MZ=", &mut out),
            Err(TokenParseError::NotBase32 {
                position: 2,
                character: '='
            })
        );
    }
}
