//! The serialized form of a [`CredentialStore`]: records, spent tokens,
//! throttle state and remote log. The indexes are derived, so they are
//! rebuilt (and checked for consistency) when a snapshot is loaded.

use crate::collections::SortedMap;
use alloc::vec::Vec;

use super::error::CredentialError;
use super::id::CredentialId;
use super::policy::CredentialPolicy;
use super::record::CredentialRecord;
use super::record_map::RecordMap;
use super::remote::RemoteLog;
use super::store::CredentialStore;
use super::store::SpentToken;
use super::tag_index::TagIndex;
use super::throttle::ThrottleState;

/// The serialized form of a [`CredentialStore`]: the indexes are derived.
#[derive(serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct StoreSnapshot {
    policy: CredentialPolicy,
    records: Vec<CredentialRecord>,
    #[serde(with = "map_as_seq")]
    spent_tokens: SortedMap<CredentialId, SpentToken>,
    throttle: ThrottleState,
    remote: RemoteLog,
    /// Openings by tokens without a record in the last day.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    recordless_opens_at_s: Vec<u64>,
    /// Records a legacy journal issued.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    legacy: Vec<CredentialId>,
}

impl From<CredentialStore> for StoreSnapshot {
    fn from(store: CredentialStore) -> Self {
        Self {
            policy: store.policy,
            records: store
                .records
                .into_values()
                .map(alloc::sync::Arc::unwrap_or_clone)
                .collect(),
            spent_tokens: store.spent_tokens,
            throttle: store.throttle,
            remote: store.remote,
            recordless_opens_at_s: store.recordless_opens_at_s,
            legacy: store.legacy.iter().copied().collect(),
        }
    }
}

impl TryFrom<StoreSnapshot> for CredentialStore {
    type Error = CredentialError;

    /// Rebuilds the indexes, each in one sort: tags come in random order,
    /// and inserting them one by one moves O(n²) entries (a store of
    /// 10,000 PINs took 55 ms to load that way).
    fn try_from(snapshot: StoreSnapshot) -> Result<Self, CredentialError> {
        let mut store = Self::new(snapshot.policy)?;
        let mut lookup = Vec::new();
        let mut unique = Vec::new();
        let mut owned = Vec::new();
        let mut couriers = Vec::new();
        for record in &snapshot.records {
            record.validate()?;
            let id = record.id;
            if snapshot.spent_tokens.contains_key(&id) {
                return Err(CredentialError::DuplicateCredential { credential_id: id });
            }
            let keys = record.index_keys();
            lookup.extend(keys.lookup.map(|tag| (tag, id)));
            unique.extend(keys.unique.map(|tag| (tag, id)));
            owned.extend(keys.recipient.map(|recipient| (recipient, id)));
            couriers.extend(keys.active_courier.map(|carrier| (carrier, id)));
        }
        store.records = RecordMap::try_from_distinct(snapshot.records)
            .map_err(|credential_id| CredentialError::DuplicateCredential { credential_id })?;
        store.tag_index = TagIndex::from_tagged(lookup)
            .map_err(|credential_id| CredentialError::TagCollision { credential_id })?;
        store.unique_index = TagIndex::from_tagged(unique)
            .map_err(|credential_id| CredentialError::TagCollision { credential_id })?;
        store.courier_by_carrier = SortedMap::try_from_distinct(couriers).map_err(collision)?;
        store.by_recipient = owned.into_iter().collect();
        store.spent_tokens = snapshot.spent_tokens;
        store.throttle = snapshot.throttle;
        store.remote = snapshot.remote;
        store.recordless_opens_at_s = snapshot.recordless_opens_at_s;
        for id in snapshot.legacy {
            if !store.records.contains_key(&id) {
                return Err(CredentialError::UnknownCredential { credential_id: id });
            }
            store.legacy.insert(id);
        }
        Ok(store)
    }
}

/// Two records found under one key of an index.
fn collision<K>((_, credential_id): (K, CredentialId)) -> CredentialError {
    CredentialError::TagCollision { credential_id }
}

/// Serde helper: a map as a sequence of `[key, value]` pairs, so keys need
/// not be strings in JSON.
pub(crate) mod map_as_seq {
    use crate::collections::SortedMap;
    use alloc::vec::Vec;

    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub(crate) fn serialize<K, V, S>(
        map: &SortedMap<K, V>,
        serializer: S,
    ) -> Result<S::Ok, S::Error>
    where
        K: Serialize,
        V: Serialize,
        S: Serializer,
    {
        serializer.collect_seq(map.iter())
    }

