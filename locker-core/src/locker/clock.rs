//! The locker's time: the hardware clock less any jump ahead not confirmed
//! yet. A jump is a reading further ahead than the time lived since the
//! last one: measured by the board's uptime counter when it has one (so a
//! clock pushed ahead in small steps is caught), else bounded by the
//! policy's `max_step_s`. Confirmations (staff, a signed time, a day of
//! running, the clock coming back) are journaled.

use super::entry::{ClockConfirmation, Entry};
use super::error::LockerError;
use super::event::Event;
use super::{Locker, policy};
use crate::hardware::{Hardware, HardwareErrorKind};
use crate::journal::JournalSink;

/// How far the clock may run ahead of the time the uptime counter says was
/// lived before the excess is held back: a correction of up to a minute,
/// renewed at 1 % of the time lived (a clock running fast). A reboot
/// starts with the whole allowance.
pub(super) const CLOCK_SLACK_S: u64 = 60;
/// The share of the time lived by which the allowance grows back (1 %).
const SLACK_PER_LIVED: u64 = 100;

/// What the board's uptime counter vouched for at the last reading (kept
/// in memory: a reboot starts again).
#[derive(Clone, Copy, Debug)]
pub(super) struct Uptime {
    /// The counter at the last reading, when the board has one.
    last_s: Option<u64>,
    /// How far the clock may still run ahead of the time lived.
    allowance_s: u64,
}

impl Default for Uptime {
    fn default() -> Self {
        Self {
            last_s: None,
            allowance_s: CLOCK_SLACK_S,
        }
    }
}

impl Uptime {
    /// Seconds lived since the last reading, when the counter says (not
    /// on the first reading, nor after the counter restarted); notes this
    /// reading and grows the allowance back.
    fn lived_since_last(&mut self, uptime_s: Option<u64>) -> Option<u64> {
        let lived_s = match (self.last_s, uptime_s) {
            (Some(last_s), Some(now_s)) if now_s >= last_s => Some(now_s - last_s),
            _ => None,
        };
        self.last_s = uptime_s;
        if let Some(lived_s) = lived_s {
            self.allowance_s = self
                .allowance_s
                .saturating_add(lived_s / SLACK_PER_LIVED)
                .min(CLOCK_SLACK_S);
        }
        lived_s
    }
}

impl<H: Hardware, J: JournalSink<Entry>> Locker<H, J> {
    /// The time now, on the locker's clock: the hardware clock less any
    /// jump ahead not confirmed yet, never earlier than the last record.
    ///
    /// Only a journaled time holds the clock back. A reading that moved
    /// ahead and wrote nothing is not kept: one glitched reading of a month
    /// ahead would otherwise stand as "now" until the real time caught up.
    /// A reading ahead of the last one by more than the time lived since
    /// (with the uptime counter's allowance), or without an uptime counter
    /// by more than the policy's `max_step_s`, is a jump: the excess is
    /// journaled and held back, so it neither ages throttle windows nor
    /// expires parcels, until confirmed.
    pub(super) fn now(&mut self) -> Result<u64, LockerError> {
        let clock_s = read_clock(&mut self.hardware)?;
        let uptime_s = self
            .hardware
            .uptime_s()
            .map_err(|error| LockerError::hardware(None, &error))?;
        let lived_s = self.uptime.lived_since_last(uptime_s);
        let kept_s = self.state.last_at_s();
        let policy = self.state.policy.clock;
        let held_s = self.state.clock_offset_s;
        // Where the last reading left the locker's time, and where the
        // time lived since (when the board counts it) takes it.
        let base_s = self.last_seen_s.unwrap_or(kept_s).max(kept_s);
        let lived_to_s = base_s.saturating_add(lived_s.unwrap_or(0));
        let tolerance_s = match lived_s {
            Some(_) => self.uptime.allowance_s,
            None => policy.max_step_s,
        };
        if held_s > 0 && clock_s.abs_diff(lived_to_s) <= tolerance_s {
            // The clock agrees with the locker's time again: the push was
            // undone (or the time was wrong all along, and set right).
            return self.confirm(clock_s, ClockConfirmation::Returned);
        }
        let locker_s = clock_s.saturating_sub(held_s);
        if locker_s < kept_s {
            self.events.push(Event::ClockWentBack { clock_s, kept_s });
            self.last_seen_s = Some(kept_s);
            return Ok(kept_s);
        }
        if locker_s > lived_to_s.saturating_add(tolerance_s) {
            // A jump: what the locker did not live through counts for
            // nothing until confirmed.
            let jump_s = locker_s - lived_to_s;
            self.write(
                lived_to_s,
                Entry::ClockJumped {
                    clock_s,
                    held_s: jump_s,
                },
            )?;
            self.events.push(Event::ClockJumped {
                clock_s,
                locker_s: lived_to_s,
                held_s: self.state.clock_offset_s,
            });
            self.last_seen_s = Some(lived_to_s);
            return Ok(lived_to_s);
        }
        if lived_s.is_some() {
            // Ahead of the time lived, within the allowance: spend it.
            let ahead_s = locker_s.saturating_sub(lived_to_s);
            self.uptime.allowance_s = self.uptime.allowance_s.saturating_sub(ahead_s);
        }
        if let Some(since_s) = self.state.clock_held_since_s
            && locker_s >= since_s.saturating_add(policy.confirm_after_s)
        {
            return self.confirm(clock_s, ClockConfirmation::Running);
        }
        self.last_seen_s = Some(locker_s);
        Ok(locker_s)
    }

