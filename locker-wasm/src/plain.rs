//! Verification results as plain objects, built in one call.
//!
//! A kiosk verifies a credential on every PIN typed and every QR code
//! scanned, so these results skip the JSON route of [`to_js`](crate::convert::to_js)
//! (serialize, big integers as strings, copy the text out, `JSON.parse`): the
//! module hands the fields to a small JavaScript constructor
//! (`js/plain.js`) instead. The objects have the core's JSON shape, the same
//! keys in the same order, integers beyond 2^53 − 1 as decimal strings; the
//! tests below hold the constructors' keys to the core's serializer.

use locker_core::CompartmentId;
use locker_core::credential::{Grant, TokenClaims};
use wasm_bindgen::prelude::*;

use crate::convert::{exact_f64, u64_to_js};
use crate::credential::PurposeName;

pub use channel_name::ChannelName;
pub use signer_name::SignerName;

mod signer_name {
    // wasm-bindgen adds undocumented parts to a string enum (a hidden
    // `__Invalid` variant, `from_js_value`).
    #![allow(missing_docs)]

    use locker_core::credential::TokenSigner;
    use wasm_bindgen::prelude::*;

    /// Who signed a token (`"site"`, `"issuer"`, `"legacy"`): the core's
    /// `TokenSigner` by its JSON name, so it crosses as a number.
    #[wasm_bindgen(js_name = TokenSigner)]
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub enum SignerName {
        /// An HMAC tag under the site's token key.
        Site = "site",
        /// An Ed25519 signature by a back end.
        Issuer = "issuer",
        /// A version-2 tag (a legacy record).
        Legacy = "legacy",
    }

    impl From<TokenSigner> for SignerName {
        fn from(signer: TokenSigner) -> Self {
            match signer {
                TokenSigner::Site => Self::Site,
                TokenSigner::Issuer => Self::Issuer,
                TokenSigner::Legacy => Self::Legacy,
            }
        }
    }

    #[cfg(test)]
    mod tests {
        #![allow(clippy::unwrap_used)]

        use super::*;

        #[test]
        fn every_core_signer_has_its_json_name_in_javascript() {
            for signer in [TokenSigner::Site, TokenSigner::Issuer, TokenSigner::Legacy] {
                let json = serde_json::to_value(signer).unwrap();
                let name = SignerName::from_str(json.as_str().unwrap()).unwrap();
                assert_eq!(SignerName::from(signer), name);
            }
        }
    }
}

mod channel_name {
    // wasm-bindgen adds undocumented parts to a string enum (a hidden
    // `__Invalid` variant, `from_js_value`).
    #![allow(missing_docs)]

    use locker_core::credential::Channel;
    use wasm_bindgen::prelude::*;

    /// How a credential was presented (`"pin"`, `"qr"`, `"rfid"`,
    /// `"courier"`, `"remote"`): the core's `Channel` by its JSON name, so a
    /// grant's channel crosses as a number.
    #[wasm_bindgen(js_name = Channel)]
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub enum ChannelName {
        /// Digits typed on the keypad.
        Pin = "pin",
        /// A QR token shown to the scanner.
        Qr = "qr",
        /// An RFID tag tapped on the reader.
        Rfid = "rfid",
        /// A courier code typed on the keypad.
        Courier = "courier",
        /// A signed remote command.
        Remote = "remote",
    }

    impl From<Channel> for ChannelName {
        fn from(channel: Channel) -> Self {
            match channel {
                Channel::Pin => Self::Pin,
                Channel::Qr => Self::Qr,
                Channel::Rfid => Self::Rfid,
                Channel::Courier => Self::Courier,
                Channel::Remote => Self::Remote,
            }
        }
    }

    #[cfg(test)]
    mod tests {
        #![allow(clippy::unwrap_used)]

        use super::*;

        #[test]
        fn every_core_channel_has_its_json_name_in_javascript() {
            let channels = [
                Channel::Pin,
                Channel::Qr,
                Channel::Rfid,
                Channel::Courier,
                Channel::Remote,
            ];
            for channel in channels {
                let json = serde_json::to_value(channel).unwrap();
                let name = ChannelName::from_str(json.as_str().unwrap()).unwrap();
                assert_eq!(ChannelName::from(channel), name);
            }
        }
    }
}

#[wasm_bindgen(module = "/js/plain.js")]
extern "C" {
    #[wasm_bindgen(js_name = grant)]
    #[allow(clippy::too_many_arguments)] // one per field of the core's `Grant`
    fn grant_object(
        id_number: f64,
        id_bigint: u64,
        channel: ChannelName,
        purpose: PurposeName,
        compartments: &[u32],
        recipient: JsValue,
        carrier: JsValue,
        expires_at_s: JsValue,
        single_use: bool,
    ) -> JsValue;

    #[wasm_bindgen(js_name = tokenClaims)]
    #[allow(clippy::too_many_arguments)] // one per field of the core's `TokenClaims`
    fn claims_object(
        version: u8,
        key_id: u16,
        signer: SignerName,
        id_number: f64,
        id_bigint: u64,
        purpose: PurposeName,
        recipient: JsValue,
        compartments: &[u32],
        issued_at_s: JsValue,
        expires_at_s: JsValue,
    ) -> JsValue;
}

