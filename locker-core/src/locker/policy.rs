//! How long parcels stay, when residents are reminded, and the other
//! timings a property sets.

use alloc::vec::Vec;

/// Seconds in an hour.
pub const HOUR_S: u64 = 3_600;
/// Seconds in a day.
pub const DAY_S: u64 = 24 * HOUR_S;
/// The longest any timing of a policy may be: a year. Expiries are
/// carried in credentials as 32-bit seconds, so a bound keeps every
/// expiry the locker computes representable (until 2105), and a bound far
/// beyond any property's rules catches a typo before a parcel is inside.
pub const POLICY_MAX_S: u64 = 366 * DAY_S;
/// The latest clock reading the locker accepts: an expiry a policy puts
/// after it must still fit a credential's 32-bit seconds.
pub const CLOCK_MAX_S: u64 = u32::MAX as u64 - POLICY_MAX_S;

/// The property's rules for a locker.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields, default))]
pub struct LockerPolicy {
    /// How long a parcel waits before it is returned, in seconds
    /// (48 h at InPost, 3 days at Amazon Hub, 7 days at DHL).
    pub dwell_s: u64,
    /// The longest a parcel may wait in a chilled or frozen compartment,
    /// extensions and holds included.
    pub chilled_max_dwell_s: u64,
    /// Reminders, as seconds before expiry (for example one day before).
    pub reminders_before_expiry_s: Vec<u64>,
    /// The longest a parcel may wait with extensions and vacation holds.
    pub max_dwell_s: u64,
    /// After a pickup, how long the resident may re-open the door ("I left
    /// a parcel inside") or report a parcel missing.
    pub reopen_grace_s: u64,
    /// A door open longer than this raises a "door left open" alarm.
    pub door_open_alarm_s: u64,
    /// How long the carrier has to collect an expired parcel with its
    /// return code.
    pub return_window_s: u64,
    /// What counts as the clock jumping ahead (left out of a configuration
    /// record when it is the default).
    #[cfg_attr(
        feature = "serde",
        serde(skip_serializing_if = "ClockPolicy::is_default")
    )]
    pub clock: ClockPolicy,
}

/// How the locker treats its clock jumping ahead: a reading more than
/// `max_step_s` past the one before counts for nothing until the time is
/// confirmed (by staff, by a time the back end signed, or by
/// `confirm_after_s` of running on since), so a clock pushed ahead neither
/// ages throttle windows (more guesses) nor expires parcels (all back to
/// the carrier). The host should read the clock (a `tick`, or
/// `observe_clock`) more often than every `max_step_s`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields, default))]
pub struct ClockPolicy {
    /// The largest step between two readings taken at face value.
    pub max_step_s: u64,
    /// How long the locker runs on after a jump before it takes the new
    /// time as true by itself.
    pub confirm_after_s: u64,
}

impl Default for ClockPolicy {
    fn default() -> Self {
        Self {
            max_step_s: HOUR_S,
            confirm_after_s: DAY_S,
        }
    }
}

impl ClockPolicy {
    /// True for the defaults.
    #[must_use]
    pub fn is_default(&self) -> bool {
        *self == Self::default()
    }
}

impl Default for LockerPolicy {
    fn default() -> Self {
        Self {
            dwell_s: 3 * DAY_S,
            chilled_max_dwell_s: DAY_S,
            reminders_before_expiry_s: alloc::vec![DAY_S],
            max_dwell_s: 14 * DAY_S,
            reopen_grace_s: 2 * 60,
            door_open_alarm_s: 3 * 60,
            return_window_s: 7 * DAY_S,
            clock: ClockPolicy::default(),
        }
    }
}

impl LockerPolicy {
    /// The dwell for a parcel in a compartment of this kind: the chilled
    /// limit applies to chilled and frozen doors.
    #[must_use]
    pub fn dwell_for(&self, chilled: bool) -> u64 {
        if chilled {
            self.dwell_s.min(self.chilled_max_dwell_s)
        } else {
            self.dwell_s
        }
    }

    /// The longest dwell extensions and holds may reach.
    #[must_use]
    pub fn max_dwell_for(&self, chilled: bool) -> u64 {
        if chilled {
            self.chilled_max_dwell_s
        } else {
            self.max_dwell_s
        }
    }

    /// Checks the timings make sense.
    ///
    /// # Errors
    ///
    /// The name of the first bad field and why.
    pub fn validate(&self) -> Result<(), (&'static str, &'static str)> {
        let timings = [
            ("dwell_s", self.dwell_s),
            ("chilled_max_dwell_s", self.chilled_max_dwell_s),
            ("max_dwell_s", self.max_dwell_s),
            ("reopen_grace_s", self.reopen_grace_s),
            ("door_open_alarm_s", self.door_open_alarm_s),
            ("return_window_s", self.return_window_s),
            ("clock.max_step_s", self.clock.max_step_s),
            ("clock.confirm_after_s", self.clock.confirm_after_s),
        ];
        let reminders = self
            .reminders_before_expiry_s
            .iter()
            .map(|&before_s| ("reminders_before_expiry_s", before_s));
        if let Some((field, _)) = timings
            .into_iter()
            .chain(reminders)
            .find(|&(_, seconds)| seconds > POLICY_MAX_S)
        {
            return Err((field, "at most a year (31,622,400 s)"));
        }
        if self.dwell_s == 0 {
            return Err(("dwell_s", "must be more than 0"));
        }
        if self.chilled_max_dwell_s == 0 {
            return Err(("chilled_max_dwell_s", "must be more than 0"));
        }
        if self.max_dwell_s < self.dwell_s {
            return Err(("max_dwell_s", "must be at least dwell_s"));
        }
        if self.reminders_before_expiry_s.len() > 8 {
            return Err(("reminders_before_expiry_s", "at most 8 reminders"));
        }
        if self.door_open_alarm_s == 0 {
            return Err(("door_open_alarm_s", "must be more than 0"));
        }
        if self.return_window_s == 0 {
            return Err(("return_window_s", "must be more than 0"));
        }
        if self.clock.max_step_s == 0 {
            return Err(("clock.max_step_s", "must be more than 0"));
        }
        Ok(())
    }
}
