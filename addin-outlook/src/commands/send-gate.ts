// The OnMessageSend handler (SendMode SoftBlock) and the compose toggles Encrypt and Sign. Outlook's
// own Send cannot write application/pkcs7-mime (DESIGN.md, "Clients"), so this handler only gates: it
// lets a message go when nothing asks for protection, and otherwise stops it and offers "Take
// Action" (the "Send securely" pane). It never lets a message go when it could not find out: a
// failure reading the item stops the send too, with the reason in plain words.
//
// Encrypt's default is decided here too, not only in the pane: an item whose Encrypt was never set
// (the person never opened the pane nor pressed the button) is encrypted when every recipient has a
// certificate in the directory (CerDB), as the pane would show it. So the gate looks the recipients
// up itself (one batched POST /v1/certs/lookup, which is anonymous, cached as shared's
// DirectoryCache does), at the service the deployment's config.json names.
//
// "Policy requires encryption" is the organisation's: `requireEncryption` in the add-in's deployed
// config.json, which whoever hosts the add-in writes (MAILSEAL_OUTLOOK_REQUIRE_ENCRYPTION at build
// time), not a per-user setting. The gateway's per-domain policy (server/src/gateway/policy.ts) is
// not read here: no route serves it, and this runtime has no device key or token to ask one with.
//
// It runs where Outlook runs event handlers: in classic Outlook on Windows a JavaScript-only runtime
// (one file, no imports, no DOM; WebAssembly, Workers and WebCrypto not promised; Microsoft's
// "Runtimes in Office Add-ins" promises it full CORS, and fetch or XMLHttpRequest for external data),
// elsewhere a browser runtime. So it is written for ES2016 with callbacks, and uses Office.js and
// fetch only. Where fetch is missing the lookup cannot be made and the send is stopped (the safe
// default: the person turns Encrypt off to send it as it is, or sends it securely).
import { addinSource } from "../../manifest/source.js";

/** Custom properties of the item being written (loadCustomPropertiesAsync): the toggles' state. */
export const PROPERTY = { encrypt: "mailsealEncrypt", sign: "mailsealSign" } as const;

/** The Take Action command: the compose button that opens the "Send securely" pane (manifest/source.ts). */
export const SEND_SECURELY_COMMAND = addinSource().compose.sendSecurely.id;
const SEND_SECURELY_LABEL = addinSource().compose.sendSecurely.label;

/** What a person reads when Send is stopped: why, and what to do next. */
export const SEND_WORDS = {
  encrypt:
    "This message is set to be encrypted, but Outlook's Send would send it unencrypted. Choose “Send securely” to encrypt and send it with mailseal, or turn Encrypt off to send it as it is.",
  encryptDefault:
    "Every recipient of this message can receive encrypted mail, so mailseal encrypts it, but Outlook's Send would send it unencrypted. Choose “Send securely” to encrypt and send it, or turn Encrypt off to send it as it is.",
  lookupFailed:
    "mailseal could not check whether the recipients can receive encrypted mail, so the message was not sent. Choose “Send securely”, or turn Encrypt off to send it as it is.",
  required:
    "Your organisation requires mail to be encrypted, but Outlook's Send would send this message unencrypted. Choose “Send securely” to encrypt and send it with mailseal.",
  sign: "This message is set to be signed, but Outlook's Send would send it without a signature. Choose “Send securely” to sign and send it with mailseal, or turn Sign off to send it as it is.",
  unknown:
    "mailseal could not find out whether this message must be encrypted, so it was not sent. Try Send again; if it keeps happening, choose “Send securely”.",
} as const;

/** What the toggles say after a press. */
export const TOGGLE_WORDS = {
  encryptOn: "Encrypt is on: send this message with “Send securely”.",
  encryptOff: "Encrypt is off: this message is sent as it is.",
  signOn: "Sign is on: send this message with “Send securely”.",
  signOff: "Sign is off.",
  failed: "mailseal could not change this setting. Try again.",
} as const;