/// A grant as a `GrantJson` object.
#[must_use]
pub fn grant(grant: &Grant) -> JsValue {
    grant_object(
        exact_number(grant.credential_id.0),
        grant.credential_id.0,
        grant.channel.into(),
        grant.purpose.into(),
        &ids(&grant.compartments),
        grant.recipient.map_or(JsValue::NULL, |r| u64_to_js(r.0)),
        grant.carrier.map_or(JsValue::NULL, |c| c.0.into()),
        grant.expires_at_s.map_or(JsValue::UNDEFINED, u64_to_js),
        grant.single_use,
    )
}

/// A token's claims as a `TokenClaimsJson` object.
#[must_use]
pub fn token_claims(claims: &TokenClaims) -> JsValue {
    claims_object(
        claims.version,
        claims.key_id.0,
        claims.signer.into(),
        exact_number(claims.credential_id.0),
        claims.credential_id.0,
        claims.purpose.into(),
        claims.recipient.map_or(JsValue::NULL, |r| u64_to_js(r.0)),
        &ids(&claims.compartments),
        u64_to_js(claims.issued_at_s),
        u64_to_js(claims.expires_at_s),
    )
}

/// A 64-bit id as a JavaScript number when exact, else NaN: the
/// constructors then write the id, passed beside it as a `BigInt`, as a
/// decimal string. Random credential ids are almost always that large, and
/// a `BigInt`'s digits are written in JavaScript faster than a string
/// crosses out of the module (0.13 µs of a 1.8 µs verification).
fn exact_number(value: u64) -> f64 {
    exact_f64(value).unwrap_or(f64::NAN)
}

/// Compartment ids as the constructors take them.
fn ids(compartments: &[CompartmentId]) -> Vec<u32> {
    compartments.iter().map(|c| c.0).collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use locker_core::RecipientId;
    use locker_core::credential::{CarrierId, Channel, CredentialId, KeyId, Purpose, TokenSigner};

    use super::*;
    use crate::convert::MAX_SAFE_INTEGER;

    /// The keys of the object literal `export function {name}` in
    /// `js/plain.js` returns, in order.
    fn constructor_keys(name: &str) -> Vec<String> {
        let source = include_str!("../js/plain.js");
        let function = source.find(&format!("export function {name}(")).unwrap();
        let literal = function + source[function..].find("return {").unwrap() + "return {".len();
        let end = literal + source[literal..].find('}').unwrap();
        source[literal..end]
            .split(',')
            .map(|key| key.trim().to_owned())
            .collect()
    }

    #[test]
    fn ids_are_numbers_up_to_the_largest_exact_javascript_integer() {
        assert!(exact_number(0) == 0.0);
        assert!(exact_number(MAX_SAFE_INTEGER) == 9_007_199_254_740_991.0);
        assert!(exact_number(MAX_SAFE_INTEGER + 1).is_nan());
        assert!(exact_number(u64::MAX).is_nan());
    }

    /// The keys of a serialized struct, in the serializer's order.
    fn serde_keys(value: &impl serde::Serialize) -> Vec<String> {
        let text = serde_json::to_string(value).unwrap();
        let map: serde_json::Map<String, serde_json::Value> = serde_json::from_str(&text).unwrap();
        let mut keys: Vec<String> = map.keys().cloned().collect();
        // `Map` may sort; the text gives the order.
        keys.sort_by_key(|key| text.find(&format!("\"{key}\":")).unwrap());
        keys
    }

    #[test]
    fn constructors_use_the_core_keys_in_the_core_order() {
        let grant = Grant {
            credential_id: CredentialId(u64::MAX),
            channel: Channel::Courier,
            purpose: Purpose::CourierDropOff,
            compartments: vec![CompartmentId(3)],
            recipient: Some(RecipientId(7)),
            carrier: Some(CarrierId(9)),
            expires_at_s: Some(1),
            single_use: true,
        };
        assert_eq!(constructor_keys("grant"), serde_keys(&grant));
        let claims = TokenClaims {
            version: 1,
            key_id: KeyId(2),
            signer: TokenSigner::Issuer,
            credential_id: CredentialId(3),
            purpose: Purpose::Pickup,
            recipient: Some(RecipientId(8)),
            compartments: vec![CompartmentId(4)],
            issued_at_s: 5,
            expires_at_s: 6,
        };
        assert_eq!(constructor_keys("tokenClaims"), serde_keys(&claims));
    }
}
