/**
 * The `erlmcp` executable: `bun src/cli/main.ts`, bin/erlmcp, and the single binary built
 * by `npm run build` all start here. Everything runs at import, so bin/erlmcp can import it.
 */
import { run } from "./run.ts";

/** How long exiting waits for stdout and stderr to flush (a reader that never reads cannot hold it). */
const FLUSH_TIMEOUT_MS = 10_000;

/**
 * Ends `stream` and resolves once everything written to it has been handed to the OS, or
 * after `FLUSH_TIMEOUT_MS`. Bun calls back `end` only then; `write("", cb)` may call back
 * while a large earlier write is still queued, and process.exit would drop the rest.
 */
function flushed(stream: NodeJS.WriteStream): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, FLUSH_TIMEOUT_MS);
    const done = () => {
      clearTimeout(timer);
      resolve();
    };
    stream.once("error", done);
    stream.end(done);
  });
}

let code: number;
try {
  code = await run(process.argv.slice(2));
} catch (e) {
  process.stderr.write(`erlmcp: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  code = 1;
}
await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
process.exit(code);
