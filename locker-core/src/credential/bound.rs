//! The brute-force bound: an upper bound on the probability that a guesser
//! typing PINs at the bank's kiosks opens any compartment within 24 hours.

use alloc::string::String;

use super::error::CredentialError;
use super::pin::PinBinding;
use super::policy::CredentialPolicy;

/// The default target, in chances per billion (10⁻⁶).
pub const DEFAULT_TARGET_PER_BILLION: u64 = 1_000;

/// The most a policy may accept that a guesser opens a door within 24
/// hours (in chances per billion), and the reason for accepting more than
/// the default. Part of the journaled configuration, so an override is on
/// the record.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields, default))]
pub struct BruteForceLimit {
    /// The target, per billion (default 1,000: 10⁻⁶).
    pub target_per_billion: u64,
    /// Why the site accepts a target above the default (required then).
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub override_reason: Option<String>,
}

impl Default for BruteForceLimit {
    fn default() -> Self {
        Self {
            target_per_billion: DEFAULT_TARGET_PER_BILLION,
            override_reason: None,
        }
    }
}

impl BruteForceLimit {
    /// True for the default.
    #[must_use]
    pub fn is_default(&self) -> bool {
        *self == Self::default()
    }

    /// A target above the default needs its reason.
    ///
    /// # Errors
    ///
    /// [`CredentialError::InvalidPolicy`].
    pub fn validate(&self) -> Result<(), CredentialError> {
        let stated = self
            .override_reason
            .as_deref()
            .is_some_and(|reason| !reason.trim().is_empty());
        if self.target_per_billion > DEFAULT_TARGET_PER_BILLION && !stated {
            return Err(CredentialError::InvalidPolicy {
                field: "brute_force.override_reason",
                reason: "a target above 1,000 per billion (10^-6) states why",
            });
        }
        Ok(())
    }
}

/// The brute-force bound of a policy, with what it assumes: what bindings
/// show and what [`CredentialPolicy::check_bound`] judges.
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct BoundReport {
    /// The bound on the chance of opening any door within 24 hours.
    pub probability: f64,
    /// The bound in chances per billion, rounded up, computed exactly
    /// ([`bound_per_billion`]): what the policy check judges.
    pub per_billion: u64,
    /// The policy's target, per billion.
    pub target_per_billion: u64,
    /// The inputs.
    pub inputs: BruteForcePolicy,
    /// The attacker the bound assumes.
    pub attacker: &'static str,
}

/// What the bound assumes of the attacker.
pub const ATTACKER_MODEL: &str = "a guesser typing PINs at every kiosk of the bank for 24 hours, naming any unit, against PINs drawn uniformly at random; the bank-wide throttle refuses PIN attempts once its rolling 24-hour window holds its cap of failures, whatever the kiosk; a success ends the attack";

impl BoundReport {
    /// The bound of `policy` with `active_credentials` active PINs.
    #[must_use]
    pub fn of(policy: &CredentialPolicy, active_credentials: u64) -> Self {
        let inputs = BruteForcePolicy::from_policy(policy, active_credentials);
        Self {
            probability: brute_force_bound(&inputs),
            per_billion: bound_per_billion(&inputs),
            target_per_billion: policy.brute_force.target_per_billion,
            inputs,
            attacker: ATTACKER_MODEL,
        }
    }

    /// The bound in chances per billion (rounded up).
    #[must_use]
    pub const fn per_billion(&self) -> u64 {
        self.per_billion
    }
}

/// [`brute_force_bound`] in chances per billion, rounded up, computed
/// exactly in integers: ⌈10⁹ · A · m / (S − N − A)⌉, at most 10⁹.
///
/// The policy check judges this number, so a bound on the target's edge
/// is judged by its exact value rather than by a rounded float (and a
/// microcontroller checks a policy without soft-float code). Exact for
/// PINs of up to 38 digits; a longer PIN's space is taken as 2¹²⁸ − 1,
/// which can only overstate the bound.
#[must_use]
pub fn bound_per_billion(policy: &BruteForcePolicy) -> u64 {
    const BILLION: u64 = 1_000_000_000;
    let space = 10_u128
        .checked_pow(u32::from(policy.pin_digits))
        .unwrap_or(u128::MAX);
    let active = u128::from(policy.active_credentials);
    let attempts = u128::from(policy.attempts_per_24h);
    let matchable = match policy.second_factor {
        SecondFactor::None => active,
        SecondFactor::UnitNumber { max_pins_per_unit } => u128::from(max_pins_per_unit).min(active),
    };
    let remaining = space.saturating_sub(active).saturating_sub(attempts);
    // A · m < 2^128 (each is below 2^64).
    let matches = attempts * matchable;
    if matches >= remaining {
        return BILLION;
    }
    ceil_scaled(matches, BILLION, remaining)
}

