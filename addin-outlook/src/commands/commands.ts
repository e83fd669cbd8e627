// The commands runtime's one file (commands.js): the send handler and the two compose toggles,
// associated with the names the manifests give them (manifest/source.ts). Bundled by vite as one
// ES2016 script with no imports (scripts/build.ts) for classic Outlook's JavaScript-only runtime, and
// loaded by commands.html in browser runtimes.
import { addinSource } from "../../manifest/source.js";
import { createSendHandler, toggleEncrypt, toggleSign } from "./send-gate.js";

/**
 * The deployment's config.json, as a URL: written in by the build (scripts/build.ts) from the base
 * URL the manifests name, since a JavaScript-only runtime has no document to resolve it against.
 */
declare const __MAILSEAL_CONFIG_URL__: string;

const source = addinSource();
Office.actions.associate(source.onSend.functionName, createSendHandler(__MAILSEAL_CONFIG_URL__));
Office.actions.associate(source.compose.encrypt.functionName, toggleEncrypt);
Office.actions.associate(source.compose.sign.functionName, toggleSign);
