//! Refused attempts that count toward no throttle, summed before they are
//! journaled: every attempt is on the record, and a flood of them costs a
//! bounded number of records (one per channel, kiosk and error an hour)
//! instead of one each.

use alloc::string::String;
use alloc::vec::Vec;

use super::entry::Entry;
use crate::credential::{Channel, Failure, KioskId};

/// How long refused attempts are summed before they are journaled: an
/// hour (a power cut loses at most that hour's count).
pub(super) const TALLY_S: u64 = 3_600;
/// How many attempts one record sums at most.
const MAX_TALLY: u32 = 10_000;
/// How many sums of one kiosk are kept at once; beyond, attempts are
/// summed per channel and error with no kiosk named (so made-up kiosk ids
/// cannot make one record per attempt).
const MAX_TALLIES: usize = 32;

/// Refused attempts of one channel, kiosk and error.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Tally {
    channel: Channel,
    kiosk: Option<KioskId>,
    error: &'static str,
    count: u32,
    first_at_s: u64,
    last_at_s: u64,
}

impl Tally {
    fn entry(&self) -> Entry {
        Entry::AttemptsRefused {
            channel: self.channel,
            kiosk: self.kiosk,
            error: String::from(self.error),
            count: self.count,
            first_at_s: self.first_at_s,
            last_at_s: self.last_at_s,
        }
    }
}

/// The sums not journaled yet (kept in memory: a power cut loses at most
/// the last hour's count of refused attempts; `flush_attempts` before a
/// planned shutdown).
#[derive(Clone, Debug, Default)]
pub(super) struct Tallies(Vec<Tally>);

impl Tallies {
    /// Adds a refused attempt; returns the records now due (a sum full or
    /// old enough, or the oldest when there are too many sums).
    pub(super) fn add(&mut self, attempt: &Failure, error: &'static str) -> Vec<Entry> {
        let now_s = attempt.at_s;
        let mut due = self.take_due(now_s);
        let mut kiosk = attempt.kiosk;
        let same = |t: &Tally, kiosk: Option<KioskId>| {
            t.channel == attempt.channel && t.kiosk == kiosk && t.error == error
        };
        let by_kiosk = self.0.iter().filter(|t| t.kiosk.is_some()).count();
        if kiosk.is_some() && by_kiosk >= MAX_TALLIES && !self.0.iter().any(|t| same(t, kiosk)) {
            // Too many kiosks at once: this one is summed with the rest.
            kiosk = None;
        }
        match self.0.iter_mut().find(|t| same(t, kiosk)) {
            Some(tally) => {
                tally.count += 1;
                tally.last_at_s = tally.last_at_s.max(now_s);
            }
            None => self.0.push(Tally {
                channel: attempt.channel,
                kiosk,
                error,
                count: 1,
                first_at_s: now_s,
                last_at_s: now_s,
            }),
        }
        if let Some(at) = self.0.iter().position(|t| t.count >= MAX_TALLY) {
            due.push(self.0.remove(at).entry());
        }
        due
    }

    /// Takes the sums whose first attempt is `TALLY_S` old at `now_s`.
    pub(super) fn take_due(&mut self, now_s: u64) -> Vec<Entry> {
        let mut due = Vec::new();
        self.0.retain(|tally| {
            let old = tally.first_at_s.saturating_add(TALLY_S) <= now_s;
            if old {
                due.push(tally.entry());
            }
            !old
        });
        due
    }

    /// Takes every sum (before a snapshot or shutdown).
    pub(super) fn take_all(&mut self) -> Vec<Entry> {
        core::mem::take(&mut self.0)
            .iter()
            .map(Tally::entry)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attempt(at_s: u64, kiosk: u32) -> Failure {
        Failure {
            at_s,
            channel: Channel::Qr,
            kiosk: Some(KioskId(kiosk)),
            recipient: None,
            credential: None,
            carrier: None,
        }
    }

    #[test]
    fn a_flood_costs_one_record_per_kiosk_and_error_every_few_minutes() {
        let mut tallies = Tallies::default();
        let mut records = Vec::new();
        // A scan a second for a day, from two kiosks.
        for at_s in 0..86_400 {
            records.extend(tallies.add(&attempt(at_s, 1), "throttled"));
            records.extend(tallies.add(&attempt(at_s, 2), "throttled"));
        }
        records.extend(tallies.take_all());
        let counted: u32 = records
            .iter()
            .map(|r| match r {
                Entry::AttemptsRefused { count, .. } => *count,
                _ => 0,
            })
            .sum();
        assert_eq!(counted, 2 * 86_400, "every attempt is counted");
        let most = 2 * usize::try_from(86_400 / TALLY_S + 1).unwrap();
        assert!(records.len() <= most, "{} records", records.len());
    }

    #[test]
    fn many_kinds_of_refusal_keep_bounded_sums() {
        let mut tallies = Tallies::default();
        let mut records = Vec::new();
        for kiosk in 0..1_000 {
            records.extend(tallies.add(&attempt(5, kiosk), "throttled"));
        }
        // The first kiosks summed one by one, the rest together.
        assert_eq!(tallies.0.len(), MAX_TALLIES + 1);
        assert!(records.is_empty());
        records.extend(tallies.take_all());
        assert_eq!(records.len(), MAX_TALLIES + 1);
        let counted: u32 = records
            .iter()
            .map(|r| match r {
                Entry::AttemptsRefused { count, .. } => *count,
                _ => 0,
            })
            .sum();
        assert_eq!(counted, 1_000, "every attempt is counted");
    }
}
