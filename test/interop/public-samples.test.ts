// The public S/MIME samples (Thunderbird/NSS test mail, RFC 4134, pyca), opened with the mailseal
// command: every encrypted layer decrypts, every signed layer verifies (or fails with its code),
// the way a reader meets them. Messages: shared/test/mime/fixtures; keys: ./samples (SOURCES.md).
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureBundle, mailseal } from "../../cli/test/support.js";
import * as asn1js from "asn1js";
import * as pkijs from "pkijs";
import {
  openChaChaAuthEnveloped,
  openXdhEnveloped,
  sealXdhEnveloped,
  sharedInfoAes256Wrap,
} from "./peers/independent.js";
import { releaseAll, run, tempDir } from "./peers/run.js";

const MESSAGES = join(import.meta.dirname, "..", "..", "shared", "test", "mime", "fixtures");
const KEYS = join(import.meta.dirname, "samples");
const key = (name: string): string => join(KEYS, name);
/** The NSS test CA, kept with the certificate fixtures. */
const NSS_CA = join(import.meta.dirname, "..", "..", "shared", "test", "pki", "fixtures", "nss-TestCA-rsa.pem");
const message = (path: string): Buffer => readFileSync(join(MESSAGES, path));

/** One step of opening: decrypt when encrypted, verify when signed; the code when it fails. */
async function openLayer(
  input: Buffer,
  decryptArgs: string[],
  verifyArgs: string[],
): Promise<{ kind: "decrypted" | "verified" | "plain"; output: Buffer } | { kind: "error"; code: string }> {
  for (const [kind, args] of [
    ["decrypted", ["decrypt", ...decryptArgs]],
    ["verified", ["verify", ...verifyArgs]],
  ] as const) {
    const result = await mailseal(args, input);
    if (result.status === 0) return { kind, output: result.stdout };
    const code = /^error (\w+):/.exec(result.stderr)?.[1] ?? result.stderr;
    if (code !== "NOT_SMIME") return { kind: "error", code };
  }
  return { kind: "plain", output: input };
}

/** Opens every layer; returns the layers met and the innermost entity. */
async function openAll(
  input: Buffer,
  decryptArgs: string[],
  verifyArgs: string[],
): Promise<{ layers: string[]; inner: Buffer }> {
  const layers: string[] = [];
  let current = input;
  for (let depth = 0; depth < 6; depth++) {
    const step = await openLayer(current, decryptArgs, verifyArgs);
    if (step.kind === "error") return { layers: [...layers, `error ${step.code}`], inner: current };
    if (step.kind === "plain") return { layers, inner: current };
    layers.push(step.kind);
    current = step.output;
  }
  throw new Error("more than 6 layers");
}

beforeAll(() => ensureBundle());
afterAll(() => releaseAll());

describe("Thunderbird / NSS test mail (made by NSS cmsutil)", () => {
  const bob = ["--key", key("nss-Bob.key"), "--cert", key("nss-Bob.crt")];
  const ca = ["--ca", NSS_CA];
  const files = readdirSync(join(MESSAGES, "thunderbird")).filter((f) => f.endsWith(".eml"));

  // In the "env.dsig" files the clear signature does not cover the enveloped part as sent: OpenSSL
  // rejects them too (asserted below), so they are expected to fail, not to open.
  const signatureOverEnvelope = (f: string): boolean => f.includes(".env.dsig.");
  const opening = files.filter((f) => !/\.(bad|mismatch-econtent)\.eml$/.test(f) && !signatureOverEnvelope(f));

  it.each(opening)("%s opens", async (file) => {
    const { layers, inner } = await openAll(message(`thunderbird/${file}`), bob, ca);
    // The layers named in the file, outermost last: "env" decrypts, "sig"/"dsig" verify.
    const expected = file
      .replace(/\.eml$/, "")
      .split(".")
      .filter((part) => ["env", "sig", "dsig"].includes(part))
      .reverse()
      .map((part) => (part === "env" ? "decrypted" : "verified"));
    expect(layers).toEqual(expected);
    expect(inner.toString("latin1")).toMatch(/Content-Type: text\/(plain|html)/i);
  });

  it.each(
    files.filter(
      (f) => f.endsWith(".env.eml") && readdirSync(join(MESSAGES, "thunderbird")).includes(f.replace(/\.eml$/, ".out")),
    ),
  )("%s decrypts to exactly what NSS wrote", async (file) => {
    const result = await mailseal(["decrypt", ...bob], message(`thunderbird/${file}`));
    expect(result.status).toBe(0);
    expect(result.stdout).toEqual(message(`thunderbird/${file.replace(/\.eml$/, ".out")}`));
  });

  it.each(files.filter(signatureOverEnvelope))(
    "%s: BAD_SIGNATURE on alice's layer, as OpenSSL says too",
    async (file) => {
      const { layers } = await openAll(message(`thunderbird/${file}`), bob, ca);
      expect(layers).toEqual([...(file.includes(".dave.") ? ["verified"] : []), "error BAD_SIGNATURE"]);
      if (!file.includes(".dave.")) {
        const openssl = spawnSync("openssl", [
          "cms",
          "-verify",
          "-in",
          join(MESSAGES, "thunderbird", file),
          "-CAfile",
          NSS_CA,
          "-out",
          "/dev/null",
        ]);
        expect(openssl.status).not.toBe(0);
        expect(openssl.stderr.toString()).toMatch(/verification failure/);
      }
    },
  );

  it.each(files.filter((f) => f.endsWith(".bad.eml")))("%s: BAD_SIGNATURE", async (file) => {
    expect((await openAll(message(`thunderbird/${file}`), bob, ca)).layers).toEqual(["error BAD_SIGNATURE"]);
  });

  it.each(files.filter((f) => f.endsWith(".mismatch-econtent.eml")))("%s is refused", async (file) => {
    const { layers } = await openAll(message(`thunderbird/${file}`), bob, ca);
    expect(layers).toHaveLength(1);
    expect(layers[0]).toMatch(/^error (BAD_SIGNATURE|MALFORMED_CMS)$/);
  });
});

