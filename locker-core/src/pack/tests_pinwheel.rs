//! Tests of pinwheels: loads that fill their compartments only with five
//! parcels laid round a centre, which no guillotine packing holds.

use super::tests_exact::{Mix, shuffle};
use super::tests_into::{assert_valid, bin, options};
use super::*;
use alloc::vec;
use alloc::vec::Vec;
use proptest::prelude::*;

/// The five sides of a pinwheel of the box `sides` in the plane of axes
/// `p` and `q` (`a` and `b` the sides its long parts leave).
fn wheel(sides: [u32; 3], p: usize, q: usize, a: u32, b: u32) -> [[u32; 3]; 5] {
    let part = |along_p: u32, along_q: u32| {
        let mut part = sides;
        part[p] = along_p;
        part[q] = along_q;
        part
    };
    [
        part(sides[p] - 2 * a, sides[q] - 2 * b),
        part(sides[p] - a, b),
        part(a, sides[q] - b),
        part(sides[p] - a, b),
        part(a, sides[q] - b),
    ]
}

fn parcels_of(sides: &[[u32; 3]], first_id: u64) -> Vec<Parcel> {
    sides
        .iter()
        .zip(first_id..)
        .map(|(&[w, d, h], id)| Parcel::new(ParcelId(id), Dimensions::new(w, d, h), 1_000))
        .collect()
}

/// Compartments of `space` enough for `parcels` twice over.
fn bins_for(space: Dimensions, count: u32) -> Vec<Bin> {
    let [w, d, h] = space.sides();
    (1..=2 * count).map(|id| bin(id, w, d, h)).collect()
}

/// Whether the exact fill packs `parcels` into `compartments` of
/// `space` (each packing checked), and `pack_into` into as few.
fn fills(space: Dimensions, parcels: &[Parcel], compartments: usize) -> bool {
    let mut budget = DEFAULT_MAX_ITERATIONS * 48;
    let limits_g = vec![u64::MAX; compartments];
    let Some(filled) = fill::fill_exactly(space, parcels, &limits_g, &mut budget) else {
        return false;
    };
    let placed: usize = filled.iter().map(Vec::len).sum();
    assert_eq!(placed, parcels.len());
    for placements in filled {
        let packing = Packing::from_placements(space, placements).unwrap();
        assert_eq!(packing.check(parcels), Ok(()));
    }
    let bins = bins_for(space, u32::try_from(compartments).unwrap());
    let result = pack_into(
        &bins,
        parcels,
        &options(Objective::FewestCompartments, DEFAULT_MAX_ITERATIONS),
    );
    assert_valid(&bins, parcels, &result);
    result.unplaced.is_empty() && result.bins.len() == compartments
}

#[test]
fn a_pinwheel_fills_its_compartment_in_every_plane() {
    let sides = [300, 240, 180];
    for (p, q) in [(0, 1), (1, 0), (0, 2), (2, 0), (1, 2), (2, 1)] {
        let parts = wheel(sides, p, q, sides[p] / 3, sides[q] / 3);
        let parcels = parcels_of(&parts, 1);
        let [w, d, h] = sides;
        assert!(
            fills(Dimensions::new(w, d, h), &parcels, 1),
            "plane {p} {q}"
        );
    }
}

#[test]
fn a_pinwheel_turned_to_fit_is_laid_out_turned() {
    // The parcels as a pinwheel of 300 × 240 × 180, the compartment that
    // box on its side: the piece must turn, and each parcel with it.
    let parts = wheel([300, 240, 180], 0, 1, 100, 80);
    let parcels = parcels_of(&parts, 1);
    assert!(fills(Dimensions::new(180, 300, 240), &parcels, 1));
    // A parcel that keeps its top up keeps the piece upright: a turn
    // about the vertical still fits.
    let mut upright = parcels.clone();
    upright[2].this_side_up = true;
    assert!(fills(Dimensions::new(240, 300, 180), &upright, 1));
}

/// `parcels`, each declared turned one of the six ways at random.
fn turned_at_random(parcels: &[Parcel], seed: u64) -> Vec<Parcel> {
    let mut rng = Mix(seed);
    parcels
        .iter()
        .map(|p| {
            let turn = Orientation::ALL[usize::try_from(rng.below(6)).unwrap()];
            Parcel {
                size: p.size.oriented(turn),
                ..*p
            }
        })
        .collect()
}

#[test]
fn a_pinwheel_declared_turned_is_found_however_its_parcels_turn() {
    let parts = wheel([300, 240, 180], 0, 1, 100, 70);
    let parcels = parcels_of(&parts, 1);
    let space = Dimensions::new(300, 240, 180);
    for seed in 1..=12 {
        let turned = turned_at_random(&parcels, seed);
        assert!(fills(space, &turned, 1), "seed {seed}");
    }
    // One that must keep its top up is matched only as declared: turned
    // on its side, its five are no pinwheel the fill may lay out.
    let mut upright = turned_at_random(&parcels, 3);
    upright[0].this_side_up = true;
    upright[0].size = Dimensions::new(
        upright[0].size.height_mm,
        upright[0].size.depth_mm,
        upright[0].size.width_mm,
    );
    assert!(pinwheel::Pinwheels::find(space.sides(), &upright).is_none());
}

