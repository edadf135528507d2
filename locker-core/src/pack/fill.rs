//! Exact fills: parcels whose volume is exactly that of `count`
//! identical compartments, each compartment filled with no gap, by a
//! search over guillotine packings grown from a corner.
//!
//! A packing made by guillotine cuts (each cut splits a box in two across
//! one axis) is a tree. Mirroring the two sides of a cut keeps it a
//! packing, so any parcel of a box can be brought to the box's corner,
//! and the box is then that parcel grown by one *region* after another,
//! each a box across the whole face grown so far, itself filled the same
//! way. The search fills a compartment so: the largest parcel left at
//! the corner, then regions along the axes until the box is the
//! compartment; a region's corner parcel is its largest parcel (parcels
//! of a region are never larger than its corner's), and a box never
//! grows twice in a row along one axis (the two regions are one). A
//! region must leave, on each axis it must fill exactly, a gap that
//! lengths of the parcels left can sum to. Depth first, within a node
//! budget (one node a parcel tried). Every base rests entirely on the
//! tops below it, so the support rule holds.
//!
//! Parcels are tried as declared first: a load cut from whole
//! compartments is often declared as cut, and one orientation a parcel
//! makes the search far smaller. A load of more than
//! [`super::merge::BLOCKS_TARGET`] parcels is then tried as blocks (see
//! [`super::merge`]): from a hundred parcels the search seldom finds
//! which belong together, from a few dozen blocks it does (blocks as
//! declared, or, for a load declared turned, blocks merged and placed
//! however their parcels turn). A fill of
//! blocks that closes a first compartment but not the others keeps it,
//! and the rest of the load is filled on its own (one wrong merge spoils
//! only its own compartment). Then every orientation each parcel may
//! take, with the rest of the budget. Five parcels laid round a centre
//! (a pinwheel) fill a box no guillotine packing fills; they are found
//! before the search and placed as one box (see [`super::pinwheel`]).
//!
//! This is what the extreme-point heuristic and the local search of
//! [`super::pack_into`] cannot do: an exact fill of 17–67 boxes a
//! compartment (Martello, Pisinger and Vigo's class 9 cuts three bins so)
//! has no slack, and one parcel out of its place leaves a gap nothing
//! fills.

use alloc::vec::Vec;
use core::cmp::Reverse;

use super::{Placement, Position, volume_u128};
use crate::geometry::{Dimensions, Orientation};
use crate::parcel::Parcel;

/// The most parcels searched. The search recurses a few calls deep per
/// parcel placed, about 1 KiB of stack each in an optimized build (a fill
/// of 200 needs 192 KiB, a test holds it to 512), so a build without
/// `std`, for a microcontroller's small stack, searches at most 16.
pub(super) const MAX_PARCELS: usize = if cfg!(feature = "std") { 200 } else { 16 };

/// The longest gap, in millimetres, the sums of lengths are checked for
/// (a bit set on the stack); a longer gap is let through unchecked.
const MAX_CHECKED_GAP_MM: usize = 64 * 64 - 1;

/// Words of the gap check's bit set shifted per node charged: about the
/// time of one parcel tried.
const WORDS_PER_NODE: usize = 64;

/// Parcels of one shape, as they may turn.
struct Shape {
    /// The distinct extents (width, depth, height) each may take.
    extents: Vec<[u32; 3]>,
    /// Its parcels (indices into the parcels); `left` of them unplaced.
    members: Vec<usize>,
    left: usize,
}

/// Parcel `parcel` placed at `corner` of compartment `compartment`.
#[derive(Clone)]
pub(super) struct Placed {
    pub(super) compartment: usize,
    pub(super) corner: [u32; 3],
    pub(super) parcel: usize,
    pub(super) extent: [u32; 3],
}

/// What a filled region calls with its size: true ends the search.
type Then<'c, 'p> = &'c mut dyn FnMut(&mut Search<'p>, [u32; 3]) -> bool;

struct Search<'p> {
    /// The pieces' weights in grams (a block's: its parcels').
    weights_g: &'p [u64],
    /// The compartments' shelf limits in grams, highest first.
    limits_g: &'p [u64],
    /// Largest first (by volume, then by sides).
    shapes: Vec<Shape>,
    placed: Vec<Placed>,
    compartment: usize,
    count: usize,
    space: [u32; 3],
    nodes_left: u64,
    /// The first compartment closed, once one is (`None` when not asked
    /// for, empty until then).
    first_closed: Option<Vec<Placed>>,
}

impl<'p> Search<'p> {
    fn shape_left(&self, s: usize) -> usize {
        self.shapes.get(s).map_or(0, |shape| shape.left)
    }

