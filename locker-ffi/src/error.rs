//! Failures inside the library: a status plus a message, and the
//! thread-local last-error message C reads with `locker_last_error_message`.

use alloc::ffi::CString;
use alloc::string::{String, ToString};
#[cfg(test)]
use core::ffi::CStr;
use core::ffi::c_char;
use core::fmt::Display;

use locker_core::locker::LockerError;

use crate::local::local;
use crate::locker_status;

/// A failed call: the status to return and the message to keep.
#[derive(Debug)]
pub(crate) struct Error {
    pub(crate) status: locker_status,
    pub(crate) message: String,
}

impl Error {
    /// A failure with its own message.
    pub(crate) fn new(status: locker_status, message: impl Display) -> Self {
        Self {
            status,
            message: message.to_string(),
        }
    }

    /// A NULL argument, named.
    pub(crate) fn null(name: &str) -> Self {
        Self::new(
            locker_status::LOCKER_NULL_POINTER,
            format_args!("{name} is NULL"),
        )
    }
}

impl From<locker_status> for Error {
    fn from(status: locker_status) -> Self {
        Self {
            status,
            message: status.message().to_string_lossy().into_owned(),
        }
    }
}

impl Error {
    /// A core error, by its code (the core's one table): the status of the
    /// code, and `message`. A code this binding has no status for (only a
    /// newer core could give one; a test walks the whole table) is a bug
    /// of the binding: `LOCKER_PANIC`, with the code in the message.
    pub(crate) fn core(code: &str, message: impl Display) -> Self {
        Self::coded(code, locker_status::of_code(code), message)
    }

    fn coded(code: &str, status: Option<locker_status>, message: impl Display) -> Self {
        match status {
            Some(status) => Self::new(status, message),
            None => Self::new(
                locker_status::LOCKER_PANIC,
                format_args!(
                    "internal error: the core's error code {code:?} has no status ({message})"
                ),
            ),
        }
    }
}

impl From<LockerError> for Error {
    fn from(error: LockerError) -> Self {
        // LockerError messages never carry secrets (PINs, tokens, keys).
        // The code is the innermost cause's.
        Self::core(error.code(), &error)
    }
}

local! {
    /// The last failed call's message (per thread with `std`).
    static LAST_ERROR: Option<CString> = None;
}

/// Remembers `message` as this thread's last error (empty to clear).
pub(crate) fn set_last_error(message: &str) {
    // A message with an interior NUL is cut there.
    let text = if message.is_empty() {
        None
    } else {
        let bytes = message.split('\0').next().unwrap_or_default();
        CString::new(bytes).ok()
    };
    // During thread teardown the slot may be gone (then no one is left to
    // read the message); on bare metal an interrupt may have landed
    // inside another update (then that one's message stands).
    let _ = LAST_ERROR.with(|slot| *slot = text);
}

/// The message of the last failed call on this thread, or `""`.
///
/// Never NULL. The string belongs to the library: do not free it. It stays
/// valid until the next call on this thread of a function that returns a
/// `locker_status`; copy it to keep it. Calls that succeed set it to `""`.
/// Messages never contain PINs, codes, tokens or keys.
///
/// Thread safety: each thread has its own last error (on bare metal,
/// built without `std`, there is one).
#[unsafe(no_mangle)]
pub extern "C" fn locker_last_error_message() -> *const c_char {
    LAST_ERROR
        .with(|slot| slot.as_ref().map(|text| text.as_ptr()))
        .flatten()
        .unwrap_or(c"".as_ptr())
}

/// The current message, for Rust tests.
#[cfg(test)]
pub(crate) fn last_error() -> String {
    // SAFETY: locker_last_error_message returns a NUL-terminated string that
    // stays valid until the next status-returning call on this thread.
    unsafe { CStr::from_ptr(locker_last_error_message()) }
        .to_string_lossy()
        .into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unknown_code_is_a_bug_not_a_guess() {
        let error = Error::core("from_a_newer_core", "what it said");
        assert_eq!(error.status, locker_status::LOCKER_PANIC);
        assert!(error.message.contains("from_a_newer_core"));
        assert!(error.message.contains("what it said"));
        let error = Error::core("forged", "record 3 is forged");
        assert_eq!(error.status, locker_status::LOCKER_JOURNAL_FORGED);
        assert_eq!(error.message, "record 3 is forged");
    }

    #[test]
    fn a_bank_of_a_journal_and_of_a_token_get_their_own_statuses() {
        use locker_core::credential::CredentialError;
        use locker_core::journal::JournalError;
        let journal = LockerError::Journal(JournalError::WrongBank {
            expected: 31,
            found: 32,
        });
        let error = Error::from(journal);
        assert_eq!(error.status, locker_status::LOCKER_JOURNAL_WRONG_BANK);
        assert_eq!(
            error.message,
            "journal: the journal is bank 32's, not bank 31's"
        );
        let token = LockerError::Credential(CredentialError::WrongBank {
            expected: 31,
            actual: 32,
        });
        assert_eq!(
            Error::from(token).status,
            locker_status::LOCKER_REMOTE_WRONG_BANK
        );
        // The journal's other codes are the table's.
        let empty = LockerError::Journal(JournalError::NoKeys);
        assert_eq!(Error::from(empty).status, locker_status::LOCKER_NO_KEYS);
    }
}
