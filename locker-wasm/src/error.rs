//! Errors as JavaScript sees them: instances of the package's exported
//! `LockerError` class (`js/errors.js`), a subclass of `Error` (so
//! `instanceof Error` and stack traces work) whose `name` is
//! `"LockerError"` and whose `code` is a stable snake_case string to branch
//! on; the `message` is the core's and may change.
//!
//! Every code is the core's own (`code()` of each core error: one table, in
//! `locker-core/src/codes.rs`); this module only translates. Codes name
//! the innermost cause: a PIN refused by the locker throws `"rejected"`,
//! not `"credential"`. A journal error (and a record the state refuses on
//! replay) also carries `seq`, the first bad record, where the core names
//! it. The binding's own refusals (a wrong argument, `this` freed) are
//! `"invalid_argument"`, the core's code for a bad input.

use locker_core::allocate::AllocationError;
use locker_core::bank::{BankError, ConfigError};
use locker_core::credential::CredentialError;
use locker_core::geometry::GeometryError;
use locker_core::hardware::HardwareErrorKind;
use locker_core::journal::JournalError;
use locker_core::journal::flash::FlashError;
use locker_core::locker::{LockerError as CoreLockerError, StateError};
use locker_core::pack::PackError;
use wasm_bindgen::prelude::*;

use crate::convert::{named, u64_to_js};

#[wasm_bindgen(typescript_custom_section)]
const LOCKER_ERROR_TS: &str = r#"
/**
 * Everything this package throws: an `Error` whose `name` is
 * "LockerError"; branch on `code`, show `message`.
 */
export declare class LockerError extends Error {
  private constructor();
  name: "LockerError";
  /**
   * Stable snake_case error kind, the core's code: e.g. "zero_side",
   * "invalid_argument" (a wrong argument, named first in the message, or
   * `this` freed), "rejected", "throttled", "bound_exceeded",
   * "door_jammed", "forged" or "rolled_back". See the README for the list.
   */
  code: string;
  /**
   * The first bad record of a journal, where the core names it ("edited",
   * "forged", "unknown_key", "unauthenticated", "head_mismatch",
   * "not_canonical", "missing_records", "out_of_order", "broken_link",
   * "unsupported_version", "replay"); absent otherwise.
   */
  seq?: number;
}
"#;

#[wasm_bindgen(module = "/js/errors.js")]
extern "C" {
    /// The package's `LockerError` class (`js/errors.js`): an `Error`
    /// with a `code`.
    #[wasm_bindgen(typescript_type = "LockerError")]
    #[derive(Clone, Debug)]
    pub type LockerError;

    #[wasm_bindgen(constructor)]
    fn new(code: &str, message: &str) -> LockerError;

    #[wasm_bindgen(method, setter = seq)]
    fn set_seq(this: &LockerError, seq: JsValue);
}

impl LockerError {
    /// An `Error` named `LockerError` with `code` and `message`.
    #[must_use]
    pub fn with_code(code: &str, message: &str) -> Self {
        Self::new(code, message)
    }

    /// An argument of the wrong type or out of range (`code`
    /// `"invalid_argument"`); `what` names the argument.
    #[must_use]
    pub fn invalid_argument(what: &str, message: &str) -> Self {
        Self::with_code("invalid_argument", &format!("{what}: {message}"))
    }

    /// The same error, naming the first bad record when there is one.
    #[must_use]
    fn at_record(self, seq: Option<u64>) -> Self {
        if let Some(seq) = seq {
            self.set_seq(u64_to_js(seq));
        }
        self
    }
}

/// Every core error converts into a thrown `Error` with the core's code.
macro_rules! from_core {
    ($($ty:ty),* $(,)?) => {$(
        impl From<$ty> for LockerError {
            fn from(error: $ty) -> Self {
                Self::with_code(error.code(), &error.to_string())
            }
        }
    )*};
}

from_core! {
    GeometryError,
    ConfigError,
    BankError,
    AllocationError,
    CredentialError,
    StateError,
    PackError,
    locker_core::sim::SimError,
    locker_core::hardware::sim::SimError,
    locker_core::hardware::sim::ActionError,
}

impl From<&GeometryError> for LockerError {
    fn from(error: &GeometryError) -> Self {
        Self::with_code(error.code(), &error.to_string())
    }
}

impl From<JournalError> for LockerError {
    fn from(error: JournalError) -> Self {
        Self::with_code(error.code(), &error.to_string()).at_record(error.seq())
    }
}

/// A flash journal's error (opening a region, reading its halves): the
/// core's code (`"flash_failed"`, `"flash_layout"`, `"flash_damaged"`,
/// `"flash_full"`, `"needs_compaction"`, or a damaged record's journal
/// code, with `seq`).
impl<E: core::fmt::Display> From<FlashError<E>> for LockerError {
    fn from(error: FlashError<E>) -> Self {
        let seq = match &error {
            FlashError::Journal(inner) => inner.seq(),
            _ => None,
        };
        Self::with_code(error.code(), &error.to_string()).at_record(seq)
    }
}

/// Journal analytics: the core's code, with `seq` for a record that does
/// not replay.
impl From<locker_core::analytics::AnalyticsError> for LockerError {
    fn from(error: locker_core::analytics::AnalyticsError) -> Self {
        Self::with_code(error.code(), &error.to_string()).at_record(error.seq())
    }
}

impl From<CoreLockerError> for LockerError {
    fn from(error: CoreLockerError) -> Self {
        let seq = match &error {
            CoreLockerError::Journal(inner) => inner.seq(),
            CoreLockerError::Replay { seq, .. } => Some(*seq),
            _ => None,
        };
        Self::with_code(error.code(), &error.to_string()).at_record(seq)
    }
}

#[cfg(feature = "qr")]
impl From<locker_core::credential::QrRenderError> for LockerError {
    fn from(error: locker_core::credential::QrRenderError) -> Self {
        Self::with_code(error.code(), &error.to_string())
    }
}

/// The kind a JavaScript hardware object means by the `code` it threw:
/// the kind whose core code that is (`"door_jammed"`, …); any other code
/// is `Other`.
#[must_use]
pub fn hardware_kind(code: &str) -> HardwareErrorKind {
    named(code).unwrap_or(HardwareErrorKind::Other)
}
