SYL = ["ka", "lo", "mi", "ne", "ru", "shi", "ta", "vo", "ze", "pa", "qui", "ro", "su", "te", "wa", "yo"]


def main():
    n = 500000
    seed = 42
    counts = {}
    firsts = {}
    i = 0
    while i < n:
        seed = (seed * 1103515245 + 12345) % 2147483648
        r = seed // 65536
        a = SYL[r % 16]
        w = a + SYL[(r // 16) % 16]
        if (r // 256) % 4 == 0:
            w = w + SYL[(r // 1024) % 16]
        counts[w] = counts.get(w, 0) + 1
        if a in firsts:
            firsts[a] = firsts[a] + 1
        else:
            firsts[a] = 1
        i += 1
    best = ""
    best_n = 0
    total = 0
    key_bytes = 0
    for w, c in counts.items():
        total += c
        key_bytes += len(w)
        if c > best_n or (c == best_n and w < best):
            best = w
            best_n = c
    print("words =", total, "unique =", len(counts), "key bytes =", key_bytes)
    print("most common =", best, best_n)
    print("kalo =", counts.get("kalo", 0), "shita =", counts.get("shita", 0), "zewayo =", counts.get("zewayo", 0), "nope =", counts.get("nope", 0))
    print("first ka =", firsts["ka"], "first yo =", firsts["yo"], "firsts =", len(firsts))


main()
