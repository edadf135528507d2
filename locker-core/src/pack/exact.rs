//! An exact search for a few parcels in one compartment: it finds a
//! packing of all of them, proves that none exists, or says the node
//! budget ran out first.
//!
//! # The search
//!
//! The greedy [`super::pack`] runs first; when it places everything, the
//! answer is its packing. Otherwise the search places boxes one at a time
//! at *candidate points*: every point `(x, y, z)` whose `x` is 0 or the
//! right side of a box already placed, whose `y` is 0 or the back of one,
//! and whose `z` is 0 or the top of one, and that no box covers. A node
//! takes the open candidate points in the order of height, then depth, then
//! width; at each one it tries every parcel not yet placed in every allowed
//! orientation (largest parcels first), and only then gives the point up
//! ("closes" it) and moves to the next. A box must lie inside the space,
//! overlap nothing and be supported (see the module docs of
//! [`super`]): every packing found passes [`Packing::check`].
//!
//! # When the parcels fill the space exactly
//!
//! When their volume equals the space's, every packing leaves no gap, and
//! then the lowest, frontmost, leftmost point no box covers is always the
//! corner of the box that covers it (any other corner of that box would be
//! a point lower, further front or further left and not yet covered). The
//! search then tries only that first point and never closes one, and
//! still misses no packing: in particular it re-packs any set of boxes cut
//! from the space by guillotine cuts (or any cuts at all). Running out of
//! nodes there without a packing proves none exists.
//!
//! # Pruning
//!
//! - **Bounds first**: a parcel that fits the empty space in no allowed
//!   orientation, a total volume above the space's, or a lower bound
//!   ([`super::lower_bound`]) above one compartment answers
//!   [`ExactOutcome::Impossible`] before any search.
//! - **Symmetry**: identical parcels (same size and same "this side up")
//!   are placed in input order, and orientations that give the same
//!   extent are tried once.
//! - **Dead points**: a point where no remaining parcel fits inside the
//!   space in any allowed orientation is skipped without a node.
//!
//! # Budget
//!
//! Every box tried at a point costs one node, including those refused for
//! overlap or support. The search runs in a fixed, deterministic order and
//! stops when the budget is spent, keeping the best packing found so far
//! (most parcels, then most volume); the greedy packing is the first such
//! incumbent. A larger budget runs the same sequence further, so it never
//! gives a worse answer.

use alloc::vec::Vec;
use core::cmp::Reverse;

use super::extreme_point::{Cuboid, is_supported};
use super::{Placement, Position, fits_empty, lower_bound, pack, volume_u128};
use crate::geometry::{Dimensions, Orientation};
use crate::parcel::Parcel;

use super::Packing;

/// The most parcels the search takes on; with more, [`pack_exact`] gives
/// the greedy packing with [`ExactOutcome::BudgetSpent`] (or
/// [`ExactOutcome::Impossible`] when a bound proves it). Candidate points
/// grow with the cube of the number of boxes, so the search is meant for
/// the handful that share one compartment.
pub const MAX_EXACT_PARCELS: usize = 16;

/// What [`pack_exact`] found out.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[non_exhaustive]
pub enum ExactOutcome {
    /// Every parcel is placed.
    Packed,
    /// No packing of all the parcels exists: a parcel fits nowhere, the
    /// volume or a lower bound rules it out, or the parcels fill the space
    /// exactly and the complete search found nothing.
    Impossible,
    /// The node budget ran out before an answer.
    BudgetSpent,
    /// The search ended without a packing, but it does not try every
    /// packing when the parcels leave gaps, so this proves nothing.
    NotFound,
}

/// The answer of [`pack_exact`]: what was found out, the best packing
/// found (every parcel when [`ExactOutcome::Packed`]; otherwise the most
/// parcels, then the most volume, never fewer than the greedy places), and
/// the nodes spent.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub struct ExactResult {
    /// Packed, impossible, or not decided.
    pub outcome: ExactOutcome,
    /// The best packing found.
    pub packing: Packing,
    /// The nodes (boxes tried at a point) the search spent.
    pub nodes: u64,
}

