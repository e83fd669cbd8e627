// Every producer × consumer × algorithm for EnvelopedData/AuthEnvelopedData: the consumer either gives back
// the exact plaintext or, where the table says it cannot, rejects. Both outcomes are measured on each
// run, so a tool update that changes one shows up here (and in README.md's table).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Peers } from "./fixture.js";
import { peers, sampleEntity } from "./fixture.js";
import type { CmsForm } from "./forms.js";
import { toDer } from "./forms.js";
import type { GpgsmCipher } from "./gpgsm.js";
import type { ContentCipher, KeyTransport } from "./openssl.js";
import { opensslDecrypt, opensslEncrypt } from "./openssl.js";
import type { Identity } from "./pki.js";
import { PeerError, releaseAll } from "./run.js";

type Consumer = "openssl" | "nss" | "gpgsm";
/** no-key: the consumer cannot even hold the recipient's key (gpgsm 2.2 crashes importing an EC PKCS#12). */
type Outcome = "ok" | "rejects" | "no-key";

interface Case {
  readonly producer: Consumer;
  readonly variant: string;
  /** The recipient that decrypts (the message may have more). */
  readonly recipient: (p: Peers) => Identity;
  readonly make: (p: Peers, content: Buffer) => Promise<Buffer>;
  readonly form: CmsForm;
  readonly expect: Readonly<Record<Consumer, Outcome>>;
}

const all: Record<Consumer, Outcome> = { openssl: "ok", nss: "ok", gpgsm: "ok" };
const opensslOnly: Record<Consumer, Outcome> = { openssl: "ok", nss: "rejects", gpgsm: "rejects" };
const alice = (p: Peers) => p.pki.alice;

function opensslCase(
  variant: string,
  expected: Record<Consumer, Outcome>,
  options: {
    cipher?: ContentCipher;
    keyTransport?: KeyTransport;
    ski?: boolean;
    form?: CmsForm;
    indefinite?: boolean;
    crlf?: boolean;
    to?: (p: Peers) => Identity;
  } = {},
): Case {
  const to = options.to ?? alice;
  const form = options.form ?? "der";
  return {
    producer: "openssl",
    variant,
    recipient: to,
    form,
    expect: expected,
    make: (p, content) =>
      opensslEncrypt(content, [to(p)], {
        cipher: options.cipher ?? "aes-256-cbc",
        keyTransport: options.keyTransport ?? "rsa-pkcs1",
        recipientId: options.ski === true ? "ski" : "issuer-serial",
        form,
        indefinite: options.indefinite ?? false,
        crlf: options.crlf ?? false,
      }),
  };
}

const cbc = ["aes-128-cbc", "aes-192-cbc", "aes-256-cbc"] as const;
const gcm = ["aes-128-gcm", "aes-192-gcm", "aes-256-gcm"] as const;
const oaep = ["rsa-oaep-sha1", "rsa-oaep-sha256", "rsa-oaep-sha512"] as const;

