//! Blocks for exact fills of many parcels: parcels merged two by two where
//! they share a whole face, so the exact fill of [`super::fill`] searches
//! a few dozen blocks instead of a hundred or more parcels.
//!
//! A load cut from whole compartments by guillotine cuts is a tree; the
//! two sides of its last cuts are parcels with one face in common, and
//! merging them gives the box they were cut from. Any two boxes merged
//! across a common face are themselves a packing of that box, so a block
//! is always sound; what can go wrong is only a merge the load's fill
//! does not contain, which the fill then fails on.
//!
//! Which merges to make is judged from the load itself:
//!
//! - a merge is *confirmed* when the box it makes is a whole compartment,
//!   or shares a face (with room for both) with another block or with
//!   another merge: a cut from a larger box leaves that box's other part
//!   somewhere in the load, an accidental match seldom does;
//! - a block's *options* are its confirmed merges. Two blocks that are
//!   each other's only option are merged first, unless one of them would
//!   also fit beside a merge of two other blocks (its real match may be
//!   a box not yet merged): on loads cut from three bins by halving
//!   counts these merges were right in 22,206 of 22,208 cases measured,
//!   and on the authors' own class 9 rule, without that exception, seven
//!   loads in thirty at n = 150 had a wrong one. Otherwise merges are
//!   ranked by how often their kind of options was right (see [`rank`]);
//!   one of the best kind is chosen in a seeded order, now and then one
//!   of the best few kinds, so attempts with different seeds make
//!   different guesses.
//!
//! Merging stops at [`BLOCKS_TARGET`] blocks, when no confirmed merge is
//! left, when the budget is spent, or (without a generator) at the first
//! choice. Blocks are merged as declared (a block keeps each parcel's
//! own orientation, and two faces match only across the same axis) or,
//! for parcels that may turn, however they turn: two faces match when
//! their sides match in either order, and a block records how its second
//! part turned into the first's axes, so a block placed turned turns
//! every parcel with it (a box tiled by cuts across whole faces is still
//! so tiled turned, so the support rule holds either way). A merge never
//! makes a block that does not fit the compartment (as declared, or
//! turned some way); the caller checks that every parcel fits so.

use alloc::vec::Vec;

use super::search::Mix;
use crate::parcel::Parcel;

/// Merging stops at this many blocks: the exact fill closes a load of
/// this many pieces in a few thousand nodes when its merges were right.
pub(super) const BLOCKS_TARGET: usize = 45;

/// One in this many choices that are not forced picks among the best few
/// kinds of merge instead of the best alone, so attempts differ more.
const DETOUR_ONE_IN: usize = 3;

/// How many of the best kinds of merge a detour picks from.
const DETOUR_KINDS: usize = 3;

/// Why [`Blocks::merge`] stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Stop {
    /// [`BLOCKS_TARGET`] blocks are left.
    Target,
    /// No confirmed merge is left.
    Merged,
    /// The budget is spent (also when a step was cut short by it).
    Budget,
    /// Only a choice is left, and no generator was given to make it.
    Guess,
}

/// What [`choose`] found.
enum Choice {
    Merge(Pair),
    Guess,
    None,
}

/// A box of parcels: one parcel as declared, or two blocks side by side.
#[derive(Clone, Copy, Debug)]
enum Parts {
    Parcel(usize),
    /// `low` at the block's corner in the block's own axes, `high` after
    /// it along `axis`, its axis `high_axes[k]` along the block's axis
    /// `k` (the block's own order when parcels keep their declared turn).
    Pair {
        low: usize,
        high: usize,
        axis: usize,
        high_axes: [usize; 3],
    },
}

#[derive(Clone, Copy, Debug)]
struct Block {
    extent: [u32; 3],
    weight_g: u64,
    parts: Parts,
}

/// Parcels merged into blocks: every block ever made, and those in use.
#[derive(Clone)]
pub(super) struct Blocks {
    blocks: Vec<Block>,
    live: Vec<usize>,
    turned: bool,
}

/// A possible merge of live blocks `low` and `high` (positions in
/// `live`), `high`'s axis `high_axis` along `low`'s `low_axis`, into a
/// box of `extent` (in `low`'s axes).
#[derive(Clone, Copy)]
struct Pair {
    low: usize,
    high: usize,
    low_axis: usize,
    high_axis: usize,
    extent: [u32; 3],
}

/// What two faces have in common and what fits: faces as declared (the
/// axis and the other two sides) or, for blocks that may turn, the other
/// two sides in either order.
#[derive(Clone, Copy)]
struct Rules {
    space: [u32; 3],
    sorted_space: [u32; 3],
    turned: bool,
}

