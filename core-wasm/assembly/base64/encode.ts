// Streaming base64 encoder (RFC 4648 section 4 alphabet) with optional MIME line wrapping
// (RFC 2045 section 6.8: lines of at most 76 characters, separated by CRLF).
// Six-bit values become characters by arithmetic on their range, never by a table lookup indexed by
// data, so the timing does not depend on the bytes encoded (keys travel as base64 too).

// Context layout (byte offsets).
const OPEN: usize = 0; // u32 1 between init and final
const LINE_LENGTH: usize = 4; // u32 76, or 0 for no wrapping
const COLUMN: usize = 8; // u32 characters already on the current line
const CARRIED: usize = 12; // u32 input bytes (0..2) waiting for a complete 3-byte group
const CARRY: usize = 16; // the waiting bytes
export const B64_ENC_CTX_SIZE: usize = 20;

/** The MIME line length (RFC 2045 6.8); each line holds 57 input bytes. */
export const MIME_LINE: u32 = 76;
const LINE_INPUT: usize = 57;
// Bulk paths read up to this many input bytes to produce one line (or one 64-character run).
const BULK_READ: usize = 64;

/**
 * Maps eight 6-bit values, one per byte lane, to their base64 characters (SWAR, no table).
 * Offsets to add per range: A-Z +65, a-z +71, 0-9 -4, '+' -19, '/' -16. The ranges nest (each
 * "v >= k" lane mask includes the next), so the offset is built by XOR-ing in the differences.
 */
// @ts-ignore: decorator
@inline
function sextetsToAscii(v: u64): u64 {
  const ones: u64 = 0x0101010101010101;
  const high: u64 = 0x8080808080808080;
  const biased = v | high;
  // Lane mask 0xff where v >= k: (v | 0x80) - k keeps its top bit exactly then (v < 64, no borrow).
  const ge26 = (((biased - 26 * ones) & high) >> 7) * 0xff;
  const ge52 = (((biased - 52 * ones) & high) >> 7) * 0xff;
  const ge62 = (((biased - 62 * ones) & high) >> 7) * 0xff;
  const ge63 = (((biased - 63 * ones) & high) >> 7) * 0xff;
  const offset =
    (65 * ones) ^
    (ge26 & ((65 ^ 71) * ones)) ^
    (ge52 & ((71 ^ 252) * ones)) ^
    (ge62 & ((252 ^ 237) * ones)) ^
    (ge63 & ((237 ^ 240) * ones));
  // Lane-wise v + offset mod 256 without carries between lanes: add the low 7 bits, flip the top bit.
  return (v + (offset & ~high)) ^ (offset & high);
}

/** Spreads a 24-bit group (first byte most significant) into four 6-bit lanes, first lane lowest. */
// @ts-ignore: decorator
@inline
function spreadGroup(n: u32): u64 {
  return <u64>((n >> 18) | (((n >> 12) & 63) << 8) | (((n >> 6) & 63) << 16) | ((n & 63) << 24));
}

/** Encodes the 3 bytes at `p` (reading exactly 3) into 4 characters at `o`. */
// @ts-ignore: decorator
@inline
function encodeGroup(p: usize, o: usize): void {
  const n = (<u32>load<u8>(p) << 16) | (<u32>load<u8>(p, 1) << 8) | <u32>load<u8>(p, 2);
  store<u32>(o, <u32>sextetsToAscii(spreadGroup(n)));
}

/** Encodes 6 bytes at `p` (reading 8) into 8 characters at `o`. */
// @ts-ignore: decorator
@inline
function encodePair(p: usize, o: usize): void {
  const v = bswap<u64>(load<u64>(p));
  const lanes = spreadGroup(<u32>(v >> 40)) | (spreadGroup(<u32>(v >> 16) & 0xffffff) << 32);
  store<u64>(o, sextetsToAscii(lanes));
}

/** Encodes 12 bytes at `p` (reading 16) into 16 characters at `o` (Muła's SSE method, in WASM SIMD). */
// @ts-ignore: decorator
@inline
function encodeBlock12(p: usize, o: usize): void {
  // Each 32-bit lane gets bytes [b1, b0, b2, b1], so its halves are b0:b1 and b1:b2 big-endian.
  const x = i8x16.swizzle(v128.load(p), i8x16(1, 0, 2, 1, 4, 3, 5, 4, 7, 6, 8, 7, 10, 9, 11, 10));
  // Move the four 6-bit fields of b0 b1 b2 to byte lanes 0..3 of each 32-bit lane.
  const sextets = v128.or(
    v128.or(
      v128.and(i32x4.shr_u(x, 10), i32x4.splat(0x0000003f)),
      v128.and(i32x4.shl(x, 4), i32x4.splat(0x00003f00)),
    ),
    v128.or(
      v128.and(i32x4.shr_u(x, 6), i32x4.splat(0x003f0000)),
      v128.and(i32x4.shl(x, 8), i32x4.splat(0x3f000000)),
    ),
  );
  // Range index: 13 for A-Z, 0 for a-z, 1..10 for digits, 11 for '+', 12 for '/'; then add its offset.
  const saturated = i8x16.sub_sat_u(sextets, i8x16.splat(51));
  const upper = v128.and(i8x16.lt_u(sextets, i8x16.splat(26)), i8x16.splat(13));
  const offsets = i8x16(71, -4, -4, -4, -4, -4, -4, -4, -4, -4, -4, -19, -16, 65, 0, 0);
  v128.store(o, i8x16.add(sextets, i8x16.swizzle(offsets, v128.or(saturated, upper))));
}

