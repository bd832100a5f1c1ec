// End-to-end check of the wasm build: instantiates ruchy_runtime.wasm in
// Node with a minimal WASI shim (fd_write, proc_exit, fd_read, clock_time_get), drives the rt_*
// exports the way generated code will, and compares outputs. Run:
//
//   node runtime-lib/tests/smoke.mjs path/to/ruchy_runtime.wasm
//
// Every case runs in a fresh instance. Exits non-zero on the first mismatch.

import { readFileSync } from "node:fs";

const wasmPath = process.argv[2];
const module = new WebAssembly.Module(readFileSync(wasmPath));

// Layout constants (runtime-lib/src/layout.rs).
const STR = 1, ARRAY = 2, TUPLE = 3, STRUCT = 4, VARIANT = 5, RANGE = 12;
const K_PTR = 0, K_INT = 1, K_FLOAT = 2, K_BOOL = 3;

class Exit extends Error {
  constructor(code) { super(`exit ${code}`); this.code = code; }
}

function instance() {
  const out = { 1: [], 2: [] };
  let memory;
  const wasi = {
    fd_write(fd, iovs, n, nwritten) {
      const view = new DataView(memory.buffer);
      let total = 0;
      for (let i = 0; i < n; i++) {
        const ptr = view.getUint32(iovs + 8 * i, true);
        const len = view.getUint32(iovs + 8 * i + 4, true);
        out[fd].push(Buffer.from(new Uint8Array(memory.buffer, ptr, len)));
        total += len;
      }
      view.setUint32(nwritten, total, true);
      return 0;
    },
    proc_exit(code) { throw new Exit(code); },
    fd_read(fd, iovs, n, nread) {
      new DataView(memory.buffer).setUint32(nread, 0, true); // end of input
      return 0;
    },
    clock_time_get(id, precision, out) {
      new DataView(memory.buffer).setBigUint64(out, BigInt(Date.now()) * 1000000n, true);
      return 0;
    },
  };
  const inst = new WebAssembly.Instance(module, { wasi_snapshot_preview1: wasi });
  memory = inst.exports.memory;
  const e = inst.exports;
  const rt = {
    e,
    out,
    text: (fd) => Buffer.concat(out[fd]).toString(),
    view: () => new DataView(memory.buffer),
    str(s) {
      const bytes = Buffer.from(s);
      const a = e.rt_alloc(STR, bytes.length, 8 + bytes.length);
      new Uint8Array(memory.buffer, a + 8, bytes.length).set(bytes);
      return a;
    },
    read(s) {
      const v = new DataView(memory.buffer);
      const len = v.getUint32(s + 4, true);
      return Buffer.from(new Uint8Array(memory.buffer, s + 8, len)).toString();
    },
    // An aggregate with fields [kind, bits] (bits a BigInt or number).
    agg(meta, aux, fields) {
      const a = e.rt_alloc(meta, fields.length, 24 + 8 * fields.length);
      const v = new DataView(memory.buffer);
      let kinds = 0n;
      fields.forEach(([k, bits], i) => {
        kinds |= BigInt(k) << BigInt(2 * i);
        v.setBigUint64(a + 24 + 8 * i, BigInt.asUintN(64, BigInt(bits)), true);
      });
      v.setBigUint64(a + 16, kinds, true);
      v.setUint32(a + 8, aux, true);
      return a;
    },
    shadowPush(addr) {
      const v = new DataView(memory.buffer);
      const spAddr = e.RT_SHADOW_SP.value;
      const sp = v.getUint32(spAddr, true);
      v.setUint32(sp, addr, true);
      v.setUint32(spAddr, sp + 4, true);
      return sp;
    },
    run(f) {
      try { f(); } catch (err) { if (err instanceof Exit) return err.code; throw err; }
      return null;
    },
  };
  e.rt_init();
  return rt;
}

const f64bits = (f) => { const b = new DataView(new ArrayBuffer(8)); b.setFloat64(0, f, true); return b.getBigUint64(0, true); };

let failures = 0;
function check(name, got, want) {
  if (got !== want) {
    failures++;
    console.log(`FAIL ${name}\n  got:  ${JSON.stringify(got)}\n  want: ${JSON.stringify(want)}`);
  } else {
    console.log(`ok   ${name}`);
  }
}

