//! [`StatsBuilder`]: records in, one at a time, through the locker's own
//! state machine; statistics out. What each record did is read from what
//! it changed in the state (the parcels a door holds, where a parcel is),
//! so the statistics cannot disagree with replay.

use alloc::vec::Vec;

use super::dwell::{Stays, to_f64};
use super::error::AnalyticsError;
use super::occupancy::Occupancy;
use super::options::StatsOptions;
use super::report::{
    AbortCount, CarrierCount, DayStats, JournalStats, OverflowStats, PickupStats, Totals,
};
use super::stays::ParcelStay;
use crate::collections::SortedMap;
use crate::credential::CarrierId;
use crate::ids::CompartmentId;
use crate::journal::Record;
use crate::locker::{AbortReason, Entry, LockerState};

mod doors;

use doors::{Held, Pending};

/// The most local days counted one by one (a century).
pub const MAX_DAYS: u64 = 36_525;

/// Every abort reason, in the order the totals list them.
const ABORT_REASONS: [AbortReason; 7] = [
    AbortReason::DoorFault,
    AbortReason::NothingInserted,
    AbortReason::TooSmall,
    AbortReason::Cancelled,
    AbortReason::PowerLoss,
    AbortReason::StillInside,
    AbortReason::NeverOpened,
];

/// The statistics of a journal, built one record at a time: what
/// [`journal_stats`](super::journal_stats) does, for a journal read
/// record by record (it holds the locker's state, not the records).
#[derive(Clone, Debug)]
pub struct StatsBuilder {
    options: StatsOptions,
    record_stays: bool,
    run: Option<Run>,
}

/// The state once the first record configured it.
#[derive(Clone, Debug)]
struct Run {
    state: LockerState,
    records: u64,
    first_at_s: u64,
    last_at_s: u64,
    /// The occupancy is counted up to here: it is the same since, so it
    /// is counted when it next changes (or the window ends).
    held_s: u64,
    started: bool,
    ended: bool,
    first_day: i64,
    totals: Totals,
    aborts: [u64; 7],
    overflow: OverflowStats,
    by_carrier: SortedMap<CarrierId, u64>,
    pickups: PickupStats,
    days: Vec<DayStats>,
    occupancy: Occupancy,
    stays: Stays,
    /// What each door holds: each parcel and when it went in.
    inside: SortedMap<CompartmentId, Vec<Held>>,
    in_bank: u64,
    pending: SortedMap<CompartmentId, Pending>,
    /// One line per parcel stored in the window, when recorded.
    lines: Option<Vec<ParcelStay>>,
}

impl StatsBuilder {
    /// A builder reading with `options`.
    ///
    /// # Errors
    ///
    /// [`AnalyticsError::InvalidOption`] for options out of range.
    pub fn new(options: StatsOptions) -> Result<Self, AnalyticsError> {
        options.validate()?;
        Ok(Self {
            options,
            record_stays: false,
            run: None,
        })
    }

    /// The builder records each parcel's stay too (see
    /// [`finish_with_stays`](Self::finish_with_stays)): one line per
    /// parcel stored, kept to the end.
    #[must_use]
    pub const fn recording_stays(mut self) -> Self {
        self.record_stays = true;
        self
    }

    /// Reads the next record (the first must configure the locker). A
    /// record dated before the one before it is read at that one's time.
    ///
    /// # Errors
    ///
    /// [`AnalyticsError::Replay`] naming a record that does not apply, or
    /// [`AnalyticsError::SpanTooLong`]. The builder is of no further use
    /// after an error.
    pub fn push(&mut self, record: &Record<Entry>) -> Result<(), AnalyticsError> {
        let options = self.options;
        let Some(run) = &mut self.run else {
            let state = LockerState::from_entry(&record.entry, record.at_s).map_err(|error| {
                AnalyticsError::Replay {
                    seq: record.seq,
                    error,
                }
            })?;
            let mut run = Run::new(state, record.at_s, &options);
            if self.record_stays {
                run.lines = Some(Vec::new());
            }
            run.advance(record.seq, record.at_s, &options)?;
            self.run = Some(run);
            return Ok(());
        };
        run.push(record, &options)
    }