describe("pyca/cryptography enveloped vectors (RSA 4096)", () => {
  const ca = ["--key", key("pyca-rsa_key.pem"), "--cert", key("pyca-rsa_ca.pem")];
  it.each(["aes-128-cbc", "aes-192-cbc", "aes-256-cbc", "rsa-oaep", "triple-des"].filter((v) => v !== "aes-128-cbc"))(
    "enveloped-%s",
    async (variant) => {
      const result = await mailseal(["decrypt", ...ca], message(`pyca/enveloped-${variant}.eml`));
      expect(result.stderr).toBe("");
      expect(result.stdout).toEqual(readFileSync(key(`pyca-enveloped-${variant}.out`)));
    },
  );
});

describe("RFC 4134 EnvelopedData samples", () => {
  it("5.1 (3DES, RSA key transport) decrypts to ExContent, with Bob's PEM key and with his legacy PKCS#12", async () => {
    const content = readFileSync(key("rfc4134-ExContent.bin"));
    const pem = await mailseal(
      ["decrypt", "--key", key("rfc4134-BobPrivRSAEncrypt.pem"), "--cert", key("rfc4134-BobRSASignByCarl.pem")],
      message("rfc4134/5.1.eml"),
    );
    expect(pem.stderr).toBe("");
    expect(pem.stdout).toEqual(content);
    const p12 = await mailseal(["decrypt", "--p12", key("rfc4134-BobRSA.p12")], message("rfc4134/5.1.eml"), {
      MAILSEAL_PASSWORD: "test",
    });
    expect(p12.stdout).toEqual(content);
  });

  it("5.2 (RC2 with 40 effective key bits, rc2ParameterVersion 160; RSA and RC2-wrap recipients) decrypts to ExContent", async () => {
    const content = readFileSync(key("rfc4134-ExContent.bin"));
    const pem = await mailseal(
      ["decrypt", "--key", key("rfc4134-BobPrivRSAEncrypt.pem"), "--cert", key("rfc4134-BobRSASignByCarl.pem")],
      message("rfc4134/5.2.eml"),
    );
    expect(pem.stderr).toBe("");
    expect(pem.status).toBe(0);
    expect(pem.stdout).toEqual(content);
    const p12 = await mailseal(["decrypt", "--p12", key("rfc4134-BobRSA.p12")], message("rfc4134/5.2.eml"), {
      MAILSEAL_PASSWORD: "test",
    });
    expect(p12.stdout).toEqual(content);
  });
});

describe("RFC 4134 SignedData samples with DSA (4.8 clear-signed, 4.9 opaque)", () => {
  const carlDss = join(import.meta.dirname, "..", "..", "shared", "test", "pki", "fixtures", "CarlDSSSelf.cer");
  it.each(["4.8", "4.9"])("%s: AliceDSS's DSA/SHA-1 signature verifies under CarlDSS", async (name) => {
    const result = await mailseal(["verify", "--ca", carlDss], message(`rfc4134/${name}.eml`));
    expect(result.stderr).toContain("verified: signed by");
    expect(result.status).toBe(0);
    expect(result.stdout).toEqual(readFileSync(join(MESSAGES, `rfc4134/${name}.out`)));
  });
});

