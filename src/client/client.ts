import { LocalCode, WireCode } from "../jsonrpc/codes.ts";
import { LocalError, McpError } from "../jsonrpc/errors.ts";
import type { JsonRpcNotification, JsonRpcRequest, Params } from "../jsonrpc/message.ts";
import { Method, Notice } from "../protocol/methods.ts";
import { StatelessMethod } from "../protocol/stateless.ts";
import type { CallToolResult, CompleteResult, GetPromptResult, Implementation, LoggingLevel, ReadResourceResult } from "../protocol/types.ts";
import type { ClientConnection } from "./connection.ts";
import { ConnectionLostError, protocolViolation } from "./errors.ts";
import { ClientEvents, type NotificationHandler } from "./events.ts";
import { answerInput, declaredCapabilities } from "./handlers.ts";
import { LegacySession, handshake } from "./legacy.ts";
import { Subscription, type SubscriptionFilter } from "./listen.ts";
import { ModernSession } from "./modern.ts";
import { negotiate } from "./negotiate.ts";
import { resolveOptions, type ClientOptions, type ResolvedOptions } from "./options.ts";
import { collectPages, ToolCatalog, type Page } from "./catalog.ts";
import { awaitReconnection, backoffMs, reconnectLoop, type ReconnectEvent } from "./reconnect.ts";
import { RpcPeer, type CancelStyle, type RequestOptions, type WireRequestOptions } from "./rpc.ts";
import { SessionState } from "./session-state.ts";
import type { EraSession, ServerDescription, Wire } from "./session.ts";
import type { HttpSettings } from "./streamable-http.ts";
import { openTarget, type ConnectTarget } from "./targets.ts";
import { getSkill, listSkillsPage, loadSkill, readDirectoryPage, type LoadedSkill, type LoadSkillOptions, type SkillPeer } from "./skills.ts";
import type { SkillEntry } from "./skill-verify.ts";

/** A completion reference (completion/complete). */
export type CompletionRef = { type: "ref/prompt"; name: string } | { type: "ref/resource"; uri: string };

/** Creates an MCP client; `connect` picks the transport and the era. */
export function createClient(options: ClientOptions): McpClient {
  return new McpClient(options);
}

/**
 * The erlmcp MCP client: one API over stdio, TCP, WebSocket, Streamable HTTP and HTTP+SSE,
 * speaking 2026-07-28 when the server does and the 2025 session protocol otherwise.
 */
export class McpClient {
  private wire: Wire | undefined;
  private session: EraSession | undefined;
  private readonly options: ResolvedOptions;
  private readonly events = new ClientEvents();
  private readonly tools = new ToolCatalog();
  private level: LoggingLevel | undefined;
  /** 2025 era: the subscriptions and log level set again when the session starts again. */
  private readonly state = new SessionState();
  private closing = false;
  /** What connect opened and how, kept to open it again after a drop. */
  private target: ConnectTarget | undefined;
  private http: HttpSettings | undefined;
  /** Settles when a reconnection in progress ends (true: connected again). */
  private reconnecting: Promise<boolean> | undefined;
  private readonly reconnectHandlers = new Set<(e: ReconnectEvent) => void>();

  constructor(options: ClientOptions) {
    this.options = resolveOptions(options);
    this.level = options.logLevel;
  }

  /** What the server said about itself; throws before connect. */
  get server(): ServerDescription {
    return this.current().description;
  }

