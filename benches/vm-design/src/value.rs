//! The two value representations under test, a minimal heap, and the instruction semantics
//! (shared by every dispatch strategy so that only dispatch or only the value type differs).

use std::fmt::Debug;

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Trap { Type, Overflow, DivZero, Index, StackOverflow }

/// Arrays (objects are indices into `arrays`) and, for the NaN-boxed representation, boxed i64s
/// that do not fit the 48-bit payload. There is no collector; `allocated`/`threshold` only feed the
/// safepoint check the real VM does.
#[derive(Clone)]
pub struct Heap<V> {
    pub arrays: Vec<Vec<V>>,
    pub bigs: Vec<i64>,
    pub allocated: usize,
    pub threshold: usize,
    pub collections: usize,
}

impl<V> Default for Heap<V> {
    fn default() -> Self {
        Heap { arrays: vec![], bigs: vec![], allocated: 0, threshold: 4 << 20, collections: 0 }
    }
}

pub trait Val: Copy + PartialEq + Debug + 'static {
    const NIL: Self;
    const NAME: &'static str;
    fn int(i: i64, h: &mut Heap<Self>) -> Self;
    fn as_int(self, h: &Heap<Self>) -> Option<i64>;
    fn float(f: f64) -> Self;
    fn as_float(self) -> Option<f64>;
    fn obj(i: u32) -> Self;
    fn as_obj(self) -> Option<u32>;
    /// Both operands as ints (the hot path of every int instruction).
    #[inline(always)] fn int_pair(x: Self, y: Self, h: &Heap<Self>) -> Option<(i64, i64)> { Some((x.as_int(h)?, y.as_int(h)?)) }
}

/// The VM's current representation (same variants as `toolchain/vm/src/value.rs`): 16 bytes.
#[allow(dead_code)] // kept so the enum has the real VM's shape
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Tagged {
    Nil,
    Bool(bool),
    Int(i64),
    Float(f64),
    Obj(u32),
    Func(u32),
    Ctor(u32, u32),
    Builtin(u16),
}
const _: () = assert!(std::mem::size_of::<Tagged>() == 16);

impl Val for Tagged {
    const NIL: Self = Tagged::Nil;
    const NAME: &'static str = "tagged enum (16 B)";
    #[inline(always)] fn int(i: i64, _: &mut Heap<Self>) -> Self { Tagged::Int(i) }
    #[inline(always)] fn as_int(self, _: &Heap<Self>) -> Option<i64> { if let Tagged::Int(i) = self { Some(i) } else { None } }
    #[inline(always)] fn float(f: f64) -> Self { Tagged::Float(f) }
    #[inline(always)] fn as_float(self) -> Option<f64> { if let Tagged::Float(f) = self { Some(f) } else { None } }
    #[inline(always)] fn obj(i: u32) -> Self { Tagged::Obj(i) }
    #[inline(always)] fn as_obj(self) -> Option<u32> { if let Tagged::Obj(i) = self { Some(i) } else { None } }
}

/// NaN-boxed value, 8 bytes. Layout (bits 63..48 = "tag"):
/// * `bits < 0xFFF9 << 48`: an f64, stored as is. Every NaN produced by arithmetic is canonicalised
///   to `0x7FF8_0000_0000_0000` so no float can collide with the tags below (the x86 default NaN
///   `0xFFF8_0000_0000_0000` is also below the tag range).
/// * `0xFFF9`: nil / false / true in the low bits (unused by the benchmarks).
/// * `0xFFFA`: int, 48-bit two's-complement payload (−2^47 ..= 2^47−1), sign-extended on read.
/// * `0xFFFB`: heap object, u32 index in the low bits (functions, ctors, builtins would get 0xFFFC..).
/// * `0xFFFF`: boxed int — index into `Heap::bigs` holding a full i64. Every int result outside the
///   48-bit range takes this path (an allocation), because Ruchy ints are full i64 (§4).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NanBox(u64);
const _: () = assert!(std::mem::size_of::<NanBox>() == 8);

const TAG_MIN: u64 = 0xFFF9 << 48;
const T_NIL: u64 = 0xFFF9;
const T_INT: u64 = 0xFFFA;
const T_OBJ: u64 = 0xFFFB;
const T_BIG: u64 = 0xFFFF;
const PAYLOAD: u64 = (1 << 48) - 1;

impl Val for NanBox {
    const NIL: Self = NanBox(T_NIL << 48);
    const NAME: &'static str = "NaN-boxed (8 B)";
    #[inline(always)]
    fn int(i: i64, h: &mut Heap<Self>) -> Self {
        if (i << 16) >> 16 == i { NanBox((T_INT << 48) | (i as u64 & PAYLOAD)) } else { box_int(i, h) }
    }
    #[inline(always)]
    fn as_int(self, h: &Heap<Self>) -> Option<i64> {
        if self.0 >> 48 == T_INT { Some(((self.0 << 16) as i64) >> 16) } else { unbox_int(self, h) }
    }
    #[inline(always)]
    fn int_pair(x: Self, y: Self, h: &Heap<Self>) -> Option<(i64, i64)> {
        if (x.0 >> 48 == T_INT) & (y.0 >> 48 == T_INT) {
            Some((((x.0 << 16) as i64) >> 16, ((y.0 << 16) as i64) >> 16))
        } else {
            unbox_pair(x, y, h)
        }
    }
    #[inline(always)] fn float(f: f64) -> Self { NanBox(if f.is_nan() { 0x7FF8_0000_0000_0000 } else { f.to_bits() }) }
    #[inline(always)] fn as_float(self) -> Option<f64> { if self.0 < TAG_MIN { Some(f64::from_bits(self.0)) } else { None } }
    #[inline(always)] fn obj(i: u32) -> Self { NanBox((T_OBJ << 48) | i as u64) }
    #[inline(always)] fn as_obj(self) -> Option<u32> { if self.0 >> 48 == T_OBJ { Some(self.0 as u32) } else { None } }
}

