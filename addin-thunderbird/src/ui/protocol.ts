// What the add-in's page (options.html: setup and status) and the background say over the port
// "mailseal-ui". The page holds no keys and talks to no service itself: each request runs in the
// background with the same functions the rest of the add-in uses (setUpIdentity, shared/src/mailflow).
import type { AuditEntry, DeviceInfo, KeyProtection } from "@mailseal/shared";
import type { OfferedIdentity } from "../background/setup.js";

export const UI_PORT = "mailseal-ui";

export type UiRequest =
  | { op: "identities" }
  | { op: "details"; address: string }
  | { op: "setUp"; address: string; code?: string }
  | { op: "removeDevice"; address: string; deviceId: string }
  | { op: "audit"; address: string }
  | { op: "protect"; address: string; on: boolean; password: string }
  /** Brings the keys that wait for the key-protection password (a rotation on a protected account). */
  | { op: "unlock"; address: string; password: string };

export interface CertificateView {
  keyId: string;
  status: "current" | "retired";
  protection: KeyProtection;
  /** ISO-8601. */
  notBefore: string;
  notAfter: string;
  serialHex: string;
}

export interface IdentityDetails {
  address: string;
  state: OfferedIdentity["state"];
  /** Encryption certificates, current first, then the history newest first. */
  certificates: CertificateView[];
  signing?: { notBefore: string; notAfter: string };
  /** Enhanced protection is on when any key is wrapped under the password (OPAQUE) or waits for it. */
  protection: boolean;
  /** Keys of the account this device does not hold yet because they need the password. */
  waitingForPassword: number;
  devices?: DeviceInfo[];
  /** Why the device list could not be read (plain words). */
  devicesError?: string;
}

export type UiAnswer = { id: number; ok: true; value: unknown } | { id: number; ok: false; code: string; text: string };

/** Sent by the background while a setup runs. */
export interface UiProgress {
  progress: { address: string; text: string };
}

export type { AuditEntry, DeviceInfo };
