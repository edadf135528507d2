//! Remote opening: only by a command signed with the site key, bound to one
//! bank, one door, the resident whose parcels it is for, a nonce and a
//! short time window; never replayable; capped per bank per minute and per
//! day, so a compromised back end cannot open every door at once. Off by
//! default.
//!
//! Flow: the back end calls [`sign_remote_command`]; the locker calls
//! [`CredentialStore::verify_remote`], then [`CredentialStore::redeem`]
//! *before* unlatching. Redeeming spends the nonce and counts the opening
//! against the caps, atomically, so two commands verified together cannot
//! both exceed a cap.

use crate::collections::SortedMap;
use alloc::vec;
use alloc::vec::Vec;
use core::fmt;

use rand_core::CryptoRng;

use super::error::{CredentialError, Refusal};
use super::grant::{Channel, Grant, Purpose};
use super::id::CredentialId;
use super::issuer::SignatureBytes;
use super::keys::{Domain, KeyPurpose};
use super::keys::{KeyId, KeyRing, SiteKey, Tag};
use super::store::CredentialStore;
use super::throttle::{DAY_S, Failure};
use crate::ids::{CompartmentId, RecipientId};

/// Default cap on remote openings per bank per minute.
const DEFAULT_MAX_OPENS_PER_MINUTE: u32 = 2;
/// Default cap on remote openings per bank per 24 hours.
const DEFAULT_MAX_OPENS_PER_DAY: u32 = 48;
/// Default longest validity window of a command: 5 minutes.
const DEFAULT_MAX_WINDOW_S: u64 = 300;
/// Tag domain of remote commands (version 2 names the recipient).
const REMOTE_DOMAIN: Domain = Domain::new(KeyPurpose::RemoteCommand, b"lk/remote/2");

/// Identifies a bank (one locker installation); remote commands name it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(transparent))]
pub struct BankId(pub u64);

impl BankId {
    /// The id of a bank that was never given one (0).
    pub const UNNAMED: Self = Self(0);

    /// True for [`BankId::UNNAMED`].
    #[must_use]
    pub const fn is_unnamed(&self) -> bool {
        self.0 == 0
    }
}

impl Default for BankId {
    fn default() -> Self {
        Self::UNNAMED
    }
}

impl fmt::Display for BankId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "bank {}", self.0)
    }
}

/// Remote-opening rules.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields, default))]
pub struct RemotePolicy {
    /// Whether remote commands are accepted at all (default: no).
    pub enabled: bool,
    /// Openings per bank per rolling minute.
    pub max_opens_per_minute: u32,
    /// Openings per bank per rolling 24 hours.
    pub max_opens_per_day: u32,
    /// Longest window a command may be valid for, in seconds.
    pub max_window_s: u64,
}

impl Default for RemotePolicy {
    fn default() -> Self {
        Self {
            enabled: false,
            max_opens_per_minute: DEFAULT_MAX_OPENS_PER_MINUTE,
            max_opens_per_day: DEFAULT_MAX_OPENS_PER_DAY,
            max_window_s: DEFAULT_MAX_WINDOW_S,
        }
    }
}

impl RemotePolicy {
    /// Checks the values.
    ///
    /// # Errors
    ///
    /// [`CredentialError::InvalidPolicy`] naming the bad field.
    pub fn validate(&self) -> Result<(), CredentialError> {
        if self.max_window_s == 0 {
            return Err(CredentialError::InvalidPolicy {
                field: "remote.max_window_s",
                reason: "must be at least 1",
            });
        }
        if self.max_opens_per_day < self.max_opens_per_minute {
            return Err(CredentialError::InvalidPolicy {
                field: "remote.max_opens_per_day",
                reason: "below max_opens_per_minute",
            });
        }
        Ok(())
    }
}

