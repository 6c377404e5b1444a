import { LocalCode } from "../jsonrpc/codes.ts";
import { LocalError } from "../jsonrpc/errors.ts";
import { validateMessage } from "../jsonrpc/decode.ts";
import { isRequest, isResponse, type JsonRpcMessage, type JsonRpcRequest } from "../jsonrpc/message.ts";
import type { ClientConnection, SendOptions, SessionFacts } from "./connection.ts";
import { ConnectionLostError, describe, excerpt, httpStatusOf, protocolViolation } from "./errors.ts";
import { FramedConnection } from "./framed.ts";
import { ACCEPT_BOTH, authorizedFetch, mediaType, sleep, statusError, type AuthHook } from "./http-fetch.ts";
import { readEvents, type StreamState } from "./http-stream.ts";
import { backoffMs, type ReconnectEvent, type ResolvedReconnect } from "./reconnect.ts";

/** Settings of the HTTP transports. */
export interface HttpSettings {
  auth: AuthHook | undefined;
  maxMessageBytes: number;
  /** Failed reconnections in a row (a request's stream: without news) before giving up. */
  maxReconnects: number;
  /** Wait before reconnecting when the server sent no `retry` hint (ms). */
  defaultRetryMs: number;
  /** Streamable HTTP: how the standalone stream comes back when the server is unreachable (attempts, backoff). */
  reconnect?: ResolvedReconnect;
  /** Streamable HTTP: told when the server becomes unreachable and reachable again. */
  onLink?(e: ReconnectEvent): void;
}

const SESSION_HEADER = "mcp-session-id";
/** A session id is visible ASCII (2025-11-25 §session management). */
const VISIBLE_ASCII = /^[\x21-\x7e]+$/;

/**
 * Streamable HTTP, both eras (2025-11-25 §3.2, 2026-07-28 §2). Every message is a POST whose
 * answer is JSON or SSE. Legacy sessions: the Mcp-Session-Id of the initialize answer goes on
 * every later request with MCP-Protocol-Version; broken streams resume by GET with
 * Last-Event-ID after the server's `retry`; a standalone GET stream carries server-initiated
 * messages; DELETE ends the session. Modern requests carry their own headers (SendOptions).
 */
export class StreamableHttpConnection extends FramedConnection implements ClientConnection {
  readonly kind = "streamable-http" as const;
  private sessionId: string | undefined;
  private facts: SessionFacts | undefined;
  /** Aborts every fetch of this connection on close. */
  private readonly lifetime = new AbortController();
  private standalone: Promise<void> | undefined;
  private standaloneOpen = false;
  /** Why the server is unreachable, since a request failed to reach it; undefined while it answers. */
  private down: string | undefined;
  /** Reconnection attempts of the standalone stream since the server became unreachable. */
  private attempts = 0;

  constructor(
    readonly url: URL,
    private readonly settings: HttpSettings,
  ) {
    super();
  }

  /** The session id the server assigned, if any. */
  get session(): string | undefined {
    return this.sessionId;
  }

  settle(facts: SessionFacts): void {
    this.facts = facts;
    if (facts.era !== "session" || this.standaloneOpen) return;
    this.standaloneOpen = true;
    this.standalone = this.listenStandalone().finally(() => (this.standaloneOpen = false));
  }

  resetSession(): void {
    this.sessionId = undefined;
  }

  authorizationSettled(): Promise<boolean> {
    return this.settings.auth?.settled?.() ?? Promise.resolve(false);
  }

  async send(message: JsonRpcMessage, options: SendOptions = {}): Promise<void> {
    if (this.closed) throw new LocalError(LocalCode.ChannelClosed, `cannot send ${describe(message)}: the connection to ${this.url.href} is closed`);
    const signal = options.signal ? AbortSignal.any([this.lifetime.signal, options.signal]) : this.lifetime.signal;
    const headers: Record<string, string> = { "content-type": "application/json", accept: ACCEPT_BOTH, ...this.sessionHeaders(), ...options.headers };
    const initialize = isRequest(message) && message.method === "initialize";
    if (initialize) delete headers[SESSION_HEADER];
    const r = await this.reach(`POST ${describe(message)}`, describe(message), { method: "POST", headers, body: JSON.stringify(message), signal });
    if (r.status === 404 && headers[SESSION_HEADER] !== undefined) throw await this.expired(r, `POST ${describe(message)}`, headers[SESSION_HEADER]);
    if (!r.ok) throw await statusError(r, `POST ${describe(message)} to ${this.url.href}`);
    if (initialize) this.adoptSession(r);
    if (!isRequest(message)) return void (await r.body?.cancel().catch(() => {}));
    if (r.status === 202) throw protocolViolation(`the server accepted ${describe(message)} with 202 and no response`);
    const type = mediaType(r);
    if (type === "application/json") return this.readJson(r, message);
    if (type === "text/event-stream") return this.readStream(r, message, signal);
    await r.body?.cancel().catch(() => {});
    throw protocolViolation(`the server answered ${describe(message)} with content-type ${JSON.stringify(type)}; expected application/json or text/event-stream`);
  }

