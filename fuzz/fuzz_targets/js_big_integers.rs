//! The JavaScript binding's big-integer rewriting (`locker_wasm::big_integers`)
//! over arbitrary text: it runs on every answer the module gives and on the
//! JSON text a caller passes in when it does not parse as it is (with, last,
//! one string where the reader wanted a number). It must not panic, one
//! pass must do all its work, and JSON in gives JSON out.
#![no_main]

use libfuzzer_sys::fuzz_target;
use locker_wasm::big_integers::{quoted, unquoted, unquoted_at};

fuzz_target!(|text: &str| {
    let once = quoted(text);
    let back = unquoted(text);
    // A position somewhere in the text, as serde_json would report one.
    let line = 1 + text.len() % 3;
    let column = text.len() / 3;
    let at = unquoted_at(text, line, column);
    if let Some(once) = &once {
        assert_eq!(quoted(once), None, "a second pass quoted more");
    }
    if let Some(back) = &back {
        assert_eq!(unquoted(back), None, "a second pass unquoted more");
    }
    if serde_json::from_str::<serde_json::Value>(text).is_ok() {
        for rewritten in [once, back, at].into_iter().flatten() {
            assert!(
                serde_json::from_str::<serde_json::Value>(&rewritten).is_ok(),
                "{text:?} became {rewritten:?}"
            );
        }
    }
});
