/**
 * `npm run release`: the single executable for every release target, packed with what an
 * offline install needs, with SHA-256 checksums and a manifest.
 *
 *   bun release/build.ts [--targets linux-x64,linux-arm64] [--out dist/release]
 *
 * Per target it writes `erlmcp-VERSION-TARGET.tar.gz` holding the binary, the example config,
 * the systemd unit and docs/install.md; then `SHA256SUMS` (checked with `sha256sum -c`) and
 * `manifest.json` (sizes, checksums, the glibc each binary needs, the commit it was built from).
 * Cross-compiling fetches bun's runtime for the target from the npm registry once (cached
 * in ~/.bun): build on a connected machine, carry the archives across the air gap.
 */
import { parseArgs } from "node:util";
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import pkg from "../package.json";
import { minimumGlibc } from "./glibc.ts";
import { type ReleaseTarget, selectTargets } from "./targets.ts";

const ROOT = resolve(import.meta.dir, "..");
/** Files an offline install needs beside the binary (docs/install.md walks through them). */
const SHIPPED = [
  ["config/erlmcp.toml", "erlmcp.toml"],
  ["systemd/erlmcp.service", "erlmcp.service"],
  ["docs/install.md", "INSTALL.md"],
] as const;

interface Built {
  target: string;
  bunTarget: string;
  requires: string;
  archive: string;
  archiveBytes: number;
  archiveSha256: string;
  binaryBytes: number;
  binarySha256: string;
  glibc: string | null;
  verified: string;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { targets: { type: "string" }, out: { type: "string" } } });
  const targets = selectTargets(values.targets);
  const out = resolve(values.out ?? join(ROOT, "dist", "release"));
  mkdirSync(out, { recursive: true });
  const built: Built[] = [];
  for (const target of targets) built.push(await buildOne(target, out));
  writeFileSync(join(out, "SHA256SUMS"), built.map((b) => `${b.archiveSha256}  ${b.archive}\n`).join(""));
  const manifest = { name: pkg.name, version: pkg.version, commit: gitCommit(), bun: Bun.version, builtAt: new Date().toISOString(), artifacts: built };
  writeFileSync(join(out, "manifest.json"), `${JSON.stringify(manifest, null, 2)}\n`);
  console.log(`release ${pkg.version}: ${built.length} archive(s), SHA256SUMS and manifest.json in ${out}`);
}

async function buildOne(target: ReleaseTarget, out: string): Promise<Built> {
  const stem = `erlmcp-${pkg.version}-${target.name}`;
  const stage = join(out, stem);
  rmSync(stage, { recursive: true, force: true });
  mkdirSync(stage, { recursive: true });
  const binary = join(stage, "erlmcp");
  progress(target, `compiling for ${target.bunTarget}`);
  await run(buildCommand(target, binary), ROOT);
  // --sourcemap with --compile embeds the map in the executable (stack traces name our files);
  // the copy bun also writes beside it is not needed where the binary runs.
  rmSync(`${binary}.map`, { force: true });
  for (const [from, to] of SHIPPED) copyFileSync(join(ROOT, from), join(stage, to));
  const bytes = readFileSync(binary);
  const verified = await verify(target, binary);
  progress(target, `packing ${stem}.tar.gz`);
  const archive = `${stem}.tar.gz`;
  await run(["tar", "-czf", archive, "--owner=0", "--group=0", stem], out);
  rmSync(stage, { recursive: true, force: true });
  const archiveBytes = readFileSync(join(out, archive));
  const result: Built = {
    target: target.name,
    bunTarget: target.bunTarget,
    requires: target.requires,
    archive,
    archiveBytes: archiveBytes.length,
    archiveSha256: sha256(archiveBytes),
    binaryBytes: bytes.length,
    binarySha256: sha256(bytes),
    glibc: target.name.endsWith("-musl") ? null : (minimumGlibc(bytes) ?? null),
    verified,
  };
  progress(target, `${mib(result.binaryBytes)} binary, ${mib(result.archiveBytes)} archive, glibc ≥ ${result.glibc ?? "n/a"}, ${verified}`);
  return result;
}

/** package.json's build script (one definition of how the binary is built) plus `--target`. */
function buildCommand(target: ReleaseTarget, outfile: string): string[] {
  const words = pkg.scripts.build.split(/\s+/);
  const at = words.indexOf("--outfile");
  if (words[0] !== "bun" || words[1] !== "build" || at < 0) throw new Error(`package.json build script is not a bun build: ${pkg.scripts.build}`);
  words[0] = process.execPath;
  words[at + 1] = outfile;
  words.splice(2, 0, `--target=${target.bunTarget}`);
  return words;
}

/** Runs `--version` where this host can; a cross-built binary is only checked for its size. */
async function verify(target: ReleaseTarget, binary: string): Promise<string> {
  const runnable = target.arch === process.arch && !target.name.endsWith("-musl");
  if (!runnable) return `not run here (host is ${process.arch})`;
  const proc = Bun.spawn([binary, "--version"], { stdout: "pipe", stderr: "pipe", env: { PATH: "/usr/bin:/bin" } });
  const [stdout, code] = await Promise.all([new Response(proc.stdout).text(), proc.exited]);
  if (code !== 0 || stdout.trim() !== `erlmcp ${pkg.version}`) throw new Error(`${target.name}: built binary failed --version (exit ${code}): ${stdout.trim()}`);
  return "ran --version here";
}

async function run(cmd: string[], cwd: string): Promise<void> {
  const proc = Bun.spawn(cmd, { cwd, stdout: "pipe", stderr: "pipe" });
  const [stderr, code] = await Promise.all([new Response(proc.stderr).text(), proc.exited]);
  if (code !== 0) throw new Error(`${cmd.slice(0, 3).join(" ")} … exited ${code}: ${stderr.trim().split("\n").at(-1)}`);
}

function gitCommit(): string | null {
  const r = Bun.spawnSync(["git", "rev-parse", "HEAD"], { cwd: ROOT, stdout: "pipe", stderr: "ignore" });
  return r.exitCode === 0 ? r.stdout.toString().trim() : null;
}

const sha256 = (bytes: Uint8Array): string => new Bun.CryptoHasher("sha256").update(bytes).digest("hex");
const mib = (n: number): string => `${(n / 2 ** 20).toFixed(1)} MiB`;
const progress = (target: ReleaseTarget, line: string): void => console.log(`release ${target.name}: ${line}`);

if (import.meta.main) {
  main().catch((err: unknown) => {
    console.error(`release: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
}
