/**
 * erlmcp: the public library API. The export list is pinned by test/api.test.ts; add to it
 * deliberately.
 */
export { McpServer } from "./server/server.ts";
export { createServer } from "./create-server.ts";
export { Runtime, runtimeOf, type RuntimeOptions } from "./runtime/runtime.ts";
export type { ServerOptions, Limits, Features, TaskOptions } from "./server/options.ts";
export type { HandlerContext, ClientView, Era } from "./server/context.ts";
export type {
  ToolDefinition,
  ToolHandler,
  ToolReturn,
  ResourceDefinition,
  ResourceHandler,
  ResourceReturn,
  ResourceTemplateDefinition,
  ResourceTemplateHandler,
  PromptDefinition,
  PromptHandler,
  PromptReturn,
  Completer,
} from "./server/definitions.ts";
export type { SkillDefinition, SkillFile } from "./server/skills.ts";
export { LocalError, McpError, PeerError } from "./jsonrpc/errors.ts";
export { urlElicitationRequired } from "./server/client-gates.ts";
export { LocalCode, WireCode } from "./jsonrpc/codes.ts";
export type {
  ProgressToken,
  Meta,
  Role,
  Icon,
  Implementation,
  Annotations,
  TextContent,
  ImageContent,
  AudioContent,
  TextResourceContents,
  BlobResourceContents,
  ResourceContents,
  EmbeddedResource,
  ResourceLink,
  ContentBlock,
  ToolAnnotations,
  TaskSupport,
  ToolDescriptor,
  CallToolResult,
  ResourceDescriptor,
  ResourceTemplateDescriptor,
  ReadResourceResult,
  PromptArgument,
  PromptDescriptor,
  PromptMessage,
  GetPromptResult,
  CompleteResult,
  LoggingLevel,
  JsonSchemaObject,
  ClientCapabilities,
  ServerCapabilities,
  SamplingMessage,
  CreateMessageParams,
  CreateMessageResult,
  ElicitFormParams,
  ElicitUrlParams,
  ElicitParams,
  ElicitResult,
  Root,
  ListRootsResult,
  TaskStatus,
  Task,
  InputRequest,
  InputResponse,
} from "./protocol/types.ts";
export { SESSION_VERSIONS, LATEST_SESSION_VERSION } from "./protocol/versions.ts";
export type { Channel } from "./transport/channel.ts";
export { stdioChannel } from "./transport/stdio.ts";
export { attachChannel, type Attached, type AttachOptions } from "./serve/attach.ts";
export { serveStdio } from "./serve/stdio.ts";
export { listenHttp, type HttpListener } from "./serve/http/listener.ts";
export { DEFAULT_HTTP_OPTIONS, type HttpListenOptions } from "./serve/http/options.ts";
export type { Authenticator } from "./auth/authenticator.ts";
export type { Principal } from "./auth/principal.ts";
export { jwtAuthenticator, type JwtAuthOptions, type JwtKeys } from "./auth/jwt.ts";
export { metadataUrl, protectedResourceMetadata, type ProtectedResourceMetadata } from "./auth/resource-metadata.ts";
export { serveTcp, type TcpListenOptions, type TcpListener } from "./serve/tcp.ts";
export { hostPolicy } from "./transport/http-guards.ts";
export type { EventStore, StoredEvent } from "./store/event-store.ts";
export { MemoryEventStore } from "./store/memory-event-store.ts";
export { SqliteEventStore } from "./store/sqlite-event-store.ts";
export type { TaskStore, StoredTask, TaskOutcome } from "./store/task-store.ts";
export { MemoryTaskStore } from "./store/memory-task-store.ts";
export { SqliteTaskStore } from "./store/sqlite-task-store.ts";
export type { Revocations } from "./store/revocations.ts";
export { MemoryRevocations } from "./store/memory-revocations.ts";
export { SqliteRevocations } from "./store/sqlite-revocations.ts";
export type { SubscriptionRegistry } from "./store/subscriptions.ts";
export { MemorySubscriptions } from "./store/memory-subscriptions.ts";
export type { Stores } from "./store/stores.ts";
export type { MaybePromise } from "./util/maybe-promise.ts";
export type { Session } from "./session/session.ts";
export { createLogger, type Logger } from "./util/log.ts";
export { createClient, McpClient, type CompletionRef } from "./client/client.ts";
export type { ClientOptions } from "./client/options.ts";
export type { ClientHandlers, HandlerContext as ClientHandlerContext } from "./client/handlers.ts";
export type { ConnectTarget } from "./client/targets.ts";
export type { StdioTarget } from "./client/stdio.ts";
export type { ServerDescription } from "./client/session.ts";
export type { AuthHook } from "./client/http-fetch.ts";
export type { OAuthOptions, AuthorizationResponse } from "./client/auth/options.ts";
export { followRedirects } from "./client/auth/headless.ts";
export { loopbackAuthorize } from "./client/auth/loopback.ts";
export type { RequestOptions as ClientRequestOptions, Progress } from "./client/rpc.ts";
export type { EraChoice } from "./client/negotiate.ts";
export type { ClientConnection } from "./client/connection.ts";
export { Subscription, type SubscriptionFilter } from "./client/listen.ts";
export { McpHttpError, HttpStatusError, ConnectionLostError, SkillVerificationError, type SkillRefusal } from "./client/errors.ts";
export { LoadedSkill, type LoadSkillOptions, type SkillFileContent } from "./client/skills.ts";
export type { SkillEntry } from "./client/skill-verify.ts";
export type { ReconnectEvent, ReconnectPolicy } from "./client/reconnect.ts";
export { applyElicitationDefaults } from "./client/elicitation-defaults.ts";
