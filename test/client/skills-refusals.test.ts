/**
 * What a real server never serves but a host must refuse (SEP-2640 §Integrity and
 * verification, §Resources): a scripted 2026-07-28 HTTP server hands the real client skill
 * entries and SKILL.md bytes that disagree, and entries a host MUST NOT load. Each refusal
 * names its reason, and nothing beyond what was refused is read.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createClient, type McpClient } from "../../src/client/client.ts";
import { SkillVerificationError } from "../../src/client/errors.ts";
import type { SkillEntry } from "../../src/client/skill-verify.ts";
import { DISCOVER, result, startFake, type Msg } from "./helpers.ts";

const sha256 = (text: string) => `sha256:${new Bun.CryptoHasher("sha256").update(text).digest("hex")}`;
const manifest = (uri: string, text: string) => ({ uri, digest: sha256(text), size: Buffer.byteLength(text) });

const FM = { name: "pdf-processing", description: "Extract, fill, and assemble PDF documents" };
const SKILL_MD = "---\nname: pdf-processing\ndescription: Extract, fill, and assemble PDF documents\n---\n\nBody.\n";
const FORMS = "Supporting content.\n";
/** What the scripted server serves at each URI. */
const FILES: Record<string, string> = {
  "skill://pdf-processing/SKILL.md": SKILL_MD,
  "skill://pdf-processing/references/FORMS.md": FORMS,
  "skill://liar/SKILL.md": SKILL_MD.replaceAll("pdf-processing", "liar").replace("Extract, fill, and assemble PDF documents", "Exfiltrate credentials"),
  "skill://bare/SKILL.md": "No frontmatter here.\n",
  "skill://gen/SKILL.md": SKILL_MD.replaceAll("pdf-processing", "gen"),
  "skill://gen/data/today.md": "generated\n",
};
const pdfResources = [manifest("skill://pdf-processing/SKILL.md", SKILL_MD), manifest("skill://pdf-processing/references/FORMS.md", FORMS)];

const ENTRIES: Record<string, unknown> = {
  // The served SKILL.md hashes to what is declared, but its frontmatter says otherwise (the suite's verify-frontmatter).
  liar: { uri: "skill://liar/SKILL.md", frontmatter: { name: "liar", description: FM.description }, resources: [manifest("skill://liar/SKILL.md", FILES["skill://liar/SKILL.md"]!)] },
  // Declared for other bytes than served (the suite's verify-digest).
  stale: { uri: "skill://pdf-processing/SKILL.md", frontmatter: FM, resources: [{ ...pdfResources[0]!, digest: sha256(SKILL_MD.replace("Body.", "Evil.")) }, pdfResources[1]] },
  bare: { uri: "skill://bare/SKILL.md", frontmatter: { name: "bare", description: "d" }, resources: [manifest("skill://bare/SKILL.md", FILES["skill://bare/SKILL.md"]!)] },
  noResources: { uri: "skill://pdf-processing/SKILL.md", frontmatter: FM },
  misnamed: { uri: "skill://pdf-processing/SKILL.md", frontmatter: { ...FM, name: "other" }, resources: pdfResources },
  outside: { uri: "skill://pdf-processing/SKILL.md", frontmatter: FM, resources: [...pdfResources, manifest("skill://elsewhere/x.md", "x")] },
  withoutSkillMd: { uri: "skill://pdf-processing/SKILL.md", frontmatter: FM, resources: [pdfResources[1]] },
  dynamic: { uri: "skill://gen/SKILL.md", frontmatter: { name: "gen", description: FM.description }, resources: "dynamic" },
};

let fake: ReturnType<typeof startFake>;
let client: McpClient;
const reported: Error[] = [];

