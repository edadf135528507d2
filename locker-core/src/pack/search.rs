//! The improving search behind [`super::pack_into`]: a load of parcels in
//! compartments, the moves that change it, and the restarts.

use alloc::vec::Vec;
use core::cmp::Reverse;

use super::into::{Bin, Objective, PackOptions};
use super::{ExactOutcome, Packing, fits_empty, pack, pack_exact, volume_u128};
use crate::parcel::Parcel;

/// The most parcels a compartment is re-packed from scratch with the
/// greedy orders when a new one does not fit beside them.
const REPACK_MAX: usize = 24;

/// The most parcels a compartment is re-packed with the exact search.
const EXACT_MAX: usize = 7;

/// The exact search's budget per re-pack, in nodes.
const EXACT_NODES: u64 = 400;

/// Placement attempts left, and spent.
struct Meter {
    spent: u64,
    limit: u64,
}

impl Meter {
    fn left(&self) -> bool {
        self.spent < self.limit
    }

    fn charge(&mut self, attempts: u64) {
        self.spent = self.spent.saturating_add(attempts);
    }
}

/// SplitMix64, for the restarts' perturbations (and the exact fill's
/// guesses of blocks).
pub(super) struct Mix(pub(super) u64);

impl Mix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A value in `0..n` (`n > 0`); the modulo bias is irrelevant here.
    pub(super) fn below(&mut self, n: usize) -> usize {
        let n64 = u64::try_from(n).unwrap_or(u64::MAX).max(1);
        usize::try_from(self.next() % n64).unwrap_or(0)
    }
}

/// Rules beyond zone, handling and weight, for a caller that knows more
/// (a batch plan: one recipient a compartment, accessible doors for those
/// who need them). Empty vectors impose nothing.
#[derive(Clone, Debug, Default)]
pub(crate) struct Sharing {
    /// Per parcel, its group: parcels share a compartment only within one.
    pub group: Vec<u32>,
    /// Per parcel, true when it may go only into an open-to-all compartment.
    pub restricted: Vec<bool>,
    /// Per compartment, true when restricted parcels may use it.
    pub takes_restricted: Vec<bool>,
}

impl Sharing {
    /// True when it imposes nothing.
    pub(super) fn is_empty(&self) -> bool {
        self.group.is_empty() && self.restricted.is_empty() && self.takes_restricted.is_empty()
    }

    fn shares(&self, p: usize, q: usize) -> bool {
        self.group.get(p) == self.group.get(q)
    }

    fn allows(&self, b: usize, p: usize) -> bool {
        !self.restricted.get(p).copied().unwrap_or(false)
            || self.takes_restricted.get(b).copied().unwrap_or(false)
    }
}

/// Parcels in compartments: the state the search changes.
#[derive(Clone)]
pub(super) struct Load<'a> {
    bins: &'a [Bin],
    parcels: &'a [Parcel],
    sharing: &'a Sharing,
    /// Per compartment, the parcels in it (indices into `parcels`).
    contents: Vec<Vec<usize>>,
    /// Per compartment, their packing.
    packings: Vec<Packing>,
    /// Per compartment, their weight in grams.
    weight_g: Vec<u64>,
    /// Per parcel, its compartment.
    home: Vec<Option<usize>>,
}

/// A load's score: larger is better.
pub(super) type Score = (usize, Reverse<usize>, Reverse<u128>, Reverse<usize>);

/// How good a result is for `objective`, greater is better: `placed`
/// parcels in the compartments of `bins` flagged in `used`.
pub(super) fn score(bins: &[Bin], used: &[bool], placed: usize, objective: Objective) -> Score {
    let count = used.iter().filter(|&&u| u).count();
    let volume: u128 = bins
        .iter()
        .zip(used)
        .filter(|(_, u)| **u)
        .map(|(b, _)| volume_u128(b.space))
        .sum();
    match objective {
        Objective::LeastVolume => (placed, Reverse(0), Reverse(volume), Reverse(count)),
        _ => (placed, Reverse(count), Reverse(volume), Reverse(0)),
    }
}

