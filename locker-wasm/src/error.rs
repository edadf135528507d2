//! Errors as JavaScript sees them: real `Error` objects (so `instanceof
//! Error` and stack traces work) whose `name` is `"LockerError"` and whose
//! `code` is a stable snake_case string to branch on; the `message` is the
//! core's and may change.
//!
//! Codes name the innermost cause: a PIN refused by the locker throws
//! `"rejected"`, not `"credential"`. A kind the core adds later (its enums
//! are `#[non_exhaustive]`) shows up as the concern's generic code
//! (`"config"`, `"credential"`, …) until it gets its own.

use locker_core::allocate::AllocationError;
use locker_core::bank::{BankError, ConfigError};
use locker_core::credential::CredentialError;
use locker_core::geometry::GeometryError;
use locker_core::hardware::HardwareErrorKind;
use locker_core::journal::JournalError;
use locker_core::locker::{LockerError as CoreLockerError, StateError};
use locker_core::pack::PackError;
use wasm_bindgen::prelude::*;

use crate::convert::named;

#[wasm_bindgen(typescript_custom_section)]
const LOCKER_ERROR_TS: &str = r#"
/** An `Error` thrown by this package: branch on `code`, show `message`. */
export interface LockerError extends Error {
  name: "LockerError";
  /**
   * Stable snake_case error kind, e.g. "zero_side", "invalid_argument",
   * "rejected", "door_jammed" or "edited". See the README for the list.
   */
  code: string;
}
"#;

#[wasm_bindgen]
extern "C" {
    /// A JavaScript `Error` thrown by this package, with a `code` property.
    #[wasm_bindgen(js_name = Error, typescript_type = "LockerError")]
    #[derive(Clone, Debug)]
    pub type LockerError;

    #[wasm_bindgen(constructor, js_class = "Error")]
    fn new(message: &str) -> LockerError;

    #[wasm_bindgen(method, setter = code, js_class = "Error")]
    fn set_code(this: &LockerError, code: &str);

    #[wasm_bindgen(method, setter = name, js_class = "Error")]
    fn set_name(this: &LockerError, name: &str);
}

impl LockerError {
    /// An `Error` named `LockerError` with `code` and `message`.
    #[must_use]
    pub fn with_code(code: &str, message: &str) -> Self {
        let error = Self::new(message);
        error.set_name("LockerError");
        error.set_code(code);
        error
    }

    /// An argument of the wrong type or out of range (`code`
    /// `"invalid_argument"`); `what` names the argument.
    #[must_use]
    pub fn invalid_argument(what: &str, message: &str) -> Self {
        Self::with_code("invalid_argument", &format!("{what}: {message}"))
    }
}

/// Every core error converts into a thrown `Error` with its code.
macro_rules! from_core {
    ($($ty:ty => $code:path),* $(,)?) => {$(
        impl From<$ty> for LockerError {
            fn from(error: $ty) -> Self {
                Self::with_code($code(&error), &error.to_string())
            }
        }
    )*};
}

from_core! {
    GeometryError => code,
    ConfigError => config_code,
    BankError => bank_code,
    AllocationError => allocation_code,
    CredentialError => credential_code,
    JournalError => journal_code,
    StateError => state_code,
    CoreLockerError => locker_code,
    PackError => pack_code,
}

impl From<&GeometryError> for LockerError {
    fn from(error: &GeometryError) -> Self {
        Self::with_code(code(error), &error.to_string())
    }
}

#[cfg(feature = "qr")]
impl From<locker_core::credential::QrRenderError> for LockerError {
    fn from(error: locker_core::credential::QrRenderError) -> Self {
        use locker_core::credential::QrRenderError;
        let code = match error {
            QrRenderError::DataTooLong { .. } => "qr_data_too_long",
            QrRenderError::InvalidOption { .. } => "invalid_argument",
            _ => "qr",
        };
        Self::with_code(code, &error.to_string())
    }
}

/// The stable `code` string for a core geometry error.
#[must_use]
pub const fn code(error: &GeometryError) -> &'static str {
    match error {
        GeometryError::ZeroSide { .. } => "zero_side",
        GeometryError::SideTooLong { .. } => "side_too_long",
        GeometryError::ZeroWeight => "zero_weight",
        GeometryError::WeightTooHeavy { .. } => "weight_too_heavy",
        _ => "geometry",
    }
}

