//! Checking a journal against what the reader trusts: the key ring that
//! authenticates it, a head seen before, a board's monotonic counter.

use serde::{Deserialize, Serialize};

use super::{
    AUTHENTICATED_VERSION, Chain, Digest, JournalError, RECORD_DOMAIN, Record, RecordMac, Seal,
    check_link,
};
use crate::credential::{BankId, KeyId, KeyRing};

/// What a journal is checked against.
///
/// With no keys only integrity is checked (hashes, sequence, links): anyone
/// who can write the storage can rewrite such a journal and recompute its
/// hashes. With the site's keys every record's MAC is checked too, and a
/// record no key in the ring vouches for is refused. A head seen before
/// ([`Trust::expected_head`]) or the count a board's monotonic counter
/// vouches for ([`Trust::min_records`]) makes a journal cut short evident.
#[derive(Clone, Copy, Debug, Default)]
pub struct Trust<'a> {
    /// The ring whose journal keys authenticate the records; `None` checks
    /// integrity only.
    pub keys: Option<&'a KeyRing>,
    /// Where the records start: a snapshot's chain position, or `None` for
    /// the first record.
    pub start: Option<Chain>,
    /// A head exported before (by a back end, or kept by the vendor): the
    /// journal must reach it and hold it unchanged.
    pub expected_head: Option<Head>,
    /// How many records a board's monotonic counter vouches for: the
    /// journal must hold at least that many.
    pub min_records: Option<u64>,
    /// Accept version-1 records (written before journals were
    /// authenticated) that no authenticated record after them vouches for.
    /// Say yes only when restoring a journal written by an older library:
    /// such records are only as good as the storage they were kept on.
    pub accept_legacy: bool,
}

impl<'a> Trust<'a> {
    /// Integrity only: hashes, sequence and links; no MACs.
    #[must_use]
    pub const fn integrity_only() -> Self {
        Self {
            keys: None,
            start: None,
            expected_head: None,
            min_records: None,
            accept_legacy: false,
        }
    }

    /// Every record authenticated by `keys`.
    #[must_use]
    pub const fn with_keys(keys: &'a KeyRing) -> Self {
        Self {
            keys: Some(keys),
            ..Self::integrity_only()
        }
    }

    /// The same, starting at a snapshot's chain position.
    #[must_use]
    pub const fn from(mut self, start: Option<Chain>) -> Self {
        self.start = start;
        self
    }
}

/// The last record of a journal as it stood: exported by a locker
/// ([`Locker::head`](crate::locker::Locker::head)) to a back end or to
/// storage the journal's storage cannot roll back, and checked later with
/// [`Trust::expected_head`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Head {
    /// The record's sequence number (the journal held `seq + 1` records).
    pub seq: u64,
    /// Its hash.
    pub hash: Digest,
    /// Its MAC (absent for a version-1 record).
    pub seal: Option<Seal>,
    /// The bank whose journal it is, when a locker exported it: a restore
    /// checked against the head refuses another bank's journal, even one
    /// whose snapshot lies past the head. Not under the MAC: the head is
    /// kept where the journal's storage cannot reach.
    pub bank_id: Option<BankId>,
}

impl Head {
    /// Checks that the head was sealed by one of `keys` (a back end
    /// receiving heads from its lockers).
    ///
    /// # Errors
    ///
    /// [`JournalError::Unauthenticated`] for a head without a MAC,
    /// [`JournalError::UnknownKey`] for a key the ring does not hold,
    /// [`JournalError::Forged`] for a MAC that does not verify.
    pub fn verify(&self, keys: &KeyRing) -> Result<(), JournalError> {
        let seal = self
            .seal
            .ok_or(JournalError::Unauthenticated { seq: self.seq })?;
        match seal.verifies(keys, &RECORD_DOMAIN, self.seq, &self.hash) {
            Some(true) => Ok(()),
            Some(false) => Err(JournalError::Forged {
                seq: self.seq,
                key_id: seal.key_id,
            }),
            None => Err(JournalError::UnknownKey {
                seq: self.seq,
                key_id: seal.key_id,
            }),
        }
    }
}

