//! Site keys as bytes, so a vendor can keep them (in a secure element or
//! encrypted flash) and give them back to `locker_restore`.
//!
//! The format is the core's (`KeyRing::to_secret_bytes`): one format byte
//! (`LOCKER_KEYS_FORMAT`), the largest key id ever used as a big-endian
//! `u16`, then per key, oldest first, its id as a big-endian `u16` and its
//! 32 secret bytes.

use locker_core::credential::{KEY_RING_FORMAT, KeyRing, SITE_KEY_BYTES};

use crate::error::Error;
use crate::locker_status;

/// The format byte of exported keys (the core's `KEY_RING_FORMAT`; a
/// literal so the header can state it).
pub const LOCKER_KEYS_FORMAT: u8 = 1;
/// Bytes before the first key: the format byte and the largest id used.
pub const LOCKER_KEYS_HEADER_BYTES: usize = 3;
/// Bytes per key in exported keys: a 2-byte id and a 32-byte secret.
pub const LOCKER_KEY_ENTRY_BYTES: usize = 34;

// The header's literals must stay the core's format.
const _: () = assert!(LOCKER_KEYS_FORMAT == KEY_RING_FORMAT);
const _: () = assert!(LOCKER_KEY_ENTRY_BYTES == 2 + SITE_KEY_BYTES);

/// How many bytes `export` writes for `keys`.
pub(crate) fn exported_len(keys: &KeyRing) -> usize {
    LOCKER_KEYS_HEADER_BYTES + keys.len() * LOCKER_KEY_ENTRY_BYTES
}

/// Writes `keys` into `out`, which must be `exported_len(keys)` long.
pub(crate) fn export(keys: &KeyRing, out: &mut [u8]) -> Result<(), Error> {
    let bytes = keys.to_secret_bytes();
    let slot = out
        .get_mut(..bytes.len())
        .ok_or(locker_status::LOCKER_BUFFER_TOO_SMALL)?;
    slot.copy_from_slice(&bytes);
    Ok(())
}

/// Reads keys written by `export`.
pub(crate) fn import(bytes: &[u8]) -> Result<KeyRing, Error> {
    KeyRing::from_secret_bytes(bytes)
        .map_err(|error| Error::new(locker_status::LOCKER_KEYS_INVALID, error))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use locker_core::credential::{KeyId, SiteKey};

    #[test]
    fn keys_round_trip_and_bad_bytes_are_refused() {
        let mut ring = KeyRing::new();
        ring.add(SiteKey::from_bytes(KeyId(1), [7; 32])).unwrap();
        ring.add(SiteKey::from_bytes(KeyId(3), [9; 32])).unwrap();
        let mut bytes = vec![0; exported_len(&ring)];
        export(&ring, &mut bytes).unwrap();
        assert_eq!(bytes.len(), 71);
        let back = import(&bytes).unwrap();
        assert_eq!(back.ids().collect::<Vec<_>>(), vec![KeyId(1), KeyId(3)]);
        assert_eq!(back.get(KeyId(3)).unwrap().expose_secret(), &[9; 32]);

        assert!(import(&[]).is_err());
        assert!(import(&bytes[..30]).is_err());
        let mut short = vec![0; 10];
        assert!(export(&ring, &mut short).is_err());
        bytes[0] = 2;
        assert_eq!(
            import(&bytes).unwrap_err().status,
            locker_status::LOCKER_KEYS_INVALID
        );
    }
}
