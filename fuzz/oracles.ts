/**
 * The oracles run after every batch: the appliance is alive; a fresh 2025 session
 * (initialize, tools/list) works; the long-lived session opened at the start still answers
 * ping; the stateless era (server/discover) answers; RSS stays under its bound and does not
 * keep growing from one batch to the next.
 */
import type { Appliance } from "./appliance.ts";
import { exchange } from "./http.ts";
import type { Problem } from "./check.ts";
import { envelope } from "./generators/stateless-messages.ts";

const JSON_HEADERS: [string, string][] = [
  ["content-type", "application/json"],
  ["accept", "application/json, text/event-stream"],
];
const ORACLE_TIMEOUT_MS = 15_000;

async function rpc(url: string, body: unknown, extra: [string, string][] = []): Promise<{ status: number; sid: string | null; message: Record<string, unknown> | undefined }> {
  const a = await exchange(url, { method: "POST", headers: [...JSON_HEADERS, ...extra], body: new TextEncoder().encode(JSON.stringify(body)) }, ORACLE_TIMEOUT_MS);
  const last = a.payloads.map((p) => JSON.parse(p) as Record<string, unknown>).find((m) => "result" in m || "error" in m);
  return { status: a.status, sid: a.headers.get("mcp-session-id"), message: last };
}

/** Opens a 2025-11-25 session over Streamable HTTP; resolves with its id. */
export async function openSession(url: string): Promise<string> {
  const init = await rpc(url, { jsonrpc: "2.0", id: "o-init", method: "initialize", params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "fuzz-oracle", version: "0" } } });
  if (init.status !== 200 || !init.sid || !init.message || !("result" in init.message)) throw new Error(`initialize: HTTP ${init.status} ${JSON.stringify(init.message)}`);
  const h: [string, string][] = [["mcp-session-id", init.sid], ["mcp-protocol-version", "2025-11-25"]];
  await rpc(url, { jsonrpc: "2.0", method: "notifications/initialized" }, h);
  return init.sid;
}

/** Ends a session (DELETE), so sessions the fuzzer opens do not pile up to http.maxSessions. */
export async function closeSession(url: string, sid: string): Promise<void> {
  await exchange(url, { method: "DELETE", headers: [["mcp-session-id", sid], ["mcp-protocol-version", "2025-11-25"]] }, ORACLE_TIMEOUT_MS).catch(() => undefined);
}

/** RSS across batches: the bound, and growth judged against the level after the first batches. */
export class RssWatch {
  private baseline = 0;
  private batches = 0;
  peak = 0;
  last = 0;

  constructor(private readonly boundBytes: number) {}

  /** Records one reading; returns a problem when over the bound or grown far past the baseline. */
  sample(rss: number): Problem | undefined {
    this.last = rss;
    this.peak = Math.max(this.peak, rss);
    // The baseline is taken once warm (after a few batches: JIT, pools, first sessions).
    if (++this.batches === 3) this.baseline = rss;
    if (rss > this.boundBytes) return { kind: "rss", detail: `RSS ${mb(rss)} MiB over the bound of ${mb(this.boundBytes)} MiB` };
    if (this.baseline && rss > this.baseline * 3 + 256 * 2 ** 20)
      return { kind: "rss", detail: `RSS grew from ${mb(this.baseline)} MiB (warm) to ${mb(rss)} MiB` };
    return undefined;
  }
}

const mb = (b: number) => Math.round(b / 2 ** 20);

/** Checks the appliance after a batch; the long-lived session id is the one opened at the start. */
export async function checkAppliance(app: Appliance, longLived: string | undefined, rss: RssWatch): Promise<Problem[]> {
  const problems: Problem[] = [];
  if (!app.alive()) return [{ kind: "crash", detail: `the appliance exited (code ${app.proc.exitCode}, signal ${app.proc.signalCode}); stderr: ${app.stderr().slice(-1500)}` }];
  const url = app.httpUrl;
  if (url) {
    try {
      const sid = await openSession(url);
      const list = await rpc(url, { jsonrpc: "2.0", id: "o-list", method: "tools/list" }, [["mcp-session-id", sid], ["mcp-protocol-version", "2025-11-25"]]);
      const tools = (list.message?.result as { tools?: unknown[] } | undefined)?.tools;
      if (!Array.isArray(tools) || tools.length === 0) problems.push({ kind: "oracle", detail: `fresh session: tools/list answered HTTP ${list.status} ${JSON.stringify(list.message).slice(0, 300)}` });
      await closeSession(url, sid);
    } catch (e) {
      problems.push({ kind: "oracle", detail: `fresh session failed: ${e instanceof Error ? e.message : String(e)}` });
    }
    if (longLived) {
      const ping = await rpc(url, { jsonrpc: "2.0", id: "o-ping", method: "ping" }, [["mcp-session-id", longLived], ["mcp-protocol-version", "2025-11-25"]]).catch((e) => ({ status: 0, message: { error: String(e) } }));
      if (ping.status !== 200 || !ping.message || !("result" in ping.message)) problems.push({ kind: "oracle", detail: `long-lived session: ping answered HTTP ${ping.status} ${JSON.stringify(ping.message).slice(0, 300)}` });
    }
    const discover = await rpc(url, { jsonrpc: "2.0", id: "o-discover", method: "server/discover", params: { _meta: envelope() } }, [["mcp-protocol-version", "2026-07-28"], ["mcp-method", "server/discover"]]).catch((e) => ({ status: 0, message: { error: String(e) } as Record<string, unknown> }));
    const versions = (discover.message?.result as { supportedVersions?: unknown } | undefined)?.supportedVersions;
    if (!Array.isArray(versions)) problems.push({ kind: "oracle", detail: `stateless server/discover answered HTTP ${discover.status} ${JSON.stringify(discover.message).slice(0, 300)}` });
  }
  const over = rss.sample(app.rss());
  if (over) problems.push(over);
  return problems;
}
