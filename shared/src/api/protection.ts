// OPAQUE (RFC 9807, @serenity-kit/opaque) for the key-protection password (docs/services.md,
// "Enhanced protection"): the messages are the library's base64url strings, passed through.
import { Type, type Static } from "typebox";

const Message = (description: string) =>
  Type.String({ pattern: "^[A-Za-z0-9_-]+$", minLength: 1, maxLength: 4096, description });

export const RegistrationStartRequest = Type.Object({ registrationRequest: Message("client.startRegistration") });
export type RegistrationStartRequest = Static<typeof RegistrationStartRequest>;
export const RegistrationStartResponse = Type.Object({ registrationResponse: Message("server response") });
export type RegistrationStartResponse = Static<typeof RegistrationStartResponse>;

export const RegistrationFinishRequest = Type.Object({ registrationRecord: Message("client.finishRegistration") });
export type RegistrationFinishRequest = Static<typeof RegistrationFinishRequest>;

export const LoginStartRequest = Type.Object({ startLoginRequest: Message("client.startLogin") });
export type LoginStartRequest = Static<typeof LoginStartRequest>;
export const LoginStartResponse = Type.Object({
  loginId: Type.String(),
  loginResponse: Message("server.startLogin"),
  expiresAt: Type.String({ description: "ISO-8601 UTC: finish before this" }),
});
export type LoginStartResponse = Static<typeof LoginStartResponse>;

export const LoginFinishRequest = Type.Object({
  loginId: Type.String({ pattern: "^[A-Za-z0-9_-]{1,64}$" }),
  finishLoginRequest: Message("client.finishLogin"),
});
export type LoginFinishRequest = Static<typeof LoginFinishRequest>;
export const LoginFinishResponse = Type.Object({
  protectionSession: Type.String({ description: "send as Mailseal-Protection-Session; bound to this device" }),
  expiresAt: Type.String({ description: "ISO-8601 UTC (5 minutes)" }),
});
export type LoginFinishResponse = Static<typeof LoginFinishResponse>;
