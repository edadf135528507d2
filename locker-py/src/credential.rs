//! Credentials: the site key ring, the credential store, PINs, signed QR
//! tokens and their QR rendering.
//!
//! Randomness: every call that draws randomness takes optional `entropy`
//! (32 bytes). Without it the bindings read 32 bytes from `os.urandom`, the
//! operating system's generator, and seed a ChaCha20 generator with them.

use chacha20::ChaCha20Rng;
use locker_core::credential::{
    self, BankId, CredentialPolicy, CredentialRecord, Failure, Grant, KeyId, KioskId, PinAttempt,
    PinRequest, Purpose, QrErrorCorrection, QrMatrix, QrOptions, RemoteCommand, RemoteRequest,
    SITE_KEY_BYTES, SiteKey, TokenRequest,
};
use locker_core::{CompartmentId, RecipientId};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyBytes;
use rand_core::SeedableRng;

use crate::convert::{from_py, named, to_py};
use crate::exceptions::CoreError;

/// A generator seeded from `entropy` (exactly 32 bytes) or `os.urandom`.
///
/// # Errors
///
/// `ValueError` when `entropy` is not 32 bytes long.
pub fn rng_from(py: Python<'_>, entropy: Option<&[u8]>) -> PyResult<ChaCha20Rng> {
    let bytes: Vec<u8> = match entropy {
        Some(bytes) => bytes.to_vec(),
        None => py
            .import("os")?
            .getattr("urandom")?
            .call1((32,))?
            .extract()?,
    };
    let seed: [u8; 32] = bytes.as_slice().try_into().map_err(|_| {
        PyValueError::new_err(format!("entropy must be 32 bytes, not {}", bytes.len()))
    })?;
    Ok(ChaCha20Rng::from_seed(seed))
}

/// A purpose from its snake_case name.
fn purpose(name: &str) -> PyResult<Purpose> {
    named(name).ok_or_else(|| {
        PyValueError::new_err(format!(
            "purpose must be \"pickup\", \"courier_drop_off\" or \"staff\", not {name:?}"
        ))
    })
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
    #[pyo3(signature = (entropy = None))]
    fn rotate(&mut self, py: Python<'_>, entropy: Option<&[u8]>) -> PyResult<u16> {
        let mut rng = rng_from(py, entropy)?;
        Ok(self.inner.rotate(&mut rng).map_err(CoreError::from)?.0)
    }

    /// Adds a key shared with another site or the cloud: its id and its 32
    /// secret bytes.
    fn add_key(&mut self, key_id: u16, secret: &[u8]) -> PyResult<()> {
        let secret: [u8; SITE_KEY_BYTES] = secret
            .try_into()
            .map_err(|_| PyValueError::new_err(format!("secret must be {SITE_KEY_BYTES} bytes")))?;
        self.inner
            .add(SiteKey::from_bytes(KeyId(key_id), secret))
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
    /// no key at all is refused: it could verify nothing).
    #[staticmethod]
    fn from_bytes(data: &[u8]) -> PyResult<Self> {
        let inner = credential::KeyRing::from_secret_bytes(data).map_err(CoreError::from)?;
        Ok(Self { inner })
    }

    /// The 32 secret bytes of a key, to share it with a verifier. Handle
    /// with care.
    fn export_key<'py>(&self, py: Python<'py>, key_id: u16) -> PyResult<Bound<'py, PyBytes>> {
        let key = self.inner.get(KeyId(key_id)).map_err(CoreError::from)?;
        Ok(PyBytes::new(py, key.expose_secret()))
    }

    /// Stops a key from verifying anything.
    fn retire(&mut self, key_id: u16) -> PyResult<()> {
        self.inner.retire(KeyId(key_id)).map_err(CoreError::from)?;
        Ok(())
    }

    /// The key ids, oldest first.
    fn ids(&self) -> Vec<u16> {
        self.inner.ids().map(|id| id.0).collect()
    }

    fn __len__(&self) -> usize {
        self.inner.len()
    }

    fn __repr__(&self) -> String {
        format!("KeyRing(ids={:?})", self.ids())
    }
}

