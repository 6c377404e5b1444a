/**
 * The behaviour every SubscriptionRegistry owes sessions and listen streams (STYLE §11):
 * both directions of the index, idempotent adds, precise removal, and a subscriber's end
 * forgetting exactly its subscriptions. Every call is awaited, so the suite holds for
 * registries that answer later too.
 */
import { afterEach, describe, expect, test } from "bun:test";
import type { SubscriptionRegistry } from "../../src/store/subscriptions.ts";

/** An implementation under test: `open` makes a fresh, empty registry. */
export interface SubscriptionsImplementation {
  name: string;
  open(): SubscriptionRegistry;
}

/** Registers the SubscriptionRegistry contract for `impl`. */
export function subscriptionsContract(impl: SubscriptionsImplementation): void {
  describe(`SubscriptionRegistry contract: ${impl.name}`, () => {
    const open: SubscriptionRegistry[] = [];
    const make = (): SubscriptionRegistry => {
      const s = impl.open();
      open.push(s);
      return s;
    };
    afterEach(async () => {
      for (const s of open.splice(0)) await s.close();
    });

    test("both directions: a subscriber's URIs and a URI's subscribers, in subscription order", async () => {
      const reg = make();
      await reg.add("s1", "file:///b");
      await reg.add("s1", "file:///a");
      await reg.add("s2", "file:///a");
      expect(await reg.urisOf("s1")).toEqual(["file:///b", "file:///a"]);
      expect(await reg.urisOf("s2")).toEqual(["file:///a"]);
      expect(await reg.subscribersOf("file:///a")).toEqual(["s1", "s2"]);
      expect(await reg.subscribersOf("file:///b")).toEqual(["s1"]);
      expect(await reg.subscribersOf("file:///none")).toEqual([]);
      expect(await reg.urisOf("nobody")).toEqual([]);
    });

    test("adding a subscription twice records it once", async () => {
      const reg = make();
      await reg.add("s", "test://x");
      await reg.add("s", "test://x");
      expect(await reg.urisOf("s")).toEqual(["test://x"]);
      expect(await reg.subscribersOf("test://x")).toEqual(["s"]);
      await reg.remove("s", "test://x");
      expect(await reg.subscribersOf("test://x")).toEqual([]);
    });

    test("remove forgets exactly one subscription; removing one never made changes nothing", async () => {
      const reg = make();
      await reg.add("s1", "u1");
      await reg.add("s1", "u2");
      await reg.add("s2", "u1");
      await reg.remove("s1", "u1");
      await reg.remove("s1", "never");
      await reg.remove("nobody", "u1");
      expect(await reg.urisOf("s1")).toEqual(["u2"]);
      expect(await reg.subscribersOf("u1")).toEqual(["s2"]);
    });

    test("dropSubscriber forgets every subscription of that subscriber only", async () => {
      const reg = make();
      for (const uri of ["u1", "u2", "u3"]) await reg.add("gone", uri);
      await reg.add("kept", "u2");
      await reg.dropSubscriber("gone");
      await reg.dropSubscriber("never-subscribed");
      expect(await reg.urisOf("gone")).toEqual([]);
      for (const uri of ["u1", "u3"]) expect({ uri, subscribers: await reg.subscribersOf(uri) }).toEqual({ uri, subscribers: [] });
      expect(await reg.subscribersOf("u2")).toEqual(["kept"]);
    });

    test("URIs and keys are opaque text: templates, queries and non-ASCII round-trip", async () => {
      const reg = make();
      const uris = ["file:///a%20b?x=1&y=2#frag", "test://é/😀", "custom:{not-a-template}", ""];
      for (const uri of uris) await reg.add("listen:9f0c", uri);
      expect(await reg.urisOf("listen:9f0c")).toEqual(uris);
      for (const uri of uris) expect({ uri, subscribers: await reg.subscribersOf(uri) }).toEqual({ uri, subscribers: ["listen:9f0c"] });
    });

    test("calls made one after another without waiting take effect in call order", async () => {
      const reg = make();
      const added = reg.add("s", "u");
      const seen = reg.subscribersOf("u");
      const dropped = reg.dropSubscriber("s");
      const after = reg.subscribersOf("u");
      await added;
      expect(await seen).toEqual(["s"]);
      await dropped;
      expect(await after).toEqual([]);
    });
  });
}
