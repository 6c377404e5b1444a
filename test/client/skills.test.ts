/**
 * Host-side skills (SEP-2640) through the client users get, over real HTTP in both eras:
 * listing with pagination reads no file, loading reads SKILL.md alone and verifies it, files
 * are read (and verified) when asked for, directories are browsed; a server whose bytes
 * differ from the digests its entries declare is refused with a precise error, before any
 * further file is read.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createClient, type McpClient } from "../../src/client/client.ts";
import { SkillVerificationError, type SkillRefusal } from "../../src/client/errors.ts";
import type { EraChoice } from "../../src/client/negotiate.ts";
import { LocalCode } from "../../src/jsonrpc/codes.ts";
import { startHttp, type Harness } from "../fixtures/http-harness.ts";
import { startProxy } from "./helpers.ts";

const PDF = "skill://pdf-processing/SKILL.md";
const REFUNDS = "skill://acme/billing/refunds/SKILL.md";

let everything: Harness;
let proxy: ReturnType<typeof startProxy>;
let tampered: Harness;
let tamperedProxy: ReturnType<typeof startProxy>;
let bare: Harness;

beforeAll(() => {
  // pageSize 1: each skill entry is a page of its own, so listing must follow cursors.
  everything = startHttp({ limits: { pageSize: 1 } });
  proxy = startProxy(everything.url);
  tampered = startHttp({
    everything: false,
    setup: (server) => {
      server.skill("swapped", {
        description: "Its reference is replaced after registration",
        instructions: "Read `references/A.md`, then `references/B.md`.\n",
        files: { "references/A.md": "original text\n", "references/B.md": "short\n" },
      });
      // The entry keeps the digests computed at registration; the resources now serve other bytes.
      server.removeResource("skill://swapped/references/A.md");
      server.resource("skill://swapped/references/A.md", { name: "A.md", mimeType: "text/markdown" }, { text: "tampered text\n" });
      server.removeResource("skill://swapped/references/B.md");
      server.resource("skill://swapped/references/B.md", { name: "B.md", mimeType: "text/markdown" }, { text: "a longer replacement\n" });
      server.skill("good", { description: "Untouched", instructions: "Fine.\n" });
    },
  });
  tamperedProxy = startProxy(tampered.url);
  bare = startHttp({ everything: false });
});
afterAll(async () => {
  proxy.stop();
  tamperedProxy.stop();
  await everything.stop();
  await tampered.stop();
  await bare.stop();
});

async function connect(url: URL, era: EraChoice): Promise<McpClient> {
  const client = createClient({ name: "skills-test", version: "1.0.0", era });
  await client.connect({ url });
  return client;
}

/** The methods (and resources/read URIs) the proxy saw from request number `from` on. */
function calls(p: ReturnType<typeof startProxy>, from: number): string[] {
  return p.seen
    .slice(from)
    .filter((s) => s.body?.method && s.body.method !== "server/discover" && !s.body.method.startsWith("notifications/") && s.body.method !== "initialize")
    .map((s) => (s.body.method === "resources/read" ? `read ${s.body.params.uri}` : s.body.method));
}

const sha256 = (text: string) => `sha256:${new Bun.CryptoHasher("sha256").update(text).digest("hex")}`;

async function refusal(promise: Promise<unknown>): Promise<SkillVerificationError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SkillVerificationError);
  return error as SkillVerificationError;
}

