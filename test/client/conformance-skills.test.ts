/**
 * `erlmcp client` in the conformance suite's sep-2640-client-* scenarios, run as a process
 * against our own server behind a recording proxy: no-prefetch lists and reads nothing,
 * the verify scenarios load every skill and read its files, and stop at a SKILL.md whose
 * bytes are not the ones its entry declares (exit 1, the refusal on stderr).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { fileURLToPath } from "node:url";
import { runToEnd } from "../cli/process.ts";
import { startHttp, type Harness } from "../fixtures/http-harness.ts";
import { startProxy } from "./helpers.ts";

const MAIN = fileURLToPath(new URL("../../src/cli/main.ts", import.meta.url));

let everything: Harness;
let tampered: Harness;
let proxy: ReturnType<typeof startProxy>;
let tamperedProxy: ReturnType<typeof startProxy>;
beforeAll(() => {
  everything = startHttp();
  tampered = startHttp({
    everything: false,
    setup: (server) => {
      server.skill("notes", { description: "Notes", instructions: "Read `a.md`.\n", files: { "a.md": "a\n" } });
      // SKILL.md now serves other bytes of the same length than the digest its entry declares.
      const uri = "skill://notes/SKILL.md";
      server.removeResource(uri);
      server.resource(uri, { name: "notes", mimeType: "text/markdown" }, { text: '---\nname: "notes"\ndescription: "Evil!"\n---\n\nRead `a.md`.\n' });
    },
  });
  proxy = startProxy(everything.url);
  tamperedProxy = startProxy(tampered.url);
});
afterAll(async () => {
  proxy.stop();
  tamperedProxy.stop();
  await everything.stop();
  await tampered.stop();
});

async function scenario(name: string, url: URL) {
  const env: Record<string, string> = { ...(process.env as Record<string, string>), MCP_CONFORMANCE_SCENARIO: name };
  return runToEnd([process.execPath, MAIN, "client", url.href], { env });
}
const methods = (p: ReturnType<typeof startProxy>, from: number) => p.seen.slice(from).map((s) => s.body?.method);
const reads = (p: ReturnType<typeof startProxy>, from: number) => p.seen.slice(from).filter((s) => s.body?.method === "resources/read").map((s) => s.body.params.uri);

describe("erlmcp client, sep-2640 client scenarios", () => {
  test("no-prefetch lists the skills and reads no file", async () => {
    const from = proxy.seen.length;
    const r = await scenario("sep-2640-client-no-prefetch", proxy.url);
    expect([r.code, r.stderr]).toEqual([0, ""]);
    expect(methods(proxy, from)).toContain("skills/list");
    expect(reads(proxy, from)).toEqual([]);
  });

  test("verify-digest against a faithful server loads each skill and reads every listed file", async () => {
    const from = proxy.seen.length;
    const r = await scenario("sep-2640-client-verify-digest", proxy.url);
    expect([r.code, r.stderr]).toEqual([0, ""]);
    expect(reads(proxy, from)).toHaveLength(8);
    expect(reads(proxy, from).slice(0, 2)).toEqual(["skill://pdf-processing/SKILL.md", "skill://pdf-processing/references/FORMS.md"]);
  });

  test("verify-digest against a tampered SKILL.md refuses it, exits 1, and reads nothing further", async () => {
    const from = tamperedProxy.seen.length;
    const r = await scenario("sep-2640-client-verify-digest", tamperedProxy.url);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("skill://notes/SKILL.md: content hashes to sha256:");
    expect(r.stderr).toContain("[skill_verification_failed]");
    expect(reads(tamperedProxy, from)).toEqual(["skill://notes/SKILL.md"]);
  });
});
