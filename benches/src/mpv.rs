//! Three-dimensional bin-packing instances in the style of Martello,
//! Pisinger & Vigo (2000, *Operations Research* 48(2), "The
//! three-dimensional bin packing problem"), classes 1–9, written from the
//! rules published there.
//!
//! # The classes
//!
//! Write `W = H = D` for the side of the (cubic) bin. Classes 1–5 use a
//! bin of side 100 and five item types, `[a, b]` meaning an integer drawn
//! uniformly from `a` to `b` inclusive:
//!
//! | type | w | h | d |
//! | --- | --- | --- | --- |
//! | 1 | `[1, W/2]` | `[2H/3, H]` | `[2D/3, D]` |
//! | 2 | `[2W/3, W]` | `[1, H/2]` | `[2D/3, D]` |
//! | 3 | `[2W/3, W]` | `[2H/3, H]` | `[1, D/2]` |
//! | 4 | `[W/2, W]` | `[H/2, H]` | `[D/2, D]` |
//! | 5 | `[1, W/2]` | `[1, H/2]` | `[1, D/2]` |
//!
//! In class `k` (1–5) each item is of type `k` with probability 60 % and of
//! each other type with probability 10 %. The bounds are rounded down
//! (`2·100/3 = 66`, as in the authors' own generator), so type 1 draws `h`
//! from 66 to 100.
//!
//! Classes 6–8 are Berkey & Wang's: every side uniform in `[1, 10]` with a
//! bin of side 10 (class 6), in `[1, 35]` with a bin of side 40 (class 7),
//! and in `[1, 100]` with a bin of side 100 (class 8).
//!
//! Class 9 ("all-fill") cuts three bins of side 100 into the `n` items
//! by the rule of the authors' own generator (`specialbin` in their
//! `test3dbpp.c`): `⌊n/3⌋ + 1`, `⌊n/3⌋` and the rest from the three bins;
//! a box that must become five items is cut as a *pinwheel* (four items
//! round a centre, all as deep as the box, with no guillotine cut between
//! them); a box that must become `k > 1` other items is
//! cut across a uniformly chosen axis (of those at least 2 long) at a
//! uniform integer position, and its two parts become `⌈k/2⌉` and `⌊k/2⌋`
//! items; an instance with an item of side zero is cut again. So loads of
//! 50, 100 and 200 hold pinwheels (bins of 17, 34 and 67 items halve down
//! to five) and loads of 150 none (51, 50 and 49 never do). The parcels
//! fill exactly three bins, so for `n ≥ 3` the optimum is 3 bins, also
//! under `locker-core`'s support rule (in a full bin every base rests
//! entirely on tops below it, pinwheels included), and `lower_bound_l0`
//! is exactly 3: the ratio measures the heuristic alone. Parcels are
//! listed bin by bin, in cutting order.
//!
//! # Randomness
//!
//! Draws come from a SplitMix64 stream seeded from `(class, n, seed)` and
//! an exactly uniform integer draw (rejection sampling), both defined in
//! this module, so an instance is the same on every platform and with every
//! version of `rand` (whose `StdRng` may change algorithm between
//! releases). The instances are *not* the authors' own: their generator
//! used a 48-bit LCG seeded differently; these follow the same rules.
//!
//! # Units and orientation
//!
//! One MPV unit is [`MM_PER_UNIT`] = 5 mm, so the side-100 bin is a
//! 500 mm cube, about the size of a large locker compartment, and items run
//! from 5 mm to 500 mm. The scale changes nothing about the packing (all
//! rules in `locker-core` are integer and scale-free, including the
//! support percentage); it only makes the sizes plausible parcels.
//!
//! MPV's `(w, h, d)` map to [`Dimensions`] as width = `w`, height = `h`,
//! depth = `d`.
//!
//! MPV's problem keeps every item in its given orientation. The parcels
//! here are **not** "this side up", so `locker_core::pack::pack_bins` may
//! turn them in all six ways, and `lower_bound_l2` is the version made
//! valid for turning (weaker than MPV's fixed-orientation L2). The packer
//! also demands support (no floating boxes), which MPV's problem does not.
//! Bin counts are therefore not directly comparable with published MPV
//! results, only with the bounds computed here on the same instances.