impl<'a> Load<'a> {
    fn empty(bins: &'a [Bin], parcels: &'a [Parcel], sharing: &'a Sharing) -> Self {
        Self {
            bins,
            parcels,
            sharing,
            contents: alloc::vec![Vec::new(); bins.len()],
            packings: bins.iter().map(|b| Packing::new(b.space)).collect(),
            weight_g: alloc::vec![0; bins.len()],
            home: alloc::vec![None; parcels.len()],
        }
    }

    /// The search of the module docs of [`super::into`]: the attempts spent
    /// and, per compartment, its packing when it holds anything.
    pub(super) fn search(
        bins: &'a [Bin],
        parcels: &'a [Parcel],
        sharing: &'a Sharing,
        options: &PackOptions,
    ) -> (u64, Vec<Option<Packing>>) {
        let objective = options.objective;
        let mut meter = Meter {
            spent: 0,
            limit: options.max_iterations,
        };
        let mut rng = Mix(options.seed);
        let base = base_order(bins, parcels, objective, SHARES_PER_MILLE[0]);
        let mut best = Self::construct(bins, parcels, sharing, &base, objective, &mut meter);
        if !meter.left() {
            return best.finish(meter.spent);
        }
        // The starts, one step: for the most parcels, the greedy from
        // every share (which share suits a load is cheap to learn and
        // decides more than the moves that follow), improved best first;
        // otherwise the base greedy. The first share's is the one built.
        let mut starts: Vec<Self> = alloc::vec![best.clone()];
        if objective == Objective::MostParcels {
            for &share in SHARES_PER_MILLE.get(1..).unwrap_or_default() {
                let order = base_order(bins, parcels, objective, share);
                starts.push(Self::construct(
                    bins, parcels, sharing, &order, objective, &mut meter,
                ));
            }
            // Stable: equal starts keep the shares' order.
            crate::collections::sort::by_key(&mut starts, |load| Reverse(load.score(objective)));
        }
        let mut order = base.clone();
        loop {
            let mut load = if starts.is_empty() {
                // A restart: the base order with a few nearby swaps.
                order.clone_from(&base);
                perturb(&mut order, &mut rng);
                meter.charge(1);
                Self::construct(bins, parcels, sharing, &order, objective, &mut meter)
            } else {
                starts.remove(0)
            };
            load.improve(objective, &mut meter);
            if load.score(objective) > best.score(objective) {
                best = load;
            }
            if !meter.left() {
                break;
            }
        }
        best.finish(meter.spent)
    }

    /// The attempts spent and, per compartment, its packing when it holds
    /// anything.
    fn finish(self, spent: u64) -> (u64, Vec<Option<Packing>>) {
        let packings = self
            .packings
            .into_iter()
            .zip(&self.contents)
            .map(|(packing, held)| (!held.is_empty()).then_some(packing))
            .collect();
        (spent, packings)
    }

    fn score(&self, objective: Objective) -> Score {
        let used: Vec<bool> = self.contents.iter().map(|c| !c.is_empty()).collect();
        let placed = self.home.iter().filter(|h| h.is_some()).count();
        score(self.bins, &used, placed, objective)
    }

    /// The greedy: parcels in `order`, each into the first open compartment
    /// that takes it, else into a new one (see [`Load::open_order`]).
    fn construct(
        bins: &'a [Bin],
        parcels: &'a [Parcel],
        sharing: &'a Sharing,
        order: &[usize],
        objective: Objective,
        meter: &mut Meter,
    ) -> Self {
        // Charged, but never cut short: a construction is one step.
        let mut load = Self::empty(bins, parcels, sharing);
        for &p in order {
            load.place_anywhere(p, objective, false, meter);
        }
        load
    }

