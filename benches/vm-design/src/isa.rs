//! A mini instruction set with the encoding of `toolchain/vm/src/bytecode.rs`: a fixed-width 8-byte
//! enum (one-byte tag, u16 frame-relative registers, i16/i32 jump offsets relative to the next
//! instruction), plus the hand-assembled benchmark programs and their plain-Rust references.

pub type Reg = u16;

#[derive(Clone, Copy, Debug)]
pub enum Instr {
    LoadInt { dst: Reg, v: i32 },
    LoadK { dst: Reg, k: u32 },
    AddI { dst: Reg, a: Reg, b: Reg },
    MulI { dst: Reg, a: Reg, b: Reg },
    RemI { dst: Reg, a: Reg, b: Reg },
    XorI { dst: Reg, a: Reg, b: Reg },
    AddIK { dst: Reg, a: Reg, k: i16 },
    AddF { dst: Reg, a: Reg, b: Reg },
    SubF { dst: Reg, a: Reg, b: Reg },
    MulF { dst: Reg, a: Reg, b: Reg },
    DivF { dst: Reg, a: Reg, b: Reg },
    SqrtF { dst: Reg, src: Reg },
    GetIndex { dst: Reg, obj: Reg, idx: Reg },
    SetIndex { obj: Reg, idx: Reg, src: Reg },
    Jmp { off: i32 },
    /// Fused `a < b` test on ints: jumps when the comparison is false.
    JmpIfNotLtI { a: Reg, b: Reg, off: i16 },
    /// GC safepoint on loop back-edges.
    Safepoint,
    /// Callee frame starts at `base` (arguments already there); result goes to `dst`.
    Call { dst: Reg, base: Reg, argc: u8, proto: u16 },
    Return { src: Reg },
}
const _: () = assert!(std::mem::size_of::<Instr>() == 8);

/// Constant-pool entry (converted to the value type under test when a run starts).
#[derive(Clone, Copy, Debug)]
pub enum K { I(i64), F(f64), O(u32) }

#[derive(Clone)]
pub struct Proto { pub code: Vec<Instr>, pub frame_size: u16 }

#[derive(Clone)]
pub struct Program { pub protos: Vec<Proto>, pub consts: Vec<K> }

/// Tiny assembler: label-relative jumps are patched in `finish`.
#[derive(Default)]
struct Asm {
    code: Vec<Instr>,
    labels: [usize; 8],
    fixups: Vec<(usize, usize)>,
}

impl Asm {
    fn i(&mut self, ins: Instr) -> &mut Self {
        self.code.push(ins);
        self
    }
    fn jmp(&mut self, ins: Instr, label: usize) -> &mut Self {
        self.fixups.push((self.code.len(), label));
        self.i(ins)
    }
    fn label(&mut self, label: usize) -> &mut Self {
        self.labels[label] = self.code.len();
        self
    }
    fn finish(&mut self, frame_size: u16) -> Proto {
        for &(at, l) in &self.fixups {
            let rel = self.labels[l] as i64 - at as i64 - 1;
            match &mut self.code[at] {
                Instr::Jmp { off } => *off = rel as i32,
                Instr::JmpIfNotLtI { off, .. } => *off = i16::try_from(rel).unwrap(),
                _ => unreachable!(),
            }
        }
        Proto { code: std::mem::take(&mut self.code), frame_size }
    }
}

use Instr::*;

/// `i=0; acc=0; xr=0; while i < n { acc = (acc + i*i) % 1000000007; xr = xr ^ (acc % 65536); i += 1 }; xr`
pub fn int_loop(n: i64) -> Program {
    let mut a = Asm::default();
    // r0 i, r1 acc, r2 xr, r3 n, r4 1e9+7, r5 65536, r6/r7 temps
    a.i(LoadInt { dst: 0, v: 0 }).i(LoadInt { dst: 1, v: 0 }).i(LoadInt { dst: 2, v: 0 });
    a.i(LoadK { dst: 3, k: 0 }).i(LoadInt { dst: 4, v: 1_000_000_007 }).i(LoadInt { dst: 5, v: 65536 });
    a.label(0).jmp(JmpIfNotLtI { a: 0, b: 3, off: 0 }, 1);
    a.i(MulI { dst: 6, a: 0, b: 0 }).i(AddI { dst: 6, a: 1, b: 6 }).i(RemI { dst: 1, a: 6, b: 4 });
    a.i(RemI { dst: 7, a: 1, b: 5 }).i(XorI { dst: 2, a: 2, b: 7 }).i(AddIK { dst: 0, a: 0, k: 1 });
    a.i(Safepoint).jmp(Jmp { off: 0 }, 0);
    a.label(1).i(Return { src: 2 });
    Program { protos: vec![a.finish(8)], consts: vec![K::I(n)] }
}

