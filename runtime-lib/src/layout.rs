//! Every number of the ABI (`ABI.md`): object kinds, header bits, slot kinds
//! and the offsets of object fields, format specs and the type table.
//!
//! The code generator depends on this crate as a native rlib only to read
//! these constants, so this module must stay target-independent and free
//! of dependencies: plain `pub const`s and `const fn`s.

// ---------------------------------------------------------------------------
// Object kinds (header `meta` bits 0-7)
// ---------------------------------------------------------------------------

/// Not an object: the kind of a free allocator cell. No live object has it,
/// which is how the sweeper tells free cells from dead objects.
pub const FREE: u32 = 0;
/// Immutable UTF-8 string; `len` = bytes, bytes at [`STR_BYTES`].
pub const STR: u32 = 1;
/// Growable array; `len` = elements, capacity at [`ARRAY_CAP`], data block at
/// [`ARRAY_DATA`].
pub const ARRAY: u32 = 2;
/// Tuple: an aggregate.
pub const TUPLE: u32 = 3;
/// Struct instance: an aggregate whose type id is the struct id.
pub const STRUCT: u32 = 4;
/// Enum variant: an aggregate whose type id is the enum id and whose `aux` is
/// the variant index.
pub const VARIANT: u32 = 5;
/// Closure: an aggregate of captured cells; `aux` = function table index.
pub const CLOSURE: u32 = 6;
/// A captured variable: an aggregate with one field.
pub const CELL: u32 = 7;
/// Boxed int (`i64` at [`BOX_VALUE`]).
pub const BOX_INT: u32 = 8;
/// Boxed float (`f64` bits at [`BOX_VALUE`]).
pub const BOX_FLOAT: u32 = 9;
/// Boxed bool (`u32` 0/1 at [`BOX_VALUE`]); only the statics `RT_TRUE` and
/// `RT_FALSE` exist.
pub const BOX_BOOL: u32 = 10;
/// Dict: a hash table from string keys to dynamic values; `len` = entries,
/// table size at [`DICT_CAP`], table block at [`DICT_TABLE`].
pub const DICT: u32 = 11;
/// Range: an aggregate of two fields (start, end); `aux` bit 0 = inclusive.
pub const RANGE: u32 = 12;

/// Whether objects of `kind` use the aggregate payload layout.
pub const fn is_aggregate(kind: u32) -> bool {
    matches!(kind, TUPLE | STRUCT | VARIANT | CLOSURE | CELL | RANGE)
}

// ---------------------------------------------------------------------------
// Header: `+0 u32 meta`, `+4 u32 len`
// ---------------------------------------------------------------------------

/// Offset of the `meta` word.
pub const META: u32 = 0;
/// Offset of the `len` word (string bytes, array elements, aggregate fields).
pub const LEN: u32 = 4;
/// Size of the header every object starts with.
pub const HEADER_SIZE: u32 = 8;
/// Alignment of every object.
pub const OBJECT_ALIGN: u32 = 8;

/// `meta` bits 0-7: object kind.
pub const KIND_MASK: u32 = 0xff;
/// `meta` bit 8: set on reachable objects during a collection (clear
/// otherwise).
pub const MARK_BIT: u32 = 1 << 8;
/// `meta` bit 9: the object is referenced from more than one place; it must
/// be copied before it is mutated (copy-on-write value semantics).
pub const SHARED_BIT: u32 = 1 << 9;
/// `meta` bits 10-11: slot kind of an array's elements.
pub const ELEM_KIND_SHIFT: u32 = 10;
/// Mask of the element slot kind after shifting by [`ELEM_KIND_SHIFT`].
pub const ELEM_KIND_MASK: u32 = 0b11;
/// `meta` bits 16-31: type id (struct id, enum id).
pub const TYPE_ID_SHIFT: u32 = 16;

/// The `meta` word of an object of `kind` with type id `type_id`.
pub const fn meta(kind: u32, type_id: u32) -> u32 {
    kind | (type_id << TYPE_ID_SHIFT)
}

/// The `meta` word of an array whose elements have slot kind `elem_kind`.
pub const fn array_meta(elem_kind: u32) -> u32 {
    ARRAY | ((elem_kind & ELEM_KIND_MASK) << ELEM_KIND_SHIFT)
}

/// Kind of an object from its `meta` word.
pub const fn kind_of(meta: u32) -> u32 {
    meta & KIND_MASK
}

/// Type id of an object from its `meta` word.
pub const fn type_id_of(meta: u32) -> u32 {
    meta >> TYPE_ID_SHIFT
}

/// Element slot kind of an array from its `meta` word.
pub const fn elem_kind_of(meta: u32) -> u32 {
    (meta >> ELEM_KIND_SHIFT) & ELEM_KIND_MASK
}

// ---------------------------------------------------------------------------
// Slots
// ---------------------------------------------------------------------------

