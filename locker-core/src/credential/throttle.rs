//! Throttling: failed attempts counted per channel and per bank, kiosk,
//! recipient, carrier or credential, with exponential backoff, a hard cap
//! per rolling window, and events when a scope starts refusing.
//!
//! Failures cost only the failer:
//!
//! - Scopes are per [`Channel`]: a PIN lockout never blocks QR or RFID
//!   pickups.
//! - A QR token, a remote command or an RFID tag that verifies is never
//!   refused for anyone else's failures: only what does not verify (junk
//!   scans, forged commands, unknown tags) is slowed, per kiosk (per bank
//!   for remote commands, which come from no kiosk).
//! - A registered tag's wrong PINs count against that tag only.
//! - Guessable secrets (PINs, courier codes) also count against a
//!   bank-wide scope whose cap is what the brute-force bound rests on, and
//!   against the unit or carrier named with them.
//!
//! Only the bank-wide PIN and courier caps lock for long, because the bound
//! needs them to; every other scope backs off (seconds to minutes) and its
//! cap is far above what the backoff lets through in its window. A rolling
//! window holds a failure from its time `t` up to and including `t +
//! window_s`, so no closed interval of `window_s` seconds ever holds more
//! than the cap.
//!
//! The state is plain data changed only by [`ThrottleState::record`] with an
//! explicit [`Failure`], so it can be journaled and replayed.

use crate::collections::SortedMap;
use alloc::vec::Vec;

use super::error::CredentialError;
use super::grant::Channel;
use super::id::{CarrierId, CredentialId, KioskId};
use crate::ids::RecipientId;

/// Seconds in a day: the window of the brute-force bound.
pub const DAY_S: u64 = 86_400;
/// Upper limit on iterations of the greedy attacker in
/// [`Backoff::greedy_attempts_in`], a guard against degenerate policies.
const MAX_SIMULATED_ATTEMPTS: u32 = 1_000_000;
/// Largest shift applied to a backoff delay (beyond it, the cap applies).
const MAX_BACKOFF_SHIFT: u32 = 62;

/// Backoff and cap for one kind of scope.
///
/// After `free_failures` failures inside the window, each further failure
/// blocks the scope for `base_delay_s · 2^(n − free_failures − 1)` seconds
/// (capped at `max_delay_s`). Once `max_failures_per_window` failures lie
/// inside the rolling window, the scope is locked until the oldest of them
/// leaves it, and a [`LockoutEvent`] is emitted. So at most
/// `max_failures_per_window` failures fit in any `window_s`.
///
/// In a configuration a scope's backoff is given whole (each scope has
/// defaults of its own); a misspelt field is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub struct Backoff {
    /// Failures allowed before any delay.
    pub free_failures: u32,
    /// First delay, in seconds.
    pub base_delay_s: u64,
    /// Longest delay, in seconds.
    pub max_delay_s: u64,
    /// Failures allowed per rolling window before lockout.
    pub max_failures_per_window: u32,
    /// Length of the rolling window, in seconds.
    pub window_s: u64,
}

impl Backoff {
    /// The delay imposed after the `failures`-th failure in the window.
    #[must_use]
    pub fn delay_after(&self, failures: u32) -> u64 {
        if failures <= self.free_failures {
            return 0;
        }
        let shift = (failures - self.free_failures - 1).min(MAX_BACKOFF_SHIFT);
        self.base_delay_s
            .saturating_mul(1u64 << shift)
            .min(self.max_delay_s)
    }

    /// A rigorous upper bound on failures accepted in any closed interval
    /// of `span_s` seconds: the cap per window times the windows it takes
    /// to cover the span (a closed window of `window_s` seconds holds at
    /// most the cap). Used by the brute-force bound.
    #[must_use]
    pub fn max_failures_in(&self, span_s: u64) -> u64 {
        let windows = span_s.div_ceil(self.window_s.max(1)).max(1);
        u64::from(self.max_failures_per_window).saturating_mul(windows)
    }

    /// Failures a greedy attacker (one attempt as soon as allowed) gets in
    /// `span_s` seconds from a clean state: shows how the backoff spreads
    /// attempts (never more than [`max_failures_in`](Self::max_failures_in)).
    #[must_use]
    pub fn greedy_attempts_in(&self, span_s: u64) -> u32 {
        let mut state = ScopeState::default();
        let mut now_s = 0u64;
        let mut attempts = 0u32;
        while attempts < MAX_SIMULATED_ATTEMPTS {
            if let Some(retry_at_s) = state.retry_at(self, now_s) {
                now_s = retry_at_s;
            }
            if now_s >= span_s {
                break;
            }
            state.record(self, now_s);
            attempts += 1;
        }
        attempts
    }