/// Packs all of `parcels` into one usable `space` if it can be done, with
/// at most `max_nodes` search nodes; see the module docs of this search
/// ([`ExactOutcome`] says what the answer means).
///
/// Deterministic; never panics, whatever the sizes; a parcel with a zero
/// side makes the answer [`ExactOutcome::Impossible`].
#[must_use]
pub fn pack_exact(space: Dimensions, parcels: &[Parcel], max_nodes: u64) -> ExactResult {
    let greedy = pack(space, parcels).packing;
    let answer = |outcome, packing, nodes| ExactResult {
        outcome,
        packing,
        nodes,
    };
    if greedy.placements().len() == parcels.len() {
        return answer(ExactOutcome::Packed, greedy, 0);
    }
    let total_volume = parcels
        .iter()
        .map(|p| volume_u128(p.size))
        .fold(0, u128::saturating_add);
    let space_volume = volume_u128(space);
    if parcels.iter().any(|p| !fits_empty(space, p))
        || total_volume > space_volume
        || lower_bound(space, parcels) > 1
    {
        return answer(ExactOutcome::Impossible, greedy, 0);
    }
    if parcels.len() > MAX_EXACT_PARCELS {
        return answer(ExactOutcome::BudgetSpent, greedy, 0);
    }
    let mut search = Search::new(space, parcels, total_volume == space_volume, max_nodes);
    search.best_volume = greedy.used_volume_u128();
    search.best_count = greedy.placements().len();
    let found = search.descend();
    let nodes = search.nodes;
    let outcome = match found {
        Step::Found => ExactOutcome::Packed,
        Step::OutOfNodes => ExactOutcome::BudgetSpent,
        Step::Exhausted if search.exact_fill => ExactOutcome::Impossible,
        Step::Exhausted => ExactOutcome::NotFound,
    };
    // The search only keeps placements that passed the same tests as the
    // greedy's; rebuilding checks the geometry once more.
    let packing = match search.best {
        Some(placements) => Packing::from_placements(space, placements).unwrap_or(greedy),
        None => greedy,
    };
    let outcome = if outcome == ExactOutcome::Packed && packing.placements().len() != parcels.len()
    {
        ExactOutcome::NotFound
    } else {
        outcome
    };
    answer(outcome, packing, nodes)
}

/// The search of [`pack_exact`] alone, without its greedy start and its
/// L2 bound: every parcel packed into `space`, its placements in the order
/// of `parcels`, or `None` (impossible,
/// not found, or budget spent). For consolidation in firmware, where the
/// greedy orders and the bound would add tens of KiB of code for a door
/// of a few parcels; deterministic, and never panics.
pub(crate) fn repack_exact(
    space: Dimensions,
    parcels: &[Parcel],
    max_nodes: u64,
) -> Option<Packing> {
    let total_volume = parcels
        .iter()
        .map(|p| volume_u128(p.size))
        .fold(0, u128::saturating_add);
    let space_volume = volume_u128(space);
    if parcels.len() > MAX_EXACT_PARCELS
        || parcels.iter().any(|p| !fits_empty(space, p))
        || total_volume > space_volume
    {
        return None;
    }
    let mut search = Search::new(space, parcels, total_volume == space_volume, max_nodes);
    if search.descend() != Step::Found {
        return None;
    }
    // In the order of `parcels`, as a compartment's contents list them.
    let mut placements = search.best?;
    insertion_sort_by_key(&mut placements, |placement| {
        parcels.iter().position(|p| p.id == placement.parcel)
    });
    let packing = Packing::from_placements(space, placements).ok()?;
    (packing.placements().len() == parcels.len()).then_some(packing)
}

/// How a subtree ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Step {
    /// Every parcel is placed.
    Found,
    /// The budget ran out.
    OutOfNodes,
    /// Every branch was tried.
    Exhausted,
}

/// One parcel as the search sees it.
struct Item<'a> {
    parcel: &'a Parcel,
    /// The distinct extents of its allowed orientations that fit the space.
    extents: Vec<(Orientation, Dimensions)>,
    /// The earlier identical item, which must be placed first.
    twin_of: Option<usize>,
}