pub fn int_loop_ref(n: i64) -> i64 {
    let (mut i, mut acc, mut xr) = (0i64, 0i64, 0i64);
    while i < n {
        acc = (acc + i * i) % 1_000_000_007;
        xr ^= acc % 65536;
        i += 1;
    }
    xr
}

/// `i=0; x=0; while i < n { x = x ^ (i * 1099511628211); i += 1 }; x` — every product and every `x`
/// needs more than 48 bits, so a NaN-boxed VM must box them.
pub fn wide_int_loop(n: i64) -> Program {
    let mut a = Asm::default();
    a.i(LoadInt { dst: 0, v: 0 }).i(LoadInt { dst: 1, v: 0 }).i(LoadK { dst: 2, k: 0 }).i(LoadK { dst: 3, k: 1 });
    a.label(0).jmp(JmpIfNotLtI { a: 0, b: 2, off: 0 }, 1);
    a.i(MulI { dst: 4, a: 0, b: 3 }).i(XorI { dst: 1, a: 1, b: 4 }).i(AddIK { dst: 0, a: 0, k: 1 });
    a.i(Safepoint).jmp(Jmp { off: 0 }, 0);
    a.label(1).i(Return { src: 1 });
    Program { protos: vec![a.finish(5)], consts: vec![K::I(n), K::I(1_099_511_628_211)] }
}

pub fn wide_int_loop_ref(n: i64) -> i64 {
    (0..n).fold(0, |x, i| x ^ (i * 1_099_511_628_211))
}

/// `fn fib(n) { if n < 2 { n } else { fib(n-1) + fib(n-2) } }; fib(n)`
pub fn fib(n: i64) -> Program {
    let main = Proto { code: vec![LoadK { dst: 0, k: 0 }, Call { dst: 1, base: 0, argc: 1, proto: 1 }, Return { src: 1 }], frame_size: 2 };
    let mut a = Asm::default();
    a.i(LoadInt { dst: 1, v: 2 }).jmp(JmpIfNotLtI { a: 0, b: 1, off: 0 }, 0).i(Return { src: 0 });
    a.label(0).i(AddIK { dst: 2, a: 0, k: -1 }).i(Call { dst: 1, base: 2, argc: 1, proto: 1 });
    a.i(AddIK { dst: 3, a: 0, k: -2 }).i(Call { dst: 2, base: 3, argc: 1, proto: 1 });
    a.i(AddI { dst: 1, a: 1, b: 2 }).i(Return { src: 1 });
    Program { protos: vec![main, a.finish(4)], consts: vec![K::I(n)] }
}

pub fn fib_ref(n: i64) -> i64 {
    if n < 2 { n } else { fib_ref(n - 1) + fib_ref(n - 2) }
}

