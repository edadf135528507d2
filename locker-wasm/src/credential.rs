//! Site keys, credentials (PINs and signed QR tokens), verification and QR
//! codes as SVG.

use locker_core::RecipientId;
use locker_core::credential::{
    self as core_cred, KeyId, PinAttempt, PinRequest, Purpose, SITE_KEY_BYTES, SiteKey,
    TokenRequest,
};
use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::*;

use alloc::rc::Rc;

use crate::convert::{
    from_js, from_js_or_text, given, list_from_js, rng_arg, secret_text, to_js, u16_value,
    u32_value, u64_value,
};
use crate::error::LockerError;
use crate::plain;

#[wasm_bindgen(typescript_custom_section)]
const CREDENTIAL_TS: &str = r#"
/** An exported site key: keep it in secure storage, never in a journal. */
export interface SiteKeyJson { id: number; secret_hex: string }
/**
 * A site key's id and check value (16 hex digits): tells one site's key
 * from another's without revealing it. The journal records them.
 */
export interface KeyCheckJson { key_id: number; check: string }
/** A back end's Ed25519 public key, as a bank's policy lists it (not secret). */
export interface IssuerKeyJson { key_id: number; public_key: string }
/** A request for a resident's PIN. */
export interface PinRequestJson {
  recipient: number; compartments: number[]; purpose: Purpose; expires_at_s: number;
}
/**
 * A request for a QR token: the bank it opens doors of (default 0, a bank
 * never given an id), and whose parcels it collects. A pickup token issued
 * without a record (by a back end) must name its recipient, and opens only
 * that recipient's parcels, at that bank only.
 */
export interface TokenRequestJson {
  bank?: number | string; purpose: Purpose; compartments: number[];
  recipient?: number | string | null; expires_at_s: number;
}
/** Who signed a token: the site's key, a back end's Ed25519 key, or a legacy (version 2) tag. */
export type TokenSigner = "site" | "issuer" | "legacy";
/** The checked fields of a QR token. */
export interface TokenClaimsJson {
  version: number; key_id: number; signer: TokenSigner; credential_id: number | string;
  purpose: Purpose; recipient: number | string | null; compartments: number[];
  issued_at_s: number; expires_at_s: number;
}
/** How a credential was presented. */
export type Channel = "pin" | "qr" | "rfid" | "courier" | "remote";
/** What a verified credential allows: a plain object, nothing to free. */
export interface GrantJson {
  credential_id: number | string; channel: Channel;
  purpose: Purpose; compartments: number[]; recipient: number | string | null; carrier: number | null;
  /** Absent for an RFID tag registered without an end; a string only in a grant read from a journal of record version 1 or 2. */
  expires_at_s?: number | string; single_use: boolean;
}
/** A credential's public record (the core's `CredentialRecord` JSON: ids, kind, keyed tag, status). */
export interface CredentialRecordJson { id: number | string; [field: string]: unknown }
/** A secret to pass on and its public record. */
export interface IssuedTokenJson { token: string; record: CredentialRecordJson }
/** A PIN to pass on and its public record. */
export interface IssuedPinJson { pin: string; record: CredentialRecordJson }
/** A courier code to pass on to a carrier and its public record. */
export interface IssuedCourierCodeJson { code: string; record: CredentialRecordJson }
/** A request for a carrier's courier code, valid from `valid_from_s` until `expires_at_s`. */
export interface CourierRequestJson { carrier: number; valid_from_s: number; expires_at_s: number }
/**
 * What the back end asks of a remote command: one door, for one resident's
 * parcels (`recipient`, required for a pickup; null for a staff override),
 * in one window. 64-bit values may be given as decimal strings.
 */
export interface RemoteRequestJson {
  bank: number | string; compartment: number; purpose: Purpose;
  recipient: number | string | null; not_before_s: number; not_after_s: number;
}
/**
 * A signed remote command: a `tag` (HMAC under the site's key,
 * `signRemoteCommand`) or a `signature` (a back end's Ed25519 key,
 * `signRemoteCommandEd25519`), never both. Pass it on as it came: as the
 * object returned (a nonce beyond 2^53 − 1 is a decimal string there), or
 * as the JSON text the back end sent. `JSON.parse` of that text rounds
 * such a nonce; the module refuses the rounded number (`invalid_argument`)
 * rather than report a bad signature.
 */
export interface RemoteCommandJson {
  request: RemoteRequestJson; nonce: number | string; key_id: number;
  tag?: string; signature?: string;
}
/**
 * The time as a back end vouches for it, for one bank (`signTime`,
 * `signTimeEd25519`): confirms a locker's clock after a jump
 * (`Locker#confirmSignedTime`) when the clock agrees with it within 5
 * minutes. A `tag` or a `signature`, never both.
 */
export interface SignedTimeJson {
  bank: number | string; time_s: number; key_id: number; tag?: string; signature?: string;
}
/**
 * A credential policy (the core's `CredentialPolicy` JSON; every field
 * optional). `issuers` lists the back ends' Ed25519 keys: when it is not
 * empty, tokens without a record and remote commands must be signed by
 * one of them.
 */
export interface CredentialPolicyJson {
  pin?: { digits?: number; binding?: "unbound" | "unit"; max_active_per_unit?: number };
  rfid?: { require_pin?: boolean; pin_digits?: number };
  throttle?: { bank?: BackoffJson; kiosk?: BackoffJson; subject?: BackoffJson };
  remote?: { enabled?: boolean; max_opens_per_minute?: number; max_opens_per_day?: number; max_window_s?: number };
  tokens?: { max_recordless_opens_per_minute?: number; max_recordless_opens_per_day?: number };
  /**
   * The brute-force bound the PIN policy must meet: at most
   * `target_per_billion` (default 1000, 10⁻⁶) chances per billion that a
   * guesser opens a door within 24 hours with 200 active PINs. A target
   * above 1000 needs a non-empty `override_reason`, which the journal
   * keeps.
   */
  brute_force?: { target_per_billion?: number; override_reason?: string };
  issuers?: IssuerKeyJson[];
}
/** What is asked together with a PIN: nothing, or the unit number. */
export type SecondFactorJson = "none" | { unit_number: { max_pins_per_unit: number } };
/**
 * The brute-force bound of a credential policy (`bruteForceBound`): the
 * chance that a guesser typing PINs at every kiosk of the bank for 24
 * hours opens any door, as a probability and in chances per billion
 * (rounded up), beside the policy's target; what it was computed from;
 * and the attacker it assumes.
 */
