//! Plain JavaScript values in and out: objects through the core's serde
//! JSON shapes (snake_case fields), numbers checked before they become ids
//! or times, randomness from `crypto.getRandomValues`.
//!
//! JavaScript numbers are exact up to 2^53 − 1. Journal record version 3
//! writes no larger number; 64-bit values of older records and of hosts'
//! own ids leave as decimal strings and are accepted back as such.

use chacha20::ChaCha20Rng;
use js_sys::{JSON, Reflect, Uint8Array};
use locker_core::credential::rng_from_entropy;

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde::de::value::StrDeserializer;
use wasm_bindgen::prelude::*;

use crate::error::LockerError;
use crate::js_json::{self, Numbers};

/// The largest integer a JavaScript number holds exactly.
pub use locker_core::MAX_SAFE_INTEGER;

/// A core value as a plain JavaScript value (object, array, string…).
///
/// # Errors
///
/// `"internal"` if the value does not serialize (never for core types).
pub fn to_js<T: Serialize>(value: &T) -> Result<JsValue, LockerError> {
    // The core's compact JSON (the integers JavaScript cannot hold as
    // strings), then one `JSON.parse`.
    let text = js_json::write(value)
        .map_err(|error| LockerError::with_code("internal", &error.to_string()))?;
    JSON::parse(&text)
        .map_err(|_| LockerError::with_code("internal", "JSON.parse refused a core value"))
}

/// A plain JavaScript value (an object, or a number or string for an id)
/// as a core value, through its JSON shape; lists go through
/// [`list_from_js`].
///
/// # Errors
///
/// `"invalid_argument"` naming `what` and the bad field when the value does
/// not have the shape (a wrong type, a missing field, a fraction, …), is
/// an array (which serde would read as the fields in order) or an object
/// of the package's classes, or holds a number beyond 2^53 − 1 (already
/// rounded: a 64-bit id from `JSON.parse` of a back end's message, say).
pub fn from_js<T: DeserializeOwned>(value: &JsValue, what: &str) -> Result<T, LockerError> {
    not_an_instance(value, what)?;
    if js_sys::Array::is_array(value) {
        // Serde would read an array as a struct's fields in order: an
        // object is wanted, with its fields named.
        return Err(LockerError::invalid_argument(
            what,
            "expected an object (or a number or string where the type says so), got an array",
        ));
    }
    any_from_js(value, what)
}

/// A list (`Vec<T>`) from a JavaScript array, through its JSON shape.
///
/// # Errors
///
/// `"invalid_argument"` for anything but an array, and as [`from_js`].
pub fn list_from_js<T: DeserializeOwned>(
    value: &JsValue,
    what: &str,
) -> Result<Vec<T>, LockerError> {
    if !js_sys::Array::is_array(value) {
        return Err(LockerError::invalid_argument(
            what,
            &format!("expected an array, got {}", kind_of(value)),
        ));
    }
    any_from_js(value, what)
}

/// Refuses an object of the package's classes where plain data is wanted
/// (its JSON would be `{"__wbg_ptr": …}` or `{}`, its `length` a getter's).
///
/// # Errors
///
/// `"invalid_argument"` naming the class.
pub fn not_an_instance(value: &JsValue, what: &str) -> Result<(), LockerError> {
    match package_class(value) {
        Some(class) => Err(LockerError::invalid_argument(
            what,
            &format!("expected plain data, got a {class}"),
        )),
        None => Ok(()),
    }
}

fn any_from_js<T: DeserializeOwned>(value: &JsValue, what: &str) -> Result<T, LockerError> {
    let text = JSON::stringify(value)
        .ok()
        .and_then(|text| text.as_string())
        .ok_or_else(|| LockerError::invalid_argument(what, "expected a JSON value"))?;
    // An integer beyond 2^53 - 1 in it lost its last digits before it got
    // here: the reader refuses it.
    read(&text, Numbers::Rounded, what)
}

/// As [`from_js`], but a string is taken as JSON text.
///
/// # Errors
///
/// As [`from_js`].
pub fn from_js_or_text<T: DeserializeOwned>(value: &JsValue, what: &str) -> Result<T, LockerError> {
    match value.as_string() {
        Some(text) => {
            refuse_array_text(&text, what)?;
            read(&text, Numbers::Exact, what)
        }
        None => from_js(value, what),
    }
}

