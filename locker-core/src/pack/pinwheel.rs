//! Pinwheels: five parcels that fill a box only without a guillotine cut.
//!
//! Martello, Pisinger and Vigo's generator of all-fill loads (class 9)
//! cuts each bin into halves of the count, and a box that must become
//! exactly five items it cuts as a pinwheel: two equal parcels `a`, two
//! equal parcels `b` and a centre `c`, all as deep as the box, laid round
//! the centre so that no cut crosses the box. The exact fill of
//! [`super::fill`] grows guillotine packings only, so it can never place
//! them; here they are found among the parcels (as declared) and each five
//! become one *piece*, a box the fill places like a parcel and which is
//! then laid out as the pinwheel again.
//!
//! In the plane of two axes `p` and `q` (the third, `r`, the common
//! depth), with `a` longer along `p` than `b` and `b` longer along `q`
//! than `a`, the box is `a_p + b_p` by `a_q + b_q`, and
//!
//! ```text
//!  q
//!  ^  +------+-------------+
//!  |  |      |     a       |
//!  |  |  b   +------+------+
//!  |  |      |  c   |      |
//!  |  +------+------+  b   |
//!  |  |     a       |      |
//!  |  +-------------+------+
//!  +------------------------> p
//! ```
//!
//! the centre being `a_p − b_p` by `b_q − a_q`. Every base rests wholly on
//! the tops below it whichever axis is up (each part's base meets the
//! floor, or tops of parts that reach exactly as high, across its whole
//! base), so the support rule holds; every packing is checked anyway.
//! Five parcels match so by chance very seldom: two pairs of equal
//! parcels and a third whose sides are their differences. A wrong match
//! only costs the fill of pieces its share of the budget.
//!
//! Parcels are matched as declared first, and the piece keeps their axes
//! (a parcel that keeps its top up turns only as the piece may). When
//! none match so, those that may turn are matched however they turn: a
//! load declared turned shares no sides as declared.

use alloc::vec::Vec;

use super::fill::Placed;
use crate::geometry::Dimensions;
use crate::ids::ParcelId;
use crate::parcel::Parcel;

/// One of a pinwheel's parcels: its index, and its corner and sides in
/// the piece's own axes.
type Part = (usize, [u32; 3], [u32; 3]);

/// What a piece holds: one parcel, or a pinwheel's five.
#[derive(Clone, Debug)]
enum Members {
    Parcel(usize),
    Wheel([Part; 5]),
}

/// Parcels alike not yet in a pinwheel: their sides (as declared, or
/// shortest first for parcels matched however they turn).
struct Alike {
    sides: [u32; 3],
    left: Vec<usize>,
}

/// The parcels of a load with every pinwheel found made one piece.
pub(super) struct Pinwheels {
    /// Each piece as a parcel: its sides, its parcels' weight, kept top
    /// up when one of them must be.
    pub(super) pieces: Vec<Parcel>,
    members: Vec<Members>,
}

/// The orders of three axes.
const ORDERS: [[usize; 3]; 6] = [
    [0, 1, 2],
    [0, 2, 1],
    [1, 0, 2],
    [1, 2, 0],
    [2, 0, 1],
    [2, 1, 0],
];

