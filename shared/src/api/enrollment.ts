// Enrolment and sessions (docs/services.md, "HTTP API"): a device proves control of an address by
// answering a mailed challenge (after RFC 8823) and then renews its access token with its key alone.
import { Type, type Static } from "typebox";

/** Challenge ids: 128 random bits in base64url (the Mailseal-Challenge `id` allows 1-64 of A-Z a-z 0-9 - _). */
export const ChallengeId = Type.String({ pattern: "^[A-Za-z0-9_-]{1,64}$", description: "challenge id" });
export const DeviceId = Type.String({ pattern: "^[A-Za-z0-9_-]{1,64}$", description: "device id" });
const IsoTime = Type.String({ description: "ISO-8601 UTC time" });

export const EnrollmentRequest = Type.Object(
  {
    address: Type.String({ minLength: 3, maxLength: 254, description: "the address to enrol" }),
    deviceName: Type.String({ minLength: 1, maxLength: 100, description: "shown in the device list" }),
  },
  { additionalProperties: false },
);
export type EnrollmentRequest = Static<typeof EnrollmentRequest>;

export const EnrollmentResponse = Type.Object(
  { challengeId: ChallengeId, expiresAt: IsoTime },
  { description: "The challenge was mailed to the address" },
);
export type EnrollmentResponse = Static<typeof EnrollmentResponse>;

export const EnrollmentParams = Type.Object({ challengeId: ChallengeId });
export type EnrollmentParams = Static<typeof EnrollmentParams>;

/** The token from the mail's Mailseal-Challenge field (a client) or the code a person typed. */
export const EnrollmentAnswer = Type.Union([
  Type.Object({ token: Type.String({ minLength: 1, maxLength: 128 }) }, { additionalProperties: false }),
  Type.Object({ code: Type.String({ minLength: 1, maxLength: 64 }) }, { additionalProperties: false }),
]);
export type EnrollmentAnswer = Static<typeof EnrollmentAnswer>;

/**
 * Enrolment with an OpenID Connect token as the proof of the address (docs/services.md, "Address
 * proof by token"): no challenge mail, the token replaces the code.
 */
export const TokenEnrollmentRequest = Type.Object(
  {
    address: Type.String({ minLength: 3, maxLength: 254, description: "the address to enrol" }),
    deviceName: Type.String({ minLength: 1, maxLength: 100, description: "shown in the device list" }),
    idToken: Type.String({
      minLength: 1,
      maxLength: 16384,
      description: "a JWT (ID or access token) of an issuer the api is configured for",
    }),
  },
  { additionalProperties: false },
);
export type TokenEnrollmentRequest = Static<typeof TokenEnrollmentRequest>;

export const EnrollmentAnswerResponse = Type.Object({
  deviceId: DeviceId,
  accessToken: Type.String({ description: "Authorization: MailSeal <accessToken>" }),
  expiresAt: IsoTime,
});
export type EnrollmentAnswerResponse = Static<typeof EnrollmentAnswerResponse>;

export const SessionRequest = Type.Object({ deviceId: DeviceId }, { additionalProperties: false });
export type SessionRequest = Static<typeof SessionRequest>;

export const SessionResponse = Type.Object({ accessToken: Type.String(), expiresAt: IsoTime });
export type SessionResponse = Static<typeof SessionResponse>;
