// A virtual X display (Xvfb) for the visual run: Thunderbird draws its real windows there, not
// headless, and the screen is read back as PNG (xwd, then netpbm's xwdtopnm | pnmtopng). One display
// per Thunderbird, so each screenshot shows that profile's windows only. Debian packages `xvfb`,
// `matchbox-window-manager`, `x11-apps` (xwd) and `netpbm`, installed by scripts/ensure-system-deps.sh.
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { promisify } from "node:util";
import { start, stop, type Started } from "./processes.js";

const run = promisify(execFile);

export const XVFB_BINARY = "/usr/bin/Xvfb";
export const WM_BINARY = "/usr/bin/matchbox-window-manager";
/** The screen: room for Thunderbird's three-pane window and a compose window beside its message. */
export const SCREEN = { width: 1152, height: 864 };

export interface TestDisplay {
  /** The DISPLAY value, e.g. ":99". */
  display: string;
  /** Writes the whole screen as a PNG to `path` (folders made as needed). */
  screenshot(path: string): Promise<void>;
  stop(): Promise<void>;
}

/** Whether this machine can run the visual run: Xvfb, xwd and netpbm are installed. */
export function xvfbInstalled(): boolean {
  return [XVFB_BINARY, WM_BINARY, "/usr/bin/xwd", "/usr/bin/xwdtopnm", "/usr/bin/pnmtopng"].every((p) => existsSync(p));
}

export async function startXvfb(): Promise<TestDisplay> {
  // -displayfd: Xvfb picks a free display number and writes it on fd 3 once it accepts clients, so
  // two runs never collide and no start-up delay is guessed.
  const xvfb: Started = start(
    XVFB_BINARY,
    ["-displayfd", "3", "-screen", "0", `${SCREEN.width}x${SCREEN.height}x24`, "-nolisten", "tcp"],
    { stdio: ["ignore", "pipe", "pipe", "pipe"] },
  );
  const number = await new Promise<string>((resolve, reject) => {
    let text = "";
    const timer = setTimeout(() => reject(new Error(`Xvfb did not start:\n${xvfb.output()}`)), 20_000);
    xvfb.child.stdio[3]!.on("data", (chunk: Buffer) => {
      text += chunk.toString("utf8");
      if (text.includes("\n")) {
        clearTimeout(timer);
        resolve(text.trim());
      }
    });
    void xvfb.exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`Xvfb exited (${code}):\n${xvfb.output()}`));
    });
  });
  const display = `:${number}`;
  // A window manager: without one, Thunderbird paints only its first window (a compose window
  // stays black). matchbox shows one window at a time, full screen, as on a small laptop.
  const wm: Started = start(WM_BINARY, ["-use_titlebar", "no", "-use_cursor", "no"], {
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", DISPLAY: display },
  });
  return {
    display,
    async screenshot(path) {
      mkdirSync(dirname(path), { recursive: true });
      const xwd = await run("xwd", ["-root", "-silent", "-display", display], {
        encoding: "buffer",
        maxBuffer: 64 * 1024 * 1024,
      });
      const pnm = await pipe("xwdtopnm", [], xwd.stdout);
      writeFileSync(path, await pipe("pnmtopng", ["-compression", "9"], pnm));
    },
    stop: async () => {
      await stop(wm);
      await stop(xvfb);
    },
  };
}

/** Runs `command` with `input` on its standard input; resolves its standard output. */
function pipe(command: string, args: string[], input: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = execFile(command, args, { encoding: "buffer", maxBuffer: 64 * 1024 * 1024 }, (error, stdout) =>
      error ? reject(error) : resolve(stdout),
    );
    child.stdin!.end(input);
  });
}
