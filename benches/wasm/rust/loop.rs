// Native twin of benches/programs/loop.ruchy.
use std::hint::black_box;

fn main() {
    let n: i64 = black_box(3000000);
    let mut i: i64 = 0;
    let mut acc: i64 = 0;
    let mut xr: i64 = 0;
    while i < n {
        acc = (acc + i * i) % 1000000007;
        xr ^= acc % 65536;
        i += 1;
    }
    println!("acc = {acc} xor = {xr}");
}
