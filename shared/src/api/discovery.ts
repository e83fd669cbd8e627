// GET /.well-known/mailseal.json on the api (docs/services.md, "HTTP API"): where a client finds
// the api and both share stores, and which domains an enterprise deployment serves.
import { Type, type Static } from "typebox";

export const WellKnownResponse = Type.Object(
  {
    version: Type.Literal(1),
    api: Type.String({ description: "base URL of the api" }),
    shareStores: Type.Object({
      "share-a": Type.String({ description: "base URL of share store A" }),
      "share-b": Type.String({ description: "base URL of share store B" }),
    }),
    domains: Type.Array(Type.String(), { description: "the domains served; empty: every domain" }),
  },
  { description: "Where the api and the share stores are" },
);
export type WellKnownResponse = Static<typeof WellKnownResponse>;
