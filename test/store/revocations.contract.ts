/**
 * The behaviour every Revocations store owes the HTTP session table (STYLE §11): a revoked
 * id stays revoked until its time, revoking again never shortens it, and a sweep forgets
 * exactly the expired ones. Every call is awaited, so the suite holds for stores that answer
 * later too.
 */
import { afterEach, describe, expect, test } from "bun:test";
import type { Revocations } from "../../src/store/revocations.ts";

/** An implementation under test: `open` makes a fresh, empty store. */
export interface RevocationsImplementation {
  name: string;
  open(): Revocations;
}

/** Registers the Revocations contract for `impl`. */
export function revocationsContract(impl: RevocationsImplementation): void {
  describe(`Revocations contract: ${impl.name}`, () => {
    const open: Revocations[] = [];
    const make = (): Revocations => {
      const s = impl.open();
      open.push(s);
      return s;
    };
    afterEach(async () => {
      for (const s of open.splice(0)) await s.close();
    });

    test("a revoked id is revoked; ids never revoked are not", async () => {
      const store = make();
      await store.revoke("sid-a", 2000);
      expect(await store.isRevoked("sid-a", 1000)).toBe(true);
      expect(await store.isRevoked("sid-b", 1000)).toBe(false);
      expect(await store.isRevoked("sid-a ", 1000)).toBe(false);
      expect(await store.isRevoked("SID-A", 1000)).toBe(false);
    });

    test("a revocation lasts until its time, inclusive, and not after", async () => {
      const store = make();
      await store.revoke("sid", 2000);
      expect(await store.isRevoked("sid", 1999)).toBe(true);
      expect(await store.isRevoked("sid", 2000)).toBe(true);
      expect(await store.isRevoked("sid", 2001)).toBe(false);
    });

    test("revoking again keeps the later time, whichever order the two come in", async () => {
      const store = make();
      await store.revoke("early-then-late", 1000);
      await store.revoke("early-then-late", 3000);
      await store.revoke("late-then-early", 3000);
      await store.revoke("late-then-early", 1000);
      for (const id of ["early-then-late", "late-then-early"]) expect({ id, revoked: await store.isRevoked(id, 2000) }).toEqual({ id, revoked: true });
    });

    test("a sweep forgets exactly the revocations whose time has passed", async () => {
      const store = make();
      await store.revoke("expired", 100);
      await store.revoke("due-now", 200);
      await store.revoke("live", 300);
      await store.sweep(200);
      // Asked about a moment when all three were revoked: only the swept one is forgotten.
      expect(await store.isRevoked("expired", 50)).toBe(false);
      expect(await store.isRevoked("due-now", 50)).toBe(true);
      expect(await store.isRevoked("live", 50)).toBe(true);
    });

    test("ids are opaque text: long sealed ids and any characters round-trip", async () => {
      const store = make();
      const ids = ["A".repeat(400), "a-b_c.d~e", "😀/\u2028", ""];
      for (const id of ids) await store.revoke(id, 5000);
      for (const id of ids) expect({ id, revoked: await store.isRevoked(id, 1) }).toEqual({ id, revoked: true });
    });

    test("calls made one after another without waiting take effect in call order", async () => {
      const store = make();
      const revoked = store.revoke("sid", 1000);
      const seen = store.isRevoked("sid", 500);
      const swept = store.sweep(2000);
      const after = store.isRevoked("sid", 500);
      await revoked;
      expect(await seen).toBe(true);
      await swept;
      expect(await after).toBe(false);
    });
  });
}
