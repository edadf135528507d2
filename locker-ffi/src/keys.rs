//! Site keys as bytes, so a vendor can keep them (in a secure element or
//! encrypted flash) and give them back to `locker_restore`.
//!
//! The format is the core's (`KeyRing::to_secret_bytes`): one format byte
//! (`LOCKER_KEYS_FORMAT`), the largest key id ever used as a big-endian
//! `u16`, then per key, oldest first, its id as a big-endian `u16` and its
//! 32 secret bytes.

use core::ffi::c_char;

use locker_core::credential::{KEY_RING_FORMAT, KeyId, KeyRing, SITE_KEY_BYTES, SiteKey};
use zeroize::Zeroize;

use crate::api::{locker, with_locker};
use crate::error::Error;
use crate::ptr::{bytes_arg, non_null, write_out, write_string};
use crate::{boundary, locker_status};

/// The format byte of exported keys (the core's `KEY_RING_FORMAT`; a
/// literal so the header can state it).
pub const LOCKER_KEYS_FORMAT: u8 = 1;
/// Bytes before the first key: the format byte and the largest id used.
pub const LOCKER_KEYS_HEADER_BYTES: usize = 3;
/// Bytes per key in exported keys: a 2-byte id and a 32-byte secret.
pub const LOCKER_KEY_ENTRY_BYTES: usize = 34;
/// Bytes of one site key's secret (`locker_add_key`).
pub const LOCKER_KEY_SECRET_BYTES: usize = 32;

// The header's literals must stay the core's format.
const _: () = assert!(LOCKER_KEYS_FORMAT == KEY_RING_FORMAT);
const _: () = assert!(LOCKER_KEY_ENTRY_BYTES == 2 + SITE_KEY_BYTES);
const _: () = assert!(LOCKER_KEY_SECRET_BYTES == SITE_KEY_BYTES);

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

/// Reads keys written by `export`: bytes that are not a key ring are the
/// argument's fault (`LOCKER_KEYS_INVALID`); a ring the core refuses for
/// what it holds (a weak secret) gets the status of the core's code.
pub(crate) fn import(bytes: &[u8]) -> Result<KeyRing, Error> {
    KeyRing::from_secret_bytes(bytes).map_err(|error| {
        let refused = Error::core(error.code(), &error);
        match refused.status {
            locker_status::LOCKER_WEAK_KEY => refused,
            _ => Error::new(
                locker_status::LOCKER_KEYS_INVALID,
                format_args!("keys: {error}"),
            ),
        }
    })
}

/// Adds a new site key, drawn from `hardware->fill_random`, with the next
/// key id, and makes it the newest: new PINs, tokens and journal records
/// use it; credentials made with older keys keep working. Journaled
/// (`keys_changed`). On `LOCKER_OK`, `*out_key_id` is the new key's id.
///
/// The keys change: export them again (`locker_keys_export`) and store
/// them at once. The record of the rotation is sealed with a key both
/// rings hold (the newest before it), so a power cut between this call and
/// storing the new bytes leaves a journal the bytes from before still
/// restore (the restore journals that ring, `keys_recorded` in
/// `locker_restore_report`, and the new key is gone). Every record after
/// the rotation is sealed with the new key: once there is one, only the
/// new bytes restore the journal (`LOCKER_JOURNAL_UNKNOWN_KEY` with the
/// old). Where that matters, generate the key, store the ring with it,
/// then add it with `locker_add_key`.
///
/// Errors: hardware statuses (entropy, clock), `LOCKER_CREDENTIAL_FAILED`
/// when the key ids are used up, `LOCKER_JOURNAL_WRITE`; the keys are then
/// unchanged.
///
/// Ownership: pointer arguments are borrowed for this call only; nothing is
/// kept. Thread safety: one thread at a time per `locker` (from any
/// thread); not from inside the locker's own callbacks (`LOCKER_BUSY`).
#[unsafe(no_mangle)]
pub extern "C" fn locker_rotate_key(handle: *mut locker, out_key_id: *mut u16) -> locker_status {
    boundary(|| {
        non_null(out_key_id, "out_key_id")?;
        let key_id = with_locker(handle, |core| Ok(core.rotate_key()?))?;
        write_out(out_key_id, key_id.0)
    })
}

/// Adds a provisioned site key (for example shared with the back end):
/// `secret_len` must be `LOCKER_KEY_SECRET_BYTES` (32) bytes from a real
/// random source. It becomes the newest key when its id is the largest.
/// Journaled (`keys_changed`). Export and store the keys again afterwards
/// (`locker_keys_export`); a ring stored with the key before this call
/// restores too.
///
/// Errors: `LOCKER_KEYS_INVALID` for a secret of another length,
/// `LOCKER_WEAK_KEY` for a secret no random source would give (see
/// `LOCKER_WEAK_KEY`), `LOCKER_CREDENTIAL_FAILED` for an id already
/// in the ring, the clock's hardware statuses, `LOCKER_JOURNAL_WRITE`; the
/// keys are then unchanged. The caller keeps (and should wipe) its copy of
/// `secret`.
///
/// Ownership: pointer arguments are borrowed for this call only; nothing is
/// kept. Thread safety: one thread at a time per `locker` (from any
/// thread); not from inside the locker's own callbacks (`LOCKER_BUSY`).
#[unsafe(no_mangle)]
pub extern "C" fn locker_add_key(
    handle: *mut locker,
    key_id: u16,
    secret: *const u8,
    secret_len: usize,
) -> locker_status {
    boundary(|| {
        non_null(secret, "secret")?;
        let bytes = bytes_arg(secret, secret_len, "secret")?;
        let Ok(bytes) = <&[u8; SITE_KEY_BYTES]>::try_from(bytes) else {
            return Err(Error::new(
                locker_status::LOCKER_KEYS_INVALID,
                format_args!(
                    "secret_len is {secret_len}; a site key's secret is {SITE_KEY_BYTES} bytes"
                ),
            ));
        };
        let mut secret = *bytes;
        let key = SiteKey::from_bytes(KeyId(key_id), secret);
        secret.zeroize();
        let key = key.map_err(|error| Error::core(error.code(), &error))?;
        with_locker(handle, |core| Ok(core.add_key(key)?))
    })
}

