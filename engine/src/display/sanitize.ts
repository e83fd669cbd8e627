// Sanitizing decrypted HTML for the message pane (DESIGN.md: "Decrypted HTML is sanitized before any
// add-in shows it"). The HTML is parsed inert (DOMParser runs no script and loads nothing) and
// rebuilt element by element in the target document from an allowlist: unknown elements are
// unwrapped (their text kept), dangerous ones dropped with their content, and only a few attributes
// survive. No remote content: no style (url() could fetch), links only http(s)/mailto, and an <img>
// only when its src is cid: naming an image part of the message itself (RFC 2392), which becomes a
// data: URL of those decoded bytes; every other image is dropped.
// Both add-ins show decrypted mail through it: Thunderbird's message display script and Outlook's
// read pane. The host passes the document to build in (and its DOMParser parses).
const ALLOWED = new Set([
  "a",
  "abbr",
  "b",
  "blockquote",
  "br",
  "caption",
  "cite",
  "code",
  "dd",
  "del",
  "div",
  "dl",
  "dt",
  "em",
  "h1",
  "h2",
  "h3",
  "h4",
  "h5",
  "h6",
  "hr",
  "i",
  "ins",
  "kbd",
  "li",
  "mark",
  "ol",
  "p",
  "pre",
  "q",
  "s",
  "small",
  "span",
  "strong",
  "sub",
  "sup",
  "table",
  "tbody",
  "td",
  "tfoot",
  "th",
  "thead",
  "tr",
  "u",
  "ul",
]);
const DROPPED = new Set([
  "script",
  "style",
  "iframe",
  "frame",
  "frameset",
  "object",
  "embed",
  "applet",
  "svg",
  "math",
  "template",
  "noscript",
  "head",
  "title",
  "form",
  "input",
  "button",
  "textarea",
  "select",
  "option",
  "link",
  "meta",
  "base",
  "picture",
  "video",
  "audio",
  "source",
  "track",
  "canvas",
  "map",
  "area",
  "portal",
]);
const ATTRIBUTES = new Set(["colspan", "rowspan", "align", "title", "alt", "dir", "lang"]);
const SAFE_LINK = /^(https?:|mailto:)/i;
/** Deeper nesting is flattened: hostile HTML must not exhaust the stack. */
const MAX_DEPTH = 64;

/** cid: URL (RFC 2392 2: the Content-ID, URL-encoded, without angle brackets) to a data: URL. */
export type InlineImages = ReadonlyMap<string, string>;

/** The image rule: the data: URL an <img src> may show, or undefined (the image is dropped). */
export function inlineImageUrl(src: string, images: InlineImages): string | undefined {
  const trimmed = src.trim();
  if (!/^cid:/i.test(trimmed)) return undefined;
  let contentId: string;
  try {
    contentId = decodeURIComponent(trimmed.slice(4));
  } catch {
    return undefined;
  }
  return images.get(contentId);
}

/** The <img> attributes kept besides src: alt/title as text, width/height only as plain pixel numbers. */
export function keptImageAttribute(name: string, value: string): boolean {
  return name === "alt" || name === "title" || ((name === "width" || name === "height") && /^\d{1,4}$/.test(value));
}

function inlineImage(element: Element, doc: Document, images: InlineImages): Element | undefined {
  const url = inlineImageUrl(element.getAttribute("src") ?? "", images);
  if (url === undefined) return undefined;
  const img = doc.createElement("img");
  img.setAttribute("src", url);
  for (const name of ["alt", "title", "width", "height"]) {
    const value = element.getAttribute(name);
    if (value !== null && keptImageAttribute(name, value)) img.setAttribute(name, value);
  }
  img.setAttribute("style", "max-width:100%");
  return img;
}

function copy(source: Node, target: Node, doc: Document, depth: number, images: InlineImages): void {
  for (const child of Array.from(source.childNodes)) {
    if (child.nodeType === 3 /* TEXT_NODE */) {
      target.appendChild(doc.createTextNode(child.textContent ?? ""));
      continue;
    }
    if (child.nodeType !== 1 /* ELEMENT_NODE */) continue;
    const element = child as Element;
    const tag = element.localName.toLowerCase();
    if (tag === "img" && element.namespaceURI === "http://www.w3.org/1999/xhtml") {
      const img = inlineImage(element, doc, images);
      if (img !== undefined) target.appendChild(img);
      continue;
    }
    if (DROPPED.has(tag) || element.namespaceURI !== "http://www.w3.org/1999/xhtml") continue;
    if (!ALLOWED.has(tag) || depth >= MAX_DEPTH) {
      copy(element, target, doc, depth, images);
      continue;
    }
    const clean = doc.createElement(tag);
    for (const attribute of Array.from(element.attributes)) {
      const name = attribute.name.toLowerCase();
      if (ATTRIBUTES.has(name)) clean.setAttribute(name, attribute.value);
      else if (tag === "a" && name === "href" && SAFE_LINK.test(attribute.value.trim())) {
        clean.setAttribute("href", attribute.value.trim());
        clean.setAttribute("rel", "noopener noreferrer");
      }
    }
    copy(element, clean, doc, depth + 1, images);
    target.appendChild(clean);
  }
}

/** A fragment of `doc` holding the allowed part of `html`; `images` maps Content-IDs to data: URLs. */
export function sanitizeHtml(html: string, doc: Document, images: InlineImages = new Map()): DocumentFragment {
  const parsed = new DOMParser().parseFromString(html, "text/html");
  const fragment = doc.createDocumentFragment();
  copy(parsed.body, fragment, doc, 0, images);
  return fragment;
}
