/**
 * The public API is pinned (STYLE 15): a change to the export list of src/index.ts must
 * change this test too, deliberately. Values are read from the loaded module; types leave
 * nothing at run time, so they are read from the source of src/index.ts.
 */
import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import * as api from "../src/index.ts";

const VALUE_EXPORTS = [
  "ConnectionLostError",
  "DEFAULT_HTTP_OPTIONS",
  "HttpStatusError",
  "LATEST_SESSION_VERSION",
  "LoadedSkill",
  "LocalCode",
  "LocalError",
  "McpClient",
  "McpError",
  "McpHttpError",
  "McpServer",
  "MemoryEventStore",
  "MemoryRevocations",
  "MemorySubscriptions",
  "MemoryTaskStore",
  "PeerError",
  "Runtime",
  "SESSION_VERSIONS",
  "SkillVerificationError",
  "SqliteEventStore",
  "SqliteRevocations",
  "SqliteTaskStore",
  "Subscription",
  "WireCode",
  "applyElicitationDefaults",
  "attachChannel",
  "createClient",
  "createLogger",
  "createServer",
  "followRedirects",
  "hostPolicy",
  "jwtAuthenticator",
  "listenHttp",
  "loopbackAuthorize",
  "metadataUrl",
  "protectedResourceMetadata",
  "runtimeOf",
  "serveStdio",
  "serveTcp",
  "stdioChannel",
  "urlElicitationRequired",
];

/** Names exported only as types; a name that is also a value (McpServer, WireCode, LocalCode) is pinned above. */
const TYPE_EXPORTS = [
  "Annotations",
  "AttachOptions",
  "Attached",
  "AudioContent",
  "AuthHook",
  "Authenticator",
  "AuthorizationResponse",
  "BlobResourceContents",
  "CallToolResult",
  "Channel",
  "ClientCapabilities",
  "ClientConnection",
  "ClientHandlerContext",
  "ClientHandlers",
  "ClientOptions",
  "ClientRequestOptions",
  "ClientView",
  "CompleteResult",
  "Completer",
  "CompletionRef",
  "ConnectTarget",
  "ContentBlock",
  "CreateMessageParams",
  "CreateMessageResult",
  "ElicitFormParams",
  "ElicitParams",
  "ElicitResult",
  "ElicitUrlParams",
  "EmbeddedResource",
  "Era",
  "EraChoice",
  "EventStore",
  "Features",
  "GetPromptResult",
  "HandlerContext",
  "HttpListenOptions",
  "HttpListener",
  "Icon",
  "ImageContent",
  "Implementation",
  "InputRequest",
  "InputResponse",
  "JsonSchemaObject",
  "JwtAuthOptions",
  "JwtKeys",
  "Limits",
  "ListRootsResult",
  "LoadSkillOptions",
  "Logger",
  "LoggingLevel",
  "MaybePromise",
  "Meta",
  "OAuthOptions",
  "Principal",
  "Progress",
  "ProgressToken",
  "PromptArgument",
  "PromptDefinition",
  "PromptDescriptor",
  "PromptHandler",
  "PromptMessage",
  "PromptReturn",
  "ProtectedResourceMetadata",
  "ReadResourceResult",
  "ReconnectEvent",
  "ReconnectPolicy",
  "ResourceContents",
  "ResourceDefinition",
  "ResourceDescriptor",
  "ResourceHandler",
  "ResourceLink",
  "ResourceReturn",
  "ResourceTemplateDefinition",
  "ResourceTemplateDescriptor",
  "ResourceTemplateHandler",
  "Revocations",
  "Role",
  "Root",
  "RuntimeOptions",
  "SamplingMessage",
  "ServerCapabilities",
  "ServerDescription",
  "ServerOptions",
  "Session",
  "SkillDefinition",
  "SkillEntry",
  "SkillFile",
  "SkillFileContent",
  "SkillRefusal",
  "StdioTarget",
  "StoredEvent",
  "StoredTask",
  "Stores",
  "SubscriptionFilter",
  "SubscriptionRegistry",
  "Task",
  "TaskOptions",
  "TaskOutcome",
  "TaskStatus",
  "TaskStore",
  "TaskSupport",
  "TcpListenOptions",
  "TcpListener",
  "TextContent",
  "TextResourceContents",
  "ToolAnnotations",
  "ToolDefinition",
  "ToolDescriptor",
  "ToolHandler",
  "ToolReturn",
];