/// ⌈`scale` · `numerator` / `denominator`⌉ for `numerator` <
/// `denominator`, without the product (which may not fit in 128 bits):
/// the scale's bits from the highest, doubling a quotient and a
/// remainder kept below the denominator, adding the numerator for each
/// set bit. Below `scale`, so it fits its type.
fn ceil_scaled(numerator: u128, scale: u64, denominator: u128) -> u64 {
    // `value + more` modulo the denominator and whether it wrapped, for
    // both below it (no overflow: the sum is formed only when it fits).
    let add = |value: u128, more: u128| {
        if value >= denominator - more {
            (value - (denominator - more), 1)
        } else {
            (value + more, 0)
        }
    };
    let (mut quotient, mut remainder) = (0_u64, 0_u128);
    for bit in (0..u64::BITS - scale.leading_zeros()).rev() {
        let (doubled, carry) = add(remainder, remainder);
        quotient = quotient * 2 + carry;
        remainder = doubled;
        if scale >> bit & 1 == 1 {
            let (sum, carry) = add(remainder, numerator);
            quotient += carry;
            remainder = sum;
        }
    }
    quotient + u64::from(remainder > 0)
}

/// The bound the default policy must stay under.
pub const BOUND_TARGET_PROBABILITY: f64 = 1e-6;
/// The bank size the default policy is judged for: 200 occupied compartments.
pub const REFERENCE_OCCUPIED_COMPARTMENTS: u64 = 200;

/// What is asked together with the PIN.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub enum SecondFactor {
    /// Nothing: one guess matches any active PIN.
    None,
    /// The unit number: one guess matches only that unit's PINs.
    UnitNumber {
        /// Most active PINs one unit may hold.
        max_pins_per_unit: u32,
    },
}

/// The inputs of the bound.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub struct BruteForcePolicy {
    /// Digits per PIN.
    pub pin_digits: u8,
    /// What else is asked with the PIN.
    pub second_factor: SecondFactor,
    /// Active PINs on the site (about one per occupied compartment).
    pub active_credentials: u64,
    /// PIN guesses the throttle allows in any 24 hours, bank-wide.
    pub attempts_per_24h: u64,
}

impl BruteForcePolicy {
    /// The bound's inputs for a store policy with `active_credentials`
    /// active PINs: the bank-wide cap of the throttle is the attempts.
    #[must_use]
    pub fn from_policy(policy: &CredentialPolicy, active_credentials: u64) -> Self {
        Self {
            pin_digits: policy.pin.digits,
            second_factor: match policy.pin.binding {
                PinBinding::Unbound => SecondFactor::None,
                PinBinding::Unit => SecondFactor::UnitNumber {
                    max_pins_per_unit: policy.pin.max_active_per_unit,
                },
            },
            active_credentials,
            attempts_per_24h: policy.throttle.pin_attempts_per_24h(),
        }
    }
}

