// Enhanced protection, the client side of OPAQUE (RFC 9807, @serenity-kit/opaque): the password
// never leaves the device; the api keeps a registration record and learns nothing that would let
// it test passwords offline. The export key (RFC 9807 6.4.4), the same at registration and at every
// login with the same password, keys the wrapping of the PKCS#8s (protection.ts in protocol).
import * as opaque from "@serenity-kit/opaque";
import { hasCode, MailsealError } from "../errors/index.js";
import type { LoginStartResponse } from "../api/protection.js";
import { decodeBase64url } from "../protocol/base64url.js";
import { refreshKeys, wrapUnprotected } from "./keys.js";
import type { ServiceClient } from "./service-client.js";
import { uploadShares } from "./shares.js";
import type { DeviceState, StateStore } from "./state.js";

export interface ProtectionLogin {
  /** The api's protection session (5 minutes, bound to this device). */
  session: string;
  /** The raw OPAQUE export key. */
  exportKey: Uint8Array;
}

/** A password source: resolves to undefined when none was given (and, if `required`, none can be asked for). */
export type PasswordSource = (required: boolean) => Promise<string | undefined>;

function exportKeyBytes(exportKey: string): Uint8Array {
  // @serenity-kit/opaque gives keys as unpadded base64url.
  return decodeBase64url(exportKey, "OPAQUE export key");
}

/** OPAQUE login: PASSWORD_WRONG when the password does not open the record (or none is registered). */
export async function loginProtection(client: ServiceClient, password: string): Promise<ProtectionLogin> {
  await opaque.ready;
  const { clientLoginState, startLoginRequest } = opaque.client.startLogin({ password });
  let started: LoginStartResponse;
  try {
    started = await client.protectionLoginStart(startLoginRequest);
  } catch (error) {
    if (hasCode(error, "PROTECTION_NOT_SET")) {
      throw new MailsealError("PASSWORD_WRONG", "enhanced protection is not turned on for this account", {
        cause: error,
      });
    }
    throw error;
  }
  // A wrong password makes finishLogin return undefined (the server's answer does not open).
  const finished = opaque.client.finishLogin({ clientLoginState, loginResponse: started.loginResponse, password });
  if (finished === undefined) throw new MailsealError("PASSWORD_WRONG", "the key-protection password is wrong");
  const { protectionSession } = await client.protectionLoginFinish(started.loginId, finished.finishLoginRequest);
  return { session: protectionSession, exportKey: exportKeyBytes(finished.exportKey) };
}

/** What refreshKeys calls to unlock protected keys: asks `password` and logs in. */
export function passwordUnlock(
  client: ServiceClient,
  password: PasswordSource,
): (required: boolean) => Promise<ProtectionLogin | undefined> {
  return async (required) => {
    const given = await password(required);
    return given === undefined ? undefined : loginProtection(client, given);
  };
}

export interface EnableProtectionOptions {
  /**
   * Proves control of the address again (a new challenge round: proveAddress in provision.ts),
   * called when the api asks for a fresh proof before a first password (ADDRESS_PROOF_REQUIRED:
   * the device's last answered challenge is older than 10 minutes). Without it that error stands.
   */
  proveAddress?: () => Promise<void>;
}

/**
 * Turns enhanced protection on: every key is brought to this device first (unprotected keys need
 * no password), the password is registered, and each key is wrapped and its shares replaced. When
 * the account is protected already, this is a login with that password that wraps what a rotation
 * left unwrapped: registering again would orphan the keys wrapped under the old export key.
 */
export async function enableProtection(
  client: ServiceClient,
  store: StateStore,
  state: DeviceState,
  password: string,
  options: EnableProtectionOptions = {},
): Promise<DeviceState> {
  await opaque.ready;
  // Any key other than "none" (wrapped, or waiting for a wrap) means a password is set already.
  const isProtected = (keys: DeviceState["keys"]) => keys.some((k) => k.protection !== "none");
  if (isProtected(state.keys)) {
    return refreshKeys(client, store, state, { login: await loginProtection(client, password) });
  }
  // Protected meanwhile by another device: the refresh logs in when a key needs it (and then wraps
  // what waits), else a login checks the password and wraps what waits.
  let unlocked: ProtectionLogin | undefined;
  const unlock = async () => (unlocked = await loginProtection(client, password));
  let current = await refreshKeys(client, store, state, { unlock });
  if (isProtected(current.keys)) {
    if (unlocked !== undefined) return current;
    return refreshKeys(client, store, current, { login: await loginProtection(client, password) });
  }
  const { clientRegistrationState, registrationRequest } = opaque.client.startRegistration({ password });
  let registrationResponse: string;
  try {
    registrationResponse = await client.protectionRegistrationStart(registrationRequest);
  } catch (error) {
    if (!hasCode(error, "ADDRESS_PROOF_REQUIRED") || options.proveAddress === undefined) {
      throw error;
    }
    await options.proveAddress();
    registrationResponse = await client.protectionRegistrationStart(registrationRequest);
  }
  const { registrationRecord } = opaque.client.finishRegistration({
    clientRegistrationState,
    registrationResponse,
    password,
  });
  await client.protectionRegistrationFinish(registrationRecord);
  // The shares are replaced under a protection session: one login (same export key as registration).
  const login = await loginProtection(client, password);
  current = await wrapUnprotected(client, store, current, login);
  return current;
}

/**
 * Turns enhanced protection off: logs in (the password proves the user, not just the device),
 * brings every key here, uploads each protected key's PKCS#8 as plain shares again, then removes
 * the registration record.
 */
export async function disableProtection(
  client: ServiceClient,
  store: StateStore,
  state: DeviceState,
  password: string,
): Promise<DeviceState> {
  const login = await loginProtection(client, password);
  let current = await refreshKeys(client, store, state, { login });
  for (const key of current.keys) {
    if (key.protection !== "opaque" || key.pkcs8 === undefined) continue;
    const pkcs8 = decodeBase64url(key.pkcs8, "pkcs8");
    const commitment = await uploadShares(client, state.address, key.keyId, pkcs8, "none", login.session);
    current = {
      ...current,
      keys: current.keys.map((k) => (k.keyId === key.keyId ? { ...k, protection: "none", commitment } : k)),
    };
    await store.save(current);
  }
  await client.removeProtection(login.session);
  return current;
}
