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

pub use self::map::{Entry, Iter, IterMut, Keys, SortedMap, Values};
pub use self::set::SortedSet;

#[cfg(test)]
mod tests;
