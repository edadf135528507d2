//! [`TagIndex`]: keyed tags to records, by each tag's first eight bytes.
//!
//! A record holds its full tags; an index entry holds the tag's first word
//! and the record's id (16 bytes, where the whole tag and id took 40). A
//! PIN is in two indexes, so this is 48 bytes less per PIN. Tags are
//! HMAC outputs nobody can choose without the key, so two tags share a
//! first word about once in 2^64 pairs; a lookup still reads every record
//! under the word and compares the whole tag, in constant time.

use alloc::sync::Arc;
#[cfg(feature = "serde")]
use alloc::vec::Vec;

use super::id::CredentialId;
use super::keys::Tag;
use super::record::{CredentialKind, CredentialRecord};
use crate::collections::SortedSet;

use super::record_map::RecordMap as Records;

/// Which tag of a record an index holds.
pub(crate) type TagOf = fn(&CredentialKind) -> Option<&Tag>;

/// Keyed tags to records, one `(first word, id)` pair a tag.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct TagIndex(SortedSet<(u64, CredentialId)>);

impl TagIndex {
    /// Indexes `tag` as the record `id`'s.
    pub(crate) fn insert(&mut self, tag: &Tag, id: CredentialId) {
        self.0.insert((tag.prefix(), id));
    }

    /// Keeps the entries of the records `keep` accepts.
    pub(crate) fn retain(&mut self, mut keep: impl FnMut(&CredentialId) -> bool) {
        self.0.retain(|(_, id)| keep(id));
    }

    /// The record whose tag (`tag_of`) is `tag`, among `records`.
    pub(crate) fn find<'a>(
        &self,
        records: &'a Records,
        tag: &Tag,
        tag_of: TagOf,
    ) -> Option<&'a CredentialRecord> {
        self.0
            .with_key(&tag.prefix())
            .iter()
            .filter_map(|(_, id)| records.get(id))
            .map(Arc::as_ref)
            .find(|record| tag_of(&record.kind).is_some_and(|held| held.ct_eq(tag)))
    }

    /// Whether some record of `records` has `tag` as its tag (`tag_of`).
    pub(crate) fn holds(&self, records: &Records, tag: &Tag, tag_of: TagOf) -> bool {
        self.find(records, tag, tag_of).is_some()
    }

    /// An index of `tagged` (a snapshot's tags and their records), or the
    /// id of a record whose tag another record has too.
    #[cfg(feature = "serde")]
    pub(crate) fn from_tagged(mut tagged: Vec<(Tag, CredentialId)>) -> Result<Self, CredentialId> {
        crate::collections::sort::values(&mut tagged);
        if let Some(pair) = tagged.windows(2).find(|pair| pair[0].0 == pair[1].0) {
            return Err(pair[1].1);
        }
        // Sorted by tag, so by first word: each insert goes at the end, or
        // near it when first words tie (and this needs no sort of its own
        // on the part).
        let mut index = Self::default();
        for (tag, id) in tagged {
            index.insert(&tag, id);
        }
        Ok(index)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::credential::grant::Purpose;
    use crate::credential::keys::KeyId;
    use crate::credential::record::RecordStatus;
    use crate::ids::{CompartmentId, RecipientId};

    /// A tag whose first word is `word` and whose last byte is `last`.
    fn tag(word: u64, last: u8) -> Tag {
        let mut bytes = [0_u8; 32];
        bytes[..8].copy_from_slice(&word.to_be_bytes());
        bytes[31] = last;
        Tag(bytes)
    }

    fn pin(id: u64, lookup: Tag, unique: Tag) -> CredentialRecord {
        CredentialRecord {
            id: CredentialId(id),
            key_id: KeyId(1),
            kind: CredentialKind::Pin {
                lookup_tag: lookup,
                unique_tag: unique,
            },
            purpose: Purpose::Pickup,
            compartments: alloc::vec![CompartmentId(1)],
            recipient: Some(RecipientId(1)),
            valid_from_s: 0,
            expires_at_s: None,
            status: RecordStatus::Active,
        }
    }

    #[test]
    fn tags_sharing_a_first_word_find_their_own_records() {
        // Two tags alike in their first word (about once in 2^64 pairs):
        // each finds its own record, and a third tag with that word none.
        let (a, b) = (tag(7, 1), tag(7, 2));
        let mut records = Records::default();
        assert!(records.insert(pin(20, b, tag(2, 0))));
        assert!(records.insert(pin(10, a, tag(1, 0))));
        let mut index = TagIndex::default();
        index.insert(&b, CredentialId(20));
        index.insert(&a, CredentialId(10));
        let found = |index: &TagIndex, t: &Tag| {
            index
                .find(&records, t, CredentialKind::lookup_tag)
                .map(|r| r.id)
        };
        assert_eq!(found(&index, &a), Some(CredentialId(10)));
        assert_eq!(found(&index, &b), Some(CredentialId(20)));
        assert_eq!(found(&index, &tag(7, 3)), None);
        // The lookup index never answers for a record's other tag.
        assert!(!index.holds(&records, &tag(1, 0), CredentialKind::lookup_tag));
        index.retain(|id| *id != CredentialId(10));
        assert_eq!(found(&index, &a), None);
        assert_eq!(found(&index, &b), Some(CredentialId(20)));
    }

    #[cfg(feature = "serde")]
    #[test]
    fn a_snapshot_with_one_tag_twice_is_refused_but_a_shared_first_word_is_not() {
        let shared_word = [(tag(7, 1), CredentialId(10)), (tag(7, 2), CredentialId(20))];
        let index = TagIndex::from_tagged(shared_word.to_vec()).unwrap();
        let mut by_hand = TagIndex::default();
        for (t, id) in shared_word {
            by_hand.insert(&t, id);
        }
        assert_eq!(index, by_hand);
        let twice = alloc::vec![(tag(7, 1), CredentialId(10)), (tag(7, 1), CredentialId(20))];
        assert!(TagIndex::from_tagged(twice).is_err());
    }
}
