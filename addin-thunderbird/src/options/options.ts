// The add-in's page (opened on install, and as the options page): each mail identity with its state
// and a "Set up" button; for a set-up identity its certificates (the current one with its validity,
// the history behind a toggle), its devices (remove one), the release audit, and enhanced protection
// on or off. Every action is a request to the background (../ui/protocol.ts); errors arrive as the
// plain words of the engine (engine/src/words/plain-words.ts). The page renders only text (textContent), never HTML.
import type { OfferedIdentity } from "../background/setup.js";
import { IDENTITY_STATE_WORDS } from "@mailseal/engine/view";
import {
  UI_PORT,
  type AuditEntry,
  type IdentityDetails,
  type UiAnswer,
  type UiProgress,
  type UiRequest,
} from "../ui/protocol.js";

declare const browser: { runtime: { connect(info: { name: string }): messenger.Port } };

const port = browser.runtime.connect({ name: UI_PORT });
let nextId = 1;
const waiting = new Map<number, (answer: UiAnswer) => void>();
const progressLines = new Map<string, HTMLElement>();

/**
 * The page's copy of a failure: the background's answer (UiAnswer: the code and the engine's plain
 * words for it, plainError) or one of the page's own checks (PASSWORD_REQUIRED, PASSWORD_MISMATCH).
 * Not a MailsealError: its message is words for a person, made already, not a message for developers;
 * its code is whatever the background's errorCode gave (a catalogue code, or ERROR for a failure
 * without one); and it never leaves this page, which tells failures apart by that code.
 */
class UiError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

function ask<T>(request: UiRequest): Promise<T> {
  const id = nextId++;
  port.postMessage({ id, request });
  return new Promise<T>((resolve, reject) =>
    waiting.set(id, (answer) =>
      answer.ok ? resolve(answer.value as T) : reject(new UiError(answer.code, answer.text)),
    ),
  );
}

function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: { text?: string; className?: string; title?: string } = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (props.text !== undefined) node.textContent = props.text;
  if (props.className !== undefined) node.className = props.className;
  if (props.title !== undefined) node.title = props.title;
  node.append(...children);
  return node;
}

function button(text: string, action: string, onClick: () => void): HTMLButtonElement {
  const b = el("button", { text });
  b.type = "button";
  b.dataset.action = action;
  b.addEventListener("click", onClick);
  return b;
}

const day = (iso: string): string => iso.slice(0, 10);

const STATE_WORDS: Record<OfferedIdentity["state"], string> = IDENTITY_STATE_WORDS;

/** Renders one identity card; `details` when known (set up, or after an action). */
function card(offer: OfferedIdentity, details?: IdentityDetails): HTMLElement {
  const box = el("div", { className: "identity" });
  box.dataset.address = offer.address;
  box.dataset.state = details?.state ?? offer.state;
  const status = el("p", { className: "status", text: STATE_WORDS[details?.state ?? offer.state] });
  const line = el("p", { className: "progress" });
  line.setAttribute("role", "status");
  progressLines.set(offer.address.toLowerCase(), line);
  box.append(el("h2", { text: offer.address }), status, line);

  const codeRow = el("div", { className: "code" });
  codeRow.hidden = true;
  const codeInput = el("input");
  codeInput.type = "text";
  codeInput.name = "code";
  codeInput.placeholder = "code from the confirmation mail";
  codeRow.append(
    codeInput,
    button("Confirm code", "code", () => void setUp(offer, box, line, codeRow, codeInput.value)),
  );

  const state = details?.state ?? offer.state;
  if (state !== "ready") {
    box.append(
      button("Set up", "setUp", () => void setUp(offer, box, line, codeRow)),
      codeRow,
    );
    return box;
  }
  if (details === undefined) {
    line.textContent = "Reading certificates and devices…";
    void ask<IdentityDetails>({ op: "details", address: offer.address }).then(
      (d) => replace(box, card(offer, d)),
      (error: UiError) => showError(line, error),
    );
    return box;
  }
  box.append(
    ...(details.waitingForPassword > 0 ? [waitingKeys(offer, line)] : []),
    certificates(details),
    devices(offer, details, line),
    audit(offer, line),
    protection(offer, details, line),
  );
  return box;
}

