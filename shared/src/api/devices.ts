// The devices of an address (docs/services.md, "HTTP API"): listed and removed by any of its active
// devices; removal revokes the device's signing certificates and ends its tokens.
import { Type, type Static } from "typebox";
import { DeviceId } from "./enrollment.js";

export const DeviceInfo = Type.Object({
  deviceId: DeviceId,
  name: Type.String(),
  status: Type.Union([Type.Literal("pending"), Type.Literal("active"), Type.Literal("removed")]),
  createdAt: Type.String({ description: "ISO-8601 UTC time" }),
  removedAt: Type.Union([Type.String(), Type.Null()]),
  /** The device making the request. */
  current: Type.Boolean(),
});
export type DeviceInfo = Static<typeof DeviceInfo>;

export const DevicesResponse = Type.Object({ devices: Type.Array(DeviceInfo) });
export type DevicesResponse = Static<typeof DevicesResponse>;

export const DeviceParams = Type.Object({ deviceId: DeviceId });
export type DeviceParams = Static<typeof DeviceParams>;