/// A head's JSON: `{"seq", "hash", "key_id", "mac", "bank_id"}`, the MAC
/// and its key absent for a version-1 record, the bank for a head not
/// exported by a locker.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct HeadJson {
    seq: u64,
    hash: Digest,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    key_id: Option<KeyId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    mac: Option<RecordMac>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    bank_id: Option<BankId>,
}

impl Serialize for Head {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        HeadJson {
            seq: self.seq,
            hash: self.hash,
            key_id: self.seal.map(|s| s.key_id),
            mac: self.seal.map(|s| s.mac),
            bank_id: self.bank_id,
        }
        .serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Head {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let json = HeadJson::deserialize(deserializer)?;
        let seal = match (json.key_id, json.mac) {
            (Some(key_id), Some(mac)) => Some(Seal { key_id, mac }),
            (None, None) => None,
            _ => {
                return Err(serde::de::Error::custom(
                    "a head has both key_id and mac, or neither",
                ));
            }
        };
        Ok(Self {
            seq: json.seq,
            hash: json.hash,
            seal,
            bank_id: json.bank_id,
        })
    }
}

/// What a verified journal is, beyond being whole.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Verified {
    /// Where the chain stands after the records.
    pub chain: Chain,
    /// The last record whose MAC was checked (every record before it is
    /// vouched for by it through the chain); `None` when no MAC was
    /// checked (no keys given, or only legacy records).
    pub authenticated_through: Option<u64>,
    /// Version-1 records read (written before journals were authenticated).
    pub legacy_records: u64,
    /// The last record, as a head to export.
    pub head: Option<Head>,
}

/// Records after the last MAC that vouched for them.
#[derive(Clone, Copy, Debug)]
struct Pending {
    /// The first of them.
    seq: u64,
    /// The first of them sealed with a key the ring does not hold.
    unknown_key: Option<(u64, KeyId)>,
}

/// Checks records one at a time, as they are read: what [`verify`] and
/// [`lines::read`](super::lines::read) both use.
#[derive(Debug)]
pub struct Verifier<'a> {
    trust: Trust<'a>,
    chain: Chain,
    pending: Option<Pending>,
    authenticated_through: Option<u64>,
    legacy_records: u64,
    seen_sealed: bool,
    head: Option<Head>,
    expected_head_seen: bool,
}

impl<'a> Verifier<'a> {
    /// A verifier for records that start where `trust` says.
    ///
    /// # Errors
    ///
    /// [`JournalError::NoKeys`] for an empty ring.
    pub fn new(trust: Trust<'a>) -> Result<Self, JournalError> {
        if trust.keys.is_some_and(KeyRing::is_empty) {
            return Err(JournalError::NoKeys);
        }
        Ok(Self {
            chain: trust.start.unwrap_or_default(),
            trust,
            pending: None,
            authenticated_through: None,
            legacy_records: 0,
            seen_sealed: false,
            head: None,
            expected_head_seen: false,
        })
    }

    /// Checks the next record.
    ///
    /// # Errors
    ///
    /// As [`verify`], for this record.
    pub fn push<E: Serialize>(&mut self, record: &Record<E>) -> Result<(), JournalError> {
        self.push_hashed(record, &record.compute_hash())
    }