  /**
   * One fetch to the server. A fetch that fails without an HTTP answer (refused, reset: the
   * server is down or restarting) is a ConnectionLostError for `request`: nothing was
   * answered, and the caller may send it again. The first such failure tells onLink
   * "disconnected"; the first answer after, "reconnected" (resumed: the 2025 session id still
   * works, no new initialize). Nothing is ever re-sent here.
   */
  private async reach(what: string, request: string, init: { method: string; headers: Record<string, string>; body?: string; signal: AbortSignal }): Promise<Response> {
    let r: Response;
    try {
      r = await authorizedFetch(this.url, init, this.settings.auth);
    } catch (e) {
      // authorizedFetch names a network failure ChannelClosed; anything else (the auth hook's own) stands.
      if (init.signal.aborted || (e instanceof LocalError && e.code !== LocalCode.ChannelClosed)) throw e;
      const reason = e instanceof Error ? e.message : String(e);
      this.linkDown(reason);
      throw new ConnectionLostError(request, reason);
    }
    if (this.down !== undefined) {
      this.down = undefined;
      const resumed = this.sessionId !== undefined && this.facts?.era === "session" && r.status !== 404;
      this.settings.onLink?.({ type: "reconnected", attempt: Math.max(1, this.attempts), resumed });
      this.attempts = 0;
    }
    return r;
  }

  /** The server became unreachable (or may have restarted): "disconnected", once, until an answer comes. */
  private linkDown(reason: string): void {
    if (this.down !== undefined) return;
    this.down = reason;
    this.settings.onLink?.({ type: "disconnected", reason });
  }

  private sessionHeaders(): Record<string, string> {
    const h: Record<string, string> = {};
    if (this.sessionId !== undefined) h[SESSION_HEADER] = this.sessionId;
    if (this.facts?.era === "session") h["mcp-protocol-version"] = this.facts.protocolVersion;
    return h;
  }

  private adoptSession(r: Response): void {
    const sid = r.headers.get(SESSION_HEADER);
    if (sid === null) return;
    if (!VISIBLE_ASCII.test(sid)) throw protocolViolation(`the server's Mcp-Session-Id ${JSON.stringify(excerpt(sid, 80))} is not visible ASCII`);
    this.sessionId = sid;
  }

  /**
   * The error for a 404 on a request that carried session `sid` (2025-11-25 §3.2.6: start a new
   * session). The id is kept until resetSession: concurrent requests must all see the 404.
   */
  private async expired(r: Response, what: string, sid: string): Promise<LocalError> {
    await r.body?.cancel().catch(() => {});
    return new LocalError(LocalCode.SessionExpired, `${what}: the server no longer knows session ${JSON.stringify(sid)} (HTTP 404); a new initialize is needed`);
  }