impl Rules {
    fn new(space: [u32; 3], turned: bool) -> Self {
        let mut sorted_space = space;
        sorted_space.sort_unstable();
        Self {
            space,
            sorted_space,
            turned,
        }
    }

    /// The face of `extent` across `axis`, as a key of faces alike.
    fn key(&self, extent: [u32; 3], axis: usize) -> (usize, u32, u32) {
        let (axis, a, b) = face(extent, axis);
        if self.turned {
            (0, a.min(b), a.max(b))
        } else {
            (axis, a, b)
        }
    }

    /// Whether a box of face `key` and `length` across it fits the
    /// compartment (turned as it may, for blocks that may turn).
    fn fits(&self, key: (usize, u32, u32), length: u32) -> bool {
        let (axis, a, b) = key;
        if self.turned {
            let mut sides = [a, b, length];
            sides.sort_unstable();
            sides
                .iter()
                .zip(&self.sorted_space)
                .all(|(s, room)| s <= room)
        } else {
            self.space.get(axis).is_some_and(|&room| length <= room)
        }
    }

    /// Whether `extent` is a whole compartment.
    fn whole(&self, extent: [u32; 3]) -> bool {
        if self.turned {
            let mut sides = extent;
            sides.sort_unstable();
            sides == self.sorted_space
        } else {
            extent == self.space
        }
    }
}

/// The face of `extent` across `axis`: the axis and the other two sides.
fn face(extent: [u32; 3], axis: usize) -> (usize, u32, u32) {
    let [a, b] = match axis {
        0 => [extent[1], extent[2]],
        1 => [extent[0], extent[2]],
        _ => [extent[0], extent[1]],
    };
    (axis, a, b)
}

impl Blocks {
    /// The parcels, each its own block (declared sides), merged as
    /// declared.
    pub(super) fn of(parcels: &[Parcel]) -> Self {
        Self::with_turns(parcels, false)
    }

    /// The parcels, each its own block, merged where two faces match
    /// however either block turns (for parcels without "this side up").
    pub(super) fn turned(parcels: &[Parcel]) -> Self {
        Self::with_turns(parcels, true)
    }

    fn with_turns(parcels: &[Parcel], turned: bool) -> Self {
        let blocks: Vec<Block> = parcels
            .iter()
            .enumerate()
            .map(|(i, p)| Block {
                extent: p.size.sides(),
                weight_g: u64::from(p.weight_g),
                parts: Parts::Parcel(i),
            })
            .collect();
        let live = (0..blocks.len()).collect();
        Self {
            blocks,
            live,
            turned,
        }
    }

    /// Whether blocks were merged however they turn (and may be placed
    /// so).
    pub(super) const fn may_turn(&self) -> bool {
        self.turned
    }

