//! The building's demand as a stream of arrivals, drawn once from the
//! seed: both engines (the fast one over a `Bank`, the full one over a
//! `Locker`) read the same stream, so they see the very same parcels,
//! residents and trips.

use alloc::vec::Vec;

use chacha20::ChaCha8Rng;
use rand_core::{Rng, SeedableRng};

use super::SimError;
use super::building::Building;
use super::num::{below, floor_u32, to_f64};

pub(crate) const HOUR_S: u64 = 3_600;
pub(crate) const DAY_S: u64 = 24 * HOUR_S;
/// A courier unloads one parcel every this many seconds of a round.
pub(crate) const UNLOAD_S: u64 = 30;
/// Days of each month of a 365-day year.
const MONTH_DAYS: [u32; 12] = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/// One parcel delivered.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Arrival {
    /// When the courier puts it in, seconds from the start.
    pub at_s: u64,
    /// Its id: arrivals are numbered from 0 in time order.
    pub id: u64,
    /// The receiving unit, from 0.
    pub unit: u32,
    /// Its profile in the size mix.
    pub profile: usize,
    /// Its carrier (an index of `carriers`), when carriers are given.
    pub carrier: Option<usize>,
    /// When the resident comes for it (perhaps after it went back).
    pub visit_s: u64,
    /// The resident extends its stay when reminded.
    pub extends: bool,
}

/// A resident's trip away with a hold: parcels wait until `until_s`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Hold {
    /// When the resident sets it.
    pub at_s: u64,
    pub unit: u32,
    pub until_s: u64,
}

/// Picks an index by integer weights.
pub(crate) struct Weighted {
    cumulative: Vec<u64>,
}

impl Weighted {
    pub(crate) fn new(weights: impl Iterator<Item = u32>) -> Self {
        let mut sum = 0_u64;
        let cumulative = weights
            .map(|w| {
                sum += u64::from(w);
                sum
            })
            .collect();
        Self { cumulative }
    }

    pub(crate) fn pick(&self, rng: &mut ChaCha8Rng) -> usize {
        let total = self.cumulative.last().copied().unwrap_or(0);
        if total == 0 {
            return 0;
        }
        let wide = u128::from(rng.next_u64()) * u128::from(total);
        let target = u64::try_from(wide >> 64).unwrap_or(0);
        self.cumulative.partition_point(|&c| c <= target)
    }
}

/// A count with mean `mean`: Binomial(n, mean / n) with n = 4 × mean + 1,
/// whose variance is within 25 % of a Poisson count's, with no `exp`.
fn count(rng: &mut ChaCha8Rng, mean: f64) -> u32 {
    if mean <= 0.0 {
        return 0;
    }
    let trials = floor_u32(mean * 4.0).saturating_add(1);
    let threshold = floor_u32(mean / f64::from(trials) * 4_294_967_296.0);
    let mut hits = 0;
    for _ in 0..trials {
        hits += u32::from(rng.next_u32() < threshold);
    }
    hits
}

/// Uniform in `0..n` for a `u64` span.
fn below_u64(rng: &mut ChaCha8Rng, n: u64) -> u64 {
    let wide = u128::from(rng.next_u64()) * u128::from(n);
    u64::try_from(wide >> 64).unwrap_or(0)
}

/// The demand of one building.
pub(crate) struct Demand<'a> {
    building: &'a Building,
    rng: ChaCha8Rng,
    units: Weighted,
    profiles: Weighted,
    carrier_profiles: Vec<Weighted>,
    dwell: Weighted,
    /// Mean parcels of each simulated day.
    day_means: Vec<f64>,
    /// Per unit, its trips away as `(start_s, end_s)`, in order.
    trips: Vec<Vec<(u64, u64)>>,
    holds: Vec<Hold>,
    /// Per unit, whether its resident needs an accessible door.
    pub needs_accessible: Vec<bool>,
    collection_max: u32,
    next_id: u64,
}

