class Counter:
    def __init__(self):
        self.n = 0
        self.total = 0

    def inc(self):
        self.n += 1

    def add(self, k):
        self.total = (self.total + k) % 1000000007

    def get(self):
        return self.n


class Vec2:
    def __init__(self, x, y):
        self.x = x
        self.y = y

    def step(self, dx, dy):
        self.x = self.x + dx
        self.y = self.y - dy
        if self.x > 100.0:
            self.x = self.x - 200.0
        if self.y < -100.0:
            self.y = self.y + 200.0

    def dot(self, o):
        return self.x * o.x + self.y * o.y


def main():
    c = Counter()
    p = Vec2(1.0, 2.0)
    q = Vec2(0.25, -0.5)
    acc = 0
    d = 0.0
    i = 0
    while i < 600000:
        c.inc()
        c.add(i % 7)
        acc = (acc * 31 + c.get() % 1000) % 1000000007
        p.step((i % 13) * 0.125, (i % 5) * 0.375)
        d = d + p.dot(q)
        i += 1
    print("n =", c.get(), "total =", c.total, "acc =", acc)
    print(f"p = ({p.x:.6f}, {p.y:.6f}) dot sum = {d:.6f}")


main()