struct Search<'a> {
    space: Dimensions,
    items: Vec<Item<'a>>,
    placed_flags: Vec<bool>,
    placed: Vec<Placement>,
    /// Points given up in the current branch.
    closed: Vec<[u64; 3]>,
    /// The parcels fill the space exactly (see the module docs).
    exact_fill: bool,
    nodes: u64,
    max_nodes: u64,
    best: Option<Vec<Placement>>,
    best_count: usize,
    best_volume: u128,
}

impl<'a> Search<'a> {
    fn new(space: Dimensions, parcels: &'a [Parcel], exact_fill: bool, max_nodes: u64) -> Self {
        let mut order: Vec<&Parcel> = parcels.iter().collect();
        // Largest first: they have the fewest places to go.
        insertion_sort_by_key(&mut order, |p| {
            let mut sides = p.size.sides();
            crate::collections::sort::values(&mut sides);
            (
                core::cmp::Reverse(volume_u128(p.size)),
                core::cmp::Reverse(sides),
            )
        });
        let mut items: Vec<Item<'a>> = Vec::with_capacity(order.len());
        for parcel in order {
            let mut extents: Vec<(Orientation, Dimensions)> = Vec::new();
            for &orientation in Orientation::allowed(parcel.this_side_up) {
                let extent = parcel.size.oriented(orientation);
                if extent.fits_within(space) && !extents.iter().any(|&(_, e)| e == extent) {
                    extents.push((orientation, extent));
                }
            }
            let twin_of = items.iter().rposition(|item| {
                item.parcel.size == parcel.size && item.parcel.this_side_up == parcel.this_side_up
            });
            items.push(Item {
                parcel,
                extents,
                twin_of,
            });
        }
        let n = items.len();
        Self {
            space,
            items,
            placed_flags: alloc::vec![false; n],
            placed: Vec::with_capacity(n),
            closed: Vec::new(),
            exact_fill,
            nodes: 0,
            max_nodes,
            best: None,
            best_count: 0,
            best_volume: 0,
        }
    }

    /// Per axis, 0 and the far sides of the boxes placed that lie inside
    /// the space, sorted: the coordinates candidate points take.
    fn axis_values(&self) -> [Vec<u64>; 3] {
        let s = super::wide(self.space);
        let mut axes: [Vec<u64>; 3] = [alloc::vec![0], alloc::vec![0], alloc::vec![0]];
        for placement in &self.placed {
            let c = Cuboid::of(placement);
            for (axis, values) in axes.iter_mut().enumerate() {
                if c.hi[axis] < s[axis] {
                    values.push(c.hi[axis]);
                }
            }
        }
        for values in &mut axes {
            insertion_sort_by_key(values, |&v| v);
            values.dedup();
        }
        axes
    }

    /// The open candidate points, sorted by (z, y, x).
    fn candidates(&self) -> Vec<[u64; 3]> {
        let [xs, ys, zs] = &self.axis_values();
        let mut points = Vec::new();
        for &z in zs {
            for &y in ys {
                for &x in xs {
                    let point = [x, y, z];
                    let covered = self.placed.iter().any(|p| Cuboid::of(p).contains(point));
                    if !covered && !self.closed.contains(&point) && self.any_fits_at(point) {
                        points.push(point);
                    }
                }
            }
        }
        points
    }

    /// The lowest, frontmost, leftmost candidate point no box covers.
    fn first_uncovered(&self) -> Option<[u64; 3]> {
        let [xs, ys, zs] = &self.axis_values();
        for &z in zs {
            for &y in ys {
                for &x in xs {
                    let point = [x, y, z];
                    if !self.placed.iter().any(|p| Cuboid::of(p).contains(point)) {
                        return Some(point);
                    }
                }
            }
        }
        None
    }

    /// In an exact fill, the free run from `point` along each axis (to the
    /// nearest box in the way, or the wall) is exactly covered by boxes
    /// still to place, each crossing it once: so its length must be a sum
    /// of sides of distinct remaining parcels (each in some allowed
    /// orientation). False when some run is not.
    fn runs_can_be_filled(&self, point: [u64; 3]) -> bool {
        let runs = self.runs(point);
        (0..3).all(|axis| self.is_side_sum(axis, runs[axis]))
    }

