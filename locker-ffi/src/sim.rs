//! The building simulation through a real locker
//! (`locker_core::sim::simulate_locker`): statistics and a journal to try
//! analytics and back ends on, from C.

use core::ffi::c_char;

use locker_core::bank::{BankConfig, default_bank};
use locker_core::journal::lines;
use locker_core::sim::{Building, simulate_locker};

use crate::boundary;
use crate::error::Error;
use crate::ptr::{non_null, opt_str_arg, write_string};
use crate::status::locker_status;

/// Simulates a building's parcel traffic through a real locker over the
/// core's simulated hardware: couriers sign in with their codes,
/// residents collect by PIN, QR code or RFID tag, the locker's own expiry,
/// holds, extensions and returns, all journaled. Deterministic from the
/// building's `seed`. Day 0 is the building's `start_day_of_year` of
/// 2026, UTC.
///
/// `building_json` is a UTF-8 JSON object of the core's `Building` fields
/// (`units`, `days`, `season`, `carriers`, …; missing fields take their
/// defaults; NULL: the default building, a year of 100 units);
/// `bank_json` a bank configuration (NULL: the default bank).
///
/// On `LOCKER_OK`, `*out_result_json` is the core's `SimResult` as JSON
/// (`arrivals`, `placed`, `overflow`, `overflow_full`, `picked_up`,
/// `occupancy_by_hour`, `carriers`, `daily`, …) and `*out_journal` the
/// locker's journal as JSON lines (for `locker_journal_stats`); both are
/// new strings owned by the caller: release each with
/// `locker_string_free`, never `free()`. Returns `LOCKER_INVALID_ARGUMENT`
/// for a building that is not JSON of its shape (a wrong type, an unknown
/// field: the last-error message says which), `LOCKER_SIM_INVALID_FIELD`
/// for a field out of range (the message names it:
/// `carriers[0].rounds[1] is 9; …`), a geometry status for an impossible
/// parcel profile, `LOCKER_CONFIG_INVALID` for a bad bank, and
/// `LOCKER_INVALID_UTF8`.
///
/// Not in the bare-metal library (built without the `std` feature): the
/// simulation is an analyst's tool, not a firmware's.
///
/// Ownership: the strings are borrowed for this call only. Thread safety:
/// any thread; it touches no locker. It may run for seconds: a locker's
/// work for every parcel of `days` days.
#[unsafe(no_mangle)]
pub extern "C" fn locker_simulate_locker(
    building_json: *const c_char,
    bank_json: *const c_char,
    out_result_json: *mut *mut c_char,
    out_journal: *mut *mut c_char,
) -> locker_status {
    boundary(|| {
        non_null(out_result_json, "out_result_json")?;
        non_null(out_journal, "out_journal")?;
        let building: Building = match opt_str_arg(building_json, "building_json")? {
            None => Building::default(),
            Some(json) => serde_json::from_str(json).map_err(|error| {
                Error::new(
                    locker_status::LOCKER_INVALID_ARGUMENT,
                    format_args!("building_json: {error}"),
                )
            })?,
        };
        let config = match opt_str_arg(bank_json, "bank_json")? {
            None => default_bank(),
            Some(json) => BankConfig::from_json(json)
                .map_err(|error| Error::core(error.code(), format_args!("bank_json: {error}")))?,
        };
        let run = simulate_locker(&building, &config)
            .map_err(|error| Error::core(error.code(), &error))?;
        let result = serde_json::to_string(&run.result)
            .map_err(|error| Error::new(locker_status::LOCKER_PANIC, error))?;
        let journal = lines::write(run.locker.journal().records());
        // JSON holds no NUL byte, so neither write fails: both
        // out-parameters are written, or (NULL, checked above) neither.
        write_string(out_result_json, result)?;
        write_string(out_journal, journal)
    })
}
