// The sanitizer's rules (src/display/sanitize.ts) in Node: an <img> is kept only when its src is a
// cid: URL (RFC 2392 2) naming an image part of this message; then it shows that part's data: URL.
// Table layout attributes and inline style declarations are kept only in vetted forms.
// The DOM walk itself runs in Thunderbird (test/thunderbird/end-to-end.test.ts) and in the Outlook read
// pane in headless Chromium (addin-outlook/test/read-pane.test.ts).
import { describe, expect, it } from "vitest";
import { inlineImageUrl, keptAttribute, keptImageAttribute, vetStyle } from "../src/view.js";

const PNG = "data:image/png;base64,iVBORw0KGgo=";
const images = new Map([
  ["logo@example.org", PNG],
  ["a b%c@example.org", "data:image/gif;base64,R0lGOD=="],
]);

describe("inlineImageUrl", () => {
  it("maps cid: of a part of the message to its data: URL (scheme case-insensitive, outer spaces trimmed)", () => {
    expect(inlineImageUrl("cid:logo@example.org", images)).toBe(PNG);
    expect(inlineImageUrl("CID:logo@example.org", images)).toBe(PNG);
    expect(inlineImageUrl("  cid:logo@example.org \n", images)).toBe(PNG);
  });

  it("URL-decodes the Content-ID (RFC 2392 2: cid is the addr-spec, %-encoded)", () => {
    expect(inlineImageUrl("cid:a%20b%25c@example.org", images)).toBe("data:image/gif;base64,R0lGOD==");
  });

  it.each([
    ["a remote image", "https://tracker.example/pixel.gif"],
    ["a protocol-relative URL", "//tracker.example/pixel.gif"],
    ["a data: URL written by the sender", PNG],
    ["a javascript: URL", "javascript:alert(1)"],
    ["a file: URL", "file:///etc/passwd"],
    ["a cid: not in the message", "cid:other@example.org"],
    ["a cid: with angle brackets (the URL form has none)", "cid:<logo@example.org>"],
    ["a malformed %-escape", "cid:logo%E0%A4%A@example.org"],
    ["an empty src", ""],
    ["mid: (a message, not a part)", "mid:logo@example.org"],
  ])("drops %s", (_what, src) => {
    expect(inlineImageUrl(src, images)).toBeUndefined();
  });

  it("drops everything when the message has no image parts", () => {
    expect(inlineImageUrl("cid:logo@example.org", new Map())).toBeUndefined();
  });
});

describe("keptImageAttribute", () => {
  it("keeps alt and title as text", () => {
    expect(keptImageAttribute("alt", 'x" onerror="alert(1)')).toBe(true);
    expect(keptImageAttribute("title", "")).toBe(true);
  });

  it("keeps width and height only as plain pixel numbers of at most 4 digits", () => {
    expect(keptImageAttribute("width", "640")).toBe(true);
    expect(keptImageAttribute("height", "1")).toBe(true);
    for (const value of ["100%", "12px", "-1", "10000", " 64", "1e3", "expression(alert(1))", ""]) {
      expect(keptImageAttribute("width", value), value).toBe(false);
    }
  });

  it("drops every other attribute, whatever its value", () => {
    for (const name of ["src", "srcset", "style", "onerror", "onload", "usemap", "longdesc", "loading"]) {
      expect(keptImageAttribute(name, "1"), name).toBe(false);
    }
  });
});

describe("keptAttribute (issue 14, finding 9: tables keep their borders and alignment)", () => {
  it.each([
    ["border", "1"],
    ["cellpadding", "4"],
    ["cellspacing", "0"],
    ["colspan", "2"],
    ["rowspan", "3"],
    ["width", "600"],
    ["width", "100%"],
    ["height", "20"],
    ["align", "right"],
    ["align", "CENTER"],
    ["valign", "top"],
    ["bgcolor", "#f0f0f0"],
    ["bgcolor", "silver"],
  ])("keeps %s=%s", (name, value) => {
    expect(keptAttribute(name, value)).toBe(value);
  });

  it("keeps text attributes as they are and trims layout values", () => {
    expect(keptAttribute("title", " a title ")).toBe(" a title ");
    expect(keptAttribute("ALIGN", " left ")).toBe("left");
  });

  it.each([
    ["border", "-1"],
    ["border", "1px"],
    ["width", "expression(alert(1))"],
    ["width", "12345"],
    ["colspan", "1000"],
    ["align", "absmiddle"],
    ["valign", "javascript:1"],
    ["bgcolor", "url(https://tracker.example/x)"],
    ["background", "https://tracker.example/x.png"],
    ["onclick", "alert(1)"],
    ["style", "color: red"],
    ["class", "x"],
    ["id", "mailseal-banner"],
  ])("drops %s=%s", (name, value) => {
    expect(keptAttribute(name, value)).toBeUndefined();
  });
});

describe("vetStyle", () => {
  it("keeps declarations of the vetted properties in plain forms", () => {
    expect(
      vetStyle(
        "border: 1px solid #ccc; border-collapse: collapse; text-align: right; padding: 4px 8px; " +
          "background-color: rgb(240, 240, 240); color: navy; font-weight: bold; font-family: Arial, 'Helvetica Neue', sans-serif",
      ),
    ).toBe(
      "border: 1px solid #ccc; border-collapse: collapse; text-align: right; padding: 4px 8px; " +
        "background-color: rgb(240, 240, 240); color: navy; font-weight: bold; font-family: Arial, 'Helvetica Neue', sans-serif",
    );
    expect(vetStyle("WIDTH: 50%;vertical-align:top;")).toBe("width: 50%; vertical-align: top");
  });

  it.each([
    ["url() in a shorthand", "background: url(https://tracker.example/p.gif)"],
    ["url() as a colour", "color: url(https://tracker.example/p.gif)"],
    ["background-image", "background-image: url(cid:x)"],
    ["an expression()", "width: expression(alert(1))"],
    ["a CSS escape spelling url", "color: \\75 rl(x)"],
    ["a comment", "color: red/**/"],
    ["!important", "color: red !important"],
    ["position", "position: absolute"],
    ["position: fixed", "position: fixed; top: 0"],
    ["display", "display: none"],
    ["float", "float: left"],
    ["z-index", "z-index: 1000"],
    ["a negative margin", "margin-top: -200px"],
    ["a negative margin in a shorthand", "margin: 0 0 -50px 0"],
    ["transform", "transform: translateY(-100px)"],
    ["a function other than rgb()", "color: var(--x)"],
    ["calc()", "width: calc(100% + 10px)"],
    ["a behaviour (IE)", "behavior: url(x.htc)"],
    ["markup in a value", "font-family: </style><script>"],
    ["an unknown property", "content: 'x'"],
  ])("drops %s", (_what, style) => {
    expect(vetStyle(style)).toBe("");
  });

  it("keeps the good declarations beside a dropped one", () => {
    expect(vetStyle("position: absolute; color: red; background: url(x); text-align: center")).toBe(
      "color: red; text-align: center",
    );
  });
});
