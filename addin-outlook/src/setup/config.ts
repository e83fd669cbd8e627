// The deployment's settings of the setup, in `config.json` beside the pages: whoever hosts the
// add-in writes it (scripts/build.ts writes one from MAILSEAL_OUTLOOK_SERVICE and
// MAILSEAL_OUTLOOK_CLIENT_ID). A file on the add-in's own origin, not Office's roaming settings:
// those are each user's, and the service and the sign-in are the organisation's choice.
import { MailsealError } from "@mailseal/shared";

export interface SetupConfig {
  /** The mailseal service used unless the address's domain publishes its own (discoverService). */
  service: string;
  /**
   * Nested app authentication: the add-in's application (client) id at Entra ID; its ID token is
   * the proof of the address the api is configured for (--oidc-issuer ... audience=<clientId>).
   * Absent: no token is tried, the challenge mail proves the address.
   */
  naa?: { clientId: string; authority?: string };
}

export async function loadSetupConfig(base: string | URL = document.baseURI): Promise<SetupConfig> {
  let value: unknown;
  try {
    const response = await fetch(new URL("config.json", base), { cache: "no-cache" });
    if (!response.ok) throw new Error(`HTTP status ${response.status}`);
    value = await response.json();
  } catch (error) {
    throw new MailsealError("SERVICE_UNAVAILABLE", "the add-in's config.json cannot be read", { cause: error });
  }
  const config = value as Partial<SetupConfig> | null;
  if (typeof config?.service !== "string") {
    throw new MailsealError("BAD_RESPONSE", "the add-in's config.json names no service");
  }
  const naa = config.naa;
  return {
    service: config.service,
    ...(typeof naa?.clientId === "string" && naa.clientId !== ""
      ? {
          naa: {
            clientId: naa.clientId,
            ...(typeof naa.authority === "string" ? { authority: naa.authority } : {}),
          },
        }
      : {}),
  };
}
