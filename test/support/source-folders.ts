// The source folders of every package, for the suites that scan all the source: the error codes
// (test/errors/codes-scan.test.ts) and the one-definition rules (test/layering/one-definition.test.ts).
export const SOURCE_FOLDERS = [
  "core-wasm/src",
  "shared/src",
  "engine/src",
  "server/src",
  "cli/src",
  "addin-thunderbird/src",
  "addin-outlook/src",
] as const;
