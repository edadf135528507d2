//! Several parcels in one compartment: where each one goes and how it is
//! turned, a verifier for any packing, packing into several identical
//! compartments, and lower bounds to judge how good a packing is.
//!
//! # Coordinates
//!
//! The usable space of a compartment (its inner size minus the clearance,
//! which the caller subtracts) spans `0..width_mm` from left to right (x),
//! `0..depth_mm` from front to back (y) and `0..height_mm` from bottom to top
//! (z). A [`Placement`] gives the corner of a box nearest the origin (left,
//! front, bottom) and the box's extent as placed. Two boxes may touch but
//! not overlap.
//!
//! # The heuristic
//!
//! Placement follows the extreme-point method of Crainic, Perboli & Tadei
//! (2008, *INFORMS Journal on Computing* 20(3)): the packing keeps a set of
//! candidate corners ("extreme points"). Placing a box adds the projections
//! of three of its corners back towards the walls or the nearest box (the
//! right-front-bottom corner projected backwards along y and downwards, the
//! left-back-bottom corner leftwards and downwards, the left-front-top corner
//! leftwards and frontwards) plus the left-front-top corner itself, so a box
//! can be stacked directly on another. Points inside a box are dropped.
//!
//! To add a parcel, [`Packing::try_place`] tries each allowed orientation
//! (two for "this side up" parcels, six otherwise) at each extreme point and
//! keeps the feasible candidate that is lowest, then frontmost, then
//! leftmost, preferring on a tie the orientation with the lowest height
//! (flattest), then the earlier orientation in [`Orientation::ALL`]. The
//! choice is a total order, so the result never depends on hash order or
//! timing: the same inputs always give the same packing.
//!
//! [`pack`] sorts the parcels in a few orders (volume, longest side, largest
//! face, all decreasing) and keeps the best result; [`pack_bins`] runs
//! first-fit decreasing over identical compartments with the same orders
//! and keeps the one using the fewest.
//!
//! # Searches
//!
//! The heuristic's rules can miss a packing that exists (its "flattest"
//! tie-break may stand the first box so that the second no longer fits).
//! [`pack_exact`] searches a few parcels into one compartment exhaustively
//! within a node budget and answers packed, impossible, or undecided; it is
//! complete when the parcels fill the space exactly, so a compartment cut
//! into boxes is always re-packed. [`pack_into`] packs many parcels into
//! compartments of different sizes for an [`Objective`], starting from the
//! heuristic and improving within an iteration budget, and fills whole
//! compartments with no gap when the parcels' volume is exactly theirs. Both are
//! deterministic, and a larger budget never gives a worse answer.
//!
//! # Support
//!
//! Parcels do not float: a box whose bottom is above the floor must rest on
//! the tops of boxes whose top is at exactly its bottom height, such that
//!
//! 1. the centre of its base lies over (or on the edge of) the top face of
//!    one of those boxes, so it cannot tip over, and
//! 2. at least [`MIN_SUPPORT_PERCENT`] % of its base area lies on those top
//!    faces, so it does not overhang precariously.
//!
//! [`Packing::check`] verifies this rule together with the others.
//!
//! Loading access is not modelled: a packing says where the parcels fit, and
//! the courier decides the order in which to put them in.
//!
//! # Lower bounds
//!
//! [`lower_bound_l0`] is the continuous (volume) bound; [`lower_bound_l2`]
//! follows Martello, Pisinger & Vigo (2000, *Operations Research* 48(2)),
//! made valid for parcels that may turn: see [`lower_bound_l2`] for the
//! argument. Neither ever exceeds the optimum, so
//! `lower_bound(..) <= pack_bins(..).len()` always holds, and a packing that
//! reaches the bound is optimal.
//!
//! # Example
//!
//! ```
//! use locker_core::pack::{lower_bound, pack};
//! use locker_core::{Dimensions, Parcel, ParcelId};
//!
//! // An InPost "C" compartment: 380 mm wide, 640 mm deep, 410 mm high.
//! let space = Dimensions::new(380, 640, 410);
//! let parcels = [
//!     Parcel::new(ParcelId(1), Dimensions::new(300, 400, 200), 2_000),
//!     Parcel::new(ParcelId(2), Dimensions::new(350, 200, 150), 900).upright(),
//!     Parcel::new(ParcelId(3), Dimensions::new(100, 150, 600), 400),
//! ];
//! let result = pack(space, &parcels);
//! assert!(result.unplaced.is_empty());
//! result.packing.check(&parcels)?;
//! assert_eq!(lower_bound(space, &parcels), 1);
//! # Ok::<(), locker_core::pack::PackError>(())
//! ```