    /// Puts parcel `p` in an open compartment (re-packing it when
    /// `repack_too`), else opens one; true when placed.
    fn place_anywhere(
        &mut self,
        p: usize,
        objective: Objective,
        repack_too: bool,
        meter: &mut Meter,
    ) -> bool {
        for b in self.open_bins_fullest_first() {
            if self.insert(b, p, repack_too, meter) {
                return true;
            }
        }
        for b in self.closed_bins(objective, p) {
            if self.insert(b, p, false, meter) {
                return true;
            }
        }
        false
    }

    /// Open compartments, the fullest (by volume share) first.
    fn open_bins_fullest_first(&self) -> Vec<usize> {
        let mut open: Vec<(Reverse<u128>, usize)> = (0..self.bins.len())
            .filter(|&b| self.contents.get(b).is_some_and(|c| !c.is_empty()))
            .map(|b| (Reverse(self.fill_per_mille(b)), b))
            .collect();
        crate::collections::sort::values(&mut open);
        open.into_iter().map(|(_, b)| b).collect()
    }

    /// Empty compartments that could take `p` alone, in the order to open
    /// them: for fewest compartments the largest first, otherwise the
    /// smallest first.
    fn closed_bins(&self, objective: Objective, p: usize) -> Vec<usize> {
        let Some(parcel) = self.parcels.get(p) else {
            return Vec::new();
        };
        let mut closed: Vec<(u128, usize)> = (0..self.bins.len())
            .filter(|&b| self.contents.get(b).is_some_and(Vec::is_empty))
            .filter(|&b| self.bins.get(b).is_some_and(|bin| admits(bin, parcel)))
            .filter(|&b| self.sharing.allows(b, p))
            .map(|b| (self.bins.get(b).map_or(0, |bin| volume_u128(bin.space)), b))
            .collect();
        crate::collections::sort::values(&mut closed);
        if objective == Objective::FewestCompartments {
            crate::collections::sort::by_key(&mut closed, |&(v, b)| (Reverse(v), b));
        }
        closed.into_iter().map(|(_, b)| b).collect()
    }

    /// The share of compartment `b`'s volume its parcels take, per mille.
    fn fill_per_mille(&self, b: usize) -> u128 {
        let space = self.bins.get(b).map_or(1, |bin| volume_u128(bin.space));
        let used = self.packings.get(b).map_or(0, Packing::used_volume_u128);
        used.saturating_mul(1000) / space.max(1)
    }

    /// Adds parcel `p` (not yet placed) to compartment `b` if the rules
    /// allow and it fits beside the others, or (with `repack_too`) when
    /// the compartment re-packed from scratch takes it.
    fn insert(&mut self, b: usize, p: usize, repack_too: bool, meter: &mut Meter) -> bool {
        let (Some(bin), Some(parcel)) = (self.bins.get(b), self.parcels.get(p)) else {
            return false;
        };
        let (Some(held), Some(packing), Some(&weight_g)) = (
            self.contents.get(b),
            self.packings.get(b),
            self.weight_g.get(b),
        ) else {
            return false;
        };
        if !admits(bin, parcel)
            || !self.sharing.allows(b, p)
            || held.first().is_some_and(|&q| {
                !self.sharing.shares(p, q)
                    || self
                        .parcels
                        .get(q)
                        .is_some_and(|q| !q.can_share_with(parcel))
            })
            || bin
                .max_weight_g
                .is_some_and(|max| weight_g + u64::from(parcel.weight_g) > u64::from(max))
            || packing.used_volume_u128() + volume_u128(parcel.size) > volume_u128(bin.space)
        {
            return false;
        }
        meter.charge(attempt_cost(held.len()));
        let together: Option<Vec<Parcel>> = (repack_too && held.len() < REPACK_MAX).then(|| {
            let mut together: Vec<Parcel> = held
                .iter()
                .filter_map(|&q| self.parcels.get(q))
                .copied()
                .collect();
            together.push(*parcel);
            together
        });
        // `try_place` leaves the packing unchanged when it fails.
        let beside = self
            .packings
            .get_mut(b)
            .is_some_and(|packing| packing.try_place(parcel).is_some());
        if !beside {
            let Some(packing) = together.and_then(|t| repack(bin, &t, meter)) else {
                return false;
            };
            self.set(b, packing);
        }
        if let Some(held) = self.contents.get_mut(b) {
            held.push(p);
        }
        if let Some(w) = self.weight_g.get_mut(b) {
            *w += u64::from(parcel.weight_g);
        }
        if let Some(home) = self.home.get_mut(p) {
            *home = Some(b);
        }
        true
    }

