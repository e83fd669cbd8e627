// Setting up a device for an address (docs/services.md, "Client flows"): the device key, an
// enrollment whose challenge mail (after RFC 8823) proves control of the mailbox, the keys, and a
// signing certificate. Every step saves the state, so an interrupted provisioning resumes where it
// stopped (the same challenge while it lives, the keys already released, ...).
import { hasCode, MailsealError } from "../errors/index.js";
import { discoverService } from "./discovery.js";
import { refreshKeys } from "./keys.js";
import type { Host } from "./account.js";
import { passwordUnlock, type PasswordSource } from "./protection.js";
import { renewSigningCertificate } from "./renew.js";
import { ServiceClient } from "./service-client.js";
import { normalizeAccountAddress, STATE_VERSION, type DeviceState } from "./state.js";

/** Where a device finds the challenge mail the api sent: the inbox for an add-in, a folder for the CLI. */
export interface ChallengeMailbox {
  /**
   * Waits (polling, up to the mailbox's timeout) for a challenge mail whose marker has `challengeId`
   * and names `api`, and resolves its token; undefined when none came. Anyone can send a mail that
   * looks like a challenge: both must match.
   */
  findChallenge(challengeId: string, api: string): Promise<string | undefined>;
  /**
   * Called once the api took the answer to `challengeId`: the mail served its purpose, and a host
   * that can (the add-in's inbox) marks it read and moves it to Trash so it does not stay as unread
   * mail. Optional; a failure here never fails the setup (the flow ignores it).
   */
  consumed?(challengeId: string): Promise<void>;
}

export interface ProvisionOptions {
  address: string;
  deviceName: string;
  /** The configured service (its base URL), used unless the domain publishes its own. */
  server: string;
  mailbox?: ChallengeMailbox;
  /** The typed short code, when there is no mailbox: asked after the challenge was sent. */
  code?: () => Promise<string | undefined>;
  /** The key-protection password, asked only when the account's keys are protected. */
  password?: PasswordSource;
}

/** A CryptoKeyPair for device proofs, non-extractable when the store can keep CryptoKeys as they are. */
async function newDeviceKey(extractable: boolean): Promise<CryptoKeyPair> {
  return globalThis.crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, extractable, ["sign", "verify"]);
}

const RESTARTABLE = ["CHALLENGE_EXPIRED", "CHALLENGE_USED", "CHALLENGE_INVALID", "NOT_FOUND"] as const;

async function answerChallenge(
  client: ServiceClient,
  state: DeviceState,
  enrollment: { challengeId: string },
  options: Pick<ProvisionOptions, "mailbox" | "code">,
): Promise<string> {
  if (options.mailbox !== undefined) {
    const token = await options.mailbox.findChallenge(enrollment.challengeId, state.service.api);
    if (token === undefined) {
      throw new MailsealError(
        "CHALLENGE_NOT_FOUND",
        `the challenge mail for ${state.address} (challenge ${enrollment.challengeId}) did not arrive in time`,
      );
    }
    const { deviceId } = await client.answerEnrollment(enrollment.challengeId, { token });
    try {
      await options.mailbox.consumed?.(enrollment.challengeId);
    } catch {
      // Tidying the inbox is a courtesy: the device is set up whether or not it works.
    }
    return deviceId;
  }
  const code = options.code === undefined ? undefined : await options.code();
  if (code === undefined || code.trim() === "") {
    throw new MailsealError(
      "CODE_REQUIRED",
      `a confirmation code was mailed to ${state.address}: run again with the code from that mail`,
    );
  }
  return (await client.answerEnrollment(enrollment.challengeId, { code: code.trim() })).deviceId;
}

/**
 * A new challenge round for a device already active (the same device key): proves control of the
 * address again, as the api asks before a first key-protection password (ADDRESS_PROOF_REQUIRED).
 */
export async function proveAddress(
  client: ServiceClient,
  state: DeviceState,
  options: Pick<ProvisionOptions, "mailbox" | "code">,
): Promise<void> {
  const enrollment = await client.startEnrollment(state.address, state.deviceName);
  const deviceId = await answerChallenge(client, state, enrollment, options);
  if (deviceId !== state.deviceId) {
    throw new MailsealError(
      "BAD_RESPONSE",
      `the challenge was answered for device ${deviceId}, not ${String(state.deviceId)}`,
    );
  }
}

/**
 * Provisions (or finishes provisioning) `options.address` on this device and returns the saved
 * state. A device already active just has its keys refreshed and its signing certificate renewed
 * when due.
 */
export async function provision(host: Host, options: ProvisionOptions): Promise<DeviceState> {
  const address = normalizeAccountAddress(options.address);
  let state = await host.store.load(address);
  if (state === undefined) {
    const service = await discoverService(address, { fetch: host.fetch, fallback: options.server });
    state = {
      version: STATE_VERSION,
      address,
      deviceName: options.deviceName,
      service: { api: service.api, shareStores: service.shareStores },
      keys: [],
    };
    await host.store.save(state);
  }
  let deviceKey = await host.store.loadDeviceKey(address);
  if (deviceKey === undefined) {
    deviceKey = await newDeviceKey(!host.store.keepsCryptoKeys);
    await host.store.saveDeviceKey(address, deviceKey);
  }
  const client = new ServiceClient({
    fetch: host.fetch,
    clock: host.clock,
    endpoints: state.service,
    deviceKey,
    ...(state.deviceId === undefined ? {} : { deviceId: state.deviceId }),
  });
  if (state.deviceId === undefined) {
    // A saved challenge is reused while it lives: its mail may be on its way or already typed.
    let resumed = state.enrollment !== undefined && Date.parse(state.enrollment.expiresAt) > host.clock.now().getTime();
    for (;;) {
      if (!resumed || state.enrollment === undefined) {
        const enrollment = await client.startEnrollment(address, state.deviceName);
        state = { ...state, enrollment };
        await host.store.save(state);
      }
      try {
        const deviceId = await answerChallenge(client, state, state.enrollment!, options);
        state = { ...state, deviceId };
        delete state.enrollment; // answered: a rerun must not resume it
        await host.store.save(state);
        break;
      } catch (error) {
        // A resumed challenge the api no longer takes: start a fresh one, once.
        if (resumed && hasCode(error, ...RESTARTABLE)) {
          resumed = false;
          continue;
        }
        throw error;
      }
    }
  }
  state = await refreshKeys(
    client,
    host.store,
    state,
    options.password === undefined ? {} : { unlock: passwordUnlock(client, options.password) },
  );
  return renewSigningCertificate(client, host.store, state, host.clock);
}
