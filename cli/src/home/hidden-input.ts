// A line typed on the terminal without echo (a password), through the terminal's raw mode: the
// command reads the keys itself, so nothing typed reaches the screen. Node's readline offers no
// hidden input except by replacing its private output method; this needs no private field.
import { MailsealError } from "@mailseal/shared/offline";

const CTRL_C = 0x03;
const CTRL_D = 0x04;
const BACKSPACE = 0x08;
const LINE_FEED = 0x0a;
const CARRIAGE_RETURN = 0x0d;
const CTRL_U = 0x15;
const ESCAPE = 0x1b;
const DELETE = 0x7f;

/** The terminal side of a hidden read: standard input in raw mode, standard error for the prompt. */
export interface HiddenTerminal {
  readonly input: NodeJS.ReadStream;
  readonly output: { write(text: string): unknown };
}

/**
 * The keys of one line, as they come: Enter ends it; Backspace and Delete remove the last
 * character (all bytes of a UTF-8 sequence); Ctrl-U clears the line; Ctrl-C, and Ctrl-D on an empty
 * line, cancel. Other control keys and escape sequences (arrows, function keys) are ignored.
 */
export class HiddenLine {
  private bytes: number[] = [];
  /** Inside an escape sequence: ESC, then "[" or "O", then bytes up to a final byte 0x40-0x7e. */
  private escape: "none" | "start" | "body" = "none";

  /** Feeds typed bytes; returns the line once Enter was typed, "cancel", or undefined for more. */
  push(chunk: Uint8Array): string | "cancel" | undefined {
    for (const byte of chunk) {
      if (this.escape !== "none") {
        if (this.escape === "start") this.escape = byte === 0x5b || byte === 0x4f ? "body" : "none";
        else if (byte >= 0x40 && byte <= 0x7e) this.escape = "none";
        continue;
      }
      if (byte === CARRIAGE_RETURN || byte === LINE_FEED) return this.take();
      if (byte === CTRL_C || (byte === CTRL_D && this.bytes.length === 0)) {
        this.wipe();
        return "cancel";
      }
      if (byte === BACKSPACE || byte === DELETE) {
        // The last character: UTF-8 continuation bytes (10xxxxxx), then the byte that leads them.
        let dropped = this.bytes.pop();
        while (dropped !== undefined && (dropped & 0xc0) === 0x80) dropped = this.bytes.pop();
      } else if (byte === CTRL_U) {
        this.wipe();
      } else if (byte === ESCAPE) {
        this.escape = "start";
      } else if (byte >= 0x20) {
        this.bytes.push(byte);
      }
    }
    return undefined;
  }

  private take(): string {
    const line = new TextDecoder().decode(new Uint8Array(this.bytes));
    this.wipe();
    return line;
  }

  private wipe(): void {
    this.bytes.fill(0);
    this.bytes = [];
  }
}

/** Asks `question` and reads one line without echo; rejects with USAGE "cancelled" on Ctrl-C or Ctrl-D. */
export function readHiddenLine(
  question: string,
  terminal: HiddenTerminal = { input: process.stdin, output: process.stderr },
): Promise<string> {
  const { input, output } = terminal;
  return new Promise((resolve, reject) => {
    const line = new HiddenLine();
    const wasRaw = input.isRaw;
    const finish = (): void => {
      input.off("data", onData);
      input.off("end", onEnd);
      input.setRawMode(wasRaw);
      input.pause();
      output.write("\n");
    };
    const onData = (chunk: Buffer): void => {
      const result = line.push(chunk);
      chunk.fill(0);
      if (result === undefined) return;
      finish();
      if (result === "cancel") reject(new MailsealError("USAGE", "cancelled"));
      else resolve(result);
    };
    const onEnd = (): void => {
      finish();
      reject(new MailsealError("USAGE", "cancelled"));
    };
    // Raw mode before the question: whatever is typed once the question shows is never echoed.
    input.setRawMode(true);
    output.write(question);
    input.on("data", onData);
    input.on("end", onEnd);
    input.resume();
  });
}