/**
 * The names src/index.ts exports as types only (`export type { … }`, `export { type … }`,
 * declarations), from its syntax. A star re-export is listed as `* from <module>`: the names
 * it exports cannot be pinned one by one, so it fails the pin.
 */
function typeOnlyExports(path: string): string[] {
  const source = ts.createSourceFile(path, readFileSync(path, "utf8"), ts.ScriptTarget.Latest);
  const names: string[] = [];
  const exported = (s: ts.Statement) => ts.canHaveModifiers(s) && (ts.getModifiers(s) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
  for (const statement of source.statements) {
    if ((ts.isInterfaceDeclaration(statement) || ts.isTypeAliasDeclaration(statement)) && exported(statement)) names.push(statement.name.text);
    if (!ts.isExportDeclaration(statement)) continue;
    const clause = statement.exportClause;
    if (clause === undefined) names.push(`* from ${statement.moduleSpecifier?.getText(source)}`);
    else if (ts.isNamespaceExport(clause)) {
      if (statement.isTypeOnly) names.push(clause.name.text);
    } else for (const element of clause.elements) if (statement.isTypeOnly || element.isTypeOnly) names.push(element.name.text);
  }
  return names.sort();
}

test("src/index.ts exports exactly the pinned types, each by name", () => {
  expect(typeOnlyExports(fileURLToPath(new URL("../src/index.ts", import.meta.url)))).toEqual(TYPE_EXPORTS);
});

test("src/index.ts exports exactly the pinned values", () => {
  expect(Object.keys(api).sort()).toEqual(VALUE_EXPORTS);
});

test("every pinned export is defined (no re-export of a missing name)", () => {
  expect.assertions(VALUE_EXPORTS.length);
  for (const name of VALUE_EXPORTS) expect((api as Record<string, unknown>)[name]).toBeDefined();
});

test("the kinds of the exports", () => {
  expect(typeof api.createServer).toBe("function");
  expect(typeof api.McpServer).toBe("function");
  expect(typeof api.McpError).toBe("function");
  expect(typeof api.serveStdio).toBe("function");
  expect(typeof api.stdioChannel).toBe("function");
  expect(typeof api.attachChannel).toBe("function");
  expect(typeof api.createLogger).toBe("function");
  expect(api.LATEST_SESSION_VERSION).toBe("2025-11-25");
  expect(api.SESSION_VERSIONS).toEqual(["2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05"]);
  expect(api.WireCode.InvalidRequest).toBe(-32600);
  expect(new api.McpError(-32602, "x")).toBeInstanceOf(Error);
  expect(api.createServer({ name: "n", version: "1" })).toBeInstanceOf(api.McpServer);
  expect(api.createClient({ name: "n", version: "1" })).toBeInstanceOf(api.McpClient);
  expect(new api.McpHttpError(400, -32022, "x")).toBeInstanceOf(api.McpError);
  const lost = new api.ConnectionLostError("tools/call (id 1)", "the server closed the WebSocket (1006)");
  expect([lost instanceof api.LocalError, lost.code, lost.retryable]).toEqual([true, "connection_lost", true]);
  expect(new api.PeerError(-32001, "x")).toBeInstanceOf(api.McpError);
  expect(api.LocalCode.RequestTimeout).toBe("request_timeout");
  expect(new api.LocalError(api.LocalCode.RequestTimeout, "x").code).toBe("request_timeout");
  const refused = new api.SkillVerificationError("digest", "skill://a/SKILL.md", "content hashes to sha256:1");
  expect([refused instanceof api.LocalError, refused.code, refused.reason]).toEqual([true, "skill_verification_failed", "digest"]);
});
