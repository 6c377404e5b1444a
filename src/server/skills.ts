import { LocalCode } from "../jsonrpc/codes.ts";
import { LocalError } from "../jsonrpc/errors.ts";
import {
  SKILL_FILE,
  SKILL_MAX_RESOURCES,
  SKILL_MAX_TOTAL_BYTES,
  SKILL_MIME_TYPE,
  SKILL_NAME,
  SKILL_SCHEME,
  type SkillEntryWire,
} from "../protocol/skills-extension.ts";
import type { ResourceDescriptor } from "../protocol/types.ts";

/** One supporting file of a skill: text (UTF-8), bytes, or either with its own mimeType. */
export type SkillFile = string | Uint8Array | { text: string; mimeType?: string } | { bytes: Uint8Array; mimeType?: string };

/** A skill registration (SEP-2640): the SKILL.md frontmatter and body, and its supporting files. */
export interface SkillDefinition {
  /** Frontmatter `description`: what the skill does and when to use it (Agent Skills: 1-1024 characters). */
  description: string;
  /** The SKILL.md body: the markdown after the frontmatter. */
  instructions: string;
  /** Further frontmatter fields (license, metadata, allowed-tools…), served verbatim. */
  frontmatter?: Record<string, unknown>;
  /** Supporting files by path relative to the skill root (`references/FORMS.md`). */
  files?: Record<string, SkillFile>;
  /** Organizational path before the name: "acme/billing" serves skill://acme/billing/<name>/SKILL.md. */
  prefix?: string;
}

/** A file of a compiled skill: its resource descriptor and raw bytes. */
export interface CompiledSkillFile {
  readonly descriptor: ResourceDescriptor;
  readonly bytes: Uint8Array;
  /** Set when the file is served as text. */
  readonly text?: string;
}

/** A skill ready to serve: its wire entry (digests computed once) and its files. */
export interface CompiledSkill {
  readonly entry: SkillEntryWire;
  readonly files: readonly CompiledSkillFile[];
}

