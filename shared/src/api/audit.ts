// GET /v1/audit (docs/services.md, "HTTP API"): the releases of the caller's keys as both stores recorded them.
import { Type, type Static } from "typebox";
import { StoreNameSchema } from "./shares.js";

export const AuditEntry = Type.Object({
  store: StoreNameSchema,
  keyId: Type.String(),
  index: Type.Union([Type.Literal(0), Type.Literal(1)]),
  deviceId: Type.String(),
  /** The device's name at the api; absent when the device is unknown there. */
  deviceName: Type.Optional(Type.String()),
  at: Type.String({ description: "ISO-8601 UTC" }),
  ticketJti: Type.String(),
});
export type AuditEntry = Static<typeof AuditEntry>;

export const AuditResponse = Type.Object({ releases: Type.Array(AuditEntry) }, { description: "Oldest first" });
export type AuditResponse = Static<typeof AuditResponse>;
