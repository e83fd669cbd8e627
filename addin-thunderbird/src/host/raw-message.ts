// A displayed message's raw source as a stream of chunks (messages.getRaw gives a File in MV3): the
// decryptor reads it as it goes, so a large message is never one string on the background page.
export async function* rawMessage(messageId: number): AsyncGenerator<Uint8Array> {
  const file = await messenger.messages.getRaw(messageId, { data_format: "File" });
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
