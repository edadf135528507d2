//! The status every C function returns, and how core errors map onto it.

use core::ffi::CStr;

use locker_core::allocate::AllocationError;
use locker_core::credential::CredentialError;
use locker_core::hardware::HardwareErrorKind;
use locker_core::journal::JournalError;
use locker_core::locker::{LockerError, StateError};

/// The result of every `locker_` function: `LOCKER_OK` (0) or what went
/// wrong.
///
/// Numbers are fixed and never reused: 0 is success, 1–99 are argument and
/// boundary errors, 100–199 geometry, 200–299 configuration and keys,
/// 300–399 allocation, 400–499 credentials, 500–599 hardware, 600–699 the
/// journal, 700–799 the locker's state. Get a description with
/// `locker_status_message`, and the details of the last failure on this
/// thread with `locker_last_error_message`.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum locker_status {
    /// Success.
    LOCKER_OK = 0,
    /// A required pointer argument (or a required callback) was NULL.
    LOCKER_NULL_POINTER = 1,
    /// An argument was invalid in a way no more specific status names.
    LOCKER_INVALID_ARGUMENT = 2,
    /// A string argument was not valid UTF-8.
    LOCKER_INVALID_UTF8 = 3,
    /// The locker is already inside a call: a hardware or journal callback
    /// called back into the same locker. Nothing was done.
    LOCKER_BUSY = 4,
    /// An earlier call on this locker panicked part-way; the handle refuses
    /// every further operation. Free it and restore from the journal.
    LOCKER_POISONED = 5,
    /// The caller's buffer is too small; nothing was written.
    LOCKER_BUFFER_TOO_SMALL = 6,
    /// A bug: the library panicked. Please report it.
    LOCKER_PANIC = 99,
    /// A size had a side of 0 mm.
    LOCKER_ZERO_SIDE = 100,
    /// A size had a side longer than 5000 mm.
    LOCKER_SIDE_TOO_LONG = 101,
    /// A weight of 0 g.
    LOCKER_ZERO_WEIGHT = 102,
    /// A weight above 1,000,000 g.
    LOCKER_WEIGHT_TOO_HEAVY = 103,
    /// The configuration JSON is malformed or names an invalid value (the
    /// last-error message names the field).
    LOCKER_CONFIG_INVALID = 200,
    /// Site key bytes are malformed (see `locker_keys_export`).
    LOCKER_KEYS_INVALID = 201,
    /// The parcel is invalid (size, weight).
    LOCKER_PARCEL_INVALID = 300,
    /// The parcel is already stored or being stored.
    LOCKER_PARCEL_ALREADY_STORED = 301,
    /// Allocation failed in another way.
    LOCKER_ALLOCATION_FAILED = 302,
    /// Wrong code, PIN, token or tag (deliberately says nothing more).
    LOCKER_CREDENTIAL_REJECTED = 400,
    /// The code, token, RFID UID or remote command is malformed.
    LOCKER_CREDENTIAL_MALFORMED = 401,
    /// The credential has expired.
    LOCKER_CREDENTIAL_EXPIRED = 402,
    /// The credential is not valid yet.
    LOCKER_CREDENTIAL_NOT_YET_VALID = 403,
    /// The single-use credential was already used.
    LOCKER_CREDENTIAL_ALREADY_USED = 404,
    /// The credential was revoked (for example a rotated courier code).
    LOCKER_CREDENTIAL_REVOKED = 405,
    /// The credential is for another purpose.
    LOCKER_CREDENTIAL_WRONG_PURPOSE = 406,
    /// Too many failed attempts: try again later.
    LOCKER_CREDENTIAL_THROTTLED = 407,
    /// The policy needs the unit number with the PIN.
    LOCKER_CREDENTIAL_UNIT_REQUIRED = 408,
    /// The RFID tag needs its PIN.
    LOCKER_CREDENTIAL_PIN_REQUIRED = 409,
    /// Another credential failure (keys, policy, limits).
    LOCKER_CREDENTIAL_FAILED = 410,
    /// No credential has this id.
    LOCKER_CREDENTIAL_UNKNOWN = 411,
    /// A delegation names a door without a parcel of the delegator.
    LOCKER_CREDENTIAL_NOT_DELEGABLE = 412,
    /// Remote opening is off (the policy's `credentials.remote.enabled`).
    LOCKER_REMOTE_DISABLED = 413,
    /// The remote command names another bank.
    LOCKER_REMOTE_WRONG_BANK = 414,
    /// The remote command was already used (or its nonce names a
    /// credential).
    LOCKER_REMOTE_REPLAYED = 415,
    /// The cap on remote openings per minute or per day is reached.
    LOCKER_REMOTE_CAP_REACHED = 416,
    /// The remote command's window is longer than the policy allows.
    LOCKER_REMOTE_WINDOW_TOO_LONG = 417,
    /// Hardware: the latch did not release.
    LOCKER_DOOR_JAMMED = 500,
    /// Hardware: the board has no such door.
    LOCKER_UNKNOWN_DOOR = 501,
    /// Hardware: a sensor gave no usable reading.
    LOCKER_SENSOR_FAULT = 502,
    /// Hardware: the lock board did not answer.
    LOCKER_BUS_TIMEOUT = 503,
    /// Hardware: the real-time clock has no valid time.
    LOCKER_CLOCK_FAULT = 504,
    /// Hardware: the random number generator could not deliver.
    LOCKER_ENTROPY_UNAVAILABLE = 505,
    /// Hardware: power was lost during the call.
    LOCKER_POWER_LOST = 506,
    /// Hardware: another failure.
    LOCKER_HARDWARE_FAILED = 507,
    /// The `journal_append` callback failed: the change was not made.
    LOCKER_JOURNAL_WRITE = 600,
    /// The `journal_read` or `journal_truncate` callback failed.
    LOCKER_JOURNAL_READ = 601,
    /// A journal line is not a record (or not UTF-8).
    LOCKER_JOURNAL_MALFORMED = 602,
    /// A journal record has a format version this library does not read.
    LOCKER_JOURNAL_UNSUPPORTED_VERSION = 603,
    /// A journal record was edited.
    LOCKER_JOURNAL_EDITED = 604,
    /// Journal records are missing.
    LOCKER_JOURNAL_MISSING = 605,
    /// Journal records are out of order or repeated.
    LOCKER_JOURNAL_OUT_OF_ORDER = 606,
    /// A journal record does not link to the one before it.
    LOCKER_JOURNAL_BROKEN_LINK = 607,
    /// A journal record cannot be applied (or the journal is empty).
    LOCKER_JOURNAL_REPLAY = 608,
    /// The journal ends in a torn line and no `journal_truncate` callback
    /// was given to cut it off.
    LOCKER_JOURNAL_TORN_TAIL = 609,
    /// The operation does not fit the locker's state.
    LOCKER_STATE = 700,
    /// The door is still open; close it first.
    LOCKER_DOOR_STILL_OPEN = 701,
    /// Nothing to collect with this credential.
    LOCKER_NOTHING_TO_COLLECT = 702,
    /// The door is unavailable (out of service, in grace, to inspect).
    LOCKER_DOOR_UNAVAILABLE = 703,
    /// The door is not in its re-open grace period.
    LOCKER_NOT_IN_GRACE = 704,
    /// The door holds no delivery.
    LOCKER_NO_DELIVERY = 705,
    /// The door is not waiting for inspection.
    LOCKER_NOT_INTERRUPTED = 706,
    /// The door is already open for another task.
    LOCKER_DOOR_BUSY = 707,
    /// The door is not open for this (an unknown door, or open for
    /// something else).
    LOCKER_DOOR_NOT_OPEN_FOR = 708,
}