    /// Checks that the values make sense.
    ///
    /// # Errors
    ///
    /// [`CredentialError::InvalidPolicy`] naming the bad field.
    pub fn validate(&self, field: &'static str) -> Result<(), CredentialError> {
        if self.max_failures_per_window == 0 {
            return Err(CredentialError::InvalidPolicy {
                field,
                reason: "max_failures_per_window must be at least 1",
            });
        }
        if self.window_s == 0 {
            return Err(CredentialError::InvalidPolicy {
                field,
                reason: "window_s must be at least 1",
            });
        }
        if self.max_delay_s < self.base_delay_s {
            return Err(CredentialError::InvalidPolicy {
                field,
                reason: "max_delay_s is below base_delay_s",
            });
        }
        Ok(())
    }
}

/// Backoff policies by kind of scope.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields, default))]
pub struct ThrottlePolicy {
    /// Bank-wide, per channel, for guessable secrets (PIN, courier code
    /// without a carrier) and forged remote commands. Its cap is the
    /// "attempts per 24 h" of the brute-force bound.
    pub bank: Backoff,
    /// Per kiosk, per channel: slows one source of bad input.
    pub kiosk: Backoff,
    /// Per recipient (unit), per carrier (courier code), or per credential
    /// (RFID tag with its PIN).
    pub subject: Backoff,
}

/// Bank-wide PIN failures allowed per rolling 24 h (see the brute-force bound).
const DEFAULT_BANK_FAILURES_PER_DAY: u32 = 25;
/// Per-kiosk failures allowed per rolling 24 h: above what the backoff lets
/// through in a day, so a kiosk only ever backs off.
const DEFAULT_KIOSK_FAILURES_PER_DAY: u32 = 1_000;
/// Per-unit, per-carrier or per-tag failures allowed per rolling 24 h: the
/// bank's cap, so a unit's PINs never lock before every PIN of the bank
/// does (the unit's failures are among the bank's); a stolen tag's PIN
/// (six digits) gets at most 25 guesses a day.
const DEFAULT_SUBJECT_FAILURES_PER_DAY: u32 = DEFAULT_BANK_FAILURES_PER_DAY;

impl Default for ThrottlePolicy {
    fn default() -> Self {
        Self {
            bank: Backoff {
                free_failures: 5,
                base_delay_s: 60,
                max_delay_s: 3_600,
                max_failures_per_window: DEFAULT_BANK_FAILURES_PER_DAY,
                window_s: DAY_S,
            },
            kiosk: Backoff {
                free_failures: 3,
                base_delay_s: 15,
                max_delay_s: 900,
                max_failures_per_window: DEFAULT_KIOSK_FAILURES_PER_DAY,
                window_s: DAY_S,
            },
            subject: Backoff {
                free_failures: 2,
                base_delay_s: 60,
                max_delay_s: 900,
                max_failures_per_window: DEFAULT_SUBJECT_FAILURES_PER_DAY,
                window_s: DAY_S,
            },
        }
    }
}

impl ThrottlePolicy {
    /// PIN guesses the bank accepts in any 24 hours (a rigorous bound).
    #[must_use]
    pub fn pin_attempts_per_24h(&self) -> u64 {
        self.bank.max_failures_in(DAY_S)
    }

    /// The backoff for a kind of subject.
    #[must_use]
    pub const fn backoff_for(&self, subject: &Subject) -> &Backoff {
        match subject {
            Subject::Bank => &self.bank,
            Subject::Kiosk(_) | Subject::OtherKiosks => &self.kiosk,
            Subject::Recipient(_) | Subject::Carrier(_) | Subject::Credential(_) => &self.subject,
        }
    }

    /// Checks every backoff.
    ///
    /// # Errors
    ///
    /// [`CredentialError::InvalidPolicy`] naming the bad field.
    pub fn validate(&self) -> Result<(), CredentialError> {
        self.bank.validate("throttle.bank")?;
        self.kiosk.validate("throttle.kiosk")?;
        self.subject.validate("throttle.subject")
    }
}

/// What failures are counted against.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub enum Subject {
    /// The whole bank.
    Bank,
    /// One kiosk.
    Kiosk(KioskId),
    /// One unit (the recipient named with a PIN).
    Recipient(RecipientId),
    /// One carrier (named with a courier code).
    Carrier(CarrierId),
    /// One credential (an RFID tag whose PIN was wrong).
    Credential(CredentialId),
    /// Kiosks beyond those slowed one by one (see
    /// [`MAX_KIOSK_SCOPES`]): made-up kiosk ids share this scope.
    OtherKiosks,
}