/// Refuses JSON text that is an array where an object is wanted (serde
/// would read it as the fields in order).
///
/// # Errors
///
/// `"invalid_argument"` for text starting with `[`.
pub fn refuse_array_text(text: &str, what: &str) -> Result<(), LockerError> {
    if text.trim_start().starts_with('[') {
        return Err(LockerError::invalid_argument(
            what,
            "expected a JSON object, got an array",
        ));
    }
    Ok(())
}

/// The core value in `text`, its integers also given as decimal strings.
fn read<T: DeserializeOwned>(text: &str, numbers: Numbers, what: &str) -> Result<T, LockerError> {
    js_json::read(text, numbers)
        .map_err(|error| LockerError::invalid_argument(what, &error.to_string()))
}

/// A unit enum of the core (a purpose, an error-correction level…) from
/// its snake_case name, without a JSON round trip.
pub fn named<T: DeserializeOwned>(name: &str) -> Option<T> {
    T::deserialize(StrDeserializer::<serde::de::value::Error>::new(name)).ok()
}

/// A whole number in `0..=max`, from a JavaScript number.
///
/// # Errors
///
/// `"invalid_argument"` for NaN, a fraction, a negative number or one above
/// `max`.
pub fn whole(value: f64, max: u64, what: &str) -> Result<u64, LockerError> {
    if !(value.is_finite() && value >= 0.0 && value.fract() == 0.0) {
        return Err(LockerError::invalid_argument(
            what,
            &format!("{} is not a whole number ≥ 0", number_text(value)),
        ));
    }
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let whole = value as u64; // finite, ≥ 0 and integral: exact below 2^64
    if whole > max {
        return Err(LockerError::invalid_argument(
            what,
            &format!("{} is more than {max}", number_text(value)),
        ));
    }
    Ok(whole)
}

/// A number as JavaScript prints it (keeps Rust's float formatting out of
/// the module).
fn number_text(value: f64) -> String {
    js_sys::Number::from(value)
        .to_string_with_radix(10)
        .map(String::from)
        .unwrap_or_default()
}

/// A 32-bit id or count.
///
/// # Errors
///
/// As [`whole`].
pub fn u32_arg(value: f64, what: &str) -> Result<u32, LockerError> {
    let n = whole(value, u64::from(u32::MAX), what)?;
    u32::try_from(n).map_err(|_| LockerError::invalid_argument(what, "out of range"))
}

/// A 64-bit id or time in seconds (up to 2^53 − 1).
///
/// # Errors
///
/// As [`whole`].
pub fn u64_arg(value: f64, what: &str) -> Result<u64, LockerError> {
    whole(value, MAX_SAFE_INTEGER, what)
}

/// A 64-bit value as a JavaScript number, when a number holds it exactly
/// (at most 2^53 − 1).
#[must_use]
pub fn exact_f64(value: u64) -> Option<f64> {
    #[allow(clippy::cast_precision_loss)]
    (value <= MAX_SAFE_INTEGER).then_some(value as f64) // exact: at most 2^53 − 1
}

/// A 64-bit value as a JavaScript number when exact, otherwise a string.
#[must_use]
pub fn u64_to_js(value: u64) -> JsValue {
    exact_f64(value).map_or_else(|| JsValue::from_str(&value.to_string()), JsValue::from_f64)
}

/// What a JavaScript value is, for a message: `typeof`, with `null`,
/// arrays and instances of classes named (`a KeyRing`).
pub(crate) fn kind_of(value: &JsValue) -> String {
    describe(value)
}

/// A JavaScript number (`typeof` `"number"`), as it is.
///
/// # Errors
///
/// `"invalid_argument"` for anything else (a string, a `BigInt`, `null`,
/// a symbol, …): nothing is converted silently.
pub fn number_value(value: &JsValue, what: &str) -> Result<f64, LockerError> {
    value.as_f64().ok_or_else(|| {
        LockerError::invalid_argument(what, &format!("expected a number, got {}", kind_of(value)))
    })
}

