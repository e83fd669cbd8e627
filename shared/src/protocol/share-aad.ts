// Associated data that binds an encrypted share or key to its place (docs/services.md): a share
// moved to another key id, index or address, or a release replayed under another ticket, fails
// the GCM check. Fields are joined with "\n", so none may contain one: otherwise two different
// field lists could give the same bytes ("a\nb", "c" and "a", "b\nc").
import { utf8 } from "./bytes.js";
import { MailsealError } from "../errors/index.js";

function joined(fields: readonly (string | number)[]): Uint8Array<ArrayBuffer> {
  for (const field of fields) {
    if (typeof field === "number") {
      if (field !== 0 && field !== 1) throw new MailsealError("MALFORMED_FIELD", `share index ${field} is not 0 or 1`);
    } else if (typeof field !== "string" || field.length === 0 || /[\r\n]/.test(field)) {
      throw new MailsealError(
        "MALFORMED_FIELD",
        `associated data field ${JSON.stringify(field)} is empty or has a line break`,
      );
    }
  }
  return utf8(fields.join("\n"));
}

/** A share at rest under a store's KEK: `mailseal-share-v1\naddress\nkeyId\nindex`. */
export function shareAad(address: string, keyId: string, index: 0 | 1): Uint8Array<ArrayBuffer> {
  return joined(["mailseal-share-v1", address, keyId, index]);
}

/** A share sealed by a store to a device for one ticket: `mailseal-release-v1\naddress\nkeyId\nindex\nticketJti`. */
export function releaseAad(address: string, keyId: string, index: 0 | 1, ticketJti: string): Uint8Array<ArrayBuffer> {
  return joined(["mailseal-release-v1", address, keyId, index, ticketJti]);
}

/** A PKCS#8 wrapped under the protection key: `address\nkeyId` (the key itself is domain-separated by HKDF info). */
export function protectionAad(address: string, keyId: string): Uint8Array<ArrayBuffer> {
  return joined([address, keyId]);
}
