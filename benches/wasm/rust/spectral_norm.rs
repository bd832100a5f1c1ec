// Native twin of benches/wasm/programs/spectral_norm.ruchy.
use std::hint::black_box;

fn a(i: i64, j: i64) -> f64 {
    let ij = i + j;
    1.0 / ((ij * (ij + 1) / 2 + i + 1) as f64)
}

fn mul_av(v: &[f64]) -> Vec<f64> {
    let n = v.len();
    let mut out = vec![0.0; n];
    for i in 0..n {
        let mut sum = 0.0;
        for j in 0..n {
            sum = sum + a(i as i64, j as i64) * v[j];
        }
        out[i] = sum;
    }
    out
}

fn mul_atv(v: &[f64]) -> Vec<f64> {
    let n = v.len();
    let mut out = vec![0.0; n];
    for i in 0..n {
        let mut sum = 0.0;
        for j in 0..n {
            sum = sum + a(j as i64, i as i64) * v[j];
        }
        out[i] = sum;
    }
    out
}

fn main() {
    let n: usize = black_box(1500);
    let mut u = vec![1.0; n];
    let mut v = vec![0.0; n];
    for _ in 0..10 {
        v = mul_atv(&mul_av(&u));
        u = mul_atv(&mul_av(&v));
    }
    let mut vbv = 0.0;
    let mut vv = 0.0;
    for i in 0..n {
        vbv = vbv + u[i] * v[i];
        vv = vv + v[i] * v[i];
    }
    let norm = (vbv / vv).sqrt();
    println!("spectral norm of {n}: {norm:.9}");
}