    /// [`push`](Self::push) with the record's hash already computed.
    pub(crate) fn push_hashed<E>(
        &mut self,
        record: &Record<E>,
        hash: &Digest,
    ) -> Result<(), JournalError> {
        check_link(&self.chain, record, hash)?;
        let seq = record.seq;
        match record.seal() {
            None => {
                if self.seen_sealed {
                    // Only a rewrite puts an unauthenticated record after an
                    // authenticated one.
                    return Err(JournalError::Unauthenticated { seq });
                }
                self.legacy_records += 1;
                self.hold(seq, None);
            }
            Some(seal) => {
                debug_assert!(record.v >= AUTHENTICATED_VERSION);
                self.seen_sealed = true;
                if let Some(keys) = self.trust.keys {
                    match seal.verifies(keys, &RECORD_DOMAIN, seq, hash) {
                        Some(true) => {
                            self.pending = None;
                            self.authenticated_through = Some(seq);
                        }
                        Some(false) => {
                            return Err(JournalError::Forged {
                                seq,
                                key_id: seal.key_id,
                            });
                        }
                        None => self.hold(seq, Some(seal.key_id)),
                    }
                }
            }
        }
        if let Some(expected) = self.trust.expected_head
            && expected.seq == seq
        {
            if expected.hash != record.hash {
                return Err(JournalError::HeadMismatch { seq });
            }
            self.expected_head_seen = true;
        }
        self.chain.advance(record);
        self.head = Some(record.head());
        Ok(())
    }

    /// Notes a record no MAC has vouched for yet.
    fn hold(&mut self, seq: u64, unknown_key: Option<KeyId>) {
        if self.trust.keys.is_none() {
            return;
        }
        let pending = self.pending.get_or_insert(Pending {
            seq,
            unknown_key: None,
        });
        if pending.unknown_key.is_none() {
            pending.unknown_key = unknown_key.map(|key_id| (seq, key_id));
        }
    }

    /// Whether every record checked so far is vouched for: by a MAC (of
    /// its own, or of a later record, through the chain), or by nothing
    /// more than integrity when no keys were given. A record sealed with
    /// a key the ring lacks, or a legacy one, is not, until a MAC after it
    /// verifies.
    #[must_use]
    pub const fn all_vouched(&self) -> bool {
        self.pending.is_none()
    }

    /// Where the chain stands now.
    #[must_use]
    pub const fn chain(&self) -> Chain {
        self.chain
    }

    /// Checks what only the whole journal can tell: that its last records
    /// are authenticated, and that it reaches the head and the count seen
    /// before.
    ///
    /// # Errors
    ///
    /// [`JournalError::UnknownKey`], [`JournalError::Unauthenticated`],
    /// [`JournalError::RolledBack`] or [`JournalError::HeadMismatch`].
    pub fn finish(self) -> Result<Verified, JournalError> {
        if let Some(pending) = self.pending {
            if let Some((seq, key_id)) = pending.unknown_key {
                return Err(JournalError::UnknownKey { seq, key_id });
            }
            if !self.trust.accept_legacy {
                return Err(JournalError::Unauthenticated { seq: pending.seq });
            }
        }
        let found_records = self.chain.next_seq;
        if let Some(expected) = self.trust.expected_head {
            let expected_records = expected.seq.saturating_add(1);
            if found_records < expected_records {
                return Err(JournalError::RolledBack {
                    expected_records,
                    found_records,
                });
            }
            // The head is the snapshot's last record: compare with the
            // snapshot's chain (older heads were compacted away).
            let start = self.trust.start.unwrap_or_default();
            if !self.expected_head_seen
                && start.next_seq == expected_records
                && start.head != expected.hash
            {
                return Err(JournalError::HeadMismatch { seq: expected.seq });
            }
        }
        if let Some(expected_records) = self.trust.min_records
            && found_records < expected_records
        {
            return Err(JournalError::RolledBack {
                expected_records,
                found_records,
            });
        }
        Ok(Verified {
            chain: self.chain,
            authenticated_through: self.authenticated_through,
            legacy_records: self.legacy_records,
            head: self.head,
        })
    }
}

/// Checks that `records` form an unbroken chain from where `trust` starts,
/// and, with keys, that every one of them is authenticated.
///
/// # Errors
///
/// The [`JournalError`] of the first bad record: edited, missing records
/// before it, out of order or repeated, not linked, forged, sealed with an
/// unknown key, unauthenticated; or a journal that ends before what was
/// seen before.
pub fn verify<E: Serialize>(
    records: &[Record<E>],
    trust: &Trust<'_>,
) -> Result<Verified, JournalError> {
    let mut verifier = Verifier::new(*trust)?;
    for record in records {
        verifier.push(record)?;
    }
    verifier.finish()
}
