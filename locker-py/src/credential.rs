//! Credentials: the site key ring, the credential store, PINs, signed QR
//! tokens and their QR rendering, remote commands, signed times, and a back
//! end's Ed25519 issuing key.
//!
//! Randomness: every call that draws randomness takes optional `entropy`
//! (32 bytes). Without it the bindings read 32 bytes from `os.urandom`, the
//! operating system's generator. Either way the bytes seed a ChaCha20
//! generator through the core's `credential::rng_from_entropy`, which
//! refuses bytes no random source would give (code `weak_entropy`).

use chacha20::ChaCha20Rng;
use locker_core::credential::{
    self, BankId, CarrierId, CourierRequest, CredentialPolicy, CredentialRecord, Failure, Grant,
    IssuerKey, KeyId, KioskId, PinAttempt, PinRequest, Purpose, QrErrorCorrection, QrMatrix,
    QrOptions, REFERENCE_OCCUPIED_COMPARTMENTS, RemoteCommand, RemoteRequest, SITE_KEY_BYTES,
    SignedTime, SiteKey, TokenRequest,
};
use locker_core::{CompartmentId, RecipientId};
use pyo3::prelude::*;
use pyo3::types::PyBytes;

use crate::args;
use crate::convert::{from_py, named, to_py};
use crate::exceptions::{CoreError, invalid_argument};
use crate::pickle;

/// A generator seeded from `entropy` (exactly 32 bytes) or `os.urandom`,
/// through the core's check of caller-given entropy.
///
/// # Errors
///
/// `InvalidArgumentError` when `entropy` is not 32 bytes long,
/// `CredentialError` (`weak_entropy`, the message saying what gives the
/// bytes away) for bytes no random source would give: too few distinct
/// values, too few distinct steps between neighbours (a counter, a ramp),
/// or printable text only.
pub fn rng_from(py: Python<'_>, entropy: Option<&[u8]>) -> PyResult<ChaCha20Rng> {
    let drawn: Vec<u8>;
    let bytes = match entropy {
        Some(bytes) => bytes,
        None => {
            drawn = py
                .import("os")?
                .getattr("urandom")?
                .call1((32,))?
                .extract()?;
            &drawn
        }
    };
    let mut seed: [u8; 32] = bytes.try_into().map_err(|_| {
        invalid_argument(
            "entropy",
            format_args!("expected 32 bytes, not {}", bytes.len()),
        )
    })?;
    let rng = credential::rng_from_entropy(seed);
    seed.fill(0);
    Ok(rng.map_err(CoreError::from)?)
}

/// A purpose from its snake_case name.
fn purpose(name: &str) -> PyResult<Purpose> {
    named(name).ok_or_else(|| {
        invalid_argument(
            "purpose",
            format_args!("expected \"pickup\", \"courier_drop_off\" or \"staff\", not {name:?}"),
        )
    })
}

/// 32 secret bytes, or `InvalidArgumentError` naming `what`.
fn secret_bytes(what: &str, secret: &[u8]) -> PyResult<[u8; SITE_KEY_BYTES]> {
    secret.try_into().map_err(|_| {
        invalid_argument(
            what,
            format_args!("expected {SITE_KEY_BYTES} bytes, not {}", secret.len()),
        )
    })
}

/// A site key from its id and 32 secret bytes (weak keys refused).
///
/// # Errors
///
/// `InvalidArgumentError` for a secret that is not 32 bytes,
/// `CredentialError` (`weak_key`) for a weak one.
pub(crate) fn site_key(key_id: u16, secret: &[u8]) -> PyResult<SiteKey> {
    let mut bytes = secret_bytes("secret", secret)?;
    let key = SiteKey::from_bytes(KeyId(key_id), bytes);
    bytes.fill(0);
    Ok(key.map_err(CoreError::from)?)
}

/// The site's signing keys. Keys leave the ring only through `export_key`
/// and `to_bytes`; `repr()` shows key ids only.
#[pyclass(module = "locker")]
#[derive(Default)]
pub struct KeyRing {
    pub(crate) inner: credential::KeyRing,
}

#[pymethods]
impl KeyRing {
    /// An empty key ring: call `rotate()` to make the first key.
    #[new]
    fn new() -> Self {
        Self::default()
    }

    /// Adds a fresh key that signs from now on; returns its key id.
    /// `entropy` (32 bytes) seeds it, checked as a secret is (`weak_entropy`);
    /// `os.urandom` without it.
    #[pyo3(signature = (entropy = None))]
    fn rotate(
        &mut self,
        py: Python<'_>,
        #[pyo3(from_py_with = args::entropy)] entropy: Option<&[u8]>,
    ) -> PyResult<u16> {
        let mut rng = rng_from(py, entropy)?;
        Ok(self.inner.rotate(&mut rng).map_err(CoreError::from)?.0)
    }

