//! What [`journal_stats`](super::journal_stats) reports. Every count is
//! over the window of [`StatsOptions`](super::StatsOptions) (the whole
//! journal by default); times are unix seconds, hours of day and days are
//! local to the options' UTC offset.

use alloc::string::String;
use alloc::vec::Vec;

use crate::allocate::OverflowReason;
use crate::credential::{CarrierId, Channel};
use crate::locker::AbortReason;
use crate::parcel::TemperatureZone;

/// Statistics of one journal, computed by replaying it.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JournalStats {
    /// Records read (all of them, in the window or not).
    pub records: u64,
    /// The time of the first record.
    pub first_at_s: u64,
    /// The time of the last record.
    pub last_at_s: u64,
    /// The offset from UTC hours of day and days are local to, in seconds.
    pub utc_offset_s: i32,
    /// The start of the time observed: the window's start or the first
    /// record, whichever is later.
    pub observed_from_s: u64,
    /// The end of the time observed: the window's end or the last record,
    /// whichever is earlier (time-weighted means are over
    /// `observed_from_s..observed_until_s`).
    pub observed_until_s: u64,
    /// Where the parcels went.
    pub totals: Totals,
    /// Parcels no door could take.
    pub overflow: OverflowStats,
    /// How many doors held parcels, through the day.
    pub occupancy: OccupancyStats,
    /// How long parcels stayed.
    pub dwell: DwellStats,
    /// The time-weighted occupied fraction of groups of doors.
    pub utilization: UtilizationStats,
    /// Doors emptied by residents and carriers.
    pub pickups: PickupStats,
    /// One entry per local day observed, the first day first.
    pub days: Vec<DayStats>,
}

/// Where the parcels went. Two balances hold:
/// `parcels_offered == parcels_stored + parcels_overflowed`, and
/// `parcels_in_bank_at_start + parcels_stored == parcels_collected +
/// parcels_returned + parcels_missing + parcels_in_bank_at_end`.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Totals {
    /// Drop-offs that came to an end with the locker: stored in a door or
    /// sent to overflow. A drop-off called off (the parcel stays with the
    /// courier) is not one; the same parcel offered again counts again.
    pub parcels_offered: u64,
    /// Parcels that went into a door: drop-offs committed when the door
    /// closed, and interrupted drop-offs staff found inside.
    pub parcels_stored: u64,
    /// Of `parcels_stored`, those staff confirmed by inspection after an
    /// interruption.
    pub parcels_stored_by_inspection: u64,
    /// Of `parcels_stored`, those put into a door already holding the same
    /// recipient's parcels.
    pub parcels_consolidated: u64,
    /// `parcels_consolidated / parcels_stored` (0 when none stored).
    pub consolidation_rate: f64,
    /// Parcels no door could take (each refusal counts).
    pub parcels_overflowed: u64,
    /// Parcels their recipient (or a delegate) collected, not reported
    /// missing.
    pub parcels_collected: u64,
    /// Parcels the carrier took back after they expired.
    pub parcels_returned: u64,
    /// Parcels collected and then reported missing in the grace period.
    pub parcels_missing: u64,
    /// Parcels in the doors when the window started (0 without a window).
    pub parcels_in_bank_at_start: u64,
    /// Parcels in the doors when the window ended.
    pub parcels_in_bank_at_end: u64,
    /// Doors unlocked for a drop-off.
    pub deposits_opened: u64,
    /// Drop-offs called off, by reason (reasons seen only).
    pub deposits_aborted: Vec<AbortCount>,
    /// Interrupted drop-offs staff found empty (the parcel stayed with the
    /// courier).
    pub deposits_found_empty: u64,
    /// Deliveries that expired (a door's parcels going back to the
    /// carrier).
    pub deliveries_expired: u64,
}

/// How many drop-offs were called off for one reason.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AbortCount {
    /// The reason.
    pub reason: AbortReason,
    /// How many.
    pub count: u64,
}

/// A count per overflow reason.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ByOverflowReason {
    /// No door of the bank could take the parcel even if empty.
    pub nothing_fits: u64,
    /// Doors that fit exist, but none was free.
    pub full: u64,
    /// The door was too small and no larger one could take it.
    pub no_larger_door: u64,
}

impl ByOverflowReason {
    pub(super) const fn add(&mut self, reason: OverflowReason) {
        let count = match reason {
            OverflowReason::NothingFits => &mut self.nothing_fits,
            OverflowReason::Full => &mut self.full,
            OverflowReason::NoLargerDoor => &mut self.no_larger_door,
        };
        *count += 1;
    }
}

/// Parcels no door could take.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OverflowStats {
    /// All of them (`totals.parcels_overflowed`).
    pub total: u64,
    /// By reason.
    pub by_reason: ByOverflowReason,
    /// By local hour of day, hour 0 first.
    pub by_hour_of_day: [u64; 24],
    /// By carrier, carriers with an overflow only, by carrier id.
    pub by_carrier: Vec<CarrierCount>,
    /// Overflowed parcels per parcel offered (0 when none offered).
    pub rate: f64,
}

/// How many parcels of one carrier.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CarrierCount {
    /// The carrier.
    pub carrier: CarrierId,
    /// How many.
    pub count: u64,
}

