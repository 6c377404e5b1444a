import { WireCode } from "../jsonrpc/codes.ts";
import { McpError } from "../jsonrpc/errors.ts";
import type { ClientCapabilities, CreateMessageParams, ElicitParams, ElicitUrlParams, InputRequest } from "../protocol/types.ts";

/**
 * Client-capability gates for server→client requests: a server MUST NOT send what the client
 * did not declare (2025-11-25 §capabilities). A refusal names the missing capability; it is
 * -32021 with data.requiredCapabilities, as 2026-07-28 defines it.
 */
const missing = (what: string, required: ClientCapabilities) =>
  new McpError(WireCode.MissingClientCapability, `Client capability required: ${what}`, { requiredCapabilities: required });

export function checkSampling(caps: ClientCapabilities, params: CreateMessageParams): void {
  if (!caps.sampling) throw missing("sampling", { sampling: {} });
  if ((params.tools !== undefined || params.toolChoice !== undefined) && !caps.sampling.tools)
    throw missing("sampling.tools", { sampling: { tools: {} } });
  if (params.includeContext !== undefined && params.includeContext !== "none" && !caps.sampling.context)
    throw missing("sampling.context", { sampling: { context: {} } });
}

/** `elicitation: {}` means form only (2025-11-25 elicitation, backwards compatibility). */
export function checkElicitation(caps: ClientCapabilities, params: ElicitParams): void {
  const e = caps.elicitation;
  if (!e) throw missing("elicitation", { elicitation: {} });
  const declaresNone = !e.form && !e.url;
  if (params.mode === "url") {
    if (!e.url) throw missing("elicitation.url", { elicitation: { url: {} } });
  } else if (!e.form && !declaresNone) throw missing("elicitation.form", { elicitation: { form: {} } });
}

export function checkRoots(caps: ClientCapabilities): void {
  if (!caps.roots) throw missing("roots", { roots: {} });
}

/** The gate for one InputRequest, by its method. */
export function checkInput(caps: ClientCapabilities, request: InputRequest): void {
  switch (request.method) {
    case "elicitation/create":
      return checkElicitation(caps, request.params);
    case "sampling/createMessage":
      return checkSampling(caps, request.params);
    case "roots/list":
      return checkRoots(caps);
    default:
      throw new McpError(WireCode.InvalidParams, `Unknown input request method ${JSON.stringify((request as { method: unknown }).method)}`);
  }
}

/**
 * The error a handler throws when the request cannot proceed until the user completes URL
 * elicitations (2025-11-25 URLElicitationRequiredError, -32042): each entry becomes a
 * URL-mode request with an elicitationId. Legacy era only; 2026-07-28 uses input_required.
 */
export function urlElicitationRequired(elicitations: Omit<ElicitUrlParams, "mode">[], message = "URL elicitation required"): McpError {
  if (elicitations.length === 0) throw new TypeError("urlElicitationRequired needs at least one elicitation");
  return new McpError(WireCode.UrlElicitationRequired, message, {
    elicitations: elicitations.map((e) => ({ mode: "url", ...e, elicitationId: e.elicitationId ?? crypto.randomUUID() })),
  });
}

/** Whether `have` declares `need`, nested members included. */
function covers(have: unknown, need: unknown): boolean {
  if (typeof need !== "object" || need === null) return have !== undefined;
  if (typeof have !== "object" || have === null) return false;
  for (const [k, v] of Object.entries(need)) if (!covers((have as Record<string, unknown>)[k], v)) return false;
  return true;
}

/**
 * -32021 unless `caps` declares everything in `required` (nested members included). Every
 * tools/call comes through here: loops, not closures (no closures on the hot path).
 */
export function checkRequired(caps: ClientCapabilities, required: ClientCapabilities | undefined): void {
  if (!required) return;
  const lacking: ClientCapabilities = {};
  for (const k of Object.keys(required)) if (!covers(caps[k], required[k])) lacking[k] = required[k];
  const names = Object.keys(lacking);
  if (names.length) throw missing(names.join(", "), lacking);
}