    /// The statistics of the records pushed.
    ///
    /// # Errors
    ///
    /// [`AnalyticsError::Empty`] when none was.
    pub fn finish(self) -> Result<JournalStats, AnalyticsError> {
        self.finish_with_stays().map(|(stats, _)| stats)
    }

    /// The statistics and, when [recorded](Self::recording_stays), the
    /// stay of each parcel stored in the window, in the order stored.
    ///
    /// # Errors
    ///
    /// [`AnalyticsError::Empty`] when no record was pushed.
    pub fn finish_with_stays(self) -> Result<(JournalStats, Vec<ParcelStay>), AnalyticsError> {
        let mut run = self.run.ok_or(AnalyticsError::Empty)?;
        let lines = run.lines.take();
        let stats = run.finish(&self.options);
        Ok((stats, lines.unwrap_or_default()))
    }
}

impl Run {
    fn new(state: LockerState, at_s: u64, options: &StatsOptions) -> Self {
        let occupancy = Occupancy::new(state.bank());
        let observed_from_s = options.from_s.map_or(at_s, |from_s| from_s.max(at_s));
        Self {
            occupancy,
            state,
            records: 1,
            first_at_s: at_s,
            last_at_s: at_s,
            held_s: at_s,
            started: false,
            ended: false,
            first_day: options.day(observed_from_s),
            totals: Totals::default(),
            aborts: [0; 7],
            overflow: OverflowStats::default(),
            by_carrier: SortedMap::new(),
            pickups: PickupStats::default(),
            days: Vec::new(),
            stays: Stays::default(),
            inside: SortedMap::new(),
            in_bank: 0,
            pending: SortedMap::new(),
            lines: None,
        }
    }

    fn push(
        &mut self,
        record: &Record<Entry>,
        options: &StatsOptions,
    ) -> Result<(), AnalyticsError> {
        let at_s = record.at_s.max(self.last_at_s);
        self.advance(record.seq, at_s, options)?;
        let before = record
            .entry
            .compartment()
            .map(|door| self.before(door, &record.entry));
        crate::locker::apply_record(&mut self.state, record).map_err(|error| {
            AnalyticsError::Replay {
                seq: record.seq,
                error,
            }
        })?;
        self.records += 1;
        let counting = options.counts(at_s);
        if counting {
            self.count_entry(&record.entry, at_s, options);
        }
        if let Some(before) = before {
            self.door_changed(&before, &record.entry, at_s, counting, options);
        }
        if counting {
            self.occupancy.observe_peak(at_s);
            let occupied = self.occupancy.occupied();
            if let Some(day) = self.day_mut(at_s, options) {
                day.peak_occupied_doors = day.peak_occupied_doors.max(occupied);
            }
        }
        Ok(())
    }

    /// Time passes to `at_s`: the occupancy held since the last record is
    /// counted (inside the window), and the window opens or closes.
    fn advance(
        &mut self,
        seq: u64,
        at_s: u64,
        options: &StatsOptions,
    ) -> Result<(), AnalyticsError> {
        if !self.started && options.from_s.is_none_or(|from_s| at_s >= from_s) && !self.ended {
            let start_s = options
                .from_s
                .map_or(at_s, |from_s| from_s.max(self.first_at_s));
            if options.until_s.is_none_or(|until_s| start_s < until_s) {
                self.started = true;
                self.totals.parcels_in_bank_at_start = self.in_bank;
                self.occupancy.observe_peak(start_s);
                self.extend_days(seq, start_s, options)?;
            }
        }
        if !self.ended && options.until_s.is_some_and(|until_s| at_s >= until_s) {
            self.settle(at_s, options);
            self.ended = true;
            self.totals.parcels_in_bank_at_end = self.in_bank;
            if let Some(until_s) = options.until_s
                && self.started
            {
                self.extend_days(seq, until_s.saturating_sub(1), options)?;
            }
        }
        if self.started && !self.ended {
            self.extend_days(seq, at_s, options)?;
        }
        self.last_at_s = at_s;
        Ok(())
    }

