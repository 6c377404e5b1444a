/**
 * Shared pieces of the reconnection suites: patient waits for a loaded 2-core machine, and a
 * client that records its reconnection events and can hold a call in flight.
 */
import { createClient, type McpClient, type ReconnectEvent, type ReconnectPolicy } from "../../src/index.ts";

/** A test that starts an appliance twice and waits through backoffs gets this long. */
export const SLOW_TEST_MS = 90_000;
/** How long any awaited step may take on a loaded 2-core machine. */
export const PATIENCE_MS = 20_000;
export const RECONNECT: ReconnectPolicy = { maxAttempts: 60, initialDelayMs: 50, maxDelayMs: 500 };

/** Resolves once `check` holds; fails naming `what` after PATIENCE_MS. */
export async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + PATIENCE_MS;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`gave up after ${PATIENCE_MS} ms waiting for ${what}`);
    await Bun.sleep(20);
  }
}

/** `p`'s rejection, failing the test if it resolves or takes longer than PATIENCE_MS. */
export async function rejection(p: Promise<unknown>, what: string): Promise<unknown> {
  const outcome = await Promise.race([p.then(() => "resolved", (e: unknown) => ({ error: e })), Bun.sleep(PATIENCE_MS).then(() => "timed out")]);
  if (typeof outcome === "string") throw new Error(`${what} ${outcome} instead of failing`);
  return outcome.error;
}

/** A client that records its reconnection events; its elicitation handler holds calls in flight until released. */
export function recordingClient(era: "session" | "stateless", clients: McpClient[], reconnect: ReconnectPolicy = RECONNECT) {
  let release: (() => void) | undefined;
  const asked = { count: 0 };
  const client = createClient({
    name: "reconnect-test",
    version: "1.0.0",
    era,
    reconnect,
    requestTimeoutMs: 0,
    handlers: {
      elicitation: () => {
        asked.count++;
        return new Promise((resolve) => (release = () => resolve({ action: "decline" })));
      },
    },
  });
  clients.push(client);
  const events: ReconnectEvent[] = [];
  client.onReconnect((e) => events.push(e));
  return { client, events, asked, release: () => release?.() };
}

export const types = (events: ReconnectEvent[]) => events.map((e) => e.type);
export const SIMPLE_TEXT = [{ type: "text" as const, text: "This is a simple text response for testing." }];
export const echo = async (client: McpClient) => (await client.callTool("test_simple_text")).content;