  /** Opens `target`, negotiates the era and version, and returns what the server said. */
  async connect(target: ConnectTarget): Promise<ServerDescription> {
    if (this.wire) throw new LocalError(LocalCode.UsageInvalid, "this client is already connected; close it or create another");
    const o = this.options;
    const http: HttpSettings = {
      auth: o.auth,
      maxMessageBytes: o.maxMessageBytes,
      maxReconnects: o.maxReconnects,
      defaultRetryMs: o.defaultRetryMs,
      reconnect: o.reconnect,
      onLink: (e) => {
        this.emitReconnect(e);
        if (e.type === "reconnected") this.restoreResumed();
      },
    };
    const clientInfo = this.clientInfo();
    const capabilities = (era: "session" | "stateless") => declaredCapabilities(o.handlers, era, o.capabilities);
    const { wire, description } = await negotiate({
      era: o.era,
      version: o.protocolVersion,
      clientInfo,
      capabilities,
      discoverTimeoutMs: o.discoverTimeoutMs,
      requestTimeoutMs: o.requestTimeoutMs,
      open: (legacySse) => openTarget(target, http, legacySse),
      wire: (conn) => this.makeWire(conn),
    });
    this.wire = wire;
    this.target = target;
    this.http = http;
    this.watch(wire);
    if (description.era === "stateless") {
      this.session = new ModernSession(wire, description, {
        clientInfo,
        capabilities: capabilities("stateless"),
        handlers: o.handlers,
        applyElicitationDefaults: o.applyElicitationDefaults,
        maxInputRounds: o.maxInputRounds,
        logLevel: () => this.level,
        headerParams: (tool) => this.tools.headerParams(tool),
      });
    } else {
      const settings = { clientInfo, capabilities: capabilities("session"), version: description.protocolVersion, timeoutMs: o.requestTimeoutMs };
      const renew = async () => {
        const renewed = await handshake(wire, settings);
        await this.state.restore(wire, o.requestTimeoutMs, (e) => this.emitError(e));
        return renewed;
      };
      this.session = new LegacySession(wire, description, o.reinitializeOnSessionExpiry ? renew : undefined);
    }
    return description;
  }

  // ---- tools

  /** One page of tools/list. Tools whose x-mcp-header annotations break the rules are dropped (2026-07-28 §2.3). */
  async listTools(options: RequestOptions & { cursor?: string } = {}): Promise<Page<"tools">> {
    const page = await this.page(Method.ToolsList, "tools", options);
    return this.tools.accept(page, (e) => this.emitError(e));
  }

  /** Every tool, following nextCursor to the end. */
  async listAllTools(options: RequestOptions = {}): Promise<Page<"tools">["tools"]> {
    const all = await collectPages((cursor) => this.listTools({ ...options, cursor }), "tools");
    this.tools.complete();
    return all;
  }

  /** Calls a tool. `onProgress` receives progress; aborting `signal` cancels the call. */
  async callTool(name: string, args: Record<string, unknown> = {}, options: RequestOptions = {}): Promise<CallToolResult> {
    const session = this.current();
    // On 2026-07-28 HTTP, x-mcp-header arguments must be mirrored into headers: know the tools first.
    const needsHeaders = session.description.era === "stateless" && this.wire!.conn.kind === "streamable-http";
    if (needsHeaders && !this.tools.listed && session.description.capabilities.tools) await this.listAllTools({ signal: options.signal });
    try {
      return (await this.send(Method.ToolsCall, { name, arguments: args }, options)) as CallToolResult;
    } catch (e) {
      // A header mismatch can mean the tool changed since we listed it: learn it again, once.
      if (!needsHeaders || !(e instanceof McpError) || e.code !== WireCode.HeaderMismatch) throw e;
      await this.listAllTools({ signal: options.signal });
      return (await this.send(Method.ToolsCall, { name, arguments: args }, options)) as CallToolResult;
    }
  }

  // ---- resources