// Printing, buffering and exit.
{
  const rt = instance();
  const code = rt.run(() => {
    rt.e.rt_print(rt.str("hello "), 1);
    rt.e.rt_print(rt.str("world\n"), 1);
    check("stdout is buffered", rt.out[1].length, 0);
    rt.e.rt_print(rt.str("err\n"), 2);
    check("stderr flushes stdout first", rt.text(1), "hello world\n");
    rt.e.rt_print(rt.str("tail\n"), 1);
    rt.e.rt_exit(3);
  });
  check("exit code", code, 3);
  check("exit flushes", rt.text(1), "hello world\ntail\n");
  check("stderr", rt.text(2), "err\n");
}

// Runtime errors.
{
  const rt = instance();
  const code = rt.run(() => {
    rt.e.rt_set_file(rt.str("t.ruchy"));
    rt.e.rt_print(rt.str("before\n"), 1);
    rt.e.rt_error(rt.str("Division by zero"), 3, 9);
  });
  check("rt_error exit code", code, 1);
  check("rt_error flushes stdout", rt.text(1), "before\n");
  check("rt_error message", rt.text(2), "Error: Evaluation error: Division by zero\n  at t.ruchy:3:9\n");
  const rt2 = instance();
  check("stack overflow", rt2.run(() => rt2.e.rt_shadow_overflow()), 1);
  check("stack overflow message", rt2.text(2), "Error: Evaluation error: Stack overflow\n");
}

// A panic inside the runtime is a clean error, not a trap: pushing to an
// array whose data block is a GC object makes `free_raw` panic.
{
  const rt = instance();
  const bogus = rt.e.rt_alloc(ARRAY | (K_INT << 10), 0, 16);
  const code = rt.run(() => {
    const block = rt.str("not a raw block");
    rt.view().setUint32(bogus + 12, block, true);
    rt.e.rt_array_push(bogus, 1n);
  });
  check("panic exit code", code, 1);
  check("panic message", rt.text(2), "Error: Evaluation error: internal runtime error\n");
}

