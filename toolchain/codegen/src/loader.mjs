// Loads and runs __NAME__.wasm, compiled from Ruchy by ruchy-wasm, in Node
// (`node __NAME__.mjs`) or a browser (`import { run } from "./__NAME__.mjs"`).
// The module is a WASI preview-1 command; this file provides the few WASI
// functions it imports.

const WASM_URL = new URL("./__NAME__.wasm", import.meta.url);
const isNode = typeof process !== "undefined" && process.versions != null && process.versions.node != null;

class Exit {
  constructor(code) {
    this.code = code;
  }
}

const ERRNO_SUCCESS = 0;
const ERRNO_BADF = 8;
const ERRNO_NOSYS = 52;

// Synchronous stdin in Node (set up by `run`); end of input elsewhere.
let readStdin = () => 0;

function wasiImports(getMemory, write, args) {
  const encoder = new TextEncoder();
  const encodedArgs = args.map((a) => encoder.encode(a + "\0"));
  const view = () => new DataView(getMemory().buffer);
  return {
    fd_write(fd, iovs, count, written) {
      if (fd !== 1 && fd !== 2) return ERRNO_BADF;
      const v = view();
      let total = 0;
      for (let i = 0; i < count; i++) {
        const ptr = v.getUint32(iovs + 8 * i, true);
        const len = v.getUint32(iovs + 8 * i + 4, true);
        write(fd, new Uint8Array(getMemory().buffer, ptr, len).slice());
        total += len;
      }
      v.setUint32(written, total, true);
      return ERRNO_SUCCESS;
    },
    proc_exit(code) {
      throw new Exit(code);
    },
    // stdin (for `input()`): Node reads fd 0; a browser has none (end of input).
    fd_read(fd, iovs, count, read) {
      const v = view();
      if (fd !== 0) return ERRNO_BADF;
      let total = 0;
      for (let i = 0; i < count; i++) {
        const ptr = v.getUint32(iovs + 8 * i, true);
        const len = v.getUint32(iovs + 8 * i + 4, true);
        const n = readStdin(new Uint8Array(getMemory().buffer, ptr, len));
        total += n;
        if (n < len) break;
      }
      view().setUint32(read, total, true);
      return ERRNO_SUCCESS;
    },
    args_sizes_get(countPtr, sizePtr) {
      const v = view();
      v.setUint32(countPtr, encodedArgs.length, true);
      v.setUint32(sizePtr, encodedArgs.reduce((n, a) => n + a.length, 0), true);
      return ERRNO_SUCCESS;
    },
    args_get(argvPtr, bufPtr) {
      const v = view();
      const mem = new Uint8Array(getMemory().buffer);
      encodedArgs.forEach((a, i) => {
        v.setUint32(argvPtr + 4 * i, bufPtr, true);
        mem.set(a, bufPtr);
        bufPtr += a.length;
      });
      return ERRNO_SUCCESS;
    },
    clock_time_get(id, precision, out) {
      const ns = BigInt(Math.round((id === 0 ? Date.now() : performance.now()) * 1e6));
      view().setBigUint64(out, ns, true);
      return ERRNO_SUCCESS;
    },
    random_get(ptr, len) {
      crypto.getRandomValues(new Uint8Array(getMemory().buffer, ptr, len));
      return ERRNO_SUCCESS;
    },
  };
}

async function loadBytes() {
  if (isNode) {
    const { readFile } = await import("node:fs/promises");
    return readFile(WASM_URL);
  }
  const response = await fetch(WASM_URL);
  return response.arrayBuffer();
}

// Node default: straight to file descriptors 1 and 2, synchronously, so
// output interleaves exactly as the program wrote it.
async function nodeWriter() {
  const { writeSync } = await import("node:fs");
  return (fd, bytes) => {
    let off = 0;
    while (off < bytes.length) {
      try {
        off += writeSync(fd, bytes, off);
      } catch (e) {
        if (e.code !== "EAGAIN") throw e;
      }
    }
  };
}

// Browser default: whole lines to the console (stdout → log, stderr → error).
function consoleWriter() {
  const decoders = { 1: new TextDecoder(), 2: new TextDecoder() };
  const pending = { 1: "", 2: "" };
  const write = (fd, bytes) => {
    pending[fd] += decoders[fd].decode(bytes, { stream: true });
    const lines = pending[fd].split("\n");
    pending[fd] = lines.pop();
    for (const line of lines) (fd === 1 ? console.log : console.error)(line);
  };
  write.flush = () => {
    for (const fd of [1, 2]) if (pending[fd] !== "") (fd === 1 ? console.log : console.error)(pending[fd]);
  };
  return write;
}

// The exit code for what `_start` threw. When the engine's own stack ran out
// before the program's depth guard, the runtime reports `Stack overflow`
// (flushing output first) exactly as for a guarded overflow.
function exitCode(e, instance) {
  if (e instanceof Exit) return e.code;
  // Modules whose functions never call functions have no such export.
  if (e instanceof RangeError && instance.exports.ruchy_stack_overflow) {
    try {
      instance.exports.ruchy_stack_overflow();
    } catch (x) {
      if (x instanceof Exit) return x.code;
    }
  }
  throw e;
}

/**
 * Runs the program once. `options.write(fd, bytes)` receives its output
 * (default: the process's stdout/stderr in Node, the console in browsers).
 * Resolves to the exit code.
 */
export async function run(options = {}) {
  const write = options.write ?? (isNode ? await nodeWriter() : consoleWriter());
  if (isNode) {
    const { readSync } = await import("node:fs");
    readStdin = (buf) => {
      try {
        return readSync(0, buf, 0, buf.length, null);
      } catch (e) {
        if (e.code === "EOF" || e.code === "EAGAIN") return 0;
        throw e;
      }
    };
  }
  let memory = null;
  const imports = { wasi_snapshot_preview1: wasiImports(() => memory, write, options.args ?? ["__NAME__"]) };
  const { instance } = await WebAssembly.instantiate(await loadBytes(), imports);
  memory = instance.exports.memory;
  let code = 0;
  try {
    instance.exports._start();
  } catch (e) {
    code = exitCode(e, instance);
  }
  if (write.flush) write.flush();
  return code;
}

if (isNode && process.argv[1] != null) {
  const { pathToFileURL } = await import("node:url");
  const { realpathSync } = await import("node:fs");
  if (import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href) {
    process.exitCode = await run({ args: process.argv.slice(1) });
  }
}
