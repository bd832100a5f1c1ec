// Native twin of benches/programs/nbody.ruchy: the same parallel arrays and
// the same order of float operations, so the energies agree to the last bit.
use std::hint::black_box;

const NB: usize = 5;

struct Bodies {
    xs: [f64; NB],
    ys: [f64; NB],
    zs: [f64; NB],
    vxs: [f64; NB],
    vys: [f64; NB],
    vzs: [f64; NB],
    ms: [f64; NB],
}

fn offset_momentum(b: &mut Bodies, solar_mass: f64) {
    let mut px = 0.0;
    let mut py = 0.0;
    let mut pz = 0.0;
    for i in 0..NB {
        px = px + b.vxs[i] * b.ms[i];
        py = py + b.vys[i] * b.ms[i];
        pz = pz + b.vzs[i] * b.ms[i];
    }
    b.vxs[0] = 0.0 - px / solar_mass;
    b.vys[0] = 0.0 - py / solar_mass;
    b.vzs[0] = 0.0 - pz / solar_mass;
}

fn energy(b: &Bodies) -> f64 {
    let mut e = 0.0;
    for i in 0..NB {
        e = e + 0.5 * b.ms[i] * (b.vxs[i] * b.vxs[i] + b.vys[i] * b.vys[i] + b.vzs[i] * b.vzs[i]);
        for j in i + 1..NB {
            let dx = b.xs[i] - b.xs[j];
            let dy = b.ys[i] - b.ys[j];
            let dz = b.zs[i] - b.zs[j];
            e = e - b.ms[i] * b.ms[j] / (dx * dx + dy * dy + dz * dz).sqrt();
        }
    }
    e
}

fn advance(b: &mut Bodies, dt: f64) {
    for i in 0..NB {
        let xi = b.xs[i];
        let yi = b.ys[i];
        let zi = b.zs[i];
        let mi = b.ms[i];
        let mut vxi = b.vxs[i];
        let mut vyi = b.vys[i];
        let mut vzi = b.vzs[i];
        for j in i + 1..NB {
            let dx = xi - b.xs[j];
            let dy = yi - b.ys[j];
            let dz = zi - b.zs[j];
            let d2 = dx * dx + dy * dy + dz * dz;
            let mag = dt / (d2 * d2.sqrt());
            let mj = b.ms[j];
            vxi = vxi - dx * mj * mag;
            vyi = vyi - dy * mj * mag;
            vzi = vzi - dz * mj * mag;
            b.vxs[j] = b.vxs[j] + dx * mi * mag;
            b.vys[j] = b.vys[j] + dy * mi * mag;
            b.vzs[j] = b.vzs[j] + dz * mi * mag;
        }
        b.vxs[i] = vxi;
        b.vys[i] = vyi;
        b.vzs[i] = vzi;
    }
    for i in 0..NB {
        b.xs[i] = b.xs[i] + dt * b.vxs[i];
        b.ys[i] = b.ys[i] + dt * b.vys[i];
        b.zs[i] = b.zs[i] + dt * b.vzs[i];
    }
}

fn main() {
    let pi = 3.141592653589793;
    let solar_mass = 4.0 * pi * pi;
    let dpy = black_box(365.24);
    let mut b = Bodies {
        xs: [0.0, 4.84143144246472090, 8.34336671824457987, 12.8943695621391310, 15.3796971148509165],
        ys: [0.0, -1.16032004402742839, 4.12479856412430479, -15.1111514016986312, -25.9193146099879641],
        zs: [0.0, -0.103622044471123109, -0.403523417114321381, -0.223307578892655734, 0.179258772950371181],
        vxs: [0.0, 0.00166007664274403694 * dpy, -0.00276742510726862411 * dpy, 0.00296460137564761618 * dpy, 0.00268067772490389322 * dpy],
        vys: [0.0, 0.00769901118419740425 * dpy, 0.00499852801234917238 * dpy, 0.00237847173959480950 * dpy, 0.00162824170038242295 * dpy],
        vzs: [0.0, -0.0000690460016972063023 * dpy, 0.0000230417297573763929 * dpy, -0.0000296589568540237556 * dpy, -0.0000951592254519715870 * dpy],
        ms: [solar_mass, 0.000954791938424326609 * solar_mass, 0.000285885980666130812 * solar_mass, 0.0000436624404335156298 * solar_mass, 0.0000515138902046611451 * solar_mass],
    };
    let steps = black_box(100000);
    offset_momentum(&mut b, solar_mass);
    println!("{:.9}", energy(&b));
    for _ in 0..steps {
        advance(&mut b, 0.01);
    }
    println!("{:.9}", energy(&b));
}