    /// Counts the occupancy held since it was last counted up to `at_s`
    /// (inside the window): called before it changes.
    fn settle(&mut self, at_s: u64, options: &StatsOptions) {
        let from_s = options.from_s.map_or(self.held_s, |f| f.max(self.held_s));
        let until_s = options.until_s.map_or(at_s, |u| u.min(at_s));
        self.occupancy.hold(from_s, until_s, options);
        self.held_s = self.held_s.max(at_s);
    }

    /// Adds the days up to the one of `at_s`, each with the occupancy
    /// carried into it as its peak so far.
    fn extend_days(
        &mut self,
        seq: u64,
        at_s: u64,
        options: &StatsOptions,
    ) -> Result<(), AnalyticsError> {
        let day = options.day(at_s).saturating_sub(self.first_day);
        let day = u64::try_from(day).unwrap_or(0);
        if day >= MAX_DAYS {
            return Err(AnalyticsError::SpanTooLong {
                seq,
                days: day,
                max: MAX_DAYS,
            });
        }
        let occupied = self.occupancy.occupied();
        while u64::try_from(self.days.len()).unwrap_or(u64::MAX) <= day {
            let index = u64::try_from(self.days.len()).unwrap_or(u64::MAX);
            let local_day = self
                .first_day
                .saturating_add(i64::try_from(index).unwrap_or(i64::MAX));
            self.days.push(DayStats {
                day: index,
                start_s: options.day_start_s(local_day),
                peak_occupied_doors: occupied,
                ..DayStats::default()
            });
        }
        Ok(())
    }

    /// The day of `at_s`, if observed.
    fn day_mut(&mut self, at_s: u64, options: &StatsOptions) -> Option<&mut DayStats> {
        let day = options.day(at_s).checked_sub(self.first_day)?;
        self.days.get_mut(usize::try_from(day).ok()?)
    }

    fn finish(mut self, options: &StatsOptions) -> JournalStats {
        self.settle(self.last_at_s, options);
        let doors: Vec<CompartmentId> = self.pending.keys().copied().collect();
        for door in doors {
            self.collect(door);
        }
        if !self.ended {
            self.totals.parcels_in_bank_at_end = self.in_bank;
        }
        if !self.started {
            self.totals.parcels_in_bank_at_start = self.totals.parcels_in_bank_at_end;
        }
        let observed_from_s = options
            .from_s
            .map_or(self.first_at_s, |from_s| from_s.max(self.first_at_s));
        let observed_until_s = options
            .until_s
            .map_or(self.last_at_s, |until_s| until_s.min(self.last_at_s))
            .max(observed_from_s);
        let span_s = observed_until_s - observed_from_s;
        let mut totals = self.totals;
        totals.parcels_overflowed = self.overflow.total;
        totals.parcels_offered = totals.parcels_stored + totals.parcels_overflowed;
        totals.consolidation_rate = ratio(totals.parcels_consolidated, totals.parcels_stored);
        totals.deposits_aborted = ABORT_REASONS
            .iter()
            .zip(self.aborts)
            .filter(|&(_, count)| count > 0)
            .map(|(&reason, count)| AbortCount { reason, count })
            .collect();
        let mut overflow = self.overflow;
        overflow.rate = ratio(overflow.total, totals.parcels_offered);
        overflow.by_carrier = self
            .by_carrier
            .iter()
            .map(|(&carrier, &count)| CarrierCount { carrier, count })
            .collect();
        let (occupancy, utilization) = self.occupancy.finish(observed_from_s, span_s);
        JournalStats {
            records: self.records,
            first_at_s: self.first_at_s,
            last_at_s: self.last_at_s,
            utc_offset_s: options.utc_offset_s,
            observed_from_s,
            observed_until_s,
            totals,
            overflow,
            occupancy,
            dwell: self.stays.summarize(),
            utilization,
            pickups: self.pickups,
            days: self.days,
        }
    }
}

/// `part / whole`, 0 when `whole` is.
fn ratio(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        to_f64(part) / to_f64(whole)
    }
}
