// Native twin of benches/programs/fib.ruchy.
use std::hint::black_box;

fn fib(n: i64) -> i64 {
    if n < 2 { n } else { fib(n - 1) + fib(n - 2) }
}

fn main() {
    println!("fib(32) = {}", fib(black_box(32)));
}
