//! The identifiers credentials name: the credential itself, the kiosk it
//! was presented at, the carrier of a courier code.

use core::fmt;

use rand_core::CryptoRng;

use crate::ids::MAX_SAFE_INTEGER;

/// An opaque, random credential identifier.
///
/// Drawn from the caller's RNG, so it says nothing about the recipient or the
/// parcel; it is not secret (it appears in journals and in QR tokens).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(transparent))]
pub struct CredentialId(pub u64);

impl CredentialId {
    /// Draws a fresh random identifier of 53 bits (up to
    /// [`MAX_SAFE_INTEGER`]), so it reaches JavaScript as a plain number.
    /// 2^53 ids leave a collision between a bank's live credentials as
    /// unlikely as it matters: the store draws again when one is taken.
    pub fn random<R: CryptoRng + ?Sized>(rng: &mut R) -> Self {
        Self(rng.next_u64() & MAX_SAFE_INTEGER)
    }
}

impl fmt::Display for CredentialId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "credential {:016x}", self.0)
    }
}

/// A kiosk (keypad, scanner and RFID reader) of the bank; throttling counts
/// failures per kiosk.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(transparent))]
pub struct KioskId(pub u32);

impl fmt::Display for KioskId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "kiosk {}", self.0)
    }
}

/// A carrier (delivery company), as numbered by the host; each carrier has
/// its own courier code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(transparent))]
pub struct CarrierId(pub u32);

impl fmt::Display for CarrierId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "carrier {}", self.0)
    }
}