    /// Adds a key shared with another site or the cloud: its id and its 32
    /// secret bytes. Raises `CredentialError` (code `weak_key`, the message
    /// saying why) for bytes no random source would give (all zeros, a
    /// repeated byte, a short pattern, a counter or ramp, typed text).
    fn add_key(
        &mut self,
        #[pyo3(from_py_with = args::key_id)] key_id: u16,
        #[pyo3(from_py_with = args::secret)] secret: &[u8],
    ) -> PyResult<()> {
        self.inner
            .add(site_key(key_id, secret)?)
            .map_err(CoreError::from)?;
        Ok(())
    }

    /// The whole ring as bytes for sealed storage: the format C's
    /// `locker_keys_export` writes and Rust's `KeyRing::to_secret_bytes`
    /// (a format byte, the largest key id ever used, then each id and
    /// secret). Anyone who has them can mint credentials.
    fn to_bytes<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.inner.to_secret_bytes())
    }

    /// The ring `to_bytes` (or C's `locker_keys_export`) wrote; raises
    /// `CredentialError` naming what is wrong with the bytes (a ring with
    /// no key at all is refused: it could verify nothing; a weak key is
    /// refused with code `weak_key`).
    #[staticmethod]
    fn from_bytes(#[pyo3(from_py_with = args::data)] data: &[u8]) -> PyResult<Self> {
        let inner = credential::KeyRing::from_secret_bytes(data).map_err(CoreError::from)?;
        Ok(Self { inner })
    }

    /// The 32 secret bytes of a key, to share it with a verifier. Handle
    /// with care.
    fn export_key<'py>(
        &self,
        py: Python<'py>,
        #[pyo3(from_py_with = args::key_id)] key_id: u16,
    ) -> PyResult<Bound<'py, PyBytes>> {
        let key = self.inner.get(KeyId(key_id)).map_err(CoreError::from)?;
        Ok(PyBytes::new(py, key.expose_secret()))
    }

    /// Stops a key from verifying anything.
    fn retire(&mut self, #[pyo3(from_py_with = args::key_id)] key_id: u16) -> PyResult<()> {
        self.inner.retire(KeyId(key_id)).map_err(CoreError::from)?;
        Ok(())
    }

    /// Each key's id and check value (`[{"key_id", "check"}]`, 16 hex
    /// digits): what a journal records to tell this ring from another
    /// site's. Reveals nothing of the secrets.
    fn checks<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.inner.checks())
    }

    /// The key ids, oldest first.
    fn ids(&self) -> Vec<u16> {
        self.inner.ids().map(|id| id.0).collect()
    }

    fn __len__(&self) -> usize {
        self.inner.len()
    }

    /// Refuses pickling with the reason: secret keys do not travel.
    fn __reduce__(&self) -> PyResult<()> {
        Err(pickle::refused("KeyRing", pickle::SECRET_KEYS))
    }

    fn __repr__(&self) -> String {
        format!("KeyRing(ids={:?})", self.ids())
    }
}

/// A refusal as `CredentialError`, with the failure to record (a dict, or
/// `None` when it does not count toward throttling) as its `failure`, and
/// the attempt itself, counted or not (`None` for a refusal that was no
/// attempt), as its `attempt`.
fn refusal(py: Python<'_>, refusal: credential::Refusal) -> PyErr {
    let attempt = refusal.attempt().copied();
    let error = PyErr::from(CoreError::from(refusal.error));
    // Best effort: the message is the error either way.
    if let Ok(failure) = to_py(py, &refusal.failure) {
        let _ = error.value(py).setattr("failure", failure);
    }
    if let Ok(attempt) = to_py(py, &attempt) {
        let _ = error.value(py).setattr("attempt", attempt);
    }
    error
}

// The default of `active_credentials` below, written as a literal so the
// signature Python sees shows it: the core's reference bank.
const _: () = assert!(REFERENCE_OCCUPIED_COMPARTMENTS == 200);

/// A credential policy dict, or the default policy.
fn policy_from(policy: Option<&Bound<'_, PyAny>>) -> PyResult<CredentialPolicy> {
    policy.map_or_else(|| Ok(CredentialPolicy::default()), |p| from_py(p, "policy"))
}

