//! A credential's public record: its kind and keyed tags, what it allows,
//! its validity and its status. Safe to journal, snapshot and send to
//! lockers: it never holds the secret.

use alloc::vec::Vec;

use super::delegation::DelegationScope;
use super::error::CredentialError;
use super::grant::{Channel, Grant, Purpose};
use super::id::{CarrierId, CredentialId};
use super::keys::{KeyId, Tag};
use crate::ids::{CompartmentId, RecipientId};

/// Whether a record can still be used.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub enum RecordStatus {
    /// Usable (until it expires).
    Active,
    /// Spent by [`CredentialStore::redeem`](super::CredentialStore::redeem).
    Redeemed {
        /// When.
        at_s: u64,
    },
    /// Withdrawn by [`CredentialStore::revoke`](super::CredentialStore::revoke) or replaced by rotation.
    Revoked {
        /// When.
        at_s: u64,
    },
}

crate::tagged::tag_first! {
    tag = "type", twin = credential_kind_twin, remote = "super::CredentialKind";
    /// What kind of credential a record is, with its keyed tags (never the
    /// secret itself).
    #[derive(Clone, Debug, PartialEq, Eq)]
    #[cfg_attr(feature = "serde", derive(serde::Serialize))]
    pub enum CredentialKind {
        /// A resident's PIN. `lookup_tag` covers the digits (and the unit when
        /// the policy binds PINs to units); `unique_tag` covers the digits only
        /// and keeps PINs unique on the site.
        Pin {
            /// Tag looked up at verification.
            lookup_tag: Tag,
            /// Tag of the digits alone.
            unique_tag: Tag,
        },
        /// A PIN a resident gave to a household member or neighbour.
        DelegatedPin {
            /// Tag looked up at verification.
            lookup_tag: Tag,
            /// Tag of the digits alone.
            unique_tag: Tag,
            /// One set of parcels, or all of the resident's parcels.
            scope: DelegationScope,
        },
        /// A QR token. The locker's own tokens end in a random secret the
        /// record holds only the digest of, so neither the record nor a
        /// site key makes the token; a back end's token ends in a tag under
        /// the site's token key, and its record holds nothing of it.
        Token {
            /// SHA-256 of the bank, the token's bytes and its secret, for
            /// the locker's own tokens.
            #[cfg_attr(
                feature = "serde",
                serde(default, skip_serializing_if = "Option::is_none")
            )]
            secret_digest: Option<Tag>,
        },
        /// An RFID tag registered to a recipient.
        Rfid {
            /// Tag of the UID.
            uid_tag: Tag,
            /// Tag of the tag's own PIN, when one is required.
            pin_tag: Option<Tag>,
        },
        /// A carrier's courier code.
        Courier {
            /// The carrier.
            carrier: CarrierId,
            /// Tag of the code.
            code_tag: Tag,
        },
    }
}

impl CredentialKind {
    /// The tag looked up at verification, if this kind has one.
    #[must_use]
    pub const fn lookup_tag(&self) -> Option<&Tag> {
        match self {
            Self::Pin { lookup_tag, .. } | Self::DelegatedPin { lookup_tag, .. } => {
                Some(lookup_tag)
            }
            Self::Rfid { uid_tag, .. } => Some(uid_tag),
            Self::Courier { code_tag, .. } => Some(code_tag),
            Self::Token { .. } => None,
        }
    }

    /// The uniqueness tag of PIN digits, for PIN kinds.
    #[must_use]
    pub const fn unique_tag(&self) -> Option<&Tag> {
        match self {
            Self::Pin { unique_tag, .. } | Self::DelegatedPin { unique_tag, .. } => {
                Some(unique_tag)
            }
            _ => None,
        }
    }

    /// Whether redeeming spends the credential (RFID tags, courier codes and
    /// all-parcels delegations are reusable until they expire).
    #[must_use]
    pub const fn single_use(&self) -> bool {
        !matches!(
            self,
            Self::Rfid { .. }
                | Self::Courier { .. }
                | Self::DelegatedPin {
                    scope: DelegationScope::AllParcels,
                    ..
                }
        )
    }

    pub(crate) const fn is_pin(&self) -> bool {
        matches!(self, Self::Pin { .. } | Self::DelegatedPin { .. })
    }

    /// True for a resident's own PIN (not a delegation). (For the locker,
    /// which needs serde.)
    #[cfg(feature = "serde")]
    pub(crate) const fn is_own_pin(&self) -> bool {
        matches!(self, Self::Pin { .. })
    }
}

/// The public record of a credential: everything a verifier needs except
/// the secret. Safe to journal, snapshot and send to lockers.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub struct CredentialRecord {
    /// Random, opaque id.
    pub id: CredentialId,
    /// The key its tags were made with.
    pub key_id: KeyId,
    /// Kind and keyed tags.
    pub kind: CredentialKind,
    /// What it allows.
    pub purpose: Purpose,
    /// Compartments it opens (empty for courier codes and all-parcels
    /// delegations, which are resolved when used).
    pub compartments: Vec<CompartmentId>,
    /// The recipient (for delegations: the resident who delegated).
    pub recipient: Option<RecipientId>,
    /// Start of validity (unix seconds).
    pub valid_from_s: u64,
    /// End of validity (unix seconds, exclusive); `None` for never (an RFID
    /// tag registered without an end date), written as an absent field.
    /// Records of versions 1 and 2 wrote "never" as 2^64 − 1, which is
    /// read back as that time, so they re-serialize byte for byte.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub expires_at_s: Option<u64>,
    /// Active, redeemed or revoked.
    pub status: RecordStatus,
}