/// A 16-bit id (a key id) from a JavaScript number.
///
/// # Errors
///
/// `"invalid_argument"` for anything but a whole number in `0..=65535`.
pub fn u16_value(value: &JsValue, what: &str) -> Result<u16, LockerError> {
    let n = whole(number_value(value, what)?, u64::from(u16::MAX), what)?;
    u16::try_from(n).map_err(|_| LockerError::invalid_argument(what, "out of range"))
}

/// A 32-bit id or count (a door, a kiosk, a carrier) from a JavaScript
/// number.
///
/// # Errors
///
/// `"invalid_argument"` for anything but a whole number in
/// `0..=4294967295`.
pub fn u32_value(value: &JsValue, what: &str) -> Result<u32, LockerError> {
    u32_arg(number_value(value, what)?, what)
}

/// An optional argument: `None` for `undefined` and `null`.
#[must_use]
pub fn given(value: Option<JsValue>) -> Option<JsValue> {
    value.filter(|v| !v.is_undefined() && !v.is_null())
}

/// A count or time (up to 2^53 − 1) from a JavaScript number.
///
/// # Errors
///
/// `"invalid_argument"` for anything but a whole number ≥ 0 a JavaScript
/// number holds exactly.
pub fn u64_value(value: &JsValue, what: &str) -> Result<u64, LockerError> {
    whole(number_value(value, what)?, MAX_SAFE_INTEGER, what)
}

/// A string, as it is.
///
/// # Errors
///
/// `"invalid_argument"` for anything that is not a string (a number is
/// not turned into its digits).
pub fn text_value(value: &JsValue, what: &str) -> Result<String, LockerError> {
    value.as_string().ok_or_else(|| {
        LockerError::invalid_argument(what, &format!("expected a string, got {}", kind_of(value)))
    })
}

/// A secret string (a PIN, a token, a code), in a buffer wiped on drop.
///
/// # Errors
///
/// As [`text_value`].
pub fn secret_text(value: &JsValue, what: &str) -> Result<zeroize::Zeroizing<String>, LockerError> {
    text_value(value, what).map(zeroize::Zeroizing::new)
}

/// A fresh copy of `value` when it is a real `Uint8Array`: read through
/// the built-in typed-array getters, never a member of the value itself
/// (an own `length` that lies, a getter that throws, a `Proxy`), since an
/// exception thrown outside a `catch` import unwinds through the module
/// and leaves it unusable.
pub(crate) fn real_bytes(value: &JsValue) -> Option<Uint8Array> {
    own_bytes(value)
        .ok()
        .filter(|copy| !copy.is_undefined())
        .map(JsCast::unchecked_into)
}

/// Writes `bytes` into `target`, a real `Uint8Array` of their length
/// (checked as [`real_bytes`] does); false for anything else.
pub(crate) fn write_real_bytes(target: &JsValue, bytes: &[u8]) -> bool {
    set_bytes(target, &Uint8Array::from(bytes)).unwrap_or(false)
}

/// The bytes of a `Uint8Array` (an RFID tag's UID).
///
/// # Errors
///
/// `"invalid_argument"` for anything but a `Uint8Array`.
pub fn bytes_value(value: &JsValue, what: &str) -> Result<Vec<u8>, LockerError> {
    real_bytes(value)
        .map(|bytes| bytes.to_vec())
        .ok_or_else(|| {
            LockerError::invalid_argument(
                what,
                &format!("expected a Uint8Array, got {}", kind_of(value)),
            )
        })
}

/// A boolean, as it is.
///
/// # Errors
///
/// `"invalid_argument"` for anything that is not `true` or `false`.
pub fn bool_value(value: &JsValue, what: &str) -> Result<bool, LockerError> {
    value.as_bool().ok_or_else(|| {
        LockerError::invalid_argument(what, &format!("expected a boolean, got {}", kind_of(value)))
    })
}