/// A refusal as `CredentialError`, with the failure to record (a dict, or
/// `None` when it does not count toward throttling) as its `failure`.
fn refusal(py: Python<'_>, refusal: credential::Refusal) -> PyErr {
    let error = PyErr::from(CoreError::from(refusal.error));
    if let Ok(failure) = to_py(py, &refusal.failure) {
        // Best effort: the message is the error either way.
        let _ = error.value(py).setattr("failure", failure);
    }
    error
}

/// The public credential records of a bank, with throttling: issue, verify
/// and redeem PINs and QR tokens.
#[pyclass(module = "locker")]
pub struct CredentialStore {
    inner: credential::CredentialStore,
}

#[pymethods]
impl CredentialStore {
    /// A store under a policy dict (the core's `CredentialPolicy` shape), or
    /// the default policy: 8-digit PINs asked with the unit number.
    #[new]
    #[pyo3(signature = (policy = None))]
    fn new(policy: Option<&Bound<'_, PyAny>>) -> PyResult<Self> {
        let policy: CredentialPolicy = match policy {
            Some(policy) => from_py(policy, "policy")?,
            None => CredentialPolicy::default(),
        };
        let inner = credential::CredentialStore::new(policy).map_err(CoreError::from)?;
        Ok(Self { inner })
    }

