/**
 * The skills extension (SEP-2640) over Streamable HTTP in both eras: registration with
 * server.skill, the capability while a skill is registered, skills/list and skills/get
 * entries whose digests, sizes and frontmatter match what resources/read serves, and
 * resources/directory/read over the skill tree.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { HttpClient, startHttp, type Harness } from "../fixtures/http-harness.ts";
import { mcall, type Msg } from "../fixtures/modern-client.ts";
import { createServer } from "../../src/create-server.ts";
import { LocalError } from "../../src/jsonrpc/errors.ts";

const SKILLS = "io.modelcontextprotocol/skills";
const LOGO = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0, 1, 2, 255]);

let withSkills: Harness;
let without: Harness;
beforeAll(() => {
  withSkills = startHttp({
    everything: false,
    setup: (server) =>
      server
        .skill("git-workflow", {
          description: "Follow this team's Git conventions: branch names, commits",
          frontmatter: { license: "MIT", "allowed-tools": "git", metadata: { version: "1.0", tags: ["git", "vcs"] } },
          instructions: "# Git workflow\n\nSee `references/BRANCHES.md`.\n",
          files: { "references/BRANCHES.md": "main, feature/*, fix/*\n", "assets/logo.png": LOGO, "assets/deep/notes.txt": "ünïcode\n" },
        })
        .skill("refunds", { prefix: "acme/billing", description: "Refunds per policy", instructions: "Refund politely.\n" }),
  });
  without = startHttp({ everything: false });
});
afterAll(async () => {
  await withSkills.stop();
  await without.stop();
});

let seq = 0;
const call = (h: Harness, method: string, params: Msg = {}) => mcall(h.url, `s${++seq}`, method, params);
async function ok(h: Harness, method: string, params: Msg = {}): Promise<Msg> {
  const a = await call(h, method, params);
  expect(a.body.error).toBeUndefined();
  return a.body.result;
}
const sha256 = (bytes: Uint8Array) => `sha256:${new Bun.CryptoHasher("sha256").update(bytes).digest("hex")}`;
/** The raw bytes a resources/read content item carries. */
const bytesOf = (c: Msg) => (typeof c.text === "string" ? new TextEncoder().encode(c.text) : new Uint8Array(Buffer.from(c.blob, "base64")));

describe("skills extension (SEP-2640), 2026-07-28", () => {
  test("server/discover declares the extension with directoryRead beside resources", async () => {
    const caps = (await ok(withSkills, "server/discover")).capabilities;
    expect(caps.extensions[SKILLS]).toEqual({ directoryRead: true });
    expect(caps.resources).toBeDefined();
  });

  test("a server without skills declares no extension and answers its methods -32601", async () => {
    const caps = (await ok(without, "server/discover")).capabilities;
    expect(caps.extensions?.[SKILLS]).toBeUndefined();
    for (const method of ["skills/list", "skills/get", "resources/directory/read"])
      expect((await call(without, method, { uri: "skill://x/SKILL.md" })).body.error.code).toBe(-32601);
  });

  test("skills/list entries carry the frontmatter and a complete manifest whose digests and sizes match every read", async () => {
    const r = await ok(withSkills, "skills/list");
    expect(r.ttlMs).toBeNumber();
    expect(r.cacheScope).toBeString();
    expect(r.skills.map((s: Msg) => s.uri)).toEqual(["skill://git-workflow/SKILL.md", "skill://acme/billing/refunds/SKILL.md"]);
    const git = r.skills[0];
    expect(git.frontmatter).toEqual({
      name: "git-workflow",
      description: "Follow this team's Git conventions: branch names, commits",
      license: "MIT",
      "allowed-tools": "git",
      metadata: { version: "1.0", tags: ["git", "vcs"] },
    });
    expect(git.resources.map((f: Msg) => f.uri).sort()).toEqual(
      ["SKILL.md", "assets/deep/notes.txt", "assets/logo.png", "references/BRANCHES.md"].map((p) => `skill://git-workflow/${p}`),
    );
    for (const f of git.resources) {
      const read = await ok(withSkills, "resources/read", { uri: f.uri });
      const bytes = bytesOf(read.contents[0]);
      expect({ uri: f.uri, digest: sha256(bytes), size: bytes.byteLength }).toEqual(f);
    }
  });

  test("SKILL.md begins with YAML frontmatter identical to the entry's, and resources/list describes it", async () => {
    const entry = (await ok(withSkills, "skills/get", { uri: "skill://git-workflow/SKILL.md" })).skill;
    const read = (await ok(withSkills, "resources/read", { uri: entry.uri })).contents[0];
    expect(read.mimeType).toBe("text/markdown");
    const m = /^---\n([\s\S]*?)\n---\n\n([\s\S]*)$/.exec(read.text)!;
    expect(Bun.YAML.parse(m[1]!)).toEqual(entry.frontmatter);
    expect(m[2]).toBe("# Git workflow\n\nSee `references/BRANCHES.md`.\n");
    const listed = (await ok(withSkills, "resources/list")).resources.find((x: Msg) => x.uri === entry.uri);
    expect(listed).toMatchObject({ name: "git-workflow", description: entry.frontmatter.description, mimeType: "text/markdown" });
  });

  test("skills/get answers a served skill's entry without a cursor, and -32602 for any other URI", async () => {
    const listed = (await ok(withSkills, "skills/list")).skills[1];
    const got = await ok(withSkills, "skills/get", { uri: "skill://acme/billing/refunds/SKILL.md" });
    expect(got.skill).toEqual(listed);
    expect(got.nextCursor).toBeUndefined();
    expect(got.ttlMs).toBeNumber();
    for (const uri of ["skill://nope/SKILL.md", "skill://git-workflow/references/BRANCHES.md", "skill://git-workflow"])
      expect((await call(withSkills, "skills/get", { uri })).body.error).toMatchObject({ code: -32602, data: { uri } });
  });

  test("resources/directory/read lists direct children, subdirectories as inode/directory, and -32602 for files", async () => {
    const root = (await ok(withSkills, "resources/directory/read", { uri: "skill://git-workflow" })).resources;
    expect(root.map((r: Msg) => [r.uri, r.mimeType])).toEqual([
      ["skill://git-workflow/SKILL.md", "text/markdown"],
      ["skill://git-workflow/assets", "inode/directory"],
      ["skill://git-workflow/references", "inode/directory"],
    ]);
    const assets = (await ok(withSkills, "resources/directory/read", { uri: "skill://git-workflow/assets" })).resources;
    expect(assets.map((r: Msg) => r.name)).toEqual(["deep", "logo.png"]);
    const prefix = (await ok(withSkills, "resources/directory/read", { uri: "skill://acme" })).resources;
    expect(prefix).toEqual([{ uri: "skill://acme/billing", name: "billing", mimeType: "inode/directory" }]);
    for (const uri of ["skill://git-workflow/SKILL.md", "skill://git-workflow/missing", "skill://git-workflow/"])
      expect((await call(withSkills, "resources/directory/read", { uri })).body.error.code).toBe(-32602);
  });
});