export interface BoundReportJson {
  probability: number;
  per_billion: number;
  target_per_billion: number;
  inputs: {
    pin_digits: number; second_factor: SecondFactorJson;
    active_credentials: number; attempts_per_24h: number;
  };
  attacker: string;
}
/** One throttling scope's backoff and cap (every field given). */
export interface BackoffJson {
  free_failures: number; base_delay_s: number; max_delay_s: number;
  max_failures_per_window: number; window_s: number;
}
/** QR rendering options (all optional). */
export interface QrOptionsJson {
  error_correction?: "low" | "medium" | "quartile" | "high";
  quiet_zone_modules?: number; module_px?: number;
}
"#;

/// The site's keys: new credentials use the newest, older ones verify
/// until retired. Secrets never appear in `toString` or JSON of other
/// objects; export them only to put them in secure storage.
///
/// ```js
/// const keys = new KeyRing();
/// keys.rotate();                 // a key from crypto.getRandomValues
/// const saved = keys.exportSecrets();
/// const again = KeyRing.importSecrets(saved);
/// ```
///
/// Copies share the keys until one of them changes (copy on write), so
/// passing a ring to a call (which copies it) costs no copy of the keys.
#[wasm_bindgen]
#[derive(Clone, Debug, Default)]
pub struct KeyRing(pub(crate) Rc<core_cred::KeyRing>);

impl KeyRing {
    /// A ring of the core's keys.
    pub(crate) fn of(keys: core_cred::KeyRing) -> Self {
        Self(Rc::new(keys))
    }

    /// The core's keys, to own (copied only if shared).
    pub(crate) fn into_core(self) -> core_cred::KeyRing {
        Rc::unwrap_or_clone(self.0)
    }
}

std::thread_local! {
    /// The ring [`KeyRing::lend`] hands to [`keys_arg`]: set and taken
    /// within one argument check, empty otherwise.
    static LENT: core::cell::RefCell<Option<KeyRing>> = const { core::cell::RefCell::new(None) };
}

/// The key ring argument `what` (a copy of the caller's, which stays theirs).
///
/// Every credential check takes a ring, so this is on the hot path of
/// `verifyPin`, `verifyToken` and `verifyTokenOffline`. The copy is the
/// ring's `Rc` cloned in Rust (`KeyRing#__lend`, which `js/errors.js`
/// keeps off the public prototype), not a `clone()` into a new JavaScript
/// object that is then unwrapped again: that round trip (a wrapper object,
/// a `FinalizationRegistry` entry made and dropped, four crossings of the
/// boundary) cost about 1.5 µs a call, more than the check itself. What is
/// refused, and how, is as for any other class argument
/// ([`instance`](crate::convert::instance)).
///
/// # Errors
///
/// `"invalid_argument"` naming `what` for anything but a live `KeyRing`.
pub(crate) fn keys_arg(value: &JsValue, what: &str) -> Result<KeyRing, LockerError> {
    let wrong = || {
        LockerError::invalid_argument(
            what,
            &format!("expected a KeyRing, got {}", crate::convert::kind_of(value)),
        )
    };
    match lend_key_ring(value) {
        LENT_LIVE => LENT.with(|slot| slot.borrow_mut().take()).ok_or_else(wrong),
        LENT_FREED => Err(LockerError::invalid_argument(
            what,
            "the KeyRing was freed (free() was called on it) and cannot be used",
        )),
        _ => Err(wrong()),
    }
}

/// [`lend_key_ring`]: a live ring, now in [`LENT`].
const LENT_LIVE: u32 = 2;
/// [`lend_key_ring`]: a ring that was freed (or never made by the module).
const LENT_FREED: u32 = 1;

