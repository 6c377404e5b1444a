/**
 * What a lost connection means, per transport. Where the connection is the session (TCP,
 * WebSocket, legacy HTTP+SSE), dropping it ends the session and aborts its work in flight.
 * On Streamable HTTP a dropped connection is not a cancellation (2025-11-25 transports §POST,
 * lifecycle §cancellation): the handler runs on until notifications/cancelled. And stopping
 * the server closes every connection of every transport and aborts all work in flight.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startNetworkServer, type NetworkServer } from "../fixtures/network-server.ts";
import { openClient, type TransportName } from "./clients.ts";
import { handshake, Peer } from "./peer.ts";

let net: NetworkServer;
beforeAll(() => {
  net = startNetworkServer({ http: [{ responseMode: "json" }, { responseMode: "sse" }], tcp: {} });
});
afterAll(() => net.stop());

async function waitFor(check: () => boolean, what: string, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await Bun.sleep(10);
  }
}

/** Starts the `hang` tool with `tag` and resolves once it is running (its "started" progress). */
async function startHang(p: Peer, tag: string): Promise<string> {
  const id = await p.start("tools/call", { name: "hang", arguments: { tag }, _meta: { progressToken: tag } });
  await p.notification("notifications/progress", (q) => q.progressToken === tag);
  return id;
}

const SESSION_IS_CONNECTION: TransportName[] = ["tcp", "websocket", "legacy-sse"];

describe.each(SESSION_IS_CONNECTION)("over %s", (transport) => {
  test("dropping the connection ends the session and aborts the work in flight", async () => {
    const tag = `drop-${transport}`;
    const p = new Peer(await openClient(transport, net));
    await handshake(p);
    await startHang(p, tag);
    expect(net.state.aborted).not.toContain(tag);
    p.raw.abort();
    await waitFor(() => net.state.aborted.includes(tag), `the ${tag} handler to be aborted`);
    expect(net.state.aborted.filter((t) => t === tag)).toHaveLength(1);
  });
});

describe.each(["http-json", "http-sse"] as const)("over %s", (transport) => {
  test("a dropped HTTP connection is not a cancellation: the handler runs on until notifications/cancelled", async () => {
    const tag = `drop-${transport}`;
    const p = new Peer(await openClient(transport, net));
    try {
      await handshake(p);
      const id = await startHang(p, tag);
      p.raw.abort();
      await Bun.sleep(200);
      expect(net.state.aborted).not.toContain(tag);
      // The session outlived its connections: it still answers, and cancelling still works.
      expect(await p.request("ping")).toEqual({ jsonrpc: "2.0", id: expect.any(String), result: {} });
      await p.notify("notifications/cancelled", { requestId: id, reason: "gave up" });
      await waitFor(() => net.state.aborted.includes(tag), `the ${tag} handler to be aborted`);
    } finally {
      await p.raw.close();
    }
  });
});

test("stopping the server closes every transport's connections and aborts all work in flight", async () => {
  const own = startNetworkServer({ http: [{ responseMode: "json" }, { responseMode: "sse" }], tcp: {} });
  const transports: TransportName[] = ["tcp", "websocket", "legacy-sse", "http-json", "http-sse"];
  const peers: Peer[] = [];
  try {
    for (const t of transports) {
      const p = new Peer(await openClient(t, own));
      peers.push(p);
      await handshake(p);
      await startHang(p, `stop-${t}`);
    }
    const started = Date.now();
    await own.stop();
    expect(Date.now() - started).toBeLessThan(2000);
    expect([...own.state.aborted].sort()).toEqual(transports.map((t) => `stop-${t}`).sort());
    // Nothing listens any more.
    await expect(Bun.connect({ hostname: own.tcp!.hostname, port: own.tcp!.port, socket: { data() {} } })).rejects.toThrow();
    await expect(fetch(own.http[0]!.url, { method: "POST", body: "{}" })).rejects.toThrow();
  } finally {
    for (const p of peers) p.raw.abort();
  }
});