    fn take(&mut self, s: usize, taken: bool) {
        if let Some(shape) = self.shapes.get_mut(s) {
            if taken {
                shape.left -= 1;
            } else {
                shape.left += 1;
            }
        }
    }

    /// Fills a region at `corner` of at most `limit`, exactly `limit` on
    /// the `exact` axes, with shapes from `smallest_index` on (its corner
    /// parcel the largest; with `corner_shape_only`, of that shape); calls
    /// `then` with each size filled until it returns true.
    fn fill(
        &mut self,
        corner: [u32; 3],
        limit: [u32; 3],
        exact: [bool; 3],
        smallest_index: usize,
        corner_shape_only: bool,
        then: Then<'_, 'p>,
    ) -> bool {
        let mut choices: Vec<(Reverse<u128>, usize, [u32; 3])> = Vec::new();
        for s in smallest_index..self.shapes.len() {
            let Some(shape) = self.shapes.get(s) else {
                break;
            };
            if shape.left > 0 {
                for &extent in &shape.extents {
                    if extent.iter().zip(&limit).all(|(e, l)| e <= l) {
                        let [w, d, h] = extent.map(u128::from);
                        choices.push((Reverse(w * d * h), s, extent));
                    }
                }
            }
            if corner_shape_only {
                break;
            }
        }
        // Stable: a shape's extents keep their order.
        crate::collections::sort::by_key(&mut choices, |c| c.0);
        for (_, s, extent) in choices {
            if self.nodes_left == 0 {
                return false;
            }
            self.nodes_left -= 1;
            // The shape's members are placed in order.
            let Some(shape) = self.shapes.get(s) else {
                continue;
            };
            let Some(&parcel) = shape.members.get(shape.members.len() - shape.left) else {
                continue;
            };
            self.take(s, true);
            self.placed.push(Placed {
                compartment: self.compartment,
                corner,
                parcel,
                extent,
            });
            if self.grow(corner, extent, limit, exact, None, s, then) {
                return true;
            }
            self.placed.pop();
            self.take(s, false);
        }
        false
    }

    /// Grows the box of `size` at `corner` by regions until it is `limit`
    /// on the `exact` axes, calling `then` with each size it reaches so.
    #[allow(clippy::too_many_arguments)]
    fn grow(
        &mut self,
        corner: [u32; 3],
        size: [u32; 3],
        limit: [u32; 3],
        exact: [bool; 3],
        last_axis: Option<usize>,
        smallest_index: usize,
        then: Then<'_, 'p>,
    ) -> bool {
        let filled = (0..3).all(|j| !exact[j] || size[j] == limit[j]);
        if filled && then(self, size) {
            return true;
        }
        if self.nodes_left == 0 {
            return false;
        }
        for j in 0..3 {
            let gap = limit[j] - size[j];
            if exact[j] && gap > 0 && !self.closes(j, gap, limit, smallest_index) {
                return false;
            }
        }
        for axis in 0..3 {
            if Some(axis) == last_axis || size[axis] >= limit[axis] {
                continue;
            }
            let mut region_corner = corner;
            region_corner[axis] += size[axis];
            let mut region_limit = size;
            region_limit[axis] = limit[axis] - size[axis];
            let mut region_exact = [true; 3];
            region_exact[axis] = false;
            let found = self.fill(
                region_corner,
                region_limit,
                region_exact,
                smallest_index,
                false,
                &mut |search: &mut Self, region: [u32; 3]| {
                    let mut grown = size;
                    grown[axis] += region[axis];
                    search.grow(
                        corner,
                        grown,
                        limit,
                        exact,
                        Some(axis),
                        smallest_index,
                        &mut *then,
                    )
                },
            );
            if found {
                return true;
            }
            if self.nodes_left == 0 {
                return false;
            }
        }
        false
    }