/// Kiosks whose bad input is slowed one by one, per channel. Bad input from
/// kiosks beyond them shares one scope, so made-up kiosk ids neither
/// escape the backoff nor grow the state.
pub const MAX_KIOSK_SCOPES: usize = 32;

/// A throttling scope: a channel and a subject.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub struct ScopeKey {
    /// The channel.
    pub channel: Channel,
    /// The subject.
    pub subject: Subject,
}

/// One failed attempt, as an explicit value: what verification hands back in
/// a [`Refusal`](super::Refusal), what the journal records, and what
/// [`ThrottleState::record`] consumes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub struct Failure {
    /// When (unix seconds).
    pub at_s: u64,
    /// Through which channel.
    pub channel: Channel,
    /// At which kiosk, if any.
    pub kiosk: Option<KioskId>,
    /// Against which unit, if one was named and is known.
    pub recipient: Option<RecipientId>,
    /// Against which credential, if the attempt identified a real one.
    pub credential: Option<CredentialId>,
    /// The carrier a courier named with their code, if any.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub carrier: Option<CarrierId>,
}

impl Failure {
    /// The scopes this failure counts against: for guessable secrets the
    /// bank, the kiosk and the unit named (a courier code naming its
    /// carrier counts against that carrier instead); a forged remote command the
    /// bank; a bad QR token or unknown tag the kiosk; a registered tag's
    /// wrong PIN that tag alone.
    pub fn scopes(&self) -> impl Iterator<Item = ScopeKey> + use<> {
        let channel = self.channel;
        let (bank, kiosk) = match channel {
            Channel::Pin => (true, self.kiosk),
            // A code typed with its carrier counts against that carrier
            // alone: a guesser cycling through carriers at a kiosk never
            // holds back another carrier's courier there.
            Channel::Courier if self.carrier.is_some() => (false, None),
            Channel::Courier => (true, self.kiosk),
            Channel::Remote => (true, None),
            Channel::Qr => (false, self.kiosk),
            Channel::Rfid => (false, self.kiosk.filter(|_| self.credential.is_none())),
        };
        bank.then_some(Subject::Bank)
            .into_iter()
            .chain(kiosk.map(Subject::Kiosk))
            .chain(self.recipient.map(Subject::Recipient))
            .chain(self.carrier.map(Subject::Carrier))
            .chain(self.credential.map(Subject::Credential))
            .map(move |subject| ScopeKey { channel, subject })
    }
}

/// Emitted when a scope starts refusing attempts (a backoff delay begins,
/// or the cap is reached): the host alerts staff, and when the scope is a
/// unit's PINs or the bank's, sends the residents concerned their QR codes
/// (which a PIN throttle never blocks).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub struct LockoutEvent {
    /// The locked scope.
    pub scope: ScopeKey,
    /// When the lockout began.
    pub at_s: u64,
    /// When it ends unless more failures come.
    pub until_s: u64,
    /// Failures inside the window.
    pub failures: u32,
}

/// The failures of one scope.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
struct ScopeState {
    /// Times of the most recent failures, oldest first, at most the cap.
    failures_at_s: Vec<u64>,
    /// End of the current backoff delay.
    blocked_until_s: u64,
}

impl ScopeState {
    /// The failures inside the window at `now_s` (a suffix: times are
    /// sorted). A failure at `t` is in the window until `t + window_s`,
    /// that second included.
    fn in_window(&self, backoff: &Backoff, now_s: u64) -> &[u64] {
        let window_s = backoff.window_s;
        let start = self
            .failures_at_s
            .partition_point(|&t| t.saturating_add(window_s) < now_s);
        self.failures_at_s.get(start..).unwrap_or_default()
    }

    /// When the scope accepts attempts again, or `None` if it does now.
    fn retry_at(&self, backoff: &Backoff, now_s: u64) -> Option<u64> {
        let recent = self.in_window(backoff, now_s);
        let cap = usize::try_from(backoff.max_failures_per_window).unwrap_or(usize::MAX);
        let mut retry = (self.blocked_until_s > now_s).then_some(self.blocked_until_s);
        if recent.len() >= cap {
            // The count drops below the cap the second after this failure
            // leaves the window.
            let leaving = recent.get(recent.len() - cap).copied().unwrap_or(now_s);
            let until = leaving.saturating_add(backoff.window_s).saturating_add(1);
            retry = Some(retry.map_or(until, |r| r.max(until)));
        }
        retry
    }