/// The brute-force bound of a credential policy (a `CredentialPolicy` dict,
/// the default policy when `None`) with `active_credentials` active PINs:
/// `{"probability", "per_billion", "target_per_billion", "inputs":
/// {"pin_digits", "second_factor", "active_credentials",
/// "attempts_per_24h"}, "attacker"}`. `CredentialStore(policy)` and
/// `Locker(config)` refuse a policy whose bound with 200 active PINs is
/// above its target (`CredentialError`, code `bound_exceeded`).
#[pyfunction]
#[pyo3(signature = (policy = None, active_credentials = 200))]
pub(crate) fn brute_force_bound<'py>(
    py: Python<'py>,
    policy: Option<&Bound<'py, PyAny>>,
    #[pyo3(from_py_with = args::active_credentials)] active_credentials: u64,
) -> PyResult<Bound<'py, PyAny>> {
    let policy = policy_from(policy)?;
    to_py(py, &policy.brute_force_bound(active_credentials))
}

/// The public credential records of a bank, with throttling: issue, verify
/// and redeem PINs and QR tokens.
#[pyclass(module = "locker")]
pub struct CredentialStore {
    inner: credential::CredentialStore,
}

#[pymethods]
impl CredentialStore {
    /// Refuses pickling with the reason: a bank's live records stay with it.
    fn __reduce__(&self) -> PyResult<()> {
        Err(pickle::refused(
            "CredentialStore",
            "it is one bank's live credential records and throttles; its records() (dicts) pickle, and insert() puts them into another store",
        ))
    }

    fn __repr__(&self) -> String {
        let records: Vec<_> = self.inner.records().collect();
        let active = records
            .iter()
            .filter(|record| record.check_status().is_ok())
            .count();
        format!(
            "CredentialStore(records={}, active={active})",
            records.len()
        )
    }

    /// A store under a policy dict (the core's `CredentialPolicy` shape), or
    /// the default policy: 8-digit PINs asked with the unit number. Raises
    /// `CredentialError` (`invalid_policy`; `bound_exceeded` for PINs a
    /// guesser opens with a chance above the policy's `brute_force` target
    /// in 24 hours).
    #[new]
    #[pyo3(signature = (policy = None))]
    fn new(policy: Option<&Bound<'_, PyAny>>) -> PyResult<Self> {
        let inner =
            credential::CredentialStore::new(policy_from(policy)?).map_err(CoreError::from)?;
        Ok(Self { inner })
    }

