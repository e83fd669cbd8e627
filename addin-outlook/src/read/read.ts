// The read pane: pinned, it follows the selected message (ItemChanged). For each message it asks
// Outlook for the whole RFC 5322 message (item.getAsFileAsync, Mailbox 1.14: base64), has the engine
// decrypt and verify it in its Web Worker (renderMessage: one call per message), and shows the
// banner in plain words (bannerView), the content sanitized (the engine's sanitizer) in a sandboxed
// frame with no scripts and no origin, inline cid: images as data: URLs, and the attachments as
// downloads. A message selected while another is still being read wins: the older answer is dropped.
import { startBrowserEngine, type BrowserEngineWorker } from "@mailseal/engine/browser";
import {
  bannerView,
  plainError,
  plainWords,
  sanitizeHtml,
  type BannerView,
  type InlineImage,
  type RenderModel,
} from "@mailseal/engine/view";
import type { AddressTokenSource, ChallengeMailbox } from "@mailseal/shared";
import { graphClient, type GraphTokens } from "../graph/access.js";
import { GraphChallengeMailbox } from "../graph/challenge-mailbox.js";
import type { GraphClient } from "../graph/graph-client.js";
import { loadSetupConfig, type SetupConfig } from "../setup/config.js";
import { SETUP_WORDS } from "../setup/words.js";
import { accountStore, loadAccounts } from "./accounts.js";
import { PANE_WORDS } from "./words.js";

let engine: Promise<BrowserEngineWorker> | undefined;
let config: Promise<SetupConfig> | undefined;
let paneSeams: PaneSeams = {};
let generation = 0;
const blobUrls: string[] = [];

function $(id: string): HTMLElement {
  return document.getElementById(id)!;
}

function showBanner(view: BannerView): void {
  const banner = $("banner");
  banner.dataset.level = view.level;
  $("headline").textContent = view.headline;
  const details = $("details") as HTMLDetailsElement;
  details.hidden = view.details === "";
  $("details-text").textContent = view.details;
}

function clearContent(): void {
  ($("content") as HTMLIFrameElement).hidden = true;
  ($("content") as HTMLIFrameElement).srcdoc = "";
  $("attachments").replaceChildren();
  $("attachments").hidden = true;
  for (const url of blobUrls.splice(0)) URL.revokeObjectURL(url);
}

function say(level: BannerView["level"], headline: string, details = ""): void {
  clearContent();
  showBanner({ level, headline, details });
}

function dataUrl(image: InlineImage): string {
  let binary = "";
  for (let i = 0; i < image.data.length; i += 0x8000)
    binary += String.fromCharCode(...image.data.subarray(i, i + 0x8000));
  return `data:${image.contentType};base64,${btoa(binary)}`;
}

function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

/** The sanitized body as the frame's whole document: its CSP lets nothing load but the data: images. */
function frameDocument(model: RenderModel): string {
  const doc = document.implementation.createHTMLDocument("");
  const body = doc.createElement("div");
  if (model.body.kind === "html") {
    const images = new Map((model.inlineImages ?? []).map((image) => [image.contentId, dataUrl(image)]));
    body.appendChild(sanitizeHtml(model.body.html, doc, images));
  } else if (model.body.kind === "text") {
    const pre = doc.createElement("pre");
    pre.style.whiteSpace = "pre-wrap";
    pre.style.fontFamily = "inherit";
    pre.textContent = model.body.text;
    body.appendChild(pre);
  }
  return (
    `<!doctype html><html><head><meta charset="utf-8">` +
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline'">` +
    `<style>body{font:14px "Segoe UI",system-ui,sans-serif;margin:8px}img{max-width:100%}</style>` +
    `</head><body>${body.innerHTML}</body></html>`
  );
}

function render(model: RenderModel): void {
  clearContent();
  showBanner(bannerView(model.banner));
  if (model.banner.kind === "failed") return;
  const frame = $("content") as HTMLIFrameElement;
  frame.srcdoc = frameDocument(model);
  frame.hidden = false;
  const list = $("attachments");
  model.attachments.forEach((attachment, index) => {
    const item = document.createElement("li");
    const data = model.attachmentData?.[index];
    const label = `${attachment.name} (${attachment.contentType}, ${formatSize(attachment.size)})`;
    if (data === undefined) item.textContent = label;
    else {
      // A download of the decrypted bytes as a generic type: the browser saves, never renders, it.
      const url = URL.createObjectURL(
        new Blob([data as Uint8Array<ArrayBuffer>], { type: "application/octet-stream" }),
      );
      blobUrls.push(url);
      const link = document.createElement("a");
      link.href = url;
      link.download = attachment.name;
      link.textContent = label;
      item.appendChild(link);
    }
    list.appendChild(item);
  });
  list.hidden = model.attachments.length === 0;
}

function base64Bytes(base64: string): Uint8Array {
  const binary = atob(base64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

function fileOf(item: Office.MessageItem): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    item.getAsFileAsync!((result) => {
      if (result.status === "succeeded" && typeof result.value === "string") resolve(base64Bytes(result.value));
      else reject(new Error(result.error?.message ?? "getAsFileAsync failed"));
    });
  });
}

/**
 * The message as RFC 5322: getAsFileAsync, and for an S/MIME item whose getAsFileAsync fails (on
 * desktop Outlook the attachment ids of such items may be missing) the same bytes from Microsoft
 * Graph, GET /me/messages/{id}/$value.
 */