    /// The policy as a dict.
    fn policy<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, self.inner.policy())
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
        keys: &KeyRing,
        recipient: u64,
        compartments: Vec<u32>,
        expires_at_s: u64,
        now_s: u64,
        purpose: &str,
        entropy: Option<&[u8]>,
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

    /// Checks a typed PIN (with the unit, when PINs are bound to units)
    /// without changing anything; returns the grant dict. Raises
    /// `CredentialError` whose `failure` is the attempt to pass to
    /// `record_failure`.
    #[pyo3(signature = (keys, pin, now_s, unit = None, kiosk = 1, purpose = "pickup"))]
    #[allow(clippy::too_many_arguments)]
    fn verify_pin<'py>(
        &self,
        py: Python<'py>,
        keys: &KeyRing,
        pin: &str,
        now_s: u64,
        unit: Option<u64>,
        kiosk: u32,
        purpose: &str,
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

    /// Checks a QR token's text against the keys and this store (not
    /// redeemed, not revoked); returns the grant dict.
    #[pyo3(signature = (keys, token, now_s, kiosk = 1, purpose = "pickup"))]
    fn verify_token<'py>(
        &self,
        py: Python<'py>,
        keys: &KeyRing,
        token: &str,
        now_s: u64,
        kiosk: u32,
        purpose: &str,
    ) -> PyResult<Bound<'py, PyAny>> {
        let grant = self
            .inner
            .verify_token(
                &keys.inner,
                KioskId(kiosk),
                token,
                self::purpose(purpose)?,
                now_s,
            )
            .map_err(|r| refusal(py, r))?;
        to_py(py, &grant)
    }

    /// Checks a remote command dict (from `sign_remote_command`) for bank
    /// `bank`: signature, window, nonce and the caps; returns the grant
    /// dict. Redeem it before unlatching: that spends the nonce and counts
    /// the opening.
    fn verify_remote<'py>(
        &self,
        py: Python<'py>,
        keys: &KeyRing,
        bank: u64,
        command: &Bound<'py, PyAny>,
        now_s: u64,
    ) -> PyResult<Bound<'py, PyAny>> {
        let command: RemoteCommand = from_py(command, "command")?;
        let grant = self
            .inner
            .verify_remote(&keys.inner, BankId(bank), &command, now_s)
            .map_err(|r| refusal(py, r))?;
        to_py(py, &grant)
    }

    /// Marks a grant used once its door has opened; a single-use credential
    /// then stops verifying. Returns the ids of the credentials spent.
    fn redeem(&mut self, grant: &Bound<'_, PyAny>, now_s: u64) -> PyResult<Vec<u64>> {
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
    fn insert(&mut self, record: &Bound<'_, PyAny>, now_s: u64) -> PyResult<()> {
        let record: CredentialRecord = from_py(record, "record")?;
        self.inner.insert(record, now_s).map_err(CoreError::from)?;
        Ok(())
    }

    /// Revokes a credential by id.
    fn revoke(&mut self, credential_id: u64, now_s: u64) -> PyResult<()> {
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

/// Issues a signed QR token (uppercase base32 text) for `compartments`,
/// verifiable offline by any holder of the keys. Returns `(token, record)`.
#[pyfunction]
#[pyo3(signature = (keys, compartments, expires_at_s, now_s, purpose = "pickup", recipient = None, entropy = None))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn issue_token<'py>(
    py: Python<'py>,
    keys: &KeyRing,
    compartments: Vec<u32>,
    expires_at_s: u64,
    now_s: u64,
    purpose: &str,
    recipient: Option<u64>,
    entropy: Option<&[u8]>,
) -> PyResult<(String, Bound<'py, PyAny>)> {
    let request = TokenRequest {
        purpose: self::purpose(purpose)?,
        compartments: compartments.into_iter().map(CompartmentId).collect(),
        recipient: recipient.map(RecipientId),
        expires_at_s,
    };
    let mut rng = rng_from(py, entropy)?;
    let (token, record) =
        credential::issue_token(&keys.inner, &mut rng, &request, now_s).map_err(CoreError::from)?;
    Ok((token.expose().to_owned(), to_py(py, &record)?))
}

/// Signs a remote command (back end): `request` is a dict with `bank`,
/// `compartment`, `purpose` (`"pickup"`), `recipient` (whose parcels;
/// `None` only for a staff override), `not_before_s` and `not_after_s`.
/// Returns the command dict (`request`, `nonce`, `key_id`, `tag` as 64 hex
/// digits), for `Locker.open_remote`.
#[pyfunction]
#[pyo3(signature = (keys, request, entropy = None))]
pub(crate) fn sign_remote_command<'py>(
    py: Python<'py>,
    keys: &KeyRing,
    request: &Bound<'py, PyAny>,
    entropy: Option<&[u8]>,
) -> PyResult<Bound<'py, PyAny>> {
    let request: RemoteRequest = from_py(request, "request")?;
    let mut rng = rng_from(py, entropy)?;
    let command = credential::sign_remote_command(&keys.inner, &mut rng, &request)
        .map_err(CoreError::from)?;
    to_py(py, &command)
}

/// Checks a QR token's signature and expiry with the keys alone; returns
/// its claims dict.
#[pyfunction]
pub(crate) fn verify_token_offline<'py>(
    py: Python<'py>,
    keys: &KeyRing,
    token: &str,
    now_s: u64,
) -> PyResult<Bound<'py, PyAny>> {
    let claims =
        credential::verify_token_offline(&keys.inner, token, now_s).map_err(CoreError::from)?;
    to_py(py, &claims)
}

/// Renders text (a QR token) as a QR code in SVG. `error_correction` is
/// `"low"`, `"medium"`, `"quartile"` or `"high"`.
#[pyfunction]
#[pyo3(signature = (text, module_px = 8, error_correction = "medium", quiet_zone_modules = 4))]
pub(crate) fn qr_svg(
    text: &str,
    module_px: u32,
    error_correction: &str,
    quiet_zone_modules: u32,
) -> PyResult<String> {
    let error_correction: QrErrorCorrection = named(error_correction).ok_or_else(|| {
        PyValueError::new_err(format!(
            "error_correction must be \"low\", \"medium\", \"quartile\" or \"high\", not {error_correction:?}"
        ))
    })?;
    let options = QrOptions {
        error_correction,
        quiet_zone_modules,
        module_px,
    };
    let matrix = QrMatrix::encode(text, &options).map_err(CoreError::from)?;
    Ok(matrix.to_svg())
}
