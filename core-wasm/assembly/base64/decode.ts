// Streaming base64 decoder (RFC 4648 section 4 alphabet). Whitespace (space, tab, CR, LF) is skipped
// anywhere, as MIME bodies are wrapped (RFC 2045 6.8); '=' is accepted only as the final padding of the
// input; every other character is an error. Characters are mapped to values by range arithmetic
// (scalar) or in-register nibble lookups (SIMD), never by a memory table indexed by data.

// Context layout (byte offsets).
const OPEN: usize = 0; // u32 1 between init and final, 0 after final, ERRORED after an error
const BITS: usize = 4; // u32 the 6-bit values of the current incomplete group
const COUNT: usize = 8; // u32 characters (0..3) in the current group
const PADDING: usize = 12; // u32 PAD_NONE, PAD_ONE_MORE or PAD_DONE
const ERROR_INDEX: usize = 16; // i32 index in the failing update's input, or -1 when final failed
const ERROR_KIND: usize = 20; // u32 B64Error
export const B64_DEC_CTX_SIZE: usize = 24;

const ERRORED: u32 = 2;
const PAD_NONE: u32 = 0;
const PAD_ONE_MORE: u32 = 1; // "xx=" seen, a second '=' must follow
const PAD_DONE: u32 = 2; // padding complete: only whitespace may follow

/** Why decoding failed (reported to the host with the input index). */
export enum B64Error {
  NONE = 0,
  /** A character outside the alphabet, '=' and whitespace. */
  INVALID_CHARACTER = 1,
  /** '=' where padding cannot be, or data after the padding. */
  MISPLACED_PADDING = 2,
  /** The input ended inside a 4-character group (missing characters or padding). */
  TRUNCATED = 3,
}

/** -1 when lo <= c <= hi, else 0, without branching. */
// @ts-ignore: decorator
@inline
function inRange(c: i32, lo: i32, hi: i32): i32 {
  return ((lo - 1 - c) & (c - hi - 1)) >> 31;
}

/** The 6-bit value of character `c` (0..255), or -1 if it is not in the base64 alphabet. Branch-free. */
// @ts-ignore: decorator
@inline
function sextetOf(c: i32): i32 {
  const upper = inRange(c, 65, 90);
  const lower = inRange(c, 97, 122);
  const digit = inRange(c, 48, 57);
  const plus = inRange(c, 43, 43);
  const slash = inRange(c, 47, 47);
  const value = (upper & (c - 65)) | (lower & (c - 71)) | (digit & (c + 4)) | (plus & 62) | (slash & 63);
  return value | ~(upper | lower | digit | plus | slash);
}

// @ts-ignore: decorator
@inline
function isWhitespace(c: i32): bool {
  return c == 0x20 || c == 0x09 || c == 0x0d || c == 0x0a;
}

/**
 * Decodes the leading alphabet characters of the 16 at `p`, in whole groups of 4, to bytes at `o`
 * (writing 16), and returns how many characters it consumed (0, 4, 8, 12 or 16). Muła and Lemire's
 * nibble-lookup validation and translation, with the WASM SIMD swizzle as the in-register lookup.
 */
// @ts-ignore: decorator
@inline
function decodeBlock16(p: usize, o: usize): usize {
  const input = v128.load(p);
  const hiNibbles = i8x16.shr_u(input, 4);
  const loNibbles = v128.and(input, i8x16.splat(0x0f));
  // A character is valid when the class bits of its low nibble and of its high nibble share no bit.
  const loClass = i8x16.swizzle(
    i8x16(0x15, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x13, 0x1a, 0x1b, 0x1b, 0x1b, 0x1a),
    loNibbles,
  );
  const hiClass = i8x16.swizzle(
    i8x16(0x10, 0x10, 0x01, 0x02, 0x04, 0x08, 0x04, 0x08, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10),
    hiNibbles,
  );
  // Characters before the first invalid one (a line break, typically), rounded down to whole groups.
  const invalid = i8x16.bitmask(i8x16.ne(v128.and(loClass, hiClass), i8x16.splat(0)));
  const usable = <usize>ctz<u32>(invalid | 0x10000) & ~3;
  if (usable == 0) return 0;
  // Offset by high nibble ('/' shares its nibble with '+', so it is moved to its own entry).
  const slash = i8x16.eq(input, i8x16.splat(0x2f));
  const offsets = i8x16(0, 16, 19, 4, -65, -65, -71, -71, 0, 0, 0, 0, 0, 0, 0, 0);
  const sextets = i8x16.add(input, i8x16.swizzle(offsets, i8x16.add(hiNibbles, slash)));
  // Pack: per 16-bit lane v0 << 6 | v1, then per 32-bit lane (v0v1) << 12 | (v2v3) = 24 data bits.
  const pairs = v128.or(i16x8.shl(v128.and(sextets, i16x8.splat(0x00ff)), 6), i16x8.shr_u(sextets, 8));
  const groups = i32x4.dot_i16x8_s(pairs, i16x8(0x1000, 1, 0x1000, 1, 0x1000, 1, 0x1000, 1));
  // Big-endian bytes of each 24-bit group, packed into the first 12 bytes.
  v128.store(o, i8x16.swizzle(groups, i8x16(2, 1, 0, 6, 5, 4, 10, 9, 8, 14, 13, 12, -1, -1, -1, -1)));
  return usable;
}