/// The code of a bank configuration error.
#[must_use]
pub const fn config_code(error: &ConfigError) -> &'static str {
    match error {
        ConfigError::Json { .. } => "invalid_json",
        ConfigError::EmptyBank => "empty_bank",
        ConfigError::TooManyCompartments { .. } => "too_many_compartments",
        ConfigError::ClearanceTooLarge { .. } => "clearance_too_large",
        ConfigError::DuplicateId { .. } => "duplicate_id",
        ConfigError::DuplicateLabel { .. } => "duplicate_label",
        ConfigError::DuplicatePosition { .. } => "duplicate_position",
        ConfigError::BadText { .. } => "bad_text",
        ConfigError::BadSize { .. } => "bad_size",
        ConfigError::BadWeight { .. } => "bad_weight",
        ConfigError::NoUsableSpace { .. } => "no_usable_space",
        ConfigError::AccessibleMismatch { .. } => "accessible_mismatch",
        ConfigError::AdaTooFewAccessible { .. } => "ada_too_few_accessible",
        ConfigError::AdaSizeClassWithoutAccessible { .. } => "ada_size_class_without_accessible",
        _ => "config",
    }
}

/// The code of a refused bank change.
#[must_use]
pub const fn bank_code(error: &BankError) -> &'static str {
    match error {
        BankError::UnknownCompartment { .. } => "unknown_compartment",
        BankError::InvalidParcel { .. } => "invalid_parcel",
        BankError::DuplicateParcel { .. } => "duplicate_parcel",
        BankError::OutOfService { .. } => "out_of_service",
        BankError::OtherRecipient { .. } => "other_recipient",
        BankError::MixedHandling { .. } => "mixed_handling",
        BankError::WrongZone { .. } => "wrong_zone",
        BankError::DoesNotFit { .. } => "does_not_fit",
        BankError::TooHeavy { .. } => "too_heavy",
        BankError::Empty { .. } => "compartment_empty",
        _ => "bank",
    }
}

/// The code of an allocation error.
#[must_use]
pub const fn allocation_code(error: &AllocationError) -> &'static str {
    match error {
        AllocationError::InvalidParcel { .. } => "invalid_parcel",
        AllocationError::AlreadyStored { .. } => "already_stored",
        AllocationError::DuplicateInBatch { .. } => "duplicate_in_batch",
        AllocationError::Store(inner) => bank_code(inner),
        _ => "allocation",
    }
}

/// The code of a credential error.
#[must_use]
pub const fn credential_code(error: &CredentialError) -> &'static str {
    match error {
        CredentialError::MalformedPin { .. } => "malformed_pin",
        CredentialError::MalformedToken { .. } => "malformed_token",
        CredentialError::MalformedRfidUid { .. } => "malformed_rfid_uid",
        CredentialError::UnknownKeyId { .. } => "unknown_key_id",
        CredentialError::NoKeys => "no_keys",
        CredentialError::DuplicateKeyId { .. } => "duplicate_key_id",
        CredentialError::KeyIdsExhausted { .. } => "key_ids_exhausted",
        CredentialError::Rejected => "rejected",
        CredentialError::Expired { .. } => "expired",
        CredentialError::NotYetValid { .. } => "not_yet_valid",
        CredentialError::AlreadyUsed { .. } => "already_used",
        CredentialError::Revoked { .. } => "revoked",
        CredentialError::WrongPurpose { .. } => "wrong_purpose",
        CredentialError::Throttled { .. } => "throttled",
        CredentialError::UnitRequired => "unit_required",
        CredentialError::PinRequired => "pin_required",
        CredentialError::NothingToCollect { .. } => "nothing_to_collect",
        CredentialError::DuplicateCredential { .. } => "duplicate_credential",
        CredentialError::UnknownCredential { .. } => "unknown_credential",
        CredentialError::TagCollision { .. } => "tag_collision",
        CredentialError::PinSpaceExhausted { .. } => "pin_space_exhausted",
        CredentialError::TooManyPins { .. } => "too_many_pins",
        CredentialError::InvalidRequest { .. } => "invalid_request",
        CredentialError::BadExpiry { .. } => "bad_expiry",
        CredentialError::NotDelegable { .. } => "not_delegable",
        CredentialError::InvalidPolicy { .. } => "invalid_policy",
        CredentialError::RemoteDisabled => "remote_disabled",
        CredentialError::WrongBank { .. } => "wrong_bank",
        CredentialError::WindowTooLong { .. } => "window_too_long",
        CredentialError::Replayed { .. } => "replayed",
        CredentialError::RemoteCapReached { .. } => "remote_cap_reached",
        _ => "credential",
    }
}

