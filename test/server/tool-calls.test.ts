/**
 * tools/call over a real TCP session, for the two ways a call is run: a handler that answers
 * synchronously is answered without a promise, an async one through it, and both fail the
 * same way. Arguments of plain zod objects are checked without zod when they already are what
 * zod returns; every other value must get exactly zod's answer.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { z } from "zod";
import { createClient } from "../../src/client/client.ts";
import { McpError, WireCode } from "../../src/index.ts";
import { createServer } from "../../src/create-server.ts";
import { serveTcp, type TcpListener } from "../../src/serve/tcp.ts";

const server = createServer({ name: "tool-calls", version: "1.0.0" });
const args = z.object({ text: z.string(), count: z.number().optional(), loud: z.boolean().optional() });
const received: unknown[] = [];
server.tool("sync_echo", { description: "echo, sync", input: args }, (a) => (received.push(a), JSON.stringify(a)));
server.tool("async_echo", { description: "echo, async", input: args }, async (a) => (await Bun.sleep(1), JSON.stringify(a)));
server.tool("thenable", { description: "thenable" }, () => ({ then: (resolve: (v: string) => void) => resolve("from a thenable") }) as never);
server.tool("sync_throw", { description: "sync_throw" }, () => {
  throw new Error("sync failure");
});
server.tool("async_throw", { description: "async_throw" }, async () => {
  await Bun.sleep(1);
  throw new Error("async failure");
});
server.tool("sync_protocol_error", { description: "sync_protocol_error" }, () => {
  throw new McpError(WireCode.InvalidParams, "refused on purpose");
});
server.tool("checked", { description: "an integer", input: z.object({ n: z.number().int() }) }, ({ n }) => String(n));

let tcp: TcpListener;
const client = createClient({ name: "t", version: "1" });
beforeAll(async () => {
  tcp = serveTcp(server);
  await client.connect({ tcp: `127.0.0.1:${tcp.port}` });
});
afterAll(async () => {
  await client.close();
  await tcp.stop();
});

const text = (r: { content: unknown[] }) => (r.content[0] as { text: string }).text;

describe("tools/call runs sync and async handlers alike", () => {
  test.each(["sync_echo", "async_echo"])("%s answers its arguments", async (name) => {
    const r = await client.callTool(name, { text: "hi", count: 2 });
    expect(r.isError).toBeUndefined();
    expect(JSON.parse(text(r))).toEqual({ text: "hi", count: 2 });
  });

  test("a thenable is awaited", async () => {
    expect(text(await client.callTool("thenable"))).toBe("from a thenable");
  });

  test.each([
    ["sync_throw", "sync failure"],
    ["async_throw", "async failure"],
  ])("%s is a tool error (isError), and the session goes on", async (name, message) => {
    const r = await client.callTool(name);
    expect(r).toMatchObject({ isError: true, content: [{ type: "text", text: message }] });
    expect(text(await client.callTool("sync_echo", { text: "after" }))).toBe('{"text":"after"}');
  });

  test("a McpError thrown synchronously is a protocol error", async () => {
    await expect(client.callTool("sync_protocol_error")).rejects.toMatchObject({ code: WireCode.InvalidParams, message: "refused on purpose" });
  });
});

describe("arguments of a plain zod object get zod's answer", () => {
  const cases: [string, Record<string, unknown>][] = [
    ["exact", { text: "a" }],
    ["with every optional field", { text: "a", count: 1.5, loud: false }],
    ["an unknown key (zod strips it)", { text: "a", extra: { deep: 1 } }],
    ["a missing required field", { count: 1 }],
    ["a wrong type", { text: 5 }],
    ["a wrong optional type", { text: "a", loud: "yes" }],
    ["null for an optional field", { text: "a", count: null }],
    ["a __proto__ key", JSON.parse('{"text":"a","__proto__":{"x":1}}')],
  ];
  test.each(cases)("%s", async (_, value) => {
    received.length = 0;
    const r = await client.callTool("sync_echo", value);
    const expected = args.safeParse(value);
    if (expected.success) {
      expect(r.isError).toBeUndefined();
      expect(received).toEqual([expected.data]);
      expect(Object.keys(received[0] as object).sort()).toEqual(Object.keys(expected.data).sort());
    } else {
      expect(r.isError).toBe(true);
      expect(text(r)).toStartWith("Invalid arguments for tool sync_echo: ");
      expect(received).toEqual([]);
    }
  });

  test("a schema with checks is validated by zod", async () => {
    expect(text(await client.callTool("checked", { n: 3 }))).toBe("3");
    const r = await client.callTool("checked", { n: 1.5 });
    expect(r.isError).toBe(true);
    expect(text(r)).toContain("Invalid arguments for tool checked: n: ");
  });
});
