//! Extreme points: the candidate corners where the next box may go, how
//! placing a box creates new ones, and the choice among them.

use alloc::vec::Vec;

use super::{MIN_SUPPORT_PERCENT, Placement, Position, wide};
use crate::geometry::{Dimensions, Orientation};
use crate::parcel::Parcel;

/// An axis-aligned box in `u64` coordinates: `lo` inclusive, `hi`
/// exclusive. Coordinates are at most 2³³, so sums and doublings cannot
/// overflow.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Cuboid {
    pub(super) lo: [u64; 3],
    pub(super) hi: [u64; 3],
}

impl Cuboid {
    pub(super) fn new(position: Position, extent: Dimensions) -> Self {
        let lo = coords(position);
        let e = wide(extent);
        Self {
            lo,
            hi: [lo[0] + e[0], lo[1] + e[1], lo[2] + e[2]],
        }
    }

    pub(super) fn of(placement: &Placement) -> Self {
        Self::new(placement.position, placement.extent)
    }

    /// True when the two boxes share some volume (touching is fine).
    pub(super) fn overlaps(&self, other: &Self) -> bool {
        // Written out, not `(0..3).all(…)`: this is the packer's inner
        // loop, and the size-tuned WebAssembly build keeps such closures
        // as calls.
        self.lo[0] < other.hi[0]
            && other.lo[0] < self.hi[0]
            && self.lo[1] < other.hi[1]
            && other.lo[1] < self.hi[1]
            && self.lo[2] < other.hi[2]
            && other.lo[2] < self.hi[2]
    }

    /// True when the point lies in the box (half-open on every axis).
    pub(super) fn contains(&self, point: [u64; 3]) -> bool {
        self.lo[0] <= point[0]
            && point[0] < self.hi[0]
            && self.lo[1] <= point[1]
            && point[1] < self.hi[1]
            && self.lo[2] <= point[2]
            && point[2] < self.hi[2]
    }

    /// True when the box lies within `space` placed at the origin.
    pub(super) fn within(&self, space: Dimensions) -> bool {
        let s = wide(space);
        self.hi[0] <= s[0] && self.hi[1] <= s[1] && self.hi[2] <= s[2]
    }
}

pub(super) fn coords(position: Position) -> [u64; 3] {
    [
        u64::from(position.x_mm),
        u64::from(position.y_mm),
        u64::from(position.z_mm),
    ]
}

/// True when a box at `cuboid` rests on the floor, or on the tops of boxes
/// among `placed` as the support rule asks: its base centre over one such
/// top, and at least [`MIN_SUPPORT_PERCENT`] % of its base on them.
pub(super) fn is_supported(placed: &[Placement], cuboid: &Cuboid) -> bool {
    let z = cuboid.lo[2];
    if z == 0 {
        return true;
    }
    let [x0, y0, _] = cuboid.lo;
    let [x1, y1, _] = cuboid.hi;
    // Doubled coordinates keep the centre an integer.
    let (cx2, cy2) = (x0 + x1, y0 + y1);
    let mut centre_held = false;
    // Each overlap is at most the base, whose sides are u32: the product
    // fits u64, and so does the sum for boxes that do not overlap (it
    // saturates for any that would). 64-bit products per box, not 128.
    let mut area: u64 = 0;
    for placement in placed {
        let below = Cuboid::of(placement);
        if below.hi[2] != z {
            continue;
        }
        let dx = x1.min(below.hi[0]).saturating_sub(x0.max(below.lo[0]));
        let dy = y1.min(below.hi[1]).saturating_sub(y0.max(below.lo[1]));
        area = area.saturating_add(dx * dy);
        centre_held |= 2 * below.lo[0] <= cx2
            && cx2 <= 2 * below.hi[0]
            && 2 * below.lo[1] <= cy2
            && cy2 <= 2 * below.hi[1];
    }
    let base = u128::from((x1 - x0) * (y1 - y0));
    centre_held && u128::from(area) * 100 >= base * u128::from(MIN_SUPPORT_PERCENT)
}

/// The merit of a candidate; the smallest wins: lowest z, then y, then x;
/// then the lowest placed height (flattest); then the earliest orientation.
/// A total order, so the choice is deterministic.
fn merit(point: [u64; 3], extent: [u64; 3], orientation_index: u64) -> [u64; 5] {
    [point[2], point[1], point[0], extent[2], orientation_index]
}

/// Where the heuristic puts a parcel: the winning candidate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Spot {
    pub(super) position: Position,
    pub(super) orientation: Orientation,
    pub(super) extent: Dimensions,
}