    pub(crate) fn deserialize<'de, K, V, D>(deserializer: D) -> Result<SortedMap<K, V>, D::Error>
    where
        K: Deserialize<'de> + Ord,
        V: Deserialize<'de>,
        D: Deserializer<'de>,
    {
        let pairs: Vec<(K, V)> = Vec::deserialize(deserializer)?;
        Ok(pairs.into_iter().collect())
    }
}

#[cfg(test)]
mod tests {
    use alloc::vec;
    use alloc::vec::Vec;

    use rand::SeedableRng;
    use rand::rngs::StdRng;

    use super::*;
    use crate::credential::{
        CarrierId, CourierRequest, KeyRing, PinRequest, Purpose, RecordStatus, RfidRequest,
    };
    use crate::ids::{CompartmentId, RecipientId};

    const NOW_S: u64 = 1_700_000_000;
    const DAY_S: u64 = 86_400;

    /// A store with PINs of several residents (two each for some), an RFID
    /// tag, and a carrier whose first courier code was rotated out.
    fn store() -> CredentialStore {
        let mut rng = StdRng::seed_from_u64(3);
        let mut keys = KeyRing::new();
        keys.rotate(&mut rng).unwrap();
        let mut store = CredentialStore::default();
        for (door, unit) in [(1, 40), (2, 12), (3, 40), (4, 7), (5, 12)] {
            let request = PinRequest {
                recipient: RecipientId(unit),
                compartments: vec![CompartmentId(door)],
                purpose: Purpose::Pickup,
                expires_at_s: NOW_S + DAY_S,
            };
            let (_, record) = store
                .generate_pin(&keys, &mut rng, &request, NOW_S)
                .unwrap();
            store.insert(record, NOW_S).unwrap();
        }
        let rfid = RfidRequest {
            recipient: RecipientId(12),
            with_pin: false,
            expires_at_s: Some(NOW_S + DAY_S),
        };
        let (_, record) = store
            .generate_rfid(&keys, &mut rng, &[4, 1, 2, 3], &rfid, NOW_S)
            .unwrap();
        store.insert(record, NOW_S).unwrap();
        for _ in 0..2 {
            let courier = CourierRequest {
                carrier: CarrierId(9),
                valid_from_s: NOW_S,
                expires_at_s: NOW_S + DAY_S,
            };
            let (_, record) = store
                .generate_courier_code(&keys, &mut rng, &courier, NOW_S)
                .unwrap();
            store.insert(record, NOW_S).unwrap();
        }
        store
    }

    fn snapshot_with(records: Vec<CredentialRecord>) -> StoreSnapshot {
        StoreSnapshot {
            records,
            ..StoreSnapshot::from(CredentialStore::default())
        }
    }

    #[test]
    fn loading_rebuilds_the_indexes_that_inserting_builds() {
        let live = store();
        // Records in any order: a snapshot written by hand need not be sorted.
        let mut records: Vec<CredentialRecord> = live.records().cloned().collect();
        records.reverse();
        let loaded = CredentialStore::try_from(snapshot_with(records)).unwrap();
        assert_eq!(loaded, live);
        assert_eq!(loaded.by_recipient.with_key(&RecipientId(12)).len(), 3);
        assert_eq!(loaded.courier_by_carrier.len(), 1);
    }

    #[test]
    fn a_snapshot_whose_records_clash_is_refused() {
        let live = store();
        let records: Vec<CredentialRecord> = live.records().cloned().collect();
        let pin = records.iter().find(|r| r.kind.is_pin()).cloned().unwrap();

        let mut twice = records.clone();
        twice.push(pin.clone());
        assert_eq!(
            CredentialStore::try_from(snapshot_with(twice)).unwrap_err(),
            CredentialError::DuplicateCredential {
                credential_id: pin.id
            }
        );

        // The same PIN under another id: its tags clash.
        let mut copied = records.clone();
        let copy_id = CredentialId(pin.id.0 ^ 1);
        copied.push(CredentialRecord { id: copy_id, ..pin });
        assert!(matches!(
            CredentialStore::try_from(snapshot_with(copied)).unwrap_err(),
            CredentialError::TagCollision { credential_id } if credential_id == copy_id || credential_id == pin.id
        ));

        // Two active courier codes for one carrier.
        let mut couriers = records.clone();
        for record in &mut couriers {
            record.status = RecordStatus::Active;
        }
        assert!(matches!(
            CredentialStore::try_from(snapshot_with(couriers)).unwrap_err(),
            CredentialError::TagCollision { .. }
        ));

        // A record whose id a spent token has.
        let mut spent = snapshot_with(records);
        spent.spent_tokens.insert(
            pin.id,
            SpentToken {
                expires_at_s: NOW_S + DAY_S,
                revoked: false,
            },
        );
        assert_eq!(
            CredentialStore::try_from(spent).unwrap_err(),
            CredentialError::DuplicateCredential {
                credential_id: pin.id
            }
        );
    }
}
