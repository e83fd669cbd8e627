// Entry point of the crypto core: every export of the WebAssembly module is re-exported here.
export * from "./mem";
export * from "./hash";
export * from "./base64";
export * from "./aes";
export * from "./des";
export * from "./chacha";
export * from "./rc2";
export * from "./rsa";
export * from "./dsa";
