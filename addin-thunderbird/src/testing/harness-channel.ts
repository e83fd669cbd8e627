// TEST FLAVOUR ONLY command channel between the end-to-end harness (test/thunderbird) and the add-in:
// only dist/mailseal-test.xpi holds it, and it is active only when the profile sets the pref
// extensions.mailseal.test.channel (read through the test Experiment), which only the harness's
// user.js does. The background long-polls GET <url>/command,
// answers each command with POST <url>/result, and reports events with POST <url>/event. Bodies are
// text/plain JSON so that the requests are CORS "simple" (the harness answers with
// Access-Control-Allow-Origin): the add-in needs no host permission for it.

export interface HarnessCommand {
  id: number;
  type: string;
  [field: string]: unknown;
}

export type HarnessHandlers = Record<string, (command: HarnessCommand) => Promise<unknown>>;

async function post(url: string, body: unknown): Promise<void> {
  await fetch(url, { method: "POST", body: JSON.stringify(body), headers: { "Content-Type": "text/plain" } });
}

export function harnessEvent(channel: string, event: { type: string; [field: string]: unknown }): void {
  post(`${channel}/event`, event).catch((error: unknown) => console.error("mailseal: harness event", error));
}

export async function runHarnessChannel(channel: string, handlers: HarnessHandlers): Promise<void> {
  for (;;) {
    let command: HarnessCommand;
    try {
      const response = await fetch(`${channel}/command`, { cache: "no-store" });
      if (response.status === 204) continue;
      if (response.status === 410) return; // the harness is done with this Thunderbird
      command = (await response.json()) as HarnessCommand;
    } catch (error) {
      console.error("mailseal: harness channel", error);
      await new Promise((resolve) => setTimeout(resolve, 500));
      continue;
    }
    const handler = handlers[command.type];
    try {
      if (handler === undefined) throw new Error(`unknown harness command ${command.type}`);
      const value = await handler(command);
      await post(`${channel}/result`, { id: command.id, ok: true, value: value ?? null });
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      await post(`${channel}/result`, {
        id: command.id,
        ok: false,
        error: {
          code: typeof code === "string" ? code : "ERROR",
          message: error instanceof Error ? error.message : String(error),
        },
      });
    }
  }
}