/// The best feasible spot for `parcel` among `points` (sorted by z, y, x),
/// or `None` when it fits nowhere without moving `placed`.
pub(super) fn find_spot(
    space: Dimensions,
    placed: &[Placement],
    points: &[Position],
    parcel: &Parcel,
) -> Option<Spot> {
    if parcel.size.sides().contains(&0) {
        return None;
    }
    let allowed = Orientation::allowed(parcel.this_side_up);
    let mut best: Option<([u64; 5], Spot)> = None;
    for (index, &orientation) in allowed.iter().enumerate() {
        let extent = parcel.size.oriented(orientation);
        // Identical extents (a cube, a square base) give identical
        // candidates; the earlier orientation already covered them.
        let repeated = allowed
            .iter()
            .take(index)
            .any(|&o| parcel.size.oriented(o) == extent);
        if repeated || !extent.fits_within(space) {
            continue;
        }
        let e = wide(extent);
        let index = u64::try_from(index).unwrap_or(u64::MAX);
        for &point in points {
            let key = merit(coords(point), e, index);
            if best.as_ref().is_some_and(|(b, _)| key >= *b) {
                // Points are sorted by (z, y, x), so every later key is
                // larger too.
                break;
            }
            let cuboid = Cuboid::new(point, extent);
            if !cuboid.within(space)
                || overlaps_any(placed, &cuboid)
                || !is_supported(placed, &cuboid)
            {
                continue;
            }
            best = Some((
                key,
                Spot {
                    position: point,
                    orientation,
                    extent,
                },
            ));
            break;
        }
    }
    best.map(|(_, spot)| spot)
}

/// True when `cuboid` shares volume with a box of `placed`. A loop, not
/// `iter().any(…)`, which the size-tuned WebAssembly build keeps as a call
/// per box.
fn overlaps_any(placed: &[Placement], cuboid: &Cuboid) -> bool {
    for placement in placed {
        if Cuboid::of(placement).overlaps(cuboid) {
            return true;
        }
    }
    false
}

/// Moves `point` along the negative direction of `axis` until it meets a
/// box of `placed` (or the wall at 0).
fn project(placed: &[Placement], point: [u64; 3], axis: usize) -> [u64; 3] {
    let mut stop = 0;
    for cuboid in placed.iter().map(Cuboid::of) {
        let ahead = cuboid.hi[axis] <= point[axis] && cuboid.hi[axis] > stop;
        let within_on =
            |k: usize| k == axis || (cuboid.lo[k] <= point[k] && point[k] < cuboid.hi[k]);
        let in_line = within_on(0) && within_on(1) && within_on(2);
        if ahead && in_line {
            stop = cuboid.hi[axis];
        }
    }
    let mut projected = point;
    projected[axis] = stop;
    projected
}

