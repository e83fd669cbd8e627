// Content-Disposition (RFC 2183 2): where an S/MIME blob names its `filename`.
import { readParameters, ValueReader } from "./rfc2045-parameters.js";
import { singleField, type HeaderField } from "./rfc5322-header.js";

export interface ContentDisposition {
  /** Lower case: "inline", "attachment" or an extension token. */
  readonly type: string;
  /** By lower-case name (RFC 2231 continuations joined, charsets decoded). */
  readonly parameters: ReadonlyMap<string, string>;
}

export function parseContentDisposition(value: string): ContentDisposition {
  const reader = new ValueReader(value, "Content-Disposition");
  const type = reader.token("a disposition type").toLowerCase();
  return { type, parameters: readParameters(reader) };
}

/** The entity's Content-Disposition, or undefined when it has none. */
export function contentDispositionOf(fields: readonly HeaderField[]): ContentDisposition | undefined {
  const field = singleField(fields, "Content-Disposition");
  return field === undefined ? undefined : parseContentDisposition(field.value);
}