/// Retires site key `key_id`: credentials made with it stop working (RFID
/// tags must be registered again, PINs and tokens it made are refused).
/// Journaled (`keys_changed`), sealed with a key that stays. Export and
/// store the keys again afterwards (`locker_keys_export`).
///
/// Errors: `LOCKER_NO_KEYS` for the last key of the ring (nothing would
/// authenticate the journal), `LOCKER_CREDENTIAL_FAILED` for a key the
/// ring does not hold, the clock's hardware statuses,
/// `LOCKER_JOURNAL_WRITE`; the keys are then unchanged.
///
/// Ownership: pointer arguments are borrowed for this call only; nothing is
/// kept. Thread safety: one thread at a time per `locker` (from any
/// thread); not from inside the locker's own callbacks (`LOCKER_BUSY`).
#[unsafe(no_mangle)]
pub extern "C" fn locker_retire_key(handle: *mut locker, key_id: u16) -> locker_status {
    boundary(|| with_locker(handle, |core| Ok(core.retire_key(KeyId(key_id))?)))
}

/// The id and check value of each site key, oldest first, as JSON text
/// `[{"key_id":1,"check":"…16 hex…"}]`: compare with the back end's to see
/// that both hold the same keys, without either revealing them. Not
/// secret. On `LOCKER_OK`, `*out_json` is a new string owned by the caller
/// (`locker_string_free`).
///
/// Ownership: pointer arguments are borrowed for this call only; nothing is
/// kept. Thread safety: one thread at a time per `locker` (from any
/// thread); not from inside the locker's own callbacks (`LOCKER_BUSY`).
#[unsafe(no_mangle)]
pub extern "C" fn locker_key_checks(
    handle: *const locker,
    out_json: *mut *mut c_char,
) -> locker_status {
    boundary(|| {
        non_null(out_json, "out_json")?;
        let checks = with_locker(handle, |core| Ok(core.keys().checks()))?;
        // Plain data with string keys always serializes.
        write_string(out_json, serde_json::to_string(&checks).unwrap_or_default())
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// Secrets as varied as random ones, written out so that nothing
    /// derives them: SHA-256 of "locker-ffi unit tests: key 1" and of
    /// "... key 3". (A ramp such as `7 * i` is a weak key to the core.)
    const SECRET_1: [u8; 32] = [
        0x2e, 0x88, 0x5c, 0xe9, 0xe8, 0xad, 0xa2, 0xec, 0x85, 0x7b, 0x6a, 0x8b, 0x58, 0xe0, 0xaf,
        0x88, 0xcb, 0x94, 0xb6, 0x31, 0xf2, 0x9d, 0xe3, 0xf5, 0xc6, 0x2b, 0xdd, 0x07, 0xe8, 0x4a,
        0x61, 0x0e,
    ];
    const SECRET_3: [u8; 32] = [
        0x60, 0x0b, 0x60, 0xf6, 0x6b, 0xcc, 0x97, 0x00, 0x57, 0x76, 0xd3, 0xc0, 0x98, 0x22, 0x39,
        0x0f, 0x46, 0x43, 0x13, 0x51, 0xd6, 0x68, 0x59, 0x51, 0xd2, 0x95, 0x8b, 0xc2, 0x36, 0x35,
        0xff, 0xa1,
    ];

    #[test]
    fn keys_round_trip_and_bad_bytes_are_refused() {
        let mut ring = KeyRing::new();
        ring.add(SiteKey::from_bytes(KeyId(1), SECRET_1).unwrap())
            .unwrap();
        ring.add(SiteKey::from_bytes(KeyId(3), SECRET_3).unwrap())
            .unwrap();
        let mut bytes = vec![0; exported_len(&ring)];
        export(&ring, &mut bytes).unwrap();
        assert_eq!(bytes.len(), 71);
        let back = import(&bytes).unwrap();
        assert_eq!(back.ids().collect::<Vec<_>>(), vec![KeyId(1), KeyId(3)]);
        assert_eq!(back.get(KeyId(3)).unwrap().expose_secret(), &SECRET_3);

        // A weak secret (one repeated byte) is its own status.
        let mut weak = bytes.clone();
        weak[3 + 2..3 + 34].fill(0x5a);
        assert_eq!(
            import(&weak).unwrap_err().status,
            locker_status::LOCKER_WEAK_KEY
        );
        // So are a counter, a ramp and typed text, though each holds 16
        // distinct byte values or more; the message says what gave it away.
        let ramps: [[u8; 32]; 3] = [
            core::array::from_fn(|i| u8::try_from(i).unwrap()),
            core::array::from_fn(|i| u8::try_from(i * 7 % 256).unwrap()),
            *b"The quick brown fox jumps over t",
        ];
        for secret in ramps {
            weak[3 + 2..3 + 34].copy_from_slice(&secret);
            let error = import(&weak).unwrap_err();
            assert_eq!(error.status, locker_status::LOCKER_WEAK_KEY);
            assert!(error.message.contains("is weak"), "{}", error.message);
        }

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