  /** One page of resources/list. */
  listResources(options: RequestOptions & { cursor?: string } = {}): Promise<Page<"resources">> {
    return this.page(Method.ResourcesList, "resources", options);
  }
  /** Every resource, following nextCursor to the end. */
  listAllResources(options: RequestOptions = {}): Promise<Page<"resources">["resources"]> {
    return collectPages((cursor) => this.listResources({ ...options, cursor }), "resources");
  }
  /** One page of resources/templates/list. */
  listResourceTemplates(options: RequestOptions & { cursor?: string } = {}): Promise<Page<"resourceTemplates">> {
    return this.page(Method.ResourceTemplatesList, "resourceTemplates", options);
  }
  /** Every resource template, following nextCursor to the end. */
  listAllResourceTemplates(options: RequestOptions = {}): Promise<Page<"resourceTemplates">["resourceTemplates"]> {
    return collectPages((cursor) => this.listResourceTemplates({ ...options, cursor }), "resourceTemplates");
  }
  /** Reads a resource (2026-07-28: through input_required rounds if the server asks). */
  async readResource(uri: string, options: RequestOptions = {}): Promise<ReadResourceResult> {
    return (await this.send(Method.ResourcesRead, { uri }, options)) as ReadResourceResult;
  }

  /** 2025 era: resources/subscribe; updates arrive as notifications/resources/updated (onNotification). */
  async subscribe(uri: string, options: RequestOptions = {}): Promise<void> {
    this.legacyOnly("subscribe", "listen({ resourceSubscriptions: [uri] })");
    await this.send(Method.ResourcesSubscribe, { uri }, options);
    this.state.subscribed(uri);
  }
  /** 2025 era: resources/unsubscribe. */
  async unsubscribe(uri: string, options: RequestOptions = {}): Promise<void> {
    this.legacyOnly("unsubscribe", "close() on the Subscription");
    this.state.unsubscribed(uri);
    await this.send(Method.ResourcesUnsubscribe, { uri }, options);
  }

  /**
   * 2026-07-28: opens a subscriptions/listen stream. Its notifications also reach
   * onNotification handlers. Await `acknowledged` for the honoured filter.
   */
  listen(filter: SubscriptionFilter, options: { onNotification?: NotificationHandler } = {}): Subscription {
    const session = this.current();
    if (session.description.era !== "stateless")
      throw new LocalError(LocalCode.EraMismatch, `subscriptions/listen is 2026-07-28; this connection speaks ${session.description.protocolVersion}: use subscribe(uri) and onNotification instead`);
    const controller = new AbortController();
    const sub = new Subscription(controller, options.onNotification);
    void this.openListen(sub, controller.signal, filter);
    return sub;
  }

  /**
   * Sends the listen request of `sub`; when the connection is lost under it (the server keeps
   * no state to resume), listens again once the client has reconnected, with the same backoff,
   * so the Subscription goes on; gives up after ClientOptions.reconnect.maxAttempts.
   */
  private async openListen(sub: Subscription, signal: AbortSignal, filter: SubscriptionFilter): Promise<void> {
    const policy = this.options.reconnect;
    for (let failures = 0; ; ) {
      try {
        const result = await this.current().request(StatelessMethod.SubscriptionsListen, { notifications: filter }, {
          signal,
          timeoutMs: 0,
          onId: (id) => {
            sub.id = id;
            this.events.subscriptions.set(id, sub);
          },
        });
        return sub.settle(result);
      } catch (e) {
        this.events.subscriptions.delete(sub.id!);
        if (!(e instanceof ConnectionLostError) || signal.aborted || this.closing || ++failures > policy.maxAttempts) return sub.settle(e as Error);
        await Bun.sleep(backoffMs(policy, failures));
        if (this.reconnecting) await this.reconnecting;
      }
    }
  }

  // ---- skills (SEP-2640; each throws ExtensionNotDeclared when the server does not declare the extension)