/// The code of a damaged journal.
#[must_use]
pub const fn journal_code(error: &JournalError) -> &'static str {
    match error {
        JournalError::Malformed { .. } => "malformed_record",
        JournalError::UnsupportedVersion { .. } => "unsupported_version",
        JournalError::Edited { .. } => "edited",
        JournalError::Missing { .. } => "missing_records",
        JournalError::OutOfOrder { .. } => "out_of_order",
        JournalError::BrokenLink { .. } => "broken_link",
        _ => "journal",
    }
}

/// The code of an entry the locker state refuses.
#[must_use]
pub const fn state_code(error: &StateError) -> &'static str {
    match error {
        StateError::Configuration => "configuration",
        StateError::Snapshot { .. } => "snapshot",
        StateError::Config(inner) => config_code(inner),
        StateError::Bank(inner) => bank_code(inner),
        StateError::Credential(inner) => credential_code(inner),
        StateError::DoorBusy { .. } => "door_busy",
        StateError::NotOpenFor { .. } => "not_open_for",
        StateError::NotInGrace { .. } => "not_in_grace",
        StateError::NoDelivery { .. } => "no_delivery",
        StateError::NotInterrupted { .. } => "not_interrupted",
        StateError::Unavailable { .. } => "unavailable",
        _ => "state",
    }
}

/// The code of a hardware failure kind: the kind's snake_case name.
#[must_use]
pub const fn hardware_code(kind: HardwareErrorKind) -> &'static str {
    match kind {
        HardwareErrorKind::DoorJammed => "door_jammed",
        HardwareErrorKind::UnknownDoor => "unknown_door",
        HardwareErrorKind::SensorFault => "sensor_fault",
        HardwareErrorKind::BusTimeout => "bus_timeout",
        HardwareErrorKind::ClockFault => "clock_fault",
        HardwareErrorKind::EntropyUnavailable => "entropy_unavailable",
        HardwareErrorKind::PowerLost => "power_lost",
        _ => "hardware",
    }
}

/// The kind for a hardware code (the inverse of [`hardware_code`]: the
/// kind's snake_case name), so a JS hardware object can throw
/// `{ code: "door_jammed" }`; any other code is `Other`.
#[must_use]
pub fn hardware_kind(code: &str) -> HardwareErrorKind {
    named(code).unwrap_or(HardwareErrorKind::Other)
}

/// The code of a locker operation's error.
#[must_use]
pub const fn locker_code(error: &CoreLockerError) -> &'static str {
    match error {
        CoreLockerError::Credential(inner) => credential_code(inner),
        CoreLockerError::Allocation(inner) => allocation_code(inner),
        CoreLockerError::State(inner) => state_code(inner),
        CoreLockerError::Hardware { kind, .. } => hardware_code(*kind),
        CoreLockerError::JournalWrite { .. } => "journal_write",
        CoreLockerError::Journal(inner) => journal_code(inner),
        CoreLockerError::Replay { .. } => "replay",
        CoreLockerError::DoorStillOpen { .. } => "door_still_open",
        CoreLockerError::NothingToCollect => "nothing_to_collect",
        CoreLockerError::Invalid { .. } => "invalid_argument",
        _ => "locker",
    }
}

/// The code of a packing error.
#[must_use]
pub const fn pack_code(error: &PackError) -> &'static str {
    match error {
        PackError::OutsideSpace { .. } => "outside_space",
        PackError::Overlap { .. } => "overlap",
        PackError::OrientationNotAllowed { .. } => "orientation_not_allowed",
        PackError::ExtentMismatch { .. } => "extent_mismatch",
        PackError::EmptyExtent { .. } => "empty_extent",
        PackError::Unsupported { .. } => "unsupported",
        PackError::UnknownParcel { .. } => "unknown_parcel",
        PackError::DuplicatePlacement { .. } => "duplicate_placement",
        PackError::FitsNoBin { .. } => "fits_no_bin",
        _ => "pack",
    }
}
