//! Back-end issuing with Ed25519 (the core's `ed25519` feature): a back
//! end's signing key, and QR tokens, remote commands and times signed with
//! it. A bank whose policy lists the key's public half
//! (`credentials.issuers`) takes back-end tokens and remote commands only
//! when so signed, so a stolen locker mints nothing.

use locker_core::credential::{self as core_cred, KeyId, RemoteRequest, TokenRequest};
use wasm_bindgen::prelude::*;

use crate::convert::{from_js, instance, rng_arg, secret_value, to_js, u16_value, u64_value};
use crate::credential::Issued;
use crate::error::LockerError;

/// A back end's Ed25519 signing key: signs QR tokens, remote commands and
/// times that banks listing its public key accept. It lives in the back
/// end only; give banks `publicKey()`.
///
/// ```js
/// const signer = IssuerSigningKey.generate(1);
/// const config = { bank, bank_id: 31, credentials: { issuers: [signer.publicKey()] } };
/// const { token } = issueTokenSigned(signer,
///   { bank: 31, purpose: "pickup", compartments: [door], recipient: 12, expires_at_s }, nowS);
/// ```
#[wasm_bindgen]
#[derive(Clone, Debug)]
pub struct IssuerSigningKey(core_cred::IssuerSigningKey);

#[wasm_bindgen]
impl IssuerSigningKey {
    /// A fresh key with id `keyId` (0 to 65535, its own numbering, apart
    /// from the site keys'), from `crypto.getRandomValues` or from
    /// `entropy` (32 bytes, checked as the core checks caller-given
    /// entropy).
    ///
    /// # Errors
    ///
    /// `"invalid_argument"` for a bad id or entropy that is not 32 bytes,
    /// `"weak_entropy"`, `"entropy_unavailable"`, `"weak_key"`.
    pub fn generate(
        #[wasm_bindgen(js_name = keyId, unchecked_param_type = "number")] key_id: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "Uint8Array")] entropy: Option<JsValue>,
    ) -> Result<Self, LockerError> {
        let key_id = KeyId(u16_value(&key_id, "keyId")?);
        let mut rng = rng_arg(entropy)?;
        Ok(Self(core_cred::IssuerSigningKey::generate(
            key_id, &mut rng,
        )?))
    }

    /// The key with id `keyId` from its 32 secret bytes (as `toBytes`
    /// gave them); the caller's array is left as it was.
    ///
    /// # Errors
    ///
    /// `"invalid_argument"` for a bad id or anything but 32 bytes in a
    /// `Uint8Array`, `"weak_key"` for bytes no random source would give
    /// (all zeros, a repeated byte or short pattern, typed text).
    #[wasm_bindgen(js_name = fromBytes)]
    pub fn from_bytes(
        #[wasm_bindgen(js_name = keyId, unchecked_param_type = "number")] key_id: JsValue,
        #[wasm_bindgen(unchecked_param_type = "Uint8Array")] bytes: JsValue,
    ) -> Result<Self, LockerError> {
        let key_id = KeyId(u16_value(&key_id, "keyId")?);
        let secret = secret_value(&bytes, "bytes")?;
        Ok(Self(core_cred::IssuerSigningKey::from_bytes(
            key_id, *secret,
        )?))
    }

    /// The key's id.
    #[wasm_bindgen(getter, js_name = keyId)]
    #[must_use]
    pub fn key_id(&self) -> u16 {
        self.0.id().0
    }

    /// The public key to list in banks' `credentials.issuers`.
    ///
    /// # Errors
    ///
    /// Never in practice.
    #[wasm_bindgen(js_name = publicKey, unchecked_return_type = "IssuerKeyJson")]
    pub fn public_key(&self) -> Result<JsValue, LockerError> {
        to_js(&self.0.public_key())
    }

    /// The 32 secret bytes, for the back end's sealed storage. Anyone who
    /// has them can sign for every bank that lists this key.
    #[wasm_bindgen(js_name = toBytes)]
    #[must_use]
    pub fn to_bytes(&self) -> js_sys::Uint8Array {
        // Copied straight into JavaScript from a buffer wiped on drop.
        js_sys::Uint8Array::from(&self.0.to_secret_bytes()[..])
    }

