// `openssl cms` (OpenSSL 3.0) as a CMS producer and consumer. Content always goes through `-binary`, so
// the bytes signed or encrypted are exactly the bytes given (no CRLF canonicalisation by openssl).
import { writeFileSync, readFileSync } from "node:fs";
import type { CmsForm } from "./forms.js";
import type { Identity } from "./pki.js";
import { run, scratch } from "./run.js";

export type CbcCipher = "aes-128-cbc" | "aes-192-cbc" | "aes-256-cbc" | "des-ede3-cbc";
/**
 * RC2-CBC with 40, 64 and 128 effective key bits (RFC 3370 5.2; rc2ParameterVersion 160, 120, 58), what
 * Outlook Express and old Outlook sent. OpenSSL 3 has RC2 in its legacy provider only.
 */
export type Rc2Cipher = "rc2-40" | "rc2-64" | "rc2-128";
/** GCM gives AuthEnvelopedData (RFC 5083/5084) in `openssl cms`. */
export type GcmCipher = "aes-128-gcm" | "aes-192-gcm" | "aes-256-gcm";
export type ContentCipher = CbcCipher | GcmCipher | Rc2Cipher;
/** RSA key transport: PKCS#1 v1.5 (RFC 5652 §6.2.1 / RFC 3370) or RSAES-OAEP with hash and MGF1 hash equal (RFC 8017, RFC 4055). */
export type KeyTransport = "rsa-pkcs1" | "rsa-oaep-sha1" | "rsa-oaep-sha256" | "rsa-oaep-sha384" | "rsa-oaep-sha512";
/** RecipientIdentifier choice (RFC 5652 §6.2.1). */
export type RecipientId = "issuer-serial" | "ski";
export type Digest = "sha1" | "sha256" | "sha384" | "sha512";

export interface OpensslEncryptOptions {
  readonly cipher?: ContentCipher;
  /** Ignored for EC recipients (they get ECDH key agreement, RFC 5753). */
  readonly keyTransport?: KeyTransport;
  readonly recipientId?: RecipientId;
  readonly form?: CmsForm;
  /** `-stream`: BER indefinite-length encoding with the content in chunked OCTET STRINGs. */
  readonly indefinite?: boolean;
  /** S/MIME form only: CRLF line ends (`-crlfeol`) instead of openssl's default LF. */
  readonly crlf?: boolean;
}

export interface OpensslSignOptions {
  /** detached: signature without content (S/MIME form gives multipart/signed); opaque: `-nodetach`. */
  readonly mode?: "detached" | "opaque";
  readonly digest?: Digest;
  readonly padding?: "pkcs1" | "pss";
  /** PSS salt length: openssl's default for signing is the maximum; gpgsm 2.2 only takes the digest length. */
  readonly pssSaltLength?: "digest" | "max";
  /** false: `-nocerts`, the verifier must have the signer's certificate. */
  readonly includeCerts?: boolean;
  readonly form?: CmsForm;
  readonly crlf?: boolean;
}

export interface OpensslVerifyOptions {
  /** Trust anchors (PEM file). */
  readonly caFile: string;
  /** The signed content for a detached signature given as DER or PEM. */
  readonly content?: Uint8Array;
  /** Certificates to search for the signer (PEM file), for signatures made with `-nocerts`. */
  readonly certFile?: string;
  /** Validate the chain at this time instead of now (`-attime`). */
  readonly atTime?: Date;
  /** `-purpose any`: skip the smimesign purpose check. */
  readonly purposeAny?: boolean;
  /**
   * false: leave out `-binary` (openssl then canonicalises the content to CRLF before digesting). Needed
   * for a CRLF multipart/signed: with `-binary`, OpenSSL 3.0 keeps the CR of the CRLF before the boundary
   * as part of the content and the digest fails.
   */
  readonly binary?: boolean;
}

export interface Verified {
  readonly content: Buffer;
  /** PEM of the signer certificates as openssl found them. */
  readonly signers: string;
}

const INFORM: Record<CmsForm, string> = { der: "DER", pem: "PEM", smime: "SMIME" };
const OAEP_MD: Record<Exclude<KeyTransport, "rsa-pkcs1">, string> = {
  "rsa-oaep-sha1": "sha1",
  "rsa-oaep-sha256": "sha256",
  "rsa-oaep-sha384": "sha384",
  "rsa-oaep-sha512": "sha512",
};