mod bound;
mod check;
mod exact;
mod extreme_point;
mod fill;
mod into;
#[cfg(feature = "std")]
mod merge;
mod packing;
#[cfg(feature = "std")]
mod pinwheel;
mod search;

use alloc::vec::Vec;
use core::cmp::Reverse;
use core::fmt;

use crate::geometry::{Dimensions, Orientation};
use crate::ids::{CompartmentId, ParcelId};
use crate::parcel::Parcel;

pub use bound::{lower_bound, lower_bound_l0, lower_bound_l2};
pub(crate) use exact::repack_exact;
pub use exact::{ExactOutcome, ExactResult, MAX_EXACT_PARCELS, pack_exact};
pub(crate) use into::pack_into_sharing;
pub use into::{
    Bin, BinPacking, DEFAULT_MAX_ITERATIONS, Objective, PackIntoResult, PackOptions, pack_into,
    try_pack_into,
};
pub use packing::Packing;
pub(crate) use search::Sharing;

/// The share of a raised box's base area, in percent, that must rest on the
/// tops of boxes directly below it (see the module docs, "Support").
pub const MIN_SUPPORT_PERCENT: u64 = 50;

/// Where a box sits: the coordinates of its corner nearest the origin (left,
/// front, bottom), in millimetres from the left wall, the front and the
/// floor of the usable space.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub struct Position {
    /// Distance from the left wall, in millimetres.
    pub x_mm: u32,
    /// Distance from the front, in millimetres.
    pub y_mm: u32,
    /// Distance from the floor, in millimetres.
    pub z_mm: u32,
}

impl Position {
    /// The origin: the left, front, bottom corner of the space.
    pub const ORIGIN: Self = Self::new(0, 0, 0);

    /// A position from its three coordinates in millimetres.
    #[must_use]
    pub const fn new(x_mm: u32, y_mm: u32, z_mm: u32) -> Self {
        Self { x_mm, y_mm, z_mm }
    }
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "({}, {}, {}) mm", self.x_mm, self.y_mm, self.z_mm)
    }
}

/// One parcel as placed in a packing: where it is, how it is turned, and the
/// space it takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub struct Placement {
    /// The parcel placed.
    pub parcel: ParcelId,
    /// Its corner nearest the origin (left, front, bottom).
    pub position: Position,
    /// How it is turned relative to its declared size.
    pub orientation: Orientation,
    /// Its size as placed: the declared size turned by `orientation`.
    pub extent: Dimensions,
}

/// The outcome of [`pack`]: the packing, and the parcels that did not fit.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub struct PackResult {
    /// The parcels that fit, with their positions.
    pub packing: Packing,
    /// The parcels the heuristic could not place, in input order.
    pub unplaced: Vec<ParcelId>,
}

