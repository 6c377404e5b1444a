/**
 * list_changed over stdio: the everything profile adds test_dynamic_tool,
 * test://dynamic-resource and test_dynamic_prompt after ERLMCP_DYNAMIC_DELAY_MS, and the
 * official SDK client (v1) hears about each kind once, through its raw notification stream
 * and through its own `listChanged` auto-refresh.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import type { Prompt, Resource, Tool } from "@modelcontextprotocol/sdk/types.js";
import { connect, notificationsOf, waitFor, type Connected } from "./helpers.ts";

/** The upstream default; it leaves a slow spawn room to list before the additions. */
const DELAY_MS = 2000;
const LIST_CHANGED = ["notifications/tools/list_changed", "notifications/resources/list_changed", "notifications/prompts/list_changed"];

let c: Connected;
const refreshed: { tools?: Tool[]; resources?: Resource[]; prompts?: Prompt[] } = {};

beforeAll(async () => {
  c = await connect({
    env: { ERLMCP_DYNAMIC_DELAY_MS: String(DELAY_MS), ERLMCP_WATCH_INTERVAL_MS: "600000" },
    clientOptions: {
      listChanged: {
        tools: { debounceMs: 0, onChanged: (_e, items) => void (refreshed.tools = items ?? undefined) },
        resources: { debounceMs: 0, onChanged: (_e, items) => void (refreshed.resources = items ?? undefined) },
        prompts: { debounceMs: 0, onChanged: (_e, items) => void (refreshed.prompts = items ?? undefined) },
      },
    },
  });
});
afterAll(() => c.close());

test("before the delay the dynamic registrations are absent", async () => {
  expect((await c.client.listTools()).tools.map((t) => t.name)).not.toContain("test_dynamic_tool");
  expect((await c.client.listResources()).resources.map((r) => r.uri)).not.toContain("test://dynamic-resource");
  expect((await c.client.listPrompts()).prompts.map((p) => p.name)).not.toContain("test_dynamic_prompt");
  for (const method of LIST_CHANGED) expect(notificationsOf(c.inbound, method)).toEqual([]);
});

test("after the delay each kind's list_changed arrives exactly once", async () => {
  await waitFor(() => LIST_CHANGED.every((m) => notificationsOf(c.inbound, m).length > 0), DELAY_MS * 3, "three list_changed notifications");
  await Bun.sleep(50);
  for (const method of LIST_CHANGED) expect(notificationsOf(c.inbound, method)).toHaveLength(1);
}, DELAY_MS * 4);

test("the SDK's listChanged auto-refresh sees the new items", async () => {
  await waitFor(() => refreshed.tools !== undefined && refreshed.resources !== undefined && refreshed.prompts !== undefined, 2000, "auto-refresh");
  expect(refreshed.tools?.find((t) => t.name === "test_dynamic_tool")).toEqual({
    name: "test_dynamic_tool",
    description: "A tool registered after start (tests notifications/tools/list_changed)",
    inputSchema: { type: "object", additionalProperties: false },
  });
  expect(refreshed.resources?.map((r) => r.uri)).toContain("test://dynamic-resource");
  expect(refreshed.prompts?.map((p) => p.name)).toContain("test_dynamic_prompt");
});

test("the dynamic tool, resource and prompt work", async () => {
  expect(await c.client.callTool({ name: "test_dynamic_tool", arguments: {} })).toEqual({
    content: [{ type: "text", text: "This tool was added dynamically." }],
  });
  expect(await c.client.readResource({ uri: "test://dynamic-resource" })).toEqual({
    contents: [{ uri: "test://dynamic-resource", mimeType: "text/plain", text: "This resource was added dynamically." }],
  });
  expect((await c.client.getPrompt({ name: "test_dynamic_prompt" })).messages).toEqual([
    { role: "user", content: { type: "text", text: "This prompt was added dynamically." } },
  ]);
});
