//! Sorting slices with one compiled routine.
//!
//! With `std` these are the slice's own sorts. Without it, on a
//! microcontroller, every element type sorted compiled its own copy of
//! the slice's quicksort and merge sort (about 3 KiB of `.text` each:
//! 50 KiB of the flash-journal image, a seventh of it). Here one stable,
//! in-place merge sort is compiled once and reaches the elements through
//! a trait object, so an element type costs a comparison and a swap.
//!
//! The in-place merge (rotations, no buffer) takes O(n log² n) steps,
//! where the slice's sorts take O(n log n); the slices a locker sorts
//! hold one entry per door or credential.
//!
//! `by` and `by_key` are stable in every build. `values` and the
//! `unstable_*` sorts are stable only without `std`: callers use them
//! only where elements that compare equal are interchangeable (integers,
//! ids, unique keys), so both builds give the same order.

use core::cmp::Ordering;

/// Sorts `items` ascending (equal values are interchangeable).
pub(crate) fn values<T: Ord>(items: &mut [T]) {
    #[cfg(feature = "std")]
    items.sort_unstable();
    #[cfg(not(feature = "std"))]
    stable_in_place(items, T::cmp);
}

/// Sorts `items` by `compare`, keeping equal elements in their order.
pub(crate) fn by<T>(items: &mut [T], compare: impl FnMut(&T, &T) -> Ordering) {
    #[cfg(feature = "std")]
    items.sort_by(compare);
    #[cfg(not(feature = "std"))]
    stable_in_place(items, compare);
}

/// Sorts `items` by `key`, keeping equal keys in their order.
pub(crate) fn by_key<T, K: Ord>(items: &mut [T], mut key: impl FnMut(&T) -> K) {
    by(items, |a, b| key(a).cmp(&key(b)));
}

/// Sorts `items` by `compare`, where elements it finds equal are
/// interchangeable.
pub(crate) fn unstable_by<T>(items: &mut [T], compare: impl FnMut(&T, &T) -> Ordering) {
    #[cfg(feature = "std")]
    items.sort_unstable_by(compare);
    #[cfg(not(feature = "std"))]
    stable_in_place(items, compare);
}

/// Sorts `items` by `key`, where elements of equal keys are
/// interchangeable.
pub(crate) fn unstable_by_key<T, K: Ord>(items: &mut [T], mut key: impl FnMut(&T) -> K) {
    unstable_by(items, |a, b| key(a).cmp(&key(b)));
}

/// The one routine: a stable merge sort in place, compiled once.
#[cfg_attr(feature = "std", allow(dead_code))]
pub(crate) fn stable_in_place<T>(items: &mut [T], compare: impl FnMut(&T, &T) -> Ordering) {
    let len = items.len();
    merge_sort(&mut ByCompare { items, compare }, 0, len);
}

/// A slice as the sort sees it: compare and swap by index.
trait Indexed {
    /// Whether the element at `i` sorts strictly before the one at `j`.
    fn less(&mut self, i: usize, j: usize) -> bool;
    fn swap(&mut self, i: usize, j: usize);
}

struct ByCompare<'s, T, F> {
    items: &'s mut [T],
    compare: F,
}

impl<T, F: FnMut(&T, &T) -> Ordering> Indexed for ByCompare<'_, T, F> {
    fn less(&mut self, i: usize, j: usize) -> bool {
        debug_assert!(i < self.items.len() && j < self.items.len());
        match (self.items.get(i), self.items.get(j)) {
            (Some(a), Some(b)) => (self.compare)(a, b) == Ordering::Less,
            _ => false,
        }
    }

    fn swap(&mut self, i: usize, j: usize) {
        debug_assert!(i < self.items.len() && j < self.items.len());
        if i < self.items.len() && j < self.items.len() {
            self.items.swap(i, j);
        }
    }
}

/// Runs this short are sorted by insertion.
const INSERTION_MAX: usize = 12;

fn merge_sort(s: &mut dyn Indexed, lo: usize, hi: usize) {
    if hi - lo <= INSERTION_MAX {
        for i in lo + 1..hi {
            let mut j = i;
            while j > lo && s.less(j, j - 1) {
                s.swap(j, j - 1);
                j -= 1;
            }
        }
        return;
    }
    let mid = lo + (hi - lo) / 2;
    merge_sort(s, lo, mid);
    merge_sort(s, mid, hi);
    merge(s, lo, mid, hi);
}