    /// Whether the lengths along `axis` of parcels left (from
    /// `smallest_index` on, within `face` across it) can sum to `gap`.
    /// Charged to the budget as [`WORDS_PER_NODE`] words shifted a node.
    /// (Not inlined: its bit set stays off the frames of the recursion.)
    #[inline(never)]
    fn closes(&mut self, axis: usize, gap: u32, face: [u32; 3], smallest_index: usize) -> bool {
        let gap = gap as usize;
        if gap > MAX_CHECKED_GAP_MM {
            return true;
        }
        let words = gap / 64 + 1;
        let mut sums = [0_u64; 64];
        sums[0] = 1;
        let mut shifted_words = 0_usize;
        let mut reached = false;
        'shapes: for shape in self.shapes.get(smallest_index..).unwrap_or(&[]) {
            if shape.left == 0 {
                continue;
            }
            for extent in &shape.extents {
                if (0..3).any(|j| j != axis && extent[j] > face[j]) {
                    continue;
                }
                let step = extent[axis] as usize;
                if step == 0 || step > gap {
                    continue;
                }
                for _ in 0..shape.left.min(gap / step) {
                    add_shifted(&mut sums[..words], step);
                    shifted_words += words;
                }
                if sums[gap / 64] >> (gap % 64) & 1 == 1 {
                    reached = true;
                    break 'shapes;
                }
            }
        }
        let cost = u64::try_from(shifted_words / WORDS_PER_NODE).unwrap_or(u64::MAX);
        self.nodes_left = self.nodes_left.saturating_sub(cost);
        reached
    }

    /// Whether the compartments' loads, heaviest first, each stay within
    /// the limits, highest first: a fill that does not is no fill, and
    /// the search goes on (a check that costs no nodes, so a larger budget
    /// still visits the same nodes first).
    fn within_limits(&self) -> bool {
        let mut loads_g = alloc::vec![0_u64; self.count];
        for placed in &self.placed {
            let weight_g = self.weights_g.get(placed.parcel).copied().unwrap_or(0);
            if let Some(load) = loads_g.get_mut(placed.compartment) {
                *load = load.saturating_add(weight_g);
            }
        }
        crate::collections::sort::unstable_by(&mut loads_g, |a, b| b.cmp(a));
        loads_g
            .iter()
            .zip(self.limits_g)
            .all(|(load, limit)| load <= limit)
    }

    /// Fills the compartments from `self.compartment` on.
    fn fill_compartments(&mut self) -> bool {
        if self.compartment == self.count {
            return self.within_limits();
        }
        // Its largest parcel at the corner: the largest left.
        let Some(largest) = (0..self.shapes.len()).find(|&s| self.shape_left(s) > 0) else {
            return false;
        };
        let space = self.space;
        self.fill(
            [0; 3],
            space,
            [true; 3],
            largest,
            true,
            &mut |search: &mut Self, _| {
                if search.compartment == 0
                    && search.first_closed.as_ref().is_some_and(Vec::is_empty)
                {
                    search.first_closed = Some(search.placed.clone());
                }
                search.compartment += 1;
                if search.fill_compartments() {
                    return true;
                }
                search.compartment -= 1;
                false
            },
        )
    }
}

/// `sums |= sums << by` (by < 64 × `sums.len()`).
fn add_shifted(sums: &mut [u64], by: usize) {
    let (words, bits) = (by / 64, by % 64);
    for i in (words..sums.len()).rev() {
        let low = sums.get(i - words).copied().unwrap_or(0);
        let carry = match (bits, (i - words).checked_sub(1)) {
            (0, _) | (_, None) => 0,
            (_, Some(j)) => sums.get(j).map_or(0, |w| w >> (64 - bits)),
        };
        if let Some(word) = sums.get_mut(i) {
            *word |= (low << bits) | carry;
        }
    }
}

/// The parcels grouped by shape, largest first; each as declared only,
/// or turned every way it may. `None` when one fits no way.
fn shapes_of(space: [u32; 3], parcels: &[Parcel], declared_only: bool) -> Option<Vec<Shape>> {
    let mut order: Vec<usize> = (0..parcels.len()).collect();
    let key = |i: usize| {
        parcels.get(i).map(|p| {
            let mut sides = p.size.sides();
            crate::collections::sort::values(&mut sides);
            (Reverse(volume_u128(p.size)), Reverse(sides), p.this_side_up)
        })
    };
    crate::collections::sort::by_key(&mut order, |&i| (key(i), i));
    let mut shapes: Vec<Shape> = Vec::new();
    let mut extents_of: Vec<Vec<[u32; 3]>> = Vec::new();
    for index in order {
        let parcel = parcels.get(index)?;
        let turns: &[Orientation] = if declared_only {
            &[Orientation::Wdh]
        } else {
            Orientation::allowed(parcel.this_side_up)
        };
        let mut extents: Vec<[u32; 3]> = Vec::new();
        for &turn in turns {
            let extent = parcel.size.oriented(turn).sides();
            let fits = extent.iter().zip(&space).all(|(e, s)| e <= s);
            if fits && !extents.contains(&extent) {
                extents.push(extent);
            }
        }
        crate::collections::sort::values(&mut extents);
        if extents.is_empty() {
            return None;
        }
        if let Some(at) = extents_of.iter().position(|e| *e == extents) {
            let shape = shapes.get_mut(at)?;
            shape.members.push(index);
            shape.left += 1;
        } else {
            extents_of.push(extents.clone());
            shapes.push(Shape {
                extents,
                members: alloc::vec![index],
                left: 1,
            });
        }
    }
    Some(shapes)
}

