//! Tests of `pack_into`: the rules every result keeps, and the search.

use super::tests_exact::{Mix, SPACES, cut_boxes, guillotine, shuffle};
use super::*;
use crate::parcel::{Handling, TemperatureZone};
use alloc::vec;
use alloc::vec::Vec;
use proptest::prelude::*;

pub(super) fn bin(id: u32, w: u32, d: u32, h: u32) -> Bin {
    Bin::new(CompartmentId(id), Dimensions::new(w, d, h), 25_000)
}

pub(super) fn options(objective: Objective, max_iterations: u64) -> PackOptions {
    PackOptions {
        objective,
        max_iterations,
        seed: 1,
    }
}

/// Every rule of the module docs of `pack_into`, checked from scratch.
pub(super) fn assert_valid(bins: &[Bin], parcels: &[Parcel], result: &PackIntoResult) {
    let mut seen: Vec<u64> = result.unplaced.iter().map(|p| p.0).collect();
    for used in &result.bins {
        let spec = bins.iter().find(|b| b.id == used.compartment).unwrap();
        assert_eq!(used.packing.space(), spec.space);
        assert_eq!(used.packing.check(parcels), Ok(()));
        assert!(!used.packing.placements().is_empty());
        let held: Vec<&Parcel> = used
            .packing
            .placements()
            .iter()
            .map(|pl| parcels.iter().find(|p| p.id == pl.parcel).unwrap())
            .collect();
        let weight_g: u64 = held.iter().map(|p| u64::from(p.weight_g)).sum();
        if let Some(max) = spec.max_weight_g {
            assert!(weight_g <= u64::from(max));
        }
        for p in &held {
            assert_eq!(p.zone, spec.zone);
            assert!(p.can_share_with(held[0]));
        }
        seen.extend(held.iter().map(|p| p.id.0));
    }
    seen.sort_unstable();
    let mut ids: Vec<u64> = parcels.iter().map(|p| p.id.0).collect();
    ids.sort_unstable();
    assert_eq!(seen, ids, "every parcel placed once or listed unplaced");
}

fn random_parcels(seed: u64, n: u64) -> Vec<Parcel> {
    let mut rng = Mix(seed);
    (0..n)
        .map(|i| {
            let side =
                |rng: &mut Mix, lo: u64, hi: u64| u32::try_from(lo + rng.below(hi - lo)).unwrap();
            let mut p = Parcel::new(
                ParcelId(i),
                Dimensions::new(
                    side(&mut rng, 40, 400),
                    side(&mut rng, 40, 300),
                    side(&mut rng, 20, 250),
                ),
                u32::try_from(200 + rng.below(6_000)).unwrap(),
            );
            if rng.below(5) == 0 {
                p = p.upright();
            }
            match rng.below(10) {
                0 => p.with_handling(Handling::CashOnDelivery),
                1 => p.in_zone(TemperatureZone::Chilled),
                _ => p,
            }
        })
        .collect()
}

fn mixed_bins() -> Vec<Bin> {
    (0..12)
        .map(|i| match i % 4 {
            0 => bin(i, 380, 640, 80),
            1 => bin(i, 380, 640, 190),
            2 => bin(i, 380, 640, 410),
            _ => bin(i, 450, 600, 500).in_zone(TemperatureZone::Chilled),
        })
        .collect()
}

#[test]
fn nothing_to_pack_or_nowhere_to_pack() {
    let parcels = random_parcels(1, 5);
    let none = pack_into(&[], &parcels, &PackOptions::default());
    assert!(none.bins.is_empty());
    assert_eq!(none.unplaced.len(), 5);
    let empty = pack_into(&mixed_bins(), &[], &PackOptions::default());
    assert!(empty.bins.is_empty() && empty.unplaced.is_empty());
}

#[test]
fn the_rules_hold_for_every_objective() {
    let bins = mixed_bins();
    for seed in 0..6 {
        let parcels = random_parcels(seed, 40);
        for objective in [
            Objective::MostParcels,
            Objective::FewestCompartments,
            Objective::LeastVolume,
        ] {
            let result = pack_into(&bins, &parcels, &options(objective, 5_000));
            assert_valid(&bins, &parcels, &result);
        }
    }
}