#[test]
fn pinwheels_beside_other_parcels_fill_several_compartments() {
    // Two compartments of 400 × 300 × 200: one a pinwheel beside a slab,
    // the other cut in two, all shuffled.
    let mut sides: Vec<[u32; 3]> = wheel([300, 300, 200], 0, 1, 100, 70).to_vec();
    sides.push([100, 300, 200]);
    sides.push([400, 300, 120]);
    sides.push([400, 300, 80]);
    shuffle(&mut sides, &mut Mix(7));
    let parcels = parcels_of(&sides, 10);
    assert!(fills(Dimensions::new(400, 300, 200), &parcels, 2));
}

#[test]
fn a_pinwheel_heavier_than_a_shelf_holds_is_not_one_compartment() {
    let parts = wheel([300, 240, 180], 0, 1, 100, 80);
    let parcels = parcels_of(&parts, 1);
    let space = Dimensions::new(300, 240, 180);
    let mut budget = u64::MAX;
    assert!(fill::fill_exactly(space, &parcels, &[5_000], &mut budget).is_some());
    let mut budget = u64::MAX;
    assert_eq!(
        fill::fill_exactly(space, &parcels, &[4_999], &mut budget),
        None
    );
}

#[test]
fn five_parcels_alike_but_not_a_pinwheel_fill_as_parcels() {
    // Two 200 × 100, two 100 × 200 and a 100 × 100 make a 300 × 300
    // pinwheel, a whole compartment; but what is left then (two 200 × 200
    // and a 100 × 100) fills no other. Each compartment holds one of each
    // of the first four sizes, cut by guillotine cuts: the parcels route
    // finds it.
    let sides = [
        [200, 100, 100],
        [200, 100, 100],
        [100, 200, 100],
        [100, 200, 100],
        [100, 100, 100],
        [100, 100, 100],
        [200, 200, 100],
        [200, 200, 100],
    ];
    let parcels = parcels_of(&sides, 1);
    let space = Dimensions::new(300, 300, 100);
    assert!(pinwheel::Pinwheels::find(space.sides(), &parcels).is_some());
    assert!(fills(space, &parcels, 2));
}

/// Cuts `sides` into `k` boxes by the rule of MPV's all-fill generator:
/// five as a pinwheel, more in two halves of the count across a random
/// axis; `None` when a box cannot be cut so.
fn cut_mpv(rng: &mut Mix, sides: [u32; 3], k: usize, out: &mut Vec<[u32; 3]>) -> Option<()> {
    if k == 1 {
        out.push(sides);
        return Some(());
    }
    if k == 5 {
        let (a, b) = (sides[0] / 3, sides[1] / 3);
        if a == 0 || b == 0 {
            return None;
        }
        out.extend(wheel(sides, 0, 1, a, b));
        return Some(());
    }
    let axes: Vec<usize> = (0..3).filter(|&axis| sides[axis] >= 2).collect();
    let axis = *axes.get(usize::try_from(rng.below(axes.len() as u64)).ok()?)?;
    let at = u32::try_from(rng.below(u64::from(sides[axis] - 1))).ok()? + 1;
    let (mut low, mut high) = (sides, sides);
    low[axis] = at;
    high[axis] = sides[axis] - at;
    cut_mpv(rng, low, k.div_ceil(2), out)?;
    cut_mpv(rng, high, k / 2, out)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// A compartment cut as MPV's generator cuts (pinwheels at five)
    /// into up to a dozen parcels always fills again, declared as cut and
    /// declared turned at random.
    #[test]
    fn a_compartment_cut_with_pinwheels_fills_again(k in 5_usize..=12, seed in any::<u64>()) {
        let space = Dimensions::new(300, 240, 180);
        let mut rng = Mix(seed);
        let mut sides = Vec::new();
        prop_assume!(cut_mpv(&mut rng, space.sides(), k, &mut sides).is_some());
        let parcels = parcels_of(&sides, 1);
        prop_assert!(fills(space, &parcels, 1));
        prop_assert!(fills(space, &turned_at_random(&parcels, seed), 1));
    }
}

#[test]
fn pinwheels_are_found_only_where_five_parcels_make_one_that_fits() {
    let parts: Vec<[u32; 3]> = vec![[300, 240, 90], [300, 240, 90]];
    let parcels = parcels_of(&parts, 1);
    assert!(pinwheel::Pinwheels::find([300, 240, 180], &parcels).is_none());
    let wheel_parcels = parcels_of(&wheel([300, 240, 180], 0, 1, 100, 80), 1);
    let found = pinwheel::Pinwheels::find([300, 240, 180], &wheel_parcels).unwrap();
    assert_eq!(found.pieces.len(), 1);
    assert_eq!(found.pieces[0].size, Dimensions::new(300, 240, 180));
    // A box larger than the compartment is no piece; one that fits
    // turned is.
    assert!(pinwheel::Pinwheels::find([299, 240, 180], &wheel_parcels).is_none());
    assert!(pinwheel::Pinwheels::find([180, 300, 240], &wheel_parcels).is_some());
    // One that keeps its top up fits only upright: a box that fits only
    // on its side is no piece, one turned about the vertical is.
    let mut upright = wheel_parcels.clone();
    upright[4].this_side_up = true;
    assert!(pinwheel::Pinwheels::find([180, 300, 240], &upright).is_none());
    assert!(pinwheel::Pinwheels::find([240, 300, 180], &upright).is_some());
}