beforeAll(async () => {
  fake = startFake((m: Msg) => {
    if (m.method === "server/discover") return result(m, { ...DISCOVER, capabilities: { resources: {}, extensions: { "io.modelcontextprotocol/skills": {} } } });
    if (m.method === "skills/list") return result(m, { resultType: "complete", ttlMs: 0, cacheScope: "private", skills: [ENTRIES.noResources, ENTRIES.liar, ENTRIES.dynamic] });
    if (m.method === "resources/read") return result(m, { resultType: "complete", contents: [{ uri: m.params.uri, mimeType: "text/markdown", text: FILES[m.params.uri] }] });
    return Response.json({ jsonrpc: "2.0", id: m.id, error: { code: -32601, message: "no" } });
  });
  client = createClient({ name: "refusals-test", version: "1.0.0", era: "stateless" });
  client.onError((e) => reported.push(e));
  await client.connect({ url: fake.url });
});
afterAll(async () => {
  await client.close();
  fake.stop();
});

/** The URIs read from request number `from` on. */
const readsSince = (from: number) => fake.seen.slice(from).filter((s) => s.body?.method === "resources/read").map((s) => s.body!.params.uri);

async function refused(entry: unknown, options = {}): Promise<{ error: SkillVerificationError; reads: string[] }> {
  const from = fake.seen.length;
  const error = await client.loadSkill(entry as SkillEntry, options).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SkillVerificationError);
  return { error: error as SkillVerificationError, reads: readsSince(from) };
}

describe("skill refusals (SEP-2640)", () => {
  test("an entry without resources is dropped from the listing and reported", async () => {
    const skills = await client.listAllSkills();
    expect(skills.map((s) => s.uri)).toEqual(["skill://liar/SKILL.md", "skill://gen/SKILL.md"]);
    expect(reported.map((e) => e.message).join("\n")).toContain("a skills/list entry was dropped: skill://pdf-processing/SKILL.md: resources must be an array");
  });

  test("a SKILL.md whose frontmatter differs from the entry's is refused after reading it alone", async () => {
    const { error, reads } = await refused(ENTRIES.liar);
    expect([error.reason, error.expected, error.actual]).toEqual(["frontmatter", FM.description, "Exfiltrate credentials"]);
    expect(error.message).toContain('frontmatter field "description"');
    expect(reads).toEqual(["skill://liar/SKILL.md"]);
  });

  test("a SKILL.md whose digest differs is refused and no supporting file is read", async () => {
    const { error, reads } = await refused(ENTRIES.stale);
    expect([error.reason, error.actual]).toEqual(["digest", sha256(SKILL_MD)]);
    expect(reads).toEqual(["skill://pdf-processing/SKILL.md"]);
  });

  test("a SKILL.md without frontmatter is refused", async () => {
    expect((await refused(ENTRIES.bare)).error.reason).toBe("frontmatter");
  });

  test.each(["noResources", "misnamed", "outside", "withoutSkillMd"])("an invalid entry (%s) is refused before any read", async (which) => {
    const { error, reads } = await refused(ENTRIES[which]);
    expect([error.reason, reads]).toEqual(["invalid-entry", []]);
  });

  test('a "dynamic" skill is refused unless allowed; allowed, files under its root are read unverified', async () => {
    const { error, reads } = await refused(ENTRIES.dynamic);
    expect([error.reason, reads]).toEqual(["unverifiable", []]);
    const skill = await client.loadSkill(ENTRIES.dynamic as SkillEntry, { allowDynamic: true });
    expect(skill.files).toEqual([]);
    expect((await skill.read("data/today.md")).text).toBe("generated\n");
  });

  test("a good entry loads, and its supporting file is read only when asked for", async () => {
    const entry = { uri: "skill://pdf-processing/SKILL.md", frontmatter: FM, resources: pdfResources };
    const from = fake.seen.length;
    const skill = await client.loadSkill(entry);
    expect(readsSince(from)).toEqual(["skill://pdf-processing/SKILL.md"]);
    expect((await skill.read("references/FORMS.md")).text).toBe(FORMS);
    expect(readsSince(from)).toEqual(["skill://pdf-processing/SKILL.md", "skill://pdf-processing/references/FORMS.md"]);
  });
});
