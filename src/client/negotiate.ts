import { LocalCode, WireCode } from "../jsonrpc/codes.ts";
import { LocalError, McpError } from "../jsonrpc/errors.ts";
import type { Params } from "../jsonrpc/message.ts";
import { isStatelessVersion, MetaKey, StatelessMethod, STATELESS_VERSIONS } from "../protocol/stateless.ts";
import type { ClientCapabilities, Implementation, ServerCapabilities } from "../protocol/types.ts";
import { isSessionVersion } from "../protocol/versions.ts";
import { isPlainObject } from "../util/guards.ts";
import type { ClientConnection } from "./connection.ts";
import { httpStatusOf } from "./errors.ts";
import { handshake } from "./legacy.ts";
import { envelope } from "./modern.ts";
import { modernHeaders } from "./modern-headers.ts";
import type { ServerDescription, Wire } from "./session.ts";

/** Which era to speak: the newest the server supports, or one forced by the caller. */
export type EraChoice = "auto" | "stateless" | "session";

export interface NegotiateSettings {
  era: EraChoice;
  /** A forced protocol version; its era wins over `era`. */
  version: string | undefined;
  clientInfo: Implementation;
  capabilities(era: "session" | "stateless"): ClientCapabilities;
  discoverTimeoutMs: number;
  requestTimeoutMs: number;
  /** Opens the target (again); `legacySse` for the HTTP+SSE fallback. */
  open(legacySse?: boolean): Promise<ClientConnection>;
  /** Puts a JSON-RPC peer on a connection. */
  wire(conn: ClientConnection): Wire;
}

/** HTTP statuses of a failed initialize POST that mean "try the old HTTP+SSE transport" (2025-11-25 §3.2.9). */
const SSE_FALLBACK_STATUSES = new Set([400, 404, 405]);
/** Most server/discover attempts while the server names other versions. */
const MAX_DISCOVER_ATTEMPTS = 3;

/**
 * Connects and settles the era (2026-07-28 §3, client-side detection): a server/discover
 * probe first; a DiscoverResult means 2026-07-28, a -32022 naming a version we speak means
 * 2026-07-28 at that version; any other error, a non-result, a timeout or a dropped connection
 * falls back to initialize (never keyed to one error code). On HTTP, an initialize refused
 * with 400/404/405 falls back to the 2024-11-05 HTTP+SSE transport at the same URL.
 */
export async function negotiate(s: NegotiateSettings): Promise<{ wire: Wire; description: ServerDescription }> {
  const forced = s.version;
  if (forced !== undefined && !isStatelessVersion(forced) && !isSessionVersion(forced))
    throw new LocalError(LocalCode.UsageInvalid, `protocolVersion ${JSON.stringify(forced)} is not one this client speaks (${[...STATELESS_VERSIONS].join(", ")}, 2025-11-25, 2025-06-18, 2025-03-26, 2024-11-05)`);
  const era: EraChoice = forced === undefined ? s.era : isStatelessVersion(forced) ? "stateless" : "session";
  let wire = s.wire(await s.open());
  if (era !== "session" && wire.conn.kind !== "legacy-sse") {
    const probe = await probeModern(wire, s, forced);
    if (probe.kind === "stateless") {
      wire.conn.settle?.({ era: "stateless", protocolVersion: probe.description.protocolVersion });
      return { wire, description: probe.description };
    }
    if (era === "stateless") {
      await wire.conn.close();
      throw new LocalError(LocalCode.VersionNegotiationFailed, `the server does not speak 2026-07-28: ${probe.why}`);
    }
    // Some legacy stdio servers exit on any request before initialize: start a fresh one.
    if (probe.kind === "closed") wire = s.wire(await s.open());
  }
  return legacy(wire, s, forced);
}

async function legacy(wire: Wire, s: NegotiateSettings, forced: string | undefined): Promise<{ wire: Wire; description: ServerDescription }> {
  const settings = { clientInfo: s.clientInfo, capabilities: s.capabilities("session"), version: forced, timeoutMs: s.requestTimeoutMs };
  try {
    return { wire, description: await handshake(wire, settings) };
  } catch (e) {
    await wire.conn.close();
    const status = httpStatusOf(e);
    if (wire.conn.kind !== "streamable-http" || status === undefined || !SSE_FALLBACK_STATUSES.has(status)) throw e;
    let sse: Wire;
    try {
      sse = s.wire(await s.open(true));
    } catch (fallback) {
      throw new LocalError(
        LocalCode.ChannelClosed,
        `initialize over Streamable HTTP got HTTP ${status} (${(e as Error).message}), and the HTTP+SSE fallback failed too: ${(fallback as Error).message}`,
      );
    }
    try {
      return { wire: sse, description: await handshake(sse, settings) };
    } catch (again) {
      await sse.conn.close();
      throw again;
    }
  }
}

