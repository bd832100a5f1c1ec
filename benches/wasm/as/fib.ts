// AssemblyScript twin of benches/programs/fib.ruchy.
import { println } from "./lib/io";

function fib(n: i64): i64 {
  return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

export function _start(): void {
  println("fib(32) = " + fib(32).toString());
}
