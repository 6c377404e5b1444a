import { SKILL_FILE, type SkillEntryWire, type SkillResourceEntry } from "../protocol/skills-extension.ts";
import type { ReadResourceResult } from "../protocol/types.ts";
import { excerpt, protocolViolation, SkillVerificationError } from "./errors.ts";

/**
 * The host-side checks of SEP-2640 as pure functions: is an entry loadable, are the bytes a
 * read returned the bytes the entry declares, does SKILL.md's frontmatter say what the entry
 * says. Every failure is a SkillVerificationError naming the file and what differed.
 */

/** A skill entry as skills/list and skills/get carry it. */
export type SkillEntry = SkillEntryWire;

/** Whether `value` has the shape of an entry; the reason when not (for dropping it from a listing). */
export function entryShapeProblem(value: unknown): string | undefined {
  if (typeof value !== "object" || value === null) return "an entry must be an object";
  const e = value as Record<string, unknown>;
  if (typeof e.uri !== "string") return "an entry needs a string uri";
  if (typeof e.frontmatter !== "object" || e.frontmatter === null || Array.isArray(e.frontmatter)) return `${e.uri}: frontmatter must be an object`;
  // §Resources: an entry with no resources, or anything but an array or "dynamic", is invalid.
  if (e.resources === "dynamic") return undefined;
  if (!Array.isArray(e.resources)) return `${e.uri}: resources must be an array of {uri, digest, size} or "dynamic"`;
  for (const r of e.resources as unknown[]) {
    const f = r as Partial<SkillResourceEntry> | null;
    if (typeof f?.uri !== "string" || typeof f.digest !== "string" || !Number.isSafeInteger(f.size) || f.size! < 0)
      return `${e.uri}: each resource needs a string uri, a string digest and a non-negative integer size`;
  }
  return undefined;
}

/** The skill's root directory: its SKILL.md URI without "/SKILL.md" (§Resource Mapping). */
export function skillRoot(uri: string): string {
  return uri.slice(0, -(SKILL_FILE.length + 1));
}

/**
 * Refuses an entry a host MUST NOT load (§Resources, §Frontmatter): a malformed one, a uri not
 * ending in /SKILL.md, a final path segment other than frontmatter.name, a manifest missing
 * SKILL.md, listing a file twice or a file outside the skill directory.
 */
export function checkEntry(entry: SkillEntry): void {
  const invalid = (why: string) => new SkillVerificationError("invalid-entry", String(entry?.uri), `invalid skill entry: ${why}`);
  const shape = entryShapeProblem(entry);
  if (shape) throw invalid(shape);
  if (!entry.uri.endsWith(`/${SKILL_FILE}`)) throw invalid(`uri must name the skill's ${SKILL_FILE}`);
  const root = skillRoot(entry.uri);
  const name = root.slice(root.lastIndexOf("/") + 1);
  if (entry.frontmatter.name !== name) throw invalid(`the last path segment ${JSON.stringify(name)} must equal frontmatter.name ${JSON.stringify(entry.frontmatter.name)}`);
  if (entry.resources === "dynamic") return;
  const seen = new Set<string>();
  for (const r of entry.resources) {
    if (seen.has(r.uri)) throw invalid(`${r.uri} is listed twice`);
    seen.add(r.uri);
    if (!r.uri.startsWith(`${root}/`) || resolveInSkill(root, r.uri.slice(root.length + 1)) !== r.uri) throw invalid(`${r.uri} is not a file of the skill directory ${root}`);
  }
  if (!seen.has(entry.uri)) throw invalid(`resources must list ${SKILL_FILE} itself`);
}

/**
 * `ref` (a path relative to the skill root, or a full URI under it) as a URI inside the skill,
 * or undefined when it leaves the skill (`..` past the root, another scheme or skill).
 */
