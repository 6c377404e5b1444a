import { z } from "zod";
import type { ElicitFormParams, ElicitResult } from "../../protocol/types.ts";
import type { McpServer } from "../../server/server.ts";
import { sleep, TEST_AUDIO_BASE64, TEST_IMAGE_BASE64 } from "./media.ts";

/**
 * The conformance suite's tool fixtures (conformance.md §4, mcp-2025-11-25.md §11). Names,
 * schemas and payloads are exact: the suite compares them.
 */

/** SEP-1613: listed byte-for-byte in tools/list, so it must never be rewritten. */
export const JSON_SCHEMA_2020_12_INPUT = {
  $schema: "https://json-schema.org/draft/2020-12/schema",
  type: "object",
  $defs: {
    address: {
      type: "object",
      properties: {
        street: { type: "string" },
        city: { type: "string" },
      },
    },
  },
  properties: {
    name: { type: "string" },
    address: { $ref: "#/$defs/address" },
  },
  additionalProperties: false,
};

/** SEP-1034: a default on every primitive kind. */
const SEP1034_SCHEMA: ElicitFormParams["requestedSchema"] = {
  type: "object",
  properties: {
    name: { type: "string", description: "User name", default: "John Doe" },
    age: { type: "integer", description: "User age", default: 30 },
    score: { type: "number", description: "User score", default: 95.5 },
    status: { type: "string", description: "User status", enum: ["active", "inactive", "pending"], default: "active" },
    verified: { type: "boolean", description: "Verification status", default: true },
  },
  required: [],
};

/** SEP-1330: the five enum shapes, one property each. */
const SEP1330_SCHEMA: ElicitFormParams["requestedSchema"] = {
  type: "object",
  properties: {
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
    legacyEnum: {
      type: "string",
      description: "Select one option (legacy)",
      enum: ["opt1", "opt2", "opt3"],
      enumNames: ["Option One", "Option Two", "Option Three"],
    },
    untitledMulti: {
      type: "array",
      description: "Select multiple options",
      minItems: 1,
      maxItems: 3,
      items: { type: "string", enum: ["option1", "option2", "option3"] },
    },
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
  },
  required: [],
};

const USER_INFO_SCHEMA: ElicitFormParams["requestedSchema"] = {
  type: "object",
  properties: {
    username: { type: "string", description: "User's response" },
    email: { type: "string", description: "User's email address" },
  },
  required: ["username", "email"],
};

/** Pause between the logging and progress steps (conformance.md §4: about 50 ms). */
const STEP_MS = 50;

const describeElicitation = (r: ElicitResult) => `action=${r.action}, content=${JSON.stringify(r.content ?? {})}`;

/** The text of a sampling result, whose content is one block or (2025-11-25) an array. */
function sampledText(content: unknown): string {
  const blocks = Array.isArray(content) ? content : [content];
  const texts = blocks
    .filter((b): b is { type: "text"; text: string } => typeof b === "object" && b !== null && b.type === "text" && typeof b.text === "string")
    .map((b) => b.text);
  return texts.length ? texts.join("\n") : "No response";
}

