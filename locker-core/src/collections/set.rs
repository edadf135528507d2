//! [`SortedSet`]: a set on a sorted vector.

use alloc::vec::Vec;
use core::borrow::Borrow;
use core::fmt;
use core::slice;

/// An ordered set kept as a sorted vector, with `BTreeSet`'s meaning:
/// each value once, iteration in ascending order. Lookups are O(log n);
/// inserting or removing moves the values after the position.
#[derive(PartialEq, Eq, Hash)]
pub struct SortedSet<T> {
    values: Vec<T>,
}

/// A copy keeps the original's spare room (see [`SortedMap`]'s `Clone`).
///
/// [`SortedMap`]: super::SortedMap
impl<T: Clone> Clone for SortedSet<T> {
    fn clone(&self) -> Self {
        let mut values = Vec::with_capacity(self.values.capacity());
        values.extend_from_slice(&self.values);
        Self { values }
    }
}

impl<T> Default for SortedSet<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T> SortedSet<T> {
    /// An empty set.
    #[must_use]
    pub const fn new() -> Self {
        Self { values: Vec::new() }
    }

    /// The number of values.
    #[must_use]
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// Slots allocated (for the tests of the growth rule).
    #[cfg(test)]
    pub(super) fn capacity(&self) -> usize {
        self.values.capacity()
    }

    /// Whether the set has no value.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// The values in ascending order.
    pub fn iter(&self) -> slice::Iter<'_, T> {
        self.values.iter()
    }

    /// The smallest value.
    #[must_use]
    pub fn first(&self) -> Option<&T> {
        self.values.first()
    }

    /// The largest value.
    #[must_use]
    pub fn last(&self) -> Option<&T> {
        self.values.last()
    }

    /// Keeps the values for which `keep` returns true.
    pub fn retain(&mut self, keep: impl FnMut(&T) -> bool) {
        self.values.retain(keep);
    }

    /// Removes every value.
    pub fn clear(&mut self) {
        self.values.clear();
    }
}

impl<T: Ord> SortedSet<T> {
    fn position<Q>(&self, value: &Q) -> Result<usize, usize>
    where
        T: Borrow<Q>,
        Q: Ord + ?Sized,
    {
        self.values
            .binary_search_by(|probe| probe.borrow().cmp(value))
    }

    /// Whether the set holds `value`.
    pub fn contains<Q>(&self, value: &Q) -> bool
    where
        T: Borrow<Q>,
        Q: Ord + ?Sized,
    {
        self.position(value).is_ok()
    }

    /// Adds `value`; false if it was there already.
    pub fn insert(&mut self, value: T) -> bool {
        match self.position(&value) {
            Ok(_) => false,
            Err(at) => {
                super::insert_growing_gently(&mut self.values, at, value);
                true
            }
        }
    }

    /// Removes `value`; false if it was not there.
    pub fn remove<Q>(&mut self, value: &Q) -> bool
    where
        T: Borrow<Q>,
        Q: Ord + ?Sized,
    {
        match self.position(value) {
            Ok(at) => {
                self.values.remove(at);
                true
            }
            Err(_) => false,
        }
    }

    /// Removes the smallest value and returns it.
    pub fn pop_first(&mut self) -> Option<T> {
        if self.values.is_empty() {
            None
        } else {
            Some(self.values.remove(0))
        }
    }
}

/// A set of pairs is a multimap: each key with any number of values, in
/// one vector. An index from a key to a few values each (a resident's
/// doors) costs one pair a value, where a map to a set per key costs a
/// map entry, the set and its own allocation.
impl<K: Ord, V> SortedSet<(K, V)> {
    /// The pairs whose first element is `key`, in ascending order of the
    /// second.
    #[must_use]
    pub fn with_key(&self, key: &K) -> &[(K, V)] {
        let start = self.values.partition_point(|(k, _)| k < key);
        let from = self.values.get(start..).unwrap_or_default();
        // A key's run is a few pairs (a resident's doors or records): a
        // walk ends it sooner than a second search.
        let len = from.iter().take_while(|(k, _)| k == key).count();
        from.get(..len).unwrap_or_default()
    }

    /// Whether some pair has `key` as its first element.
    #[must_use]
    pub fn contains_key(&self, key: &K) -> bool {
        !self.with_key(key).is_empty()
    }
}

impl<T: Ord> FromIterator<T> for SortedSet<T> {
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Self {
        let mut values: Vec<T> = iter.into_iter().collect();
        // Stable, so of values `Ord` finds equal the first is kept, as
        // `BTreeSet` keeps it, in every build.
        crate::collections::sort::by(&mut values, T::cmp);
        values.dedup();
        Self { values }
    }
}

impl<T: Ord> Extend<T> for SortedSet<T> {
    fn extend<I: IntoIterator<Item = T>>(&mut self, iter: I) {
        for value in iter {
            self.insert(value);
        }
    }
}

impl<T: Ord, const N: usize> From<[T; N]> for SortedSet<T> {
    fn from(values: [T; N]) -> Self {
        values.into_iter().collect()
    }
}

impl<T: fmt::Debug> fmt::Debug for SortedSet<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.iter()).finish()
    }
}

impl<'a, T> IntoIterator for &'a SortedSet<T> {
    type Item = &'a T;
    type IntoIter = slice::Iter<'a, T>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

impl<T> IntoIterator for SortedSet<T> {
    type Item = T;
    type IntoIter = alloc::vec::IntoIter<T>;

    fn into_iter(self) -> Self::IntoIter {
        self.values.into_iter()
    }
}

#[cfg(feature = "serde")]
mod serde_impl {
    use core::fmt;
    use core::marker::PhantomData;

    use serde::de::{SeqAccess, Visitor};
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    use super::SortedSet;

    /// A sequence in ascending order, as `BTreeSet` serializes.
    impl<T: Serialize> Serialize for SortedSet<T> {
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            serializer.collect_seq(self.iter())
        }
    }

    /// A sequence in any order; repeats collapse, as in `BTreeSet`.
    impl<'de, T: Deserialize<'de> + Ord> Deserialize<'de> for SortedSet<T> {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            struct SeqVisitor<T>(PhantomData<fn() -> T>);

            impl<'de, T: Deserialize<'de> + Ord> Visitor<'de> for SeqVisitor<T> {
                type Value = SortedSet<T>;

                fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                    f.write_str("a sequence")
                }

                fn visit_seq<A: SeqAccess<'de>>(
                    self,
                    mut access: A,
                ) -> Result<Self::Value, A::Error> {
                    let mut values = alloc::vec::Vec::new();
                    while let Some(value) = access.next_element()? {
                        values.push(value);
                    }
                    Ok(values.into_iter().collect())
                }
            }

            deserializer.deserialize_seq(SeqVisitor(PhantomData))
        }
    }
}
