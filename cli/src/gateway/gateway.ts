// The organisation gateway (docs/services.md, "Organisation gateway"): an SMTP server (the
// `smtp-server` package) that Postfix hands every message to as its after-queue content filter, and
// that hands each message back to Postfix's second smtpd once it is signed and encrypted (outgoing,
// from an account of the gateway's home) or decrypted (incoming S/MIME to such an account).
//
// The gateway is a device of each user who opts in: `mailseal account add ADDRESS --home GATEWAY_HOME`
// enrols it through the same flow as any device (listed in the user's devices, its releases in the
// user's audit); its signing key is that device's own.
//
// Mail is never lost: Postfix keeps a message queued until the gateway answers 250, and the gateway
// answers 250 only once the re-injection was accepted; what it cannot process goes back unchanged
// (incoming) or is deferred with a 4xx (outgoing: the service unreachable), and a policy of "always"
// without certificates is refused with a 5xx, so Postfix bounces it to the sender.
import type { CoreService } from "@mailseal/core-wasm";
import { chunksOf, enginePathCheck, MailEngine, sealOptionsOf } from "@mailseal/engine";
import type { EncryptPolicy, LearnedCertificate } from "@mailseal/server";
import {
  API_ERROR_CODES,
  codeOf,
  detectSmime,
  DirectoryCache,
  hasCode,
  hasEmailAddress,
  keptCrl,
  parseCertificate,
  MAILFLOW_ERROR_CODES,
  openAccount,
  prepareSend,
  readHeader,
  refreshKeys,
  renewSigningCertificate,
  senderOf,
  type Certificate,
  type CertificateSource,
  type DeviceState,
  type DirectoryEntry,
  type Host,
  type ReadStatus,
  type ServiceClient,
} from "@mailseal/shared";
import { copyId, DeliveryJournal } from "./journal.js";
import SMTPConnection from "nodemailer/lib/smtp-connection/index.js";
import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from "smtp-server";

/** The header the gateway puts on a message it decrypted, saying what it checked. */
export const GATEWAY_HEADER = "X-Mailseal";

/** The verdict on mail that is neither encrypted nor signed. */
const NOTHING_CHECKED: ReadStatus = { encrypted: false, signature: { state: "none" } };

/** How long the keys and signing certificates of the accounts are used before they are refreshed. */
const REFRESH_MS = 15 * 60_000;

export interface GatewayOptions {
  host: Host & { store: { list(): Promise<string[]> } };
  core: CoreService;
  /** Where the gateway listens (Postfix's content_filter names it). */
  listen: { host: string; port: number };
  /** Postfix's smtpd that takes processed mail back (without the content filter). */
  reinject: { host: string; port: number };
  /** The encryption policy for mail from an address (the database's gateway_policies). */
  policy(address: string): Promise<EncryptPolicy>;
  /** Largest message taken, in bytes (Postfix's message_size_limit or less). */
  maxBytes: number;
  /**
   * Trust anchors besides the service's root (`--trust-anchors`): the CAs whose certificates the
   * gateway accepts for signatures of incoming mail and, learned from such mail, for encryption.
   */
  trustAnchors: readonly Certificate[];
  /** The learned certificates (gateway_certificates in the api's database). */
  learned: {
    remember(certificate: LearnedCertificate): Promise<void>;
    lookup(addresses: readonly string[]): Promise<Map<string, LearnedCertificate>>;
  };
  /** The organisation's LDAP directory (`--ldap`), asked for recipients neither CerDB nor the learned know. */
  ldap?: (address: string) => Promise<Uint8Array[]>;
  /** Where the record of copies handed back is kept (journal.ts): a folder of the gateway's home. */
  journal: string;
  log(line: string): void;
}

interface Account {
  state: DeviceState;
  client: ServiceClient;
  refreshed: number;
}

/** An SMTP reply that is not 250: smtp-server sends `responseCode` and the message. */
function reply(code: number, message: string): Error & { responseCode: number } {
  return Object.assign(new Error(message), { responseCode: code });
}

