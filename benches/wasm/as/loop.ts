// AssemblyScript twin of benches/programs/loop.ruchy.
import { println } from "./lib/io";

export function _start(): void {
  const n: i64 = 3000000;
  let i: i64 = 0;
  let acc: i64 = 0;
  let xr: i64 = 0;
  while (i < n) {
    acc = (acc + i * i) % 1000000007;
    xr = xr ^ (acc % 65536);
    i += 1;
  }
  println("acc = " + acc.toString() + " xor = " + xr.toString());
}
