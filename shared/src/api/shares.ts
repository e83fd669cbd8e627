// The share store's routes and the api's ticket key (docs/services.md, "HTTP API", share store role).
import { Type, type Static } from "typebox";

/** A P-256 public JWK (shared/src/protocol/jwk.ts checks the coordinates and the curve point). */
export const PublicJwk = Type.Object(
  {
    kty: Type.Literal("EC"),
    crv: Type.Literal("P-256"),
    x: Type.String({ pattern: "^[A-Za-z0-9_-]{43}$" }),
    y: Type.String({ pattern: "^[A-Za-z0-9_-]{43}$" }),
  },
  { description: "P-256 public key (RFC 7518 6.2)" },
);
export type PublicJwk = Static<typeof PublicJwk>;

/** A secret sealed to a P-256 key (shared/src/protocol/seal.ts): `ct` includes the GCM tag. */
export const SealedBoxSchema = Type.Object(
  {
    epk: PublicJwk,
    iv: Type.String({ pattern: "^[A-Za-z0-9_-]{16}$", description: "96-bit IV, base64url" }),
    ct: Type.String({ pattern: "^[A-Za-z0-9_-]{22,}$", maxLength: 16384, description: "ciphertext and tag" }),
  },
  { description: "ECDH-ES P-256 + HKDF-SHA-256 + AES-256-GCM" },
);
export type SealedBoxSchema = Static<typeof SealedBoxSchema>;

export const StoreNameSchema = Type.Union([Type.Literal("share-a"), Type.Literal("share-b")]);

/** Key ids and ticket ids: what the server makes (base64url of random bytes), bounded. */
export const KeyId = Type.String({ pattern: "^[A-Za-z0-9_-]{1,64}$", description: "key id" });

export const IngestKeyResponse = Type.Object(
  { store: StoreNameSchema, key: PublicJwk },
  { description: "The store's ingest key: seal shares to it for transport" },
);
export type IngestKeyResponse = Static<typeof IngestKeyResponse>;

export const TicketKeyResponse = Type.Object(
  { key: PublicJwk },
  { description: "The api's ticket key: release tickets and service tokens verify under it" },
);
export type TicketKeyResponse = Static<typeof TicketKeyResponse>;

export const ReleaseShareRequest = Type.Object({ ticket: Type.String({ minLength: 1, maxLength: 8192 }) });
export type ReleaseShareRequest = Static<typeof ReleaseShareRequest>;

export const ReleaseShareResponse = Type.Object(
  {
    keyId: KeyId,
    index: Type.Union([Type.Literal(0), Type.Literal(1)]),
    sealed: SealedBoxSchema,
  },
  { description: "The share sealed to the ticket's ephemeral key, associated data releaseAad" },
);
export type ReleaseShareResponse = Static<typeof ReleaseShareResponse>;

export const ShareParams = Type.Object({
  keyId: KeyId,
  index: Type.Union([Type.Literal("0"), Type.Literal("1")]),
});
export type ShareParams = Static<typeof ShareParams>;

export const KeyParams = Type.Object({ keyId: KeyId });
export type KeyParams = Static<typeof KeyParams>;

export const PutShareRequest = Type.Object(
  { address: Type.String({ minLength: 3, maxLength: 320 }), sealed: SealedBoxSchema },
  { description: "A share sealed to the store's ingest key, associated data shareAad" },
);
export type PutShareRequest = Static<typeof PutShareRequest>;

const Commitment = Type.String({ pattern: "^[A-Za-z0-9_-]{43}$", description: "keyCommitment of the whole blob" });

export const StageShareRequest = Type.Object(
  { address: Type.String({ minLength: 3, maxLength: 320 }), commitment: Commitment, sealed: SealedBoxSchema },
  { description: "A replacement share, kept beside the live one until the api's commitment names it" },
);
export type StageShareRequest = Static<typeof StageShareRequest>;

export const PromoteSharesRequest = Type.Object(
  { commitment: Commitment },
  { description: "Make the staged share of this commitment the live one" },
);
export type PromoteSharesRequest = Static<typeof PromoteSharesRequest>;

export const StoreReleasesQuery = Type.Object({ address: Type.String({ minLength: 3, maxLength: 320 }) });
export type StoreReleasesQuery = Static<typeof StoreReleasesQuery>;

export const StoreRelease = Type.Object({
  keyId: Type.String(),
  index: Type.Union([Type.Literal(0), Type.Literal(1)]),
  deviceId: Type.String(),
  at: Type.String({ description: "ISO-8601 UTC" }),
  ticketJti: Type.String(),
});
export type StoreRelease = Static<typeof StoreRelease>;

export const StoreReleasesResponse = Type.Object({ releases: Type.Array(StoreRelease) });
export type StoreReleasesResponse = Static<typeof StoreReleasesResponse>;