#[test]
fn weight_limits_split_heavy_parcels() {
    let bins = [bin(1, 600, 600, 600), bin(2, 600, 600, 600)];
    let heavy = |id| Parcel::new(ParcelId(id), Dimensions::new(100, 100, 100), 15_000);
    let parcels = [heavy(1), heavy(2), heavy(3)];
    let result = pack_into(&bins, &parcels, &PackOptions::default());
    assert_valid(&bins, &parcels, &result);
    // 25 kg per shelf: one parcel each, the third left over.
    assert_eq!(result.placed(), 2);
    assert_eq!(result.bins.len(), 2);
}

#[test]
fn handling_classes_never_share_a_compartment() {
    let bins = [
        bin(1, 600, 600, 600),
        bin(2, 600, 600, 600),
        bin(3, 100, 100, 100),
    ];
    let small = |id| Parcel::new(ParcelId(id), Dimensions::new(100, 100, 100), 100);
    let parcels = [
        small(1),
        small(2).with_handling(Handling::CashOnDelivery),
        small(3).with_handling(Handling::IdCheck),
    ];
    let result = pack_into(&bins, &parcels, &PackOptions::default());
    assert_valid(&bins, &parcels, &result);
    assert_eq!(result.placed(), 3);
    assert_eq!(result.bins.len(), 3);
}

#[test]
fn fewest_compartments_beats_the_greedy_on_a_guillotine_load() {
    // Three compartments, each cut into 6 boxes: the greedy rarely finds 3.
    let space = Dimensions::new(640, 380, 410);
    let mut parcels = Vec::new();
    for (cut, seed) in [11, 12, 13].into_iter().enumerate() {
        for mut p in guillotine(space, 6, seed) {
            p.id = ParcelId(p.id.0 + 100 * cut as u64);
            parcels.push(p);
        }
    }
    let bins: Vec<Bin> = (0..6)
        .map(|i| Bin {
            max_weight_g: None,
            ..bin(i, 640, 380, 410)
        })
        .collect();
    let result = pack_into(
        &bins,
        &parcels,
        &options(Objective::FewestCompartments, 100_000),
    );
    assert_valid(&bins, &parcels, &result);
    assert!(result.unplaced.is_empty());
    assert!(result.bins.len() <= 4, "{} compartments", result.bins.len());
}

#[test]
fn least_volume_moves_parcels_into_smaller_compartments() {
    let bins = [bin(1, 600, 600, 600), bin(2, 200, 200, 200)];
    let parcels = [Parcel::new(
        ParcelId(1),
        Dimensions::new(150, 150, 150),
        100,
    )];
    let result = pack_into(&bins, &parcels, &options(Objective::LeastVolume, 1_000));
    assert_valid(&bins, &parcels, &result);
    assert_eq!(result.bins[0].compartment, CompartmentId(2));
}

#[test]
fn most_parcels_prefers_many_small_parcels_to_one_large() {
    let bins = [bin(1, 200, 200, 200)];
    let mut parcels = vec![Parcel::new(
        ParcelId(0),
        Dimensions::new(200, 200, 200),
        100,
    )];
    parcels.extend((1..=8).map(|i| Parcel::new(ParcelId(i), Dimensions::new(100, 100, 100), 100)));
    let result = pack_into(&bins, &parcels, &options(Objective::MostParcels, 10_000));
    assert_valid(&bins, &parcels, &result);
    assert_eq!(result.placed(), 8);
    assert_eq!(result.unplaced, vec![ParcelId(0)]);
}

#[test]
fn duplicates_are_refused_with_their_id() {
    let bins = [bin(1, 100, 100, 100), bin(1, 200, 200, 200)];
    let p = Parcel::new(ParcelId(7), Dimensions::new(10, 10, 10), 1);
    assert_eq!(
        try_pack_into(&bins[..1], &[p, p], &PackOptions::default()),
        Err(PackError::DuplicateParcel {
            parcel: ParcelId(7)
        })
    );
    assert_eq!(
        try_pack_into(&bins, &[p], &PackOptions::default()),
        Err(PackError::DuplicateBin {
            compartment: CompartmentId(1)
        })
    );
}