/// The 32 bytes of a secret from a `Uint8Array`, in a buffer wiped on
/// drop; the caller's array is left as it was.
///
/// # Errors
///
/// `"invalid_argument"` for anything but a `Uint8Array` of 32 bytes.
pub fn secret_value(
    value: &JsValue,
    what: &str,
) -> Result<zeroize::Zeroizing<[u8; 32]>, LockerError> {
    let Some(bytes) = real_bytes(value) else {
        return Err(LockerError::invalid_argument(
            what,
            &format!("expected a Uint8Array of 32 bytes, got {}", kind_of(value)),
        ));
    };
    if bytes.length() != 32 {
        return Err(LockerError::invalid_argument(
            what,
            &format!("expected 32 bytes, got {}", bytes.length()),
        ));
    }
    let mut secret = zeroize::Zeroizing::new([0_u8; 32]);
    bytes.copy_to(secret.as_mut());
    // The copy held the secret too: wipe it.
    bytes.fill(0, 0, 32);
    Ok(secret)
}

/// An instance of one of the package's classes (`KeyRing`,
/// `CourierSession`, `IssuerSigningKey`, `Dimensions`), given as an
/// argument or inside an options object: a copy of it, made by the class's
/// own `clone()`, so the caller's object stays theirs and usable.
///
/// # Errors
///
/// `"invalid_argument"` naming `what` and `class` for anything else, and
/// for an instance that was freed.
pub fn instance<T: wasm_bindgen::convert::TryFromJsValue>(
    value: &JsValue,
    what: &str,
    class: &str,
) -> Result<T, LockerError> {
    let wrong = || {
        LockerError::invalid_argument(what, &format!("expected a {class}, got {}", kind_of(value)))
    };
    match instance_state(value, class) {
        LIVE => {}
        FREED => {
            return Err(LockerError::invalid_argument(
                what,
                &format!("the {class} was freed (free() was called on it) and cannot be used"),
            ));
        }
        _ => return Err(wrong()),
    }
    let copy = copy_of(value, class).map_err(|_| wrong())?;
    // Takes the fresh copy (and only it) out of JavaScript.
    T::try_from_js_value(copy).map_err(|_| wrong())
}

/// Refuses an instance of `class` that was freed (a live one, or any
/// other value, passes).
///
/// # Errors
///
/// `"invalid_argument"` naming `what`.
pub fn not_freed(value: &JsValue, what: &str, class: &str) -> Result<(), LockerError> {
    if instance_state(value, class) == FREED {
        return Err(LockerError::invalid_argument(
            what,
            &format!("the {class} was freed (free() was called on it) and cannot be used"),
        ));
    }
    Ok(())
}

/// [`instance_state`]: a live instance of the class.
const LIVE: u32 = 2;
/// [`instance_state`]: an instance that was freed.
const FREED: u32 = 1;

#[wasm_bindgen(module = "/js/errors.js")]
extern "C" {
    /// A fresh copy of a real `Uint8Array`, read through the built-in
    /// getters; `undefined` for anything else.
    #[wasm_bindgen(js_name = ownBytes, catch)]
    fn own_bytes(value: &JsValue) -> Result<JsValue, JsValue>;

    /// Writes `source` into `target` through the built-in `set` when
    /// `target` is a real `Uint8Array` of the same length.
    #[wasm_bindgen(js_name = setBytes, catch)]
    fn set_bytes(target: &JsValue, source: &Uint8Array) -> Result<bool, JsValue>;

    /// 2 for a live instance of the class named, 1 for a freed one, 0 for
    /// anything else.
    #[wasm_bindgen(js_name = instanceState)]
    fn instance_state(value: &JsValue, class: &str) -> u32;

    /// A copy of a live instance, by its class's `clone()`.
    #[wasm_bindgen(js_name = copyOf, catch)]
    fn copy_of(value: &JsValue, class: &str) -> Result<JsValue, JsValue>;

    /// What a value is, for a message (`null`, `an array`, `a KeyRing`,
    /// `number`, …).
    fn describe(value: &JsValue) -> String;

    /// The package class `value` is an instance of, if any.
    #[wasm_bindgen(js_name = packageClass)]
    fn package_class(value: &JsValue) -> Option<String>;
}

/// An options object read one known field at a time: `undefined` or
/// `null` is no options; a field it does not know is refused when
/// [`Options::finish`] is called, as the core refuses unknown JSON fields.
#[derive(Debug)]
pub struct Options {
    value: JsValue,
    what: &'static str,
    known: Vec<&'static str>,
}

