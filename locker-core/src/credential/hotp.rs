//! HOTP (RFC 4226) codes, for interoperating with authenticator apps and
//! hardware tokens. HMAC-SHA1 is the RFC's algorithm (SHA-1 is implemented
//! here, for this use only: HMAC-SHA1 remains sound as a PRF); HMAC-SHA256
//! is offered as in RFC 6238.

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use zeroize::Zeroize;

use super::CredentialError;

/// Fewest digits RFC 4226 allows.
pub const HOTP_MIN_DIGITS: u32 = 6;
/// Most digits: dynamic truncation yields 31 bits, so 9 digits stay uniform
/// enough and a 10th would be biased.
pub const HOTP_MAX_DIGITS: u32 = 9;
/// SHA-1 block length in bytes.
const SHA1_BLOCK_BYTES: usize = 64;
/// SHA-1 digest length in bytes.
const SHA1_DIGEST_BYTES: usize = 20;
/// HMAC inner pad byte.
const IPAD: u8 = 0x36;
/// HMAC outer pad byte.
const OPAD: u8 = 0x5c;

/// The HMAC behind the code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub enum HotpAlgorithm {
    /// HMAC-SHA1, as in RFC 4226 (what authenticator apps default to).
    Sha1,
    /// HMAC-SHA256, as allowed by RFC 6238.
    Sha256,
}

/// The HOTP code for `counter` under `secret`: dynamic truncation of the
/// HMAC, modulo 10^`digits`. Show it zero-padded to `digits`.
///
/// ```
/// use locker_core::credential::{hotp, HotpAlgorithm};
/// // RFC 4226, Appendix D, counter 0.
/// assert_eq!(hotp(HotpAlgorithm::Sha1, b"12345678901234567890", 0, 6), Ok(755_224));
/// ```
///
/// # Errors
///
/// [`CredentialError::InvalidRequest`] if `digits` is not 6 to 9.
pub fn hotp(
    algorithm: HotpAlgorithm,
    secret: &[u8],
    counter: u64,
    digits: u32,
) -> Result<u32, CredentialError> {
    if !(HOTP_MIN_DIGITS..=HOTP_MAX_DIGITS).contains(&digits) {
        return Err(CredentialError::InvalidRequest {
            field: "digits",
            reason: "HOTP codes have 6 to 9 digits",
        });
    }
    let message = counter.to_be_bytes();
    let code = match algorithm {
        HotpAlgorithm::Sha1 => {
            let mut mac = hmac_sha1(secret, &message);
            let code = truncate(&mac);
            mac.zeroize();
            code
        }
        HotpAlgorithm::Sha256 => {
            let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(secret).map_err(|_| {
                CredentialError::InvalidRequest {
                    field: "secret",
                    reason: "not a valid HMAC key",
                }
            })?;
            Mac::update(&mut mac, &message);
            let mut out: [u8; 32] = mac.finalize().into_bytes().into();
            let code = truncate(&out);
            out.zeroize();
            code
        }
    };
    Ok(code % 10u32.pow(digits))
}

/// RFC 4226 dynamic truncation: 31 bits at the offset named by the low
/// nibble of the last byte.
fn truncate(mac: &[u8]) -> u32 {
    let offset = usize::from(mac.last().copied().unwrap_or(0) & 0x0f);
    let bytes = [0, 1, 2, 3].map(|i| mac.get(offset + i).copied().unwrap_or(0));
    u32::from_be_bytes(bytes) & 0x7fff_ffff
}