#[test]
fn degenerate_sizes_do_not_panic() {
    let bins = [
        bin(1, 0, 10, 10),
        bin(2, u32::MAX, u32::MAX, u32::MAX),
        bin(3, 1, 1, 1),
    ];
    let parcels = [
        Parcel::new(ParcelId(1), Dimensions::new(0, 5, 5), 1),
        Parcel::new(
            ParcelId(2),
            Dimensions::new(u32::MAX, u32::MAX, u32::MAX),
            u32::MAX,
        ),
        Parcel::new(ParcelId(3), Dimensions::new(1, 1, 1), 0),
    ];
    for objective in [
        Objective::MostParcels,
        Objective::FewestCompartments,
        Objective::LeastVolume,
    ] {
        let result = pack_into(&bins, &parcels, &options(objective, 1_000));
        assert_valid(&bins, &parcels, &result);
        assert!(result.unplaced.contains(&ParcelId(1)));
    }
}

#[test]
fn the_same_inputs_give_the_same_result() {
    let bins = mixed_bins();
    let parcels = random_parcels(9, 50);
    let a = pack_into(&bins, &parcels, &options(Objective::MostParcels, 3_000));
    let b = pack_into(&bins, &parcels, &options(Objective::MostParcels, 3_000));
    assert_eq!(a, b);
}

/// The result's standing under `objective` (greater is better), written
/// out from the module docs rather than taken from the search.
fn rank(result: &PackIntoResult, bins: &[Bin], objective: Objective) -> (usize, i128, i128) {
    let used = i128::try_from(result.bins.len()).unwrap();
    let volume: u128 = result
        .bins
        .iter()
        .map(|b| {
            let spec = bins.iter().find(|s| s.id == b.compartment).unwrap();
            volume_u128(spec.space)
        })
        .sum();
    let volume = i128::try_from(volume).unwrap();
    match objective {
        Objective::LeastVolume => (result.placed(), -volume, -used),
        _ => (result.placed(), -used, -volume),
    }
}

/// `pack_into` with `small + extra` iterations does no worse than with
/// `small`, and both results keep every rule.
fn assert_more_budget_no_worse(
    bins: &[Bin],
    parcels: &[Parcel],
    objective: Objective,
    seed: u64,
    small: u64,
    extra: u64,
) {
    let mut options = options(objective, small);
    options.seed = seed;
    let a = pack_into(bins, parcels, &options);
    options.max_iterations = small + extra;
    let b = pack_into(bins, parcels, &options);
    assert_valid(bins, parcels, &a);
    assert_valid(bins, parcels, &b);
    assert!(rank(&b, bins, objective) >= rank(&a, bins, objective));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(16))]

    #[test]
    fn a_larger_budget_never_does_worse(
        seed in any::<u64>(),
        n in 0u64..40,
        small in 0u64..2_000,
        extra in 0u64..6_000,
        objective_index in 0usize..3,
    ) {
        let objective = [Objective::MostParcels, Objective::FewestCompartments, Objective::LeastVolume][objective_index];
        let bins = mixed_bins();
        let parcels = random_parcels(seed, n);
        assert_more_budget_no_worse(&bins, &parcels, objective, seed, small, extra);
    }
}

/// `count` compartments of `space`, each cut into `k` boxes by random
/// guillotine cuts and turned at random (`turned`) or left as cut; ids
/// `0..count·k`, shuffled across compartments.
pub(super) fn cut_compartments(
    space: Dimensions,
    count: usize,
    k: usize,
    seed: u64,
    turned: bool,
) -> Vec<Parcel> {
    let mut rng = Mix(seed ^ 0xC0FF_EE00);
    let mut boxes: Vec<Dimensions> = Vec::new();
    for _ in 0..count {
        for [w, d, h] in cut_boxes(space, k, &mut rng) {
            let turn = if turned {
                Orientation::ALL[usize::try_from(rng.below(6)).unwrap()]
            } else {
                Orientation::Wdh
            };
            boxes.push(Dimensions::new(w, d, h).oriented(turn));
        }
    }
    shuffle(&mut boxes, &mut rng);
    boxes
        .into_iter()
        .zip(0..)
        .map(|(size, id)| Parcel::new(ParcelId(id), size, 100))
        .collect()
}

