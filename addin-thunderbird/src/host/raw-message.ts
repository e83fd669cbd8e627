// A displayed message's raw source as the File MV3's getRaw gives: handed to the engine whole (a
// File crosses into its worker without copying), which reads it as it goes, so a large message is
// never one string on the background page.
export function rawMessageFile(messageId: number): Promise<File> {
  return messenger.messages.getRaw(messageId, { data_format: "File" });
}