/// Packs `parcels` into one compartment of `space` per shelf limit of
/// `limits_g` (grams, highest first), each filled exactly (see the
/// [module](self)) and within its limit, within `budget` nodes (what is
/// left is written back). `None` when their volume is not exactly that
/// of the compartments, there are more than [`MAX_PARCELS`], or no fill
/// is found within the budget. The compartments come heaviest first, to
/// go to the limits in their order; zone and handling are the caller's
/// to check.
///
/// The budget goes first to the parcels as declared, then (with `std`,
/// for loads of more than [`super::merge::BLOCKS_TARGET`]) to blocks of
/// them merged where they share a face (see [`super::merge`]), then what
/// is left to the parcels turned every way. The first two shares are
/// fixed parts of the whole and what they leave never shrinks as it
/// grows, so a larger budget searches a superset.
///
/// With `std`, when five parcels make a pinwheel (see
/// [`super::pinwheel`]), the stages run first on the load with each
/// pinwheel one piece (three quarters of the budget), then on the parcels
/// themselves (a quarter): both fixed shares of the whole.
pub(super) fn fill_exactly(
    space: Dimensions,
    parcels: &[Parcel],
    limits_g: &[u64],
    budget: &mut u64,
) -> Option<Vec<Vec<Placement>>> {
    let count = limits_g.len();
    let volume: u128 = parcels.iter().map(|p| volume_u128(p.size)).sum();
    let compartments = u128::try_from(count).ok()?;
    if count == 0
        || parcels.len() > MAX_PARCELS
        || volume != volume_u128(space).checked_mul(compartments)?
    {
        return None;
    }
    #[cfg(feature = "std")]
    if let Some(wheels) = super::pinwheel::Pinwheels::find(space.sides(), parcels) {
        // Fixed shares of the whole, so that a larger budget still
        // searches all a smaller one did: most to the pieces (a load cut
        // with pinwheels fills no other way), the rest to the parcels
        // themselves (five that matched a pinwheel by chance).
        let whole = *budget;
        let pieces_share = whole - whole / 4;
        let mut nodes = pieces_share.min(*budget);
        let before = nodes;
        let found = fill_in_stages(space, &wheels.pieces, limits_g, &mut nodes);
        let found = found.and_then(|placed| wheels.expand(parcels, placed));
        *budget -= before - nodes;
        if let Some(found) = found {
            return placements(parcels, count, &found);
        }
        let mut nodes = (whole / 4).min(*budget);
        let before = nodes;
        let found = fill_in_stages(space, parcels, limits_g, &mut nodes);
        *budget -= before - nodes;
        return placements(parcels, count, &found?);
    }
    let found = fill_in_stages(space, parcels, limits_g, budget)?;
    placements(parcels, count, &found)
}

/// The three stages of [`fill_exactly`] on `parcels` (already checked),
/// within `budget`.
fn fill_in_stages(
    space: Dimensions,
    parcels: &[Parcel],
    limits_g: &[u64],
    budget: &mut u64,
) -> Option<Vec<Placed>> {
    let weights_g: Vec<u64> = parcels.iter().map(|p| u64::from(p.weight_g)).collect();
    let whole = *budget;
    let (declared_share, blocks_share) = shares(whole, parcels.len());
    let mut spend = |share: u64, stage: &mut dyn FnMut(&mut u64) -> Option<Vec<Placed>>| {
        let mut nodes = share.min(*budget);
        let before = nodes;
        let found = stage(&mut nodes);
        *budget -= before - nodes;
        found
    };
    spend(declared_share, &mut |nodes| {
        run(space, parcels, &weights_g, limits_g, true, nodes, false).ok()
    })
    .or_else(|| {
        spend(blocks_share, &mut |nodes| {
            fill_by_blocks(space, parcels, limits_g, nodes)
        })
    })
    .or_else(|| {
        spend(u64::MAX, &mut |nodes| {
            run(space, parcels, &weights_g, limits_g, false, nodes, false).ok()
        })
    })
}