async function rawMessage(item: Office.MessageItem): Promise<Uint8Array> {
  try {
    return await fileOf(item);
  } catch (error) {
    const smime = item.itemClass?.startsWith("IPM.Note.SMIME") === true;
    if (!smime || item.itemId === undefined) throw error;
    const id = Office.context.mailbox.convertToRestId?.(item.itemId, "v2.0") ?? item.itemId;
    try {
      return await (await paneGraph()).messageMime(id);
    } catch (fallback) {
      const why = (e: unknown) => (e instanceof Error ? e.message : String(e));
      throw new Error(`${why(error)}; Microsoft Graph: ${why(fallback)}`);
    }
  }
}

/** The deployment's config.json, read once (again after a failure). */
function paneConfig(): Promise<SetupConfig> {
  config ??= loadSetupConfig().catch((error: unknown) => {
    config = undefined;
    throw error;
  });
  return config;
}

/** Microsoft Graph for the mailbox's user, with the page's token source; MAIL_SERVICE_DENIED without one. */
async function paneGraph(): Promise<GraphClient> {
  const settings = await paneConfig();
  return graphClient(
    settings,
    paneSeams.graphTokens?.(settings, Office.context.mailbox.userProfile?.emailAddress ?? ""),
  );
}

async function engineFor(): Promise<BrowserEngineWorker["engine"]> {
  engine ??= startBrowserEngine(new URL("engine-worker.js", document.baseURI)).catch((error: unknown) => {
    engine = undefined;
    throw error;
  });
  return (await engine).engine;
}

async function read(item: Office.MessageItem | null | undefined, stale: () => boolean): Promise<void> {
  if (item === null || item === undefined) return say("neutral", PANE_WORDS.noItem);
  say("neutral", PANE_WORDS.opening);
  if (typeof item.getAsFileAsync !== "function") return say("error", PANE_WORDS.noRawMessage);
  let bytes: Uint8Array;
  try {
    bytes = await rawMessage(item);
  } catch (error) {
    if (!stale()) say("error", PANE_WORDS.getFailed, error instanceof Error ? error.message : String(error));
    return;
  }
  if (stale()) return;
  try {
    const accounts = await loadAccounts();
    if (accounts.length === 0) return say("error", plainWords("NO_ACCOUNT")!, "NO_ACCOUNT");
    const worker = await engineFor();
    await worker.setAccounts(accounts);
    const model = await worker.renderMessage(bytes, { time: Date.now() });
    if (stale()) return;
    if (model === undefined) return say("neutral", PANE_WORDS.notEncrypted);
    render(model);
  } catch (error) {
    if (!stale()) say("error", `${PANE_WORDS.engineFailed} ${plainError(error)}`);
  }
}

/**
 * Reads and shows the selected message; a newer selection makes this one's answer stale. When done,
 * the body's data-shown names the item shown (its itemId), so a page or a test can tell it finished.
 */
export async function showSelected(): Promise<void> {
  const mine = ++generation;
  const stale = () => mine !== generation;
  const item = Office.context.mailbox.item;
  delete document.body.dataset.shown;
  try {
    await read(item, stale);
  } finally {
    if (!stale()) document.body.dataset.shown = item?.itemId ?? "";
  }
}

/** What the page gives the pane: how it gets a sign-in token and Microsoft Graph tokens. */
export interface PaneSeams {
  /** The proof of the address for this deployment (nested app authentication in Outlook), if any. */
  tokenSource?: (config: SetupConfig) => AddressTokenSource | undefined;
  /**
   * Microsoft Graph access (nested app authentication in Outlook), if any: the $value fallback, and
   * the challenge mail found in the inbox without typing.
   */
  graphTokens?: GraphTokens;
}

/**
 * Offers the setup when this browser profile has no account for the mailbox's address (the one
 * Outlook names, userProfile.emailAddress); once it is done the selected message is read again.
 */
async function offerSetup(seams: PaneSeams): Promise<void> {
  const address = Office.context.mailbox.userProfile?.emailAddress;
  const section = $("setup");
  if (address === undefined || address === "") {
    section.hidden = false;
    $("setup-status").textContent = SETUP_WORDS.noAddress;
    return;
  }
  const accounts = await loadAccounts();
  if (accounts.some((account) => account.address.toLowerCase() === address.toLowerCase())) return;
  let settings: SetupConfig;
  try {
    settings = await paneConfig();
  } catch (error) {
    section.hidden = false;
    $("setup-title").textContent = SETUP_WORDS.title(address);
    $("setup-status").textContent = plainError(error);
    return;
  }
  const tokenSource = seams.tokenSource?.(settings);
  let mailbox: ChallengeMailbox | undefined;
  try {
    mailbox = new GraphChallengeMailbox(graphClient(settings, seams.graphTokens?.(settings, address)));
  } catch {
    // No Graph access: the code is typed instead.
  }
  // Loaded only when needed: the setup runs shared's client flows in the page (key release, the
  // signing key and its CSR, OPAQUE with its WebAssembly), which a pane set up never needs.
  const { showSetup } = await import("../setup/setup-pane.js");
  showSetup(
    address,
    {
      config: settings,
      store: accountStore(),
      ...(tokenSource === undefined ? {} : { tokenSource }),
      ...(mailbox === undefined ? {} : { mailbox }),
    },
    () => void showSelected(),
  );
}

/** Starts the pane once Office is ready: follows the selection, and offers the setup when needed. */
export function startReadPane(seams: PaneSeams = {}): void {
  paneSeams = seams;
  // ItemChanged (Mailbox 1.5): a pinned pane stays open while the selection moves.
  Office.context.mailbox.addHandlerAsync?.("olkItemSelectedChanged", () => void showSelected());
  void offerSetup(seams).catch((error: unknown) => {
    $("setup").hidden = false;
    $("setup-status").textContent = plainError(error);
  });
  void showSelected();
}