    /// Takes the clock's time as the locker's from here on, journaled.
    fn confirm(&mut self, clock_s: u64, by: ClockConfirmation) -> Result<u64, LockerError> {
        let now_s = clock_s.max(self.state.last_at_s());
        self.write(now_s, Entry::ClockConfirmed { by })?;
        self.events.push(Event::ClockConfirmed { by, now_s });
        self.last_seen_s = Some(now_s);
        Ok(now_s)
    }

    /// Reads the clock, as every operation does first: for a host that
    /// cannot [`tick`](Self::tick) often. Without an uptime counter
    /// ([`Hardware::uptime_s`]) the locker sees time pass in steps no
    /// larger than the policy's `max_step_s` (a longer gap between
    /// readings is held back as a jump); with one, any gap the counter
    /// vouches for. Returns the locker's time.
    ///
    /// # Errors
    ///
    /// [`LockerError::Hardware`] for the clock or the uptime counter,
    /// [`LockerError::JournalWrite`] when a jump or a confirmation cannot
    /// be journaled.
    pub fn observe_clock(&mut self) -> Result<u64, LockerError> {
        self.now()
    }

    /// Staff confirm the clock after a jump: the locker takes the hardware
    /// clock's time as true from here on (parcels past their dwell then
    /// expire, throttle windows age). Journaled. A no-op when no jump is
    /// held back.
    ///
    /// # Errors
    ///
    /// [`LockerError::Hardware`] for the clock, [`LockerError::JournalWrite`].
    pub fn confirm_clock(&mut self) -> Result<u64, LockerError> {
        let now_s = self.now()?;
        if self.state.clock_offset_s == 0 {
            return Ok(now_s);
        }
        let clock_s = read_clock(&mut self.hardware)?;
        self.confirm(clock_s, ClockConfirmation::Staff)
    }

    /// Confirms the clock with a time the back end signed
    /// ([`sign_time`](crate::credential::sign_time)) for this bank: when
    /// the hardware clock agrees with it (within
    /// [`SIGNED_TIME_SKEW_S`](crate::credential::SIGNED_TIME_SKEW_S)), a
    /// jump held back is taken as true. A signed time never moves the
    /// clock; one that disagrees is refused.
    ///
    /// # Errors
    ///
    /// [`LockerError::Credential`] for a time not signed by the site's
    /// remote-command key or a listed issuer, or for another bank;
    /// [`LockerError::Invalid`] when the clock disagrees with it; and the
    /// clock and journal errors.
    pub fn confirm_signed_time(
        &mut self,
        signed: &crate::credential::SignedTime,
    ) -> Result<u64, LockerError> {
        let now_s = self.now()?;
        self.state
            .credentials
            .verify_signed_time(&self.keys, self.state.bank_id, signed)?;
        let clock_s = read_clock(&mut self.hardware)?;
        if clock_s.abs_diff(signed.time_s) > crate::credential::SIGNED_TIME_SKEW_S {
            return Err(LockerError::Invalid {
                field: "signed_time",
                reason: "the clock does not agree with the time the back end signed",
            });
        }
        if self.state.clock_offset_s == 0 {
            return Ok(now_s);
        }
        self.confirm(clock_s, ClockConfirmation::SignedTime)
    }
}

/// The hardware clock, refused beyond [`CLOCK_MAX_S`](policy::CLOCK_MAX_S)
/// (February 2105), where the expiries a policy sets no longer fit a
/// credential: refused at the read, before any door opens.
pub(super) fn read_clock<H: Hardware>(hardware: &mut H) -> Result<u64, LockerError> {
    let clock_s = hardware
        .now_s()
        .map_err(|error| LockerError::hardware(None, &error))?;
    if clock_s > policy::CLOCK_MAX_S {
        return Err(LockerError::Hardware {
            compartment: None,
            kind: HardwareErrorKind::ClockFault,
            detail: Some(alloc::format!(
                "the clock reads {clock_s} s, after the latest time credentials can carry"
            )),
        });
    }
    Ok(clock_s)
}