    fn set(&mut self, b: usize, packing: Packing) {
        if let Some(slot) = self.packings.get_mut(b) {
            *slot = packing;
        }
    }

    /// Takes parcel `p` out of compartment `b`; false (and no change) when
    /// the boxes left would not stand without it and cannot be re-packed.
    fn remove(&mut self, b: usize, p: usize, meter: &mut Meter) -> bool {
        let (Some(bin), Some(parcel), Some(packing)) =
            (self.bins.get(b), self.parcels.get(p), self.packings.get(b))
        else {
            return false;
        };
        let placements: Vec<_> = packing
            .placements()
            .iter()
            .filter(|pl| pl.parcel != parcel.id)
            .copied()
            .collect();
        let rest = match Packing::from_placements(bin.space, placements) {
            Ok(rest) => Some(rest),
            Err(_) => {
                let together: Vec<Parcel> = self
                    .contents
                    .get(b)
                    .into_iter()
                    .flatten()
                    .filter(|&&q| q != p)
                    .filter_map(|&q| self.parcels.get(q))
                    .copied()
                    .collect();
                repack(bin, &together, meter)
            }
        };
        let Some(rest) = rest else {
            return false;
        };
        self.set(b, rest);
        if let Some(held) = self.contents.get_mut(b) {
            held.retain(|&q| q != p);
        }
        if let Some(w) = self.weight_g.get_mut(b) {
            *w = w.saturating_sub(u64::from(parcel.weight_g));
        }
        if let Some(home) = self.home.get_mut(p) {
            *home = None;
        }
        true
    }

    /// Local search until no move improves or the budget is spent.
    fn improve(&mut self, objective: Objective, meter: &mut Meter) {
        loop {
            let before = self.score(objective);
            if objective == Objective::MostParcels {
                self.insert_left_over(objective, meter);
                self.trade_for_smaller(objective, meter);
            } else {
                self.insert_left_over(objective, meter);
                self.empty_bins(objective, meter);
                self.downsize(meter);
            }
            if !meter.left() || self.score(objective) <= before {
                return;
            }
        }
    }

    /// Parcels left over, smallest first, each into any compartment.
    fn insert_left_over(&mut self, objective: Objective, meter: &mut Meter) {
        for p in self.left_over_smallest_first() {
            if !meter.left() {
                return;
            }
            self.place_anywhere(p, objective, true, meter);
        }
    }

    fn left_over_smallest_first(&self) -> Vec<usize> {
        let mut left: Vec<usize> = (0..self.parcels.len())
            .filter(|&p| self.home.get(p).is_some_and(Option::is_none))
            .collect();
        crate::collections::sort::by_key(&mut left, |&p| {
            (self.parcels.get(p).map_or(0, |q| volume_u128(q.size)), p)
        });
        left
    }

    /// Tries to empty each open compartment, least filled first, by moving
    /// its parcels (largest first) into the other open ones.
    fn empty_bins(&mut self, objective: Objective, meter: &mut Meter) {
        let mut open = self.open_bins_fullest_first();
        open.reverse();
        for b in open {
            if !meter.left() {
                return;
            }
            let before = self.score(objective);
            let snapshot = self.clone();
            let mut held = self.contents.get(b).cloned().unwrap_or_default();
            crate::collections::sort::by_key(&mut held, |&p| {
                (
                    Reverse(self.parcels.get(p).map_or(0, |q| volume_u128(q.size))),
                    p,
                )
            });
            let mut moved_all = true;
            for p in held {
                // Take it out first so it is not offered to `b` again.
                if !self.remove(b, p, meter) {
                    moved_all = false;
                    break;
                }
                let targets: Vec<usize> = self
                    .open_bins_fullest_first()
                    .into_iter()
                    .filter(|&t| t != b)
                    .collect();
                if !targets.into_iter().any(|t| self.insert(t, p, true, meter)) {
                    moved_all = false;
                    break;
                }
            }
            if !moved_all || self.score(objective) <= before {
                *self = snapshot;
            }
        }
    }