/// The nodes of `whole` for the parcels as declared and for blocks of
/// them, for a load of `parcel_count`: an eighth (rounded down) and three
/// quarters (what the eighths rounded down and up leave) when the load is
/// large enough to merge (a declared load of many parcels fills early or
/// not at all; blocks need many guesses), half and none when it is not.
/// Each share, and what both leave, grows with `whole`.
#[cfg(feature = "std")]
pub(super) const fn shares(whole: u64, parcel_count: usize) -> (u64, u64) {
    if parcel_count > super::merge::BLOCKS_TARGET {
        (whole / 8, whole - whole / 8 - whole.div_ceil(8))
    } else {
        (whole / 2, 0)
    }
}

/// Without `std` nothing is merged (a fill searches at most
/// [`MAX_PARCELS`]): half the budget goes to the parcels as declared.
#[cfg(not(feature = "std"))]
const fn shares(whole: u64, _parcel_count: usize) -> (u64, u64) {
    (whole / 2, 0)
}

/// Without `std` nothing is merged.
#[cfg(not(feature = "std"))]
const fn fill_by_blocks(
    _space: Dimensions,
    _parcels: &[Parcel],
    _limits_g: &[u64],
    _nodes: &mut u64,
) -> Option<Vec<Placed>> {
    None
}

/// One depth-first search for an exact fill of `parcels` (as declared,
/// or turned every way), within `nodes` (what is left is written back);
/// failing, the first compartment it closed when `keep_first` asks for
/// it.
pub(super) fn run(
    space: Dimensions,
    parcels: &[Parcel],
    weights_g: &[u64],
    limits_g: &[u64],
    declared_only: bool,
    nodes: &mut u64,
    keep_first: bool,
) -> Result<Vec<Placed>, Option<Vec<Placed>>> {
    let shapes = shapes_of(space.sides(), parcels, declared_only).ok_or(None)?;
    let mut search = Search {
        weights_g,
        limits_g,
        shapes,
        placed: Vec::new(),
        compartment: 0,
        count: limits_g.len(),
        space: space.sides(),
        nodes_left: *nodes,
        first_closed: keep_first.then(Vec::new),
    };
    let found = search.fill_compartments();
    *nodes = search.nodes_left;
    if found {
        Ok(search.placed)
    } else {
        Err(search.first_closed.filter(|first| !first.is_empty()))
    }
}

/// Nodes of one attempt's fill of blocks: a right guess of blocks fills
/// in a few thousand, so a wrong one gives way early to the next (also
/// the cap of the one fill of blocks the forced merges decide, on a load
/// that does not look declared as cut).
#[cfg(feature = "std")]
const NODES_PER_BLOCK_ATTEMPT: u64 = 30_000;

/// Blocks are guessed only when the forced merges joined at least one
/// pair in this many parcels: loads cut from compartments as declared
/// had one in five to one in three (as declared; loads declared turned
/// as many, merged however they turn). A load whose forced merges alone
/// reach [`super::merge::BLOCKS_TARGET`] looks cut however few they
/// were: one compartment cut into 49 parcels needs four (such loads,
/// given one attempt's nodes rather than the share, filled 122 of 200
/// within 1,000,000 nodes; 180 with the share, 172 with half of it). A
/// load of 46 declared turned reaches it so by one chance match in half
/// of cases, and then gives blocks that turn no nodes; measured with
/// 4,000,000 nodes, such loads (46 and 47 parcels, 100 each) filled 4
/// in 100 either way, and 4 and 3 before.
#[cfg(feature = "std")]
const FEWEST_FORCED_ONE_IN: usize = 10;

/// Exact fills of blocks (see [`super::merge`]), within `nodes`: one
/// fill when the forced merges decide every block (with the whole share
/// when the load looks cut, else [`NODES_PER_BLOCK_ATTEMPT`]), else one
/// seeded guess of blocks after another; the parcels' placements when
/// one fills, or when one closes a first compartment and the rest fills
/// (see [`fill_or_rest`]). Blocks are merged as declared first; a load
/// that does not look cut so (see [`NotCut`]: a load declared turned) is
/// merged again however its parcels turn, with what is left of `nodes`,
/// unless one must keep its top up. `None` when neither fills (at once
/// when a parcel fits no way).
#[cfg(feature = "std")]
pub(super) fn fill_by_blocks(
    space: Dimensions,
    parcels: &[Parcel],
    limits_g: &[u64],
    nodes: &mut u64,
) -> Option<Vec<Placed>> {
    fill_by_blocks_unless(space, parcels, limits_g, None, nodes)
}

