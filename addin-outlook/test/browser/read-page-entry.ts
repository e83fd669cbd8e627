// A test page (test/pane-browser.ts): the read pane as read.html starts it, but with the GRAPH TOKEN
// SOURCE DOUBLE (./graph-token-double.ts) in place of nested app authentication (no sign-in token:
// the setup runs in test/setup-pane.test.ts).
import { startReadPane } from "../../src/read/read.js";
import { graphTokenSourceDouble } from "./graph-token-double.js";

void Office.onReady(() => startReadPane({ graphTokens: graphTokenSourceDouble() }));
