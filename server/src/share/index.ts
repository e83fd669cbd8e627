// The share store role (docs/services.md, "HTTP API", share store role).
export { registerShareRoutes, storeIndex, type ShareRouteDeps } from "./routes.js";
export { loadIngestKey, type IngestKey } from "./ingest-key.js";
export { ticketKeyFromApi, ticketKeyFromJwk, type TicketKeySource } from "./ticket-key.js";
