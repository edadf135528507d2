use super::*;
use alloc::string::ToString;
use alloc::vec;
use alloc::vec::Vec;

fn parcel(id: u64, w: u32, d: u32, h: u32) -> Parcel {
    Parcel::new(ParcelId(id), Dimensions::new(w, d, h), 1_000)
}

fn small(value: u64) -> u32 {
    u32::try_from(value).unwrap()
}

fn at(parcel: u64, position: [u32; 3], orientation: Orientation, extent: [u32; 3]) -> Placement {
    Placement {
        parcel: ParcelId(parcel),
        position: Position::new(position[0], position[1], position[2]),
        orientation,
        extent: Dimensions::new(extent[0], extent[1], extent[2]),
    }
}

/// An InPost "C" compartment: 380 wide, 640 deep, 410 high.
const LOCKER_C: Dimensions = Dimensions::new(380, 640, 410);

#[test]
fn a_new_packing_is_empty_with_the_origin_free() {
    let packing = Packing::new(LOCKER_C);
    assert_eq!(packing.space(), LOCKER_C);
    assert!(packing.placements().is_empty());
    assert_eq!(packing.used_volume_mm3(), 0);
    assert_eq!(packing.free_volume_mm3(), LOCKER_C.volume_mm3());
    assert_eq!(packing.extreme_points(), [Position::ORIGIN]);
    assert_eq!(packing.check(&[]), Ok(()));
}

#[test]
fn six_parcels_share_one_compartment() {
    let parcels = [
        parcel(1, 300, 200, 150),
        parcel(2, 250, 250, 100).upright(),
        parcel(3, 400, 150, 100),
        parcel(4, 200, 150, 120),
        parcel(5, 150, 100, 80),
        parcel(6, 100, 100, 100).upright(),
    ];
    let result = pack(LOCKER_C, &parcels);
    assert_eq!(result.unplaced, Vec::<ParcelId>::new());
    assert_eq!(result.packing.placements().len(), 6);
    assert_eq!(result.packing.check(&parcels), Ok(()));
    let volume: u64 = parcels.iter().map(|p| p.size.volume_mm3()).sum();
    assert_eq!(result.packing.used_volume_mm3(), volume);
}

#[test]
fn parcels_that_do_not_fit_are_reported_in_input_order() {
    let parcels = [
        parcel(1, 700, 10, 10),
        parcel(2, 380, 640, 300),
        parcel(3, 380, 640, 300),
        parcel(4, 0, 10, 10),
    ];
    let result = pack(LOCKER_C, &parcels);
    // 700 mm fits no side; two 300 mm slabs need 600 mm of height, or
    // side by side 760 mm of width; a zero side never fits.
    assert_eq!(result.unplaced, vec![ParcelId(1), ParcelId(3), ParcelId(4)]);
    assert_eq!(result.packing.check(&parcels), Ok(()));
}

#[test]
fn this_side_up_parcels_are_never_tipped() {
    let flat_space = Dimensions::new(400, 400, 200);
    let tall = parcel(1, 100, 100, 300);
    let lying = pack(flat_space, &[tall]);
    assert!(lying.unplaced.is_empty());
    assert!(!lying.packing.placements()[0].orientation.is_upright());
    let upright = pack(flat_space, &[tall.upright()]);
    assert_eq!(upright.unplaced, vec![ParcelId(1)]);
    // A quarter turn about the vertical axis is allowed.
    let long = parcel(2, 600, 100, 50).upright();
    let turned = pack(Dimensions::new(200, 640, 100), &[long]);
    assert_eq!(turned.packing.placements()[0].orientation, Orientation::Dwh);
    assert_eq!(turned.packing.check(&[long]), Ok(()));
}

#[test]
fn boxes_stack_when_the_floor_is_full() {
    let space = Dimensions::new(100, 100, 100);
    let mut packing = Packing::new(space);
    let slab = |id| parcel(id, 100, 100, 50).upright();
    let first = packing.try_place(&slab(1)).unwrap();
    let second = packing.try_place(&slab(2)).unwrap();
    assert_eq!(first.position, Position::ORIGIN);
    assert_eq!(second.position, Position::new(0, 0, 50));
    assert_eq!(packing.try_place(&parcel(3, 1, 1, 1)), None);
    assert_eq!(packing.free_volume_mm3(), 0);
}

