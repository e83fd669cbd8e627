// ESLint flat config. Besides style and correctness rules it holds the layering of DESIGN.md:
//   core-wasm <- shared <- engine <- cli, addin-*      (server: core-wasm <- shared <- server)
// core-wasm knows nothing above it; shared and the engine never touch node:*, Office,
// browser/messenger or the DOM (each host passes adapters in; only the engine's Node worker entry and
// Node client use worker_threads); server never imports add-in code.
import js from "@eslint/js";
import { builtinModules } from "node:module";
import globals from "globals";
import tseslint from "typescript-eslint";

const above = (...folders) => ({
  regex: `(^|/)(\\.\\./)+(${folders.join("|")})(/|$)`,
  message: "imports go one way: core-wasm <- shared <- engine <- cli, addin-*; shared <- server (DESIGN.md, Layout)",
});
const packages = (...names) => ({
  regex: `^@mailseal/(${names.join("|")})(/|$)`,
  message: "imports go one way: core-wasm <- shared <- engine <- cli, addin-*; shared <- server (DESIGN.md, Layout)",
});
const nodeBuiltins = {
  regex: `^(node:.*|${builtinModules.filter((m) => !m.startsWith("_")).join("|")})(/.*)?$`,
  message: "shared/ and engine/ are host-neutral: take a host adapter instead of importing a Node built-in",
};
const hostGlobals = ["Office", "browser", "messenger", "chrome", "document", "window", "process", "Buffer"].map(
  (name) => ({ name, message: "shared/ and engine/ are host-neutral: the host supplies an adapter for this" }),
);

export const layeringRules = {
  core: {
    patterns: [
      above("shared", "engine", "server", "cli", "addin-outlook", "addin-thunderbird"),
      packages("shared", "engine", "server", "cli", "addin-outlook", "addin-thunderbird"),
    ],
  },
  shared: {
    patterns: [
      nodeBuiltins,
      above("engine", "server", "cli", "addin-outlook", "addin-thunderbird"),
      packages("engine", "server", "cli", "addin-outlook", "addin-thunderbird"),
    ],
  },
  // The engine runs shared and the core together for the hosts: it never imports a host or the services.
  engine: {
    patterns: [
      nodeBuiltins,
      above("server", "cli", "addin-outlook", "addin-thunderbird"),
      packages("server", "cli", "addin-outlook", "addin-thunderbird"),
    ],
  },
  engineNode: {
    patterns: [
      above("server", "cli", "addin-outlook", "addin-thunderbird"),
      packages("server", "cli", "addin-outlook", "addin-thunderbird"),
    ],
  },
  server: {
    patterns: [
      above("engine", "addin-outlook", "addin-thunderbird", "cli"),
      packages("engine", "addin-outlook", "addin-thunderbird", "cli"),
    ],
  },
  // An add-in builds on shared and core-wasm only: never on the services, the command or the other add-in.
  addinThunderbird: {
    patterns: [above("server", "cli", "addin-outlook"), packages("server", "cli", "addin-outlook")],
  },
  // The Outlook add-in likewise: the engine (and its view), shared; never the services, the command or Thunderbird's add-in.
  addinOutlook: {
    patterns: [above("server", "cli", "addin-thunderbird"), packages("server", "cli", "addin-thunderbird")],
  },
};

export default tseslint.config(
  {
    ignores: ["**/node_modules/**", "**/build/**", "**/dist/**", "core-wasm/assembly/**", "bench/results/**"],
  },
  js.configs.recommended,
  ...tseslint.configs.strict,
  {
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
    rules: {
      "@typescript-eslint/no-non-null-assertion": "off",
      "@typescript-eslint/consistent-type-imports": "error",
      "no-console": "off",
    },
  },
  { files: ["core-wasm/src/**/*.ts"], rules: { "no-restricted-imports": ["error", layeringRules.core] } },
  {
    files: ["shared/src/**/*.ts"],
    rules: {
      "no-restricted-imports": ["error", layeringRules.shared],
      "no-restricted-globals": ["error", ...hostGlobals],
    },
  },
  {
    files: ["engine/src/**/*.ts"],
    ignores: ["engine/src/client/node.ts", "engine/src/worker/node-entry.ts"],
    rules: {
      "no-restricted-imports": ["error", layeringRules.engine],
      "no-restricted-globals": ["error", ...hostGlobals],
    },
  },
  {
    // The engine's Node worker entry and Node client: worker_threads, nothing above the engine.
    files: ["engine/src/client/node.ts", "engine/src/worker/node-entry.ts"],
    rules: { "no-restricted-imports": ["error", layeringRules.engineNode] },
  },
  { files: ["server/**/*.ts"], rules: { "no-restricted-imports": ["error", layeringRules.server] } },
  {
    files: ["addin-thunderbird/src/**/*.ts"],
    rules: { "no-restricted-imports": ["error", layeringRules.addinThunderbird] },
  },
  {
    files: ["addin-outlook/src/**/*.ts", "addin-outlook/manifest/**/*.ts"],
    rules: { "no-restricted-imports": ["error", layeringRules.addinOutlook] },
  },
  {
    // The Experiment's parent script: a classic script Thunderbird evaluates with these globals.
    files: ["addin-thunderbird/src/experiments/**/*.js", "addin-thunderbird/src/testing/experiment/*.js"],
    languageOptions: {
      sourceType: "script",
      globals: {
        ChromeUtils: "readonly",
        Components: "readonly",
        Services: "readonly",
        Cc: "readonly",
        Ci: "readonly",
        IOUtils: "readonly",
        ExtensionCommon: "readonly",
      },
    },
  },
);