async function* oneChunk(message: Uint8Array): AsyncGenerator<Uint8Array> {
  yield message;
}

/** Whether a header says S/MIME already (enveloped, signed-data or multipart/signed). */
async function smimeKind(message: Uint8Array): Promise<"encrypted" | "signed" | "plain"> {
  const { fields } = await readHeader(oneChunk(message));
  try {
    const kind = detectSmime(fields);
    if (kind.kind === "multipart-signed") return "signed";
    return kind.smimeType === "signed-data" ? "signed" : "encrypted";
  } catch (error) {
    if (hasCode(error, "NOT_SMIME")) return "plain";
    throw error;
  }
}

/**
 * The addresses the To and Cc fields name (RFC 5322 3.6.3), lower-cased: every addr-spec in them once
 * quoted strings and comments, where a display name may hold an "@", are dropped.
 */
async function namedRecipients(message: Uint8Array): Promise<Set<string>> {
  const { fields } = await readHeader(oneChunk(message));
  const named = new Set<string>();
  for (const field of fields) {
    if (field.lowerName !== "to" && field.lowerName !== "cc") continue;
    const plain = field.value.replace(/"(?:[^"\\]|\\.)*"/g, '""').replace(/\((?:[^()\\]|\\.)*\)/g, " ");
    for (const match of plain.matchAll(/[^\s<>,;:"()]+@[^\s<>,;:"()]+/g)) named.add(match[0].toLowerCase());
  }
  return named;
}

/** What the gateway checked, for the X-Mailseal header: one line, no controls. */
export function checkedLine(status: ReadStatus): string {
  const parts = [status.encrypted ? `decrypted (${status.cipher ?? "?"})` : "not encrypted"];
  const signature = status.signature;
  if (signature.state === "none") parts.push("not signed");
  else if (signature.state === "invalid") parts.push(`signature invalid (${signature.code})`);
  else if (signature.state === "revoked") parts.push(`signature by ${signature.signer} revoked (${signature.code})`);
  else {
    parts.push(`signature valid from ${signature.signer}`);
    if (!signature.fromMatches) parts.push("signer is not the From address");
  }
  // A header field is one line (RFC 5322 2.2): a control character from a certificate becomes a space.
  return Array.from(parts.join("; "), (c) => (c.charCodeAt(0) < 0x20 || c === "\x7f" ? " " : c)).join("");
}

/**
 * What the X-Mailseal header says of a message the gateway could not open (encrypted) or verify
 * (signed), naming the failure's catalogue code (a MailsealError's or the core's CryptoError's), or
 * INTERNAL for anything else, which is a bug.
 */
export function notOpenedLine(kind: "encrypted" | "signed", error: unknown): { code: string; text: string } {
  const code = codeOf(error) ?? "INTERNAL";
  return { code, text: kind === "encrypted" ? `encrypted, not decrypted (${code})` : `signed, not verified (${code})` };
}

/**
 * The decrypted message with the gateway's header first. Any X-Mailseal field inside the message is
 * dropped, so that no sender can write what the gateway is taken to have checked.
 */
export function withCheckedHeader(message: Uint8Array, line: string): Buffer {
  const text = Buffer.from(message);
  let end = text.indexOf("\r\n\r\n");
  let newline = "\r\n";
  if (end < 0 || (text.indexOf("\n\n") >= 0 && text.indexOf("\n\n") < end)) {
    end = text.indexOf("\n\n");
    newline = "\n";
  }
  const header = end < 0 ? text.toString("latin1") : text.subarray(0, end).toString("latin1");
  const body = end < 0 ? Buffer.alloc(0) : text.subarray(end);
  // Unfolded field by field (RFC 5322 2.2.3): a field's continuation lines go with it.
  const fields = header.split(newline).reduce<string[]>((all, l) => {
    if (/^[ \t]/.test(l) && all.length > 0) all[all.length - 1] += newline + l;
    else all.push(l);
    return all;
  }, []);
  const kept = fields.filter((f) => !new RegExp(`^${GATEWAY_HEADER}\\s*:`, "i").test(f));
  return Buffer.concat([Buffer.from(`${GATEWAY_HEADER}: ${line}${newline}${kept.join(newline)}`, "latin1"), body]);
}