#[test]
fn a_box_is_not_balanced_on_a_small_one() {
    let space = Dimensions::new(100, 100, 100);
    let mut packing = Packing::new(space);
    packing.try_place(&parcel(1, 20, 20, 50).upright()).unwrap();
    // The plate needs the whole floor, so it could only go on top of the
    // small box, which would hold 4 % of it.
    let plate = parcel(2, 100, 100, 50).upright();
    let before = packing.clone();
    assert_eq!(packing.try_place(&plate), None);
    assert_eq!(packing, before);
}

#[test]
fn try_place_keeps_existing_boxes_where_they_are() {
    let parcels = [parcel(1, 200, 300, 100), parcel(2, 150, 150, 150)];
    let mut packing = pack(LOCKER_C, &parcels).packing;
    let before = packing.placements().to_vec();
    let extra = parcel(3, 300, 300, 100);
    let placed = packing.try_place(&extra).unwrap();
    assert_eq!(packing.placements().get(..2), Some(before.as_slice()));
    assert_eq!(packing.placements().last(), Some(&placed));
    assert_eq!(packing.check(&[parcels[0], parcels[1], extra]), Ok(()));
}

#[test]
fn pack_is_deterministic() {
    let parcels: Vec<Parcel> = (0..12)
        .map(|i| {
            parcel(
                i,
                80 + 23 * small(i % 5),
                60 + 31 * small(i % 4),
                50 + 17 * small(i % 3),
            )
        })
        .collect();
    assert_eq!(pack(LOCKER_C, &parcels), pack(LOCKER_C, &parcels));
    assert_eq!(pack_bins(LOCKER_C, &parcels), pack_bins(LOCKER_C, &parcels));
}

#[test]
fn half_side_cubes_fill_bins_exactly() {
    let space = Dimensions::new(100, 100, 100);
    for n in [1_u64, 8, 9, 20, 64] {
        let cubes: Vec<Parcel> = (0..n).map(|i| parcel(i, 50, 50, 50)).collect();
        let bins = pack_bins(space, &cubes);
        let expected = n.div_ceil(8);
        assert_eq!(bins.len() as u64, expected);
        assert_eq!(u64::from(lower_bound(space, &cubes)), expected);
        for bin in &bins {
            assert_eq!(bin.check(&cubes), Ok(()));
        }
    }
}

#[test]
fn turning_lets_three_boxes_share_a_bin() {
    let space = Dimensions::new(100, 100, 100);
    let free: Vec<Parcel> = (0..3).map(|i| parcel(i, 60, 60, 40)).collect();
    let bins = pack_bins(space, &free);
    assert_eq!(bins.len(), 1);
    assert_eq!(bins[0].check(&free), Ok(()));
    let upright: Vec<Parcel> = free.iter().map(|p| p.upright()).collect();
    assert_eq!(pack_bins(space, &upright).len(), 2);
    assert_eq!(lower_bound(space, &upright), 2);
}

#[test]
fn pack_bins_places_every_fitting_parcel_once() {
    let mut parcels: Vec<Parcel> = (0..40)
        .map(|i| {
            parcel(
                i,
                50 + 37 * small(i % 7),
                40 + 29 * small(i % 5),
                30 + 41 * small(i % 3),
            )
        })
        .collect();
    parcels.push(parcel(99, 1_000, 10, 10));
    let bins = pack_bins(LOCKER_C, &parcels);
    let mut ids: Vec<u64> = bins
        .iter()
        .flat_map(|b| b.placements().iter().map(|p| p.parcel.0))
        .collect();
    ids.sort_unstable();
    assert_eq!(ids, (0..40).collect::<Vec<u64>>());
    for bin in &bins {
        assert_eq!(bin.check(&parcels), Ok(()));
    }
    assert!(lower_bound(LOCKER_C, &parcels) as usize <= bins.len());
    assert_eq!(
        try_pack_bins(LOCKER_C, &parcels),
        Err(PackError::FitsNoBin {
            parcel: ParcelId(99),
            size: Dimensions::new(1_000, 10, 10),
            space: LOCKER_C,
        })
    );
    parcels.pop();
    assert_eq!(try_pack_bins(LOCKER_C, &parcels), Ok(bins));
    assert_eq!(pack_bins(LOCKER_C, &[]), Vec::<Packing>::new());
}