use locker_core::{Dimensions, Parcel, ParcelId};
use serde::Serialize;

/// Millimetres per MPV length unit.
pub const MM_PER_UNIT: u32 = 5;

/// The weight given to every generated parcel, in grams (MPV items have
/// none; `locker-core`'s packer ignores weight).
pub const WEIGHT_G: u32 = 1_000;

/// The classes [`instance`] generates.
pub const CLASSES: core::ops::RangeInclusive<u8> = 1..=9;

/// One generated instance: a cubic bin and the parcels to pack into it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Instance {
    /// The MPV class, 1–9.
    pub class: u8,
    /// The seed it was generated from.
    pub seed: u64,
    /// The bin, in millimetres.
    pub bin_mm: Dimensions,
    /// The parcels, with ids `0..n`, in millimetres.
    pub parcels: Vec<Parcel>,
}

impl Instance {
    /// The instance as one line of JSON, without a trailing newline:
    /// `{"class":1,"seed":1,"bin_mm":[w,h,d],"parcels_mm":[[w,h,d],...]}`.
    ///
    /// Every triple, for the bin and for each parcel, is in MPV's
    /// `(w, h, d)` axis order, in millimetres, parcels in id order.
    #[must_use]
    pub fn to_json(&self) -> String {
        /// The file's shape: field order as written, MPV axis order inside.
        #[derive(Serialize)]
        struct InstanceJson {
            class: u8,
            seed: u64,
            bin_mm: [u32; 3],
            parcels_mm: Vec<[u32; 3]>,
        }
        let triple = |d: Dimensions| [d.width_mm, d.height_mm, d.depth_mm];
        let json = InstanceJson {
            class: self.class,
            seed: self.seed,
            bin_mm: triple(self.bin_mm),
            parcels_mm: self.parcels.iter().map(|p| triple(p.size)).collect(),
        };
        // Integers and arrays only: serializing cannot fail.
        serde_json::to_string(&json).unwrap_or_default()
    }
}

/// Generates `n` parcels of MPV class `class` (1–9) from `seed`; see the
/// module docs for the rules. The same arguments always give the same
/// instance.
///
/// # Panics
///
/// When `class` is not in [`CLASSES`].
#[must_use]
pub fn instance(class: u8, n: usize, seed: u64) -> Instance {
    assert!(
        CLASSES.contains(&class),
        "MPV class {class} is not generated; classes are 1 to 9"
    );
    let side = bin_side(class);
    let mut rng = SplitMix64::for_instance(class, n, seed);
    let sizes: Vec<[u32; 3]> = if class == 9 {
        all_fill(&mut rng, n, side)
    } else {
        (0..n).map(|_| draw_item(&mut rng, class).1).collect()
    };
    let parcels = sizes
        .into_iter()
        .enumerate()
        .map(|(i, [w, h, d])| {
            let id = ParcelId(u64::try_from(i).unwrap_or(u64::MAX));
            Parcel::new(id, to_mm(w, h, d), WEIGHT_G)
        })
        .collect();
    Instance {
        class,
        seed,
        bin_mm: to_mm(side, side, side),
        parcels,
    }
}

/// The side of the cubic bin of `class`, in MPV units.
const fn bin_side(class: u8) -> u32 {
    match class {
        6 => 10,
        7 => 40,
        _ => 100,
    }
}

/// MPV `(w, h, d)` in units to [`Dimensions`] (width, depth, height) in mm.
const fn to_mm(w: u32, h: u32, d: u32) -> Dimensions {
    Dimensions::new(w * MM_PER_UNIT, d * MM_PER_UNIT, h * MM_PER_UNIT)
}

