// Native twin of benches/programs/strings.ruchy: `s += &piece` on a String.
use std::hint::black_box;

fn build(n: i64) -> String {
    let mut s = String::new();
    let mut i = 0;
    while i < n {
        let piece = (i % 1000).to_string() + ",";
        s += &piece;
        i += 1;
    }
    s
}

fn main() {
    let n = black_box(1000000);
    let s = build(n);
    let total = s.len();
    let parts: Vec<&str> = s.split(',').collect();
    println!("len = {total}");
    println!("parts = {}", parts.len());
    println!("head = {}", &s[0..24]);
    println!("tail = {}", &s[total - 24..total]);
    println!("mid = {} {}", parts[123457], parts[n as usize - 1]);
}
