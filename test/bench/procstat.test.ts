import { expect, test } from "bun:test";
import { coresBusy } from "../../bench/load/procstat.ts";

test("coresBusy counts a process that spins a core", async () => {
  // One child spinning for 1.5 s at most; it is killed by its PID as soon as the reading is taken.
  const spinner = Bun.spawn([process.execPath, "-e", "const end = Date.now() + 1500; while (Date.now() < end);"]);
  try {
    await Bun.sleep(100);
    const busy = coresBusy(500)!;
    expect(busy).toBeGreaterThan(0.7);
    expect(busy).toBeLessThanOrEqual(navigator.hardwareConcurrency + 0.01);
  } finally {
    spinner.kill();
    await spinner.exited;
  }
});
