// AssemblyScript twin of benches/wasm/programs/mandelbrot.ruchy.
import { println } from "./lib/io";

export function _start(): void {
  const n = 1600;
  const iter = 50;
  const limit = 4.0;
  let inside: i64 = 0;
  let sum: i64 = 0;
  for (let y = 0; y < n; y++) {
    const ci = 2.0 * <f64>y / <f64>n - 1.0;
    let bits: i64 = 0;
    let bitNum = 0;
    for (let x = 0; x < n; x++) {
      const cr = 2.0 * <f64>x / <f64>n - 1.5;
      let zr = 0.0;
      let zi = 0.0;
      let tr = 0.0;
      let ti = 0.0;
      let i = 0;
      while (i < iter && tr + ti <= limit) {
        zi = 2.0 * zr * zi + ci;
        zr = tr - ti + cr;
        tr = zr * zr;
        ti = zi * zi;
        i += 1;
      }
      bits = bits << 1;
      if (tr + ti <= limit) {
        bits = bits | 1;
        inside += 1;
      }
      bitNum += 1;
      if (bitNum == 8 || x == n - 1) {
        bits = bits << (8 - bitNum);
        sum = (sum * 31 + bits) % 1000000007;
        bits = 0;
        bitNum = 0;
      }
    }
  }
  println("mandelbrot " + n.toString() + " inside = " + inside.toString() + " checksum = " + sum.toString());
}
