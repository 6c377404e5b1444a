/**
 * Wire constants of the skills extension (SEP-2640, `io.modelcontextprotocol/skills`).
 * Append-only; each cites the section of seps/2640-skills-extension.md that defines it.
 */

/** The extension identifier (header, §Capability Declaration), under capabilities.extensions. */
export const SKILLS_EXTENSION = "io.modelcontextprotocol/skills";

/** Methods of the extension (§Enumeration via skills/list, §Retrieval via skills/get, §Directory Listing). */
export const SkillMethod = {
  List: "skills/list",
  Get: "skills/get",
  DirectoryRead: "resources/directory/read",
} as const;

/** The file every skill has at its root (§Skill Format). */
export const SKILL_FILE = "SKILL.md";

/** The URI scheme servers SHOULD use (§Resource Mapping). */
export const SKILL_SCHEME = "skill://";

/** mimeType of a SKILL.md resource (§Resource Metadata: SHOULD be text/markdown). */
export const SKILL_MIME_TYPE = "text/markdown";

/** mimeType of a directory resource (§Directory resources). */
export const DIRECTORY_MIME_TYPE = "inode/directory";

/** Per-skill limits a conforming host must accept (§Limits): entries, SKILL.md included, and summed bytes. */
export const SKILL_MAX_RESOURCES = 512;
export const SKILL_MAX_TOTAL_BYTES = 16 * 1024 * 1024;

/**
 * Skill names (§Resource Mapping: the Agent Skills naming rules): 1-64 lowercase
 * alphanumerics and hyphens, no leading, trailing or consecutive hyphen.
 */
export const SKILL_NAME = /^(?!.*--)[a-z0-9]([a-z0-9-]{0,62}[a-z0-9])?$/;

/** One file of a skill as an entry lists it (§Resources): digest `sha256:{64 lowercase hex}` of the raw bytes. */
export interface SkillResourceEntry {
  uri: string;
  digest: string;
  size: number;
}

/** A skill entry, the same in skills/list and skills/get (§Enumeration via skills/list). */
export interface SkillEntryWire {
  uri: string;
  frontmatter: Record<string, unknown>;
  resources: SkillResourceEntry[] | "dynamic";
}