  /** One page of skills/list. Entries a host must not load (no resources…) are dropped and reported. */
  listSkills(options: RequestOptions & { cursor?: string } = {}): Promise<Page<"skills">> {
    return listSkillsPage(this.skillPeer, options, (e) => this.emitError(e));
  }
  /** Every skill entry, following nextCursor to the end. Reads no skill file. */
  listAllSkills(options: RequestOptions = {}): Promise<SkillEntry[]> {
    return collectPages((cursor) => this.listSkills({ ...options, cursor }), "skills");
  }
  /** skills/get: the entry of the skill whose SKILL.md is `uri`, listed or not. */
  getSkill(uri: string, options: RequestOptions = {}): Promise<SkillEntry> {
    return getSkill(this.skillPeer, uri, options);
  }
  /**
   * Loads a skill from its entry (or its SKILL.md URI, through skills/get): reads SKILL.md only,
   * verifies its size, digest and frontmatter (SkillVerificationError otherwise); its other
   * files are read, and verified, when `read` asks for them.
   */
  loadSkill(target: SkillEntry | string, options: LoadSkillOptions = {}): Promise<LoadedSkill> {
    return loadSkill(this.skillPeer, target, options);
  }
  /** One page of resources/directory/read (the server must declare directoryRead). */
  readDirectory(uri: string, options: RequestOptions & { cursor?: string } = {}): Promise<Page<"resources">> {
    return readDirectoryPage(this.skillPeer, uri, options);
  }
  /** Every direct child of a directory resource, following nextCursor to the end. */
  readAllDirectory(uri: string, options: RequestOptions = {}): Promise<Page<"resources">["resources"]> {
    return collectPages((cursor) => this.readDirectory(uri, { ...options, cursor }), "resources");
  }

  // ---- prompts and completion

  /** One page of prompts/list. */
  listPrompts(options: RequestOptions & { cursor?: string } = {}): Promise<Page<"prompts">> {
    return this.page(Method.PromptsList, "prompts", options);
  }
  /** Every prompt, following nextCursor to the end. */
  listAllPrompts(options: RequestOptions = {}): Promise<Page<"prompts">["prompts"]> {
    return collectPages((cursor) => this.listPrompts({ ...options, cursor }), "prompts");
  }
  /** Gets a prompt (2026-07-28: through input_required rounds if the server asks). */
  async getPrompt(name: string, args: Record<string, string> = {}, options: RequestOptions = {}): Promise<GetPromptResult> {
    return (await this.send(Method.PromptsGet, { name, arguments: args }, options)) as GetPromptResult;
  }
  /** completion/complete for an argument of a prompt or a resource template. */
  async complete(ref: CompletionRef, argument: { name: string; value: string }, context?: { arguments?: Record<string, string> }, options: RequestOptions = {}): Promise<CompleteResult> {
    const params: Params = { ref, argument };
    if (context) params.context = context;
    return (await this.send(Method.CompletionComplete, params, options)) as CompleteResult;
  }

  // ---- logging, liveness, roots

  /** 2025 era: logging/setLevel. 2026-07-28: the level every later request asks for in its _meta. */
  async setLogLevel(level: LoggingLevel, options: RequestOptions = {}): Promise<void> {
    const session = this.current();
    if (session.description.era === "stateless") this.level = level;
    else {
      await this.send(Method.LoggingSetLevel, { level }, options);
      this.state.leveled(level);
    }
  }

  /** 2025 era: ping. 2026-07-28 has no ping: a server/discover round trip stands in. */
  async ping(options: RequestOptions = {}): Promise<void> {
    const session = this.current();
    await this.send(session.description.era === "stateless" ? StatelessMethod.Discover : Method.Ping, undefined, options);
  }

  /** Tells a 2025-era server the roots changed (2026-07-28 has no such notification: a no-op). */
  async rootsChanged(): Promise<void> {
    const session = this.current();
    if (session.description.era === "session" && this.options.handlers.roots) await session.notify(Notice.RootsListChanged);
  }

  /** Any request, with the era's envelope and headers (an escape hatch for extensions). */
  request(method: string, params?: Params, options: RequestOptions = {}): Promise<Params> {
    return this.send(method, params, options);
  }

  // ---- events and lifetime

  /** Calls `fn` for each notification named `method` ("*" for all); returns the unsubscribe. */
  onNotification(method: string, fn: NotificationHandler): () => void {
    return this.events.onNotification(method, fn);
  }

