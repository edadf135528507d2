//! The keyed MAC behind every `locker-core` credential: HMAC-SHA256 over a
//! domain label and length-framed parts, from a state keyed once.
//!
//! A crate of its own for one reason: Cargo sets optimization per crate, and
//! generic code (the `hmac` and `digest` layers) is compiled in the crate
//! that names its types, which is this one. A build tuned for size (the
//! WebAssembly package, firmware) can then compile this hot path for speed
//! (`profile.release.package.locker-core-mac.opt-level = 3`) and keep the
//! rest small: a PIN check in the `.wasm` is about 20 % faster for 2 KB.
//!
//! ```
//! use locker_core_mac::{KeyedMac, KEY_BYTES};
//!
//! let keyed = KeyedMac::new(&[7u8; KEY_BYTES]);
//! let tag = keyed.mac(b"pin", &[b"1234"]);
//! assert_eq!(tag, keyed.mac(b"pin", &[b"1234"]));
//! assert_ne!(tag, keyed.mac(b"pin", &[b"12", b"34"])); // framing counts
//! ```

#![no_std]

use core::fmt;

use hmac::digest::block_api::{Buffer, CoreProxy};
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use zeroize::{Zeroize, ZeroizeOnDrop};

/// Length of a key in bytes (256 bits).
pub const KEY_BYTES: usize = 32;
/// Length of a MAC in bytes (the full HMAC-SHA256 output).
pub const MAC_BYTES: usize = 32;
/// HMAC-SHA256 block length; keys are zero-padded to it, as HMAC pads a
/// short key.
const BLOCK_BYTES: usize = 64;
/// Framed inputs up to this length are assembled on the stack and hashed in
/// one call (a PIN's framing fits one SHA-256 block with its padding).
const INPUT_BYTES: usize = 64;

/// HMAC-SHA256 already keyed (both pads hashed), cloned for each MAC: a MAC
/// of a short input then costs two SHA-256 compressions instead of four.
///
/// The state is as good as the key. It is wiped when it drops (the
/// `zeroize` features of `hmac` and `sha2`), and so is every clone; `Debug`
/// never shows it.
#[derive(Clone)]
pub struct KeyedMac(Hmac<Sha256>);

impl KeyedMac {
    /// The state keyed with `key`.
    #[must_use]
    pub fn new(key: &[u8; KEY_BYTES]) -> Self {
        let mut block = [0u8; BLOCK_BYTES];
        block[..KEY_BYTES].copy_from_slice(key);
        let keyed = <Hmac<Sha256> as KeyInit>::new((&block).into());
        block.zeroize();
        Self(keyed)
    }

    /// HMAC-SHA256 over `domain` then each of `parts`, each prefixed with
    /// its length as a big-endian `u16`, so no two different lists of parts
    /// give the same input. Parts are expected to be far shorter than
    /// 64 KiB; a longer one is framed with the length 65,535.
    #[must_use]
    pub fn mac(&self, domain: &[u8], parts: &[&[u8]]) -> [u8; MAC_BYTES] {
        let mut mac = self.0.clone();
        let mut input = [0u8; INPUT_BYTES];
        let mut used = 0usize;
        for part in core::iter::once(domain).chain(parts.iter().copied()) {
            let len = u16::try_from(part.len()).unwrap_or(u16::MAX).to_be_bytes();
            let end = used + len.len() + part.len();
            if let Some(slot) = input.get_mut(used..end) {
                slot[..len.len()].copy_from_slice(&len);
                slot[len.len()..].copy_from_slice(part);
                used = end;
            } else {
                // Too long for the stack buffer: flush it, then stream.
                Mac::update(&mut mac, &input[..used]);
                used = 0;
                Mac::update(&mut mac, &len);
                Mac::update(&mut mac, part);
            }
        }
        Mac::update(&mut mac, &input[..used]);
        // All of it: after a flush, earlier parts are still in the buffer.
        input.zeroize();
        mac.finalize().into_bytes().into()
    }
}

/// The state wipes itself on drop: HMAC's state is two SHA-256 cores and a
/// block buffer, and each wipes itself (the `zeroize` features of `sha2`
/// and `hmac`). The check below stops the build if that ever changes.
impl ZeroizeOnDrop for KeyedMac {}
const _: fn() = || {
    fn wiped_on_drop<T: ZeroizeOnDrop>() {}
    wiped_on_drop::<<Sha256 as CoreProxy>::Core>();
    wiped_on_drop::<Buffer<<Sha256 as CoreProxy>::Core>>();
};

impl fmt::Debug for KeyedMac {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("KeyedMac(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    extern crate alloc;

    use alloc::format;
    use alloc::vec::Vec;

    use proptest::prelude::*;

    use super::*;

    /// HMAC-SHA256 keyed from the slice (as HMAC pads it) over the framing
    /// written out in full.
    fn reference(key: &[u8; KEY_BYTES], domain: &[u8], parts: &[Vec<u8>]) -> [u8; MAC_BYTES] {
        let mut framed = Vec::new();
        for part in core::iter::once(domain).chain(parts.iter().map(Vec::as_slice)) {
            framed.extend_from_slice(&u16::try_from(part.len()).unwrap().to_be_bytes());
            framed.extend_from_slice(part);
        }
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(key).unwrap();
        Mac::update(&mut mac, &framed);
        mac.finalize().into_bytes().into()
    }

    proptest! {
        /// Short inputs (one stack buffer) and long ones (streamed) alike.
        #[test]
        fn mac_is_hmac_of_the_framing(
            key in any::<[u8; KEY_BYTES]>(),
            domain in proptest::collection::vec(any::<u8>(), 0..20),
            parts in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..150), 0..5),
        ) {
            let slices: Vec<&[u8]> = parts.iter().map(Vec::as_slice).collect();
            prop_assert_eq!(
                KeyedMac::new(&key).mac(&domain, &slices),
                reference(&key, &domain, &parts)
            );
        }
    }

    #[test]
    fn debug_never_shows_the_state() {
        let text = format!("{:?}", KeyedMac::new(&[0xAB; KEY_BYTES]));
        assert_eq!(text, "KeyedMac(<redacted>)");
    }
}
