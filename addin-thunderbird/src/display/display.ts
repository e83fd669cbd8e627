// The message display script (scripting.messageDisplay.registerScripts): runs in the message pane
// of every displayed message, asks the background over a port what to show, and if the message is
// ours replaces the pane's content with a banner, the decrypted body and the attachment list. It
// renders only what it is given (no fetch, no remote content) and reports what it rendered back.
// Inline images (cid:) become data: URLs of the bytes the background sent; an attachment's Save
// button asks the background, which holds the bytes, to download it (background/display.ts).
import {
  DISPLAY_PORT,
  type DisplayAnswer,
  type DisplayNotice,
  type DisplayReport,
  type DisplayRequest,
  type InlineImage,
  type RenderModel,
  bannerView,
  type BannerView,
  sanitizeHtml,
} from "@mailseal/engine/view";

const BANNER_STYLE: Record<BannerView["level"], string> = {
  ok: "background:#e6f4ea;border:1px solid #34a853;color:#0d652d",
  // Not green: decrypted intact, but nothing says who sent it.
  neutral: "background:#f1f3f4;border:1px solid #9aa0a6;color:#202124",
  warning: "background:#fef7e0;border:1px solid #f9ab00;color:#7a4f01",
  error: "background:#fce8e6;border:1px solid #d93025;color:#a50e0e",
};

function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

/** A data: URL (RFC 2397) of an image part; the type is one of the reader's allowlist. */
function dataUrl(image: InlineImage): string {
  let binary = "";
  for (let i = 0; i < image.data.length; i += 0x8000) {
    binary += String.fromCharCode(...image.data.subarray(i, i + 0x8000));
  }
  return `data:${image.contentType};base64,${btoa(binary)}`;
}

function render(model: RenderModel, send: (request: DisplayRequest) => void): DisplayReport {
  const doc = document;
  const root = doc.createElement("div");
  root.id = "mailseal-root";
  const banner = doc.createElement("div");
  banner.id = "mailseal-banner";
  banner.setAttribute("role", "status");
  banner.dataset.kind = model.banner.kind;
  // Plain words first (ui/plain-words.ts); the code and the technical reason only behind "Details".
  const view = bannerView(model.banner);
  banner.dataset.level = view.level;
  banner.setAttribute("style", `${BANNER_STYLE[view.level]};padding:6px 10px;margin:0 0 10px;font:menu`);
  const headline = doc.createElement("span");
  headline.id = "mailseal-banner-headline";
  headline.textContent = view.headline;
  banner.appendChild(headline);
  if (view.details !== "") {
    const details = doc.createElement("details");
    details.id = "mailseal-banner-details";
    const summary = doc.createElement("summary");
    summary.textContent = "Details";
    const text = doc.createElement("div");
    text.textContent = view.details;
    details.append(summary, text);
    banner.appendChild(details);
  }
  root.appendChild(banner);

  const content = doc.createElement("div");
  content.id = "mailseal-content";
  if (model.body.kind === "text") {
    const pre = doc.createElement("pre");
    pre.setAttribute("style", "white-space:pre-wrap;font-family:inherit");
    pre.textContent = model.body.text;
    content.appendChild(pre);
  } else if (model.body.kind === "html") {
    const images = new Map((model.inlineImages ?? []).map((image) => [image.contentId, dataUrl(image)]));
    content.appendChild(sanitizeHtml(model.body.html, doc, images));
  }
  root.appendChild(content);

  if (model.attachments.length > 0) {
    const list = doc.createElement("ul");
    list.id = "mailseal-attachments";
    model.attachments.forEach((attachment, index) => {
      const item = doc.createElement("li");
      const label = doc.createElement("span");
      label.className = "mailseal-attachment";
      label.textContent = `${attachment.name} (${attachment.contentType}, ${formatSize(attachment.size)})`;
      const save = doc.createElement("button");
      save.type = "button";
      save.className = "mailseal-save";
      save.dataset.index = String(index);
      save.textContent = "Save";
      save.addEventListener("click", () => {
        save.disabled = true;
        send({ kind: "save", index });
      });
      const status = doc.createElement("span");
      status.className = "mailseal-save-status";
      item.append(label, " ", save, " ", status);
      list.appendChild(item);
    });
    root.appendChild(list);
  }
  // Replace what Thunderbird showed (for S/MIME it cannot read: an empty body or an smime.p7m; for
  // CBC + PKCS#1 v1.5 to a key in its NSS store: its own decryption, which ours supersedes).
  const replaced = (doc.body.innerText || doc.body.textContent || "").slice(0, 500);
  doc.body.replaceChildren(root);
  const elements = [...new Set(Array.from(content.querySelectorAll("*"), (e) => e.localName))].sort();
  return {
    banner: model.banner.kind,
    bannerText: banner.textContent,
    bannerHeadline: headline.textContent,
    bannerDetails: banner.querySelector("#mailseal-banner-details > div")?.textContent ?? "",
    bannerLevel: view.level,
    text: content.innerText || content.textContent || "",
    elements,
    attachments: Array.from(
      root.querySelectorAll("#mailseal-attachments .mailseal-attachment"),
      (e) => e.textContent ?? "",
    ),
    images: Array.from(content.querySelectorAll("img"), (img) => img.getAttribute("src") ?? ""),
    replaced,
  };
}

function notice(message: DisplayNotice): void {
  // Test flavour only: the harness presses a button (the release .xpi has no such notice).
  if (MAILSEAL_TEST_FLAVOUR && message.kind === "testClick") {
    document.querySelector<HTMLElement>(message.selector)?.click();
    return;
  }
  if (message.kind !== "saved") return;
  const button = document.querySelector<HTMLButtonElement>(`.mailseal-save[data-index="${message.index}"]`);
  const status = button?.parentElement?.querySelector(".mailseal-save-status");
  if (button === null || button === undefined || status === null || status === undefined) return;
  button.disabled = false;
  status.textContent = message.ok ? `saved as ${message.filename}` : `not saved: ${message.message}`;
}

function start(): void {
  // The script can run twice for one message, the first time before there is a body.
  if (document.body === null || document.body.dataset.mailseal === "started") return;
  document.body.dataset.mailseal = "started";
  const port = browser.runtime.connect({ name: DISPLAY_PORT });
  let rendered = false;
  const send = (request: DisplayRequest): void => port.postMessage(request);
  port.onMessage.addListener((message: unknown) => {
    if (rendered) return notice(message as DisplayNotice);
    const answer = message as DisplayAnswer;
    if (answer.kind !== "render") {
      port.disconnect();
      return;
    }
    rendered = true;
    const report = render(answer.model, send);
    // Test flavour only: what was rendered goes back for the harness to check.
    if (MAILSEAL_TEST_FLAVOUR) send({ kind: "report", report });
  });
}

declare const browser: { runtime: { connect(info: { name: string }): messenger.Port } };
start();