    /// Records a failure; returns the lockout end if the cap is reached.
    fn record(&mut self, backoff: &Backoff, at_s: u64) -> Option<(u64, u32)> {
        let window_s = backoff.window_s;
        self.failures_at_s
            .retain(|&t| t.saturating_add(window_s) >= at_s);
        let at = self.failures_at_s.partition_point(|&t| t <= at_s);
        self.failures_at_s.insert(at, at_s);
        let cap = usize::try_from(backoff.max_failures_per_window).unwrap_or(usize::MAX);
        if self.failures_at_s.len() > cap {
            let excess = self.failures_at_s.len() - cap;
            self.failures_at_s.drain(..excess);
        }
        let count = u32::try_from(self.failures_at_s.len()).unwrap_or(u32::MAX);
        let delay = backoff.delay_after(count);
        self.blocked_until_s = self.blocked_until_s.max(at_s.saturating_add(delay));
        (count >= backoff.max_failures_per_window).then(|| {
            let oldest = self.failures_at_s.first().copied().unwrap_or(at_s);
            (
                oldest
                    .saturating_add(window_s)
                    .saturating_add(1)
                    .max(self.blocked_until_s),
                count,
            )
        })
    }
}

/// Failure counts of every scope. Part of the [`CredentialStore`](super::CredentialStore).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub struct ThrottleState {
    #[cfg_attr(feature = "serde", serde(with = "super::snapshot::map_as_seq"))]
    scopes: SortedMap<ScopeKey, ScopeState>,
}

impl ThrottleState {
    /// Checks that none of `scopes` is blocked at `now_s`.
    ///
    /// # Errors
    ///
    /// [`CredentialError::Throttled`] with the latest retry time among the
    /// blocked scopes.
    pub fn check(
        &self,
        policy: &ThrottlePolicy,
        scopes: impl IntoIterator<Item = ScopeKey>,
        now_s: u64,
    ) -> Result<(), CredentialError> {
        if self.scopes.is_empty() {
            return Ok(());
        }
        let retry_at_s = scopes
            .into_iter()
            .filter_map(|key| {
                let key = self.pooled(key);
                let state = self.scopes.get(&key)?;
                state.retry_at(policy.backoff_for(&key.subject), now_s)
            })
            .max();
        retry_at_s.map_or(Ok(()), |retry_at_s| {
            Err(CredentialError::Throttled { retry_at_s })
        })
    }

    /// Records a failure against each of its scopes; returns an event for
    /// each scope that starts refusing attempts with it (a backoff delay
    /// begins, or the cap is reached).
    pub fn record(&mut self, policy: &ThrottlePolicy, failure: &Failure) -> Vec<LockoutEvent> {
        let mut events = Vec::new();
        let at_s = failure.at_s;
        for scope in failure.scopes() {
            let scope = self.pooled(scope);
            let backoff = policy.backoff_for(&scope.subject);
            let state = self.scopes.entry(scope).or_default();
            let was_open = state.retry_at(backoff, at_s).is_none();
            let capped = state.record(backoff, at_s);
            let retry_at = state.retry_at(backoff, at_s);
            if let (true, Some(until_s)) = (was_open || capped.is_some(), retry_at) {
                let failures =
                    u32::try_from(state.in_window(backoff, at_s).len()).unwrap_or(u32::MAX);
                events.push(LockoutEvent {
                    scope,
                    at_s,
                    until_s,
                    failures,
                });
            }
        }
        events
    }

    /// The scope a failure counts against: a kiosk's own, unless it has
    /// none and [`MAX_KIOSK_SCOPES`] kiosks of the channel already do.
    fn pooled(&self, key: ScopeKey) -> ScopeKey {
        if matches!(key.subject, Subject::Kiosk(_)) && !self.scopes.contains_key(&key) {
            let kiosks = self
                .scopes
                .keys()
                .filter(|k| k.channel == key.channel && matches!(k.subject, Subject::Kiosk(_)))
                .count();
            if kiosks >= MAX_KIOSK_SCOPES {
                return ScopeKey {
                    channel: key.channel,
                    subject: Subject::OtherKiosks,
                };
            }
        }
        key
    }

