/**
 * The 2026-07-28 task limits over real HTTP: limits.maxTasksPerCaller bounds the tasks a
 * caller has running (anonymous callers by their address, so two anonymous clients do not
 * share one allowance; tasks that ended do not count), and limits.maxTasks bounds the
 * records a shard keeps, finished ones included. Clients at distinct loopback addresses
 * (127.0.0.x) are real TCP connections bound to those addresses.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import net from "node:net";
import { z } from "zod";
import { startHttp, type Harness } from "../fixtures/http-harness.ts";
import { headersFor, mreq, type Msg } from "../fixtures/modern-client.ts";

const WITH_TASKS = { extensions: { "io.modelcontextprotocol/tasks": {} } };
const gates = new Map<string, () => void>();
let h: Harness;
beforeAll(() => {
  h = startHttp({
    everything: false,
    limits: { maxTasksPerCaller: 2, maxTasks: 6 },
    setup: (server) =>
      server.tool("hold", { description: "Runs until the test releases it", input: z.object({ key: z.string() }), taskSupport: "required" }, async ({ key }) => {
        await new Promise<void>((resolve) => gates.set(key, resolve));
        return `released ${key}`;
      }),
  });
});
afterAll(async () => {
  for (const release of gates.values()) release();
  await h.stop();
});

let seq = 0;
/** One 2026-07-28 POST over a fresh connection from `from` (a 127.0.0.x address); its JSON-RPC answer. */
function postFrom(from: string, method: string, params: Msg): Promise<Msg> {
  const body = mreq(`l${++seq}`, method, params, WITH_TASKS);
  const text = JSON.stringify(body);
  const headers = { ...headersFor(body), host: h.authority, connection: "close", "content-length": String(Buffer.byteLength(text)) };
  const head = `POST ${h.url.pathname} HTTP/1.1\r\n${Object.entries(headers).map(([k, v]) => `${k}: ${v}`).join("\r\n")}\r\n\r\n`;
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host: "127.0.0.1", port: Number(h.url.port), localAddress: from });
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => (sock.destroy(), reject(new Error(`${method} from ${from}: no answer in 10 s`))), 10_000);
    sock.on("connect", () => sock.write(head + text));
    sock.on("data", (d: Buffer) => chunks.push(d));
    sock.on("error", reject);
    sock.on("close", () => {
      clearTimeout(timer);
      const raw = Buffer.concat(chunks).toString("utf8");
      const split = raw.indexOf("\r\n\r\n");
      let payload = raw.slice(split + 4);
      if (/transfer-encoding: chunked/i.test(raw.slice(0, split))) payload = dechunk(payload);
      try {
        resolve(JSON.parse(payload) as Msg);
      } catch {
        reject(new Error(`${method} from ${from}: not JSON: ${raw}`));
      }
    });
  });
}
function dechunk(s: string): string {
  let out = "";
  for (let i = 0; ; ) {
    const eol = s.indexOf("\r\n", i);
    const size = parseInt(s.slice(i, eol), 16);
    if (!size) return out;
    out += s.slice(eol + 2, eol + 2 + size);
    i = eol + 2 + size + 2;
  }
}
const hold = (from: string, key: string) => postFrom(from, "tools/call", { name: "hold", arguments: { key } });
/** Releases a held task and waits (generous deadline) until tasks/get shows it completed. */
async function finish(from: string, key: string, taskId: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (!gates.has(key)) {
    if (Date.now() > deadline) throw new Error(`task ${key} never started`);
    await Bun.sleep(20);
  }
  gates.get(key)!();
  for (;;) {
    const t = (await postFrom(from, "tasks/get", { taskId })).result;
    if (t?.status === "completed") return;
    if (Date.now() > deadline) throw new Error(`task ${key} never completed: ${JSON.stringify(t)}`);
    await Bun.sleep(50);
  }
}

describe("2026-07-28 task limits", () => {
  const ids: Record<string, string> = {};

  test("an anonymous caller runs at most limits.maxTasksPerCaller tasks; another anonymous address has its own allowance", async () => {
    for (const key of ["a1", "a2"]) {
      const r = await hold("127.0.0.1", key);
      expect(r.result?.resultType).toBe("task");
      ids[key] = r.result.taskId;
    }
    const refused = await hold("127.0.0.1", "a3");
    expect(refused.error?.data?.limit).toBe("limits.maxTasksPerCaller");
    expect(refused.error?.message).toContain("limits.maxTasksPerCaller is 2");
    const other = await hold("127.0.0.2", "b1");
    expect(other.result?.resultType).toBe("task");
    ids.b1 = other.result.taskId;
  });

  test("tasks that ended no longer count against the caller's running tasks", async () => {
    await finish("127.0.0.1", "a1", ids.a1!);
    await finish("127.0.0.1", "a2", ids.a2!);
    for (const key of ["a4", "a5"]) expect((await hold("127.0.0.1", key)).result?.resultType).toBe("task");
    expect((await hold("127.0.0.1", "a6")).error?.data?.limit).toBe("limits.maxTasksPerCaller");
  });

  test("limits.maxTasks bounds the records a shard keeps, finished ones included, whoever asks", async () => {
    // Kept now: a1, a2 (finished), a4, a5, b1 (running): 5 of 6.
    expect((await hold("127.0.0.3", "c1")).result?.resultType).toBe("task");
    const refused = await hold("127.0.0.4", "d1");
    expect(refused.error?.data?.limit).toBe("limits.maxTasks");
    // The finished tasks are still there to read.
    expect((await postFrom("127.0.0.1", "tasks/get", { taskId: ids.a1! })).result?.result?.content?.[0]?.text).toBe("released a1");
  });
});