export class Gateway {
  readonly #options: GatewayOptions;
  readonly #engine: MailEngine;
  readonly #accounts = new Map<string, Account>();
  readonly #journal: DeliveryJournal;
  #server: SMTPServer | undefined;

  constructor(options: GatewayOptions) {
    this.#options = options;
    this.#engine = MailEngine.over(options.core);
    this.#journal = new DeliveryJournal(options.journal);
  }

  /** The accounts of the home (the users who opted in), their keys brought up to date. */
  async loadAccounts(): Promise<string[]> {
    const { host } = this.#options;
    for (const address of await host.store.list()) {
      const opened = await openAccount(host, address).catch((error: unknown) => {
        if (hasCode(error, "NOT_PROVISIONED")) return undefined;
        throw error;
      });
      if (opened === undefined) {
        this.#options.log(`gateway: ${address}: setup not finished, skipped`);
        continue;
      }
      this.#accounts.set(address.toLowerCase(), { ...opened, refreshed: 0 });
      await this.#refresh(this.#accounts.get(address.toLowerCase())!);
    }
    await this.#engine.setAccounts([...this.#accounts.values()].map((a) => a.state));
    return [...this.#accounts.values()].map((a) => a.state.address);
  }

  /** New keys (a rotation) and a signing certificate renewed when due; offline, the held ones serve. */
  async #refresh(account: Account): Promise<void> {
    const { host } = this.#options;
    try {
      const refreshed = await refreshKeys(account.client, host.store as Host["store"], account.state, {});
      account.state = await renewSigningCertificate(account.client, host.store as Host["store"], refreshed, host.clock);
      account.refreshed = Date.now();
    } catch (error) {
      if (!hasCode(error, ...MAILFLOW_ERROR_CODES, ...API_ERROR_CODES)) throw error;
      this.#options.log(`gateway: ${account.state.address}: keys not refreshed (${error.code}: ${error.message})`);
    }
  }

