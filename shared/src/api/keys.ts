// The api's key routes (docs/services.md, "HTTP API"): listing, release tickets, protected shares.
import { Type, type Static } from "typebox";
import { KeyId, PublicJwk, SealedBoxSchema, StoreNameSchema } from "./shares.js";

/** What uploaded shares hold: the PKCS#8 ("none") or the blob wrapped under the OPAQUE export key. */
export const Protection = Type.Union([Type.Literal("none"), Type.Literal("opaque")]);
export type Protection = Static<typeof Protection>;

/**
 * A listed key's protection (docs/services.md, "Enhanced protection"): as Protection, or
 * "pending-wrap": the shares hold the PKCS#8 but the account is protected (a key made by a rotation,
 * or there before the password was set), so it is released only with a protection session, and the
 * next device that logs in with the password wraps it.
 */
export const KeyProtection = Type.Union([Type.Literal("none"), Type.Literal("opaque"), Type.Literal("pending-wrap")]);
export type KeyProtection = Static<typeof KeyProtection>;

export const KeyInfo = Type.Object({
  keyId: KeyId,
  certificate: Type.String({ description: "DER, base64url" }),
  status: Type.Union([Type.Literal("current"), Type.Literal("retired")]),
  notBefore: Type.String({ description: "ISO-8601 UTC" }),
  notAfter: Type.String({ description: "ISO-8601 UTC" }),
  protection: KeyProtection,
  commitment: Type.String({ description: "base64url SHA-256 commitment of the PKCS#8 or protected blob" }),
});
export type KeyInfo = Static<typeof KeyInfo>;

/**
 * A post-quantum key of the account (issue 15): an ML-KEM-768 key with its ML-KEM certificate (RFC
 * 9935), made, made current and retired together with the RSA key of its generation (`pairKeyId`),
 * released like any key. Listed apart from `keys` so that clients that know only RSA keys never
 * meet one.
 */
export const KemKeyInfo = Type.Object({
  ...KeyInfo.properties,
  algorithm: Type.Literal("ml-kem-768"),
  pairKeyId: KeyId,
});
export type KemKeyInfo = Static<typeof KemKeyInfo>;

export const KeysResponse = Type.Object(
  {
    keys: Type.Array(KeyInfo),
    kemKeys: Type.Optional(Type.Array(KemKeyInfo, { description: "ML-KEM keys (issue 15), oldest first" })),
    pq: Type.Optional(Type.Boolean({ description: "whether the account opted into post-quantum keys" })),
  },
  { description: "Oldest first" },
);
export type KeysResponse = Static<typeof KeysResponse>;

/** PUT /v1/keys/pq: opt into (or out of) post-quantum keys; the key generation is replaced at once. */
export const PqKeysRequest = Type.Object({ enabled: Type.Boolean() }, { additionalProperties: false });
export type PqKeysRequest = Static<typeof PqKeysRequest>;

export const PqKeysResponse = Type.Object(
  { keyId: KeyId, kemKeyId: Type.Optional(KeyId) },
  { description: "The current RSA key and, when opted in, its ML-KEM companion" },
);
export type PqKeysResponse = Static<typeof PqKeysResponse>;

export const RotateKeyResponse = Type.Object(
  { keyId: KeyId },
  { description: "The new current key; the one before is retired (listed, releasable to active devices)" },
);
export type RotateKeyResponse = Static<typeof RotateKeyResponse>;

export const ReleaseRequest = Type.Object({
  ephemeralKey: PublicJwk,
});
export type ReleaseRequest = Static<typeof ReleaseRequest>;

export const ReleaseTicket = Type.Object({
  store: StoreNameSchema,
  url: Type.String({ description: "base URL of the store" }),
  ticket: Type.String(),
});
export type ReleaseTicket = Static<typeof ReleaseTicket>;

export const ReleaseResponse = Type.Object(
  { tickets: Type.Tuple([ReleaseTicket, ReleaseTicket]) },
  { description: "One ticket per store (share-a, then share-b), 60 s, single use" },
);
export type ReleaseResponse = Static<typeof ReleaseResponse>;

export const PutSharesRequest = Type.Object({
  protection: Protection,
  commitment: Type.String({ pattern: "^[A-Za-z0-9_-]{43}$" }),
  shares: Type.Tuple([SealedBoxSchema, SealedBoxSchema], {
    description: "share 0 sealed to share-a's ingest key, share 1 to share-b's, associated data shareAad",
  }),
});
export type PutSharesRequest = Static<typeof PutSharesRequest>;

/** The request header carrying a protection session (POST /v1/protection/login/finish). */
export const PROTECTION_SESSION_HEADER = "Mailseal-Protection-Session";
