// Native twin of benches/programs/binary_trees.ruchy: boxed nodes, a leaf has
// no children.
use std::hint::black_box;

struct Node {
    left: Option<Box<Node>>,
    right: Option<Box<Node>>,
}

fn bottom_up(d: i64) -> Box<Node> {
    if d == 0 {
        Box::new(Node { left: None, right: None })
    } else {
        Box::new(Node { left: Some(bottom_up(d - 1)), right: Some(bottom_up(d - 1)) })
    }
}

fn check(t: &Node) -> i64 {
    match (&t.left, &t.right) {
        (Some(l), Some(r)) => 1 + check(l) + check(r),
        _ => 1,
    }
}

fn main() {
    let min_depth = 4;
    let max_depth: i64 = black_box(16);
    let stretch = max_depth + 1;
    println!("stretch tree of depth {stretch} check: {}", check(&bottom_up(stretch)));
    let long_lived = bottom_up(max_depth);
    let mut d = min_depth;
    while d <= max_depth {
        let iters = 1i64 << (max_depth - d + min_depth);
        let mut chk = 0;
        for _ in 0..iters {
            chk += check(&bottom_up(d));
        }
        println!("{iters} trees of depth {d} check: {chk}");
        d += 2;
    }
    println!("long lived tree of depth {max_depth} check: {}", check(&long_lived));
}
