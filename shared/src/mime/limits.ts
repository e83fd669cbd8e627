// Limits of the MIME layer. Every one bounds memory or work on hostile input; crossing one is an
// INPUT_TOO_LARGE or MALFORMED_MIME MailsealError, never a crash or unbounded buffering.

/** Bytes of one header section (RFC 5322 2.1), blank line included. Real mail stays far below. */
export const MAX_HEADER_BYTES = 1024 * 1024;

/** Physical lines of one header section: bounds the number of fields kept as objects. */
export const MAX_HEADER_LINES = 10_000;

/**
 * Bytes a boundary line may carry after `--boundary` (the optional `--` and transport padding,
 * RFC 2046 5.1.1). A longer candidate line is rejected instead of being buffered.
 */
export const MAX_BOUNDARY_PADDING = 1000;

/** Bytes of the encoded signature part of a multipart/signed (RFC 1847 2.1): signatures and their certificates. */
export const MAX_SIGNATURE_PART_BYTES = 4 * 1024 * 1024;

/** Sections of one RFC 2231 continued parameter (`name*0`, `name*1`, ...). */
export const MAX_PARAMETER_SECTIONS = 100;
