//! Integers beyond 2^53 − 1 in JSON text, for JavaScript.
//!
//! A JavaScript number holds integers exactly only up to 2^53 − 1, and
//! `JSON.parse` rounds larger ones. Since journal record version 3 the
//! library writes none: it draws ids in 53 bits and leaves "never
//! expires" out. Larger values still come from journals of versions 1 and
//! 2 (64-bit ids, "never" as 2^64 − 1) and from C or Python hosts' own
//! 64-bit parcel numbers, so they reach JavaScript as decimal strings and
//! come back from it as such; back ends that send every 64-bit integer as
//! a string (protobuf's JSON mapping does) are read too. Both directions
//! work on the JSON text the core's serializer writes and reads, so the
//! module keeps one serializer per type; every version-3 value is left as
//! it is.

use crate::convert::MAX_SAFE_INTEGER;

/// `text` with every integer that a JavaScript number would round written
/// as a decimal string; `None` when there is none.
#[must_use]
pub fn quoted(text: &str) -> Option<String> {
    rewrite(text, LONG_RUN, |token, quoted, _after| {
        (!quoted && big_integer(token).is_some()).then(|| format!("\"{token}\""))
    })
}

/// `text` with every string value that holds such an integer written as the
/// number; `None` when there is none. Object keys stay strings.
#[must_use]
pub fn unquoted(text: &str) -> Option<String> {
    rewrite(text, LONG_RUN, |token, quoted, after| {
        let digits = token.strip_prefix('"')?.strip_suffix('"')?;
        let is_key = after.trim_start().starts_with(':');
        // The number as Rust writes it: `"0009007199254740993"` is no JSON
        // number with its zeros.
        big_integer(digits).filter(|_| quoted && !is_key)
    })
}

/// `text` with the string value that ends at `line` and `column` (where
/// serde_json reports a string it wanted as a number: its closing quote)
/// written as the number, if it holds a 64-bit integer as Rust writes it;
/// `None` otherwise. For hosts that send every 64-bit id as a string,
/// small ones too: a label of digits elsewhere stays a string.
#[must_use]
pub fn unquoted_at(text: &str, line: usize, column: usize) -> Option<String> {
    let line_start = if line <= 1 {
        0
    } else {
        text.match_indices('\n').nth(line - 2)?.0 + 1
    };
    let end = line_start.checked_add(column)?;
    let token = text.get(..end)?.strip_suffix('"')?;
    let start = token.rfind(|c: char| !(c.is_ascii_digit() || c == '-'))?;
    let digits = token.get(start + 1..)?;
    if !token.get(start..)?.starts_with('"') || digits.is_empty() {
        return None;
    }
    // An object's key stays a string: unquoted it is no JSON.
    if text.get(end..)?.trim_start().starts_with(':') {
        return None;
    }
    let number = digits
        .parse::<u64>()
        .map(|n| n.to_string())
        .or_else(|_| digits.parse::<i64>().map(|n| n.to_string()))
        .ok()
        .filter(|number| number == digits)?;
    Some(format!("{}{number}{}", &text[..start], &text[end..]))
}

/// Integers up to 2^53 − 1 have at most 16 digits.
const LONG_RUN: usize = 16;

/// True when `bytes` hold a run of `min` digits or more: with 16, anything
/// shorter is at most 2^53 − 1, so most texts need no rewriting at all.
fn has_digit_run(bytes: &[u8], min: usize) -> bool {
    let mut run = 0;
    for &byte in bytes {
        run = if byte.is_ascii_digit() { run + 1 } else { 0 };
        if run >= min {
            return true;
        }
    }
    false
}

/// An integer (no fraction or exponent) beyond 2^53 − 1 in magnitude that
/// Rust's 64-bit integers hold, written as Rust writes it.
fn big_integer(token: &str) -> Option<String> {
    let digits = token.strip_prefix('-').unwrap_or(token);
    if digits.len() < 16 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    match token.parse::<u64>() {
        Ok(n) => (n > MAX_SAFE_INTEGER).then(|| n.to_string()),
        Err(_) => token
            .parse::<i64>()
            .ok()
            .filter(|n| n.unsigned_abs() > MAX_SAFE_INTEGER)
            .map(|n| n.to_string()),
    }
}

