// The message display script (scripting.messageDisplay.registerScripts): runs in the message pane
// of every displayed message, asks the background over a port what to show, and if the message is
// ours replaces the pane's content with a banner, the decrypted body and the attachment list. It
// renders only what it is given (no fetch, no remote content) and reports what it rendered back.
import { DISPLAY_PORT, type DisplayAnswer, type DisplayReport, type RenderModel } from "../reader/render-model.js";
import { sanitizeHtml } from "./sanitize.js";

const BANNER_STYLE: Record<RenderModel["banner"]["kind"], string> = {
  encrypted: "background:#e6f4ea;border:1px solid #34a853;color:#0d652d",
  failed: "background:#fce8e6;border:1px solid #d93025;color:#a50e0e",
};

function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

function render(model: RenderModel): DisplayReport {
  const doc = document;
  const root = doc.createElement("div");
  root.id = "mailseal-root";
  const banner = doc.createElement("div");
  banner.id = "mailseal-banner";
  banner.setAttribute("role", "status");
  banner.dataset.kind = model.banner.kind;
  banner.setAttribute("style", `${BANNER_STYLE[model.banner.kind]};padding:6px 10px;margin:0 0 10px;font:menu`);
  banner.textContent =
    model.banner.kind === "failed"
      ? `Not decrypted (${model.banner.code}): ${model.banner.detail}`
      : model.banner.detail;
  root.appendChild(banner);

  const content = doc.createElement("div");
  content.id = "mailseal-content";
  if (model.body.kind === "text") {
    const pre = doc.createElement("pre");
    pre.setAttribute("style", "white-space:pre-wrap;font-family:inherit");
    pre.textContent = model.body.text;
    content.appendChild(pre);
  } else if (model.body.kind === "html") {
    content.appendChild(sanitizeHtml(model.body.html, doc));
  }
  root.appendChild(content);

  if (model.attachments.length > 0) {
    const list = doc.createElement("ul");
    list.id = "mailseal-attachments";
    for (const attachment of model.attachments) {
      const item = doc.createElement("li");
      item.textContent = `${attachment.name} (${attachment.contentType}, ${formatSize(attachment.size)})`;
      list.appendChild(item);
    }
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
    text: content.innerText || content.textContent || "",
    elements,
    attachments: Array.from(root.querySelectorAll("#mailseal-attachments li"), (li) => li.textContent ?? ""),
    replaced,
  };
}

function start(): void {
  // The script can run twice for one message, the first time before there is a body.
  if (document.body === null || document.body.dataset.mailseal === "started") return;
  document.body.dataset.mailseal = "started";
  const port = browser.runtime.connect({ name: DISPLAY_PORT });
  port.onMessage.addListener((message: unknown) => {
    const answer = message as DisplayAnswer;
    if (answer.kind !== "render") {
      port.disconnect();
      return;
    }
    port.postMessage(render(answer.model));
  });
}

declare const browser: { runtime: { connect(info: { name: string }): messenger.Port } };
start();