function certificates(details: IdentityDetails): HTMLElement {
  const section = el("section", { className: "certificates" }, el("h3", { text: "Certificates" }));
  const [current, ...history] = details.certificates;
  if (current !== undefined) {
    section.append(
      el(
        "p",
        // The serial is for an administrator comparing with the service's records: in the tooltip,
        // not in the line a person reads (issue 14, finding 9).
        { className: "current-certificate", title: `Serial number ${current.serialHex}` },
        `Encryption certificate: valid ${day(current.notBefore)} to ${day(current.notAfter)}` +
          (current.protection === "opaque"
            ? ", protected by your password"
            : current.protection === "pending-wrap"
              ? ", to be protected by your password"
              : ""),
      ),
    );
  }
  if (details.signing !== undefined) {
    section.append(
      el("p", {
        text: `Signing certificate: valid ${day(details.signing.notBefore)} to ${day(details.signing.notAfter)}`,
      }),
    );
  }
  if (history.length > 0) {
    // Kept, not deleted: older mail stays readable with these keys.
    const list = el("ul", { className: "history" });
    list.hidden = true;
    for (const c of history) {
      list.append(
        el("li", {
          text: `Earlier certificate: valid ${day(c.notBefore)} to ${day(c.notAfter)}`,
          title: `Serial number ${c.serialHex}`,
        }),
      );
    }
    const toggle = button(`Show earlier certificates (${history.length})`, "history", () => {
      list.hidden = !list.hidden;
      toggle.textContent = `${list.hidden ? "Show" : "Hide"} earlier certificates (${history.length})`;
    });
    section.append(toggle, list);
  }
  return section;
}

/**
 * A key made by a rotation on a protected account waits for the password: the background cannot
 * ask for it, so it is typed here, and the background brings the key to this computer (and into
 * Thunderbird's certificate store) with it.
 */
function waitingKeys(offer: OfferedIdentity, line: HTMLElement): HTMLElement {
  const section = el(
    "section",
    { className: "waiting" },
    el("h3", { text: `A new key for ${offer.address} waits for your password` }),
    el("p", {
      text:
        "mailseal made a new key for this address, protected by your enhanced protection password. Until you " +
        "enter it here, mail encrypted to the new key cannot be opened on this computer.",
    }),
  );
  const password = el("input");
  password.type = "password";
  password.name = "unlock-password";
  password.autocomplete = "current-password";
  const bring = (): void => {
    if (password.value === "") return showError(line, new UiError("PASSWORD_REQUIRED", "Enter the password."));
    line.classList.remove("error");
    delete line.dataset.code;
    line.textContent = "Bringing the new key to this computer…";
    ask<IdentityDetails>({ op: "unlock", address: offer.address, password: password.value }).then(
      (next) => replace(line.closest(".identity")!, card(offer, next)),
      (error: UiError) => {
        password.value = "";
        showError(line, error);
      },
    );
  };
  section.append(el("label", {}, "Password ", password), button("Bring the key here", "unlock", bring));
  return section;
}

function devices(offer: OfferedIdentity, details: IdentityDetails, line: HTMLElement): HTMLElement {
  const section = el("section", { className: "devices" }, el("h3", { text: "Devices" }));
  if (details.devicesError !== undefined) {
    section.append(el("p", { className: "error", text: details.devicesError }));
    return section;
  }
  const list = el("ul");
  for (const d of details.devices ?? []) {
    if (d.status === "removed") continue;
    const item = el("li", { className: "device" }, `${d.name} — ${d.status}, since ${day(d.createdAt)}`);
    item.dataset.deviceId = d.deviceId;
    if (d.current) item.append(" (this computer)");
    else {
      const remove: HTMLButtonElement = button("Remove", "removeDevice", () => {
        // A second press confirms: removing revokes that device's certificates.
        if (remove.dataset.armed !== "yes") {
          remove.dataset.armed = "yes";
          remove.textContent = "Press again to remove it";
          return;
        }
        line.textContent = `Removing ${d.name}…`;
        ask<IdentityDetails>({ op: "removeDevice", address: offer.address, deviceId: d.deviceId }).then(
          (next) => replace(line.closest(".identity")!, card(offer, next)),
          (error: UiError) => showError(line, error),
        );
      });
      item.append(" ", remove);
    }
    list.append(item);
  }
  section.append(list);
  return section;
}