impl<'a> Demand<'a> {
    /// Draws the building's units, receiver groups and trips.
    ///
    /// # Errors
    ///
    /// [`SimError::InvalidField`] when the season and peaks leave a year
    /// without any delivery.
    pub(crate) fn new(building: &'a Building) -> Result<Self, SimError> {
        let b = building;
        let mut rng = ChaCha8Rng::seed_from_u64(b.seed);
        let needs_accessible = (0..b.units)
            .map(|_| below(rng.next_u32(), 100) < b.accessible_units_percent)
            .collect();
        let groups = Weighted::new(b.receivers.iter().map(|g| g.share));
        let unit_rates: Vec<u32> = (0..b.units)
            .map(|_| {
                b.receivers
                    .get(groups.pick(&mut rng))
                    .map_or(1, |group| group.rate)
            })
            .collect();
        let mut demand = Self {
            units: Weighted::new(unit_rates.into_iter()),
            profiles: Weighted::new(b.size_mix.iter().map(|p| p.share)),
            carrier_profiles: b
                .carriers
                .iter()
                .map(|c| {
                    if c.size_shares.is_empty() {
                        Weighted::new(b.size_mix.iter().map(|p| p.share))
                    } else {
                        Weighted::new(c.size_shares.iter().copied())
                    }
                })
                .collect(),
            dwell: Weighted::new(b.dwell.iter().map(|d| d.share)),
            day_means: day_means(b)?,
            trips: Vec::new(),
            holds: Vec::new(),
            needs_accessible,
            collection_max: b.collection_hour_weights.iter().copied().max().unwrap_or(1),
            next_id: 0,
            building,
            rng,
        };
        demand.draw_trips();
        Ok(demand)
    }

    fn draw_trips(&mut self) {
        let b = self.building;
        let horizon_s = u64::from(b.days) * DAY_S;
        let mean = b.away.trips_per_unit_per_year * f64::from(b.days) / 365.0;
        let span_days = b.away.max_days - b.away.min_days + 1;
        for unit in 0..b.units {
            let trips = count(&mut self.rng, mean);
            let mut list: Vec<(u64, u64)> = (0..trips)
                .map(|_| {
                    let start = below_u64(&mut self.rng, horizon_s);
                    let days = b.away.min_days + below(self.rng.next_u32(), span_days);
                    (start, start + u64::from(days) * DAY_S)
                })
                .collect();
            crate::collections::sort::values(&mut list);
            for &(start, end) in &list {
                if below(self.rng.next_u32(), 100) < b.away.hold_percent {
                    self.holds.push(Hold {
                        at_s: start,
                        unit,
                        until_s: end,
                    });
                }
            }
            self.trips.push(list);
        }
        crate::collections::sort::by_key(&mut self.holds, |h| (h.at_s, h.unit));
    }

    /// The holds residents set, in time order.
    pub(crate) fn holds(&self) -> &[Hold] {
        &self.holds
    }

    /// The time of `carrier`'s first round at or after `at_s`.
    pub(crate) fn next_round_s(&self, carrier: usize, at_s: u64) -> Option<u64> {
        let rounds = &self.building.carriers.get(carrier)?.rounds;
        let day = at_s / DAY_S;
        for day in [day, day + 1] {
            for &hour in rounds {
                let round_s = day * DAY_S + u64::from(hour) * HOUR_S;
                if round_s >= at_s {
                    return Some(round_s);
                }
            }
        }
        None
    }

    /// The parcels of day `day`, in time order.
    pub(crate) fn day(&mut self, day: u32) -> Vec<Arrival> {
        let b = self.building;
        let mean = self
            .day_means
            .get(usize::try_from(day).unwrap_or(usize::MAX))
            .copied()
            .unwrap_or(0.0);
        let day_s = u64::from(day) * DAY_S;
        // (time, unit, profile, carrier) before the resident's side.
        let mut drafts: Vec<(u64, Option<usize>, usize)> = Vec::new();
        if b.carriers.is_empty() {
            let hours: u64 = b.hour_weights.iter().map(|&w| u64::from(w)).sum();
            for (hour, &weight) in (0_u64..).zip(&b.hour_weights) {
                let n = count(&mut self.rng, mean * f64::from(weight) / to_f64(hours));
                for _ in 0..n {
                    let at_s = day_s + hour * HOUR_S + below_u64(&mut self.rng, HOUR_S);
                    let profile = self.profiles.pick(&mut self.rng);
                    drafts.push((at_s, None, profile));
                }
            }
        } else {
            let shares: u64 = b.carriers.iter().map(|c| u64::from(c.share)).sum();
            for (index, carrier) in b.carriers.iter().enumerate() {
                let n = count(
                    &mut self.rng,
                    mean * f64::from(carrier.share) / to_f64(shares),
                );
                let rounds = u32::try_from(carrier.rounds.len()).unwrap_or(1).max(1);
                for (round, &hour) in (0_u32..).zip(&carrier.rounds) {
                    let in_round = n / rounds + u32::from(round < n % rounds);
                    let start_s = day_s + u64::from(hour) * HOUR_S;
                    // A round ends before midnight: a late round's parcels
                    // spilling into the next day would come after that
                    // day's earlier events (time running backwards for the
                    // statistics and the locker's clock).
                    let left_s = (DAY_S - u64::from(hour) * HOUR_S).saturating_sub(1);
                    let unload_s = UNLOAD_S.min(left_s / u64::from(in_round.max(1)));
                    for k in 0..in_round {
                        let profile = self
                            .carrier_profiles
                            .get(index)
                            .map_or(0, |w| w.pick(&mut self.rng));
                        drafts.push((start_s + u64::from(k) * unload_s, Some(index), profile));
                    }
                }
            }
        }
        crate::collections::sort::by_key(&mut drafts, |d| d.0);
        drafts
            .into_iter()
            .map(|(at_s, carrier, profile)| self.arrival(at_s, carrier, profile))
            .collect()
    }

