//! The JavaScript binding's JSON (`locker_wasm::js_json`) over arbitrary
//! text: it reads every object and JSON text a caller passes in (a string
//! of digits taken as an integer where the type wants one) and writes
//! every answer (integers beyond 2^53 − 1 as strings). It must not panic,
//! and what it writes it reads back as the same value.
#![no_main]

use libfuzzer_sys::fuzz_target;
use locker_core::journal::Record;
use locker_core::locker::Entry;
use locker_wasm::js_json::{Numbers, read, write};

fuzz_target!(|text: &str| {
    for numbers in [Numbers::Exact, Numbers::Rounded] {
        if let Ok(record) = read::<Record<Entry>>(text, numbers) {
            let written = write(&record).expect("a record serializes");
            let back = read::<Record<Entry>>(&written, Numbers::Rounded);
            assert_eq!(back.ok().as_ref(), Some(&record), "{written}");
        }
        if let Ok(value) = read::<serde_json::Value>(text, numbers) {
            let written = write(&value).expect("a JSON value serializes");
            let back: serde_json::Value = serde_json::from_str(&written).expect("JSON out");
            assert_eq!(write(&back).ok().as_ref(), Some(&written), "one pass");
        }
    }
});