/// Upper bound on the probability that a guesser opens any compartment with
/// PIN guesses within 24 hours.
///
/// Let S = 10^digits PINs, N active PINs, A guesses in 24 h, and m the PINs
/// one guess can match: m = N without a second factor, m = min(k, N) when the
/// unit number is asked and a unit holds at most k PINs. Each active PIN was
/// drawn uniformly among the PINs not in use (at least S − N + 1 values);
/// given the guesser's failed guesses it is still uniform over at least
/// S − N − A values. So one guess succeeds with probability at most
/// m / (S − N − A), and by the union bound over A guesses:
///
/// P ≤ min(1, A · m / (S − N − A)).
///
/// The throttle makes A rigorous: the bank-wide scope refuses a PIN attempt
/// while its rolling 24-hour window already holds its cap of failures, at
/// every kiosk, and a success ends the attack.
///
/// # The default policy, for a bank with 200 occupied compartments
///
/// 8-digit PINs asked with the unit number, at most 3 active PINs per unit,
/// at most 25 failed PIN attempts per bank per rolling 24 hours:
///
/// P ≤ 25 × 3 / (10⁸ − 200 − 25) = 75 / 99,999,775 ≈ 7.5 × 10⁻⁷ < 10⁻⁶.
///
/// For comparison, 6-digit PINs without a second factor and 200 active PINs
/// give 2 × 10⁻⁴ per guess; 10,000 guesses would open a door with 86 %
/// probability, and even the 25 guesses above give 25 × 200 / (10⁶ − 225)
/// ≈ 5 × 10⁻³. The cost of the default: the unit number and 8 digits to
/// type, and a PIN lockout that an attacker can trigger — which is why PIN
/// lockouts never block QR or RFID pickups.
///
/// ```
/// use locker_core::credential::{brute_force_bound, BruteForcePolicy, CredentialPolicy};
/// let policy = BruteForcePolicy::from_policy(&CredentialPolicy::default(), 200);
/// let p = brute_force_bound(&policy);
/// assert!(p < 1e-6);
/// assert!((p - 75.0 / 99_999_775.0).abs() < 1e-15);
/// ```
#[must_use]
pub fn brute_force_bound(policy: &BruteForcePolicy) -> f64 {
    let mut space = 1.0_f64;
    for _ in 0..policy.pin_digits {
        space *= 10.0;
    }
    let active = policy.active_credentials as f64;
    let attempts = policy.attempts_per_24h as f64;
    let matchable = match policy.second_factor {
        SecondFactor::None => active,
        SecondFactor::UnitNumber { max_pins_per_unit } => f64::from(max_pins_per_unit).min(active),
    };
    let remaining = space - active - attempts;
    if remaining <= 0.0 {
        return 1.0;
    }
    (attempts * matchable / remaining).min(1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_policy_meets_the_target() {
        let policy = BruteForcePolicy::from_policy(
            &CredentialPolicy::default(),
            REFERENCE_OCCUPIED_COMPARTMENTS,
        );
        assert_eq!(policy.attempts_per_24h, 25);
        assert_eq!(
            policy.second_factor,
            SecondFactor::UnitNumber {
                max_pins_per_unit: 3
            }
        );
        assert!(brute_force_bound(&policy) < BOUND_TARGET_PROBABILITY);
    }

    #[test]
    fn the_integer_bound_is_exact_at_the_edges() {
        let default = BruteForcePolicy::from_policy(
            &CredentialPolicy::default(),
            REFERENCE_OCCUPIED_COMPARTMENTS,
        );
        // ⌈75 · 10⁹ / 99,999,775⌉ = ⌈750.0017…⌉.
        assert_eq!(bound_per_billion(&default), 751);
        // The check passes a target equal to the bound and refuses one below.
        let mut policy = CredentialPolicy::default();
        policy.brute_force.target_per_billion = 751;
        assert!(policy.check_bound().is_ok());
        policy.brute_force.target_per_billion = 750;
        assert!(matches!(
            policy.check_bound(),
            Err(CredentialError::BoundExceeded {
                bound_per_billion: 751,
                target_per_billion: 750
            })
        ));
        // 1 · 1 / (10⁹ − 1 − 1) is just above one in a billion.
        assert_eq!(bound_per_billion(&unbound(9, 1, 1)), 2);
        // No PIN active: no guess can match.
        assert_eq!(bound_per_billion(&unbound(9, 0, 1)), 0);
        // 10⁹ · A · m does not fit in 128 bits here, and the answer is
        // still exact: ⌈10³⁹ / (10³⁸ − 2 · 10¹⁵)⌉ = ⌈10 + 2 · 10⁻²²⌉.
        let wide = unbound(38, 1_000_000_000_000_000, 1_000_000_000_000_000);
        assert_eq!(bound_per_billion(&wide), 11);
        // A longer PIN's space saturates, which only overstates the bound.
        let saturated = unbound(u8::MAX, u64::MAX, u64::MAX);
        assert_eq!(bound_per_billion(&saturated), 1_000_000_000);
        assert_eq!(
            bound_per_billion(&unbound(0, u64::MAX, u64::MAX)),
            1_000_000_000
        );
    }

    /// Inputs without a second factor.
    fn unbound(pin_digits: u8, active_credentials: u64, attempts_per_24h: u64) -> BruteForcePolicy {
        BruteForcePolicy {
            pin_digits,
            second_factor: SecondFactor::None,
            active_credentials,
            attempts_per_24h,
        }
    }

    proptest::proptest! {
        /// The carry-and-double division is the plain one wherever the
        /// product fits.
        #[test]
        fn the_scaled_division_is_exact(
            denominator in 1_u128..,
            numerator_fraction in 0_u128..,
            scale in 0_u64..=1_000_000_000,
        ) {
            let numerator = numerator_fraction % denominator;
            let expected = numerator
                .checked_mul(u128::from(scale))
                .map(|product| product.div_ceil(denominator));
            if let Some(expected) = expected {
                proptest::prop_assert_eq!(
                    u128::from(ceil_scaled(numerator, scale, denominator)),
                    expected
                );
            }
            // Small operands, where the product always fits.
            let (small_denominator, small_numerator) =
                (denominator % 1_000_000 + 1, numerator_fraction % 1_000_000);
            let small_numerator = small_numerator % small_denominator;
            proptest::prop_assert_eq!(
                u128::from(ceil_scaled(small_numerator, scale, small_denominator)),
                (small_numerator * u128::from(scale)).div_ceil(small_denominator)
            );
        }

        /// The policy check refuses exactly when the exact bound is above
        /// its target, and names the number the report shows.
        #[test]
        fn the_check_judges_the_exact_bound(
            digits in 4_u8..=12,
            target_per_billion in 0_u64..=2_000_000,
        ) {
            let mut policy = CredentialPolicy::default();
            policy.pin.digits = digits;
            policy.brute_force.target_per_billion = target_per_billion;
            let report = policy.brute_force_bound(REFERENCE_OCCUPIED_COMPARTMENTS);
            let inputs =
                BruteForcePolicy::from_policy(&policy, REFERENCE_OCCUPIED_COMPARTMENTS);
            proptest::prop_assert_eq!(report.per_billion, bound_per_billion(&inputs));
            match policy.check_bound() {
                Ok(()) => proptest::prop_assert!(report.per_billion <= target_per_billion),
                Err(CredentialError::BoundExceeded { bound_per_billion: named, target_per_billion: target }) => {
                    proptest::prop_assert!(report.per_billion > target_per_billion);
                    proptest::prop_assert_eq!(named, report.per_billion);
                    proptest::prop_assert_eq!(target, target_per_billion);
                }
                Err(other) => proptest::prop_assert!(false, "{other:?}"),
            }
        }

        /// The exact bound and the float one agree to within the float's
        /// rounding: the integer never misses a chance the float counts.
        #[test]
        fn the_integer_bound_rounds_the_float_one_up(
            pin_digits in 0_u8..=20,
            unit in proptest::option::of(0_u32..10),
            active_credentials in 0_u64..100_000,
            attempts_per_24h in 0_u64..1_000_000,
        ) {
            let policy = BruteForcePolicy {
                pin_digits,
                second_factor: unit.map_or(SecondFactor::None, |max_pins_per_unit| {
                    SecondFactor::UnitNumber { max_pins_per_unit }
                }),
                active_credentials,
                attempts_per_24h,
            };
            let exact = bound_per_billion(&policy);
            let scaled = brute_force_bound(&policy) * 1e9;
            #[allow(clippy::cast_precision_loss)]
            let exact_f = exact as f64;
            proptest::prop_assert!(exact_f >= scaled - scaled * 1e-12 - 1e-9);
            proptest::prop_assert!(exact_f < scaled + 1.0 + scaled * 1e-12);
        }
    }

    #[test]
    fn six_digits_alone_are_far_from_the_target() {
        let policy = BruteForcePolicy {
            pin_digits: 6,
            second_factor: SecondFactor::None,
            active_credentials: 200,
            attempts_per_24h: 10_000,
        };
        assert_eq!(brute_force_bound(&policy), 1.0);
        let one = BruteForcePolicy {
            attempts_per_24h: 1,
            ..policy
        };
        assert!((brute_force_bound(&one) - 2e-4).abs() < 1e-6);
    }
}
