//! Caps on openings per rolling minute and per rolling day: what bounds
//! remote commands and QR tokens without a record, so a stolen key or a
//! compromised back end opens only so many doors before someone notices.

use alloc::vec::Vec;

use super::throttle::DAY_S;

/// Seconds per minute (the span of the per-minute cap).
pub(crate) const MINUTE_S: u64 = 60;

/// When the caps allow another opening after those at `opens_at_s`
/// (oldest first), or `None` if they do now.
pub(crate) fn retry_at(
    opens_at_s: &[u64],
    per_minute: u32,
    per_day: u32,
    now_s: u64,
) -> Option<u64> {
    [(MINUTE_S, per_minute), (DAY_S, per_day)]
        .iter()
        .filter_map(|&(span_s, cap)| {
            let recent: Vec<u64> = opens_at_s
                .iter()
                .copied()
                .filter(|t| t.saturating_add(span_s) > now_s)
                .collect();
            let cap = usize::try_from(cap).unwrap_or(usize::MAX);
            if recent.len() < cap {
                return None;
            }
            let leaving = recent.get(recent.len() - cap).copied().unwrap_or(now_s);
            Some(leaving.saturating_add(span_s))
        })
        .max()
}

/// Counts an opening at `now_s`, forgetting those older than a day.
pub(crate) fn record(opens_at_s: &mut Vec<u64>, now_s: u64) {
    opens_at_s.retain(|t| t.saturating_add(DAY_S) > now_s);
    let at = opens_at_s.partition_point(|&t| t <= now_s);
    opens_at_s.insert(at, now_s);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_minute_and_no_day_holds_more_than_its_cap() {
        let mut opens = Vec::new();
        let mut now_s = 1_000;
        let mut opened = Vec::new();
        while now_s < 1_000 + 3 * DAY_S {
            if retry_at(&opens, 2, 10, now_s).is_none() {
                record(&mut opens, now_s);
                opened.push(now_s);
            }
            now_s += 7;
        }
        for &start in &opened {
            let in_minute = opened
                .iter()
                .filter(|&&t| t >= start && t < start + MINUTE_S)
                .count();
            let in_day = opened
                .iter()
                .filter(|&&t| t >= start && t < start + DAY_S)
                .count();
            assert!(in_minute <= 2 && in_day <= 10, "{in_minute} {in_day}");
        }
        assert_eq!(opened.len(), 30);
        assert_eq!(retry_at(&[5, 6], 2, 10, 10), Some(65));
    }
}