// Formatting.
{
  const rt = instance();
  const fmt = (bits, kind, mode) => rt.read(rt.e.rt_fmt(BigInt.asIntN(64, BigInt(bits)), kind, mode));
  check("int", fmt(-42, K_INT, 0), "-42");
  check("float whole", fmt(f64bits(100), K_FLOAT, 0), "100.0");
  check("float 0.1+0.2", fmt(f64bits(0.1 + 0.2), K_FLOAT, 0), "0.30000000000000004");
  check("float 1e21", fmt(f64bits(1e21), K_FLOAT, 0), "1000000000000000000000.0");
  check("float 2**64", fmt(f64bits(2 ** 64), K_FLOAT, 0), "18446744073709551616.0");
  check("float 1e-7", fmt(f64bits(1e-7), K_FLOAT, 0), "0.0000001");
  check("float 1.5e300", fmt(f64bits(1.5e300), K_FLOAT, 0), "15" + "0".repeat(299) + ".0");
  check("nan", fmt(f64bits(NaN), K_FLOAT, 0), "NaN");
  check("bool", fmt(1, K_BOOL, 1), "true");
  check("nil display", fmt(0, K_PTR, 0), "nil");
  check("nil debug", fmt(0, K_PTR, 3), "()");
  check("RT_TRUE", fmt(rt.e.RT_TRUE.value, K_PTR, 0), "true");
  check("RT_FALSE", fmt(rt.e.RT_FALSE.value, K_PTR, 0), "false");
  check("boxed int", fmt(rt.e.rt_box_int(7n), K_PTR, 0), "7");
  check("boxed float", fmt(rt.e.rt_box_float(2.5), K_PTR, 0), "2.5");
  const s = rt.str("a\"b");
  check("raw string is itself", rt.e.rt_fmt(BigInt(s), K_PTR, 1), s);
  check("string display", fmt(s, K_PTR, 0), "\"a\"b\"");
  check("string debug", fmt(s, K_PTR, 3), "\"a\\\"b\"");
  const arr = rt.e.rt_array_new(K_PTR, 0);
  rt.e.rt_array_push(arr, BigInt(rt.str("x")));
  rt.e.rt_array_push(arr, BigInt(rt.e.rt_box_float(3)));
  rt.e.rt_array_push(arr, 0n);
  check("array raw", fmt(arr, K_PTR, 1), "[\"x\", 3.0, nil]");
  check("array interp", fmt(arr, K_PTR, 2), "[x, 3.0, nil]");
  const one = rt.agg(TUPLE, 0, [[K_INT, 100]]);
  check("1-tuple", fmt(one, K_PTR, 0), "(100,)");
  const range = rt.agg(RANGE, 1, [[K_INT, 1], [K_INT, 5]]);
  check("range", fmt(range, K_PTR, 0), "1..=5");

  // Type table: struct Point { y, x }, enum Option { None, Some }.
  const names = (list) => {
    const strs = list.map((n) => rt.str(n));
    const a = rt.e.rt_alloc(STR, 0, 8 + 4 * strs.length) + 8; // any stable block
    strs.forEach((p, i) => rt.view().setUint32(a + 4 * i, p, true));
    return a;
  };
  const descs = (list) => {
    const a = rt.e.rt_alloc(STR, 0, 8 + 12 * list.length) + 8;
    list.forEach(([n, members], i) => {
      // Allocate first: growing memory detaches earlier views.
      const name = rt.str(n), list = names(members);
      rt.view().setUint32(a + 12 * i, name, true);
      rt.view().setUint32(a + 12 * i + 4, members.length, true);
      rt.view().setUint32(a + 12 * i + 8, list, true);
    });
    return a;
  };
  const table = rt.e.rt_alloc(STR, 0, 8 + 16) + 8;
  const structs = descs([["Point", ["y", "x"]]]), enums = descs([["Option", ["None", "Some"]]]);
  rt.view().setUint32(table, 1, true);
  rt.view().setUint32(table + 4, structs, true);
  rt.view().setUint32(table + 8, 1, true);
  rt.view().setUint32(table + 12, enums, true);
  rt.e.rt_set_types(table);
  const pt = rt.agg(STRUCT, 0, [[K_INT, 2], [K_FLOAT, f64bits(1.5)]]);
  check("struct display", fmt(pt, K_PTR, 0), "Point {x: 1.5, y: 2}");
  check("struct debug", fmt(pt, K_PTR, 3), "Point { y: 2, x: 1.5 }");
  const some = rt.agg(VARIANT, 1, [[K_PTR, rt.str("s")]]);
  check("variant interp", fmt(some, K_PTR, 2), "Some(\"s\")");

  // Format specs.
  const spec = ({ fill = 0, align = 0, sign = 0, alt = 0, zero = 0, width = -1, prec = -1, type = 0 }) => {
    const a = rt.e.rt_alloc(STR, 0, 8 + 20) + 8;
    const v = rt.view();
    v.setUint32(a, fill, true);
    v.setUint8(a + 4, align); v.setUint8(a + 5, sign); v.setUint8(a + 6, alt); v.setUint8(a + 7, zero);
    v.setInt32(a + 8, width, true); v.setInt32(a + 12, prec, true); v.setUint32(a + 16, type, true);
    return a;
  };
  const c = (ch) => ch.codePointAt(0);
  const rust = (bits, kind, sp) => rt.read(rt.e.rt_fmt_rust(BigInt.asIntN(64, BigInt(bits)), kind, spec(sp)));
  const fstr = (bits, kind, sp) => rt.read(rt.e.rt_fmt_spec(BigInt.asIntN(64, BigInt(bits)), kind, spec(sp)));
  check("{:>8.2}", rust(f64bits(3.14159), K_FLOAT, { align: c(">"), width: 8, prec: 2 }), "    3.14");
  check("{:#x}", rust(255, K_INT, { alt: 1, type: c("x") }), "0xff");
  check("{:05}", rust(-42, K_INT, { zero: 1, width: 5 }), "-0042");
  check("{:*^7}", rust(s, K_PTR, { fill: c("*"), align: c("^"), width: 7 }), "**a\"b**");
  check("{:e}", rust(f64bits(1234.5), K_FLOAT, { type: c("e") }), "1.2345e3");
  check("{} of 3.0", rust(f64bits(3), K_FLOAT, {}), "3");
  check("{:?} of 3.0", rust(f64bits(3), K_FLOAT, { type: c("?") }), "3.0");
  check("{:?} of struct", rust(pt, K_PTR, { type: c("?") }), "Point { y: 2, x: 1.5 }");
  check("f{:.2} of int", fstr(7, K_INT, { prec: 2 }), "7.00");
  check("f{:.2} of 2.675", fstr(f64bits(2.675), K_FLOAT, { prec: 2 }), "2.67");
  check("f{:?} of array", fstr(arr, K_PTR, { type: c("?") }), "[\"x\", 3.0, nil]");
  check("f{:>9} ignored", fstr(arr, K_PTR, { width: 9, align: c(">") }), "[x, 3.0, nil]");
}

