# CPython's `s += piece` is quadratic here (the buffer is moved on realloc
# because the piece allocations sit behind it: ~10 s for 200000 appends), so
# the idiomatic list + "".join builder is used.
def build(n):
    buf = []
    i = 0
    while i < n:
        piece = str(i % 1000) + ","
        buf.append(piece)
        i += 1
    return "".join(buf)


def main():
    n = 1000000
    s = build(n)
    total = len(s)
    parts = s.split(",")
    print("len =", total)
    print("parts =", len(parts))
    print("head =", s[0:24])
    print("tail =", s[total - 24:total])
    print("mid =", parts[123457], parts[n - 1])


main()
