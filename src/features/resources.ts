import { WireCode } from "../jsonrpc/codes.ts";
import { mayCall } from "../auth/principal.ts";
import { insufficientScope, McpError } from "../jsonrpc/errors.ts";
import type { Params } from "../jsonrpc/message.ts";
import { Method } from "../protocol/methods.ts";
import type { ReadResourceResult, ResourceContents } from "../protocol/types.ts";
import type { ResourceReturn } from "../server/definitions.ts";
import type { McpServer } from "../server/server.ts";
import type { MethodEntry, Scope } from "../server/scope.ts";
import { requireString } from "../util/guards.ts";
import { paginate } from "../util/pagination.ts";
import { whenDone } from "../util/maybe-promise.ts";

/** resources/* methods (MCP 2025-11-25 server/resources). */
export function resourceMethods(server: McpServer): Record<string, MethodEntry> {
  const { registry, limits } = server;

  const notFound = (uri: string, scope: Scope) =>
    // 2025-11-25 names -32002; 2026-07-28 (SEP-2164) moved to -32602. Both carry data.uri.
    new McpError(scope.era === "stateless" ? WireCode.InvalidParams : WireCode.ResourceNotFound, `Resource not found: ${uri}`, { uri });

  /** True when lists must be filtered by the caller's scopes (only once something requires scopes). */
  const hiding = () => registry.scopedOthers > 0 && server.hideForbiddenTools;

  /** True when `uri` names a registered resource or matches a template. */
  const exists = (uri: string) => registry.resource(uri) !== undefined || registry.matchTemplate(uri) !== undefined;

  return {
    [Method.ResourcesList]: {
      capability: "resources",
      session: true,
      stateless: true,
      handle(params, scope) {
        const all = registry.listResources();
        const visible = hiding() ? all.filter((r) => mayCall(registry.resource(r.uri)?.scopes, scope.auth.scopes)) : all;
        const { page, nextCursor } = paginate(visible, params.cursor, limits.pageSize);
        return nextCursor ? { resources: page, nextCursor } : { resources: page };
      },
    },
    [Method.ResourceTemplatesList]: {
      capability: "resources",
      session: true,
      stateless: true,
      handle(params, scope) {
        const all = registry.listTemplates();
        const visible = hiding() ? all.filter((t) => mayCall(registry.template(t.uriTemplate)?.scopes, scope.auth.scopes)) : all;
        const { page, nextCursor } = paginate(visible, params.cursor, limits.pageSize);
        return nextCursor ? { resourceTemplates: page, nextCursor } : { resourceTemplates: page };
      },
    },
    [Method.ResourcesRead]: {
      capability: "resources",
      session: true,
      stateless: true,
      async handle(params, scope) {
        const uri = requireString(params, "uri", Method.ResourcesRead);
        const fixed = registry.resource(uri);
        if (fixed) {
          if (fixed.scopes && !mayCall(fixed.scopes, scope.auth.scopes)) throw insufficientScope(fixed.scopes);
          const read = normalizeRead(uri, await fixed.handler(uri, scope), fixed.descriptor.mimeType);
          const hints = fixed.cache;
          return hints && scope.era === "stateless" ? { ...read, ttlMs: hints.ttlMs, cacheScope: hints.scope } : read;
        }
        const match = registry.matchTemplate(uri);
        if (match) {
          if (match.entry.scopes && !mayCall(match.entry.scopes, scope.auth.scopes)) throw insufficientScope(match.entry.scopes);
          const read = normalizeRead(uri, await match.entry.handler(uri, match.variables, scope), match.entry.descriptor.mimeType);
          const hints = match.entry.cache;
          return hints && scope.era === "stateless" ? { ...read, ttlMs: hints.ttlMs, cacheScope: hints.scope } : read;
        }
        throw notFound(uri, scope);
      },
    },
    [Method.ResourcesSubscribe]: {
      capability: "resources",
      session: true,
      stateless: false,
      handle(params, scope) {
        const uri = requireString(params, "uri", Method.ResourcesSubscribe);
        if (!exists(uri)) throw notFound(uri, scope);
        return whenDone(scope.session?.subscribe(uri), answered);
      },
    },
    [Method.ResourcesUnsubscribe]: {
      capability: "resources",
      session: true,
      stateless: false,
      handle(params, scope) {
        const uri = requireString(params, "uri", Method.ResourcesUnsubscribe);
        return whenDone(scope.session?.unsubscribe(uri), answered);
      },
    },
  };
}

/** The empty result of resources/subscribe and unsubscribe, once the registry has the change. */
const answered = (): Params => ({});

/** A handler's return as a ReadResourceResult; bytes become base64 blobs. */
export function normalizeRead(uri: string, r: ResourceReturn, defaultMime: string | undefined): Params {
  if (Array.isArray(r)) return { contents: r };
  if ("contents" in r && Array.isArray((r as ReadResourceResult).contents)) return r as ReadResourceResult;
  const single = r as { text?: unknown; blob?: unknown; mimeType?: string };
  const mimeType = single.mimeType ?? defaultMime;
  let item: ResourceContents;
  if (typeof single.text === "string") item = { uri, text: single.text };
  else {
    const blob = (r as { blob: string | Uint8Array }).blob;
    item = { uri, blob: typeof blob === "string" ? blob : Buffer.from(blob).toString("base64") };
  }
  if (mimeType) item.mimeType = mimeType;
  return { contents: [item] };
}
