//! Statistical tests: PIN digits are uniform, and the brute-force bound
//! holds against a simulated guesser attacking a real store and throttle.
#![allow(clippy::unwrap_used)]

use locker_core::credential::{
    Backoff, BruteForcePolicy, CredentialError, CredentialPolicy, CredentialStore, DAY_S, KeyRing,
    KioskId, PinAttempt, PinBinding, PinRequest, Purpose, brute_force_bound,
};
use locker_core::{CompartmentId, RecipientId};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

const NOW: u64 = 1_700_000_000;
/// Simulated days sharing one draw of the PINs.
const TRIALS_PER_DRAW: u32 = 10;

/// χ² critical value for 9 degrees of freedom at p = 0.001.
const CHI2_9_DOF_P001: f64 = 27.88;

#[test]
fn pin_digits_are_uniform() {
    let mut rng = StdRng::seed_from_u64(2024);
    let mut keys = KeyRing::new();
    keys.rotate(&mut rng).unwrap();
    let store = CredentialStore::default();
    let mut counts = [[0u32; 10]; 8];
    let pins: u32 = 2_000;
    for i in 0..pins {
        let request = PinRequest {
            recipient: RecipientId(u64::from(i)),
            compartments: vec![CompartmentId(1)],
            purpose: Purpose::Pickup,
            expires_at_s: NOW + 1,
        };
        let (pin, _) = store.generate_pin(&keys, &mut rng, &request, NOW).unwrap();
        for (position, digit) in pin.expose().bytes().enumerate() {
            counts[position][usize::from(digit - b'0')] += 1;
        }
    }
    let chi2 = |observed: &[u32; 10], total: f64| {
        let expected = total / 10.0;
        observed
            .iter()
            .map(|&o| (f64::from(o) - expected).powi(2) / expected)
            .sum::<f64>()
    };
    let mut all = [0u32; 10];
    for position in &counts {
        for (sum, c) in all.iter_mut().zip(position) {
            *sum += c;
        }
        // Per position, with a Bonferroni-style margin for 8 positions.
        assert!(
            chi2(position, f64::from(pins)) < CHI2_9_DOF_P001 * 1.3,
            "{position:?}"
        );
    }
    let overall = chi2(&all, f64::from(pins) * 8.0);
    assert!(overall < CHI2_9_DOF_P001, "χ² = {overall}, counts {all:?}");
}

/// A small policy whose bound is large enough to measure: 4-digit PINs,
/// at most `cap` failures per bank per 24 h.
fn small_policy(binding: PinBinding, cap: u32) -> CredentialPolicy {
    let mut policy = CredentialPolicy::default();
    policy.pin.digits = 4;
    policy.pin.binding = binding;
    policy.throttle.bank = Backoff {
        max_failures_per_window: cap,
        ..policy.throttle.bank
    };
    // Far above the default target: measured here, so stated.
    policy.brute_force = locker_core::credential::BruteForceLimit {
        target_per_billion: 1_000_000_000,
        override_reason: Some("a measurable bound for the simulation".into()),
    };
    // Per-unit lockouts are not part of the bound; lift them here.
    policy.throttle.subject = Backoff {
        max_failures_per_window: cap,
        free_failures: cap,
        ..policy.throttle.subject
    };
    policy
}

