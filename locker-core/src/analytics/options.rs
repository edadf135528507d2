//! What the caller chooses: the local time zone hours of day are read in,
//! and the window of time counted.

use super::error::AnalyticsError;

/// The largest UTC offset accepted, in seconds: 14 hours (Kiribati's
/// UTC+14; the most negative offset in use is UTC−12).
pub const MAX_UTC_OFFSET_S: i32 = 14 * 3_600;

const DAY_S: i128 = 86_400;
const HOUR_S: i128 = 3_600;

/// How to read a journal.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StatsOptions {
    /// The site's offset from UTC, in seconds (east positive, at most
    /// ±[`MAX_UTC_OFFSET_S`]): hours of day and days are local to it.
    pub utc_offset_s: i32,
    /// Count only what happened at or after this time (unix seconds); the
    /// records before are still replayed, to know the state.
    pub from_s: Option<u64>,
    /// Count only what happened before this time (unix seconds).
    pub until_s: Option<u64>,
}

impl StatsOptions {
    /// Options with hours of day local to `utc_offset_s`.
    #[must_use]
    pub const fn with_utc_offset_s(utc_offset_s: i32) -> Self {
        Self {
            utc_offset_s,
            from_s: None,
            until_s: None,
        }
    }

    /// Refuses an offset beyond ±14 h and an empty window.
    ///
    /// # Errors
    ///
    /// [`AnalyticsError::InvalidOption`] naming the option.
    pub const fn validate(&self) -> Result<(), AnalyticsError> {
        if self.utc_offset_s.unsigned_abs() > MAX_UTC_OFFSET_S.unsigned_abs() {
            return Err(AnalyticsError::InvalidOption {
                field: "utc_offset_s",
                reason: "must be within ±14 hours (±50400 s)",
            });
        }
        if let (Some(from_s), Some(until_s)) = (self.from_s, self.until_s)
            && until_s <= from_s
        {
            return Err(AnalyticsError::InvalidOption {
                field: "until_s",
                reason: "must be after from_s",
            });
        }
        Ok(())
    }

    /// True when `at_s` is inside the window.
    pub(super) fn counts(&self, at_s: u64) -> bool {
        self.from_s.is_none_or(|from_s| at_s >= from_s)
            && self.until_s.is_none_or(|until_s| at_s < until_s)
    }

    /// Local seconds since the epoch.
    fn local(&self, at_s: u64) -> i128 {
        i128::from(at_s) + i128::from(self.utc_offset_s)
    }

    /// The local hour of day of `at_s`, 0 to 23.
    pub(super) fn hour_of_day(&self, at_s: u64) -> usize {
        let hour = self.local(at_s).rem_euclid(DAY_S) / HOUR_S;
        usize::try_from(hour).unwrap_or(0)
    }

    /// The local day of `at_s`, counted from the epoch's (negative before
    /// it, for a site east of UTC at time 0).
    pub(super) fn day(&self, at_s: u64) -> i64 {
        let day = self.local(at_s).div_euclid(DAY_S);
        i64::try_from(day).unwrap_or(i64::MAX)
    }

    /// The unix time local day `day` starts at (0 before the epoch).
    pub(super) fn day_start_s(&self, day: i64) -> u64 {
        let start = i128::from(day) * DAY_S - i128::from(self.utc_offset_s);
        u64::try_from(start).unwrap_or(0)
    }

    /// The unix time of the end of the local hour `at_s` falls in.
    pub(super) fn hour_end_s(&self, at_s: u64) -> u64 {
        let local = self.local(at_s);
        let end = local - local.rem_euclid(HOUR_S) + HOUR_S - i128::from(self.utc_offset_s);
        u64::try_from(end).unwrap_or(u64::MAX)
    }
}
