import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  CHALLENGE_AUTO_SUBMITTED,
  challengeHeaderValue,
  challengeMailText,
  decodeBase64url,
  formatCode,
  newChallengeSecrets,
  normalizeCode,
  parseChallengeHeaderValue,
  parseChallengeMail,
  type ChallengeMarker,
} from "../../src/index.js";
import { rejectsWith, text } from "./support.js";

const TOKEN = "q1c9l3Zyb2l4c0F3NWJ4RzhKaGpkVWtqZnF5N3pZVGg"; // 32 bytes
const marker: ChallengeMarker = { id: "ch_7Gx2", token: TOKEN, api: "https://mail.example.org/mailseal" };
const requester = { deviceName: "laptop", ip: "192.0.2.1" };

function mail(headerLines: readonly string[], eol = "\r\n"): Uint8Array {
  const body = ["Hello,", "", "your code is ABCDE-FGHJK", ""].join(eol);
  return text([...headerLines, "", body].join(eol));
}

const realistic = [
  "Return-Path: <mailseal@mail.example.org>",
  "Received: from mail.example.org (mail.example.org [192.0.2.7])",
  "\tby mx.example.org with ESMTPS id 4Xyz; Tue, 1 Jul 2031 10:00:00 +0000",
  "From: mailseal <mailseal@mail.example.org>",
  "To: alice@example.org",
  "Subject: Confirm a new mailseal device",
  "Date: Tue, 1 Jul 2031 10:00:00 +0000",
  "Message-ID: <c1@mail.example.org>",
  "MIME-Version: 1.0",
  "Content-Type: text/plain; charset=utf-8",
  "Auto-Submitted: auto-generated;",
  " type=mailseal-challenge",
  `Mailseal-Challenge: v=1; id=${marker.id};`,
  `\ttoken=${marker.token};`,
  `  api=${marker.api}`,
];

describe("challenge code (Crockford base32)", () => {
  it("normalises what people type", () => {
    const table: [string, string][] = [
      ["ABCDE-FGHJK", "ABCDEFGHJK"],
      ["abcde-fghjk", "ABCDEFGHJK"],
      ["  abcde fghjk ", "ABCDEFGHJK"],
      ["A-B-C-D-E-F-G-H-J-K", "ABCDEFGHJK"],
      ["oOiIlL01xy", "00111101XY"],
      ["0123456789", "0123456789"],
      ["VWXYZ-MNPQR", "VWXYZMNPQR"],
    ];
    for (const [input, expected] of table) expect(normalizeCode(input)).toBe(expected);
  });

  it("refuses U, junk and wrong lengths (MALFORMED_CHALLENGE)", async () => {
    for (const bad of [
      "ABCDE-FGHJU",
      "ABCDE_FGHJK",
      "ABCDE.FGHJK",
      "ABCDE-FGHJ",
      "ABCDE-FGHJKM",
      "",
      "ÀBCDE-FGHJK",
      "ABCDE\tFGHJK",
      "-".repeat(100),
    ]) {
      await rejectsWith(() => normalizeCode(bad), "MALFORMED_CHALLENGE");
    }
    await rejectsWith(() => normalizeCode(undefined as unknown as string), "MALFORMED_CHALLENGE");
  });

  it("formats as XXXXX-XXXXX and makes 32-byte tokens and uniform codes", () => {
    expect(formatCode("abcdefghjk")).toBe("ABCDE-FGHJK");
    const { token, code } = newChallengeSecrets();
    expect(decodeBase64url(token)).toHaveLength(32);
    expect(code).toMatch(/^[0-9A-HJKMNP-TV-Z]{10}$/);
    // Every byte value maps to its low 5 bits: 0x00 -> '0', 0x1f -> 'Z', 0xff -> 'Z', 0x20 -> '0'.
    let call = 0;
    const fixed = (n: number) =>
      call++ === 0 ? new Uint8Array(n) : new Uint8Array([0, 0x1f, 0xff, 0x20, 1, 2, 3, 4, 5, 0x3e]);
    expect(newChallengeSecrets(fixed).code).toBe("0ZZ012345Y");
  });
});

