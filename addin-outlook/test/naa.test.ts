// src/setup/naa.ts, nested app authentication, against an MSAL DOUBLE (not @azure/msal-browser:
// MSAL's nestable client only works inside real Outlook) and the Office.js host DOUBLE
// (test/office-double.ts) for the NestedAppAuth 1.1 requirement set. Checks what naa.ts asks of MSAL
// (the client id and authority, the scopes and login hint, silently first, the popup only when
// interaction is required) and how every failure maps to the catalogue's codes.
import { hasCode, MailsealError } from "@mailseal/shared";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { SetupConfig } from "../src/setup/config.js";
import { createOfficeDouble } from "./office-double.js";

/** The MSAL double's state: what was asked, and how each call answers. */
const msal = vi.hoisted(() => {
  class InteractionRequiredAuthError extends Error {}
  type Answer = { idToken: string; accessToken: string } | Error;
  const state = {
    InteractionRequiredAuthError,
    created: [] as { clientId: string; authority: string }[],
    calls: [] as { how: "silent" | "popup"; scopes: string[]; loginHint?: string }[],
    createFails: undefined as Error | undefined,
    silent: [] as Answer[],
    popup: [] as Answer[],
  };
  const answer = (list: Answer[], how: string) => {
    const next = list.shift();
    if (next === undefined) return Promise.reject(new Error(`the MSAL double has no ${how} answer left`));
    return next instanceof Error ? Promise.reject(next) : Promise.resolve(next);
  };
  const module = {
    InteractionRequiredAuthError,
    createNestablePublicClientApplication(configuration: { auth: { clientId: string; authority: string } }) {
      state.created.push({ ...configuration.auth });
      if (state.createFails !== undefined) return Promise.reject(state.createFails);
      return Promise.resolve({
        acquireTokenSilent(request: { scopes: string[]; loginHint?: string }) {
          state.calls.push({ how: "silent", ...request });
          return answer(state.silent, "silent");
        },
        acquireTokenPopup(request: { scopes: string[]; loginHint?: string }) {
          state.calls.push({ how: "popup", ...request });
          return answer(state.popup, "popup");
        },
      });
    },
  };
  return { state, module };
});

vi.mock("@azure/msal-browser", () => msal.module);

const { naaGraphTokens, naaTokenSource } = await import("../src/setup/naa.js");

const ALICE = "alice@example.test";
const tokens = (id: string) => ({ idToken: `id-${id}`, accessToken: `access-${id}` });
let clientNumber = 0;
/** A deployment with its own client id per test (naa.ts keeps one client per page and client id). */
const deployment = (naa?: SetupConfig["naa"]): SetupConfig => ({
  service: "https://mailseal.example.test",
  graph: "https://graph.example.test/v1.0",
  requireEncryption: false,
  ...(naa === undefined ? {} : { naa }),
});

function host(nestedAppAuth: string | undefined): void {
  const double = createOfficeDouble({
    item: null,
    emailAddress: ALICE,
    ...(nestedAppAuth === undefined ? {} : { requirementSets: { NestedAppAuth: nestedAppAuth } }),
  });
  (globalThis as unknown as { Office: unknown }).Office = double.Office;
}

beforeEach(() => {
  Object.assign(msal.state, { created: [], calls: [], createFails: undefined, silent: [], popup: [] });
  host("1.1");
});
afterEach(() => {
  delete (globalThis as unknown as { Office?: unknown }).Office;
});