/// N-body-like float kernel over heap arrays X, Y, Z, VX (objects 0..4, 5 floats each):
/// for each step, for each pair i<j: d2 = dx*dx+dy*dy+dz*dz+eps; mag = dt/(d2*sqrt(d2));
/// VX[i] -= dx*mag; VX[j] += dx*mag; then X[i] += dt*VX[i]. Returns X[0] + VX[0].
pub fn float_loop(steps: i64) -> Program {
    let mut a = Asm::default();
    // r0 step r1 steps r2 i r3 j r4 5 r5 X r6 Y r7 Z r8 VX r9 dt r10 eps r11 dx r12 dy r13 dz r14 d2 r15 t r16/r17 tmp r18 mag
    a.i(LoadInt { dst: 0, v: 0 }).i(LoadK { dst: 1, k: 0 }).i(LoadInt { dst: 4, v: 5 });
    for r in 5..=10 {
        a.i(LoadK { dst: r, k: r as u32 - 4 });
    }
    a.label(0).jmp(JmpIfNotLtI { a: 0, b: 1, off: 0 }, 1).i(LoadInt { dst: 2, v: 0 });
    a.label(2).jmp(JmpIfNotLtI { a: 2, b: 4, off: 0 }, 3).i(AddIK { dst: 3, a: 2, k: 1 });
    a.label(4).jmp(JmpIfNotLtI { a: 3, b: 4, off: 0 }, 5);
    for (arr, d) in [(5, 11), (6, 12), (7, 13)] {
        a.i(GetIndex { dst: 16, obj: arr, idx: 2 }).i(GetIndex { dst: 17, obj: arr, idx: 3 }).i(SubF { dst: d, a: 16, b: 17 });
    }
    a.i(MulF { dst: 14, a: 11, b: 11 }).i(MulF { dst: 15, a: 12, b: 12 }).i(AddF { dst: 14, a: 14, b: 15 });
    a.i(MulF { dst: 15, a: 13, b: 13 }).i(AddF { dst: 14, a: 14, b: 15 }).i(AddF { dst: 14, a: 14, b: 10 });
    a.i(SqrtF { dst: 15, src: 14 }).i(MulF { dst: 15, a: 14, b: 15 }).i(DivF { dst: 18, a: 9, b: 15 });
    a.i(MulF { dst: 15, a: 11, b: 18 });
    a.i(GetIndex { dst: 16, obj: 8, idx: 2 }).i(SubF { dst: 16, a: 16, b: 15 }).i(SetIndex { obj: 8, idx: 2, src: 16 });
    a.i(GetIndex { dst: 17, obj: 8, idx: 3 }).i(AddF { dst: 17, a: 17, b: 15 }).i(SetIndex { obj: 8, idx: 3, src: 17 });
    a.i(AddIK { dst: 3, a: 3, k: 1 }).i(Safepoint).jmp(Jmp { off: 0 }, 4);
    a.label(5).i(AddIK { dst: 2, a: 2, k: 1 }).i(Safepoint).jmp(Jmp { off: 0 }, 2);
    a.label(3).i(LoadInt { dst: 2, v: 0 });
    a.label(6).jmp(JmpIfNotLtI { a: 2, b: 4, off: 0 }, 7);
    a.i(GetIndex { dst: 16, obj: 5, idx: 2 }).i(GetIndex { dst: 17, obj: 8, idx: 2 }).i(MulF { dst: 17, a: 9, b: 17 });
    a.i(AddF { dst: 16, a: 16, b: 17 }).i(SetIndex { obj: 5, idx: 2, src: 16 }).i(AddIK { dst: 2, a: 2, k: 1 });
    a.i(Safepoint).jmp(Jmp { off: 0 }, 6);
    a.label(7).i(AddIK { dst: 0, a: 0, k: 1 }).i(Safepoint).jmp(Jmp { off: 0 }, 0);
    a.label(1).i(LoadInt { dst: 2, v: 0 }).i(GetIndex { dst: 16, obj: 5, idx: 2 }).i(GetIndex { dst: 17, obj: 8, idx: 2 });
    a.i(AddF { dst: 16, a: 16, b: 17 }).i(Return { src: 16 });
    let consts = vec![K::I(steps), K::O(0), K::O(1), K::O(2), K::O(3), K::F(0.01), K::F(0.01)];
    Program { protos: vec![a.finish(19)], consts }
}

pub const NBODY_INIT: [[f64; 5]; 4] = [
    [0.0, 1.0, 2.5, 4.0, 5.5],
    [0.0, 0.5, -1.0, 2.0, 0.3],
    [0.0, -0.7, 0.4, 1.1, -2.0],
    [0.0, 0.1, -0.2, 0.0, 0.05],
];

pub fn float_loop_ref(steps: i64) -> f64 {
    let [mut x, y, z, mut vx] = NBODY_INIT;
    let (dt, eps) = (0.01, 0.01);
    for _ in 0..steps {
        for i in 0..5 {
            for j in i + 1..5 {
                let (dx, dy, dz) = (x[i] - x[j], y[i] - y[j], z[i] - z[j]);
                let d2 = dx * dx + dy * dy + dz * dz + eps;
                let t = dx * (dt / (d2 * d2.sqrt()));
                vx[i] -= t;
                vx[j] += t;
            }
        }
        for i in 0..5 {
            x[i] += dt * vx[i];
        }
    }
    x[0] + vx[0]
}

/// `s=0; i=0; while i < n { s += arr[i]; i += 1 }; s` over heap array object 0.
pub fn array_sum(n: i64) -> Program {
    let mut a = Asm::default();
    a.i(LoadInt { dst: 0, v: 0 }).i(LoadInt { dst: 1, v: 0 }).i(LoadK { dst: 2, k: 0 }).i(LoadK { dst: 3, k: 1 });
    a.label(0).jmp(JmpIfNotLtI { a: 1, b: 2, off: 0 }, 1);
    a.i(GetIndex { dst: 4, obj: 3, idx: 1 }).i(AddI { dst: 0, a: 0, b: 4 }).i(AddIK { dst: 1, a: 1, k: 1 });
    a.i(Safepoint).jmp(Jmp { off: 0 }, 0);
    a.label(1).i(Return { src: 0 });
    Program { protos: vec![a.finish(5)], consts: vec![K::I(n), K::O(0)] }
}

/// Element `k` of the summed array.
pub fn array_elem(k: i64) -> i64 {
    (k * 7919) % 1_000_003
}
