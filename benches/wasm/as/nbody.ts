// AssemblyScript twin of benches/programs/nbody.ruchy: the same parallel
// arrays (StaticArray<f64> globals) and order of float operations.
import { println, fixed } from "./lib/io";

const PI = 3.141592653589793;
const SOLAR_MASS = 4.0 * PI * PI;
const DPY = 365.24;
const NB = 5;

const xs: StaticArray<f64> = [0.0, 4.84143144246472090, 8.34336671824457987, 12.8943695621391310, 15.3796971148509165];
const ys: StaticArray<f64> = [0.0, -1.16032004402742839, 4.12479856412430479, -15.1111514016986312, -25.9193146099879641];
const zs: StaticArray<f64> = [0.0, -0.103622044471123109, -0.403523417114321381, -0.223307578892655734, 0.179258772950371181];
const vxs: StaticArray<f64> = [0.0, 0.00166007664274403694 * DPY, -0.00276742510726862411 * DPY, 0.00296460137564761618 * DPY, 0.00268067772490389322 * DPY];
const vys: StaticArray<f64> = [0.0, 0.00769901118419740425 * DPY, 0.00499852801234917238 * DPY, 0.00237847173959480950 * DPY, 0.00162824170038242295 * DPY];
const vzs: StaticArray<f64> = [0.0, -0.0000690460016972063023 * DPY, 0.0000230417297573763929 * DPY, -0.0000296589568540237556 * DPY, -0.0000951592254519715870 * DPY];
const ms: StaticArray<f64> = [SOLAR_MASS, 0.000954791938424326609 * SOLAR_MASS, 0.000285885980666130812 * SOLAR_MASS, 0.0000436624404335156298 * SOLAR_MASS, 0.0000515138902046611451 * SOLAR_MASS];

function offsetMomentum(): void {
  let px = 0.0;
  let py = 0.0;
  let pz = 0.0;
  for (let i = 0; i < NB; i++) {
    px = px + vxs[i] * ms[i];
    py = py + vys[i] * ms[i];
    pz = pz + vzs[i] * ms[i];
  }
  vxs[0] = 0.0 - px / SOLAR_MASS;
  vys[0] = 0.0 - py / SOLAR_MASS;
  vzs[0] = 0.0 - pz / SOLAR_MASS;
}

function energy(): f64 {
  let e = 0.0;
  for (let i = 0; i < NB; i++) {
    e = e + 0.5 * ms[i] * (vxs[i] * vxs[i] + vys[i] * vys[i] + vzs[i] * vzs[i]);
    for (let j = i + 1; j < NB; j++) {
      const dx = xs[i] - xs[j];
      const dy = ys[i] - ys[j];
      const dz = zs[i] - zs[j];
      e = e - ms[i] * ms[j] / Math.sqrt(dx * dx + dy * dy + dz * dz);
    }
  }
  return e;
}

function advance(dt: f64): void {
  for (let i = 0; i < NB; i++) {
    const xi = xs[i];
    const yi = ys[i];
    const zi = zs[i];
    const mi = ms[i];
    let vxi = vxs[i];
    let vyi = vys[i];
    let vzi = vzs[i];
    for (let j = i + 1; j < NB; j++) {
      const dx = xi - xs[j];
      const dy = yi - ys[j];
      const dz = zi - zs[j];
      const d2 = dx * dx + dy * dy + dz * dz;
      const mag = dt / (d2 * Math.sqrt(d2));
      const mj = ms[j];
      vxi = vxi - dx * mj * mag;
      vyi = vyi - dy * mj * mag;
      vzi = vzi - dz * mj * mag;
      vxs[j] = vxs[j] + dx * mi * mag;
      vys[j] = vys[j] + dy * mi * mag;
      vzs[j] = vzs[j] + dz * mi * mag;
    }
    vxs[i] = vxi;
    vys[i] = vyi;
    vzs[i] = vzi;
  }
  for (let i = 0; i < NB; i++) {
    xs[i] = xs[i] + dt * vxs[i];
    ys[i] = ys[i] + dt * vys[i];
    zs[i] = zs[i] + dt * vzs[i];
  }
}

export function _start(): void {
  const steps = 100000;
  offsetMomentum();
  println(fixed(energy(), 9));
  for (let s = 0; s < steps; s++) advance(0.01);
  println(fixed(energy(), 9));
}
