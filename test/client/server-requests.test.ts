/**
 * What a 2025-era server may ask the client beyond the application's handlers: ping is
 * answered with an empty result, an unknown request with -32601; a list is followed across
 * pages, where an empty-string cursor is still a cursor and a repeated one is a loop.
 */
import { expect, test } from "bun:test";
import { fileURLToPath } from "node:url";
import { createClient } from "../../src/client/client.ts";
import { DISCOVER, result, startFake } from "./helpers.ts";

const FAKE_STDIO = fileURLToPath(new URL("../fixtures/client-fake-stdio.ts", import.meta.url));

test("ping gets {}, an unknown server request gets -32601", async () => {
  const client = createClient({ name: "c", version: "1" });
  try {
    await client.connect({ command: process.execPath, args: [FAKE_STDIO], env: { FAKE_MODE: "asks" } });
    const page = await client.listTools();
    expect(page._meta).toEqual({
      answers: {
        "s-ping": {},
        "s-odd": { error: { code: -32601, message: "Method not found: unknown/thing (this client declared no handler for it)" } },
      },
    });
  } finally {
    await client.close();
  }
});

test("listAll* follows every cursor, the empty string included, and refuses a loop", async () => {
  const pages: Record<string, { tools: { name: string; inputSchema: object }[]; nextCursor?: string }> = {
    start: { tools: [{ name: "a", inputSchema: { type: "object" } }], nextCursor: "" },
    "": { tools: [{ name: "b", inputSchema: { type: "object" } }], nextCursor: "p3" },
    p3: { tools: [{ name: "c", inputSchema: { type: "object" } }] },
    loop: { tools: [], nextCursor: "loop" },
  };
  let looping = false;
  const fake = startFake((m) => {
    if (m.method === "server/discover") return result(m, DISCOVER);
    const cursor: string | undefined = m.params?.cursor;
    return result(m, { resultType: "complete", ...pages[looping ? "loop" : cursor ?? "start"]! });
  });
  const client = createClient({ name: "c", version: "1" });
  try {
    await client.connect({ url: fake.url });
    expect((await client.listAllTools()).map((t) => t.name)).toEqual(["a", "b", "c"]);
    expect(fake.seen.filter((s) => s.body?.method === "tools/list").map((s) => s.body!.params.cursor)).toEqual([undefined, "", "p3"]);
    looping = true;
    await expect(client.listAllTools()).rejects.toMatchObject({ code: "peer_protocol_violation", message: 'the server\'s tools listing repeats cursor "loop"' });
  } finally {
    await client.close();
    fake.stop();
  }
});
