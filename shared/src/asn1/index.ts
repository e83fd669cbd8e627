// Streaming BER/DER for the CMS layer: read and write large content, capture small structures.
export * from "./ber-cursor.js";
export * from "./ber-reader.js";
export * from "./ber-writer.js";
export * from "./capture.js";
export * from "./tag.js";