/// What is wrong with a packing, or why parcels cannot be packed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PackError {
    /// A box reaches beyond the usable space.
    #[error("{parcel} at {position} with extent {extent} reaches outside the {space} space")]
    OutsideSpace {
        /// The parcel.
        parcel: ParcelId,
        /// Its position.
        position: Position,
        /// Its extent as placed.
        extent: Dimensions,
        /// The usable space.
        space: Dimensions,
    },
    /// Two boxes share some volume.
    #[error("{first} at {first_position} overlaps {second} at {second_position}")]
    Overlap {
        /// The parcel placed first.
        first: ParcelId,
        /// Its position.
        first_position: Position,
        /// The parcel placed later.
        second: ParcelId,
        /// Its position.
        second_position: Position,
    },
    /// A "this side up" parcel is tipped over.
    #[error("{parcel} is marked this side up but placed in orientation {orientation:?}")]
    OrientationNotAllowed {
        /// The parcel.
        parcel: ParcelId,
        /// The orientation it was placed in.
        orientation: Orientation,
    },
    /// The extent recorded for a box is not its size turned by its
    /// orientation.
    #[error(
        "{parcel} in orientation {orientation:?} takes {expected}, but the placement says {extent}"
    )]
    ExtentMismatch {
        /// The parcel.
        parcel: ParcelId,
        /// The orientation it was placed in.
        orientation: Orientation,
        /// Its declared size turned by `orientation`.
        expected: Dimensions,
        /// The extent the placement records.
        extent: Dimensions,
    },
    /// A box has a side of zero millimetres and so takes no space.
    #[error("{parcel} is placed with extent {extent}, which has a 0 mm side")]
    EmptyExtent {
        /// The parcel.
        parcel: ParcelId,
        /// The extent the placement records.
        extent: Dimensions,
    },
    /// A raised box does not rest on boxes below it (see the module docs,
    /// "Support").
    #[error("{parcel} at {position} does not rest on the floor or on boxes directly below it")]
    Unsupported {
        /// The parcel.
        parcel: ParcelId,
        /// Its position.
        position: Position,
    },
    /// A placement names a parcel that is not among those given.
    #[error("{parcel} is placed but is not among the parcels given")]
    UnknownParcel {
        /// The parcel.
        parcel: ParcelId,
    },
    /// A parcel is placed more than once.
    #[error("{parcel} is placed more than once")]
    DuplicatePlacement {
        /// The parcel.
        parcel: ParcelId,
    },
    /// A parcel fits an empty compartment in none of its allowed
    /// orientations (or has a side of zero millimetres).
    #[error("{parcel} of size {size} fits a {space} space in no allowed orientation")]
    FitsNoBin {
        /// The parcel.
        parcel: ParcelId,
        /// Its declared size.
        size: Dimensions,
        /// The usable space of one compartment.
        space: Dimensions,
    },
    /// Two parcels given to [`try_pack_into`] share an id.
    #[error("{parcel} is given twice")]
    DuplicateParcel {
        /// The repeated id.
        parcel: ParcelId,
    },
    /// Two compartments given to [`try_pack_into`] share an id.
    #[error("compartment {compartment} is given twice")]
    DuplicateBin {
        /// The repeated id.
        compartment: CompartmentId,
    },
}

/// True when `parcel` fits an empty `space` in some allowed orientation and
/// has no zero side: exactly the parcels that [`pack_bins`] can place.
#[must_use]
pub fn fits_empty(space: Dimensions, parcel: &Parcel) -> bool {
    !parcel.size.sides().contains(&0)
        && parcel
            .size
            .orientation_within(space, parcel.this_side_up)
            .is_some()
}

/// The orders in which [`pack`] and [`pack_bins`] offer parcels to the
/// heuristic; each is a key on the parcel's sides, largest first.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Order {
    /// Volume, then longest side.
    Volume,
    /// Longest side, then volume.
    LongestSide,
    /// Area of the largest face, then volume.
    LargestFace,
}

const ORDERS: [Order; 3] = [Order::Volume, Order::LongestSide, Order::LargestFace];

/// The sides of `size` as 64-bit coordinates.
///
/// Written out: `sides().map(u64::from)` stays a call per element in the
/// size-tuned WebAssembly build, where the packer's inner loops spent a
/// fifth of their time in it.
pub(crate) fn wide(size: Dimensions) -> [u64; 3] {
    let [w, d, h] = size.sides();
    [u64::from(w), u64::from(d), u64::from(h)]
}

/// The volume of a box in cubic millimetres, exact for any `u32` sides.
pub(crate) fn volume_u128(size: Dimensions) -> u128 {
    let [a, b, c] = size.sides();
    u128::from(a) * u128::from(b) * u128::from(c)
}