// Strings and equality.
{
  const rt = instance();
  const a = rt.str("ab"), b = rt.str("cd"), ab = rt.str("abcd");
  const cat = rt.e.rt_str_concat(a, b);
  check("concat", rt.read(cat), "abcd");
  check("str_eq", rt.e.rt_str_eq(cat, ab), 1);
  check("str_cmp", rt.e.rt_str_cmp(a, b), -1);
  check("str_cmp eq", rt.e.rt_str_cmp(cat, ab), 0);
  check("int == float", rt.e.rt_value_eq(3n, K_INT, f64bits(3.0), K_FLOAT), 1);
  check("boxed == int", rt.e.rt_value_eq(BigInt(rt.e.rt_box_int(5n)), K_PTR, 5n, K_INT), 1);
  const t1 = rt.agg(TUPLE, 0, [[K_INT, 1], [K_PTR, a]]);
  const t2 = rt.agg(TUPLE, 0, [[K_INT, 1], [K_PTR, rt.str("ab")]]);
  check("tuple ==", rt.e.rt_value_eq(BigInt(t1), K_PTR, BigInt(t2), K_PTR), 1);
  check("tuple != string", rt.e.rt_value_eq(BigInt(t1), K_PTR, BigInt(a), K_PTR), 0);
}

// Garbage collection: a rooted linked list survives heavy churn, memory
// stays bounded, and the collector reports live bytes.
{
  const rt = instance();
  const slot = rt.shadowPush(0);
  let head = 0;
  for (let i = 0; i < 100000; i++) {
    head = rt.agg(TUPLE, 0, [[K_INT, i], [K_PTR, head]]);
    rt.view().setUint32(slot, head, true);
  }
  const pagesBefore = rt.e.memory.buffer.byteLength / 65536;
  for (let i = 0; i < 2000000; i++) rt.str("garbage string number " + (i % 100));
  for (let i = 0; i < 200; i++) {
    const a = rt.e.rt_array_new(K_INT, 0);
    for (let j = 0; j < 10000; j++) rt.e.rt_array_push(a, BigInt(j));
  }
  const grown = rt.e.memory.buffer.byteLength / 65536 - pagesBefore;
  console.log(`     ${rt.e.rt_gc_count()} collections, memory grew by ${grown} pages during the churn`);
  check("collections ran", rt.e.rt_gc_count() > 10, true);
  check("memory bounded (pages grown < 100)", grown < 100, true);
  let n = 0, node = head, ok = true;
  while (node !== 0) {
    const v = rt.view();
    if (Number(v.getBigInt64(node + 24, true)) !== 99999 - n) ok = false;
    node = v.getUint32(node + 32, true);
    n++;
  }
  check("list intact", ok && n === 100000, true);
  rt.e.rt_gc_collect();
  check("live bytes = list", rt.e.rt_heap_bytes(), 100000 * 48);
  rt.view().setUint32(slot, 0, true);
  rt.e.rt_gc_collect();
  check("live bytes after dropping it", rt.e.rt_heap_bytes(), 0);
}