#[test]
fn unvalidated_sizes_do_not_panic() {
    let max = Dimensions::new(u32::MAX, u32::MAX, u32::MAX);
    let parcels = [
        parcel(1, u32::MAX, u32::MAX, u32::MAX),
        parcel(2, u32::MAX, 1, 1),
        parcel(3, 0, 0, 0),
    ];
    let result = pack(max, &parcels);
    assert_eq!(result.packing.placements().len(), 1);
    assert_eq!(result.packing.used_volume_mm3(), u64::MAX);
    assert_eq!(result.packing.check(&parcels), Ok(()));
    assert_eq!(pack_bins(max, &parcels).len(), 2);
    let nothing = pack(Dimensions::new(0, 0, 0), &parcels);
    assert_eq!(nothing.unplaced.len(), 3);
    let mut packing = Packing::new(Dimensions::new(5, 5, 5));
    assert_eq!(packing.try_place(&parcel(4, u32::MAX, 1, 1)), None);
}

#[test]
fn from_placements_rejects_impossible_geometry() {
    let space = Dimensions::new(100, 100, 100);
    let o = Orientation::Wdh;
    let outside = at(1, [90, 0, 0], o, [20, 10, 10]);
    assert_eq!(
        Packing::from_placements(space, vec![outside]),
        Err(PackError::OutsideSpace {
            parcel: ParcelId(1),
            position: Position::new(90, 0, 0),
            extent: Dimensions::new(20, 10, 10),
            space,
        })
    );
    let a = at(1, [0, 0, 0], o, [50, 50, 50]);
    let b = at(2, [49, 49, 0], o, [10, 10, 10]);
    assert_eq!(
        Packing::from_placements(space, vec![a, b]),
        Err(PackError::Overlap {
            first: ParcelId(1),
            first_position: Position::ORIGIN,
            second: ParcelId(2),
            second_position: Position::new(49, 49, 0),
        })
    );
    let floating = at(3, [0, 0, 60], o, [10, 10, 10]);
    assert_eq!(
        Packing::from_placements(space, vec![a, floating]),
        Err(PackError::Unsupported {
            parcel: ParcelId(3),
            position: Position::new(0, 0, 60),
        })
    );
    let empty = at(4, [0, 0, 0], o, [0, 10, 10]);
    assert!(matches!(
        Packing::from_placements(space, vec![empty]),
        Err(PackError::EmptyExtent { .. })
    ));
    let twice = at(1, [60, 0, 0], o, [10, 10, 10]);
    assert_eq!(
        Packing::from_placements(space, vec![a, twice]),
        Err(PackError::DuplicatePlacement {
            parcel: ParcelId(1)
        })
    );
    // Resting on top of `a`, centred: fine, and the extreme points are
    // those the heuristic would have built.
    let on_top = at(5, [10, 10, 50], o, [30, 30, 30]);
    let rebuilt = Packing::from_placements(space, vec![a, on_top]).unwrap();
    let mut replayed = Packing::new(space);
    replayed.try_place(&parcel(1, 50, 50, 50)).unwrap();
    assert_eq!(rebuilt.placements()[0], replayed.placements()[0]);
    assert!(rebuilt.extreme_points().contains(&Position::new(50, 0, 0)));
}

#[test]
fn check_matches_placements_to_parcels() {
    let space = Dimensions::new(100, 100, 100);
    let box_a = parcel(1, 10, 20, 30);
    let lying = at(1, [0, 0, 0], Orientation::Hdw, [30, 20, 10]);
    let packing = Packing::from_placements(space, vec![lying]).unwrap();
    assert_eq!(packing.check(&[box_a]), Ok(()));
    assert_eq!(
        packing.check(&[box_a.upright()]),
        Err(PackError::OrientationNotAllowed {
            parcel: ParcelId(1),
            orientation: Orientation::Hdw,
        })
    );
    assert_eq!(
        packing.check(&[parcel(1, 10, 20, 31)]),
        Err(PackError::ExtentMismatch {
            parcel: ParcelId(1),
            orientation: Orientation::Hdw,
            expected: Dimensions::new(31, 20, 10),
            extent: Dimensions::new(30, 20, 10),
        })
    );
    assert_eq!(
        packing.check(&[parcel(2, 10, 20, 30)]),
        Err(PackError::UnknownParcel {
            parcel: ParcelId(1)
        })
    );
}

