// The hooks that make `mailseal server` serve the api and the share stores (startServer's
// ServerHooks): the HSM backend from --hsm, the CA over the api database, the api's signing keys, the
// key manager with its maintenance loop, and the route modules.
import { hasCode, jwkThumbprint, type P256PublicJwk } from "@mailseal/shared";
import { registerCaRoutes } from "./api/ca.js";
import { createCertLookup, registerCertRoutes } from "./api/certs.js";
import type { ApiDeps } from "./api/deps.js";
import { registerDeviceRoutes } from "./api/devices.js";
import { registerKeyRotationRoutes } from "./api/key-rotation.js";
import { registerEnrollmentRoutes } from "./api/enrollments.js";
import { registerKeyRoutes } from "./api/keys.js";
import { registerSessionRoutes } from "./api/sessions.js";
import { registerSigningCertificateRoutes } from "./api/signing-certificates.js";
import { loadApiSigningKeys, type ApiSigningKeys } from "./api/signing-keys.js";
import { CertificateAuthority } from "./ca/authority.js";
import { DbCaStore } from "./ca/db-store.js";
import { listenerUrl, type Role, type ServerConfig } from "./config.js";
import { openHsm, type HsmBackend } from "./hsm/backend.js";
import type { MailsealApp } from "./http/app.js";
import type { KeyManager } from "./kms/key-manager.js";
import { startMaintenance, type Maintenance } from "./kms/maintenance.js";
import { createKeyManager } from "./kms/manager.js";
import { createStoreClient, type StoreClient } from "./kms/store-client.js";
import type { ApiContext, ServerHooks } from "./main.js";
import { registerShareRoutes } from "./share/routes.js";
import { ticketKeyFromApi, ticketKeyFromJwk } from "./share/ticket-key.js";
import { roleDataDir } from "./layout.js";

/** What a key manager is built from. */
export interface KeyManagerDeps {
  ctx: ApiContext;
  hsm: HsmBackend;
  ca: CertificateAuthority;
  keys: ApiSigningKeys;
  /** The api's client of the two share stores. */
  stores: StoreClient;
}

export interface ServerHookOptions {
  /**
   * Builds the key manager of the api; default: the kms (kms/manager.ts). With `false`, enrolment
   * verifies the address and activates the device but creates no encryption key (tests of the api
   * alone, without share stores).
   */
  keyManager?: ((deps: KeyManagerDeps) => KeyManager) | false;
  /** How often the key manager's maintenance runs after the pass at start (default 5 minutes). */
  maintenanceIntervalMs?: number;
}

/** The kms: keys made in the HSM backend, split between the two stores, certified, rotated. */
function kmsKeyManager({ ctx, hsm, ca, stores }: KeyManagerDeps): KeyManager {
  return createKeyManager({
    db: ctx.db,
    hsm,
    ca,
    clock: ctx.clock,
    stores,
    config: {
      keyBits: ctx.config.keyBits,
      pendingStaleMs: ctx.config.pendingStaleMs,
      rotationLeadDays: ctx.config.rotationLeadDays,
    },
    logger: ctx.logger,
    mailer: ctx.mailer,
  });
}

/** The CA of the api; a node that lost the race to create it (DbCaStore) loads the winner's. */
async function openCa(ctx: ApiContext, hsm: HsmBackend): Promise<CertificateAuthority> {
  const options = {
    hsm,
    store: new DbCaStore(ctx.db),
    clock: ctx.clock,
    profile: ctx.config.profile,
    ...crlUrl(ctx.config),
  };
  // --roll-ca-root: the root rolled over first (docs/services.md, "The pinned root").
  const openOrRoll = async () => {
    if (!ctx.config.rollCaRoot) return CertificateAuthority.open(options);
    const ca = await CertificateAuthority.rollRoot(options);
    ctx.logger.warn({ event: "ca.root-rolled" }, "the CA root was rolled over (--roll-ca-root)");
    return ca;
  };
  try {
    return await openOrRoll();
  } catch (error) {
    if (!hasCode(error, "CA_STATE_INVALID")) throw error;
    return openOrRoll();
  }
}

/**
 * Where certificates say the CRL is (RFC 5280 4.2.1.13): the advertised api URL. ctx.urls is filled
 * only once the listeners are up, after the CA is opened, so it comes from --public-url or the
 * configured host and port; with --port 0 and no --public-url the port is unknown and private-profile
 * certificates go without a distribution point (public trust requires --public-url then).
 */
