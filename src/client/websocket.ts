import { LocalCode } from "../jsonrpc/codes.ts";
import { LocalError } from "../jsonrpc/errors.ts";
import type { JsonRpcMessage } from "../jsonrpc/message.ts";
import type { ClientConnection } from "./connection.ts";
import { describe, protocolViolation } from "./errors.ts";
import { FramedConnection } from "./framed.ts";

/** The MCP WebSocket subprotocol. */
const SUBPROTOCOL = "mcp";
/** How long the opening handshake may take (ms). */
const OPEN_TIMEOUT_MS = 10_000;

/**
 * WebSocket (subprotocol "mcp"): one JSON-RPC message per text frame. `headers` go on the
 * upgrade request (Bun's WebSocket takes them), which is where an AuthHook's token travels.
 */
export class WebSocketConnection extends FramedConnection implements ClientConnection {
  readonly kind = "websocket" as const;
  private closing = false;

  private constructor(
    private readonly ws: WebSocket,
    private readonly where: string,
    maxMessageBytes: number,
  ) {
    super();
    ws.addEventListener("message", (e) => {
      if (typeof e.data !== "string") return this.report(protocolViolation("the server sent a binary WebSocket frame; MCP frames are text"));
      if (e.data.length > maxMessageBytes) return this.report(protocolViolation(`the server sent a frame of ${e.data.length} characters, more than maxMessageBytes (${maxMessageBytes}); it was dropped`));
      this.deliverText(e.data, "WebSocket frame");
    });
    ws.addEventListener("close", (e) =>
      this.end(this.closing ? "closed by the client" : `the server closed the WebSocket (${e.code}${e.reason ? ` ${e.reason}` : ""})`),
    );
  }

  static open(url: string, headers: Record<string, string>, maxMessageBytes: number): Promise<WebSocketConnection> {
    const ws = new WebSocket(url, { protocols: [SUBPROTOCOL], headers });
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        ws.close();
        reject(new LocalError(LocalCode.ChannelClosed, `the WebSocket to ${url} did not open within ${OPEN_TIMEOUT_MS} ms`));
      }, OPEN_TIMEOUT_MS);
      ws.addEventListener("open", () => {
        clearTimeout(timer);
        if (ws.protocol !== SUBPROTOCOL) {
          ws.close(1002, "subprotocol mcp required");
          return reject(new LocalError(LocalCode.ChannelClosed, `the WebSocket server at ${url} did not accept the "${SUBPROTOCOL}" subprotocol (got ${JSON.stringify(ws.protocol)})`));
        }
        resolve(new WebSocketConnection(ws, url, maxMessageBytes));
      }, { once: true });
      ws.addEventListener("error", () => {
        clearTimeout(timer);
        reject(new LocalError(LocalCode.ChannelClosed, `cannot open a WebSocket to ${url} (connection refused or upgrade rejected)`));
      }, { once: true });
    });
  }

  async send(message: JsonRpcMessage): Promise<void> {
    if (this.closed || this.ws.readyState !== WebSocket.OPEN)
      throw new LocalError(LocalCode.ChannelClosed, `cannot send ${describe(message)}: the WebSocket to ${this.where} is closed`);
    this.ws.send(JSON.stringify(message));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closing = true;
    const ended = new Promise<void>((resolve) => this.onClose(() => resolve()));
    this.ws.close(1000, "client closing");
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([ended, new Promise<void>((resolve) => (timer = setTimeout(resolve, 2000)))]);
    clearTimeout(timer);
    this.end("closed by the client");
  }
}
