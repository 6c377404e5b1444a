/** How often a process checks that the process that started it is still there (ms); one getppid each. */
export const PARENT_CHECK_MS = 1000;

/**
 * Resolves when the process that started this one exits: the kernel then hands this process
 * to init (or a subreaper), so its parent pid changes. A server started by `npm start`, a
 * shell script or a test harness would otherwise outlive it and hold its port, orphaned.
 * A process started by init (systemd; parent pid 1) or that is pid 1 (a container) has no
 * parent to lose, and never resolves. The timer is unref'd: it keeps nothing alive.
 */
export function parentGone(): { gone: Promise<string>; stop(): void } {
  const parent = process.ppid;
  let timer: ReturnType<typeof setInterval> | undefined;
  const gone = new Promise<string>((resolve) => {
    if (parent <= 1) return;
    timer = setInterval(() => {
      if (process.ppid === parent) return;
      clearInterval(timer);
      resolve(`the parent process (pid ${parent}) went away`);
    }, PARENT_CHECK_MS);
    timer.unref();
  });
  return { gone, stop: () => clearInterval(timer) };
}
