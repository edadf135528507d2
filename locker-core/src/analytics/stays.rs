//! One line per parcel stored: when it went in, when and how it left.
//! What the totals and the dwell distributions count, parcel by parcel.

use alloc::string::String;
use alloc::vec::Vec;

use super::builder::StatsBuilder;
use super::error::AnalyticsError;
use super::options::StatsOptions;
use crate::credential::CarrierId;
use crate::ids::{CompartmentId, ParcelId, RecipientId};
use crate::journal::Record;
use crate::locker::Entry;

/// How a parcel's stay ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StayOutcome {
    /// Its recipient (or a delegate) collected it.
    Collected,
    /// The carrier took it back after it expired.
    Returned,
    /// Collected, then reported missing in the grace period.
    Missing,
    /// Still in its door after the last record.
    InBank,
}

/// One parcel stored in the window, followed to the end of the journal
/// (it may leave after the window).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ParcelStay {
    /// The parcel.
    pub parcel: ParcelId,
    /// Its recipient.
    pub recipient: RecipientId,
    /// The carrier that brought it.
    pub carrier: CarrierId,
    /// Its door.
    pub compartment: CompartmentId,
    /// The door's size class.
    pub size_class: String,
    /// When it was stored (the door closed on it, or staff confirmed it).
    pub stored_at_s: u64,
    /// When its door was emptied; none while it is inside.
    pub left_at_s: Option<u64>,
    /// How the stay ended.
    pub outcome: StayOutcome,
    /// `left_at_s - stored_at_s`, for a parcel that left.
    pub stay_s: Option<u64>,
}

/// The stays of the parcels stored in the window of `options`, in the
/// order they were stored: what [`journal_stats`](super::journal_stats)
/// counts, one parcel at a time.
///
/// # Errors
///
/// As [`journal_stats`](super::journal_stats).
pub fn parcel_stays(
    records: &[Record<Entry>],
    options: &StatsOptions,
) -> Result<Vec<ParcelStay>, AnalyticsError> {
    let mut builder = StatsBuilder::new(*options)?.recording_stays();
    for record in records {
        builder.push(record)?;
    }
    builder.finish_with_stays().map(|(_, stays)| stays)
}