/// Updates `points` after `new` was placed; `placed` holds every box,
/// `new` included. Keeps `points` sorted by (z, y, x) and free of
/// duplicates.
pub(super) fn add_extreme_points(
    space: Dimensions,
    placed: &[Placement],
    points: &mut Vec<Position>,
    new: &Placement,
) {
    let b = Cuboid::of(new);
    points.retain(|&p| !b.contains(coords(p)));
    let [x0, y0, z0] = b.lo;
    let [x1, y1, z1] = b.hi;
    let (x, y, z) = (0, 1, 2);
    let candidates = [
        project(placed, [x1, y0, z0], y),
        project(placed, [x1, y0, z0], z),
        project(placed, [x0, y1, z0], x),
        project(placed, [x0, y1, z0], z),
        project(placed, [x0, y0, z1], x),
        project(placed, [x0, y0, z1], y),
        [x0, y0, z1],
    ];
    let s = wide(space);
    for c in candidates {
        let outside = c[0] >= s[0] || c[1] >= s[1] || c[2] >= s[2];
        if outside || placed.iter().any(|p| Cuboid::of(p).contains(c)) {
            continue;
        }
        // Below the space's sides, so every coordinate fits u32.
        if let (Ok(x_mm), Ok(y_mm), Ok(z_mm)) = (
            u32::try_from(c[0]),
            u32::try_from(c[1]),
            u32::try_from(c[2]),
        ) {
            points.push(Position { x_mm, y_mm, z_mm });
        }
    }
    crate::collections::sort::unstable_by_key(points, |p| (p.z_mm, p.y_mm, p.x_mm));
    points.dedup();
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::ParcelId;
    use alloc::vec;

    fn placement(id: u64, at: [u32; 3], extent: [u32; 3]) -> Placement {
        Placement {
            parcel: ParcelId(id),
            position: Position::new(at[0], at[1], at[2]),
            orientation: Orientation::Wdh,
            extent: Dimensions::new(extent[0], extent[1], extent[2]),
        }
    }

    #[test]
    fn touching_boxes_do_not_overlap() {
        let a = Cuboid::of(&placement(1, [0, 0, 0], [10, 10, 10]));
        let b = Cuboid::of(&placement(2, [10, 0, 0], [10, 10, 10]));
        let c = Cuboid::of(&placement(3, [9, 9, 9], [10, 10, 10]));
        assert!(!a.overlaps(&b));
        assert!(a.overlaps(&c) && b.overlaps(&c));
    }

    #[test]
    fn a_box_on_the_floor_needs_no_support() {
        let cuboid = Cuboid::of(&placement(1, [5, 5, 0], [10, 10, 10]));
        assert!(is_supported(&[], &cuboid));
    }

    #[test]
    fn a_raised_box_needs_its_centre_over_a_top_at_its_height() {
        let below = [placement(1, [0, 0, 0], [100, 100, 50])];
        // Centre (x 95) over the top, 55 % of the base on it: held.
        let held = Cuboid::of(&placement(2, [50, 0, 50], [90, 100, 10]));
        assert!(is_supported(&below, &held));
        // Centre exactly on the edge (x 100) and half the base: held.
        let edge = Cuboid::of(&placement(3, [60, 0, 50], [80, 100, 10]));
        assert!(is_supported(&below, &edge));
        // Centre past the edge: tips over.
        let tips = Cuboid::of(&placement(4, [61, 0, 50], [80, 100, 10]));
        assert!(!is_supported(&below, &tips));
        // Floating a millimetre above the top: not held.
        let floats = Cuboid::of(&placement(5, [0, 0, 51], [10, 10, 10]));
        assert!(!is_supported(&below, &floats));
    }

    #[test]
    fn a_centred_box_on_a_small_pillar_still_overhangs_too_much() {
        let pillar = [placement(1, [45, 45, 0], [10, 10, 40])];
        let plate = Cuboid::of(&placement(2, [0, 0, 40], [100, 100, 5]));
        assert!(!is_supported(&pillar, &plate));
        // Two boxes side by side together hold a bridging box.
        let pair = [
            placement(1, [0, 0, 0], [50, 100, 40]),
            placement(2, [50, 0, 0], [50, 100, 40]),
        ];
        assert!(is_supported(&pair, &plate));
    }

    #[test]
    fn placing_a_box_projects_its_corners() {
        let space = Dimensions::new(100, 100, 100);
        let first = placement(1, [0, 0, 0], [40, 30, 20]);
        let mut points = vec![Position::ORIGIN];
        add_extreme_points(space, &[first], &mut points, &first);
        assert_eq!(
            points,
            vec![
                Position::new(40, 0, 0),
                Position::new(0, 30, 0),
                Position::new(0, 0, 20),
            ]
        );
        // A deeper, taller box to its right covers (40, 0, 0). Its back
        // corner projects leftwards past the shallower first box to the
        // wall, and its top corner leftwards over the lower first box.
        let second = placement(2, [40, 0, 0], [30, 50, 60]);
        let placed = [first, second];
        add_extreme_points(space, &placed, &mut points, &second);
        assert_eq!(
            points,
            vec![
                Position::new(70, 0, 0),
                Position::new(0, 30, 0),
                Position::new(0, 50, 0),
                Position::new(40, 50, 0),
                Position::new(0, 0, 20),
                Position::new(0, 0, 60),
                Position::new(40, 0, 60),
            ]
        );
        // A box behind the first one stops the leftward projection of a
        // later corner at its right side.
        let third = placement(3, [0, 30, 0], [20, 20, 20]);
        let placed = [first, second, third];
        assert_eq!(project(&placed, [40, 35, 5], 0), [20, 35, 5]);
        assert_eq!(project(&placed, [40, 55, 5], 0), [0, 55, 5]);
    }

    #[test]
    fn the_lowest_frontmost_leftmost_flattest_spot_wins() {
        let space = Dimensions::new(100, 100, 100);
        let parcel = Parcel::new(ParcelId(1), Dimensions::new(10, 20, 30), 1);
        let spot = find_spot(space, &[], &[Position::ORIGIN], &parcel).unwrap();
        assert_eq!(spot.position, Position::ORIGIN);
        // Flattest: height 10, first in `Orientation::ALL` of the two.
        assert_eq!(spot.extent.height_mm, 10);
        assert_eq!(spot.orientation, Orientation::Dhw);
        let upright = parcel.upright();
        let spot = find_spot(space, &[], &[Position::ORIGIN], &upright).unwrap();
        assert_eq!(spot.orientation, Orientation::Wdh);
    }
}