    /// The live blocks' sides and weights, in order.
    pub(super) fn live(&self) -> impl Iterator<Item = ([u32; 3], u64)> + '_ {
        self.live
            .iter()
            .filter_map(|&b| self.blocks.get(b))
            .map(|b| (b.extent, b.weight_g))
    }

    /// How many blocks are live.
    pub(super) fn len(&self) -> usize {
        self.live.len()
    }

    /// Merges blocks (see the [module](self)) until [`BLOCKS_TARGET`] are
    /// left or no confirmed merge is, within `nodes` (spent ones are taken
    /// off), and says why it stopped. The choices that are not forced
    /// follow `rng`; without one, merging stops at the first such choice
    /// (the forced start every guess shares).
    pub(super) fn merge(
        &mut self,
        space: [u32; 3],
        mut rng: Option<&mut Mix>,
        nodes: &mut u64,
    ) -> Stop {
        loop {
            if self.live.len() <= BLOCKS_TARGET {
                return Stop::Target;
            }
            if *nodes == 0 {
                return Stop::Budget;
            }
            let extents = self.extents();
            // A node a block indexed, a pair found and a face compared:
            // 1.3 to 1.7 times the time of a node of the fill each.
            let indexed = u64::try_from(extents.len()).unwrap_or(u64::MAX);
            *nodes = nodes.saturating_sub(indexed.saturating_add(1));
            let rules = Rules::new(space, self.turned);
            let blocks_by_face = by_face(extents.iter().copied(), rules, true);
            let pairs = pairs(&blocks_by_face, &extents, rules, nodes);
            let pairs_by_face = by_face(pairs.iter().map(|p| p.extent), rules, false);
            let confirmed = confirmed(&pairs, &blocks_by_face, &pairs_by_face, rules, nodes);
            // Not for blocks merged however they turn: there it cost loads
            // (class 9 turned at random, n = 100: 6 → 2 of 30 filled).
            let beside = if self.turned {
                alloc::vec![false; extents.len()]
            } else {
                beside_a_pair(&extents, &pairs, &pairs_by_face, rules, nodes)
            };
            if *nodes == 0 {
                // Cut short: the options counted may be too few.
                return Stop::Budget;
            }
            match choose(&confirmed, &beside, rng.as_deref_mut()) {
                Choice::Merge(chosen) => self.join(chosen),
                Choice::Guess => return Stop::Guess,
                Choice::None => return Stop::Merged,
            }
        }
    }

    fn extents(&self) -> Vec<[u32; 3]> {
        self.live
            .iter()
            .map(|&b| self.blocks.get(b).map_or([0; 3], |b| b.extent))
            .collect()
    }

    /// Merges `pair` into a new live block.
    fn join(&mut self, pair: Pair) {
        let (Some(&low), Some(&high)) = (self.live.get(pair.low), self.live.get(pair.high)) else {
            return;
        };
        let weight_g = [low, high]
            .iter()
            .filter_map(|&b| self.blocks.get(b))
            .map(|b| b.weight_g)
            .sum();
        let (Some(low_block), Some(high_block)) = (self.blocks.get(low), self.blocks.get(high))
        else {
            return;
        };
        let high_axes = matched_axes(
            low_block.extent,
            pair.low_axis,
            high_block.extent,
            pair.high_axis,
        );
        self.blocks.push(Block {
            extent: pair.extent,
            weight_g,
            parts: Parts::Pair {
                low,
                high,
                axis: pair.low_axis,
                high_axes,
            },
        });
        self.live.retain(|&b| b != low && b != high);
        self.live.push(self.blocks.len() - 1);
    }

    /// The parcels of live block `position` placed with its corner at
    /// `corner` and its axis `axes[k]` along axis `k` (`[0, 1, 2]` as it
    /// was made): `(parcel, corner, sides)` each.
    pub(super) fn parcels_of(
        &self,
        position: usize,
        corner: [u32; 3],
        axes: [usize; 3],
    ) -> Vec<(usize, [u32; 3], [u32; 3])> {
        let mut out = Vec::new();
        let mut stack: Vec<(usize, [u32; 3], [usize; 3])> = self
            .live
            .get(position)
            .map(|&b| (b, corner, axes))
            .into_iter()
            .collect();
        while let Some((b, at, axes)) = stack.pop() {
            let Some(block) = self.blocks.get(b) else {
                continue;
            };
            match block.parts {
                Parts::Parcel(parcel) => {
                    let sides = axes.map(|k| block.extent.get(k).copied().unwrap_or(0));
                    out.push((parcel, at, sides));
                }
                Parts::Pair {
                    low,
                    high,
                    axis,
                    high_axes,
                } => {
                    let mut after = at;
                    if let Some(along) = axes.iter().position(|&k| k == axis) {
                        let low_length = self.blocks.get(low).map_or(0, |b| b.extent[axis]);
                        after[along] = after[along].saturating_add(low_length);
                    }
                    let axes_of_high = axes.map(|k| high_axes.get(k).copied().unwrap_or(k));
                    stack.push((high, after, axes_of_high));
                    stack.push((low, at, axes));
                }
            }
        }
        out
    }
}

/// A face, the length across it and what has it: a block's position or a
/// pair's index, times three, plus the axis across the face.
type FaceOf = ((usize, u32, u32), u32, usize);

/// The box of a [`FaceOf`]'s last part and the axis across its face.
const fn box_and_axis(of: usize) -> (usize, usize) {
    (of / 3, of % 3)
}

/// The faces of boxes of `extents` (with `skip_whole`, those that are not
/// whole compartments), each with the length across it and the box and
/// axis, sorted (shortest first within a face, so a scan for a box that
/// fits beside another stops at the first too long). A face a box has
/// twice (two sides alike, when blocks may turn) is listed once.
fn by_face(extents: impl Iterator<Item = [u32; 3]>, rules: Rules, skip_whole: bool) -> Vec<FaceOf> {
    let mut faces: Vec<FaceOf> = Vec::new();
    for (index, extent) in extents.enumerate() {
        if skip_whole && rules.whole(extent) {
            continue;
        }
        let start = faces.len();
        for axis in 0..3 {
            let entry = (rules.key(extent, axis), extent[axis], index * 3 + axis);
            let seen = faces
                .get(start..)
                .is_some_and(|own| own.iter().any(|f| (f.0, f.1) == (entry.0, entry.1)));
            if !seen {
                faces.push(entry);
            }
        }
    }
    crate::collections::sort::unstable_by_key(&mut faces, |&f| f);
    faces
}

