//! The credential policy's brute-force bound, as the core computes it:
//! what a PIN policy lets a guesser at the keypad achieve in 24 hours.

use core::ffi::c_char;

use locker_core::credential::{CredentialError, CredentialPolicy};

use crate::error::Error;
use crate::ptr::{json_arg, non_null, opt_str_arg, write_string};
use crate::{boundary, locker_status};

/// The bound on the chance that a guesser typing PINs at every kiosk of
/// the bank for 24 hours opens any door, for the credential policy
/// `policy_json` with `active_credentials` active PINs (about one per
/// occupied door), as JSON text:
///
/// `{"probability": 7.5e-7, "per_billion": 751, "target_per_billion": 1000,
/// "inputs": {"pin_digits": 8, "second_factor": {"unit_number":
/// {"max_pins_per_unit": 3}}, "active_credentials": 200,
/// "attempts_per_24h": 25}, "attacker": "a guesser typing PINs …"}`
///
/// (`second_factor` is `"none"` for unbound PINs; `attacker` says what the
/// bound assumes). A locker refuses a policy whose bound with 200 active
/// PINs is above its `target_per_billion` (`LOCKER_BOUND_EXCEEDED` from
/// `locker_new`); this call reports such a policy's bound rather than
/// refusing it, so a configuration tool can show why.
///
/// `policy_json` is the configuration's `credentials` object (UTF-8 JSON,
/// snake_case: `{"pin": {"digits": 8, "binding": "unit",
/// "max_active_per_unit": 3}, "throttle": {...}, "brute_force":
/// {"target_per_billion": 1000, "override_reason": "…"}, ...}`; parts left
/// out take their defaults, an unknown field is refused), or NULL for the
/// default policy.
///
/// On `LOCKER_OK`, `*out_json` is a new string owned by the caller;
/// release it with `locker_string_free`, never `free()`. Errors:
/// `LOCKER_NULL_POINTER` (`out_json`), `LOCKER_INVALID_UTF8`,
/// `LOCKER_CONFIG_INVALID` for JSON that is not a policy or a policy with
/// an invalid value (the last-error message names the field).
///
/// Ownership: `policy_json` is read during this call only. Thread safety:
/// callable from any thread, concurrently.
#[unsafe(no_mangle)]
pub extern "C" fn locker_brute_force_bound(
    policy_json: *const c_char,
    active_credentials: u64,
    out_json: *mut *mut c_char,
) -> locker_status {
    boundary(|| {
        non_null(out_json, "out_json")?;
        let policy = parse_policy(policy_json)?;
        // Every field must be valid; a bound above the target is what this
        // call reports, not a reason to refuse.
        match policy.validate() {
            Ok(()) | Err(CredentialError::BoundExceeded { .. }) => {}
            Err(error) => {
                return Err(Error::core(
                    error.code(),
                    format_args!("policy_json: {error}"),
                ));
            }
        }
        let report = policy.brute_force_bound(active_credentials);
        // Plain data (a finite probability) always serializes.
        write_string(out_json, serde_json::to_string(&report).unwrap_or_default())
    })
}

/// The policy behind `policy_json`, or the default for NULL.
fn parse_policy(policy_json: *const c_char) -> Result<CredentialPolicy, Error> {
    match opt_str_arg(policy_json, "policy_json")? {
        None => Ok(CredentialPolicy::default()),
        Some(json) => json_arg(json, "policy_json", locker_status::LOCKER_CONFIG_INVALID),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use core::ffi::CStr;

    use super::*;
    use crate::error::last_error;
    use crate::locker_string_free;

    fn bound(policy: Option<&CStr>, active: u64) -> Result<serde_json::Value, locker_status> {
        let mut json = core::ptr::null_mut();
        let status = locker_brute_force_bound(
            policy.map_or(core::ptr::null(), CStr::as_ptr),
            active,
            &raw mut json,
        );
        if status != locker_status::LOCKER_OK {
            assert!(json.is_null(), "written only on success");
            return Err(status);
        }
        // SAFETY: a string the library just returned.
        let text = unsafe { CStr::from_ptr(json) }.to_str().unwrap().to_owned();
        // SAFETY: returned by the library, freed once.
        unsafe { locker_string_free(json) };
        Ok(serde_json::from_str(&text).unwrap())
    }

    #[test]
    fn the_default_policy_meets_its_target_and_says_what_it_assumes() {
        let report = bound(None, 200).unwrap();
        let expected = CredentialPolicy::default().brute_force_bound(200);
        assert_eq!(report["per_billion"], expected.per_billion());
        assert!(report["per_billion"].as_u64().unwrap() <= 1_000);
        assert_eq!(report["target_per_billion"], 1_000);
        assert_eq!(report["inputs"]["attempts_per_24h"], 25);
        assert_eq!(report["inputs"]["active_credentials"], 200);
        assert!(report["attacker"].as_str().unwrap().contains("24 hours"));
    }

    #[test]
    fn a_policy_above_its_target_is_reported_and_a_bad_one_refused() {
        let weak = cr#"{"pin": {"digits": 4, "binding": "unbound"}}"#;
        let report = bound(Some(weak), 200).unwrap();
        assert!(report["per_billion"].as_u64().unwrap() > 1_000_000);
        assert_eq!(report["inputs"]["second_factor"], "none");

        let bad = cr#"{"pin": {"digits": 3}}"#;
        assert_eq!(
            bound(Some(bad), 200),
            Err(locker_status::LOCKER_CONFIG_INVALID)
        );
        assert!(last_error().contains("pin.digits"), "{}", last_error());
        let unknown = cr#"{"pins": {}}"#;
        assert_eq!(
            bound(Some(unknown), 200),
            Err(locker_status::LOCKER_CONFIG_INVALID)
        );
        assert!(last_error().contains("pins"), "{}", last_error());
        let unreasoned = cr#"{"brute_force": {"target_per_billion": 5000}}"#;
        assert_eq!(
            bound(Some(unreasoned), 200),
            Err(locker_status::LOCKER_CONFIG_INVALID)
        );
        assert!(last_error().contains("override_reason"), "{}", last_error());
        assert_eq!(
            locker_brute_force_bound(core::ptr::null(), 1, core::ptr::null_mut()),
            locker_status::LOCKER_NULL_POINTER
        );
    }
}
