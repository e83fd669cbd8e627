// Every producer × consumer × variant for SignedData: where the pair works, the consumer verifies (signature
// and chain to the test root) and returns the content, and rejects the same message with one content byte
// changed; where the table says it cannot, it rejects the untouched message too. All measured on each run.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Peers } from "./fixture.js";
import { flipByte, peers, sampleEntity } from "./fixture.js";
import type { CmsForm } from "./forms.js";
import { splitMultipartSigned, toDer } from "./forms.js";
import type { GpgsmDigest } from "./gpgsm.js";
import type { NssHash } from "./nss.js";
import type { Digest, OpensslSignOptions } from "./openssl.js";
import { opensslSign, opensslVerify } from "./openssl.js";
import type { Identity } from "./pki.js";
import { PeerError, releaseAll } from "./run.js";

type Consumer = "openssl" | "nss" | "gpgsm";
type Outcome = "ok" | "rejects";

/** A signed message as a producer hands it over. */
type Signed =
  | { readonly kind: "detached"; readonly signature: Buffer; readonly content: Buffer }
  | { readonly kind: "opaque"; readonly cms: Buffer; readonly form: CmsForm }
  | { readonly kind: "multipart"; readonly message: Buffer };

interface Case {
  readonly producer: Consumer;
  readonly variant: string;
  readonly signer: (p: Peers) => Identity;
  readonly make: (p: Peers, content: Buffer) => Promise<Signed>;
  readonly expect: Readonly<Record<Consumer, Outcome>>;
}

const all: Record<Consumer, Outcome> = { openssl: "ok", nss: "ok", gpgsm: "ok" };
const alice = (p: Peers) => p.pki.alice;
const bobEc = (p: Peers) => p.bobs["ec-p256"];

function opensslCase(
  variant: string,
  expected: Record<Consumer, Outcome>,
  options: OpensslSignOptions,
  signer: (p: Peers) => Identity = alice,
): Case {
  return {
    producer: "openssl",
    variant,
    signer,
    expect: expected,
    make: async (p, content) => {
      const out = await opensslSign(content, signer(p), options);
      const form = options.form ?? "der";
      if (options.mode === "opaque") return { kind: "opaque", cms: out, form };
      return form === "smime" ? { kind: "multipart", message: out } : { kind: "detached", signature: out, content };
    },
  };
}

function nssCase(
  variant: string,
  expected: Record<Consumer, Outcome>,
  detached: boolean,
  hash: NssHash,
  signer = alice,
): Case {
  return {
    producer: "nss",
    variant,
    signer,
    expect: expected,
    make: async (p, content) => {
      const out = await p.nss.sign(content, signer(p), { detached, hash, signingTime: true, smimeCapabilities: true });
      return detached ? { kind: "detached", signature: out, content } : { kind: "opaque", cms: out, form: "der" };
    },
  };
}

function gpgsmCase(variant: string, detached: boolean, digest: GpgsmDigest, includeCerts?: number): Case {
  return {
    producer: "gpgsm",
    variant,
    signer: alice,
    expect: all,
    make: async (p, content) => {
      const out = await p.gpgsm.sign(content, p.pki.alice, {
        detached,
        digest,
        ...(includeCerts === undefined ? {} : { includeCerts }),
      });
      return detached ? { kind: "detached", signature: out, content } : { kind: "opaque", cms: out, form: "der" };
    },
  };
}

const digests = ["sha1", "sha256", "sha384", "sha512"] as const;

const cases: Case[] = [
  ...digests.map((md: Digest) => opensslCase(`detached ${md}`, all, { digest: md })),
  opensslCase("opaque sha256", all, { mode: "opaque" }),
  opensslCase("detached sha256 without certificates", all, { includeCerts: false }),
  opensslCase("multipart/signed LF", all, { form: "smime" }),
  opensslCase("multipart/signed CRLF", all, { form: "smime", crlf: true }),
  opensslCase("opaque application/pkcs7-mime", all, { form: "smime", mode: "opaque" }),
  opensslCase("opaque PEM", all, { form: "pem", mode: "opaque" }),
  opensslCase("detached sha512 RSA-4096", all, { digest: "sha512" }, (p) => p.bobs.rsa4096),
  opensslCase("detached RSA-PSS sha256 salt=max", { ...all, gpgsm: "rejects" }, { padding: "pss" }),
  opensslCase("detached RSA-PSS sha256 salt=digest", all, { padding: "pss", pssSaltLength: "digest" }),
  opensslCase("detached RSA-PSS sha512 salt=digest", all, {
    padding: "pss",
    pssSaltLength: "digest",
    digest: "sha512",
  }),
  opensslCase("detached ECDSA P-256 sha256", all, {}, bobEc),
  nssCase("detached SHA256", all, true, "SHA256"),
  nssCase("opaque SHA256", all, false, "SHA256"),
  nssCase("detached SHA1", all, true, "SHA1"),
  nssCase("detached SHA384", all, true, "SHA384"),
  nssCase("detached SHA512", all, true, "SHA512"),
  nssCase("detached ECDSA P-256 SHA256", all, true, "SHA256", bobEc),
  gpgsmCase("detached SHA256", true, "SHA256"),
  gpgsmCase("opaque SHA256", false, "SHA256"),
  gpgsmCase("detached SHA1", true, "SHA1"),
  gpgsmCase("detached SHA384", true, "SHA384"),
  gpgsmCase("detached SHA512", true, "SHA512"),
  gpgsmCase("detached SHA256 without certificates", true, "SHA256", 0),
];

