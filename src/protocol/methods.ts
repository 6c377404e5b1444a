/**
 * Method and notification names of MCP 2025-11-25 (schema.ts ClientRequest, ServerRequest,
 * ClientNotification, ServerNotification). Append-only.
 */
export const Method = {
  Initialize: "initialize",
  Ping: "ping",
  ToolsList: "tools/list",
  ToolsCall: "tools/call",
  ResourcesList: "resources/list",
  ResourceTemplatesList: "resources/templates/list",
  ResourcesRead: "resources/read",
  ResourcesSubscribe: "resources/subscribe",
  ResourcesUnsubscribe: "resources/unsubscribe",
  PromptsList: "prompts/list",
  PromptsGet: "prompts/get",
  CompletionComplete: "completion/complete",
  LoggingSetLevel: "logging/setLevel",
  TasksGet: "tasks/get",
  TasksResult: "tasks/result",
  TasksList: "tasks/list",
  TasksCancel: "tasks/cancel",
  SamplingCreateMessage: "sampling/createMessage",
  ElicitationCreate: "elicitation/create",
  RootsList: "roots/list",
} as const;

export const Notice = {
  Initialized: "notifications/initialized",
  Cancelled: "notifications/cancelled",
  Progress: "notifications/progress",
  Message: "notifications/message",
  ResourcesUpdated: "notifications/resources/updated",
  ResourcesListChanged: "notifications/resources/list_changed",
  ToolsListChanged: "notifications/tools/list_changed",
  PromptsListChanged: "notifications/prompts/list_changed",
  RootsListChanged: "notifications/roots/list_changed",
  ElicitationComplete: "notifications/elicitation/complete",
  TaskStatus: "notifications/tasks/status",
} as const;

/** `_meta` key tying a message to a task (2025-11-25 tasks). */
export const RELATED_TASK_META = "io.modelcontextprotocol/related-task";

/** Logging levels in increasing severity (RFC 5424, as MCP logging orders them). */
export const LOG_LEVELS = ["debug", "info", "notice", "warning", "error", "critical", "alert", "emergency"] as const;

/** Severity rank of a level, for filtering; -1 for an unknown level. */
export const logLevelRank = (level: string): number => (LOG_LEVELS as readonly string[]).indexOf(level);