/// The inclusive ranges of `(w, h, d)`, in units, of item type 1–5 in a
/// bin of side `s`.
const fn type_ranges(item_type: u8, s: u32) -> [(u32, u32); 3] {
    let small = (1, s / 2);
    let large = (2 * s / 3, s);
    let half_up = (s / 2, s);
    match item_type {
        1 => [small, large, large],
        2 => [large, small, large],
        3 => [large, large, small],
        4 => [half_up, half_up, half_up],
        _ => [small, small, small],
    }
}

/// One item of `class`: its type (1–5 for classes 1–5, 0 for 6–8) and its
/// `(w, h, d)` in units.
fn draw_item(rng: &mut SplitMix64, class: u8) -> (u8, [u32; 3]) {
    match class {
        1..=5 => {
            // 1–5 picks that type (10 % each), 6–10 the class's own type:
            // 60 % for type `class`, 10 % for each of the other four.
            let pick = rng.uniform(1, 10);
            let item_type = if pick <= 5 {
                u8::try_from(pick).unwrap_or(class)
            } else {
                class
            };
            let ranges = type_ranges(item_type, bin_side(class));
            (item_type, ranges.map(|(lo, hi)| rng.uniform(lo, hi)))
        }
        _ => {
            let max = match class {
                6 => 10,
                7 => 35,
                _ => 100,
            };
            (0, [(); 3].map(|()| rng.uniform(1, max)))
        }
    }
}

/// Class 9: `n` items `(w, h, d)` cut from three bins of side `side`,
/// `⌊n/3⌋ + 1`, `⌊n/3⌋` and the rest (a third each when no rest is
/// left), cut again whole when a box that must be split cannot be (a
/// unit cube) or a pinwheel would have a side of zero.
fn all_fill(rng: &mut SplitMix64, n: usize, side: u32) -> Vec<[u32; 3]> {
    let third = n / 3;
    let counts = match n.checked_sub(2 * third + 1) {
        Some(rest) if rest > 0 => [third + 1, third, rest],
        _ => [0, 1, 2].map(|bin| third + usize::from(bin < n % 3)),
    };
    let mut items = Vec::with_capacity(n);
    loop {
        items.clear();
        let whole = counts
            .iter()
            .all(|&k| k == 0 || cut(rng, [side; 3], k, &mut items));
        if whole && items.iter().all(|item| item.iter().all(|&side| side > 0)) {
            return items;
        }
    }
}

/// Cuts `space` into `k` boxes appended to `out`: five as a pinwheel,
/// more across a uniformly chosen axis (of those at least 2 long) at a
/// uniform position, `⌈k/2⌉` and `⌊k/2⌋` boxes from the two parts. False
/// when a box that must be split is a unit cube.
fn cut(rng: &mut SplitMix64, space: [u32; 3], k: usize, out: &mut Vec<[u32; 3]>) -> bool {
    if k <= 1 {
        out.push(space);
        return true;
    }
    if k == PINWHEEL_ITEMS {
        out.extend(pinwheel(space));
        return true;
    }
    let axes: Vec<usize> = (0..3).filter(|&a| space[a] >= 2).collect();
    let Some(last) = axes.len().checked_sub(1) else {
        return false;
    };
    let pick = rng.uniform(0, u32::try_from(last).unwrap_or(0));
    let axis = axes[usize::try_from(pick).unwrap_or(0)];
    let at = rng.uniform(1, space[axis] - 1);
    let (mut low, mut high) = (space, space);
    low[axis] = at;
    high[axis] = space[axis] - at;
    cut(rng, low, k.div_ceil(2), out) && cut(rng, high, k / 2, out)
}

/// A box that must become this many items is cut as a pinwheel.
const PINWHEEL_ITEMS: usize = 5;

/// The authors' pinwheel of a box `(w, h, d)`: with `a = ⌊w/3⌋` and
/// `b = ⌊h/3⌋`, a centre `(w − 2a) × (h − 2b)` and, round it, two
/// `(w − a) × b` and two `a × (h − b)`, all `d` deep. No guillotine cut
/// separates them. A side is zero when `w` or `h` is under 3.
fn pinwheel([w, h, d]: [u32; 3]) -> [[u32; 3]; PINWHEEL_ITEMS] {
    let (a, b) = (w / 3, h / 3);
    [
        [w - 2 * a, h - 2 * b, d],
        [w - a, b, d],
        [a, h - b, d],
        [w - a, b, d],
        [a, h - b, d],
    ]
}

