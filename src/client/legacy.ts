import { LocalCode } from "../jsonrpc/codes.ts";
import { LocalError } from "../jsonrpc/errors.ts";
import type { Params } from "../jsonrpc/message.ts";
import { Method, Notice } from "../protocol/methods.ts";
import type { ClientCapabilities, Implementation, ServerCapabilities } from "../protocol/types.ts";
import { isSessionVersion, LATEST_SESSION_VERSION } from "../protocol/versions.ts";
import { isPlainObject } from "../util/guards.ts";
import { excerpt, protocolViolation } from "./errors.ts";
import type { WireRequestOptions } from "./rpc.ts";
import type { EraSession, ServerDescription, Wire } from "./session.ts";

/** What the 2025-era handshake needs. */
export interface HandshakeSettings {
  clientInfo: Implementation;
  capabilities: ClientCapabilities;
  /** A forced version: the server must answer exactly it. Else we offer our newest and accept any we speak. */
  version: string | undefined;
  timeoutMs: number;
}

/**
 * The 2025-era handshake (2025-11-25 §2): initialize with our newest legacy version, accept
 * whatever version the server answers if we speak it (else disconnect, as the spec says), then
 * notifications/initialized. On HTTP every later request carries MCP-Protocol-Version.
 */
export async function handshake(wire: Wire, s: HandshakeSettings): Promise<ServerDescription> {
  const offered = s.version ?? LATEST_SESSION_VERSION;
  const result = await wire.rpc.request(Method.Initialize, { protocolVersion: offered, capabilities: s.capabilities, clientInfo: s.clientInfo }, { timeoutMs: s.timeoutMs });
  const version = result.protocolVersion;
  if (typeof version !== "string") throw protocolViolation(`the server's initialize result has no protocolVersion: ${excerpt(JSON.stringify(result))}`);
  if (!isSessionVersion(version) || (s.version !== undefined && version !== s.version))
    throw new LocalError(
      LocalCode.VersionNegotiationFailed,
      `the server answered initialize with protocol version ${JSON.stringify(version)}; this client ${s.version ? `was told to speak ${s.version}` : "speaks 2025-11-25, 2025-06-18, 2025-03-26 and 2024-11-05"}`,
    );
  const http = wire.conn.kind === "streamable-http";
  await wire.rpc.notify(Notice.Initialized, undefined, http ? { "mcp-protocol-version": version } : undefined);
  wire.conn.settle?.({ era: "session", protocolVersion: version });
  return {
    era: "session",
    protocolVersion: version,
    capabilities: isPlainObject(result.capabilities) ? (result.capabilities as ServerCapabilities) : {},
    serverInfo: isPlainObject(result.serverInfo) ? (result.serverInfo as unknown as Implementation) : undefined,
    instructions: typeof result.instructions === "string" ? result.instructions : undefined,
    transport: wire.conn.kind,
  };
}

/**
 * A 2025-era session. When the server forgets an HTTP session (404) and the caller opted in,
 * the handshake runs again and the request is retried once; otherwise the error says so.
 */
export class LegacySession implements EraSession {
  /** Counts handshakes, so concurrent requests that all hit the 404 renew the session once. */
  private generation = 0;
  private renewing: Promise<void> | undefined;

  constructor(
    private wire: Wire,
    public description: ServerDescription,
    private readonly rehandshake: (() => Promise<ServerDescription>) | undefined,
  ) {}

  async request(method: string, params: Params | undefined, options: WireRequestOptions = {}): Promise<Params> {
    const generation = this.generation;
    try {
      return await this.wire.rpc.request(method, params, options);
    } catch (e) {
      if (!(e instanceof LocalError) || e.code !== LocalCode.SessionExpired) throw e;
      if (!this.rehandshake)
        throw new LocalError(LocalCode.SessionExpired, `${e.message}. Connect again, or create the client with reinitializeOnSessionExpiry: true to start a new session automatically`);
      if (generation === this.generation) await (this.renewing ??= this.renew());
      return this.wire.rpc.request(method, params, options);
    }
  }

  private async renew(): Promise<void> {
    try {
      this.wire.conn.resetSession?.();
      this.description = await this.rehandshake!();
      this.generation++;
    } finally {
      this.renewing = undefined;
    }
  }

  notify(method: string, params?: Params): Promise<void> {
    return this.wire.rpc.notify(method, params);
  }

  /** Continues on a new connection after a reconnection (and its handshake, on a stream transport). */
  rewire(wire: Wire, description: ServerDescription): void {
    this.wire = wire;
    this.description = description;
  }
}
