//! Lower bounds on the number of identical compartments a set of parcels
//! needs, valid when parcels may turn.
//!
//! Every bound here has the same shape. A *weight function* `w` gives a box
//! of extent `e` (as placed) a weight such that the boxes of any one
//! feasible compartment weigh at most 1 in total. Then every packing uses
//! at least `Σ w(eⱼ)` compartments, and, since counts are integers, at
//! least the ceiling of that.
//!
//! **Turning.** A packing puts parcel `j` in some allowed orientation
//! `σⱼ`, so it needs at least `Σⱼ w(σⱼ(j))` compartments, which is at
//! least `Σⱼ minₛ w(σ(j))`, the minimum over the orientations allowed for
//! `j` in which it fits the compartment. That minimum does not depend on the
//! packing, so the ceiling of `Σⱼ minₛ w(σ(j))` is a lower bound whatever
//! the orientations chosen. It is computed exactly in integers (weights
//! scaled by the compartment volume), so rounding cannot push it above the
//! optimum. Taking the largest of several such bounds keeps it valid.

use alloc::vec::Vec;

use super::{fits_empty, volume_u128, wide};
use crate::geometry::{Dimensions, Orientation};
use crate::parcel::Parcel;

/// The most parameter values tried for the one-parameter family; a subset
/// of parameters still gives a valid (if weaker) bound.
const MAX_PARAMETERS: usize = 16;

/// The most values tried per parameter of the two-parameter family, which
/// evaluates every pair: at most 8 × 8 per axis keeps 200 parcels near a
/// millisecond.
const MAX_PAIR_PARAMETERS: usize = 8;

/// The continuous bound: total parcel volume over compartment volume,
/// rounded up.
///
/// Counts only parcels that fit an empty compartment in some allowed
/// orientation (see [`super::fits_empty`]), the ones [`super::pack_bins`]
/// packs; 0 when there are none. Saturates at `u32::MAX`.
#[must_use]
pub fn lower_bound_l0(space: Dimensions, parcels: &[Parcel]) -> u32 {
    let total = parcels
        .iter()
        .filter(|p| fits_empty(space, p))
        .map(|p| volume_u128(p.size))
        .fold(0, u128::saturating_add);
    to_count(ceil_div(total, volume_u128(space)))
}

/// A bound in the style of Martello, Pisinger & Vigo's L2 (2000,
/// *Operations Research* 48(2), "The three-dimensional bin packing
/// problem"), made valid when parcels may turn. Never below
/// [`lower_bound_l0`].
///
/// Counts only parcels that fit an empty compartment in some allowed
/// orientation (see [`super::fits_empty`]). Saturates at `u32::MAX`.
///
/// # Why it is a lower bound
///
/// Write `W, D, H` for the compartment and `(a, b, c)` for any assignment
/// of its three axes, with lengths `A, B, C` and `V = ABC`. Each family
/// below is a weight function whose total over one feasible compartment is
/// at most 1; the module docs explain why taking, for each parcel, the
/// minimum weight over its allowed orientations keeps the bound valid.
///
/// * **Big in every direction** (MPV's L1 counting term): weight 1 if the
///   box is longer than half the compartment on all three axes. Two such
///   boxes would have to be separated along some axis, where their lengths
///   add up to more than the compartment's.
/// * **Columns** (MPV's L1 with parameter `p`, `1 ≤ p ≤ A/2`): boxes with
///   `b > B/2` and `c > C/2` cannot be side by side along `b` or `c`, so
///   their `a`-ranges are disjoint and their `a` lengths sum to at most
///   `A`. Such a box weighs 1 if `a > A − p`, `a/A` if `p ≤ a ≤ A − p`,
///   and 0 otherwise; everything else weighs 0. A box over `A − p` leaves
///   less than `p` for the others in its column, all of which weigh 0, and
///   otherwise the weights are at most the lengths over `A`.
/// * **Slabs and volume** (MPV's L2 with parameters `1 ≤ q ≤ B/2`,
///   `1 ≤ p ≤ C/2`): a box with `b > B − q` and `c > C − p` weighs `a/A`;
///   otherwise a box with `b ≥ q` and `c ≥ p` weighs its volume over `V`;
///   the rest weigh 0. The first kind are over half of `B` and `C`, so their
///   `a`-ranges are disjoint; a box of the second kind cannot share an
///   `a`-range with one of the first (their `b` lengths add up to more than
///   `B`, their `c` lengths to more than `C`), so it lies in the
///   `(A − Σa)·B·C` left over. MPV combine these with L1 as
///   `L1 + max(0, ⌈…⌉)`, which equals `max(L1, ⌈Σ weights⌉)`: the same
///   as taking the largest of the bounds here.
///
/// With `p = q = 1` every box weighs at least its volume over `V`, so the
/// result is never below the volume bound. For parcels that cannot turn
/// this is MPV's L2 without the item-count refinement of Martello & Toth's
/// one-dimensional bound; for parcels that can, a box counts as "big" in a
/// family only if it is big in every orientation it could take, which is
/// what makes the bound safe (and weaker). Parameters are tried at the
/// values where some weight steps up: at most 16 for the one-parameter
/// family and 8 × 8 pairs for the two-parameter one.
#[must_use]
pub fn lower_bound_l2(space: Dimensions, parcels: &[Parcel]) -> u32 {
    let items: Vec<Extents> = parcels
        .iter()
        .filter(|p| fits_empty(space, p))
        .map(|p| Extents::of(space, p))
        .collect();
    if items.is_empty() {
        return 0;
    }
    let s = wide(space);
    // Every weight below is at most `v` (each extent fits the space), so
    // with `v` in u64 every product is exact in u64: 64-bit multiplies,
    // which WebAssembly has, not 128-bit ones, which it calls a routine
    // for. Only sides far past MAX_SIDE_MM overflow it; such a space
    // gets the volume bound.
    let Ok(v) = u64::try_from(volume_u128(space)) else {
        return lower_bound_l0(space, parcels);
    };
    let mut sides: Vec<u64> = items
        .iter()
        .flat_map(|item| item.all().iter().flatten().copied())
        .collect();
    crate::collections::sort::values(&mut sides);
    sides.dedup();

    let mut best = weighted_bound(&items, v, |e: &[u64; 3]| e[0] * e[1] * e[2]);
    best = best.max(weighted_bound(&items, v, |e: &[u64; 3]| {
        if (0..3).all(|i| 2 * e[i] > s[i]) {
            v
        } else {
            0
        }
    }));
    for (a, b, c) in [(0, 1, 2), (1, 2, 0), (2, 0, 1)] {
        let (sa, sb, sc) = (s[a], s[b], s[c]);
        let cross = sb * sc;
        for p in parameters(sa, &sides, MAX_PARAMETERS) {
            best = best.max(weighted_bound(&items, v, |e: &[u64; 3]| {
                if 2 * e[b] <= sb || 2 * e[c] <= sc || e[a] < p {
                    0
                } else if e[a] > sa - p {
                    v
                } else {
                    e[a] * cross
                }
            }));
        }
        let qs = parameters(sb, &sides, MAX_PAIR_PARAMETERS);
        let ps = parameters(sc, &sides, MAX_PAIR_PARAMETERS);
        for &q in &qs {
            for &p in &ps {
                best = best.max(weighted_bound(&items, v, |e: &[u64; 3]| {
                    if e[b] > sb - q && e[c] > sc - p {
                        e[a] * cross
                    } else if e[b] >= q && e[c] >= p {
                        e[a] * e[b] * e[c]
                    } else {
                        0
                    }
                }));
            }
        }
    }
    to_count(best)
}

