//! Site keys, credentials (PINs and signed QR tokens), verification and QR
//! codes as SVG.

use locker_core::RecipientId;
use locker_core::credential::{
    self as core_cred, KeyId, PinAttempt, PinRequest, Purpose, SITE_KEY_BYTES, SiteKey,
    TokenRequest,
};
use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::*;

use crate::convert::{
    crypto_rng, from_js, from_js_or_text, instance, secret_text, to_js, u32_arg, u64_arg, u64_value,
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
  expires_at_s: number | string; single_use: boolean;
}
/** A credential's public record (the core's `CredentialRecord` JSON: ids, kind, keyed tag, status). */
export interface CredentialRecordJson { id: number | string; [field: string]: unknown }
/** A secret to pass on and its public record. */
export interface IssuedTokenJson { token: string; record: CredentialRecordJson }
/** A PIN to pass on and its public record. */
export interface IssuedPinJson { pin: string; record: CredentialRecordJson }
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
  issuers?: IssuerKeyJson[];
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
#[wasm_bindgen]
#[derive(Clone, Debug, Default)]
pub struct KeyRing(pub(crate) core_cred::KeyRing);

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

    /// Adds a fresh key (from `crypto.getRandomValues`) and makes it the
    /// newest; returns its id.
    ///
    /// # Errors
    ///
    /// `"entropy_unavailable"`, `"key_ids_exhausted"`.
    pub fn rotate(&mut self) -> Result<u16, LockerError> {
        let mut rng = crypto_rng()?;
        Ok(self.0.rotate(&mut rng)?.0)
    }

    /// Retires a key: what it signed stops verifying.
    ///
    /// # Errors
    ///
    /// `"unknown_key_id"`.
    pub fn retire(&mut self, id: f64) -> Result<(), LockerError> {
        let id = u16::try_from(u32_arg(id, "id")?)
            .map_err(|_| LockerError::invalid_argument("id", "more than 65535"))?;
        Ok(self.0.retire(KeyId(id))?)
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
        Ok(Self(core_cred::KeyRing::from_secret_bytes(&secret)?))
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

    /// A copy of the ring (its own object: retiring or rotating one does
    /// not change the other).
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
        let keys: Vec<SiteKeyJson> = from_js(&keys, "keys")?;
        let mut ring = core_cred::KeyRing::new();
        for key in keys {
            let secret = from_hex(&key.secret_hex).ok_or_else(|| {
                LockerError::invalid_argument("keys", "secret_hex must be 64 hex digits")
            })?;
            let secret = zeroize::Zeroizing::new(secret);
            ring.add(SiteKey::from_bytes(KeyId(key.id), *secret)?)?;
        }
        Ok(Self(ring))
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

#[wasm_bindgen]
impl CredentialStore {
    /// An empty store with a policy (the core's `CredentialPolicy` JSON;
    /// default when left out).
    ///
    /// # Errors
    ///
    /// `"invalid_argument"`, `"invalid_policy"`.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_optional_param_type = "CredentialPolicyJson")] policy: Option<
            JsValue,
        >,
    ) -> Result<Self, LockerError> {
        let Some(policy) = policy.filter(|p| !p.is_undefined() && !p.is_null()) else {
            return Ok(Self::default());
        };
        let policy = from_js(&policy, "policy")?;
        Ok(Self(core_cred::CredentialStore::new(policy)?))
    }

    /// Issues a PIN: generates it and inserts its record. Returns
    /// `{ pin, record }`; the PIN is shown once and never stored.
    ///
    /// # Errors
    ///
    /// `"no_keys"`, `"bad_expiry"`, `"invalid_request"`, `"too_many_pins"`.
    #[wasm_bindgen(js_name = issuePin, unchecked_return_type = "IssuedPinJson")]
    pub fn issue_pin(
        &mut self,
        keys: &KeyRing,
        #[wasm_bindgen(unchecked_param_type = "PinRequestJson")] request: JsValue,
        #[wasm_bindgen(js_name = nowS)] now_s: f64,
    ) -> Result<JsValue, LockerError> {
        let request: PinRequest = from_js(&request, "request")?;
        let now_s = u64_arg(now_s, "nowS")?;
        let mut rng = crypto_rng()?;
        let (pin, record) = self.0.generate_pin(&keys.0, &mut rng, &request, now_s)?;
        let issued = to_js(&Issued {
            pin: Some(pin.expose()),
            token: None,
            record: &record,
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
        keys: &KeyRing,
        #[wasm_bindgen(unchecked_param_type = "TokenRequestJson")] request: JsValue,
        #[wasm_bindgen(js_name = nowS)] now_s: f64,
    ) -> Result<JsValue, LockerError> {
        let (token, record) = signed_token(keys, &request, now_s)?;
        let issued = to_js(&Issued {
            pin: None,
            token: Some(token.expose()),
            record: &record,
        })?;
        self.0.insert(record, u64_arg(now_s, "nowS")?)?;
        Ok(issued)
    }

    /// Checks a PIN typed at `kiosk` for `purpose` (default `"pickup"`),
    /// with the unit number when the policy asks for it (`null` when it
    /// does not); changes nothing. The same arguments as `verifyToken`,
    /// plus the unit.
    ///
    /// # Errors
    ///
    /// `"rejected"`, `"expired"`, `"already_used"`, `"unit_required"`,
    /// `"malformed_pin"`, `"throttled"`, …
    #[wasm_bindgen(js_name = verifyPin, unchecked_return_type = "GrantJson")]
    pub fn verify_pin(
        &self,
        keys: &KeyRing,
        kiosk: f64,
        unit: Option<f64>,
        #[wasm_bindgen(unchecked_param_type = "string")] pin: JsValue,
        #[wasm_bindgen(js_name = nowS)] now_s: f64,
        purpose: Option<PurposeName>,
    ) -> Result<JsValue, LockerError> {
        let pin = secret_text(&pin, "pin")?;
        let attempt = PinAttempt {
            kiosk: core_cred::KioskId(u32_arg(kiosk, "kiosk")?),
            unit: unit
                .map(|unit| u64_arg(unit, "unit").map(RecipientId))
                .transpose()?,
            pin: &pin,
            purpose: purpose_arg(purpose)?,
        };
        let now_s = u64_arg(now_s, "nowS")?;
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
    /// naming no recipient), `"recordless_cap_reached"`, …
    #[wasm_bindgen(js_name = verifyToken, unchecked_return_type = "GrantJson")]
    pub fn verify_token(
        &self,
        keys: &KeyRing,
        #[wasm_bindgen(unchecked_param_type = "number | string")] bank: JsValue,
        kiosk: f64,
        #[wasm_bindgen(unchecked_param_type = "string")] token: JsValue,
        #[wasm_bindgen(js_name = nowS)] now_s: f64,
        purpose: Option<PurposeName>,
    ) -> Result<JsValue, LockerError> {
        let bank: core_cred::BankId = from_js(&bank, "bank")?;
        let token = secret_text(&token, "token")?;
        let kiosk = core_cred::KioskId(u32_arg(kiosk, "kiosk")?);
        let now_s = u64_arg(now_s, "nowS")?;
        let purpose = purpose_arg(purpose)?;
        self.0
            .verify_token(&keys.0, bank, kiosk, &token, purpose, now_s)
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
    /// site's key signed (not counted toward throttling) `"invalid_request"`
    /// (a pickup naming no recipient), `"not_yet_valid"`, `"expired"`,
    /// `"replayed"`, `"remote_cap_reached"`; `"invalid_argument"`.
    #[wasm_bindgen(js_name = verifyRemote, unchecked_return_type = "GrantJson")]
    pub fn verify_remote(
        &self,
        keys: &KeyRing,
        #[wasm_bindgen(unchecked_param_type = "number | string")] bank: JsValue,
        #[wasm_bindgen(unchecked_param_type = "RemoteCommandJson | string")] command: JsValue,
        #[wasm_bindgen(js_name = nowS)] now_s: f64,
    ) -> Result<JsValue, LockerError> {
        let bank: core_cred::BankId = from_js(&bank, "bank")?;
        let command: core_cred::RemoteCommand = from_js_or_text(&command, "command")?;
        let now_s = u64_arg(now_s, "nowS")?;
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
        #[wasm_bindgen(js_name = nowS)] now_s: f64,
    ) -> Result<(), LockerError> {
        let grant: core_cred::Grant = from_js_or_text(&grant, "grant")?;
        let now_s = u64_arg(now_s, "nowS")?;
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
        let keys: KeyRing = instance(&keys, "keys", "KeyRing")?;
        let bank: core_cred::BankId = from_js(&bank, "bank")?;
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

/// Issues a QR token with the newest key, as a cloud service would:
/// returns `{ token, record }`. Lockers of the bank `request.bank` verify
/// it offline with the same keys; without its record a pickup token opens
/// only its `recipient`'s parcels, within the bank's caps (a bank whose
/// policy lists issuers takes only `issueTokenSigned`'s).
///
/// # Errors
///
/// `"no_keys"`, `"bad_expiry"`, `"invalid_request"`, `"invalid_argument"`.
#[wasm_bindgen(js_name = issueToken, unchecked_return_type = "IssuedTokenJson")]
pub fn issue_token(
    keys: &KeyRing,
    #[wasm_bindgen(unchecked_param_type = "TokenRequestJson")] request: JsValue,
    #[wasm_bindgen(js_name = nowS)] now_s: f64,
) -> Result<JsValue, LockerError> {
    let (token, record) = signed_token(keys, &request, now_s)?;
    to_js(&Issued {
        pin: None,
        token: Some(token.expose()),
        record: &record,
    })
}

/// Signs a remote command with the newest key and a fresh nonce, as a back
/// end would: one door of one bank, for one resident's parcels, for the
/// window `request` gives. Send it to the locker, which opens the door
/// with `Locker.openRemote`.
///
/// # Errors
///
/// `"no_keys"`, `"bad_expiry"` for an empty window, `"invalid_request"`
/// for a pickup naming no recipient, `"invalid_argument"`.
#[wasm_bindgen(js_name = signRemoteCommand, unchecked_return_type = "RemoteCommandJson")]
pub fn sign_remote_command(
    keys: &KeyRing,
    #[wasm_bindgen(unchecked_param_type = "RemoteRequestJson")] request: JsValue,
) -> Result<JsValue, LockerError> {
    let request: core_cred::RemoteRequest = from_js(&request, "request")?;
    let mut rng = crypto_rng()?;
    to_js(&core_cred::sign_remote_command(
        &keys.0, &mut rng, &request,
    )?)
}

/// A secret to hand to its holder and the public record of it: `{ pin,
/// record }` or `{ token, record }`.
#[derive(Serialize)]
pub(crate) struct Issued<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) pin: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) token: Option<&'a str>,
    pub(crate) record: &'a core_cred::CredentialRecord,
}

/// The arguments of `issueToken` converted, and the token signed with the
/// newest key and Web Crypto randomness.
fn signed_token(
    keys: &KeyRing,
    request: &JsValue,
    now_s: f64,
) -> Result<(core_cred::TokenSecret, core_cred::CredentialRecord), LockerError> {
    let request: TokenRequest = from_js(request, "request")?;
    let now_s = u64_arg(now_s, "nowS")?;
    let mut rng = crypto_rng()?;
    Ok(core_cred::issue_token(&keys.0, &mut rng, &request, now_s)?)
}

/// Checks a QR token's tag (with the site's `keys`) or Ed25519 signature
/// (with `issuers`, the back ends' public keys: `[]` for none) and its
/// expiry, for bank `bank`, without any record; returns its claims. A
/// token for another bank is refused.
///
/// # Errors
///
/// `"malformed_token"`, `"unknown_key_id"`, `"rejected"` (a bad tag or
/// signature, another bank), `"expired"`, `"invalid_argument"`.
#[wasm_bindgen(js_name = verifyTokenOffline, unchecked_return_type = "TokenClaimsJson")]
pub fn verify_token_offline(
    keys: &KeyRing,
    #[wasm_bindgen(unchecked_param_type = "IssuerKeyJson[]")] issuers: JsValue,
    #[wasm_bindgen(unchecked_param_type = "number | string")] bank: JsValue,
    #[wasm_bindgen(unchecked_param_type = "string")] token: JsValue,
    #[wasm_bindgen(js_name = nowS)] now_s: f64,
) -> Result<JsValue, LockerError> {
    let issuers: Vec<core_cred::IssuerKey> = from_js(&issuers, "issuers")?;
    let token = secret_text(&token, "token")?;
    let bank: core_cred::BankId = from_js(&bank, "bank")?;
    let now_s = u64_arg(now_s, "nowS")?;
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
    let keys: KeyRing = instance(&keys, "keys", "KeyRing")?;
    let bank: core_cred::BankId = from_js(&bank, "bank")?;
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
