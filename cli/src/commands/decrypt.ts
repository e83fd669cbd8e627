// mailseal decrypt: an S/MIME message in, the inner MIME entity out, released only once authentic.
import type { CoreService } from "@mailseal/core-wasm";
import { decryptMessage, type RecipientKey, MailsealError } from "@mailseal/shared/offline";

import { keyFromFiles, keyFromPkcs12 } from "../keys.js";
import { parseOptions, passwordOf } from "../options.js";
import { withInputOutput } from "../run-io.js";

export async function decryptCommand(args: string[], core: CoreService): Promise<string | undefined> {
  const values = parseOptions("decrypt", args, {
    key: { type: "string" },
    cert: { type: "string" },
    p12: { type: "string" },
    pass: { type: "string" },
    "pass-file": { type: "string" },
    in: { type: "string" },
    out: { type: "string" },
  });
  if (values.help === true) return "decrypt";
  if ((values.key === undefined) === (values.p12 === undefined)) {
    throw new MailsealError("USAGE", "decrypt needs either --key KEY.pem or --p12 FILE --pass-file FILE");
  }
  if (values.p12 !== undefined && values.cert !== undefined) {
    throw new MailsealError("USAGE", "--cert goes with --key; a PKCS#12 file carries its certificate");
  }
  const password = await passwordOf(values);
  if (values.p12 !== undefined && password === undefined) {
    throw new MailsealError("USAGE", "--p12 needs --pass-file FILE (or MAILSEAL_PASSWORD in the environment)");
  }
  const { key, certificates } =
    values.p12 !== undefined
      ? await keyFromPkcs12(values.p12, password!, core)
      : await keyFromFiles(values.key!, values.cert, password);
  const privateKey = key.kind === "rsa" ? await core.loadRsaPrivateKey(key.key) : undefined;
  try {
    // RSA keys live in the core (loaded once, wiped on dispose); EC (RFC 5753) and X25519/X448 keys
    // (RFC 8418) are WebCrypto keys.
    const keys: RecipientKey[] = certificates.map((certificate) =>
      key.kind === "rsa"
        ? { certificate, privateKey: privateKey! }
        : key.kind === "ec"
          ? { kind: "ec", certificate, privateKey: key.key }
          : key.kind === "xdh"
            ? { kind: "xdh", certificate, privateKey: key.key }
            : { kind: "ml-kem", certificate, privateKey: key.key },
    );
    await withInputOutput({ in: values.in, out: values.out, holdBack: true, mode: 0o600 }, async (input, output) => {
      // Handed over: the read chunks are the command's own, freed once decoded or read (issue 11).
      await decryptMessage(input.source, keys, core, (chunk) => output.write(chunk), { handOver: true });
    });
  } finally {
    privateKey?.dispose();
  }
  return undefined;
}
