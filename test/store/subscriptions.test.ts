/**
 * The SubscriptionRegistry contract (subscriptions.contract.ts) on every registry (memory
 * only so far; a remote one plugs in here), and the memory registry's bound.
 */
import { describe, expect, test } from "bun:test";
import { MemorySubscriptions } from "../../src/store/memory-subscriptions.ts";
import { later } from "./later.ts";
import { subscriptionsContract, type SubscriptionsImplementation } from "./subscriptions.contract.ts";

const IMPLEMENTATIONS: SubscriptionsImplementation[] = [
  { name: "MemorySubscriptions", open: () => new MemorySubscriptions() },
  { name: "MemorySubscriptions answering later", open: () => later(new MemorySubscriptions()) },
];

for (const impl of IMPLEMENTATIONS) subscriptionsContract(impl);

describe("MemorySubscriptions: holds only live subscriptions", () => {
  test("removing and dropping let go of emptied subscribers and URIs", () => {
    const reg = new MemorySubscriptions();
    reg.add("s1", "u1");
    reg.add("s1", "u2");
    reg.add("s2", "u2");
    expect(reg.size).toEqual({ subscribers: 2, uris: 2 });
    reg.remove("s1", "u1");
    expect(reg.size).toEqual({ subscribers: 2, uris: 1 });
    reg.dropSubscriber("s1");
    reg.remove("s2", "u2");
    expect(reg.size).toEqual({ subscribers: 0, uris: 0 });
  });
});