#[wasm_bindgen(module = "/js/errors.js")]
extern "C" {
    /// As `instanceState` for the class `KeyRing`, and for a live ring
    /// its `__lend` is called, which leaves a copy in [`LENT`]; 0 when
    /// that throws (the ring is inside a call of its own). No class name
    /// crosses and nothing is caught here: both cost more than the check.
    #[wasm_bindgen(js_name = lendKeyRing)]
    fn lend_key_ring(value: &JsValue) -> u32;
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SiteKeyJson {
    id: u16,
    secret_hex: String,
}

fn to_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn from_hex(text: &str) -> Option<[u8; SITE_KEY_BYTES]> {
    let bytes = text.as_bytes();
    if bytes.len() != 2 * SITE_KEY_BYTES {
        return None;
    }
    let mut out = [0_u8; SITE_KEY_BYTES];
    for (byte, pair) in out.iter_mut().zip(bytes.chunks_exact(2)) {
        let pair = core::str::from_utf8(pair).ok()?;
        *byte = u8::from_str_radix(pair, 16).ok()?;
    }
    Some(out)
}

#[wasm_bindgen]
impl KeyRing {
    /// An empty ring.
    #[wasm_bindgen(constructor)]
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a fresh key and makes it the newest; returns its id. The key
    /// comes from `crypto.getRandomValues`, or from `entropy` (32 bytes,
    /// for a reproducible ring in tests), checked as the core checks
    /// caller-given entropy.
    ///
    /// # Errors
    ///
    /// `"invalid_argument"` for `entropy` that is not 32 bytes in a
    /// `Uint8Array`, `"weak_entropy"` for bytes with fewer than 16
    /// distinct values (`new Uint8Array(32)`, say),
    /// `"entropy_unavailable"`, `"key_ids_exhausted"`.
    pub fn rotate(
        &mut self,
        #[wasm_bindgen(unchecked_optional_param_type = "Uint8Array")] entropy: Option<JsValue>,
    ) -> Result<u16, LockerError> {
        let mut rng = rng_arg(entropy)?;
        Ok(Rc::make_mut(&mut self.0).rotate(&mut rng)?.0)
    }

    /// Retires a key: what it signed stops verifying.
    ///
    /// # Errors
    ///
    /// `"invalid_argument"` for an id that is not a whole number in
    /// `0..=65535`, `"unknown_key_id"`.
    pub fn retire(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "number")] id: JsValue,
    ) -> Result<(), LockerError> {
        let id = u16_value(&id, "id")?;
        Ok(Rc::make_mut(&mut self.0).retire(KeyId(id))?)
    }

    /// The key ids, oldest first.
    #[must_use]
    pub fn ids(&self) -> Vec<u16> {
        self.0.ids().map(|id| id.0).collect()
    }

    /// How many keys.
    #[wasm_bindgen(getter)]
    #[must_use]
    pub fn length(&self) -> usize {
        self.0.len()
    }

    /// The whole ring as bytes for sealed storage: the format of C's
    /// `locker_keys_export` and Python's `KeyRing.to_bytes` (a format byte,
    /// the largest key id ever used, then each id and secret), so a ring
    /// moves between a firmware, a kiosk and a back end. Anyone who has
    /// them can mint credentials.
    #[wasm_bindgen(js_name = toBytes)]
    #[must_use]
    pub fn to_bytes(&self) -> js_sys::Uint8Array {
        // Copied straight into JavaScript from a buffer wiped on drop: no
        // unwiped copy is left in the module's memory.
        js_sys::Uint8Array::from(&self.0.to_secret_bytes()[..])
    }

    /// The ring `toBytes` (or C's `locker_keys_export`) wrote. A ring with
    /// no key at all is refused: it could verify nothing.
    ///
    /// # Errors
    ///
    /// `"invalid_request"` naming what is wrong with the bytes,
    /// `"weak_key"` for a secret no random source would give,
    /// `"duplicate_key_id"`.
    #[wasm_bindgen(js_name = fromBytes)]
    pub fn from_bytes(
        #[wasm_bindgen(unchecked_param_type = "Uint8Array")] bytes: JsValue,
    ) -> Result<Self, LockerError> {
        let bytes: js_sys::Uint8Array = bytes
            .dyn_into()
            .map_err(|_| LockerError::invalid_argument("bytes", "expected a Uint8Array"))?;
        let length = usize::try_from(bytes.length()).unwrap_or(usize::MAX);
        let mut secret = zeroize::Zeroizing::new(vec![0_u8; length]);
        bytes.copy_to(&mut secret);
        Ok(Self::of(core_cred::KeyRing::from_secret_bytes(&secret)?))
    }

    /// Each key's id and check value, oldest first: what the journal
    /// records, so a restore can tell this site's ring from another's.
    /// Not secret.
    ///
    /// # Errors
    ///
    /// Never in practice.
    #[wasm_bindgen(unchecked_return_type = "KeyCheckJson[]")]
    pub fn checks(&self) -> Result<JsValue, LockerError> {
        to_js(&self.0.checks())
    }

    /// Leaves a copy of the ring (the `Rc`, not the keys) where
    /// `keys_arg` takes it. Internal: `js/errors.js` takes this method
    /// off the prototype before the package is used, so no caller sees it.
    #[wasm_bindgen(js_name = __lend, skip_typescript)]
    pub fn lend(&self) {
        LENT.with(|slot| *slot.borrow_mut() = Some(self.clone()));
    }

    /// A copy of the ring (its own object: retiring or rotating one does
    /// not change the other; the keys are copied only then).
    #[wasm_bindgen(js_name = clone)]
    #[must_use]
    pub fn copy(&self) -> Self {
        self.clone()
    }

    /// Every key with its secret, as `[{ id, secret_hex }]`: for secure
    /// storage (a kiosk's TPM or keystore) and for a cloud service that
    /// issues QR tokens. Anyone who has them can mint credentials.
    ///
    /// # Errors
    ///
    /// Never in practice.
    #[wasm_bindgen(js_name = exportSecrets, unchecked_return_type = "SiteKeyJson[]")]
    pub fn export_secrets(&self) -> Result<JsValue, LockerError> {
        let keys: Vec<SiteKeyJson> = self
            .0
            .ids()
            .filter_map(|id| self.0.get(id).ok())
            .map(|key| SiteKeyJson {
                id: key.id().0,
                secret_hex: to_hex(key.expose_secret()),
            })
            .collect();
        to_js(&keys)
    }

    /// A ring from [`KeyRing::export_secrets`]'s output, in the same order.
    ///
    /// # Errors
    ///
    /// `"invalid_argument"` for a wrong shape or a secret that is not 64
    /// hex digits, `"weak_key"` for a secret no random source would give
    /// (all zeros, a repeated byte or short pattern, typed text),
    /// `"duplicate_key_id"`.
    #[wasm_bindgen(js_name = importSecrets)]
    pub fn import_secrets(
        #[wasm_bindgen(unchecked_param_type = "SiteKeyJson[]")] keys: JsValue,
    ) -> Result<Self, LockerError> {
        let keys: Vec<SiteKeyJson> = list_from_js(&keys, "keys")?;
        let mut ring = core_cred::KeyRing::new();
        for key in keys {
            let secret = from_hex(&key.secret_hex).ok_or_else(|| {
                LockerError::invalid_argument("keys", "secret_hex must be 64 hex digits")
            })?;
            let secret = zeroize::Zeroizing::new(secret);
            ring.add(SiteKey::from_bytes(KeyId(key.id), *secret)?)?;
        }
        Ok(Self::of(ring))
    }
}

pub use purpose_name::PurposeName;

mod purpose_name {
    // wasm-bindgen adds undocumented parts to a string enum (a hidden
    // `__Invalid` variant, `from_js_value`).
    #![allow(missing_docs)]

    use locker_core::credential::Purpose;
    use wasm_bindgen::prelude::*;

    /// What a credential is presented for (`"pickup"`, `"courier_drop_off"`,
    /// `"staff"`): the core's `Purpose` by its JSON name. A string enum, so
    /// the glue passes a number and no string is copied into the module on
    /// every verification.
    #[wasm_bindgen(js_name = Purpose)]
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub enum PurposeName {
        /// Collecting parcels.
        Pickup = "pickup",
        /// A courier putting parcels in.
        CourierDropOff = "courier_drop_off",
        /// Staff opening a door.
        Staff = "staff",
    }

    impl From<Purpose> for PurposeName {
        fn from(purpose: Purpose) -> Self {
            match purpose {
                Purpose::Pickup => Self::Pickup,
                Purpose::CourierDropOff => Self::CourierDropOff,
                Purpose::Staff => Self::Staff,
            }
        }
    }

    #[cfg(test)]
    mod tests {
        #![allow(clippy::unwrap_used)]
        use locker_core::credential::Purpose;

        use super::PurposeName;

