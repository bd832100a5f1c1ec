// AssemblyScript twin of benches/wasm/programs/spectral_norm.ruchy.
import { println, fixed } from "./lib/io";

function a(i: i64, j: i64): f64 {
  const ij = i + j;
  return 1.0 / <f64>(ij * (ij + 1) / 2 + i + 1);
}

function mulAv(v: StaticArray<f64>): StaticArray<f64> {
  const n = v.length;
  const out = new StaticArray<f64>(n);
  for (let i = 0; i < n; i++) {
    let sum = 0.0;
    for (let j = 0; j < n; j++) sum = sum + a(i, j) * v[j];
    out[i] = sum;
  }
  return out;
}

function mulAtv(v: StaticArray<f64>): StaticArray<f64> {
  const n = v.length;
  const out = new StaticArray<f64>(n);
  for (let i = 0; i < n; i++) {
    let sum = 0.0;
    for (let j = 0; j < n; j++) sum = sum + a(j, i) * v[j];
    out[i] = sum;
  }
  return out;
}

export function _start(): void {
  const n = 1500;
  let u = new StaticArray<f64>(n);
  let v = new StaticArray<f64>(n);
  for (let i = 0; i < n; i++) u[i] = 1.0;
  for (let k = 0; k < 10; k++) {
    v = mulAtv(mulAv(u));
    u = mulAtv(mulAv(v));
  }
  let vbv = 0.0;
  let vv = 0.0;
  for (let i = 0; i < n; i++) {
    vbv = vbv + u[i] * v[i];
    vv = vv + v[i] * v[i];
  }
  const norm = Math.sqrt(vbv / vv);
  println("spectral norm of " + n.toString() + ": " + fixed(norm, 9));
}