#[test]
fn errors_name_the_values() {
    let message = PackError::Overlap {
        first: ParcelId(7),
        first_position: Position::new(1, 2, 3),
        second: ParcelId(8),
        second_position: Position::new(4, 5, 6),
    }
    .to_string();
    assert!(message.contains("parcel 7") && message.contains("(1, 2, 3) mm"));
    assert!(message.contains("parcel 8") && message.contains("(4, 5, 6) mm"));
    let message = PackError::FitsNoBin {
        parcel: ParcelId(3),
        size: Dimensions::new(900, 10, 10),
        space: LOCKER_C,
    }
    .to_string();
    assert!(message.contains("900×10×10 mm") && message.contains("380×640×410 mm"));
}

#[cfg(feature = "serde")]
#[test]
fn a_packing_round_trips_through_json() {
    let parcels = [parcel(1, 300, 200, 150), parcel(2, 100, 100, 100).upright()];
    let packing = pack(LOCKER_C, &parcels).packing;
    let json = serde_json::to_string(&packing).unwrap();
    assert!(json.starts_with(r#"{"space":{"width_mm":380"#));
    assert!(json.contains(r#""orientation":"#) && json.contains(r#""x_mm":"#));
    let back: Packing = serde_json::from_str(&json).unwrap();
    assert_eq!(back, packing);
    let overlapping = r#"{"space":{"width_mm":100,"depth_mm":100,"height_mm":100},"placements":[
        {"parcel":1,"position":{"x_mm":0,"y_mm":0,"z_mm":0},"orientation":"wdh","extent":{"width_mm":50,"depth_mm":50,"height_mm":50}},
        {"parcel":2,"position":{"x_mm":10,"y_mm":0,"z_mm":0},"orientation":"wdh","extent":{"width_mm":50,"depth_mm":50,"height_mm":50}}]}"#;
    let error = serde_json::from_str::<Packing>(overlapping).unwrap_err();
    assert!(error.to_string().contains("overlaps"));
}

proptest::proptest! {
    /// A packing settled in a compartment (its extreme points dropped) and
    /// one rebuilt from its placements place every next parcel exactly
    /// where the live packing does: the points are a function of the
    /// placements, so a door's packing needs no more than its placements.
    #[test]
    fn settled_and_rebuilt_packings_place_as_the_live_one(
        sizes in proptest::collection::vec((1_u32..=200, 1_u32..=200, 1_u32..=200), 1..12),
        settle_after in 0_usize..12,
    ) {
        let mut live = Packing::new(LOCKER_C);
        let mut settled: Option<Packing> = None;
        for (n, &(w, d, h)) in (0_u64..).zip(&sizes) {
            if usize::try_from(n).ok() == Some(settle_after) {
                let mut copy = live.clone();
                copy.settle();
                proptest::prop_assert_eq!(copy.extreme_points(), live.extreme_points());
                let rebuilt = Packing::from_placements(LOCKER_C, live.placements().to_vec());
                proptest::prop_assert_eq!(rebuilt.as_ref().ok(), Some(&copy));
                settled = Some(copy);
            }
            let next = parcel(n, w, d, h);
            let placed = live.try_place(&next);
            if let Some(copy) = settled.as_mut() {
                proptest::prop_assert_eq!(copy.try_place(&next), placed);
                proptest::prop_assert_eq!(copy.extreme_points(), live.extreme_points());
            }
        }
        if let Some(copy) = settled {
            let parcels: Vec<Parcel> = (0_u64..).zip(&sizes).map(|(n, &(w, d, h))| parcel(n, w, d, h)).collect();
            proptest::prop_assert_eq!(copy.check(&parcels), Ok(()));
        }
    }
}
