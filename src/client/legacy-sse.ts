import { LocalCode } from "../jsonrpc/codes.ts";
import { LocalError } from "../jsonrpc/errors.ts";
import type { JsonRpcMessage } from "../jsonrpc/message.ts";
import type { ClientConnection } from "./connection.ts";
import { describe, protocolViolation } from "./errors.ts";
import { FramedConnection } from "./framed.ts";
import { authorizedFetch, mediaType, statusError } from "./http-fetch.ts";
import { SseReader } from "./sse-reader.ts";
import type { HttpSettings } from "./streamable-http.ts";

/** How long the server may take to name its POST endpoint (ms). */
const ENDPOINT_TIMEOUT_MS = 10_000;

/**
 * The deprecated 2024-11-05 HTTP+SSE transport (2025-11-25 §3.2.9): GET opens an event
 * stream whose first event, `endpoint`, names the URL to POST messages to; every server
 * message, responses included, is a `message` event on that one stream.
 */
export class LegacySseConnection extends FramedConnection implements ClientConnection {
  readonly kind = "legacy-sse" as const;
  private endpoint!: URL;
  private readonly lifetime = new AbortController();
  private closing = false;

  private constructor(
    readonly url: URL,
    private readonly settings: HttpSettings,
  ) {
    super();
  }

  /** Opens the stream at `url` and waits for the endpoint event. */
  static async open(url: URL, settings: HttpSettings): Promise<LegacySseConnection> {
    const conn = new LegacySseConnection(url, settings);
    const signal = conn.lifetime.signal;
    const r = await authorizedFetch(url, { method: "GET", headers: { accept: "text/event-stream" }, signal }, settings.auth);
    if (!r.ok) throw await statusError(r, `GET ${url.href} (HTTP+SSE)`);
    if (mediaType(r) !== "text/event-stream") {
      await r.body?.cancel().catch(() => {});
      throw protocolViolation(`GET ${url.href} answered ${JSON.stringify(mediaType(r))}, not an HTTP+SSE event stream`);
    }
    const reader = new SseReader(r.body!, settings.maxMessageBytes);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new LocalError(LocalCode.ChannelClosed, `GET ${url.href} sent no endpoint event within ${ENDPOINT_TIMEOUT_MS} ms`)), ENDPOINT_TIMEOUT_MS);
    });
    try {
      conn.endpoint = await Promise.race([conn.readEndpoint(reader), timeout]);
    } catch (e) {
      conn.lifetime.abort();
      await reader.cancel();
      throw e;
    } finally {
      clearTimeout(timer);
    }
    void conn.pump(reader);
    return conn;
  }

  private async readEndpoint(reader: SseReader): Promise<URL> {
    for (;;) {
      const e = await reader.next().catch(() => null);
      if (e === null) throw new LocalError(LocalCode.ChannelClosed, `the HTTP+SSE stream at ${this.url.href} ended before its endpoint event`);
      if (e.event !== "endpoint" || e.data === undefined) continue;
      const endpoint = new URL(e.data.trim(), this.url);
      // A server must not send our messages elsewhere (the SDK checks the same).
      if (endpoint.origin !== this.url.origin) throw protocolViolation(`the endpoint event names ${endpoint.origin}, a different origin than ${this.url.origin}`);
      return endpoint;
    }
  }

  private async pump(reader: SseReader): Promise<void> {
    try {
      for (;;) {
        const e = await reader.next();
        if (e === null) break;
        if (e.data === undefined || e.data === "" || (e.event !== undefined && e.event !== "message")) continue;
        this.deliverText(e.data, "SSE message event");
      }
    } catch (e) {
      if (e instanceof LocalError && !this.closing) this.report(e);
    }
    this.end(this.closing ? "closed by the client" : `the server ended the HTTP+SSE stream at ${this.url.href}`);
  }

  async send(message: JsonRpcMessage): Promise<void> {
    if (this.closed) throw new LocalError(LocalCode.ChannelClosed, `cannot send ${describe(message)}: the HTTP+SSE stream at ${this.url.href} is closed`);
    const r = await authorizedFetch(
      this.endpoint,
      { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(message), signal: this.lifetime.signal },
      this.settings.auth,
    );
    if (!r.ok) throw await statusError(r, `POST ${describe(message)} to ${this.endpoint.href}`);
    await r.body?.cancel().catch(() => {});
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closing = true;
    this.lifetime.abort(new LocalError(LocalCode.ChannelClosed, "the client closed the connection"));
    this.end("closed by the client");
  }
}
