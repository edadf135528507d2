//! Ordered maps and sets on a sorted vector.
//!
//! A locker's maps are small (one entry per door, parcel or live
//! credential) and looked up far more often than changed. A sorted `Vec`
//! answers lookups by binary search in one contiguous block, costs no node
//! allocations, and, above all, compiles to a fraction of the code of a
//! B-tree: every `BTreeMap<K, V>` brings its own copy of node splitting,
//! merging and iteration, which was the largest single part of the
//! firmware image and of the `.wasm`. Inserting and removing move the
//! entries after the position, which is cheap at these sizes.
//!
//! The API is the part of `BTreeMap`'s and `BTreeSet`'s that the library
//! uses, with the same meaning, the same iteration order (ascending keys)
//! and the same serde shapes (a map; a sequence for a set).

mod map;
mod set;
pub(crate) mod sort;

use alloc::vec::Vec;

/// How much a full collection grows: by an eighth of its length, at
/// least one slot.
///
/// A locker keeps one entry per occupied door in several maps and sets,
/// for as long as the parcel stays. `Vec`'s doubling
/// would leave up to half of each empty (and a compound change replaces
/// the state by a clone, whose vectors are exactly full, so the next
/// insert doubled them): about 40 % of the RAM a parcel cost. Growing by
/// an eighth caps the slack at 12.5 %; the extra copying (about eight
/// entries per insert, amortized) is small beside the shifting a sorted
/// insert does anyway.
const GROWTH_DIVISOR: usize = 8;

/// Inserts `value` at `at`, growing a full `values` by an eighth (see
/// [`GROWTH_DIVISOR`]).
pub(crate) fn insert_growing_gently<T>(values: &mut Vec<T>, at: usize, value: T) {
    if values.len() == values.capacity() {
        values.reserve_exact(values.len() / GROWTH_DIVISOR + 1);
    }
    values.insert(at, value);
}

pub use self::map::{Entry, Iter, IterMut, Keys, SortedMap, Values};
pub use self::set::SortedSet;

#[cfg(test)]
mod tests;
