-- A node is {left, right}; a leaf is {false, false}.
local function bottom_up(d)
  if d == 0 then return {false, false} end
  return {bottom_up(d - 1), bottom_up(d - 1)}
end

local function check(t)
  local l = t[1]
  if not l then return 1 end
  return 1 + check(l) + check(t[2])
end

local min_depth = 4
local max_depth = 16
local stretch = max_depth + 1
print(string.format("stretch tree of depth %d check: %d", stretch, check(bottom_up(stretch))))
local long_lived = bottom_up(max_depth)
local d = min_depth
while d <= max_depth do
  local iters = 1 << (max_depth - d + min_depth)
  local chk = 0
  local i = 0
  while i < iters do
    chk = chk + check(bottom_up(d))
    i = i + 1
  end
  print(string.format("%d trees of depth %d check: %d", iters, d, chk))
  d = d + 2
end
print(string.format("long lived tree of depth %d check: %d", max_depth, check(long_lived)))