        #[test]
        fn every_core_purpose_has_its_json_name_in_javascript() {
            let core: Vec<Purpose> = (0..=u8::MAX).filter_map(Purpose::from_code).collect();
            assert_eq!(core.len(), 3);
            for purpose in core {
                let json = serde_json::to_value(purpose).unwrap();
                let name = PurposeName::from_str(json.as_str().unwrap()).unwrap();
                assert_eq!(super::super::purpose_arg(Some(name)).unwrap(), purpose);
                assert_eq!(PurposeName::from(purpose), name);
            }
            // (An unknown name throws in JavaScript: the Node tests.)
            assert_eq!(super::super::purpose_arg(None).unwrap(), Purpose::Pickup);
        }
    }
}

/// The purpose to verify for: `"pickup"` when none is given.
fn purpose_arg(purpose: Option<PurposeName>) -> Result<Purpose, LockerError> {
    match purpose {
        None | Some(PurposeName::Pickup) => Ok(Purpose::Pickup),
        Some(PurposeName::CourierDropOff) => Ok(Purpose::CourierDropOff),
        Some(PurposeName::Staff) => Ok(Purpose::Staff),
        Some(_) => Err(LockerError::invalid_argument(
            "purpose",
            "must be \"pickup\", \"courier_drop_off\" or \"staff\"",
        )),
    }
}

/// The public credential records of a locker (no secret: PINs are keyed
/// tags), with issuing, verification and redemption.
///
/// Verification here does not feed the throttle: a kiosk should use
/// [`Locker`](crate::locker::Locker), which does.
#[wasm_bindgen]
#[derive(Clone, Debug, Default)]
pub struct CredentialStore(core_cred::CredentialStore);

/// A kiosk id argument.
fn kiosk_arg(value: &JsValue) -> Result<core_cred::KioskId, LockerError> {
    u32_value(value, "kiosk").map(core_cred::KioskId)
}

/// A bank id argument, `bank`: a number, or a decimal string beyond
/// 2^53 − 1. A whole number a JavaScript number holds exactly (every bank
/// id but the largest) is read as it is; anything else goes through the
/// JSON route of [`from_js`], which refuses it or reads the string as
/// before. That route (`JSON.stringify`, then serde through [`js_json`](crate::js_json))
/// cost about 0.5 µs of every `verifyToken` for what is nearly always 0.
///
/// # Errors
///
/// As [`from_js`].
pub(crate) fn bank_arg(value: &JsValue) -> Result<core_cred::BankId, LockerError> {
    if let Some(n) = value.as_f64()
        && n.is_finite()
        && n >= 0.0
        && n.fract() == 0.0
        && n <= crate::convert::exact_f64(crate::convert::MAX_SAFE_INTEGER).unwrap_or(0.0)
    {
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let id = n as u64; // finite, ≥ 0, integral and at most 2^53 − 1: exact
        return Ok(core_cred::BankId(id));
    }
    from_js(value, "bank")
}

/// The back ends' public keys, `issuers`: an empty array (a bank without
/// back-end keys, the usual case) without the JSON route, anything else
/// through [`list_from_js`].
///
/// # Errors
///
/// As [`list_from_js`].
fn issuers_arg(value: &JsValue) -> Result<Vec<core_cred::IssuerKey>, LockerError> {
    if let Some(array) = value.dyn_ref::<js_sys::Array>()
        && array.length() == 0
    {
        return Ok(Vec::new());
    }
    list_from_js(value, "issuers")
}

/// A time argument, `nowS`.
fn now_arg(value: &JsValue) -> Result<u64, LockerError> {
    u64_value(value, "nowS")
}

/// A credential policy from an object or JSON text (`undefined` or `null`:
/// the default).
pub(crate) fn policy_arg(
    value: Option<JsValue>,
    what: &str,
) -> Result<core_cred::CredentialPolicy, LockerError> {
    match given(value) {
        None => Ok(core_cred::CredentialPolicy::default()),
        Some(policy) => from_js_or_text(&policy, what),
    }
}