    /// Moves each open compartment's parcels into a smaller empty one that
    /// takes them all.
    fn downsize(&mut self, meter: &mut Meter) {
        for b in self.open_bins_fullest_first() {
            if !meter.left() {
                return;
            }
            let (Some(bin), Some(held)) = (self.bins.get(b), self.contents.get(b)) else {
                continue;
            };
            let volume = volume_u128(bin.space);
            let together: Vec<Parcel> = held
                .iter()
                .filter_map(|&q| self.parcels.get(q))
                .copied()
                .collect();
            let weight_g = self.weight_g.get(b).copied().unwrap_or(0);
            let used = self.packings.get(b).map_or(0, Packing::used_volume_u128);
            let mut smaller: Vec<(u128, usize)> = (0..self.bins.len())
                .filter(|&c| self.contents.get(c).is_some_and(Vec::is_empty))
                .filter_map(|c| self.bins.get(c).map(|bin| (volume_u128(bin.space), c)))
                .filter(|&(v, _)| v < volume && v >= used)
                .collect();
            crate::collections::sort::values(&mut smaller);
            for (_, c) in smaller {
                let Some(target) = self.bins.get(c) else {
                    continue;
                };
                let admitted = together.iter().all(|p| admits(target, p))
                    && held.iter().all(|&p| self.sharing.allows(c, p))
                    && target
                        .max_weight_g
                        .is_none_or(|max| weight_g <= u64::from(max));
                if !admitted {
                    continue;
                }
                if let Some(packing) = repack(target, &together, meter) {
                    let moved = self.contents.get_mut(b).map(core::mem::take);
                    let moved = moved.unwrap_or_default();
                    for &p in &moved {
                        if let Some(home) = self.home.get_mut(p) {
                            *home = Some(c);
                        }
                    }
                    if let Some(slot) = self.contents.get_mut(c) {
                        *slot = moved;
                    }
                    self.set(c, packing);
                    self.set(b, Packing::new(bin.space));
                    if let Some(w) = self.weight_g.get_mut(b) {
                        *w = 0;
                    }
                    if let Some(w) = self.weight_g.get_mut(c) {
                        *w = weight_g;
                    }
                    break;
                }
                if !meter.left() {
                    return;
                }
            }
        }
    }

    /// For the most parcels: takes a placed parcel larger than the
    /// smallest ones left over out of its compartment, and accepts the
    /// change when the compartment then takes more of those left over.
    fn trade_for_smaller(&mut self, objective: Objective, meter: &mut Meter) {
        let left = self.left_over_smallest_first();
        let Some(&smallest) = left.first() else {
            return;
        };
        let smallest_volume = self
            .parcels
            .get(smallest)
            .map_or(0, |q| volume_u128(q.size));
        // Placed parcels, largest first.
        let mut placed: Vec<(Reverse<u128>, usize)> = (0..self.parcels.len())
            .filter(|&p| self.home.get(p).is_some_and(Option::is_some))
            .filter_map(|p| {
                self.parcels
                    .get(p)
                    .map(|q| (Reverse(volume_u128(q.size)), p))
            })
            .filter(|&(Reverse(v), _)| v > smallest_volume)
            .collect();
        crate::collections::sort::values(&mut placed);
        for (_, q) in placed {
            if !meter.left() {
                return;
            }
            let Some(Some(b)) = self.home.get(q).copied() else {
                continue;
            };
            let before = self.score(objective);
            let snapshot = self.clone();
            if !self.remove(b, q, meter) {
                continue;
            }
            // Atomic: the whole trade runs whatever the budget left, so a
            // larger budget passes through the same states.
            for p in self.left_over_smallest_first() {
                if p != q {
                    self.insert(b, p, true, meter);
                }
            }
            // The parcel taken out may still fit elsewhere.
            self.place_anywhere(q, objective, true, meter);
            if self.score(objective) <= before {
                *self = snapshot;
            }
        }
    }
}

