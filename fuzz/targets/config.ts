/**
 * The TOML config loader: fuzzed documents through loadConfig in-process (it returns a frozen
 * Config or throws ConfigError, one line per problem, and nothing else), and a small sample
 * through `erlmcp serve --config FILE --stdio` (exit 0 or 2, one line per problem, never a
 * stack trace).
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError, loadConfig } from "../../src/config/load.ts";
import { tomlDocument } from "../generators/toml.ts";
import type { Target, TargetEnv } from "./target.ts";

const CLI = join(import.meta.dir, "../../src/cli/main.ts");
/**
 * One input in this many also goes through the CLI, at most CLI_IN_FLIGHT at once in the
 * background (a process start costs ~0.3 s; awaited in line, 1 in 100 held the target to
 * ~180 inputs/s).
 */
const CLI_SAMPLE = 500;
const CLI_IN_FLIGHT = 2;
const STACK = /\n\s+at \S+|\/src\/[\w/.-]+\.ts:\d+/;

export function configTarget(): Target {
  let env!: TargetEnv;
  let dir = "";
  let n0 = 0;
  const cli = new Set<Promise<void>>();
  return {
    name: "config",
    needs: "none",
    async open(e) {
      env = e;
      dir = mkdtempSync(join(tmpdir(), "erlmcp-fuzz-config-"));
    },
    async batch(n) {
      for (let i = 0; i < n; i++) {
        const text = tomlDocument(env.rng);
        const input = new TextEncoder().encode(text);
        const file = join(dir, "fuzz.toml");
        writeFileSync(file, input);
        try {
          loadConfig({ file });
          env.count("valid");
        } catch (e) {
          if (!(e instanceof ConfigError)) env.report({ kind: "internal-error", detail: `loadConfig threw ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`, input, via: "loadConfig" });
          else if (e.problems.some((l) => !l.startsWith("config: ") || l.includes("\n"))) env.report({ kind: "malformed", detail: `a ConfigError line without its "config: " prefix: ${JSON.stringify(e.message.slice(0, 300))}`, input, via: "loadConfig" });
          else env.count("refused");
        }
        if (++n0 % CLI_SAMPLE === 0) {
          while (cli.size >= CLI_IN_FLIGHT) await Promise.race(cli);
          // Its own file: the next inputs overwrite fuzz.toml while this one runs.
          const own = join(dir, `cli-${n0}.toml`);
          writeFileSync(own, input);
          const run: Promise<void> = throughCli(env, own, input).finally(() => (cli.delete(run), rmSync(own, { force: true })));
          cli.add(run);
        }
      }
      return n;
    },
    async close() {
      await Promise.all(cli);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** `erlmcp serve --config FILE --stdio` with stdin closed: exit 0 (valid) or 2 (refused), one line per problem. */
async function throughCli(env: TargetEnv, file: string, input: Uint8Array): Promise<void> {
  const proc = Bun.spawn([process.execPath, CLI, "serve", "--config", file, "--stdio", "--log-level", "silent"], { cwd: join(file, ".."), stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  const killer = setTimeout(() => proc.kill("SIGKILL"), 20_000);
  const [code, stderr] = await Promise.all([proc.exited, new Response(proc.stderr).text()]);
  clearTimeout(killer);
  env.count(`cli exit ${code}`);
  if (code !== 0 && code !== 2) env.report({ kind: "crash", detail: `serve --config exited ${code}: ${stderr.slice(0, 300)}`, input, via: "erlmcp serve --config" });
  if (STACK.test(stderr)) env.report({ kind: "stack-trace", detail: stderr.slice(0, 300), input, via: "erlmcp serve --config" });
  if (code === 2 && stderr.split("\n").some((l) => l && !l.startsWith("erlmcp: "))) env.report({ kind: "malformed", detail: `a refusal line without "erlmcp: ": ${stderr.slice(0, 300)}`, input, via: "erlmcp serve --config" });
}