    /// Failures inside the window of `scope` at `now_s`.
    #[must_use]
    pub fn failures_in_window(
        &self,
        policy: &ThrottlePolicy,
        scope: &ScopeKey,
        now_s: u64,
    ) -> usize {
        self.scopes.get(scope).map_or(0, |s| {
            s.in_window(policy.backoff_for(&scope.subject), now_s).len()
        })
    }

    /// Forgets failures that left their window and scopes with nothing left.
    pub fn prune(&mut self, policy: &ThrottlePolicy, now_s: u64) {
        self.scopes.retain(|key, state| {
            let window_s = policy.backoff_for(&key.subject).window_s;
            state
                .failures_at_s
                .retain(|&t| t.saturating_add(window_s) >= now_s);
            !state.failures_at_s.is_empty() || state.blocked_until_s > now_s
        });
    }

    /// Whether no failure is remembered.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.scopes.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pin_failure(at_s: u64) -> Failure {
        Failure {
            at_s,
            channel: Channel::Pin,
            kiosk: Some(KioskId(1)),
            recipient: None,
            credential: None,
            carrier: None,
        }
    }

    #[test]
    fn backoff_doubles_then_caps() {
        let b = ThrottlePolicy::default().bank;
        assert_eq!(b.delay_after(5), 0);
        assert_eq!(b.delay_after(6), 60);
        assert_eq!(b.delay_after(7), 120);
        assert_eq!(b.delay_after(12), 3_600);
        assert_eq!(b.delay_after(u32::MAX), 3_600);
    }

    #[test]
    fn made_up_kiosks_share_one_scope_beyond_the_tracked_ones() {
        let policy = ThrottlePolicy::default();
        let mut state = ThrottleState::default();
        let junk = |kiosk: u32, at_s: u64| Failure {
            at_s,
            channel: Channel::Qr,
            kiosk: Some(KioskId(kiosk)),
            recipient: None,
            credential: None,
            carrier: None,
        };
        // One scan from each of 10,000 kiosk ids, a second apart.
        let mut refused = 0;
        for kiosk in 0..10_000_u32 {
            let failure = junk(kiosk, 1_000 + u64::from(kiosk));
            if state
                .check(&policy, failure.scopes(), failure.at_s)
                .is_err()
            {
                refused += 1;
            } else {
                state.record(&policy, &failure);
            }
        }
        assert!(
            state.scopes.len() <= MAX_KIOSK_SCOPES + 1,
            "{}",
            state.scopes.len()
        );
        // The shared scope backs off like one kiosk: most scans are refused.
        assert!(refused > 9_000, "{refused} refused");
        // A kiosk slowed on its own keeps its scope; other channels are apart.
        assert!(state.scopes.contains_key(&ScopeKey {
            channel: Channel::Qr,
            subject: Subject::Kiosk(KioskId(0)),
        }));
        let pin = pin_failure(20_000);
        assert!(state.check(&policy, pin.scopes(), pin.at_s).is_ok());
    }

    #[test]
    fn greedy_attacker_is_held_to_the_cap() {
        let policy = ThrottlePolicy::default();
        let greedy = policy.bank.greedy_attempts_in(DAY_S);
        assert!(u64::from(greedy) <= policy.pin_attempts_per_24h());
        assert_eq!(policy.pin_attempts_per_24h(), 25);
        // The default backoff lets the whole cap through within a day, so
        // the cap (not the backoff) is what the bound relies on.
        assert_eq!(greedy, 25);
    }

    #[test]
    fn pin_lockout_does_not_touch_other_channels() {
        let policy = ThrottlePolicy::default();
        let mut state = ThrottleState::default();
        let mut events = Vec::new();
        let mut now_s = 1_000;
        for _ in 0..25 {
            if let Err(CredentialError::Throttled { retry_at_s }) =
                state.check(&policy, pin_failure(now_s).scopes(), now_s)
            {
                now_s = retry_at_s;
            }
            events.extend(state.record(&policy, &pin_failure(now_s)));
        }
        assert!(events.iter().any(|e| e.scope.subject == Subject::Bank));
        assert!(
            state
                .check(&policy, pin_failure(now_s).scopes(), now_s)
                .is_err()
        );
        let qr = ScopeKey {
            channel: Channel::Qr,
            subject: Subject::Kiosk(KioskId(1)),
        };
        let rfid = ScopeKey {
            channel: Channel::Rfid,
            subject: Subject::Kiosk(KioskId(1)),
        };
        assert_eq!(state.check(&policy, [qr, rfid], now_s), Ok(()));
        // A day after the last failure everything is forgotten.
        state.prune(&policy, now_s + DAY_S + 3_600);
        assert!(state.is_empty());
    }
}
