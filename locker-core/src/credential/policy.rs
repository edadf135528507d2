//! What a site decides about credentials, in one value the store carries
//! (so a snapshot holds the policy it was made under).

use alloc::vec::Vec;

use super::bound::{BoundReport, BruteForceLimit, BruteForcePolicy};
use super::error::CredentialError;
use super::issuer::IssuerKey;
use super::pin::PinPolicy;
use super::remote::RemotePolicy;
use super::rfid::RfidPolicy;
use super::throttle::ThrottlePolicy;
use super::token::TokenPolicy;

/// Everything a site decides about credentials. Part of the store, so a
/// snapshot carries the policy it was made under.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields, default))]
pub struct CredentialPolicy {
    /// PIN length, binding to the unit, active PINs per unit.
    pub pin: PinPolicy,
    /// Whether RFID tags need a PIN.
    pub rfid: RfidPolicy,
    /// Backoff and caps.
    pub throttle: ThrottlePolicy,
    /// Remote opening (off by default).
    pub remote: RemotePolicy,
    /// Caps on openings by QR tokens the back end issued without a record
    /// (left out of a configuration record when they are the defaults).
    #[cfg_attr(
        feature = "serde",
        serde(skip_serializing_if = "TokenPolicy::is_default")
    )]
    pub tokens: TokenPolicy,
    /// The brute-force bound the PIN policy must meet (default 10⁻⁶ in 24
    /// hours with 200 active parcels), or an explicit override with its
    /// reason (left out of a configuration record when it is the default).
    #[cfg_attr(
        feature = "serde",
        serde(skip_serializing_if = "BruteForceLimit::is_default")
    )]
    pub brute_force: BruteForceLimit,
    /// Back ends' Ed25519 public keys. When any is listed, QR tokens
    /// without a record and remote commands are accepted only signed by
    /// one of them: the bank then holds nothing that mints them.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Vec::is_empty"))]
    pub issuers: Vec<IssuerKey>,
}

impl CredentialPolicy {
    /// Checks every part, and that the PIN policy meets its brute-force
    /// bound (see [`check_bound`](Self::check_bound)).
    ///
    /// # Errors
    ///
    /// [`CredentialError::InvalidPolicy`] naming the bad field,
    /// [`CredentialError::BoundExceeded`] naming the bound and the target.
    pub fn validate(&self) -> Result<(), CredentialError> {
        self.validate_fields()?;
        self.check_bound()
    }

    /// Checks every part but the bound: what a journal's configuration,
    /// written under an older rule, must still pass to replay.
    pub(crate) fn validate_fields(&self) -> Result<(), CredentialError> {
        self.pin.validate()?;
        self.rfid.validate()?;
        self.throttle.validate()?;
        self.remote.validate()?;
        self.tokens.validate()?;
        self.brute_force.validate()?;
        super::issuer::validate_issuers(&self.issuers)
    }

    /// The brute-force bound of this policy with `active_credentials`
    /// active PINs, and the attacker it assumes.
    #[must_use]
    pub fn brute_force_bound(&self, active_credentials: u64) -> BoundReport {
        BoundReport::of(self, active_credentials)
    }

    /// Refuses a PIN policy whose bound, with
    /// [`REFERENCE_OCCUPIED_COMPARTMENTS`](super::REFERENCE_OCCUPIED_COMPARTMENTS)
    /// active PINs, is above its target.
    ///
    /// # Errors
    ///
    /// [`CredentialError::BoundExceeded`] naming both, in parts per
    /// billion.
    pub fn check_bound(&self) -> Result<(), CredentialError> {
        let inputs = BruteForcePolicy::from_policy(self, super::REFERENCE_OCCUPIED_COMPARTMENTS);
        let bound_per_billion = super::bound::bound_per_billion(&inputs);
        let target = self.brute_force.target_per_billion;
        if bound_per_billion > target {
            return Err(CredentialError::BoundExceeded {
                bound_per_billion,
                target_per_billion: target,
            });
        }
        Ok(())
    }
}
