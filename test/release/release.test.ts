import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pkg from "../../package.json";
import { minimumGlibc } from "../../release/glibc.ts";
import { runToEnd } from "../cli/process.ts";

const ROOT = join(import.meta.dir, "../..");
const out = mkdtempSync(join(tmpdir(), "erlmcp-release-"));
/** The target this host runs natively, so the build needs no download and its binary can run here. */
const host = process.arch === "arm64" ? "linux-arm64" : readFileSync("/proc/cpuinfo", "utf8").includes(" avx2") ? "linux-x64" : "linux-x64-baseline";
const stem = `erlmcp-${pkg.version}-${host}`;
let build: { code: number; stdout: string; stderr: string };

beforeAll(async () => {
  build = await runToEnd([process.execPath, "release/build.ts", "--targets", host, "--out", out], { cwd: ROOT });
}, 180_000);
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe("npm run release for this host's platform", () => {
  test("prints a progress line per step and a summary, and exits 0", () => {
    expect(build.stderr).toBe("");
    expect(build.code).toBe(0);
    const lines = build.stdout.trim().split("\n");
    expect(lines.at(-2)).toMatch(new RegExp(`^release ${host}: [\\d.]+ MiB binary, [\\d.]+ MiB archive, glibc ≥ 2\\.\\d+, ran --version here$`));
    expect(lines.at(-1)).toBe(`release ${pkg.version}: 1 archive(s), SHA256SUMS and manifest.json in ${out}`);
  });

  test("writes checksums that sha256sum accepts", async () => {
    expect(readdirSync(out).sort()).toEqual(["SHA256SUMS", `${stem}.tar.gz`, "manifest.json"]);
    const r = await runToEnd(["sha256sum", "-c", "SHA256SUMS"], { cwd: out });
    expect(r).toMatchObject({ code: 0, stdout: `${stem}.tar.gz: OK\n` });
  });

  test("packs the binary with the config, the unit and the install guide, and the binary runs without bun", async () => {
    expect((await runToEnd(["tar", "-xzf", `${stem}.tar.gz`], { cwd: out })).code).toBe(0);
    expect(readdirSync(join(out, stem)).sort()).toEqual(["INSTALL.md", "erlmcp", "erlmcp.service", "erlmcp.toml"]);
    const r = await runToEnd([join(out, stem, "erlmcp"), "--version"], { cwd: out, env: { PATH: "/usr/bin:/bin" } });
    expect(r).toEqual({ code: 0, stdout: `erlmcp ${pkg.version}\n`, stderr: "" });
  });

  test("records version, commit, sizes, checksums and the glibc needed in the manifest", async () => {
    const manifest = JSON.parse(readFileSync(join(out, "manifest.json"), "utf8"));
    expect(manifest).toMatchObject({ name: "erlmcp", version: pkg.version, bun: Bun.version });
    expect(manifest.commit).toMatch(/^[0-9a-f]{40}$/);
    const [artifact] = manifest.artifacts;
    const binary = readFileSync(join(out, stem, "erlmcp"));
    expect(artifact).toMatchObject({ target: host, archive: `${stem}.tar.gz`, binaryBytes: binary.length });
    expect(artifact.binarySha256).toBe(new Bun.CryptoHasher("sha256").update(binary).digest("hex"));
    expect(artifact.glibc).toMatch(/^2\.\d+$/);
  });
});

describe("release build errors", () => {
  test("an unknown target is one line naming the known ones, exit 1", async () => {
    const r = await runToEnd([process.execPath, "release/build.ts", "--targets", "windows-x64", "--out", out], { cwd: ROOT });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('release: --targets: unknown target "windows-x64" (known: linux-x64, linux-x64-baseline, linux-arm64, linux-x64-musl, linux-arm64-musl)\n');
  });
});

describe("minimumGlibc", () => {
  const bytes = (s: string) => new TextEncoder().encode(s);
  test.each([
    ["the newest version need wins, compared as numbers", "x\0GLIBC_2.2.5\0GLIBC_2.17\0GLIBC_2.9\0", "2.17"],
    ["a name not ended by NUL is not a version need", "GLIBC_2.99x\0GLIBC_2.14\0", "2.14"],
    ["GLIBC_PRIVATE is ignored", "GLIBC_PRIVATE\0GLIBC_2.3\0", "2.3"],
    ["no glibc (a static or musl binary)", "nothing here\0", undefined],
  ])("%s", (_, text, expected) => {
    expect(minimumGlibc(bytes(text))).toBe(expected);
  });
});