for (const era of ["stateless", "session"] as const) {
  describe(`skills through the client, ${era} era`, () => {
    test("listAllSkills follows the cursors through every entry and reads no file", async () => {
      const client = await connect(proxy.url, era);
      const from = proxy.seen.length;
      const skills = await client.listAllSkills();
      expect(skills.map((s) => s.uri)).toEqual([PDF, REFUNDS]);
      expect(skills[1]!.frontmatter).toEqual({ name: "refunds", description: "Process customer refund requests per company policy", license: "Apache-2.0" });
      expect(calls(proxy, from)).toEqual(["skills/list", "skills/list"]);
      await client.close();
    });

    test("loadSkill reads SKILL.md alone; read() fetches a listed file on demand, verified, and once", async () => {
      const client = await connect(proxy.url, era);
      const [pdf] = await client.listAllSkills();
      const from = proxy.seen.length;
      const skill = await client.loadSkill(pdf!);
      expect(calls(proxy, from)).toEqual([`read ${PDF}`]);
      expect([skill.name, skill.root, skill.frontmatter.metadata]).toEqual(["pdf-processing", "skill://pdf-processing", { version: "2.1.0" }]);
      expect(skill.text).toContain("Read `references/FORMS.md`");
      expect(skill.files).toHaveLength(6);
      const forms = await skill.read("references/FORMS.md");
      expect(forms.text).toBe("# Forms\n\nFields: name, address, amount.\n");
      expect(new TextDecoder().decode(forms.bytes)).toBe(forms.text!);
      await skill.read("skill://pdf-processing/references/FORMS.md");
      expect(calls(proxy, from)).toEqual([`read ${PDF}`, "read skill://pdf-processing/references/FORMS.md"]);
      await client.close();
    });

    test("a file the entry does not list is refused without a request; a path leaving the skill is a usage error", async () => {
      const client = await connect(proxy.url, era);
      const skill = await client.loadSkill(PDF);
      const from = proxy.seen.length;
      const unlisted = await refusal(skill.read("references/SECRET.md"));
      expect([unlisted.reason, unlisted.uri]).toEqual(["unlisted", "skill://pdf-processing/references/SECRET.md"]);
      const escape = await skill.read("../acme/billing/refunds/SKILL.md").catch((e: unknown) => e);
      expect((escape as { code?: string }).code).toBe(LocalCode.UsageInvalid);
      expect(calls(proxy, from)).toEqual([]);
      await client.close();
    });

    test("loadSkill by URI gets the entry with skills/get first, for a prefixed skill", async () => {
      const client = await connect(proxy.url, era);
      const from = proxy.seen.length;
      const refunds = await client.loadSkill(REFUNDS);
      expect(calls(proxy, from)).toEqual(["skills/get", `read ${REFUNDS}`]);
      expect((await refunds.read("examples/email.md")).text).toStartWith("Dear customer,");
      await client.close();
    });

    test("readAllDirectory lists a directory's children, subdirectories as inode/directory", async () => {
      const client = await connect(everything.url, era);
      const children = await client.readAllDirectory("skill://pdf-processing/templates");
      expect(children.map((r) => [r.uri, r.mimeType])).toEqual([
        ["skill://pdf-processing/templates/invoice.md", "text/markdown"],
        ["skill://pdf-processing/templates/purchase-order.md", "text/markdown"],
        ["skill://pdf-processing/templates/regional", "inode/directory"],
      ]);
      await client.close();
    });

    test("a served file whose bytes differ from the entry is refused: digest at equal length, size otherwise", async () => {
      const client = await connect(tamperedProxy.url, era);
      const skills = await client.listAllSkills();
      expect(skills.map((s) => s.uri)).toEqual(["skill://swapped/SKILL.md", "skill://good/SKILL.md"]);
      const skill = await client.loadSkill(skills[0]!);
      const cases: [string, SkillRefusal][] = [
        ["references/A.md", "digest"],
        ["references/B.md", "size"],
      ];
      for (const [path, reason] of cases) {
        const e = await refusal(skill.read(path));
        expect([e.reason, e.uri, e.code]).toEqual([reason, `skill://swapped/${path}`, LocalCode.SkillVerificationFailed]);
        expect(e.message).toContain("the content was not used");
      }
      const a = await refusal(skill.read("references/A.md"));
      expect([a.expected, a.actual]).toEqual([sha256("original text\n"), sha256("tampered text\n")]);
      await client.close();
    });

    test("a server without skills: every skill call throws ExtensionNotDeclared", async () => {
      const client = await connect(bare.url, era);
      for (const call of [() => client.listAllSkills(), () => client.getSkill(PDF), () => client.loadSkill(PDF), () => client.readAllDirectory("skill://x")]) {
        const e = await call().catch((error: unknown) => error);
        expect((e as { code?: string }).code).toBe(LocalCode.ExtensionNotDeclared);
      }
      await client.close();
    });
  });
}