impl CredentialRecord {
    /// Checks status and validity window at `now_s`.
    ///
    /// # Errors
    ///
    /// [`CredentialError::AlreadyUsed`], [`CredentialError::Revoked`],
    /// [`CredentialError::NotYetValid`] or [`CredentialError::Expired`].
    pub fn check_usable(&self, now_s: u64) -> Result<(), CredentialError> {
        self.check_status()?;
        if now_s < self.valid_from_s {
            return Err(CredentialError::NotYetValid {
                valid_from_s: self.valid_from_s,
                now_s,
            });
        }
        self.check_unexpired(now_s)
    }

    /// Refuses a record whose end has come at `now_s`.
    ///
    /// # Errors
    ///
    /// [`CredentialError::Expired`].
    pub fn check_unexpired(&self, now_s: u64) -> Result<(), CredentialError> {
        match self.expires_at_s {
            Some(expired_at_s) if now_s >= expired_at_s => Err(CredentialError::Expired {
                expired_at_s,
                now_s,
            }),
            _ => Ok(()),
        }
    }

    /// Whether the record is still within its validity after `now_s`
    /// (one without an end always is).
    #[must_use]
    pub fn unexpired_at(&self, now_s: u64) -> bool {
        self.expires_at_s.is_none_or(|end_s| end_s > now_s)
    }

    /// Checks that the record is neither redeemed nor revoked.
    ///
    /// # Errors
    ///
    /// [`CredentialError::AlreadyUsed`] or [`CredentialError::Revoked`].
    pub const fn check_status(&self) -> Result<(), CredentialError> {
        let credential_id = self.id;
        match self.status {
            RecordStatus::Active => Ok(()),
            RecordStatus::Redeemed { .. } => Err(CredentialError::AlreadyUsed { credential_id }),
            RecordStatus::Revoked { .. } => Err(CredentialError::Revoked { credential_id }),
        }
    }

    /// Whether the record is active and inside its window at `now_s`.
    #[must_use]
    pub fn is_usable(&self, now_s: u64) -> bool {
        self.check_usable(now_s).is_ok()
    }

    /// A grant for this record through `channel`, opening `compartments`.
    pub(crate) fn grant(&self, channel: Channel, compartments: Vec<CompartmentId>) -> Grant {
        Grant {
            credential_id: self.id,
            channel,
            purpose: self.purpose,
            compartments,
            recipient: self.recipient,
            carrier: match self.kind {
                CredentialKind::Courier { carrier, .. } => Some(carrier),
                _ => None,
            },
            expires_at_s: self.expires_at_s,
            single_use: self.kind.single_use(),
        }
    }

    pub(crate) fn validate(&self) -> Result<(), CredentialError> {
        let invalid = |field, reason| Err(CredentialError::InvalidRequest { field, reason });
        let active = self.status == RecordStatus::Active;
        if self
            .expires_at_s
            .is_some_and(|end_s| end_s <= self.valid_from_s)
        {
            return invalid("expires_at_s", "not after valid_from_s");
        }
        match &self.kind {
            CredentialKind::Pin { .. } | CredentialKind::Rfid { .. }
                if self.recipient.is_none() =>
            {
                invalid("recipient", "required for PINs and RFID tags")
            }
            CredentialKind::DelegatedPin { scope, .. } => match (scope, self.recipient) {
                (_, None) => invalid("recipient", "a delegation needs the delegating recipient"),
                (DelegationScope::Parcels, _) if self.compartments.is_empty() && active => {
                    invalid("compartments", "a delegation of parcels needs compartments")
                }
                _ if self.purpose != Purpose::Pickup => {
                    invalid("purpose", "delegations are for pickup")
                }
                _ => Ok(()),
            },
            // Spent door by door, a PIN ends with no doors: a snapshot
            // taken before the hourly prune still holds it.
            CredentialKind::Pin { .. } if self.compartments.is_empty() && active => {
                invalid("compartments", "a PIN opens at least one compartment")
            }
            CredentialKind::Courier { .. } if self.purpose != Purpose::CourierDropOff => {
                invalid("purpose", "courier codes are for drop-off only")
            }
            CredentialKind::Rfid { .. } if self.purpose != Purpose::Pickup => {
                invalid("purpose", "RFID tags are for pickup")
            }
            _ => Ok(()),
        }
    }

    pub(super) fn status_since(&self) -> Option<u64> {
        match self.status {
            RecordStatus::Active => None,
            RecordStatus::Redeemed { at_s } | RecordStatus::Revoked { at_s } => Some(at_s),
        }
    }
}
