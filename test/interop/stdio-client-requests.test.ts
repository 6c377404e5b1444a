/**
 * Server→client requests over stdio, answered by the official SDK client (v1): sampling,
 * form and URL elicitation, roots, and the capability gates that keep the server from
 * sending what the client did not declare.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import {
  CallToolResultSchema,
  CreateMessageRequestSchema,
  ElicitationCompleteNotificationSchema,
  ElicitRequestSchema,
  ListRootsRequestSchema,
  type ElicitResult,
} from "@modelcontextprotocol/sdk/types.js";
import { STATE_URI, type FixtureState } from "../fixtures/extra-tools.ts";
import { connect, mcpErrorOf, notificationsOf, requestsOf, waitFor, type Connected } from "./helpers.ts";

const ENV = { ERLMCP_DYNAMIC_DELAY_MS: "600000" };
const ROOTS = [{ uri: "file:///work/project", name: "project" }];

/** A client declaring sampling, form+URL elicitation and roots. */
let full: Connected;
/** A client declaring only `elicitation: {}` (form mode, 2025-11-25 backwards compatibility). */
let bare: Connected;
let elicitReply: ElicitResult = { action: "cancel" };
const completed: string[] = [];
const handled = { sampling: 0, elicitation: 0, roots: 0 };
/** When set, the client's sampling handler never answers; it counts the aborts it sees. */
let samplingHangs = false;
let samplingAborted = 0;

beforeAll(async () => {
  full = await connect({
    env: ENV,
    capabilities: { sampling: {}, elicitation: { form: {}, url: {} }, roots: { listChanged: true } },
    setup(client) {
      client.setRequestHandler(CreateMessageRequestSchema, (_request, extra) => {
        handled.sampling++;
        if (samplingHangs)
          return new Promise((_resolve, reject) =>
            extra.signal.addEventListener("abort", () => {
              samplingAborted++;
              reject(new Error("aborted"));
            }),
          );
        return { role: "assistant", content: { type: "text", text: "This is a test response from the client" }, model: "test-model", stopReason: "endTurn" };
      });
      client.setRequestHandler(ElicitRequestSchema, () => {
        handled.elicitation++;
        return elicitReply;
      });
      client.setRequestHandler(ListRootsRequestSchema, () => {
        handled.roots++;
        return { roots: ROOTS };
      });
      client.setNotificationHandler(ElicitationCompleteNotificationSchema, (n) => void completed.push(n.params.elicitationId));
    },
  });
  bare = await connect({
    env: ENV,
    capabilities: { elicitation: {} },
    setup: (client) => client.setRequestHandler(ElicitRequestSchema, () => ({ action: "accept", content: { username: "bare", email: "bare@example.com" } })),
  });
});
afterAll(async () => {
  await full.close();
  await bare.close();
});

/** The first text block of a tools/call result. */
const text = (result: Record<string, unknown>) => (result.content as { text?: string }[] | undefined)?.[0]?.text;
const lastParams = (c: Connected, method: string) => {
  const all = requestsOf(c.inbound, method);
  const last = all[all.length - 1];
  return last && "params" in last ? last.params : undefined;
};