/// [`fill_by_blocks`], giving up once `give_up_after` guesses in a row
/// were refuted (when given).
#[cfg(feature = "std")]
pub(super) fn fill_by_blocks_unless(
    space: Dimensions,
    parcels: &[Parcel],
    limits_g: &[u64],
    give_up_after: Option<usize>,
    nodes: &mut u64,
) -> Option<Vec<Placed>> {
    let mut guesses = Guesses {
        tried: alloc::collections::BTreeSet::new(),
        give_up_after,
    };
    match fill_by_blocks_as(space, parcels, limits_g, false, &mut guesses, nodes) {
        Ok(found) => found,
        // Few parcels share whole faces as declared (a load declared
        // turned, or one that fits only turned): blocks of parcels that
        // may turn, unless one must keep its top up.
        Err(NotCut) if parcels.iter().all(|p| !p.this_side_up) => {
            fill_by_blocks_as(space, parcels, limits_g, true, &mut guesses, nodes)
                .ok()
                .flatten()
        }
        Err(NotCut) => None,
    }
}

/// A load blocks as declared leave to blocks that turn: a parcel does
/// not fit as declared, nothing merges, or too little merges by force to
/// guess the rest (or, when the forced merges decided every block, their
/// one fill of [`NODES_PER_BLOCK_ATTEMPT`] nodes, and its rest, found
/// nothing).
#[cfg(feature = "std")]
struct NotCut;

/// What the guesses of blocks for one load share: the first compartments
/// tried (by both kinds of blocks: a rest of more than `BLOCKS_TARGET`
/// parcels is filled alike after either), and when to stop guessing.
#[cfg(feature = "std")]
struct Guesses {
    tried: alloc::collections::BTreeSet<(bool, Vec<usize>)>,
    /// Guessing stops after this many guesses in a row whose fill was
    /// refuted (searched through without closing a compartment); `None`:
    /// only when the nodes are spent.
    give_up_after: Option<usize>,
}

/// A rest of a load gives up after this many refuted guesses in a row:
/// its first compartment may join parts of different bins, and then no
/// guess fills the rest. Measured on class 9 loads (n = 150, seeds 1–30):
/// such a rest had 179 guesses refuted and none running out of nodes;
/// the rests of a whole bin at most 2 in a row. 40 filled 63 of 90 loads
/// at n = 150 (61 without) and 21 of 90 at n = 200 (21); 20 also gave
/// 63, and 40 given to whole loads too lost one at n = 200.
#[cfg(feature = "std")]
pub(super) const REFUTED_GUESSES_FOR_A_REST: usize = 40;

/// [`fill_by_blocks`] with blocks merged as declared or, with `turned`,
/// however parcels turn.
#[cfg(feature = "std")]
fn fill_by_blocks_as(
    space: Dimensions,
    parcels: &[Parcel],
    limits_g: &[u64],
    turned: bool,
    guesses: &mut Guesses,
    nodes: &mut u64,
) -> Result<Option<Vec<Placed>>, NotCut> {
    use super::merge::{Blocks, Stop};
    // Each parcel must fit as blocks keep it: as declared, or some way.
    shapes_of(space.sides(), parcels, !turned).ok_or(NotCut)?;
    let mut forced = if turned {
        Blocks::turned(parcels)
    } else {
        Blocks::of(parcels)
    };
    let stop = forced.merge(space.sides(), None, nodes);
    let merged = parcels.len() - forced.len();
    if stop == Stop::Budget {
        return Ok(None);
    }
    if merged == 0 {
        return Err(NotCut);
    }
    // Forced merges alone reaching the target are as telling, however few
    // were needed (a load just over it).
    let looks_cut = merged * FEWEST_FORCED_ONE_IN >= parcels.len() || stop == Stop::Target;
    // Guesses in a row whose fill closed no compartment and spent less
    // than the attempt's nodes (its set-up of a node a block included):
    // searched through, not cut short. (A guess closing a first
    // compartment already tried is not refuted: its blocks closed one.)
    let refuted_in_a_row = core::cell::Cell::new(0_usize);
    // One fill of blocks within `attempt_nodes`, and of the rest after a
    // first compartment it closed.
    let mut attempt = |blocks: &Blocks, attempt_nodes: u64, nodes: &mut u64| {
        let before = *nodes;
        let filled = fill_blocks(space, parcels, blocks, limits_g, attempt_nodes, nodes);
        let refuted = matches!(filled, Err(None)) && before - *nodes < attempt_nodes;
        refuted_in_a_row.set(if refuted {
            refuted_in_a_row.get() + 1
        } else {
            0
        });
        fill_or_rest(
            space,
            parcels,
            filled,
            limits_g,
            turned,
            &mut guesses.tried,
            nodes,
        )
    };
    if stop != Stop::Guess {
        // The forced merges decided every block: one fill of them, with
        // the whole share when the load looks cut.
        let attempt_nodes = if looks_cut {
            *nodes
        } else {
            NODES_PER_BLOCK_ATTEMPT
        };
        let found = attempt(&forced, attempt_nodes, nodes);
        // Too little merged by force for a load cut as declared: blocks
        // that turn may do better.
        return if found.is_none() && !looks_cut {
            Err(NotCut)
        } else {
            Ok(found)
        };
    }
    if !looks_cut {
        return Err(NotCut);
    }
    let mut rng = super::search::Mix(0);
    while *nodes > 0 {
        let mut blocks = forced.clone();
        blocks.merge(space.sides(), Some(&mut rng), nodes);
        if let Some(placed) = attempt(&blocks, NODES_PER_BLOCK_ATTEMPT, nodes) {
            return Ok(Some(placed));
        }
        if guesses
            .give_up_after
            .is_some_and(|limit| refuted_in_a_row.get() >= limit)
        {
            return Ok(None);
        }
    }
    Ok(None)
}

