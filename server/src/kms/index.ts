// The key-management part of the api role (docs/services.md, "Keys and who holds what").
export type { KeyManager, MaintenanceReport } from "./key-manager.js";
export {
  createKeyManager,
  DEFAULT_ROTATION_LEAD_DAYS,
  PENDING_STALE_MS,
  type KeyManagerConfig,
  type KeyManagerDeps,
} from "./manager.js";
export { currentInstance, formatOwner, ownerIsDead, parseOwner, type ProcessInstance } from "./instance.js";
export { createStoreClient, type StoreClient, type StoreClientOptions } from "./store-client.js";
export { kekLabel, wrapSetting, wrappedSetting } from "./wrapped-setting.js";
export { MAINTENANCE_INTERVAL_MS, startMaintenance, type Maintenance } from "./maintenance.js";
