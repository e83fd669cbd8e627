// Where the panes' Microsoft Graph access comes from (sending from the compose pane, the read pane's
// $value fallback, the setup's challenge mail): the Graph root the deployment names (config.json
// `graph`, GRAPH_V1 by default) and the access tokens the page's token source gives. In Outlook that
// source is nested app authentication (src/setup/naa.ts, naaGraphTokens), which exists only where
// the host supports NestedAppAuth 1.1 and config.json names the add-in's client id; the tests give
// a token source double at the page's entry instead (test/browser/*-page-entry.ts). Without a
// source the panes say in plain words that they cannot reach the mailbox (MAIL_SERVICE_DENIED).
import { MailsealError } from "@mailseal/shared";
import type { SetupConfig } from "../setup/config.js";
import { GraphClient, type TokenSource } from "./graph-client.js";

/** How a page gets Graph tokens for a deployment and the mailbox's address; undefined where it has none. */
export type GraphTokens = (config: SetupConfig, address: string) => TokenSource | undefined;

/** A Graph client of the deployment's root with the page's tokens; MAIL_SERVICE_DENIED without tokens. */
export function graphClient(config: SetupConfig, tokens: TokenSource | undefined): GraphClient {
  if (tokens === undefined) {
    throw new MailsealError(
      "MAIL_SERVICE_DENIED",
      "no access to the mailbox through Microsoft Graph: this Outlook offers no nested app authentication, or the add-in's config.json names no client id",
    );
  }
  return new GraphClient({ base: config.graph, token: tokens });
}