/// Indices into `parcels` (only those listed in `candidates`) sorted by
/// `order`, largest first; ties keep input order.
fn sorted_indices(parcels: &[Parcel], candidates: &[usize], order: Order) -> Vec<usize> {
    let mut keyed: Vec<(Reverse<u128>, Reverse<u128>, usize)> = candidates
        .iter()
        .filter_map(|&i| {
            let parcel = parcels.get(i)?;
            let mut sides = parcel.size.sides();
            crate::collections::sort::values(&mut sides);
            let [_, middle, longest] = sides.map(u128::from);
            let volume = volume_u128(parcel.size);
            let (first, second) = match order {
                Order::Volume => (volume, longest),
                Order::LongestSide => (longest, volume),
                Order::LargestFace => (middle * longest, volume),
            };
            Some((Reverse(first), Reverse(second), i))
        })
        .collect();
    crate::collections::sort::values(&mut keyed);
    keyed.into_iter().map(|(_, _, i)| i).collect()
}

/// Packs as many of `parcels` as the heuristic manages into one usable
/// `space` (the caller has already subtracted the clearance).
///
/// Tries the parcels in a few orders (see the module docs) and keeps the
/// packing that places the most parcels, then the most volume, then the
/// earliest order; it stops at the first order that places every parcel
/// that fits the empty space on its own.
/// Deterministic: the same inputs always give the same result. Never
/// panics, whatever the sizes; a parcel with a zero side is never placed.
///
/// Parcel ids are expected to be unique (the verifier [`Packing::check`]
/// reports a parcel placed twice).
#[must_use]
pub fn pack(space: Dimensions, parcels: &[Parcel]) -> PackResult {
    // Parcels that fit no empty space can never be placed; leave them out
    // of the search.
    let (fitting, never): (Vec<usize>, Vec<usize>) =
        (0..parcels.len()).partition(|&i| parcels.get(i).is_some_and(|p| fits_empty(space, p)));
    let mut best: Option<(usize, u128, PackResult)> = None;
    for order in ORDERS {
        let indices = sorted_indices(parcels, &fitting, order);
        let mut packing = Packing::new(space);
        let mut unplaced_indices = never.clone();
        // A parcel larger than the volume left cannot fit: no search.
        let mut free_volume = volume_u128(space);
        for &i in &indices {
            let Some(parcel) = parcels.get(i) else {
                continue;
            };
            let volume = volume_u128(parcel.size);
            if volume > free_volume || packing.try_place(parcel).is_none() {
                unplaced_indices.push(i);
            } else {
                free_volume -= volume;
            }
        }
        let placed = packing.placements().len();
        let volume = packing.used_volume_u128();
        let done = placed == fitting.len();
        crate::collections::sort::values(&mut unplaced_indices);
        let result = PackResult {
            packing,
            unplaced: unplaced_indices
                .iter()
                .filter_map(|&i| parcels.get(i).map(|p| p.id))
                .collect(),
        };
        if done {
            return result;
        }
        let better = best
            .as_ref()
            .is_none_or(|(bp, bv, _)| (placed, volume) > (*bp, *bv));
        if better {
            best = Some((placed, volume, result));
        }
    }
    match best {
        Some((_, _, result)) => result,
        None => PackResult {
            packing: Packing::new(space),
            unplaced: parcels.iter().map(|p| p.id).collect(),
        },
    }
}

