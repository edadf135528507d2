//! The credential store: public records, the indexes over them, the spent
//! list of offline tokens, throttle state and the remote-opening log.
//!
//! Every change goes through a method with explicit inputs ([`insert`],
//! [`redeem`], [`revoke`], [`revoke_token`], [`record_failure`],
//! [`prune_expired`]), so replaying those calls rebuilds an equal store.
//!
//! Lookups by keyed tag binary-search the tags' first words (a
//! [`TagIndex`]): O(log n), about 14 comparisons of one word at 10,000
//! active credentials, then the whole tag of each record under that word
//! (one, unless someone holding a key made tags whose first words
//! collide), in constant time. There is no scan over credentials.
//! (`core` has no hash map, and a sorted map keeps iteration,
//! serialization and equality deterministic.)
//!
//! [`insert`]: CredentialStore::insert
//! [`redeem`]: CredentialStore::redeem
//! [`revoke`]: CredentialStore::revoke
//! [`revoke_token`]: CredentialStore::revoke_token
//! [`record_failure`]: CredentialStore::record_failure
//! [`prune_expired`]: CredentialStore::prune_expired

use alloc::sync::Arc;
use alloc::vec::Vec;

use super::delegation::DelegationScope;
use super::error::CredentialError;
use super::grant::{Channel, Grant, Purpose};
use super::id::{CarrierId, CredentialId};
use super::keys::{KeyRing, SiteKey, Tag};
use super::policy::CredentialPolicy;
use super::record::{CredentialKind, CredentialRecord, RecordStatus};
use super::record_map::RecordMap;
use super::remote::RemoteLog;
#[cfg(feature = "serde")]
use super::snapshot::StoreSnapshot;
use super::tag_index::TagIndex;
use super::throttle::{Failure, LockoutEvent, ThrottleState};
use crate::collections::{SortedMap, SortedSet};
use crate::ids::{CompartmentId, RecipientId};

/// How long a spent or revoked record that never expires (an RFID tag, a
/// courier code) is kept so a replay gets a precise error: 7 days.
const SPENT_RETENTION_S: u64 = 7 * 86_400;

/// A token that verifies by its seal alone (issued by a back end) and was
/// redeemed or revoked; kept until it expires so it cannot be used again.
/// The locker's own tokens need none: without their record nothing
/// verifies them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub(crate) struct SpentToken {
    pub(crate) expires_at_s: u64,
    pub(crate) revoked: bool,
}

/// Public credential state of one bank (or of the issuing service's mirror).
///
/// Holds records, never secrets or keys: `Debug`, `serde` and equality are
/// safe. Serialized as a list of records plus spent tokens, throttle state
/// and remote log; the indexes are rebuilt (and checked) on load.
///
/// Every change is a method with explicit inputs — [`insert`](Self::insert),
/// [`redeem`](Self::redeem), [`revoke`](Self::revoke),
/// [`revoke_token`](Self::revoke_token), [`record_failure`](Self::record_failure),
/// [`prune_expired`](Self::prune_expired) — so replaying a journal of those
/// calls rebuilds an equal store.
///
/// Lookup by keyed tag binary-searches the tags' first words: O(log n) —
/// at 10,000 active credentials about 14 comparisons of one word, then the
/// whole tag of each record under that word (one, unless someone holding
/// a key made tags whose first words collide), in constant time — and
/// never a scan. (`core` has no hash map, and a sorted map keeps
/// iteration, serialization and equality deterministic.) Verification
/// costs one HMAC per key in the ring.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(
    feature = "serde",
    serde(try_from = "StoreSnapshot", into = "StoreSnapshot")
)]
pub struct CredentialStore {
    pub(crate) policy: CredentialPolicy,
    pub(crate) records: RecordMap,
    pub(crate) spent_tokens: SortedMap<CredentialId, SpentToken>,
    pub(crate) throttle: ThrottleState,
    pub(crate) remote: RemoteLog,
    /// Times of openings by QR tokens without a record in the last 24
    /// hours, oldest first (the caps of [`TokenPolicy`]).
    pub(crate) recordless_opens_at_s: Vec<u64>,
    /// Records a legacy journal issued: their tags are under the site
    /// secret itself, as before keys were derived per purpose.
    pub(crate) legacy: SortedSet<CredentialId>,
    /// Set while a legacy record is applied: what is inserted then is
    /// legacy. Never serialized.
    pub(crate) inserting_legacy: bool,
    /// Lookup tag (PIN, RFID UID, courier code) → record.
    pub(crate) tag_index: TagIndex,
    /// Digits-only tag of PINs → record (site-wide uniqueness).
    pub(crate) unique_index: TagIndex,
    /// Recipient → their records, one pair a record.
    pub(crate) by_recipient: SortedSet<(RecipientId, CredentialId)>,
    /// Carrier → its active courier code.
    pub(crate) courier_by_carrier: SortedMap<CarrierId, CredentialId>,
}

