//! One table of stable error codes: every error of the core says what
//! went wrong as a snake_case `code()`, the innermost cause first (a PIN
//! the locker refuses is `"rejected"`, not `"credential"`). Bindings only
//! translate the code (Python's `.code`, JavaScript's `code`, C's status);
//! the messages may change, the codes do not.
//!
//! Every match here is exhaustive: a new variant has no code until one is
//! written here, and the build says so.

use crate::allocate::AllocationError;
use crate::bank::{BankError, ConfigError};
use crate::credential::{CredentialError, PinParseError, TokenParseError};
use crate::geometry::GeometryError;
use crate::hardware::HardwareErrorKind;
use crate::pack::PackError;

impl GeometryError {
    /// The stable code of this error.
    #[must_use]
    pub const fn code(&self) -> &'static str {
        match self {
            Self::ZeroSide { .. } => "zero_side",
            Self::SideTooLong { .. } => "side_too_long",
            Self::ZeroWeight => "zero_weight",
            Self::WeightTooHeavy { .. } => "weight_too_heavy",
        }
    }
}

impl ConfigError {
    /// The stable code of this error.
    #[must_use]
    pub const fn code(&self) -> &'static str {
        match self {
            Self::Json { .. } => "invalid_json",
            Self::EmptyBank => "empty_bank",
            Self::TooManyCompartments { .. } => "too_many_compartments",
            Self::ClearanceTooLarge { .. } => "clearance_too_large",
            Self::DuplicateId { .. } => "duplicate_id",
            Self::DuplicateLabel { .. } => "duplicate_label",
            Self::DuplicatePosition { .. } => "duplicate_position",
            Self::BadText { .. } => "bad_text",
            Self::BadSize { .. } => "bad_size",
            Self::BadWeight { .. } => "bad_weight",
            Self::NoUsableSpace { .. } => "no_usable_space",
            Self::AccessibleMismatch { .. } => "accessible_mismatch",
            Self::AdaTooFewAccessible { .. } => "ada_too_few_accessible",
            Self::AdaSizeClassWithoutAccessible { .. } => "ada_size_class_without_accessible",
        }
    }
}

impl BankError {
    /// The stable code of this error.
    #[must_use]
    pub const fn code(&self) -> &'static str {
        match self {
            Self::UnknownCompartment { .. } => "unknown_compartment",
            Self::InvalidParcel { .. } => "invalid_parcel",
            Self::DuplicateParcel { .. } => "duplicate_parcel",
            Self::OutOfService { .. } => "out_of_service",
            Self::OtherRecipient { .. } => "other_recipient",
            Self::MixedHandling { .. } => "mixed_handling",
            Self::WrongZone { .. } => "wrong_zone",
            Self::DoesNotFit { .. } => "does_not_fit",
            Self::TooHeavy { .. } => "too_heavy",
            Self::Empty { .. } => "compartment_empty",
        }
    }
}

impl AllocationError {
    /// The stable code of this error (a refused store: the bank's code).
    #[must_use]
    pub const fn code(&self) -> &'static str {
        match self {
            Self::InvalidParcel { .. } => "invalid_parcel",
            Self::AlreadyStored { .. } => "already_stored",
            Self::DuplicateInBatch { .. } => "duplicate_in_batch",
            Self::Store(inner) => inner.code(),
        }
    }
}

impl PinParseError {
    /// The stable code of this error: a malformed PIN or code.
    #[must_use]
    pub const fn code(&self) -> &'static str {
        "malformed_pin"
    }
}

impl TokenParseError {
    /// The stable code of this error: a malformed token.
    #[must_use]
    pub const fn code(&self) -> &'static str {
        "malformed_token"
    }
}

