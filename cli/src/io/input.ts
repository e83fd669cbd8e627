// The message to read: a file (--in) or standard input, as a stream of chunks, counted for the
// progress bar.
import { MailsealError } from "@mailseal/shared/offline";
import { fstatSync, type ReadStream } from "node:fs";
import { open } from "node:fs/promises";

import { ProgressBar, type ProgressTerminal } from "./progress.js";

/**
 * Read size: large enough for few calls into the core, small enough to keep memory flat. Every read
 * gets a fresh buffer, not one of a reused ring: the pipeline may keep a chunk after asking for the
 * next ones (shared's `batches` hands a whole chunk on uncopied, and the BER reader holds views of
 * the chunks a structure spans, up to a 1 MiB RecipientInfos or attribute set), so a reused buffer
 * could be overwritten under it. What that costs in memory is measured in bench/README.md.
 */
export const READ_CHUNK_BYTES = 256 * 1024;

export interface Input {
  readonly source: AsyncIterable<Uint8Array>;
  readonly progress: ProgressBar;
  /** Stops reading (also in the middle, after an error) and releases the file or stdin. */
  close(): void;
}

async function* counted(stream: AsyncIterable<Uint8Array>, progress: ProgressBar): AsyncGenerator<Uint8Array> {
  for await (const chunk of stream) {
    progress.add(chunk.length);
    yield chunk;
  }
}

/** Opens `path`, or standard input when it is undefined or "-". */
export async function openInput(path: string | undefined, terminal: ProgressTerminal): Promise<Input> {
  let stream: ReadStream | NodeJS.ReadStream;
  let size: number | undefined;
  if (path === undefined || path === "-") {
    stream = process.stdin;
    const stat = fstatSync(0);
    size = stat.isFile() ? stat.size : undefined;
  } else {
    const handle = await open(path, "r").catch((error: NodeJS.ErrnoException) => {
      throw new MailsealError("IO", `cannot read ${path}: ${error.code ?? error.message}`);
    });
    const stat = await handle.stat();
    if (stat.isDirectory()) {
      await handle.close();
      throw new MailsealError("IO", `cannot read ${path}: it is a folder`);
    }
    size = stat.isFile() ? stat.size : undefined;
    stream = handle.createReadStream({ highWaterMark: READ_CHUNK_BYTES, autoClose: true });
  }
  const progress = new ProgressBar(terminal, size);
  return {
    source: counted(stream, progress),
    progress,
    close: () => {
      progress.clear();
      stream.destroy();
    },
  };
}
