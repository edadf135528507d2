//! The JavaScript binding's big-integer rewriting (`locker_wasm::big_integers`)
//! over arbitrary text: it runs on every answer the module gives and on the
//! JSON text a caller passes in when it does not parse as it is. It must not
//! panic, one pass must do all its work, and JSON in gives JSON out.
#![no_main]

use libfuzzer_sys::fuzz_target;
use locker_wasm::big_integers::{all_unquoted, quoted, unquoted};

fuzz_target!(|text: &str| {
    let once = quoted(text);
    let back = unquoted(text);
    let all_back = all_unquoted(text);
    if let Some(once) = &once {
        assert_eq!(quoted(once), None, "a second pass quoted more");
    }
    if let Some(back) = &back {
        assert_eq!(unquoted(back), None, "a second pass unquoted more");
    }
    if let Some(all_back) = &all_back {
        assert_eq!(all_unquoted(all_back), None, "a second pass unquoted more");
    }
    if serde_json::from_str::<serde_json::Value>(text).is_ok() {
        for rewritten in [once, back, all_back].into_iter().flatten() {
            assert!(
                serde_json::from_str::<serde_json::Value>(&rewritten).is_ok(),
                "{text:?} became {rewritten:?}"
            );
        }
    }
});