/// What the back end asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub struct RemoteRequest {
    /// The bank.
    pub bank: BankId,
    /// The door.
    pub compartment: CompartmentId,
    /// Why (pickup for a resident, or a staff override).
    pub purpose: Purpose,
    /// Whose parcels a pickup is for: the command opens the door only
    /// while it holds this resident's parcels, never the next resident's
    /// after a collection. Required for a pickup; `None` for a staff
    /// override.
    pub recipient: Option<RecipientId>,
    /// Start of the window (unix seconds).
    pub not_before_s: u64,
    /// End of the window (unix seconds, exclusive).
    pub not_after_s: u64,
}

impl RemoteRequest {
    /// The window is not empty.
    fn check_window(&self) -> Result<(), CredentialError> {
        if self.not_after_s <= self.not_before_s {
            return Err(CredentialError::BadExpiry {
                expires_at_s: self.not_after_s,
                now_s: self.not_before_s,
            });
        }
        Ok(())
    }

    /// A pickup names whose parcels it is for.
    fn check_recipient(&self) -> Result<(), CredentialError> {
        if self.purpose == Purpose::Pickup && self.recipient.is_none() {
            return Err(CredentialError::InvalidRequest {
                field: "recipient",
                reason: "a remote pickup names whose parcels it is for",
            });
        }
        Ok(())
    }
}

/// A signed remote command. Not secret (a replay is refused), so it derives
/// `Debug` and serde.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub struct RemoteCommand {
    /// The signed request.
    pub request: RemoteRequest,
    /// Random, single use; it names the opening in the journal as its
    /// credential id, so it is drawn in 53 bits like one (a back end's
    /// 64-bit nonce is still accepted).
    pub nonce: u64,
    /// The key that signed it: a site key for a tag, an issuer's key for a
    /// signature.
    pub key_id: KeyId,
    /// HMAC-SHA256 over all of the above under the site's remote-command
    /// key; absent when the command carries a signature instead.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub tag: Option<Tag>,
    /// An Ed25519 signature over all of the above by a back end
    /// ([`sign_remote_command_ed25519`]); absent when the command carries a
    /// tag.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub signature: Option<SignatureBytes>,
}

/// Signature domain of remote commands signed with Ed25519.
const SIGNED_REMOTE_DOMAIN: &[u8] = b"lk/remote-ed/2";

/// The fields a command's tag or signature covers, each as big-endian
/// bytes, framed as parts.
struct CommandParts {
    bank: [u8; 8],
    compartment: [u8; 4],
    purpose: [u8; 1],
    has_recipient: [u8; 1],
    recipient: [u8; 8],
    nonce: [u8; 8],
    not_before_s: [u8; 8],
    not_after_s: [u8; 8],
}

impl CommandParts {
    fn new(r: &RemoteRequest, nonce: u64) -> Self {
        Self {
            bank: r.bank.0.to_be_bytes(),
            compartment: r.compartment.0.to_be_bytes(),
            purpose: [r.purpose.code()],
            has_recipient: [u8::from(r.recipient.is_some())],
            recipient: r.recipient.map_or(0, |id| id.0).to_be_bytes(),
            nonce: nonce.to_be_bytes(),
            not_before_s: r.not_before_s.to_be_bytes(),
            not_after_s: r.not_after_s.to_be_bytes(),
        }
    }

    const fn parts(&self) -> [&[u8]; 8] {
        [
            &self.bank,
            &self.compartment,
            &self.purpose,
            &self.has_recipient,
            &self.recipient,
            &self.nonce,
            &self.not_before_s,
            &self.not_after_s,
        ]
    }
}

fn command_tag(key: &SiteKey, r: &RemoteRequest, nonce: u64) -> Tag {
    key.tag(&REMOTE_DOMAIN, &CommandParts::new(r, nonce).parts())
}