impl locker_status {
    /// Every status, in numeric order.
    pub(crate) const ALL: [Self; 62] = [
        Self::LOCKER_OK,
        Self::LOCKER_NULL_POINTER,
        Self::LOCKER_INVALID_ARGUMENT,
        Self::LOCKER_INVALID_UTF8,
        Self::LOCKER_BUSY,
        Self::LOCKER_POISONED,
        Self::LOCKER_BUFFER_TOO_SMALL,
        Self::LOCKER_PANIC,
        Self::LOCKER_ZERO_SIDE,
        Self::LOCKER_SIDE_TOO_LONG,
        Self::LOCKER_ZERO_WEIGHT,
        Self::LOCKER_WEIGHT_TOO_HEAVY,
        Self::LOCKER_CONFIG_INVALID,
        Self::LOCKER_KEYS_INVALID,
        Self::LOCKER_PARCEL_INVALID,
        Self::LOCKER_PARCEL_ALREADY_STORED,
        Self::LOCKER_ALLOCATION_FAILED,
        Self::LOCKER_CREDENTIAL_REJECTED,
        Self::LOCKER_CREDENTIAL_MALFORMED,
        Self::LOCKER_CREDENTIAL_EXPIRED,
        Self::LOCKER_CREDENTIAL_NOT_YET_VALID,
        Self::LOCKER_CREDENTIAL_ALREADY_USED,
        Self::LOCKER_CREDENTIAL_REVOKED,
        Self::LOCKER_CREDENTIAL_WRONG_PURPOSE,
        Self::LOCKER_CREDENTIAL_THROTTLED,
        Self::LOCKER_CREDENTIAL_UNIT_REQUIRED,
        Self::LOCKER_CREDENTIAL_PIN_REQUIRED,
        Self::LOCKER_CREDENTIAL_FAILED,
        Self::LOCKER_CREDENTIAL_UNKNOWN,
        Self::LOCKER_CREDENTIAL_NOT_DELEGABLE,
        Self::LOCKER_REMOTE_DISABLED,
        Self::LOCKER_REMOTE_WRONG_BANK,
        Self::LOCKER_REMOTE_REPLAYED,
        Self::LOCKER_REMOTE_CAP_REACHED,
        Self::LOCKER_REMOTE_WINDOW_TOO_LONG,
        Self::LOCKER_DOOR_JAMMED,
        Self::LOCKER_UNKNOWN_DOOR,
        Self::LOCKER_SENSOR_FAULT,
        Self::LOCKER_BUS_TIMEOUT,
        Self::LOCKER_CLOCK_FAULT,
        Self::LOCKER_ENTROPY_UNAVAILABLE,
        Self::LOCKER_POWER_LOST,
        Self::LOCKER_HARDWARE_FAILED,
        Self::LOCKER_JOURNAL_WRITE,
        Self::LOCKER_JOURNAL_READ,
        Self::LOCKER_JOURNAL_MALFORMED,
        Self::LOCKER_JOURNAL_UNSUPPORTED_VERSION,
        Self::LOCKER_JOURNAL_EDITED,
        Self::LOCKER_JOURNAL_MISSING,
        Self::LOCKER_JOURNAL_OUT_OF_ORDER,
        Self::LOCKER_JOURNAL_BROKEN_LINK,
        Self::LOCKER_JOURNAL_REPLAY,
        Self::LOCKER_JOURNAL_TORN_TAIL,
        Self::LOCKER_STATE,
        Self::LOCKER_DOOR_STILL_OPEN,
        Self::LOCKER_NOTHING_TO_COLLECT,
        Self::LOCKER_DOOR_UNAVAILABLE,
        Self::LOCKER_NOT_IN_GRACE,
        Self::LOCKER_NO_DELIVERY,
        Self::LOCKER_NOT_INTERRUPTED,
        Self::LOCKER_DOOR_BUSY,
        Self::LOCKER_DOOR_NOT_OPEN_FOR,
    ];