export function resolveInSkill(root: string, ref: string): string | undefined {
  const relative = ref.startsWith(`${root}/`) ? ref.slice(root.length + 1) : /^[a-z][a-z0-9+.-]*:/i.test(ref) ? undefined : ref;
  if (relative === undefined) return undefined;
  const out: string[] = [];
  for (const segment of relative.split("/")) {
    if (segment === "" || segment === ".") continue;
    if (segment === "..") {
      if (out.length === 0) return undefined;
      out.pop();
    } else out.push(segment);
  }
  return out.length === 0 ? undefined : `${root}/${out.join("/")}`;
}

/** The raw bytes of `uri` in a resources/read result: UTF-8 of text, or the decoded blob. */
export function bytesOfRead(result: ReadResourceResult, uri: string): { bytes: Uint8Array; mimeType?: string; text?: string } {
  const contents = Array.isArray(result?.contents) ? result.contents : [];
  const item = contents.find((c) => c?.uri === uri) ?? (contents.length === 1 ? contents[0] : undefined);
  if (!item) throw protocolViolation(`resources/read of ${uri} returned no content for that URI`);
  if ("text" in item && typeof item.text === "string") return { bytes: new TextEncoder().encode(item.text), mimeType: item.mimeType, text: item.text };
  if ("blob" in item && typeof item.blob === "string") return { bytes: new Uint8Array(Buffer.from(item.blob, "base64")), mimeType: item.mimeType };
  throw protocolViolation(`resources/read of ${uri} returned content with neither text nor blob`);
}

/** `sha256:` and 64 lowercase hex of the bytes (§Integrity and verification). */
export function digestOf(bytes: Uint8Array): string {
  return `sha256:${new Bun.CryptoHasher("sha256").update(bytes).digest("hex")}`;
}

/**
 * Checks read bytes against the entry's {size, digest}: the size first, since a length that
 * differs is a failure whether or not the digest is computed (§Resources).
 */
export function verifyFile(declared: SkillResourceEntry, bytes: Uint8Array): void {
  if (bytes.byteLength !== declared.size)
    throw new SkillVerificationError("size", declared.uri, `read ${bytes.byteLength} bytes where the skill entry declares ${declared.size}`, declared.size, bytes.byteLength);
  const actual = digestOf(bytes);
  if (actual !== declared.digest)
    throw new SkillVerificationError("digest", declared.uri, `content hashes to ${actual}, not the ${declared.digest} the skill entry declares`, declared.digest, actual);
}

/** SKILL.md's YAML frontmatter as data; undefined when the file does not start with one. */
export function parseFrontmatter(text: string): Record<string, unknown> | undefined {
  const match = /^---\r?\n([\s\S]*?)\r?\n---[ \t]*(?:\r?\n|$)/.exec(text.replace(/^\uFEFF/, ""));
  if (!match) return undefined;
  let data: unknown;
  try {
    data = Bun.YAML.parse(match[1]!);
  } catch {
    return undefined;
  }
  return typeof data === "object" && data !== null && !Array.isArray(data) ? (data as Record<string, unknown>) : undefined;
}

/**
 * Compares SKILL.md's frontmatter field by field with the entry's (§Integrity and
 * verification: any discrepancy is a verification failure and the skill MUST NOT be loaded).
 */
export function verifyFrontmatter(entry: SkillEntry, text: string): Record<string, unknown> {
  const parsed = parseFrontmatter(text);
  const fail = (why: string, expected?: unknown, actual?: unknown) => new SkillVerificationError("frontmatter", entry.uri, why, expected, actual);
  if (!parsed) throw fail(`does not begin with YAML frontmatter (it begins ${JSON.stringify(excerpt(text, 60))})`);
  for (const key of new Set([...Object.keys(entry.frontmatter), ...Object.keys(parsed)])) {
    if (!Bun.deepEquals(parsed[key], entry.frontmatter[key], true))
      throw fail(`frontmatter field ${JSON.stringify(key)} is ${JSON.stringify(parsed[key])} in the file but ${JSON.stringify(entry.frontmatter[key])} in the skill entry`, entry.frontmatter[key], parsed[key]);
  }
  return parsed;
}