/// SplitMix64 (Steele, Lea & Flood 2014): 64 bits of state, a Weyl
/// sequence through a bit mixer. Small, fast and identical everywhere.
pub(crate) struct SplitMix64(u64);

impl SplitMix64 {
    const GAMMA: u64 = 0x9E37_79B9_7F4A_7C15;

    fn mix(mut z: u64) -> u64 {
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A stream for one instance: the seed, class and size each go
    /// through the mixer, so nearby arguments give unrelated streams.
    fn for_instance(class: u8, n: usize, seed: u64) -> Self {
        let n = u64::try_from(n).unwrap_or(u64::MAX);
        let state = Self::mix(Self::mix(Self::mix(seed) ^ u64::from(class)) ^ n);
        Self(state)
    }

    /// A stream from a plain seed (mixed once).
    pub(crate) fn from_seed(seed: u64) -> Self {
        Self(Self::mix(seed))
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(Self::GAMMA);
        Self::mix(self.0)
    }

    /// An integer uniform in `lo..=hi` (`lo <= hi`), exactly: draws that
    /// would bias the modulo are rejected.
    pub(crate) fn uniform(&mut self, lo: u32, hi: u32) -> u32 {
        let span = u64::from(hi - lo) + 1;
        // 2⁶⁴ mod span: the draws below it are the incomplete last block.
        let threshold = span.wrapping_neg() % span;
        loop {
            let x = self.next_u64();
            if x >= threshold {
                return u32::try_from(x % span).map_or(hi, |r| lo + r);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `(w, h, d)` of a parcel in units.
    fn units(parcel: &Parcel) -> [u32; 3] {
        let s = parcel.size;
        [s.width_mm, s.height_mm, s.depth_mm].map(|v| {
            assert_eq!(v % MM_PER_UNIT, 0);
            v / MM_PER_UNIT
        })
    }

    #[test]
    fn the_same_arguments_give_the_same_instance() {
        for class in CLASSES {
            assert_eq!(instance(class, 50, 7), instance(class, 50, 7));
            assert_ne!(instance(class, 50, 7), instance(class, 50, 8));
        }
        // A different size or class gives a different stream, not a
        // prefix of the same one.
        let short = instance(1, 50, 7);
        let long = instance(1, 200, 7);
        assert_ne!(short.parcels[..], long.parcels[..50]);
        assert_ne!(instance(1, 50, 7).parcels, instance(2, 50, 7).parcels);
    }

    #[test]
    fn bins_and_ids_follow_the_class() {
        for (class, side) in [(1, 100), (5, 100), (6, 10), (7, 40), (8, 100), (9, 100)] {
            let inst = instance(class, 30, 3);
            let mm = side * MM_PER_UNIT;
            assert_eq!(inst.bin_mm, Dimensions::new(mm, mm, mm));
            assert_eq!(inst.parcels.len(), 30);
            for (i, p) in inst.parcels.iter().enumerate() {
                assert_eq!(p.id, ParcelId(i as u64));
                assert!(!p.this_side_up);
                assert!(p.validate().is_ok());
            }
        }
    }

    #[test]
    fn berkey_wang_classes_stay_in_range_and_reach_both_ends() {
        for (class, max) in [(6, 10), (7, 35), (8, 100)] {
            let inst = instance(class, 5_000, 11);
            let sides: Vec<u32> = inst.parcels.iter().flat_map(units).collect();
            assert!(sides.iter().all(|&s| (1..=max).contains(&s)));
            assert_eq!(sides.iter().min(), Some(&1));
            assert_eq!(sides.iter().max(), Some(&max));
        }
    }

    #[test]
    fn types_have_the_published_ranges() {
        assert_eq!(type_ranges(1, 100), [(1, 50), (66, 100), (66, 100)]);
        assert_eq!(type_ranges(2, 100), [(66, 100), (1, 50), (66, 100)]);
        assert_eq!(type_ranges(3, 100), [(66, 100), (66, 100), (1, 50)]);
        assert_eq!(type_ranges(4, 100), [(50, 100), (50, 100), (50, 100)]);
        assert_eq!(type_ranges(5, 100), [(1, 50), (1, 50), (1, 50)]);
    }

    #[test]
    fn classes_one_to_five_mix_types_sixty_ten_and_respect_ranges() {
        const DRAWS: u32 = 20_000;
        for class in 1..=5u8 {
            let mut rng = SplitMix64::for_instance(class, 0, 99);
            let mut counts = [0u32; 6];
            for _ in 0..DRAWS {
                let (t, sides) = draw_item(&mut rng, class);
                assert!((1..=5).contains(&t));
                for (side, (lo, hi)) in sides.iter().zip(type_ranges(t, 100)) {
                    assert!(
                        (lo..=hi).contains(side),
                        "type {t}: {side} not in {lo}..={hi}"
                    );
                }
                counts[usize::from(t)] += 1;
            }
            // Binomial standard deviation at 20 000 draws: 0.35 % for 60 %,
            // 0.21 % for 10 %; allow about five of them.
            for t in 1..=5u8 {
                let share = f64::from(counts[usize::from(t)]) / f64::from(DRAWS);
                let expected = if t == class { 0.6 } else { 0.1 };
                assert!(
                    (share - expected).abs() < 0.015,
                    "class {class}: type {t} share {share}"
                );
            }
        }
    }

    #[test]
    fn public_instances_show_the_sixty_percent_type() {
        // Through the public API, where types are not visible: in class k
        // about 60 % of parcels lie in type k's box. Other types overlap it
        // only at the edges (at most +0.6 %: in class 4, a type 1–3 item
        // whose short side is exactly 50); the standard deviation at
        // 20 000 parcels is 0.35 %.
        for class in 1..=5u8 {
            let inst = instance(class, 20_000, 5);
            let own = type_ranges(class, 100);
            let inside = inst
                .parcels
                .iter()
                .filter(|p| {
                    units(p)
                        .iter()
                        .zip(own)
                        .all(|(s, (lo, hi))| (lo..=hi).contains(s))
                })
                .count();
            let share = inside as f64 / 20_000.0;
            assert!((0.585..0.625).contains(&share), "class {class}: {share}");
            let sides = inst.parcels.iter().flat_map(units);
            assert!(sides.clone().all(|s| (1..=100).contains(&s)));
        }
    }

    #[test]
    fn all_fill_items_fill_exactly_three_bins() {
        for (n, seed) in [(3, 1), (50, 2), (100, 3), (200, 4), (201, 5)] {
            let inst = instance(9, n, seed);
            assert_eq!(inst.parcels.len(), n);
            assert_eq!(inst.bin_mm, to_mm(100, 100, 100));
            let volume: u64 = inst.parcels.iter().map(|p| p.size.volume_mm3()).sum();
            assert_eq!(volume, 3 * inst.bin_mm.volume_mm3());
            assert!(inst.parcels.iter().all(|p| p.size.fits_within(inst.bin_mm)));
            assert_eq!(
                locker_core::pack::lower_bound_l0(inst.bin_mm, &inst.parcels),
                3
            );
        }
        // Fewer than three items leave bins empty.
        assert_eq!(instance(9, 1, 1).parcels[0].size, to_mm(100, 100, 100));
        assert!(instance(9, 0, 1).parcels.is_empty());
    }

    /// Windows of five items listed as a pinwheel is: `a`, `b`, `a`, `b`
    /// after the centre.
    fn pinwheels_in(inst: &Instance) -> usize {
        inst.parcels
            .windows(5)
            .filter(|w| w[1].size == w[3].size && w[2].size == w[4].size && w[1].size != w[2].size)
            .count()
    }

    #[test]
    fn a_pinwheel_fills_its_box_and_no_cut_separates_it() {
        for (w, h, d) in [
            (3, 3, 1),
            (100, 100, 100),
            (17, 40, 9),
            (40, 17, 2),
            (5, 99, 1),
        ] {
            let items = pinwheel([w, h, d]);
            let volume: u32 = items.iter().map(|[a, b, c]| a * b * c).sum();
            assert_eq!(volume, w * h * d);
            // Laid out round the centre as the packer does, every cut
            // across the plane crosses an item.
            let [_, a, b, _, _] = items;
            let corners = [
                (a[0] - b[0], b[1] - a[1], b[0], a[1]),
                (a[0], a[1], 0, 0),
                (b[0], b[1], a[0], 0),
                (a[0], a[1], b[0], b[1]),
                (b[0], b[1], 0, a[1]),
            ];
            for x in 1..w {
                assert!(corners.iter().any(|&(cw, _, cx, _)| cx < x && x < cx + cw));
            }
            for y in 1..h {
                assert!(corners.iter().any(|&(_, ch, _, cy)| cy < y && y < cy + ch));
            }
        }
    }

    #[test]
    fn loads_whose_bins_halve_down_to_five_hold_pinwheels() {
        for seed in 1..=5 {
            for n in [50, 100, 200] {
                assert!(pinwheels_in(&instance(9, n, seed)) > 0, "n {n} seed {seed}");
            }
            assert_eq!(pinwheels_in(&instance(9, 150, seed)), 0, "seed {seed}");
        }
    }

    #[test]
    fn uniform_draws_are_unbiased_at_the_ends() {
        let mut rng = SplitMix64(0);
        let mut counts = [0u32; 3];
        for _ in 0..30_000 {
            counts[usize::try_from(rng.uniform(7, 9) - 7).unwrap()] += 1;
        }
        assert!(counts.iter().all(|&c| (9_500..=10_500).contains(&c)));
        assert_eq!(rng.uniform(4, 4), 4);
        // The widest range needs no rejection and must not overflow.
        let _ = rng.uniform(0, u32::MAX);
    }

    #[test]
    fn the_millimetre_scale_does_not_change_the_packing() {
        for class in [1, 8] {
            let inst = instance(class, 40, 2);
            let shrink = |d: Dimensions| {
                let [w, dp, h] = d.sides().map(|v| v / MM_PER_UNIT);
                Dimensions::new(w, dp, h)
            };
            let units: Vec<Parcel> = inst
                .parcels
                .iter()
                .map(|p| Parcel {
                    size: shrink(p.size),
                    ..*p
                })
                .collect();
            let bin = shrink(inst.bin_mm);
            let in_mm = locker_core::pack::pack_bins(inst.bin_mm, &inst.parcels);
            let in_units = locker_core::pack::pack_bins(bin, &units);
            assert_eq!(in_mm.len(), in_units.len());
            assert_eq!(
                locker_core::pack::lower_bound(inst.bin_mm, &inst.parcels),
                locker_core::pack::lower_bound(bin, &units)
            );
        }
    }

    #[test]
    fn json_has_the_agreed_shape() {
        let inst = Instance {
            class: 1,
            seed: 1,
            bin_mm: to_mm(100, 100, 100),
            parcels: vec![
                Parcel::new(ParcelId(0), to_mm(1, 2, 3), WEIGHT_G),
                Parcel::new(ParcelId(1), to_mm(4, 5, 6), WEIGHT_G),
            ],
        };
        assert_eq!(
            inst.to_json(),
            r#"{"class":1,"seed":1,"bin_mm":[500,500,500],"parcels_mm":[[5,10,15],[20,25,30]]}"#
        );
    }

    #[test]
    fn committed_instances_match_the_generator() {
        let files = [
            (1, include_str!("../data/mpv-class1-n200-seed1.json")),
            (8, include_str!("../data/mpv-class8-n200-seed1.json")),
        ];
        for (class, text) in files {
            assert_eq!(
                text.trim_end(),
                instance(class, 200, 1).to_json(),
                "benches/data/mpv-class{class}-n200-seed1.json is stale; regenerate it with \
                 `cargo run --release -p locker-benches --bin packing_quality -- --emit-json {class} 200 1`"
            );
        }
    }
}
