/**
 * The `erlmcp` executable: `bun src/cli/main.ts`, bin/erlmcp (a Node.js launcher that runs
 * this file on the Bun installed with erlmcp), and the single binary built by `npm run build`
 * all start here. Everything runs at import.
 */
import { flushStdio } from "../serve/stdio.ts";
import { run } from "./run.ts";

let code: number;
try {
  code = await run(process.argv.slice(2));
} catch (e) {
  process.stderr.write(`erlmcp: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  code = 1;
}
await flushStdio();
process.exit(code);
