/**
 * Supervised background loops: a loop whose tick throws is restarted and ticks again, the
 * others never notice, and a loop that keeps failing past the intensity stops them all and
 * escalates. Real timers, a few milliseconds apart.
 */
import { runtimeOf } from "../../src/runtime/runtime.ts";
import { describe, expect, test } from "bun:test";
import { Loops } from "../../src/supervisor/loops.ts";
import { createServer } from "../../src/create-server.ts";
import type { SupervisorEvent } from "../../src/supervisor/supervisor.ts";

const until = async (check: () => boolean, what: string, ms = 2000) => {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(5);
  }
};

describe("Loops", () => {
  test("a tick that throws restarts its loop, which ticks again; the other loops never stop", async () => {
    const events: SupervisorEvent[] = [];
    const loops = new Loops({ maxRestarts: 5, periodMs: 10_000, onEvent: (e) => events.push(e) });
    let steady = 0;
    let flaky = 0;
    loops.every("steady", 5, () => steady++);
    loops.every("flaky", 5, () => {
      if (++flaky === 2) throw new Error("boom");
    });
    await until(() => flaky >= 5, "the flaky loop to tick after its crash");
    expect(events.filter((e) => e.kind === "exited")).toEqual([{ kind: "exited", child: "flaky#2", reason: "tick threw: boom" }]);
    expect(events.some((e) => e.kind === "restarting" && e.children.join() === "flaky#2")).toBe(true);
    const before = steady;
    await until(() => steady > before + 3, "the steady loop to keep ticking");
    await loops.stop();
  });

  test("the stop function ends one loop for good (no restart)", async () => {
    const loops = new Loops();
    let ticks = 0;
    const stop = loops.every("one", 5, () => ticks++);
    await until(() => ticks >= 2, "two ticks");
    stop();
    await Bun.sleep(20);
    const frozen = ticks;
    await Bun.sleep(40);
    expect(ticks).toBe(frozen);
    await loops.stop();
  });

  test("past the restart intensity every loop stops and gaveUp says why", async () => {
    const loops = new Loops({ maxRestarts: 2, periodMs: 10_000 });
    let steady = 0;
    loops.every("steady", 5, () => steady++);
    loops.every("broken", 5, () => {
      throw new Error("always");
    });
    const reason = await Promise.race([loops.gaveUp, Bun.sleep(2000).then(() => "did not give up")]);
    expect(reason).toBe("restart intensity exceeded: more than 2 restarts in 10000 ms (last: broken#2: tick threw: always)");
    const stopped = steady;
    await Bun.sleep(40);
    expect(steady).toBe(stopped);
  });
});

describe("a server's loops", () => {
  test("request deadlines keep expiring after another loop of the same server crashed and was restarted", async () => {
    const logged: string[] = [];
    const logger = { debug() {}, info() {}, warn() {}, error: (msg: string, f?: Record<string, unknown>) => void logged.push(`${msg} ${f?.loop}`) };
    const server = createServer({ name: "loops", version: "1", logger: logger as never, limits: { requestTimeoutMs: 100 } });
    let crashed = false;
    runtimeOf(server).loops.every("test crash", 5, () => {
      if (crashed) return;
      crashed = true;
      throw new Error("once");
    });
    await until(() => logged.length > 0, "the crash to be logged");
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatch(/^background loop failed test crash#\d+$/);
    let expired = false;
    runtimeOf(server).guard.watch(() => (expired = true));
    await until(() => expired, "a request deadline to expire", 3000);
  });
});
