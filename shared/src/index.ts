// Host-neutral library of mailseal: S/MIME, CMS, MIME, the service protocol and the client flows.
export * from "./offline.js";
export * from "./protocol/index.js";
export * from "./api/index.js";
export * from "./mailflow/index.js";