function audit(offer: OfferedIdentity, line: HTMLElement): HTMLElement {
  const section = el("section", { className: "audit" }, el("h3", { text: "Key releases" }));
  const table = el("table");
  const show = button("Show when my keys were released, and to which device", "audit", () => {
    ask<AuditEntry[]>({ op: "audit", address: offer.address }).then(
      (entries) => {
        // One row per release (a release takes one share from each key store, and each store
        // records its own, with its own ticket: docs/services.md, GET /v1/audit), in the words of a
        // person: when, to which device, and whether both stores recorded it. Store names and key
        // ids are for an administrator: in the row's tooltip (issue 14, finding 9).
        const releases = new Map<string, AuditEntry[]>();
        for (const e of entries) {
          const key = `${e.keyId} ${e.deviceId} ${e.at.slice(0, 16)}`;
          releases.set(key, [...(releases.get(key) ?? []), e]);
        }
        table.replaceChildren(
          el("tr", {}, el("th", { text: "When" }), el("th", { text: "Device" }), el("th", { text: "Recorded by" })),
          ...Array.from(releases.values(), (recorded) => {
            const first = recorded[0]!;
            const stores = new Set(recorded.map((e) => e.store));
            return el(
              "tr",
              { title: `key ${first.keyId}, ${[...stores].join(" and ")}` },
              el("td", { text: first.at.replace("T", " ").slice(0, 16) }),
              el("td", { text: first.deviceName ?? "a device this service no longer knows" }),
              el("td", { text: stores.size > 1 ? "both key stores" : "one key store only" }),
            );
          }),
        );
        report();
      },
      (error: UiError) => showError(line, error),
    );
  });
  section.append(show, table);
  return section;
}

function protection(offer: OfferedIdentity, details: IdentityDetails, line: HTMLElement): HTMLElement {
  const section = el("section", { className: "protection" }, el("h3", { text: "Enhanced protection" }));
  const password = el("input");
  password.type = "password";
  password.name = "password";
  password.autocomplete = "new-password";
  const again = el("input");
  again.type = "password";
  again.name = "password-again";
  again.autocomplete = "new-password";
  const run = (on: boolean): void => {
    if (password.value === "") return showError(line, new UiError("PASSWORD_REQUIRED", "Enter the password."));
    if (on && password.value !== again.value) {
      return showError(line, new UiError("PASSWORD_MISMATCH", "The two passwords are not the same."));
    }
    line.classList.remove("error");
    line.textContent = on ? "Turning enhanced protection on…" : "Turning enhanced protection off…";
    ask<IdentityDetails>({ op: "protect", address: offer.address, on, password: password.value }).then(
      (next) => replace(line.closest(".identity")!, card(offer, next)),
      (error: UiError) => showError(line, error),
    );
  };
  if (!details.protection) {
    section.append(
      el(
        "p",
        { className: "warning" },
        "With enhanced protection, a new computer needs this password to read your encrypted mail, and the " +
          "mailseal service alone cannot open your keys. If you forget the password, your protected keys are " +
          "lost, and with them all mail encrypted to them: nobody can recover it, not even your administrator.",
      ),
      el("label", {}, "Password ", password),
      el("label", {}, "Again ", again),
      button("Turn on", "protectOn", () => run(true)),
    );
  } else {
    section.append(
      el("p", { text: "On: a new computer needs your password to read your encrypted mail." }),
      el("label", {}, "Password ", password),
      button("Turn off", "protectOff", () => run(false)),
    );
  }
  return section;
}

function replace(old: Element, next: HTMLElement): void {
  old.replaceWith(next);
  report();
}

function showError(line: HTMLElement, error: UiError): void {
  line.classList.add("error");
  line.textContent = error.message;
  line.dataset.code = error.code;
  report();
}

