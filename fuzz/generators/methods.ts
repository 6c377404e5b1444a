/**
 * Every client→server method of both eras with a well-formed params builder, so the message
 * generators can start from a valid request and break one field at a time (the interesting
 * bugs sit one wrong field away from a valid message).
 */
import type { Rng } from "../prng.ts";

type Params = Record<string, unknown>;

const TOOLS = ["test_simple_text", "test_error_handling", "test_tool_with_progress", "test_image_content", "test_multiple_content_types", "test_dynamic_tool", "test_header_param", "test_input_required_result_request_state", "test_input_required_result_multi_round", "test_input_required_result_elicitation", "test_missing_capability", "no_such_tool"];
const URIS = ["test://static-text", "test://static-binary", "test://template/1/data", "test://watched-resource", "test://nope", "file:///etc/passwd"];
const PROMPTS = ["test_simple_prompt", "test_prompt_with_arguments", "test_prompt_with_image", "no_such_prompt"];

/** Well-formed params for each method (the 2025 session era; 2026-07-28 adds its envelope). */
export const METHODS: Record<string, (rng: Rng) => Params | undefined> = {
  initialize: (rng) => ({ protocolVersion: rng.pick(["2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05", "1999-01-01"]), capabilities: {}, clientInfo: { name: "fuzz", version: "0" } }),
  ping: () => undefined,
  "tools/list": (rng) => (rng.chance(0.5) ? {} : { cursor: rng.pick(["", "abc", "eyJvIjoxfQ", "0"]) }),
  "tools/call": (rng) => ({ name: rng.pick(TOOLS), arguments: rng.chance(0.7) ? {} : { a: 1, b: 2 } }),
  "resources/list": () => ({}),
  "resources/templates/list": () => ({}),
  "resources/read": (rng) => ({ uri: rng.pick(URIS) }),
  "resources/subscribe": (rng) => ({ uri: rng.pick(URIS) }),
  "resources/unsubscribe": (rng) => ({ uri: rng.pick(URIS) }),
  "prompts/list": () => ({}),
  "prompts/get": (rng) => ({ name: rng.pick(PROMPTS), arguments: { arg1: "x", arg2: "y" } }),
  "completion/complete": (rng) => ({ ref: rng.chance(0.5) ? { type: "ref/prompt", name: rng.pick(PROMPTS) } : { type: "ref/resource", uri: "test://template/{id}/data" }, argument: { name: "id", value: "1" } }),
  "logging/setLevel": (rng) => ({ level: rng.pick(["debug", "info", "error", "emergency", "loud"]) }),
  "tasks/get": () => ({ taskId: "t-1" }),
  "tasks/result": () => ({ taskId: "t-1" }),
  "tasks/list": () => ({}),
  "tasks/cancel": () => ({ taskId: "t-1" }),
  "server/discover": () => ({}),
  "subscriptions/listen": (rng) => ({ filter: rng.chance(0.5) ? { toolsListChanged: true } : { resourceSubscriptions: [rng.pick(URIS)] } }),
  "no/such/method": () => ({}),
};

/** Client notifications (no answer expected). */
export const NOTIFICATIONS: Record<string, (rng: Rng) => Params | undefined> = {
  "notifications/initialized": () => undefined,
  "notifications/cancelled": (rng) => ({ requestId: rng.int(0, 100), reason: "fuzz" }),
  "notifications/progress": (rng) => ({ progressToken: rng.int(0, 100), progress: rng.int(0, 10) }),
  "notifications/roots/list_changed": () => undefined,
};

export const METHOD_NAMES = Object.keys(METHODS);
export const NOTIFICATION_NAMES = Object.keys(NOTIFICATIONS);