const NOTICE_KEY = "mailsealState";

/** shared's DirectoryCache keeps a found certificate an hour, an address without one ten minutes. */
const FOUND_TTL_MS = 60 * 60 * 1000;
const NONE_TTL_MS = 10 * 60 * 1000;
/** config.json and the service's well-known answer are read again after this long. */
const CONFIG_TTL_MS = 10 * 60 * 1000;
/** POST /v1/certs/lookup takes at most this many addresses (shared's MAX_LOOKUP_ADDRESSES). */
const LOOKUP_BATCH = 100;
/** Outlook waits for the handler; a directory that does not answer must not hold Send for long. */
const REQUEST_TIMEOUT_MS = 15_000;

type Done<T> = (error: Error | undefined, value?: T) => void;

interface Json {
  [name: string]: unknown;
}

/** A JSON request with fetch, bounded in time where the runtime has setTimeout. */
function requestJson(method: "GET" | "POST", url: string, body: unknown, done: Done<Json>): void {
  if (typeof fetch !== "function") return done(new Error("this runtime has no fetch"));
  // The recipients' addresses go only over https, or plain http to this machine (as shared's
  // requireSecureUrl allows every URL of the service).
  if (!/^(https:\/\/|http:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d+)?\/)/i.test(url))
    return done(new Error(`${url} is neither https nor this machine`));
  let finished = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const finish: Done<Json> = (error, value) => {
    if (finished) return;
    finished = true;
    if (timer !== undefined) clearTimeout(timer);
    done(error, value);
  };
  if (typeof setTimeout === "function")
    timer = setTimeout(() => finish(new Error(`${url} did not answer in time`)), REQUEST_TIMEOUT_MS);
  const init: RequestInit =
    body === undefined
      ? { method, headers: { accept: "application/json" }, cache: "no-cache" }
      : {
          method,
          headers: { accept: "application/json", "content-type": "application/json" },
          body: JSON.stringify(body),
        };
  fetch(url, init).then(
    (response) => {
      if (!response.ok) return finish(new Error(`${url}: HTTP status ${response.status}`));
      response.json().then(
        (value: unknown) =>
          typeof value === "object" && value !== null
            ? finish(undefined, value as Json)
            : finish(new Error(`${url}: not a JSON object`)),
        (error: unknown) => finish(error instanceof Error ? error : new Error(String(error))),
      );
    },
    (error: unknown) => finish(error instanceof Error ? error : new Error(String(error))),
  );
}

/**
 * What the gate takes from the deployment's config.json (src/setup/config.ts): the service, and
 * whether the organisation requires every message to be encrypted (`requireEncryption`).
 */
interface Deployment {
  service: string;
  requireEncryption: boolean;
}

let deployment: { value: Deployment; until: number } | undefined;
let serviceApi: { service: string; api: string; until: number } | undefined;
const directory = new Map<string, { found: boolean; until: number }>();

function joinUrl(base: string, path: string): string {
  return base.replace(/\/+$/, "") + path;
}

function deploymentOf(configUrl: string, done: Done<Deployment>): void {
  if (deployment !== undefined && deployment.until > Date.now()) return done(undefined, deployment.value);
  requestJson("GET", configUrl, undefined, (error, file) => {
    if (error !== undefined || file === undefined) return done(error ?? new Error("config.json"));
    if (typeof file.service !== "string") return done(new Error("config.json names no service"));
    if (file.requireEncryption !== undefined && typeof file.requireEncryption !== "boolean")
      return done(new Error("config.json's requireEncryption is not true or false"));
    const value: Deployment = { service: file.service, requireEncryption: file.requireEncryption === true };
    deployment = { value, until: Date.now() + CONFIG_TTL_MS };
    done(undefined, value);
  });
}

