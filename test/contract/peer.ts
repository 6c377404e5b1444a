/**
 * A raw client with JSON-RPC bookkeeping for the contract suites: its own request ids,
 * waits for responses and notifications, and the 2025 handshake.
 */
import { STATE_URI } from "../fixtures/extra-tools.ts";
import type { Msg, RawClient } from "./clients.ts";

export const LATEST = "2025-11-25";

/** A raw client with request ids of its own and the 2025 handshake done. */
export class Peer {
  private id = 0;
  constructor(readonly raw: RawClient) {}

  /** Sends a request; resolves with its response (a result or an error). */
  async request(method: string, params?: Record<string, unknown>, timeoutMs = 3000): Promise<Msg> {
    const id = `r${++this.id}`;
    await this.raw.send({ jsonrpc: "2.0", id, method, ...(params ? { params } : {}) });
    return this.response(id, timeoutMs);
  }

  /** The response to `id`, once it arrives. */
  response(id: string | number, timeoutMs = 3000): Promise<Msg> {
    return this.raw.next((m) => m.id === id && !("method" in m), `the response to ${JSON.stringify(id)}`, timeoutMs);
  }

  /** Sends a request without waiting; returns its id. */
  async start(method: string, params?: Record<string, unknown>): Promise<string> {
    const id = `r${++this.id}`;
    await this.raw.send({ jsonrpc: "2.0", id, method, ...(params ? { params } : {}) });
    return id;
  }

  notify(method: string, params?: Record<string, unknown>): Promise<void> {
    return this.raw.send({ jsonrpc: "2.0", method, ...(params ? { params } : {}) });
  }

  /** The next notification of `method` (optionally matching `match` on its params). */
  notification(method: string, match: (params: Msg) => boolean = () => true, timeoutMs = 3000): Promise<Msg> {
    return this.raw.next((m) => m.method === method && !("id" in m) && match(m.params ?? {}), `a ${method} notification`, timeoutMs);
  }

  /** Every notification of `method` received so far, in arrival order. */
  notifications(method: string): Msg[] {
    return this.raw.received.filter((m) => m.method === method && !("id" in m));
  }

  /** Responses received for `id` so far (a cancelled request must have none). */
  responsesTo(id: string): Msg[] {
    return this.raw.received.filter((m) => m.id === id && !("method" in m));
  }
}

/** initialize (with `capabilities`), then notifications/initialized. Returns the initialize response. */
export async function handshake(p: Peer, capabilities: Record<string, unknown> = {}, protocolVersion = LATEST): Promise<Msg> {
  const init = await p.request("initialize", { protocolVersion, capabilities, clientInfo: { name: "contract-client", version: "1.0.0" } });
  await p.notify("notifications/initialized");
  return init;
}

/** The fixture's observations, read over the same connection. */
export async function fixtureState(p: Peer): Promise<{ aborted: string[] }> {
  const r = await p.request("resources/read", { uri: STATE_URI });
  return JSON.parse(r.result.contents[0].text);
}