    /// A copy of the key (its own object).
    #[wasm_bindgen(js_name = clone)]
    #[must_use]
    pub fn copy(&self) -> Self {
        self.clone()
    }
}

/// The signing key argument of the functions below.
fn signer_arg(value: &JsValue) -> Result<IssuerSigningKey, LockerError> {
    instance(value, "signer", "IssuerSigningKey")
}

/// Issues a QR token signed with a back end's Ed25519 key, for banks that
/// list its public key: returns `{ token, record }`. A pickup token names
/// its recipient and opens only that recipient's parcels, at the bank
/// `request.bank` only, within the bank's caps on tokens without a record.
///
/// # Errors
///
/// `"invalid_request"` (a pickup naming no recipient, too many or repeated
/// doors), `"bad_expiry"`, `"invalid_argument"`.
#[wasm_bindgen(js_name = issueTokenSigned, unchecked_return_type = "IssuedTokenJson")]
pub fn issue_token_signed(
    #[wasm_bindgen(unchecked_param_type = "IssuerSigningKey")] signer: JsValue,
    #[wasm_bindgen(unchecked_param_type = "TokenRequestJson")] request: JsValue,
    #[wasm_bindgen(js_name = nowS, unchecked_param_type = "number")] now_s: JsValue,
    #[wasm_bindgen(unchecked_optional_param_type = "Uint8Array")] entropy: Option<JsValue>,
) -> Result<JsValue, LockerError> {
    let signer = signer_arg(&signer)?;
    let request: TokenRequest = from_js(&request, "request")?;
    let now_s = u64_value(&now_s, "nowS")?;
    let mut rng = rng_arg(entropy)?;
    let (token, record) = core_cred::issue_token_signed(&signer.0, &mut rng, &request, now_s)?;
    to_js(&Issued {
        token: Some(token.expose()),
        ..Issued::of(&record)
    })
}

/// Signs a remote command with a back end's Ed25519 key and a fresh nonce:
/// one door of one bank, for one resident's parcels, for the window
/// `request` gives. Banks that list the key's public half open the door
/// with `Locker#openRemote`.
///
/// # Errors
///
/// `"bad_expiry"` for an empty window, `"invalid_request"` for a pickup
/// naming no recipient, `"invalid_argument"`.
#[wasm_bindgen(js_name = signRemoteCommandEd25519, unchecked_return_type = "RemoteCommandJson")]
pub fn sign_remote_command_ed25519(
    #[wasm_bindgen(unchecked_param_type = "IssuerSigningKey")] signer: JsValue,
    #[wasm_bindgen(unchecked_param_type = "RemoteRequestJson")] request: JsValue,
    #[wasm_bindgen(unchecked_optional_param_type = "Uint8Array")] entropy: Option<JsValue>,
) -> Result<JsValue, LockerError> {
    let signer = signer_arg(&signer)?;
    let request: RemoteRequest = from_js(&request, "request")?;
    let mut rng = rng_arg(entropy)?;
    to_js(&core_cred::sign_remote_command_ed25519(
        &signer.0, &mut rng, &request,
    )?)
}

/// Signs the time `timeS` for bank `bank` with a back end's Ed25519 key
/// (`Locker#confirmSignedTime` takes it at banks that list the key).
///
/// # Errors
///
/// `"invalid_argument"`.
#[wasm_bindgen(js_name = signTimeEd25519, unchecked_return_type = "SignedTimeJson")]
pub fn sign_time_ed25519(
    #[wasm_bindgen(unchecked_param_type = "IssuerSigningKey")] signer: JsValue,
    #[wasm_bindgen(unchecked_param_type = "number | string")] bank: JsValue,
    #[wasm_bindgen(js_name = timeS, unchecked_param_type = "number")] time_s: JsValue,
) -> Result<JsValue, LockerError> {
    let signer = signer_arg(&signer)?;
    let bank = crate::credential::bank_arg(&bank)?;
    let time_s = u64_value(&time_s, "timeS")?;
    to_js(&core_cred::sign_time_ed25519(&signer.0, bank, time_s))
}