  /** A JSON answer: exactly one response, to this request. */
  private async readJson(r: Response, request: JsonRpcRequest): Promise<void> {
    const text = await r.text();
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      throw protocolViolation(`the server answered ${describe(request)} with malformed JSON: ${excerpt(text)}`);
    }
    const checked = validateMessage(value);
    if (checked.kind === "error" || !isResponse(checked.message))
      throw protocolViolation(`the server answered ${describe(request)} with something other than a JSON-RPC response: ${excerpt(text)}`);
    const m = checked.message;
    // An error the server could not tie to an id is still this POST's answer.
    if ("error" in m && (m.id === null || m.id === undefined)) return this.deliver({ ...m, id: request.id });
    if (m.id !== request.id)
      throw protocolViolation(`the server answered ${describe(request)} with a response for id ${JSON.stringify(m.id)}`);
    this.deliver(m);
  }

  /** An SSE answer: messages until the response; a broken legacy stream is resumed by GET. */
  private async readStream(r: Response, request: JsonRpcRequest, signal: AbortSignal): Promise<void> {
    const state: StreamState = { delivered: 0 };
    let response = r;
    for (let attempts = 0; ; ) {
      const before = state.delivered;
      const outcome = await readEvents(response.body!, this.settings.maxMessageBytes, state, (m) => this.deliver(m), request.id);
      if (outcome === "answered") return;
      if (signal.aborted) throw signal.reason;
      if (state.delivered > before) attempts = 0;
      // 2026-07-28 streams are not resumable: the request is lost and the caller may re-issue it.
      if (this.facts?.era === "stateless" || state.lastEventId === undefined)
        throw new ConnectionLostError(describe(request), `the server closed its stream before answering${state.lastEventId === undefined ? " (it sent no event id to resume from)" : ""}`);
      // The server answers resumptions but never the request: not a lost connection.
      if (attempts >= this.settings.maxReconnects)
        throw new LocalError(LocalCode.ChannelClosed, `the server closed the stream of ${describe(request)} before answering and ${attempts} resumption(s) brought no answer`);
      attempts++;
      await sleep(state.retryMs ?? this.settings.defaultRetryMs, signal);
      response = await this.resume(state.lastEventId, signal, describe(request));
    }
  }

  /** GET with Last-Event-ID: the rest of a broken stream (resumption always uses GET, 2025-11-25 §3.2.5). */
  private async resume(lastEventId: string | undefined, signal: AbortSignal, what: string): Promise<Response> {
    const headers: Record<string, string> = { accept: "text/event-stream", ...this.sessionHeaders() };
    if (lastEventId !== undefined) headers["last-event-id"] = lastEventId;
    const r = await this.reach(`GET resuming ${what}`, what, { method: "GET", headers, signal });
    if (r.status === 404 && headers[SESSION_HEADER] !== undefined) throw await this.expired(r, `GET resuming ${what}`, headers[SESSION_HEADER]);
    if (!r.ok) throw await statusError(r, `GET resuming ${what}`);
    if (mediaType(r) !== "text/event-stream") {
      await r.body?.cancel().catch(() => {});
      throw protocolViolation(`GET resuming ${what} was answered with ${JSON.stringify(mediaType(r))}, not text/event-stream`);
    }
    return r;
  }

  /**
   * The standalone GET stream of a legacy session (2025-11-25 §3.2.3), reconnected after
   * each close with Last-Event-ID and the server's retry. Optional on both sides: a 405 (or
   * any 4xx) means the server offers none, and the session works without it.
   */
  private async listenStandalone(): Promise<void> {
    const state: StreamState = { delivered: 0 };
    const signal = this.lifetime.signal;
    for (let failures = 0; !this.closed; ) {
      try {
        const r = await this.resume(state.lastEventId, signal, "the standalone stream");
        // A stream that opened, however soon it ended, is SEP-1699 polling: reconnect for as long as it lasts.
        failures = 0;
        const outcome = await readEvents(r.body!, this.settings.maxMessageBytes, state, (m) => this.deliver(m));
        // Broken off (the server died or restarted): a link loss even if the next GET finds it back already.
        if (outcome === "dropped" && !signal.aborted) this.linkDown("the standalone stream broke off");
      } catch (e) {
        if (signal.aborted) return;
        const status = e instanceof LocalError && e.code === LocalCode.SessionExpired ? 404 : (httpStatusOf(e) ?? 0);
        if (status === 404) this.report(e as Error);
        if (status >= 400 && status < 500) return;
        if (e instanceof LocalError && e.code === LocalCode.PeerProtocolViolation) this.report(e);
        failures++;
        // The server is unreachable (down or restarting): come back with the client's backoff,
        // resuming the stream with Last-Event-ID once it answers.
        const policy = this.settings.reconnect;
        if (e instanceof ConnectionLostError && policy && policy.maxAttempts > 0) {
          if (failures > policy.maxAttempts) {
            this.settings.onLink?.({ type: "failed", attempts: policy.maxAttempts, error: e });
            return this.report(new LocalError(LocalCode.ChannelClosed, `the server at ${this.url.href} stayed unreachable after ${policy.maxAttempts} attempts; the standalone stream is closed`));
          }
          const delayMs = backoffMs(policy, failures);
          this.attempts = failures;
          this.settings.onLink?.({ type: "reconnecting", attempt: failures, delayMs, reason: e.reason });
          if (!(await sleep(delayMs, signal).then(() => true, () => false))) return;
          continue;
        }
      }
      if (failures > this.settings.maxReconnects) {
        this.report(new LocalError(LocalCode.ChannelClosed, `the standalone stream of ${this.url.href} failed ${failures} times in a row; server-initiated messages now arrive only on request streams`));
        return;
      }
      try {
        await sleep(state.retryMs ?? this.settings.defaultRetryMs, signal);
      } catch {
        return;
      }
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    if (this.sessionId !== undefined && this.facts?.era === "session") {
      // Ending the session is a courtesy (SHOULD): a slow or failing DELETE never blocks close.
      const headers = { ...this.sessionHeaders() };
      await authorizedFetch(this.url, { method: "DELETE", headers, signal: AbortSignal.timeout(2000) }, this.settings.auth)
        .then((r) => r.body?.cancel())
        .catch(() => {});
    }
    this.lifetime.abort(new LocalError(LocalCode.ChannelClosed, "the client closed the connection"));
    this.end("closed by the client");
    await this.standalone;
  }
}
