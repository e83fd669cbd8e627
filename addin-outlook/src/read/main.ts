// The read pane's page script (read.html): the pane with the token source of real Outlook, nested
// app authentication (used only where the host supports NestedAppAuth 1.1 and config.json names
// the add-in's client id).
import { naaTokenSource } from "../setup/naa.js";
import { startReadPane } from "./read.js";

void Office.onReady(() => startReadPane({ tokenSource: naaTokenSource }));