/// Nodes the rest of a load gets, once a fill of blocks closed a first
/// compartment but not the others: a fixed part, so that a larger budget
/// still runs every step a smaller one does. Measured on class 9 loads
/// (seeds 1–30, the default budget): 400,000 nodes filled 22 of 30 at
/// n = 150 and 3 at n = 200, 1,200,000 23 and 5, 2,000,000 24 and 5.
#[cfg(feature = "std")]
pub(super) const NODES_PER_REST: u64 = 2_000_000;

/// The fill of `filled` when it filled every compartment; else, when it
/// closed a first compartment not tried before (`tried` holds the sets of
/// parcels tried, marked when a small rest was searched turned), that
/// compartment with a fill of the rest of `parcels`
/// into the other compartments, within [`NODES_PER_REST`] of `nodes`: as
/// blocks when the rest is more than [`super::merge::BLOCKS_TARGET`]
/// parcels (giving up after [`REFUTED_GUESSES_FOR_A_REST`] guesses in a
/// row are refuted: the first compartment is then likely not one of the
/// load's), else parcel by parcel (turned every way they may when the
/// blocks were `turned`).
///
/// A fill of blocks fails when one merge of one compartment's parcels
/// went wrong; the compartments whose merges went right still close, and
/// without the first one's parcels the rest is a smaller load, merged
/// afresh, with fewer parcels that match by chance. Each rest has one
/// compartment fewer, so the rests nest at most one deep a compartment.
/// (When the forced merges decide every block of a load that looks cut,
/// their one fill takes the whole share, and a rest gets nodes only when
/// that fill gives up before spending it.)
#[cfg(feature = "std")]
pub(super) fn fill_or_rest(
    space: Dimensions,
    parcels: &[Parcel],
    filled: Result<Vec<Placed>, Option<Vec<Placed>>>,
    limits_g: &[u64],
    turned: bool,
    tried: &mut alloc::collections::BTreeSet<(bool, Vec<usize>)>,
    nodes: &mut u64,
) -> Option<Vec<Placed>> {
    let first = match filled {
        Ok(placed) => return Some(placed),
        Err(first) => first?,
    };
    let mut used: Vec<usize> = first.iter().map(|p| p.parcel).collect();
    crate::collections::sort::values(&mut used);
    let searched_turned = turned && parcels.len() - used.len() <= super::merge::BLOCKS_TARGET;
    if !tried.insert((searched_turned, used.clone())) {
        return None;
    }
    let load_g: u64 = used
        .iter()
        .filter_map(|&i| parcels.get(i))
        .map(|p| u64::from(p.weight_g))
        .sum();
    // The lowest limit the first compartment's load is within goes to it
    // (limits come highest first): if any assignment of the others holds,
    // this one does.
    let at = limits_g.iter().rposition(|&limit| load_g <= limit)?;
    let mut rest_limits_g = limits_g.to_vec();
    rest_limits_g.remove(at);
    let (rest_index, rest): (Vec<usize>, Vec<Parcel>) = parcels
        .iter()
        .enumerate()
        .filter(|(i, _)| used.binary_search(i).is_err())
        .map(|(i, p)| (i, *p))
        .unzip();
    let mut rest_nodes = NODES_PER_REST.min(*nodes);
    let before = rest_nodes;
    let found = if rest.len() > super::merge::BLOCKS_TARGET {
        fill_by_blocks_unless(
            space,
            &rest,
            &rest_limits_g,
            Some(REFUTED_GUESSES_FOR_A_REST),
            &mut rest_nodes,
        )
    } else {
        let weights_g: Vec<u64> = rest.iter().map(|p| u64::from(p.weight_g)).collect();
        run(
            space,
            &rest,
            &weights_g,
            &rest_limits_g,
            !turned,
            &mut rest_nodes,
            false,
        )
        .ok()
    };
    *nodes -= before - rest_nodes;
    let mut placed = first;
    for mut rest_placed in found? {
        rest_placed.compartment += 1;
        rest_placed.parcel = *rest_index.get(rest_placed.parcel)?;
        placed.push(rest_placed);
    }
    Some(placed)
}