impl Default for CredentialStore {
    fn default() -> Self {
        Self::empty(CredentialPolicy::default())
    }
}

impl CredentialStore {
    /// An empty store under `policy`.
    ///
    /// # Errors
    ///
    /// [`CredentialError::InvalidPolicy`] if the policy is invalid.
    pub fn new(policy: CredentialPolicy) -> Result<Self, CredentialError> {
        policy.validate()?;
        Ok(Self::empty(policy))
    }

    /// An empty store under a policy a journal recorded: its fields are
    /// checked, not its bound (an older library may have allowed it). (For
    /// the locker, which needs serde.)
    #[cfg(feature = "serde")]
    pub(crate) fn replayed(policy: CredentialPolicy) -> Result<Self, CredentialError> {
        policy.validate_fields()?;
        Ok(Self::empty(policy))
    }

    pub(crate) fn empty(policy: CredentialPolicy) -> Self {
        Self {
            policy,
            records: RecordMap::default(),
            spent_tokens: SortedMap::new(),
            throttle: ThrottleState::default(),
            remote: RemoteLog::default(),
            recordless_opens_at_s: Vec::new(),
            legacy: SortedSet::new(),
            inserting_legacy: false,
            tag_index: TagIndex::default(),
            unique_index: TagIndex::default(),
            by_recipient: SortedSet::new(),
            courier_by_carrier: SortedMap::new(),
        }
    }

    /// The policy.
    #[must_use]
    pub const fn policy(&self) -> &CredentialPolicy {
        &self.policy
    }

    /// The record with this id.
    #[must_use]
    pub fn get(&self, id: CredentialId) -> Option<&CredentialRecord> {
        self.records.get(&id).map(Arc::as_ref)
    }

    /// All records, by id.
    pub fn records(&self) -> impl Iterator<Item = &CredentialRecord> {
        self.records.values().map(Arc::as_ref)
    }

    /// Number of records (any status).
    #[must_use]
    pub fn len(&self) -> usize {
        self.records.len()
    }

    /// Whether the store holds no record.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// The throttle state.
    #[must_use]
    pub const fn throttle(&self) -> &ThrottleState {
        &self.throttle
    }

    /// Adds a record made by a `generate_*` function. Journal replay calls
    /// this same method. Inserting a carrier's new courier code revokes its
    /// previous one (rotation).
    ///
    /// # Errors
    ///
    /// [`CredentialError::DuplicateCredential`], [`CredentialError::TagCollision`],
    /// [`CredentialError::TooManyPins`] or [`CredentialError::InvalidRequest`];
    /// the store is then unchanged.
    pub fn insert(&mut self, record: CredentialRecord, now_s: u64) -> Result<(), CredentialError> {
        self.insert_checked(record, now_s, true)
    }

    /// Adds a record the locker journaled: as [`insert`](Self::insert),
    /// without the cap on a unit's PINs. The cap was checked when the record
    /// was generated; a journal replayed by a later library may count the
    /// unit's PINs differently (a fix that leaves a PIN active which an
    /// earlier library spent), and a record the locker accepted must still
    /// replay. (For the locker, which needs serde.)
    #[cfg(feature = "serde")]
    pub(crate) fn insert_journaled(
        &mut self,
        record: CredentialRecord,
        now_s: u64,
    ) -> Result<(), CredentialError> {
        self.insert_checked(record, now_s, false)
    }