// Generic operations on dynamic values.
{
  const rt = instance();
  const e = rt.e;
  const int = (n) => e.rt_box_int(BigInt(n));
  const flt = (f) => e.rt_box_float(f);
  const show = (v) => rt.read(e.rt_fmt(BigInt(v), K_PTR, 1));
  check("dyn 2 + 3", show(e.rt_dyn_arith(0, int(2), int(3), 0)), "5");
  check("dyn 7 / 2.0", show(e.rt_dyn_arith(3, int(7), flt(2), 0)), "3.5");
  check("dyn str + float", show(e.rt_dyn_arith(0, rt.str("v="), flt(3), 0)), "v=3");
  check("dyn str * 3", show(e.rt_dyn_arith(2, rt.str("ab"), int(3), 0)), "ababab");
  check("dyn true & false", e.rt_dyn_arith(5, e.rt_box_bool(1), e.rt_box_bool(0), 0), e.RT_FALSE.value);
  check("dyn !nil", e.rt_dyn_not(0, 0), e.RT_TRUE.value);
  check("dyn -2.5", show(e.rt_dyn_neg(flt(2.5), 0)), "-2.5");
  check("2 ** 64", show(e.rt_pow(int(2), int(64), 0)), "18446744073709551616.0");
  check("2 ** -1", show(e.rt_pow(int(2), int(-1), 0)), "0.5");
  check("2.0 ** 0.5", show(e.rt_pow(flt(2), flt(0.5), 0)), "1.4142135623730951");
  check("compare NaN", e.rt_dyn_compare(flt(NaN), int(1), 0), 2);
  check("compare strings", e.rt_dyn_compare(rt.str("b"), rt.str("a"), 0), 1);
  check("float rem", e.rt_float_rem(7.5, 2, 0), 1.5);
  check("concat_text 3.0", rt.read(e.rt_concat_text(f64bits(3), K_FLOAT)), "3");
  check("unbox_float of int", e.rt_unbox_float(int(4), 0), 4);
  const arr = e.rt_array_new(K_INT, 0);
  e.rt_array_push(arr, 1n);
  const arr2 = e.rt_array_new(K_PTR, 0);
  e.rt_array_push(arr2, BigInt(rt.str("s")));
  check("array + array", show(e.rt_dyn_arith(0, arr, arr2, 0)), "[1, \"s\"]");
  rt.e.rt_set_file(rt.str("ops.ruchy"));
  const code = rt.run(() => e.rt_dyn_arith(0, int(2n ** 63n - 1n), int(1), (4 << 16) | 7));
  check("overflow exits 1", code, 1);
  check("overflow message", rt.text(2), "Error: Evaluation error: Runtime error: Integer overflow in addition\n  at ops.ruchy:4:7\n");
  const rt2 = instance();
  rt2.run(() => rt2.e.rt_unbox_int(rt2.str("x"), 0));
  check("unbox error", rt2.text(2), "Error: Evaluation error: Type error: Expected integer, got string\n");
  const rt3 = instance();
  rt3.run(() => rt3.e.rt_float_rem(1, 0, (1 << 16) | 1));
  check("float rem by zero", rt3.text(2), "Error: Evaluation error: Division by zero\n  at :1:1\n");
}

