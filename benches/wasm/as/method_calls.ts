// AssemblyScript twin of benches/programs/method_calls.ruchy.
import { println, fixed } from "./lib/io";

class Counter {
  n: i64 = 0;
  total: i64 = 0;
  inc(): void { this.n += 1; }
  add(k: i64): void { this.total = (this.total + k) % 1000000007; }
  get(): i64 { return this.n; }
}

class Vec2 {
  constructor(public x: f64, public y: f64) {}
  step(dx: f64, dy: f64): void {
    this.x = this.x + dx;
    this.y = this.y - dy;
    if (this.x > 100.0) this.x = this.x - 200.0;
    if (this.y < -100.0) this.y = this.y + 200.0;
  }
  dot(o: Vec2): f64 { return this.x * o.x + this.y * o.y; }
}

export function _start(): void {
  const c = new Counter();
  const p = new Vec2(1.0, 2.0);
  const q = new Vec2(0.25, -0.5);
  let acc: i64 = 0;
  let d = 0.0;
  let i: i64 = 0;
  while (i < 600000) {
    c.inc();
    c.add(i % 7);
    acc = (acc * 31 + c.get() % 1000) % 1000000007;
    p.step(<f64>(i % 13) * 0.125, <f64>(i % 5) * 0.375);
    d = d + p.dot(q);
    i += 1;
  }
  println("n = " + c.get().toString() + " total = " + c.total.toString() + " acc = " + acc.toString());
  println("p = (" + fixed(p.x, 6) + ", " + fixed(p.y, 6) + ") dot sum = " + fixed(d, 6));
}