/// What one `try_place` beside `held` boxes costs, in budget units: its
/// work grows with the boxes (and their extreme points) already there.
fn attempt_cost(held: usize) -> u64 {
    1 + u64::try_from(held / 4).unwrap_or(u64::MAX)
}

/// True when `parcel` may go into `bin` on its own: same zone, under the
/// shelf limit, and it fits the empty space.
fn admits(bin: &Bin, parcel: &Parcel) -> bool {
    bin.zone == parcel.zone
        && bin.max_weight_g.is_none_or(|max| parcel.weight_g <= max)
        && fits_empty(bin.space, parcel)
}

/// All of `parcels` packed afresh into `bin`: the greedy orders, then the
/// exact search for a few; `None` when neither places them all.
fn repack(bin: &Bin, parcels: &[Parcel], meter: &mut Meter) -> Option<Packing> {
    if parcels.len() > REPACK_MAX {
        return None;
    }
    // Three greedy orders, each placing up to `n` boxes beside up to `n`.
    let cost: u64 = (0..parcels.len()).map(attempt_cost).sum();
    meter.charge(cost.saturating_mul(3));
    let result = pack(bin.space, parcels);
    if result.unplaced.is_empty() {
        return Some(result.packing);
    }
    if parcels.len() > EXACT_MAX {
        return None;
    }
    let exact = pack_exact(bin.space, parcels, EXACT_NODES);
    meter.charge(exact.nodes);
    (exact.outcome == ExactOutcome::Packed).then_some(exact.packing)
}

/// The construction order: largest first (by volume, then longest side).
/// For the most parcels, the smallest parcels whose total volume is at
/// most `share_per_mille` ‰ of the compartments' are offered first (the
/// largest of them first), then the rest, smallest first.
fn base_order(
    bins: &[Bin],
    parcels: &[Parcel],
    objective: Objective,
    share_per_mille: u128,
) -> Vec<usize> {
    let key = |i: usize| {
        parcels.get(i).map(|p| {
            let mut sides = p.size.sides();
            crate::collections::sort::values(&mut sides);
            (volume_u128(p.size), sides[2])
        })
    };
    let mut order: Vec<usize> = (0..parcels.len()).collect();
    crate::collections::sort::by_key(&mut order, |&i| (Reverse(key(i)), i));
    if objective != Objective::MostParcels {
        return order;
    }
    let room: u128 = bins.iter().map(|b| volume_u128(b.space)).sum();
    let room = room / 1000 * share_per_mille;
    let mut total: u128 = 0;
    let mut first = 0;
    for &i in order.iter().rev() {
        total = total.saturating_add(key(i).map_or(0, |(v, _)| v));
        if total > room {
            break;
        }
        first += 1;
    }
    let (large, small) = order.split_at(order.len() - first);
    let mut chosen: Vec<usize> = small.to_vec();
    chosen.extend(large.iter().rev());
    chosen
}

/// The shares of the compartments' volume, per mille, the most-parcels
/// search builds a greedy start for (the first is the greedy alone's).
const SHARES_PER_MILLE: [u128; 6] = [900, 850, 950, 800, 1000, 750];

/// A few swaps of parcels at most a few places apart.
fn perturb(order: &mut [usize], rng: &mut Mix) {
    let n = order.len();
    if n < 2 {
        return;
    }
    let swaps = 1 + rng.below(n.min(16));
    for _ in 0..swaps {
        let i = rng.below(n);
        let j = (i + 1 + rng.below(4)).min(n - 1);
        order.swap(i, j);
    }
}
