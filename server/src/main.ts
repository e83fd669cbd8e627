// Starting the services: one Fastify app per enabled role, each on its own port, over that role's
// database, with the mailer and the clock; route modules plug in through ServerHooks.
import type { Clock } from "@mailseal/shared";
import { systemClock, WellKnownResponse } from "@mailseal/shared";
import type { FastifyBaseLogger } from "fastify";
import type { Kysely } from "kysely";
import { readFileSync } from "node:fs";
import { createSecureContext } from "node:tls";
import { MINUTE_MS, NetworkBudget } from "./api/deps.js";
import { createCertLookup } from "./api/certs.js";
import { LDAP_ROLE, listenerUrl, redactUrl, ROLES, type Role, type ServerConfig, type StoreRole } from "./config.js";
import { createCertificateDirectory } from "./ldap/directory.js";
import { createLdapDoor, type LdapDoor } from "./ldap/server.js";
import { openRoleDatabase, type ApiSchema, type Database, type ShareSchema } from "./db/index.js";
import { createApp, type MailsealApp } from "./http/app.js";
import { createLogger } from "./http/logger.js";
import { prepareDataLayout } from "./layout.js";
import { outboxMailer, smtpMailer, type Mailer } from "./mail/index.js";

interface BaseContext {
  config: ServerConfig;
  clock: Clock;
  mailer: Mailer;
  /** The role's logger (Fastify's, with `role` bound). */
  logger: FastifyBaseLogger;
  /**
   * The URL each role is reached at (advertised: --public-url, --share-?-url, else the listener).
   * Filled in once the listeners are up: read it while handling requests, not while registering.
   */
  urls: Readonly<Record<Role, string>>;
  dialect: Database<unknown>["dialect"];
}

export interface ApiContext extends BaseContext {
  role: "api";
  db: Kysely<ApiSchema>;
}

export interface ShareContext extends BaseContext {
  role: StoreRole;
  db: Kysely<ShareSchema>;
}

export type ServerContext = ApiContext | ShareContext;

export interface ServerHooks {
  /** Adds the api's routes (after /.well-known/mailseal.json). */
  registerApi?(app: MailsealApp, context: ApiContext): void | Promise<void>;
  /** Adds a share store's routes; called for share-a and for share-b. */
  registerShare?(app: MailsealApp, context: ShareContext): void | Promise<void>;
  /** Called once the apps have closed, before the databases close (release HSM sessions here). */
  onClose?(): void | Promise<void>;
  /** Replace the clock (default: system time + config.clockOffsetMs). */
  clock?: Clock;
  /** Replace the mailer (default: from config.mail). */
  mailer?: Mailer;
  /** Replace the logger (default: pino at config.logLevel on standard output). */
  logger?: FastifyBaseLogger;
}

export interface RunningServer {
  /** The advertised URL of every role (see BaseContext.urls). */
  urls: Readonly<Record<Role, string>>;
  /** The URL each enabled role listens on (the LDAP door's is ldap://). */
  listening: Readonly<Partial<Record<Role | typeof LDAP_ROLE, string>>>;
  close(): Promise<void>;
}

function mailerOf(config: ServerConfig, clock: Clock): Mailer & { close?(): void } {
  return config.mail.kind === "smtp"
    ? smtpMailer(config.mail.url, config.mailFrom, { clock })
    : outboxMailer(config.mail.dir, config.mailFrom, { clock });
}

/** The api's discovery document (docs/services.md, "HTTP API"). */
function registerWellKnown(app: MailsealApp, context: ApiContext): void {
  app.get(
    "/.well-known/mailseal.json",
    { schema: { summary: "Where the api and the share stores are", response: { 200: WellKnownResponse } } },
    () => ({
      version: 1 as const,
      api: context.urls.api,
      shareStores: { "share-a": context.urls["share-a"], "share-b": context.urls["share-b"] },
      domains: [...context.config.domains],
    }),
  );
}

