import { LocalCode } from "../jsonrpc/codes.ts";
import { LocalError } from "../jsonrpc/errors.ts";
import { DIRECTORY_MIME_TYPE, type SkillEntryWire } from "../protocol/skills-extension.ts";
import type { ResourceDescriptor } from "../protocol/types.ts";
import type { CompiledSkill } from "./skills.ts";

/**
 * The registered skills (SEP-2640): their entries in registration order for skills/list,
 * by SKILL.md URI for skills/get, and the directory tree of their files for
 * resources/directory/read. Views are rebuilt only when a skill is added or removed.
 */
export class SkillCatalog {
  private readonly skills = new Map<string, CompiledSkill>();
  private entries: readonly SkillEntryWire[] | undefined;
  private directories: ReadonlyMap<string, readonly ResourceDescriptor[]> | undefined;

  get size(): number {
    return this.skills.size;
  }

  add(skill: CompiledSkill): void {
    const uri = skill.entry.uri;
    if (this.skills.has(uri)) throw new LocalError(LocalCode.RegistrationInvalid, `skill ${JSON.stringify(uri)} is already registered`);
    this.skills.set(uri, skill);
    this.changed();
  }

  /** Removes the skill whose SKILL.md is `uri`; its files, for the caller to unregister. */
  remove(uri: string): CompiledSkill | undefined {
    const skill = this.skills.get(uri);
    if (skill) {
      this.skills.delete(uri);
      this.changed();
    }
    return skill;
  }

  /** The entry of the skill whose SKILL.md is `uri` (skills/get). */
  get(uri: string): SkillEntryWire | undefined {
    return this.skills.get(uri)?.entry;
  }

  /** Every entry, in registration order (skills/list). */
  list(): readonly SkillEntryWire[] {
    return (this.entries ??= [...this.skills.values()].map((s) => s.entry));
  }

  /**
   * The direct children of directory `uri` (files with their resource metadata,
   * subdirectories as inode/directory resources), or undefined when `uri` is no directory
   * of the skill namespace: every ancestor of a skill file below the scheme is one.
   */
  directory(uri: string): readonly ResourceDescriptor[] | undefined {
    return (this.directories ??= this.buildDirectories()).get(uri);
  }

  private changed(): void {
    this.entries = undefined;
    this.directories = undefined;
  }

  private buildDirectories(): ReadonlyMap<string, readonly ResourceDescriptor[]> {
    const children = new Map<string, Map<string, ResourceDescriptor>>();
    const childrenOf = (dir: string) => {
      let c = children.get(dir);
      if (!c) children.set(dir, (c = new Map()));
      return c;
    };
    for (const skill of this.skills.values())
      for (const file of skill.files) {
        const uri = file.descriptor.uri;
        const schemeEnd = uri.indexOf("://") + 3;
        let parent = uri.slice(0, uri.lastIndexOf("/"));
        childrenOf(parent).set(uri, file.descriptor);
        // Each ancestor directory lists the one below it, up to the first segment (the authority).
        while (parent.lastIndexOf("/") >= schemeEnd) {
          const up = parent.slice(0, parent.lastIndexOf("/"));
          childrenOf(up).set(parent, { uri: parent, name: parent.slice(up.length + 1), mimeType: DIRECTORY_MIME_TYPE });
          parent = up;
        }
      }
    const out = new Map<string, readonly ResourceDescriptor[]>();
    for (const [dir, c] of children) out.set(dir, [...c.values()].sort((a, b) => (a.uri < b.uri ? -1 : a.uri > b.uri ? 1 : 0)));
    return out;
  }
}
