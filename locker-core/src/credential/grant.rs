//! What a verified credential allows: its purpose, the channel it came
//! through, and the [`Grant`] verification returns.

use alloc::vec::Vec;
use core::fmt;

use super::error::CredentialError;
use super::id::{CarrierId, CredentialId};
use crate::ids::{CompartmentId, RecipientId};

/// What a credential allows: collecting, dropping off, or a staff override.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub enum Purpose {
    /// A resident (or their delegate) collects parcels.
    Pickup,
    /// A courier drops parcels off; never allows pickup.
    CourierDropOff,
    /// A staff override (audited by the journal).
    Staff,
}

impl Purpose {
    /// The one-byte code used in QR tokens and signed commands.
    #[must_use]
    pub const fn code(self) -> u8 {
        match self {
            Self::Pickup => 1,
            Self::CourierDropOff => 2,
            Self::Staff => 3,
        }
    }

    /// The purpose for a one-byte code, if the code is known.
    #[must_use]
    pub const fn from_code(code: u8) -> Option<Self> {
        match code {
            1 => Some(Self::Pickup),
            2 => Some(Self::CourierDropOff),
            3 => Some(Self::Staff),
            _ => None,
        }
    }
}

impl fmt::Display for Purpose {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Pickup => "pickup",
            Self::CourierDropOff => "courier drop-off",
            Self::Staff => "staff",
        })
    }
}

/// How a credential was presented. Throttling counts failures per channel,
/// so a PIN lockout never blocks QR or RFID pickups.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub enum Channel {
    /// Digits typed on the keypad (resident PINs and delegated PINs).
    Pin,
    /// A QR token shown to the scanner.
    Qr,
    /// An RFID tag tapped on the reader (with its PIN if required).
    Rfid,
    /// A courier code typed on the keypad.
    Courier,
    /// A signed remote command from a back end or an app.
    Remote,
}

impl fmt::Display for Channel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Pin => "pin",
            Self::Qr => "qr",
            Self::Rfid => "rfid",
            Self::Courier => "courier",
            Self::Remote => "remote",
        })
    }
}

/// What a successful verification allows. Contains no secret, so it can be
/// journaled as is; pass it to [`CredentialStore::redeem`](super::CredentialStore::redeem) once the door has
/// opened.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub struct Grant {
    /// The credential that was presented (for remote commands: the nonce).
    pub credential_id: CredentialId,
    /// How it was presented.
    pub channel: Channel,
    /// What it allows.
    pub purpose: Purpose,
    /// The compartments it opens; empty for courier drop-off, where the
    /// allocator chooses.
    pub compartments: Vec<CompartmentId>,
    /// The recipient whose parcels these are, when known.
    pub recipient: Option<RecipientId>,
    /// The carrier, for courier codes.
    pub carrier: Option<CarrierId>,
    /// When the credential expires (unix seconds); `None` for never (an
    /// RFID tag registered without an end date), written as an absent
    /// field.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub expires_at_s: Option<u64>,
    /// Whether redeeming spends the credential.
    pub single_use: bool,
}

/// Refuses a list of compartments that names a door twice: a credential
/// for it could never open (the second unlock finds the door busy).
pub(crate) fn check_distinct(compartments: &[CompartmentId]) -> Result<(), CredentialError> {
    let mut sorted = compartments.to_vec();
    crate::collections::sort::values(&mut sorted);
    if sorted.windows(2).any(|pair| pair[0] == pair[1]) {
        return Err(CredentialError::InvalidRequest {
            field: "compartments",
            reason: "a door is named twice",
        });
    }
    Ok(())
}
