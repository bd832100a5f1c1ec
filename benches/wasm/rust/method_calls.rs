// Native twin of benches/programs/method_calls.ruchy.
use std::hint::black_box;

struct Counter {
    n: i64,
    total: i64,
}

impl Counter {
    fn new() -> Counter { Counter { n: 0, total: 0 } }
    fn inc(&mut self) { self.n += 1 }
    fn add(&mut self, k: i64) { self.total = (self.total + k) % 1000000007 }
    fn get(&self) -> i64 { self.n }
}

#[derive(Clone, Copy)]
struct Vec2 {
    x: f64,
    y: f64,
}

impl Vec2 {
    fn new(x: f64, y: f64) -> Vec2 { Vec2 { x, y } }
    fn step(&mut self, dx: f64, dy: f64) {
        self.x = self.x + dx;
        self.y = self.y - dy;
        if self.x > 100.0 { self.x = self.x - 200.0 }
        if self.y < -100.0 { self.y = self.y + 200.0 }
    }
    fn dot(&self, o: Vec2) -> f64 { self.x * o.x + self.y * o.y }
}

fn main() {
    let iters: i64 = black_box(600000);
    let mut c = Counter::new();
    let mut p = Vec2::new(1.0, 2.0);
    let q = Vec2::new(0.25, -0.5);
    let mut acc: i64 = 0;
    let mut d = 0.0;
    let mut i: i64 = 0;
    while i < iters {
        c.inc();
        c.add(i % 7);
        acc = (acc * 31 + c.get() % 1000) % 1000000007;
        p.step((i % 13) as f64 * 0.125, (i % 5) as f64 * 0.375);
        d = d + p.dot(q);
        i += 1;
    }
    println!("n = {} total = {} acc = {}", c.get(), c.total, acc);
    println!("p = ({:.6}, {:.6}) dot sum = {:.6}", p.x, p.y, d);
}