/** Registers every tool the suite calls. */
export function registerTools(server: McpServer): void {
  server
    .tool(
      "test_simple_text",
      { description: "Tests simple text content response", input: { type: "object", properties: {} } },
      () => "This is a simple text response for testing.",
    )
    .tool("test_image_content", { description: "Tests image content response" }, () => [
      { type: "image", data: TEST_IMAGE_BASE64, mimeType: "image/png" },
    ])
    .tool("test_audio_content", { description: "Tests audio content response" }, () => [
      { type: "audio", data: TEST_AUDIO_BASE64, mimeType: "audio/wav" },
    ])
    .tool("test_embedded_resource", { description: "Tests embedded resource content response" }, () => [
      { type: "resource", resource: { uri: "test://embedded-resource", mimeType: "text/plain", text: "This is an embedded resource content." } },
    ])
    .tool("test_multiple_content_types", { description: "Tests response with multiple content types (text, image, resource)" }, () => [
      { type: "text", text: "Multiple content types test:" },
      { type: "image", data: TEST_IMAGE_BASE64, mimeType: "image/png" },
      {
        type: "resource",
        resource: { uri: "test://mixed-content-resource", mimeType: "application/json", text: JSON.stringify({ test: "data", value: 123 }) },
      },
    ])
    .tool("test_tool_with_logging", { description: "Tests tool that emits log messages during execution" }, async (_args, ctx) => {
      ctx.log("info", "Tool execution started");
      await sleep(STEP_MS, ctx.signal);
      ctx.log("info", "Tool processing data");
      await sleep(STEP_MS, ctx.signal);
      ctx.log("info", "Tool execution completed");
      return "Tool with logging executed successfully";
    })
    .tool("test_tool_with_progress", { description: "Tests tool that reports progress notifications" }, async (_args, ctx) => {
      for (const step of [0, 50, 100]) {
        if (step > 0) await sleep(STEP_MS, ctx.signal);
        ctx.progress(step, 100, `Completed step ${step} of 100`);
      }
      return "Progress test completed";
    })
    .tool("test_error_handling", { description: "Tests error response handling" }, () => ({
      isError: true,
      content: [{ type: "text", text: "This tool intentionally returns an error for testing" }],
    }))
    .tool(
      "test_reconnection",
      {
        description:
          "Tests SSE stream disconnection and client reconnection (SEP-1699): on HTTP the server closes the stream mid-call and sends the result after the client reconnects.",
      },
      async (_args, ctx) => {
        // Close the connection now; the result, sent later, waits in the event log for the GET resume.
        ctx.closeStream();
        await sleep(100, ctx.signal);
        return "Reconnection test completed successfully. If you received this, the client properly reconnected after stream closure.";
      },
    )
    .tool(
      "test_sampling",
      {
        description: "Tests server-initiated sampling (LLM completion request)",
        input: z.object({ prompt: z.string().describe("The prompt to send to the LLM") }),
      },
      async ({ prompt }, ctx) => {
        const result = await ctx.sample({ messages: [{ role: "user", content: { type: "text", text: prompt } }], maxTokens: 100 });
        return `LLM response: ${sampledText(result.content)}`;
      },
    )
    .tool(
      "test_elicitation",
      {
        description: "Tests server-initiated elicitation (user input request)",
        input: z.object({ message: z.string().describe("The message to show the user") }),
      },
      async ({ message }, ctx) => `User response: ${describeElicitation(await ctx.elicit({ mode: "form", message, requestedSchema: USER_INFO_SCHEMA }))}`,
    )
    .tool("test_elicitation_sep1034_defaults", { description: "Tests elicitation with default values per SEP-1034" }, async (_args, ctx) => {
      const r = await ctx.elicit({ mode: "form", message: "Please review and update the form fields with defaults", requestedSchema: SEP1034_SCHEMA });
      return `Elicitation completed: ${describeElicitation(r)}`;
    })
    .tool("test_elicitation_sep1330_enums", { description: "Tests elicitation with enum schema improvements per SEP-1330" }, async (_args, ctx) => {
      const r = await ctx.elicit({ mode: "form", message: "Please select options from the enum fields", requestedSchema: SEP1330_SCHEMA });
      return `Elicitation completed: ${describeElicitation(r)}`;
    })
    .tool(
      "json_schema_2020_12_tool",
      { description: "Tool with JSON Schema 2020-12 features for conformance testing (SEP-1613)", input: JSON_SCHEMA_2020_12_INPUT },
      (args) => `JSON Schema 2020-12 tool called with: ${JSON.stringify(args)}`,
    );
}

/** The tool added some time after start, so clients see notifications/tools/list_changed. */
export function registerDynamicTool(server: McpServer): void {
  server.tool(
    "test_dynamic_tool",
    { description: "A tool registered after start (tests notifications/tools/list_changed)" },
    () => "This tool was added dynamically.",
  );
}
