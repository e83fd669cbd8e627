// Uploading a key's two shares again (docs/services.md, "Enhanced protection"): the device splits
// the blob (the PKCS#8, or the protected blob), seals each share to its store's ingest key with
// shareAad and hands both to the api, which forwards each to its store. Share 0 goes to share-a,
// share 1 to share-b.
import { seal } from "../protocol/seal.js";
import { shareAad } from "../protocol/share-aad.js";
import { keyCommitment, splitSecret } from "../protocol/split.js";
import type { ServiceClient } from "./service-client.js";

export async function uploadShares(
  client: ServiceClient,
  address: string,
  keyId: string,
  blob: Uint8Array,
  protection: "none" | "opaque",
  protectionSession: string,
): Promise<string> {
  const [ingestA, ingestB] = await Promise.all([client.ingestKey("share-a"), client.ingestKey("share-b")]);
  const [share0, share1] = splitSecret(blob);
  const shares = [
    await seal(ingestA, share0, shareAad(address, keyId, 0)),
    await seal(ingestB, share1, shareAad(address, keyId, 1)),
  ] as const;
  share0.fill(0);
  share1.fill(0);
  const commitment = await keyCommitment(blob);
  await client.putShares(keyId, { protection, commitment, shares: [shares[0], shares[1]] }, protectionSession);
  return commitment;
}