    /// The policy as a dict.
    fn policy<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, self.inner.policy())
    }

    /// The store's brute-force bound with `active_credentials` active PINs
    /// (as `brute_force_bound(store.policy(), ...)`).
    #[pyo3(signature = (active_credentials = 200))]
    fn brute_force_bound<'py>(
        &self,
        py: Python<'py>,
        #[pyo3(from_py_with = args::active_credentials)] active_credentials: u64,
    ) -> PyResult<Bound<'py, PyAny>> {
        to_py(
            py,
            &self.inner.policy().brute_force_bound(active_credentials),
        )
    }

    /// Issues a PIN for `recipient` opening `compartments` until
    /// `expires_at_s` (unix seconds): generates it, stores its public
    /// record, and returns `(pin, record)`. Only the caller ever sees the
    /// PIN; the store keeps keyed tags.
    #[pyo3(signature = (keys, recipient, compartments, expires_at_s, now_s, purpose = "pickup", entropy = None))]
    #[allow(clippy::too_many_arguments)]
    fn issue_pin<'py>(
        &mut self,
        py: Python<'py>,
        #[pyo3(from_py_with = args::keys)] keys: PyRef<'py, KeyRing>,
        #[pyo3(from_py_with = args::recipient)] recipient: u64,
        #[pyo3(from_py_with = args::compartments)] compartments: Vec<u32>,
        #[pyo3(from_py_with = args::expires_at_s)] expires_at_s: u64,
        #[pyo3(from_py_with = args::now_s)] now_s: u64,
        #[pyo3(from_py_with = args::purpose)] purpose: &str,
        #[pyo3(from_py_with = args::entropy)] entropy: Option<&[u8]>,
    ) -> PyResult<(String, Bound<'py, PyAny>)> {
        let request = PinRequest {
            recipient: RecipientId(recipient),
            compartments: compartments.into_iter().map(CompartmentId).collect(),
            purpose: self::purpose(purpose)?,
            expires_at_s,
        };
        let mut rng = rng_from(py, entropy)?;
        let (pin, record) = self
            .inner
            .generate_pin(&keys.inner, &mut rng, &request, now_s)
            .map_err(CoreError::from)?;
        self.inner
            .insert(record.clone(), now_s)
            .map_err(CoreError::from)?;
        Ok((pin.expose().to_owned(), to_py(py, &record)?))
    }

    /// Issues a courier code (12 digits) for `carrier`, valid from
    /// `valid_from_s` until `expires_at_s`, and stores its record (which
    /// revokes the carrier's earlier code); returns `(code, record)`.
    #[pyo3(signature = (keys, carrier, valid_from_s, expires_at_s, now_s, entropy = None))]
    #[allow(clippy::too_many_arguments)]
    fn issue_courier_code<'py>(
        &mut self,
        py: Python<'py>,
        #[pyo3(from_py_with = args::keys)] keys: PyRef<'py, KeyRing>,
        #[pyo3(from_py_with = args::carrier)] carrier: u32,
        #[pyo3(from_py_with = args::valid_from_s)] valid_from_s: u64,
        #[pyo3(from_py_with = args::expires_at_s)] expires_at_s: u64,
        #[pyo3(from_py_with = args::now_s)] now_s: u64,
        #[pyo3(from_py_with = args::entropy)] entropy: Option<&[u8]>,
    ) -> PyResult<(String, Bound<'py, PyAny>)> {
        let request = CourierRequest {
            carrier: CarrierId(carrier),
            valid_from_s,
            expires_at_s,
        };
        let mut rng = rng_from(py, entropy)?;
        let (code, record) = self
            .inner
            .generate_courier_code(&keys.inner, &mut rng, &request, now_s)
            .map_err(CoreError::from)?;
        self.inner
            .insert(record.clone(), now_s)
            .map_err(CoreError::from)?;
        Ok((code.expose().to_owned(), to_py(py, &record)?))
    }

    /// Checks a typed courier code without changing anything; returns the
    /// grant dict (drop-off only, naming the carrier). With `carrier` (the
    /// carrier the courier chose on the kiosk's screen) only that carrier's
    /// code is looked at and a wrong code counts against that carrier, so
    /// someone guessing for one carrier never blocks another's couriers.
    /// Raises `CredentialError` whose `failure` is the attempt to pass to
    /// `record_failure`.
    #[pyo3(signature = (keys, code, now_s, kiosk = 1, carrier = None))]
    fn verify_courier<'py>(
        &self,
        py: Python<'py>,
        #[pyo3(from_py_with = args::keys)] keys: PyRef<'py, KeyRing>,
        #[pyo3(from_py_with = args::code)] code: &str,
        #[pyo3(from_py_with = args::now_s)] now_s: u64,
        #[pyo3(from_py_with = args::kiosk)] kiosk: u32,
        #[pyo3(from_py_with = args::carrier)] carrier: Option<u32>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let kiosk = KioskId(kiosk);
        let verified = match carrier {
            Some(carrier) => {
                self.inner
                    .verify_courier_for(&keys.inner, kiosk, CarrierId(carrier), code, now_s)
            }
            None => self.inner.verify_courier(&keys.inner, kiosk, code, now_s),
        };
        to_py(py, &verified.map_err(|r| refusal(py, r))?)
    }

    /// Checks a typed PIN (with the unit, when PINs are bound to units)
    /// without changing anything; returns the grant dict. Raises
    /// `CredentialError` whose `failure` is the attempt to pass to
    /// `record_failure`.
    #[pyo3(signature = (keys, pin, now_s, unit = None, kiosk = 1, purpose = "pickup"))]
    #[allow(clippy::too_many_arguments)]
    fn verify_pin<'py>(
        &self,
        py: Python<'py>,
        #[pyo3(from_py_with = args::keys)] keys: PyRef<'py, KeyRing>,
        #[pyo3(from_py_with = args::pin)] pin: &str,
        #[pyo3(from_py_with = args::now_s)] now_s: u64,
        #[pyo3(from_py_with = args::unit)] unit: Option<u64>,
        #[pyo3(from_py_with = args::kiosk)] kiosk: u32,
        #[pyo3(from_py_with = args::purpose)] purpose: &str,
    ) -> PyResult<Bound<'py, PyAny>> {
        let attempt = PinAttempt {
            kiosk: KioskId(kiosk),
            unit: unit.map(RecipientId),
            pin,
            purpose: self::purpose(purpose)?,
        };
        let grant = self
            .inner
            .verify_pin(&keys.inner, &attempt, now_s)
            .map_err(|r| refusal(py, r))?;
        to_py(py, &grant)
    }

    /// Checks a QR token's text for bank `bank` against the keys and this
    /// store (not redeemed, not revoked; a token without a record must
    /// name its recipient and is within the policy's caps); returns the
    /// grant dict.
    #[pyo3(signature = (keys, token, now_s, kiosk = 1, purpose = "pickup", *, bank = 0))]
    #[allow(clippy::too_many_arguments)]
    fn verify_token<'py>(
        &self,
        py: Python<'py>,
        #[pyo3(from_py_with = args::keys)] keys: PyRef<'py, KeyRing>,
        #[pyo3(from_py_with = args::token)] token: &str,
        #[pyo3(from_py_with = args::now_s)] now_s: u64,
        #[pyo3(from_py_with = args::kiosk)] kiosk: u32,
        #[pyo3(from_py_with = args::purpose)] purpose: &str,
        #[pyo3(from_py_with = args::bank)] bank: u64,
    ) -> PyResult<Bound<'py, PyAny>> {
        let grant = self
            .inner
            .verify_token(
                &keys.inner,
                BankId(bank),
                KioskId(kiosk),
                token,
                self::purpose(purpose)?,
                now_s,
            )
            .map_err(|r| refusal(py, r))?;
        to_py(py, &grant)
    }

    /// Checks a remote command dict (from `sign_remote_command` or
    /// `sign_remote_command_ed25519`) for bank `bank`: tag or signature,
    /// window, nonce and the caps; returns the grant dict. Redeem it before unlatching: that spends the nonce and counts
    /// the opening.
    fn verify_remote<'py>(
        &self,
        py: Python<'py>,
        #[pyo3(from_py_with = args::keys)] keys: PyRef<'py, KeyRing>,
        #[pyo3(from_py_with = args::bank)] bank: u64,
        command: &Bound<'py, PyAny>,
        #[pyo3(from_py_with = args::now_s)] now_s: u64,
    ) -> PyResult<Bound<'py, PyAny>> {
        let command: RemoteCommand = from_py(command, "command")?;
        let grant = self
            .inner
            .verify_remote(&keys.inner, BankId(bank), &command, now_s)
            .map_err(|r| refusal(py, r))?;
        to_py(py, &grant)
    }

    /// Checks a signed time dict (from `sign_time` or `sign_time_ed25519`)
    /// for bank `bank`: signed by the site's key while the policy lists no
    /// issuer, else by a listed issuer. Raises `CredentialError`
    /// (`wrong_bank`, `unknown_key_id`, `rejected`).
    fn verify_signed_time<'py>(
        &self,
        #[pyo3(from_py_with = args::keys)] keys: PyRef<'py, KeyRing>,
        #[pyo3(from_py_with = args::bank)] bank: u64,
        signed: &Bound<'py, PyAny>,
    ) -> PyResult<()> {
        let signed: SignedTime = from_py(signed, "signed")?;
        self.inner
            .verify_signed_time(&keys.inner, BankId(bank), &signed)
            .map_err(CoreError::from)?;
        Ok(())
    }

    /// Marks a grant used once its door has opened; a single-use credential
    /// then stops verifying. Returns the ids of the credentials spent.
    fn redeem(
        &mut self,
        grant: &Bound<'_, PyAny>,
        #[pyo3(from_py_with = args::now_s)] now_s: u64,
    ) -> PyResult<Vec<u64>> {
        let grant: Grant = from_py(grant, "grant")?;
        let spent = self.inner.redeem(&grant, now_s).map_err(CoreError::from)?;
        Ok(spent.into_iter().map(|id| id.0).collect())
    }

    /// Records a failed attempt (the `failure` of a `CredentialError`) for
    /// throttling; returns the lockouts it started, as dicts.
    fn record_failure<'py>(
        &mut self,
        py: Python<'py>,
        failure: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let failure: Failure = from_py(failure, "failure")?;
        let events = self.inner.record_failure(&failure);
        to_py(py, &events)
    }

    /// Adds a public record (from `issue_pin`, `issue_token` or a journal).
    fn insert(
        &mut self,
        record: &Bound<'_, PyAny>,
        #[pyo3(from_py_with = args::now_s)] now_s: u64,
    ) -> PyResult<()> {
        let record: CredentialRecord = from_py(record, "record")?;
        self.inner.insert(record, now_s).map_err(CoreError::from)?;
        Ok(())
    }

    /// Revokes a credential by id.
    fn revoke(
        &mut self,
        #[pyo3(from_py_with = args::credential_id)] credential_id: u64,
        #[pyo3(from_py_with = args::now_s)] now_s: u64,
    ) -> PyResult<()> {
        self.inner
            .revoke(credential::CredentialId(credential_id), now_s)
            .map_err(CoreError::from)?;
        Ok(())
    }

    /// Every public record, as dicts.
    fn records<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let records: Vec<&CredentialRecord> = self.inner.records().collect();
        to_py(py, &records)
    }

    fn __len__(&self) -> usize {
        self.inner.len()
    }
}

