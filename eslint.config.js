// ESLint flat config. Besides style and correctness rules it holds the layering of DESIGN.md:
//   core-wasm <- shared <- cli, server, addin-*
// core-wasm knows nothing above it; shared never touches node:*, Office, browser/messenger or the DOM
// (each host passes adapters in); server never imports add-in code.
import js from "@eslint/js";
import { builtinModules } from "node:module";
import globals from "globals";
import tseslint from "typescript-eslint";

const above = (...folders) => ({
  regex: `(^|/)(\\.\\./)+(${folders.join("|")})(/|$)`,
  message: "imports go one way: core-wasm <- shared <- cli, server, addin-* (DESIGN.md, Layout)",
});
const packages = (...names) => ({
  regex: `^@mailseal/(${names.join("|")})(/|$)`,
  message: "imports go one way: core-wasm <- shared <- cli, server, addin-* (DESIGN.md, Layout)",
});
const nodeBuiltins = {
  regex: `^(node:.*|${builtinModules.filter((m) => !m.startsWith("_")).join("|")})(/.*)?$`,
  message: "shared/ is host-neutral: take a host adapter instead of importing a Node built-in",
};
const hostGlobals = ["Office", "browser", "messenger", "chrome", "document", "window", "process", "Buffer"].map(
  (name) => ({ name, message: "shared/ is host-neutral: the host supplies an adapter for this" }),
);

export const layeringRules = {
  core: {
    patterns: [
      above("shared", "server", "cli", "addin-outlook", "addin-thunderbird"),
      packages("shared", "server", "cli", "addin-outlook", "addin-thunderbird"),
    ],
  },
  shared: {
    patterns: [
      nodeBuiltins,
      above("server", "cli", "addin-outlook", "addin-thunderbird"),
      packages("server", "cli", "addin-outlook", "addin-thunderbird"),
    ],
  },
  server: {
    patterns: [
      above("addin-outlook", "addin-thunderbird", "cli"),
      packages("addin-outlook", "addin-thunderbird", "cli"),
    ],
  },
  // An add-in builds on shared and core-wasm only: never on the services, the command or the other add-in.
  addinThunderbird: {
    patterns: [above("server", "cli", "addin-outlook"), packages("server", "cli", "addin-outlook")],
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
  { files: ["server/**/*.ts"], rules: { "no-restricted-imports": ["error", layeringRules.server] } },
  {
    files: ["addin-thunderbird/src/**/*.ts"],
    rules: { "no-restricted-imports": ["error", layeringRules.addinThunderbird] },
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
