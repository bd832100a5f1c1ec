// AssemblyScript twin of benches/programs/word_count.ruchy: Map<string, i64>.
import { println } from "./lib/io";

const SYL: StaticArray<string> = ["ka", "lo", "mi", "ne", "ru", "shi", "ta", "vo", "ze", "pa", "qui", "ro", "su", "te", "wa", "yo"];

function getOr(m: Map<string, i64>, k: string): i64 {
  return m.has(k) ? m.get(k) : 0;
}

export function _start(): void {
  const n = 500000;
  let seed: i64 = 42;
  const counts = new Map<string, i64>();
  const firsts = new Map<string, i64>();
  for (let i = 0; i < n; i++) {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    const r = <i32>(seed / 65536);
    const a = SYL[r % 16];
    let w = a + SYL[(r / 16) % 16];
    if ((r / 256) % 4 == 0) {
      w = w + SYL[(r / 1024) % 16];
    }
    counts.set(w, getOr(counts, w) + 1);
    if (firsts.has(a)) {
      firsts.set(a, firsts.get(a) + 1);
    } else {
      firsts.set(a, 1);
    }
  }
  let best = "";
  let bestN: i64 = 0;
  let total: i64 = 0;
  let keyBytes = 0;
  const keys = counts.keys();
  for (let i = 0; i < keys.length; i++) {
    const w = keys[i];
    const c = counts.get(w);
    total += c;
    keyBytes += String.UTF8.byteLength(w);
    if (c > bestN || (c == bestN && w < best)) {
      best = w;
      bestN = c;
    }
  }
  println("words = " + total.toString() + " unique = " + counts.size.toString() + " key bytes = " + keyBytes.toString());
  println("most common = " + best + " " + bestN.toString());
  println("kalo = " + getOr(counts, "kalo").toString() + " shita = " + getOr(counts, "shita").toString() + " zewayo = " + getOr(counts, "zewayo").toString() + " nope = " + getOr(counts, "nope").toString());
  println("first ka = " + firsts.get("ka").toString() + " first yo = " + firsts.get("yo").toString() + " firsts = " + firsts.size.toString());
}