describe("Mailseal-Challenge field", () => {
  it("writes the documented value and reads it back", () => {
    const value = challengeHeaderValue(marker);
    expect(value).toBe(`v=1; id=ch_7Gx2; token=${TOKEN}; api=https://mail.example.org/mailseal`);
    expect(parseChallengeHeaderValue(value)).toEqual(marker);
    expect(parseChallengeHeaderValue(`V=1;ID=${marker.id}; token="${TOKEN}"; api=${marker.api}; future=x`)).toEqual(
      marker,
    );
    expect(parseChallengeHeaderValue(`v=1; api=http://127.0.0.1:7400; token=${TOKEN}; id=abc`)).toEqual({
      id: "abc",
      token: TOKEN,
      api: "http://127.0.0.1:7400",
    });
  });

  it("round-trips every well-formed marker", () => {
    const idChar = fc.constantFrom(..."abcXYZ019-_");
    fc.assert(
      fc.property(
        fc.string({ unit: idChar, minLength: 1, maxLength: 64 }),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.constantFrom(
          "https://api.example.org",
          "http://127.0.0.1:7400",
          "https://x.example/a/b/",
          "https://h:1/p%20q",
        ),
        (id, token, api) => {
          const m = { id, token: Buffer.from(token).toString("base64url"), api };
          expect(parseChallengeHeaderValue(challengeHeaderValue(m))).toEqual(m);
        },
      ),
    );
  });

  it("refuses markers that would not read back or are hostile", async () => {
    const bad: ChallengeMarker[] = [
      { ...marker, id: "" },
      { ...marker, id: "a;b" },
      { ...marker, id: "x".repeat(65) },
      { ...marker, token: TOKEN.slice(1) },
      { ...marker, token: `${TOKEN}=` },
      { ...marker, api: "javascript:alert(1)" },
      { ...marker, api: "file:///etc/passwd" },
      { ...marker, api: "https://user:pw@api.example.org" },
      { ...marker, api: "https://api.example.org/?next=evil" },
      { ...marker, api: "https://api.example.org/#x" },
      { ...marker, api: "https://api.example.org/a;b" },
      { ...marker, api: "https://api.example.org/a b" },
      { ...marker, api: "https://api.example.org/\r\nBcc: x" },
      { ...marker, api: "relative/path" },
    ];
    for (const m of bad) await rejectsWith(() => challengeHeaderValue(m), "MALFORMED_CHALLENGE");
    for (const value of [
      `v=2; id=a; token=${TOKEN}; api=https://a.example`,
      `id=a; token=${TOKEN}; api=https://a.example`,
      `v=1; id=a; api=https://a.example`,
      `v=1; id=a; id=b; token=${TOKEN}; api=https://a.example`,
      `v=1; id=a; token=${TOKEN}; api="https://a.example/ x"`,
      `v=1; id="a b"; token=${TOKEN}; api=https://a.example`,
      `v=1; id=a; token=${TOKEN}; api=(comment`,
      "",
    ]) {
      await rejectsWith(() => parseChallengeHeaderValue(value), "MALFORMED_CHALLENGE");
    }
  });
});

describe("parseChallengeMail", () => {
  it("reads the marker of a realistic mail with folded fields, with CRLF and with LF", async () => {
    expect(await parseChallengeMail(mail(realistic))).toEqual(marker);
    expect(await parseChallengeMail(mail(realistic, "\n"))).toEqual(marker);
    expect(await parseChallengeMail(text(realistic.join("\r\n")))).toEqual(marker); // header only
    const lower = realistic.map((line) =>
      line.replace("Auto-Submitted: auto-generated", "auto-submitted: Auto-Generated"),
    );
    expect(await parseChallengeMail(mail(lower))).toEqual(marker);
  });

  it("reads the mail the server would write from the helpers", async () => {
    const { subject, text: body } = challengeMailText({
      address: "alice@example.org",
      code: "abcdefghjk",
      api: marker.api,
      requester,
    });
    const message = [
      "From: mailseal <mailseal@mail.example.org>",
      "To: alice@example.org",
      `Subject: ${subject}`,
      `Auto-Submitted: ${CHALLENGE_AUTO_SUBMITTED}`,
      `Mailseal-Challenge: ${challengeHeaderValue(marker)}`,
      "",
      body,
    ].join("\r\n");
    expect(await parseChallengeMail(text(message))).toEqual(marker);
  });

  it("is undefined without Auto-Submitted, with another type, or with a field twice", async () => {
    const withoutAutoSubmitted = realistic.filter((line) => !/^(Auto-Submitted:| type=)/.test(line));
    expect(withoutAutoSubmitted).toHaveLength(realistic.length - 2);
    expect(await parseChallengeMail(mail(withoutAutoSubmitted))).toBeUndefined();
    const swap = (from: string, to: string) => realistic.map((line) => line.replace(from, to));
    expect(await parseChallengeMail(mail(swap("type=mailseal-challenge", "type=acme")))).toBeUndefined();
    expect(await parseChallengeMail(mail(swap("auto-generated;", "auto-replied;")))).toBeUndefined();
    expect(
      await parseChallengeMail(mail(swap("Auto-Submitted: auto-generated;", "Auto-Submitted: no;"))),
    ).toBeUndefined();
    expect(await parseChallengeMail(mail(swap("Mailseal-Challenge:", "X-Mailseal-Challenge:")))).toBeUndefined();
    const twice = [...realistic, `Mailseal-Challenge: v=1; id=other; token=${TOKEN}; api=https://evil.example`];
    expect(await parseChallengeMail(mail(twice))).toBeUndefined();
    const twiceAuto = [...realistic, "Auto-Submitted: auto-generated; type=mailseal-challenge"];
    expect(await parseChallengeMail(mail(twiceAuto))).toBeUndefined();
    // The marker in the body is not a header field.
    const inBody = text(
      `From: a@example.org\r\n\r\nAuto-Submitted: ${CHALLENGE_AUTO_SUBMITTED}\r\nMailseal-Challenge: ${challengeHeaderValue(marker)}\r\n`,
    );
    expect(await parseChallengeMail(inBody)).toBeUndefined();
  });

  it("is undefined for hostile field values", async () => {
    for (const value of [
      `v=1; id=a; token=${TOKEN}; api=javascript:alert(1)`,
      `v=1; id=a; token=${TOKEN}; api=https://evil.example/?steal=1`,
      `v=1; id=../../x; token=${TOKEN}; api=https://a.example`,
      `v=1; id=a; token=${TOKEN}AA; api=https://a.example`,
      `v=1; id=a; token*=utf-8''%00; api=https://a.example`,
      `v=1; id=a; token=${TOKEN}; api=https://${"a".repeat(600)}.example`,
      `v=1; id=a; token=${TOKEN}; api="https://a.example\\"; x"`,
      "v=1; id=a; token=\u0000; api=https://a.example",
      "\u00ff\u00fe",
    ]) {
      const lines = [...realistic.slice(0, 12), `Mailseal-Challenge: ${value}`];
      expect(await parseChallengeMail(mail(lines)), value).toBeUndefined();
    }
  });

  it("never throws on garbage or on mutated challenge mails", async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 400 }), async (bytes) => {
        expect(await parseChallengeMail(bytes)).toBeUndefined();
      }),
      { numRuns: 300 },
    );
    const good = mail(realistic);
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.nat(good.length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }),
        async (edits) => {
          const bytes = new Uint8Array(good);
          for (const [at, value] of edits) bytes[at] = value;
          const result = await parseChallengeMail(bytes);
          if (result !== undefined) expect(parseChallengeHeaderValue(challengeHeaderValue(result))).toEqual(result);
        },
      ),
      { numRuns: 300 },
    );
    expect(await parseChallengeMail(new Uint8Array(2_000_000).fill(0x41))).toBeUndefined(); // header over the limit
    expect(await parseChallengeMail("not bytes" as unknown as Uint8Array)).toBeUndefined();
  });
});