/// HMAC-SHA1 (RFC 2104).
fn hmac_sha1(key: &[u8], message: &[u8]) -> [u8; SHA1_DIGEST_BYTES] {
    let mut block = [0u8; SHA1_BLOCK_BYTES];
    if key.len() > SHA1_BLOCK_BYTES {
        let mut hashed = Sha1::digest(&[key]);
        block[..SHA1_DIGEST_BYTES].copy_from_slice(&hashed);
        hashed.zeroize();
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let mut pad = block.map(|b| b ^ IPAD);
    let mut inner = Sha1::digest(&[&pad, message]);
    pad = block.map(|b| b ^ OPAD);
    let outer = Sha1::digest(&[&pad, &inner]);
    block.zeroize();
    pad.zeroize();
    inner.zeroize();
    outer
}

/// A minimal SHA-1 (FIPS 180-4), streaming over several slices.
struct Sha1 {
    state: [u32; 5],
    block: [u8; SHA1_BLOCK_BYTES],
    filled: usize,
    length_bytes: u64,
}

impl Sha1 {
    fn digest(parts: &[&[u8]]) -> [u8; SHA1_DIGEST_BYTES] {
        let mut sha = Self {
            state: [
                0x6745_2301,
                0xEFCD_AB89,
                0x98BA_DCFE,
                0x1032_5476,
                0xC3D2_E1F0,
            ],
            block: [0; SHA1_BLOCK_BYTES],
            filled: 0,
            length_bytes: 0,
        };
        for part in parts {
            sha.update(part);
        }
        let bit_length = sha.length_bytes.wrapping_mul(8);
        sha.update(&[0x80]);
        while sha.filled != SHA1_BLOCK_BYTES - 8 {
            sha.update(&[0]);
        }
        sha.update(&bit_length.to_be_bytes());
        let mut out = [0u8; SHA1_DIGEST_BYTES];
        for (chunk, word) in out.chunks_exact_mut(4).zip(sha.state) {
            chunk.copy_from_slice(&word.to_be_bytes());
        }
        sha.block.zeroize();
        sha.state.zeroize();
        out
    }

    fn update(&mut self, data: &[u8]) {
        for &byte in data {
            self.block[self.filled] = byte;
            self.filled += 1;
            self.length_bytes = self.length_bytes.wrapping_add(1);
            if self.filled == SHA1_BLOCK_BYTES {
                self.compress();
                self.filled = 0;
            }
        }
    }

    fn compress(&mut self) {
        let mut w = [0u32; 80];
        for (i, chunk) in self.block.chunks_exact(4).enumerate() {
            w[i] = u32::from_be_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]);
        }
        for i in 16..80 {
            w[i] = (w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16]).rotate_left(1);
        }
        let [mut a, mut b, mut c, mut d, mut e] = self.state;
        for (i, &word) in w.iter().enumerate() {
            let (f, k) = match i {
                0..=19 => ((b & c) | (!b & d), 0x5A82_7999),
                20..=39 => (b ^ c ^ d, 0x6ED9_EBA1),
                40..=59 => ((b & c) | (b & d) | (c & d), 0x8F1B_BCDC),
                _ => (b ^ c ^ d, 0xCA62_C1D6),
            };
            let t = a
                .rotate_left(5)
                .wrapping_add(f)
                .wrapping_add(e)
                .wrapping_add(k)
                .wrapping_add(word);
            e = d;
            d = c;
            c = b.rotate_left(30);
            b = a;
            a = t;
        }
        for (s, v) in self.state.iter_mut().zip([a, b, c, d, e]) {
            *s = s.wrapping_add(v);
        }
        w.zeroize();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RFC_SECRET: &[u8] = b"12345678901234567890";

    fn hex(bytes: &[u8]) -> alloc::string::String {
        bytes.iter().map(|b| alloc::format!("{b:02x}")).collect()
    }

    #[test]
    fn sha1_known_answers() {
        assert_eq!(
            hex(&Sha1::digest(&[b"abc"])),
            "a9993e364706816aba3e25717850c26c9cd0d89d"
        );
        assert_eq!(
            hex(&Sha1::digest(&[b""])),
            "da39a3ee5e6b4b0d3255bfef95601890afd80709"
        );
        let long = b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
        assert_eq!(
            hex(&Sha1::digest(&[&long[..10], &long[10..]])),
            "84983e441c3bd26ebaae4aa1f95129e5e54670f1"
        );
    }

    /// RFC 4226, Appendix D: intermediate HMAC-SHA1 values.
    #[test]
    fn rfc4226_hmac_values() {
        let expected = [
            "cc93cf18508d94934c64b65d8ba7667fb7cde4b0",
            "75a48a19d4cbe100644e8ac1397eea747a2d33ab",
            "0bacb7fa082fef30782211938bc1c5e70416ff44",
            "66c28227d03a2d5529262ff016a1e6ef76557ece",
            "a904c900a64b35909874b33e61c5938a8e15ed1c",
            "a37e783d7b7233c083d4f62926c7a25f238d0316",
            "bc9cd28561042c83f219324d3c607256c03272ae",
            "a4fb960c0bc06e1eabb804e5b397cdc4b45596fa",
            "1b3c89f65e6c9e883012052823443f048b4332db",
            "1637409809a679dc698207310c8c7fc07290d9e5",
        ];
        for (counter, want) in (0u64..).zip(expected) {
            assert_eq!(hex(&hmac_sha1(RFC_SECRET, &counter.to_be_bytes())), want);
        }
    }

    /// RFC 4226, Appendix D: HOTP values for counters 0 to 9.
    #[test]
    fn rfc4226_hotp_values() {
        let expected = [
            755_224, 287_082, 359_152, 969_429, 338_314, 254_676, 287_922, 162_583, 399_871,
            520_489,
        ];
        for (counter, want) in (0u64..).zip(expected) {
            assert_eq!(hotp(HotpAlgorithm::Sha1, RFC_SECRET, counter, 6), Ok(want));
        }
    }

    #[test]
    fn long_keys_are_hashed_and_digits_checked() {
        // RFC 2202 test case 6: an 80-byte key.
        let key = [0xaa; 80];
        let mac = hmac_sha1(
            &key,
            b"Test Using Larger Than Block-Size Key - Hash Key First",
        );
        assert_eq!(hex(&mac), "aa4ae5e15272d00e95705637ce8a3b55ed402112");
        assert!(hotp(HotpAlgorithm::Sha1, RFC_SECRET, 0, 5).is_err());
        assert!(hotp(HotpAlgorithm::Sha256, RFC_SECRET, 0, 10).is_err());
        assert!(hotp(HotpAlgorithm::Sha256, RFC_SECRET, 0, 8).unwrap() < 100_000_000);
    }
}
