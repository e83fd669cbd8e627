// Sanitizing decrypted HTML for the message pane (DESIGN.md: "Decrypted HTML is sanitized before any
// add-in shows it"). The HTML is parsed inert (DOMParser runs no script and loads nothing) and
// rebuilt element by element in the target document from an allowlist: unknown elements are
// unwrapped (their text kept), dangerous ones dropped with their content, and only a few attributes
// survive. No remote content: no img/src, no style (url() could fetch), links only http(s)/mailto.
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
  "img",
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

function copy(source: Node, target: Node, doc: Document, depth: number): void {
  for (const child of Array.from(source.childNodes)) {
    if (child.nodeType === 3 /* TEXT_NODE */) {
      target.appendChild(doc.createTextNode(child.textContent ?? ""));
      continue;
    }
    if (child.nodeType !== 1 /* ELEMENT_NODE */) continue;
    const element = child as Element;
    const tag = element.localName.toLowerCase();
    if (DROPPED.has(tag) || element.namespaceURI !== "http://www.w3.org/1999/xhtml") continue;
    if (!ALLOWED.has(tag) || depth >= MAX_DEPTH) {
      copy(element, target, doc, depth);
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
    copy(element, clean, doc, depth + 1);
    target.appendChild(clean);
  }
}

/** A fragment of `doc` holding the allowed part of `html`. */
export function sanitizeHtml(html: string, doc: Document): DocumentFragment {
  const parsed = new DOMParser().parseFromString(html, "text/html");
  const fragment = doc.createDocumentFragment();
  copy(parsed.body, fragment, doc, 0);
  return fragment;
}
