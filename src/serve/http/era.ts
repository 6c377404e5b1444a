import { WireCode } from "../../jsonrpc/codes.ts";
import type { Decoded } from "../../jsonrpc/decode.ts";
import { isRequest } from "../../jsonrpc/message.ts";
import { hasClaim } from "../../stateless/envelope.ts";
import { Method } from "../../protocol/methods.ts";
import { isSessionVersion } from "../../protocol/versions.ts";
import { rejectRequest, jsonRpcErrorAnswer } from "./rejection.ts";

/** A header naming a stateless revision (2026-07-28 or later, as dated revisions compare). */
export function isStatelessHeader(v: string | null): boolean {
  return v !== null && /^\d{4}-\d{2}-\d{2}$/.test(v.trim()) && v.trim() >= "2026-07-28";
}

/**
 * 400 unless MCP-Protocol-Version is absent (2025-03-26 assumed) or a 2025-era revision this
 * server speaks: every 2025 request after initialize is held to it (2025-11-25 transports
 * §protocol version header). The one check, for POST, GET and DELETE alike.
 */
export function checkVersionHeader(req: Request): Response | undefined {
  const version = req.headers.get("mcp-protocol-version");
  if (version === null || isSessionVersion(version)) return undefined;
  return rejectRequest("badRequest", `Bad Request: unsupported MCP-Protocol-Version ${JSON.stringify(version)}`);
}

/**
 * Which era a POST belongs to (2026-07-28 versioning §2.5, body first): a request claiming the
 * stateless revision in `_meta` is stateless whatever the headers say; an unclaimed request is
 * stateless only if its header names a stateless revision (and is then malformed); everything
 * else, responses and initialize included, is legacy.
 */
export function classify(d: Decoded, headerVersion: string | null): "session" | "stateless" | Response {
  const modernHeader = isStatelessHeader(headerVersion);
  if (d.kind === "batch") {
    const claimed = d.items.some((i) => i.kind === "message" && "params" in i.message && hasClaim(i.message.params));
    return claimed || modernHeader ? rejectRequest("badRequest", "Invalid Request: 2026-07-28 has no JSON-RPC batches") : "session";
  }
  if (d.kind !== "message") return "session";
  const m = d.message;
  if (!("method" in m)) return "session";
  const claimed = hasClaim(m.params);
  if (isRequest(m) && m.method === Method.Initialize && !claimed) {
    // The id is readable, so the error names it (JSON-RPC 2.0 §5: null only when it cannot be read).
    if (modernHeader)
      return jsonRpcErrorAnswer(400, m.id, { code: WireCode.HeaderMismatch, message: "Header mismatch: initialize negotiates 2025-era revisions only; drop the 2026-07-28 MCP-Protocol-Version header" });
    return "session";
  }
  return claimed || modernHeader ? "stateless" : "session";
}

/** True for an initialize request (it opens a 2025 session). */
export function isInitialize(d: Decoded): boolean {
  return d.kind === "message" && isRequest(d.message) && d.message.method === Method.Initialize;
}