/**
 * Decodes 8 alphabet characters at `p` to 6 bytes at `o` (writing 8), or returns false without writing.
 * SWAR over the 8 byte lanes of a u64: range masks as in sextetOf, computed for all lanes at once.
 */
// @ts-ignore: decorator
@inline
function decodeOctet(p: usize, o: usize): bool {
  const ones: u64 = 0x0101010101010101;
  const high: u64 = 0x8080808080808080;
  const x = load<u64>(p);
  // Lane flag 0x80 where c >= k; valid only for c < 0x80, so non-ASCII lanes are rejected first.
  const biased = x | high;
  const ge65 = (biased - 65 * ones) & high;
  const ge91 = (biased - 91 * ones) & high;
  const ge97 = (biased - 97 * ones) & high;
  const ge123 = (biased - 123 * ones) & high;
  const ge48 = (biased - 48 * ones) & high;
  const ge58 = (biased - 58 * ones) & high;
  const ge43 = (biased - 43 * ones) & high;
  const ge44 = (biased - 44 * ones) & high;
  const ge47 = (biased - 47 * ones) & high;
  const upper = ge65 & ~ge91;
  const lower = ge97 & ~ge123;
  const digit = ge48 & ~ge58;
  const plus = ge43 & ~ge44;
  const slash = ge47 & ~ge48;
  if ((x & high) != 0 || (upper | lower | digit | plus | slash) != high) return false;
  // Per-lane offsets -65, -71, +4, +19, +16 (mod 256), added without carries between lanes.
  const offset =
    (((upper >> 7) * 0xff) & (191 * ones)) |
    (((lower >> 7) * 0xff) & (185 * ones)) |
    (((digit >> 7) * 0xff) & (4 * ones)) |
    (((plus >> 7) * 0xff) & (19 * ones)) |
    (((slash >> 7) * 0xff) & (16 * ones));
  const sextets = (x + (offset & ~high)) ^ (offset & high);
  // Pack: 16-bit lanes v0 << 6 | v1, then 32-bit lanes of 24 bits, then both groups big-endian.
  const pairs = ((sextets & 0x00ff00ff00ff00ff) << 6) | ((sextets >> 8) & 0x00ff00ff00ff00ff);
  const groups = ((pairs & 0x0000ffff0000ffff) << 12) | ((pairs >> 16) & 0x0000ffff0000ffff);
  store<u64>(o, bswap<u64>((((groups & 0xffffff) << 24) | (groups >> 32)) << 16));
  return true;
}

/** Decodes 4 alphabet characters at `p` to 3 bytes at `o`, or returns false without writing. */
// @ts-ignore: decorator
@inline
function decodeQuad(p: usize, o: usize): bool {
  const q = load<u32>(p);
  const a = sextetOf(q & 0xff);
  const b = sextetOf((q >> 8) & 0xff);
  const c = sextetOf((q >> 16) & 0xff);
  const d = sextetOf(q >> 24);
  if ((a | b | c | d) < 0) return false;
  const n = (a << 18) | (b << 12) | (c << 6) | d;
  store<u8>(o, <u8>(n >> 16));
  store<u16>(o, bswap<u16>(<u16>n), 1);
  return true;
}

export function b64DecInit(ctx: usize): void {
  memory.fill(ctx, 0, B64_DEC_CTX_SIZE);
  store<u32>(ctx, 1, OPEN);
}

export function b64DecIsOpen(ctx: usize): bool {
  return load<u32>(ctx, OPEN) == 1;
}

