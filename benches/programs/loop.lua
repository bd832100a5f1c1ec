local n = 3000000
local i = 0
local acc = 0
local xr = 0
while i < n do
  acc = (acc + i * i) % 1000000007
  xr = xr ~ (acc % 65536)
  i = i + 1
end
print("acc = " .. acc .. " xor = " .. xr)