const cases: Case[] = [
  // openssl: content ciphers with PKCS#1 v1.5, issuerAndSerialNumber.
  ...cbc.map((c) => opensslCase(`${c} rsa-pkcs1`, all, { cipher: c })),
  opensslCase("des-ede3-cbc rsa-pkcs1", all, { cipher: "des-ede3-cbc" }),
  ...gcm.map((c) => opensslCase(`${c} rsa-pkcs1 (AuthEnvelopedData)`, opensslOnly, { cipher: c })),
  // openssl: RSA-OAEP key transport.
  ...oaep.map((k) => opensslCase(`aes-256-cbc ${k}`, opensslOnly, { keyTransport: k })),
  opensslCase("aes-256-gcm rsa-oaep-sha256", opensslOnly, { cipher: "aes-256-gcm", keyTransport: "rsa-oaep-sha256" }),
  // openssl: recipient identifier and encodings.
  opensslCase("aes-256-cbc rsa-pkcs1 subjectKeyIdentifier", { ...all, gpgsm: "rejects" }, { ski: true }),
  opensslCase("aes-256-cbc BER indefinite (-stream)", all, { indefinite: true }),
  opensslCase("aes-256-cbc PEM", all, { form: "pem" }),
  opensslCase("aes-256-cbc S/MIME LF", all, { form: "smime" }),
  opensslCase("aes-256-cbc S/MIME CRLF", all, { form: "smime", crlf: true }),
  // openssl: key sizes and EC (ECDH key agreement, RFC 5753).
  opensslCase("aes-256-cbc rsa-pkcs1 RSA-3072", all, { to: (p) => p.bobs.rsa3072 }),
  opensslCase("aes-256-cbc rsa-oaep-sha256 RSA-4096", opensslOnly, {
    to: (p) => p.bobs.rsa4096,
    keyTransport: "rsa-oaep-sha256",
  }),
  opensslCase("aes-256-cbc rsa-pkcs1 RSA-4096", all, { to: (p) => p.bobs.rsa4096 }),
  opensslCase("aes-256-cbc ECDH P-256", { ...opensslOnly, gpgsm: "no-key" }, { to: (p) => p.bobs["ec-p256"] }),
  opensslCase(
    "aes-256-gcm ECDH P-256",
    { ...opensslOnly, gpgsm: "no-key" },
    { cipher: "aes-256-gcm", to: (p) => p.bobs["ec-p256"] },
  ),
  {
    producer: "openssl",
    variant: "aes-256-cbc two recipients (bob decrypts)",
    recipient: (p) => p.pki.bob,
    form: "der",
    expect: all,
    make: (p, content) => opensslEncrypt(content, [p.pki.alice, p.pki.bob]),
  },
  // cmsutil: it picks the cipher (AES-128-CBC without an S/MIME profile) and PKCS#1 v1.5.
  {
    producer: "nss",
    variant: "default (nickname)",
    recipient: alice,
    form: "der",
    expect: all,
    make: (p, c) => p.nss.encrypt(c, [p.pki.alice]),
  },
  {
    producer: "nss",
    variant: "default (e-mail address)",
    recipient: alice,
    form: "der",
    expect: all,
    make: (p, c) => p.nss.encrypt(c, [p.pki.alice], "email"),
  },
  {
    producer: "nss",
    variant: "default RSA-4096",
    recipient: (p) => p.bobs.rsa4096,
    form: "der",
    expect: all,
    make: (p, c) => p.nss.encrypt(c, [p.bobs.rsa4096]),
  },
  {
    producer: "nss",
    variant: "default two recipients (bob decrypts)",
    recipient: (p) => p.pki.bob,
    form: "der",
    expect: all,
    make: (p, c) => p.nss.encrypt(c, [p.pki.alice, p.pki.bob]),
  },
  // gpgsm: --cipher-algo, always PKCS#1 v1.5.
  ...(["AES", "AES192", "AES256", "3DES"] as const).map((cipher: GpgsmCipher): Case => ({
    producer: "gpgsm",
    variant: `${cipher}`,
    recipient: alice,
    form: "der",
    expect: all,
    make: (p, c) => p.gpgsm.encrypt(c, [p.pki.alice], cipher),
  })),
  {
    producer: "gpgsm",
    variant: "AES256 (e-mail address)",
    recipient: alice,
    form: "der",
    expect: all,
    make: (p, c) => p.gpgsm.encrypt(c, [p.pki.alice], "AES256", "email"),
  },
  {
    producer: "gpgsm",
    variant: "AES256 RSA-4096",
    recipient: (p) => p.bobs.rsa4096,
    form: "der",
    expect: all,
    make: (p, c) => p.gpgsm.encrypt(c, [p.bobs.rsa4096], "AES256", "fingerprint"),
  },
  {
    producer: "gpgsm",
    variant: "AES256 two recipients (bob decrypts)",
    recipient: (p) => p.pki.bob,
    form: "der",
    expect: all,
    make: (p, c) => p.gpgsm.encrypt(c, [p.pki.alice, p.pki.bob]),
  },
];

async function consume(p: Peers, consumer: Consumer, c: Case, message: Buffer): Promise<Buffer> {
  const recipient = c.recipient(p);
  switch (consumer) {
    case "openssl":
      return opensslDecrypt(message, recipient, c.form);
    case "nss":
      return p.nss.decrypt(toDer(message));
    case "gpgsm":
      // gpgsm reads DER and openssl's PEM itself; MIME it does not.
      return p.gpgsm.decrypt(c.form === "smime" ? toDer(message) : message, recipient);
  }
}

describe("encryption interop: producer × consumer × algorithm", () => {
  let p: Peers;
  const content = sampleEntity();

  beforeAll(async () => {
    p = await peers();
  });
  afterAll(() => releaseAll());

  // Each message is made once and read by all three consumers.
  const made = new Map<Case, Promise<Buffer>>();
  const message = (c: Case) => {
    let m = made.get(c);
    if (m === undefined) {
      m = c.make(p, content);
      made.set(c, m);
    }
    return m;
  };

  const rows = cases.flatMap((c) => (["openssl", "nss", "gpgsm"] as const).map((consumer) => ({ c, consumer })));
  it.each(rows)("$c.producer $c.variant → $consumer", async ({ c, consumer }) => {
    const cms = await message(c);
    if (c.expect[consumer] === "ok") {
      expect((await consume(p, consumer, c, cms)).equals(content)).toBe(true);
    } else if (c.expect[consumer] === "no-key") {
      await expect(consume(p, consumer, c, cms)).rejects.toThrow(/was not imported/);
    } else {
      await expect(consume(p, consumer, c, cms)).rejects.toBeInstanceOf(PeerError);
    }
  });

  it("a message for a key no peer holds is rejected by every consumer", async () => {
    const cms = await opensslEncrypt(content, [p.pki.untrusted]);
    await expect(opensslDecrypt(cms, p.pki.alice)).rejects.toBeInstanceOf(PeerError);
    await expect(p.nss.decrypt(cms)).rejects.toBeInstanceOf(PeerError);
    await expect(p.gpgsm.decrypt(cms, p.pki.alice)).rejects.toBeInstanceOf(PeerError);
  });
});
