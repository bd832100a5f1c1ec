// AssemblyScript twin of benches/programs/strings.ruchy. AssemblyScript has
// no in-place string append (`s += piece` copies the whole string: quadratic
// here), so it builds with the idiomatic pieces array + join("").
import { println } from "./lib/io";

function build(n: i32): string {
  const parts = new Array<string>();
  for (let i = 0; i < n; i++) {
    const piece = (i % 1000).toString() + ",";
    parts.push(piece);
  }
  return parts.join("");
}

export function _start(): void {
  const n = 1000000;
  const s = build(n);
  const total = s.length;
  const parts = s.split(",");
  println("len = " + total.toString());
  println("parts = " + parts.length.toString());
  println("head = " + s.substring(0, 24));
  println("tail = " + s.substring(total - 24, total));
  println("mid = " + parts[123457] + " " + parts[n - 1]);
}
