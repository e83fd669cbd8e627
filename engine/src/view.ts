// What a message view, a setup page or a compose action shows, without the engine itself: the render
// model and the plain words. Pages and display scripts import this (no core, no WebAssembly).
export * from "./reader/render-model.js";
export * from "./words/plain-words.js";
export * from "./display/sanitize.js";
