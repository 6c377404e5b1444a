import { LocalCode } from "../jsonrpc/codes.ts";
import { LocalError, McpError } from "../jsonrpc/errors.ts";
import type { JsonRpcMessage } from "../jsonrpc/message.ts";

/**
 * Errors the client raises itself. A JSON-RPC error the server sent surfaces as McpError with
 * the wire code; what the client concludes on its own (timeouts, broken answers, HTTP
 * failures) is a LocalError with a LocalCode from the one catalogue.
 */

/** A JSON-RPC error that arrived with an HTTP error status (e.g. 400 -32022). */
export class McpHttpError extends McpError {
  constructor(
    readonly status: number,
    code: number,
    message: string,
    data?: unknown,
  ) {
    super(code, message, data);
    this.name = "McpHttpError";
  }
}

/** An HTTP error answer without a JSON-RPC error in it. */
export class HttpStatusError extends LocalError {
  constructor(
    readonly status: number,
    message: string,
    readonly response?: Response,
  ) {
    super(LocalCode.HttpStatus, message);
  }
}

/**
 * The connection dropped while this request was in flight, so its answer will never come.
 * The server may or may not have run it (it could have been answered on the wire that
 * broke): retrying is safe for reads and idempotent calls, and the caller's decision for the
 * rest. The client reconnects by itself (ClientOptions.reconnect); a retry made at once waits
 * for the reconnection (WebSocket, TCP) and goes out on the new connection. Also raised for a
 * request that waited for a reconnection that gave up: then it was never sent.
 */
export class ConnectionLostError extends LocalError {
  /** Always true: sending the request again is meaningful (unlike a protocol violation). */
  readonly retryable = true;

  constructor(
    /** The request that was lost ("tools/call (id 3)"). */
    readonly request: string,
    /** Why the connection ended. */
    readonly reason: string,
  ) {
    super(LocalCode.ConnectionLost, `${request} got no answer: ${reason}; it may be sent again`);
    this.name = "ConnectionLostError";
  }
}

/** The HTTP status an error came with, if it came from an HTTP answer. */
export function httpStatusOf(e: unknown): number | undefined {
  return e instanceof McpHttpError || e instanceof HttpStatusError ? e.status : undefined;
}

/** The server broke the protocol; the message says how, quoting what it sent. */
export const protocolViolation = (message: string) => new LocalError(LocalCode.PeerProtocolViolation, message);

/** At most `max` characters of `text`, for quoting a peer's bytes in an error. */
export function excerpt(text: string, max = 200): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}

/** "request tools/list (id 3)" and the like, for error messages. */
export function describe(message: JsonRpcMessage): string {
  if ("method" in message) return "id" in message ? `request ${message.method} (id ${JSON.stringify(message.id)})` : `notification ${message.method}`;
  return `response (id ${JSON.stringify(message.id)})`;
}

/** Why a skill was refused (SEP-2640 §Integrity and verification, §Resources). */
export type SkillRefusal =
  /** The bytes read hash to another digest than the entry declares. */
  | "digest"
  /** The bytes read are not as many as the entry's size. */
  | "size"
  /** SKILL.md's YAML frontmatter differs from the entry's frontmatter (or is missing). */
  | "frontmatter"
  /** A read of a file of the skill that its entry's resources do not list. */
  | "unlisted"
  /** The entry itself breaks the rules (no resources, files outside the skill, name ≠ path). */
  | "invalid-entry"
  /** The entry's resources is "dynamic" and the caller did not allow unverifiable skills. */
  | "unverifiable"
  /** A dynamic skill read past the 16 MiB per-skill limit (§Limits). */
  | "limit";

/**
 * Skill content or its entry failed verification (SEP-2640): the host MUST NOT use it. The
 * content was not returned; `uri` says which file, `expected`/`actual` what differed. To
 * recover from a skill that changed since it was listed, get its entry again (getSkill) and
 * load it anew.
 */
export class SkillVerificationError extends LocalError {
  constructor(
    readonly reason: SkillRefusal,
    /** The file (or, for the entry, the SKILL.md) that failed. */
    readonly uri: string,
    message: string,
    readonly expected?: unknown,
    readonly actual?: unknown,
  ) {
    super(LocalCode.SkillVerificationFailed, `${uri}: ${message}; the content was not used`);
    this.name = "SkillVerificationError";
  }
}