type Probe = { kind: "stateless"; description: ServerDescription } | { kind: "session" | "closed"; why: string };

async function probeModern(wire: Wire, s: NegotiateSettings, forced: string | undefined): Promise<Probe> {
  const ours: readonly string[] = forced !== undefined ? [forced] : STATELESS_VERSIONS;
  const tries = new Map<string, number>();
  let version = ours[0]!;
  const http = wire.conn.kind === "streamable-http";
  for (let attempt = 0; attempt < MAX_DISCOVER_ATTEMPTS; attempt++) {
    tries.set(version, (tries.get(version) ?? 0) + 1);
    let result: Params;
    try {
      const params = { _meta: envelope(version, { clientInfo: s.clientInfo, capabilities: s.capabilities("stateless") }) };
      const headers = http ? modernHeaders(version, StatelessMethod.Discover, params) : undefined;
      result = await wire.rpc.request(StatelessMethod.Discover, params, { timeoutMs: s.discoverTimeoutMs, headers });
    } catch (e) {
      const why = e instanceof Error ? e.message : String(e);
      if (wire.conn.closed) return { kind: "closed", why: `the connection closed during server/discover: ${why}` };
      // Authorization failed (OAuth): initialize would fail the same way, after asking the user again.
      if (e instanceof LocalError && e.code === LocalCode.AuthorizationFailed) throw e;
      // The probe timed out while a person was approving: its answer says nothing about the era; ask again.
      if (e instanceof LocalError && e.code === LocalCode.RequestTimeout && (await wire.conn.authorizationSettled?.())) continue;
      if (e instanceof McpError && e.code === WireCode.UnsupportedProtocolVersion) {
        const supported = isPlainObject(e.data) && Array.isArray(e.data.supported) ? e.data.supported.filter((v): v is string => typeof v === "string") : [];
        // A server may refuse a version once and accept it on the retry (the conformance suite does): allow two tries each.
        const next = ours.find((v) => supported.includes(v) && (tries.get(v) ?? 0) < 2);
        if (next !== undefined) {
          version = next;
          continue;
        }
        return { kind: "session", why: `server/discover refused ${version}; the server supports ${JSON.stringify(supported)}` };
      }
      return { kind: "session", why: `server/discover failed: ${why}` };
    }
    const supported = Array.isArray(result.supportedVersions) ? result.supportedVersions.filter((v): v is string => typeof v === "string") : undefined;
    if (!supported || !isPlainObject(result.capabilities)) return { kind: "session", why: "server/discover answered with something that is not a DiscoverResult" };
    const common = ours.filter((v) => supported.includes(v));
    if (common.length === 0) return { kind: "session", why: `server/discover lists ${JSON.stringify(supported)}, none of which this client speaks` };
    return { kind: "stateless", description: describeDiscover(common.includes(version) ? version : common[0]!, result, supported, wire.conn.kind) };
  }
  return { kind: "session", why: `server/discover refused every version offered (${[...tries.keys()].join(", ")})` };
}

function describeDiscover(version: string, result: Params, supported: string[], transport: ClientConnection["kind"]): ServerDescription {
  const meta = isPlainObject(result._meta) ? result._meta : {};
  // serverInfo belongs in _meta; some servers put it in the body, which costs nothing to accept.
  const info = isPlainObject(meta[MetaKey.ServerInfo]) ? meta[MetaKey.ServerInfo] : isPlainObject(result.serverInfo) ? result.serverInfo : undefined;
  return {
    era: "stateless",
    protocolVersion: version,
    capabilities: result.capabilities as ServerCapabilities,
    serverInfo: info as Implementation | undefined,
    instructions: typeof result.instructions === "string" ? result.instructions : undefined,
    supportedVersions: supported,
    transport,
  };
}
