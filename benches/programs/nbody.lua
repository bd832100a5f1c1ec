local PI = 3.141592653589793
local SOLAR_MASS = 4.0 * PI * PI
local DPY = 365.24
local sqrt = math.sqrt

-- Lua arrays are 1-based; index k+1 holds body k.
local xs = {0.0, 4.84143144246472090, 8.34336671824457987, 12.8943695621391310, 15.3796971148509165}
local ys = {0.0, -1.16032004402742839, 4.12479856412430479, -15.1111514016986312, -25.9193146099879641}
local zs = {0.0, -0.103622044471123109, -0.403523417114321381, -0.223307578892655734, 0.179258772950371181}
local vxs = {0.0, 0.00166007664274403694 * DPY, -0.00276742510726862411 * DPY, 0.00296460137564761618 * DPY, 0.00268067772490389322 * DPY}
local vys = {0.0, 0.00769901118419740425 * DPY, 0.00499852801234917238 * DPY, 0.00237847173959480950 * DPY, 0.00162824170038242295 * DPY}
local vzs = {0.0, -0.0000690460016972063023 * DPY, 0.0000230417297573763929 * DPY, -0.0000296589568540237556 * DPY, -0.0000951592254519715870 * DPY}
local ms = {SOLAR_MASS, 0.000954791938424326609 * SOLAR_MASS, 0.000285885980666130812 * SOLAR_MASS, 0.0000436624404335156298 * SOLAR_MASS, 0.0000515138902046611451 * SOLAR_MASS}
local NB = 5

local function offset_momentum()
  local px, py, pz = 0.0, 0.0, 0.0
  local i = 1
  while i <= NB do
    px = px + vxs[i] * ms[i]
    py = py + vys[i] * ms[i]
    pz = pz + vzs[i] * ms[i]
    i = i + 1
  end
  vxs[1] = 0.0 - px / SOLAR_MASS
  vys[1] = 0.0 - py / SOLAR_MASS
  vzs[1] = 0.0 - pz / SOLAR_MASS
end

local function energy()
  local e = 0.0
  local i = 1
  while i <= NB do
    e = e + 0.5 * ms[i] * (vxs[i] * vxs[i] + vys[i] * vys[i] + vzs[i] * vzs[i])
    local j = i + 1
    while j <= NB do
      local dx = xs[i] - xs[j]
      local dy = ys[i] - ys[j]
      local dz = zs[i] - zs[j]
      e = e - ms[i] * ms[j] / sqrt(dx * dx + dy * dy + dz * dz)
      j = j + 1
    end
    i = i + 1
  end
  return e
end

local function advance(dt)
  local i = 1
  while i <= NB do
    local xi, yi, zi, mi = xs[i], ys[i], zs[i], ms[i]
    local vxi, vyi, vzi = vxs[i], vys[i], vzs[i]
    local j = i + 1
    while j <= NB do
      local dx = xi - xs[j]
      local dy = yi - ys[j]
      local dz = zi - zs[j]
      local d2 = dx * dx + dy * dy + dz * dz
      local mag = dt / (d2 * sqrt(d2))
      local mj = ms[j]
      vxi = vxi - dx * mj * mag
      vyi = vyi - dy * mj * mag
      vzi = vzi - dz * mj * mag
      vxs[j] = vxs[j] + dx * mi * mag
      vys[j] = vys[j] + dy * mi * mag
      vzs[j] = vzs[j] + dz * mi * mag
      j = j + 1
    end
    vxs[i] = vxi
    vys[i] = vyi
    vzs[i] = vzi
    i = i + 1
  end
  i = 1
  while i <= NB do
    xs[i] = xs[i] + dt * vxs[i]
    ys[i] = ys[i] + dt * vys[i]
    zs[i] = zs[i] + dt * vzs[i]
    i = i + 1
  end
end

local steps = 100000
offset_momentum()
print(string.format("%.9f", energy()))
local s = 0
while s < steps do
  advance(0.01)
  s = s + 1
end
print(string.format("%.9f", energy()))
