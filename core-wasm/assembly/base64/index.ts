// Host exports of the base64 area: streaming encoder with optional MIME wrapping, and decoder.
// Every export returns i32: >= 0 on success (a byte count), a negative Status otherwise.
import { Status } from "../status";
import { B64_DEC_CTX_SIZE, b64DecErrorIndex, b64DecErrorKind, b64DecFinal, b64DecInit, b64DecIsOpen, b64DecUpdate } from "./decode";
import { B64_ENC_CTX_SIZE, b64EncFinal, b64EncInit, b64EncIsOpen, b64EncUpdate, MIME_LINE } from "./encode";

export function b64_enc_ctx_size(): i32 {
  return <i32>B64_ENC_CTX_SIZE;
}

/** `lineLength` is 76 (MIME, RFC 2045 6.8) or 0 (no line breaks). */
export function b64_enc_init(ctx: usize, lineLength: i32): i32 {
  if (lineLength != 0 && lineLength != <i32>MIME_LINE) return Status.INVALID_ARGUMENT;
  b64EncInit(ctx, <u32>lineLength);
  return Status.OK;
}

/** Returns the characters written to `out` (room needed: see b64EncUpdate). */
export function b64_enc_update(ctx: usize, data: usize, len: usize, out: usize): i32 {
  if (!b64EncIsOpen(ctx)) return Status.INVALID_STATE;
  return <i32>b64EncUpdate(ctx, data, len, out);
}

export function b64_enc_final(ctx: usize, out: usize): i32 {
  if (!b64EncIsOpen(ctx)) return Status.INVALID_STATE;
  return <i32>b64EncFinal(ctx, out);
}

export function b64_dec_ctx_size(): i32 {
  return <i32>B64_DEC_CTX_SIZE;
}

export function b64_dec_init(ctx: usize): i32 {
  b64DecInit(ctx);
  return Status.OK;
}

/** Returns the bytes written to `out` (room needed: see b64DecUpdate), or MALFORMED_BASE64. */
export function b64_dec_update(ctx: usize, data: usize, len: usize, out: usize): i32 {
  if (!b64DecIsOpen(ctx)) return Status.INVALID_STATE;
  const written = b64DecUpdate(ctx, data, len, out);
  return written < 0 ? Status.MALFORMED_BASE64 : written;
}

/** Returns 0, or MALFORMED_BASE64 if the input ended inside a group or its padding. */
export function b64_dec_final(ctx: usize): i32 {
  if (!b64DecIsOpen(ctx)) return Status.INVALID_STATE;
  return b64DecFinal(ctx) < 0 ? Status.MALFORMED_BASE64 : Status.OK;
}

/** After MALFORMED_BASE64: index of the offending character in that update's input, or -1 from final. */
export function b64_dec_error_index(ctx: usize): i32 {
  return b64DecErrorIndex(ctx);
}

/** After MALFORMED_BASE64: 1 invalid character, 2 misplaced padding, 3 truncated input (B64Error). */
export function b64_dec_error_kind(ctx: usize): i32 {
  return b64DecErrorKind(ctx);
}