impl CredentialError {
    /// The stable code of this error.
    #[must_use]
    pub const fn code(&self) -> &'static str {
        match self {
            Self::MalformedPin(inner) => inner.code(),
            Self::MalformedToken(inner) => inner.code(),
            Self::MalformedRfidUid { .. } => "malformed_rfid_uid",
            Self::UnknownKeyId { .. } => "unknown_key_id",
            Self::WeakKey { .. } => "weak_key",
            Self::WeakEntropy { .. } => "weak_entropy",
            Self::NoKeys => "no_keys",
            Self::DuplicateKeyId { .. } => "duplicate_key_id",
            Self::KeyIdsExhausted { .. } => "key_ids_exhausted",
            Self::Rejected => "rejected",
            Self::Expired { .. } => "expired",
            Self::NotYetValid { .. } => "not_yet_valid",
            Self::AlreadyUsed { .. } => "already_used",
            Self::Revoked { .. } => "revoked",
            Self::WrongPurpose { .. } => "wrong_purpose",
            Self::Throttled { .. } => "throttled",
            Self::UnitRequired => "unit_required",
            Self::PinRequired => "pin_required",
            Self::NothingToCollect { .. } => "nothing_to_collect",
            Self::DuplicateCredential { .. } => "duplicate_credential",
            Self::UnknownCredential { .. } => "unknown_credential",
            Self::TagCollision { .. } => "tag_collision",
            Self::PinSpaceExhausted { .. } => "pin_space_exhausted",
            Self::TooManyPins { .. } => "too_many_pins",
            Self::InvalidRequest { .. } => "invalid_request",
            Self::BadExpiry { .. } => "bad_expiry",
            Self::NotDelegable { .. } => "not_delegable",
            Self::InvalidPolicy { .. } => "invalid_policy",
            Self::BoundExceeded { .. } => "bound_exceeded",
            Self::RemoteDisabled => "remote_disabled",
            Self::WrongBank { .. } => "wrong_bank",
            Self::WindowTooLong { .. } => "window_too_long",
            Self::Replayed { .. } => "replayed",
            Self::RecordlessCapReached { .. } => "recordless_cap_reached",
            Self::RemoteCapReached { .. } => "remote_cap_reached",
        }
    }
}

impl HardwareErrorKind {
    /// The stable code of a hardware failure: the kind's snake_case name
    /// (`other` for [`HardwareErrorKind::Other`]).
    #[must_use]
    pub const fn code(self) -> &'static str {
        match self {
            Self::DoorJammed => "door_jammed",
            Self::UnknownDoor => "unknown_door",
            Self::SensorFault => "sensor_fault",
            Self::BusTimeout => "bus_timeout",
            Self::ClockFault => "clock_fault",
            Self::EntropyUnavailable => "entropy_unavailable",
            Self::PowerLost => "power_lost",
            Self::Other => "other",
        }
    }
}

impl crate::hardware::sim::SimError {
    /// The stable code of a simulated board's failure: its kind's.
    #[must_use]
    pub const fn code(&self) -> &'static str {
        self.kind.code()
    }
}

impl crate::hardware::sim::ActionError {
    /// The stable code of something a person cannot do at the simulated
    /// bank.
    #[must_use]
    pub const fn code(&self) -> &'static str {
        match self {
            Self::UnknownDoor { .. } => "unknown_door",
            Self::DoorClosed { .. } => "door_closed",
            Self::NoParcel { .. } => "no_parcel",
        }
    }
}

impl crate::sim::SimError {
    /// The stable code of a simulation or plan that could not be made
    /// (the innermost cause's).
    #[must_use]
    pub const fn code(&self) -> &'static str {
        match self {
            Self::InvalidField { .. } => "invalid_field",
            Self::InvalidParcel { source, .. } => source.code(),
            Self::Config(inner) => inner.code(),
            Self::Allocation(inner) => inner.code(),
            Self::Bank(inner) => inner.code(),
            #[cfg(feature = "serde")]
            Self::Locker(inner) => inner.code(),
            Self::Infeasible { .. } => "infeasible",
            Self::Cancelled => "cancelled",
        }
    }
}

impl PackError {
    /// The stable code of this error.
    #[must_use]
    pub const fn code(&self) -> &'static str {
        match self {
            Self::OutsideSpace { .. } => "outside_space",
            Self::Overlap { .. } => "overlap",
            Self::OrientationNotAllowed { .. } => "orientation_not_allowed",
            Self::ExtentMismatch { .. } => "extent_mismatch",
            Self::EmptyExtent { .. } => "empty_extent",
            Self::Unsupported { .. } => "unsupported",
            Self::UnknownParcel { .. } => "unknown_parcel",
            Self::DuplicatePlacement { .. } => "duplicate_placement",
            Self::FitsNoBin { .. } => "fits_no_bin",
            Self::DuplicateParcel { .. } => "duplicate_parcel",
            Self::DuplicateBin { .. } => "duplicate_compartment",
        }
    }
}