describe("challengeMailText", () => {
  it("says what it is, shows the code, who asked, the 24 hours, and to ignore it if unasked", () => {
    const { subject, text: body } = challengeMailText({
      address: "alice@example.org",
      code: "abcde fghjk",
      api: marker.api,
      requester: { deviceName: "Alice's phone", ip: "203.0.113.7", userAgent: "Thunderbird/128.0" },
    });
    expect(body).toContain("alice@example.org");
    expect(body).toContain("    ABCDE-FGHJK\n");
    expect(body).toContain('  Device:     "Alice\'s phone"\n');
    expect(body).toContain("  Asked from: 203.0.113.7\n");
    expect(body).toContain("  Program:    Thunderbird/128.0\n");
    expect(body).toContain("24 hours");
    expect(body).toMatch(/did not ask for this, ignore/);
    for (const line of body.split("\n")) expect(line.length).toBeLessThanOrEqual(78);
    // The code is never in the subject: subjects show in notifications, lock screens and logs.
    expect(subject).toBe("Confirm a new mailseal device");
    expect(subject).not.toMatch(/ABCDE|FGHJK/);
  });

  it("shows a hostile device name and User-Agent tamed on one short line each", () => {
    const { text: body } = challengeMailText({
      address: "alice@example.org",
      code: "abcdefghjk",
      api: marker.api,
      requester: {
        deviceName: `laptop\r\n\r\n    ZZZZZ-ZZZZZ\u202e\u200b${"x".repeat(100)}`,
        ip: "2001:db8::1",
        userAgent: "agent\nBcc: someone",
      },
    });
    expect(body).not.toContain("    ZZZZZ-ZZZZZ\n");
    expect(body).not.toMatch(/[\u202e\u200b\r]/);
    expect(body).toMatch(/^ {2}Device: {5}"laptop ZZZZZ-ZZZZZ x+\.\.\."$/m);
    expect(body).toContain("  Program:    agent Bcc: someone\n");
    expect(body).toContain("  Asked from: 2001:db8::1\n");
    for (const line of body.split("\n")) expect(line.length).toBeLessThanOrEqual(78);
    // Without a User-Agent there is no Program line.
    const plain = challengeMailText({ address: "a@example.org", code: "abcdefghjk", api: marker.api, requester });
    expect(plain.text).not.toContain("Program:");
  });

  it("refuses a bad code, an address with a line break and a bad api", async () => {
    await rejectsWith(
      () => challengeMailText({ address: "a@example.org", code: "UUUUU-UUUUU", api: marker.api, requester }),
      "MALFORMED_CHALLENGE",
    );
    await rejectsWith(
      () => challengeMailText({ address: "a@example.org\r\nBcc: x", code: "abcdefghjk", api: marker.api, requester }),
      "MALFORMED_CHALLENGE",
    );
    await rejectsWith(
      () => challengeMailText({ address: "a@example.org", code: "abcdefghjk", api: "ftp://x", requester }),
      "MALFORMED_CHALLENGE",
    );
  });
});