describe("skills extension (SEP-2640), 2025-11-25 sessions", () => {
  test("initialize declares the extension, and skills/list and skills/get answer on the session", async () => {
    const client = await HttpClient.open(withSkills);
    const init = (await (await fetch(withSkills.url, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json, text/event-stream" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "t", version: "1" } } }),
    })).json()) as Msg;
    expect(init.result.capabilities.extensions[SKILLS]).toEqual({ directoryRead: true });
    const list = await client.call("skills/list");
    expect(list.result.skills).toHaveLength(2);
    expect(list.result.ttlMs).toBeUndefined();
    const got = await client.call("skills/get", { uri: list.result.skills[0].uri });
    expect(got.result.skill).toEqual(list.result.skills[0]);
    expect((await client.call("skills/get", { uri: "skill://nope/SKILL.md" })).error.code).toBe(-32602);
    await client.delete();
  });
});

describe("server.skill registration", () => {
  const server = () => createServer({ name: "t", version: "1" });
  const invalid = (fn: () => unknown) => expect(fn).toThrow(LocalError);

  test("rejects names outside the Agent Skills rules, escaping paths, a hand-written SKILL.md and duplicates", () => {
    const def = { description: "d", instructions: "" };
    for (const name of ["Upper", "-lead", "trail-", "dou--ble", "", "a".repeat(65)]) invalid(() => server().skill(name, def));
    for (const path of ["../x", "a/../../x", "/abs", "a//b", "SKILL.md"]) invalid(() => server().skill("ok", { ...def, files: { [path]: "x" } }));
    invalid(() => server().skill("ok", { ...def, prefix: "../up" }));
    invalid(() => server().skill("ok", { ...def, frontmatter: { name: "other" } }));
    invalid(() => server().skill("ok", { ...def, description: "" }));
    const s = server().skill("ok", def);
    invalid(() => s.skill("ok", def));
  });

  test("refuses a skill beyond the per-skill limits (512 files, 16 MiB)", () => {
    const files = Object.fromEntries(Array.from({ length: 512 }, (_, i) => [`f${i}.txt`, "x"]));
    invalid(() => server().skill("many", { description: "d", instructions: "", files }));
    invalid(() => server().skill("big", { description: "d", instructions: "", files: { "big.bin": new Uint8Array(16 * 1024 * 1024) } }));
  });

  test("removeSkill takes the skill and its files away, and the extension with the last one", async () => {
    const h = startHttp({ everything: false, setup: (s) => s.skill("solo", { description: "d", instructions: "x", files: { "a.md": "a" } }) });
    try {
      expect((await ok(h, "server/discover")).capabilities.extensions?.[SKILLS]).toBeDefined();
      expect(h.server.removeSkill("skill://solo/SKILL.md")).toBe(true);
      expect((await ok(h, "server/discover")).capabilities.extensions?.[SKILLS]).toBeUndefined();
      expect((await call(h, "resources/read", { uri: "skill://solo/a.md" })).body.error.code).toBe(-32602);
    } finally {
      await h.stop();
    }
  });
});
