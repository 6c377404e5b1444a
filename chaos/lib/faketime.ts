/**
 * A wall clock we can move for one process tree only: libfaketime (LD_PRELOAD) reading its
 * offset from a file on every call, with the monotonic clock left alone
 * (FAKETIME_DONT_FAKE_MONOTONIC), as an NTP step or an operator's `date -s` would do. The
 * system clock is shared and never touched.
 */
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const LIBRARY_PATHS = ["/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1", "/usr/lib/aarch64-linux-gnu/faketime/libfaketime.so.1", "/usr/lib/faketime/libfaketime.so.1"];

/** The libfaketime library on this machine (apt-get install -y faketime), if any. */
export function fakeTimeLibrary(): string | undefined {
  return LIBRARY_PATHS.find((p) => existsSync(p));
}

/** A movable clock: the environment to start a process with, and `set` to move it. */
export interface FakeClock {
  readonly env: Record<string, string>;
  /** Sets the offset from real time, in libfaketime's syntax ("+0", "+1h", "-1h", "+25h"). */
  set(offset: string): void;
}

/** A clock controlled through a file in `dir`; starts at real time. */
export function fakeClock(library: string, dir: string): FakeClock {
  const file = join(dir, "faketime.offset");
  const set = (offset: string) => writeFileSync(file, `${offset}\n`);
  set("+0");
  return {
    env: { LD_PRELOAD: library, FAKETIME_TIMESTAMP_FILE: file, FAKETIME_NO_CACHE: "1", FAKETIME_DONT_FAKE_MONOTONIC: "1" },
    set,
  };
}
