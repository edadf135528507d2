//! The C ABI of [`locker_core`]: a static and a shared library (`liblocker`)
//! and the header `include/locker.h`, generated from this crate by cbindgen.
//!
//! Conventions (see `README.md`): names start with `locker_`; functions
//! return a [`locker_status`] and write results through out-parameters,
//! written only on success; every body runs inside a panic boundary, so no
//! panic unwinds into C: with the `std` feature (the default) a panic
//! becomes `LOCKER_PANIC`; without it (bare metal, where nothing unwinds)
//! it calls the firmware's `locker_panic` and never returns.
#![cfg_attr(not(feature = "std"), no_std)]
// The one crate that needs `unsafe` (exports and raw pointers); every unsafe
// block carries a `// SAFETY:` comment.
#![allow(unsafe_code)]
// C naming for C types: `locker_status`, `LOCKER_OK`, ...
#![allow(non_camel_case_types)]

use core::ffi::c_char;
#[cfg(feature = "std")]
use core::panic::AssertUnwindSafe;
extern crate alloc;

use alloc::format;
use alloc::string::String;
#[cfg(feature = "std")]
use alloc::string::ToString;

use locker_core::{Dimensions, Orientation};

mod api;
#[cfg(target_os = "none")]
mod bare_metal;
mod batch;
mod clock;
mod error;
mod events;
mod fault;
mod flash;
mod flash_locker;
/// The driver of the `ffi_entry` fuzz target (fuzz/): not part of the C ABI.
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing;
mod hardware;
mod journal;
mod keys;
mod local;
mod ops;
mod pack;
mod policy;
mod ptr;
mod restore;
#[cfg(feature = "std")]
mod sim;
mod status;
mod typed_event;

pub use api::locker;
pub use batch::{locker_deposit_planned, locker_plan_drop_off_batch};
pub use clock::{
    locker_clock_held, locker_confirm_clock, locker_confirm_signed_time, locker_observe_clock,
};
pub use error::locker_last_error_message;
pub use fault::locker_hw_fault_detail;
pub use flash::locker_flash;
pub use flash_locker::{
    locker_compact, locker_flash_opened, locker_flash_options, locker_flash_previous,
    locker_flash_stats, locker_flash_usage, locker_open_flash,
};
pub use hardware::{locker_hardware, locker_hw_result, locker_occupancy};
pub use journal::locker_journal_stats;
pub use keys::{
    LOCKER_KEY_ENTRY_BYTES, LOCKER_KEY_SECRET_BYTES, LOCKER_KEYS_FORMAT, LOCKER_KEYS_HEADER_BYTES,
    locker_add_key, locker_key_checks, locker_retire_key, locker_rotate_key,
};
pub use ops::{
    locker_courier_session, locker_delegation_scope, locker_drop_off, locker_handling,
    locker_overflow, locker_parcel, locker_zone,
};
pub use policy::locker_brute_force_bound;
pub use ptr::{locker_doors_free, locker_string_free};
pub use restore::{
    locker_head, locker_restore, locker_restore_options, locker_restore_report, locker_restore_with,
};
#[cfg(feature = "std")]
pub use sim::locker_simulate_locker;
pub use status::locker_status;
pub use typed_event::{
    LOCKER_EVENT_DETAIL_BYTES, LOCKER_EVENT_MAX_DOORS, LOCKER_EVENT_MAX_PARCELS,
    LOCKER_EVENT_PIN_BYTES, LOCKER_EVENT_REASON_BYTES, LOCKER_EVENT_TOKEN_BYTES, locker_event,
    locker_event_kind, locker_take_event,
};

use error::{Error, set_last_error};
use ptr::write_out;

/// Runs `body` and turns its result into a status: a failure's message
/// becomes the last error (a success clears it). With `std`, a panic
/// becomes [`locker_status::LOCKER_PANIC`], so that no unwinding crosses
/// the C boundary; without it a panic aborts (`bare_metal`), so there is
/// nothing to catch.
fn boundary(body: impl FnOnce() -> Result<(), Error>) -> locker_status {
    match catch_panic(body) {
        Ok(Ok(())) => {
            set_last_error("");
            locker_status::LOCKER_OK
        }
        Ok(Err(error)) => {
            set_last_error(&error.message);
            error.status
        }
        Err(what) => {
            set_last_error(&format!("internal error (panic): {what}"));
            locker_status::LOCKER_PANIC
        }
    }
}

