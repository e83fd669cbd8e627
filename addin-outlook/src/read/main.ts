// The read pane's page script (read.html): the pane with the token sources of real Outlook, nested
// app authentication (used only where the host supports NestedAppAuth 1.1 and config.json names the
// add-in's client id): the ID token that proves the address, and the Microsoft Graph tokens of the
// $value fallback and of the challenge mail found in the inbox.
import { naaGraphTokens, naaTokenSource } from "../setup/naa.js";
import { startReadPane } from "./read.js";

void Office.onReady(() => startReadPane({ tokenSource: naaTokenSource, graphTokens: naaGraphTokens }));
