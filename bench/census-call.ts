/**
 * Heap census of one request: the objects a `tools/call` allocates on the stream path
 * (frame in → decode → session → tool → answer out), by type, next to a bare JSON echo.
 * Fewer objects per request mean fewer collections, and in a VM fewer page faults.
 *
 *   bun bench/census-call.ts [WARM]   WARM passes of 20,000 calls before counting (default 30)
 *
 * Counted twice: right after start (JSC's lower tiers still allocate what its top tier later
 * sinks, closures' scope objects for one) and after WARM passes. No sockets: a channel that
 * only counts frames stands in for the transport. Ends by itself in a few seconds.
 */
import { heapStats } from "bun:jsc";
import { createServer } from "../src/index.ts";
import { attachChannel } from "../src/serve/attach.ts";
import type { Channel } from "../src/transport/channel.ts";
import { HEAD, initializeFrame, INITIALIZED, prepare } from "./load/mcp.ts";
import { installBenchProfile } from "./profile.ts";

const CALLS = 20_000;
const warm = Number(process.argv[2] ?? 30);
if (!Number.isInteger(warm) || warm < 0) {
  console.error(`census-call: WARM must be a whole number of passes, not ${process.argv[2]}`);
  process.exit(2);
}

const server = createServer({ name: "census", version: "1" });
installBenchProfile(server);
let onFrame: (frame: string) => void = () => {};
let sent = 0;
const channel: Channel = { closed: false, send: () => (sent++, true), onFrame: (h) => void (onFrame = h), onClose: () => {}, close: () => {} };
attachChannel(server, channel);
onFrame(initializeFrame(0));
onFrame(INITIALIZED);
const tail = prepare("call", "2025").tail;

/**
 * Objects of each type allocated per call by `run`. The frames are made before counting, as
 * a transport hands them over; a collection in between would hide the dead, so a weakly held
 * canary proves there was none.
 */
async function census(run: (frame: string) => void): Promise<[string, number][]> {
  const frames = Array.from({ length: CALLS }, (_, i) => Buffer.from(HEAD + (i + 1) + tail).toString());
  Bun.gc(true);
  const canary = new WeakRef({});
  const before = heapStats().objectTypeCounts as Record<string, number>;
  for (let i = 0; i < CALLS; i++) {
    run(frames[i]!);
    if ((i & 15) === 15) await 0;
  }
  const after = heapStats().objectTypeCounts as Record<string, number>;
  if (!canary.deref()) throw new Error("census-call: a collection ran while counting; the figures would be low");
  return Object.keys(after)
    .map((type): [string, number] => [type, (after[type]! - (before[type] ?? 0)) / CALLS])
    .filter(([, n]) => n >= 0.05)
    .sort((a, b) => b[1] - a[1]);
}

function echo(text: string): string {
  const request = JSON.parse(text) as { id: number; params: { arguments: { text: string } } };
  return JSON.stringify({ jsonrpc: "2.0", id: request.id, result: { content: [{ type: "text", text: request.params.arguments.text }] } });
}

const print = (title: string, rows: [string, number][]) => {
  console.log(`${title}: ${rows.reduce((s, [, n]) => s + n, 0).toFixed(1)} objects per call`);
  for (const [type, n] of rows) console.log(`  ${n.toFixed(2).padStart(6)}  ${type}`);
};

const call = (frame: string) => onFrame(frame);
print("erlmcp, cold", await census(call));
for (let pass = 0; pass < warm; pass++) await census(call);
print(`erlmcp, after ${warm * CALLS} calls`, await census(call));
print("bare JSON echo", await census((frame) => channel.send(echo(frame))));
if (sent < CALLS * (warm + 3)) throw new Error(`only ${sent} answers went out`);
