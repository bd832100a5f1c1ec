// AssemblyScript twin of benches/programs/binary_trees.ruchy: GC-managed
// nodes (the default incremental runtime), a leaf has no children.
import { println } from "./lib/io";

class Node {
  constructor(public left: Node | null, public right: Node | null) {}
}

function bottomUp(d: i32): Node {
  if (d == 0) return new Node(null, null);
  return new Node(bottomUp(d - 1), bottomUp(d - 1));
}

function check(t: Node): i64 {
  const l = t.left;
  if (l === null) return 1;
  return 1 + check(l) + check(t.right!);
}

export function _start(): void {
  const minDepth = 4;
  const maxDepth = 16;
  const stretch = maxDepth + 1;
  println("stretch tree of depth " + stretch.toString() + " check: " + check(bottomUp(stretch)).toString());
  const longLived = bottomUp(maxDepth);
  for (let d = minDepth; d <= maxDepth; d += 2) {
    const iters = 1 << (maxDepth - d + minDepth);
    let chk: i64 = 0;
    for (let i = 0; i < iters; i++) chk += check(bottomUp(d));
    println(iters.toString() + " trees of depth " + d.toString() + " check: " + chk.toString());
  }
  println("long lived tree of depth " + maxDepth.toString() + " check: " + check(longLived).toString());
}