/// One fill of `blocks` of `parcels`, within `attempt_nodes` of `nodes`
/// after a node a block for setting it up: the parcels' placements when
/// it fills, else those of the first compartment it closed, if any (when
/// there is more than one).
#[cfg(feature = "std")]
fn fill_blocks(
    space: Dimensions,
    parcels: &[Parcel],
    blocks: &super::merge::Blocks,
    limits_g: &[u64],
    attempt_nodes: u64,
    nodes: &mut u64,
) -> Result<Vec<Placed>, Option<Vec<Placed>>> {
    let (pieces, weights_g): (Vec<Parcel>, Vec<u64>) = blocks
        .live()
        .enumerate()
        .map(|(i, ([w, d, h], weight_g))| {
            let id = crate::ids::ParcelId(u64::try_from(i).unwrap_or(u64::MAX));
            (Parcel::new(id, Dimensions::new(w, d, h), 1), weight_g)
        })
        .unzip();
    let set_up = u64::try_from(pieces.len()).unwrap_or(u64::MAX).max(1);
    *nodes = nodes.saturating_sub(set_up);
    let mut attempt_nodes = attempt_nodes.min(*nodes);
    let before = attempt_nodes;
    let found = run(
        space,
        &pieces,
        &weights_g,
        limits_g,
        !blocks.may_turn(),
        &mut attempt_nodes,
        limits_g.len() > 1,
    );
    *nodes -= before - attempt_nodes;
    let expand = |placed: Vec<Placed>| {
        let mut expanded = Vec::with_capacity(parcels.len());
        for block in placed {
            let own = pieces.get(block.parcel)?.size.sides();
            let axes = axes_onto(own, block.extent)?;
            for (parcel, corner, extent) in blocks.parcels_of(block.parcel, block.corner, axes) {
                expanded.push(Placed {
                    compartment: block.compartment,
                    corner,
                    parcel,
                    extent,
                });
            }
        }
        Some(expanded)
    };
    match found {
        Ok(placed) => expand(placed).ok_or(None),
        Err(first) => Err(first.and_then(expand)),
    }
}

/// The six orders of three axes.
#[cfg(feature = "std")]
pub(super) const AXIS_ORDERS: [[usize; 3]; 6] = [
    [0, 1, 2],
    [0, 2, 1],
    [1, 0, 2],
    [1, 2, 0],
    [2, 0, 1],
    [2, 1, 0],
];

/// The axes of a box of sides `own` that put `turned` along each axis:
/// `own[axes[k]] == turned[k]`.
#[cfg(feature = "std")]
pub(super) fn axes_onto(own: [u32; 3], turned: [u32; 3]) -> Option<[usize; 3]> {
    AXIS_ORDERS
        .into_iter()
        .find(|axes| (0..3).all(|k| own.get(axes[k]) == turned.get(k)))
}

/// The placements of fill `placed` of `parcels`, by compartment (of
/// `count`), the heaviest first.
fn placements(parcels: &[Parcel], count: usize, placed: &[Placed]) -> Option<Vec<Vec<Placement>>> {
    let mut out: Vec<(u64, Vec<Placement>)> = (0..count).map(|_| (0, Vec::new())).collect();
    for placed in placed {
        let parcel = parcels.get(placed.parcel)?;
        // Parcels of one shape may be declared turned differently.
        let orientation = Orientation::allowed(parcel.this_side_up)
            .iter()
            .copied()
            .find(|&o| parcel.size.oriented(o).sides() == placed.extent)?;
        let [x, y, z] = placed.corner;
        let (load_g, placements) = out.get_mut(placed.compartment)?;
        *load_g += u64::from(parcel.weight_g);
        placements.push(Placement {
            parcel: parcel.id,
            position: Position::new(x, y, z),
            orientation,
            extent: parcel.size.oriented(orientation),
        });
    }
    // Stable: equal loads keep the order they were filled in.
    crate::collections::sort::by_key(&mut out, |(load_g, _)| Reverse(*load_g));
    Some(out.into_iter().map(|(_, placements)| placements).collect())
}
