// Native twin of benches/programs/word_count.ruchy: HashMap<String, i64>
// (std's default hasher), updated through the entry API.
use std::collections::HashMap;
use std::hint::black_box;

const SYL: [&str; 16] = ["ka", "lo", "mi", "ne", "ru", "shi", "ta", "vo", "ze", "pa", "qui", "ro", "su", "te", "wa", "yo"];

fn main() {
    let n: i64 = black_box(500000);
    let mut seed: i64 = 42;
    let mut counts: HashMap<String, i64> = HashMap::new();
    let mut firsts: HashMap<&str, i64> = HashMap::new();
    for _ in 0..n {
        seed = (seed * 1103515245 + 12345) % 2147483648;
        let r = seed / 65536;
        let a = SYL[(r % 16) as usize];
        let mut w = a.to_string() + SYL[((r / 16) % 16) as usize];
        if (r / 256) % 4 == 0 {
            w += SYL[((r / 1024) % 16) as usize];
        }
        *counts.entry(w).or_insert(0) += 1;
        *firsts.entry(a).or_insert(0) += 1;
    }
    let mut best: &str = "";
    let mut best_n = 0;
    let mut total = 0;
    let mut key_bytes = 0;
    for (w, &c) in &counts {
        total += c;
        key_bytes += w.len();
        if c > best_n || (c == best_n && w.as_str() < best) {
            best = w;
            best_n = c;
        }
    }
    let get = |k: &str| counts.get(k).copied().unwrap_or(0);
    println!("words = {total} unique = {} key bytes = {key_bytes}", counts.len());
    println!("most common = {best} {best_n}");
    println!("kalo = {} shita = {} zewayo = {} nope = {}", get("kalo"), get("shita"), get("zewayo"), get("nope"));
    println!("first ka = {} first yo = {} firsts = {}", firsts["ka"], firsts["yo"], firsts.len());
}
