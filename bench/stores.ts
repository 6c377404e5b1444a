/**
 * What the async-capable store interface costs when the store is in memory: append + replay
 * on the memory event store, the way the SSE streams use it, through
 *
 *   sync       the synchronous API as it was: `append` returns a number, used at once
 *   maybe      the EventStore interface (T | Promise<T>) as the streams take it: a typeof
 *              check on append, `whenDone` on replay; no promise made for a plain value
 *   stream     the real path: LogicalStream.send on streams with an attached connection
 *              (a stand-in that only counts events), next to the old LogicalStream.send with
 *              the synchronous store (`sync-stream`, copied line for line)
 *   await      what the interface avoids: an `await` on every call of the same store
 *
 *   bun bench/stores.ts [SECONDS]   (default 1 s per variant and round; 5 rounds, alternating)
 *
 * Runs in under 30 s at the default. Prints ns per operation (one append; the first three
 * also replay the last 8 events every 16 appends): the median and the best of the rounds.
 */
import type { EventStore, StoredEvent } from "../src/store/event-store.ts";
import { MemoryEventStore } from "../src/store/memory-event-store.ts";
import type { SseConnection } from "../src/transport/sse.ts";
import { StreamHub } from "../src/transport/streamable-http.ts";
import { whenDone } from "../src/util/maybe-promise.ts";

const seconds = Number(process.argv[2] ?? 1);
if (!(seconds > 0 && seconds <= 5)) {
  console.error(`stores: SECONDS must be in (0, 5], not ${process.argv[2]}`);
  process.exit(2);
}
const ROUNDS = 5;
const STREAMS = 1000;
const BATCH = 4096;
const DATA = JSON.stringify({ jsonrpc: "2.0", method: "notifications/resources/updated", params: { uri: "test://static-text" } });
const KEYS = Array.from({ length: STREAMS }, (_, i) => `session-${i}/g`);
const fresh = () => new MemoryEventStore({ maxEventsPerStream: 1000, maxStreams: 100_000 });

/** Sink for results, so no work is optimised away. */
let sink = 0;
const count = (events: StoredEvent[] | null): void => {
  sink += events?.length ?? 0;
};

/** A connection that only counts what it is sent: the transport is not what is measured. */
const connection: SseConnection = {
  response: new Response(null),
  event: (data) => ((sink += data.length), true),
  prime: () => {},
  retry: () => {},
  comment: () => {},
  close: () => {},
  onClose: () => {},
  closed: false,
};

type Variant = { name: string; batch(n: number): void | Promise<void> };

function syncVariant(): Variant {
  const store = fresh();
  let i = 0;
  return {
    name: "sync",
    batch(n) {
      for (let k = 0; k < n; k++, i++) {
        const key = KEYS[i % STREAMS]!;
        const seq: number = store.append(key, DATA);
        sink += seq;
        if ((i & 15) === 0) count(store.replay(key, seq > 8 ? seq - 8 : 0));
      }
    },
  };
}

function maybeVariant(): Variant {
  const store: EventStore = fresh();
  let i = 0;
  return {
    name: "maybe",
    batch(n) {
      for (let k = 0; k < n; k++, i++) {
        const key = KEYS[i % STREAMS]!;
        const seq = store.append(key, DATA);
        if (typeof seq !== "number") throw new Error("the memory store answers at once");
        sink += seq;
        if ((i & 15) === 0) whenDone(store.replay(key, seq > 8 ? seq - 8 : 0), count);
      }
    },
  };
}

function awaitVariant(): Variant {
  const store: EventStore = fresh();
  let i = 0;
  return {
    name: "await",
    async batch(n) {
      for (let k = 0; k < n; k++, i++) {
        const key = KEYS[i % STREAMS]!;
        const seq = await store.append(key, DATA);
        sink += seq;
        if ((i & 15) === 0) count(await store.replay(key, seq > 8 ? seq - 8 : 0));
      }
    },
  };
}

