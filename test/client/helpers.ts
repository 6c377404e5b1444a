/**
 * Shared pieces of the client suites: targets for every transport against our own server,
 * handlers that record what they were asked, a request-recording HTTP proxy, and a scripted
 * fake HTTP server for the protocol cases a real server never produces.
 */
import { fileURLToPath } from "node:url";
import type { ClientHandlers, HandlerContext } from "../../src/client/handlers.ts";
import type { ConnectTarget } from "../../src/client/targets.ts";
import type { ElicitParams } from "../../src/protocol/types.ts";
import type { NetworkServer } from "../fixtures/network-server.ts";

export const EVERYTHING_STDIO = fileURLToPath(new URL("../fixtures/everything-stdio.ts", import.meta.url));
export const SDK_STDIO = fileURLToPath(new URL("../fixtures/client-sdk-stdio.ts", import.meta.url));

/** The transports the contract suite runs over, and the eras each can speak. */
export const TRANSPORTS = {
  stdio: ["stateless", "session"],
  tcp: ["stateless", "session"],
  websocket: ["stateless", "session"],
  "http-json": ["stateless", "session"],
  "http-sse": ["stateless", "session"],
  "http-auto": ["stateless", "session"],
  "legacy-sse": ["session"],
} as const;
export type TransportName = keyof typeof TRANSPORTS;

/** The stdio child's environment: the watched resource changes every 100 ms, nothing else moves. */
export const STDIO_ENV = { ERLMCP_WATCH_INTERVAL_MS: "100", ERLMCP_DYNAMIC_DELAY_MS: "86400000" };

/** Where `transport` reaches `net` (stdio spawns the everything fixture instead). */
export function targetFor(transport: TransportName, net: NetworkServer): ConnectTarget {
  switch (transport) {
    case "stdio":
      return { command: process.execPath, args: [EVERYTHING_STDIO], env: STDIO_ENV };
    case "tcp":
      return { tcp: `127.0.0.1:${net.tcp!.port}` };
    case "websocket":
      return { ws: new URL("/ws", net.httpFor("json").url).href.replace(/^http/, "ws") };
    case "http-json":
      return { url: net.httpFor("json").url };
    case "http-sse":
      return { url: net.httpFor("sse").url };
    case "http-auto":
      return { url: net.httpFor("auto").url };
    case "legacy-sse":
      return { url: new URL("/sse", net.httpFor("json").url), transport: "sse" };
  }
}

/** One answer a handler gave, with what it was asked. */
export interface HandlerCall {
  kind: "sampling" | "elicitation" | "roots";
  era: HandlerContext["era"];
  params: unknown;
}

/** Form answers by field name; the handler fills whichever the schema asks for. */
const FORM_ANSWERS: Record<string, string | boolean> = { name: "Ada", color: "blue", username: "ada", email: "ada@example.com", ok: true, context: "from-the-test", text: "t" };

/** Handlers that answer deterministically and record every call. */
export function recordingHandlers(): { calls: HandlerCall[]; handlers: ClientHandlers } {
  const calls: HandlerCall[] = [];
  return {
    calls,
    handlers: {
      sampling(params, ctx) {
        calls.push({ kind: "sampling", era: ctx.era, params });
        return { role: "assistant", content: { type: "text", text: "Paris" }, model: "test-model", stopReason: "endTurn" };
      },
      elicitation(params: ElicitParams, ctx) {
        calls.push({ kind: "elicitation", era: ctx.era, params });
        const props = params.mode === "url" ? {} : params.requestedSchema.properties;
        return { action: "accept", content: Object.fromEntries(Object.keys(props).filter((k) => k in FORM_ANSWERS).map((k) => [k, FORM_ANSWERS[k]!])) };
      },
      roots(ctx) {
        calls.push({ kind: "roots", era: ctx.era, params: undefined });
        return [{ uri: "file:///test/root", name: "test root" }];
      },
    },
  };
}

