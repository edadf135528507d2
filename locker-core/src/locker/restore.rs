//! What a restore starts from, what it checks before replaying, and what
//! it found.

use alloc::vec::Vec;

use super::{Entry, LockerError, Snapshot};
use crate::credential::{BankId, KeyId, KeyRing};
use crate::journal::{self, Head, JournalError, Record, Trust, Verified};

/// What a locker is restored from, and what it is checked against.
#[derive(Clone, Copy, Debug)]
pub struct Restore<'a> {
    /// The snapshot the records continue, if any (sealed: checked with the
    /// keys).
    pub snapshot: Option<&'a Snapshot>,
    /// The records (after the snapshot, or from the first).
    pub records: &'a [Record<Entry>],
    /// A head exported before ([`Locker::head`](super::Locker::head)): a
    /// journal that ends before it, or holds another record in its place,
    /// or is another bank's than the head's, is refused.
    pub expected_head: Option<Head>,
    /// The bank this board is (from its provisioning): a journal or
    /// snapshot configuring another bank is refused. Banks sharing a key
    /// ring authenticate each other's journals, so a board among them
    /// says which it is here, or through an exported head.
    pub expected_bank: Option<BankId>,
    /// Accept a journal (or snapshot) written before journals were
    /// authenticated, once, when upgrading the library: nothing vouches
    /// for such records but the storage they were kept on. The restored
    /// locker then journals its keys, and is authenticated from there on.
    pub accept_legacy: bool,
}

impl<'a> Restore<'a> {
    /// A restore from `records`, from the first record, with nothing seen
    /// before and no legacy records accepted.
    #[must_use]
    pub const fn new(records: &'a [Record<Entry>]) -> Self {
        Self {
            snapshot: None,
            records,
            expected_head: None,
            expected_bank: None,
            accept_legacy: false,
        }
    }
}

/// What a restore found.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct RestoreReport {
    /// Records replayed (after the snapshot, if one).
    pub records: u64,
    /// The last record the snapshot covers, when restored from one.
    pub snapshot_through: Option<u64>,
    /// The last record whose MAC was checked: it vouches for every record
    /// before it. `None` when only a sealed snapshot, or only legacy
    /// records, were restored.
    pub authenticated_through: Option<u64>,
    /// Version-1 records read (written before journals were
    /// authenticated).
    pub legacy_records: u64,
    /// True when legacy records (or a legacy snapshot) were accepted that
    /// no MAC vouches for: "unauthenticated, legacy".
    pub unauthenticated_legacy: bool,
    /// The board's monotonic counter at the restore, when it has one.
    pub counter: Option<u64>,
    /// True when the restore journaled the keys (a new ring, a retired
    /// key, or a legacy journal to authenticate from here on).
    pub keys_recorded: bool,
}

impl RestoreReport {
    pub(super) fn new(checked: &Checked, counter: Option<u64>) -> Self {
        let verified = &checked.verified;
        let authenticated_to = verified.authenticated_through.map(|seq| seq + 1);
        let snapshot_through = checked.snapshot_head.map(|head| head.seq);
        Self {
            records: verified
                .chain
                .next_seq
                .saturating_sub(snapshot_through.map_or(0, |seq| seq + 1)),
            snapshot_through,
            authenticated_through: verified.authenticated_through,
            legacy_records: verified.legacy_records,
            unauthenticated_legacy: checked.legacy_snapshot
                || (verified.legacy_records > 0
                    && authenticated_to < Some(verified.chain.next_seq)),
            counter,
            keys_recorded: false,
        }
    }
}

/// What [`check`] established.
pub(super) struct Checked {
    pub(super) verified: Verified,
    /// The snapshot's last record, as a head (without its MAC).
    pub(super) snapshot_head: Option<Head>,
    /// True when an unsealed (version 1) snapshot was accepted.
    legacy_snapshot: bool,
}