  async #fresh(account: Account): Promise<void> {
    if (Date.now() - account.refreshed < REFRESH_MS) return;
    await this.#refresh(account);
    await this.#engine.setAccounts([...this.#accounts.values()].map((a) => a.state));
  }

  #account(address: string): Account | undefined {
    return this.#accounts.get(address.toLowerCase());
  }

  /** Listens; resolves with the port once it does. */
  async listen(): Promise<number> {
    const server = new SMTPServer({
      name: "mailseal-gateway",
      banner: "mailseal gateway",
      // Postfix talks to it on loopback as its content filter: no TLS, no authentication.
      disabledCommands: ["AUTH", "STARTTLS"],
      authOptional: true,
      hideSTARTTLS: true,
      size: this.#options.maxBytes,
      logger: false,
      onData: (stream, session, callback) => {
        this.#onData(stream, session).then(
          (answer) => callback(null, answer),
          (error: unknown) => callback(error as Error),
        );
      },
    });
    server.on("error", (error) => this.#options.log(`gateway: ${error.message}`));
    this.#server = server;
    return new Promise((resolve, reject) => {
      server.server.once("error", reject);
      server.listen(this.#options.listen.port, this.#options.listen.host, () => {
        const address = server.server.address();
        resolve(typeof address === "object" && address !== null ? address.port : this.#options.listen.port);
      });
    });
  }

  close(): Promise<void> {
    this.#engine.close();
    return new Promise((resolve) => (this.#server === undefined ? resolve() : this.#server.close(() => resolve())));
  }

  async #onData(stream: SMTPServerDataStream, session: SMTPServerSession): Promise<string> {
    const from = session.envelope.mailFrom === false ? "" : session.envelope.mailFrom.address;
    const to = session.envelope.rcptTo.map((r) => r.address);
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    if (stream.sizeExceeded) throw reply(552, "5.3.4 message too big for the gateway");
    const message = Buffer.concat(chunks);
    this.#options.log(`gateway: processing ${message.length} bytes from <${from}> to ${to.length} recipient(s)`);
    const deliveries = await this.#process(message, from, to);
    // Several copies go back one by one; a copy Postfix took is recorded before the next is sent,
    // so that when a later one fails (451) and Postfix sends the message again, it is not sent twice.
    // One copy needs no record (it is the whole message: its failure leaves nothing delivered), and
    // skipping it spares a file and an fsync per message.
    const key = deliveries.length > 1 ? DeliveryJournal.key(from, to, message) : undefined;
    const done = key === undefined ? new Set<string>() : await this.#journal.delivered(key);
    for (const delivery of deliveries) {
      const id = copyId(delivery.to);
      if (done.has(id)) {
        this.#options.log(`gateway: <${from}>: the copy to ${delivery.to.join(", ")} went back before, not again`);
        continue;
      }
      await this.#reinject(from, delivery.to, delivery.message);
      done.add(id);
      if (key !== undefined) await this.#journal.record(key, done);
    }
    if (key !== undefined) void this.#journal.prune(Date.now()).catch(() => undefined);
    const summary = deliveries.map((d) => `${d.what} to ${d.to.length}`).join(", ");
    this.#options.log(`gateway: delivered <${from}>: ${summary}`);
    return `2.0.0 ${summary}`;
  }

  /** What goes back to Postfix, to which recipients. */
  async #process(
    message: Buffer,
    from: string,
    to: readonly string[],
  ): Promise<{ what: string; to: string[]; message: Buffer }[]> {
    const ours = to.filter((r) => this.#account(r) !== undefined);
    const others = to.filter((r) => this.#account(r) === undefined);
    // Mail to the accounts always carries the gateway's own X-Mailseal field, and only that one:
    // whatever came in under that name is dropped, so no sender can write a verdict (withCheckedHeader).
    const incoming = (what: string, delivered: Buffer) => [
      ...(ours.length === 0 ? [] : [{ what, to: ours, message: delivered }]),
      ...(others.length === 0 ? [] : [{ what: "unchanged", to: others, message }]),
    ];
    let kind: "encrypted" | "signed" | "plain";
    let sender: string | undefined;
    try {
      kind = await smimeKind(message);
      sender = (await senderOf([message]).catch(() => undefined))?.address;
    } catch (error) {
      // A header the MIME layer cannot read: not the gateway's to fix, the recipient's client may.
      this.#options.log(`gateway: passed through unchanged (${(error as Error).message})`);
      return incoming("unchanged", withCheckedHeader(message, "not checked (the header could not be read)"));
    }
    const account = sender === undefined ? undefined : this.#account(sender);
    if (account !== undefined && kind === "plain") {
      // One encrypted copy for the recipients the To and Cc fields name, and one for each other
      // envelope recipient (Bcc): the RecipientInfos of a copy name the certificate of every recipient
      // it is encrypted to (RFC 5652 6.2.1), so one copy for all would show the Bcc recipients to all.
      const named = await namedRecipients(message);
      const open = to.filter((r) => named.has(r.toLowerCase()));
      const hidden = to.filter((r) => !named.has(r.toLowerCase()));
      const copies = [...(open.length === 0 ? [] : [open]), ...hidden.map((r) => [r])];
      const sealed = [];
      for (const copy of copies) {
        sealed.push({ what: "sealed", to: copy, message: await this.#seal(account, message, copy) });
      }
      return sealed;
    }
    if (ours.length === 0) return [{ what: "unchanged", to: [...to], message }];
    if (kind === "plain") return incoming("marked", withCheckedHeader(message, checkedLine(NOTHING_CHECKED)));
    let opened;
    try {
      for (const r of ours) await this.#fresh(this.#account(r)!);
      opened = await this.#engine.openMessage(message, {
        time: this.#options.host.clock.now().getTime(),
        anchors: this.#options.trustAnchors.map((c) => c.der),
      });
    } catch (error) {
      // Not for a key the gateway holds, damaged, or a cipher it does not read: the mail still goes,
      // as it came, to a client that may open it.
      const line = notOpenedLine(kind, error);
      this.#options.log(
        `gateway: not ${kind === "encrypted" ? "decrypted" : "verified"}, passed through (${line.code}: ${(error as Error).message})`,
      );
      return incoming("unchanged", withCheckedHeader(message, line.text));
    }
    if (sender !== undefined) await this.#learn(sender, opened.status);
    if (kind === "signed") {
      // Signed only: the message goes on as it came, byte for byte below the gateway's field, so the
      // recipient's client can verify it again (the outer header is outside what is signed, RFC 8551 3.5).
      return incoming("verified", withCheckedHeader(message, checkedLine(opened.status)));
    }
    return incoming("decrypted", withCheckedHeader(opened.message, checkedLine(opened.status)));
  }

  /** The service's roots (of every account) and the configured trust anchors. */
  #anchors(): Certificate[] {
    const roots = [...this.#accounts.values()].flatMap((a) => [
      ...(a.state.root === undefined ? [] : [a.state.root]),
      ...(a.state.formerRoots ?? []),
    ]);
    return [
      ...[...new Set(roots)].map((root) => parseCertificate(Buffer.from(root, "base64url"))),
      ...this.#options.trustAnchors,
    ];
  }

  /**
   * Remembers the encryption certificate of the sender of a message whose signature verified to a
   * trusted root, by the sender's own certificate for the From address: the one its
   * SMIMEEncryptionKeyPreference names (RFC 8551 2.5.3), else the signer's own, else another the
   * message carries for that address; the first that passes a path check for encryption now
   * (trusted root, validity, key usage, the account's CRL) and names the address. A failure here
   * costs only the learning: the message is delivered all the same.
   */
  async #learn(sender: string, status: ReadStatus): Promise<void> {
    const signature = status.signature;
    if (signature.state !== "valid" || !signature.fromMatches || signature.expiredSince === true) return;
    const found = signature.certificates;
    if (found === undefined) return;
    try {
      const carried = found.carried.map((der) => parseCertificate(der));
      const candidates = [
        ...(found.encryption === undefined ? [] : [parseCertificate(found.encryption)]),
        parseCertificate(found.signer),
        ...carried,
      ];
      const crls = [...this.#accounts.values()].flatMap((a) => keptCrl(a.state) ?? []);
      const anchors = this.#anchors();
      const time = this.#options.host.clock.now();
      for (const candidate of candidates) {
        if (!hasEmailAddress(candidate, sender)) continue;
        try {
          await enginePathCheck(this.#engine)(candidate, {
            anchors,
            intermediates: carried,
            usage: "encryption",
            time,
            crls,
          });
        } catch (error) {
          // Any coded failure of the check (a MailsealError, or the core's CryptoError) rules this
          // candidate out; anything else is a bug.
          if (codeOf(error) !== undefined) continue;
          throw error;
        }
        await this.#options.learned.remember({
          address: sender,
          certificate: candidate.der,
          chain: carried.filter((c) => c !== candidate).map((c) => c.der),
          capabilities: found.capabilities ?? [],
          notBefore: candidate.notBefore,
          notAfter: candidate.notAfter,
        });
        this.#options.log(`gateway: remembered the certificate ${candidate.serialHex} of ${sender}`);
        return;
      }
    } catch (error) {
      this.#options.log(`gateway: ${sender}: certificate not remembered (${(error as Error).message})`);
    }
  }

  /** Recipients' certificates besides CerDB: those learned from their signed mail. */
  #others(): CertificateSource {
    return {
      anchors: this.#options.trustAnchors,
      lookup: async (addresses) => {
        const learned = await this.#options.learned.lookup(addresses);
        const found = new Map<string, DirectoryEntry[]>();
        for (const [address, entry] of learned) {
          found.set(address, [
            {
              address,
              certificate: parseCertificate(entry.certificate),
              chain: entry.chain.map((der) => parseCertificate(der)),
              capabilities: entry.capabilities,
            },
          ]);
        }
        const ldap = this.#options.ldap;
        if (ldap === undefined) return found;
        for (const address of addresses.filter((a) => !found.has(a))) {
          // Every value the directory holds is offered; each is checked (prepareSend) before use, the
          // others serving as intermediates. Values that are no certificate are skipped.
          const certificates = (await ldap(address)).flatMap((der) => {
            try {
              return [parseCertificate(der)];
            } catch {
              return [];
            }
          });
          if (certificates.length === 0) continue;
          found.set(
            address,
            certificates.map((certificate) => ({ address, certificate, chain: certificates, capabilities: [] })),
          );
        }
        return found;
      },
    };
  }

  /** Signed with the account's (the gateway device's) signing key; encrypted as the policy says. */
  async #seal(account: Account, message: Buffer, to: readonly string[]): Promise<Buffer> {
    const { host } = this.#options;
    let policy: EncryptPolicy;
    try {
      await this.#fresh(account);
      policy = await this.#options.policy(account.state.address);
    } catch (error) {
      throw reply(451, `4.3.0 gateway: ${(error as Error).message}`);
    }
    const base = {
      client: account.client,
      cache: new DirectoryCache(host.clock),
      clock: host.clock,
      state: account.state,
      recipients: [...to],
      others: this.#others(),
    };
    let recipe;
    try {
      recipe = await prepareSend({ ...base, encrypt: policy !== "never" }, enginePathCheck(this.#engine));
    } catch (error) {
      if (hasCode(error, "NO_CERTIFICATE") && policy === "possible") {
        this.#options.log(`gateway: signed only (${error.message})`);
        recipe = await prepareSend({ ...base, encrypt: false }, enginePathCheck(this.#engine)).catch((e: unknown) => {
          throw reply(451, `4.3.0 gateway: ${(e as Error).message}`);
        });
      } else if (hasCode(error, "NO_CERTIFICATE")) {
        // RFC 3463 5.7.1: delivery not authorised; the policy says this mail never leaves in the clear.
        throw reply(550, `5.7.1 policy for ${account.state.address} is to always encrypt: ${error.message}`);
      } else {
        // The service or directory cannot be asked now: Postfix keeps the mail and tries again.
        throw reply(451, `4.3.0 gateway: ${(error as Error).message}`);
      }
    }
    const sealed = await this.#engine.sealMessage(
      message,
      sealOptionsOf(recipe, account.state.address, host.clock.now().getTime()),
    );
    const out: Uint8Array[] = [];
    for await (const chunk of chunksOf(sealed)) out.push(chunk);
    return Buffer.concat(out);
  }

  /** Hands a message back to Postfix; resolves once Postfix answered 250, else a 4xx for the client. */
  async #reinject(from: string, to: readonly string[], message: Buffer): Promise<void> {
    const { host, port } = this.#options.reinject;
    const connection = new SMTPConnection({ host, port, secure: false, ignoreTLS: true, name: "mailseal-gateway" });
    try {
      await new Promise<void>((resolve, reject) => {
        connection.once("error", reject);
        connection.connect(() => resolve());
      });
      const info = await new Promise<SMTPConnection.SentMessageInfo>((resolve, reject) =>
        connection.send({ from, to: [...to] }, message, (error, sent) => (error ? reject(error) : resolve(sent))),
      );
      if (info.rejected.length > 0) throw new Error(`re-injection refused ${info.rejected.join(", ")}`);
    } catch (error) {
      throw reply(451, `4.4.2 gateway could not hand the message back: ${(error as Error).message}`);
    } finally {
      connection.quit();
    }
  }
}
