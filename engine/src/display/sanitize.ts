// Sanitizing decrypted HTML for the message pane (DESIGN.md: "Decrypted HTML is sanitized before any
// add-in shows it"). The HTML is parsed inert (DOMParser runs no script and loads nothing) and
// rebuilt element by element in the target document from an allowlist: unknown elements are
// unwrapped (their text kept), dangerous ones dropped with their content, and only a few attributes
// survive: table layout attributes with plain values (keptAttribute) and inline `style` declarations
// from a vetted list of properties and value forms (vetStyle), so tables keep their borders and
// alignment. No remote content: no <style>, no url() (it could fetch), links only http(s)/mailto, and an <img>
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
const ATTRIBUTES = new Set(["title", "alt", "dir", "lang"]);
/** A plain non-negative number of at most 4 digits (pixels for the HTML attributes below). */
const NUMBER = /^\d{1,4}$/;
/** Attributes of layout (HTML 4 table attributes, still what mail programs write), each with the values kept. */
const LAYOUT_ATTRIBUTES: Readonly<Record<string, RegExp>> = {
  border: NUMBER,
  cellpadding: NUMBER,
  cellspacing: NUMBER,
  colspan: /^\d{1,3}$/,
  rowspan: /^\d{1,3}$/,
  width: /^\d{1,4}%?$/,
  height: /^\d{1,4}%?$/,
  align: /^(left|center|right|justify)$/i,
  valign: /^(top|middle|bottom|baseline)$/i,
  bgcolor: /^(#[0-9a-f]{3}|#[0-9a-f]{6}|[a-z]{3,20})$/i,
};

/** The value an attribute of an allowed element keeps (trimmed), or undefined when it is dropped. */
export function keptAttribute(name: string, value: string): string | undefined {
  const lower = name.toLowerCase();
  if (ATTRIBUTES.has(lower)) return value;
  const rule = LAYOUT_ATTRIBUTES[lower];
  const trimmed = value.trim();
  return rule?.test(trimmed) === true ? trimmed : undefined;
}

// Inline style (CSS 2.1 declarations): only these properties, each value matched whole by a
// pattern that admits no function but rgb()/rgba() of numbers, no url(), no escapes, no comments,
// no negative length (a negative margin could lay the content over the add-on's banner) and no
// property that takes content out of the flow (position, float, display, z-index, transform).
const LENGTH = "(?:0|\\d{1,4}(?:\\.\\d{1,3})?(?:px|pt|em|rem|ex|ch|%))";
const COLOUR =
  "(?:#[0-9a-f]{3,4}|#[0-9a-f]{6}|#[0-9a-f]{8}|[a-z]{3,20}|rgba?\\(\\s*\\d{1,3}%?\\s*(?:,\\s*\\d{1,3}%?\\s*){2}(?:,\\s*(?:0|1|0?\\.\\d{1,3})\\s*)?\\))";
const BORDER_STYLE = "(?:none|hidden|solid|dashed|dotted|double|groove|ridge|inset|outset)";
const BORDER_WIDTH = `(?:${LENGTH}|thin|medium|thick)`;
const BORDER = `(?:(?:${BORDER_WIDTH}|${BORDER_STYLE}|${COLOUR})(?:\\s+(?:${BORDER_WIDTH}|${BORDER_STYLE}|${COLOUR})){0,2})`;
const whole = (pattern: string): RegExp => new RegExp(`^(?:${pattern})$`, "i");
const oneToFour = (pattern: string): RegExp => whole(`${pattern}(?:\\s+${pattern}){0,3}`);
const STYLE_PROPERTIES: Readonly<Record<string, RegExp>> = {
  color: whole(COLOUR),
  "background-color": whole(COLOUR),
  "font-weight": whole("normal|bold|bolder|lighter|[1-9]00"),
  "font-style": whole("normal|italic|oblique"),
  "font-size": whole(`${LENGTH}|xx-small|x-small|small|medium|large|x-large|xx-large|smaller|larger`),
  "font-family": whole(`[a-z0-9 _,'"-]{1,200}`),
  "line-height": whole(`normal|\\d{1,2}(?:\\.\\d{1,3})?|${LENGTH}`),
  "text-align": whole("left|right|center|justify|start|end"),
  "vertical-align": whole("top|middle|bottom|baseline|sub|super|text-top|text-bottom"),
  "text-decoration": whole("none|(?:underline|line-through|overline)(?:\\s+(?:underline|line-through|overline)){0,2}"),
  "white-space": whole("normal|nowrap|pre|pre-wrap|pre-line"),
  width: whole(`${LENGTH}|auto`),
  height: whole(`${LENGTH}|auto`),
  "min-width": whole(LENGTH),
  "max-width": whole(`${LENGTH}|none`),
  padding: oneToFour(LENGTH),
  "padding-top": whole(LENGTH),
  "padding-right": whole(LENGTH),
  "padding-bottom": whole(LENGTH),
  "padding-left": whole(LENGTH),
  margin: oneToFour(`${LENGTH}|auto`),
  "margin-top": whole(LENGTH),
  "margin-right": whole(`${LENGTH}|auto`),
  "margin-bottom": whole(LENGTH),
  "margin-left": whole(`${LENGTH}|auto`),
  border: whole(BORDER),
  "border-top": whole(BORDER),
  "border-right": whole(BORDER),
  "border-bottom": whole(BORDER),
  "border-left": whole(BORDER),
  "border-color": oneToFour(COLOUR),
  "border-style": oneToFour(BORDER_STYLE),
  "border-width": oneToFour(BORDER_WIDTH),
  "border-collapse": whole("collapse|separate"),
  "border-spacing": whole(`${LENGTH}(?:\\s+${LENGTH})?`),
  "list-style-type": whole("none|disc|circle|square|decimal|lower-alpha|upper-alpha|lower-roman|upper-roman"),
};

/**
 * The declarations of a `style` attribute that are kept, as "property: value; ..." ("" when none):
 * each declaration alone is kept or dropped. A value with a backslash (CSS escapes could spell any
 * word), a comment or !important is dropped whole.
 */
export function vetStyle(style: string): string {
  const kept: string[] = [];
  for (const declaration of style.split(";")) {
    const colon = declaration.indexOf(":");
    if (colon < 0) continue;
    const property = declaration.slice(0, colon).trim().toLowerCase();
    const value = declaration.slice(colon + 1).trim();
    if (/[\\]|\/\*|!|[<>{}]/.test(value) || value.length > 200) continue;
    if (STYLE_PROPERTIES[property]?.test(value) === true) kept.push(`${property}: ${value}`);
  }
  return kept.join("; ");
}
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
      const kept = name === "style" ? vetStyle(attribute.value) || undefined : keptAttribute(name, attribute.value);
      if (kept !== undefined) clean.setAttribute(name, kept);
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