/// The best lower bound this module knows: the larger of
/// [`lower_bound_l0`] and [`lower_bound_l2`].
#[must_use]
pub fn lower_bound(space: Dimensions, parcels: &[Parcel]) -> u32 {
    lower_bound_l0(space, parcels).max(lower_bound_l2(space, parcels))
}

/// `⌈Σⱼ minₑ weight(e) / v⌉`: the bound of one weight function (scaled by
/// `v`), each item taking its lightest extent.
///
/// Plain loops calling `weight` directly: it runs for every extent of
/// every parcel under some 200 weight functions, and the size-tuned
/// WebAssembly build keeps iterator adapters and `&F` shims as calls.
fn weighted_bound<F: Fn(&[u64; 3]) -> u64>(items: &[Extents], v: u64, weight: F) -> u128 {
    let mut total: u128 = 0;
    for item in items {
        let mut lightest: Option<u64> = None;
        for extent in item.all() {
            let w = weight(extent);
            lightest = Some(lightest.map_or(w, |l| l.min(w)));
        }
        total = total.saturating_add(u128::from(lightest.unwrap_or(0)));
    }
    ceil_div(total, u128::from(v))
}

/// The distinct extents of a parcel over its allowed orientations in which
/// it fits the space.
struct Extents {
    extents: [[u64; 3]; 6],
    len: usize,
}

impl Extents {
    fn of(space: Dimensions, parcel: &Parcel) -> Self {
        let mut extents = [[0; 3]; 6];
        let mut len = 0;
        for &orientation in Orientation::allowed(parcel.this_side_up) {
            let extent = parcel.size.oriented(orientation);
            let e = wide(extent);
            let seen = extents.get(..len).is_some_and(|s| s.contains(&e));
            if !extent.fits_within(space) || seen {
                continue;
            }
            if let Some(slot) = extents.get_mut(len) {
                *slot = e;
                len += 1;
            }
        }
        Self { extents, len }
    }

    fn all(&self) -> &[[u64; 3]] {
        self.extents.get(..self.len).unwrap_or(&[])
    }
}

/// Parameter values `1 ≤ p ≤ side / 2` worth trying: 1, and `side − s + 1`
/// for each box length `s`, where a box of that length starts to count as
/// long. At most `limit` (at least 2), spread evenly over the candidates.
fn parameters(side: u64, lengths: &[u64], limit: usize) -> Vec<u64> {
    let limit = limit.max(2);
    let mut values: Vec<u64> = core::iter::once(1)
        .chain(
            lengths
                .iter()
                .filter(|&&s| s <= side)
                .map(|&s| side - s + 1),
        )
        .filter(|&p| 2 * p <= side)
        .collect();
    crate::collections::sort::values(&mut values);
    values.dedup();
    if values.len() > limit {
        let last = values.len() - 1;
        values = (0..limit)
            .filter_map(|i| values.get(i * last / (limit - 1)).copied())
            .collect();
    }
    values
}

