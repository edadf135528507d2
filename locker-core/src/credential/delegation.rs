//! Delegation: a resident gives a household member or neighbour their own
//! PIN, for some parcels or for all of them, revocable on its own with
//! [`CredentialStore::revoke`].
//!
//! The delegate types the resident's unit number and their own PIN. A
//! delegated PIN counts toward the unit's cap of active PINs, so the
//! brute-force bound is unchanged.

use alloc::vec::Vec;

use rand_core::CryptoRng;

use super::error::CredentialError;
use super::grant::Purpose;
use super::keys::KeyRing;
use super::pin::PinSecret;
use super::record::{CredentialKind, CredentialRecord, RecordStatus};
use super::store::CredentialStore;
use crate::ids::{CompartmentId, RecipientId};

/// What a delegated PIN opens.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub enum DelegationScope {
    /// The listed compartments (one parcel, or a few); single use.
    Parcels,
    /// Whatever the resident has waiting when it is used; reusable until it
    /// expires or is revoked.
    AllParcels,
}

/// A request for a delegated PIN.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub struct DelegationRequest {
    /// The resident who delegates.
    pub delegator: RecipientId,
    /// Some parcels or all of them.
    pub scope: DelegationScope,
    /// For [`DelegationScope::Parcels`]: the compartments (each must hold a
    /// parcel of the delegator); empty for [`DelegationScope::AllParcels`].
    pub compartments: Vec<CompartmentId>,
    /// End of validity (unix seconds).
    pub expires_at_s: u64,
}

impl CredentialStore {
    /// Generates a delegated PIN and its record. Does not change the store.
    ///
    /// # Errors
    ///
    /// [`CredentialError::InvalidRequest`] (compartments missing, named
    /// twice or given for the wrong scope), [`CredentialError::NotDelegable`]
    /// (a compartment without an active pickup credential of the
    /// delegator), and the errors of [`generate_pin`](Self::generate_pin).
    pub fn generate_delegation<R: CryptoRng + ?Sized>(
        &self,
        keys: &KeyRing,
        rng: &mut R,
        request: &DelegationRequest,
        now_s: u64,
    ) -> Result<(PinSecret, CredentialRecord), CredentialError> {
        let recipient = request.delegator;
        match request.scope {
            DelegationScope::Parcels => {
                if request.compartments.is_empty() {
                    return Err(CredentialError::InvalidRequest {
                        field: "compartments",
                        reason: "a delegation of parcels names their compartments",
                    });
                }
                super::check_distinct(&request.compartments)?;
                let own = self.pickup_compartments_of(recipient, now_s);
                if let Some(&compartment) = request.compartments.iter().find(|c| !own.contains(c)) {
                    return Err(CredentialError::NotDelegable {
                        recipient,
                        compartment,
                    });
                }
            }
            DelegationScope::AllParcels => {
                if !request.compartments.is_empty() {
                    return Err(CredentialError::InvalidRequest {
                        field: "compartments",
                        reason: "an all-parcels delegation lists no compartments",
                    });
                }
            }
        }
        // One PIN of the cap stays the resident's own: delegations never
        // take the place a drop-off's PIN needs (a new drop-off at the cap
        // replaces the resident's own PINs with one for all their doors).
        // With one PIN per unit, there is no room for a delegation.
        let max = usize::try_from(self.policy.pin.max_active_per_unit).unwrap_or(usize::MAX);
        if self.active_delegations_of(recipient, now_s) >= max.saturating_sub(1) {
            let max = u32::try_from(max).unwrap_or(u32::MAX);
            return Err(CredentialError::TooManyPins { recipient, max });
        }
        let (secret, key_id, lookup_tag, unique_tag) =
            self.draw_unique_pin(keys, rng, recipient, request.expires_at_s, now_s, Some(max))?;
        let record = CredentialRecord {
            id: self.fresh_id(rng),
            key_id,
            kind: CredentialKind::DelegatedPin {
                lookup_tag,
                unique_tag,
                scope: request.scope,
            },
            purpose: Purpose::Pickup,
            compartments: request.compartments.clone(),
            recipient: Some(recipient),
            valid_from_s: now_s,
            expires_at_s: Some(request.expires_at_s),
            status: RecordStatus::Active,
        };
        Ok((secret, record))
    }
}