/// Size of a value slot in an aggregate or an array data block.
pub const SLOT_SIZE: u32 = 8;
/// Pointer / dynamic / nil: low 32 bits = address (0 = nil), high 32 bits 0.
/// The only slot kind the collector traces.
pub const K_PTR: u32 = 0;
/// `i64`.
pub const K_INT: u32 = 1;
/// `f64` bits.
pub const K_FLOAT: u32 = 2;
/// Bool: 0 or 1.
pub const K_BOOL: u32 = 3;
/// Bits per field in an aggregate's `kinds` word.
pub const KIND_BITS: u32 = 2;
/// Fields whose kind is recorded in `kinds`; fields beyond are always
/// [`K_PTR`] (codegen boxes them).
pub const MAX_KINDED_FIELDS: u32 = 32;

/// Slot kind of field `i` from an aggregate's `kinds` word.
pub const fn field_kind(kinds: u64, i: u32) -> u32 {
    if i >= MAX_KINDED_FIELDS {
        K_PTR
    } else {
        ((kinds >> (KIND_BITS * i)) & 0b11) as u32
    }
}

/// The `kinds` word with field `i` set to slot kind `kind` (fields beyond
/// [`MAX_KINDED_FIELDS`] are left as they are: they are always pointers).
pub const fn with_field_kind(kinds: u64, i: u32, kind: u32) -> u64 {
    if i >= MAX_KINDED_FIELDS {
        return kinds;
    }
    let shift = KIND_BITS * i;
    (kinds & !(0b11 << shift)) | (((kind & 0b11) as u64) << shift)
}

// ---------------------------------------------------------------------------
// Payloads
// ---------------------------------------------------------------------------

/// STR: first byte of the UTF-8 text.
pub const STR_BYTES: u32 = 8;
/// ARRAY: `u32` capacity of the data block, in slots.
pub const ARRAY_CAP: u32 = 8;
/// ARRAY: `u32` address of the raw (untraced, explicitly freed) data block of
/// `cap` slots; 0 when `cap` is 0.
pub const ARRAY_DATA: u32 = 12;
/// Size of an ARRAY object.
pub const ARRAY_SIZE: u32 = 16;
/// Aggregate: `u32` aux (variant index, function index, range flags).
pub const AGG_AUX: u32 = 8;
/// Aggregate: reserved `u32`.
pub const AGG_RESERVED: u32 = 12;
/// Aggregate: `u64` slot kinds, 2 bits per field.
pub const AGG_KINDS: u32 = 16;
/// Aggregate: first field slot.
pub const AGG_FIELDS: u32 = 24;
/// DICT: `u32` number of table entries (a power of two, 0 before the first
/// insertion).
pub const DICT_CAP: u32 = 8;
/// DICT: `u32` address of the raw (untraced, explicitly freed) table block
/// of `cap` entries of [`ENTRY_SIZE`] bytes; 0 when `cap` is 0.
pub const DICT_TABLE: u32 = 12;
/// Size of a DICT object.
pub const DICT_SIZE: u32 = 16;
/// Table entry: `u32` address of the key's STR object, 0 = empty entry.
pub const ENTRY_KEY: u32 = 0;
/// Table entry: `u32` hash of the key's bytes.
pub const ENTRY_HASH: u32 = 4;
/// Table entry: `u32` the value (dynamic: 0 = nil, scalars boxed).
pub const ENTRY_VALUE: u32 = 8;
/// Size of a table entry.
pub const ENTRY_SIZE: u32 = 12;
/// RANGE: bit of `aux` set for `a..=b`.
pub const RANGE_INCLUSIVE: u32 = 1;
/// BOX_INT / BOX_FLOAT / BOX_BOOL: the boxed value.
pub const BOX_VALUE: u32 = 8;
/// Size of a boxed scalar.
pub const BOX_SIZE: u32 = 16;

/// Size of an aggregate with `n` fields.
pub const fn aggregate_size(n: u32) -> u32 {
    AGG_FIELDS + n * SLOT_SIZE
}

/// Offset of field `i` of an aggregate.
pub const fn field_offset(i: u32) -> u32 {
    AGG_FIELDS + i * SLOT_SIZE
}

/// Size of a string object with `len` bytes.
pub const fn str_size(len: u32) -> u32 {
    STR_BYTES + len
}

// ---------------------------------------------------------------------------
// Encoded format spec (20 bytes, in a data segment)
// ---------------------------------------------------------------------------

/// `u32` fill char, 0 = none.
pub const SPEC_FILL: u32 = 0;
/// `u8` alignment: 0 none, `b'<'`, `b'^'`, `b'>'`.
pub const SPEC_ALIGN: u32 = 4;
/// `u8` sign: 0, `b'+'`, `b'-'`.
pub const SPEC_SIGN: u32 = 5;
/// `u8` 1 when `#` is given.
pub const SPEC_ALTERNATE: u32 = 6;
/// `u8` 1 when `0` is given.
pub const SPEC_ZERO: u32 = 7;
/// `i32` width, -1 = none.
pub const SPEC_WIDTH: u32 = 8;
/// `i32` precision, -1 = none.
pub const SPEC_PRECISION: u32 = 12;
/// `u32` type char: 0 none, `'?'`, `'x'`, `'X'`, `'b'`, `'o'`, `'e'`, `'E'`.
pub const SPEC_TYPE: u32 = 16;
/// Size of an encoded spec.
pub const SPEC_SIZE: u32 = 20;

