// The proof of the address by Outlook's nested app authentication (NAA, requirement set
// NestedAppAuth 1.1): MSAL's nestable public client (`@azure/msal-browser` 5.31.0,
// createNestablePublicClientApplication) asks Outlook itself for a token of the signed-in user, so
// there is no sign-in page and no typing when the organisation allows the add-in. Its ID token
// (audience: the add-in's client id; `preferred_username`, the user's sign-in address) goes to the
// api, configured to trust the tenant's issuer (docs/services.md, "Address proof by token").
//
// MSAL is loaded only when the host supports NAA and the deployment names a client id, so the pane
// does not carry it otherwise. Nothing here can run outside real Outlook: the tests give the setup
// a token source double instead (test/browser/setup-page-entry.ts); the manual matrix covers this.
import { MailsealError, type AddressTokenSource } from "@mailseal/shared";
import type { SetupConfig } from "./config.js";

/** The scopes of the ID token: who the user is and their address (OpenID Connect Core 1.0 5.4). */
const SCOPES = ["openid", "profile", "email"];

/** The token source of nested app authentication, or undefined where the host or deployment has none. */
export function naaTokenSource(config: SetupConfig): AddressTokenSource | undefined {
  const naa = config.naa;
  if (naa === undefined) return undefined;
  if (Office.context.requirements?.isSetSupported("NestedAppAuth", "1.1") !== true) return undefined;
  return {
    async token(address) {
      const msal = await import("@azure/msal-browser");
      const client = await msal.createNestablePublicClientApplication({
        auth: { clientId: naa.clientId, authority: naa.authority ?? "https://login.microsoftonline.com/common" },
      });
      const request = { scopes: SCOPES, loginHint: address };
      try {
        return (await client.acquireTokenSilent(request)).idToken;
      } catch (error) {
        // Consent or a sign-in is needed once: Outlook shows its own prompt (the popup of NAA).
        if (!(error instanceof msal.InteractionRequiredAuthError)) throw asMailsealError(error);
      }
      try {
        return (await client.acquireTokenPopup(request)).idToken;
      } catch (error) {
        throw asMailsealError(error);
      }
    },
  };
}

/** MSAL's failures (the organisation did not allow it, the person closed the prompt) as "no token". */
function asMailsealError(error: unknown): MailsealError {
  return new MailsealError(
    "PROOF_TOKEN_INVALID",
    `Outlook gave no sign-in token: ${error instanceof Error ? error.message : String(error)}`,
    { cause: error },
  );
}
