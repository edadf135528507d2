//! Tests of the exact search, with a generator of instances whose optimum
//! is known: a space cut by guillotine cuts.

use super::*;
use alloc::vec;
use alloc::vec::Vec;
use proptest::prelude::*;

/// SplitMix64: a tiny deterministic generator for test instances.
pub(super) struct Mix(pub(super) u64);

impl Mix {
    pub(super) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform-enough in `0..n` for tests (`n > 0`).
    pub(super) fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// `space` cut into up to `k` boxes by random guillotine cuts (a random
/// box, axis and place each time), in cutting order.
pub(super) fn cut_boxes(space: Dimensions, k: usize, rng: &mut Mix) -> Vec<[u32; 3]> {
    let mut boxes = vec![space.sides()];
    while boxes.len() < k {
        let cuttable: Vec<usize> = (0..boxes.len())
            .filter(|&i| boxes[i].iter().any(|&s| s >= 2))
            .collect();
        if cuttable.is_empty() {
            break;
        }
        let i = cuttable[usize::try_from(rng.below(cuttable.len() as u64)).unwrap()];
        let sides = boxes[i];
        let axes: Vec<usize> = (0..3).filter(|&a| sides[a] >= 2).collect();
        let axis = axes[usize::try_from(rng.below(axes.len() as u64)).unwrap()];
        let cut = 1 + u32::try_from(rng.below(u64::from(sides[axis] - 1))).unwrap();
        let mut first = sides;
        let mut second = sides;
        first[axis] = cut;
        second[axis] = sides[axis] - cut;
        boxes[i] = first;
        boxes.push(second);
    }
    boxes
}

/// Fisher–Yates.
pub(super) fn shuffle<T>(items: &mut [T], rng: &mut Mix) {
    for i in (1..items.len()).rev() {
        let j = usize::try_from(rng.below(i as u64 + 1)).unwrap();
        items.swap(i, j);
    }
}

/// `space` cut into `k` boxes by random guillotine cuts, each box turned
/// at random and the list shuffled; ids `0..k`.
pub(super) fn guillotine(space: Dimensions, k: usize, seed: u64) -> Vec<Parcel> {
    let mut rng = Mix(seed);
    let mut boxes = cut_boxes(space, k, &mut rng);
    shuffle(&mut boxes, &mut rng);
    boxes
        .into_iter()
        .enumerate()
        .map(|(id, sides)| {
            let size = Dimensions::new(sides[0], sides[1], sides[2]);
            let turn = Orientation::ALL[usize::try_from(rng.below(6)).unwrap()];
            Parcel::new(ParcelId(id as u64), size.oriented(turn), 1_000)
        })
        .collect()
}

/// The compartments the issue's guillotine instances are cut from.
pub(super) const SPACES: [Dimensions; 3] = [
    Dimensions::new(640, 380, 410),
    Dimensions::new(640, 380, 190),
    Dimensions::new(600, 400, 400),
];

#[test]
fn the_greedy_counterexample_from_the_issue_is_solved() {
    // 640 wide cut into 398 + 242: the flattest rule stands the first box
    // 410 wide and leaves 230 mm for the 242 mm box.
    let space = Dimensions::new(640, 380, 410);
    let parcels = [
        Parcel::new(ParcelId(1), Dimensions::new(398, 380, 410), 1),
        Parcel::new(ParcelId(2), Dimensions::new(242, 380, 410), 1),
    ];
    let result = pack_exact(space, &parcels, 10_000);
    assert_eq!(result.outcome, ExactOutcome::Packed);
    assert_eq!(result.packing.check(&parcels), Ok(()));
    assert_eq!(result.packing.placements().len(), 2);
}

#[test]
fn guillotine_cuts_re_pack_for_every_k_up_to_eight() {
    let mut failures = Vec::new();
    for k in 1..=8 {
        for seed in 0..40 {
            let space = SPACES[usize::try_from(seed % 3).unwrap()];
            let parcels = guillotine(space, k, seed * 31 + k as u64);
            let result = pack_exact(space, &parcels, 2_000_000);
            assert_eq!(result.packing.check(&parcels), Ok(()));
            if result.outcome != ExactOutcome::Packed {
                failures.push((k, seed, result.outcome, result.nodes));
            }
        }
    }
    assert_eq!(failures, vec![]);
}

#[test]
fn impossible_sets_are_proved_impossible() {
    let space = Dimensions::new(100, 100, 100);
    let big = |id| Parcel::new(ParcelId(id), Dimensions::new(60, 60, 60), 1);
    // Two boxes over half the space on every axis: the bound proves it.
    let result = pack_exact(space, &[big(1), big(2)], 1_000);
    assert_eq!(result.outcome, ExactOutcome::Impossible);
    assert_eq!(result.nodes, 0);
    assert_eq!(result.packing.check(&[big(1), big(2)]), Ok(()));
    // Too long for the space.
    let long = Parcel::new(ParcelId(3), Dimensions::new(101, 1, 1), 1);
    assert_eq!(
        pack_exact(space, &[long], 1_000).outcome,
        ExactOutcome::Impossible
    );
    // A zero side.
    let flat = Parcel::new(ParcelId(4), Dimensions::new(0, 1, 1), 1);
    assert_eq!(
        pack_exact(space, &[flat], 1_000).outcome,
        ExactOutcome::Impossible
    );
    // Exact volume but the pieces cannot tile: three 100×100×34 slabs
    // would need 102 mm; with 34+33+33 it works.
    let slab = |id, h| Parcel::new(ParcelId(id), Dimensions::new(100, 100, h), 1);
    let tiles = [slab(1, 34), slab(2, 33), slab(3, 33)];
    assert_eq!(
        pack_exact(space, &tiles, 1_000).outcome,
        ExactOutcome::Packed
    );
}

#[test]
fn an_exact_fill_that_cannot_tile_is_impossible_after_search() {
    // A 3×3 square and four 2×2 squares have the area of a 5×5 square
    // but cannot tile it: beside the 3×3 only three 2×2 fit.
    let space = Dimensions::new(5, 5, 1);
    let mut parcels = vec![Parcel::new(ParcelId(0), Dimensions::new(3, 3, 1), 1)];
    for id in 1..=4 {
        parcels.push(Parcel::new(ParcelId(id), Dimensions::new(2, 2, 1), 1));
    }
    let result = pack_exact(space, &parcels, 1_000_000);
    assert_eq!(result.outcome, ExactOutcome::Impossible);
    assert_eq!(result.packing.check(&parcels), Ok(()));
}

#[test]
fn a_spent_budget_says_so_and_keeps_the_greedy() {
    let space = Dimensions::new(640, 380, 410);
    let parcels = guillotine(space, 8, 7);
    let greedy = pack(space, &parcels);
    let result = pack_exact(space, &parcels, 0);
    if greedy.unplaced.is_empty() {
        assert_eq!(result.outcome, ExactOutcome::Packed);
    } else {
        assert_eq!(result.outcome, ExactOutcome::BudgetSpent);
        assert_eq!(result.packing, greedy.packing);
    }
}

#[test]
fn degenerate_inputs_do_not_panic() {
    let huge = Dimensions::new(u32::MAX, u32::MAX, u32::MAX);
    let parcels = [
        Parcel::new(ParcelId(1), huge, 1),
        Parcel::new(ParcelId(1), Dimensions::new(1, 1, 1), 1),
    ];
    let result = pack_exact(huge, &parcels, 1_000);
    assert_eq!(result.packing.check(&parcels), Ok(()));
    let empty = pack_exact(Dimensions::new(0, 0, 0), &[], 10);
    assert_eq!(empty.outcome, ExactOutcome::Packed);
    let result = pack_exact(Dimensions::new(0, 5, 5), &parcels, 10);
    assert_eq!(result.outcome, ExactOutcome::Impossible);
}

fn placed_volume(result: &ExactResult) -> (usize, u64) {
    (
        result.packing.placements().len(),
        result.packing.used_volume_mm3(),
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn guillotine_cuts_with_up_to_four_boxes_always_re_pack(
        seed in any::<u64>(),
        k in 1usize..=4,
        space_index in 0usize..3,
    ) {
        let space = SPACES[space_index];
        let parcels = guillotine(space, k, seed);
        let result = pack_exact(space, &parcels, 1_000_000);
        prop_assert_eq!(result.outcome, ExactOutcome::Packed);
        prop_assert_eq!(result.packing.check(&parcels), Ok(()));
        prop_assert_eq!(result.packing.placements().len(), parcels.len());
    }

    #[test]
    fn a_larger_budget_never_gives_a_worse_answer(
        seed in any::<u64>(),
        k in 2usize..=8,
        small_budget in 0u64..400,
        extra in 0u64..4_000,
        drop in 0usize..8,
    ) {
        let space = SPACES[usize::try_from(seed % 3).unwrap()];
        // Drop a box now and then, so that some sets leave gaps.
        let mut parcels = guillotine(space, k, seed);
        if drop < parcels.len() && drop % 2 == 0 {
            parcels.remove(drop);
        }
        let small = pack_exact(space, &parcels, small_budget);
        let large = pack_exact(space, &parcels, small_budget + extra);
        prop_assert_eq!(small.packing.check(&parcels), Ok(()));
        prop_assert_eq!(large.packing.check(&parcels), Ok(()));
        prop_assert!(placed_volume(&large) >= placed_volume(&small));
        if small.outcome == ExactOutcome::Packed {
            prop_assert_eq!(large.outcome, ExactOutcome::Packed);
        }
    }

    #[test]
    fn random_small_sets_never_give_a_bad_packing(
        sizes in proptest::collection::vec((1u32..400, 1u32..400, 1u32..400, any::<bool>()), 0..7),
        budget in 0u64..3_000,
    ) {
        let space = Dimensions::new(640, 380, 410);
        let parcels: Vec<Parcel> = sizes
            .iter()
            .enumerate()
            .map(|(i, &(w, d, h, up))| {
                let p = Parcel::new(ParcelId(i as u64), Dimensions::new(w, d, h), 1);
                if up { p.upright() } else { p }
            })
            .collect();
        let result = pack_exact(space, &parcels, budget);
        prop_assert_eq!(result.packing.check(&parcels), Ok(()));
        let greedy = pack(space, &parcels);
        prop_assert!(result.packing.placements().len() >= greedy.packing.placements().len());
        if result.outcome == ExactOutcome::Packed {
            prop_assert_eq!(result.packing.placements().len(), parcels.len());
        }
    }
}