fn identical_bins(space: Dimensions, n: u32) -> Vec<Bin> {
    (0..n)
        .map(|i| Bin::new(CompartmentId(i), space, 25_000))
        .collect()
}

/// 51 parcels: more than a build without `std` fills (`fill::MAX_PARCELS`).
#[cfg(feature = "std")]
#[test]
fn three_compartments_cut_as_declared_are_filled_exactly() {
    let space = Dimensions::new(500, 500, 500);
    let bins = identical_bins(space, 8);
    for seed in 0..6 {
        // MPV class 9 at n = 51: 17 boxes a compartment.
        let parcels = cut_compartments(space, 3, 17, seed, false);
        let result = pack_into(
            &bins,
            &parcels,
            &options(Objective::FewestCompartments, DEFAULT_MAX_ITERATIONS),
        );
        assert_valid(&bins, &parcels, &result);
        assert!(result.unplaced.is_empty(), "seed {seed}");
        assert_eq!(result.bins.len(), 3, "seed {seed}");
    }
}

#[test]
fn an_exact_fill_is_not_searched_when_the_volume_is_not_whole_compartments() {
    let space = Dimensions::new(600, 400, 400);
    let mut parcels = cut_compartments(space, 2, 6, 7, true);
    parcels[0].size = Dimensions::new(
        parcels[0].size.width_mm - 1,
        parcels[0].size.depth_mm,
        parcels[0].size.height_mm,
    );
    let mut budget = 10_000;
    assert_eq!(
        fill::fill_exactly(space, &parcels, &[u64::MAX; 2], &mut budget),
        None
    );
    assert_eq!(budget, 10_000, "nothing spent");
    let parcels = cut_compartments(space, 2, 6, 7, true);
    assert_eq!(
        fill::fill_exactly(space, &parcels, &[u64::MAX; 3], &mut budget),
        None
    );
    assert_eq!(fill::fill_exactly(space, &parcels, &[], &mut budget), None);
    assert_eq!(budget, 10_000, "nothing spent");
    let many = cut_compartments(space, 1, fill::MAX_PARCELS + 1, 7, true);
    assert_eq!(
        fill::fill_exactly(space, &many, &[u64::MAX], &mut budget),
        None
    );
    assert_eq!(budget, 10_000, "nothing spent");
}

/// A parcel with a zero side is never placed, and must not make the exact
/// fill replace a better result.
#[test]
fn a_parcel_with_a_zero_side_keeps_the_best_result() {
    let bins = vec![bin(0, 10, 10, 5), bin(1, 10, 10, 5), bin(2, 10, 10, 10)];
    let parcels = vec![
        Parcel::new(ParcelId(1), Dimensions::new(10, 10, 5), 100),
        Parcel::new(ParcelId(2), Dimensions::new(10, 10, 5), 100),
    ];
    let zero = Parcel::new(ParcelId(3), Dimensions::new(0, 1, 1), 100);
    for objective in [
        Objective::FewestCompartments,
        Objective::MostParcels,
        Objective::LeastVolume,
    ] {
        let without = pack_into(&bins, &parcels, &options(objective, DEFAULT_MAX_ITERATIONS));
        assert_eq!(without.bins.len(), 1, "{objective:?}");
        let mut with = parcels.clone();
        with.push(zero);
        let result = pack_into(&bins, &with, &options(objective, DEFAULT_MAX_ITERATIONS));
        assert_valid(&bins, &with, &result);
        assert_eq!(result.bins, without.bins, "{objective:?}");
        assert_eq!(result.unplaced, vec![ParcelId(3)]);
    }
}

