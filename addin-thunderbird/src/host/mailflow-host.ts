// What the client flows of shared/src/mailflow need from a host (docs/services.md, "Client flows"):
// fetch (the services answer CORS for the add-in's moz-extension origin), a clock and the
// IndexedDB StateStore. The clock is the system's; in the test flavour a test profile may shift it
// (the pref extensions.mailseal.test.clockOffset, read through the test Experiment, which returns 0
// in every other profile), the way MAILSEAL_CLOCK_OFFSET shifts the CLI's and the server's.
import { systemClock, type Clock, type Host, type StateStore } from "@mailseal/shared";

export async function addinClock(): Promise<Clock> {
  return systemClock(MAILSEAL_TEST_FLAVOUR ? await messenger.mailsealTest.testClockOffset() : 0);
}

export async function mailflowHost(store: StateStore): Promise<Host> {
  return { fetch: (input, init) => globalThis.fetch(input, init), clock: await addinClock(), store };
}

/**
 * The configured service (its base URL), used when the address's domain publishes no
 * /.well-known/mailseal.json: the pref extensions.mailseal.service, which an administrator sets for
 * all users through Thunderbird's policies.json ("Preferences").
 */
export async function configuredService(): Promise<string> {
  return messenger.mailseal.configuredService();
}