#[cold]
#[inline(never)] fn box_int(i: i64, h: &mut Heap<NanBox>) -> NanBox {
    h.bigs.push(i);
    h.allocated += 16;
    NanBox((T_BIG << 48) | (h.bigs.len() as u64 - 1))
}

#[cold]
#[inline(never)] fn unbox_int(v: NanBox, h: &Heap<NanBox>) -> Option<i64> {
    if v.0 >> 48 == T_BIG { Some(h.bigs[(v.0 & PAYLOAD) as usize]) } else { None }
}

#[cold]
#[inline(never)] fn unbox_pair(x: NanBox, y: NanBox, h: &Heap<NanBox>) -> Option<(i64, i64)> {
    Some((x.as_int(h)?, y.as_int(h)?))
}

// ---- instruction semantics ----

#[inline(always)]
fn ints<V: Val>(x: V, y: V, h: &Heap<V>) -> Result<(i64, i64), Trap> {
    V::int_pair(x, y, h).ok_or(Trap::Type)
}

#[inline(always)]
fn floats<V: Val>(x: V, y: V) -> Result<(f64, f64), Trap> {
    x.as_float().zip(y.as_float()).ok_or(Trap::Type)
}

/// A binary instruction; implemented by zero-sized types so every dispatcher can be generic over it.
pub trait Bin: 'static {
    fn f<V: Val>(x: V, y: V, h: &mut Heap<V>) -> Result<V, Trap>;
}

macro_rules! bin_ops {
    ($($name:ident($x:ident, $y:ident, $h:ident) $body:block)*) => {$(
        pub struct $name;
        impl Bin for $name {
            #[inline(always)]
            #[allow(unused_variables)]
            fn f<V: Val>($x: V, $y: V, $h: &mut Heap<V>) -> Result<V, Trap> $body
        }
    )*};
}

bin_ops! {
    AddI(x, y, h) { let (a, b) = ints(x, y, h)?; Ok(V::int(a.checked_add(b).ok_or(Trap::Overflow)?, h)) }
    MulI(x, y, h) { let (a, b) = ints(x, y, h)?; Ok(V::int(a.checked_mul(b).ok_or(Trap::Overflow)?, h)) }
    RemI(x, y, h) { let (a, b) = ints(x, y, h)?; Ok(V::int(a.checked_rem(b).ok_or(Trap::DivZero)?, h)) }
    XorI(x, y, h) { let (a, b) = ints(x, y, h)?; Ok(V::int(a ^ b, h)) }
    AddF(x, y, h) { let (a, b) = floats(x, y)?; Ok(V::float(a + b)) }
    SubF(x, y, h) { let (a, b) = floats(x, y)?; Ok(V::float(a - b)) }
    MulF(x, y, h) { let (a, b) = floats(x, y)?; Ok(V::float(a * b)) }
    DivF(x, y, h) { let (a, b) = floats(x, y)?; Ok(V::float(a / b)) }
}

#[inline(always)]
pub fn add_k<V: Val>(x: V, k: i64, h: &mut Heap<V>) -> Result<V, Trap> {
    let a = x.as_int(h).ok_or(Trap::Type)?;
    Ok(V::int(a.checked_add(k).ok_or(Trap::Overflow)?, h))
}

#[inline(always)]
pub fn sqrt<V: Val>(x: V) -> Result<V, Trap> {
    Ok(V::float(x.as_float().ok_or(Trap::Type)?.sqrt()))
}

#[inline(always)]
pub fn lt<V: Val>(x: V, y: V, h: &Heap<V>) -> Result<bool, Trap> {
    ints(x, y, h).map(|(a, b)| a < b)
}

/// Checked (object, element) position of `arr[idx]`.
#[inline(always)]
fn slot<V: Val>(arr: V, idx: V, h: &Heap<V>) -> Result<(usize, usize), Trap> {
    let o = arr.as_obj().ok_or(Trap::Type)? as usize;
    let i = usize::try_from(idx.as_int(h).ok_or(Trap::Type)?).map_err(|_| Trap::Index)?;
    if i < h.arrays[o].len() { Ok((o, i)) } else { Err(Trap::Index) }
}

#[inline(always)]
pub fn get_index<V: Val>(arr: V, idx: V, h: &Heap<V>) -> Result<V, Trap> {
    slot(arr, idx, h).map(|(o, i)| h.arrays[o][i])
}

#[inline(always)]
pub fn set_index<V: Val>(arr: V, idx: V, v: V, h: &mut Heap<V>) -> Result<(), Trap> {
    let (o, i) = slot(arr, idx, h)?;
    h.arrays[o][i] = v;
    Ok(())
}

/// The real VM checks its GC trigger at calls and loop back-edges.
#[inline(always)]
pub fn safepoint<V>(h: &mut Heap<V>) {
    if h.allocated > h.threshold {
        h.collections += 1;
        h.threshold = h.allocated * 2;
    }
}
