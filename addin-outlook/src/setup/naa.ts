// Outlook's nested app authentication (NAA, requirement set NestedAppAuth 1.1): MSAL's nestable
// public client (`@azure/msal-browser` 5.31.0, createNestablePublicClientApplication) asks Outlook
// itself for tokens of the signed-in user, so there is no sign-in page and no typing when the
// organisation allows the add-in. Two kinds of token:
// - the proof of the address: the ID token (audience: the add-in's client id; `preferred_username`,
//   the user's sign-in address) goes to the api, configured to trust the tenant's issuer
//   (docs/services.md, "Address proof by token");
// - Microsoft Graph access tokens, each asked for the delegated permissions one request needs
//   (src/graph/graph-client.ts: Mail.Send to send, Mail.ReadWrite for a draft and its upload
//   session, Mail.Read for $value and the search of the challenge mail).
// Each is asked silently first; when Outlook answers that consent or a sign-in is needed
// (InteractionRequiredAuthError), once with its own prompt (acquireTokenPopup).
//
// MSAL is loaded only when the host supports NAA and the deployment names a client id, so the pane
// does not carry it otherwise. Nothing here can run outside real Outlook: the tests give the panes
// token source doubles instead (test/browser/*-page-entry.ts); the manual matrix covers this.
import type { IPublicClientApplication, PopupRequest, SilentRequest } from "@azure/msal-browser";
import { MailsealError, type AddressTokenSource, type ErrorCode } from "@mailseal/shared";
import type { TokenSource } from "../graph/graph-client.js";
import type { SetupConfig } from "./config.js";

/** The scopes of the ID token: who the user is and their address (OpenID Connect Core 1.0 5.4). */
const ID_SCOPES = ["openid", "profile", "email"];

type Naa = NonNullable<SetupConfig["naa"]>;

/** One nestable client per page and client id (MSAL keeps its token cache in it). */
let client: { clientId: string; ready: Promise<IPublicClientApplication> } | undefined;

/** Whether this host and deployment have nested app authentication: the deployment's settings, or undefined. */
function naaOf(config: SetupConfig): Naa | undefined {
  if (config.naa === undefined) return undefined;
  if (Office.context.requirements?.isSetSupported("NestedAppAuth", "1.1") !== true) return undefined;
  return config.naa;
}

/** MSAL (loaded now) and the page's nestable client for `naa`. */
async function naaClient(naa: Naa) {
  const msal = await import("@azure/msal-browser");
  if (client?.clientId !== naa.clientId) {
    const ready = msal.createNestablePublicClientApplication({
      auth: { clientId: naa.clientId, authority: naa.authority ?? "https://login.microsoftonline.com/common" },
    });
    client = { clientId: naa.clientId, ready };
    ready.catch(() => (client = undefined));
  }
  return { msal, app: await client.ready };
}

/**
 * A token for `request`: silently, else with Outlook's prompt when interaction is needed. Every
 * failure (the organisation did not allow it, the person closed the prompt) is a MailsealError with
 * `code`.
 */
async function acquire(naa: Naa, request: SilentRequest & PopupRequest, code: ErrorCode, what: string) {
  const fail = (error: unknown) =>
    new MailsealError(code, `Outlook gave no ${what}: ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
    });
  let loaded: Awaited<ReturnType<typeof naaClient>>;
  try {
    loaded = await naaClient(naa);
  } catch (error) {
    throw fail(error);
  }
  const { msal, app } = loaded;
  try {
    return await app.acquireTokenSilent(request);
  } catch (error) {
    // Consent or a sign-in is needed once: Outlook shows its own prompt (the popup of NAA).
    if (!(error instanceof msal.InteractionRequiredAuthError)) throw fail(error);
  }
  try {
    return await app.acquireTokenPopup(request);
  } catch (error) {
    throw fail(error);
  }
}

/** The proof of the address by nested app authentication, or undefined where the host or deployment has none. */
export function naaTokenSource(config: SetupConfig): AddressTokenSource | undefined {
  const naa = naaOf(config);
  if (naa === undefined) return undefined;
  return {
    async token(address) {
      const result = await acquire(
        naa,
        { scopes: ID_SCOPES, loginHint: address },
        "PROOF_TOKEN_INVALID",
        "sign-in token",
      );
      return result.idToken;
    },
  };
}

/**
 * Microsoft Graph access tokens of the mailbox's user by nested app authentication, or undefined
 * where the host or deployment has none (the panes then say they cannot reach the mailbox).
 */
export function naaGraphTokens(config: SetupConfig, address: string): TokenSource | undefined {
  const naa = naaOf(config);
  if (naa === undefined) return undefined;
  return async (scopes) => {
    const result = await acquire(
      naa,
      { scopes: [...scopes], ...(address === "" ? {} : { loginHint: address }) },
      "MAIL_SERVICE_DENIED",
      "access to the mailbox (Microsoft Graph)",
    );
    return result.accessToken;
  };
}
