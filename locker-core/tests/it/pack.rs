//! Properties of the packing heuristic, the verifier and the lower bounds,
//! checked on random instances.

// Tests may unwrap: a panic is a test failure.
#![allow(clippy::unwrap_used)]

use locker_core::pack::{
    Packing, Placement, lower_bound, lower_bound_l0, lower_bound_l2, pack, pack_bins,
};
use locker_core::{Dimensions, Orientation, Parcel, ParcelId};
use proptest::prelude::*;

/// A usable space of realistic size.
fn space() -> impl Strategy<Value = Dimensions> {
    (50..=700_u32, 50..=700_u32, 50..=700_u32).prop_map(|(w, d, h)| Dimensions::new(w, d, h))
}

/// Parcels with ids 0.., sides up to `max_side_mm`, some "this side up".
fn parcels(max_side_mm: u32, max_count: usize) -> impl Strategy<Value = Vec<Parcel>> {
    prop::collection::vec(
        (
            1..=max_side_mm,
            1..=max_side_mm,
            1..=max_side_mm,
            any::<bool>(),
        ),
        0..=max_count,
    )
    .prop_map(|sides| {
        sides
            .into_iter()
            .zip(0_u64..)
            .map(|((w, d, h, upright), id)| {
                let parcel = Parcel::new(ParcelId(id), Dimensions::new(w, d, h), 500);
                if upright { parcel.upright() } else { parcel }
            })
            .collect()
    })
}

fn parcel_by_id(parcels: &[Parcel], id: ParcelId) -> &Parcel {
    parcels.iter().find(|p| p.id == id).unwrap()
}

/// The rules, checked here from scratch rather than through `check`.
fn assert_valid(packing: &Packing, parcels: &[Parcel]) {
    let space = packing.space();
    let placements = packing.placements();
    for p in placements {
        let parcel = parcel_by_id(parcels, p.parcel);
        assert!(Orientation::allowed(parcel.this_side_up).contains(&p.orientation));
        if parcel.this_side_up {
            assert_eq!(p.extent.height_mm, parcel.size.height_mm);
        }
        assert_eq!(p.extent, parcel.size.oriented(p.orientation));
        let end = |at: u32, len: u32| u64::from(at) + u64::from(len);
        assert!(end(p.position.x_mm, p.extent.width_mm) <= u64::from(space.width_mm));
        assert!(end(p.position.y_mm, p.extent.depth_mm) <= u64::from(space.depth_mm));
        assert!(end(p.position.z_mm, p.extent.height_mm) <= u64::from(space.height_mm));
    }
    for (i, a) in placements.iter().enumerate() {
        for b in &placements[i + 1..] {
            assert!(!overlap(a, b), "{a:?} overlaps {b:?}");
        }
    }
    assert_eq!(packing.check(parcels), Ok(()));
}

fn overlap(a: &Placement, b: &Placement) -> bool {
    let span = |p: &Placement| {
        [
            (p.position.x_mm, p.extent.width_mm),
            (p.position.y_mm, p.extent.depth_mm),
            (p.position.z_mm, p.extent.height_mm),
        ]
        .map(|(at, len)| (u64::from(at), u64::from(at) + u64::from(len)))
    };
    span(a)
        .iter()
        .zip(span(b).iter())
        .all(|(&(a0, a1), &(b0, b1))| a0 < b1 && b0 < a1)
}

