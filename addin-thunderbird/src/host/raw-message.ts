// A displayed message's raw source, and any File, as a stream of chunks (messages.getRaw gives a File
// in MV3): the decryptor reads it as it goes, so a large message is never one string on the
// background page; an attachment is read the same way when sending.
export async function* rawMessage(messageId: number): AsyncGenerator<Uint8Array> {
  yield* fileChunks(await messenger.messages.getRaw(messageId, { data_format: "File" }));
}

/** A File's bytes as a stream of chunks (never the whole file at once). */
export async function* fileChunks(file: Blob): AsyncGenerator<Uint8Array> {
  const reader = file.stream().getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    reader.releaseLock();
  }
}
