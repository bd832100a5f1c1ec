-- Lua strings are immutable and `s = s .. x` copies the whole string each
-- time (quadratic), so the idiomatic buffer (table + table.concat) is used.
local function build(n)
  local buf = {}
  local i = 0
  while i < n do
    local piece = tostring(i % 1000) .. ","
    buf[#buf + 1] = piece
    i = i + 1
  end
  return table.concat(buf)
end

local n = 1000000
local s = build(n)
local total = #s
local parts = {}
for p in s:gmatch("([^,]*),") do parts[#parts + 1] = p end
-- s ends with ",", so split(",") yields one more (empty) field at the end
parts[#parts + 1] = ""
print("len = " .. total)
print("parts = " .. #parts)
print("head = " .. s:sub(1, 24))
print("tail = " .. s:sub(total - 23, total))
print("mid = " .. parts[123458] .. " " .. parts[n])