    fn arrival(&mut self, at_s: u64, carrier: Option<usize>, profile: usize) -> Arrival {
        let b = self.building;
        let unit = u32::try_from(self.units.pick(&mut self.rng)).unwrap_or(0);
        let id = self.next_id;
        self.next_id += 1;
        // Ready to collect: a dwell bucket, then uniform within it.
        let bucket = self.dwell.pick(&mut self.rng);
        let low_h = bucket
            .checked_sub(1)
            .and_then(|i| b.dwell.get(i))
            .map_or(0, |previous| previous.up_to_h);
        let high_h = b.dwell.get(bucket).map_or(low_h + 1, |d| d.up_to_h);
        let span_s = u64::from(high_h - low_h) * HOUR_S;
        let mut ready_s = at_s + u64::from(low_h) * HOUR_S + below_u64(&mut self.rng, span_s);
        // Away: back at the end of the trip.
        if let Some(trips) = self.trips.get(usize::try_from(unit).unwrap_or(usize::MAX)) {
            for &(start, end) in trips {
                if start <= ready_s && ready_s < end {
                    ready_s = end;
                }
            }
        }
        let visit_s = self.visit_after(ready_s);
        let extends = below(self.rng.next_u32(), 100) < b.extension_percent;
        Arrival {
            at_s,
            id,
            unit,
            profile,
            carrier,
            visit_s,
            extends,
        }
    }

    /// The first moment at or after `ready_s` the resident comes by: each
    /// hour they come with a probability proportional to its weight.
    fn visit_after(&mut self, ready_s: u64) -> u64 {
        let weights = &self.building.collection_hour_weights;
        let mut hour_start = ready_s - ready_s % HOUR_S;
        // Two weeks of hours always find one: some weight is above 0.
        for _ in 0..24 * 14 {
            let hour = usize::try_from(hour_start / HOUR_S % 24).unwrap_or(0);
            let weight = weights.get(hour).copied().unwrap_or(0);
            if below(self.rng.next_u32(), self.collection_max) < weight {
                let from = ready_s.max(hour_start);
                let end = hour_start + HOUR_S;
                return from + below_u64(&mut self.rng, end - from);
            }
            hour_start += HOUR_S;
        }
        ready_s
    }
}

/// The mean parcels of each day: the building's mean, shaped by weekday,
/// month, peaks and growth, with the year's shape scaled to a mean of 1.
pub(crate) fn day_means(b: &Building) -> Result<Vec<f64>, SimError> {
    let mut month_of_day = [0_usize; 365];
    let mut day = 0;
    for (month, &days) in MONTH_DAYS.iter().enumerate() {
        for _ in 0..days {
            if let Some(slot) = month_of_day.get_mut(day) {
                *slot = month;
            }
            day += 1;
        }
    }
    let shape = |day_of_year: u32| {
        let month = month_of_day
            .get(usize::try_from(day_of_year).unwrap_or(usize::MAX))
            .copied()
            .unwrap_or(0);
        let mut factor = f64::from(b.season.get(month).copied().unwrap_or(0));
        for peak in &b.peaks {
            if peak.covers(day_of_year) {
                factor *= f64::from(peak.factor_percent) / 100.0;
            }
        }
        factor
    };
    let year: f64 = (0..365).map(shape).sum::<f64>() / 365.0;
    if year <= 0.0 {
        return Err(SimError::field(
            "season",
            "a year without deliveries",
            "season and peaks must leave some volume",
        ));
    }
    let week: u64 = b.weekday_weights.iter().map(|&w| u64::from(w)).sum();
    let per_day = b.mean_parcels_per_day();
    Ok((0..b.days)
        .map(|day| {
            let weekday = usize::try_from((u32::from(b.start_weekday) + day) % 7).unwrap_or(0);
            let weekday_factor = f64::from(b.weekday_weights.get(weekday).copied().unwrap_or(0))
                * 7.0
                / to_f64(week);
            let day_of_year = (u32::from(b.start_day_of_year) + day) % 365;
            let growth = 1.0 + b.growth_percent_per_year / 100.0 * f64::from(day) / 365.0;
            per_day * weekday_factor * shape(day_of_year) / year * growth.max(0.0)
        })
        .collect())
}