fn ceil_div(numerator: u128, denominator: u128) -> u128 {
    if denominator == 0 {
        0
    } else {
        numerator.div_ceil(denominator)
    }
}

fn to_count(value: u128) -> u32 {
    u32::try_from(value).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::ParcelId;
    use alloc::vec::Vec;

    fn parcels(n: u64, size: Dimensions) -> Vec<Parcel> {
        (0..n).map(|i| Parcel::new(ParcelId(i), size, 1)).collect()
    }

    #[test]
    fn half_side_cubes_pack_eight_to_a_bin() {
        let space = Dimensions::new(100, 100, 100);
        for n in [1, 7, 8, 9, 16, 17] {
            let items = parcels(n, Dimensions::new(50, 50, 50));
            let expected = u32::try_from(n.div_ceil(8)).unwrap();
            assert_eq!(lower_bound_l0(space, &items), expected);
            assert_eq!(lower_bound_l2(space, &items), expected);
        }
    }

    #[test]
    fn the_largest_valid_space_keeps_the_strong_bound() {
        // MAX_SIDE_MM cubed is far inside u64: the 64-bit weights apply.
        let side = crate::geometry::MAX_SIDE_MM;
        let space = Dimensions::new(side, side, side);
        let items = parcels(5, Dimensions::new(side / 2 + 1, side / 2 + 1, side / 2 + 1));
        assert_eq!(lower_bound_l0(space, &items), 1);
        assert_eq!(lower_bound_l2(space, &items), 5);
    }

    #[test]
    fn a_space_past_u64_volume_falls_back_to_the_volume_bound() {
        let space = Dimensions::new(u32::MAX, u32::MAX, u32::MAX);
        let items = parcels(
            5,
            Dimensions::new(u32::MAX / 2 + 1, u32::MAX / 2 + 1, u32::MAX / 2 + 1),
        );
        assert_eq!(lower_bound_l0(space, &items), 1);
        assert_eq!(lower_bound_l2(space, &items), 1);
    }

    #[test]
    fn boxes_over_half_in_every_direction_need_a_bin_each() {
        let space = Dimensions::new(100, 100, 100);
        let items = parcels(5, Dimensions::new(51, 60, 70));
        // Volume alone says two.
        assert_eq!(lower_bound_l0(space, &items), 2);
        assert_eq!(lower_bound_l2(space, &items), 5);
    }

    #[test]
    fn tall_columns_use_the_column_bound() {
        // Upright parcels with a base over half the footprint stack in one
        // column: three of height 40 in a 100 mm high space need 2 bins
        // although their volume fits one.
        let space = Dimensions::new(100, 100, 100);
        let items: Vec<Parcel> = parcels(3, Dimensions::new(60, 60, 40))
            .into_iter()
            .map(Parcel::upright)
            .collect();
        assert_eq!(lower_bound_l0(space, &items), 1);
        assert_eq!(lower_bound_l2(space, &items), 2);
    }

    #[test]
    fn turning_parcels_are_not_forced_into_columns() {
        // The same three boxes, free to turn, fit one bin: two stacked
        // flat (60 × 60 × 80) and one standing on edge beside them
        // (40 × 60 × 60). A bound that ignored turning would claim 2.
        let space = Dimensions::new(100, 100, 100);
        let items = parcels(3, Dimensions::new(60, 60, 40));
        assert_eq!(lower_bound_l2(space, &items), 1);
    }

    #[test]
    fn parcels_that_fit_nowhere_are_not_counted() {
        let space = Dimensions::new(100, 100, 100);
        let mut items = parcels(2, Dimensions::new(150, 10, 10));
        items.push(Parcel::new(ParcelId(9), Dimensions::new(0, 10, 10), 1));
        assert_eq!(lower_bound(space, &items), 0);
        assert_eq!(lower_bound(Dimensions::new(0, 0, 0), &items), 0);
    }

    #[test]
    fn extreme_sizes_do_not_overflow() {
        let max = Dimensions::new(u32::MAX, u32::MAX, u32::MAX);
        let items = parcels(3, max);
        assert_eq!(lower_bound(max, &items), 3);
        assert_eq!(lower_bound_l0(max, &items), 3);
    }

    #[test]
    fn parameters_stay_in_range_and_are_capped() {
        let lengths: Vec<u64> = (1..=200).collect();
        let values = parameters(200, &lengths, MAX_PARAMETERS);
        assert_eq!(values.len(), MAX_PARAMETERS);
        assert!(values.iter().all(|&p| (1..=100).contains(&p)));
        assert_eq!(values.first(), Some(&1));
        assert_eq!(values.last(), Some(&100));
        assert!(parameters(1, &lengths, MAX_PARAMETERS).is_empty());
        assert_eq!(parameters(10, &[7], MAX_PARAMETERS), [1, 4]);
    }
}