/// The axes of a block `high` merged after `low` along `low`'s
/// `low_axis` with its own `high_axis`: `high`'s axis along each of
/// `low`'s (its other two matched by length).
fn matched_axes(low: [u32; 3], low_axis: usize, high: [u32; 3], high_axis: usize) -> [usize; 3] {
    let others = |axis: usize| [(axis + 1) % 3, (axis + 2) % 3];
    let [low_first, low_second] = others(low_axis);
    let [high_first, high_second] = others(high_axis);
    let mut axes = [0, 1, 2];
    axes[low_axis] = high_axis;
    if low.get(low_first) == high.get(high_first) && low.get(low_second) == high.get(high_second) {
        axes[low_first] = high_first;
        axes[low_second] = high_second;
    } else {
        axes[low_first] = high_second;
        axes[low_second] = high_first;
    }
    axes
}

/// The entries of sorted `faces` with face `key`.
fn with_face(faces: &[FaceOf], key: (usize, u32, u32)) -> &[FaceOf] {
    let start = faces.partition_point(|f| f.0 < key);
    let len = faces
        .get(start..)
        .map_or(0, |rest| rest.partition_point(|f| f.0 == key));
    faces.get(start..start + len).unwrap_or(&[])
}

/// Every pair of live blocks of `extents` (indexed `by_face`) that fit
/// together across a face, neither a whole compartment already; a node
/// of `nodes` a pair (none once they are spent).
fn pairs(by_face: &[FaceOf], extents: &[[u32; 3]], rules: Rules, nodes: &mut u64) -> Vec<Pair> {
    let mut pairs = Vec::new();
    for group in by_face.chunk_by(|a, b| a.0 == b.0) {
        for (k, &(key, low_length, low_of)) in group.iter().enumerate() {
            let (low, low_axis) = box_and_axis(low_of);
            for &(_, high_length, high_of) in group.get(k + 1..).unwrap_or(&[]) {
                // Sorted by length: the rest are longer still.
                // A sum past `u32::MAX` fits no compartment.
                let total = low_length.checked_add(high_length);
                if !total.is_some_and(|total| rules.fits(key, total)) || *nodes == 0 {
                    break;
                }
                *nodes -= 1;
                let (high, high_axis) = box_and_axis(high_of);
                let Some(&low_extent) = extents.get(low).filter(|_| high != low) else {
                    continue;
                };
                let mut extent = low_extent;
                extent[low_axis] += high_length;
                pairs.push(Pair {
                    low,
                    high,
                    low_axis,
                    high_axis,
                    extent,
                });
            }
        }
    }
    pairs
}

/// The pairs that are confirmed (see the [module](self)), for blocks
/// indexed `blocks_by_face`; a node of `nodes` a face compared (none
/// confirmed once they are spent).
fn confirmed(
    pairs: &[Pair],
    blocks_by_face: &[FaceOf],
    pairs_by_face: &[FaceOf],
    rules: Rules,
    nodes: &mut u64,
) -> Vec<Pair> {
    let mut out = Vec::new();
    for pair in pairs {
        let own = [pair.low, pair.high];
        let mut found = rules.whole(pair.extent);
        for (axis, &length_here) in pair.extent.iter().enumerate() {
            if found || *nodes == 0 {
                break;
            }
            let key = rules.key(pair.extent, axis);
            let fits = |length: u32| {
                length_here
                    .checked_add(length)
                    .is_some_and(|total| rules.fits(key, total))
            };
            for &(_, length, of) in with_face(blocks_by_face, key) {
                if !fits(length) || *nodes == 0 {
                    break;
                }
                *nodes -= 1;
                if !own.contains(&box_and_axis(of).0) {
                    found = true;
                    break;
                }
            }
            for &(_, length, of) in with_face(pairs_by_face, key) {
                if found || !fits(length) || *nodes == 0 {
                    break;
                }
                *nodes -= 1;
                found = pairs
                    .get(box_and_axis(of).0)
                    .is_some_and(|other| !own.contains(&other.low) && !own.contains(&other.high));
            }
        }
        if found {
            out.push(*pair);
        }
    }
    out
}

