// A test page (setup-test.html of test/pane-browser.ts, for test/setup-pane.test.ts): the read pane
// as read.html starts it, but with a TOKEN SOURCE DOUBLE in place of nested app authentication
// (which only real Outlook can run). The double asks the test, through a function the test exposes
// to the page, for a token that the test's real OpenID provider (oidc-provider on loopback) issues
// at that moment.
import { startReadPane } from "../../src/read/read.js";

const bridge = globalThis as unknown as { __tokenFromTestProvider(): Promise<string | undefined> };

void Office.onReady(() => startReadPane({ tokenSource: () => ({ token: () => bridge.__tokenFromTestProvider() }) }));