/// Runs `body`, turning a panic into its message.
#[cfg(feature = "std")]
fn catch_panic<R>(body: impl FnOnce() -> R) -> Result<R, String> {
    std::panic::catch_unwind(AssertUnwindSafe(body)).map_err(|payload| {
        payload
            .downcast_ref::<&str>()
            .copied()
            .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
            .unwrap_or("unknown")
            .to_string()
    })
}

/// Runs `body`: without `std` a panic never returns (the `panic = "abort"`
/// of bare-metal targets, and `bare_metal`'s handler), so there is no
/// `Err`.
#[cfg(not(feature = "std"))]
fn catch_panic<R>(body: impl FnOnce() -> R) -> Result<R, String> {
    Ok(body())
}

/// The major version of the library this header belongs to (semver): a
/// firmware built against it can compare with [`locker_version`] at run
/// time, or with `#if` at build time.
pub const LOCKER_VERSION_MAJOR: u32 = 0;
/// The minor version of the library this header belongs to.
pub const LOCKER_VERSION_MINOR: u32 = 1;
/// The patch version of the library this header belongs to.
pub const LOCKER_VERSION_PATCH: u32 = 0;

/// The library version, e.g. `"0.1.0"`: a static NUL-terminated UTF-8
/// string. Do not free it.
///
/// Ownership: arguments are borrowed for this call only. Thread safety:
/// callable from any thread, concurrently.
#[unsafe(no_mangle)]
pub extern "C" fn locker_version() -> *const c_char {
    concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast()
}

/// A short English description of a status code (any number, so that a
/// value from a newer header is safe to pass): a static NUL-terminated UTF-8
/// string, never NULL. Do not free it.
///
/// Ownership: arguments are borrowed for this call only. Thread safety:
/// callable from any thread, concurrently.
#[unsafe(no_mangle)]
pub extern "C" fn locker_status_message(status: u32) -> *const c_char {
    locker_status::from_u32(status)
        .map_or(c"unknown status", locker_status::message)
        .as_ptr()
}

/// A box size in whole millimetres: width (left to right), depth (front to
/// back) and height (bottom to top). Each side must be 1..=5000 mm.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct locker_dimensions {
    /// Extent along the x axis (left to right), in millimetres.
    pub width_mm: u32,
    /// Extent along the y axis (front to back), in millimetres.
    pub depth_mm: u32,
    /// Extent along the z axis (bottom to top), in millimetres.
    pub height_mm: u32,
}

impl locker_dimensions {
    fn validated(self) -> Result<Dimensions, Error> {
        let dims = Dimensions::new(self.width_mm, self.depth_mm, self.height_mm);
        dims.validate()
            .map_err(|error| Error::core(error.code(), error))?;
        Ok(dims)
    }
}

/// One of the six axis-aligned orientations of a box; the name lists which
/// of the box's sides (Width, Depth, Height as declared) lies along the
/// space's width, depth and height axes.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum locker_orientation {
    /// As declared.
    LOCKER_ORIENTATION_WDH = 0,
    /// Turned a quarter about the vertical axis (still upright).
    LOCKER_ORIENTATION_DWH = 1,
    /// Tipped forward: the declared height lies along the depth.
    LOCKER_ORIENTATION_WHD = 2,
    /// Height along the width, width along the depth.
    LOCKER_ORIENTATION_HWD = 3,
    /// Depth along the width, height along the depth.
    LOCKER_ORIENTATION_DHW = 4,
    /// Laid on its side: the declared height lies along the width.
    LOCKER_ORIENTATION_HDW = 5,
}

impl From<Orientation> for locker_orientation {
    fn from(orientation: Orientation) -> Self {
        match orientation {
            Orientation::Wdh => Self::LOCKER_ORIENTATION_WDH,
            Orientation::Dwh => Self::LOCKER_ORIENTATION_DWH,
            Orientation::Whd => Self::LOCKER_ORIENTATION_WHD,
            Orientation::Hwd => Self::LOCKER_ORIENTATION_HWD,
            Orientation::Dhw => Self::LOCKER_ORIENTATION_DHW,
            Orientation::Hdw => Self::LOCKER_ORIENTATION_HDW,
        }
    }
}

