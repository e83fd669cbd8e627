// TypeBox schemas of the HTTP API, one file per area (docs/services.md, "HTTP API"): the server
// validates with them and publishes them as OpenAPI, clients take their types.
export * from "./errors.js";
export * from "./discovery.js";
export * from "./shares.js";
export * from "./keys.js";
export * from "./audit.js";
export * from "./protection.js";
export * from "./enrollment.js";
export * from "./devices.js";
export * from "./certs.js";
export * from "./ca.js";