// ---------------------------------------------------------------------------
// Type table (registered with `rt_set_types`)
// ---------------------------------------------------------------------------

/// `u32` number of struct descriptors.
pub const TYPES_N_STRUCTS: u32 = 0;
/// `u32` address of the struct descriptors.
pub const TYPES_STRUCTS: u32 = 4;
/// `u32` number of enum descriptors.
pub const TYPES_N_ENUMS: u32 = 8;
/// `u32` address of the enum descriptors.
pub const TYPES_ENUMS: u32 = 12;
/// Size of the table header.
pub const TYPES_SIZE: u32 = 16;

/// Descriptor: `u32` address of the static STR name.
pub const DESC_NAME: u32 = 0;
/// Descriptor: `u32` number of fields (structs) or variants (enums).
pub const DESC_COUNT: u32 = 4;
/// Descriptor: `u32` address of an array of `u32` static STR addresses
/// (field names or variant names).
pub const DESC_NAMES: u32 = 8;
/// Size of a struct or enum descriptor.
pub const DESC_SIZE: u32 = 12;

// ---------------------------------------------------------------------------
// Built-in enums
// ---------------------------------------------------------------------------

/// Enum id of `Option` (HIR `OPTION_ENUM`): variants `None` = 0, `Some` = 1.
pub const OPTION_ENUM: u32 = 0;
/// Enum id of `Result` (HIR `RESULT_ENUM`): variants `Ok` = 0, `Err` = 1.
pub const RESULT_ENUM: u32 = 1;
pub const VARIANT_NONE: u32 = 0;
pub const VARIANT_SOME: u32 = 1;
pub const VARIANT_OK: u32 = 0;
pub const VARIANT_ERR: u32 = 1;

// ---------------------------------------------------------------------------
// `rt_fmt` modes
// ---------------------------------------------------------------------------

/// D(v): strings quoted.
pub const MODE_DISPLAY: u32 = 0;
/// R(v): a top-level string raw.
pub const MODE_RAW: u32 = 1;
/// I(v): f-string `{e}`.
pub const MODE_INTERP: u32 = 2;
/// Rust `{:?}`.
pub const MODE_DEBUG: u32 = 3;

// ---------------------------------------------------------------------------
// Shadow stack
// ---------------------------------------------------------------------------

/// Bytes of the shadow stack region `RT_SHADOW` (4 MiB = 1,048,576 slots):
/// room for the VM's 200,000 nested calls with frames of up to 5 slots, so
/// that a runaway recursion usually meets the depth limit, which reports
/// the call's position, before the end of this region, which cannot. The
/// region is zero memory until used.
pub const SHADOW_BYTES: u32 = 4 << 20;
/// Size of a shadow stack slot.
pub const SHADOW_SLOT: u32 = 4;
/// Bytes kept free above `RT_SHADOW_LIMIT` for the runtime's own temporary
/// roots (a runtime function pushes at most a few).
pub const SHADOW_RESERVE: u32 = 256;

// ---------------------------------------------------------------------------
// Linear memory
// ---------------------------------------------------------------------------

/// Size of a wasm page, the unit of `memory.grow` and of allocator chunks.
pub const PAGE_SIZE: u32 = 1 << 16;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_bits_do_not_overlap() {
        let fields = [KIND_MASK, MARK_BIT, SHARED_BIT, ELEM_KIND_MASK << ELEM_KIND_SHIFT, 0xffff << TYPE_ID_SHIFT];
        for (i, a) in fields.iter().enumerate() {
            for b in &fields[i + 1..] {
                assert_eq!(a & b, 0);
            }
        }
    }

    #[test]
    fn field_kinds_round_trip() {
        let mut kinds = 0;
        kinds = with_field_kind(kinds, 0, K_INT);
        kinds = with_field_kind(kinds, 31, K_BOOL);
        kinds = with_field_kind(kinds, 5, K_FLOAT);
        assert_eq!(field_kind(kinds, 0), K_INT);
        assert_eq!(field_kind(kinds, 5), K_FLOAT);
        assert_eq!(field_kind(kinds, 31), K_BOOL);
        assert_eq!(field_kind(kinds, 1), K_PTR);
        assert_eq!(field_kind(u64::MAX, 40), K_PTR);
        assert_eq!(elem_kind_of(array_meta(K_FLOAT)), K_FLOAT);
        assert_eq!(type_id_of(meta(STRUCT, 7)), 7);
    }
}