    /// The free run from `point` along each axis: the distance to the
    /// nearest box in the way, or to the wall.
    fn runs(&self, point: [u64; 3]) -> [u64; 3] {
        let s = super::wide(self.space);
        let mut runs = [0; 3];
        for (axis, run) in runs.iter_mut().enumerate() {
            let mut end = s[axis];
            for placement in &self.placed {
                let c = Cuboid::of(placement);
                let in_line = (0..3)
                    .filter(|&k| k != axis)
                    .all(|k| c.lo[k] <= point[k] && point[k] < c.hi[k]);
                if in_line && c.lo[axis] >= point[axis] {
                    end = end.min(c.lo[axis]);
                }
            }
            *run = end.saturating_sub(point[axis]);
        }
        runs
    }

    /// True when `run` is a sum of one side (along `axis`, over allowed
    /// orientations) of each of some distinct remaining parcels.
    fn is_side_sum(&self, axis: usize, run: u64) -> bool {
        let Ok(run) = usize::try_from(run) else {
            return true;
        };
        if run == 0 || run > MAX_RUN_BITS {
            // Too long to track: assume it can (the test only prunes).
            return run != 0;
        }
        let words = run / 64 + 1;
        let mut reach = [0_u64; MAX_RUN_BITS / 64 + 1];
        reach[0] = 1;
        for (item, _) in self
            .items
            .iter()
            .zip(&self.placed_flags)
            .filter(|(_, placed)| !**placed)
        {
            let before = reach;
            let mut sides: [usize; 6] = [0; 6];
            let mut count = 0;
            for &(_, extent) in &item.extents {
                let side = usize::try_from(extent.sides()[axis]).unwrap_or(usize::MAX);
                if side <= run && !sides[..count].contains(&side) {
                    sides[count] = side;
                    count += 1;
                }
            }
            for &side in &sides[..count] {
                shift_or(&mut reach[..words], &before[..words], side);
            }
            if reach[run / 64] >> (run % 64) & 1 == 1 {
                return true;
            }
        }
        false
    }

    /// True when some remaining parcel fits inside the space with its
    /// corner at `point` (overlap not considered).
    fn any_fits_at(&self, point: [u64; 3]) -> bool {
        let s = super::wide(self.space);
        self.items
            .iter()
            .zip(&self.placed_flags)
            .filter(|(_, placed)| !**placed)
            .any(|(item, _)| {
                item.extents.iter().any(|&(_, e)| {
                    let e = super::wide(e);
                    point[0] + e[0] <= s[0] && point[1] + e[1] <= s[1] && point[2] + e[2] <= s[2]
                })
            })
    }

    fn record_incumbent(&mut self) {
        let count = self.placed.len();
        let volume = self
            .placed
            .iter()
            .map(|p| volume_u128(p.extent))
            .fold(0, u128::saturating_add);
        if (count, volume) > (self.best_count, self.best_volume) {
            self.best_count = count;
            self.best_volume = volume;
            self.best = Some(self.placed.clone());
        }
    }

    /// Depth-first search from the current partial packing.
    fn descend(&mut self) -> Step {
        if self.placed.len() == self.items.len() {
            self.record_incumbent();
            return Step::Found;
        }
        if self.exact_fill {
            // Only the first point no box covers can take the next box,
            // and the free runs from it must be exactly filled.
            return match self.first_uncovered() {
                Some(point) if self.runs_can_be_filled(point) => self.try_point(point),
                _ => Step::Exhausted,
            };
        }
        let points = self.candidates();
        let closed_before = self.closed.len();
        let mut step = Step::Exhausted;
        for point in points {
            step = self.try_point(point);
            if step != Step::Exhausted || self.exact_fill {
                // With no gap possible, the first point must hold a corner.
                break;
            }
            self.closed.push(point);
        }
        self.closed.truncate(closed_before);
        step
    }