/** The api of the service (its /.well-known/mailseal.json). */
function apiOf(service: string, done: Done<string>): void {
  if (serviceApi !== undefined && serviceApi.service === service && serviceApi.until > Date.now())
    return done(undefined, serviceApi.api);
  requestJson("GET", joinUrl(service, "/.well-known/mailseal.json"), undefined, (error, known) => {
    if (error !== undefined || known === undefined) return done(error ?? new Error("well-known"));
    if (typeof known.api !== "string") return done(new Error("the service names no api"));
    serviceApi = { service, api: known.api, until: Date.now() + CONFIG_TTL_MS };
    done(undefined, known.api);
  });
}

/** An address as the directory keys it: the domain in lower case (the local part is the domain's own). */
function addressKey(address: string): string {
  const text = address.trim();
  const at = text.lastIndexOf("@");
  return at < 0 ? text : `${text.slice(0, at)}@${text.slice(at + 1).toLowerCase()}`;
}

/** Whether every address has a certificate in the directory, asking only for those not cached. */
function everyoneHasCertificate(api: string, addresses: string[], done: Done<boolean>): void {
  const now = Date.now();
  const ask: string[] = [];
  for (const address of addresses) {
    const cached = directory.get(address);
    if (cached !== undefined && cached.until > now) {
      if (!cached.found) return done(undefined, false);
    } else ask.push(address);
  }
  if (ask.length === 0) return done(undefined, true);
  const batch = ask.slice(0, LOOKUP_BATCH);
  requestJson("POST", joinUrl(api, "/v1/certs/lookup"), { addresses: batch }, (error, answer) => {
    if (error !== undefined || answer === undefined) return done(error ?? new Error("lookup"));
    const certificates = answer.certificates;
    if (!Array.isArray(certificates)) return done(new Error("the directory's answer has no certificates"));
    const found = certificates.map((entry: { address?: unknown }) =>
      typeof entry?.address === "string" ? entry.address.toLowerCase() : "",
    );
    const at = Date.now();
    let all = true;
    for (const address of batch) {
      const has = found.indexOf(address.toLowerCase()) >= 0;
      directory.set(address, { found: has, until: at + (has ? FOUND_TTL_MS : NONE_TTL_MS) });
      if (!has) all = false;
    }
    if (!all) return done(undefined, false);
    // More than one batch: the rest, now that the first is cached.
    everyoneHasCertificate(api, addresses, done);
  });
}

/** To, Cc and Bcc of the item being written, each address once. */
function recipientsOf(item: Office.MessageItem, done: Done<string[]>): void {
  const fields = [item.to, item.cc, item.bcc];
  const addresses: string[] = [];
  let index = 0;
  const next = (): void => {
    if (index === fields.length) return done(undefined, addresses);
    const field = fields[index++];
    if (field === undefined) return done(new Error("the item has no recipient fields"));
    field.getAsync((result) => {
      if (result.status !== "succeeded" || !Array.isArray(result.value))
        return done(new Error("the recipients cannot be read"));
      for (const recipient of result.value) {
        const key = addressKey(recipient.emailAddress);
        if (addresses.indexOf(key) < 0) addresses.push(key);
      }
      next();
    });
  };
  next();
}

function stop(event: Office.AddinCommandEvent, words: string): void {
  event.completed({
    allowEvent: false,
    errorMessage: words,
    cancelLabel: SEND_SECURELY_LABEL,
    commandId: SEND_SECURELY_COMMAND,
  });
}

/**
 * Encrypt unset: on when every recipient has a certificate (the pane's default). Stops the send when
 * it is on; lets it go when a recipient has none (then Sign decides, unset meaning off here: a
 * signature alone does not stop Outlook's Send). When the directory cannot be asked, stops it.
 */
