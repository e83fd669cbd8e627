// The read pane's page script (read.html): the pane with the token source of real Outlook, nested
// app authentication (used only where the host supports NestedAppAuth 1.1 and config.json names
// the add-in's client id), and the challenge mail found in the inbox through Microsoft Graph when
// the pane has Graph access (src/graph/access.ts).
import type { ChallengeMailbox } from "@mailseal/shared";
import { graphAccess } from "../graph/access.js";
import { GraphChallengeMailbox } from "../graph/challenge-mailbox.js";
import { GraphClient } from "../graph/graph-client.js";
import { naaTokenSource } from "../setup/naa.js";
import { startReadPane } from "./read.js";

/** The inbox over Graph, or undefined without Graph access (the setup then offers the typed code). */
function graphMailbox(): ChallengeMailbox | undefined {
  try {
    return new GraphChallengeMailbox(new GraphClient(graphAccess()));
  } catch {
    return undefined;
  }
}

void Office.onReady(() => {
  const mailbox = graphMailbox();
  startReadPane({ tokenSource: naaTokenSource, ...(mailbox === undefined ? {} : { mailbox }) });
});