/// Merges the sorted runs `lo..mid` and `mid..hi` without a buffer: the
/// middle of the longer run splits the shorter one where it would go, a
/// rotation brings the two inner parts into place, and each half merges
/// the same way.
fn merge(s: &mut dyn Indexed, lo: usize, mid: usize, hi: usize) {
    if lo == mid || mid == hi || !s.less(mid, mid - 1) {
        return;
    }
    if hi - lo == 2 {
        s.swap(lo, mid);
        return;
    }
    let (cut_low, cut_high) = if mid - lo >= hi - mid {
        let cut_low = lo + (mid - lo) / 2;
        // The first of the high run not before the low run's pivot.
        (cut_low, first(s, mid, hi, &mut |s, k| !s.less(k, cut_low)))
    } else {
        let cut_high = mid + (hi - mid) / 2;
        // The first of the low run after the high run's pivot.
        (first(s, lo, mid, &mut |s, k| s.less(cut_high, k)), cut_high)
    };
    rotate(s, cut_low, mid, cut_high);
    let new_mid = cut_low + (cut_high - mid);
    merge(s, lo, cut_low, new_mid);
    merge(s, new_mid, cut_high, hi);
}

/// The first index of `lo..hi` where `is_past` holds (it holds from some
/// index on), or `hi`.
fn first(
    s: &mut dyn Indexed,
    mut lo: usize,
    mut hi: usize,
    is_past: &mut dyn FnMut(&mut dyn Indexed, usize) -> bool,
) -> usize {
    while lo < hi {
        let probe = lo + (hi - lo) / 2;
        if is_past(s, probe) {
            hi = probe;
        } else {
            lo = probe + 1;
        }
    }
    lo
}

/// Turns `lo..mid, mid..hi` into `mid..hi, lo..mid` by three reversals.
fn rotate(s: &mut dyn Indexed, lo: usize, mid: usize, hi: usize) {
    reverse(s, lo, mid);
    reverse(s, mid, hi);
    reverse(s, lo, hi);
}

fn reverse(s: &mut dyn Indexed, mut lo: usize, mut hi: usize) {
    while lo + 1 < hi {
        hi -= 1;
        s.swap(lo, hi);
        lo += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec::Vec;
    use proptest::prelude::*;

    proptest! {
        /// The one routine orders as the slice's stable sort does, equal
        /// keys included (few keys, so runs of equal keys are long).
        #[test]
        fn orders_as_the_slices_stable_sort(keys in proptest::collection::vec(0_u8..6, 0..300)) {
            let tagged: Vec<(u8, usize)> = keys.iter().copied().zip(0..).collect();
            let mut ours = tagged.clone();
            stable_in_place(&mut ours, |a, b| a.0.cmp(&b.0));
            let mut expected = tagged;
            expected.sort_by_key(|pair| pair.0);
            prop_assert_eq!(ours, expected);
        }

        /// Descending and wide keys: every merge path (the longer run on
        /// either side, already ordered runs, rotations of any length).
        #[test]
        fn sorts_any_keys_by_any_order(
            keys in proptest::collection::vec(any::<u32>(), 0..400),
            descending in any::<bool>(),
        ) {
            let mut ours = keys.clone();
            let order = |a: &u32, b: &u32| if descending { b.cmp(a) } else { a.cmp(b) };
            stable_in_place(&mut ours, order);
            let mut expected = keys;
            expected.sort_by(order);
            prop_assert_eq!(ours, expected);
        }

        /// Every entry point gives the slice's order on values.
        #[test]
        fn entry_points_agree(keys in proptest::collection::vec(0_u16..50, 0..100)) {
            let mut expected = keys.clone();
            expected.sort_unstable();
            let mut sorted = keys.clone();
            values(&mut sorted);
            prop_assert_eq!(&sorted, &expected);
            let mut sorted = keys.clone();
            by_key(&mut sorted, |&k| k);
            prop_assert_eq!(&sorted, &expected);
            let mut sorted = keys.clone();
            unstable_by_key(&mut sorted, |&k| core::cmp::Reverse(k));
            sorted.reverse();
            prop_assert_eq!(&sorted, &expected);
        }
    }

    #[test]
    fn short_and_presorted_slices() {
        let mut empty: [u8; 0] = [];
        stable_in_place(&mut empty, u8::cmp);
        let mut one = [7];
        stable_in_place(&mut one, u8::cmp);
        assert_eq!(one, [7]);
        let mut ascending: Vec<u32> = (0..1_000).collect();
        stable_in_place(&mut ascending, u32::cmp);
        assert!(ascending.windows(2).all(|w| w[0] < w[1]));
        let mut descending: Vec<u32> = (0..1_000).rev().collect();
        stable_in_place(&mut descending, u32::cmp);
        assert_eq!(descending, ascending);
    }
}
