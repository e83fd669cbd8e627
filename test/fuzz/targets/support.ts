// What the targets share: the crypto core, opened once per worker, and the repository's samples.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { CoreService } from "@mailseal/core-wasm";

let core: CoreService | undefined;

/** The crypto core in process (the command's setup, cli/src/main.ts). */
export async function openCore(): Promise<CoreService> {
  core ??= await CoreService.open();
  return core;
}

export function theCore(): CoreService {
  if (core === undefined) throw new Error("the target's setup opens the core first");
  return core;
}

export function sample(root: string, path: string): Uint8Array {
  return new Uint8Array(readFileSync(join(root, path)));
}

/** Every file of a sample folder whose name passes `keep`. */
export function samples(root: string, folder: string, keep: (name: string) => boolean = () => true): Uint8Array[] {
  return readdirSync(join(root, folder))
    .filter(keep)
    .sort()
    .map((name) => sample(root, join(folder, name)));
}

/** The DER inside a base64 application/pkcs7-mime message (or part): the body after the first empty line. */
export function derOfMessage(message: Uint8Array): Uint8Array {
  const text = new TextDecoder("latin1").decode(message).replace(/\r\n/g, "\n");
  return new Uint8Array(Buffer.from(text.slice(text.indexOf("\n\n") + 2), "base64"));
}

/** The S/MIME fixtures: pyca, RFC 4134 and Thunderbird messages (shared/test/mime/fixtures). */
export function fixtureMessages(root: string, keep: (name: string) => boolean = () => true): Uint8Array[] {
  const base = "shared/test/mime/fixtures";
  return ["pyca", "rfc4134", "thunderbird"].flatMap((folder) =>
    samples(root, join(base, folder), (name) => name.endsWith(".eml") && keep(name)),
  );
}

/** Drains a stream, as a consumer would, keeping nothing. */
export async function drain(stream: AsyncIterable<Uint8Array>): Promise<void> {
  for await (const chunk of stream) void chunk;
}

/** Feeds `data` as a stream cut into pieces at places the data itself picks (chunk edges matter to streaming parsers). */
export async function* chunked(data: Uint8Array): AsyncGenerator<Uint8Array> {
  const step = data.length < 2 ? 1 : 1 + ((data[0]! * 31 + data[data.length - 1]!) % Math.max(1, data.length >> 1));
  for (let at = 0; at < data.length; at += step) yield data.subarray(at, at + step);
}

export const MIME_TOKENS = [
  "\r\n",
  "\r\n\r\n",
  "\n",
  "--",
  ": ",
  ";",
  "=",
  '"',
  "Content-Type: ",
  "Content-Transfer-Encoding: ",
  "Content-Disposition: attachment; filename=",
  "MIME-Version: 1.0\r\n",
  "multipart/signed",
  "multipart/mixed",
  "application/pkcs7-mime",
  "application/x-pkcs7-mime",
  "application/pkcs7-signature",
  "application/octet-stream",
  "smime-type=enveloped-data",
  "smime-type=authEnveloped-data",
  "smime-type=signed-data",
  "smime-type=certs-only",
  "protocol=",
  "micalg=sha-256",
  "boundary=",
  "name=smime.p7m",
  "*0*=",
  "*1=",
  "utf-8''",
  "base64",
  "quoted-printable",
  "7bit",
  "binary",
  "=?utf-8?b?",
  " \t",
];

export const BER_TOKENS: (string | number[])[] = [
  [0x30, 0x80],
  [0x00, 0x00],
  [0xa0, 0x80],
  [0x24, 0x80],
  [0x04, 0x81, 0xff],
  [0x30, 0x84, 0x7f, 0xff, 0xff, 0xff],
  [0x30, 0x88, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff],
  [0x1f, 0x81, 0x80, 0x01],
  [0x05, 0x00],
  [0x02, 0x01, 0x00],
  [0x02, 0x81, 0x80],
  [0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x03],
  [0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02],
  [0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x01],
  [0x06, 0x0b, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x10, 0x01, 0x17],
  [0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x01, 0x2a],
  [0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x01, 0x2e],
  [0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01],
  [0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x07],
  [0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01],
  [0x31, 0x00],
  [0x30, 0x00],
  [0x04, 0x00],
  [0x80, 0x00],
  [0x81, 0x01, 0x00],
  [0x17, 0x0d],
  [0x18, 0x0f],
];
