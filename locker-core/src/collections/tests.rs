//! The sorted collections behave as `BTreeMap` and `BTreeSet` do, under
//! random sequences of operations.

use alloc::collections::{BTreeMap, BTreeSet};
use alloc::vec::Vec;

use proptest::prelude::*;

use super::{SortedMap, SortedSet};

#[derive(Clone, Debug)]
enum Op {
    Insert(u8, u16),
    Remove(u8),
    Bump(u8),
    Retain(u8),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (any::<u8>(), any::<u16>()).prop_map(|(k, v)| Op::Insert(k, v)),
        any::<u8>().prop_map(Op::Remove),
        any::<u8>().prop_map(Op::Bump),
        any::<u8>().prop_map(Op::Retain),
    ]
}

proptest! {
    #[test]
    fn map_matches_btreemap(ops in proptest::collection::vec(op(), 0..200)) {
        let mut model = BTreeMap::new();
        let mut map = SortedMap::new();
        for op in ops {
            match op {
                Op::Insert(k, v) => prop_assert_eq!(map.insert(k, v), model.insert(k, v)),
                Op::Remove(k) => prop_assert_eq!(map.remove(&k), model.remove(&k)),
                Op::Bump(k) => {
                    // Wrapping: an inserted u16::MAX bumped is not the
                    // collection's concern.
                    let value = map.entry(k).or_default();
                    *value = value.wrapping_add(1);
                    let value = model.entry(k).or_default();
                    *value = value.wrapping_add(1);
                }
                Op::Retain(m) => {
                    let m = u16::from(m) | 1;
                    map.retain(|_, v| *v % m != 0);
                    model.retain(|_, v| *v % m != 0);
                }
            }
            prop_assert_eq!(map.len(), model.len());
        }
        prop_assert!(map.iter().eq(model.iter()));
        prop_assert!(map.keys().eq(model.keys()));
        prop_assert!(map.values().rev().eq(model.values().rev()));
        for k in 0..=u8::MAX {
            prop_assert_eq!(map.get(&k), model.get(&k));
            prop_assert_eq!(map.contains_key(&k), model.contains_key(&k));
        }
        prop_assert_eq!(map.first_key_value(), model.first_key_value());
        prop_assert_eq!(map.last_key_value(), model.last_key_value());
    }

    #[test]
    fn collecting_keeps_the_last_value_per_key(pairs in proptest::collection::vec((any::<u8>(), any::<u16>()), 0..100)) {
        let map: SortedMap<u8, u16> = pairs.iter().copied().collect();
        let model: BTreeMap<u8, u16> = pairs.iter().copied().collect();
        prop_assert!(map.iter().eq(model.iter()));
    }

    #[test]
    fn distinct_keys_build_the_map_and_a_repeat_is_named(pairs in proptest::collection::vec((any::<u8>(), any::<u16>()), 0..40)) {
        let model: BTreeMap<u8, u16> = pairs.iter().copied().collect();
        match SortedMap::try_from_distinct(pairs.clone()) {
            Ok(map) => {
                prop_assert_eq!(model.len(), pairs.len());
                prop_assert!(map.iter().eq(model.iter()));
            }
            Err((key, value)) => {
                prop_assert!(model.len() < pairs.len());
                prop_assert!(pairs.contains(&(key, value)));
                prop_assert!(pairs.iter().filter(|(k, _)| *k == key).count() >= 2);
            }
        }
    }

    #[test]
    fn set_matches_btreeset(ops in proptest::collection::vec((any::<bool>(), any::<u8>()), 0..200)) {
        let mut model = BTreeSet::new();
        let mut set = SortedSet::new();
        for (insert, v) in ops {
            if insert {
                prop_assert_eq!(set.insert(v), model.insert(v));
            } else {
                prop_assert_eq!(set.remove(&v), model.remove(&v));
            }
        }
        prop_assert!(set.iter().eq(model.iter()));
        prop_assert_eq!(set.first(), model.first());
        let collected: SortedSet<u8> = model.iter().rev().copied().collect();
        prop_assert_eq!(collected, set.clone());
        prop_assert_eq!(set.pop_first(), model.pop_first());
    }

    #[test]
    fn a_set_of_pairs_answers_by_key_as_a_map_of_sets(
        ops in proptest::collection::vec((any::<bool>(), 0_u8..8, any::<u8>()), 0..200),
    ) {
        let mut model: BTreeMap<u8, BTreeSet<u8>> = BTreeMap::new();
        let mut pairs = SortedSet::new();
        for (insert, key, value) in ops {
            if insert {
                model.entry(key).or_default().insert(value);
                pairs.insert((key, value));
            } else {
                if let Some(values) = model.get_mut(&key) {
                    values.remove(&value);
                    if values.is_empty() {
                        model.remove(&key);
                    }
                }
                pairs.remove(&(key, value));
            }
        }
        for key in 0_u8..=8 {
            let held: Vec<u8> = pairs.with_key(&key).iter().map(|&(k, v)| { assert_eq!(k, key); v }).collect();
            let expected: Vec<u8> = model.get(&key).into_iter().flatten().copied().collect();
            prop_assert_eq!(held, expected);
            prop_assert_eq!(pairs.contains_key(&key), model.contains_key(&key));
        }
    }
}

#[cfg(feature = "serde")]
#[test]
fn serde_shapes_are_btree_shapes() {
    let model: BTreeMap<u32, &str> = [(3, "c"), (1, "a")].into();
    let map: SortedMap<u32, &str> = [(3, "c"), (1, "a")].into();
    let json = serde_json::to_string(&map).unwrap_or_default();
    assert_eq!(json, serde_json::to_string(&model).unwrap_or_default());
    let back: SortedMap<u32, alloc::string::String> =
        serde_json::from_str(r#"{"3":"c","1":"a","3":"d"}"#).unwrap_or_default();
    let keys: Vec<u32> = back.keys().copied().collect();
    assert_eq!(keys, [1, 3]);
    assert_eq!(back.get(&3).map(alloc::string::String::as_str), Some("d"));

    let set: SortedSet<u8> = [5, 2, 5].into();
    assert_eq!(serde_json::to_string(&set).unwrap_or_default(), "[2,5]");
    let back: SortedSet<u8> = serde_json::from_str("[9,1,9]").unwrap_or_default();
    assert!(back.iter().eq([1, 9].iter()));
}

/// The spare capacity a collection may hold: an eighth of its length, and
/// one slot (see `GROWTH_DIVISOR`).
fn slack_allowed(len: usize) -> usize {
    len / super::GROWTH_DIVISOR + 1
}

proptest! {
    /// Growing by insertion, from empty or from an exact clone (a compound
    /// change replaces the state by one), never leaves more than an eighth
    /// of a map or set empty: the RAM a parcel costs depends on it.
    #[test]
    fn growth_leaves_at_most_an_eighth_empty(
        keys in proptest::collection::vec(any::<u16>(), 0..600),
        clone_at in 0_usize..600,
    ) {
        let mut map = SortedMap::new();
        let mut set = SortedSet::new();
        for (i, &key) in keys.iter().enumerate() {
            if i == clone_at {
                map = map.clone();
                set = set.clone();
            }
            map.insert(key, i);
            set.insert(key);
            prop_assert!(map.capacity() <= map.len() + slack_allowed(map.len()));
            prop_assert!(set.capacity() <= set.len() + slack_allowed(set.len()));
            let _ = map.entry(key.wrapping_add(1)).or_insert(i);
            prop_assert!(map.capacity() <= map.len() + slack_allowed(map.len()));
        }
    }
}
