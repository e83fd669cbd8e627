// The setup in the pane (issue 13, "Setup with no typing"): when this browser profile holds no
// account for the mailbox's address (Office.context.mailbox.userProfile.emailAddress), the pane
// offers "Set up mailseal for ADDRESS" with one button. Pressing it runs shared's provision(): the
// device key (P-256, a non-extractable WebCrypto key) and the states go into the add-in's sealed
// IndexedDB store, and the address is proven by, in this order,
//   1. a token of the organisation's sign-in (the TokenSource: nested app authentication in real
//      Outlook, src/setup/naa.ts), when there is one and the api takes it: no mail, no typing;
//   2. the challenge mail found in the inbox (an optional ChallengeMailbox: the Graph search of
//      src/graph/, when the host page gives one);
//   3. else the code from that mail, typed into the field that then appears.
// A refused token, or an inbox that cannot be searched (a Graph token without Mail.Read, Graph
// refusing or failing), is said in plain words, and the code is offered.
import { plainError, plainWords } from "@mailseal/engine/view";
import {
  hasCode,
  isMailsealError,
  provision,
  systemClock,
  type AddressTokenSource,
  type ChallengeMailbox,
  type MailsealError,
  type StateStore,
} from "@mailseal/shared";
import type { SetupConfig } from "./config.js";
import { SETUP_WORDS } from "./words.js";

export interface SetupSeams {
  config: SetupConfig;
  store: StateStore;
  /** The proof by token, tried first (nested app authentication; a double in the tests). */
  tokenSource?: AddressTokenSource;
  /** Where the challenge mail is found without typing (the inbox through Graph), when there is one. */
  mailbox?: ChallengeMailbox;
}

/** The name the device has in the account's device list. */
const DEVICE_NAME = "Outlook";

function $(id: string): HTMLElement {
  return document.getElementById(id)!;
}

/**
 * Shows the setup for `address` and runs it when asked; `onDone` once the account is set up (the
 * pane then reads the selected message with it).
 */
export function showSetup(address: string, seams: SetupSeams, onDone: () => void): void {
  const section = $("setup");
  const start = $("setup-start") as HTMLButtonElement;
  const status = $("setup-status");
  const codeForm = $("setup-code") as HTMLFormElement;
  const codeInput = $("setup-code-input") as HTMLInputElement;
  $("setup-title").textContent = SETUP_WORDS.title(address);
  $("setup-intro").textContent = SETUP_WORDS.intro;
  $("setup-code-label").textContent = SETUP_WORDS.codeLabel(address);
  start.textContent = SETUP_WORDS.start;
  section.hidden = false;
  section.dataset.state = "offered";

  let running = false;
  /** Why the token was not taken, said above the code field. */
  let refusal = "";
  /** The code typed before provision() asked for it (a retry after a wrong code). */
  let typed: string | undefined;
  let waiting: ((code: string) => void) | undefined;

  function say(text: string, level: "neutral" | "error" | "ok" = "neutral"): void {
    status.textContent = text;
    status.dataset.level = level;
  }

  function askCode(): Promise<string | undefined> {
    codeForm.hidden = false;
    section.dataset.state = "code";
    say(refusal);
    if (typed !== undefined) {
      const code = typed;
      typed = undefined;
      return Promise.resolve(code);
    }
    codeInput.focus();
    return new Promise((resolve) => (waiting = resolve));
  }

  const tokenSource: AddressTokenSource | undefined =
    seams.tokenSource === undefined
      ? undefined
      : {
          token: (a) => seams.tokenSource!.token(a),
          refused: (error: MailsealError) => {
            refusal = plainWords(error.code) ?? plainError(error);
            seams.tokenSource!.refused?.(error);
          },
        };

  /**
   * Why the inbox could not be searched (Graph refused the token, lacks Mail.Read, failed): the
   * setup then takes the typed code of the same challenge instead, and does not ask the inbox again.
   */
  let mailboxFailure: unknown;
  const mailbox: ChallengeMailbox | undefined =
    seams.mailbox === undefined
      ? undefined
      : {
          findChallenge: async (challengeId, api) => {
            try {
              return await seams.mailbox!.findChallenge(challengeId, api);
            } catch (error) {
              mailboxFailure = error;
              return undefined;
            }
          },
          consumed: (challengeId) => seams.mailbox!.consumed?.(challengeId) ?? Promise.resolve(),
        };

  function provisionOnce(): Promise<unknown> {
    return provision(
      { fetch: (input, init) => globalThis.fetch(input, init), clock: systemClock(), store: seams.store },
      {
        address,
        deviceName: DEVICE_NAME,
        server: seams.config.service,
        ...(tokenSource === undefined ? {} : { tokenSource }),
        ...(mailbox === undefined || mailboxFailure !== undefined ? {} : { mailbox }),
        code: askCode,
      },
    );
  }

  async function run(): Promise<void> {
    if (running) return;
    running = true;
    start.hidden = true;
    section.dataset.state = "working";
    say(SETUP_WORDS.working);
    try {
      try {
        await provisionOnce();
      } catch (error) {
        if (mailboxFailure === undefined || !hasCode(error, "CHALLENGE_NOT_FOUND")) throw error;
        // The inbox could not be searched: said in plain words above the code field, and the code of
        // the mail already sent is asked for (provision() resumes the saved challenge while it lives).
        refusal = isMailsealError(mailboxFailure)
          ? (plainWords(mailboxFailure.code) ?? plainError(mailboxFailure))
          : plainError(mailboxFailure);
        await provisionOnce();
      }
      codeForm.hidden = true;
      section.dataset.state = "done";
      say(SETUP_WORDS.done(address), "ok");
      onDone();
    } catch (error) {
      if (hasCode(error, "CHALLENGE_INVALID") && !codeForm.hidden) {
        // A wrong or mistyped code: the same challenge takes another try (up to 5).
        section.dataset.state = "code";
        codeInput.select();
      } else {
        codeForm.hidden = true;
        start.textContent = SETUP_WORDS.again;
        start.hidden = false;
        section.dataset.state = "failed";
      }
      say(plainError(error), "error");
    } finally {
      running = false;
    }
  }

  start.onclick = () => void run();
  codeForm.onsubmit = (event) => {
    event.preventDefault();
    const code = codeInput.value.trim();
    if (code === "") return say(SETUP_WORDS.emptyCode, "error");
    say(SETUP_WORDS.confirming);
    if (waiting !== undefined) {
      const resolve = waiting;
      waiting = undefined;
      resolve(code);
    } else {
      typed = code;
      void run();
    }
  };
}
