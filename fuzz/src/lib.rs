//! What the fuzz targets and the seed generator share.

/// A fixed site secret as varied as a random one (SplitMix64's finalizer
/// of each byte's index, xored with `salt`): a counter, a ramp or typed
/// text would be refused as a weak key.
#[must_use]
pub fn secret(salt: u8) -> [u8; 32] {
    core::array::from_fn(|i| {
        let mut x = (i as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        x ^= x >> 30;
        x = x.wrapping_mul(0xBF58_476D_1CE4_E5B9);
        x ^= x >> 27;
        ((x >> 56) as u8) ^ salt
    })
}

/// A ring of one site key (id 1) made from [`secret`]`(salt)`: the ring a
/// target seals or checks journals with.
#[must_use]
pub fn ring(salt: u8) -> locker_core::credential::KeyRing {
    let key = locker_core::credential::SiteKey::from_bytes(
        locker_core::credential::KeyId(1),
        secret(salt),
    )
    .expect("secret() is never weak");
    let mut keys = locker_core::credential::KeyRing::new();
    keys.add(key).expect("an empty ring takes a key");
    keys
}
