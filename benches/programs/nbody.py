import math

PI = 3.141592653589793
SOLAR_MASS = 4.0 * PI * PI
DPY = 365.24

xs = [0.0, 4.84143144246472090, 8.34336671824457987, 12.8943695621391310, 15.3796971148509165]
ys = [0.0, -1.16032004402742839, 4.12479856412430479, -15.1111514016986312, -25.9193146099879641]
zs = [0.0, -0.103622044471123109, -0.403523417114321381, -0.223307578892655734, 0.179258772950371181]
vxs = [0.0, 0.00166007664274403694 * DPY, -0.00276742510726862411 * DPY, 0.00296460137564761618 * DPY, 0.00268067772490389322 * DPY]
vys = [0.0, 0.00769901118419740425 * DPY, 0.00499852801234917238 * DPY, 0.00237847173959480950 * DPY, 0.00162824170038242295 * DPY]
vzs = [0.0, -0.0000690460016972063023 * DPY, 0.0000230417297573763929 * DPY, -0.0000296589568540237556 * DPY, -0.0000951592254519715870 * DPY]
ms = [SOLAR_MASS, 0.000954791938424326609 * SOLAR_MASS, 0.000285885980666130812 * SOLAR_MASS, 0.0000436624404335156298 * SOLAR_MASS, 0.0000515138902046611451 * SOLAR_MASS]
NB = 5


def offset_momentum():
    px = 0.0
    py = 0.0
    pz = 0.0
    i = 0
    while i < NB:
        px = px + vxs[i] * ms[i]
        py = py + vys[i] * ms[i]
        pz = pz + vzs[i] * ms[i]
        i += 1
    vxs[0] = 0.0 - px / SOLAR_MASS
    vys[0] = 0.0 - py / SOLAR_MASS
    vzs[0] = 0.0 - pz / SOLAR_MASS


def energy():
    e = 0.0
    i = 0
    while i < NB:
        e = e + 0.5 * ms[i] * (vxs[i] * vxs[i] + vys[i] * vys[i] + vzs[i] * vzs[i])
        j = i + 1
        while j < NB:
            dx = xs[i] - xs[j]
            dy = ys[i] - ys[j]
            dz = zs[i] - zs[j]
            e = e - ms[i] * ms[j] / math.sqrt(dx * dx + dy * dy + dz * dz)
            j += 1
        i += 1
    return e


def advance(dt):
    sqrt = math.sqrt
    i = 0
    while i < NB:
        xi = xs[i]
        yi = ys[i]
        zi = zs[i]
        mi = ms[i]
        vxi = vxs[i]
        vyi = vys[i]
        vzi = vzs[i]
        j = i + 1
        while j < NB:
            dx = xi - xs[j]
            dy = yi - ys[j]
            dz = zi - zs[j]
            d2 = dx * dx + dy * dy + dz * dz
            mag = dt / (d2 * sqrt(d2))
            mj = ms[j]
            vxi = vxi - dx * mj * mag
            vyi = vyi - dy * mj * mag
            vzi = vzi - dz * mj * mag
            vxs[j] = vxs[j] + dx * mi * mag
            vys[j] = vys[j] + dy * mi * mag
            vzs[j] = vzs[j] + dz * mi * mag
            j += 1
        vxs[i] = vxi
        vys[i] = vyi
        vzs[i] = vzi
        i += 1
    i = 0
    while i < NB:
        xs[i] = xs[i] + dt * vxs[i]
        ys[i] = ys[i] + dt * vys[i]
        zs[i] = zs[i] + dt * vzs[i]
        i += 1


steps = 100000
offset_momentum()
e0 = energy()
print(f"{e0:.9f}")
s = 0
while s < steps:
    advance(0.01)
    s += 1
e1 = energy()
print(f"{e1:.9f}")