/// How many doors held parcels, through the observed time.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OccupancyStats {
    /// Doors in the bank.
    pub doors: u64,
    /// Time-weighted mean of the doors holding parcels, over the observed
    /// time.
    pub mean_occupied_doors: f64,
    /// Time-weighted mean of the doors holding parcels during each local
    /// hour of day (hour 0 first; 0 for an hour never observed).
    pub mean_occupied_doors_by_hour: [f64; 24],
    /// Seconds observed in each local hour of day (what each mean is over).
    pub observed_s_by_hour: [u64; 24],
    /// The most doors holding parcels at once, in the observed time.
    pub peak_occupied_doors: u64,
    /// When that peak was first reached.
    pub peak_at_s: u64,
}

/// The upper bounds of the dwell histogram's buckets, in hours: bucket `i`
/// counts stays of at least `DWELL_BUCKETS_H[i - 1]` hours (0 for the
/// first) and less than `DWELL_BUCKETS_H[i]`; the last bucket (one more
/// than there are bounds) counts stays of two weeks and more.
pub const DWELL_BUCKETS_H: [u64; 11] = [1, 2, 4, 8, 12, 24, 48, 72, 120, 168, 336];

/// Stays of parcels that left their door in the window, from the moment
/// each went in to the moment its door was emptied.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DwellStats {
    /// Parcels collected by their recipient (`totals.parcels_collected`).
    pub collected: DwellSummary,
    /// Parcels taken back by the carrier (`totals.parcels_returned`).
    pub returned: DwellSummary,
    /// Both together.
    pub all: DwellSummary,
    /// The histograms' bucket bounds ([`DWELL_BUCKETS_H`]).
    pub bucket_bounds_h: Vec<u64>,
}

/// A distribution of stays. Percentiles are nearest-rank: the `p`th is
/// the smallest stay that at least `p` % of the stays do not exceed (the
/// median is the lower of the two middle stays for an even count); all 0
/// when empty.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DwellSummary {
    /// How many stays.
    pub count: u64,
    /// Their mean, in hours.
    pub mean_h: f64,
    /// Their median, in hours.
    pub median_h: f64,
    /// Their 90th percentile, in hours.
    pub p90_h: f64,
    /// Their 95th percentile, in hours.
    pub p95_h: f64,
    /// The longest, in hours.
    pub max_h: f64,
    /// How many in each bucket of [`DWELL_BUCKETS_H`] (one more than the
    /// bounds).
    pub histogram: Vec<u64>,
}

/// The time-weighted fraction of a group's doors that held parcels.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UtilizationStats {
    /// All doors.
    pub all: f64,
    /// By size class, in the order the classes first appear in the bank.
    pub by_size_class: Vec<ClassUtilization>,
    /// By temperature zone, zones the bank has only.
    pub by_zone: Vec<ZoneUtilization>,
}

/// The utilization of one size class.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClassUtilization {
    /// The size class.
    pub size_class: String,
    /// Its doors.
    pub doors: u64,
    /// Time-weighted fraction of them holding parcels, 0 to 1.
    pub occupied_fraction: f64,
}

/// The utilization of one temperature zone.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ZoneUtilization {
    /// The zone.
    pub zone: TemperatureZone,
    /// Its doors.
    pub doors: u64,
    /// Time-weighted fraction of them holding parcels, 0 to 1.
    pub occupied_fraction: f64,
}

/// A count per credential channel.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ByChannel {
    /// A PIN typed on the keypad.
    pub pin: u64,
    /// A QR token scanned.
    pub qr: u64,
    /// An RFID tag tapped.
    pub rfid: u64,
    /// A courier code.
    pub courier: u64,
    /// A signed remote command.
    pub remote: u64,
}

impl ByChannel {
    pub(super) const fn add(&mut self, channel: Channel) {
        let count = match channel {
            Channel::Pin => &mut self.pin,
            Channel::Qr => &mut self.qr,
            Channel::Rfid => &mut self.rfid,
            Channel::Courier => &mut self.courier,
            Channel::Remote => &mut self.remote,
        };
        *count += 1;
    }
}

/// Doors emptied: by a resident (a pickup) or by the carrier (a return).
/// Counted per door, when it is emptied (a pickup that opened two doors
/// counts two); an interrupted pickup counts when staff find the door
/// empty.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PickupStats {
    /// Doors emptied by their recipient (or a delegate).
    pub pickups: u64,
    /// Those by the channel of the credential that opened them.
    pub pickups_by_channel: ByChannel,
    /// Those by local hour of day, hour 0 first.
    pub pickups_by_hour_of_day: [u64; 24],
    /// Doors emptied by the carrier after expiry.
    pub returns: u64,
    /// Those by local hour of day, hour 0 first.
    pub returns_by_hour_of_day: [u64; 24],
}

/// One local day.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DayStats {
    /// Days since the first observed day (0 for it).
    pub day: u64,
    /// When the local day starts, unix seconds.
    pub start_s: u64,
    /// Parcels stored that day.
    pub stored: u64,
    /// Parcels sent to overflow that day.
    pub overflowed: u64,
    /// Doors emptied by residents that day.
    pub pickups: u64,
    /// The most doors holding parcels at once that day (in the observed
    /// time).
    pub peak_occupied_doors: u64,
}