describe("sampling", () => {
  test("test_sampling sends sampling/createMessage during the call and returns the model's text", async () => {
    const before = handled.sampling;
    const result = await full.client.callTool({ name: "test_sampling", arguments: { prompt: "Test prompt for sampling" } });
    expect(text(result)).toBe("LLM response: This is a test response from the client");
    expect(handled.sampling - before).toBe(1);
    expect(lastParams(full, "sampling/createMessage")).toEqual({
      messages: [{ role: "user", content: { type: "text", text: "Test prompt for sampling" } }],
      maxTokens: 100,
    });
  });

  test("cancelling the tool call cancels its pending sampling request", async () => {
    samplingHangs = true;
    try {
      const before = handled.sampling;
      const controller = new AbortController();
      const call = full.client.callTool({ name: "test_sampling", arguments: { prompt: "never answered" } }, CallToolResultSchema, { signal: controller.signal });
      await waitFor(() => handled.sampling > before, 2000, "the sampling request");
      const [request] = requestsOf(full.inbound, "sampling/createMessage").slice(-1);
      controller.abort("stop");
      await expect(call).rejects.toBeDefined();
      await waitFor(() => samplingAborted === 1, 2000, "the client's sampling handler to be aborted");
      const cancels = notificationsOf(full.inbound, "notifications/cancelled");
      expect(cancels).toEqual([{ requestId: request && "id" in request ? request.id : "?", reason: "the originating request was cancelled" }]);
    } finally {
      samplingHangs = false;
    }
  });

  test("a client without sampling gets -32021 and never sees a sampling request", async () => {
    const error = await mcpErrorOf(bare.client.callTool({ name: "test_sampling", arguments: { prompt: "hi" } }));
    expect(error.code).toBe(-32021);
    expect(error.data).toEqual({ requiredCapabilities: { sampling: {} } });
    expect(requestsOf(bare.inbound, "sampling/createMessage")).toEqual([]);
  });
});

describe("form elicitation", () => {
  const USER_INFO = {
    type: "object",
    properties: {
      username: { type: "string", description: "User's response" },
      email: { type: "string", description: "User's email address" },
    },
    required: ["username", "email"],
  };

  test("accept: the content comes back in the tool's text", async () => {
    elicitReply = { action: "accept", content: { username: "testuser", email: "test@example.com" } };
    const before = handled.elicitation;
    const result = await full.client.callTool({ name: "test_elicitation", arguments: { message: "Please provide your information" } });
    expect(text(result)).toBe('User response: action=accept, content={"username":"testuser","email":"test@example.com"}');
    expect(handled.elicitation - before).toBe(1);
    expect(lastParams(full, "elicitation/create")).toEqual({ mode: "form", message: "Please provide your information", requestedSchema: USER_INFO });
  });

  test("decline and cancel carry no content", async () => {
    for (const action of ["decline", "cancel"] as const) {
      elicitReply = { action };
      const result = await full.client.callTool({ name: "test_elicitation", arguments: { message: "m" } });
      expect(text(result)).toBe(`User response: action=${action}, content={}`);
    }
  });

  test("a client declaring `elicitation: {}` gets form mode", async () => {
    const result = await bare.client.callTool({ name: "test_elicitation", arguments: { message: "m" } });
    expect(text(result)).toBe('User response: action=accept, content={"username":"bare","email":"bare@example.com"}');
  });

  test("SEP-1034: a default on every primitive", async () => {
    elicitReply = { action: "accept", content: { name: "Jane", age: 31, score: 90.5, status: "pending", verified: false } };
    const result = await full.client.callTool({ name: "test_elicitation_sep1034_defaults", arguments: {} });
    expect(text(result)).toBe('Elicitation completed: action=accept, content={"name":"Jane","age":31,"score":90.5,"status":"pending","verified":false}');
    expect(lastParams(full, "elicitation/create")).toEqual({
      mode: "form",
      message: "Please review and update the form fields with defaults",
      requestedSchema: {
        type: "object",
        properties: {
          name: { type: "string", description: "User name", default: "John Doe" },
          age: { type: "integer", description: "User age", default: 30 },
          score: { type: "number", description: "User score", default: 95.5 },
          status: { type: "string", description: "User status", enum: ["active", "inactive", "pending"], default: "active" },
          verified: { type: "boolean", description: "Verification status", default: true },
        },
        required: [],
      },
    });
  });

  test("SEP-1330: the five enum shapes", async () => {
    elicitReply = { action: "accept", content: { untitledMulti: ["option1", "option3"] } };
    const result = await full.client.callTool({ name: "test_elicitation_sep1330_enums", arguments: {} });
    expect(text(result)).toBe('Elicitation completed: action=accept, content={"untitledMulti":["option1","option3"]}');
    const params = lastParams(full, "elicitation/create") as { message: string; requestedSchema: { properties: Record<string, unknown>; required: string[] } };
    expect(params.message).toBe("Please select options from the enum fields");
    expect(params.requestedSchema.required).toEqual([]);
    expect(params.requestedSchema.properties).toEqual({
      untitledSingle: { type: "string", description: "Select one option", enum: ["option1", "option2", "option3"] },
      titledSingle: {
        type: "string",
        description: "Select one option with titles",
        oneOf: [
          { const: "value1", title: "First Option" },
          { const: "value2", title: "Second Option" },
          { const: "value3", title: "Third Option" },
        ],
      },
      legacyEnum: { type: "string", description: "Select one option (legacy)", enum: ["opt1", "opt2", "opt3"], enumNames: ["Option One", "Option Two", "Option Three"] },
      untitledMulti: { type: "array", description: "Select multiple options", minItems: 1, maxItems: 3, items: { type: "string", enum: ["option1", "option2", "option3"] } },
      titledMulti: {
        type: "array",
        description: "Select multiple options with titles",
        minItems: 1,
        maxItems: 3,
        items: {
          anyOf: [
            { const: "value1", title: "First Choice" },
            { const: "value2", title: "Second Choice" },
            { const: "value3", title: "Third Choice" },
          ],
        },
      },
    });
  });
});

