// Output helpers shared by the AssemblyScript benchmark twins: printing
// through WASI preview 1 (`fd_write`), an abort handler (selected with
// `--use abort=as/lib/io/abortHandler`, so the modules import nothing but
// WASI), and exact `{:.N}` float formatting like Rust's and Ruchy's.

// @ts-ignore: decorator
@external("wasi_snapshot_preview1", "fd_write")
declare function fd_write(fd: u32, iovs: usize, iovs_len: u32, nwritten: usize): u16;

// @ts-ignore: decorator
@external("wasi_snapshot_preview1", "proc_exit")
declare function proc_exit(code: u32): void;

const iov = memory.data(16);

function writeFd(fd: u32, s: string): void {
  const buf = String.UTF8.encode(s);
  store<u32>(iov, changetype<usize>(buf));
  store<u32>(iov, <u32>buf.byteLength, 4);
  fd_write(fd, iov, 1, iov + 8);
}

/** Prints `s` and a newline on stdout. */
export function println(s: string): void {
  writeFd(1, s + "\n");
}

export function abortHandler(message: string | null, fileName: string | null, line: u32, column: u32): void {
  writeFd(2, "abort: " + (message !== null ? message : "") + " at " + (fileName !== null ? fileName : "?") + ":" + line.toString() + ":" + column.toString() + "\n");
  proc_exit(134);
  unreachable();
}

// ---- exact fixed-point formatting: little-endian u32 limbs ----

function bigMulSmall(a: Array<u32>, m: u32): void {
  let carry: u64 = 0;
  for (let i = 0; i < a.length; i++) {
    const t = <u64>a[i] * <u64>m + carry;
    a[i] = <u32>t;
    carry = t >> 32;
  }
  if (carry != 0) a.push(<u32>carry);
}

function bigAddOne(a: Array<u32>): void {
  for (let i = 0; i < a.length; i++) {
    a[i] = a[i] + 1;
    if (a[i] != 0) return;
  }
  a.push(1);
}

function bigBit(a: Array<u32>, i: i32): bool {
  const w = i >> 5;
  return w < a.length && ((a[w] >>> (<u32>i & 31)) & 1) != 0;
}

function bigShr(a: Array<u32>, k: i32): Array<u32> {
  const ws = k >> 5;
  const bs = <u32>k & 31;
  const out = new Array<u32>();
  for (let i = ws; i < a.length; i++) {
    let v = a[i] >>> bs;
    if (bs != 0 && i + 1 < a.length) v |= a[i + 1] << (32 - bs);
    out.push(v);
  }
  return out;
}

function bigIsZero(a: Array<u32>): bool {
  for (let i = 0; i < a.length; i++) if (a[i] != 0) return false;
  return true;
}

function bigDivSmall(a: Array<u32>, d: u32): u32 {
  let rem: u64 = 0;
  for (let i = a.length - 1; i >= 0; i--) {
    const cur = (rem << 32) | <u64>a[i];
    a[i] = <u32>(cur / <u64>d);
    rem = cur % <u64>d;
  }
  return <u32>rem;
}

/** `x` with exactly `prec` decimals, rounded half-to-even on the exact binary
 *  value (Rust's `{:.N}`). */
export function fixed(x: f64, prec: i32): string {
  if (isNaN(x)) return "NaN";
  const bits = reinterpret<u64>(x);
  const neg = (bits >> 63) != 0;
  const sign = neg ? "-" : "";
  if (!isFinite(x)) return sign + "inf";
  const bexp = <i32>((bits >> 52) & 0x7ff);
  let mant = bits & 0xfffffffffffff;
  let e: i32;
  if (bexp == 0) {
    e = -1074;
  } else {
    mant |= <u64>1 << 52;
    e = bexp - 1075;
  }
  let a = new Array<u32>();
  a.push(<u32>mant);
  a.push(<u32>(mant >> 32));
  for (let i = 0; i < prec; i++) bigMulSmall(a, 10);
  if (e >= 0) {
    for (let i = 0; i < e; i++) bigMulSmall(a, 2);
  } else {
    const k = -e;
    const half = bigBit(a, k - 1);
    let below = false;
    for (let i = 0; i < k - 1 && !below; i++) if (bigBit(a, i)) below = true;
    a = bigShr(a, k);
    if (half && (below || bigBit(a, 0))) bigAddOne(a);
  }
  let digits = "";
  if (bigIsZero(a)) digits = "0";
  while (!bigIsZero(a)) digits = String.fromCharCode(48 + bigDivSmall(a, 10)) + digits;
  while (digits.length < prec + 1) digits = "0" + digits;
  if (prec == 0) return sign + digits;
  const split = digits.length - prec;
  return sign + digits.substring(0, split) + "." + digits.substring(split);
}
