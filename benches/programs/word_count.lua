local SYL = {"ka", "lo", "mi", "ne", "ru", "shi", "ta", "vo", "ze", "pa", "qui", "ro", "su", "te", "wa", "yo"}

local function main()
  local n = 500000
  local seed = 42
  local counts = {}
  local firsts = {}
  local i = 0
  while i < n do
    seed = (seed * 1103515245 + 12345) % 2147483648
    local r = seed // 65536
    local a = SYL[r % 16 + 1]
    local w = a .. SYL[(r // 16) % 16 + 1]
    if (r // 256) % 4 == 0 then
      w = w .. SYL[(r // 1024) % 16 + 1]
    end
    counts[w] = (counts[w] or 0) + 1
    if firsts[a] ~= nil then
      firsts[a] = firsts[a] + 1
    else
      firsts[a] = 1
    end
    i = i + 1
  end
  local best, best_n, total, key_bytes, unique = "", 0, 0, 0, 0
  for w, c in pairs(counts) do
    total = total + c
    key_bytes = key_bytes + #w
    unique = unique + 1
    if c > best_n or (c == best_n and w < best) then
      best = w
      best_n = c
    end
  end
  local nf = 0
  for _ in pairs(firsts) do nf = nf + 1 end
  print(string.format("words = %d unique = %d key bytes = %d", total, unique, key_bytes))
  print(string.format("most common = %s %d", best, best_n))
  print(string.format("kalo = %d shita = %d zewayo = %d nope = %d", counts["kalo"] or 0, counts["shita"] or 0, counts["zewayo"] or 0, counts["nope"] or 0))
  print(string.format("first ka = %d first yo = %d firsts = %d", firsts["ka"], firsts["yo"], nf))
end

main()
