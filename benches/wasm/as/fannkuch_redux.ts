// AssemblyScript twin of benches/wasm/programs/fannkuch_redux.ruchy.
import { println } from "./lib/io";

function fannkuch(n: i32): void {
  const perm1 = new StaticArray<i32>(n);
  const perm = new StaticArray<i32>(n);
  const count = new StaticArray<i32>(n);
  for (let i = 0; i < n; i++) perm1[i] = i;
  let maxFlips = 0;
  let checksum = 0;
  let permCount = 0;
  let r = n;
  while (true) {
    while (r != 1) {
      count[r - 1] = r;
      r -= 1;
    }
    for (let i = 0; i < n; i++) perm[i] = perm1[i];
    let flips = 0;
    let k = perm[0];
    while (k != 0) {
      let lo = 0;
      let hi = k;
      while (lo < hi) {
        const t = perm[lo];
        perm[lo] = perm[hi];
        perm[hi] = t;
        lo += 1;
        hi -= 1;
      }
      flips += 1;
      k = perm[0];
    }
    if (flips > maxFlips) maxFlips = flips;
    if (permCount % 2 == 0) checksum += flips;
    else checksum -= flips;
    // next permutation
    while (true) {
      if (r == n) {
        println(checksum.toString());
        println("Pfannkuchen(" + n.toString() + ") = " + maxFlips.toString());
        return;
      }
      const perm0 = perm1[0];
      for (let i = 0; i < r; i++) perm1[i] = perm1[i + 1];
      perm1[r] = perm0;
      count[r] = count[r] - 1;
      if (count[r] > 0) break;
      r += 1;
    }
    permCount += 1;
  }
}

export function _start(): void {
  fannkuch(10);
}