/** The same message with one byte of the signed content changed (inside the CMS for opaque forms). */
function tamper(signed: Signed, content: Buffer): Signed {
  const marker = content.subarray(content.length - 40, content.length - 20);
  const at = (bytes: Buffer) => {
    const i = bytes.indexOf(marker);
    if (i < 0) throw new Error("signed content not found in the message");
    return flipByte(bytes, i + 5);
  };
  switch (signed.kind) {
    case "detached":
      return { ...signed, content: at(signed.content) };
    case "opaque":
      return { kind: "opaque", cms: at(toDer(signed.cms)), form: "der" };
    case "multipart":
      return { kind: "multipart", message: at(signed.message) };
  }
}

async function verify(p: Peers, consumer: Consumer, signer: Identity, signed: Signed): Promise<Buffer> {
  const parts =
    signed.kind === "multipart"
      ? splitMultipartSigned(signed.message)
      : signed.kind === "detached"
        ? { signature: signed.signature, content: signed.content }
        : { signature: toDer(signed.cms), content: undefined };
  switch (consumer) {
    case "openssl": {
      // openssl reads every form itself; the signer's certificate is offered for signatures without one.
      const options = { caFile: p.pki.ca.certPath, certFile: signer.certPath };
      if (signed.kind === "multipart") {
        return (await opensslVerify(signed.message, "smime", { ...options, binary: false })).content;
      }
      if (signed.kind === "opaque") return (await opensslVerify(signed.cms, signed.form, options)).content;
      return (await opensslVerify(signed.signature, "der", { ...options, content: signed.content })).content;
    }
    case "nss":
      return (await p.nss.verify(parts.signature, parts.content)).content;
    case "gpgsm":
      return (await p.gpgsm.verify(parts.signature, parts.content)).content;
  }
}

describe("signature interop: producer × consumer × variant", () => {
  let p: Peers;
  const content = sampleEntity();

  beforeAll(async () => {
    p = await peers();
  });
  afterAll(() => releaseAll());

  const made = new Map<Case, Promise<Signed>>();
  const signed = (c: Case) => {
    let s = made.get(c);
    if (s === undefined) {
      s = c.make(p, content);
      made.set(c, s);
    }
    return s;
  };

  const rows = cases.flatMap((c) => (["openssl", "nss", "gpgsm"] as const).map((consumer) => ({ c, consumer })));
  it.each(rows)("$c.producer $c.variant → $consumer", async ({ c, consumer }) => {
    const message = await signed(c);
    if (c.expect[consumer] === "ok") {
      expect((await verify(p, consumer, c.signer(p), message)).equals(content)).toBe(true);
      await expect(verify(p, consumer, c.signer(p), tamper(message, content))).rejects.toBeInstanceOf(PeerError);
    } else {
      await expect(verify(p, consumer, c.signer(p), message)).rejects.toBeInstanceOf(PeerError);
    }
  });

  describe("certificate checks", () => {
    it.each(["openssl", "nss", "gpgsm"] as const)("%s rejects a signer whose certificate expired", async (consumer) => {
      const message = await opensslSign(content, p.pki.expired);
      await expect(
        verify(p, consumer, p.pki.expired, { kind: "detached", signature: message, content }),
      ).rejects.toBeInstanceOf(PeerError);
    });

    it("openssl checks the chain at the time given by -attime", async () => {
      const signature = await opensslSign(content, p.pki.alice);
      const options = { caFile: p.pki.ca.certPath, content };
      await expect(opensslVerify(signature, "der", { ...options, atTime: new Date() })).resolves.toBeDefined();
      const afterExpiry = new Date(Date.now() + 40 * 86_400_000);
      await expect(opensslVerify(signature, "der", { ...options, atTime: afterExpiry })).rejects.toThrow(
        /certificate has expired/,
      );
    });

    it.each(["openssl", "nss", "gpgsm"] as const)("%s rejects a signer from an unknown CA", async (consumer) => {
      const signature = await opensslSign(content, p.pki.untrusted);
      await expect(
        verify(p, consumer, p.pki.untrusted, { kind: "detached", signature, content }),
      ).rejects.toBeInstanceOf(PeerError);
    });
  });
});