/// Packs every parcel that fits an empty compartment into as few identical
/// compartments of usable size `space` as the heuristic manages.
///
/// First-fit decreasing: parcels, largest first, go into the first
/// compartment where [`Packing::try_place`] finds room, and a new one is
/// opened when none has. Runs the orders listed in the module docs and
/// keeps the one using the fewest compartments (the earliest on a tie),
/// stopping early when it reaches [`lower_bound`].
///
/// When the orders miss the volume bound on a load whose volume is
/// exactly that of `m` compartments (parcels cut from whole ones), the
/// exact fill of [`pack_into`] tries to fill `m` compartments with no gap,
/// within the node budget [`pack_into`] spends at its default
/// [`PackOptions`], and its packings replace the orders' when found. Such
/// a load can then take tens of milliseconds where the orders take a few
/// (about 70 ms for 200 parcels the fill cannot place, on the benchmark
/// machine); any other load costs one sum of volumes more. The fill
/// takes at most 200 parcels, 16 in a build without `std`, so a larger
/// exact load keeps the orders' packings.
///
/// Parcels that fit no empty compartment in any allowed orientation (see
/// [`fits_empty`]) are left out of the result; use [`try_pack_bins`] to be
/// told about them instead. Every other parcel appears in exactly one
/// returned packing.
#[must_use]
pub fn pack_bins(space: Dimensions, parcels: &[Parcel]) -> Vec<Packing> {
    let fitting: Vec<usize> = (0..parcels.len())
        .filter(|&i| parcels.get(i).is_some_and(|p| fits_empty(space, p)))
        .collect();
    if fitting.is_empty() {
        return Vec::new();
    }
    let as_count = |bound: u32| usize::try_from(bound).unwrap_or(usize::MAX);
    // The cheap volume bound first; the stronger one only when needed.
    let mut target = as_count(lower_bound_l0(space, parcels));
    let mut strong_bound_known = false;
    let mut best: Option<Vec<Packing>> = None;
    for order in ORDERS {
        let indices = sorted_indices(parcels, &fitting, order);
        let bins = first_fit(space, parcels, &indices);
        if best.as_ref().is_none_or(|b| bins.len() < b.len()) {
            best = Some(bins);
        }
        let used = best.as_ref().map_or(0, Vec::len);
        if used > target && !strong_bound_known {
            target = target.max(as_count(lower_bound_l2(space, parcels)));
            strong_bound_known = true;
        }
        if used <= target {
            break;
        }
    }
    let used = best.as_ref().map_or(0, Vec::len);
    if used > target
        && let Some(filled) = into::fill_identical(space, parcels, &fitting, used)
    {
        return filled;
    }
    best.unwrap_or_default()
}

/// Like [`pack_bins`], but refuses parcels that fit no compartment.
///
/// # Errors
///
/// [`PackError::FitsNoBin`] naming the first parcel (in input order) that
/// fits an empty `space` in none of its allowed orientations or has a
/// zero side.
pub fn try_pack_bins(space: Dimensions, parcels: &[Parcel]) -> Result<Vec<Packing>, PackError> {
    if let Some(parcel) = parcels.iter().find(|p| !fits_empty(space, p)) {
        return Err(PackError::FitsNoBin {
            parcel: parcel.id,
            size: parcel.size,
            space,
        });
    }
    Ok(pack_bins(space, parcels))
}

/// First-fit over compartments, offering the parcels in `indices` order.
fn first_fit(space: Dimensions, parcels: &[Parcel], indices: &[usize]) -> Vec<Packing> {
    let bin_volume = volume_u128(space);
    let mut bins: Vec<Packing> = Vec::new();
    let mut free: Vec<u128> = Vec::new();
    for &i in indices {
        let Some(parcel) = parcels.get(i) else {
            continue;
        };
        let volume = volume_u128(parcel.size);
        let mut placed = false;
        for (bin, room) in bins.iter_mut().zip(free.iter_mut()) {
            if *room >= volume && bin.try_place(parcel).is_some() {
                *room -= volume;
                placed = true;
                break;
            }
        }
        if !placed {
            let mut bin = Packing::new(space);
            // Always succeeds for a parcel that `fits_empty`: the origin is
            // an extreme point of an empty packing and needs no support.
            if bin.try_place(parcel).is_some() {
                bins.push(bin);
                free.push(bin_volume.saturating_sub(volume));
            }
        }
    }
    bins
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_exact;
#[cfg(test)]
mod tests_into;
#[cfg(all(test, feature = "std"))]
mod tests_merge;
#[cfg(all(test, feature = "std"))]
mod tests_pinwheel;