impl Pinwheels {
    /// The pieces of `parcels` for compartments of `space`, or `None`
    /// when no five of them make a pinwheel whose box fits some way.
    /// Parcels are matched as declared first (the piece keeps their
    /// axes, so a parcel that keeps its top up still does); when none
    /// match so, those that may turn are matched however they turn.
    pub(super) fn find(space: [u32; 3], parcels: &[Parcel]) -> Option<Self> {
        let mut wheels: Vec<[Part; 5]> = Vec::new();
        let mut declared = group(parcels, (0..parcels.len()).collect(), false);
        for [p, q, r] in [[1, 2, 0], [2, 0, 1], [0, 1, 2]] {
            // The piece in the parcels' own axes.
            let frame = [p, q, r];
            for (a, b) in pairs(&declared) {
                while let Some(wheel) =
                    take_wheel(&mut declared, (a, frame), (b, frame), frame, false, space)
                {
                    wheels.push(wheel);
                }
            }
        }
        // However they turn only when none matched as declared: a load
        // declared as cut matches as declared, and its other parcels match
        // turned only by chance (on class 9 loads of 100 that lost one in
        // thirty).
        let (may_turn, kept): (Vec<usize>, Vec<usize>) = declared
            .iter()
            .flat_map(|alike| alike.left.iter().copied())
            .partition(|&i| wheels.is_empty() && parcels.get(i).is_some_and(|p| !p.this_side_up));
        let mut turned = group(parcels, may_turn, true);
        for (a, b) in pairs(&turned) {
            for a_frame in ORDERS {
                for b_frame in ORDERS {
                    while let Some(wheel) = take_wheel(
                        &mut turned,
                        (a, a_frame),
                        (b, b_frame),
                        [0, 1, 2],
                        true,
                        space,
                    ) {
                        wheels.push(wheel);
                    }
                }
            }
        }
        if wheels.is_empty() {
            return None;
        }
        let mut pieces = Vec::new();
        let mut members = Vec::new();
        let left = turned.iter().flat_map(|alike| alike.left.iter().copied());
        for index in kept.into_iter().chain(left) {
            pieces.push(*parcels.get(index)?);
            members.push(Members::Parcel(index));
        }
        for wheel in wheels {
            let mut extent = [0_u32; 3];
            let mut weight_g = 0_u32;
            let mut this_side_up = false;
            for &(index, corner, sides) in &wheel {
                let parcel = parcels.get(index)?;
                for k in 0..3 {
                    extent[k] = extent[k].max(corner[k] + sides[k]);
                }
                // Five whose weights overflow a parcel's: no pieces.
                weight_g = weight_g.checked_add(parcel.weight_g)?;
                this_side_up |= parcel.this_side_up;
            }
            let first = parcels.get(wheel[0].0)?;
            let [w, d, h] = extent;
            let id = ParcelId(u64::try_from(pieces.len()).unwrap_or(u64::MAX));
            pieces.push(Parcel {
                id,
                size: Dimensions::new(w, d, h),
                weight_g,
                this_side_up,
                ..*first
            });
            members.push(Members::Wheel(wheel));
        }
        Some(Self { pieces, members })
    }
    /// The fill `placed` of the pieces as a fill of the parcels: each
    /// pinwheel laid out in its piece as the piece was placed (turned,
    /// when it was).
    pub(super) fn expand(&self, parcels: &[Parcel], placed: Vec<Placed>) -> Option<Vec<Placed>> {
        let mut out = Vec::with_capacity(parcels.len());
        for piece in placed {
            match self.members.get(piece.parcel)? {
                Members::Parcel(index) => out.push(Placed {
                    parcel: *index,
                    ..piece
                }),
                Members::Wheel(wheel) => {
                    let own = self.pieces.get(piece.parcel)?.size.sides();
                    let axes = super::fill::axes_onto(own, piece.extent)?;
                    for &(index, corner, sides) in wheel {
                        let mut at = piece.corner;
                        for k in 0..3 {
                            at[k] += corner[axes[k]];
                        }
                        out.push(Placed {
                            compartment: piece.compartment,
                            corner: at,
                            parcel: index,
                            extent: axes.map(|k| sides[k]),
                        });
                    }
                }
            }
        }
        Some(out)
    }
}

/// The pairs of groups of at least two parcels each (a pinwheel takes two
/// of each of its long parts), a group with itself too.
fn pairs(groups: &[Alike]) -> Vec<(usize, usize)> {
    let twos: Vec<usize> = (0..groups.len())
        .filter(|&g| groups.get(g).is_some_and(|alike| alike.left.len() >= 2))
        .collect();
    twos.iter()
        .flat_map(|&a| twos.iter().map(move |&b| (a, b)))
        .collect()
}