    /// The status with number `code`, if there is one.
    #[must_use]
    pub fn from_u32(code: u32) -> Option<Self> {
        Self::ALL.into_iter().find(|s| *s as u32 == code)
    }

    /// A short static description.
    #[must_use]
    pub const fn message(self) -> &'static CStr {
        match self {
            Self::LOCKER_OK => c"ok",
            Self::LOCKER_NULL_POINTER => c"a required pointer argument or callback was NULL",
            Self::LOCKER_INVALID_ARGUMENT => c"an argument was invalid",
            Self::LOCKER_INVALID_UTF8 => c"a string argument is not valid UTF-8",
            Self::LOCKER_BUSY => {
                c"the locker is already inside a call (re-entrant call from a callback)"
            }
            Self::LOCKER_POISONED => {
                c"an earlier call on this locker panicked; restore it from the journal"
            }
            Self::LOCKER_BUFFER_TOO_SMALL => c"the buffer is too small",
            Self::LOCKER_PANIC => c"internal error (panic) in the locker library",
            Self::LOCKER_ZERO_SIDE => c"a side of a size is 0 mm; every side must be at least 1 mm",
            Self::LOCKER_SIDE_TOO_LONG => c"a side of a size is longer than 5000 mm",
            Self::LOCKER_ZERO_WEIGHT => c"a weight is 0 g; a weight must be at least 1 g",
            Self::LOCKER_WEIGHT_TOO_HEAVY => c"a weight is more than 1000000 g",
            Self::LOCKER_CONFIG_INVALID => c"the configuration is invalid",
            Self::LOCKER_KEYS_INVALID => c"the site key bytes are malformed",
            Self::LOCKER_PARCEL_INVALID => c"the parcel is invalid",
            Self::LOCKER_PARCEL_ALREADY_STORED => c"the parcel is already stored",
            Self::LOCKER_ALLOCATION_FAILED => c"allocation failed",
            Self::LOCKER_CREDENTIAL_REJECTED => c"credential rejected",
            Self::LOCKER_CREDENTIAL_MALFORMED => c"the code, token, tag or command is malformed",
            Self::LOCKER_CREDENTIAL_EXPIRED => c"the credential has expired",
            Self::LOCKER_CREDENTIAL_NOT_YET_VALID => c"the credential is not valid yet",
            Self::LOCKER_CREDENTIAL_ALREADY_USED => c"the credential was already used",
            Self::LOCKER_CREDENTIAL_REVOKED => c"the credential was revoked",
            Self::LOCKER_CREDENTIAL_WRONG_PURPOSE => c"the credential is for another purpose",
            Self::LOCKER_CREDENTIAL_THROTTLED => c"too many failed attempts; try again later",
            Self::LOCKER_CREDENTIAL_UNIT_REQUIRED => c"the unit number is required with the PIN",
            Self::LOCKER_CREDENTIAL_PIN_REQUIRED => c"this RFID tag requires its PIN",
            Self::LOCKER_CREDENTIAL_FAILED => c"credential operation failed",
            Self::LOCKER_CREDENTIAL_UNKNOWN => c"no credential has this id",
            Self::LOCKER_CREDENTIAL_NOT_DELEGABLE => {
                c"the delegator has no parcel waiting in this door"
            }
            Self::LOCKER_REMOTE_DISABLED => c"remote opening is disabled by the policy",
            Self::LOCKER_REMOTE_WRONG_BANK => c"the remote command is for another bank",
            Self::LOCKER_REMOTE_REPLAYED => c"the remote command was already used",
            Self::LOCKER_REMOTE_CAP_REACHED => {
                c"the cap on remote openings is reached; try again later"
            }
            Self::LOCKER_REMOTE_WINDOW_TOO_LONG => {
                c"the remote command's window is longer than the policy allows"
            }
            Self::LOCKER_DOOR_JAMMED => c"door jammed: the latch did not release",
            Self::LOCKER_UNKNOWN_DOOR => c"unknown door: the lock board has no door with this id",
            Self::LOCKER_SENSOR_FAULT => c"sensor fault: no usable reading",
            Self::LOCKER_BUS_TIMEOUT => c"bus timeout: the lock board did not answer",
            Self::LOCKER_CLOCK_FAULT => c"clock fault: the real-time clock has no valid time",
            Self::LOCKER_ENTROPY_UNAVAILABLE => {
                c"entropy unavailable: the random number generator could not deliver"
            }
            Self::LOCKER_POWER_LOST => c"power lost",
            Self::LOCKER_HARDWARE_FAILED => c"hardware failure",
            Self::LOCKER_JOURNAL_WRITE => {
                c"the journal could not store the record; the change was not made"
            }
            Self::LOCKER_JOURNAL_READ => c"the journal could not be read or truncated",
            Self::LOCKER_JOURNAL_MALFORMED => c"a journal line is not a record",
            Self::LOCKER_JOURNAL_UNSUPPORTED_VERSION => {
                c"a journal record has an unsupported version"
            }
            Self::LOCKER_JOURNAL_EDITED => c"a journal record was edited",
            Self::LOCKER_JOURNAL_MISSING => c"journal records are missing",
            Self::LOCKER_JOURNAL_OUT_OF_ORDER => c"journal records are out of order or repeated",
            Self::LOCKER_JOURNAL_BROKEN_LINK => {
                c"a journal record does not link to the one before it"
            }
            Self::LOCKER_JOURNAL_REPLAY => c"a journal record cannot be applied",
            Self::LOCKER_JOURNAL_TORN_TAIL => {
                c"the journal ends in a torn line and cannot be truncated"
            }
            Self::LOCKER_STATE => c"the operation does not fit the locker's state",
            Self::LOCKER_DOOR_STILL_OPEN => c"the door is still open",
            Self::LOCKER_NOTHING_TO_COLLECT => c"nothing to collect",
            Self::LOCKER_DOOR_UNAVAILABLE => c"the door is unavailable",
            Self::LOCKER_NOT_IN_GRACE => c"the door is not in its re-open grace period",
            Self::LOCKER_NO_DELIVERY => c"the door holds no delivery",
            Self::LOCKER_NOT_INTERRUPTED => c"the door is not waiting for inspection",
            Self::LOCKER_DOOR_BUSY => c"the door is already open",
            Self::LOCKER_DOOR_NOT_OPEN_FOR => c"the door is not open for this",
        }
    }

    /// The status of a hardware failure of this kind.
    #[must_use]
    pub const fn of_hardware(kind: HardwareErrorKind) -> Self {
        match kind {
            HardwareErrorKind::DoorJammed => Self::LOCKER_DOOR_JAMMED,
            HardwareErrorKind::UnknownDoor => Self::LOCKER_UNKNOWN_DOOR,
            HardwareErrorKind::SensorFault => Self::LOCKER_SENSOR_FAULT,
            HardwareErrorKind::BusTimeout => Self::LOCKER_BUS_TIMEOUT,
            HardwareErrorKind::ClockFault => Self::LOCKER_CLOCK_FAULT,
            HardwareErrorKind::EntropyUnavailable => Self::LOCKER_ENTROPY_UNAVAILABLE,
            HardwareErrorKind::PowerLost => Self::LOCKER_POWER_LOST,
            // Other, and kinds added later (#[non_exhaustive]).
            _ => Self::LOCKER_HARDWARE_FAILED,
        }
    }

    /// The status of a credential failure.
    #[must_use]
    pub const fn of_credential(error: &CredentialError) -> Self {
        match error {
            CredentialError::Rejected => Self::LOCKER_CREDENTIAL_REJECTED,
            CredentialError::MalformedPin(_)
            | CredentialError::MalformedToken(_)
            | CredentialError::MalformedRfidUid { .. } => Self::LOCKER_CREDENTIAL_MALFORMED,
            CredentialError::Expired { .. } => Self::LOCKER_CREDENTIAL_EXPIRED,
            CredentialError::NotYetValid { .. } => Self::LOCKER_CREDENTIAL_NOT_YET_VALID,
            CredentialError::AlreadyUsed { .. } => Self::LOCKER_CREDENTIAL_ALREADY_USED,
            CredentialError::Revoked { .. } => Self::LOCKER_CREDENTIAL_REVOKED,
            CredentialError::WrongPurpose { .. } => Self::LOCKER_CREDENTIAL_WRONG_PURPOSE,
            CredentialError::Throttled { .. } => Self::LOCKER_CREDENTIAL_THROTTLED,
            CredentialError::UnitRequired => Self::LOCKER_CREDENTIAL_UNIT_REQUIRED,
            CredentialError::PinRequired => Self::LOCKER_CREDENTIAL_PIN_REQUIRED,
            CredentialError::UnknownCredential { .. } => Self::LOCKER_CREDENTIAL_UNKNOWN,
            CredentialError::NotDelegable { .. } => Self::LOCKER_CREDENTIAL_NOT_DELEGABLE,
            CredentialError::RemoteDisabled => Self::LOCKER_REMOTE_DISABLED,
            CredentialError::WrongBank { .. } => Self::LOCKER_REMOTE_WRONG_BANK,
            CredentialError::Replayed { .. } => Self::LOCKER_REMOTE_REPLAYED,
            CredentialError::RemoteCapReached { .. } => Self::LOCKER_REMOTE_CAP_REACHED,
            CredentialError::WindowTooLong { .. } => Self::LOCKER_REMOTE_WINDOW_TOO_LONG,
            CredentialError::NothingToCollect { .. } => Self::LOCKER_NOTHING_TO_COLLECT,
            CredentialError::InvalidPolicy { .. } => Self::LOCKER_CONFIG_INVALID,
            _ => Self::LOCKER_CREDENTIAL_FAILED,
        }
    }

    /// The status of a journal failure.
    #[must_use]
    pub const fn of_journal(error: &JournalError) -> Self {
        match error {
            JournalError::Malformed { .. } => Self::LOCKER_JOURNAL_MALFORMED,
            JournalError::UnsupportedVersion { .. } => Self::LOCKER_JOURNAL_UNSUPPORTED_VERSION,
            JournalError::Edited { .. } => Self::LOCKER_JOURNAL_EDITED,
            JournalError::Missing { .. } => Self::LOCKER_JOURNAL_MISSING,
            JournalError::OutOfOrder { .. } => Self::LOCKER_JOURNAL_OUT_OF_ORDER,
            JournalError::BrokenLink { .. } => Self::LOCKER_JOURNAL_BROKEN_LINK,
            _ => Self::LOCKER_JOURNAL_MALFORMED,
        }
    }

    /// The status of a state refusal.
    #[must_use]
    pub const fn of_state(error: &StateError) -> Self {
        match error {
            StateError::Config(_) | StateError::Bank(_) | StateError::Configuration => {
                Self::LOCKER_CONFIG_INVALID
            }
            StateError::Credential(error) => Self::of_credential(error),
            StateError::DoorBusy { .. } => Self::LOCKER_DOOR_BUSY,
            StateError::NotOpenFor { .. } => Self::LOCKER_DOOR_NOT_OPEN_FOR,
            StateError::NotInGrace { .. } => Self::LOCKER_NOT_IN_GRACE,
            StateError::NoDelivery { .. } => Self::LOCKER_NO_DELIVERY,
            StateError::NotInterrupted { .. } => Self::LOCKER_NOT_INTERRUPTED,
            StateError::Unavailable { .. } => Self::LOCKER_DOOR_UNAVAILABLE,
            _ => Self::LOCKER_STATE,
        }
    }

    /// The status of a locker failure.
    #[must_use]
    pub const fn of_locker(error: &LockerError) -> Self {
        match error {
            LockerError::Credential(error) => Self::of_credential(error),
            LockerError::Allocation(AllocationError::InvalidParcel { .. }) => {
                Self::LOCKER_PARCEL_INVALID
            }
            LockerError::Allocation(AllocationError::AlreadyStored { .. }) => {
                Self::LOCKER_PARCEL_ALREADY_STORED
            }
            LockerError::Allocation(_) => Self::LOCKER_ALLOCATION_FAILED,
            LockerError::State(error) => Self::of_state(error),
            LockerError::Hardware { kind, .. } => Self::of_hardware(*kind),
            LockerError::JournalWrite { .. } => Self::LOCKER_JOURNAL_WRITE,
            LockerError::Journal(error) => Self::of_journal(error),
            LockerError::Replay { .. } => Self::LOCKER_JOURNAL_REPLAY,
            LockerError::DoorStillOpen { .. } => Self::LOCKER_DOOR_STILL_OPEN,
            LockerError::NothingToCollect => Self::LOCKER_NOTHING_TO_COLLECT,
            LockerError::Invalid { .. } => Self::LOCKER_INVALID_ARGUMENT,
            _ => Self::LOCKER_STATE,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_round_trip_are_unique_and_ordered() {
        for status in locker_status::ALL {
            assert_eq!(locker_status::from_u32(status as u32), Some(status));
            assert!(!status.message().is_empty());
        }
        for pair in locker_status::ALL.windows(2) {
            assert!((pair[0] as u32) < (pair[1] as u32), "{pair:?}");
        }
        assert_eq!(locker_status::from_u32(98), None);
    }
}