describe("nested app authentication (src/setup/naa.ts) on an MSAL double", () => {
  it("none without a client id in config.json, or on a host below NestedAppAuth 1.1: MSAL is not even loaded", () => {
    expect(naaTokenSource(deployment())).toBeUndefined();
    expect(naaGraphTokens(deployment(), ALICE)).toBeUndefined();
    host(undefined);
    expect(naaTokenSource(deployment({ clientId: "c-none" }))).toBeUndefined();
    host("1.0");
    expect(naaGraphTokens(deployment({ clientId: "c-none" }), ALICE)).toBeUndefined();
    expect(msal.state.created).toEqual([]);
  });

  it("the sign-in token silently: the ID token of openid, profile and email for the address; one client per client id", async () => {
    const config = deployment({ clientId: `c-${++clientNumber}` });
    msal.state.silent.push(tokens("1"), tokens("2"));
    const source = naaTokenSource(config)!;
    expect(await source.token(ALICE)).toBe("id-1");
    expect(await source.token(ALICE)).toBe("id-2");
    expect(msal.state.created).toEqual([
      { clientId: `c-${clientNumber}`, authority: "https://login.microsoftonline.com/common" },
    ]);
    expect(msal.state.calls).toEqual([
      { how: "silent", scopes: ["openid", "profile", "email"], loginHint: ALICE },
      { how: "silent", scopes: ["openid", "profile", "email"], loginHint: ALICE },
    ]);
  });

  it("Graph tokens: the scopes of the request, the tenant's authority where config.json names one, silently first then Outlook's prompt once when interaction is required", async () => {
    const authority = "https://login.microsoftonline.com/0f0e0d0c-0000-4000-8000-000000000001";
    const config = deployment({ clientId: `c-${++clientNumber}`, authority });
    const graph = naaGraphTokens(config, ALICE)!;
    msal.state.silent.push(tokens("send"));
    expect(await graph(["Mail.Send"])).toBe("access-send");
    msal.state.silent.push(new msal.state.InteractionRequiredAuthError("consent_required"));
    msal.state.popup.push(tokens("read"));
    expect(await graph(["Mail.Read"])).toBe("access-read");
    expect(msal.state.created).toEqual([{ clientId: `c-${clientNumber}`, authority }]);
    expect(msal.state.calls).toEqual([
      { how: "silent", scopes: ["Mail.Send"], loginHint: ALICE },
      { how: "silent", scopes: ["Mail.Read"], loginHint: ALICE },
      { how: "popup", scopes: ["Mail.Read"], loginHint: ALICE },
    ]);
    // No address known (the mailbox's profile gave none): no login hint.
    msal.state.silent.push(tokens("hintless"));
    expect(await naaGraphTokens(config, "")!(["Mail.ReadWrite"])).toBe("access-hintless");
    expect(msal.state.calls.at(-1)).toEqual({ how: "silent", scopes: ["Mail.ReadWrite"] });
  });

  it("failures are the catalogue's codes: PROOF_TOKEN_INVALID for the sign-in token, MAIL_SERVICE_DENIED for Graph; no popup unless interaction is required", async () => {
    const config = deployment({ clientId: `c-${++clientNumber}` });
    const expectCode = async (promise: Promise<unknown>, code: "PROOF_TOKEN_INVALID" | "MAIL_SERVICE_DENIED") => {
      const error = await promise.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(MailsealError);
      expect(hasCode(error, code), String(error)).toBe(true);
      return error as MailsealError;
    };
    // A silent failure that is not "interaction required" (the organisation does not allow the add-in).
    msal.state.silent.push(new Error("AADSTS65001: the app is blocked by policy"));
    const blocked = await expectCode(naaTokenSource(config)!.token(ALICE), "PROOF_TOKEN_INVALID");
    expect(blocked.message).toContain("AADSTS65001");
    expect(msal.state.calls.map((c) => c.how)).toEqual(["silent"]);
    // The person closes Outlook's prompt.
    msal.state.silent.push(new msal.state.InteractionRequiredAuthError("interaction_required"));
    msal.state.popup.push(new Error("user_cancelled"));
    const cancelled = await expectCode(naaGraphTokens(config, ALICE)!(["Mail.Send"]), "MAIL_SERVICE_DENIED");
    expect(cancelled.message).toContain("user_cancelled");
    expect(msal.state.calls.map((c) => c.how)).toEqual(["silent", "silent", "popup"]);
  });

  it("a nestable client MSAL cannot create: the code, and the next try creates it again", async () => {
    const config = deployment({ clientId: `c-${++clientNumber}` });
    msal.state.createFails = new Error("nested app authentication is not available");
    await expect(naaGraphTokens(config, ALICE)!(["Mail.Send"])).rejects.toSatisfy((e: unknown) =>
      hasCode(e, "MAIL_SERVICE_DENIED"),
    );
    msal.state.createFails = undefined;
    msal.state.silent.push(tokens("again"));
    expect(await naaTokenSource(config)!.token(ALICE)).toBe("id-again");
    expect(msal.state.created).toHaveLength(2);
  });
});
