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

use alloc::vec::Vec;

use super::fill::Placed;
use crate::geometry::Dimensions;
use crate::ids::ParcelId;
use crate::parcel::Parcel;

/// What a piece holds: one parcel, or a pinwheel's five with their
/// corners in the piece's own axes (those of the parcels as declared).
#[derive(Clone, Debug)]
enum Members {
    Parcel(usize),
    Wheel([(usize, [u32; 3]); 5]),
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
    /// when no five of them (as declared) make a pinwheel whose box fits
    /// some way.
    pub(super) fn find(space: [u32; 3], parcels: &[Parcel]) -> Option<Self> {
        // The parcels of each declared size not yet in a pinwheel.
        let mut sizes: Vec<([u32; 3], Vec<usize>)> = Vec::new();
        for (index, parcel) in parcels.iter().enumerate() {
            let sides = parcel.size.sides();
            match sizes.iter_mut().find(|(s, _)| *s == sides) {
                Some((_, members)) => members.push(index),
                None => sizes.push((sides, alloc::vec![index])),
            }
        }
        let mut wheels: Vec<[(usize, [u32; 3]); 5]> = Vec::new();
        for depth_axis in 0..3 {
            let (p, q) = ((depth_axis + 1) % 3, (depth_axis + 2) % 3);
            for a in 0..sizes.len() {
                for b in 0..sizes.len() {
                    while let Some(wheel) = take_wheel(&mut sizes, a, b, [p, q, depth_axis], space)
                    {
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
        for (_, left) in &sizes {
            for &index in left {
                pieces.push(*parcels.get(index)?);
                members.push(Members::Parcel(index));
            }
        }
        for wheel in wheels {
            let mut extent = [0_u32; 3];
            let mut weight_g = 0_u32;
            let mut this_side_up = false;
            for &(index, corner) in &wheel {
                let parcel = parcels.get(index)?;
                let sides = parcel.size.sides();
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
                    for &(index, corner) in wheel {
                        let sides = parcels.get(index)?.size.sides();
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

/// Takes one pinwheel of sizes `a` (the two longer along `p`) and `b`
/// (the two longer along `q`) with their centre from `sizes`, in the
/// plane of `axes = [p, q, r]`, if there are parcels enough and the box
/// fits `space`: each parcel with its corner in the box.
fn take_wheel(
    sizes: &mut [([u32; 3], Vec<usize>)],
    a: usize,
    b: usize,
    [p, q, r]: [usize; 3],
    space: [u32; 3],
) -> Option<[(usize, [u32; 3]); 5]> {
    let (a_sides, a_left) = sizes.get(a)?;
    let (b_sides, b_left) = sizes.get(b)?;
    let (a_sides, b_sides) = (*a_sides, *b_sides);
    if a_left.len() < 2
        || b_left.len() < 2
        || a_sides[r] != b_sides[r]
        || a_sides[p] <= b_sides[p]
        || b_sides[q] <= a_sides[q]
    {
        return None;
    }
    let mut centre_sides = [0; 3];
    centre_sides[p] = a_sides[p] - b_sides[p];
    centre_sides[q] = b_sides[q] - a_sides[q];
    centre_sides[r] = a_sides[r];
    let mut extent = [0; 3];
    extent[p] = a_sides[p].checked_add(b_sides[p])?;
    extent[q] = a_sides[q].checked_add(b_sides[q])?;
    extent[r] = a_sides[r];
    // The box fits some way (a piece turns as its parcels may).
    let (mut box_sides, mut space_sides) = (extent, space);
    box_sides.sort_unstable();
    space_sides.sort_unstable();
    if box_sides.iter().zip(&space_sides).any(|(e, s)| e > s) {
        return None;
    }
    let c = sizes
        .iter()
        .position(|(s, left)| *s == centre_sides && !left.is_empty())?;
    let corner = |along_p: u32, along_q: u32| {
        let mut at = [0; 3];
        at[p] = along_p;
        at[q] = along_q;
        at
    };
    let mut pop = |s: usize| sizes.get_mut(s).and_then(|(_, left)| left.pop());
    let first_a = pop(a)?;
    let first_b = pop(b)?;
    let second_a = pop(a)?;
    let second_b = pop(b)?;
    let centre = pop(c)?;
    Some([
        (first_a, corner(0, 0)),
        (first_b, corner(a_sides[p], 0)),
        (second_a, corner(b_sides[p], b_sides[q])),
        (second_b, corner(0, a_sides[q])),
        (centre, corner(b_sides[p], a_sides[q])),
    ])
}