/** 57 bytes at `p` (reading 64) to one 76-character line at `o`; writes up to 80 bytes. */
// @ts-ignore: decorator
@inline
function encodeLine(p: usize, o: usize): void {
  if (ASC_FEATURE_SIMD) {
    encodeBlock12(p, o);
    encodeBlock12(p + 12, o + 16);
    encodeBlock12(p + 24, o + 32);
    encodeBlock12(p + 36, o + 48);
    encodeBlock12(p + 48, o + 64);
  } else {
    for (let i: usize = 0; i < 9; i++) encodePair(p + 6 * i, o + 8 * i);
    encodeGroup(p + 54, o + 72);
  }
}

/** 48 bytes at `p` (reading 64) to 64 characters at `o`. */
// @ts-ignore: decorator
@inline
function encodeRun48(p: usize, o: usize): void {
  if (ASC_FEATURE_SIMD) {
    encodeBlock12(p, o);
    encodeBlock12(p + 12, o + 16);
    encodeBlock12(p + 24, o + 32);
    encodeBlock12(p + 36, o + 48);
  } else {
    for (let i: usize = 0; i < 8; i++) encodePair(p + 6 * i, o + 8 * i);
  }
}

export function b64EncInit(ctx: usize, lineLength: u32): void {
  memory.fill(ctx, 0, B64_ENC_CTX_SIZE);
  store<u32>(ctx, 1, OPEN);
  store<u32>(ctx, lineLength, LINE_LENGTH);
}

export function b64EncIsOpen(ctx: usize): bool {
  return load<u32>(ctx, OPEN) == 1;
}

/**
 * Encodes `len` bytes at `data` to `out` and returns the number of characters written. Up to two bytes
 * stay in the context until more input or final. `out` needs room for 4 characters per 3 bytes (len + 2),
 * a CRLF per started line, and 16 bytes more: the bulk paths store whole vectors past their last character.
 */
export function b64EncUpdate(ctx: usize, data: usize, len: usize, out: usize): usize {
  const lineLength = load<u32>(ctx, LINE_LENGTH);
  let column = load<u32>(ctx, COLUMN);
  let carried = <usize>load<u32>(ctx, CARRIED);
  let o = out;

  // Before each group: if the current line is full, start a new one (RFC 2045 6.8: CRLF). Breaking
  // lazily, before the next characters, means the output never ends with a line break. 76 is a
  // multiple of 4, so a group never straddles two lines.
  if (carried > 0) {
    while (carried < 3 && len > 0) {
      store<u8>(ctx + CARRY + carried, load<u8>(data));
      carried++;
      data++;
      len--;
    }
    if (carried < 3) {
      store<u32>(ctx, <u32>carried, CARRIED);
      return 0;
    }
    if (lineLength != 0 && column == lineLength) {
      store<u16>(o, 0x0a0d);
      o += 2;
      column = 0;
    }
    encodeGroup(ctx + CARRY, o);
    o += 4;
    column += 4;
    carried = 0;
  }

  if (lineLength == 0) {
    while (len >= BULK_READ) {
      encodeRun48(data, o);
      data += 48;
      len -= 48;
      o += 64;
    }
  } else {
    // Finish the current line group by group, then whole lines.
    while (column != 0 && column != lineLength && len >= 3) {
      encodeGroup(data, o);
      data += 3;
      len -= 3;
      o += 4;
      column += 4;
    }
    if (column == 0 || column == lineLength) {
      while (len >= BULK_READ) {
        if (column == lineLength) {
          store<u16>(o, 0x0a0d);
          o += 2;
        }
        encodeLine(data, o);
        data += LINE_INPUT;
        len -= LINE_INPUT;
        o += <usize>MIME_LINE;
        column = MIME_LINE;
      }
    }
  }

  while (len >= 3) {
    if (lineLength != 0 && column == lineLength) {
      store<u16>(o, 0x0a0d);
      o += 2;
      column = 0;
    }
    encodeGroup(data, o);
    data += 3;
    len -= 3;
    o += 4;
    column += 4;
  }
  // Zero the carry first: final relies on the missing bytes of the last group being zero.
  store<u32>(ctx + CARRY, 0);
  for (let i: usize = 0; i < len; i++) store<u8>(ctx + CARRY + i, load<u8>(data + i));
  store<u32>(ctx, <u32>len, CARRIED);
  store<u32>(ctx, column, COLUMN);
  return o - out;
}

/** Writes the last group with '=' padding (RFC 4648 section 4), no trailing CRLF, and wipes the context. */
export function b64EncFinal(ctx: usize, out: usize): usize {
  const carried = load<u32>(ctx, CARRIED);
  let o = out;
  if (carried > 0) {
    if (load<u32>(ctx, LINE_LENGTH) != 0 && load<u32>(ctx, COLUMN) == load<u32>(ctx, LINE_LENGTH)) {
      store<u16>(o, 0x0a0d);
      o += 2;
    }
    // The missing bytes are zero in the context, so the last character's unused bits are zero.
    encodeGroup(ctx + CARRY, o);
    store<u8>(o + 3, 0x3d); // '='
    if (carried == 1) store<u8>(o + 2, 0x3d);
    o += 4;
  }
  memory.fill(ctx, 0, B64_ENC_CTX_SIZE);
  return o - out;
}
