import { LocalCode, WireCode } from "../jsonrpc/codes.ts";
import { LocalError, McpError } from "../jsonrpc/errors.ts";
import type { JsonRpcNotification, JsonRpcRequest, Params } from "../jsonrpc/message.ts";
import { Method, Notice } from "../protocol/methods.ts";
import { StatelessMethod } from "../protocol/stateless.ts";
import type { CallToolResult, CompleteResult, GetPromptResult, Implementation, LoggingLevel, ReadResourceResult } from "../protocol/types.ts";
import type { ClientConnection } from "./connection.ts";
import { protocolViolation } from "./errors.ts";
import { ClientEvents, type NotificationHandler } from "./events.ts";
import { answerInput, declaredCapabilities } from "./handlers.ts";
import { LegacySession, handshake } from "./legacy.ts";
import { Subscription, type SubscriptionFilter } from "./listen.ts";
import { ModernSession } from "./modern.ts";
import { negotiate } from "./negotiate.ts";
import { resolveOptions, type ClientOptions, type ResolvedOptions } from "./options.ts";
import { collectPages, ToolCatalog, type Page } from "./catalog.ts";
import { RpcPeer, type CancelStyle, type RequestOptions } from "./rpc.ts";
import type { EraSession, ServerDescription, Wire } from "./session.ts";
import type { HttpSettings } from "./streamable-http.ts";
import { openTarget, type ConnectTarget } from "./targets.ts";

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
  private closing = false;

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
    const http: HttpSettings = { auth: o.auth, maxMessageBytes: o.maxMessageBytes, maxReconnects: o.maxReconnects, defaultRetryMs: o.defaultRetryMs };
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
      this.session = new LegacySession(wire, description, o.reinitializeOnSessionExpiry ? () => handshake(wire, settings) : undefined);
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
      return (await session.request(Method.ToolsCall, { name, arguments: args }, options)) as CallToolResult;
    } catch (e) {
      // A header mismatch can mean the tool changed since we listed it: learn it again, once.
      if (!needsHeaders || !(e instanceof McpError) || e.code !== WireCode.HeaderMismatch) throw e;
      await this.listAllTools({ signal: options.signal });
      return (await session.request(Method.ToolsCall, { name, arguments: args }, options)) as CallToolResult;
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
    return (await this.current().request(Method.ResourcesRead, { uri }, options)) as ReadResourceResult;
  }

  /** 2025 era: resources/subscribe; updates arrive as notifications/resources/updated (onNotification). */
  async subscribe(uri: string, options: RequestOptions = {}): Promise<void> {
    await this.legacyOnly("subscribe", "listen({ resourceSubscriptions: [uri] })").request(Method.ResourcesSubscribe, { uri }, options);
  }
  /** 2025 era: resources/unsubscribe. */
  async unsubscribe(uri: string, options: RequestOptions = {}): Promise<void> {
    await this.legacyOnly("unsubscribe", "close() on the Subscription").request(Method.ResourcesUnsubscribe, { uri }, options);
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
    session
      .request(StatelessMethod.SubscriptionsListen, { notifications: filter }, {
        signal: controller.signal,
        timeoutMs: 0,
        onId: (id) => {
          sub.id = id;
          this.events.subscriptions.set(id, sub);
        },
      })
      .then((r) => sub.settle(r), (e: Error) => sub.settle(e))
      .finally(() => this.events.subscriptions.delete(sub.id!));
    return sub;
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
    return (await this.current().request(Method.PromptsGet, { name, arguments: args }, options)) as GetPromptResult;
  }
  /** completion/complete for an argument of a prompt or a resource template. */
  async complete(ref: CompletionRef, argument: { name: string; value: string }, context?: { arguments?: Record<string, string> }, options: RequestOptions = {}): Promise<CompleteResult> {
    const params: Params = { ref, argument };
    if (context) params.context = context;
    return (await this.current().request(Method.CompletionComplete, params, options)) as CompleteResult;
  }

  // ---- logging, liveness, roots

  /** 2025 era: logging/setLevel. 2026-07-28: the level every later request asks for in its _meta. */
  async setLogLevel(level: LoggingLevel, options: RequestOptions = {}): Promise<void> {
    const session = this.current();
    if (session.description.era === "stateless") this.level = level;
    else await session.request(Method.LoggingSetLevel, { level }, options);
  }

  /** 2025 era: ping. 2026-07-28 has no ping: a server/discover round trip stands in. */
  async ping(options: RequestOptions = {}): Promise<void> {
    const session = this.current();
    await session.request(session.description.era === "stateless" ? StatelessMethod.Discover : Method.Ping, undefined, options);
  }

  /** Tells a 2025-era server the roots changed (2026-07-28 has no such notification: a no-op). */
  async rootsChanged(): Promise<void> {
    const session = this.current();
    if (session.description.era === "session" && this.options.handlers.roots) await session.notify(Notice.RootsListChanged);
  }

  /** Any request, with the era's envelope and headers (an escape hatch for extensions). */
  request(method: string, params?: Params, options: RequestOptions = {}): Promise<Params> {
    return this.current().request(method, params, options);
  }

  // ---- events and lifetime

  /** Calls `fn` for each notification named `method` ("*" for all); returns the unsubscribe. */
  onNotification(method: string, fn: NotificationHandler): () => void {
    return this.events.onNotification(method, fn);
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

  private current(): EraSession {
    if (!this.session) throw new LocalError(LocalCode.UsageInvalid, "the client is not connected: call connect(target) first");
    return this.session;
  }

  private legacyOnly(what: string, instead: string): EraSession {
    const session = this.current();
    if (session.description.era === "stateless")
      throw new LocalError(LocalCode.EraMismatch, `${what} does not exist in 2026-07-28 (this connection's era); use ${instead}`);
    return session;
  }

  private async page<K extends "tools" | "resources" | "resourceTemplates" | "prompts">(method: string, key: K, options: RequestOptions & { cursor?: string }): Promise<Page<K>> {
    const { cursor, ...rest } = options;
    const result = await this.current().request(method, cursor === undefined ? {} : { cursor }, rest);
    if (!Array.isArray(result[key])) throw protocolViolation(`the server's ${method} result has no ${key} array`);
    return result as unknown as Page<K>;
  }

  private makeWire(conn: ClientConnection): Wire {
    const rpc = new RpcPeer(conn, {
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
