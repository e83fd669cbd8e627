// A test page (test/pane-browser.ts): the compose pane as compose.html starts it, but with the GRAPH
// TOKEN SOURCE DOUBLE (./graph-token-double.ts) in place of nested app authentication.
import { startComposePane } from "../../src/compose/compose.js";
import { graphTokenSourceDouble } from "./graph-token-double.js";

void Office.onReady(() => startComposePane({ graphTokens: graphTokenSourceDouble() }));
