//! The serialized form of a [`CredentialStore`]: records, spent tokens,
//! throttle state and remote log. The indexes are derived, so they are
//! rebuilt (and checked for consistency) when a snapshot is loaded.

use crate::collections::SortedMap;
use alloc::vec::Vec;

use super::remote::RemoteLog;
use super::store::SpentToken;
use super::{
    CredentialError, CredentialId, CredentialKind, CredentialPolicy, CredentialRecord,
    CredentialStore, RecordStatus, ThrottleState,
};

/// The serialized form of a [`CredentialStore`]: the indexes are derived.
#[derive(serde::Serialize, serde::Deserialize)]
pub(crate) struct StoreSnapshot {
    policy: CredentialPolicy,
    records: Vec<CredentialRecord>,
    #[serde(with = "map_as_seq")]
    spent_tokens: SortedMap<CredentialId, SpentToken>,
    throttle: ThrottleState,
    remote: RemoteLog,
}

impl From<CredentialStore> for StoreSnapshot {
    fn from(store: CredentialStore) -> Self {
        Self {
            policy: store.policy,
            records: store.records.into_values().collect(),
            spent_tokens: store.spent_tokens,
            throttle: store.throttle,
            remote: store.remote,
        }
    }
}

impl TryFrom<StoreSnapshot> for CredentialStore {
    type Error = CredentialError;

    fn try_from(snapshot: StoreSnapshot) -> Result<Self, CredentialError> {
        let mut store = Self::new(snapshot.policy)?;
        for record in snapshot.records {
            record.validate()?;
            let credential_id = record.id;
            if store.records.contains_key(&credential_id) {
                return Err(CredentialError::DuplicateCredential { credential_id });
            }
            let collides = record
                .kind
                .lookup_tag()
                .is_some_and(|t| store.tag_index.contains_key(t))
                || record
                    .kind
                    .unique_tag()
                    .is_some_and(|t| store.unique_index.contains_key(t))
                || matches!((&record.kind, record.status), (CredentialKind::Courier { carrier, .. }, RecordStatus::Active)
                    if store.courier_by_carrier.contains_key(carrier));
            if collides {
                return Err(CredentialError::TagCollision { credential_id });
            }
            store.index(&record);
            store.records.insert(credential_id, record);
        }
        store.spent_tokens = snapshot.spent_tokens;
        store.throttle = snapshot.throttle;
        store.remote = snapshot.remote;
        Ok(store)
    }
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
