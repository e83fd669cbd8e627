// The bearer tokens of the Graph DOUBLE (test/graph-double.ts) with the delegated permissions they
// grant, as an access token from Entra ID carries them (its `scp` claim): the user's token, then
// ";scp=" and the scopes. A token without the suffix grants every permission (the tests of the Graph
// client that are not about permissions). No node:* here: the panes' token source doubles use it in
// Chromium too.

export const SCOPES_MARK = ";scp=";

/** The token of the user whose plain token is `token`, granting `scopes`. */
export function scopedToken(token: string, scopes: readonly string[]): string {
  return `${token}${SCOPES_MARK}${scopes.join(" ")}`;
}

/** The user's token and the scopes granted (undefined: all). */
export function parseScopedToken(bearer: string): { token: string; scopes?: string[] } {
  const at = bearer.indexOf(SCOPES_MARK);
  if (at < 0) return { token: bearer };
  return {
    token: bearer.slice(0, at),
    scopes: bearer
      .slice(at + SCOPES_MARK.length)
      .split(" ")
      .filter(Boolean),
  };
}