#[wasm_bindgen]
impl CredentialStore {
    /// An empty store with a policy (the core's `CredentialPolicy` JSON, or
    /// its text; default when left out). A PIN policy whose brute-force
    /// bound (with 200 active PINs) is above its target is refused, unless
    /// the policy raises the target and says why
    /// (`brute_force: { target_per_billion, override_reason }`).
    ///
    /// # Errors
    ///
    /// `"invalid_argument"`, `"invalid_policy"`, `"bound_exceeded"`.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_optional_param_type = "CredentialPolicyJson | string")]
        policy: Option<JsValue>,
    ) -> Result<Self, LockerError> {
        let policy = policy_arg(policy, "policy")?;
        Ok(Self(core_cred::CredentialStore::new(policy)?))
    }

    /// Issues a PIN: generates it and inserts its record. Returns
    /// `{ pin, record }`; the PIN is shown once and never stored.
    /// Randomness from `crypto.getRandomValues`, or from `entropy` (32
    /// bytes).
    ///
    /// # Errors
    ///
    /// `"no_keys"`, `"bad_expiry"`, `"invalid_request"`, `"too_many_pins"`,
    /// `"weak_entropy"`, `"invalid_argument"`.
    #[wasm_bindgen(js_name = issuePin, unchecked_return_type = "IssuedPinJson")]
    pub fn issue_pin(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "KeyRing")] keys: JsValue,
        #[wasm_bindgen(unchecked_param_type = "PinRequestJson")] request: JsValue,
        #[wasm_bindgen(js_name = nowS, unchecked_param_type = "number")] now_s: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "Uint8Array")] entropy: Option<JsValue>,
    ) -> Result<JsValue, LockerError> {
        let keys = keys_arg(&keys, "keys")?;
        let request: PinRequest = from_js(&request, "request")?;
        let now_s = now_arg(&now_s)?;
        let mut rng = rng_arg(entropy)?;
        let (pin, record) = self.0.generate_pin(&keys.0, &mut rng, &request, now_s)?;
        let issued = to_js(&Issued {
            pin: Some(pin.expose()),
            ..Issued::of(&record)
        })?;
        self.0.insert(record, now_s)?;
        Ok(issued)
    }

    /// Issues (or rotates) a carrier's courier code and inserts its record,
    /// which replaces the carrier's current code. Returns `{ code, record }`;
    /// the code is shown once and never stored. Randomness from
    /// `crypto.getRandomValues`, or from `entropy` (32 bytes).
    ///
    /// # Errors
    ///
    /// `"no_keys"`, `"bad_expiry"`, `"pin_space_exhausted"`,
    /// `"weak_entropy"`, `"invalid_argument"`.
    #[wasm_bindgen(js_name = issueCourierCode, unchecked_return_type = "IssuedCourierCodeJson")]
    pub fn issue_courier_code(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "KeyRing")] keys: JsValue,
        #[wasm_bindgen(unchecked_param_type = "CourierRequestJson")] request: JsValue,
        #[wasm_bindgen(js_name = nowS, unchecked_param_type = "number")] now_s: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "Uint8Array")] entropy: Option<JsValue>,
    ) -> Result<JsValue, LockerError> {
        let keys = keys_arg(&keys, "keys")?;
        let request: core_cred::CourierRequest = from_js(&request, "request")?;
        let now_s = now_arg(&now_s)?;
        let mut rng = rng_arg(entropy)?;
        let (code, record) = self
            .0
            .generate_courier_code(&keys.0, &mut rng, &request, now_s)?;
        let issued = to_js(&Issued {
            code: Some(code.expose()),
            ..Issued::of(&record)
        })?;
        self.0.insert(record, now_s)?;
        Ok(issued)
    }

    /// Issues a QR token and inserts its record. Returns `{ token, record }`.
    ///
    /// # Errors
    ///
    /// As [`issue_token`].
    #[wasm_bindgen(js_name = issueToken, unchecked_return_type = "IssuedTokenJson")]
    pub fn issue_token(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "KeyRing")] keys: JsValue,
        #[wasm_bindgen(unchecked_param_type = "TokenRequestJson")] request: JsValue,
        #[wasm_bindgen(js_name = nowS, unchecked_param_type = "number")] now_s: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "Uint8Array")] entropy: Option<JsValue>,
    ) -> Result<JsValue, LockerError> {
        let (token, record, now_s) =
            token_for(&keys, &request, &now_s, entropy, TokenKind::Signed)?;
        self.insert_token(&token, record, now_s)
    }

    /// Issues a QR token only its record verifies (as a locker issues its
    /// own: it ends in a random secret whose digest the record keeps) and
    /// inserts the record. Returns `{ token, record }`. The token opens
    /// only through this store (`verifyToken`); `verifyTokenOffline`
    /// refuses it, and no site key makes another with its id.
    ///
    /// # Errors
    ///
    /// As [`issue_token`].
    #[wasm_bindgen(js_name = issueRecordedToken, unchecked_return_type = "IssuedTokenJson")]
    pub fn issue_recorded_token(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "KeyRing")] keys: JsValue,
        #[wasm_bindgen(unchecked_param_type = "TokenRequestJson")] request: JsValue,
        #[wasm_bindgen(js_name = nowS, unchecked_param_type = "number")] now_s: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "Uint8Array")] entropy: Option<JsValue>,
    ) -> Result<JsValue, LockerError> {
        let (token, record, now_s) =
            token_for(&keys, &request, &now_s, entropy, TokenKind::Recorded)?;
        self.insert_token(&token, record, now_s)
    }

    /// Checks a PIN typed at `kiosk` for `purpose` (default `"pickup"`),
    /// with the unit number when the policy asks for it (`null` when it
    /// does not); changes nothing. The same arguments as `verifyToken`,
    /// plus the unit.
    ///
    /// # Errors
    ///
    /// `"rejected"`, `"expired"`, `"already_used"`, `"unit_required"`,
    /// `"malformed_pin"`, `"throttled"`, `"invalid_argument"`, …
    #[wasm_bindgen(js_name = verifyPin, unchecked_return_type = "GrantJson")]
    pub fn verify_pin(
        &self,
        #[wasm_bindgen(unchecked_param_type = "KeyRing")] keys: JsValue,
        #[wasm_bindgen(unchecked_param_type = "number")] kiosk: JsValue,
        #[wasm_bindgen(unchecked_param_type = "number | null | undefined")] unit: JsValue,
        #[wasm_bindgen(unchecked_param_type = "string")] pin: JsValue,
        #[wasm_bindgen(js_name = nowS, unchecked_param_type = "number")] now_s: JsValue,
        purpose: Option<PurposeName>,
    ) -> Result<JsValue, LockerError> {
        let keys = keys_arg(&keys, "keys")?;
        let kiosk = kiosk_arg(&kiosk)?;
        let unit = given(Some(unit))
            .map(|unit| u64_value(&unit, "unit").map(RecipientId))
            .transpose()?;
        let pin = secret_text(&pin, "pin")?;
        let now_s = now_arg(&now_s)?;
        let attempt = PinAttempt {
            kiosk,
            unit,
            pin: &pin,
            purpose: purpose_arg(purpose)?,
        };
        self.0
            .verify_pin(&keys.0, &attempt, now_s)
            .map(|grant| plain::grant(&grant))
            .map_err(|refusal| refusal.error.into())
    }

    /// Checks a QR token shown at `kiosk` of bank `bank` (a number, or a
    /// decimal string beyond 2^53 − 1) for `purpose` (default
    /// `"pickup"`); changes nothing. A token for another bank is refused.
    ///
    /// # Errors
    ///
    /// `"malformed_token"`, `"rejected"`, `"expired"`, `"already_used"`,
    /// `"wrong_purpose"`, `"invalid_request"` (a token without a record
    /// naming no recipient), `"recordless_cap_reached"`,
    /// `"invalid_argument"`, …
    #[wasm_bindgen(js_name = verifyToken, unchecked_return_type = "GrantJson")]
    pub fn verify_token(
        &self,
        #[wasm_bindgen(unchecked_param_type = "KeyRing")] keys: JsValue,
        #[wasm_bindgen(unchecked_param_type = "number | string")] bank: JsValue,
        #[wasm_bindgen(unchecked_param_type = "number")] kiosk: JsValue,
        #[wasm_bindgen(unchecked_param_type = "string")] token: JsValue,
        #[wasm_bindgen(js_name = nowS, unchecked_param_type = "number")] now_s: JsValue,
        purpose: Option<PurposeName>,
    ) -> Result<JsValue, LockerError> {
        let keys = keys_arg(&keys, "keys")?;
        let bank = bank_arg(&bank)?;
        let kiosk = kiosk_arg(&kiosk)?;
        let token = secret_text(&token, "token")?;
        let now_s = now_arg(&now_s)?;
        let purpose = purpose_arg(purpose)?;
        self.0
            .verify_token(&keys.0, bank, kiosk, &token, purpose, now_s)
            .map(|grant| plain::grant(&grant))
            .map_err(|refusal| refusal.error.into())
    }

    /// Checks a courier code typed at `kiosk`; changes nothing. With
    /// `carrier` (the carrier the courier chose on the screen) only that
    /// carrier's code is looked at, and a wrong code counts against that
    /// carrier instead of the whole bank (`Locker#courierSignIn` records
    /// it), so a guesser naming one carrier never locks out another's
    /// couriers.
    ///
    /// # Errors
    ///
    /// `"rejected"`, `"expired"`, `"revoked"`, `"throttled"`,
    /// `"malformed_pin"`, `"invalid_argument"`.
    #[wasm_bindgen(js_name = verifyCourier, unchecked_return_type = "GrantJson")]
    pub fn verify_courier(
        &self,
        #[wasm_bindgen(unchecked_param_type = "KeyRing")] keys: JsValue,
        #[wasm_bindgen(unchecked_param_type = "number")] kiosk: JsValue,
        #[wasm_bindgen(unchecked_param_type = "string")] code: JsValue,
        #[wasm_bindgen(js_name = nowS, unchecked_param_type = "number")] now_s: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "number")] carrier: Option<JsValue>,
    ) -> Result<JsValue, LockerError> {
        let keys = keys_arg(&keys, "keys")?;
        let kiosk = kiosk_arg(&kiosk)?;
        let code = secret_text(&code, "code")?;
        let now_s = now_arg(&now_s)?;
        let carrier = given(carrier)
            .map(|carrier| u32_value(&carrier, "carrier").map(core_cred::CarrierId))
            .transpose()?;
        let verified = match carrier {
            Some(carrier) => self
                .0
                .verify_courier_for(&keys.0, kiosk, carrier, &code, now_s),
            None => self.0.verify_courier(&keys.0, kiosk, &code, now_s),
        };
        verified
            .map(|grant| plain::grant(&grant))
            .map_err(|refusal| refusal.error.into())
    }

    /// Checks a remote command for bank `bank` (signature, window, nonce,
    /// caps); changes nothing: redeem the grant before unlatching, which
    /// spends the nonce and counts the opening. `command` is a
    /// `RemoteCommandJson` or its JSON text.
    ///
    /// # Errors
    ///
    /// `"remote_disabled"`, `"wrong_bank"`, `"window_too_long"`,
    /// `"unknown_key_id"`, `"rejected"`, `"throttled"`; for a command the
    /// site's key signed (never throttled) `"invalid_request"` (a pickup
    /// naming no recipient), `"not_yet_valid"`, `"expired"`, `"replayed"`,
    /// `"remote_cap_reached"`; `"invalid_argument"`.
    #[wasm_bindgen(js_name = verifyRemote, unchecked_return_type = "GrantJson")]
    pub fn verify_remote(
        &self,
        #[wasm_bindgen(unchecked_param_type = "KeyRing")] keys: JsValue,
        #[wasm_bindgen(unchecked_param_type = "number | string")] bank: JsValue,
        #[wasm_bindgen(unchecked_param_type = "RemoteCommandJson | string")] command: JsValue,
        #[wasm_bindgen(js_name = nowS, unchecked_param_type = "number")] now_s: JsValue,
    ) -> Result<JsValue, LockerError> {
        let keys = keys_arg(&keys, "keys")?;
        let bank = bank_arg(&bank)?;
        let command: core_cred::RemoteCommand = from_js_or_text(&command, "command")?;
        let now_s = now_arg(&now_s)?;
        self.0
            .verify_remote(&keys.0, bank, &command, now_s)
            .map(|grant| plain::grant(&grant))
            .map_err(|refusal| refusal.error.into())
    }

    /// The door opened: spends a single-use credential. `grant` is what
    /// `verifyPin` or `verifyToken` returned, or its JSON text. A
    /// credential with a record is redeemed as its record says (single
    /// use, purpose, recipient); the grant's compartments are taken as
    /// given, so redeem only what a verification returned.
    ///
    /// # Errors
    ///
    /// `"already_used"`, `"revoked"`, `"unknown_credential"`, for remote
    /// grants `"replayed"` and `"remote_cap_reached"`;
    /// `"invalid_argument"` when `grant` is not a `GrantJson`.
    pub fn redeem(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "GrantJson | string")] grant: JsValue,
        #[wasm_bindgen(js_name = nowS, unchecked_param_type = "number")] now_s: JsValue,
    ) -> Result<(), LockerError> {
        let grant: core_cred::Grant = from_js_or_text(&grant, "grant")?;
        let now_s = now_arg(&now_s)?;
        self.0.redeem(&grant, now_s)?;
        Ok(())
    }

    /// Checks that a signed time (`SignedTimeJson` or its JSON text) was
    /// signed for bank `bank` by the site's key (while the policy lists no
    /// issuer) or by a listed issuer; changes nothing.
    ///
    /// # Errors
    ///
    /// `"wrong_bank"`, `"unknown_key_id"`, `"rejected"`,
    /// `"invalid_argument"`.
    #[wasm_bindgen(js_name = verifySignedTime)]
    pub fn verify_signed_time(
        &self,
        #[wasm_bindgen(unchecked_param_type = "KeyRing")] keys: JsValue,
        #[wasm_bindgen(unchecked_param_type = "number | string")] bank: JsValue,
        #[wasm_bindgen(js_name = signedTime, unchecked_param_type = "SignedTimeJson | string")]
        signed_time: JsValue,
    ) -> Result<(), LockerError> {
        let keys = keys_arg(&keys, "keys")?;
        let bank = bank_arg(&bank)?;
        let signed: core_cred::SignedTime = from_js_or_text(&signed_time, "signedTime")?;
        Ok(self.0.verify_signed_time(&keys.0, bank, &signed)?)
    }

    /// Every record (public: ids, kinds, keyed tags, status).
    ///
    /// # Errors
    ///
    /// Never in practice.
    #[wasm_bindgen(unchecked_return_type = "CredentialRecordJson[]")]
    pub fn records(&self) -> Result<JsValue, LockerError> {
        let records: Vec<_> = self.0.records().collect();
        to_js(&records)
    }

    /// How many records.
    #[wasm_bindgen(getter)]
    #[must_use]
    pub fn length(&self) -> usize {
        self.0.len()
    }
}

