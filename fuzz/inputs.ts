/**
 * One fuzz input for a message transport: a message of the connection's era (sometimes of the
 * other era, sometimes a batch), encoded and perhaps mutated, with the id it is owed an answer
 * for when it went out intact.
 */
import type { Rng } from "./prng.ts";
import { owedId } from "./check.ts";
import { encodeInput } from "./generators/mutations.ts";
import { batch, sessionMessage } from "./generators/session-messages.ts";
import { statelessMessage, type StatelessContext } from "./generators/stateless-messages.ts";

export type Era = "session" | "stateless";

/** An input: the message as generated, the bytes sent, and the id owed an answer (if any). */
export interface MessageInput {
  message: unknown;
  bytes: Uint8Array;
  owed?: string | number;
}

const encoder = new TextEncoder();

/** Draws one message of `era` (10% the other era's, 8% a batch) and encodes it. */
export function messageInput(rng: Rng, counter: number, era: Era, ctx: StatelessContext = {}): MessageInput {
  const one = (r: Rng, c: number) => ((era === "session") !== r.chance(0.1) ? sessionMessage(r, c) : statelessMessage(r, c, ctx));
  const message = rng.chance(0.08) ? batch(rng, counter, one) : one(rng, counter);
  const { bytes, intact, text } = encodeInput(rng, message);
  return { message, bytes, owed: intact ? owedId(message, text, bytes.length) : undefined };
}

/** The same bytes as one line for a newline-delimited stream (embedded newlines split it, as they would for a real client). */
export function asLine(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes.length + 1);
  out.set(bytes);
  out[bytes.length] = 10;
  return out;
}

/** The key an id is compared by (JSON spelling: -0 and 0 answer alike). */
export const idKey = (id: unknown) => JSON.stringify(id);

const decoder = new TextDecoder();

/**
 * The requestIds an input cancels, as the server reads them: the generated message's, and,
 * when the bytes were mutated, those of each line of the bytes that parses (a mutation can turn
 * `"requestId":5` into `-0.0e-0`, which cancels request 0, or `1E+2`, which cancels 100).
 */
export function sentCancellations(input: MessageInput): unknown[] {
  const ids = cancelledIds(input.message);
  if (ids.length === 0 || input.owed !== undefined) return ids;
  for (const line of decoder.decode(input.bytes).split(/\r?\n/)) {
    try {
      ids.push(...cancelledIds(JSON.parse(line)));
    } catch {
      /* unparseable: the server cancels nothing with it either */
    }
  }
  return ids;
}

/** The requestIds that notifications/cancelled messages in `message` (or its batch) name. */
function cancelledIds(message: unknown): unknown[] {
  const list = Array.isArray(message) ? message : [message];
  return list.flatMap((m) => {
    const msg = m as { method?: unknown; params?: { requestId?: unknown } } | null;
    return msg?.method === "notifications/cancelled" && typeof msg.params === "object" && msg.params !== null ? [msg.params.requestId] : [];
  });
}

export { encoder };