/// Signs a remote command with a back end's Ed25519 key and a fresh nonce,
/// for banks that list its public key
/// ([`CredentialPolicy::issuers`](super::CredentialPolicy::issuers)).
///
/// # Errors
///
/// As [`sign_remote_command`].
#[cfg(feature = "ed25519")]
pub fn sign_remote_command_ed25519<R: CryptoRng + ?Sized>(
    signer: &super::IssuerSigningKey,
    rng: &mut R,
    request: &RemoteRequest,
) -> Result<RemoteCommand, CredentialError> {
    request.check_window()?;
    request.check_recipient()?;
    let nonce = CredentialId::random(rng).0;
    let parts = CommandParts::new(request, nonce);
    Ok(RemoteCommand {
        request: *request,
        nonce,
        key_id: signer.id(),
        tag: None,
        signature: Some(signer.sign(SIGNED_REMOTE_DOMAIN, &parts.parts())),
    })
}

/// Signs a remote command with the newest key and a fresh nonce (back end).
///
/// # Errors
///
/// [`CredentialError::NoKeys`], [`CredentialError::BadExpiry`] if the
/// window is empty, or [`CredentialError::InvalidRequest`] for a pickup
/// that names no recipient.
pub fn sign_remote_command<R: CryptoRng + ?Sized>(
    keys: &KeyRing,
    rng: &mut R,
    request: &RemoteRequest,
) -> Result<RemoteCommand, CredentialError> {
    request.check_window()?;
    request.check_recipient()?;
    let key = keys.newest()?;
    let nonce = CredentialId::random(rng).0;
    Ok(RemoteCommand {
        request: *request,
        nonce,
        key_id: key.id(),
        tag: Some(command_tag(key, request, nonce)),
        signature: None,
    })
}

/// Spent nonces and recent openings.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub(crate) struct RemoteLog {
    /// Nonce → end of its command's window (forgotten after it).
    #[cfg_attr(feature = "serde", serde(with = "super::snapshot::map_as_seq"))]
    nonces: SortedMap<u64, u64>,
    /// Times of openings in the last 24 hours, oldest first.
    opens_at_s: Vec<u64>,
}

impl RemoteLog {
    /// When the caps allow another opening, or `None` if they do now.
    fn cap_retry_at(&self, policy: &RemotePolicy, now_s: u64) -> Option<u64> {
        super::caps::retry_at(
            &self.opens_at_s,
            policy.max_opens_per_minute,
            policy.max_opens_per_day,
            now_s,
        )
    }

    pub(crate) fn prune(&mut self, now_s: u64) {
        self.nonces
            .retain(|_, &mut not_after_s| not_after_s > now_s);
        self.opens_at_s.retain(|t| t.saturating_add(DAY_S) > now_s);
    }
}

impl CredentialStore {
    /// Verifies a remote command for this bank. Never changes the store:
    /// redeem the grant before unlatching.
    ///
    /// # Errors
    ///
    /// A [`Refusal`] carrying [`CredentialError::RemoteDisabled`],
    /// [`CredentialError::Throttled`], [`CredentialError::WrongBank`],
    /// [`CredentialError::WindowTooLong`], [`CredentialError::UnknownKeyId`]
    /// or [`CredentialError::Rejected`] (these count toward throttling: the
    /// command may be forged), or, for a command the site's key signed,
    /// [`CredentialError::InvalidRequest`] (a pickup naming no recipient),
    /// [`CredentialError::NotYetValid`], [`CredentialError::Expired`],
    /// [`CredentialError::Replayed`] or [`CredentialError::RemoteCapReached`]
    /// (these do not).
    pub fn verify_remote(
        &self,
        keys: &KeyRing,
        bank: BankId,
        command: &RemoteCommand,
        now_s: u64,
    ) -> Result<Grant, Refusal> {
        let policy = &self.policy.remote;
        let failure = Failure {
            at_s: now_s,
            channel: Channel::Remote,
            kiosk: None,
            recipient: None,
            credential: None,
            carrier: None,
        };
        if !policy.enabled {
            return Err(Refusal::noted(CredentialError::RemoteDisabled, failure));
        }
        if let Err(error) = self.check_signature(keys, bank, command) {
            // Forged (or for another bank): forgeries are slowed; a
            // command the back end signed never is.
            self.throttle
                .check(&self.policy.throttle, failure.scopes(), now_s)
                .map_err(|throttled| Refusal::noted(throttled, failure))?;
            return Err(Refusal::new(error, failure));
        }
        // A command the back end signed, refused for its time, its nonce
        // or the caps, is a retry or a replay, not a forgery: were it
        // counted, anyone who saw one command could throttle remote
        // opening for the whole bank by sending it again.
        self.check_usable(command, now_s)
            .map_err(|error| Refusal::noted(error, failure))
    }