/// `indices` of `parcels` grouped by their sides: as declared, or (with
/// `turned`) shortest first.
fn group(parcels: &[Parcel], indices: Vec<usize>, turned: bool) -> Vec<Alike> {
    let mut groups: Vec<Alike> = Vec::new();
    for index in indices {
        let Some(parcel) = parcels.get(index) else {
            continue;
        };
        let mut sides = parcel.size.sides();
        if turned {
            sides.sort_unstable();
        }
        match groups.iter_mut().find(|alike| alike.sides == sides) {
            Some(alike) => alike.left.push(index),
            None => groups.push(Alike {
                sides,
                left: alloc::vec![index],
            }),
        }
    }
    groups
}

/// Takes one pinwheel from `groups`, if there are parcels enough and its
/// box fits `space` some way: two of group `a` and two of group `b`, each
/// read in its frame (the sides along `p`, `q` and the common depth `r`:
/// `a` longer along `p`, `b` along `q`), and the centre their differences
/// leave; each with its corner and sides in the piece's axes, which put
/// `p`, `q` and `r` along `piece_axes`. Groups are of sides as declared,
/// or shortest first when `turned`.
fn take_wheel(
    groups: &mut [Alike],
    (a, a_frame): (usize, [usize; 3]),
    (b, b_frame): (usize, [usize; 3]),
    piece_axes: [usize; 3],
    turned: bool,
    space: [u32; 3],
) -> Option<[Part; 5]> {
    let framed = |group: usize, frame: [usize; 3]| {
        groups
            .get(group)
            .map(|alike| frame.map(|axis| alike.sides[axis]))
    };
    let [a_p, a_q, depth] = framed(a, a_frame)?;
    let [b_p, b_q, b_depth] = framed(b, b_frame)?;
    if depth != b_depth || a_p <= b_p || b_q <= a_q {
        return None;
    }
    // Sides along p, q and r as sides in the piece's axes.
    let in_piece = |along: [u32; 3]| {
        let mut sides = [0; 3];
        for (k, &axis) in piece_axes.iter().enumerate() {
            sides[axis] = along[k];
        }
        sides
    };
    let centre_sides = in_piece([a_p - b_p, b_q - a_q, depth]);
    let extent = [a_p.checked_add(b_p)?, a_q.checked_add(b_q)?, depth];
    let (mut box_sides, mut space_sides) = (extent, space);
    box_sides.sort_unstable();
    space_sides.sort_unstable();
    if box_sides.iter().zip(&space_sides).any(|(e, s)| e > s) {
        return None;
    }
    let centre_key = if turned {
        let mut key = centre_sides;
        key.sort_unstable();
        key
    } else {
        centre_sides
    };
    let c = groups.iter().position(|alike| alike.sides == centre_key)?;
    let needed = |group: usize| [a, a, b, b, c].iter().filter(|&&g| g == group).count();
    if [a, b, c].iter().any(|&g| {
        groups
            .get(g)
            .is_none_or(|alike| alike.left.len() < needed(g))
    }) {
        return None;
    }
    let mut pop = |group: usize| groups.get_mut(group).and_then(|alike| alike.left.pop());
    let a_sides = in_piece([a_p, a_q, depth]);
    let b_sides = in_piece([b_p, b_q, depth]);
    Some([
        (pop(a)?, in_piece([0, 0, 0]), a_sides),
        (pop(b)?, in_piece([a_p, 0, 0]), b_sides),
        (pop(a)?, in_piece([b_p, b_q, 0]), a_sides),
        (pop(b)?, in_piece([0, a_q, 0]), b_sides),
        (pop(c)?, in_piece([b_p, a_q, 0]), centre_sides),
    ])
}
