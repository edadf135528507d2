//! Instances with a known or bounded answer, for the packing-quality
//! report: a compartment cut by guillotine cuts (optimum: one
//! compartment), and a courier's load for a bank of mixed compartments.
//!
//! Draws come from the same SplitMix64 stream as [`crate::mpv`], so an
//! instance is the same on every platform.

use locker_core::pack::Bin;
use locker_core::{CompartmentId, Dimensions, Parcel, ParcelId};

use crate::mpv::SplitMix64;

/// The compartments the guillotine instances cut: an InPost C and B door
/// (640 × 380 × 410 and 640 × 380 × 190 mm) and a 600 × 400 × 400 mm one.
pub const GUILLOTINE_SPACES: [Dimensions; 3] = [
    Dimensions::new(640, 380, 410),
    Dimensions::new(640, 380, 190),
    Dimensions::new(600, 400, 400),
];

/// `space` cut into `k` boxes: while fewer than `k`, a uniformly chosen box
/// (of those with a side of at least 2 mm) is cut across a uniformly
/// chosen axis (at least 2 mm long) at a uniform position; then every box
/// is turned to one of its six orientations at random and the list is
/// shuffled. Ids `0..k`; every parcel weighs 1 kg and may turn. The
/// boxes fill `space` exactly, so one compartment is optimal.
#[must_use]
pub fn guillotine(space: Dimensions, k: usize, seed: u64) -> Vec<Parcel> {
    let mut rng = SplitMix64::from_seed(seed);
    let mut boxes = vec![space.sides()];
    while boxes.len() < k {
        let cuttable: Vec<usize> = (0..boxes.len())
            .filter(|&i| boxes[i].iter().any(|&s| s >= 2))
            .collect();
        let Some(&i) = pick(&mut rng, &cuttable) else {
            break;
        };
        let sides = boxes[i];
        let axes: Vec<usize> = (0..3).filter(|&a| sides[a] >= 2).collect();
        let Some(&axis) = pick(&mut rng, &axes) else {
            break;
        };
        let cut = rng.uniform(1, sides[axis] - 1);
        let (mut first, mut second) = (sides, sides);
        first[axis] = cut;
        second[axis] = sides[axis] - cut;
        boxes[i] = first;
        boxes.push(second);
    }
    shuffle(&mut rng, &mut boxes);
    boxes
        .into_iter()
        .enumerate()
        .map(|(id, [a, b, c])| {
            let turned = match rng.uniform(0, 5) {
                0 => [a, b, c],
                1 => [b, a, c],
                2 => [a, c, b],
                3 => [c, a, b],
                4 => [b, c, a],
                _ => [c, b, a],
            };
            let id = ParcelId(u64::try_from(id).unwrap_or(u64::MAX));
            Parcel::new(id, Dimensions::new(turned[0], turned[1], turned[2]), 1_000)
        })
        .collect()
}

/// A uniformly chosen element of `items`.
fn pick<'a, T>(rng: &mut SplitMix64, items: &'a [T]) -> Option<&'a T> {
    let last = u32::try_from(items.len().checked_sub(1)?).ok()?;
    items.get(usize::try_from(rng.uniform(0, last)).ok()?)
}

fn shuffle<T>(rng: &mut SplitMix64, items: &mut [T]) {
    for i in (1..items.len()).rev() {
        let j = rng.uniform(0, u32::try_from(i).unwrap_or(u32::MAX));
        items.swap(i, usize::try_from(j).unwrap_or(0));
    }
}

/// The kinds of door in the mixed bank (inner size, in mm, and shelf
/// limit in grams): InPost's A, B and C, and three others.
const DOOR_KINDS: [(Dimensions, u32); 6] = [
    (Dimensions::new(380, 640, 80), 25_000),
    (Dimensions::new(380, 640, 190), 25_000),
    (Dimensions::new(380, 640, 410), 25_000),
    (Dimensions::new(300, 400, 300), 15_000),
    (Dimensions::new(450, 600, 500), 30_000),
    (Dimensions::new(250, 350, 150), 10_000),
];

/// A bank of `doors` compartments, each of a kind drawn uniformly from six
/// (InPost A, B, C and three others), and `n` parcels whose total volume
/// is `percent_volume` % of the bank's (up to rounding): sides drawn
/// uniformly, then scaled together, each parcel fitting some door.
/// Weights 0.1–1.5 kg (so the shelf limits rarely bind); no handling
/// classes, all may turn.
#[must_use]
pub fn mixed_load(
    doors: usize,
    n: usize,
    percent_volume: f64,
    seed: u64,
) -> (Vec<Bin>, Vec<Parcel>) {
    let mut rng = SplitMix64::from_seed(seed ^ 0x006D_6978_6564);
    let bins: Vec<Bin> = (0..doors)
        .map(|i| {
            let (space, max_weight_g) = DOOR_KINDS[usize::try_from(rng.uniform(0, 5)).unwrap_or(0)];
            let id = CompartmentId(u32::try_from(i).unwrap_or(u32::MAX));
            Bin::new(id, space, max_weight_g)
        })
        .collect();
    let bank_volume: f64 = bins.iter().map(|b| b.space.volume_mm3() as f64).sum();
    let raw: Vec<[f64; 3]> = (0..n)
        .map(|_| {
            [
                f64::from(rng.uniform(40, 600)),
                f64::from(rng.uniform(40, 400)),
                f64::from(rng.uniform(30, 300)),
            ]
        })
        .collect();
    let raw_volume: f64 = raw.iter().map(|s| s[0] * s[1] * s[2]).sum();
    let scale = (percent_volume / 100.0 * bank_volume / raw_volume).cbrt();
    let parcels = raw
        .iter()
        .enumerate()
        .map(|(i, s)| {
            // Clamped so that every parcel fits a C door (640 × 410 × 380
            // as its sorted sides).
            let mut sides = s.map(|x| (x * scale).round().max(10.0));
            sides.sort_by(f64::total_cmp);
            let [short, middle, long] = sides;
            // In 10..=640 after the clamps: the casts are exact.
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            let size = Dimensions::new(
                long.min(640.0) as u32,
                middle.min(410.0) as u32,
                short.min(380.0) as u32,
            );
            let weight_g = rng.uniform(100, 1_500);
            Parcel::new(
                ParcelId(u64::try_from(i).unwrap_or(u64::MAX)),
                size,
                weight_g,
            )
        })
        .collect();
    (bins, parcels)
}

#[cfg(test)]
mod tests {
    use locker_core::pack::{Objective, PackOptions, pack_into};

    use super::mixed_load;

    /// The target of issue 20: 200 parcels at 99.9 % of 40 mixed doors'
    /// volume, at least 170 placed with the default budget. Seeds 7 and 8
    /// placed 162 and 165 while the search improved only the greedy of
    /// one share of the volume.
    #[test]
    fn a_full_load_places_at_least_170_of_200() {
        for seed in 1..=10 {
            let (bins, parcels) = mixed_load(40, 200, 99.9, seed);
            let options = PackOptions {
                seed,
                ..PackOptions::new(Objective::MostParcels)
            };
            let result = pack_into(&bins, &parcels, &options);
            assert!(
                result.placed() >= 170,
                "seed {seed}: {} placed",
                result.placed()
            );
            for bin in &result.bins {
                assert_eq!(bin.packing.check(&parcels), Ok(()), "seed {seed}");
            }
        }
    }
}
