// mailseal sign: a whole message in, the same message signed out (multipart/signed, or opaque).
import type { CoreService } from "@mailseal/core-wasm";
import {
  hasCode,
  MailsealError,
  readEcPrivateKey,
  readPqPrivateKey,
  readPrivateKey,
  readRfc8410PrivateKey,
  signMessage,
  type Certificate,
} from "@mailseal/shared/offline";
import {
  certificatesIn,
  certifiesEcKey,
  certifiesKey,
  certifiesPqKey,
  certifiesRfc8410Key,
  MAX_KEY_FILE_BYTES,
  readSmallFile,
} from "../keys.js";
import { parseOptions, passwordOf, required } from "../options.js";
import { withInputOutput } from "../run-io.js";

export async function signCommand(args: string[], core: CoreService): Promise<string | undefined> {
  const values = parseOptions("sign", args, {
    key: { type: "string" },
    cert: { type: "string" },
    pass: { type: "string" },
    "pass-file": { type: "string" },
    certfile: { type: "string", multiple: true },
    opaque: { type: "boolean", default: false },
    pss: { type: "boolean", default: false },
    in: { type: "string" },
    out: { type: "string" },
  });
  if (values.help === true) return "sign";
  const keyPath = required("sign", values.key, "--key KEY.pem");
  const certPath = required("sign", values.cert, "--cert CERT.pem");
  const password = await passwordOf(values);
  const keyFile = await readSmallFile(keyPath, MAX_KEY_FILE_BYTES, "key");
  // An ML-DSA key (RFC 9882: SHA-512, pure ML-DSA over the signed attributes), else an RSA key (any
  // supported form), else an EC key: ECDSA (RFC 5753 2.1.1), else an Ed25519 or Ed448 key (RFC 8419).
  const pq = readPqPrivateKey(keyFile);
  if (pq !== undefined) {
    if (pq.kind !== "ml-dsa") throw new MailsealError("INVALID_KEY", `an ${pq.parameters.name} key cannot sign`);
    if (values.pss) throw new MailsealError("USAGE", `--pss is for RSA keys; this key is ${pq.parameters.name}`);
    const given = await certificatesIn(certPath, "certificate");
    const certificate = given.find((c) => certifiesPqKey(c, pq));
    if (certificate === undefined)
      throw new MailsealError("INVALID_KEY", `no certificate in ${certPath} belongs to the key in ${keyPath}`);
    const chain: Certificate[] = given.filter((c) => c !== certificate);
    for (const path of values.certfile ?? []) chain.push(...(await certificatesIn(path, "certificate file")));
    // Consumed and handed over (issue 11), as for the other keys below.
    const options = {
      key: pq,
      certificate,
      chain,
      hash: "SHA-512" as const,
      opaque: values.opaque,
      consumed: true,
      handOver: true,
    };
    await withInputOutput({ in: values.in, out: values.out, holdBack: false, mode: 0o666 }, async (input, output) => {
      for await (const chunk of signMessage(input.source, options, core)) await output.write(chunk);
    });
    return undefined;
  }
  const key = await readPrivateKey(keyFile, password)
    .then((rsa) => ({ kind: "rsa" as const, rsa }))
    .catch(async (error: unknown) => {
      if (!hasCode(error, "UNSUPPORTED_ALGORITHM")) throw error;
      return { kind: "ec" as const, ec: await readEcPrivateKey(keyFile, password) };
    })
    .catch(async (error: unknown) => {
      if (!hasCode(error, "UNSUPPORTED_ALGORITHM")) throw error;
      const ed = await readRfc8410PrivateKey(keyFile, password);
      if (!("edwards" in ed)) throw new MailsealError("UNSUPPORTED_ALGORITHM", `an ${ed.curve} key cannot sign`);
      return { kind: "ed" as const, ed };
    });
  if (key.kind !== "rsa" && values.pss)
    throw new MailsealError(
      "USAGE",
      `--pss is for RSA keys; this key is ${key.kind === "ec" ? "EC (ECDSA)" : "EdDSA"}`,
    );
  // --cert may carry the chain too: the signer's certificate is the one of the key.
  const given = await certificatesIn(certPath, "certificate");
  let certificate: Certificate | undefined;
  for (const c of given) {
    const belongs =
      key.kind === "rsa"
        ? certifiesKey(c, key.rsa)
        : key.kind === "ec"
          ? await certifiesEcKey(c, key.ec)
          : certifiesRfc8410Key(c, key.ed);
    if (belongs) {
      certificate = c;
      break;
    }
  }
  if (certificate === undefined) {
    throw new MailsealError("INVALID_KEY", `no certificate in ${certPath} belongs to the key in ${keyPath}`);
  }
  const chain: Certificate[] = given.filter((c) => c !== certificate);
  for (const path of values.certfile ?? []) chain.push(...(await certificatesIn(path, "certificate file")));
  const signingKey = key.kind === "rsa" ? await core.loadRsaPrivateKey(key.rsa) : key.kind === "ec" ? key.ec : key.ed;
  try {
    // Consumed: every output has copied or written a chunk when its write settles. Handed over:
    // the read chunks are the command's own, for the pipeline to free once taken (issue 11).
    const options = {
      key: signingKey,
      certificate,
      chain,
      pss: values.pss,
      opaque: values.opaque,
      consumed: true,
      handOver: true,
    };
    await withInputOutput({ in: values.in, out: values.out, holdBack: false, mode: 0o666 }, async (input, output) => {
      for await (const chunk of signMessage(input.source, options, core)) await output.write(chunk);
    });
  } finally {
    // The core's RSA key is wiped and freed; EC and EdDSA keys are non-extractable WebCrypto keys.
    if ("dispose" in signingKey) signingKey.dispose();
  }
  return undefined;
}
