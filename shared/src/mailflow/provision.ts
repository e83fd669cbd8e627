// Setting up a device for an address (docs/services.md, "Client flows"): the device key, an
// enrollment whose challenge mail (after RFC 8823) proves control of the mailbox, the keys, and a
// signing certificate. Every step saves the state, so an interrupted provisioning resumes where it
// stopped (the same challenge while it lives, the keys already released, ...).
import { hasCode, isMailsealError, MailsealError } from "../errors/index.js";
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

/**
 * Where a device gets an OpenID Connect token that proves the address (docs/services.md, "Address
 * proof by token"): Outlook's nested app authentication. Tried first when given; the mailbox or the
 * typed code when it has none or the api refuses it.
 */
export interface AddressTokenSource {
  /**
   * A token (ID or access token) for `address`, or undefined when this host cannot get one (no
   * nested app authentication, the organisation did not allow it, the person closed the sign-in).
   */
  token(address: string): Promise<string | undefined>;
  /**
   * Told why the token route did not set the device up (the api's refusal, a token that could not
   * be had), just before the flow falls back to the challenge mail: a host shows it in plain words.
   */
  refused?(error: MailsealError): void;
}

/** The api's answers to a token that mean "prove the address another way". */
const TOKEN_REFUSED = [
  "PROOF_TOKEN_INVALID",
  "PROOF_TOKEN_EXPIRED",
  "PROOF_TOKEN_ISSUER",
  "PROOF_TOKEN_ADDRESS",
  "PROOF_ISSUER_UNAVAILABLE",
] as const;

export interface ProvisionOptions {
  address: string;
  deviceName: string;
  /** The configured service (its base URL), used unless the domain publishes its own. */
  server: string;
  /** The proof by token, tried first: then no challenge is asked for at all. */
  tokenSource?: AddressTokenSource;
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

/** The device id from the proof by token, or undefined (told to `source.refused`) to fall back. */
async function enrolWithToken(
  client: ServiceClient,
  state: DeviceState,
  source: AddressTokenSource,
): Promise<string | undefined> {
  let token: string | undefined;
  try {
    token = await source.token(state.address);
  } catch (error) {
    // Getting a token is the host's business (a sign-in library); its failure only means "no token".
    source.refused?.(
      isMailsealError(error)
        ? error
        : new MailsealError("PROOF_TOKEN_INVALID", `no sign-in token could be had: ${String(error)}`, { cause: error }),
    );
    return undefined;
  }
  if (token === undefined) return undefined;
  try {
    return (await client.enrollWithToken(state.address, state.deviceName, token)).deviceId;
  } catch (error) {
    if (!hasCode(error, ...TOKEN_REFUSED)) throw error;
    source.refused?.(error);
    return undefined;
  }
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
  const liveChallenge =
    state.enrollment !== undefined && Date.parse(state.enrollment.expiresAt) > host.clock.now().getTime();
  if (state.deviceId === undefined && options.tokenSource !== undefined && !liveChallenge) {
    // The token first (no mail, no typing); a challenge still live (its mail sent) is answered instead.
    const deviceId = await enrolWithToken(client, state, options.tokenSource);
    if (deviceId !== undefined) {
      state = { ...state, deviceId };
      await host.store.save(state);
    }
  }
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
