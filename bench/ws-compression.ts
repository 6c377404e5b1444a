/**
 * What permessage-deflate (http.wsCompression) costs and saves on /ws, per message:
 *
 *   small   a ping answer (~40 bytes), below any threshold
 *   large   a tools/list of 200 tools (~60 KB of JSON: names, descriptions, schemas)
 *
 * for three set-ups: compression off; on with the client offering the extension; on with the
 * threshold at 0 (every frame compressed, the small one too). Bun's WebSocket client sends
 * one request at a time. Time and CPU are measured on a direct connection; CPU is this
 * process's (server and client together: the client inflates what the server deflates), so
 * the per-message figure is the system's cost. Bytes are counted on a second connection
 * through a TCP relay (the bytes the server sends, frame headers included).
 *
 *   nice -n 10 bun bench/ws-compression.ts [MESSAGES]   (default 2000 small, 200 large per round)
 *
 * Three rounds, set-ups alternating; prints the median of the rounds. Bounded: about 20 s
 * on a loaded 2-core machine; a hard limit stops it at 120 s.
 */
import { createServer } from "../src/create-server.ts";
import { listenHttp } from "../src/serve/http/listener.ts";

const SMALL = Number(process.argv[2] ?? 2000);
const LARGE = Math.max(10, Math.round(SMALL / 10));
const ROUNDS = 3;
setTimeout(() => {
  console.error("ws-compression: past its 120 s limit; stopping");
  process.exit(124);
}, 120_000).unref();

/** Words for descriptions that vary as real ones do (a fixed seed: every run lists the same tools). */
const WORDS = "account address archive audit batch billing cache calendar catalog channel comment commit contact contract customer dashboard dataset deploy device document domain email event export feature file folder forecast graph group incident invoice issue job ledger license log meeting message metric note order payment pipeline policy price project query queue record release report repository request review role schedule schema secret server session shipment snapshot stock subscription task team template ticket token user vendor version volume warehouse webhook workflow".split(" ");
let seed = 42;
const word = () => WORDS[(seed = (seed * 1103515245 + 12345) % 2147483648) % WORDS.length]!;
const phrase = (n: number) => Array.from({ length: n }, word).join(" ");

const server = createServer({ name: "bench", version: "1.0.0", limits: { pageSize: 500 } });
for (let i = 0; i < 200; i++)
  server.tool(
    `${word()}_${word()}_${i}`,
    {
      description: `Finds the ${phrase(3)} for a ${phrase(2)}, filtered by ${phrase(4)}; returns ${phrase(5)}.`,
      input: { type: "object", properties: { [word()]: { type: "string", description: phrase(6) }, limit: { type: "integer", minimum: 1, maximum: 100 }, [word()]: { type: "string", enum: [word(), word(), word()] } }, required: ["limit"] },
    },
    () => ({ content: [{ type: "text", text: "ok" }] }),
  );

interface Setup {
  name: string;
  compression: boolean;
  minBytes: number;
  offer: boolean;
}
const SETUPS: Setup[] = [
  { name: "off", compression: false, minBytes: 1024, offer: true },
  { name: "on, threshold 1024", compression: true, minBytes: 1024, offer: true },
  { name: "on, threshold 0", compression: true, minBytes: 0, offer: true },
];

/** A TCP relay counting the bytes the server sends. */
async function relay(target: number) {
  let down = 0;
  const listener = Bun.listen<{ peer?: Awaited<ReturnType<typeof Bun.connect>>; pending: Uint8Array[] }>({
    hostname: "127.0.0.1",
    port: 0,
    socket: {
      async open(client) {
        client.data = { pending: [] };
        const peer = await Bun.connect({
          hostname: "127.0.0.1",
          port: target,
          socket: {
            data(_s, chunk) {
              down += chunk.length;
              client.write(chunk);
            },
            close: () => void client.end(),
          },
        });
        client.data.peer = peer;
        for (const p of client.data.pending) peer.write(p);
      },
      data(client, chunk) {
        if (client.data.peer) client.data.peer.write(chunk);
        else client.data.pending.push(new Uint8Array(chunk));
      },
      close: (client) => void client.data.peer?.end(),
    },
  });
  return { port: listener.port, bytes: () => down, stop: () => listener.stop(true) };
}

