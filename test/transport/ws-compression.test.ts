/**
 * permessage-deflate on /ws (RFC 7692): accepted only when the client offers it and
 * http.wsCompression is on; then frames past http.wsCompressMinBytes go out compressed
 * (RSV1 set) and smaller ones plain; messages round-trip either way, with Bun's own client
 * and with a raw socket that reads every frame.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startNetworkServer, type NetworkServer } from "../fixtures/network-server.ts";
import { Opcode, RawWebSocket } from "../fixtures/ws-raw.ts";

const THRESHOLD = 512;
const INIT = { jsonrpc: "2.0", id: "init", method: "initialize", params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "deflate", version: "1.0.0" } } };
const INITIALIZED = { jsonrpc: "2.0", method: "notifications/initialized" };
const LIST = { jsonrpc: "2.0", id: "list", method: "tools/list" };
const PING = { jsonrpc: "2.0", id: "ping", method: "ping" };

let on: NetworkServer;
let off: NetworkServer;
beforeAll(() => {
  on = startNetworkServer({ http: [{ wsCompression: true, wsCompressMinBytes: THRESHOLD }] });
  off = startNetworkServer({ http: [{ wsCompression: false }] });
});
afterAll(async () => {
  await on.stop();
  await off.stop();
});

const wsUrl = (net: NetworkServer) => new URL(net.http[0]!.url.href.replace(/^http/, "ws").replace(/\/mcp$/, "/ws"));

/** A raw client's session: initialize, then tools/list (large) and ping (small). */
async function listAndPing(ws: RawWebSocket) {
  ws.send(JSON.stringify(INIT));
  await ws.reply("init");
  ws.send(JSON.stringify(INITIALIZED));
  ws.send(JSON.stringify(LIST));
  ws.send(JSON.stringify(PING));
  return { list: await ws.reply("list"), ping: await ws.reply("ping") };
}

describe("http.wsCompression on", () => {
  test("a client offering permessage-deflate gets it: large answers compressed, small ones plain, all round-trip", async () => {
    const ws = await RawWebSocket.open(wsUrl(on), "permessage-deflate; client_max_window_bits");
    expect(ws.headers["sec-websocket-extensions"]).toContain("permessage-deflate");
    const { list, ping } = await listAndPing(ws);
    expect(list.message.result.tools.length).toBeGreaterThan(5);
    expect(list.frame.payload.length).toBeGreaterThanOrEqual(THRESHOLD);
    expect(list.frame.compressed).toBe(true);
    expect(list.frame.wireBytes).toBeLessThan(list.frame.payload.length / 2);
    expect(ping.frame.compressed).toBe(false);
    expect(ping.message).toEqual({ jsonrpc: "2.0", id: "ping", result: {} });
    ws.destroy();
  });

  test("a client not offering it gets no extension and plain frames", async () => {
    const ws = await RawWebSocket.open(wsUrl(on));
    expect(ws.headers["sec-websocket-extensions"]).toBeUndefined();
    const { list } = await listAndPing(ws);
    expect(list.frame.compressed).toBe(false);
    expect(list.frame.wireBytes).toBe(list.frame.payload.length);
    ws.destroy();
  });

  test("Bun's WebSocket client round-trips with and without the offer", async () => {
    for (const perMessageDeflate of [true, false]) {
      const ws = new WebSocket(wsUrl(on).href, { protocols: ["mcp"], perMessageDeflate });
      const messages: any[] = [];
      ws.onmessage = (e) => void messages.push(JSON.parse(String(e.data)));
      await new Promise<void>((resolve, reject) => {
        ws.onopen = () => resolve();
        ws.onerror = () => reject(new Error("WebSocket failed to open"));
      });
      expect(ws.extensions.includes("permessage-deflate")).toBe(perMessageDeflate);
      ws.send(JSON.stringify(INIT));
      ws.send(JSON.stringify(INITIALIZED));
      ws.send(JSON.stringify(LIST));
      const deadline = Date.now() + 5000;
      while (!messages.some((m) => m.id === "list") && Date.now() < deadline) await Bun.sleep(10);
      expect(messages.find((m) => m.id === "list")?.result.tools.length).toBeGreaterThan(5);
      ws.close();
    }
  });
});

describe("http.wsCompression off", () => {
  test("an offer is declined and frames stay plain", async () => {
    const ws = await RawWebSocket.open(wsUrl(off), "permessage-deflate; client_max_window_bits");
    expect(ws.headers["sec-websocket-extensions"]).toBeUndefined();
    const { list } = await listAndPing(ws);
    expect(list.frame.compressed).toBe(false);
    expect(list.frame.opcode).toBe(Opcode.Text);
    ws.destroy();
  });
});
