//! Arbitrary bytes as a bank configuration in JSON.
//!
//! - `BankConfig::from_json` never panics, and agrees with parsing then
//!   `validate` (a parse failure is `ConfigError::Json`).
//! - A configuration that validates round-trips: `to_json` then
//!   `from_json` gives an equal configuration.
//! - It builds a `Bank`, and allocating a small parcel (plain, accessible,
//!   chilled) answers without panicking: an assignment to a door of the
//!   bank, an overflow, or a typed error.
#![no_main]

use libfuzzer_sys::fuzz_target;
use locker_core::allocate::Request;
use locker_core::bank::{Bank, BankConfig, ConfigError};
use locker_core::{Dimensions, Parcel, ParcelId, RecipientId, TemperatureZone};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = core::str::from_utf8(data) else {
        return;
    };
    let checked = BankConfig::from_json(text);
    match serde_json::from_str::<BankConfig>(text) {
        Ok(parsed) => assert_eq!(parsed.validate().err(), checked.clone().err()),
        Err(_) => assert!(
            matches!(checked, Err(ConfigError::Json { .. })),
            "a parse failure must be ConfigError::Json, got {checked:?}"
        ),
    }
    let Ok(config) = checked else {
        return;
    };

    let json = config.to_json();
    let back = BankConfig::from_json(&json)
        .unwrap_or_else(|e| panic!("to_json output does not load back: {e}\n{json}"));
    assert_eq!(back, config, "round trip changed the configuration");

    let bank = Bank::new(config).expect("a validated configuration builds a bank");
    let mut parcel = Parcel::new(ParcelId(1), Dimensions::new(100, 80, 40), 500);
    for (needs_accessible, zone) in [
        (false, TemperatureZone::Ambient),
        (true, TemperatureZone::Ambient),
        (false, TemperatureZone::Chilled),
    ] {
        parcel.zone = zone;
        let mut request = Request::new(parcel, RecipientId(7));
        request.needs_accessible = needs_accessible;
        if let Ok(outcome) = bank.allocate(&request)
            && let Some(assignment) = outcome.assignment()
        {
            assert!(
                bank.compartment(assignment.compartment).is_some(),
                "assigned a door the bank does not have"
            );
        }
    }
});
