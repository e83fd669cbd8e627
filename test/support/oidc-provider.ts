// A real OpenID provider on loopback for the tests of the address proof by token: the
// `oidc-provider` package (the certified Node implementation), issuing real signed JWTs from its
// own key set, served with its own discovery document and JWKS. No browser is needed: each account
// is a client of the client credentials grant (RFC 6749 4.4) whose JWT access tokens (RFC 9068,
// through resource indicators, RFC 8707) carry the claims the test gives that account, such as
// `email`, `email_verified` and `preferred_username`.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, generateKeyPair, type JWK } from "jose";
import Provider from "oidc-provider";

export interface TestIdentityProvider {
  /** The issuer (`iss`), http://127.0.0.1:PORT. */
  issuer: string;
  /** The provider's public signing key (its kid lets a test forge a look-alike token with another key). */
  publicJwk: JWK;
  /** A real token of the account `client` for the audience `audience`. */
  token(client: string, audience: string, options?: { ttlSeconds?: number }): Promise<string>;
  close(): Promise<void>;
}

const SECRET = "test-client-secret";

/**
 * Starts a provider whose accounts are `accounts` (client id -> the claims its tokens carry).
 * Tokens last `ttlSeconds` (default 300) unless a call asks otherwise.
 */
export async function startIdentityProvider(
  accounts: Record<string, Record<string, unknown>>,
): Promise<TestIdentityProvider> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const { privateKey, publicKey } = await generateKeyPair("RS256", { extractable: true });
  const kid = "test-key-1";
  const privateJwk = { ...(await exportJWK(privateKey)), kid, alg: "RS256", use: "sig" };
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: "RS256", use: "sig" };
  // The lifetime of the next token, read by the ttl function below (tokens are made one at a time).
  let ttl = 300;
  const provider = new Provider(issuer, {
    jwks: { keys: [privateJwk] },
    clients: Object.keys(accounts).map((client_id) => ({
      client_id,
      client_secret: SECRET,
      grant_types: ["client_credentials"],
      redirect_uris: [],
      response_types: [],
    })),
    ttl: { ClientCredentials: () => ttl },
    features: {
      clientCredentials: { enabled: true },
      devInteractions: { enabled: false },
      resourceIndicators: {
        enabled: true,
        getResourceServerInfo: (_ctx: unknown, resource: string) => ({
          scope: "",
          audience: resource,
          accessTokenFormat: "jwt",
          accessTokenTTL: ttl,
          jwt: { sign: { alg: "RS256" } },
        }),
      },
    },
    extraTokenClaims: (ctx: { oidc: { client?: { clientId: string } } }) =>
      accounts[ctx.oidc.client?.clientId ?? ""] ?? {},
  });
  server.on("request", provider.callback());
  return {
    issuer,
    publicJwk,
    async token(client, audience, options = {}) {
      ttl = options.ttlSeconds ?? 300;
      const response = await fetch(`${issuer}/token`, {
        method: "POST",
        headers: {
          "content-type": "application/x-www-form-urlencoded",
          authorization: `Basic ${Buffer.from(`${client}:${SECRET}`).toString("base64")}`,
        },
        body: new URLSearchParams({ grant_type: "client_credentials", resource: audience }).toString(),
      });
      const body = (await response.json()) as { access_token?: string };
      if (!response.ok || body.access_token === undefined) {
        throw new Error(`the test provider gave no token: ${response.status} ${JSON.stringify(body)}`);
      }
      return body.access_token;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
