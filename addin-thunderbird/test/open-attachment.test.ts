// Which attachments "Open" refuses as programs (src/background/open-attachment.ts); the opening
// itself runs in a real Thunderbird (../../test/thunderbird/end-to-end.test.ts).
import { describe, expect, it } from "vitest";
import { isProgram } from "../src/background/open-attachment.js";

describe("isProgram", () => {
  it("knows programs and scripts by name, whatever the type says", () => {
    for (const name of [
      "setup.exe",
      "SETUP.EXE",
      "fix.sh",
      "a.b.ps1",
      "run.bat",
      "x.desktop",
      "app.AppImage",
      "mount.iso",
    ]) {
      expect(isProgram(name, "text/plain"), name).toBe(true);
    }
  });

  it("is not fooled by trailing dots or spaces, which Windows drops", () => {
    expect(isProgram("invoice.pdf.exe.", "application/pdf")).toBe(true);
    expect(isProgram("invoice.exe . ", "application/pdf")).toBe(true);
  });

  it("knows programs by type, whatever the name says", () => {
    expect(isProgram("report.pdf", "application/x-msdownload")).toBe(true);
    expect(isProgram("notes.txt", "Application/X-Sh; charset=utf-8")).toBe(true);
  });

  it("opens documents", () => {
    for (const [name, type] of [
      ["report.pdf", "application/pdf"],
      ["notes.txt", "text/plain; charset=utf-8"],
      ["photo.JPG", "image/jpeg"],
      ["sheet.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"],
      ["no-extension", "application/octet-stream"],
    ]) {
      expect(isProgram(name!, type!), name).toBe(false);
    }
  });
});
