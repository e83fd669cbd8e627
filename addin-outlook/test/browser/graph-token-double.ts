// A GRAPH TOKEN SOURCE DOUBLE, in place of nested app authentication (src/setup/naa.ts
// naaGraphTokens, which only real Outlook can run): gives the Graph double's token of the test's
// user (put in the page by the test before the page's script ran), granting the scopes asked for
// (test/graph-token.ts), or only those of them in __graphScopesGranted when the test put that list
// in the page (an organisation that consented to fewer permissions), and records each ask in
// __graphScopesAsked for the test to check.
import type { GraphTokens } from "../../src/graph/access.js";
import { scopedToken } from "../graph-token.js";

const scope = globalThis as unknown as {
  __graphTokenOfTestUser: string;
  __graphScopesAsked: string[];
  __graphScopesGranted?: string[];
};

export function graphTokenSourceDouble(): GraphTokens {
  scope.__graphScopesAsked = [];
  return () => (scopes) => {
    scope.__graphScopesAsked.push(scopes.join(" "));
    const granted = scope.__graphScopesGranted;
    return Promise.resolve(
      scopedToken(
        scope.__graphTokenOfTestUser,
        granted === undefined ? scopes : scopes.filter((s) => granted.includes(s)),
      ),
    );
  };
}