/// Cuts `bins` copies of `space` into boxes by random guillotine cuts,
/// drops the pieces whose `keep` flag is false (so volume alone is a loose
/// bound), then turns each box at random: an instance known to fit in
/// `bins` bins.
fn guillotine(space: Dimensions, bins: usize, cuts: &[(u8, u16)], keep: &[bool]) -> Vec<Parcel> {
    let mut pieces: Vec<Dimensions> = vec![space; bins];
    for &(axis, at) in cuts {
        // Cut the largest piece along `axis` at a fraction `at` / 65536.
        let Some((index, _)) = pieces
            .iter()
            .enumerate()
            .max_by_key(|(i, p)| (p.volume_mm3(), usize::MAX - i))
        else {
            break;
        };
        let piece = pieces[index];
        let mut sides = piece.sides();
        let axis = usize::from(axis % 3);
        let length = sides[axis];
        if length < 2 {
            continue;
        }
        let cut = (u64::from(length) * u64::from(at) / 65_536).clamp(1, u64::from(length) - 1);
        let cut = u32::try_from(cut).unwrap();
        sides[axis] = cut;
        pieces[index] = Dimensions::new(sides[0], sides[1], sides[2]);
        sides[axis] = length - cut;
        pieces.push(Dimensions::new(sides[0], sides[1], sides[2]));
    }
    pieces
        .into_iter()
        .zip(keep.iter().chain(core::iter::repeat(&true)))
        .filter_map(|(piece, &kept)| kept.then_some(piece))
        .zip(0_u64..)
        .map(|(extent, id)| {
            // Declare the size so that some orientation gives `extent`.
            let turn = Orientation::ALL[usize::try_from(id % 6).unwrap()];
            let declared = (0..6)
                .map(|k| Orientation::ALL[k])
                .map(|o| extent.oriented(o))
                .find(|d| d.oriented(turn) == extent)
                .unwrap_or(extent);
            let parcel = Parcel::new(ParcelId(id), declared, 100);
            if turn.is_upright() {
                parcel.upright()
            } else {
                parcel
            }
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn packed_boxes_stay_inside_apart_and_upright(
        space in space(),
        parcels in parcels(400, 12),
    ) {
        let result = pack(space, &parcels);
        assert_valid(&result.packing, &parcels);
        // Every parcel is either placed or reported, exactly once, and the
        // reported ones come in input order.
        let mut seen: Vec<ParcelId> = result.packing.placements().iter().map(|p| p.parcel).collect();
        seen.extend(&result.unplaced);
        seen.sort();
        let mut all: Vec<ParcelId> = parcels.iter().map(|p| p.id).collect();
        all.sort();
        prop_assert_eq!(seen, all);
        prop_assert!(result.unplaced.windows(2).all(|w| w[0] < w[1]));
        // Deterministic.
        prop_assert_eq!(pack(space, &parcels), result);
    }

    #[test]
    fn try_place_never_moves_boxes_and_changes_nothing_on_failure(
        space in space(),
        first in parcels(400, 8),
        extra in (1..=500_u32, 1..=500_u32, 1..=500_u32, any::<bool>()),
    ) {
        let mut packing = pack(space, &first).packing;
        let before = packing.clone();
        let (w, d, h, upright) = extra;
        let mut parcel = Parcel::new(ParcelId(1_000), Dimensions::new(w, d, h), 500);
        if upright {
            parcel = parcel.upright();
        }
        match packing.try_place(&parcel) {
            None => prop_assert_eq!(&packing, &before),
            Some(placed) => {
                prop_assert_eq!(&packing.placements()[..before.placements().len()], before.placements());
                prop_assert_eq!(packing.placements().last(), Some(&placed));
                let mut all = first.clone();
                all.push(parcel);
                assert_valid(&packing, &all);
            }
        }
    }

    #[test]
    fn bins_hold_every_fitting_parcel_and_respect_the_lower_bound(
        space in space(),
        parcels in parcels(500, 30),
    ) {
        let bins = pack_bins(space, &parcels);
        for bin in &bins {
            assert_valid(bin, &parcels);
            prop_assert!(!bin.placements().is_empty());
        }
        let mut placed: Vec<ParcelId> = bins
            .iter()
            .flat_map(|b| b.placements().iter().map(|p| p.parcel))
            .collect();
        placed.sort();
        let fitting: Vec<ParcelId> = parcels
            .iter()
            .filter(|p| p.size.orientation_within(space, p.this_side_up).is_some())
            .map(|p| p.id)
            .collect();
        prop_assert_eq!(placed, fitting);
        let l0 = lower_bound_l0(space, &parcels);
        let l2 = lower_bound_l2(space, &parcels);
        prop_assert!(l0 <= l2);
        prop_assert_eq!(lower_bound(space, &parcels), l0.max(l2));
        prop_assert!(lower_bound(space, &parcels) as usize <= bins.len());
    }

    #[test]
    fn the_lower_bound_never_exceeds_a_known_packing(
        space in space(),
        bins in 1..=4_usize,
        cuts in prop::collection::vec((any::<u8>(), any::<u16>()), 0..24),
        keep in prop::collection::vec(prop::bool::weighted(0.7), 0..28),
    ) {
        let parcels = guillotine(space, bins, &cuts, &keep);
        let bound = lower_bound(space, &parcels);
        prop_assert!(bound as usize <= bins, "bound {} for {} bins", bound, bins);
        // Without cuts or drops each piece is a whole bin: the bound is
        // exact.
        if cuts.is_empty() && keep.iter().all(|&k| k) {
            prop_assert_eq!(bound as usize, bins);
        }
    }

    #[test]
    fn half_side_cubes_are_counted_exactly(half in 1..=200_u32, n in 1..=40_u64) {
        let space = Dimensions::new(2 * half, 2 * half, 2 * half);
        let cubes: Vec<Parcel> = (0..n)
            .map(|id| Parcel::new(ParcelId(id), Dimensions::new(half, half, half), 100))
            .collect();
        let expected = n.div_ceil(8);
        prop_assert_eq!(u64::from(lower_bound_l2(space, &cubes)), expected);
        prop_assert_eq!(pack_bins(space, &cubes).len() as u64, expected);
    }

    #[test]
    fn boxes_over_half_in_every_direction_need_one_bin_each(
        side in 2..=700_u32,
        n in 1..=10_u64,
        extra in (1..=100_u32, 1..=100_u32, 1..=100_u32),
    ) {
        // In a cube every orientation of such a box is over half of every
        // side, so no two share a bin.
        let space = Dimensions::new(side, side, side);
        let grow = |e: u32| (side / 2 + e).min(side);
        let size = Dimensions::new(grow(extra.0), grow(extra.1), grow(extra.2));
        let boxes: Vec<Parcel> = (0..n).map(|id| Parcel::new(ParcelId(id), size, 1)).collect();
        prop_assert_eq!(u64::from(lower_bound(space, &boxes)), n);
        prop_assert_eq!(pack_bins(space, &boxes).len() as u64, n);
    }

    #[test]
    fn any_sizes_at_all_never_panic(
        space in (any::<u32>(), any::<u32>(), any::<u32>()),
        sides in prop::collection::vec((any::<u32>(), any::<u32>(), any::<u32>(), any::<bool>()), 0..6),
    ) {
        let space = Dimensions::new(space.0, space.1, space.2);
        let parcels: Vec<Parcel> = sides
            .into_iter()
            .zip(0_u64..)
            .map(|((w, d, h, up), id)| {
                let parcel = Parcel::new(ParcelId(id), Dimensions::new(w, d, h), 1);
                if up { parcel.upright() } else { parcel }
            })
            .collect();
        let result = pack(space, &parcels);
        prop_assert_eq!(result.packing.check(&parcels), Ok(()));
        let _ = result.packing.used_volume_mm3();
        let _ = result.packing.free_volume_mm3();
        let bins = pack_bins(space, &parcels);
        prop_assert!(lower_bound(space, &parcels) as usize <= bins.len());
    }

    #[test]
    fn packings_round_trip_through_json(space in space(), parcels in parcels(300, 8)) {
        let result = pack(space, &parcels);
        let json = serde_json::to_string(&result).unwrap();
        let back: locker_core::pack::PackResult = serde_json::from_str(&json).unwrap();
        prop_assert_eq!(back, result);
    }
}