/// The brute-force bound of a credential policy (a `CredentialPolicyJson`
/// or its text; the default when left out) with `activeCredentials` active
/// PINs (default 200, the number a policy is judged by): the chance that a
/// guesser typing PINs at every kiosk of the bank for 24 hours opens a
/// door, in chances per billion beside the policy's target, the inputs and
/// the attacker assumed (the core's `BoundReport`). A policy whose bound
/// with 200 PINs is above its target is refused by `new Locker` and `new
/// CredentialStore` (`"bound_exceeded"`); this reports it, above or not.
///
/// ```js
/// bruteForceBound().per_billion;                                  // ≤ 1000
/// bruteForceBound({ pin: { digits: 4, binding: "unbound" } }).per_billion > 1000; // true
/// ```
///
/// # Errors
///
/// `"invalid_argument"` for a wrong type or shape, `"invalid_policy"` for
/// a PIN, throttle or target field out of range.
#[wasm_bindgen(js_name = bruteForceBound, unchecked_return_type = "BoundReportJson")]
pub fn brute_force_bound(
    #[wasm_bindgen(unchecked_optional_param_type = "CredentialPolicyJson | string")] policy: Option<
        JsValue,
    >,
    #[wasm_bindgen(js_name = activeCredentials, unchecked_optional_param_type = "number")]
    active_credentials: Option<JsValue>,
) -> Result<JsValue, LockerError> {
    let policy = policy_arg(policy, "policy")?;
    let active = given(active_credentials)
        .map(|active| u64_value(&active, "activeCredentials"))
        .transpose()?
        .unwrap_or(core_cred::REFERENCE_OCCUPIED_COMPARTMENTS);
    // The parts the bound reads are checked; the bound itself is reported.
    policy.pin.validate()?;
    policy.throttle.validate()?;
    policy.brute_force.validate()?;
    to_js(&policy.brute_force_bound(active))
}