describe("URL elicitation", () => {
  test("a client declaring elicitation.url gets the request, then notifications/elicitation/complete on accept", async () => {
    elicitReply = { action: "accept" };
    const result = await full.client.callTool({ name: "elicit_url", arguments: { url: "https://example.com/login", elicitationId: "el-accept" } });
    expect(text(result)).toBe("URL elicitation: action=accept");
    expect(lastParams(full, "elicitation/create")).toEqual({
      mode: "url",
      message: "Please finish signing in",
      url: "https://example.com/login",
      elicitationId: "el-accept",
    });
    expect(completed).toEqual(["el-accept"]);
  });

  test("declined: no completion notification", async () => {
    elicitReply = { action: "decline" };
    const result = await full.client.callTool({ name: "elicit_url", arguments: { url: "https://example.com/login", elicitationId: "el-decline" } });
    expect(text(result)).toBe("URL elicitation: action=decline");
    expect(completed).toEqual(["el-accept"]);
  });

  test("a form-only client gets -32021 and never sees a URL request", async () => {
    const error = await mcpErrorOf(bare.client.callTool({ name: "elicit_url", arguments: { url: "https://example.com", elicitationId: "x" } }));
    expect(error.code).toBe(-32021);
    expect(error.data).toEqual({ requiredCapabilities: { elicitation: { url: {} } } });
    expect(requestsOf(bare.inbound, "elicitation/create").filter((m) => "params" in m && m.params?.mode === "url")).toEqual([]);
  });
});

describe("roots", () => {
  test("the server asks roots/list and gets the client's roots", async () => {
    const before = handled.roots;
    const result = await full.client.callTool({ name: "list_roots", arguments: {} });
    expect(JSON.parse(text(result) ?? "null")).toEqual(ROOTS);
    expect(handled.roots - before).toBe(1);
  });

  test("a client without roots gets -32021 and never sees roots/list", async () => {
    const error = await mcpErrorOf(bare.client.callTool({ name: "list_roots", arguments: {} }));
    expect(error.code).toBe(-32021);
    expect(requestsOf(bare.inbound, "roots/list")).toEqual([]);
  });

  test("notifications/roots/list_changed reaches the server", async () => {
    const read = async () => {
      const item = (await full.client.readResource({ uri: STATE_URI })).contents[0];
      return JSON.parse(item && "text" in item ? item.text : "null") as FixtureState;
    };
    expect((await read()).rootsListChanged).toBe(0);
    await full.client.sendRootsListChanged();
    await waitFor(async () => (await read()).rootsListChanged === 1, 2000, "the server to record roots/list_changed");
  });
});
