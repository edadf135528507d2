//! Why a locker operation was refused.

use alloc::string::String;

use super::state::StateError;
use crate::allocate::AllocationError;
use crate::credential::CredentialError;
use crate::hardware::HardwareErrorKind;
use crate::ids::CompartmentId;
use crate::journal::JournalError;

/// Why a locker operation did not happen. The locker's state is as it was
/// before the call (apart from records of the failure itself, such as a
/// failed attempt or a hardware fault).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LockerError {
    /// A credential was refused.
    #[error("credential refused: {0}")]
    Credential(#[from] CredentialError),
    /// The parcel request was invalid.
    #[error("allocation: {0}")]
    Allocation(#[from] AllocationError),
    /// The operation does not fit the locker's state (an unknown door, a
    /// pickup of an empty door, a second drop-off into an open door).
    #[error("{0}")]
    State(#[from] StateError),
    /// A hardware call failed.
    #[error("hardware fault at {}: {kind}{}", match compartment { Some(c) => alloc::format!("compartment {c}"), None => String::from("the lock board") }, match detail { Some(detail) => alloc::format!(" ({detail})"), None => String::new() })]
    Hardware {
        /// The door, if one.
        compartment: Option<CompartmentId>,
        /// What failed.
        kind: HardwareErrorKind,
        /// What the vendor's error says beyond its kind (see
        /// [`HardwareError::detail`](crate::hardware::HardwareError::detail)).
        detail: Option<String>,
    },
    /// The journal could not store the record; the change was not made.
    #[error("journal write failed: {message}")]
    JournalWrite {
        /// What the storage said.
        message: String,
    },
    /// The journal given to restore from is damaged.
    #[error("journal: {0}")]
    Journal(#[from] JournalError),
    /// A journal record cannot be applied during replay.
    #[error("journal record {seq} cannot be applied: {error}")]
    Replay {
        /// The record.
        seq: u64,
        /// Why.
        error: StateError,
    },
    /// The door is still open; close it first.
    #[error("compartment {compartment} is still open")]
    DoorStillOpen {
        /// The door.
        compartment: CompartmentId,
    },
    /// The recipient has nothing to collect.
    #[error("nothing to collect with this credential")]
    NothingToCollect,
    /// A policy or argument is invalid.
    #[error("{field}: {reason}")]
    Invalid {
        /// The field or argument.
        field: &'static str,
        /// What is wrong.
        reason: &'static str,
    },
}

impl LockerError {
    /// A failed hardware call, with what the vendor's error says beyond
    /// its kind.
    pub(crate) fn hardware(
        compartment: Option<CompartmentId>,
        error: &impl crate::hardware::HardwareError,
    ) -> Self {
        Self::Hardware {
            compartment,
            kind: error.kind(),
            detail: error.detail().map(String::from),
        }
    }
}