/// With compartments of several sizes, a small budget once filled one
/// 300 × 200 × 200 exactly and a larger one kept the search's
/// 462 × 330 × 115, which is larger.
#[test]
fn a_larger_budget_keeps_the_smaller_exact_fill() {
    let spaces = [
        (300, 200, 200),
        (300, 200, 100),
        (300, 200, 200),
        (300, 200, 100),
        (462, 330, 115),
        (300, 200, 100),
        (462, 330, 115),
    ];
    let bins: Vec<Bin> = spaces
        .iter()
        .zip(0..)
        .map(|(&(w, d, h), id)| bin(id, w, d, h))
        .collect();
    let sides = [
        [124, 147, 12],
        [24, 300, 200],
        [300, 200, 64],
        [12, 53, 124],
        [200, 176, 12],
        [100, 22, 300],
        [22, 300, 25],
        [14, 300, 178],
        [178, 300, 61],
        [25, 156, 300],
    ];
    let parcels: Vec<Parcel> = sides
        .iter()
        .zip(0..)
        .map(|(s, id)| Parcel::new(ParcelId(id), Dimensions::new(s[0], s[1], s[2]), 100))
        .collect();
    let objective = Objective::FewestCompartments;
    let mut last = None;
    for budget in [0, 20, 60, 200, 1_000, DEFAULT_MAX_ITERATIONS] {
        let result = pack_into(&bins, &parcels, &options(objective, budget));
        assert_valid(&bins, &parcels, &result);
        let now = rank(&result, &bins, objective);
        if let Some(before) = last {
            assert!(now >= before, "budget {budget}");
        }
        last = Some(now);
    }
    // The parcels fill one 300 × 200 × 200 exactly, and the search
    // finds that.
    let result = pack_into(&bins, &parcels, &options(objective, DEFAULT_MAX_ITERATIONS));
    assert_eq!(result.bins.len(), 1);
    assert_eq!(
        result.bins[0].packing.space(),
        Dimensions::new(300, 200, 200)
    );
}

/// Shelf limits are part of the exact fill: compartments cut from two,
/// one set of parcels light and one heavy, fill a light and a heavy
/// compartment only as they were cut.
#[test]
fn an_exact_fill_keeps_each_shelf_limit() {
    let space = Dimensions::new(600, 400, 400);
    let light = cut_compartments(space, 1, 4, 11, false);
    let heavy = cut_compartments(space, 1, 4, 12, false);
    let parcels: Vec<Parcel> = light
        .iter()
        .map(|p| Parcel::new(p.id, p.size, 1_000))
        .chain(
            heavy
                .iter()
                .map(|p| Parcel::new(ParcelId(p.id.0 + 100), p.size, 9_000)),
        )
        .collect();
    let mut budget = u64::MAX;
    let filled = fill::fill_exactly(space, &parcels, &[36_000, 4_000], &mut budget).unwrap();
    let load_g = |placements: &[Placement]| -> u64 {
        placements
            .iter()
            .map(|pl| u64::from(parcels.iter().find(|p| p.id == pl.parcel).unwrap().weight_g))
            .sum()
    };
    assert_eq!(load_g(&filled[0]), 36_000);
    assert_eq!(load_g(&filled[1]), 4_000);
    // One limit too low for either set: no fill keeps both.
    let mut budget = u64::MAX;
    assert_eq!(
        fill::fill_exactly(space, &parcels, &[36_000, 3_999], &mut budget),
        None
    );
    // Through pack_into: the heavy set goes to the compartment that takes it.
    let bins = vec![
        Bin::new(CompartmentId(0), space, 4_000),
        Bin::new(CompartmentId(1), space, 36_000),
        Bin::new(CompartmentId(2), space, 4_000),
    ];
    let result = pack_into(
        &bins,
        &parcels,
        &options(Objective::FewestCompartments, DEFAULT_MAX_ITERATIONS),
    );
    assert_valid(&bins, &parcels, &result);
    assert!(result.unplaced.is_empty());
    assert_eq!(result.bins.len(), 2);
}

