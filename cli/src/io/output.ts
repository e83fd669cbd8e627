// Where results go. A file is written to a temporary file beside it and renamed only on success, so
// a failed run leaves no file at all (and an existing file untouched). Standard output gets the
// bytes as they come, or, for plaintext that is not yet authentic (decrypt: CBC padding and GCM tag
// are checked at the end), spooled and released only on success.
import { MailsealError } from "@mailseal/shared/offline";
import { randomBytes } from "node:crypto";
import { open, rename, rm, mkdtemp, type FileHandle } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";

import { WriteBehind } from "./write-behind.js";

export interface Output {
  /** Has copied or written `chunk` when it settles: the caller may reuse or free it then. */
  write(chunk: Uint8Array): Promise<void>;
  /** Makes the result visible: renames the file, or releases the spooled bytes. */
  commit(): Promise<void>;
  /** Discards everything written; safe to call after commit (then it does nothing). */
  abort(): Promise<void>;
}

/** Spooled plaintext stays in memory up to this size, then moves to a private temporary file. */
export const SPOOL_MEMORY_BYTES = 8 * 1024 * 1024;

/** Temporary files to remove if the process is interrupted (SIGINT, SIGTERM). */
export const pendingFiles = new Set<string>();

/** A file created exclusively with `mode`, removed by abort; registered for removal on a signal. */
async function createTemporary(path: string, mode: number): Promise<FileHandle> {
  const handle = await open(path, "wx", mode).catch((error: NodeJS.ErrnoException) => {
    throw new MailsealError("IO", `cannot write in ${dirname(path)}: ${error.code ?? error.message}`);
  });
  pendingFiles.add(path);
  return handle;
}

async function writeAll(handle: FileHandle, chunk: Uint8Array): Promise<void> {
  for (let offset = 0; offset < chunk.length;) {
    const { bytesWritten } = await handle.write(chunk, offset, chunk.length - offset);
    offset += bytesWritten;
  }
}

/** Writes `path` atomically: `.NAME.RANDOM.tmp` in the same folder, renamed on commit. */
export async function fileOutput(path: string, mode: number): Promise<Output> {
  const temporary = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString("hex")}.tmp`);
  const handle = await createTemporary(temporary, mode);
  let open_ = true;
  const close = async (): Promise<void> => {
    if (open_) {
      open_ = false;
      await handle.close();
    }
  };
  let committed = false;
  const behind = new WriteBehind((chunk) => writeAll(handle, chunk));
  return {
    write: (chunk) => behind.write(chunk),
    commit: async () => {
      await behind.flush();
      await handle.sync();
      await close();
      await rename(temporary, path).catch((error: NodeJS.ErrnoException) => {
        throw new MailsealError("IO", `cannot write ${path}: ${error.code ?? error.message}`);
      });
      pendingFiles.delete(temporary);
      committed = true;
    },
    abort: async () => {
      if (committed) return;
      await behind.drain();
      await close().catch(() => undefined);
      await rm(temporary, { force: true });
      pendingFiles.delete(temporary);
    },
  };
}

/** One write to standard output, resolved when Node has handed it on (so memory stays bounded). */
function writeStdout(chunk: Uint8Array): Promise<void> {
  return new Promise((resolve, reject) => {
    process.stdout.write(chunk, (error) => (error ? reject(error) : resolve()));
  });
}

/** Read size when the spool file is copied to standard output. */
export const SPOOL_READ_BYTES = 256 * 1024;

/**
 * Copies the file at `path` to standard output through one buffer, reused for every read: each
 * write is awaited before the next read overwrites it, so the copy makes no garbage per chunk.
 */
async function copyToStdout(path: string): Promise<void> {
  const handle = await open(path, "r");
  try {
    const buffer = new Uint8Array(SPOOL_READ_BYTES);
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, null);
      if (bytesRead === 0) return;
      await writeStdout(buffer.subarray(0, bytesRead));
    }
  } finally {
    await handle.close();
  }
}

/** Standard output, written as the bytes come (in large writes, see WriteBehind). */
export function stdoutOutput(): Output {
  const behind = new WriteBehind(writeStdout);
  return { write: (chunk) => behind.write(chunk), commit: () => behind.flush(), abort: () => behind.drain() };
}

/**
 * Standard output for bytes that must not be released before the end: held in memory up to
 * SPOOL_MEMORY_BYTES, beyond that in a temporary file (mode 0600, in its own private folder under the
 * system temporary folder), copied to standard output on commit and removed in any case.
 */
export function spooledStdoutOutput(): Output {
  let memory: Uint8Array[] = [];
  let size = 0;
  let spool: { folder: string; path: string; handle: FileHandle } | undefined;
  const discard = async (): Promise<void> => {
    memory = [];
    if (spool === undefined) return;
    const { folder, path, handle } = spool;
    spool = undefined;
    await handle.close().catch(() => undefined);
    await rm(folder, { recursive: true, force: true });
    pendingFiles.delete(path);
    pendingFiles.delete(folder);
  };
  return {
    write: async (chunk) => {
      if (spool === undefined && size + chunk.length <= SPOOL_MEMORY_BYTES) {
        memory.push(chunk.slice());
        size += chunk.length;
        return;
      }
      if (spool === undefined) {
        const folder = await mkdtemp(join(tmpdir(), "mailseal-"));
        pendingFiles.add(folder);
        const path = join(folder, "spool");
        spool = { folder, path, handle: await createTemporary(path, 0o600) };
        for (const part of memory) await writeAll(spool.handle, part);
        memory = [];
      }
      await writeAll(spool.handle, chunk);
    },
    commit: async () => {
      try {
        if (spool === undefined) {
          for (const part of memory) await writeStdout(part);
        } else {
          await spool.handle.close();
          await copyToStdout(spool.path);
        }
      } finally {
        await discard();
      }
    },
    abort: discard,
  };
}
