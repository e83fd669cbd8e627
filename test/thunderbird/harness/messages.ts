// Test messages the Thunderbird suites mail to the profiles, and PEM for the openssl helpers.

/** DER as PEM (RFC 7468) with the given label. */
export function pem(label: string, der: Buffer): string {
  const lines = der.toString("base64").match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join("\n")}\n-----END ${label}-----\n`;
}

/** RFC 5322 header fields of a test message from Alice to Bob, CRLF. */
export function header(from: string, to: string, subject: string): string {
  return [
    `From: Alice <${from}>`,
    `To: Bob <${to}>`,
    `Subject: ${subject}`,
    `Date: ${new Date().toUTCString().replace("GMT", "+0000")}`,
    `Message-ID: <${crypto.randomUUID()}@example.test>`,
    "",
  ].join("\r\n");
}
