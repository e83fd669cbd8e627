// The layering rule must be able to fail: lint small files placed (virtually) in each layer.
import { ESLint } from "eslint";
import { describe, expect, it } from "vitest";

const eslint = new ESLint({ cwd: new URL("../..", import.meta.url).pathname });

async function violations(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? []).map((m) => m.ruleId ?? m.message);
}

describe("layering rule (DESIGN.md, Layout)", () => {
  it.each([
    ["shared/src/x.ts", 'import { readFile } from "node:fs";'],
    ["shared/src/x.ts", 'import * as path from "path";'],
    ["shared/src/mail/x.ts", 'import { start } from "../../../server/src/main.js";'],
    ["shared/src/x.ts", 'import { cli } from "@mailseal/cli";'],
    ["core-wasm/src/x.ts", 'import { parse } from "../../shared/src/cms.js";'],
    ["core-wasm/src/aes/x.ts", 'import { parse } from "@mailseal/shared";'],
    ["server/src/x.ts", 'import { ui } from "../../addin-thunderbird/src/ui.js";'],
    ["shared/src/x.ts", 'import { ui } from "../../addin-thunderbird/src/ui.js";'],
    ["addin-thunderbird/src/host/x.ts", 'import { start } from "../../../server/src/main.js";'],
    ["addin-thunderbird/src/x.ts", 'import { cli } from "@mailseal/cli";'],
    ["shared/src/x.ts", 'import { MailEngine } from "@mailseal/engine";'],
    ["shared/src/mailflow/x.ts", 'import { MailEngine } from "../../../engine/src/mail-engine.js";'],
    ["core-wasm/src/x.ts", 'import { MailEngine } from "@mailseal/engine";'],
    ["engine/src/x.ts", 'import { readFile } from "node:fs";'],
    ["engine/src/reader/x.ts", 'import { ui } from "../../../addin-thunderbird/src/ui.js";'],
    ["engine/src/x.ts", 'import { cli } from "@mailseal/cli";'],
    ["engine/src/x.ts", 'import { start } from "@mailseal/server";'],
    ["engine/src/client/node.ts", 'import { start } from "@mailseal/server";'],
    ["server/src/x.ts", 'import { MailEngine } from "@mailseal/engine";'],
    ["addin-outlook/src/x.ts", 'import { start } from "@mailseal/server";'],
    ["addin-outlook/src/read/x.ts", 'import { start } from "../../../server/src/main.js";'],
    ["addin-outlook/src/x.ts", 'import { cli } from "@mailseal/cli";'],
    ["addin-outlook/src/x.ts", 'import { ui } from "../../addin-thunderbird/src/ui/protocol.js";'],
    ["addin-outlook/manifest/x.ts", 'import { ui } from "../../addin-thunderbird/src/ui/protocol.js";'],
    ["server/src/x.ts", 'import { x } from "../../addin-outlook/src/x.js";'],
    ["engine/src/x.ts", 'import { x } from "@mailseal/addin-outlook";'],
  ])("%s may not import: %s", async (file, code) => {
    expect(await violations(file, code)).toContain("no-restricted-imports");
  });

  it.each([
    ["shared/src/x.ts", "export const v = Office.context;"],
    ["shared/src/x.ts", "export const v = messenger.messages;"],
    ["shared/src/x.ts", "export const v = document.body;"],
    ["shared/src/x.ts", "export const v = process.env;"],
    ["engine/src/x.ts", "export const v = messenger.messages;"],
    ["engine/src/reader/x.ts", "export const v = document.body;"],
    ["engine/src/x.ts", "export const v = Office.context;"],
  ])("%s may not use host globals: %s", async (file, code) => {
    expect(await violations(file, code)).toContain("no-restricted-globals");
  });

  it.each([
    ["shared/src/x.ts", 'import { CryptoError } from "@mailseal/core-wasm";\nexport const e = CryptoError;'],
    ["server/src/x.ts", 'import { readFile } from "node:fs";\nexport const r = readFile;'],
    ["cli/src/x.ts", 'import { x } from "../../shared/src/x.js";\nexport const y = x;'],
    [
      "addin-thunderbird/src/x.ts",
      'import { decryptMessage } from "@mailseal/shared";\nexport const d = decryptMessage;',
    ],
    ["addin-thunderbird/src/x.ts", 'import { CoreService } from "@mailseal/core-wasm";\nexport const c = CoreService;'],
    ["engine/src/x.ts", 'import { readMessage } from "@mailseal/shared";\nexport const r = readMessage;'],
    ["engine/src/client/node.ts", 'import { Worker } from "node:worker_threads";\nexport const w = Worker;'],
    ["addin-thunderbird/src/x.ts", 'import { MailEngine } from "@mailseal/engine";\nexport const e = MailEngine;'],
    ["cli/src/x.ts", 'import { MailEngine } from "@mailseal/engine";\nexport const e = MailEngine;'],
    [
      "addin-outlook/src/x.ts",
      'import { startBrowserEngine } from "@mailseal/engine/browser";\nexport const s = startBrowserEngine;',
    ],
    ["addin-outlook/src/x.ts", 'import { bannerView } from "@mailseal/engine/view";\nexport const b = bannerView;'],
    ["addin-outlook/src/x.ts", 'import { readMessage } from "@mailseal/shared";\nexport const r = readMessage;'],
  ])("%s may import downward: %s", async (file, code) => {
    expect(await violations(file, code)).toEqual([]);
  });
});
