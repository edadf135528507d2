//! [`RecordMap`]: the store's records by id, in one sorted vector of
//! shared records.

use alloc::sync::Arc;
use alloc::vec::Vec;
use core::slice;

use super::id::CredentialId;
use super::record::CredentialRecord;

/// The store's records, sorted by each record's own id.
///
/// An entry is one pointer: a map entry would repeat the id beside the
/// record (16 bytes a record on the part, where this takes 4). Each record
/// is shared until changed: the locker checks each compound change on a
/// copy of its state, and that copy then shares the records instead of
/// copying each one's list of doors.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct RecordMap(Vec<Arc<CredentialRecord>>);

/// A copy keeps the original's spare room (see `SortedMap`'s `Clone`).
impl Clone for RecordMap {
    fn clone(&self) -> Self {
        let mut records = Vec::with_capacity(self.0.capacity());
        records.extend_from_slice(&self.0);
        Self(records)
    }
}

impl RecordMap {
    fn position(&self, id: &CredentialId) -> Result<usize, usize> {
        self.0.binary_search_by(|record| record.id.cmp(id))
    }

    /// The record with this id.
    pub(crate) fn get(&self, id: &CredentialId) -> Option<&Arc<CredentialRecord>> {
        self.position(id).ok().and_then(|at| self.0.get(at))
    }

    /// The record with this id, to change (never its id).
    pub(crate) fn get_mut(&mut self, id: &CredentialId) -> Option<&mut Arc<CredentialRecord>> {
        self.position(id).ok().and_then(|at| self.0.get_mut(at))
    }

    /// Whether a record has this id.
    pub(crate) fn contains_key(&self, id: &CredentialId) -> bool {
        self.position(id).is_ok()
    }

    /// Adds `record`; false, and nothing changes, when its id is taken.
    pub(crate) fn insert(&mut self, record: CredentialRecord) -> bool {
        match self.position(&record.id) {
            Ok(_) => false,
            Err(at) => {
                crate::collections::insert_growing_gently(&mut self.0, at, Arc::new(record));
                true
            }
        }
    }

    /// Keeps the records `keep` accepts.
    pub(crate) fn retain(&mut self, mut keep: impl FnMut(&CredentialRecord) -> bool) {
        self.0.retain(|record| keep(record));
    }

    /// The records in ascending order of id.
    pub(crate) fn values(&self) -> slice::Iter<'_, Arc<CredentialRecord>> {
        self.0.iter()
    }

    /// The records in ascending order of id, taken.
    #[cfg(feature = "serde")]
    pub(crate) fn into_values(self) -> impl Iterator<Item = Arc<CredentialRecord>> {
        self.0.into_iter()
    }

    /// The number of records.
    pub(crate) fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there is no record.
    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The records of a snapshot, sorted once, or the id two of them share.
    #[cfg(feature = "serde")]
    pub(crate) fn try_from_distinct(
        mut records: Vec<CredentialRecord>,
    ) -> Result<Self, CredentialId> {
        crate::collections::sort::unstable_by_key(&mut records, |record| record.id);
        if let Some(pair) = records.windows(2).find(|pair| pair[0].id == pair[1].id) {
            return Err(pair[1].id);
        }
        Ok(Self(records.into_iter().map(Arc::new).collect()))
    }
}

#[cfg(test)]
mod tests {
    use alloc::collections::BTreeMap;

    use proptest::prelude::*;

    use super::*;
    use crate::credential::grant::Purpose;
    use crate::credential::keys::KeyId;
    use crate::credential::record::{CredentialKind, RecordStatus};
    use crate::ids::CompartmentId;

    fn token(id: u64, door: u32) -> CredentialRecord {
        CredentialRecord {
            id: CredentialId(id),
            key_id: KeyId(1),
            kind: CredentialKind::Token {
                secret_digest: None,
            },
            purpose: Purpose::Pickup,
            compartments: alloc::vec![CompartmentId(door)],
            recipient: None,
            valid_from_s: 0,
            expires_at_s: None,
            status: RecordStatus::Active,
        }
    }

    proptest! {
        /// Inserting, changing and dropping records answers as a map by
        /// id does, and a copy is equal and keeps its order.
        #[test]
        fn records_behave_as_a_map_by_id(
            ops in proptest::collection::vec((0_u8..3, 0_u64..24, 1_u32..9), 0..120),
        ) {
            let mut model: BTreeMap<u64, u32> = BTreeMap::new();
            let mut records = RecordMap::default();
            for (op, id, door) in ops {
                match op {
                    0 => {
                        let fresh = !model.contains_key(&id);
                        prop_assert_eq!(records.insert(token(id, door)), fresh);
                        model.entry(id).or_insert(door);
                    }
                    1 => {
                        if let Some(record) = records.get_mut(&CredentialId(id)) {
                            Arc::make_mut(record).compartments = alloc::vec![CompartmentId(door)];
                        }
                        if let Some(held) = model.get_mut(&id) {
                            *held = door;
                        }
                    }
                    _ => {
                        records.retain(|record| record.compartments[0].0 != door);
                        model.retain(|_, held| *held != door);
                    }
                }
            }
            prop_assert_eq!(records.len(), model.len());
            prop_assert_eq!(records.is_empty(), model.is_empty());
            let held: Vec<(u64, u32)> = records
                .values()
                .map(|record| (record.id.0, record.compartments[0].0))
                .collect();
            let expected: Vec<(u64, u32)> = model.iter().map(|(&id, &door)| (id, door)).collect();
            prop_assert_eq!(held, expected);
            for id in 0_u64..24 {
                prop_assert_eq!(records.contains_key(&CredentialId(id)), model.contains_key(&id));
                prop_assert_eq!(
                    records.get(&CredentialId(id)).map(|r| r.compartments[0].0),
                    model.get(&id).copied()
                );
            }
            prop_assert_eq!(records.clone(), records);
        }
    }

    #[cfg(feature = "serde")]
    #[test]
    fn a_snapshot_naming_one_id_twice_is_refused() {
        let records = RecordMap::try_from_distinct(alloc::vec![token(3, 1), token(1, 1)]).unwrap();
        assert_eq!(records.values().map(|r| r.id.0).collect::<Vec<_>>(), [1, 3]);
        let twice = alloc::vec![token(3, 1), token(1, 1), token(3, 2)];
        assert_eq!(RecordMap::try_from_distinct(twice), Err(CredentialId(3)));
    }
}