/// A token request from the arguments of `issue_token`.
fn token_request(
    bank: u64,
    compartments: Vec<u32>,
    expires_at_s: u64,
    purpose: &str,
    recipient: Option<u64>,
) -> PyResult<TokenRequest> {
    Ok(TokenRequest {
        bank: BankId(bank),
        purpose: self::purpose(purpose)?,
        compartments: compartments.into_iter().map(CompartmentId).collect(),
        recipient: recipient.map(RecipientId),
        expires_at_s,
    })
}

/// Issues a signed QR token (uppercase base32 text) for `compartments` of
/// bank `bank` (0: a bank never given an id), tagged with the newest site
/// key and verifiable offline by any holder of the keys (a back end's
/// token; the locker's own are `issue_recorded_token`'s). Returns
/// `(token, record)`. A token the locker gets no record of must name its
/// `recipient` to open anything, and opens nothing at another bank.
#[pyfunction]
#[pyo3(signature = (keys, compartments, expires_at_s, now_s, purpose = "pickup", recipient = None, entropy = None, *, bank = 0))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn issue_token<'py>(
    py: Python<'py>,
    #[pyo3(from_py_with = args::keys)] keys: PyRef<'py, KeyRing>,
    #[pyo3(from_py_with = args::compartments)] compartments: Vec<u32>,
    #[pyo3(from_py_with = args::expires_at_s)] expires_at_s: u64,
    #[pyo3(from_py_with = args::now_s)] now_s: u64,
    #[pyo3(from_py_with = args::purpose)] purpose: &str,
    #[pyo3(from_py_with = args::recipient)] recipient: Option<u64>,
    #[pyo3(from_py_with = args::entropy)] entropy: Option<&[u8]>,
    #[pyo3(from_py_with = args::bank)] bank: u64,
) -> PyResult<(String, Bound<'py, PyAny>)> {
    let request = token_request(bank, compartments, expires_at_s, purpose, recipient)?;
    let mut rng = rng_from(py, entropy)?;
    let (token, record) =
        credential::issue_token(&keys.inner, &mut rng, &request, now_s).map_err(CoreError::from)?;
    Ok((token.expose().to_owned(), to_py(py, &record)?))
}

