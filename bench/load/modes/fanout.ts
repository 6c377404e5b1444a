/**
 * Fan-out: every client is a 2025 session subscribed to the ticker resource; the harness
 * triggers one resources/updated per round and this worker timestamps each delivery with a
 * wall clock shared by every process on the machine. Arrival k at a subscriber belongs to
 * round k. When all of this worker's subscribers have round r, it tells the harness, which
 * then starts the next round; at the end the harness sends each round's send time.
 */
import { HttpMcpClient } from "../client-http.ts";
import { openClient, type ClientSpec, type McpClient } from "../client.ts";
import { Histogram } from "../histogram.ts";
import { prepare } from "../mcp.ts";
import { wallMs, type Tally } from "../protocol.ts";
import { openAll } from "./schedule.ts";

const OPEN_PARALLEL = 64;
const UPDATED = "notifications/resources/updated";

/** A worker's subscribers. */
export class Subscribers {
  private clients: McpClient[] = [];
  /** arrivals[r] = wall-clock delivery times of round r. */
  private readonly arrivals: number[][] = [];

  constructor(
    private readonly specs: ClientSpec[],
    private readonly onRoundComplete: (round: number) => void,
  ) {}

  /** Opens and subscribes every client. */
  async open(): Promise<{ opened: number; failed: Record<string, number> }> {
    const subscribe = prepare("subscribe", "2025");
    const { opened, failed } = await openAll(this.specs.length, OPEN_PARALLEL, async (i) => {
      const client = await openClient(this.specs[i]!);
      const error = await client.call(subscribe);
      if (error) throw new Error(`subscribe: ${error}`);
      let round = 0;
      client.onNotification = (message) => {
        if (message.method !== UPDATED) return;
        const at = wallMs();
        const r = round++;
        (this.arrivals[r] ??= []).push(at);
        if (this.arrivals[r]!.length === this.clients.length) this.onRoundComplete(r);
      };
      if (client instanceof HttpMcpClient) await client.holdStream();
      return client;
    });
    this.clients = opened;
    return { opened: opened.length, failed };
  }

  /** Delivery latencies of every round, given each round's send time. */
  finish(sentAt: number[]): { tally: Tally; lastArrival: number[] } {
    const histogram = new Histogram();
    const errors: Record<string, number> = {};
    const lastArrival: number[] = [];
    sentAt.forEach((sent, r) => {
      const got = this.arrivals[r] ?? [];
      for (const at of got) histogram.recordMs(at - sent);
      lastArrival.push(got.length ? Math.max(...got) : Number.NaN);
      if (got.length < this.clients.length) errors["not delivered"] = (errors["not delivered"] ?? 0) + this.clients.length - got.length;
    });
    return { tally: { ok: histogram.count, errors, latency: histogram.toJSON(), windowMs: 0 }, lastArrival };
  }

  /** Ends every session, a few at a time. */
  async close(): Promise<void> {
    const clients = this.clients.splice(0);
    await openAll(clients.length, OPEN_PARALLEL, (i) => clients[i]!.end());
  }
}