/// For each block of `extents`, whether it fits across a face beside a
/// possible merge of two other blocks (`pairs`, indexed `pairs_by_face`):
/// the box it was cut from may then be it and a part not yet merged, so
/// an only option it has among blocks is no proof. Measured on class 9
/// loads cut by the authors' rule (n = 150, seeds 1–30): seven loads in
/// thirty had a block from one bin forced onto one from another (in the
/// one looked at closely, each block's real match was a pair not yet
/// merged); with this check none had. A node of `nodes` a face
/// compared.
fn beside_a_pair(
    extents: &[[u32; 3]],
    pairs: &[Pair],
    pairs_by_face: &[FaceOf],
    rules: Rules,
    nodes: &mut u64,
) -> Vec<bool> {
    let mut beside = alloc::vec![false; extents.len()];
    for (block, (&extent, flag)) in extents.iter().zip(beside.iter_mut()).enumerate() {
        if rules.whole(extent) {
            continue;
        }
        for (axis, &length_here) in extent.iter().enumerate() {
            if *flag {
                break;
            }
            let key = rules.key(extent, axis);
            for &(_, length, of) in with_face(pairs_by_face, key) {
                let fits = length_here
                    .checked_add(length)
                    .is_some_and(|total| rules.fits(key, total));
                if !fits || *nodes == 0 {
                    break;
                }
                *nodes -= 1;
                if pairs
                    .get(box_and_axis(of).0)
                    .is_some_and(|p| p.low != block && p.high != block)
                {
                    *flag = true;
                    break;
                }
            }
        }
    }
    beside
}

/// How likely a merge of blocks with `(fewer, more)` options is right,
/// as a rank (lower first), then the kind itself. Measured on loads cut
/// from three bins (n = 100–200, each merge chosen at random among right
/// ones): blocks with as many options as each other are often identical
/// or stacked (2 and 2: 10 % wrong), a block with one option beside one
/// with a few is less often so (1 and 2 or 3: 13 %), unequal counts
/// seldom right (2 and 3: 64 %). (Whether the face has a side as long as
/// the compartment's also tells, 6 % against 19 % wrong in the second
/// tier, but ranking by it filled no more loads.)
fn rank((fewer, more): (usize, usize)) -> (u8, usize, usize) {
    let tier = match (fewer, more) {
        (2, 2) => 0,
        (1, 2 | 3) => 1,
        (3, 3) | (1, 4 | 5) => 2,
        (a, b) if a == b => 3,
        (1, _) => 4,
        _ => 5,
    };
    (tier, fewer, more)
}

/// The merge to make among `confirmed` (of the live blocks, one flag
/// each in `beside_a_pair`): the first pair of blocks that are each
/// other's only option, neither beside a merge of two other blocks, or
/// else one chosen
/// by rank (see the [module](self)) with `rng` ([`Choice::Guess`] when
/// there is none); [`Choice::None`] when nothing is confirmed.
fn choose(confirmed: &[Pair], beside_a_pair: &[bool], rng: Option<&mut Mix>) -> Choice {
    let mut options = alloc::vec![0_usize; beside_a_pair.len()];
    for pair in confirmed {
        for block in [pair.low, pair.high] {
            if let Some(count) = options.get_mut(block) {
                *count += 1;
            }
        }
    }
    let kind = |pair: &Pair| {
        let a = options.get(pair.low).copied().unwrap_or(usize::MAX);
        let b = options.get(pair.high).copied().unwrap_or(usize::MAX);
        (a.min(b), a.max(b))
    };
    let sure = |block: usize| beside_a_pair.get(block) == Some(&false);
    if let Some(&forced) = confirmed
        .iter()
        .find(|p| kind(p) == (1, 1) && sure(p.low) && sure(p.high))
    {
        return Choice::Merge(forced);
    }
    let rank_of = |pair: &Pair| rank(kind(pair));
    let mut kinds: Vec<(u8, usize, usize)> = confirmed.iter().map(rank_of).collect();
    crate::collections::sort::values(&mut kinds);
    kinds.dedup();
    let Some(&best) = kinds.first() else {
        return Choice::None;
    };
    let Some(rng) = rng else {
        return Choice::Guess;
    };
    // A detour picks among the best few kinds, the best included.
    let detour = rng.below(DETOUR_ONE_IN) == 0;
    let wanted = |pair: &&Pair| {
        if detour {
            kinds.iter().take(DETOUR_KINDS).any(|&k| k == rank_of(pair))
        } else {
            rank_of(pair) == best
        }
    };
    let pool: Vec<&Pair> = confirmed.iter().filter(wanted).collect();
    pool.get(rng.below(pool.len()))
        .map_or(Choice::None, |&&pair| Choice::Merge(pair))
}
