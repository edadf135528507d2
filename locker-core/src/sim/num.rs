//! Float-to-integer conversions without `as`: the simulation keeps rates in
//! `f64` (plain arithmetic works in `no_std`) and needs whole counts.

/// The largest `u32` not above `x`: 0 for negative numbers and NaN,
/// `u32::MAX` above it. A binary search over exact `f64` values.
pub(crate) fn floor_u32(x: f64) -> u32 {
    if x.is_nan() || x < 1.0 {
        return 0;
    }
    if x >= f64::from(u32::MAX) {
        return u32::MAX;
    }
    let (mut lo, mut hi) = (0_u32, u32::MAX);
    while lo < hi {
        let mid = lo + (hi - lo).div_ceil(2);
        if f64::from(mid) <= x {
            lo = mid;
        } else {
            hi = mid - 1;
        }
    }
    lo
}

/// The smallest `u32` not below `x` (saturating).
pub(crate) fn ceil_u32(x: f64) -> u32 {
    let floor = floor_u32(x);
    if f64::from(floor) < x {
        floor.saturating_add(1)
    } else {
        floor
    }
}

/// `x` in `0..n` from a uniform `u32`, by widening multiplication (no
/// modulo bias worth the name for `n` far below 2³²).
pub(crate) fn below(random: u32, n: u32) -> u32 {
    let wide = (u64::from(random) * u64::from(n)) >> 32;
    u32::try_from(wide).unwrap_or(0)
}

/// A `u64` count as `f64` (exact up to 2⁵³, ample for parcel counts).
#[allow(clippy::cast_precision_loss)]
pub(crate) const fn to_f64(x: u64) -> f64 {
    x as f64
}

/// The square root of `x` (0 for `x` at or under 0 and for NaN), by
/// Newton's method: `core` has no `f64::sqrt` without `std`, and the
/// planner needs the same keys on every platform.
pub(crate) fn sqrt(x: f64) -> f64 {
    if x.is_nan() || x <= 0.0 {
        return 0.0;
    }
    if x.is_infinite() {
        return x;
    }
    // Halving the exponent gives a start within a factor of 2.
    let mut y = f64::from_bits((x.to_bits() >> 1) + (1023_u64 << 51));
    for _ in 0..8 {
        y = f64::midpoint(y, x / y);
    }
    y
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floor_and_ceil_match_the_float_functions() {
        for x in [0.0, 0.2, 1.0, 1.5, 2.999, 3.0, 41.7, 1e9 + 0.5] {
            let f = floor_u32(x);
            assert!(f64::from(f) <= x && x < f64::from(f) + 1.0, "{x}");
            let c = ceil_u32(x);
            assert!(f64::from(c) >= x && f64::from(c) < x + 1.0, "{x}");
        }
        assert_eq!(floor_u32(-3.0), 0);
        assert_eq!(floor_u32(f64::NAN), 0);
        assert_eq!(floor_u32(1e20), u32::MAX);
    }

    #[test]
    fn sqrt_is_accurate() {
        for x in [1e-9, 0.25, 1.0, 2.0, 9.0, 123.456, 1e6, 1e12] {
            let y = sqrt(x);
            assert!((y * y - x).abs() <= x * 1e-12, "{x}: {y}");
        }
        assert_eq!(sqrt(0.0), 0.0);
        assert_eq!(sqrt(-4.0), 0.0);
        assert_eq!(sqrt(f64::NAN), 0.0);
    }

    #[test]
    fn below_stays_in_range() {
        assert_eq!(below(u32::MAX, 10), 9);
        assert_eq!(below(0, 10), 0);
        assert_eq!(below(u32::MAX / 2, 2), 0);
    }
}