export function b64DecErrorIndex(ctx: usize): i32 {
  return load<i32>(ctx, ERROR_INDEX);
}

export function b64DecErrorKind(ctx: usize): i32 {
  return load<i32>(ctx, ERROR_KIND);
}

function fail(ctx: usize, kind: B64Error, index: i32): i32 {
  memory.fill(ctx, 0, B64_DEC_CTX_SIZE);
  store<u32>(ctx, ERRORED, OPEN);
  store<i32>(ctx, index, ERROR_INDEX);
  store<u32>(ctx, kind, ERROR_KIND);
  return -1;
}

/**
 * Decodes `len` characters at `data` to `out`; returns the bytes written, or -1 after recording the
 * error in the context. `out` needs (len + 3) / 4 * 3 + 2 bytes (up to 3 characters carried in, and the bytes
 * of a group ended by '=') and 16 more: the fast paths store whole vectors past their last byte.
 */
export function b64DecUpdate(ctx: usize, data: usize, len: usize, out: usize): i32 {
  let bits = load<u32>(ctx, BITS);
  let count = load<u32>(ctx, COUNT);
  let padding = load<u32>(ctx, PADDING);
  let o = out;
  let i: usize = 0;
  while (i < len) {
    // Fast paths while at a group boundary: whole runs of alphabet characters.
    if (count == 0 && padding == PAD_NONE) {
      if (ASC_FEATURE_SIMD) {
        while (i + 16 <= len) {
          const used = decodeBlock16(data + i, o);
          i += used;
          o += (used >> 2) * 3;
          if (used < 16) {
            // MIME lines (RFC 2045 6.8: 76 characters, 19 groups) end in CRLF between two groups:
            // step over it here instead of leaving the fast path for one line break.
            if (i + 2 <= len && load<u16>(data + i) == 0x0a0d) {
              i += 2;
              continue;
            }
            break;
          }
        }
      } else {
        while (i + 8 <= len && decodeOctet(data + i, o)) {
          i += 8;
          o += 6;
        }
      }
      while (i + 4 <= len && decodeQuad(data + i, o)) {
        i += 4;
        o += 3;
      }
      if (i >= len) break;
    }
    // One character at a time: whitespace, padding, a group split across updates, or an error.
    const c = <i32>load<u8>(data + i);
    const value = sextetOf(c);
    if (value >= 0) {
      if (padding != PAD_NONE) return fail(ctx, B64Error.MISPLACED_PADDING, <i32>i);
      bits = (bits << 6) | <u32>value;
      count++;
      if (count == 4) {
        store<u8>(o, <u8>(bits >> 16));
        store<u16>(o, bswap<u16>(<u16>bits), 1);
        o += 3;
        count = 0;
        bits = 0;
      }
    } else if (c == 0x3d) {
      // '=' (RFC 4648 section 4): "xx==" ends with one byte, "xxx=" with two; nothing else may follow.
      if (padding == PAD_ONE_MORE) {
        padding = PAD_DONE;
      } else if (padding == PAD_NONE && count == 2) {
        store<u8>(o, <u8>(bits >> 4));
        o += 1;
        padding = PAD_ONE_MORE;
      } else if (padding == PAD_NONE && count == 3) {
        store<u16>(o, bswap<u16>(<u16>(bits >> 2)));
        o += 2;
        padding = PAD_DONE;
      } else {
        return fail(ctx, B64Error.MISPLACED_PADDING, <i32>i);
      }
      count = 0;
      bits = 0;
    } else if (isWhitespace(c)) {
      // Skip the rest of a run (CRLF) here rather than through the fast paths.
      while (i + 1 < len && isWhitespace(<i32>load<u8>(data + i + 1))) i++;
    } else {
      return fail(ctx, B64Error.INVALID_CHARACTER, <i32>i);
    }
    i++;
  }
  store<u32>(ctx, bits, BITS);
  store<u32>(ctx, count, COUNT);
  store<u32>(ctx, padding, PADDING);
  return <i32>(o - out);
}

/** Checks that the input ended on a group boundary or after complete padding, and wipes the context. */
export function b64DecFinal(ctx: usize): i32 {
  if (load<u32>(ctx, COUNT) != 0 || load<u32>(ctx, PADDING) == PAD_ONE_MORE) return fail(ctx, B64Error.TRUNCATED, -1);
  memory.fill(ctx, 0, B64_DEC_CTX_SIZE);
  return 0;
}