/// Issues a QR token only its record verifies, as the locker issues its
/// own (`parcel_ready`'s `qr_token`): it ends in 96 random bits where
/// `issue_token`'s carry a tag, and the record keeps only their digest
/// (`kind`: `{"type": "token", "secret_digest": ...}`), so neither the
/// record nor a site key makes the token. It verifies with its record in
/// a store (`CredentialStore.insert`, then `verify_token`), never with
/// `verify_token_offline`. Same arguments as `issue_token`; returns
/// `(token, record)`.
#[pyfunction]
#[pyo3(signature = (keys, compartments, expires_at_s, now_s, purpose = "pickup", recipient = None, entropy = None, *, bank = 0))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn issue_recorded_token<'py>(
    py: Python<'py>,
    #[pyo3(from_py_with = args::keys)] keys: PyRef<'py, KeyRing>,
    #[pyo3(from_py_with = args::compartments)] compartments: Vec<u32>,
    #[pyo3(from_py_with = args::expires_at_s)] expires_at_s: u64,
    #[pyo3(from_py_with = args::now_s)] now_s: u64,
    #[pyo3(from_py_with = args::purpose)] purpose: &str,
    #[pyo3(from_py_with = args::recipient)] recipient: Option<u64>,
    #[pyo3(from_py_with = args::entropy)] entropy: Option<&[u8]>,
    #[pyo3(from_py_with = args::bank)] bank: u64,
) -> PyResult<(String, Bound<'py, PyAny>)> {
    let request = token_request(bank, compartments, expires_at_s, purpose, recipient)?;
    let mut rng = rng_from(py, entropy)?;
    let (token, record) = credential::issue_recorded_token(&keys.inner, &mut rng, &request, now_s)
        .map_err(CoreError::from)?;
    Ok((token.expose().to_owned(), to_py(py, &record)?))
}

/// Issues a QR token signed with a back end's Ed25519 key (`signer`), for
/// banks whose policy lists its public key (`credentials.issuers`). A
/// pickup token must name its `recipient`. Returns `(token, record)`.
#[pyfunction]
#[pyo3(signature = (signer, compartments, expires_at_s, now_s, purpose = "pickup", recipient = None, entropy = None, *, bank = 0))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn issue_token_signed<'py>(
    py: Python<'py>,
    #[pyo3(from_py_with = args::signer)] signer: PyRef<'py, IssuerSigningKey>,
    #[pyo3(from_py_with = args::compartments)] compartments: Vec<u32>,
    #[pyo3(from_py_with = args::expires_at_s)] expires_at_s: u64,
    #[pyo3(from_py_with = args::now_s)] now_s: u64,
    #[pyo3(from_py_with = args::purpose)] purpose: &str,
    #[pyo3(from_py_with = args::recipient)] recipient: Option<u64>,
    #[pyo3(from_py_with = args::entropy)] entropy: Option<&[u8]>,
    #[pyo3(from_py_with = args::bank)] bank: u64,
) -> PyResult<(String, Bound<'py, PyAny>)> {
    let request = token_request(bank, compartments, expires_at_s, purpose, recipient)?;
    let mut rng = rng_from(py, entropy)?;
    let (token, record) = credential::issue_token_signed(&signer.inner, &mut rng, &request, now_s)
        .map_err(CoreError::from)?;
    Ok((token.expose().to_owned(), to_py(py, &record)?))
}