function crlUrl(config: ServerConfig): { crlUrl?: string; rootCrlUrl?: string } {
  const base = config.publicUrl ?? (config.ports.api === 0 ? undefined : listenerUrl(config.host, config.ports.api));
  return base === undefined ? {} : { crlUrl: `${base}/v1/ca/crl`, rootCrlUrl: `${base}/v1/ca/root-crl` };
}

/** Adds the api's routes (after the discovery document startServer serves). */
export function registerApiRoutes(app: MailsealApp, deps: ApiDeps): void {
  registerEnrollmentRoutes(app, deps);
  registerSessionRoutes(app, deps);
  registerDeviceRoutes(app, deps);
  registerKeyRotationRoutes(app, deps);
  registerSigningCertificateRoutes(app, deps);
  registerCertRoutes(app, deps);
  registerCaRoutes(app, deps);
}

/**
 * The hooks of `mailseal server`: opens the HSM backend of config.hsm for each role (soft: in the
 * role's own folder, DATA/<role>), when the role starts; registers the routes; closes the HSMs on stop.
 */
export function createServerHooks(config: ServerConfig, options: ServerHookOptions = {}): ServerHooks {
  // One backend per role: the soft HSM keeps each role's keys in that role's own folder (layout.ts).
  const backends = new Map<Role, Promise<HsmBackend>>();
  const openBackend = (role: Role) => {
    let backend = backends.get(role);
    if (backend === undefined) {
      backend = openHsm(config.hsm, { dataDir: roleDataDir(config.dataDir, role) });
      backends.set(role, backend);
    }
    return backend;
  };
  let maintenance: Maintenance | undefined;
  // Release tickets and service tokens verify under the api's ticket key: passed directly when this
  // process runs the api too (the stores register first, so it arrives once the api has loaded it),
  // else fetched from the api (--public-url) on first use.
  let resolveTicketJwk: ((jwk: P256PublicJwk) => void) | undefined;
  const ticketJwk = new Promise<P256PublicJwk>((resolve) => (resolveTicketJwk = resolve));
  const ticketKey = config.roles.includes("api") ? ticketKeyFromJwk(() => ticketJwk) : undefined;
  return {
    async registerShare(app, ctx) {
      const backend = await openBackend(ctx.role);
      await registerShareRoutes(app, ctx, {
        hsm: backend,
        // A store run apart fetches the key from the api and checks it against the pinned thumbprint
        // (--ticket-key-thumbprint; checkDeployment refuses a store without one unless --dev).
        ticketKey: ticketKey ?? ticketKeyFromApi(() => ctx.urls.api, fetch, { thumbprint: config.ticketKeyThumbprint }),
      });
    },
    async registerApi(app, ctx) {
      const backend = await openBackend("api");
      const ca = await openCa(ctx, backend);
      const keys = await loadApiSigningKeys(ctx.db, backend);
      resolveTicketJwk?.(keys.ticketPublicJwk as P256PublicJwk);
      // What a share store run apart pins (--ticket-key-thumbprint).
      ctx.logger.info(
        { ticketKeyThumbprint: await jwkThumbprint(keys.ticketPublicJwk as P256PublicJwk) },
        "ticket key",
      );
      const stores = createStoreClient({
        urls: () => ctx.urls,
        issuer: () => ctx.urls.api,
        ticketKey: keys.ticketKey.privateKey,
        clock: ctx.clock,
      });
      const build = options.keyManager === undefined ? kmsKeyManager : options.keyManager;
      const keyManager = build === false ? undefined : build({ ctx, hsm: backend, ca, keys, stores });
      const certs = createCertLookup(ctx, ca.chain);
      registerApiRoutes(app, { ctx, ca, keys, keyManager, certs });
      await registerKeyRoutes(app, ctx, { hsm: backend, signingKeys: keys, stores, certs });
      if (keyManager !== undefined) {
        // The first pass once every listener is up (ctx.urls final, a separate store can fetch the
        // ticket key from this api); stopped with the app, before the databases close.
        app.addHook("onListen", () => {
          setImmediate(() => (maintenance = startMaintenance(keyManager, ctx.logger, options.maintenanceIntervalMs)));
        });
        app.addHook("onClose", async () => maintenance?.stop());
      }
    },
    async onClose() {
      await maintenance?.stop();
      for (const backend of backends.values()) await (await backend.catch(() => undefined))?.close();
    },
  };
}
