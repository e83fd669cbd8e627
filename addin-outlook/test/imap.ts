// The few IMAP4rev1 commands (RFC 3501) the Graph double needs against the test Dovecot: LOGIN,
// CREATE, SELECT, APPEND (a synchronizing literal, 7.5/6.3.11), UID SEARCH, UID FETCH of the whole
// message and its INTERNALDATE, UID STORE + EXPUNGE. One command at a time over one connection.
import { connect, type Socket } from "node:net";

export interface FetchedMessage {
  uid: number;
  internalDate: string;
  raw: Buffer;
}

export class ImapSession {
  #socket: Socket;
  #buffer = Buffer.alloc(0);
  #waiters: (() => void)[] = [];
  #tag = 0;
  #closed = false;

  private constructor(socket: Socket) {
    this.#socket = socket;
    socket.on("data", (data: Buffer) => {
      this.#buffer = Buffer.concat([this.#buffer, data]);
      for (const wake of this.#waiters.splice(0)) wake();
    });
    socket.on("close", () => {
      this.#closed = true;
      for (const wake of this.#waiters.splice(0)) wake();
    });
  }

  static async open(port: number, user: string, password: string): Promise<ImapSession> {
    const socket = connect(port, "127.0.0.1");
    await new Promise<void>((resolve, reject) => {
      socket.once("connect", resolve);
      socket.once("error", reject);
    });
    const session = new ImapSession(socket);
    await session.#line(); // greeting
    await session.command(`LOGIN ${quote(user)} ${quote(password)}`);
    return session;
  }

  async #more(): Promise<void> {
    if (this.#closed) throw new Error("IMAP connection closed");
    await new Promise<void>((resolve) => this.#waiters.push(resolve));
  }

  /** One response line (without CRLF), as latin1. */
  async #line(): Promise<string> {
    for (;;) {
      const end = this.#buffer.indexOf("\r\n");
      if (end >= 0) {
        const line = this.#buffer.subarray(0, end).toString("latin1");
        this.#buffer = this.#buffer.subarray(end + 2);
        return line;
      }
      await this.#more();
    }
  }

  async #bytes(n: number): Promise<Buffer> {
    while (this.#buffer.length < n) await this.#more();
    const bytes = Buffer.from(this.#buffer.subarray(0, n));
    this.#buffer = this.#buffer.subarray(n);
    return bytes;
  }

  /**
   * Sends `command` (with `literal` after a continuation, APPEND) and reads up to its tagged OK:
   * untagged lines, each literal of theirs beside the line it belongs to.
   */
  async command(command: string, literal?: Buffer): Promise<{ line: string; literals: Buffer[] }[]> {
    const tag = `m${++this.#tag}`;
    if (literal === undefined) this.#socket.write(`${tag} ${command}\r\n`);
    else {
      this.#socket.write(`${tag} ${command} {${literal.length}}\r\n`);
      const go = await this.#line();
      if (!go.startsWith("+")) throw new Error(`IMAP ${command}: ${go}`);
      this.#socket.write(Buffer.concat([literal, Buffer.from("\r\n")]));
    }
    const untagged: { line: string; literals: Buffer[] }[] = [];
    for (;;) {
      let line = await this.#line();
      if (line.startsWith(`${tag} `)) {
        if (!line.startsWith(`${tag} OK`)) throw new Error(`IMAP ${command.split(" ")[0]}: ${line}`);
        return untagged;
      }
      const literals: Buffer[] = [];
      // A line ending in {n} continues after n bytes (RFC 3501 4.3).
      for (let size = /\{(\d+)\}$/.exec(line); size !== null; size = /\{(\d+)\}$/.exec(line)) {
        literals.push(await this.#bytes(Number(size[1])));
        line = `${line}\u0000${await this.#line()}`;
      }
      untagged.push({ line, literals });
    }
  }

  async create(mailbox: string): Promise<void> {
    await this.command(`CREATE ${quote(mailbox)}`).catch((error: Error) => {
      if (!/ALREADYEXISTS|already exists/i.test(error.message)) throw error;
    });
  }

  async append(mailbox: string, message: Buffer): Promise<void> {
    await this.command(`APPEND ${quote(mailbox)}`, message);
  }

  async select(mailbox: string): Promise<void> {
    await this.command(`SELECT ${quote(mailbox)}`);
  }

  async uids(): Promise<number[]> {
    const lines = await this.command("UID SEARCH ALL");
    const found = lines.find((l) => l.line.startsWith("* SEARCH"));
    return (found?.line.slice("* SEARCH".length).trim().split(/\s+/) ?? []).filter((s) => s !== "").map(Number);
  }

  async fetch(uid: number): Promise<FetchedMessage | undefined> {
    const lines = await this.command(`UID FETCH ${uid} (UID INTERNALDATE BODY.PEEK[])`);
    const hit = lines.find((l) => / FETCH /.test(l.line) && l.literals.length > 0);
    if (hit === undefined) return undefined;
    const date = /INTERNALDATE "([^"]+)"/.exec(hit.line)?.[1] ?? "";
    return { uid, internalDate: date, raw: hit.literals[0]! };
  }

  async remove(uid: number): Promise<void> {
    await this.command(`UID STORE ${uid} +FLAGS.SILENT (\\Deleted)`);
    await this.command("EXPUNGE");
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    await this.command("LOGOUT").catch(() => undefined);
    this.#socket.destroy();
  }
}

function quote(value: string): string {
  return `"${value.replace(/(["\\])/g, "\\$1")}"`;
}

/** IMAP INTERNALDATE ("04-Dec-2026 19:00:00 +0000") as ISO 8601. */
export function isoOfInternalDate(value: string): string {
  const parsed = Date.parse(value.replace(/^(\d+)-(\w+)-(\d+) /, "$1 $2 $3 "));
  return Number.isNaN(parsed) ? new Date(0).toISOString() : new Date(parsed).toISOString();
}
