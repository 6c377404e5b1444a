import { LocalCode } from "../jsonrpc/codes.ts";
import { LocalError } from "../jsonrpc/errors.ts";
import type { ClientConnection } from "./connection.ts";
import { LegacySseConnection } from "./legacy-sse.ts";
import { StdioConnection, type StdioTarget } from "./stdio.ts";
import { StreamableHttpConnection, type HttpSettings } from "./streamable-http.ts";
import { TcpConnection } from "./tcp.ts";
import { WebSocketConnection } from "./websocket.ts";

/**
 * Where to connect: an HTTP URL (Streamable HTTP, falling back to the 2024-11-05 HTTP+SSE
 * transport; `transport: "sse"` goes there directly), a command to spawn (stdio), a TCP
 * address, or a WebSocket URL.
 */
export type ConnectTarget =
  | { url: string | URL; transport?: "streamable-http" | "sse" }
  | StdioTarget
  | { tcp: string }
  | { ws: string | URL };

/** Opens `target`; `legacySse` asks for the HTTP+SSE transport at an HTTP target's URL. */
export async function openTarget(target: ConnectTarget, http: HttpSettings, legacySse = false): Promise<ClientConnection> {
  if ("url" in target) {
    const url = httpUrl(target.url, "url");
    if (legacySse || target.transport === "sse") return LegacySseConnection.open(url, http);
    return new StreamableHttpConnection(url, http);
  }
  if ("command" in target) return StdioConnection.open(target, http.maxMessageBytes);
  if ("tcp" in target) return TcpConnection.open(target.tcp, http.maxMessageBytes);
  if ("ws" in target) {
    const url = new URL(String(target.ws));
    if (url.protocol !== "ws:" && url.protocol !== "wss:") throw new LocalError(LocalCode.UsageInvalid, `ws target ${JSON.stringify(String(target.ws))} must be a ws:// or wss:// URL`);
    return WebSocketConnection.open(url.href, http.auth ? await http.auth.headers() : {}, http.maxMessageBytes);
  }
  throw new LocalError(LocalCode.UsageInvalid, `unknown connect target ${JSON.stringify(target)}: give { url }, { command, args }, { tcp: "host:port" } or { ws: url }`);
}

function httpUrl(raw: string | URL, what: string): URL {
  let url: URL;
  try {
    url = new URL(String(raw));
  } catch {
    throw new LocalError(LocalCode.UsageInvalid, `${what} ${JSON.stringify(String(raw))} is not a URL`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new LocalError(LocalCode.UsageInvalid, `${what} ${JSON.stringify(url.href)} must be http:// or https://`);
  return url;
}
