//! Float functions `core` lacks, from the `libm` crate: the VM calls the
//! same crate (`ruchy_vm::builtins`), so both tiers compute the same bits
//! and print the same digits on every platform (the system libm, what
//! `std`'s `f64::sin` calls, differs from it in the last digit now and
//! then). `powi` is compiler-rt's `__powidf2` algorithm, which is what
//! `f64::powi` compiles to.

pub use libm::{atan, atan2, ceil, cos, exp, floor, log10, log2, round, sin, sqrt, tan, trunc};

/// Natural logarithm (`f64::ln`).
#[inline]
pub fn ln(x: f64) -> f64 {
    libm::log(x)
}

/// `x.powf(y)`.
#[inline]
pub fn powf(x: f64, y: f64) -> f64 {
    libm::pow(x, y)
}

/// `x.log(base)` = `ln x / ln base`, as `std` computes it.
pub fn log_base(x: f64, base: f64) -> f64 {
    ln(x) / ln(base)
}

/// `x.powi(n)`: compiler-rt's `__powidf2`.
pub fn powi(mut a: f64, mut b: i32) -> f64 {
    let recip = b < 0;
    let mut r = 1.0;
    loop {
        if b & 1 != 0 {
            r *= a;
        }
        b /= 2;
        if b == 0 {
            break;
        }
        a *= a;
    }
    if recip {
        1.0 / r
    } else {
        r
    }
}

/// `f64::abs`.
pub fn abs(x: f64) -> f64 {
    f64::from_bits(x.to_bits() & !(1 << 63))
}

/// `f64::signum`: ±1.0 by the sign bit, NaN for NaN.
pub fn signum(x: f64) -> f64 {
    if x.is_nan() {
        f64::NAN
    } else {
        f64::from_bits(1f64.to_bits() | (x.to_bits() & (1 << 63)))
    }
}

/// `f64::fract`.
pub fn fract(x: f64) -> f64 {
    x - trunc(x)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn match_std() {
        extern crate std;
        for x in [0.0, -0.0, 1.5, -2.5, 2.5, 1e300, -7.25, f64::INFINITY, f64::NAN, 0.1] {
            let same = |a: f64, b: f64| a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan());
            assert!(same(round(x), x.round()), "round {x}");
            assert!(same(abs(x), x.abs()));
            assert!(same(signum(x), x.signum()));
            assert!(same(fract(x), x.fract()));
            assert!(same(floor(x), x.floor()));
            for n in [-3, -1, 0, 1, 2, 7, 31] {
                assert!(same(powi(x, n), x.powi(n)), "powi {x} {n}");
            }
            assert!(same(sqrt(x), x.sqrt()));
        }
    }

    /// The transcendental functions are libm's, not the system's, so they
    /// may differ from `std` — but by at most an ulp or two.
    #[test]
    fn transcendentals_are_within_two_ulps_of_std() {
        extern crate std;
        let close = |a: f64, b: f64| a == b || (a.is_nan() && b.is_nan()) || (a.to_bits() as i64 - b.to_bits() as i64).abs() <= 2;
        for x in [0.1, 0.5, 1.5, 2.5, 3.0, 10.0, 123.456, 1e-5, 700.0] {
            assert!(close(sin(x), x.sin()), "sin {x}");
            assert!(close(cos(x), x.cos()), "cos {x}");
            assert!(close(tan(x), x.tan()), "tan {x}");
            assert!(close(atan(x), x.atan()), "atan {x}");
            assert!(close(atan2(x, 0.7), x.atan2(0.7)), "atan2 {x}");
            assert!(close(exp(x), x.exp()), "exp {x}");
            assert!(close(ln(x), x.ln()), "ln {x}");
            assert!(close(log10(x), x.log10()), "log10 {x}");
            assert!(close(log2(x), x.log2()), "log2 {x}");
            assert!(close(powf(x, 1.7), x.powf(1.7)), "powf {x}");
            assert!(close(log_base(x, 3.0), x.log(3.0)), "log {x}");
        }
    }
}
