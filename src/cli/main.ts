/**
 * The `erlmcp` executable: `bun src/cli/main.ts`, bin/erlmcp, and the single binary built
 * by `npm run build` all start here. Everything runs at import, so bin/erlmcp can import it.
 */
import { run } from "./run.ts";

/** Resolves once everything written to `stream` so far has been handed to the OS. */
function flushed(stream: NodeJS.WriteStream): Promise<void> {
  return new Promise((resolve) => {
    if (stream.write("", () => resolve())) return;
    stream.once("drain", () => resolve());
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
