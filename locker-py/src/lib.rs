//! Python bindings for [`locker_core`]: the private native module
//! `locker._locker`, re-exported by the pure-Python package `locker`.
//!
//! The bindings are thin: each function converts its arguments, calls the
//! core and converts the result or error back. Core errors become subclasses
//! of `locker.LockerError` (see [`exceptions`]).

extern crate alloc;

use locker_core::{Dimensions, Orientation, geometry::GeometryError};
use pyo3::prelude::*;

pub mod args;
pub mod bank;
pub mod convert;
pub mod credential;
pub mod exceptions;
pub mod flash;
pub mod fleet;
mod interned;
pub mod journal;
pub mod locker;
mod pickle;
pub mod sim;
pub mod to_python;

/// A box size as Python passes it: `(width_mm, depth_mm, height_mm)`.
pub type DimsTuple = (u32, u32, u32);

/// A validated [`Dimensions`] from a tuple; `argument` names the Python
/// parameter in the error.
///
/// # Errors
///
/// The core's [`GeometryError`] for a side that is zero or too long, paired
/// with `argument`.
pub fn dimensions(
    argument: &'static str,
    (width_mm, depth_mm, height_mm): DimsTuple,
) -> Result<Dimensions, (&'static str, GeometryError)> {
    let dims = Dimensions::new(width_mm, depth_mm, height_mm);
    dims.validate().map_err(|error| (argument, error))?;
    Ok(dims)
}

/// Which orientation (if any) lets a parcel fit a space, by name.
///
/// # Errors
///
/// A [`GeometryError`] (with the argument's name) when either size is invalid.
pub fn fits_by_name(
    parcel_dims: DimsTuple,
    space_dims: DimsTuple,
    this_side_up: bool,
) -> Result<Option<&'static str>, (&'static str, GeometryError)> {
    let parcel = dimensions("parcel_dims", parcel_dims)?;
    let space = dimensions("space_dims", space_dims)?;
    Ok(parcel
        .orientation_within(space, this_side_up)
        .map(Orientation::as_str))
}

/// Returns the first orientation in which a parcel of `parcel_dims` fits in
/// `space_dims`, as a name (`"wdh"`, `"dwh"`, …), or `None` if it fits in none.
///
/// Sizes are `(width_mm, depth_mm, height_mm)` tuples of whole millimetres.
/// A `this_side_up` parcel only turns about the vertical axis.
///
/// Raises `locker.GeometryError` if a side is 0 or above 5000 mm.
#[pyfunction]
#[pyo3(signature = (parcel_dims, space_dims, this_side_up = false))]
fn fits(
    #[pyo3(from_py_with = args::parcel_dims)] parcel_dims: DimsTuple,
    #[pyo3(from_py_with = args::space_dims)] space_dims: DimsTuple,
    #[pyo3(from_py_with = args::this_side_up)] this_side_up: bool,
) -> PyResult<Option<&'static str>> {
    fits_by_name(parcel_dims, space_dims, this_side_up)
        .map_err(|(argument, error)| exceptions::geometry_error(argument, &error))
}

/// The native module `locker._locker`.
#[pymodule]
mod _locker {
    #[pymodule_export]
    use super::bank::{
        Bank, bank_config_from_json, bank_config_to_json, default_bank, lower_bound, pack_bins,
        pack_into, pack_one, validate_bank_config,
    };
    #[pymodule_export]
    use super::credential::{
        CredentialStore, IssuerSigningKey, KeyRing, brute_force_bound, issue_recorded_token,
        issue_token, issue_token_signed, qr_svg, sign_remote_command, sign_remote_command_ed25519,
        sign_time, sign_time_ed25519, verify_token_offline,
    };
    #[pymodule_export]
    use super::exceptions::{
        AllocationError, BankError, ConfigError, CredentialError, GeometryError, HardwareError,
        InfeasibleError, JournalError, LockerError, OperationError, PackError, QrError, SimError,
    };
    #[pymodule_export]
    use super::fits;
    #[pymodule_export]
    use super::flash::MemoryFlash;
    #[pymodule_export]
    use super::fleet::{JournalTable, read_journal_arrow, read_journals_arrow};
    #[pymodule_export]
    use super::journal::{
        journal_stats, parcel_stays, read_journal, verify_journal, write_journal,
    };
    #[pymodule_export]
    use super::locker::{CourierSessionHandle, Locker, SimulatedHardware, replay};
    #[pymodule_export]
    use super::sim::{
        compose_bank, coverage_curve, default_building, default_classes, plan, simulate,
        simulate_locker,
    };

    use pyo3::prelude::*;

    #[pymodule_init]
    fn init(m: &Bound<'_, PyModule>) -> PyResult<()> {
        m.add("__version__", env!("CARGO_PKG_VERSION"))?;
        m.add(
            "SIGNED_TIME_SKEW_S",
            locker_core::credential::SIGNED_TIME_SKEW_S,
        )?;
        super::exceptions::init_attributes(m.py())?;
        m.add(
            "InvalidArgumentError",
            super::exceptions::invalid_argument_class(m.py())?,
        )?;
        m.add(
            "ArgumentTypeError",
            super::exceptions::argument_type_class(m.py())?,
        )?;
        // True in unoptimized (debug) builds, where timings mean little.
        m.add("_debug_build", cfg!(debug_assertions))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn fits_names_the_orientation_like_the_core_json() {
        assert_eq!(
            fits_by_name((600, 100, 50), (380, 640, 80), false),
            Ok(Some("dwh"))
        );
        assert_eq!(
            fits_by_name((100, 100, 300), (400, 400, 200), true),
            Ok(None)
        );
    }

    #[test]
    fn invalid_sizes_name_the_argument() {
        let (argument, error) = fits_by_name((1, 1, 1), (0, 1, 1), false).unwrap_err();
        assert_eq!(argument, "space_dims");
        assert!(matches!(error, GeometryError::ZeroSide { .. }));
    }
}
