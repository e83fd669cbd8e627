// Where the panes' Microsoft Graph access comes from (sending from the compose pane, the read
// pane's $value fallback). Signing in to Microsoft 365 for a Graph token (nested app authentication)
// belongs with setting an address up in Outlook, a later step of issue 13; until then the panes take
// what their host page puts in `globalThis.mailsealGraph` before a pane's script runs (the tests do:
// the Graph double's root and a token), and with nothing there they say they cannot reach the
// mailbox (MAIL_SERVICE_DENIED).
import { MailsealError } from "@mailseal/shared";
import { GRAPH_V1, type TokenSource } from "./graph-client.js";

export interface GraphAccess {
  base: string;
  token: TokenSource;
}

export function graphAccess(): GraphAccess {
  const given = (globalThis as { mailsealGraph?: { base?: unknown; token?: unknown } }).mailsealGraph;
  const token = given?.token;
  if (typeof token !== "string" && typeof token !== "function") {
    throw new MailsealError(
      "MAIL_SERVICE_DENIED",
      "no Microsoft Graph token: this Outlook is not signed in for mailseal",
    );
  }
  return {
    base: typeof given?.base === "string" ? given.base : GRAPH_V1,
    token: typeof token === "function" ? (token as TokenSource) : () => Promise.resolve(token),
  };
}