describe("draft-ireland-examples-cms (CryptoSys), RFC 9216's keys", () => {
  const bob = ["--key", key("rfc9216-bob.decrypt.p8.pem"), "--cert", key("rfc9216-bob.encrypt.crt")];
  const dana = ["--key", key("rfc9216-dana.decrypt.p8.pem"), "--cert", key("rfc9216-dana.encrypt.crt")];
  /** A DER ContentInfo as the application/pkcs7-mime message a mail client would receive. */
  const asMessage = (der: Buffer): Buffer =>
    Buffer.from(
      "Content-Type: application/pkcs7-mime; smime-type=authEnveloped-data; name=smime.p7m\r\n" +
        "Content-Transfer-Encoding: base64\r\n\r\n" +
        der.toString("base64").replace(/(.{76})/g, "$1\r\n") +
        "\r\n",
    );
  const sample = readFileSync(key("cryptosys-authEnvelopedForBobChaCha20Poly1305.p7m"));
  /** A DER SignedData as application/pkcs7-mime signed-data. */
  const asSigned = (der: Buffer): Buffer =>
    Buffer.from(
      "Content-Type: application/pkcs7-mime; smime-type=signed-data; name=smime.p7m\r\n" +
        "Content-Transfer-Encoding: base64\r\n\r\n" +
        der.toString("base64").replace(/(.{76})/g, "$1\r\n") +
        "\r\n",
    );
  const edCa = ["--ca", key("rfc9216-ed25519-ca.pem")];
  const certs = ["--certfile", key("rfc9216-carlos.crt"), "--certfile", key("rfc9216-alice.crt")];

  it("authEnvelopedForBobChaCha20Poly1305 (RFC 8103, RSA-OAEP-SHA256 key transport) decrypts", async () => {
    const result = await mailseal(["decrypt", ...bob], asMessage(sample));
    expect(result.stderr).toBe("");
    expect(result.stdout.toString("utf8")).toBe("This is some sample content.");
    // Its mac (the last 16 bytes) changed: refused, nothing written.
    const altered = Buffer.from(sample);
    altered[altered.length - 1]! ^= 1;
    const refused = await mailseal(["decrypt", ...bob], asMessage(altered));
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/^error AUTH_TAG_MISMATCH:/);
    expect(refused.stdout.length).toBe(0);
  });

  it("signedByCarlosEd25519 (RFC 8419, PureEdDSA over the signed attributes) verifies to RFC 9216's Ed25519 CA", async () => {
    const signed = readFileSync(key("cryptosys-signedByCarlosEd25519.p7m"));
    const ca = ["--ca", key("rfc9216-ed25519-ca.pem")];
    const result = await mailseal(["verify", ...ca], asSigned(signed));
    expect(result.status).toBe(0);
    expect(result.stdout.toString("utf8")).toBe("This is some sample content.");
    expect(result.stderr).toContain("verified: signed by Carlos Turing <carlos@smime.example>");
    // One byte of the signature (the last 64 bytes of the DER) changed.
    const altered = Buffer.from(signed);
    altered[altered.length - 10]! ^= 1;
    const refused = await mailseal(["verify", ...ca], asSigned(altered));
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/^error BAD_SIGNATURE:/);
  });

  it("signedByAliceAndCarlosNoCerts (RFC 8419 without signed attributes, and RSA) verifies with the certificates given", async () => {
    const signed = readFileSync(key("cryptosys-signedByAliceAndCarlosNoCerts.p7m"));
    // No certificates inside: without them no signer is found.
    const alone = await mailseal(["verify", ...edCa], asSigned(signed));
    expect(alone.status).toBe(1);
    expect(alone.stderr).toMatch(/^error UNTRUSTED_CERTIFICATE:/);
    const result = await mailseal(["verify", ...edCa, ...certs], asSigned(signed));
    expect(result.status).toBe(0);
    expect(result.stdout.toString("utf8")).toBe("This is some sample content.");
    expect(result.stderr).toContain("verified: signed by Carlos Turing <carlos@smime.example>");
    // A changed content byte (eContent starts at DER offset 71): refused, nothing released.
    const altered = Buffer.from(signed);
    altered[80]! ^= 1;
    const refused = await mailseal(["verify", ...edCa, ...certs], asSigned(altered));
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/^error BAD_SIGNATURE:/);
    expect(refused.stdout.length).toBe(0);
  });

  it("signedByCarlosDetached (RFC 8419 without signed attributes) verifies as multipart/signed over its content", async () => {
    const signature = readFileSync(key("cryptosys-signedByCarlosDetached.p7m"));
    // The example signs the bare text: it is the first part's bytes, as multipart/signed carries them.
    const multipart = (content: string): Buffer =>
      Buffer.from(
        'Content-Type: multipart/signed; protocol="application/pkcs7-signature"; micalg=sha-512; boundary=b\r\n\r\n' +
          `--b\r\n${content}\r\n--b\r\n` +
          "Content-Type: application/pkcs7-signature; name=smime.p7s\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
          signature.toString("base64").replace(/(.{76})/g, "$1\r\n") +
          "\r\n--b--\r\n",
      );
    const result = await mailseal(["verify", ...edCa, ...certs], multipart("This is some sample content."));
    expect(result.status).toBe(0);
    expect(result.stdout.toString("utf8")).toBe("This is some sample content.");
    expect(result.stderr).toContain("verified: signed by Carlos Turing <carlos@smime.example>");
    const refused = await mailseal(["verify", ...edCa, ...certs], multipart("This is some sample content!"));
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/^error BAD_SIGNATURE:/);
  });

  it("encryptedForBobAndDana (AES-128-CBC; RSA-OAEP for Bob, X25519 with the X9.63 KDF of dhSinglePass-stdDH-sha256kdf-scheme and AES-128 wrap for Dana) opens for both", async () => {
    const sample = readFileSync(key("cryptosys-encryptedForBobAndDana.p7m"));
    for (const recipient of [bob, dana]) {
      const result = await mailseal(["decrypt", ...recipient], asMessage(sample));
      expect(result.stderr).toBe("");
      expect(result.stdout.toString("utf8")).toBe("This is some sample content.");
    }
  });

  it("mailseal writes ChaCha20-Poly1305 AuthEnvelopedData: node:crypto with openssl's RSA unwrap reads it, as mailseal does; OpenSSL 3.0's cms cannot", async () => {
    const plain = Buffer.from("From: a@example.org\r\nTo: bob@example.com\r\nSubject: x\r\n\r\nChaCha to Bob.\r\n");
    const sealed = await mailseal(
      ["encrypt", "--recipient", key("rfc9216-bob.encrypt.crt"), "--cipher", "chacha20-poly1305"],
      plain,
    );
    expect(sealed.stderr).toBe("");
    expect(sealed.stdout.toString()).toMatch(/smime-type=authEnveloped-data/);
    const opened = await mailseal(["decrypt", ...bob], sealed.stdout);
    expect(opened.stdout.toString()).toContain("ChaCha to Bob.");
    // The structure as openssl prints it: id-alg-AEADChaCha20Poly1305 with a 12-byte nonce.
    const body = sealed.stdout.toString().split("\r\n\r\n").slice(1).join("");
    const printed = spawnSync("openssl", ["cms", "-cmsout", "-print", "-inform", "DER"], {
      input: Buffer.from(body, "base64"),
    });
    expect(printed.stdout.toString()).toMatch(
      /contentEncryptionAlgorithm: \n\s+algorithm: .*1\.2\.840\.113549\.1\.9\.16\.3\.18/,
    );
    // An independent reader opens it: openssl pkeyutl unwraps the CEK with Bob's RSA key (PKCS#1 v1.5,
    // rsaEncryption, as the message says), node:crypto's chacha20-poly1305 decrypts and checks the mac
    // (peers/independent.ts); it gives the entity mailseal's reader gives. With the mac changed it refuses.
    expect(printed.stdout.toString()).toMatch(/keyEncryptionAlgorithm: \n\s+algorithm: rsaEncryption/);
    const unwrapCek = (encryptedKey: Buffer): Buffer => {
      const pkeyutl = ["pkeyutl", "-decrypt", "-inkey", key("rfc9216-bob.decrypt.p8.pem")];
      const result = spawnSync("openssl", pkeyutl, { input: encryptedKey });
      expect(result.status, result.stderr.toString()).toBe(0);
      return result.stdout;
    };
    const der = Buffer.from(body, "base64");
    const independent = openChaChaAuthEnveloped(der, unwrapCek);
    expect(independent.toString("latin1")).toContain("ChaCha to Bob.\r\n");
    expect(opened.stdout.toString("latin1").endsWith(independent.toString("latin1"))).toBe(true);
    const badMac = Buffer.from(der);
    badMac[badMac.length - 10]! ^= 1; // in the mac: its 16 bytes come before the three end-of-contents
    expect(() => openChaChaAuthEnveloped(badMac, unwrapCek)).toThrow(/authenticate/);
    // OpenSSL 3.0 (Debian 12) parses it but has no ChaCha20-Poly1305 for CMS: no peer here can decrypt it.
    const openssl = spawnSync(
      "openssl",
      [
        ...["cms", "-decrypt", "-inform", "DER", "-recip", key("rfc9216-bob.encrypt.crt")],
        ...["-inkey", key("rfc9216-bob.decrypt.p8.pem")],
      ],
      { input: Buffer.from(body, "base64") },
    );
    expect(openssl.status).not.toBe(0);
  });
  /** A DER EnvelopedData as the application/pkcs7-mime enveloped-data message it would come in. */
  const envelopedMessage = (der: Buffer): Buffer =>
    Buffer.from(asMessage(der).toString("latin1").replace("authEnveloped-data", "enveloped-data"), "latin1");
  const pemToDer = (pem: string): Uint8Array<ArrayBuffer> =>
    Uint8Array.from(Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ""), "base64"));
  /** The DER inside an application/pkcs7-mime message mailseal wrote. */
  const bodyOf = (smime: Buffer): Buffer =>
    Buffer.from(smime.toString("latin1").split("\r\n\r\n").slice(1).join(""), "base64");
  const opensslPrint = (der: Buffer): string =>
    spawnSync("openssl", ["cms", "-cmsout", "-print", "-inform", "DER"], { input: der }).stdout.toString();

  /**
   * With openssl, in `dir`: a self-signed CA of `ca` keys (ca.key, ca.pem) and, when `leaf` is given,
   * a certificate it issues for that person (NAME.key, NAME.crt; the e-mail address name@example.org).
   * A key that cannot sign its own request (X25519, X448) is certified through -force_pubkey.
   */
  async function opensslCa(
    dir: string,
    ca: "ed25519" | "ed448",
    leaf?: { name: string; algorithm: string; keyUsage: string },
  ): Promise<void> {
    const at = (name: string) => join(dir, name);
    await run("openssl", ["genpkey", "-algorithm", ca, "-out", at("ca.key")]);
    await run("openssl", [
      ...["req", "-x509", "-new", "-key", at("ca.key"), "-subj", `/CN=Test ${ca} CA`, "-days", "30"],
      ...["-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign"],
      ...["-out", at("ca.pem")],
    ]);
    if (leaf === undefined) return;
    const name = leaf.name.toLowerCase();
    const agreesOnly = /^x(25519|448)$/i.test(leaf.algorithm);
    await run("openssl", ["genpkey", "-algorithm", leaf.algorithm, "-out", at(`${name}.key`)]);
    await run("openssl", [
      ...["req", "-new", "-key", at(agreesOnly ? "ca.key" : `${name}.key`), "-subj", `/CN=${leaf.name}`],
      ...["-out", at(`${name}.csr`)],
    ]);
    writeFileSync(
      at(`${name}.ext`),
      `subjectAltName=email:${name}@example.org\nkeyUsage=critical,${leaf.keyUsage}\nextendedKeyUsage=emailProtection\n`,
    );
    if (agreesOnly) await run("openssl", ["pkey", "-in", at(`${name}.key`), "-pubout", "-out", at(`${name}.pub`)]);
    await run("openssl", [
      ...["x509", "-req", "-in", at(`${name}.csr`), "-CA", at("ca.pem"), "-CAkey", at("ca.key"), "-days", "30"],
      ...(agreesOnly ? ["-force_pubkey", at(`${name}.pub`)] : []),
      ...["-extfile", at(`${name}.ext`), "-out", at(`${name}.crt`)],
    ]);
  }

  /**
   * RFC 8418 against an independent implementation (node:crypto's X25519/X448, HKDF and AES key wrap,
   * ECC-CMS-SharedInfo written out from RFC 5753 7.2; peers/independent.ts), both ways: `sealed`, what
   * mailseal encrypted to the certificate, opens to the entity mailseal's reader gave (`opened`); with
   * one byte of the KDF input changed (the KEK length in suppPubInfo) the KEK differs and the key
   * unwrap's integrity check fails, so the reader depends on mailseal's KDF input being RFC 8418's.
   * Then a message whose KeyAgreeRecipientInfo node:crypto made opens in `mailseal decrypt`; with the
   * changed SharedInfo, mailseal's KEK is not the sender's: DECRYPTION_FAILED, nothing written.
   */
  async function xdhBothWays(sealed: Buffer, opened: Buffer, keyPath: string, certPath: string): Promise<void> {
    const keyPem = readFileSync(keyPath, "utf8");
    const independent = openXdhEnveloped(bodyOf(sealed), keyPem);
    expect(independent.length).toBeGreaterThan(0);
    expect(opened.toString("latin1").endsWith(independent.toString("latin1"))).toBe(true);
    const changed = sharedInfoAes256Wrap();
    changed[changed.length - 2]! ^= 1;
    expect(() => openXdhEnveloped(bodyOf(sealed), keyPem, changed)).toThrow();

    const certificate = pkijs.Certificate.fromBER(pemToDer(readFileSync(certPath, "latin1")));
    const issuerAndSerial = new Uint8Array(
      new asn1js.Sequence({ value: [certificate.issuer.toSchema(), certificate.serialNumber] }).toBER(),
    );
    const spki = new Uint8Array(certificate.subjectPublicKeyInfo.toSchema().toBER());
    const entity = Buffer.from("Content-Type: text/plain\r\n\r\nFrom node:crypto.\r\n");
    const recipient = ["--key", keyPath, "--cert", certPath];
    const read = await mailseal(
      ["decrypt", ...recipient],
      envelopedMessage(sealXdhEnveloped(entity, spki, issuerAndSerial)),
    );
    expect(read.stderr).toBe("");
    expect(read.stdout.toString("latin1")).toContain("From node:crypto.");
    const skewed = sealXdhEnveloped(entity, spki, issuerAndSerial, changed);
    const refused = await mailseal(["decrypt", ...recipient], envelopedMessage(skewed));
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/^error DECRYPTION_FAILED:/);
    expect(refused.stdout.length).toBe(0);
  }

  it("authEnvelopedForDanaX25519HKDF (RFC 8418: X25519, HKDF-SHA-256, AES-256 wrap; AES-128-GCM) decrypts", async () => {
    const sample = readFileSync(key("cryptosys-authEnvelopedForDanaX25519HKDF.p7m"));
    const result = await mailseal(["decrypt", ...dana], asMessage(sample));
    expect(result.stderr).toBe("");
    expect(result.stdout.toString("utf8")).toBe("This is some sample content.");
    // A changed byte of the sender's ephemeral X25519 key (DER offset 51..82): another shared secret,
    // another KEK, the key unwrap's integrity check fails. Nothing is written.
    const altered = Buffer.from(sample);
    altered[60]! ^= 1;
    const refused = await mailseal(["decrypt", ...dana], asMessage(altered));
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/^error DECRYPTION_FAILED:/);
    expect(refused.stdout.length).toBe(0);
  });

  it("mailseal encrypts to Dana's X25519 certificate (RFC 8418), node:crypto reads it and writes to it; OpenSSL 3.0 here can do neither", async () => {
    const plain = Buffer.from("From: a@example.org\r\nTo: dana@smime.example\r\nSubject: x\r\n\r\nTo Dana.\r\n");
    const sealed = await mailseal(["encrypt", "--recipient", key("rfc9216-dana.encrypt.crt")], plain);
    expect(sealed.stderr).toBe("");
    const opened = await mailseal(["decrypt", ...dana], sealed.stdout);
    expect(opened.stderr).toBe("");
    expect(opened.stdout.toString()).toContain("To Dana.");
    await xdhBothWays(
      sealed.stdout,
      opened.stdout,
      key("rfc9216-dana.decrypt.p8.pem"),
      key("rfc9216-dana.encrypt.crt"),
    );
    // As openssl prints it: originatorKey id-X25519 (1.3.101.110), dhSinglePass-stdDH-hkdf-sha256-scheme.
    const printed = opensslPrint(bodyOf(sealed.stdout));
    expect(printed).toMatch(/originatorKey: \n\s+algorithm: \n\s+algorithm: X25519 \(1\.3\.101\.110\)/);
    expect(printed).toMatch(/keyEncryptionAlgorithm: \n\s+algorithm: .*1\.2\.840\.113549\.1\.9\.16\.3\.19/);
    // OpenSSL 3.0 (Debian 12) has no X25519 key agreement for CMS, in either direction.
    const decrypt = spawnSync(
      "openssl",
      ["cms", "-decrypt", "-recip", key("rfc9216-dana.encrypt.crt"), "-inkey", key("rfc9216-dana.decrypt.p8.pem")],
      { input: sealed.stdout },
    );
    expect(decrypt.status).not.toBe(0);
    const encrypt = spawnSync("openssl", ["cms", "-encrypt", "-aes256", key("rfc9216-dana.encrypt.crt")], {
      input: plain,
    });
    expect(encrypt.status).not.toBe(0);
    expect(encrypt.stderr.toString()).toMatch(/operation not supported for this keytype/);
  });

  it("mailseal encrypts to an X448 certificate (RFC 8410, made with openssl) and reads it back (HKDF-SHA-512); node:crypto reads it and writes to it", async () => {
    const dir = tempDir("x448");
    const at = (name: string) => join(dir, name);
    // An Ed25519 CA certifies an X448 key.
    await opensslCa(dir, "ed25519", { name: "Erin", algorithm: "X448", keyUsage: "keyAgreement" });
    const plain = Buffer.from("From: a@example.org\r\nTo: erin@example.org\r\nSubject: x\r\n\r\nTo Erin.\r\n");
    const sealed = await mailseal(["encrypt", "--recipient", at("erin.crt")], plain);
    expect(sealed.stderr).toBe("");
    const printed = opensslPrint(bodyOf(sealed.stdout));
    expect(printed).toMatch(/algorithm: X448 \(1\.3\.101\.111\)/);
    expect(printed).toMatch(/keyEncryptionAlgorithm: \n\s+algorithm: .*1\.2\.840\.113549\.1\.9\.16\.3\.21/);
    const opened = await mailseal(["decrypt", "--key", at("erin.key"), "--cert", at("erin.crt")], sealed.stdout);
    expect(opened.stderr).toBe("");
    expect(opened.stdout.toString()).toContain("To Erin.");
    // Dana's X25519 key is not Erin's: no recipient.
    const other = await mailseal(["decrypt", ...dana], sealed.stdout);
    expect(other.stderr).toMatch(/^error NO_MATCHING_RECIPIENT:/);

    await xdhBothWays(sealed.stdout, opened.stdout, at("erin.key"), at("erin.crt"));
  });
  /** A DER SignedData as the application/pkcs7-mime signed-data message it came in. */
  const signedDataMessage = (der: Buffer): Buffer =>
    Buffer.from(
      "Content-Type: application/pkcs7-mime; smime-type=signed-data; name=smime.p7m\r\n" +
        `Content-Transfer-Encoding: base64\r\n\r\n${der.toString("base64")}\r\n`,
    );

  /**
   * `mailseal sign` with the key and certificate, clear-signed and opaque; `mailseal verify` to the CA
   * in `dir`; one content byte changed (in the text, clear-signed; inside the DER's eContent, opaque):
   * BAD_SIGNATURE and no output. Returns the DER of the opaque one.
   */
  async function signsAndVerifies(dir: string, name: string): Promise<Buffer> {
    const at = (file: string) => join(dir, file);
    const lower = name.toLowerCase();
    const plain = Buffer.from(
      `From: ${lower}@example.org\r\nSubject: x\r\nContent-Type: text/plain\r\n\r\nBy ${name}.\r\n`,
    );
    let opaque = Buffer.alloc(0);
    for (const form of [[], ["--opaque"]]) {
      const signed = await mailseal(
        ["sign", "--key", at(`${lower}.key`), "--cert", at(`${lower}.crt`), ...form],
        plain,
      );
      expect(signed.stderr).toBe("");
      const verified = await mailseal(["verify", "--ca", at("ca.pem")], signed.stdout);
      expect(verified.stderr).toContain(`verified: signed by ${name} <${lower}@example.org>`);
      expect(verified.stdout.toString()).toContain(`By ${name}.`);
      const der = bodyOf(signed.stdout);
      if (form.length > 0) opaque = Buffer.from(der);
      der[der.indexOf(`By ${name}.`) + name.length + 3]! ^= 1;
      const altered =
        form.length === 0
          ? Buffer.from(signed.stdout.toString("latin1").replace(`By ${name}.`, `By ${name}!`), "latin1")
          : signedDataMessage(der);
      const refused = await mailseal(["verify", "--ca", at("ca.pem")], altered);
      expect(refused.stderr).toMatch(/^error BAD_SIGNATURE:/);
      expect(refused.stdout.length).toBe(0);
    }
    return opaque;
  }

  /**
   * OpenSSL's primitives check an EdDSA SignerInfo (RFC 8419) of `der` (an opaque SignedData signed by
   * `name` of `dir`) where its cms cannot, on the DER as openssl asn1parse cuts it: the signed
   * attributes (SignerInfo's [0], depth 5, signed as a SET, RFC 5652 5.4) verify under the signer's key
   * with `pkeyutl -verify -rawin` (PureEdDSA), and not with one signature byte changed; their
   * messageDigest is `openssl dgst DIGEST` of the content (64 bytes: SHA-512 for Ed25519, SHAKE256 of
   * 512 bits for Ed448, RFC 8419 3.1).
   */
  async function opensslChecksEdDsa(
    der: Buffer,
    dir: string,
    name: string,
    signatureLength: number,
    digest: string[],
  ): Promise<void> {
    const at = (file: string) => join(dir, file);
    const lines = spawnSync("openssl", ["asn1parse", "-inform", "DER"], { input: der }).stdout.toString().split("\n");
    const attrs = /^\s*(\d+):d=5\s+hl=(\d+)\s+l=\s*(\d+)\s+cons: cont \[ 0 \]/m.exec(lines.join("\n"))!;
    const [offset, header, length] = [Number(attrs[1]), Number(attrs[2]), Number(attrs[3])];
    const signedAttrs = Buffer.from(der.subarray(offset, offset + header + length));
    signedAttrs[0] = 0x31;
    const signatureLine = lines.filter((line) => /d=5 .*prim: OCTET STRING/.test(line)).at(-1)!;
    const signature = Buffer.from(/\[HEX DUMP\]:([0-9A-F]+)/.exec(signatureLine)![1]!, "hex");
    expect(signature.length).toBe(signatureLength);
    writeFileSync(at("attrs.der"), signedAttrs);
    writeFileSync(at("signature.bin"), signature);
    await run("openssl", ["x509", "-in", at(`${name}.crt`), "-pubkey", "-noout", "-out", at(`${name}.pub`)]);
    const pkeyutl = ["pkeyutl", "-verify", "-pubin", "-inkey", at(`${name}.pub`), "-rawin", "-in", at("attrs.der")];
    const checked = spawnSync("openssl", [...pkeyutl, "-sigfile", at("signature.bin")]);
    expect(checked.stdout.toString()).toMatch(/Signature Verified Successfully/);
    signature[0]! ^= 1;
    writeFileSync(at("signature.bin"), signature);
    expect(spawnSync("openssl", [...pkeyutl, "-sigfile", at("signature.bin")]).status).not.toBe(0);
    const content = await mailseal(["verify", "--ca", at("ca.pem")], signedDataMessage(der));
    const hashed = spawnSync("openssl", ["dgst", ...digest, "-binary"], { input: content.stdout });
    expect(hashed.stdout.length).toBe(64);
    expect(signedAttrs.includes(Buffer.concat([Buffer.from([0x04, 0x40]), hashed.stdout]))).toBe(true);
  }

  it("mailseal sign with Ed25519 (RFC 8419: SHA-512, PureEdDSA) under an Ed448 CA (RFC 8410) verifies; OpenSSL's Ed25519 and SHA-512 confirm the signature and the digest, its cms does neither", async () => {
    const dir = tempDir("eddsa");
    const at = (name: string) => join(dir, name);
    await opensslCa(dir, "ed448", { name: "Frank", algorithm: "ed25519", keyUsage: "digitalSignature" });
    const der = await signsAndVerifies(dir, "Frank");
    // The SignerInfo as openssl prints it: id-sha512 and id-Ed25519 (1.3.101.112), neither with parameters.
    const printed = opensslPrint(der);
    expect(printed).toMatch(
      /digestAlgorithm: \n\s+algorithm: sha512 \(2\.16\.840\.1\.101\.3\.4\.2\.3\)\n\s+parameter: <ABSENT>/,
    );
    expect(printed).toMatch(/signatureAlgorithm: \n\s+algorithm: ED25519 \(1\.3\.101\.112\)\n\s+parameter: <ABSENT>/);
    // OpenSSL's primitives check what its cms cannot: the Ed25519 signature and the SHA-512 messageDigest.
    await opensslChecksEdDsa(der, dir, "frank", 64, ["-sha512"]);
    // OpenSSL 3.0 (Debian 12) has no EdDSA in CMS: it verifies neither this nor CryptoSys's
    // signedByCarlosEd25519, and cannot sign with an Ed25519 key.
    const verify = spawnSync("openssl", ["cms", "-verify", "-inform", "DER", "-CAfile", at("ca.pem")], { input: der });
    expect(verify.status).not.toBe(0);
    const sign = spawnSync(
      "openssl",
      ["cms", "-sign", "-md", "sha512", "-signer", at("frank.crt"), "-inkey", at("frank.key")],
      { input: "x" },
    );
    expect(sign.status).not.toBe(0);
    expect(sign.stderr.toString()).toMatch(/invalid digest/);
  });

  it("mailseal sign with Ed448 (RFC 8419: id-shake256-len 512, PureEdDSA) verifies; OpenSSL's SHAKE256 and Ed448 confirm the digest and the signature, its cms does neither", async () => {
    const dir = tempDir("ed448");
    const at = (name: string) => join(dir, name);
    await opensslCa(dir, "ed448", { name: "Gina", algorithm: "ed448", keyUsage: "digitalSignature" });
    const der = await signsAndVerifies(dir, "Gina");
    // RFC 8419 3.1: the digest algorithm id-shake256-len with ShakeOutputLen 512 (present), the
    // signature algorithm id-Ed448 without parameters; openssl knows the first only by number.
    const printed = opensslPrint(der);
    expect(printed).toMatch(
      /digestAlgorithm: \n\s+algorithm: undefined \(2\.16\.840\.1\.101\.3\.4\.2\.18\)\n\s+parameter: INTEGER:512\n/,
    );
    expect(printed).toMatch(/signatureAlgorithm: \n\s+algorithm: ED448 \(1\.3\.101\.113\)\n\s+parameter: <ABSENT>/);
    // OpenSSL's primitives check what its cms cannot: the Ed448 signature and the SHAKE256 messageDigest.
    await opensslChecksEdDsa(der, dir, "gina", 114, ["-shake256", "-xoflen", "64"]);
    // OpenSSL 3.0 (Debian 12) has no id-shake256-len, nor EdDSA in CMS: its cms verifies no Ed448
    // SignedData (unknown digest algorithm), and signs none: without -md it has no default digest for
    // Ed448, with -md shake256 (or any) its EdDSA refuses a digest.
    const verify = spawnSync("openssl", ["cms", "-verify", "-inform", "DER", "-CAfile", at("ca.pem")], { input: der });
    expect(verify.status).not.toBe(0);
    expect(verify.stderr.toString()).toMatch(/unknown digest algorithm/);
    const signer = ["-signer", at("gina.crt"), "-inkey", at("gina.key")];
    const unsigned = spawnSync("openssl", ["cms", "-sign", ...signer], { input: "x" });
    expect(unsigned.stderr.toString()).toMatch(/no default digest/);
    const shakeSign = spawnSync("openssl", ["cms", "-sign", "-md", "shake256", ...signer], { input: "x" });
    expect(shakeSign.status).not.toBe(0);
    expect(shakeSign.stderr.toString()).toMatch(/invalid digest/);
  });
});
