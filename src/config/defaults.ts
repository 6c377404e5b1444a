import { DEFAULT_FEATURES, DEFAULT_LIMITS, DEFAULT_TASK_OPTIONS } from "../server/options.ts";
import type { Config } from "./schema.ts";

/**
 * The complete default config: what the appliance runs with when given no file and no
 * flags. Safe on a fresh VM: no network listener, info-level JSON logs on stderr.
 * config/erlmcp.toml documents the same values; test/config/load.test.ts keeps them equal.
 */
export function defaultConfig(): Config {
  return {
    server: {
      // Implementation.name in the initialize result; clients show it to users.
      name: "erlmcp",
      // Built-in registrations to serve (see `erlmcp --help`); "empty" serves only what config adds.
      profile: "everything",
      // InitializeResult.instructions, a hint for the model; "" sends none. Long text costs context tokens.
      instructions: "",
    },
    limits: {
      // Largest inbound message, UTF-8 bytes; bigger allows large tool arguments, costs memory per frame.
      maxMessageBytes: DEFAULT_LIMITS.maxMessageBytes,
      // Deepest array/object nesting in a message; guards the parser's stack, too low rejects rich schemas.
      maxJsonDepth: DEFAULT_LIMITS.maxJsonDepth,
      // Items per page of every list result; larger means fewer round trips, bigger responses.
      pageSize: DEFAULT_LIMITS.pageSize,
      // ms a server→client request (sampling, elicitation, roots) may take; humans in the loop need minutes.
      clientRequestTimeoutMs: DEFAULT_LIMITS.clientRequestTimeoutMs,
      // Requests one session may have in flight; higher allows more parallelism, lets one client hog more.
      maxInflightPerSession: DEFAULT_LIMITS.maxInflightPerSession,
      // Resource subscriptions per session; each costs a little memory and fan-out work per update.
      maxSubscriptionsPerSession: DEFAULT_LIMITS.maxSubscriptionsPerSession,
      // Live tasks per session; each holds its result in memory until its TTL expires.
      maxTasksPerSession: DEFAULT_LIMITS.maxTasksPerSession,
    },
    features: {
      // Offer tools (tools/list, tools/call) and the tools capability.
      tools: DEFAULT_FEATURES.tools,
      // Offer resources, templates and subscriptions.
      resources: DEFAULT_FEATURES.resources,
      // Offer prompts.
      prompts: DEFAULT_FEATURES.prompts,
      // Offer logging/setLevel and notifications/message to clients.
      logging: DEFAULT_FEATURES.logging,
      // Offer completion/complete for prompt and template arguments.
      completions: DEFAULT_FEATURES.completions,
      // Offer task-augmented tools/call (2025-11-25 experimental tasks); needs tools.
      tasks: DEFAULT_FEATURES.tasks,
    },
    tasks: {
      // ms a task result is kept when the client asks for no TTL; longer keeps memory longer.
      defaultTtlMs: DEFAULT_TASK_OPTIONS.defaultTtlMs,
      // ms a client may ask a task to be kept at most; caps memory held by finished tasks.
      maxTtlMs: DEFAULT_TASK_OPTIONS.maxTtlMs,
      // ms between polls suggested to clients; lower is snappier, costs more requests.
      pollIntervalMs: DEFAULT_TASK_OPTIONS.pollIntervalMs,
    },
    logging: {
      // Process log threshold on stderr: debug|info|warn|error|silent; debug is verbose and slower.
      level: "info",
      // Process log line format: "json" for collectors, "text" for people reading a terminal.
      format: "json",
      // MCP log level a session starts with (debug..emergency) until the client sends logging/setLevel.
      clientLevel: "info",
    },
    stdio: {
      // Serve one session on stdin/stdout (for clients that spawn the binary); stdout then carries only MCP.
      enabled: false,
    },
  };
}
