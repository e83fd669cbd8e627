// The compose pane's page script (compose.html): the pane with the Microsoft Graph tokens of real
// Outlook, nested app authentication (used only where the host supports NestedAppAuth 1.1 and
// config.json names the add-in's client id).
import { naaGraphTokens } from "../setup/naa.js";
import { startComposePane } from "./compose.js";

void Office.onReady(() => startComposePane({ graphTokens: naaGraphTokens }));
