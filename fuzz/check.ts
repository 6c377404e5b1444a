/**
 * The per-response oracle: every message the server sends is one JSON-RPC 2.0 object (or a
 * batch of them), no error is -32603 (an unexpected throw: a bug, whatever the input), and
 * nothing on the wire looks like a stack trace or a source path.
 */
import type { FindingKind } from "./findings.ts";

/** A problem with one response, before it is tied to its input. */
export interface Problem {
  kind: FindingKind;
  detail: string;
}

const STACK = /\n\s+at \S+ \(|\bat \S+ \([^)]*:\d+:\d+\)|\/src\/[\w/.-]+\.ts:\d+/;

/** Checks one JSON text the server sent; returns the ids it answers (for the every-request-answered check). */
export function checkMessageText(text: string, problems: Problem[]): unknown[] {
  if (STACK.test(text)) problems.push({ kind: "stack-trace", detail: `stack trace on the wire: ${text.slice(0, 300)}` });
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    problems.push({ kind: "malformed", detail: `not JSON: ${text.slice(0, 200)}` });
    return [];
  }
  const list = Array.isArray(parsed) ? parsed : [parsed];
  if (Array.isArray(parsed) && parsed.length === 0) problems.push({ kind: "malformed", detail: "an empty batch response" });
  const ids: unknown[] = [];
  for (const m of list) {
    if (typeof m !== "object" || m === null || (m as { jsonrpc?: unknown }).jsonrpc !== "2.0") {
      problems.push({ kind: "malformed", detail: `not a JSON-RPC 2.0 message: ${JSON.stringify(m).slice(0, 200)}` });
      continue;
    }
    const msg = m as { id?: unknown; error?: { code?: unknown; message?: unknown }; result?: unknown; method?: unknown };
    if ("error" in msg) {
      if (typeof msg.error !== "object" || msg.error === null || typeof msg.error.code !== "number" || typeof msg.error.message !== "string")
        problems.push({ kind: "malformed", detail: `a malformed error object: ${JSON.stringify(msg.error).slice(0, 200)}` });
      else if (msg.error.code === -32603) problems.push({ kind: "internal-error", detail: `-32603: ${JSON.stringify(msg.error).slice(0, 300)}` });
    }
    if ("result" in msg || "error" in msg) ids.push(msg.id);
  }
  return ids;
}

/** limits.maxMessageBytes's default (config/erlmcp.toml), the size past which a message is refused unread. */
const MAX_MESSAGE_BYTES = 4 * 1024 * 1024;

/** Nesting depth of a JSON text (brackets outside strings); what the server's depth limit sees. */
export function jsonDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92) i++;
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 91 || c === 123) max = Math.max(max, ++depth);
    else if (c === 93 || c === 125) depth--;
  }
  return max;
}

/**
 * The id a well-formed request expects an answer to, or undefined when none is owed: the
 * message is a single request object with a string or safe-integer id, within the size and depth limits.
 */
export function owedId(message: unknown, text: string, byteLength = Buffer.byteLength(text)): string | number | undefined {
  if (typeof message !== "object" || message === null || Array.isArray(message)) return undefined;
  const m = message as { jsonrpc?: unknown; id?: unknown; method?: unknown };
  if (m.jsonrpc !== "2.0" || typeof m.method !== "string") return undefined;
  if (!(typeof m.id === "string" || (typeof m.id === "number" && Number.isSafeInteger(m.id)))) return undefined;
  // Past the size or depth limit the server cannot read the id (it answers with id null, or drops an oversize line).
  if (byteLength > MAX_MESSAGE_BYTES || jsonDepth(text) > 60) return undefined;
  return m.id;
}
