//! Statistics of a journal: where parcels went, overflow, occupancy
//! through the day, dwell, utilization and pickups.
//!
//! The records are read by replaying them through the locker's own state
//! machine ([`LockerState`](crate::locker::LockerState), as
//! [`replay`](crate::locker::replay) does), and each record is counted by
//! what it changed: a parcel is stored when its door holds it, collected
//! or returned when its door lets it go (as the state places it), missing
//! when the state says so. So a journal the statistics read is one that
//! replays, and they cannot disagree with it: an interrupted pickup staff
//! find empty is a collection, an interrupted drop-off staff find inside
//! is a parcel stored. Any journal will do, a locker's or a simulation's;
//! the bindings only format what [`journal_stats`] returns.
//!
//! ```
//! use locker_core::allocate::Request;
//! use locker_core::analytics::{StatsOptions, journal_stats};
//! use locker_core::credential::{CarrierId, KioskId};
//! use locker_core::hardware::SimulatedHardware;
//! use locker_core::journal::MemoryJournal;
//! use locker_core::locker::{DropOff, Event, Locker, LockerConfig};
//! use locker_core::{Dimensions, Parcel, ParcelId, RecipientId};
//!
//! let config = LockerConfig::default();
//! let doors = config.bank.compartments.iter().map(|c| c.id);
//! let hardware = SimulatedHardware::new(doors, 7).with_now_s(1_700_000_000);
//! let mut locker = Locker::new(config, hardware, MemoryJournal::new())?;
//! let code = locker.issue_courier_code(CarrierId(1), 86_400)?;
//! let session = locker.courier_sign_in(KioskId(1), code.expose())?;
//! let parcel = Parcel::new(ParcelId(1), Dimensions::new(300, 200, 100), 1_500);
//! let DropOff::Opened { compartment, .. } =
//!     locker.deposit(&session, Request::new(parcel, RecipientId(12)))?
//! else {
//!     panic!("an empty bank has room");
//! };
//! locker.hardware_mut().open_door(compartment)?;
//! locker.hardware_mut().put_parcel(compartment)?;
//! locker.hardware_mut().close_door(compartment)?;
//! locker.door_closed(compartment)?;
//!
//! let stats = journal_stats(locker.journal().records(), &StatsOptions::default())?;
//! assert_eq!(stats.totals.parcels_stored, 1);
//! assert_eq!(stats.totals.parcels_in_bank_at_end, 1);
//! assert_eq!(stats.occupancy.peak_occupied_doors, 1);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod builder;
mod dwell;
mod error;
mod occupancy;
mod options;
mod report;
mod stays;
#[cfg(test)]
mod tests;

pub use builder::{MAX_DAYS, StatsBuilder};
pub use error::AnalyticsError;
pub use options::{MAX_UTC_OFFSET_S, StatsOptions};
pub use report::{
    AbortCount, ByChannel, ByOverflowReason, CarrierCount, ClassUtilization, DWELL_BUCKETS_H,
    DayStats, DwellStats, DwellSummary, JournalStats, OccupancyStats, OverflowStats, PickupStats,
    Totals, UtilizationStats, ZoneUtilization,
};
pub use stays::{ParcelStay, StayOutcome, parcel_stays};

use crate::journal::Record;
use crate::locker::Entry;

/// The statistics of a whole journal (its first record configures the
/// locker), read with `options`.
///
/// # Errors
///
/// [`AnalyticsError::InvalidOption`] for options out of range,
/// [`AnalyticsError::Empty`] for no records, [`AnalyticsError::Replay`]
/// naming the first record that does not apply, and
/// [`AnalyticsError::SpanTooLong`] for records over more than
/// [`MAX_DAYS`] days (give a window).
pub fn journal_stats(
    records: &[Record<Entry>],
    options: &StatsOptions,
) -> Result<JournalStats, AnalyticsError> {
    let mut builder = StatsBuilder::new(*options)?;
    for record in records {
        builder.push(record)?;
    }
    builder.finish()
}
