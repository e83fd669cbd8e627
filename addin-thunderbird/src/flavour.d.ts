/**
 * Which add-in is being built (scripts/build.mjs defines it for esbuild): false for the release
 * `dist/mailseal.xpi`, true for the test flavour `dist/mailseal-test.xpi` that the Thunderbird suites
 * install. Code under `if (MAILSEAL_TEST_FLAVOUR)` is dropped from the release bundle with what only
 * it imports (src/testing/), so no test hook ships (issue 12, finding 8).
 */
declare const MAILSEAL_TEST_FLAVOUR: boolean;
