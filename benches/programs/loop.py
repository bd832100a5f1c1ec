def main():
    n = 3000000
    i = 0
    acc = 0
    xr = 0
    while i < n:
        acc = (acc + i * i) % 1000000007
        xr = xr ^ (acc % 65536)
        i += 1
    print("acc =", acc, "xor =", xr)
main()