/// Signs a remote command with the newest site key (back end): `request`
/// is a dict with `bank`, `compartment`, `purpose` (`"pickup"`),
/// `recipient` (whose parcels; `None` only for a staff override),
/// `not_before_s` and `not_after_s`. Returns the command dict (`request`,
/// `nonce`, `key_id`, `tag` as 64 hex digits), for `Locker.open_remote`.
#[pyfunction]
#[pyo3(signature = (keys, request, entropy = None))]
pub(crate) fn sign_remote_command<'py>(
    py: Python<'py>,
    #[pyo3(from_py_with = args::keys)] keys: PyRef<'py, KeyRing>,
    request: &Bound<'py, PyAny>,
    #[pyo3(from_py_with = args::entropy)] entropy: Option<&[u8]>,
) -> PyResult<Bound<'py, PyAny>> {
    let request: RemoteRequest = from_py(request, "request")?;
    let mut rng = rng_from(py, entropy)?;
    let command = credential::sign_remote_command(&keys.inner, &mut rng, &request)
        .map_err(CoreError::from)?;
    to_py(py, &command)
}

/// Signs a remote command with a back end's Ed25519 key (`signer`), for
/// banks whose policy lists its public key. Returns the command dict with
/// a `signature` (128 hex digits) in place of the `tag`.
#[pyfunction]
#[pyo3(signature = (signer, request, entropy = None))]
pub(crate) fn sign_remote_command_ed25519<'py>(
    py: Python<'py>,
    #[pyo3(from_py_with = args::signer)] signer: PyRef<'py, IssuerSigningKey>,
    request: &Bound<'py, PyAny>,
    #[pyo3(from_py_with = args::entropy)] entropy: Option<&[u8]>,
) -> PyResult<Bound<'py, PyAny>> {
    let request: RemoteRequest = from_py(request, "request")?;
    let mut rng = rng_from(py, entropy)?;
    let command = credential::sign_remote_command_ed25519(&signer.inner, &mut rng, &request)
        .map_err(CoreError::from)?;
    to_py(py, &command)
}

/// Signs the time `time_s` for bank `bank` with the newest site key (back
/// end): `{"bank", "time_s", "key_id", "tag"}`, for
/// `Locker.confirm_signed_time`.
#[pyfunction]
pub(crate) fn sign_time<'py>(
    py: Python<'py>,
    #[pyo3(from_py_with = args::keys)] keys: PyRef<'py, KeyRing>,
    #[pyo3(from_py_with = args::bank)] bank: u64,
    #[pyo3(from_py_with = args::time_s)] time_s: u64,
) -> PyResult<Bound<'py, PyAny>> {
    let signed =
        credential::sign_time(&keys.inner, BankId(bank), time_s).map_err(CoreError::from)?;
    to_py(py, &signed)
}

/// Signs the time `time_s` for bank `bank` with a back end's Ed25519 key:
/// `{"bank", "time_s", "key_id", "signature"}`.
#[pyfunction]
pub(crate) fn sign_time_ed25519<'py>(
    py: Python<'py>,
    #[pyo3(from_py_with = args::signer)] signer: PyRef<'py, IssuerSigningKey>,
    #[pyo3(from_py_with = args::bank)] bank: u64,
    #[pyo3(from_py_with = args::time_s)] time_s: u64,
) -> PyResult<Bound<'py, PyAny>> {
    to_py(
        py,
        &credential::sign_time_ed25519(&signer.inner, BankId(bank), time_s),
    )
}

