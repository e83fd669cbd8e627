// A device as the benchmark drives it, over HTTP with the wire format of docs/services.md written out
// with shared/src/protocol (device proofs, sealed shares, the commitment), not through a client
// library: enrolment by the mailed challenge, sessions, and the three requests of a key release.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import {
  checkCommitment,
  combineShares,
  decodeJws,
  exportPublicJwk,
  openSealed,
  parseChallengeMail,
  releaseAad,
  type SealedBox,
} from "@mailseal/shared";
import { signedRequest, type SignedAnswer } from "../../test/support/signed-request.js";

function expectStatus(answer: SignedAnswer, status: number, what: string): void {
  if (answer.status !== status) throw new Error(`${what}: HTTP ${answer.status} ${JSON.stringify(answer.body)}`);
}

/** The challenge tokens mailed to the outbox, by challenge id; reads each new file once. */
export class Outbox {
  private readonly seen = new Set<string>();
  private readonly tokens = new Map<string, string>();

  constructor(readonly dir: string) {}

  async token(challengeId: string): Promise<string> {
    for (let attempt = 0; attempt < 50; attempt++) {
      const known = this.tokens.get(challengeId);
      if (known !== undefined) return known;
      let names: string[] = [];
      try {
        names = readdirSync(this.dir).filter((name) => name.endsWith(".eml") && !this.seen.has(name));
      } catch {
        // no mail yet: the outbox is made with the first one
      }
      for (const name of names) {
        this.seen.add(name);
        const marker = await parseChallengeMail(new Uint8Array(readFileSync(join(this.dir, name))));
        if (marker !== undefined) this.tokens.set(marker.id, marker.token);
      }
      if (names.length === 0) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error(`no challenge mail for ${challengeId} in ${this.dir}`);
  }
}

export interface Key {
  keyId: string;
  commitment: string;
}

export interface Ephemeral {
  pair: CryptoKeyPair;
  jwk: Awaited<ReturnType<typeof exportPublicJwk>>;
}

export interface Ticket {
  store: "share-a" | "share-b";
  url: string;
  ticket: string;
}

export class Device {
  deviceId = "";
  token = "";
  key: Key = { keyId: "", commitment: "" };

  private constructor(
    readonly api: string,
    readonly address: string,
    readonly keyPair: CryptoKeyPair,
  ) {}

  /** A new device key (P-256, non-extractable private half), enrolled through the mailed token. */
  static async enrol(api: string, outbox: Outbox, address: string): Promise<Device> {
    const keyPair = await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, false, ["sign", "verify"]);
    const asked = await signedRequest(keyPair, `${api}/v1/enrollments`, { body: { address, deviceName: "bench" } });
    expectStatus(asked, 202, `enrolment of ${address}`);
    const token = await outbox.token(asked.body.challengeId);
    const answered = await signedRequest(keyPair, `${api}/v1/enrollments/${asked.body.challengeId}/answer`, {
      body: { token },
    });
    expectStatus(answered, 200, `enrolment answer of ${address}`);
    return Device.signedIn(api, address, keyPair, answered.body.deviceId, answered.body.accessToken);
  }

  /** A device enrolled elsewhere (its answer's device id and access token), with its current key listed. */
  static async signedIn(
    api: string,
    address: string,
    keyPair: CryptoKeyPair,
    deviceId: string,
    token: string,
  ): Promise<Device> {
    const device = new Device(api, address, keyPair);
    device.deviceId = deviceId;
    device.token = token;
    const keys = await signedRequest(keyPair, `${api}/v1/keys`, { token: device.token });
    expectStatus(keys, 200, `keys of ${address}`);
    const current = (keys.body.keys as (Key & { status: string })[]).find((key) => key.status === "current");
    if (current === undefined) throw new Error(`${address} has no current key after enrolment`);
    device.key = { keyId: current.keyId, commitment: current.commitment };
    return device;
  }

  /** A fresh access token (they last 10 minutes; a full run takes longer). */
  async renewSession(): Promise<void> {
    const answer = await signedRequest(this.keyPair, `${this.api}/v1/sessions`, { body: { deviceId: this.deviceId } });
    expectStatus(answer, 200, `session of ${this.address}`);
    this.token = answer.body.accessToken;
  }

  async ephemeral(): Promise<Ephemeral> {
    const pair = await crypto.subtle.generateKey({ name: "ECDH", namedCurve: "P-256" }, false, ["deriveBits"]);
    return { pair, jwk: await exportPublicJwk(pair.publicKey) };
  }

  /** Step 1 at the api: one ticket per store for the current key, bound to this device and `ephemeral`. */
  async tickets(ephemeral: Ephemeral): Promise<Ticket[]> {
    const answer = await signedRequest(this.keyPair, `${this.api}/v1/keys/${this.key.keyId}/release`, {
      body: { ephemeralKey: ephemeral.jwk },
      token: this.token,
    });
    expectStatus(answer, 200, `release tickets of ${this.address}`);
    return answer.body.tickets as Ticket[];
  }

  /** Step 2 at one store: presents its ticket and opens the sealed share with the ephemeral key. */
  async share(ephemeral: Ephemeral, ticket: Ticket): Promise<{ index: 0 | 1; share: Uint8Array }> {
    const answer = await signedRequest(this.keyPair, `${ticket.url}/v1/releases`, { body: { ticket: ticket.ticket } });
    expectStatus(answer, 200, `${ticket.store} release for ${this.address}`);
    const body = answer.body as { keyId: string; index: 0 | 1; sealed: SealedBox };
    const { jti } = decodeJws(ticket.ticket).payload as { jti: string };
    const aad = releaseAad(this.address, body.keyId, body.index, jti);
    return { index: body.index, share: await openSealed(ephemeral.pair.privateKey, ephemeral.jwk, body.sealed, aad) };
  }

  /** A whole release: tickets, both stores in parallel, open, combine, check the commitment. */
  async release(timings?: { tickets: number[]; store: number[] }): Promise<Uint8Array> {
    const ephemeral = await this.ephemeral();
    const start = performance.now();
    const tickets = await this.tickets(ephemeral);
    timings?.tickets.push(performance.now() - start);
    const shares: Uint8Array[] = [];
    await Promise.all(
      tickets.map(async (ticket) => {
        const began = performance.now();
        const { index, share } = await this.share(ephemeral, ticket);
        timings?.store.push(performance.now() - began);
        shares[index] = share;
      }),
    );
    const blob = combineShares(shares[0]!, shares[1]!);
    // Throws COMMITMENT_MISMATCH when a share was wrong: a release only counts once it checks out.
    await checkCommitment(blob, this.key.commitment);
    return blob;
  }
}
