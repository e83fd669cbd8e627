// The sanitizer's image rule (src/display/sanitize.ts) in Node: an <img> is kept only when its src is a
// cid: URL (RFC 2392 2) naming an image part of this message; then it shows that part's data: URL.
// The DOM walk itself runs in Thunderbird (test/thunderbird/end-to-end.test.ts) and in the Outlook read
// pane in headless Chromium (addin-outlook/test/read-pane.test.ts).
import { describe, expect, it } from "vitest";
import { inlineImageUrl, keptImageAttribute } from "../src/view.js";

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
