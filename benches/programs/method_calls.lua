local Counter = {}
Counter.__index = Counter
function Counter.new() return setmetatable({n = 0, total = 0}, Counter) end
function Counter:inc() self.n = self.n + 1 end
function Counter:add(k) self.total = (self.total + k) % 1000000007 end
function Counter:get() return self.n end

local Vec2 = {}
Vec2.__index = Vec2
function Vec2.new(x, y) return setmetatable({x = x, y = y}, Vec2) end
function Vec2:step(dx, dy)
  self.x = self.x + dx
  self.y = self.y - dy
  if self.x > 100.0 then self.x = self.x - 200.0 end
  if self.y < -100.0 then self.y = self.y + 200.0 end
end
function Vec2:dot(o) return self.x * o.x + self.y * o.y end

local function main()
  local c = Counter.new()
  local p = Vec2.new(1.0, 2.0)
  local q = Vec2.new(0.25, -0.5)
  local acc = 0
  local d = 0.0
  local i = 0
  while i < 600000 do
    c:inc()
    c:add(i % 7)
    acc = (acc * 31 + c:get() % 1000) % 1000000007
    p:step((i % 13) * 0.125, (i % 5) * 0.375)
    d = d + p:dot(q)
    i = i + 1
  end
  print(string.format("n = %d total = %d acc = %d", c:get(), c.total, acc))
  print(string.format("p = (%.6f, %.6f) dot sum = %.6f", p.x, p.y, d))
end

main()