/// Copies `text`, replacing the strings and numbers (outside strings) for
/// which `replace(token, is_string, text_after_it)` gives a replacement.
fn rewrite(
    text: &str,
    min_run: usize,
    replace: impl Fn(&str, bool, &str) -> Option<String>,
) -> Option<String> {
    let bytes = text.as_bytes();
    if !has_digit_run(bytes, min_run) {
        return None;
    }
    let mut out: Option<String> = None;
    let mut copied = 0;
    let mut at = 0;
    while at < bytes.len() {
        let start = at;
        let quoted = match bytes[at] {
            b'"' => {
                at += 1;
                while at < bytes.len() && bytes[at] != b'"' {
                    at += if bytes[at] == b'\\' { 2 } else { 1 };
                }
                at = (at + 1).min(bytes.len());
                true
            }
            b'-' | b'0'..=b'9' => {
                while at < bytes.len()
                    && matches!(bytes[at], b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9')
                {
                    at += 1;
                }
                false
            }
            _ => {
                at += 1;
                continue;
            }
        };
        // Tokens start and end on ASCII bytes, so these are char boundaries.
        let Some(token) = text.get(start..at) else {
            continue;
        };
        if let Some(replacement) = replace(token, quoted, text.get(at..).unwrap_or_default()) {
            let out = out.get_or_insert_with(|| String::with_capacity(text.len() + 16));
            out.push_str(&text[copied..start]);
            out.push_str(&replacement);
            copied = at;
        }
    }
    out.map(|mut out| {
        out.push_str(&text[copied..]);
        out
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn big_integers_leave_as_strings_and_come_back_as_numbers() {
        let max = u64::MAX;
        let min = i64::MIN;
        let core = format!(
            r#"{{"id":{max},"n":9007199254740991,"label":"12","neg":{min},"f":1.5e300,"map":{{"{max}":"{max}"}}}}"#
        );
        let js = quoted(&core).unwrap();
        assert_eq!(
            js,
            format!(
                r#"{{"id":"{max}","n":9007199254740991,"label":"12","neg":"{min}","f":1.5e300,"map":{{"{max}":"{max}"}}}}"#
            )
        );
        // Back: values only; the numeric key stays a key, and the string
        // value that holds a big integer becomes the number.
        let back = unquoted(&js).unwrap();
        assert_eq!(
            back,
            format!(
                r#"{{"id":{max},"n":9007199254740991,"label":"12","neg":{min},"f":1.5e300,"map":{{"{max}":{max}}}}}"#
            )
        );
    }

    #[test]
    fn the_string_the_reader_wanted_as_a_number_comes_back_as_one() {
        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)]
        struct Command {
            label: String,
            bank: u64,
            nonce: u64,
        }
        let text = "{\"label\":\"12\",\n \"bank\":\"31\",\"nonce\":\"-5\"}";
        let error = serde_json::from_str::<Command>(text).unwrap_err();
        let once = unquoted_at(text, error.line(), error.column()).unwrap();
        assert_eq!(once, "{\"label\":\"12\",\n \"bank\":31,\"nonce\":\"-5\"}");
        let error = serde_json::from_str::<Command>(&once).unwrap_err();
        let twice = unquoted_at(&once, error.line(), error.column()).unwrap();
        assert_eq!(twice, "{\"label\":\"12\",\n \"bank\":31,\"nonce\":-5}");
        // Not a string there, not an integer, or not as Rust writes it.
        assert_eq!(unquoted_at(&twice, 2, 11), None);
        assert_eq!(unquoted_at(r#"["x1"]"#, 1, 5), None);
        assert_eq!(unquoted_at(r#"["007"]"#, 1, 6), None);
        assert_eq!(unquoted_at(r#"[""]"#, 1, 3), None);
        // Found by the js_big_integers fuzz target: a key of digits.
        let keyed =
            "{\"credential_id\":18446744073709508,\"m\"\n:{\"18446744073709551615\":1.5e300}}";
        assert_eq!(unquoted_at(keyed, 2, 24), None);
        assert_eq!(unquoted_at(r#"{"42" : 1}"#, 1, 5), None);
        assert_eq!(unquoted_at("[1]", 9, 1), None);
        assert_eq!(unquoted_at("[1]", 1, 99), None);
    }

    #[test]
    fn nothing_to_change_gives_none() {
        assert_eq!(
            quoted(r#"{"a":[1,-2,9007199254740991],"b":"x\"9007199254740993"}"#),
            None
        );
        assert_eq!(
            unquoted(r#"{"a":"12","b":"x9007199254740993","c":"1e300"}"#),
            None
        );
        // Beyond 64 bits is no id: left alone both ways.
        assert_eq!(quoted("[184467440737095516160]"), None);
        assert_eq!(unquoted(r#"["184467440737095516160"]"#), None);
    }

    #[test]
    fn escaped_quotes_and_broken_text_do_not_confuse_it() {
        let text = r#"["a\"b", 9007199254740993, "\\", "9007199254740993"]"#;
        assert_eq!(
            quoted(text).unwrap(),
            r#"["a\"b", "9007199254740993", "\\", "9007199254740993"]"#
        );
        // Unterminated string: copied as is, no panic.
        assert_eq!(
            quoted(r#"[9007199254740993, "abc"#).unwrap(),
            r#"["9007199254740993", "abc"#
        );
        assert_eq!(unquoted(r#""\"#), None);
        // Leading zeros are no JSON: the number goes back as Rust writes it.
        assert_eq!(
            unquoted(r#"["0009007199254740993", "-09007199254740993"]"#).unwrap(),
            "[9007199254740993, -9007199254740993]"
        );
    }

    /// JSON values with integers on both sides of 2^53 and strings that
    /// look like them.
    fn values() -> impl proptest::strategy::Strategy<Value = serde_json::Value> {
        use proptest::prelude::*;
        use serde_json::Value;
        let leaf = prop_oneof![
            any::<u64>().prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
            (0_u64..=MAX_SAFE_INTEGER).prop_map(Value::from),
            any::<f64>().prop_map(Value::from),
            "[a-z\\\"é]{0,6}".prop_map(Value::from),
            "[0-9]{1,15}".prop_map(Value::from),
        ];
        leaf.prop_recursive(3, 24, 4, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
                proptest::collection::btree_map("[0-9a-z]{1,20}", inner, 0..4)
                    .prop_map(|map| Value::Object(map.into_iter().collect())),
            ]
        })
    }

    proptest::proptest! {
        /// After quoting, `JSON.parse` rounds nothing; unquoting gives back
        /// exactly the core's text.
        #[test]
        fn quoting_round_trips_and_leaves_only_safe_numbers(value in values()) {
            let text = serde_json::to_string(&value).unwrap();
            let js = quoted(&text).unwrap_or_else(|| text.clone());
            let parsed: serde_json::Value = serde_json::from_str(&js).unwrap();
            proptest::prop_assert!(safe_numbers_only(&parsed), "{}", js);
            proptest::prop_assert_eq!(unquoted(&js).unwrap_or(js), text);
        }
    }

    proptest::proptest! {
        /// Any text at all, JSON or not: no panic, and one pass does all
        /// the work (a second finds nothing left to change).
        #[test]
        fn any_text_is_rewritten_once_without_panicking(
            pieces in proptest::collection::vec(
                proptest::sample::select(&[
                    "9007199254740993", "18446744073709551615", "-9223372036854775808",
                    "184467440737095516160", "12", "1.5", "e7", "-", "\"", "\\", ":", ",",
                    "[", "]", "{", "}", " ", "é", "null",
                ][..]),
                0..24,
            ),
        ) {
            let text = pieces.concat();
            let once = quoted(&text).unwrap_or_else(|| text.clone());
            proptest::prop_assert_eq!(quoted(&once), None);
            let back = unquoted(&text).unwrap_or_else(|| text.clone());
            proptest::prop_assert_eq!(unquoted(&back), None);
        }
    }

    fn safe_numbers_only(value: &serde_json::Value) -> bool {
        use serde_json::Value;
        match value {
            Value::Number(n) => {
                n.as_f64().is_some()
                    && n.as_u64().is_none_or(|u| u <= MAX_SAFE_INTEGER)
                    && n.as_i64()
                        .is_none_or(|i| i.unsigned_abs() <= MAX_SAFE_INTEGER)
            }
            Value::Array(items) => items.iter().all(safe_numbers_only),
            Value::Object(map) => map.values().all(safe_numbers_only),
            _ => true,
        }
    }
}