    /// Tries every remaining parcel, in every extent, at `point`.
    fn try_point(&mut self, point: [u64; 3]) -> Step {
        for (index, orientation, extent) in self.branches(point) {
            if self.nodes >= self.max_nodes {
                return Step::OutOfNodes;
            }
            self.nodes += 1;
            let (Some(position), Some(item)) = (to_position(point), self.items.get(index)) else {
                continue;
            };
            let parcel_id = item.parcel.id;
            let cuboid = Cuboid::new(position, extent);
            if !cuboid.within(self.space)
                || self.placed.iter().any(|p| Cuboid::of(p).overlaps(&cuboid))
                || !is_supported(&self.placed, &cuboid)
            {
                continue;
            }
            self.placed.push(Placement {
                parcel: parcel_id,
                position,
                orientation,
                extent,
            });
            if let Some(flag) = self.placed_flags.get_mut(index) {
                *flag = true;
            }
            self.record_incumbent();
            let step = self.descend();
            self.placed.pop();
            if let Some(flag) = self.placed_flags.get_mut(index) {
                *flag = false;
            }
            if step != Step::Exhausted {
                return step;
            }
        }
        Step::Exhausted
    }

    /// The boxes to try at `point`, in order: every remaining parcel
    /// (an identical one only after its twin) in every extent. In an exact
    /// fill, extents longer than a free run are left out (they would
    /// overlap), and boxes that fill more runs exactly come first, largest
    /// first among equals; otherwise the parcels' order, largest first.
    fn branches(&self, point: [u64; 3]) -> Vec<(usize, Orientation, Dimensions)> {
        let runs = self.exact_fill.then(|| self.runs(point));
        let mut keyed: Vec<(Reverse<usize>, usize, usize, Orientation, Dimensions)> = Vec::new();
        for (index, item) in self.items.iter().enumerate() {
            let placed = |i: usize| self.placed_flags.get(i).copied().unwrap_or(true);
            if placed(index) || item.twin_of.is_some_and(|twin| !placed(twin)) {
                continue;
            }
            for (rank, &(orientation, extent)) in item.extents.iter().enumerate() {
                let e = super::wide(extent);
                let snug = match runs {
                    Some(runs) if (0..3).any(|k| e[k] > runs[k]) => continue,
                    Some(runs) => (0..3).filter(|&k| e[k] == runs[k]).count(),
                    None => 0,
                };
                keyed.push((Reverse(snug), index, rank, orientation, extent));
            }
        }
        insertion_sort_by_key(&mut keyed, |&(snug, index, rank, _, _)| (snug, index, rank));
        keyed
            .into_iter()
            .map(|(_, index, _, orientation, extent)| (index, orientation, extent))
            .collect()
    }
}

/// The longest run, in millimetres, whose sums [`Search::is_side_sum`]
/// tracks (a bit per millimetre); longer runs are assumed fillable.
const MAX_RUN_BITS: usize = 8_192;

/// `target |= source << shift`, over bit arrays of equal length.
fn shift_or(target: &mut [u64], source: &[u64], shift: usize) {
    let (words, bits) = (shift / 64, shift % 64);
    for i in (words..target.len()).rev() {
        let low = source.get(i - words).copied().unwrap_or(0);
        let mut value = low << bits;
        if bits > 0 && i > words {
            value |= source.get(i - words - 1).copied().unwrap_or(0) >> (64 - bits);
        }
        if let Some(t) = target.get_mut(i) {
            *t |= value;
        }
    }
}

/// A stable sort for the few items the search orders (at most
/// [`MAX_EXACT_PARCELS`] parcels, six extents each): an insertion sort is
/// as fast there and keeps the firmware image small, where each
/// instantiation of the library's sorts adds kilobytes.
fn insertion_sort_by_key<T, K: Ord>(items: &mut [T], key: impl Fn(&T) -> K) {
    for i in 1..items.len() {
        let mut j = i;
        while j > 0 && key(&items[j - 1]) > key(&items[j]) {
            items.swap(j - 1, j);
            j -= 1;
        }
    }
}

fn to_position(point: [u64; 3]) -> Option<Position> {
    Some(Position::new(
        u32::try_from(point[0]).ok()?,
        u32::try_from(point[1]).ok()?,
        u32::try_from(point[2]).ok()?,
    ))
}
