import sys
sys.setrecursionlimit(10000)


def bottom_up(d):
    if d == 0:
        return [None, None]
    return [bottom_up(d - 1), bottom_up(d - 1)]


def check(t):
    l = t[0]
    if l is None:
        return 1
    return 1 + check(l) + check(t[1])


def main():
    min_depth = 4
    max_depth = 16
    stretch = max_depth + 1
    print(f"stretch tree of depth {stretch} check: {check(bottom_up(stretch))}")
    long_lived = bottom_up(max_depth)
    d = min_depth
    while d <= max_depth:
        iters = 1 << (max_depth - d + min_depth)
        chk = 0
        i = 0
        while i < iters:
            chk += check(bottom_up(d))
            i += 1
        print(f"{iters} trees of depth {d} check: {chk}")
        d += 2
    print(f"long lived tree of depth {max_depth} check: {check(long_lived)}")


main()
