//! Float functions `core` lacks, from C's math library: natively the
//! system libm (what the VM's `std` calls), on wasm32 the routines
//! `compiler-builtins` bundles. `powi` is compiler-rt's `__powidf2`
//! algorithm, which is what `f64::powi` compiles to.

mod c {
    unsafe extern "C" {
        pub fn sqrt(x: f64) -> f64;
        pub fn sin(x: f64) -> f64;
        pub fn cos(x: f64) -> f64;
        pub fn tan(x: f64) -> f64;
        pub fn atan(x: f64) -> f64;
        pub fn atan2(y: f64, x: f64) -> f64;
        pub fn exp(x: f64) -> f64;
        pub fn log(x: f64) -> f64;
        pub fn log10(x: f64) -> f64;
        pub fn log2(x: f64) -> f64;
        pub fn floor(x: f64) -> f64;
        pub fn ceil(x: f64) -> f64;
        pub fn round(x: f64) -> f64;
        pub fn trunc(x: f64) -> f64;
        pub fn pow(x: f64, y: f64) -> f64;
    }
}

macro_rules! unary {
    ($($name:ident),*) => {
        $(
            #[doc = concat!("C's `", stringify!($name), "`.")]
            #[inline]
            pub fn $name(x: f64) -> f64 {
                // SAFETY: a pure function of a float.
                unsafe { c::$name(x) }
            }
        )*
    };
}

unary!(sqrt, sin, cos, tan, atan, exp, floor, ceil, round, trunc, log10, log2);

/// Natural logarithm (`f64::ln`).
#[inline]
pub fn ln(x: f64) -> f64 {
    // SAFETY: a pure function of a float.
    unsafe { c::log(x) }
}

/// `y.atan2(x)`.
#[inline]
pub fn atan2(y: f64, x: f64) -> f64 {
    // SAFETY: a pure function of two floats.
    unsafe { c::atan2(y, x) }
}

/// `x.powf(y)`.
#[inline]
pub fn powf(x: f64, y: f64) -> f64 {
    // SAFETY: a pure function of two floats.
    unsafe { c::pow(x, y) }
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
            assert!(same(log_base(x, 3.0), x.log(3.0)));
            assert!(same(sqrt(x), x.sqrt()));
        }
    }
}
