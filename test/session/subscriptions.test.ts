/**
 * The subscription registry behind resources/subscribe and subscriptions/listen, over real
 * requests: who is subscribed to what is recorded while the subscription lives and forgotten
 * when it ends, with a registry answering at once and one answering later; a registry that
 * fails to record a subscription fails the request, and the session then gets no updates.
 */
import { describe, expect, test } from "bun:test";
import { MemorySubscriptions } from "../../src/store/memory-subscriptions.ts";
import type { SubscriptionRegistry } from "../../src/store/subscriptions.ts";
import { HttpClient, SseReader, startHttp, waitFor } from "../fixtures/http-harness.ts";
import { mpost, mreq } from "../fixtures/modern-client.ts";
import { startModern } from "../fixtures/modern-server.ts";
import { later } from "../store/later.ts";

const URI = "test://static-text";
const OTHER = "test://static-binary";

const REGISTRIES: { name: string; open(): SubscriptionRegistry }[] = [
  { name: "memory registry", open: () => new MemorySubscriptions() },
  { name: "memory registry answering later", open: () => later(new MemorySubscriptions()) },
];

for (const { name, open } of REGISTRIES) {
  describe(`subscriptions with the ${name}`, () => {
    test("resources/subscribe records the session until unsubscribe or the session's end; updates reach it", async () => {
      const registry = open();
      const h = startHttp({ stores: { subscriptions: registry } });
      try {
        const c = await HttpClient.open(h);
        expect((await c.call("resources/subscribe", { uri: URI })).result).toEqual({});
        expect((await c.call("resources/subscribe", { uri: OTHER })).result).toEqual({});
        expect(await registry.subscribersOf(URI)).toEqual([c.sid]);
        expect(await registry.urisOf(c.sid)).toEqual([URI, OTHER]);
        const stream = new SseReader(await c.get());
        h.server.notifyResourceUpdated(URI);
        expect((await stream.messages(1))[0]!.message).toEqual({ jsonrpc: "2.0", method: "notifications/resources/updated", params: { uri: URI } });

        expect((await c.call("resources/unsubscribe", { uri: URI })).result).toEqual({});
        expect(await registry.subscribersOf(URI)).toEqual([]);
        h.server.notifyResourceUpdated(URI);
        expect(await stream.quiet(150)).toBe(true);

        expect((await c.delete()).status).toBe(204);
        expect(await registry.urisOf(c.sid)).toEqual([]);
        expect(await registry.subscribersOf(OTHER)).toEqual([]);
      } finally {
        await h.stop();
      }
    });

    test("a listen stream's resourceSubscriptions are recorded until the stream ends", async () => {
      const registry = open();
      const s = startModern({ runtime: { stores: { subscriptions: registry } } });
      try {
        const r = await mpost(s.url, mreq("listen-1", "subscriptions/listen", { notifications: { resourceSubscriptions: [URI, OTHER] } }));
        const stream = new SseReader(r);
        await stream.messages(1);
        const [subscriber] = await registry.subscribersOf(URI);
        expect(subscriber).toStartWith("listen:");
        expect(await registry.urisOf(subscriber!)).toEqual([URI, OTHER]);
        await stream.cancel();
        await waitFor(async () => (await registry.urisOf(subscriber!)).length === 0, 3000, "the ended stream's subscriptions to be forgotten");
        expect(await registry.subscribersOf(OTHER)).toEqual([]);
      } finally {
        await s.stop();
      }
    });
  });
}

describe("a registry that fails to record a subscription", () => {
  test("resources/subscribe fails with an internal error, and the session gets no updates of that URI", async () => {
    const failing = new MemorySubscriptions();
    const registry: SubscriptionRegistry = {
      add: () => Promise.reject(new Error("registry unreachable")),
      remove: (subscriber, uri) => failing.remove(subscriber, uri),
      urisOf: (subscriber) => failing.urisOf(subscriber),
      subscribersOf: (uri) => failing.subscribersOf(uri),
      dropSubscriber: (subscriber) => failing.dropSubscriber(subscriber),
      close: () => failing.close(),
    };
    const h = startHttp({ stores: { subscriptions: registry } });
    try {
      const c = await HttpClient.open(h);
      const answer = await c.call("resources/subscribe", { uri: URI });
      expect(answer.error).toMatchObject({ code: -32603, message: "Internal error" });
      expect(h.server.changes.listenerCounts.resources).toBe(0);
      const stream = new SseReader(await c.get());
      h.server.notifyResourceUpdated(URI);
      expect(await stream.quiet(150)).toBe(true);
    } finally {
      await h.stop();
    }
  });
});