#[cfg(feature = "qr")]
impl crate::credential::QrRenderError {
    /// The stable code of this error.
    #[must_use]
    pub const fn code(&self) -> &'static str {
        match self {
            Self::DataTooLong { .. } => "qr_data_too_long",
            Self::Encoding { .. } => "qr",
            Self::InvalidOption { .. } => "invalid_argument",
        }
    }
}

#[cfg(feature = "serde")]
mod journaled {
    use crate::analytics::AnalyticsError;
    use crate::journal::JournalError;
    use crate::journal::flash::{FlashError, MemoryFlashError};
    use crate::locker::{LockerError, StateError};

    impl<E> FlashError<E> {
        /// The stable code of this error.
        #[must_use]
        pub const fn code(&self) -> &'static str {
            match self {
                Self::Flash(_) => "flash_failed",
                Self::Layout { .. } => "flash_layout",
                Self::NoRoom { .. } => "flash_full",
                Self::NeedsCompaction => "needs_compaction",
                Self::Journal(inner) => inner.code(),
                Self::Damaged => "flash_damaged",
            }
        }
    }

    impl MemoryFlashError {
        /// The stable code of this error.
        #[must_use]
        pub const fn code(&self) -> &'static str {
            match self {
                Self::PowerLost => "power_lost",
                Self::OutOfRange => "out_of_range",
            }
        }
    }

    impl JournalError {
        /// The stable code of this error.
        #[must_use]
        pub const fn code(&self) -> &'static str {
            match self {
                Self::Malformed { .. } => "malformed_record",
                Self::NotCanonical { .. } => "not_canonical",
                Self::UnsupportedVersion { .. } => "unsupported_version",
                Self::Edited { .. } => "edited",
                Self::Missing { .. } => "missing_records",
                Self::OutOfOrder { .. } => "out_of_order",
                Self::BrokenLink { .. } => "broken_link",
                Self::Forged { .. } => "forged",
                Self::UnknownKey { .. } => "unknown_key",
                Self::Unauthenticated { .. } => "unauthenticated",
                Self::RolledBack { .. } => "rolled_back",
                Self::HeadMismatch { .. } => "head_mismatch",
                Self::WrongKeyRing { .. } => "wrong_key_ring",
                Self::WrongBank { .. } => "bank_mismatch",
                Self::NoKeys => "no_keys",
                Self::OutOfMemory { .. } => "out_of_memory",
            }
        }
    }

    impl StateError {
        /// The stable code of this error (the innermost cause's).
        #[must_use]
        pub const fn code(&self) -> &'static str {
            match self {
                Self::Configuration => "configuration",
                Self::Snapshot { .. } => "snapshot",
                Self::Config(inner) => inner.code(),
                Self::Bank(inner) => inner.code(),
                Self::Credential(inner) => inner.code(),
                Self::DoorBusy { .. } => "door_busy",
                Self::NotOpenFor { .. } => "not_open_for",
                Self::NotInGrace { .. } => "not_in_grace",
                Self::NoDelivery { .. } => "no_delivery",
                Self::NotInterrupted { .. } => "not_interrupted",
                Self::Unavailable { .. } => "unavailable",
            }
        }
    }

    impl AnalyticsError {
        /// The stable code of this error.
        #[must_use]
        pub const fn code(&self) -> &'static str {
            match self {
                Self::Empty => "empty_journal",
                Self::Replay { .. } => "replay",
                Self::SpanTooLong { .. } => "span_too_long",
                Self::InvalidOption { .. } => "invalid_argument",
            }
        }
    }

    impl LockerError {
        /// The stable code of this error (the innermost cause's).
        #[must_use]
        pub const fn code(&self) -> &'static str {
            match self {
                Self::Credential(inner) => inner.code(),
                Self::Allocation(inner) => inner.code(),
                Self::State(inner) => inner.code(),
                Self::Hardware { kind, .. } => kind.code(),
                Self::JournalWrite { .. } => "journal_write",
                Self::Journal(inner) => inner.code(),
                Self::Replay { .. } => "replay",
                Self::DoorStillOpen { .. } => "door_still_open",
                Self::NothingToCollect => "nothing_to_collect",
                Self::Invalid { .. } => "invalid_argument",
            }
        }
    }
}
