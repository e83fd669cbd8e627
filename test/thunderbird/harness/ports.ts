import { createServer } from "node:net";

/** A TCP port free on 127.0.0.1 right now (the kernel's pick). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address !== null ? resolve(address.port) : reject(new Error("no port")),
      );
    });
  });
}

function listenable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

/**
 * A port whose next `count - 1` ports are free too: `mailseal server --port N` listens on N, N + 1
 * and N + 2 (and its LDAP door on N + 3), and a restarted service must come back at the same URLs (a device keeps them).
 */
export async function freePortRun(count: number): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const first = await freePort();
    if (first + count - 1 > 65535) continue;
    let all = true;
    for (let n = 1; n < count && all; n++) all = await listenable(first + n);
    if (all) return first;
  }
  throw new Error(`no run of ${count} free ports found`);
}