/** LogicalStream.send as it is, on streams with a connection attached. */
function streamVariant(): Variant {
  const store = fresh();
  const streams = KEYS.map((_, s) => {
    const hub = new StreamHub(`session-${s}`, { store, retryMs: 1000 });
    hub.standalone.attach(connection);
    return hub.standalone;
  });
  let i = 0;
  return {
    name: "stream",
    batch(n) {
      for (let k = 0; k < n; k++, i++) streams[i % STREAMS]!.send(DATA);
    },
  };
}

/**
 * LogicalStream.send as it was with the synchronous store, line for line (the connection,
 * the key, the id), on the same streams: the baseline of `stream`.
 */
class SyncStream {
  private connection: SseConnection | undefined;
  private seq = 0;
  private undeliveredFrom = 0;

  constructor(
    private readonly hub: { sessionKey: string; store: MemoryEventStore | undefined },
    readonly id: string,
  ) {}

  get key(): string {
    return `${this.hub.sessionKey}/${this.id}`;
  }

  private get live(): SseConnection | undefined {
    if (this.connection?.closed) this.connection = undefined;
    return this.connection;
  }

  attach(connection: SseConnection): void {
    this.connection = connection;
    this.undeliveredFrom = 0;
  }

  send(data: string): void {
    const store = this.hub.store;
    const seq = store ? store.append(this.key, data) : ++this.seq;
    const connection = this.live;
    if (connection) connection.event(data, store ? `${this.id}_${seq}` : undefined);
    else if (this.undeliveredFrom === 0) this.undeliveredFrom = seq;
  }
}

function syncStreamVariant(): Variant {
  const store = fresh();
  const streams = KEYS.map((_, s) => {
    const stream = new SyncStream({ sessionKey: `session-${s}`, store }, "g");
    stream.attach(connection);
    return stream;
  });
  let i = 0;
  return {
    name: "sync-stream",
    batch(n) {
      for (let k = 0; k < n; k++, i++) streams[i % STREAMS]!.send(DATA);
    },
  };
}

/** Runs `v` for about `seconds`; ns per operation. */
async function measure(v: Variant): Promise<number> {
  const deadline = performance.now() + seconds * 1000;
  let ops = 0;
  const started = performance.now();
  while (performance.now() < deadline) {
    const r = v.batch(BATCH);
    if (r instanceof Promise) await r;
    ops += BATCH;
  }
  return ((performance.now() - started) * 1e6) / ops;
}

const makers = [syncVariant, maybeVariant, syncStreamVariant, streamVariant, awaitVariant];
const variants = makers.map((make) => make());
// Warm-up: every variant past JSC's lower tiers before anything is counted.
for (const v of variants) for (let w = 0; w < 100; w++) {
  const r = v.batch(BATCH);
  if (r instanceof Promise) await r;
}
const results = new Map<string, number[]>(variants.map((v) => [v.name, []]));
for (let round = 0; round < ROUNDS; round++) for (const v of variants) results.get(v.name)!.push(await measure(v));

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const best = (xs: number[]) => Math.min(...xs);
const against = (name: string): string | undefined => (name === "stream" ? "sync-stream" : name === "maybe" || name === "await" ? "sync" : undefined);
console.log(`memory event store, ${STREAMS} streams; median and best of ${ROUNDS} rounds of ${seconds} s per variant, alternating`);
for (const [name, xs] of results) {
  const base = against(name);
  const ratio = base ? `  ${(median(xs) / median(results.get(base)!)).toFixed(2)}× ${base} (best: ${(best(xs) / best(results.get(base)!)).toFixed(2)}×)` : "";
  console.log(`${name.padEnd(12)} median ${median(xs).toFixed(1).padStart(6)} ns/op, best ${best(xs).toFixed(1).padStart(6)}${ratio}`);
}
if (sink === 0) console.log("(nothing measured)");