function decideDefault(
  event: Office.AddinCommandEvent,
  item: Office.MessageItem,
  service: string,
  sign: boolean,
): void {
  const unknown = () => stop(event, SEND_WORDS.lookupFailed);
  recipientsOf(item, (error, addresses) => {
    if (error !== undefined || addresses === undefined) return stop(event, SEND_WORDS.unknown);
    // Outlook itself refuses a message without recipients; nothing to encrypt to.
    if (addresses.length === 0) return sign ? stop(event, SEND_WORDS.sign) : event.completed({ allowEvent: true });
    apiOf(service, (failed, api) => {
      if (failed !== undefined || api === undefined) return unknown();
      everyoneHasCertificate(api, addresses, (lookupFailed, all) => {
        try {
          if (lookupFailed !== undefined || all === undefined) return unknown();
          if (all) return stop(event, SEND_WORDS.encryptDefault);
          if (sign) return stop(event, SEND_WORDS.sign);
          event.completed({ allowEvent: true });
        } catch {
          unknown();
        }
      });
    });
  });
}

/**
 * The OnMessageSend handler. `configUrl`: the deployment's config.json (the build puts the add-in's
 * base URL into commands.js: a JavaScript-only runtime has no document to resolve it against).
 */
export function createSendHandler(configUrl: string): (event: Office.AddinCommandEvent) => void {
  return (event) => {
    try {
      const item = Office.context.mailbox.item;
      if (item === null || item === undefined) return stop(event, SEND_WORDS.unknown);
      item.loadCustomPropertiesAsync((result) => {
        try {
          if (result.status !== "succeeded" || result.value === undefined || result.value === null)
            return stop(event, SEND_WORDS.unknown);
          const properties = result.value;
          const encrypt = properties.get(PROPERTY.encrypt);
          const sign = properties.get(PROPERTY.sign) === true;
          if (encrypt === true) return stop(event, SEND_WORDS.encrypt);
          // The organisation's policy: without it the gate cannot tell, and does not send.
          deploymentOf(configUrl, (error, found) => {
            try {
              if (error !== undefined || found === undefined) return stop(event, SEND_WORDS.unknown);
              if (found.requireEncryption) return stop(event, SEND_WORDS.required);
              if (encrypt !== false) return decideDefault(event, item, found.service, sign);
              if (sign) return stop(event, SEND_WORDS.sign);
              event.completed({ allowEvent: true });
            } catch {
              stop(event, SEND_WORDS.unknown);
            }
          });
        } catch {
          stop(event, SEND_WORDS.unknown);
        }
      });
    } catch {
      stop(event, SEND_WORDS.unknown);
    }
  };
}

function notify(
  item: Office.MessageItem,
  type: "informationalMessage" | "errorMessage",
  message: string,
  done: () => void,
): void {
  const details: Office.NotificationMessageDetails =
    type === "informationalMessage" ? { type, message, icon: "Icon.16", persistent: false } : { type, message };
  item.notificationMessages.replaceAsync(NOTICE_KEY, details, () => done());
}

function toggle(event: Office.AddinCommandEvent, name: string, on: string, off: string): void {
  const item = Office.context.mailbox.item;
  if (item === null || item === undefined) return event.completed();
  const failed = () => notify(item, "errorMessage", TOGGLE_WORDS.failed, () => event.completed());
  try {
    item.loadCustomPropertiesAsync((result) => {
      if (result.status !== "succeeded") return failed();
      const properties = result.value;
      const next = properties.get(name) !== true;
      properties.set(name, next);
      properties.saveAsync((saved) => {
        if (saved.status !== "succeeded") return failed();
        notify(item, "informationalMessage", next ? on : off, () => event.completed());
      });
    });
  } catch {
    failed();
  }
}

export function toggleEncrypt(event: Office.AddinCommandEvent): void {
  toggle(event, PROPERTY.encrypt, TOGGLE_WORDS.encryptOn, TOGGLE_WORDS.encryptOff);
}

export function toggleSign(event: Office.AddinCommandEvent): void {
  toggle(event, PROPERTY.sign, TOGGLE_WORDS.signOn, TOGGLE_WORDS.signOff);
}