    fn insert_checked(
        &mut self,
        record: CredentialRecord,
        now_s: u64,
        check_cap: bool,
    ) -> Result<(), CredentialError> {
        record.validate()?;
        let credential_id = record.id;
        if self.records.contains_key(&credential_id)
            || self.spent_tokens.contains_key(&credential_id)
        {
            return Err(CredentialError::DuplicateCredential { credential_id });
        }
        let collides = record
            .kind
            .lookup_tag()
            .is_some_and(|t| self.lookup_tag_in_use(t))
            || record
                .kind
                .unique_tag()
                .is_some_and(|t| self.unique_tag_in_use(t));
        if collides {
            return Err(CredentialError::TagCollision { credential_id });
        }
        if let (true, true, Some(recipient)) = (check_cap, record.kind.is_pin(), record.recipient) {
            let max = self.policy.pin.max_active_per_unit;
            if self.active_pins_of(recipient, now_s) >= usize::try_from(max).unwrap_or(usize::MAX) {
                return Err(CredentialError::TooManyPins { recipient, max });
            }
        }
        if let CredentialKind::Courier { carrier, .. } = record.kind
            && let Some(old) = self.courier_by_carrier.get(&carrier).copied()
            && let Some(old) = self.records.get_mut(&old)
            && old.status == RecordStatus::Active
        {
            Arc::make_mut(old).status = RecordStatus::Revoked { at_s: now_s };
        }
        self.index(&record);
        self.records.insert(record);
        if self.inserting_legacy {
            self.legacy.insert(credential_id);
        }
        Ok(())
    }