const file = scratch("openssl");

/** `openssl cms -encrypt` to each recipient. */
export async function opensslEncrypt(
  content: Uint8Array,
  recipients: readonly Identity[],
  options: OpensslEncryptOptions = {},
): Promise<Buffer> {
  const input = file("in");
  const output = file("out");
  writeFileSync(input, content);
  const cipher = options.cipher ?? "aes-256-cbc";
  const args = ["cms", "-encrypt", "-binary", `-${cipher}`, "-in", input, "-out", output];
  if (cipher.startsWith("rc2-")) args.push("-provider", "legacy", "-provider", "default");
  args.push("-outform", INFORM[options.form ?? "der"]);
  if (options.indefinite === true) args.push("-stream");
  if (options.crlf === true) args.push("-crlfeol");
  if (options.recipientId === "ski") args.push("-keyid");
  for (const recipient of recipients) {
    args.push("-recip", recipient.certPath);
    const transport = options.keyTransport ?? "rsa-pkcs1";
    // -keyopt applies to the -recip just before it.
    if (recipient.keyType.startsWith("rsa") && transport !== "rsa-pkcs1") {
      const md = OAEP_MD[transport];
      args.push("-keyopt", "rsa_padding_mode:oaep", "-keyopt", `rsa_oaep_md:${md}`, "-keyopt", `rsa_mgf1_md:${md}`);
    }
  }
  await run("openssl", args);
  return readFileSync(output);
}

/** `openssl cms -decrypt` with the recipient's key; the form is DER unless given. */
export async function opensslDecrypt(cms: Uint8Array, recipient: Identity, form: CmsForm = "der"): Promise<Buffer> {
  const input = file("in");
  const output = file("out");
  writeFileSync(input, cms);
  await run("openssl", [
    ...["cms", "-decrypt", "-binary", "-inform", INFORM[form], "-in", input, "-out", output],
    ...["-recip", recipient.certPath, "-inkey", recipient.keyPath],
  ]);
  return readFileSync(output);
}

/** `openssl cms -sign`; S/MIME form with mode detached gives a whole multipart/signed message. */
export async function opensslSign(
  content: Uint8Array,
  signer: Identity,
  options: OpensslSignOptions = {},
): Promise<Buffer> {
  const input = file("in");
  const output = file("out");
  writeFileSync(input, content);
  const args = ["cms", "-sign", "-binary", "-in", input, "-out", output, "-outform", INFORM[options.form ?? "der"]];
  args.push("-md", options.digest ?? "sha256", "-signer", signer.certPath, "-inkey", signer.keyPath);
  if (options.padding === "pss") {
    args.push("-keyopt", "rsa_padding_mode:pss");
    if (options.pssSaltLength === "digest") args.push("-keyopt", "rsa_pss_saltlen:digest");
  }
  if (options.mode === "opaque") args.push("-nodetach");
  if (options.includeCerts === false) args.push("-nocerts");
  if (options.crlf === true) args.push("-crlfeol");
  await run("openssl", args);
  return readFileSync(output);
}

/** `openssl cms -verify`: signature, chain to `caFile`, smimesign purpose; resolves with the content. */
export async function opensslVerify(
  signed: Uint8Array,
  form: CmsForm,
  options: OpensslVerifyOptions,
): Promise<Verified> {
  const input = file("in");
  const output = file("out");
  const signers = file("signers.pem");
  writeFileSync(input, signed);
  const args = ["cms", "-verify", "-inform", INFORM[form], "-in", input, "-out", output];
  if (options.binary !== false) args.push("-binary");
  args.push("-CAfile", options.caFile, "-signer", signers);
  if (options.content !== undefined) {
    const content = file("content");
    writeFileSync(content, options.content);
    args.push("-content", content);
  }
  if (options.certFile !== undefined) args.push("-certfile", options.certFile);
  if (options.atTime !== undefined) args.push("-attime", String(Math.floor(options.atTime.getTime() / 1000)));
  if (options.purposeAny === true) args.push("-purpose", "any");
  await run("openssl", args);
  return { content: readFileSync(output), signers: readFileSync(signers, "utf8") };
}
