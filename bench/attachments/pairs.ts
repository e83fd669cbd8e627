// The round trips measured: each tool's forward operation (encrypt, sign, sign+encrypt) and the
// backward one that must give the input back. Same certificates, same input file, same cipher.
import type { Command } from "./measure.js";
import type { Peer, Pki } from "./setup.js";

export type Tool = "mailseal" | "openssl" | "PKI.js" | "OpenPGP.js" | "node-forge";

export interface Pair {
  readonly tool: Tool;
  /** Operation names; a peer's cell is compared with mailseal's cell of the same name. */
  readonly forward: string;
  readonly backward: string;
  /** Larger inputs are skipped (node-forge needs GiBs beyond 16 MiB). */
  readonly maxBytes?: number;
  /** What the backward step must reproduce: the whole message, or its MIME entity (mailseal). */
  readonly expect: "message" | "entity";
  forwardCommands(input: string, sealed: string): Command[];
  backwardCommands(sealed: string, opened: string): Command[];
}

export const MiB = 1024 * 1024;

export function pairs(pki: Pki, peers: Record<Peer, string>, mailsealBin: string): Pair[] {
  const node = process.execPath;
  const mailseal = (...args: string[]): Command => ({ argv: [node, mailsealBin, ...args] });
  const cms = (...args: string[]): Command => ({ argv: ["openssl", "cms", ...args] });
  const result: Pair[] = [];
  for (const cipher of ["aes-256-cbc", "aes-256-gcm"] as const) {
    const mode = cipher.endsWith("gcm") ? "GCM" : "CBC";
    result.push({
      tool: "mailseal",
      forward: `encrypt ${mode}`,
      backward: `decrypt ${mode}`,
      expect: "entity",
      forwardCommands: (input, sealed) => [
        mailseal("encrypt", "--recipient", pki.bobCert, "--cipher", cipher, "--in", input, "--out", sealed),
      ],
      backwardCommands: (sealed, opened) => [
        mailseal("decrypt", "--key", pki.bobKey, "--cert", pki.bobCert, "--in", sealed, "--out", opened),
      ],
    });
    // -stream: BER indefinite length, content never held whole; S/MIME form, base64 like mailseal's.
    result.push({
      tool: "openssl",
      forward: `encrypt ${mode}`,
      backward: `decrypt ${mode}`,
      expect: "message",
      forwardCommands: (input, sealed) => [
        cms(
          "-encrypt",
          "-binary",
          "-stream",
          `-${cipher}`,
          "-in",
          input,
          "-outform",
          "SMIME",
          "-out",
          sealed,
          pki.bobCert,
        ),
      ],
      backwardCommands: (sealed, opened) => [
        cms(
          "-decrypt",
          "-binary",
          "-inform",
          "SMIME",
          "-in",
          sealed,
          "-recip",
          pki.bobCert,
          "-inkey",
          pki.bobKey,
          "-out",
          opened,
        ),
      ],
    });
    result.push({
      tool: "PKI.js",
      forward: `encrypt ${mode}`,
      backward: `decrypt ${mode}`,
      expect: "message",
      forwardCommands: (input, sealed) => [
        { argv: [node, peers.pkijs, "encrypt", cipher, input, sealed, pki.bobCert] },
      ],
      backwardCommands: (sealed, opened) => [
        { argv: [node, peers.pkijs, "decrypt", sealed, opened, pki.bobCert, pki.bobKey] },
      ],
    });
  }
  result.push({
    tool: "OpenPGP.js",
    forward: "encrypt GCM",
    backward: "decrypt GCM",
    expect: "message",
    forwardCommands: (input, sealed) => [{ argv: [node, peers.openpgp, "encrypt", input, sealed, pki.pgpPublic] }],
    backwardCommands: (sealed, opened) => [{ argv: [node, peers.openpgp, "decrypt", sealed, opened, pki.pgpPrivate] }],
  });
  result.push({
    tool: "node-forge",
    forward: "encrypt CBC",
    backward: "decrypt CBC",
    maxBytes: 16 * MiB + 4096,
    expect: "message",
    forwardCommands: (input, sealed) => [{ argv: [node, peers.forge, "encrypt", input, sealed, pki.bobCert] }],
    backwardCommands: (sealed, opened) => [
      { argv: [node, peers.forge, "decrypt", sealed, opened, pki.bobCert, pki.bobKey] },
    ],
  });
  result.push({
    tool: "mailseal",
    forward: "sign",
    backward: "verify",
    expect: "entity",
    forwardCommands: (input, signed) => [
      mailseal("sign", "--key", pki.aliceKey, "--cert", pki.aliceCert, "--in", input, "--out", signed),
    ],
    backwardCommands: (signed, opened) => [mailseal("verify", "--ca", pki.caCert, "--in", signed, "--out", opened)],
  });
  // Detached (multipart/signed) like mailseal's default; -stream so openssl does not buffer the content.
  const opensslSign = (input: string, signed?: string): Command =>
    cms(
      ...["-sign", "-binary", "-stream", "-in", input, "-signer", pki.aliceCert, "-inkey", pki.aliceKey],
      ...["-outform", "SMIME", ...(signed === undefined ? [] : ["-out", signed])],
    );
  const opensslVerify = (signed: string | undefined, opened: string): Command =>
    cms(
      ...["-verify", "-binary", "-inform", "SMIME", ...(signed === undefined ? [] : ["-in", signed])],
      ...["-CAfile", pki.caCert, "-out", opened],
    );
  result.push({
    tool: "openssl",
    forward: "sign",
    backward: "verify",
    expect: "message",
    forwardCommands: (input, signed) => [opensslSign(input, signed)],
    backwardCommands: (signed, opened) => [opensslVerify(signed, opened)],
  });
  // Sign then encrypt, and back, as two processes joined by a pipe: how the command composes them.
  result.push({
    tool: "mailseal",
    forward: "sign+encrypt CBC",
    backward: "decrypt+verify CBC",
    expect: "entity",
    forwardCommands: (input, sealed) => [
      mailseal("sign", "--key", pki.aliceKey, "--cert", pki.aliceCert, "--in", input),
      mailseal("encrypt", "--recipient", pki.bobCert, "--out", sealed),
    ],
    backwardCommands: (sealed, opened) => [
      mailseal("decrypt", "--key", pki.bobKey, "--cert", pki.bobCert, "--in", sealed),
      mailseal("verify", "--ca", pki.caCert, "--out", opened),
    ],
  });
  result.push({
    tool: "openssl",
    forward: "sign+encrypt CBC",
    backward: "decrypt+verify CBC",
    expect: "message",
    forwardCommands: (input, sealed) => [
      opensslSign(input),
      cms("-encrypt", "-binary", "-stream", "-aes-256-cbc", "-outform", "SMIME", "-out", sealed, pki.bobCert),
    ],
    backwardCommands: (sealed, opened) => [
      cms("-decrypt", "-binary", "-inform", "SMIME", "-in", sealed, "-recip", pki.bobCert, "-inkey", pki.bobKey),
      opensslVerify(undefined, opened),
    ],
  });
  return result;
}
