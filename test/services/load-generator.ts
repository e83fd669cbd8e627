// The load of test/services/two-nodes.test.ts, as a process of its own (so that killing an api node
// leaves the load running): enrols addresses through two api nodes, each with a device key of its own,
// and releases each address's key. Round robin across the nodes: address i asks at node i % 2 and
// answers at the other (a challenge made by one node, answered at the other), then releases there.
// A step that fails for a node's sake (no connection, 5xx) is tried again at the other node; an answer
// refused as CHALLENGE_USED (the dead node had spent it) starts the enrolment again.
//
//   node --import tsx --import core-wasm/scripts/wasm-register.mjs test/services/load-generator.ts CONFIG.json
//
// CONFIG: { nodes: [url, url], outbox, addresses: [..], concurrency, deadlineMs, out }. Bounded: at
// most 200 addresses, 16 in flight, loopback URLs only, and it gives up at the deadline. Writes the
// events (every 2xx answer and every failure) as JSON to `out`, and one line per answered enrolment
// on standard output (`answered ADDRESS`) so that the test can time the kill.
import { readFileSync, writeFileSync } from "node:fs";
import { Device, Outbox } from "../../bench/server/device.js";
import { signedRequest } from "../support/signed-request.js";

export interface LoadConfig {
  nodes: [string, string];
  outbox: string;
  addresses: string[];
  concurrency: number;
  deadlineMs: number;
  out: string;
}

export interface LoadEvent {
  address: string;
  step: "asked" | "answered" | "released" | "failed";
  node: string;
  challengeId?: string;
  deviceId?: string;
  keyId?: string;
  message?: string;
}

const config = JSON.parse(readFileSync(process.argv[2]!, "utf8")) as LoadConfig;
if (config.addresses.length > 200 || config.concurrency < 1 || config.concurrency > 16) {
  throw new Error("at most 200 addresses and 16 in flight");
}
for (const url of config.nodes) {
  if (new URL(url).hostname !== "127.0.0.1") throw new Error(`${url}: loopback only`);
}
const deadline = Date.now() + config.deadlineMs;
const events: LoadEvent[] = [];
const outbox = new Outbox(config.outbox);

/** A failure worth trying at the other node: no answer at all, or a server error. */
class NodeFailure extends Error {}

const request = async (...args: Parameters<typeof signedRequest>) => {
  try {
    const answer = await signedRequest(...args);
    if (answer.status >= 500) throw new NodeFailure(`HTTP ${answer.status} ${JSON.stringify(answer.body)}`);
    return answer;
  } catch (error) {
    if (error instanceof NodeFailure) throw error;
    throw new NodeFailure(`no answer: ${(error as Error).message}`);
  }
};

async function enrol(address: string, first: number): Promise<void> {
  const keyPair = await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, false, ["sign", "verify"]);
  let turn = first;
  const node = () => config.nodes[turn % 2]!;
  const fail = (message: string) => events.push({ address, step: "failed", node: node(), message });
  while (Date.now() < deadline) {
    try {
      const asked = await request(keyPair, `${node()}/v1/enrollments`, { body: { address, deviceName: "load" } });
      if (asked.status !== 202) throw new Error(`enrolment refused: ${asked.status} ${JSON.stringify(asked.body)}`);
      const challengeId = asked.body.challengeId as string;
      events.push({ address, step: "asked", node: node(), challengeId });
      const token = await outbox.token(challengeId);
      turn++;
      let answered;
      for (;;) {
        try {
          answered = await request(keyPair, `${node()}/v1/enrollments/${challengeId}/answer`, { body: { token } });
          break;
        } catch (error) {
          if (!(error instanceof NodeFailure) || Date.now() > deadline) throw error;
          fail(`answer: ${error.message}`);
          turn++;
        }
      }
      if (answered.status === 409 && answered.body?.error?.code === "CHALLENGE_USED") {
        fail("answer: CHALLENGE_USED, asking again");
        continue;
      }
      if (answered.status !== 200)
        throw new Error(`answer refused: ${answered.status} ${JSON.stringify(answered.body)}`);
      const { deviceId, accessToken } = answered.body as { deviceId: string; accessToken: string };
      events.push({ address, step: "answered", node: node(), challengeId, deviceId });
      process.stdout.write(`answered ${address}\n`);
      for (let tries = 1; ; tries++) {
        try {
          const device = await Device.signedIn(node(), address, keyPair, deviceId, accessToken);
          await device.release(); // throws unless both shares combine to the listed commitment
          events.push({ address, step: "released", node: node(), deviceId, keyId: device.key.keyId });
          return;
        } catch (error) {
          if (tries === 6 || Date.now() > deadline) throw new Error(`release: ${(error as Error).message}`);
          fail(`release: ${(error as Error).message}`);
          turn++;
        }
      }
    } catch (error) {
      if (!(error instanceof NodeFailure)) {
        fail((error as Error).message);
        return;
      }
      fail(error.message);
      turn++;
    }
  }
  fail("deadline reached");
}

let next = 0;
await Promise.all(
  Array.from({ length: Math.min(config.concurrency, config.addresses.length) }, async () => {
    while (next < config.addresses.length) {
      const i = next++;
      await enrol(config.addresses[i]!, i);
    }
  }),
);
writeFileSync(config.out, JSON.stringify(events, null, 2));
