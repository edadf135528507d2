//! The verifier behind [`super::Packing::check`]: plain pairwise loops that
//! share no code with the heuristic, so a bug there cannot hide here.

use alloc::vec::Vec;

use super::{PackError, Placement};
use crate::geometry::Orientation;
use crate::parcel::Parcel;

/// A placed box as `[lo, hi)` ranges on x, y and z, in `u64`.
fn ranges(placement: &Placement) -> [(u64, u64); 3] {
    let p = placement.position;
    let e = placement.extent;
    let range = |at: u32, len: u32| (u64::from(at), u64::from(at) + u64::from(len));
    [
        range(p.x_mm, e.width_mm),
        range(p.y_mm, e.depth_mm),
        range(p.z_mm, e.height_mm),
    ]
}

/// Each placement names a known parcel, once, in an allowed orientation,
/// with the matching extent.
pub(super) fn check_parcels(placements: &[Placement], parcels: &[Parcel]) -> Result<(), PackError> {
    // Sorted by id, first occurrence first, for binary search.
    let mut by_id: Vec<(u64, usize)> = parcels
        .iter()
        .enumerate()
        .map(|(i, p)| (p.id.0, i))
        .collect();
    crate::collections::sort::values(&mut by_id);
    for placement in placements {
        let id = placement.parcel;
        let start = by_id.partition_point(|&(k, _)| k < id.0);
        let parcel = by_id
            .get(start)
            .filter(|&&(k, _)| k == id.0)
            .and_then(|&(_, i)| parcels.get(i))
            .ok_or(PackError::UnknownParcel { parcel: id })?;
        let orientation = placement.orientation;
        if !Orientation::allowed(parcel.this_side_up).contains(&orientation) {
            return Err(PackError::OrientationNotAllowed {
                parcel: id,
                orientation,
            });
        }
        let expected = parcel.size.oriented(orientation);
        if placement.extent != expected {
            return Err(PackError::ExtentMismatch {
                parcel: id,
                orientation,
                expected,
                extent: placement.extent,
            });
        }
    }
    Ok(())
}

/// No parcel placed twice; every box non-empty, inside `space`, clear of
/// the others and supported.
pub(super) fn check_geometry(
    space: crate::geometry::Dimensions,
    placements: &[Placement],
) -> Result<(), PackError> {
    let mut ids: Vec<u64> = placements.iter().map(|p| p.parcel.0).collect();
    crate::collections::sort::values(&mut ids);
    if let Some(pair) = ids.windows(2).find(|w| w.first() == w.get(1)) {
        let id = pair.first().copied().unwrap_or_default();
        return Err(PackError::DuplicatePlacement { parcel: id.into() });
    }
    let limits = super::wide(space);
    for placement in placements {
        if placement.extent.sides().contains(&0) {
            return Err(PackError::EmptyExtent {
                parcel: placement.parcel,
                extent: placement.extent,
            });
        }
        let inside = ranges(placement)
            .iter()
            .zip(limits)
            .all(|(&(_, hi), limit)| hi <= limit);
        if !inside {
            return Err(PackError::OutsideSpace {
                parcel: placement.parcel,
                position: placement.position,
                extent: placement.extent,
                space,
            });
        }
    }
    for (i, first) in placements.iter().enumerate() {
        let a = ranges(first);
        for second in placements.iter().skip(i + 1) {
            let b = ranges(second);
            let apart = a
                .iter()
                .zip(b.iter())
                .any(|(&(a_lo, a_hi), &(b_lo, b_hi))| a_hi <= b_lo || b_hi <= a_lo);
            if !apart {
                return Err(PackError::Overlap {
                    first: first.parcel,
                    first_position: first.position,
                    second: second.parcel,
                    second_position: second.position,
                });
            }
        }
    }
    for placement in placements {
        if !supported(placement, placements) {
            return Err(PackError::Unsupported {
                parcel: placement.parcel,
                position: placement.position,
            });
        }
    }
    Ok(())
}

/// The support rule of the module docs, computed from scratch.
fn supported(placement: &Placement, placements: &[Placement]) -> bool {
    let [(x0, x1), (y0, y1), (z, _)] = ranges(placement);
    if z == 0 {
        return true;
    }
    let mut centre_held = false;
    let mut held_area: u128 = 0;
    for other in placements {
        let [(ox0, ox1), (oy0, oy1), (_, top)] = ranges(other);
        if top != z {
            continue;
        }
        let overlap =
            |lo: u64, hi: u64, olo: u64, ohi: u64| hi.min(ohi).saturating_sub(lo.max(olo));
        held_area += u128::from(overlap(x0, x1, ox0, ox1)) * u128::from(overlap(y0, y1, oy0, oy1));
        // The centre is (x0 + x1) / 2; compare doubled values.
        let over = |lo: u64, hi: u64, olo: u64, ohi: u64| 2 * olo <= lo + hi && lo + hi <= 2 * ohi;
        centre_held |= over(x0, x1, ox0, ox1) && over(y0, y1, oy0, oy1);
    }
    let base = u128::from(x1 - x0) * u128::from(y1 - y0);
    centre_held && held_area * 100 >= base * u128::from(super::MIN_SUPPORT_PERCENT)
}