/** URI path segments: RFC 3986 unreserved characters, never "." or ".." (no escaping out of the skill). */
const SEGMENT = /^[A-Za-z0-9._~-]+$/;
const FILE_SEGMENT = /^[A-Za-z0-9._~!$&'()+,;=@-]+$/;
const DESCRIPTION_MAX = 1024;

/** Compiles a registration: validates names and paths, renders SKILL.md, digests every file. */
export function compileSkill(name: string, def: SkillDefinition): CompiledSkill {
  const where = `skill ${JSON.stringify(name)}`;
  const fail = (why: string) => new LocalError(LocalCode.RegistrationInvalid, `${where}: ${why}`);
  if (!SKILL_NAME.test(name)) throw fail("names are 1-64 of a-z 0-9 and -, without a leading, trailing or doubled - (Agent Skills naming rules)");
  if (typeof def?.description !== "string" || def.description.length === 0 || def.description.length > DESCRIPTION_MAX)
    throw fail(`description must be 1-${DESCRIPTION_MAX} characters`);
  if (typeof def.instructions !== "string") throw fail("instructions (the SKILL.md body) must be a string");
  const prefix = def.prefix === undefined || def.prefix === "" ? [] : def.prefix.split("/");
  if (!prefix.every((s) => SEGMENT.test(s) && s !== "." && s !== ".."))
    throw fail(`prefix ${JSON.stringify(def.prefix)}: "/"-separated segments of A-Z a-z 0-9 . _ ~ -`);
  const frontmatter = frontmatterOf(name, def, fail);
  const root = `${SKILL_SCHEME}${[...prefix, name].join("/")}`;
  const skillMd = `${root}/${SKILL_FILE}`;

  const text = `${renderFrontmatter(frontmatter)}\n${def.instructions}`;
  const files: CompiledSkillFile[] = [
    fileOf(skillMd, { name, description: def.description, mimeType: SKILL_MIME_TYPE }, new TextEncoder().encode(text), text),
  ];
  for (const [path, content] of Object.entries(def.files ?? {})) {
    const segments = path.split("/");
    if (!segments.every((s) => FILE_SEGMENT.test(s) && s !== "." && s !== ".."))
      throw fail(`file ${JSON.stringify(path)}: a relative path of segments of A-Z a-z 0-9 and ._~!$&'()+,;=@-`);
    if (path === SKILL_FILE) throw fail(`${SKILL_FILE} is rendered from description, frontmatter and instructions`);
    files.push(supportingFile(`${root}/${path}`, path, content, `${path} of the ${name} skill`));
  }
  const total = files.reduce((n, f) => n + f.bytes.byteLength, 0);
  // §Limits: servers SHOULD NOT serve a skill beyond them, since no host has to load it.
  if (files.length > SKILL_MAX_RESOURCES) throw fail(`${files.length} files; a skill may have at most ${SKILL_MAX_RESOURCES} (SEP-2640 §Limits)`);
  if (total > SKILL_MAX_TOTAL_BYTES) throw fail(`${total} bytes; a skill may have at most ${SKILL_MAX_TOTAL_BYTES} (SEP-2640 §Limits)`);
  const resources = files.map((f) => ({ uri: f.descriptor.uri, digest: digestOf(f.bytes), size: f.bytes.byteLength }));
  return { entry: { uri: skillMd, frontmatter, resources }, files };
}

/** The frontmatter as JSON data: name and description first, then the author's fields verbatim. */
function frontmatterOf(name: string, def: SkillDefinition, fail: (why: string) => Error): Record<string, unknown> {
  const extra = def.frontmatter ?? {};
  if ("name" in extra || "description" in extra) throw fail("name and description are set by the registration, not in frontmatter");
  let copy: Record<string, unknown>;
  try {
    copy = JSON.parse(JSON.stringify(extra)) as Record<string, unknown>;
  } catch {
    throw fail("frontmatter must be JSON data");
  }
  return { name, description: def.description, ...copy };
}

/**
 * YAML frontmatter whose parse is exactly `frontmatter`: every key and value is written as
 * JSON, which YAML 1.2 reads as the same data (a SEP-2640 §Frontmatter MUST: the entry's
 * frontmatter is identical in content to the file's).
 */
function renderFrontmatter(frontmatter: Record<string, unknown>): string {
  const lines = Object.entries(frontmatter).map(([k, v]) => `${/^[A-Za-z_][A-Za-z0-9_-]*$/.test(k) ? k : JSON.stringify(k)}: ${JSON.stringify(v)}`);
  return `---\n${lines.join("\n")}\n---\n`;
}

function supportingFile(uri: string, path: string, content: SkillFile, description: string): CompiledSkillFile {
  // Named by the file's own name, as directory listings show it (SEP-2640 §resources/directory/read example).
  const meta = { name: path.slice(path.lastIndexOf("/") + 1), description, mimeType: mimeTypeOf(path, typeof content === "string" || (typeof content === "object" && "text" in content)) };
  if (typeof content === "string") return fileOf(uri, meta, new TextEncoder().encode(content), content);
  if (content instanceof Uint8Array) return fileOf(uri, meta, content);
  const mimeType = content.mimeType ?? meta.mimeType;
  if ("text" in content) return fileOf(uri, { ...meta, mimeType }, new TextEncoder().encode(content.text), content.text);
  return fileOf(uri, { ...meta, mimeType }, content.bytes);
}

function fileOf(uri: string, meta: { name: string; description?: string; mimeType: string }, bytes: Uint8Array, text?: string): CompiledSkillFile {
  return { descriptor: { uri, ...meta, size: bytes.byteLength } as ResourceDescriptor, bytes, text };
}

/** §Integrity and verification: `sha256:` and 64 lowercase hex over the raw bytes. */
function digestOf(bytes: Uint8Array): string {
  return `sha256:${new Bun.CryptoHasher("sha256").update(bytes).digest("hex")}`;
}

const MIME_BY_EXTENSION: Readonly<Record<string, string>> = {
  md: "text/markdown",
  txt: "text/plain",
  py: "text/x-python",
  sh: "text/x-shellscript",
  js: "text/javascript",
  ts: "text/x-typescript",
  json: "application/json",
  yaml: "application/yaml",
  yml: "application/yaml",
  html: "text/html",
  csv: "text/csv",
  png: "image/png",
  jpg: "image/jpeg",
  pdf: "application/pdf",
};

function mimeTypeOf(path: string, isText: boolean): string {
  const ext = path.slice(path.lastIndexOf(".") + 1).toLowerCase();
  return MIME_BY_EXTENSION[ext] ?? (isText ? "text/plain" : "application/octet-stream");
}