/// Checks a QR token's tag (site keys) or signature (a listed issuer, from
/// `issuers`: a list of `{"key_id", "public_key"}` dicts) and its expiry
/// for bank `bank`, without a store; returns its claims dict (`signer` is
/// `"site"` or `"issuer"`). Raises `CredentialError` (`rejected` for a
/// token of another bank, and for the locker's own tokens, which only
/// their record verifies: `issue_recorded_token`, `parcel_ready`).
#[pyfunction]
#[pyo3(signature = (keys, token, now_s, *, bank = 0, issuers = None))]
pub(crate) fn verify_token_offline<'py>(
    py: Python<'py>,
    #[pyo3(from_py_with = args::keys)] keys: PyRef<'py, KeyRing>,
    #[pyo3(from_py_with = args::token)] token: &str,
    #[pyo3(from_py_with = args::now_s)] now_s: u64,
    #[pyo3(from_py_with = args::bank)] bank: u64,
    issuers: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    let issuers: Vec<IssuerKey> = match issuers {
        Some(issuers) => from_py(issuers, "issuers")?,
        None => Vec::new(),
    };
    let claims =
        credential::verify_token_offline(&keys.inner, &issuers, BankId(bank), token, now_s)
            .map_err(CoreError::from)?;
    to_py(py, &claims)
}

/// A back end's Ed25519 signing key: signs QR tokens
/// (`issue_token_signed`), remote commands (`sign_remote_command_ed25519`)
/// and times (`sign_time_ed25519`) that banks listing its public key
/// accept, so those banks hold nothing that mints them. Make one with
/// `IssuerSigningKey.generate(key_id)` or `IssuerSigningKey.from_bytes`;
/// `repr()` shows the key id only.
#[pyclass(module = "locker", frozen)]
pub struct IssuerSigningKey {
    inner: credential::IssuerSigningKey,
}

#[pymethods]
impl IssuerSigningKey {
    /// A fresh key with id `key_id`, from `entropy` (32 bytes) or
    /// `os.urandom`.
    #[staticmethod]
    #[pyo3(signature = (key_id, entropy = None))]
    fn generate(
        py: Python<'_>,
        #[pyo3(from_py_with = args::key_id)] key_id: u16,
        #[pyo3(from_py_with = args::entropy)] entropy: Option<&[u8]>,
    ) -> PyResult<Self> {
        let mut rng = rng_from(py, entropy)?;
        let inner = credential::IssuerSigningKey::generate(KeyId(key_id), &mut rng)
            .map_err(CoreError::from)?;
        Ok(Self { inner })
    }

    /// The key with id `key_id` and these 32 secret bytes (what `to_bytes`
    /// gave). Raises `CredentialError` (`weak_key`) for bytes no random
    /// source would give.
    #[staticmethod]
    fn from_bytes(
        #[pyo3(from_py_with = args::key_id)] key_id: u16,
        #[pyo3(from_py_with = args::secret)] secret: &[u8],
    ) -> PyResult<Self> {
        let mut bytes = secret_bytes("secret", secret)?;
        let inner = credential::IssuerSigningKey::from_bytes(KeyId(key_id), bytes);
        bytes.fill(0);
        Ok(Self {
            inner: inner.map_err(CoreError::from)?,
        })
    }

    /// The key's id.
    #[getter]
    fn key_id(&self) -> u16 {
        self.inner.id().0
    }

    /// The public key to list in a bank's `credentials.issuers`:
    /// `{"key_id", "public_key"}` (64 hex digits). Not secret.
    fn public_key<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.inner.public_key())
    }

    /// The 32 secret bytes, for the back end's sealed storage. Anyone who
    /// has them can sign for every bank that lists the key.
    fn to_bytes<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, self.inner.to_secret_bytes().as_ref())
    }

    /// Refuses pickling with the reason: secret keys do not travel.
    fn __reduce__(&self) -> PyResult<()> {
        Err(pickle::refused("IssuerSigningKey", pickle::SECRET_KEYS))
    }

    fn __repr__(&self) -> String {
        format!("IssuerSigningKey(key_id={})", self.inner.id().0)
    }
}

/// Renders text (a QR token) as a QR code in SVG. `error_correction` is
/// `"low"`, `"medium"`, `"quartile"` or `"high"`.
#[pyfunction]
#[pyo3(signature = (text, module_px = 8, error_correction = "medium", quiet_zone_modules = 4))]
pub(crate) fn qr_svg(
    #[pyo3(from_py_with = args::text)] text: &str,
    #[pyo3(from_py_with = args::module_px)] module_px: u32,
    #[pyo3(from_py_with = args::error_correction)] error_correction: &str,
    #[pyo3(from_py_with = args::quiet_zone_modules)] quiet_zone_modules: u32,
) -> PyResult<String> {
    let error_correction: QrErrorCorrection = named(error_correction).ok_or_else(|| {
        invalid_argument(
            "error_correction",
            format_args!(
                "expected \"low\", \"medium\", \"quartile\" or \"high\", not {error_correction:?}"
            ),
        )
    })?;
    let options = QrOptions {
        error_correction,
        quiet_zone_modules,
        module_px,
    };
    let matrix = QrMatrix::encode(text, &options).map_err(CoreError::from)?;
    Ok(matrix.to_svg())
}