/// Issues a QR token with the newest key, as a cloud service would:
/// returns `{ token, record }`. Lockers of the bank `request.bank` verify
/// it offline with the same keys; without its record a pickup token opens
/// only its `recipient`'s parcels, within the bank's caps (a bank whose
/// policy lists issuers takes only `issueTokenSigned`'s). Randomness from
/// `crypto.getRandomValues`, or from `entropy` (32 bytes).
///
/// # Errors
///
/// `"no_keys"`, `"bad_expiry"`, `"invalid_request"`, `"weak_entropy"`,
/// `"invalid_argument"`.
#[wasm_bindgen(js_name = issueToken, unchecked_return_type = "IssuedTokenJson")]
pub fn issue_token(
    #[wasm_bindgen(unchecked_param_type = "KeyRing")] keys: JsValue,
    #[wasm_bindgen(unchecked_param_type = "TokenRequestJson")] request: JsValue,
    #[wasm_bindgen(js_name = nowS, unchecked_param_type = "number")] now_s: JsValue,
    #[wasm_bindgen(unchecked_optional_param_type = "Uint8Array")] entropy: Option<JsValue>,
) -> Result<JsValue, LockerError> {
    let (token, record, _) = token_for(&keys, &request, &now_s, entropy, TokenKind::Signed)?;
    to_js(&Issued {
        token: Some(token.expose()),
        ..Issued::of(&record)
    })
}

/// Issues a QR token that only its record verifies, as a locker issues its
/// own: returns `{ token, record }`. The token ends in a random secret, not
/// a tag, and the record keeps only its digest, so neither the record
/// (journaled, public) nor the site key makes the token: give the record
/// to the store that verifies it. `verifyTokenOffline` refuses it.
/// Randomness from `crypto.getRandomValues`, or from `entropy` (32 bytes).
///
/// # Errors
///
/// As [`issue_token`].
#[wasm_bindgen(js_name = issueRecordedToken, unchecked_return_type = "IssuedTokenJson")]
pub fn issue_recorded_token(
    #[wasm_bindgen(unchecked_param_type = "KeyRing")] keys: JsValue,
    #[wasm_bindgen(unchecked_param_type = "TokenRequestJson")] request: JsValue,
    #[wasm_bindgen(js_name = nowS, unchecked_param_type = "number")] now_s: JsValue,
    #[wasm_bindgen(unchecked_optional_param_type = "Uint8Array")] entropy: Option<JsValue>,
) -> Result<JsValue, LockerError> {
    let (token, record, _) = token_for(&keys, &request, &now_s, entropy, TokenKind::Recorded)?;
    to_js(&Issued {
        token: Some(token.expose()),
        ..Issued::of(&record)
    })
}

/// Signs a remote command with the newest key and a fresh nonce, as a back
/// end would: one door of one bank, for one resident's parcels, for the
/// window `request` gives. Send it to the locker, which opens the door
/// with `Locker.openRemote`. Randomness from `crypto.getRandomValues`, or
/// from `entropy` (32 bytes).
///
/// # Errors
///
/// `"no_keys"`, `"bad_expiry"` for an empty window, `"invalid_request"`
/// for a pickup naming no recipient, `"weak_entropy"`,
/// `"invalid_argument"`.
#[wasm_bindgen(js_name = signRemoteCommand, unchecked_return_type = "RemoteCommandJson")]
pub fn sign_remote_command(
    #[wasm_bindgen(unchecked_param_type = "KeyRing")] keys: JsValue,
    #[wasm_bindgen(unchecked_param_type = "RemoteRequestJson")] request: JsValue,
    #[wasm_bindgen(unchecked_optional_param_type = "Uint8Array")] entropy: Option<JsValue>,
) -> Result<JsValue, LockerError> {
    let keys = keys_arg(&keys, "keys")?;
    let request: core_cred::RemoteRequest = from_js(&request, "request")?;
    let mut rng = rng_arg(entropy)?;
    to_js(&core_cred::sign_remote_command(
        &keys.0, &mut rng, &request,
    )?)
}

/// A secret to hand to its holder and the public record of it: `{ pin,
/// record }`, `{ token, record }` or `{ code, record }`.
#[derive(Serialize)]
pub(crate) struct Issued<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) pin: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) token: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) code: Option<&'a str>,
    pub(crate) record: &'a core_cred::CredentialRecord,
}

impl<'a> Issued<'a> {
    /// The record, no secret yet.
    pub(crate) const fn of(record: &'a core_cred::CredentialRecord) -> Self {
        Self {
            pin: None,
            token: None,
            code: None,
            record,
        }
    }
}

/// Which of the core's token issuers a call uses.
#[derive(Clone, Copy)]
enum TokenKind {
    /// `issue_token`: a tag under the site's token key, verifiable offline.
    Signed,
    /// `issue_recorded_token`: a secret only the record's digest checks.
    Recorded,
}

