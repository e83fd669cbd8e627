// mailseal verify: a signed message in, the signed MIME entity out (released only once the signature
// verified and the signer's certificate validated), the signer and signing time on stderr.
import type { CoreService } from "@mailseal/core-wasm";
import {
  formatName,
  verifyMessage,
  type Certificate,
  type VerifiedMessage,
  MailsealError,
} from "@mailseal/shared/offline";

import { certificatesIn } from "../keys.js";
import { parseOptions, required } from "../options.js";
import { withInputOutput } from "../run-io.js";

/** `--time` is seconds since the epoch, as `openssl cms -attime` takes it. */
function parseTime(value: string | undefined): Date | undefined {
  if (value === undefined) return undefined;
  if (!/^\d{1,12}$/.test(value))
    throw new MailsealError("USAGE", `--time ${value} is not a number of seconds since 1970`);
  return new Date(Number(value) * 1000);
}

function describeSigner(certificate: Certificate): string {
  const emails = certificate.emailAddresses.length > 0 ? ` <${certificate.emailAddresses.join(", ")}>` : "";
  return `${certificate.displayName}${emails} (serial ${certificate.serialHex}, issuer ${formatName(certificate.issuer)})`;
}

export async function verifyCommand(args: string[], core: CoreService): Promise<string | undefined> {
  const values = parseOptions("verify", args, {
    ca: { type: "string", multiple: true },
    certfile: { type: "string", multiple: true },
    time: { type: "string" },
    in: { type: "string" },
    out: { type: "string" },
  });
  if (values.help === true) return "verify";
  const caPaths = values.ca ?? [];
  required("verify", caPaths[0], "--ca CA.pem");
  const time = parseTime(values.time);
  const anchors: Certificate[] = [];
  for (const path of caPaths) anchors.push(...(await certificatesIn(path, "CA certificate")));
  const certificates: Certificate[] = [];
  for (const path of values.certfile ?? []) certificates.push(...(await certificatesIn(path, "certificate file")));
  let verified: VerifiedMessage | undefined;
  await withInputOutput({ in: values.in, out: values.out, holdBack: true, mode: 0o600 }, async (input, output) => {
    const options = { anchors, certificates, ...(time === undefined ? {} : { time }) };
    // Handed over: the read chunks are the command's own, freed once taken, and every output has
    // copied or written a chunk when its write settles (issue 11).
    verified = await verifyMessage(input.source, options, core, (chunk) => output.write(chunk), { handOver: true });
  });
  const { signer, signingTime } = verified!;
  process.stderr.write(`verified: signed by ${describeSigner(signer)}\n`);
  process.stderr.write(`signing time: ${signingTime?.toISOString() ?? "not given"}\n`);
  return undefined;
}
