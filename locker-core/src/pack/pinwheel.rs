//! Pinwheels: five parcels that fill a box only without a guillotine cut.
//!
//! Martello, Pisinger and Vigo's generator of all-fill loads (class 9)
//! cuts each bin into halves of the count, and a box that must become
//! exactly five items it cuts as a pinwheel: two equal parcels `a`, two
//! equal parcels `b` and a centre `c`, all as deep as the box, laid round
//! the centre so that no cut crosses the box. The exact fill of
//! [`super::fill`] grows guillotine packings only, so it can never place
//! them; here they are found among the parcels and each five
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
//! none match so, and the load is not declared as cut (fewer than three
//! in four parcels share a whole face with another as declared; any
//! load of a few dozen), those that may turn are matched however they
//! turn.

use alloc::vec::Vec;

use super::fill::{AXIS_ORDERS, Placed};
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

impl Pinwheels {
    /// The pieces of `parcels` for compartments of `space`, or `None`
    /// when no five of them make a pinwheel whose box fits some way.
    /// Parcels are matched as declared first (the piece keeps their
    /// axes, so a parcel that keeps its top up still does); when none
    /// match so in a load not declared as cut, those that may turn are
    /// matched however they turn.
    pub(super) fn find(space: [u32; 3], parcels: &[Parcel]) -> Option<Self> {
        let mut wheels: Vec<[Part; 5]> = Vec::new();
        let mut declared = group(parcels, (0..parcels.len()).collect(), false);
        for [p, q, r] in [[1, 2, 0], [2, 0, 1], [0, 1, 2]] {
            // The piece in the parcels' own axes.
            let frame = [p, q, r];
            for (a, b) in pairs(&declared) {
                while let Some(wheel) = take_wheel(
                    &mut declared,
                    (a, frame),
                    (b, frame),
                    frame,
                    false,
                    space,
                    parcels,
                ) {
                    wheels.push(wheel);
                }
            }
        }
        // However they turn only when none matched as declared, and in a
        // load of many only when it is not declared as cut: its parcels
        // would match turned only by chance (on class 9 loads of 100 and
        // 150 that lost one and two in thirty).
        let match_turned =
            wheels.is_empty() && (parcels.len() <= FEW_PARCELS || !declared_as_cut(parcels));
        let (may_turn, kept): (Vec<usize>, Vec<usize>) = declared
            .iter()
            .flat_map(|alike| alike.left.iter().copied())
            .partition(|&i| match_turned && parcels.get(i).is_some_and(|p| !p.this_side_up));
        let mut turned = group(parcels, may_turn, true);
        for (a, b) in pairs(&turned) {
            for a_frame in AXIS_ORDERS {
                for b_frame in AXIS_ORDERS {
                    while let Some(wheel) = take_wheel(
                        &mut turned,
                        (a, a_frame),
                        (b, b_frame),
                        [0, 1, 2],
                        true,
                        space,
                        parcels,
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

/// Loads of up to this many parcels are matched turned whenever none
/// matched as declared: among few parcels, faces are shared as declared
/// by chance too often to tell (a compartment cut into two pinwheels of
/// five, turned at random, was taken for one declared as cut).
const FEW_PARCELS: usize = 45;

/// Whether at least three in four of `parcels` share a whole face with
/// another as declared. Class 9 loads declared as cut did so 85–100 %
/// (20 loads each of 50 to 200 parcels), the same loads declared turned
/// at random 16–59 %.
fn declared_as_cut(parcels: &[Parcel]) -> bool {
    // (axis across the face, the face's two sides, parcel).
    let mut faces: Vec<(usize, u32, u32, usize)> = Vec::with_capacity(3 * parcels.len());
    for (index, parcel) in parcels.iter().enumerate() {
        let sides = parcel.size.sides();
        for axis in 0..3 {
            faces.push((axis, sides[(axis + 1) % 3], sides[(axis + 2) % 3], index));
        }
    }
    crate::collections::sort::values(&mut faces);
    let mut sharing = alloc::vec![false; parcels.len()];
    for pair in faces.windows(2) {
        if let [
            (axis, first, second, one),
            (next_axis, next_first, next_second, other),
        ] = *pair
            && (axis, first, second) == (next_axis, next_first, next_second)
            && one != other
        {
            for index in [one, other] {
                if let Some(flag) = sharing.get_mut(index) {
                    *flag = true;
                }
            }
        }
    }
    4 * sharing.iter().filter(|&&shares| shares).count() >= 3 * parcels.len()
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
/// or shortest first when `turned`. A piece holding one of `parcels` that
/// keeps its top up must fit upright (turned about the vertical only).
fn take_wheel(
    groups: &mut [Alike],
    (a, a_frame): (usize, [usize; 3]),
    (b, b_frame): (usize, [usize; 3]),
    piece_axes: [usize; 3],
    turned: bool,
    space: [u32; 3],
    parcels: &[Parcel],
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
    let wheel = [
        (pop(a)?, in_piece([0, 0, 0]), a_sides),
        (pop(b)?, in_piece([a_p, 0, 0]), b_sides),
        (pop(a)?, in_piece([b_p, b_q, 0]), a_sides),
        (pop(b)?, in_piece([0, a_q, 0]), b_sides),
        (pop(c)?, in_piece([b_p, a_q, 0]), centre_sides),
    ];
    // A piece holding a parcel that keeps its top up turns only about the
    // vertical: if it fits no such way, its parcels go back.
    let upright = wheel
        .iter()
        .any(|&(index, _, _)| parcels.get(index).is_some_and(|p| p.this_side_up));
    let [w, d, h] = in_piece(extent);
    let fits_upright =
        h <= space[2] && ((w <= space[0] && d <= space[1]) || (d <= space[0] && w <= space[1]));
    if upright && !fits_upright {
        for (&(index, _, _), group) in wheel.iter().zip([a, b, a, b, c]).rev() {
            if let Some(alike) = groups.get_mut(group) {
                alike.left.push(index);
            }
        }
        return None;
    }
    Some(wheel)
}