  /**
   * Calls `fn` as the connection drops and comes back: `disconnected` (requests in flight
   * failed with ConnectionLostError), `reconnecting` per attempt, `reconnected` (with
   * `resumed` when the server kept the session), `failed` when every attempt failed.
   * Returns the unsubscribe.
   */
  onReconnect(fn: (e: ReconnectEvent) => void): () => void {
    this.reconnectHandlers.add(fn);
    return () => this.reconnectHandlers.delete(fn);
  }

  /** Problems not tied to a request (a malformed frame, a failed standalone stream). */
  onError(fn: (e: Error) => void): () => void {
    return this.events.onError(fn);
  }

  /** Ends open subscriptions and the connection (HTTP: DELETE of a 2025 session). */
  async close(): Promise<void> {
    if (this.closing || !this.wire) return;
    this.closing = true;
    for (const sub of this.events.subscriptions.values()) sub.close();
    await this.wire.conn.close();
  }

  // ---- internals

  private clientInfo(): Implementation {
    const info: Implementation = { name: this.options.name, version: this.options.version };
    if (this.options.title) info.title = this.options.title;
    return info;
  }

  /** What the skill calls use of this client: requests, and the capabilities the server declared. */
  private readonly skillPeer: SkillPeer = {
    request: (method, params, options) => this.current().request(method, params, options),
    capabilities: () => this.current().description.capabilities,
  };

  private current(): EraSession {
    if (!this.session) throw new LocalError(LocalCode.UsageInvalid, "the client is not connected: call connect(target) first");
    return this.session;
  }

  /**
   * Every request of the API goes out here. While a WebSocket or TCP reconnection is under
   * way it waits for it (within its own timeout, which the wait counts against) and then goes
   * out on the new connection, after the session's subscriptions and level were restored;
   * it fails with ConnectionLostError only if the reconnection gives up.
   */
  private async send(method: string, params: Params | undefined, options: WireRequestOptions = {}): Promise<Params> {
    const session = this.current();
    if (!this.reconnecting) return session.request(method, params, options);
    const timeoutMs = options.timeoutMs ?? this.options.requestTimeoutMs;
    const waited = await awaitReconnection(() => this.reconnecting, method, timeoutMs, options.signal);
    return session.request(method, params, timeoutMs > 0 ? { ...options, timeoutMs: Math.max(1, timeoutMs - waited) } : options);
  }

  private legacyOnly(what: string, instead: string): EraSession {
    const session = this.current();
    if (session.description.era === "stateless")
      throw new LocalError(LocalCode.EraMismatch, `${what} does not exist in 2026-07-28 (this connection's era); use ${instead}`);
    return session;
  }

  private async page<K extends "tools" | "resources" | "resourceTemplates" | "prompts">(method: string, key: K, options: RequestOptions & { cursor?: string }): Promise<Page<K>> {
    const { cursor, ...rest } = options;
    const result = await this.send(method, cursor === undefined ? {} : { cursor }, rest);
    if (!Array.isArray(result[key])) throw protocolViolation(`the server's ${method} result has no ${key} array`);
    return result as unknown as Page<K>;
  }

  // ---- reconnection (stream transports; Streamable HTTP reconnects inside its connection)

  /** Whether a dropped connection of `kind` is reconnected here: WebSocket and TCP (stdio would be a new process, legacy SSE a new session). */
  private reconnects(kind: ClientConnection["kind"]): boolean {
    return this.options.reconnect.maxAttempts > 0 && (kind === "websocket" || kind === "tcp");
  }

  /** After `wire` drops by itself, reconnect. */
  private watch(wire: Wire): void {
    if (!this.reconnects(wire.conn.kind)) return;
    wire.conn.onClose((reason) => {
      if (this.closing || wire !== this.wire) return;
      // Under way before any event goes out: a call made from an onReconnect handler must wait too.
      const done = Promise.withResolvers<boolean>();
      this.reconnecting = done.promise;
      this.emitReconnect({ type: "disconnected", reason });
      void reconnectLoop(this.options.reconnect, reason, () => this.reopen(), (e) => this.emitReconnect(e), () => this.closing)
        .catch(() => false)
        .then((connected) => {
          this.reconnecting = undefined;
          done.resolve(connected);
        });
    });
  }

