// The hooks that make `mailseal server` serve the api (startServer's ServerHooks): the HSM backend
// from --hsm, the CA over the api database, the api's signing keys, and the route modules.
import { registerCaRoutes } from "./api/ca.js";
import { createCertLookup, registerCertRoutes } from "./api/certs.js";
import type { ApiDeps } from "./api/deps.js";
import { registerDeviceRoutes } from "./api/devices.js";
import { registerEnrollmentRoutes } from "./api/enrollments.js";
import { registerSessionRoutes } from "./api/sessions.js";
import { registerSigningCertificateRoutes } from "./api/signing-certificates.js";
import { loadApiSigningKeys, type ApiSigningKeys } from "./api/signing-keys.js";
import { CertificateAuthority } from "./ca/authority.js";
import { DbCaStore } from "./ca/db-store.js";
import { CaError } from "./ca/errors.js";
import { listenerUrl, type ServerConfig } from "./config.js";
import { openHsm, type HsmBackend } from "./hsm/backend.js";
import type { MailsealApp } from "./http/app.js";
import type { KeyManager } from "./kms/key-manager.js";
import type { ApiContext, ServerHooks } from "./main.js";

/** What a key manager is built from. */
export interface KeyManagerDeps {
  ctx: ApiContext;
  hsm: HsmBackend;
  ca: CertificateAuthority;
  keys: ApiSigningKeys;
}

export interface ServerHookOptions {
  /**
   * Builds the key manager of the api. Without one, enrolment verifies the address and activates
   * the device but creates no encryption key: the kms wires its KeyManager here.
   */
  keyManager?: (deps: KeyManagerDeps) => KeyManager;
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
  try {
    return await CertificateAuthority.open(options);
  } catch (error) {
    if (!(error instanceof CaError) || error.code !== "CA_STATE_INVALID") throw error;
    return CertificateAuthority.open(options);
  }
}

/**
 * Where certificates say the CRL is (RFC 5280 4.2.1.13): the advertised api URL. ctx.urls is filled
 * only once the listeners are up, after the CA is opened, so it comes from --public-url or the
 * configured host and port; with --port 0 and no --public-url the port is unknown and private-profile
 * certificates go without a distribution point (public trust requires --public-url then).
 */
function crlUrl(config: ServerConfig): { crlUrl?: string } {
  if (config.publicUrl !== undefined) return { crlUrl: `${config.publicUrl}/v1/ca/crl` };
  if (config.ports.api === 0) return {};
  return { crlUrl: `${listenerUrl(config.host, config.ports.api)}/v1/ca/crl` };
}

/** Adds the api's routes (after the discovery document startServer serves). */
export function registerApiRoutes(app: MailsealApp, deps: ApiDeps): void {
  registerEnrollmentRoutes(app, deps);
  registerSessionRoutes(app, deps);
  registerDeviceRoutes(app, deps);
  registerSigningCertificateRoutes(app, deps);
  registerCertRoutes(app, deps);
  registerCaRoutes(app, deps);
}

/**
 * The hooks of `mailseal server`: opens the HSM backend of config.hsm (soft: under config.dataDir)
 * once, when the first role needs it; registers the api's routes; closes the HSM on stop.
 */
export function createServerHooks(config: ServerConfig, options: ServerHookOptions = {}): ServerHooks {
  let hsm: Promise<HsmBackend> | undefined;
  const openBackend = () => (hsm ??= openHsm(config.hsm, { dataDir: config.dataDir }));
  return {
    async registerApi(app, ctx) {
      const backend = await openBackend();
      const ca = await openCa(ctx, backend);
      const keys = await loadApiSigningKeys(ctx.db, backend);
      const keyManager = options.keyManager?.({ ctx, hsm: backend, ca, keys });
      registerApiRoutes(app, { ctx, ca, keys, keyManager, certs: createCertLookup(ctx, ca) });
    },
    async onClose() {
      if (hsm !== undefined) await (await hsm.catch(() => undefined))?.close();
    },
  };
}
