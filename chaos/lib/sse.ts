/**
 * Raw Streamable HTTP pieces the load clients hide: a 2025 session opened by hand, and a
 * standalone GET stream whose event ids we watch, so a scenario can resume it with
 * Last-Event-ID and check that no event was skipped.
 */

const JSON_HEADERS = { "content-type": "application/json", accept: "application/json, text/event-stream", "mcp-protocol-version": "2025-11-25" };

/** POSTs one JSON-RPC message on a fresh connection; returns status, shard and body text. */
export async function postRaw(url: string, message: unknown, sid?: string): Promise<{ status: number; shard: string | null; sid: string | null; text: string }> {
  const headers: Record<string, string> = { ...JSON_HEADERS, connection: "close" };
  if (sid) headers["mcp-session-id"] = sid;
  const r = await fetch(url, { method: "POST", headers, body: JSON.stringify(message), keepalive: false, signal: AbortSignal.timeout(10_000) });
  return { status: r.status, shard: r.headers.get("x-erlmcp-shard"), sid: r.headers.get("mcp-session-id"), text: await r.text() };
}

/** initialize + initialized; the session id and the shard that owns it. */
export async function openSession(url: string): Promise<{ sid: string; owner: string | null }> {
  const init = await postRaw(url, { jsonrpc: "2.0", id: 0, method: "initialize", params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "chaos", version: "1" } } });
  if (init.status !== 200 || !init.sid) throw new Error(`initialize failed: ${init.status} ${init.text.slice(0, 300)}`);
  await postRaw(url, { jsonrpc: "2.0", method: "notifications/initialized" }, init.sid);
  return { sid: init.sid, owner: init.shard };
}

/** An event id `<stream>_<seq>` split; undefined when it has another shape. */
export function eventSeq(id: string): { stream: string; seq: number } | undefined {
  const cut = id.lastIndexOf("_");
  const seq = Number(id.slice(cut + 1));
  return cut > 0 && Number.isInteger(seq) ? { stream: id.slice(0, cut), seq } : undefined;
}

/** A GET stream being read: the event ids seen so far, and how it ended. */
export interface WatchedStream {
  readonly status: number;
  readonly ids: string[];
  /** Resolves when the stream ends or breaks (with why). */
  readonly ended: Promise<string>;
  close(): void;
}

/** Opens the session's standalone GET stream (resuming after `lastEventId` if given) and records event ids. */
export async function watchStream(url: string, sid: string, lastEventId?: string): Promise<WatchedStream> {
  const headers: Record<string, string> = { accept: "text/event-stream", "mcp-session-id": sid, "mcp-protocol-version": "2025-11-25", connection: "close" };
  if (lastEventId) headers["last-event-id"] = lastEventId;
  const controller = new AbortController();
  const r = await fetch(url, { headers, signal: controller.signal, keepalive: false });
  const ids: string[] = [];
  const ended = (async () => {
    if (!r.ok || !r.body) return `status ${r.status}`;
    const decoder = new TextDecoder();
    let buffer = "";
    try {
      for await (const chunk of r.body) {
        buffer += decoder.decode(chunk, { stream: true });
        let cut: number;
        while ((cut = buffer.indexOf("\n\n")) >= 0) {
          const block = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          const id = /^id: ?(.+)$/m.exec(block)?.[1];
          // Priming events carry an id and no data: they are positions, not events to count.
          if (id && /^data: ?\S/m.test(block)) ids.push(id.trim());
        }
      }
      return "ended";
    } catch (e) {
      return controller.signal.aborted ? "closed by us" : `broken: ${e instanceof Error ? e.message : String(e)}`;
    }
  })();
  return { status: r.status, ids, ended, close: () => controller.abort() };
}
