// Screenshots a test takes for a README: written into the repository only when asked, so a test run
// does not change tracked files.
import { writeFileSync } from "node:fs";

/** Set to 1 to write the screenshots the READMEs show. */
export const UPDATE_SCREENSHOTS = "MAILSEAL_UPDATE_SCREENSHOTS";

export function keepScreenshot(png: Uint8Array, path: string): void {
  if (process.env[UPDATE_SCREENSHOTS] === "1") writeFileSync(path, png);
}
