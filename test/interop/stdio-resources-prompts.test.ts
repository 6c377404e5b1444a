/**
 * Resources, subscriptions, prompts and completion of the everything profile over stdio,
 * driven by the official SDK client (v1).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { ResourceUpdatedNotificationSchema } from "@modelcontextprotocol/sdk/types.js";
import { TEST_IMAGE_BASE64 } from "../../src/profiles/everything/media.ts";
import { connect, mcpErrorOf, type Connected } from "./helpers.ts";

const WATCH_MS = 60;
const WATCHED = "test://watched-resource";

let c: Connected;
const updates: string[] = [];

beforeAll(async () => {
  c = await connect({
    env: { ERLMCP_WATCH_INTERVAL_MS: String(WATCH_MS), ERLMCP_DYNAMIC_DELAY_MS: "600000" },
    setup: (client) => client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => void updates.push(n.params.uri)),
  });
});
afterAll(() => c.close());

const readText = async (uri: string) => {
  const item = (await c.client.readResource({ uri })).contents[0];
  return item && "text" in item ? item.text : undefined;
};

describe("resources", () => {
  test("resources/list has the fixtures, each with a name, description and mimeType", async () => {
    const { resources } = await c.client.listResources();
    const byUri = new Map(resources.map((r) => [r.uri, r]));
    expect(byUri.get("test://static-text")).toEqual({
      uri: "test://static-text",
      name: "static-text",
      title: "Static Text Resource",
      description: "A static text resource for testing",
      mimeType: "text/plain",
    });
    expect(byUri.get("test://static-binary")?.mimeType).toBe("image/png");
    expect(byUri.get(WATCHED)?.mimeType).toBe("text/plain");
    expect(byUri.has("test://dynamic-resource")).toBe(false);
    for (const r of resources) expect(r.description?.length).toBeGreaterThan(0);
  });

  test("resources/templates/list has test://template/{id}/data", async () => {
    expect(await c.client.listResourceTemplates()).toEqual({
      resourceTemplates: [
        {
          uriTemplate: "test://template/{id}/data",
          name: "template",
          title: "Resource Template",
          description: "A resource template with parameter substitution",
          mimeType: "application/json",
        },
      ],
    });
  });

  test("reads the static text resource", async () => {
    expect(await c.client.readResource({ uri: "test://static-text" })).toEqual({
      contents: [{ uri: "test://static-text", mimeType: "text/plain", text: "This is the content of the static text resource." }],
    });
  });

  test("reads the static binary resource as a base64 blob", async () => {
    expect(await c.client.readResource({ uri: "test://static-binary" })).toEqual({
      contents: [{ uri: "test://static-binary", mimeType: "image/png", blob: TEST_IMAGE_BASE64 }],
    });
  });

  test("reads the template with its variable substituted", async () => {
    expect(await c.client.readResource({ uri: "test://template/123/data" })).toEqual({
      contents: [{ uri: "test://template/123/data", mimeType: "application/json", text: '{"id":"123","templateTest":true,"data":"Data for ID: 123"}' }],
    });
    expect(await readText("test://template/abc/data")).toBe('{"id":"abc","templateTest":true,"data":"Data for ID: abc"}');
  });

  test("an unknown resource is -32002 with data.uri", async () => {
    const error = await mcpErrorOf(c.client.readResource({ uri: "test://nope" }));
    expect(error.code).toBe(-32002);
    expect(error.data).toEqual({ uri: "test://nope" });
  });

  test("subscribe delivers notifications/resources/updated as the content changes; unsubscribe stops them", async () => {
    // The resource has been changing since start, but nothing goes to a client that did not subscribe.
    expect(updates).toEqual([]);
    expect(await c.client.subscribeResource({ uri: WATCHED })).toEqual({});
    const before = await readText(WATCHED);
    expect(before).toMatch(/^Watched resource content \(revision \d+\)$/);
    const start = updates.length;
    await Bun.sleep(WATCH_MS * 4);
    expect(updates.length - start).toBeGreaterThanOrEqual(2);
    expect(new Set(updates)).toEqual(new Set([WATCHED]));
    expect(await readText(WATCHED)).not.toBe(before);

    expect(await c.client.unsubscribeResource({ uri: WATCHED })).toEqual({});
    // Replies are ordered after every notification sent before them on stdio.
    const stopped = updates.length;
    await Bun.sleep(WATCH_MS * 4);
    expect(updates.length).toBe(stopped);
  });

  test("subscribing to an unknown resource is -32002", async () => {
    const error = await mcpErrorOf(c.client.subscribeResource({ uri: "test://nope" }));
    expect(error.code).toBe(-32002);
  });
});

describe("prompts", () => {
  test("prompts/list has the fixtures with descriptions and arguments", async () => {
    const { prompts } = await c.client.listPrompts();
    expect(prompts.map((p) => p.name).sort()).toEqual(
      ["test_input_required_result_prompt", "test_prompt_with_arguments", "test_prompt_with_embedded_resource", "test_prompt_with_image", "test_simple_prompt"],
    );
    for (const p of prompts) expect(p.description?.length).toBeGreaterThan(0);
    expect(prompts.find((p) => p.name === "test_prompt_with_arguments")?.arguments).toEqual([
      { name: "arg1", description: "First test argument", required: true },
      { name: "arg2", description: "Second test argument", required: true },
    ]);
    expect(prompts.find((p) => p.name === "test_prompt_with_embedded_resource")?.arguments).toEqual([
      { name: "resourceUri", description: "URI of the resource to embed", required: true },
    ]);
  });

  test("test_simple_prompt", async () => {
    expect(await c.client.getPrompt({ name: "test_simple_prompt" })).toEqual({
      description: "A simple prompt without arguments",
      messages: [{ role: "user", content: { type: "text", text: "This is a simple prompt for testing." } }],
    });
  });

  test("test_prompt_with_arguments interpolates both arguments", async () => {
    const result = await c.client.getPrompt({ name: "test_prompt_with_arguments", arguments: { arg1: "hello", arg2: "world" } });
    expect(result.messages).toEqual([{ role: "user", content: { type: "text", text: "Prompt with arguments: arg1='hello', arg2='world'" } }]);
  });

  test("test_prompt_with_embedded_resource embeds the given URI", async () => {
    const result = await c.client.getPrompt({ name: "test_prompt_with_embedded_resource", arguments: { resourceUri: "test://example-resource" } });
    expect(result.messages).toEqual([
      { role: "user", content: { type: "resource", resource: { uri: "test://example-resource", mimeType: "text/plain", text: "Embedded resource content for testing." } } },
      { role: "user", content: { type: "text", text: "Please process the embedded resource above." } },
    ]);
  });

  test("test_prompt_with_image", async () => {
    const result = await c.client.getPrompt({ name: "test_prompt_with_image" });
    expect(result.messages).toEqual([
      { role: "user", content: { type: "image", data: TEST_IMAGE_BASE64, mimeType: "image/png" } },
      { role: "user", content: { type: "text", text: "Please analyze the image above." } },
    ]);
  });

  test("a missing required argument is -32602 naming it", async () => {
    const error = await mcpErrorOf(c.client.getPrompt({ name: "test_prompt_with_arguments", arguments: { arg1: "only" } }));
    expect(error.code).toBe(-32602);
    expect(error.message).toContain("arg2");
  });

  test("an unknown prompt is -32602", async () => {
    expect((await mcpErrorOf(c.client.getPrompt({ name: "no_such_prompt" }))).code).toBe(-32602);
  });
});

describe("completion/complete", () => {
  const ref = { type: "ref/prompt" as const, name: "test_prompt_with_arguments" };

  test("arg1 candidates are filtered by the typed prefix", async () => {
    expect(await c.client.complete({ ref, argument: { name: "arg1", value: "test" } })).toEqual({
      completion: { values: ["testValue1", "testValue2", "testing"], total: 3, hasMore: false },
    });
    expect((await c.client.complete({ ref, argument: { name: "arg1", value: "" } })).completion.values).toHaveLength(5);
    expect((await c.client.complete({ ref, argument: { name: "arg1", value: "zzz" } })).completion.values).toEqual([]);
  });

  test("an argument without a completer gets an empty completion", async () => {
    expect(await c.client.complete({ ref, argument: { name: "arg2", value: "x" } })).toEqual({
      completion: { values: [], total: 0, hasMore: false },
    });
  });

  test("template variables complete through ref/resource", async () => {
    const result = await c.client.complete({ ref: { type: "ref/resource", uri: "test://template/{id}/data" }, argument: { name: "id", value: "4" } });
    expect(result.completion.values).toEqual(["456"]);
  });

  test("an unknown prompt is -32602", async () => {
    const error = await mcpErrorOf(c.client.complete({ ref: { type: "ref/prompt", name: "nope" }, argument: { name: "a", value: "" } }));
    expect(error.code).toBe(-32602);
  });
});