export async function startServer(config: ServerConfig, hooks: ServerHooks = {}): Promise<RunningServer> {
  const logger = hooks.logger ?? createLogger(config.logLevel);
  const clock = hooks.clock ?? systemClock(config.clockOffsetMs);
  const ownMailer = hooks.mailer === undefined ? mailerOf(config, clock) : undefined;
  const mailer = hooks.mailer ?? ownMailer!;
  logger.info(
    {
      roles: config.roles,
      db: redactUrl(config.db),
      hsm: config.hsm.kind,
      mail: config.mail.kind,
      clockOffsetMs: config.clockOffsetMs,
    },
    "starting",
  );
  if (config.clockOffsetMs !== 0) {
    logger.warn({ clockOffsetMs: config.clockOffsetMs, now: clock.now().toISOString() }, "clock shifted");
  }

  const urls: Record<Role, string> = {
    api: config.publicUrl ?? listenerUrl(config.host, config.ports.api),
    "share-a": config.storeUrls["share-a"] ?? listenerUrl(config.host, config.ports["share-a"]),
    "share-b": config.storeUrls["share-b"] ?? listenerUrl(config.host, config.ports["share-b"]),
  };
  const listening: Partial<Record<Role | typeof LDAP_ROLE, string>> = {};
  const databases: Database<unknown>[] = [];
  const apps: MailsealApp[] = [];
  let ldapDoor: LdapDoor | undefined;
  let apiDatabase: Database<ApiSchema> | undefined;
  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      // Apps first (no request may find its database closed), then the hook, then the databases.
      const results: PromiseSettledResult<unknown>[] = await Promise.allSettled([
        ...apps.map((app) => app.close()),
        ...(ldapDoor === undefined ? [] : [ldapDoor.close()]),
      ]);
      if (hooks.onClose !== undefined) results.push(...(await Promise.allSettled([hooks.onClose()])));
      results.push(...(await Promise.allSettled(databases.map((database) => database.close()))));
      ownMailer?.close?.();
      const failed = results.find((result) => result.status === "rejected");
      if (failed !== undefined) throw failed.reason;
    })());

  try {
    // Each role its own folder (keys, database), also when this process runs several (layout.ts).
    await prepareDataLayout(config, logger);
    // The stores listen before the api, so that whoever learns their URLs from the api finds them up.
    for (const role of [...ROLES].reverse().filter((r) => config.roles.includes(r))) {
      const app = await createApp({ role, logger, trustProxy: config.trustProxy });
      apps.push(app);
      const base = { config, clock, mailer, logger: app.log, urls };
      if (role === "api") {
        const database = await openRoleDatabase(config.databases.api, "api", {
          onQuery: (sql) => app.log.trace({ sql }, "query"),
        });
        databases.push(database as Database<unknown>);
        apiDatabase = database;
        const context: ApiContext = { ...base, role, db: database.db, dialect: database.dialect };
        registerWellKnown(app, context);
        await hooks.registerApi?.(app, context);
      } else {
        const database = await openRoleDatabase(config.databases[role], role, {
          onQuery: (sql) => app.log.trace({ sql }, "query"),
        });
        databases.push(database as Database<unknown>);
        const context: ShareContext = { ...base, role, db: database.db, dialect: database.dialect };
        await hooks.registerShare?.(app, context);
      }
      await app.listen({ host: config.host, port: config.ports[role] });
      const address = app.server.address();
      const port = typeof address === "object" && address !== null ? address.port : config.ports[role];
      listening[role] = listenerUrl(config.host, port);
      if (role === "api" ? config.publicUrl === undefined : config.storeUrls[role] === undefined) {
        urls[role] = listening[role];
      }
      logger.info({ role, url: listening[role] }, `${role} ${listening[role]}`);
    }
    if (config.ldap !== undefined) {
      // The door reads CerDB from the api's database: the api's own handle when this process runs it.
      if (apiDatabase === undefined) {
        apiDatabase = await openRoleDatabase(config.databases.api, "api");
        databases.push(apiDatabase as Database<unknown>);
      }
      const ldapLogger = logger.child({ role: LDAP_ROLE });
      const { tls } = config.ldap;
      ldapDoor = createLdapDoor({
        directory: createCertificateDirectory(
          apiDatabase.db,
          createCertLookup({ db: apiDatabase.db, clock, config }, []),
          clock,
        ),
        baseDn: config.ldap.baseDn,
        // The same per-network budget as CerDB's HTTP lookup, one unit per address asked.
        budget: new NetworkBudget(config.rateLimits.certsPerIpPerMinute, MINUTE_MS, () => clock.now().getTime()),
        ...(tls === undefined
          ? {}
          : { tls: createSecureContext({ cert: readFileSync(tls.certFile), key: readFileSync(tls.keyFile) }) }),
        logger: ldapLogger,
      });
      const port = await ldapDoor.listen(config.ldap.port, config.host);
      listening.ldap = listenerUrl(config.host, port).replace(/^http:/, "ldap:");
      logger.info({ role: LDAP_ROLE, url: listening.ldap }, `${LDAP_ROLE} ${listening.ldap}`);
    }
  } catch (error) {
    await close().catch(() => undefined);
    throw error;
  }
  return { urls, listening, close };
}