/// Checks the ring against the journal's key check values, the snapshot's
/// seal and every record, before anything is replayed.
pub(super) fn check(
    keys: &KeyRing,
    restore: &Restore<'_>,
    counter: Option<u64>,
) -> Result<Checked, LockerError> {
    check_ring(keys, restore)?;
    check_bank(restore)?;
    let mut legacy_snapshot = false;
    if let Some(snapshot) = restore.snapshot {
        snapshot.verify(keys, restore.accept_legacy)?;
        legacy_snapshot = snapshot.key_id.is_none();
    }
    let start = restore.snapshot.map(|s| s.chain);
    let trust = Trust {
        keys: Some(keys),
        start,
        expected_head: restore.expected_head,
        min_records: counter,
        accept_legacy: restore.accept_legacy,
    };
    let verified = journal::verify(restore.records, &trust)?;
    check_keys_in_force(restore)?;
    let snapshot_head = start.filter(|chain| chain.next_seq > 0).map(|chain| Head {
        seq: chain.next_seq - 1,
        hash: chain.head,
        seal: None,
        bank_id: None,
    });
    Ok(Checked {
        verified,
        snapshot_head,
        legacy_snapshot,
    })
}

/// Every record is sealed with a key the journal had in force before it
/// (the configuration's, or the last `keys_changed`'s; a `keys_changed`
/// is sealed with a key both rings hold). A ring that still holds a key
/// the journal retired (the ring from before the retirement, kept in case
/// the power went before the new one was stored) must not let records
/// sealed with that key after its retirement in.
fn check_keys_in_force(restore: &Restore<'_>) -> Result<(), JournalError> {
    // (A legacy snapshot or configuration lists no keys: nothing is known
    // then, until a record lists them.)
    let mut in_force: Option<Vec<KeyId>> = restore
        .snapshot
        .filter(|s| !s.key_checks.is_empty())
        .map(|s| s.key_checks.iter().map(|check| check.key_id).collect());
    for record in restore.records {
        let listed = match &record.entry {
            Entry::Configured { keys, .. } | Entry::KeysChanged { keys } if !keys.is_empty() => {
                Some(keys.iter().map(|check| check.key_id).collect::<Vec<_>>())
            }
            _ => None,
        };
        // The first configuration is sealed with a key it lists itself.
        let known = in_force.as_ref().or(listed.as_ref());
        if let (Some(key_id), Some(known)) = (record.key_id, known)
            && !known.contains(&key_id)
        {
            return Err(JournalError::Forged {
                seq: record.seq,
                key_id,
            });
        }
        if listed.is_some() {
            in_force = listed;
        }
    }
    Ok(())
}

/// The snapshot and every configuration record must name the bank the
/// board is, when the restore knows it.
fn check_bank(restore: &Restore<'_>) -> Result<(), JournalError> {
    let Some(expected) = restore
        .expected_bank
        .or_else(|| restore.expected_head.and_then(|head| head.bank_id))
    else {
        return Ok(());
    };
    let configured =
        restore
            .snapshot
            .map(|s| s.bank_id)
            .into_iter()
            .chain(
                restore
                    .records
                    .iter()
                    .filter_map(|record| match &record.entry {
                        Entry::Configured { bank_id, .. } => Some(*bank_id),
                        _ => None,
                    }),
            );
    for found in configured {
        if found != expected {
            return Err(JournalError::WrongBank {
                expected: expected.0,
                found: found.0,
            });
        }
    }
    Ok(())
}

/// A key with an id the journal recorded must have the check value the
/// journal recorded: otherwise this is another site's ring, and every
/// resident's PIN would fail (and feed the throttle).
fn check_ring(keys: &KeyRing, restore: &Restore<'_>) -> Result<(), JournalError> {
    let ring = keys.checks();
    let recorded = restore
        .snapshot
        .map(|s| s.key_checks.as_slice())
        .into_iter()
        .chain(
            restore
                .records
                .iter()
                .filter_map(|record| match &record.entry {
                    Entry::Configured { keys, .. } | Entry::KeysChanged { keys } => {
                        Some(keys.as_slice())
                    }
                    _ => None,
                }),
        );
    for checks in recorded {
        for journal_key in checks {
            if let Some(ring_key) = ring.iter().find(|k| k.key_id == journal_key.key_id)
                && ring_key != journal_key
            {
                return Err(JournalError::WrongKeyRing {
                    key_id: journal_key.key_id,
                });
            }
        }
    }
    Ok(())
}
