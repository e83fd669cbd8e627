// TEST FLAVOUR ONLY: the Experiment `mailsealTest`, which only dist/mailseal-test.xpi declares (its
// manifest is written by scripts/build.mjs); the release .xpi has neither this file nor the API. It
// gives the end-to-end harness (test/thunderbird) what it needs from the parent process. Even in the
// test flavour, every function refuses (or the readers answer "" / 0) unless the profile sets the
// test channel pref, which only the harness's user.js does.
"use strict";

const TEST_CHANNEL_PREF = "extensions.mailseal.test.channel";
const TEST_CLOCK_PREF = "extensions.mailseal.test.clockOffset";

function testChannelUrl() {
  return Services.prefs.getStringPref(TEST_CHANNEL_PREF, "");
}

function requireTestProfile(what) {
  if (testChannelUrl() === "")
    throw new Error(`mailsealTest.${what} works only in test profiles (${TEST_CHANNEL_PREF})`);
}

async function logged(name, fn) {
  try {
    return await fn();
  } catch (error) {
    console.error(`mailseal test experiment: ${name} failed:`, error);
    throw new ExtensionCommon.ExtensionError(`mailsealTest.${name}: ${error?.message ?? error}`);
  }
}

// Thunderbird looks the API class up by this global name (experiment_apis.mailsealTest).
// eslint-disable-next-line @typescript-eslint/no-unused-vars
var mailsealTest = class extends ExtensionCommon.ExtensionAPI {
  getAPI() {
    return {
      mailsealTest: {
        testChannel: () => logged("testChannel", async () => testChannelUrl()),
        // Milliseconds; 0 unless this is a test profile.
        testClockOffset: () =>
          logged("testClockOffset", async () =>
            testChannelUrl() === "" ? 0 : Number(Services.prefs.getStringPref(TEST_CLOCK_PREF, "0")) || 0,
          ),
        testSetClockOffset: (offsetMs) =>
          logged("testSetClockOffset", async () => {
            requireTestProfile("testSetClockOffset");
            Services.prefs.setStringPref(TEST_CLOCK_PREF, String(offsetMs));
          }),
        testAddLogin: (origin, username, password) =>
          logged("testAddLogin", async () => {
            requireTestProfile("testAddLogin");
            const login = Cc["@mozilla.org/login-manager/loginInfo;1"].createInstance(Ci.nsILoginInfo);
            login.init(origin, null, origin, username, password, "", "");
            await Services.logins.addLoginAsync(login);
          }),
        testQuit: () =>
          logged("testQuit", async () => {
            requireTestProfile("testQuit");
            // Let the answer reach the add-in before the process goes.
            const { setTimeout } = ChromeUtils.importESModule("resource://gre/modules/Timer.sys.mjs");
            setTimeout(() => Services.startup.quit(Ci.nsIAppStartup.eForceQuit), 100);
          }),
      },
    };
  }
};
