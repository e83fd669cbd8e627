// The commands runtime's one file (commands.js): the send handler and the two compose toggles,
// associated with the names the manifests give them (manifest/source.ts). Bundled by vite as one
// ES2016 script with no imports (scripts/build.ts) for classic Outlook's JavaScript-only runtime, and
// loaded by commands.html in browser runtimes.
import { addinSource } from "../../manifest/source.js";
import { onMessageSendHandler, toggleEncrypt, toggleSign } from "./send-gate.js";

const source = addinSource();
Office.actions.associate(source.onSend.functionName, onMessageSendHandler);
Office.actions.associate(source.compose.encrypt.functionName, toggleEncrypt);
Office.actions.associate(source.compose.sign.functionName, toggleSign);