/// The arguments of `issueToken` (or `issueRecordedToken`) converted, and
/// the token issued with the newest key; returns the time too.
fn token_for(
    keys: &JsValue,
    request: &JsValue,
    now_s: &JsValue,
    entropy: Option<JsValue>,
    kind: TokenKind,
) -> Result<(core_cred::TokenSecret, core_cred::CredentialRecord, u64), LockerError> {
    let keys = keys_arg(keys, "keys")?;
    let request: TokenRequest = from_js(request, "request")?;
    let now_s = now_arg(now_s)?;
    let mut rng = rng_arg(entropy)?;
    let issue = match kind {
        TokenKind::Signed => core_cred::issue_token,
        TokenKind::Recorded => core_cred::issue_recorded_token,
    };
    let (token, record) = issue(&keys.0, &mut rng, &request, now_s)?;
    Ok((token, record, now_s))
}

impl CredentialStore {
    /// Inserts an issued token's record; returns `{ token, record }`.
    fn insert_token(
        &mut self,
        token: &core_cred::TokenSecret,
        record: core_cred::CredentialRecord,
        now_s: u64,
    ) -> Result<JsValue, LockerError> {
        let issued = to_js(&Issued {
            token: Some(token.expose()),
            ..Issued::of(&record)
        })?;
        self.0.insert(record, now_s)?;
        Ok(issued)
    }
}

/// Checks a QR token's tag (with the site's `keys`) or Ed25519 signature
/// (with `issuers`, the back ends' public keys: `[]` for none) and its
/// expiry, for bank `bank`, without any record; returns its claims. A
/// token for another bank is refused, and so is a locker's own token (a
/// `parcel_ready` event's `qr_token`, `issueRecordedToken`'s): only its
/// record checks it (`Locker#pickupQr`, `CredentialStore#verifyToken`).
///
/// # Errors
///
/// `"malformed_token"`, `"unknown_key_id"`, `"rejected"` (a bad tag or
/// signature, another bank, a token only its record checks), `"expired"`,
/// `"invalid_argument"`.
#[wasm_bindgen(js_name = verifyTokenOffline, unchecked_return_type = "TokenClaimsJson")]
pub fn verify_token_offline(
    #[wasm_bindgen(unchecked_param_type = "KeyRing")] keys: JsValue,
    #[wasm_bindgen(unchecked_param_type = "IssuerKeyJson[]")] issuers: JsValue,
    #[wasm_bindgen(unchecked_param_type = "number | string")] bank: JsValue,
    #[wasm_bindgen(unchecked_param_type = "string")] token: JsValue,
    #[wasm_bindgen(js_name = nowS, unchecked_param_type = "number")] now_s: JsValue,
) -> Result<JsValue, LockerError> {
    let keys = keys_arg(&keys, "keys")?;
    let issuers = issuers_arg(&issuers)?;
    let bank = bank_arg(&bank)?;
    let token = secret_text(&token, "token")?;
    let now_s = now_arg(&now_s)?;
    let claims = core_cred::verify_token_offline(&keys.0, &issuers, bank, &token, now_s)?;
    Ok(plain::token_claims(&claims))
}

/// Signs the time `timeS` for bank `bank` with the newest site key, as a
/// back end would: a locker whose clock jumped ahead takes the jump as
/// true when its clock agrees with it (`Locker#confirmSignedTime`).
///
/// # Errors
///
/// `"no_keys"`, `"invalid_argument"`.
#[wasm_bindgen(js_name = signTime, unchecked_return_type = "SignedTimeJson")]
pub fn sign_time(
    #[wasm_bindgen(unchecked_param_type = "KeyRing")] keys: JsValue,
    #[wasm_bindgen(unchecked_param_type = "number | string")] bank: JsValue,
    #[wasm_bindgen(js_name = timeS, unchecked_param_type = "number")] time_s: JsValue,
) -> Result<JsValue, LockerError> {
    let keys = keys_arg(&keys, "keys")?;
    let bank = bank_arg(&bank)?;
    let time_s = u64_value(&time_s, "timeS")?;
    to_js(&core_cred::sign_time(&keys.0, bank, time_s)?)
}

/// Renders text (a QR token) as an SVG QR code; `options` is a
/// `QrOptionsJson` (all fields optional).
///
/// ```js
/// document.querySelector("#qr").innerHTML = qrSvg(token, { module_px: 6 });
/// ```
///
/// # Errors
///
/// `"qr_data_too_long"`, `"invalid_argument"` for bad options.
#[cfg(feature = "qr")]
#[wasm_bindgen(js_name = qrSvg)]
pub fn qr_svg(
    #[wasm_bindgen(unchecked_param_type = "string")] text: JsValue,
    #[wasm_bindgen(unchecked_optional_param_type = "QrOptionsJson")] options: Option<JsValue>,
) -> Result<String, LockerError> {
    let text = secret_text(&text, "text")?;
    let options = qr_options(&options.unwrap_or(JsValue::UNDEFINED))?;
    let matrix = core_cred::QrMatrix::encode(&text, &options)?;
    Ok(matrix.to_svg())
}

#[cfg(feature = "qr")]
fn qr_options(options: &JsValue) -> Result<core_cred::QrOptions, LockerError> {
    let defaults = core_cred::QrOptions::default();
    if options.is_undefined() || options.is_null() {
        return Ok(defaults);
    }
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Partial {
        error_correction: Option<core_cred::QrErrorCorrection>,
        quiet_zone_modules: Option<u32>,
        module_px: Option<u32>,
    }
    let partial: Partial = from_js(options, "options")?;
    Ok(core_cred::QrOptions {
        error_correction: partial
            .error_correction
            .unwrap_or(defaults.error_correction),
        quiet_zone_modules: partial
            .quiet_zone_modules
            .unwrap_or(defaults.quiet_zone_modules),
        module_px: partial.module_px.unwrap_or(defaults.module_px),
    })
}

/// Whether this build renders QR codes (`qrSvg` exists).
#[wasm_bindgen(js_name = hasQr)]
#[must_use]
pub fn has_qr() -> bool {
    cfg!(feature = "qr")
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn hex_round_trips() {
        let secret = [0xab_u8; SITE_KEY_BYTES];
        assert_eq!(from_hex(&to_hex(&secret)), Some(secret));
        assert_eq!(from_hex("zz"), None);
    }
}
