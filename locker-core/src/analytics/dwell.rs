//! Stays, as seconds collected one by one, summarized at the end.

use alloc::vec::Vec;

use super::report::{DWELL_BUCKETS_H, DwellStats, DwellSummary};

const HOUR_S: f64 = 3_600.0;

/// The stays of parcels collected and returned, in seconds.
#[derive(Clone, Debug, Default)]
pub(super) struct Stays {
    pub(super) collected: Vec<u64>,
    pub(super) returned: Vec<u64>,
}

impl Stays {
    /// The distributions, separately and together.
    pub(super) fn summarize(mut self) -> DwellStats {
        let collected = summary(&mut self.collected);
        let returned = summary(&mut self.returned);
        let mut all = self.collected;
        all.append(&mut self.returned);
        DwellStats {
            collected,
            returned,
            all: summary(&mut all),
            bucket_bounds_h: DWELL_BUCKETS_H.to_vec(),
        }
    }
}

/// The bucket of a stay of `stay_s` seconds.
fn bucket(stay_s: u64) -> usize {
    DWELL_BUCKETS_H.partition_point(|&bound_h| stay_s >= bound_h.saturating_mul(3_600))
}

/// The summary of `stays` (sorted in place).
fn summary(stays: &mut [u64]) -> DwellSummary {
    let mut histogram = alloc::vec![0_u64; DWELL_BUCKETS_H.len() + 1];
    for &stay_s in stays.iter() {
        if let Some(count) = histogram.get_mut(bucket(stay_s)) {
            *count += 1;
        }
    }
    crate::collections::sort::values(stays);
    let count = u64::try_from(stays.len()).unwrap_or(u64::MAX);
    let hours = |stay_s: u64| to_f64(stay_s) / HOUR_S;
    let percentile = |p: usize| {
        // Nearest rank: the smallest stay at least p % of the stays are
        // not above.
        let index = (stays.len() * p).div_ceil(100).saturating_sub(1);
        stays.get(index).map_or(0.0, |&stay_s| hours(stay_s))
    };
    let total_s: u128 = stays.iter().map(|&stay_s| u128::from(stay_s)).sum();
    let mean_h = if stays.is_empty() {
        0.0
    } else {
        to_f64_wide(total_s) / to_f64(count) / HOUR_S
    };
    DwellSummary {
        count,
        mean_h,
        median_h: percentile(50),
        p90_h: percentile(90),
        p95_h: percentile(95),
        max_h: stays.last().map_or(0.0, |&stay_s| hours(stay_s)),
        histogram,
    }
}

/// A count or a span of seconds as `f64` (exact up to 2⁵³).
#[allow(clippy::cast_precision_loss)]
pub(super) const fn to_f64(x: u64) -> f64 {
    x as f64
}

/// A sum of seconds as `f64`.
#[allow(clippy::cast_precision_loss)]
pub(super) const fn to_f64_wide(x: u128) -> f64 {
    x as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_are_nearest_rank_and_buckets_follow_their_bounds() {
        let mut stays: Vec<u64> = (1..=20).rev().map(|h| h * 3_600).collect();
        let s = summary(&mut stays);
        assert_eq!(s.count, 20);
        assert!((s.median_h - 10.0).abs() < 1e-9);
        assert!((s.p90_h - 18.0).abs() < 1e-9);
        assert!((s.p95_h - 19.0).abs() < 1e-9);
        assert!((s.max_h - 20.0).abs() < 1e-9);
        assert!((s.mean_h - 10.5).abs() < 1e-9);
        // [0,1) [1,2) [2,4) [4,8) [8,12) [12,24) …
        assert_eq!(s.histogram[..6], [0, 1, 2, 4, 4, 9]);
        assert_eq!(bucket(0), 0);
        assert_eq!(bucket(3_599), 0);
        assert_eq!(bucket(336 * 3_600), DWELL_BUCKETS_H.len());
        let empty = summary(&mut []);
        assert_eq!((empty.count, empty.max_h, empty.p95_h), (0, 0.0, 0.0));
    }
}
