// The host interfaces of the client flows (docs/services.md, "Client flows"). shared/src/mailflow is
// being written on another branch and has not landed on main yet: these mirror its StateStore,
// ChallengeMailbox and DeviceState field for field, so that connecting the flows is an import change
// (`from "@mailseal/shared"`) and deleting this file.

export interface StoredKey {
  keyId: string;
  /** base64url DER. */
  certificate: string;
  status: "current" | "retired";
  protection: "none" | "opaque";
  commitment: string;
  /** base64url PKCS#8, once this device released and combined the key. */
  pkcs8?: string;
}

export interface DeviceState {
  version: 1;
  address: string;
  deviceName: string;
  service: { api: string; shareStores: Record<"share-a" | "share-b", string> };
  deviceId?: string;
  enrollment?: { challengeId: string; expiresAt: string };
  signing?: { privateKey: JsonWebKey; certificate: string; chain: string[] };
  root?: string;
  keys: StoredKey[];
}

export interface StateStore {
  list(): Promise<string[]>;
  load(address: string): Promise<DeviceState | undefined>;
  save(state: DeviceState): Promise<void>;
  loadDeviceKey(address: string): Promise<CryptoKeyPair | undefined>;
  saveDeviceKey(address: string, keyPair: CryptoKeyPair): Promise<void>;
  readonly keepsCryptoKeys: boolean;
}

export interface ChallengeMailbox {
  /** Resolves the token of the challenge mail with `challengeId` naming `api`, or undefined after the timeout. */
  findChallenge(challengeId: string, api: string): Promise<string | undefined>;
}