    /// The command is for this bank, within the policy's window, and
    /// signed by one of the site's keys.
    fn check_signature(
        &self,
        keys: &KeyRing,
        bank: BankId,
        command: &RemoteCommand,
    ) -> Result<(), CredentialError> {
        let r = &command.request;
        if r.bank != bank {
            return Err(CredentialError::WrongBank {
                expected: bank.0,
                actual: r.bank.0,
            });
        }
        let window_s = r.not_after_s.saturating_sub(r.not_before_s);
        if window_s > self.policy.remote.max_window_s {
            return Err(CredentialError::WindowTooLong {
                window_s,
                max_s: self.policy.remote.max_window_s,
            });
        }
        match (command.tag, &command.signature) {
            // A bank given issuer keys takes commands only they signed.
            (Some(tag), None) if self.policy.issuers.is_empty() => {
                let key = keys.get(command.key_id)?;
                if !command_tag(key, r, command.nonce).ct_eq(&tag) {
                    return Err(CredentialError::Rejected);
                }
                Ok(())
            }
            (None, Some(signature)) => super::issuer::verify(
                &self.policy.issuers,
                command.key_id,
                SIGNED_REMOTE_DOMAIN,
                &CommandParts::new(r, command.nonce).parts(),
                signature,
            ),
            _ => Err(CredentialError::Rejected),
        }
    }

    /// A signed command may be used now: whole, in its window, unspent,
    /// and within the caps.
    fn check_usable(&self, command: &RemoteCommand, now_s: u64) -> Result<Grant, CredentialError> {
        let r = &command.request;
        r.check_recipient()?;
        if now_s < r.not_before_s {
            return Err(CredentialError::NotYetValid {
                valid_from_s: r.not_before_s,
                now_s,
            });
        }
        if now_s >= r.not_after_s {
            return Err(CredentialError::Expired {
                expired_at_s: r.not_after_s,
                now_s,
            });
        }
        // The grant's id is the nonce, and a grant goes by the record its
        // id names: a nonce that names a record is as good as spent.
        if self.remote.nonces.contains_key(&command.nonce)
            || self.records.contains_key(&CredentialId(command.nonce))
        {
            return Err(CredentialError::Replayed {
                nonce: command.nonce,
            });
        }
        if let Some(retry_at_s) = self.remote.cap_retry_at(&self.policy.remote, now_s) {
            return Err(CredentialError::RemoteCapReached { retry_at_s });
        }
        Ok(Grant {
            credential_id: CredentialId(command.nonce),
            channel: Channel::Remote,
            purpose: r.purpose,
            compartments: vec![r.compartment],
            recipient: r.recipient,
            carrier: None,
            expires_at_s: Some(r.not_after_s),
            single_use: true,
        })
    }

    /// Spends a remote grant's nonce and counts the opening.
    pub(crate) fn redeem_remote(
        &mut self,
        grant: &Grant,
        now_s: u64,
    ) -> Result<(), CredentialError> {
        let nonce = grant.credential_id.0;
        if self.remote.nonces.contains_key(&nonce) {
            return Err(CredentialError::Replayed { nonce });
        }
        if let Some(retry_at_s) = self.remote.cap_retry_at(&self.policy.remote, now_s) {
            return Err(CredentialError::RemoteCapReached { retry_at_s });
        }
        // A remote grant always has an end; a nonce without is kept.
        let forget_after_s = grant.expires_at_s.unwrap_or(u64::MAX);
        self.remote.nonces.insert(nonce, forget_after_s);
        super::caps::record(&mut self.remote.opens_at_s, now_s);
        Ok(())
    }
}

