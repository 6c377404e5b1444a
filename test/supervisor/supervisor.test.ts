/**
 * OTP-style supervision: restart strategies, restart types, intensity and escalation, stop
 * order. Children are real async units with their own exit promises.
 */
import { describe, expect, test } from "bun:test";
import { Supervisor, type ChildHandle, type ChildSpec, type SupervisorEvent } from "../../src/supervisor/supervisor.ts";

/** A controllable child: records starts and stops in `log`; `crash(id)` makes it exit. */
function world() {
  const log: string[] = [];
  const live = new Map<string, (reason: string) => void>();
  const spec = (id: string, restart?: ChildSpec["restart"]): ChildSpec => ({
    id,
    restart,
    start(): ChildHandle {
      log.push(`start ${id}`);
      let exit!: (reason: string) => void;
      const exited = new Promise<string>((resolve) => (exit = resolve));
      live.set(id, exit);
      return {
        exited,
        async stop(reason) {
          log.push(`stop ${id}`);
          live.delete(id);
          exit(`stopped: ${reason}`);
        },
      };
    },
  });
  const crash = async (id: string, reason = "crash") => {
    const exit = live.get(id);
    if (!exit) throw new Error(`${id} is not running`);
    live.delete(id);
    exit(reason);
    await Bun.sleep(5);
  };
  return { log, spec, crash };
}

describe("restart strategies", () => {
  test.each([
    ["one_for_one", ["start b"]],
    ["rest_for_one", ["stop c", "start b", "start c"]],
    ["one_for_all", ["stop c", "stop a", "start a", "start b", "start c"]],
  ] as const)("%s restarts exactly its set, stopping in reverse and starting in order", async (strategy, afterCrash) => {
    const w = world();
    const sup = new Supervisor([w.spec("a"), w.spec("b"), w.spec("c")], { strategy, maxRestarts: 5, periodMs: 1000 });
    await sup.start();
    expect(w.log.splice(0)).toEqual(["start a", "start b", "start c"]);
    await w.crash("b");
    expect(w.log.splice(0)).toEqual([...afterCrash]);
    expect(sup.running).toEqual(["a", "b", "c"]);
    await sup.stop();
    expect(w.log).toEqual(["stop c", "stop b", "stop a"]);
  });
});

describe("restart types", () => {
  test("temporary children are never restarted; transient only after an abnormal exit", async () => {
    const w = world();
    const sup = new Supervisor([w.spec("tmp", "temporary"), w.spec("tr", "transient")], { strategy: "one_for_one", maxRestarts: 5, periodMs: 1000 });
    await sup.start();
    await w.crash("tmp");
    await w.crash("tr", "normal");
    expect(sup.running).toEqual([]);
    const again = world();
    const sup2 = new Supervisor([again.spec("tr", "transient")], { strategy: "one_for_one", maxRestarts: 5, periodMs: 1000 });
    await sup2.start();
    await again.crash("tr", "boom");
    expect(sup2.running).toEqual(["tr"]);
    await sup2.stop();
  });
});

