import { WireCode } from "../jsonrpc/codes.ts";
import { invalidParams, McpError } from "../jsonrpc/errors.ts";
import type { Params } from "../jsonrpc/message.ts";
import { logLevelRank, LOG_LEVELS } from "../protocol/methods.ts";
import { isStatelessVersion, MetaKey, STATELESS_VERSIONS, type StatelessVersion } from "../protocol/stateless.ts";
import type { ClientCapabilities, Implementation, LoggingLevel } from "../protocol/types.ts";
import { isPlainObject } from "../util/guards.ts";

/** What every 2026-07-28 request says about itself in `_meta` (basic/index §_meta). */
export interface Envelope {
  readonly version: StatelessVersion;
  readonly capabilities: ClientCapabilities;
  readonly clientInfo: Implementation | undefined;
  /** Absent: the request gets no notifications/message at all. */
  readonly logLevel: LoggingLevel | undefined;
  readonly meta: Params;
}

/**
 * True when a request claims the 2026-07-28 era: `params._meta` carries the protocol version key
 * (2026-07-28 versioning: the deciding signal; other keys are not a claim).
 */
export function hasClaim(params: unknown): boolean {
  return isPlainObject(params) && isPlainObject(params._meta) && MetaKey.ProtocolVersion in params._meta;
}

/** -32022 naming what we support and echoing what was asked. */
export function unsupportedVersion(requested: unknown): McpError {
  return new McpError(WireCode.UnsupportedProtocolVersion, `Unsupported protocol version: ${JSON.stringify(requested)}`, {
    supported: [...STATELESS_VERSIONS],
    requested,
  });
}

/**
 * Reads and validates a 2026-07-28 request's `_meta`: missing or malformed required keys are
 * -32602, an unsupported version -32022. `clientInfo` is optional (servers MUST NOT require it).
 */
export function readEnvelope(params: Params | undefined): Envelope {
  const meta = params?._meta;
  if (!isPlainObject(meta))
    throw invalidParams(`Invalid params: a 2026-07-28 request needs params._meta with ${MetaKey.ProtocolVersion} and ${MetaKey.ClientCapabilities}`);
  // Two `in` checks, not a filtered array: this runs on every 2026-07-28 request.
  const hasVersion = MetaKey.ProtocolVersion in meta;
  const hasCapabilities = MetaKey.ClientCapabilities in meta;
  if (!hasVersion || !hasCapabilities)
    throw invalidParams(`Invalid params: _meta is missing ${!hasVersion && !hasCapabilities ? `${MetaKey.ProtocolVersion} and ${MetaKey.ClientCapabilities}` : !hasVersion ? MetaKey.ProtocolVersion : MetaKey.ClientCapabilities}`);
  const version = meta[MetaKey.ProtocolVersion];
  if (typeof version !== "string") throw invalidParams(`Invalid params: _meta["${MetaKey.ProtocolVersion}"] must be a string`);
  if (!isStatelessVersion(version)) throw unsupportedVersion(version);
  const capabilities = meta[MetaKey.ClientCapabilities];
  if (!isPlainObject(capabilities)) throw invalidParams(`Invalid params: _meta["${MetaKey.ClientCapabilities}"] must be an object`);
  const info = meta[MetaKey.ClientInfo];
  if (info !== undefined && (!isPlainObject(info) || typeof info.name !== "string"))
    throw invalidParams(`Invalid params: _meta["${MetaKey.ClientInfo}"] must be {name, version}`);
  const level = meta[MetaKey.LogLevel];
  if (level !== undefined && (typeof level !== "string" || logLevelRank(level) < 0))
    throw invalidParams(`Invalid params: _meta["${MetaKey.LogLevel}"] must be one of ${LOG_LEVELS.join(", ")}`);
  return {
    version,
    capabilities: capabilities as ClientCapabilities,
    clientInfo: info as Implementation | undefined,
    logLevel: level as LoggingLevel | undefined,
    meta,
  };
}