/// How far a signed time may be from the locker's clock and still confirm
/// it: 5 minutes.
pub const SIGNED_TIME_SKEW_S: u64 = 300;
/// Tag domain of signed times.
const TIME_DOMAIN: Domain = Domain::new(KeyPurpose::RemoteCommand, b"lk/time/1");
/// Signature domain of signed times signed with Ed25519.
const SIGNED_TIME_DOMAIN: &[u8] = b"lk/time-ed/1";

/// The time as a back end vouches for it, for one bank: a locker whose
/// clock jumped ahead takes the jump as true when its clock agrees with
/// this ([`Locker::confirm_signed_time`](crate::locker::Locker::confirm_signed_time)).
/// Not secret; an old one confirms nothing (it disagrees with the clock).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub struct SignedTime {
    /// The bank.
    pub bank: BankId,
    /// The time, unix seconds.
    pub time_s: u64,
    /// The key that signed it.
    pub key_id: KeyId,
    /// HMAC-SHA256 under the site's remote-command key, or absent.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub tag: Option<Tag>,
    /// An Ed25519 signature by a back end, or absent.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Option::is_none")
    )]
    pub signature: Option<SignatureBytes>,
}

/// Signs the time `time_s` for `bank` with the newest site key (back end).
///
/// # Errors
///
/// [`CredentialError::NoKeys`].
pub fn sign_time(keys: &KeyRing, bank: BankId, time_s: u64) -> Result<SignedTime, CredentialError> {
    let key = keys.newest()?;
    Ok(SignedTime {
        bank,
        time_s,
        key_id: key.id(),
        tag: Some(key.tag(
            &TIME_DOMAIN,
            &[&bank.0.to_be_bytes(), &time_s.to_be_bytes()],
        )),
        signature: None,
    })
}

/// Signs the time `time_s` for `bank` with a back end's Ed25519 key.
#[cfg(feature = "ed25519")]
#[must_use]
pub fn sign_time_ed25519(
    signer: &super::IssuerSigningKey,
    bank: BankId,
    time_s: u64,
) -> SignedTime {
    SignedTime {
        bank,
        time_s,
        key_id: signer.id(),
        tag: None,
        signature: Some(signer.sign(
            SIGNED_TIME_DOMAIN,
            &[&bank.0.to_be_bytes(), &time_s.to_be_bytes()],
        )),
    }
}

impl CredentialStore {
    /// Checks that `signed` was signed for `bank` by the site's key (while
    /// no issuer key is listed) or by a listed issuer.
    ///
    /// # Errors
    ///
    /// [`CredentialError::WrongBank`], [`CredentialError::UnknownKeyId`] or
    /// [`CredentialError::Rejected`].
    pub fn verify_signed_time(
        &self,
        keys: &KeyRing,
        bank: BankId,
        signed: &SignedTime,
    ) -> Result<(), CredentialError> {
        if signed.bank != bank {
            return Err(CredentialError::WrongBank {
                expected: bank.0,
                actual: signed.bank.0,
            });
        }
        let parts: [&[u8]; 2] = [&signed.bank.0.to_be_bytes(), &signed.time_s.to_be_bytes()];
        match (signed.tag, &signed.signature) {
            (Some(tag), None) if self.policy.issuers.is_empty() => {
                let key = keys.get(signed.key_id)?;
                if key.tag(&TIME_DOMAIN, &parts).ct_eq(&tag) {
                    Ok(())
                } else {
                    Err(CredentialError::Rejected)
                }
            }
            (None, Some(signature)) => super::issuer::verify(
                &self.policy.issuers,
                signed.key_id,
                SIGNED_TIME_DOMAIN,
                &parts,
                signature,
            ),
            _ => Err(CredentialError::Rejected),
        }
    }
}