impl Options {
    /// The options in `value`, or `None` when it is `undefined` or `null`.
    ///
    /// # Errors
    ///
    /// `"invalid_argument"` for anything but a plain object.
    pub fn new(value: &JsValue, what: &'static str) -> Result<Option<Self>, LockerError> {
        if value.is_undefined() || value.is_null() {
            return Ok(None);
        }
        if !value.is_object()
            || js_sys::Array::is_array(value)
            || value.is_function()
            || package_class(value).is_some()
        {
            return Err(LockerError::invalid_argument(
                what,
                &format!("expected an options object, got {}", kind_of(value)),
            ));
        }
        Ok(Some(Self {
            value: value.clone(),
            what,
            known: Vec::new(),
        }))
    }

    /// The field `name`, or `None` when it is absent or `undefined`.
    ///
    /// # Errors
    ///
    /// `"invalid_argument"` when reading it throws (a getter).
    pub fn get(&mut self, name: &'static str) -> Result<Option<JsValue>, LockerError> {
        self.known.push(name);
        let field = Reflect::get(&self.value, &JsValue::from_str(name)).map_err(|_| {
            LockerError::invalid_argument(self.what, &format!("cannot read {name}"))
        })?;
        Ok((!field.is_undefined()).then_some(field))
    }

    /// Checks that every field was one of those read.
    ///
    /// # Errors
    ///
    /// `"invalid_argument"` naming the first unknown field.
    pub fn finish(self) -> Result<(), LockerError> {
        let keys = js_sys::Reflect::own_keys(&self.value)
            .map_err(|_| LockerError::invalid_argument(self.what, "cannot list the fields"))?;
        for key in keys.iter() {
            let name = key.as_string();
            if !name.as_deref().is_some_and(|n| self.known.contains(&n)) {
                let shown = name.unwrap_or_else(|| "a symbol".into());
                return Err(LockerError::invalid_argument(
                    self.what,
                    &format!(
                        "unknown field `{shown}`, expected one of {}",
                        self.known
                            .iter()
                            .map(|k| format!("`{k}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                ));
            }
        }
        Ok(())
    }
}

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = crypto, js_name = getRandomValues, catch)]
    fn get_random_values(buf: &Uint8Array) -> Result<JsValue, JsValue>;
}

/// A generator seeded with 32 bytes from `crypto.getRandomValues` (Web
/// Crypto: browsers and Node ≥ 20), checked as caller-given entropy is
/// (`rng_from_entropy`): a broken source is refused, not used.
///
/// # Errors
///
/// `"entropy_unavailable"` when there is no Web Crypto, `"weak_entropy"`
/// when it gave bytes no random source would.
pub fn crypto_rng() -> Result<ChaCha20Rng, LockerError> {
    let buf = Uint8Array::new_with_length(32);
    get_random_values(&buf).map_err(|_| {
        LockerError::with_code(
            "entropy_unavailable",
            "crypto.getRandomValues is not available",
        )
    })?;
    let mut seed = zeroize::Zeroizing::new([0_u8; 32]);
    buf.copy_to(seed.as_mut());
    buf.fill(0, 0, 32);
    Ok(rng_from_entropy(*seed)?)
}

/// The generator a call draws from: seeded with the caller's `entropy` (32
/// bytes in a `Uint8Array`, through the core's `rng_from_entropy`) when
/// given, else from `crypto.getRandomValues`.
///
/// # Errors
///
/// `"invalid_argument"` for anything but 32 bytes in a `Uint8Array`,
/// `"weak_entropy"` for bytes with fewer than 16 distinct values, and as
/// [`crypto_rng`].
pub fn rng_arg(entropy: Option<JsValue>) -> Result<ChaCha20Rng, LockerError> {
    match given(entropy) {
        Some(entropy) => {
            let seed = secret_value(&entropy, "entropy")?;
            Ok(rng_from_entropy(*seed)?)
        }
        None => crypto_rng(),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn unit_enums_by_name() {
        use locker_core::credential::Purpose;
        assert_eq!(
            named::<Purpose>("courier_drop_off"),
            Some(Purpose::CourierDropOff)
        );
        assert_eq!(named::<Purpose>("Pickup"), None);
    }
}