    /// The record of kind `is_kind` whose lookup tag is `tag_of(key,
    /// legacy)` under some key of the ring, and that key. Legacy tags are
    /// tried only while the store holds legacy records, and match only
    /// those. Every key is tried whatever matches, so the time taken does
    /// not depend on which key (if any) made the secret.
    pub(crate) fn find_by_tag<'a>(
        &'a self,
        keys: &'a KeyRing,
        tag_of: impl Fn(&SiteKey, bool) -> Tag,
        is_kind: impl Fn(&CredentialKind) -> bool,
    ) -> Option<(&'a CredentialRecord, &'a SiteKey)> {
        let schemes: &[bool] = if self.legacy.is_empty() {
            &[false]
        } else {
            &[false, true]
        };
        let mut found = None;
        for key in keys.newest_first() {
            for &legacy in schemes {
                let tag = tag_of(key, legacy);
                let hit = self
                    .tag_index
                    .find(&self.records, &tag, CredentialKind::lookup_tag)
                    .filter(|r| r.key_id == key.id() && is_kind(&r.kind))
                    .filter(|r| self.legacy.contains(&r.id) == legacy)
                    .map(|r| (r, key));
                found = found.or(hit);
            }
        }
        found
    }

    /// True when `tag_of(key, legacy)` is a lookup tag in use under some
    /// key of the ring (legacy tags only while legacy records remain).
    pub(crate) fn tag_taken(&self, keys: &KeyRing, tag_of: impl Fn(&SiteKey, bool) -> Tag) -> bool {
        let legacy_too = !self.legacy.is_empty();
        keys.newest_first().any(|key| {
            self.lookup_tag_in_use(&tag_of(key, false))
                || (legacy_too && self.lookup_tag_in_use(&tag_of(key, true)))
        })
    }

    /// Whether a record has `tag` as its lookup tag.
    fn lookup_tag_in_use(&self, tag: &Tag) -> bool {
        self.tag_index
            .holds(&self.records, tag, CredentialKind::lookup_tag)
    }

    /// Whether a PIN record has `tag` as its digits-only tag.
    pub(crate) fn unique_tag_in_use(&self, tag: &Tag) -> bool {
        self.unique_index
            .holds(&self.records, tag, CredentialKind::unique_tag)
    }

    /// True for a record a legacy journal issued (tags under the site
    /// secret itself).
    #[must_use]
    pub fn is_legacy(&self, id: CredentialId) -> bool {
        self.legacy.contains(&id)
    }

    /// Counts an opening by a QR token without a record against the caps
    /// of [`TokenPolicy`]: as the door opens, so tokens verified together
    /// cannot open more than the caps allow. (For the locker, which needs
    /// serde.)
    #[cfg(feature = "serde")]
    pub(crate) fn count_recordless_open(&mut self, grant: &Grant, now_s: u64) {
        if grant.channel == Channel::Qr && !self.records.contains_key(&grant.credential_id) {
            super::caps::record(&mut self.recordless_opens_at_s, now_s);
        }
    }

    /// Records that the doors of `grant` really opened: spends a single-use
    /// credential for those doors (one for several doors keeps opening the
    /// others until they are redeemed too), and (for pickups) removes the
    /// opened compartments from the recipient's other pickup credentials,
    /// spending those left with none. For remote grants, call it *before* unlatching: it spends the
    /// nonce and enforces the per-bank cap. Returns the spent credentials.
    ///
    /// # Errors
    ///
    /// [`CredentialError::AlreadyUsed`] or [`CredentialError::Revoked`] if
    /// the grant was already redeemed or its credential revoked since,
    /// [`CredentialError::UnknownCredential`] if its record is gone; for
    /// remote grants [`CredentialError::Replayed`] or
    /// [`CredentialError::RemoteCapReached`]. The store is then unchanged.
    ///
    /// Pass the grant a verification returned. A credential with a record
    /// is redeemed as its record says (single use, purpose, recipient),
    /// whatever an edited grant claims; the grant's compartments are taken
    /// as given. For a QR token without a record and for a remote command,
    /// what is kept to refuse a replay (the id, until the expiry) comes from
    /// the grant alone: never redeem one an untrusted party could change.
    pub fn redeem(
        &mut self,
        grant: &Grant,
        now_s: u64,
    ) -> Result<Vec<CredentialId>, CredentialError> {
        let credential_id = grant.credential_id;
        let record = self.records.get(&credential_id);
        // A credential with a record goes by its record, whatever channel
        // the grant names: a grant can come back edited.
        if grant.channel == Channel::Remote && record.is_none() {
            self.redeem_remote(grant, now_s)?;
            return Ok(Vec::new());
        }
        match record {
            Some(record) => match record.status {
                RecordStatus::Active => {}
                RecordStatus::Redeemed { .. } => {
                    return Err(CredentialError::AlreadyUsed { credential_id });
                }
                RecordStatus::Revoked { .. } => {
                    return Err(CredentialError::Revoked { credential_id });
                }
            },
            None if grant.channel == Channel::Qr => match self.spent_tokens.get(&credential_id) {
                Some(spent) if spent.revoked => {
                    return Err(CredentialError::Revoked { credential_id });
                }
                Some(_) => return Err(CredentialError::AlreadyUsed { credential_id }),
                None => {}
            },
            None => return Err(CredentialError::UnknownCredential { credential_id }),
        }
        // What a record says wins over the grant: single use or not, the
        // purpose and whose parcels. A token without a record is single use
        // and names no recipient.
        let (single_use, purpose, recipient) = match record {
            Some(record) => (record.kind.single_use(), record.purpose, record.recipient),
            None => (true, grant.purpose, None),
        };
        // Checks done: now change state.
        let mut spent = Vec::new();
        if single_use {
            if let Some(record) = self.records.get_mut(&credential_id) {
                let record = Arc::make_mut(record);
                // A credential for several doors is spent door by door: one
                // door emptied leaves it opening the others (one closed
                // full, or whose latch lost power). A grant naming none of
                // its doors spends it whole.
                let before = record.compartments.len();
                record
                    .compartments
                    .retain(|c| !grant.compartments.contains(c));
                let left = record.compartments.len();
                if left == 0 || left == before {
                    record.status = RecordStatus::Redeemed { at_s: now_s };
                    spent.push(credential_id);
                }
            } else {
                let token = SpentToken {
                    // A token always has an end; one without is kept.
                    expires_at_s: grant.expires_at_s.unwrap_or(u64::MAX),
                    revoked: false,
                };
                self.spent_tokens.insert(credential_id, token);
                spent.push(credential_id);
            }
        }
        if let (Purpose::Pickup, Some(recipient)) = (purpose, recipient) {
            spent.extend(self.strip_compartments(
                recipient,
                Some(credential_id),
                &grant.compartments,
                now_s,
            ));
        }
        Ok(spent)
    }

    /// True when redeeming `grant` now would spend something: its record is
    /// usable, or it is a QR token without a record, not spent yet. A
    /// credential for several doors is spent door by door (a token without
    /// a record on the first). (For the locker, which needs serde.)
    #[cfg(feature = "serde")]
    pub(crate) fn is_unspent(&self, grant: &Grant, now_s: u64) -> bool {
        match self.records.get(&grant.credential_id) {
            Some(record) => record.is_usable(now_s),
            None => {
                grant.channel == Channel::Qr
                    && !self.spent_tokens.contains_key(&grant.credential_id)
            }
        }
    }

    /// Revokes a credential that has a record (a delegation, an RFID tag, a
    /// courier code, a PIN): it stops verifying at once.
    ///
    /// # Errors
    ///
    /// [`CredentialError::UnknownCredential`] if there is no such record,
    /// [`CredentialError::AlreadyUsed`] or [`CredentialError::Revoked`] if it
    /// is no longer active.
    pub fn revoke(&mut self, id: CredentialId, now_s: u64) -> Result<(), CredentialError> {
        let record = self
            .records
            .get_mut(&id)
            .ok_or(CredentialError::UnknownCredential { credential_id: id })?;
        match record.status {
            RecordStatus::Active => {}
            RecordStatus::Redeemed { .. } => {
                return Err(CredentialError::AlreadyUsed { credential_id: id });
            }
            RecordStatus::Revoked { .. } => {
                return Err(CredentialError::Revoked { credential_id: id });
            }
        }
        let record = Arc::make_mut(record);
        record.status = RecordStatus::Revoked { at_s: now_s };
        if let CredentialKind::Courier { carrier, .. } = record.kind
            && self.courier_by_carrier.get(&carrier) == Some(&id)
        {
            self.courier_by_carrier.remove(&carrier);
        }
        Ok(())
    }

    /// Revokes an offline QR token, with or without a record; the expiry
    /// (from the token) says how long to remember it.
    ///
    /// # Errors
    ///
    /// As [`revoke`](Self::revoke) when a record exists;
    /// [`CredentialError::AlreadyUsed`] or [`CredentialError::Revoked`] if
    /// the token is already on the spent list.
    pub fn revoke_token(
        &mut self,
        id: CredentialId,
        expires_at_s: u64,
        now_s: u64,
    ) -> Result<(), CredentialError> {
        if self.records.contains_key(&id) {
            return self.revoke(id, now_s);
        }
        match self.spent_tokens.get(&id) {
            Some(spent) if spent.revoked => Err(CredentialError::Revoked { credential_id: id }),
            Some(_) => Err(CredentialError::AlreadyUsed { credential_id: id }),
            None => {
                self.spent_tokens.insert(
                    id,
                    SpentToken {
                        expires_at_s,
                        revoked: true,
                    },
                );
                Ok(())
            }
        }
    }

    /// Records a failed attempt (from a [`Refusal`](super::Refusal)) against
    /// its throttling scopes; returns the lockouts it caused.
    pub fn record_failure(&mut self, failure: &Failure) -> Vec<LockoutEvent> {
        self.throttle.record(&self.policy.throttle, failure)
    }

    /// Removes expired records, spent PINs and delegations, spent tokens
    /// (those a back end issued kept as compact spent-token entries until
    /// they expire; the locker's own need none), RFID tags
    /// and courier codes a week after they were retired, expired spent
    /// tokens, old throttle failures and old remote nonces. Returns the ids
    /// of the removed records.
    pub fn prune_expired(&mut self, now_s: u64) -> Vec<CredentialId> {
        let doomed: Vec<CredentialId> = self
            .records
            .values()
            .filter(|r| {
                let reusable = matches!(
                    r.kind,
                    CredentialKind::Rfid { .. } | CredentialKind::Courier { .. }
                );
                !r.unexpired_at(now_s)
                    || match r.status_since() {
                        // Tags and codes: kept a while, for the audit.
                        Some(t) if reusable => t.saturating_add(SPENT_RETENTION_S) <= now_s,
                        // A spent PIN can never verify again; a spent token
                        // is remembered below in its compact form.
                        Some(_) => true,
                        None => false,
                    }
            })
            .map(|r| r.id)
            .collect();
        // `doomed` is in id order (the records' order): one pass per map
        // below, not one removal (and one shift of the map) per record.
        let is_doomed = |id: &CredentialId| doomed.binary_search(id).is_ok();
        for record in doomed.iter().filter_map(|id| self.records.get(id)) {
            // A spent token that verifies by its seal still does offline
            // until it expires: remember that it is spent. The locker's
            // own tokens end in a secret only their record can check, so
            // once it is gone they verify never again and take no room
            // (a rescan is then refused as a token that does not verify).
            if let CredentialKind::Token {
                secret_digest: None,
            } = &record.kind
                && let Some(expires_at_s) = record.expires_at_s
                && expires_at_s > now_s
                && let Some(spent) = record.status_since().map(|_| SpentToken {
                    expires_at_s,
                    revoked: matches!(record.status, RecordStatus::Revoked { .. }),
                })
            {
                self.spent_tokens.insert(record.id, spent);
            }
        }
        if !doomed.is_empty() {
            self.records.retain(|record| !is_doomed(&record.id));
            self.tag_index.retain(|id| !is_doomed(id));
            self.unique_index.retain(|id| !is_doomed(id));
            self.courier_by_carrier.retain(|_, id| !is_doomed(id));
            self.legacy.retain(|id| !is_doomed(id));
            self.by_recipient.retain(|(_, id)| !is_doomed(id));
        }
        self.spent_tokens
            .retain(|_, spent| spent.expires_at_s > now_s);
        self.throttle.prune(&self.policy.throttle, now_s);
        self.remote.prune(now_s);
        self.recordless_opens_at_s
            .retain(|t| t.saturating_add(super::DAY_S) > now_s);
        doomed
    }

    /// Active, unexpired PIN records of a recipient (own and delegated).
    pub(crate) fn active_pins_of(&self, recipient: RecipientId, now_s: u64) -> usize {
        self.records_of(recipient)
            .filter(|r| {
                r.kind.is_pin() && r.status == RecordStatus::Active && r.unexpired_at(now_s)
            })
            .count()
    }

    /// Active, unexpired delegated PINs of a recipient.
    pub(crate) fn active_delegations_of(&self, recipient: RecipientId, now_s: u64) -> usize {
        self.records_of(recipient)
            .filter(|r| {
                matches!(r.kind, CredentialKind::DelegatedPin { .. })
                    && r.status == RecordStatus::Active
                    && r.unexpired_at(now_s)
            })
            .count()
    }

    /// The records of a recipient.
    pub(crate) fn records_of(
        &self,
        recipient: RecipientId,
    ) -> impl Iterator<Item = &CredentialRecord> {
        self.by_recipient
            .with_key(&recipient)
            .iter()
            .filter_map(|(_, id)| self.records.get(id))
            .map(Arc::as_ref)
    }

    /// Compartments of the recipient's own usable pickup credentials: what
    /// an RFID tap or an all-parcels delegation opens.
    pub(crate) fn pickup_compartments_of(
        &self,
        recipient: RecipientId,
        now_s: u64,
    ) -> Vec<CompartmentId> {
        let set: SortedSet<CompartmentId> = self
            .records_of(recipient)
            .filter(|r| {
                matches!(
                    r.kind,
                    CredentialKind::Pin { .. } | CredentialKind::Token { .. }
                )
            })
            .filter(|r| r.purpose == Purpose::Pickup && r.is_usable(now_s))
            .flat_map(|r| r.compartments.iter().copied())
            .collect();
        set.into_iter().collect()
    }

    /// Whether the store has records for this recipient (bounds the number
    /// of per-unit throttle scopes to known units).
    pub(crate) fn knows_recipient(&self, recipient: RecipientId) -> bool {
        self.by_recipient.contains_key(&recipient)
    }

    /// The doors `compartment`'s delivery to `recipient` left (collected,
    /// returned, or going back to the carrier): the recipient's other
    /// pickup credentials (one-door delegations, PINs and tokens naming
    /// several doors) stop naming it, and those left naming none are spent.
    /// Returns the spent ones. (For the locker, which needs serde.)
    #[cfg(feature = "serde")]
    pub(crate) fn release_compartment(
        &mut self,
        recipient: RecipientId,
        compartment: CompartmentId,
        now_s: u64,
    ) -> Vec<CredentialId> {
        self.strip_compartments(recipient, None, &[compartment], now_s)
    }

    /// Removes `opened` from the recipient's pickup credentials other than
    /// `used`, spending those left with no door.
    fn strip_compartments(
        &mut self,
        recipient: RecipientId,
        used: Option<CredentialId>,
        opened: &[CompartmentId],
        now_s: u64,
    ) -> Vec<CredentialId> {
        let mut spent = Vec::new();
        if opened.is_empty() {
            return spent;
        }
        let ids: Vec<CredentialId> = self
            .by_recipient
            .with_key(&recipient)
            .iter()
            .map(|&(_, id)| id)
            .filter(|&id| Some(id) != used)
            .collect();
        for id in ids {
            let Some(record) = self.records.get_mut(&id) else {
                continue;
            };
            let strippable = record.purpose == Purpose::Pickup
                && record.status == RecordStatus::Active
                && matches!(
                    record.kind,
                    CredentialKind::Pin { .. }
                        | CredentialKind::Token { .. }
                        | CredentialKind::DelegatedPin {
                            scope: DelegationScope::Parcels,
                            ..
                        }
                );
            // Unchanged unless it names an opened door: a record shared
            // with a copy of the store is then not copied.
            if !strippable || !record.compartments.iter().any(|c| opened.contains(c)) {
                continue;
            }
            let record = Arc::make_mut(record);
            let before = record.compartments.len();
            record.compartments.retain(|c| !opened.contains(c));
            if record.compartments.len() != before && record.compartments.is_empty() {
                record.status = RecordStatus::Redeemed { at_s: now_s };
                spent.push(id);
            }
        }
        spent
    }

    pub(crate) fn index(&mut self, record: &CredentialRecord) {
        let keys = record.index_keys();
        if let Some(tag) = keys.lookup {
            self.tag_index.insert(&tag, record.id);
        }
        if let Some(tag) = keys.unique {
            self.unique_index.insert(&tag, record.id);
        }
        if let Some(recipient) = keys.recipient {
            self.by_recipient.insert((recipient, record.id));
        }
        if let Some(carrier) = keys.active_courier {
            self.courier_by_carrier.insert(carrier, record.id);
        }
    }
}

/// Where the store's indexes find a record: one key per index, or none.
pub(crate) struct IndexKeys {
    /// In the lookup-tag index.
    pub(crate) lookup: Option<Tag>,
    /// In the PIN-uniqueness index.
    pub(crate) unique: Option<Tag>,
    /// In the recipient's records.
    pub(crate) recipient: Option<RecipientId>,
    /// As the carrier's active courier code.
    pub(crate) active_courier: Option<CarrierId>,
}

impl CredentialRecord {
    /// Where the store's indexes find this record.
    pub(crate) fn index_keys(&self) -> IndexKeys {
        IndexKeys {
            lookup: self.kind.lookup_tag().copied(),
            unique: self.kind.unique_tag().copied(),
            recipient: self.recipient,
            active_courier: match (&self.kind, self.status) {
                (CredentialKind::Courier { carrier, .. }, RecordStatus::Active) => Some(*carrier),
                _ => None,
            },
        }
    }
}
