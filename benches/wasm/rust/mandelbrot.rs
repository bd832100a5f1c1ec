// Native twin of benches/wasm/programs/mandelbrot.ruchy.
use std::hint::black_box;

fn main() {
    let n: i64 = black_box(1600);
    let iter = 50;
    let limit = 4.0;
    let mut inside: i64 = 0;
    let mut sum: i64 = 0;
    for y in 0..n {
        let ci = 2.0 * (y as f64) / (n as f64) - 1.0;
        let mut bits: i64 = 0;
        let mut bit_num = 0;
        for x in 0..n {
            let cr = 2.0 * (x as f64) / (n as f64) - 1.5;
            let mut zr = 0.0;
            let mut zi = 0.0;
            let mut tr = 0.0;
            let mut ti = 0.0;
            let mut i = 0;
            while i < iter && tr + ti <= limit {
                zi = 2.0 * zr * zi + ci;
                zr = tr - ti + cr;
                tr = zr * zr;
                ti = zi * zi;
                i += 1;
            }
            bits <<= 1;
            if tr + ti <= limit {
                bits |= 1;
                inside += 1;
            }
            bit_num += 1;
            if bit_num == 8 || x == n - 1 {
                bits <<= 8 - bit_num;
                sum = (sum * 31 + bits) % 1000000007;
                bits = 0;
                bit_num = 0;
            }
        }
    }
    println!("mandelbrot {n} inside = {inside} checksum = {sum}");
}