/** Round-trips `count` requests one at a time; returns µs, CPU µs and bytes down per message. */
async function measure(ws: WebSocket, bytes: () => number, method: string, count: number) {
  let waiting: ((data: string) => void) | undefined;
  ws.onmessage = (e) => waiting?.(String(e.data));
  const ask = (id: number) =>
    new Promise<string>((resolve) => {
      waiting = resolve;
      ws.send(`{"jsonrpc":"2.0","id":${id},"method":"${method}"}`);
    });
  for (let i = 0; i < 20; i++) await ask(i); // warm-up
  const b0 = bytes();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let size = 0;
  for (let i = 0; i < count; i++) size = (await ask(i)).length;
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return { usPerMsg: (ms * 1000) / count, cpuUsPerMsg: (cpu.user + cpu.system) / count, wirePerMsg: (bytes() - b0) / count, size };
}

/** A session on `port`, initialized. */
async function session(port: number, offer: boolean): Promise<WebSocket> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`, { protocols: ["mcp"], perMessageDeflate: offer });
  await new Promise<void>((resolve, reject) => {
    ws.onopen = () => resolve();
    ws.onerror = () => reject(new Error("WebSocket failed to open"));
  });
  ws.send(JSON.stringify({ jsonrpc: "2.0", id: "i", method: "initialize", params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "bench", version: "1" } } }));
  await new Promise((resolve) => (ws.onmessage = resolve));
  ws.send(JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" }));
  return ws;
}

async function run(setup: Setup) {
  const listener = listenHttp(server, { port: 0, wsCompression: setup.compression, wsCompressMinBytes: setup.minBytes });
  const port = Number(listener.url.port);
  const ws = await session(port, setup.offer);
  const none = () => 0;
  const small = await measure(ws, none, "ping", SMALL);
  const large = await measure(ws, none, "tools/list", LARGE);
  ws.close();
  const r = await relay(port);
  const counted = await session(r.port, setup.offer);
  const smallWire = (await measure(counted, r.bytes, "ping", 100)).wirePerMsg;
  const largeWire = (await measure(counted, r.bytes, "tools/list", 20)).wirePerMsg;
  counted.close();
  r.stop();
  await listener.stop();
  return { extension: ws.extensions, small: { ...small, wirePerMsg: smallWire }, large: { ...large, wirePerMsg: largeWire } };
}

type Row = Awaited<ReturnType<typeof run>>;
const rounds = new Map<string, Row[]>(SETUPS.map((s) => [s.name, []]));
for (let round = 0; round < ROUNDS; round++) for (const s of SETUPS) rounds.get(s.name)!.push(await run(s));

const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const f = (x: number, d = 1) => x.toFixed(d);
console.log(`permessage-deflate on /ws: ${SMALL} pings and ${LARGE} tools/list (200 tools) per round, ${ROUNDS} rounds, median`);
console.log("| set-up | negotiated | ping: bytes on the wire | ping: µs round trip | ping: CPU µs | tools/list: JSON bytes | tools/list: bytes on the wire | tools/list: µs round trip | tools/list: CPU µs |");
console.log("|---|---|---:|---:|---:|---:|---:|---:|---:|");
for (const s of SETUPS) {
  const rs = rounds.get(s.name)!;
  const m = (pick: (r: Row) => number) => median(rs.map(pick));
  console.log(
    `| ${s.name} | ${rs[0]!.extension ? "yes" : "no"} | ${f(m((r) => r.small.wirePerMsg), 0)} | ${f(m((r) => r.small.usPerMsg))} | ${f(m((r) => r.small.cpuUsPerMsg))} | ${rs[0]!.large.size} | ${f(m((r) => r.large.wirePerMsg), 0)} | ${f(m((r) => r.large.usPerMsg))} | ${f(m((r) => r.large.cpuUsPerMsg))} |`,
  );
}
process.exit(0);
