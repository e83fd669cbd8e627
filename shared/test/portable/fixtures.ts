// Node's side of the portable S/MIME suite: reads the sample files the cases name and makes the rest
// with openssl (identities under one root, openssl's enveloped and signed messages) and gpgsm (with
// the interop suite's peers: its test PKI and GNUPGHOME), all as bytes for the cases wherever they run.
// Call releaseAll() (test/interop/peers/run.ts) afterwards: it stops gpg-agent and removes the folders.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { GpgsmHome } from "../../../test/interop/peers/gpgsm.js";
import { testPki } from "../../../test/interop/peers/pki.js";
import { EXT, type TestCa } from "../pki/test-ca.js";
import {
  ENVELOPE_ENTITY,
  ENVELOPE_OUTER,
  MADE_FILES,
  SAMPLE_FILES,
  SIGNED_ENTITY,
  type SmimeFixtures,
} from "./smime-cases.js";

const test = join(import.meta.dirname, "..");
const folders: Record<string, string> = {
  mime: join(test, "mime", "fixtures"),
  pki: join(test, "pki", "fixtures"),
  samples: join(test, "..", "..", "test", "interop", "samples"),
  pq: join(test, "cms", "fixtures", "pq-cms"),
};

function sample(name: string): Uint8Array {
  const [folder, ...rest] = name.split("/");
  return new Uint8Array(readFileSync(join(folders[folder!]!, ...rest)));
}

/** gpgsm's messages: SIGNED_ENTITY signed (opaque) by the peers' Alice, ENVELOPE_ENTITY encrypted to their Bob. */
async function gpgsmFiles(): Promise<Record<string, Uint8Array>> {
  const pki = await testPki();
  const gpgsm = await GpgsmHome.create([pki.ca]);
  await gpgsm.importIdentity(pki.alice);
  await gpgsm.importCertificate(pki.bob);
  return {
    "made/gpgsm-root.pem": new Uint8Array(readFileSync(pki.ca.certPath)),
    "made/gpgsm-alice.pem": new Uint8Array(readFileSync(pki.alice.certPath)),
    "made/gpgsm-bob.pem": new Uint8Array(readFileSync(pki.bob.certPath)),
    "made/gpgsm-bob.key": new Uint8Array(readFileSync(pki.bob.keyPath)),
    "made/gpgsm-signed.p7m": new Uint8Array(await gpgsm.sign(SIGNED_ENTITY, pki.alice, { digest: "SHA256" })),
    "made/gpgsm-enveloped.p7m": new Uint8Array(
      await gpgsm.encrypt(new TextEncoder().encode(ENVELOPE_ENTITY), [pki.bob]),
    ),
  };
}

/** Makes the fixtures in `ca`'s folder (removed by ca.dispose()) and the peers' (removed by releaseAll()). */
export async function makeSmimeFixtures(ca: TestCa): Promise<SmimeFixtures> {
  const rootKey = ca.key("root", "rsa");
  ca.selfSigned("root", rootKey, { subject: "/CN=Portable Root", ext: EXT.root });
  ca.selfSigned("other-root", ca.key("other-root", "rsa"), { subject: "/CN=Other", ext: EXT.root });
  for (const [name, type] of [
    ["alice", "rsa"],
    ["alice-ec", "p256"],
    ["bob", "rsa"],
    ["carol", "rsa"],
  ] as const) {
    const email = `${name.split("-")[0]}@example.org`;
    ca.issue(name, ca.key(name, type), "root", rootKey, {
      subject: `/CN=${email}`,
      ext: EXT.endEntity(email, type === "rsa" ? undefined : "digitalSignature"),
      days: 30,
    });
  }
  ca.key("mallory", "rsa");

  writeFileSync(ca.path("envelope-entity"), ENVELOPE_ENTITY);
  const encryptTo = ["cms", "-encrypt", "-binary", "-in", ca.path("envelope-entity"), "-recip", ca.path("bob.pem")];
  ca.openssl(...encryptTo, "-aes256", "-outform", "SMIME", "-out", ca.path("openssl-enveloped.smime"));
  writeFileSync(
    ca.path("openssl-enveloped.eml"),
    Buffer.concat([Buffer.from(ENVELOPE_OUTER), readFileSync(ca.path("openssl-enveloped.smime"))]),
  );
  ca.openssl(
    ...encryptTo,
    ...["-aes-256-gcm", "-keyopt", "rsa_padding_mode:oaep", "-keyopt", "rsa_oaep_md:sha256"],
    ...["-outform", "DER", "-out", ca.path("openssl-gcm-oaep.p7m")],
  );

  writeFileSync(ca.path("signed-entity"), SIGNED_ENTITY);
  const signBy = (who: string) => [
    ...["cms", "-sign", "-binary", "-in", ca.path("signed-entity"), "-outform", "SMIME"],
    ...["-signer", ca.path(`${who}.pem`), "-inkey", ca.path(`${who}.key`)],
  ];
  ca.openssl(...signBy("alice"), "-md", "sha384", "-out", ca.path("openssl-signed-clear.eml"));
  ca.openssl(...signBy("alice"), "-md", "sha384", "-nodetach", "-out", ca.path("openssl-signed-opaque.eml"));
  ca.openssl(...signBy("alice-ec"), "-out", ca.path("openssl-signed-ec.eml"));

  const files: Record<string, Uint8Array> = await gpgsmFiles();
  for (const name of SAMPLE_FILES) files[name] = sample(name);
  for (const name of MADE_FILES) files[name] ??= new Uint8Array(readFileSync(ca.path(name.slice("made/".length))));
  return { files };
}
