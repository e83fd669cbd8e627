// The deployment's settings of the panes (and of the send handler, src/commands/send-gate.ts), in
// `config.json` beside the pages: whoever hosts the add-in writes it (scripts/build.ts writes one
// from MAILSEAL_OUTLOOK_SERVICE, MAILSEAL_OUTLOOK_CLIENT_ID, MAILSEAL_OUTLOOK_GRAPH and
// MAILSEAL_OUTLOOK_REQUIRE_ENCRYPTION). A file on the add-in's own origin, not Office's roaming
// settings: those are each user's, and the service, the sign-in and the policy are the organisation's.
import { MailsealError } from "@mailseal/shared";
import { GRAPH_V1 } from "../graph/graph-client.js";

export interface SetupConfig {
  /** The mailseal service used unless the address's domain publishes its own (discoverService). */
  service: string;
  /**
   * Nested app authentication: the add-in's application (client) id at Entra ID; its ID token is
   * the proof of the address the api is configured for (--oidc-issuer ... audience=<clientId>).
   * Absent: no token is tried, the challenge mail proves the address, and the panes have no access
   * to Microsoft Graph (no "Send securely", no $value fallback, no challenge mail found by itself).
   */
  naa?: { clientId: string; authority?: string };
  /** The Microsoft Graph root (a national cloud's, ...): `graph` in config.json, GRAPH_V1 when absent. */
  graph: string;
  /**
   * The organisation requires every message to be encrypted: the send gate then stops every
   * plaintext send (src/commands/send-gate.ts reads the same file). Absent: false.
   */
  requireEncryption: boolean;
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
  if (config.graph !== undefined && (typeof config.graph !== "string" || !/^https?:\/\//.test(config.graph))) {
    throw new MailsealError("BAD_RESPONSE", "the add-in's config.json names no usable Graph root");
  }
  if (config.requireEncryption !== undefined && typeof config.requireEncryption !== "boolean") {
    throw new MailsealError(
      "BAD_RESPONSE",
      "the add-in's config.json has a requireEncryption that is not true or false",
    );
  }
  const naa = config.naa;
  return {
    service: config.service,
    graph: config.graph ?? GRAPH_V1,
    requireEncryption: config.requireEncryption === true,
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