  /**
   * One reconnection attempt: the same target again, then the era's part. 2026-07-28 has no
   * session: the new connection simply carries on. A 2025 session on a stream transport lived
   * in its connection (its id is sealed only on HTTP), so it starts again with initialize at the
   * version negotiated before, and its subscriptions and log level are set again.
   */
  private async reopen(): Promise<{ resumed: boolean }> {
    const conn = await openTarget(this.target!, this.http!);
    const wire = this.makeWire(conn);
    const session = this.current();
    try {
      if (session instanceof ModernSession) {
        conn.settle?.({ era: "stateless", protocolVersion: session.description.protocolVersion });
        session.rewire(wire);
      } else {
        const o = this.options;
        const description = await handshake(wire, { clientInfo: this.clientInfo(), capabilities: declaredCapabilities(o.handlers, "session", o.capabilities), version: session.description.protocolVersion, timeoutMs: o.requestTimeoutMs });
        // Before any waiting request goes out: it must find the session as the caller left it.
        await this.state.restore(wire, o.requestTimeoutMs, (e) => this.emitError(e));
        (session as LegacySession).rewire(wire, description);
      }
    } catch (e) {
      await conn.close();
      throw e;
    }
    if (this.closing) {
      await conn.close();
      throw new LocalError(LocalCode.ChannelClosed, "the client closed while reconnecting");
    }
    this.wire = wire;
    this.watch(wire);
    return { resumed: false };
  }

  /**
   * Streamable HTTP, 2025: the server answers again and still opens the sealed session id, but
   * a restarted process kept only what the id seals, not the subscriptions and level (both
   * idempotent to set again): set them again, in the background.
   */
  private restoreResumed(): void {
    const wire = this.wire;
    if (!wire || this.session?.description.era !== "session") return;
    this.state.restore(wire, this.options.requestTimeoutMs, (e) => this.emitError(e)).catch((e: Error) => this.emitError(new Error(`restoring the session's subscriptions and log level after the server came back failed: ${e.message}`)));
  }

  private emitReconnect(e: ReconnectEvent): void {
    for (const fn of this.reconnectHandlers) {
      try {
        fn(e);
      } catch (error) {
        this.emitError(error instanceof Error ? error : new Error(String(error)));
      }
    }
  }

  private makeWire(conn: ClientConnection): Wire {
    const rpc = new RpcPeer(conn, {
      retryable: () => !this.closing && this.reconnects(conn.kind),
      timeoutMs: this.options.requestTimeoutMs,
      cancelStyle: () => this.cancelStyle(conn),
      onRequest: (req, signal) => this.answerServer(req, signal),
      onNotification: (n) => this.dispatch(n),
      onError: (e) => this.emitError(e),
    });
    return { conn, rpc };
  }

  /** stdio/TCP/WebSocket: notifications/cancelled; 2026-07-28 HTTP: close the stream; 2025 HTTP: both. */
  private cancelStyle(conn: ClientConnection): CancelStyle {
    if (conn.kind !== "streamable-http") return "notification";
    return this.session?.description.era === "session" ? "both" : "close-stream";
  }

  /** A server→client request (2025 era): ping, or one of the application's handlers. */
  private async answerServer(req: JsonRpcRequest, signal: AbortSignal): Promise<Params> {
    if (req.method === Method.Ping) return {};
    if (this.session?.description.era === "stateless")
      throw new McpError(WireCode.MethodNotFound, `Method not found: ${req.method} (a 2026-07-28 server asks through input_required, not requests)`);
    return answerInput(this.options.handlers, req.method, req.params, { era: "session", signal }, this.options.applyElicitationDefaults);
  }

  private dispatch(n: JsonRpcNotification): void {
    if (n.method === Notice.ToolsListChanged) this.tools.invalidate();
    this.events.dispatch(n);
  }

  private emitError(e: Error): void {
    this.events.error(e);
  }
}