async function setUp(
  offer: OfferedIdentity,
  box: HTMLElement,
  line: HTMLElement,
  codeRow: HTMLElement,
  code?: string,
): Promise<void> {
  line.classList.remove("error");
  delete line.dataset.code;
  line.textContent = "Starting…";
  box.querySelectorAll("button").forEach((b) => (b.disabled = true));
  try {
    const next = await ask<IdentityDetails>({
      op: "setUp",
      address: offer.address,
      ...(code === undefined ? {} : { code }),
    });
    replace(box, card(offer, next));
  } catch (error) {
    const e = error as UiError;
    box.querySelectorAll("button").forEach((b) => (b.disabled = false));
    // The mail did not arrive (or has no mailbox): the typed code from it answers the same challenge.
    if (e.code === "CHALLENGE_NOT_FOUND" || e.code === "CODE_REQUIRED") codeRow.hidden = false;
    showError(line, e);
  }
}

/**
 * What the page shows, read back from its DOM: for the test harness only, so the release .xpi
 * (MAILSEAL_TEST_FLAVOUR false) has neither the snapshot nor the reports.
 */
function snapshot(): unknown {
  return {
    type: "page",
    // Everything the page says, as a person reads it (the visual run checks its words).
    text: document.body.innerText,
    identities: Array.from(document.querySelectorAll<HTMLElement>(".identity"), (box) => ({
      address: box.dataset.address,
      state: box.dataset.state,
      status: box.querySelector(".status")?.textContent ?? "",
      progress: box.querySelector(".progress")?.textContent ?? "",
      errorCode: box.querySelector<HTMLElement>(".progress")?.dataset.code ?? null,
      certificate: box.querySelector(".current-certificate")?.textContent ?? null,
      waiting: box.querySelector(".waiting h3")?.textContent ?? null,
      certificateTooltip: box.querySelector<HTMLElement>(".current-certificate")?.title ?? null,
      devices: Array.from(box.querySelectorAll(".device"), (d) => d.textContent ?? ""),
      buttons: Array.from(box.querySelectorAll("button"), (b) => b.textContent ?? ""),
    })),
  };
}

function report(): void {
  if (!MAILSEAL_TEST_FLAVOUR) return;
  port.postMessage({ report: snapshot() });
}

port.onMessage.addListener((value) => {
  const message = value as
    | UiAnswer
    | UiProgress
    | { reload: true }
    | { test: "report" }
    | { test: "click"; selector: string; fill?: Record<string, string> };
  if ("reload" in message) {
    // The background learned something the page may show stale (a key waiting for the password).
    progressLines.clear();
    start().catch((error: unknown) => console.warn("mailseal: reading the accounts again", error));
    return;
  }
  if ("progress" in message) {
    const line = progressLines.get(message.progress.address.toLowerCase());
    if (line !== undefined) {
      line.classList.remove("error");
      line.textContent = message.progress.text;
    }
    return;
  }
  if ("test" in message) {
    // Test flavour only: the background forwards these only in test profiles (the harness's channel).
    if (!MAILSEAL_TEST_FLAVOUR) return;
    if (message.test === "click") {
      // Typing as a person does: the fields named by selector get their values, then the click.
      for (const [selector, text] of Object.entries(message.fill ?? {})) {
        const input = document.querySelector<HTMLInputElement>(selector);
        if (input !== null) input.value = text;
      }
      document.querySelector<HTMLElement>(message.selector)?.click();
    }
    report();
    return;
  }
  waiting.get(message.id)?.(message);
  waiting.delete(message.id);
});

async function start(): Promise<void> {
  const root = document.getElementById("identities")!;
  const offers = await ask<OfferedIdentity[]>({ op: "identities" });
  if (offers.length === 0) {
    root.replaceChildren(el("p", { text: "Thunderbird has no mail account with an address yet. Add one first." }));
  } else root.replaceChildren(...offers.map((offer) => card(offer)));
  report();
}

start().catch((error: unknown) => {
  document.getElementById("identities")!.textContent = `Could not list your accounts: ${String(error)}`;
});