/// Finds the first orientation in which `parcel` fits in `space`.
///
/// On `LOCKER_OK`, `*out_fits` is set to whether it fits and, if it does,
/// `*out_orientation` to the orientation (tried in declaration order; a
/// `this_side_up` parcel only turns about the vertical axis). When it does
/// not fit, `*out_orientation` is left untouched.
///
/// Returns `LOCKER_ZERO_SIDE` or `LOCKER_SIDE_TOO_LONG` for an invalid size
/// and `LOCKER_NULL_POINTER` if an out-parameter is NULL; out-parameters are
/// then not written. Non-NULL out-parameters must be valid for writes.
///
/// Ownership: arguments are borrowed for this call only. Thread safety:
/// callable from any thread, concurrently.
#[unsafe(no_mangle)]
pub extern "C" fn locker_fits(
    parcel: locker_dimensions,
    space: locker_dimensions,
    this_side_up: bool,
    out_fits: *mut bool,
    out_orientation: *mut locker_orientation,
) -> locker_status {
    boundary(|| {
        let parcel = parcel.validated()?;
        let space = space.validated()?;
        if out_fits.is_null() || out_orientation.is_null() {
            return Err(locker_status::LOCKER_NULL_POINTER.into());
        }
        match parcel.orientation_within(space, this_side_up) {
            Some(orientation) => {
                write_out(out_orientation, orientation.into())?;
                write_out(out_fits, true)
            }
            None => write_out(out_fits, false),
        }
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use core::ffi::CStr;

    fn dims(width_mm: u32, depth_mm: u32, height_mm: u32) -> locker_dimensions {
        locker_dimensions {
            width_mm,
            depth_mm,
            height_mm,
        }
    }

    #[test]
    fn version_is_the_crate_version() {
        // SAFETY: locker_version returns a static NUL-terminated string.
        let version = unsafe { CStr::from_ptr(locker_version()) };
        assert_eq!(version.to_str().unwrap(), env!("CARGO_PKG_VERSION"));
        let parts = [
            (LOCKER_VERSION_MAJOR, env!("CARGO_PKG_VERSION_MAJOR")),
            (LOCKER_VERSION_MINOR, env!("CARGO_PKG_VERSION_MINOR")),
            (LOCKER_VERSION_PATCH, env!("CARGO_PKG_VERSION_PATCH")),
        ];
        for (macro_value, crate_value) in parts {
            assert_eq!(
                macro_value.to_string(),
                crate_value,
                "bump the version macros"
            );
        }
    }

    #[test]
    fn fits_writes_out_parameters_only_on_success() {
        let mut fits = false;
        let mut orientation = locker_orientation::LOCKER_ORIENTATION_HDW;
        let status = locker_fits(
            dims(600, 100, 50),
            dims(380, 640, 80),
            false,
            &raw mut fits,
            &raw mut orientation,
        );
        assert_eq!(status, locker_status::LOCKER_OK);
        assert!(fits);
        assert_eq!(orientation, locker_orientation::LOCKER_ORIENTATION_DWH);

        let mut fits = true;
        let status = locker_fits(
            dims(1, 0, 1),
            dims(1, 1, 1),
            false,
            &raw mut fits,
            &raw mut orientation,
        );
        assert_eq!(status, locker_status::LOCKER_ZERO_SIDE);
        assert!(fits, "untouched on error");

        let status = locker_fits(
            dims(1, 1, 1),
            dims(1, 1, 1),
            false,
            core::ptr::null_mut(),
            &raw mut orientation,
        );
        assert_eq!(status, locker_status::LOCKER_NULL_POINTER);
    }

    #[test]
    fn a_panic_becomes_a_status() {
        assert_eq!(boundary(|| panic!("boom")), locker_status::LOCKER_PANIC);
        assert_eq!(error::last_error(), "internal error (panic): boom");
        assert_eq!(boundary(|| Ok(())), locker_status::LOCKER_OK);
        assert_eq!(error::last_error(), "");
    }
}