#[test]
fn an_exact_fill_stops_at_its_budget() {
    let space = Dimensions::new(500, 500, 500);
    let parcels = cut_compartments(space, 3, 30, 3, true);
    let mut budget = 1_000;
    let found = fill::fill_exactly(space, &parcels, &[u64::MAX; 3], &mut budget);
    assert!(found.is_none());
    if parcels.len() > fill::MAX_PARCELS {
        // Without `std`: more parcels than it searches, refused unsearched.
        assert_eq!(budget, 1_000);
    } else {
        assert_eq!(budget, 0);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Compartments cut into a few boxes each, turned at random, are
    /// always filled again: the search is complete for guillotine cuts.
    #[test]
    fn cut_compartments_are_filled_again(
        seed in any::<u64>(),
        count in 1usize..=3,
        k in 1usize..=5,
        space_index in 0usize..3,
        declared in any::<bool>(),
    ) {
        let space = SPACES[space_index];
        let parcels = cut_compartments(space, count, k, seed, !declared);
        let mut budget = u64::MAX;
        let filled = fill::fill_exactly(space, &parcels, &vec![u64::MAX; count], &mut budget);
        let filled = filled.expect("a fill of guillotine cuts is always found");
        prop_assert_eq!(filled.len(), count);
        let mut ids: Vec<u64> = Vec::new();
        for placements in filled {
            ids.extend(placements.iter().map(|p| p.parcel.0));
            let packing = Packing::from_placements(space, placements).unwrap();
            prop_assert_eq!(packing.check(&parcels), Ok(()));
            prop_assert_eq!(packing.used_volume_u128(), volume_u128(space));
        }
        ids.sort_unstable();
        prop_assert_eq!(ids, (0..parcels.len() as u64).collect::<Vec<_>>());
        let bins = identical_bins(space, u32::try_from(count).unwrap() + 2);
        let result = pack_into(&bins, &parcels, &options(Objective::FewestCompartments, DEFAULT_MAX_ITERATIONS));
        assert_valid(&bins, &parcels, &result);
        prop_assert!(result.unplaced.is_empty());
        prop_assert_eq!(result.bins.len(), count);
        // `pack_bins` fills them too, each parcel once.
        let packed = crate::pack::pack_bins(space, &parcels);
        prop_assert_eq!(packed.len(), count);
        let mut ids: Vec<u64> = packed
            .iter()
            .flat_map(|packing| packing.placements().iter().map(|p| p.parcel.0))
            .collect();
        ids.sort_unstable();
        prop_assert_eq!(ids, (0..parcels.len() as u64).collect::<Vec<_>>());
        for packing in &packed {
            prop_assert_eq!(packing.check(&parcels), Ok(()));
        }
    }

    /// On loads that fill compartments exactly, where the exact fill
    /// runs, a larger budget still never does worse, among compartments
    /// of several sizes that the load fills in different numbers.
    #[test]
    fn a_larger_budget_never_does_worse_on_exact_loads(
        seed in any::<u64>(),
        k in 2usize..=12,
        small in 0u64..200,
        extra in 0u64..2_000,
        objective_index in 0usize..3,
        order in any::<u64>(),
    ) {
        let objective = [Objective::MostParcels, Objective::FewestCompartments, Objective::LeastVolume][objective_index];
        let space = Dimensions::new(600, 400, 400);
        let parcels = cut_compartments(space, 2, k, seed, true);
        let sizes = [
            Dimensions::new(600, 400, 400),
            Dimensions::new(600, 400, 200),
            Dimensions::new(300, 400, 400),
            Dimensions::new(1200, 400, 400),
            Dimensions::new(640, 380, 410),
        ];
        let mut rng = Mix(order);
        let bins: Vec<Bin> = (0..7)
            .map(|i| {
                let space = sizes[usize::try_from(rng.below(5)).unwrap()];
                Bin::new(CompartmentId(i), space, 25_000)
            })
            .collect();
        assert_more_budget_no_worse(&bins, &parcels, objective, seed, small, extra);
    }
}

/// The search recurses a few calls per parcel placed: its deepest fill
/// (every parcel in one row) runs on half of WebAssembly's 1 MiB stack.
#[test]
fn the_deepest_exact_fill_runs_on_a_small_stack() {
    extern crate std;
    let deepest = std::thread::Builder::new()
        .stack_size(512 * 1024)
        .spawn(|| {
            let n = fill::MAX_PARCELS;
            let parcels: Vec<Parcel> = (0..n as u64)
                .map(|i| Parcel::new(ParcelId(i), Dimensions::new(1, 1, 1), 1))
                .collect();
            let mut budget = u64::MAX;
            let row = Dimensions::new(u32::try_from(n).unwrap(), 1, 1);
            fill::fill_exactly(row, &parcels, &[u64::MAX], &mut budget).map(|f| f[0].len())
        })
        .unwrap();
    assert_eq!(deepest.join().unwrap(), Some(fill::MAX_PARCELS));
}