/// Runs `trials` days of a guesser typing fresh random PINs (never the same
/// twice) as fast as the throttle allows. Returns the share of days with a
/// success and the guesses made on a failed day. The PINs are drawn afresh
/// every `TRIALS_PER_DRAW` days (by symmetry, random guesses against fixed
/// PINs succeed as often as against fresh ones; this saves HMACs).
fn simulate(
    policy: &CredentialPolicy,
    pins_per_unit: &[u64],
    target: Option<u64>,
    trials: u32,
) -> (f64, u64) {
    let mut rng = StdRng::seed_from_u64(7);
    let mut keys = KeyRing::new();
    keys.rotate(&mut rng).unwrap();
    let mut successes = 0u32;
    let mut guesses_on_failed_day = 0;
    let mut fresh = CredentialStore::new(policy.clone()).unwrap();
    for trial in 0..trials {
        if trial % TRIALS_PER_DRAW == 0 {
            fresh = CredentialStore::new(policy.clone()).unwrap();
        }
        for (unit, &count) in (0u64..).zip(pins_per_unit) {
            if trial % TRIALS_PER_DRAW != 0 {
                break;
            }
            for c in 0..count {
                let request = PinRequest {
                    recipient: RecipientId(unit),
                    compartments: vec![CompartmentId(u32::try_from(unit * 10 + c).unwrap())],
                    purpose: Purpose::Pickup,
                    expires_at_s: NOW + 2 * DAY_S,
                };
                let (_, record) = fresh.generate_pin(&keys, &mut rng, &request, NOW).unwrap();
                fresh.insert(record, NOW).unwrap();
            }
        }
        let mut store = fresh.clone();
        let mut tried = vec![false; 10_000];
        let mut now = NOW;
        let mut guesses = 0;
        let success = loop {
            let guess = loop {
                let g = rng.random_range(0..10_000usize);
                if !tried[g] {
                    tried[g] = true;
                    break format!("{g:04}");
                }
            };
            let attempt = PinAttempt {
                kiosk: KioskId(1),
                unit: target.map(RecipientId),
                pin: &guess,
                purpose: Purpose::Pickup,
            };
            match store.verify_pin(&keys, &attempt, now) {
                Ok(_) => break true,
                Err(refusal) => match refusal.error {
                    CredentialError::Throttled { retry_at_s } => {
                        // Not tried after all: the throttle refused it.
                        tried[guess.parse::<usize>().unwrap()] = false;
                        if retry_at_s >= NOW + DAY_S {
                            break false;
                        }
                        now = retry_at_s;
                    }
                    _ => {
                        store.record_failure(&refusal.failure.unwrap());
                        guesses += 1;
                    }
                },
            }
        };
        if success {
            successes += 1;
        } else {
            guesses_on_failed_day = guesses;
        }
    }
    (
        f64::from(successes) / f64::from(trials),
        guesses_on_failed_day,
    )
}

#[test]
fn bound_holds_against_a_simulated_guesser_without_unit() {
    let cap = 30;
    let policy = small_policy(PinBinding::Unbound, cap);
    let active = 20;
    let bound = brute_force_bound(&BruteForcePolicy::from_policy(&policy, active));
    // 30 × 20 / (10⁴ − 20 − 30) ≈ 0.0603; the exact chance is about 0.058.
    assert!((bound - 600.0 / 9_950.0).abs() < 1e-12);
    let trials = 1_000;
    let (rate, guesses) = simulate(&policy, &[1; 20], None, trials);
    assert_eq!(
        guesses,
        u64::from(cap),
        "the throttle allowed {guesses} guesses"
    );
    // The exact chance for 30 distinct guesses against 20 of 10⁴ PINs.
    let exact = 1.0
        - (0..cap)
            .map(|i| f64::from(10_000 - 20 - i) / f64::from(10_000 - i))
            .product::<f64>();
    assert!(
        exact <= bound && exact > 0.9 * bound,
        "exact {exact}, bound {bound}"
    );
    let sigma = (exact * (1.0 - exact) / f64::from(trials)).sqrt();
    eprintln!(
        "simulated success rate {rate:.4} over {trials} days, exact {exact:.4}, bound {bound:.4}"
    );
    assert!(
        (rate - exact).abs() <= 3.5 * sigma,
        "simulated {rate}, exact {exact}"
    );
}

#[test]
fn bound_holds_against_a_simulated_guesser_with_unit() {
    let cap = 30;
    let policy = small_policy(PinBinding::Unit, cap);
    let bound = brute_force_bound(&BruteForcePolicy::from_policy(&policy, 20));
    // 30 × 3 / (10⁴ − 20 − 30) ≈ 0.009: the unit divides the chance by 20/3.
    assert!((bound - 90.0 / 9_950.0).abs() < 1e-12);
    let trials = 1_000;
    // The target unit holds 3 PINs, 17 other units one each.
    let mut layout = vec![3];
    layout.extend([1; 17]);
    let (rate, _) = simulate(&policy, &layout, Some(0), trials);
    let sigma = (bound * (1.0 - bound) / f64::from(trials)).sqrt();
    eprintln!("simulated success rate {rate:.4} over {trials} days, bound {bound:.4}");
    assert!(
        rate <= bound + 3.0 * sigma,
        "simulated {rate} above bound {bound}"
    );
}