/** Resolves once `check` is true (polling every 10 ms); rejects naming `what` after `timeoutMs`. */
export async function waitFor(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await Bun.sleep(10);
  }
}

/** One request the proxy saw. */
export interface Seen {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: any;
  /** performance.now() when it arrived. */
  at: number;
}

/**
 * An HTTP proxy in front of `upstream` that records every request and can drop the open GET
 * streams (as a server closing them would), so reconnection is observable from outside.
 */
export function startProxy(upstream: URL) {
  const seen: Seen[] = [];
  const open = new Map<() => void, string>();
  const bun = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    idleTimeout: 0,
    async fetch(req) {
      const url = new URL(req.url);
      const text = req.method === "POST" ? await req.text() : "";
      seen.push({ method: req.method, path: url.pathname, headers: Object.fromEntries(req.headers), body: text ? JSON.parse(text) : undefined, at: performance.now() });
      const headers = new Headers(req.headers);
      headers.set("host", upstream.host);
      const abort = new AbortController();
      // The client going away before the answer started also goes away upstream.
      const signal = AbortSignal.any([abort.signal, req.signal]);
      let r: Response;
      try {
        r = await fetch(new URL(url.pathname + url.search, upstream), { method: req.method, headers, body: text || undefined, signal });
      } catch {
        return new Response(null, { status: 502 });
      }
      if (!r.body) return new Response(null, { status: r.status, headers: r.headers });
      // Every body is piped, so a client closing its side closes the upstream request too
      // (2026-07-28 cancels by closing the stream).
      let drop!: () => void;
      const body = new ReadableStream<Uint8Array>({
        async start(controller) {
          drop = () => {
            abort.abort();
            try {
              controller.close();
            } catch {
              // already closed
            }
          };
          open.set(drop, req.method);
          const reader = r.body!.getReader();
          try {
            for (;;) {
              const { value, done } = await reader.read();
              if (done) break;
              controller.enqueue(value);
            }
            controller.close();
          } catch {
            // dropped
          } finally {
            open.delete(drop);
          }
        },
        cancel() {
          abort.abort();
        },
      });
      return new Response(body, { status: r.status, headers: r.headers });
    },
  });
  return {
    url: new URL(`http://127.0.0.1:${bun.port}${upstream.pathname}`),
    seen,
    /** Closes every open response stream of `method` from the server side; returns how many. */
    dropStreams(method = "GET"): number {
      const drops = [...open].filter(([, m]) => m === method).map(([d]) => d);
      for (const d of drops) d();
      return drops.length;
    },
    stop: () => bun.stop(true),
  };
}

/** A JSON-RPC message as a fake server receives it. */
export type Msg = { jsonrpc: "2.0"; id?: number | string; method?: string; params?: any };

/**
 * A scripted HTTP server: `answer` gets each POSTed message and returns the Response; every
 * request is recorded. For answers no real server gives (malformed JSON, wrong ids, 500s).
 */
export function startFake(answer: (m: Msg, req: Request) => Response | Promise<Response>) {
  const seen: { method: string; headers: Record<string, string>; body: Msg | undefined }[] = [];
  const bun = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(req) {
      const text = req.method === "POST" ? await req.text() : "";
      const body = text ? (JSON.parse(text) as Msg) : undefined;
      seen.push({ method: req.method, headers: Object.fromEntries(req.headers), body });
      if (req.method !== "POST") return new Response("no GET here", { status: 405 });
      return answer(body!, req);
    },
  });
  return { url: new URL(`http://127.0.0.1:${bun.port}/mcp`), seen, stop: () => bun.stop(true) };
}

/** A JSON answer with `result` for the request `m`. */
export const result = (m: Msg, r: Record<string, unknown>) => Response.json({ jsonrpc: "2.0", id: m.id, result: r });

/** A DiscoverResult for 2026-07-28 with tools. */
export const DISCOVER = { resultType: "complete", supportedVersions: ["2026-07-28"], capabilities: { tools: {} }, ttlMs: 0, cacheScope: "private" };