// Aggregates, places, methods, built-ins and dicts.
{
  const rt = instance();
  const e = rt.e;
  const int = (n) => e.rt_box_int(BigInt(n));
  const show = (v) => rt.read(e.rt_fmt(BigInt(v), K_PTR, 0));
  // Arguments stay rooted on the shadow stack, as generated code keeps them.
  const keep = (v) => { rt.shadowPush(v); return v; };
  const args = (...vs) => {
    const a = keep(e.rt_array_new(K_PTR, vs.length));
    for (const v of vs) e.rt_array_push(a, BigInt(v));
    return a;
  };
  const method = (recv, name, ...vs) => e.rt_method(recv, keep(rt.str(name)), args(...vs), 0);
  const ints = keep(e.rt_array_new(K_INT, 0));
  for (const n of [3, 1, 2]) e.rt_array_push(ints, BigInt(n));
  check("rt_index boxes", show(e.rt_index(ints, int(-1), 0)), "2");
  const range = keep(e.rt_range_new(int(0), int(2), 0));
  check("rt_index by range", show(e.rt_index(ints, range, 0)), "[3, 1]");
  e.rt_set_index(ints, int(0), int(9), 0);
  check("rt_set_index unboxes", show(ints), "[9, 1, 2]");
  check("rt_len", e.rt_len(keep(rt.str("héllo")), 0), 6n);
  check("sort", show(method(ints, "sort")), "[1, 2, 9]");
  check("receiver unchanged", show(ints), "[9, 1, 2]");
  check("push", show(method(ints, "push", int(4))), "nil");
  check("take_self is the array", e.rt_take_self(), ints);
  const s = keep(rt.str("ab"));
  method(s, "push_str", keep(rt.str("cd")));
  check("push_str hands over a new string", show(e.rt_take_self()), "\"abcd\"");
  check("split", show(method(keep(rt.str("a,b,,c")), "split", keep(rt.str(",")))), "[\"a\", \"b\", \"\", \"c\"]");
  check("iter_items of a range", show(e.rt_iter_items(range, 0)), "[0, 1]");
  check("truthy 0", e.rt_truthy(int(0)), 1);
  check("truthy nil", e.rt_truthy(0), 0);
  check("truthy false", e.rt_truthy(e.RT_FALSE.value), 0);
  check("~5", show(e.rt_dyn_bitnot(int(5), 0)), "-6");
  check("slice keeps the kind", show(e.rt_slice(ints, 1n, 3n)), "[1, 2]");
  check("is_array_len", e.rt_is_array_len(ints, 2n, 1), 1);
  check("cast 300 as u8", show(e.rt_cast(int(300), 8, 0)), "44");
  const shared = keep(e.rt_array_new(K_PTR, 1));
  e.rt_array_push(shared, BigInt(keep(rt.str("x"))));
  e.rt_share(shared);
  const copy = e.rt_make_unique(shared);
  check("make_unique copies a shared array", copy !== shared && show(copy) === "[\"x\"]", true);
  const d = keep(e.rt_dict_new());
  e.rt_dict_set(d, keep(rt.str("b")), int(2), 0);
  e.rt_dict_set(d, int(1), keep(rt.str("one")), 0);
  e.rt_dict_set(d, keep(rt.str("a")), int(1), 0);
  check("dict prints sorted", show(d), "{1: \"one\", a: 1, b: 2}");
  check("dict debug", rt.read(e.rt_fmt(BigInt(d), K_PTR, 3)), "{\"1\": \"one\", \"a\": 1, \"b\": 2}");
  const got = keep(method(d, "get", keep(rt.str("a"))));
  check("dict get is Some", e.rt_is_variant(got, 0, 1), 1);
  check("dict get unwraps", show(method(got, "unwrap")), "1");
  check("dict get of a missing key is None", e.rt_is_variant(method(d, "get", keep(rt.str("zz"))), 0, 0), 1);
  check("dict field", show(e.rt_get_field(d, keep(rt.str("b")), 0)), "2");
  check("dict items", show(e.rt_iter_items(d, 0)), "[(\"1\", \"one\"), (\"a\", 1), (\"b\", 2)]");
  check("builtin range", show(e.rt_builtin(18, args(int(3)), 0)), "[0, 1, 2]");
  check("builtin type_of", show(e.rt_builtin(13, args(d), 0)), "\"object\"");
  // A dict under churn: entries survive many collections.
  const big = keep(e.rt_dict_new());
  for (let i = 0; i < 20000; i++) {
    const k = keep(rt.str("key" + (i % 5000)));
    e.rt_dict_set(big, k, int(i), 0);
    rt.view().setUint32(e.RT_SHADOW_SP.value, rt.view().getUint32(e.RT_SHADOW_SP.value, true) - 4, true);
  }
  for (let i = 0; i < 300000; i++) rt.str("garbage " + i);
  check("dict after churn", show(e.rt_len(big, 0) === 5000n ? e.rt_index(big, keep(rt.str("key42")), 0) : 0), "15042");
  check("collections ran with a dict", e.rt_gc_count() > 0, true);
  rt.e.rt_set_file(rt.str("m.ruchy"));
  const code = rt.run(() => method(ints, "frob"));
  check("unknown method exits 1", code, 1);
  check("unknown method message", rt.text(2), "Error: Evaluation error: Unknown array method: frob\n");
  const rt2 = instance();
  rt2.e.rt_set_file(rt2.str("c.ruchy"));
  rt2.run(() => rt2.e.rt_call(rt2.e.rt_box_int(3n), rt2.e.rt_array_new(K_PTR, 0), (2 << 16) | 5));
  check("rt_call of a non-function", rt2.text(2), "Error: Evaluation error: Type error: Cannot call non-function value: integer\n  at c.ruchy:2:5\n");
  const rt3 = instance();
  rt3.run(() => rt3.e.rt_index_error(7n, 2, 1, 0));
  check("tuple index error", rt3.text(2), "Error: Evaluation error: Runtime error: Tuple index 7 out of bounds (length: 2)\n");
  const rt4 = instance();
  rt4.run(() => rt4.e.rt_arity_error(2, 3, 1, 0));
  check("arity error", rt4.text(2), "Error: Evaluation error: Function expects 2-3 arguments, got 1\n");
}

if (failures > 0) {
  console.log(`${failures} failure(s)`);
  process.exit(1);
}
console.log("all passed");