describe("restart intensity", () => {
  test("more than maxRestarts in periodMs gives up, stops everything and escalates once", async () => {
    const w = world();
    const events: SupervisorEvent[] = [];
    const gaveUp: string[] = [];
    const sup = new Supervisor([w.spec("a"), w.spec("b")], {
      strategy: "one_for_one",
      maxRestarts: 2,
      periodMs: 10_000,
      onGiveUp: (r) => gaveUp.push(r),
      onEvent: (e) => events.push(e),
    });
    await sup.start();
    await w.crash("b");
    await w.crash("b");
    expect(sup.running).toEqual(["a", "b"]);
    await w.crash("b");
    expect(sup.running).toEqual([]);
    expect(gaveUp).toHaveLength(1);
    expect(gaveUp[0]).toContain("more than 2 restarts in 10000 ms");
    expect(await sup.done).toBe(gaveUp[0]!);
    expect(events.filter((e) => e.kind === "restarting")).toHaveLength(2);
  });

  test("restarts spread wider than the period never give up", async () => {
    const w = world();
    const sup = new Supervisor([w.spec("a")], { strategy: "one_for_one", maxRestarts: 1, periodMs: 30 });
    await sup.start();
    for (let i = 0; i < 4; i++) {
      await w.crash("a");
      await Bun.sleep(40);
    }
    expect(sup.running).toEqual(["a"]);
    await sup.stop();
  });

  test("a nested supervisor that gives up is restarted by its parent", async () => {
    const w = world();
    let innerStarts = 0;
    const parent = new Supervisor(
      [
        {
          id: "inner",
          start: async () => {
            innerStarts++;
            const inner = new Supervisor([w.spec(`x${innerStarts}`)], { strategy: "one_for_one", maxRestarts: 0, periodMs: 1000 });
            await inner.start();
            return inner.asChild();
          },
        },
      ],
      { strategy: "one_for_one", maxRestarts: 3, periodMs: 1000 },
    );
    await parent.start();
    await w.crash("x1");
    await Bun.sleep(10);
    expect(innerStarts).toBe(2);
    expect(w.log).toContain("start x2");
    await parent.stop();
  });
});

test("a child that fails to start makes start() reject after stopping the ones already up", async () => {
  const w = world();
  const sup = new Supervisor(
    [w.spec("a"), { id: "bad", start: () => Promise.reject(new Error("port in use")) }],
    { strategy: "one_for_one", maxRestarts: 1, periodMs: 1000 },
  );
  await expect(sup.start()).rejects.toThrow("port in use");
  expect(w.log).toEqual(["start a", "stop a"]);
});

test("duplicate child ids are refused at construction", () => {
  const w = world();
  expect(() => new Supervisor([w.spec("a"), w.spec("a")], { strategy: "one_for_one", maxRestarts: 1, periodMs: 1 })).toThrow('duplicate child id "a"');
});

describe("children added to a running supervisor", () => {
  test("startChild supervises a new child like the others; terminateChild stops it with no restart", async () => {
    const w = world();
    const sup = new Supervisor([w.spec("a")], { strategy: "one_for_one", maxRestarts: 5, periodMs: 1000 });
    await sup.start();
    await sup.startChild(w.spec("late"));
    expect(sup.running).toEqual(["a", "late"]);
    await w.crash("late");
    expect(w.log.splice(0)).toEqual(["start a", "start late", "start late"]);
    await expect(sup.startChild(w.spec("late"))).rejects.toThrow('supervisor: duplicate child id "late"');
    await sup.terminateChild("late");
    await Bun.sleep(5);
    expect(w.log.splice(0)).toEqual(["stop late"]);
    expect(sup.running).toEqual(["a"]);
    await sup.stop();
    await expect(sup.startChild(w.spec("after"))).rejects.toThrow('supervisor: stopped; cannot start "after"');
  });
});

describe("shutdown", () => {
  /** Children whose stop takes until `release()`: shows whether stop() waits for one before asking the next. */
  function slowWorld() {
    const asked: string[] = [];
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const spec = (id: string): ChildSpec => ({
      id,
      start: () => ({
        exited: new Promise<string>(() => {}),
        async stop() {
          asked.push(id);
          await released;
        },
      }),
    });
    return { asked, release, spec };
  }

  test.each([
    ["ordered (the default) asks one child at a time, the last started first", undefined, ["c"]],
    ["parallel asks every child at once, so draining children overlap", "parallel", ["c", "b", "a"]],
  ] as const)("%s", async (_, shutdown, askedBeforeAnyStopped) => {
    const w = slowWorld();
    const sup = new Supervisor([w.spec("a"), w.spec("b"), w.spec("c")], { strategy: "one_for_one", maxRestarts: 1, periodMs: 1000, shutdown });
    await sup.start();
    const stopped = sup.stop();
    await Bun.sleep(20);
    expect(w.asked).toEqual([...askedBeforeAnyStopped]);
    w.release();
    await stopped;
    expect(w.asked).toEqual(["c", "b", "a"]);
  });
});
