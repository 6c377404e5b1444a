/**
 * Tasks extension (SEP-2663) tasks across shards: `erlmcp serve --shards 2`; a task created
 * on one shard is asked about (tasks/get) on a connection that landed on the other shard,
 * which routes it to the task's owner. Where a connection landed is read from the
 * x-erlmcp-shard of a server/discover sent first on that same connection (discover is
 * served where it lands; a routed answer names the shard that answered it).
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import net from "node:net";
import { startAppliance, type Appliance } from "../fixtures/cluster-appliance.ts";
import { headersFor, mreq, type Msg } from "../fixtures/modern-client.ts";

const WITH_TASKS = { extensions: { "io.modelcontextprotocol/tasks": {} } };
let app: Appliance;
beforeAll(async () => {
  app = await startAppliance(["--shards", "2", "--profile", "everything"]);
});
afterAll(() => app.stop());

let seq = 0;
const request = (method: string, params: Msg, url: URL, last: boolean) => {
  const body = mreq(`c${++seq}`, method, params, WITH_TASKS);
  const text = JSON.stringify(body);
  const headers = { ...headersFor(body), host: url.host, connection: last ? "close" : "keep-alive", "content-length": String(Buffer.byteLength(text)) };
  return `POST ${url.pathname} HTTP/1.1\r\n${Object.entries(headers).map(([k, v]) => `${k}: ${v}`).join("\r\n")}\r\n\r\n${text}`;
};

interface Reply {
  shard: string | null;
  body: Msg;
}

/** The complete HTTP/1.1 answers in one connection's bytes so far (Content-Length or chunked; JSON or SSE). */
function replies(raw: string): Reply[] {
  const out: Reply[] = [];
  let at = 0;
  for (;;) {
    const split = raw.indexOf("\r\n\r\n", at);
    if (split < 0) return out;
    const head = raw.slice(at, split);
    let i = split + 4;
    let payload = "";
    const length = /content-length: (\d+)/i.exec(head);
    if (length) {
      if (raw.length < i + Number(length[1])) return out;
      payload = raw.slice(i, (i += Number(length[1])));
    } else
      for (;;) {
        const eol = raw.indexOf("\r\n", i);
        if (eol < 0) return out;
        const size = parseInt(raw.slice(i, eol), 16);
        if (raw.length < eol + 2 + size + 2) return out;
        payload += raw.slice(eol + 2, eol + 2 + size);
        i = eol + 2 + size + 2;
        if (size === 0) break;
      }
    at = i;
    const data = /text\/event-stream/i.test(head) ? payload.split("\n").filter((l) => l.startsWith("data:")).map((l) => l.slice(5)).at(-1)! : payload;
    out.push({ shard: /x-erlmcp-shard: (\S+)/i.exec(head)?.[1] ?? null, body: JSON.parse(data) as Msg });
  }
}

/** Sends `methods` in order on one new TCP connection (the last closes it); their answers. */
function exchange(calls: [string, Msg][]): Promise<Reply[]> {
  const url = new URL(app.url);
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host: url.hostname, port: Number(url.port) });
    const chunks: Buffer[] = [];
    let sent = 0;
    const timer = setTimeout(() => (sock.destroy(), reject(new Error("no answer in 15 s"))), 15_000);
    const next = () => sock.write(request(calls[sent]![0], calls[sent]![1], url, ++sent === calls.length));
    sock.on("connect", next);
    sock.on("data", (d: Buffer) => {
      chunks.push(d);
      // One answer per request: send the next once this one is complete.
      if (sent < calls.length && replies(Buffer.concat(chunks).toString("utf8")).length === sent) next();
    });
    sock.on("error", reject);
    sock.on("close", () => {
      clearTimeout(timer);
      resolve(replies(Buffer.concat(chunks).toString("utf8")));
    });
  });
}

/** A connection that landed on a shard other than `not`: tasks/get `taskId` asked on it. */
async function askElsewhere(not: string, taskId: string): Promise<Reply> {
  for (let tries = 0; tries < 200; tries++) {
    const [here, answer] = await exchange([["server/discover", {}], ["tasks/get", { taskId }]]);
    if (here!.shard !== null && here!.shard !== not) return answer!;
  }
  throw new Error(`200 connections all landed on shard ${not}`);
}

test("tasks/get on the other shard answers for a task running, then finished, on its owner", async () => {
  const [created] = await exchange([["tools/call", { name: "slow_compute", arguments: { seconds: 1, label: "x" } }]]);
  const owner = created!.shard!;
  expect(owner).not.toBeNull();
  const taskId = created!.body.result!.taskId as string;
  expect(created!.body.result!.resultType).toBe("task");

  const running = await askElsewhere(owner, taskId);
  expect(running.body.error).toBeUndefined();
  expect(running.body.result).toMatchObject({ taskId, resultType: "complete" });
  expect(["working", "completed"]).toContain(running.body.result!.status as string);

  const deadline = Date.now() + 20_000;
  for (;;) {
    const r = await askElsewhere(owner, taskId);
    if (r.body.result?.status === "completed") {
      expect((r.body.result.result as Msg).content[0].text).toBe("Computed x after 1s");
      break;
    }
    if (Date.now() > deadline) throw new Error(`task never completed: ${JSON.stringify(r.body)}`);
    await Bun.sleep(100);
  }
  // An id nobody issued is -32602 wherever it lands.
  const unknown = await askElsewhere(owner, `${taskId.slice(0, -4)}zzzz`);
  expect(unknown.body.error?.code).toBe(-32602);
});
