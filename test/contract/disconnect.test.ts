/**
 * What a lost connection means, per transport. Where the connection is the session (TCP,
 * WebSocket, legacy HTTP+SSE), dropping it ends the session and aborts its work in flight.
 * On Streamable HTTP a dropped connection is not a cancellation (2025-11-25 transports §POST,
 * lifecycle §cancellation): the handler runs on until notifications/cancelled. And stopping
 * the server closes every connection of every transport and aborts all work in flight.
 * Ending only the input side (stdin EOF) still gets every answer out, however large.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { fileURLToPath } from "node:url";
import { startNetworkServer, type NetworkServer } from "../fixtures/network-server.ts";
import { openClient, STDIO_FIXTURE, type TransportName } from "./clients.ts";
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
/** Tests that spawn children or move many megabytes get room beyond Bun's 5 s default. */
const SLOW_TEST_MS = 30_000;


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

describe("over stdio", () => {
  const CLI = fileURLToPath(new URL("../../src/cli/main.ts", import.meta.url));
  const bytes = 8 * 1024 * 1024;
  const init = { jsonrpc: "2.0", id: 0, method: "initialize", params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "eof", version: "1" } } };
  const initialized = { jsonrpc: "2.0", method: "notifications/initialized" };

  /** Writes `messages`, closes stdin, and returns every line of stdout once the process has exited. */
  async function afterEof(argv: string[], messages: unknown[]): Promise<{ messages: any[]; code: number }> {
    const proc = Bun.spawn([process.execPath, ...argv], { stdin: "pipe", stdout: "pipe", stderr: "inherit" });
    try {
      for (const m of messages) proc.stdin.write(JSON.stringify(m) + "\n");
      await proc.stdin.end();
      const out = await Promise.race([new Response(proc.stdout).text(), Bun.sleep(10_000).then(() => "")]);
      return { messages: out.split("\n").filter(Boolean).map((l) => JSON.parse(l)), code: await proc.exited };
    } finally {
      proc.kill();
    }
  }

  test("stdin EOF after requests: every answer arrives whole, even one far past the pipe's buffer, then the server exits 0", async () => {
    const slow = { jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "slow_task", arguments: { ms: 100 } } };
    const big = { jsonrpc: "2.0", id: 2, method: "tools/call", params: { name: "big_text", arguments: { bytes } } };
    const r = await afterEof([STDIO_FIXTURE], [init, initialized, slow, big]);
    expect(r.messages.map((m) => m.id)).toEqual([0, 2, 1]);
    expect(r.messages[1].result.content[0].text).toHaveLength(bytes);
    expect(r.messages[2]).toEqual({ jsonrpc: "2.0", id: 1, result: { content: [{ type: "text", text: "done after 100 ms" }] } });
    expect(r.code).toBe(0);
  }, SLOW_TEST_MS);

  test("the appliance (erlmcp serve --stdio) writes a large last answer in full before it exits", async () => {
    // json_schema_2020_12_tool echoes its arguments, so a large argument makes a large answer,
    // the last thing written before the exit.
    const name = "n".repeat(bytes);
    const echo = { jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "json_schema_2020_12_tool", arguments: { name } } };
    const argv = [CLI, "serve", "--stdio", "--log-level", "silent", "--set", "http.enabled=false", "--set", `limits.maxMessageBytes=${4 * bytes}`];
    const r = await afterEof(argv, [init, initialized, echo]);
    expect(r.messages.map((m) => m.id)).toEqual([0, 1]);
    expect(r.messages[1]).toEqual({ jsonrpc: "2.0", id: 1, result: { content: [{ type: "text", text: `JSON Schema 2020-12 tool called with: {"name":"${name}"}` }] } });
    expect(r.code).toBe(0);
  }, SLOW_TEST_MS);
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
    // The hung handlers never end by themselves: a stop that waited for them would not return.
    // 10 s is only a clear failure on a loaded machine instead of the test's timeout.
    expect(Date.now() - started).toBeLessThan(10_000);
    expect([...own.state.aborted].sort()).toEqual(transports.map((t) => `stop-${t}`).sort());
    // Nothing listens any more.
    await expect(Bun.connect({ hostname: own.tcp!.hostname, port: own.tcp!.port, socket: { data() {} } })).rejects.toThrow();
    await expect(fetch(own.http[0]!.url, { method: "POST", body: "{}" })).rejects.toThrow();
  } finally {
    for (const p of peers) p.raw.abort();
  }
}, SLOW_TEST_MS);
