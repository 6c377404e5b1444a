import { LocalCode } from "../jsonrpc/codes.ts";
import { LocalError } from "../jsonrpc/errors.ts";
import type { Params } from "../jsonrpc/message.ts";
import { Method } from "../protocol/methods.ts";
import { SKILL_MAX_TOTAL_BYTES, SKILLS_EXTENSION, SkillMethod } from "../protocol/skills-extension.ts";
import type { ReadResourceResult, ServerCapabilities } from "../protocol/types.ts";
import type { Page } from "./catalog.ts";
import { protocolViolation, SkillVerificationError } from "./errors.ts";
import type { RequestOptions } from "./rpc.ts";
import { bytesOfRead, checkEntry, entryShapeProblem, resolveInSkill, skillRoot, verifyFile, verifyFrontmatter, type SkillEntry } from "./skill-verify.ts";

/**
 * Host-side skills (SEP-2640): listing and getting entries, loading a skill (its SKILL.md,
 * verified against the entry) and reading its files on demand, each verified when read.
 * Nothing is fetched ahead of need (§Integrity and verification: not on connection, not on
 * listing): listing reads only skills/list, loading reads only SKILL.md.
 */

/** What the skill calls need of a connected client. */
export interface SkillPeer {
  request(method: string, params: Params, options?: RequestOptions): Promise<Params>;
  capabilities(): ServerCapabilities;
}

/** Options of loadSkill. */
export interface LoadSkillOptions extends RequestOptions {
  /**
   * Load a skill whose entry says `"resources": "dynamic"`: its files cannot be verified
   * (only SKILL.md's frontmatter is compared) and any file under its root may be read, up
   * to 16 MiB in all. Default false: such skills are refused (§Resources: hosts MAY decline).
   */
  allowDynamic?: boolean;
}

/** A file of a loaded skill, verified against the entry when it has a manifest. */
export interface SkillFileContent {
  uri: string;
  bytes: Uint8Array;
  /** Set when the server sent the file as text. */
  text?: string;
  mimeType?: string;
}

/** The extension's settings the server declared; throws when it declared none (SEP-2133). */
function declaration(peer: SkillPeer, method: string): Record<string, unknown> {
  const declared = (peer.capabilities().extensions as Record<string, unknown> | undefined)?.[SKILLS_EXTENSION];
  if (typeof declared !== "object" || declared === null)
    throw new LocalError(LocalCode.ExtensionNotDeclared, `${method}: the server does not declare the ${SKILLS_EXTENSION} extension`);
  return declared as Record<string, unknown>;
}

/** One page of skills/list; malformed entries are dropped and reported (a host MUST NOT load them). */
export async function listSkillsPage(peer: SkillPeer, options: RequestOptions & { cursor?: string }, report: (e: Error) => void): Promise<Page<"skills">> {
  declaration(peer, SkillMethod.List);
  const { cursor, ...rest } = options;
  const result = await peer.request(SkillMethod.List, cursor === undefined ? {} : { cursor }, rest);
  if (!Array.isArray(result.skills)) throw protocolViolation(`the server's ${SkillMethod.List} result has no skills array`);
  const kept: SkillEntry[] = [];
  for (const entry of result.skills as unknown[]) {
    const problem = entryShapeProblem(entry);
    if (problem) report(protocolViolation(`a skills/list entry was dropped: ${problem}`));
    else kept.push(entry as SkillEntry);
  }
  return { ...result, skills: kept } as Page<"skills">;
}

/** skills/get: the entry of the skill whose SKILL.md is `uri`, listed or not. */
export async function getSkill(peer: SkillPeer, uri: string, options: RequestOptions = {}): Promise<SkillEntry> {
  declaration(peer, SkillMethod.Get);
  const result = await peer.request(SkillMethod.Get, { uri }, options);
  const problem = entryShapeProblem(result.skill);
  if (problem) throw protocolViolation(`the server's skills/get result for ${uri} has no valid skill entry: ${problem}`);
  return result.skill as SkillEntry;
}

/** One page of resources/directory/read: the direct children of a directory resource. */
export async function readDirectoryPage(peer: SkillPeer, uri: string, options: RequestOptions & { cursor?: string }): Promise<Page<"resources">> {
  // §Capability Declaration: clients MUST NOT call it unless the server declared directoryRead: true.
  if (declaration(peer, SkillMethod.DirectoryRead).directoryRead !== true)
    throw new LocalError(LocalCode.ExtensionNotDeclared, `${SkillMethod.DirectoryRead}: the server does not declare directoryRead in the ${SKILLS_EXTENSION} extension`);
  const { cursor, ...rest } = options;
  const result = await peer.request(SkillMethod.DirectoryRead, cursor === undefined ? { uri } : { uri, cursor }, rest);
  if (!Array.isArray(result.resources)) throw protocolViolation(`the server's ${SkillMethod.DirectoryRead} result has no resources array`);
  return result as unknown as Page<"resources">;
}

/**
 * Loads a skill: takes its entry (from a listing, or skills/get when given a URI), refuses an
 * invalid one, then reads SKILL.md alone and verifies its size, digest and frontmatter.
 */
export async function loadSkill(peer: SkillPeer, target: SkillEntry | string, options: LoadSkillOptions = {}): Promise<LoadedSkill> {
  const { allowDynamic = false, ...request } = options;
  const entry = typeof target === "string" ? await getSkill(peer, target, request) : target;
  checkEntry(entry);
  if (entry.resources === "dynamic" && !allowDynamic)
    throw new SkillVerificationError("unverifiable", entry.uri, `its entry declares "resources": "dynamic", so its content cannot be verified; pass allowDynamic to load it anyway`);
  const reads = new VerifiedReads(peer, entry);
  const file = await reads.fetch(entry.uri, request);
  const text = file.text ?? new TextDecoder().decode(file.bytes);
  return new LoadedSkill(reads, entry, verifyFrontmatter(entry, text), text);
}

/**
 * A loaded skill: SKILL.md verified, the entry it was loaded from held for as long as the
 * object lives (the window in which the host acts on the skill). Its files are read only
 * when asked for, only if the entry lists them, and kept once verified.
 */
export class LoadedSkill {
  /** The skill's root directory (`skill://pdf-processing`), against which references resolve. */
  readonly root: string;

  constructor(
    private readonly reads: VerifiedReads,
    /** The entry the skill was loaded from. */
    readonly entry: SkillEntry,
    /** The frontmatter, verified equal in SKILL.md and the entry. */
    readonly frontmatter: Record<string, unknown>,
    /** The whole SKILL.md, frontmatter included. */
    readonly text: string,
  ) {
    this.root = skillRoot(entry.uri);
  }

  /** The skill's name (frontmatter.name, the last segment of its path). */
  get name(): string {
    return String(this.entry.frontmatter.name);
  }

  /** The URIs the entry lists (SKILL.md included); empty for a dynamic skill. */
  get files(): readonly string[] {
    return this.entry.resources === "dynamic" ? [] : this.entry.resources.map((r) => r.uri);
  }

  /**
   * Reads a file of the skill by a reference relative to its root (`references/FORMS.md`) or
   * its full URI. A file the entry does not list is refused without a request (§Integrity and
   * verification: an unlisted file is a verification failure); the bytes are verified.
   */
  read(ref: string, options: RequestOptions = {}): Promise<SkillFileContent> {
    const uri = resolveInSkill(this.root, ref);
    if (uri === undefined) return Promise.reject(new LocalError(LocalCode.UsageInvalid, `${JSON.stringify(ref)} is not a file of the skill at ${this.root}`));
    return this.reads.fetch(uri, options);
  }
}

/**
 * The reads of one loaded skill: each file fetched at most once, verified against the held
 * entry, and kept in memory, where nothing but this process can change it (§Security
 * Implications: a cache must be unwritable by others or re-verified on every access).
 */
class VerifiedReads {
  private readonly verified = new Map<string, SkillFileContent>();
  private dynamicBytes = 0;

  constructor(
    private readonly peer: SkillPeer,
    private readonly entry: SkillEntry,
  ) {}

  async fetch(uri: string, options: RequestOptions): Promise<SkillFileContent> {
    const cached = this.verified.get(uri);
    // A copy, so a caller writing into the bytes cannot change what later reads get.
    if (cached) return { ...cached, bytes: cached.bytes.slice() };
    const manifest = this.entry.resources;
    const declared = manifest === "dynamic" ? undefined : manifest.find((r) => r.uri === uri);
    if (manifest !== "dynamic" && !declared)
      throw new SkillVerificationError("unlisted", uri, `the entry of ${this.entry.uri} does not list this file; get the entry again (getSkill) if the skill changed`);
    const result = (await this.peer.request(Method.ResourcesRead, { uri }, options)) as unknown as ReadResourceResult;
    const { bytes, text, mimeType } = bytesOfRead(result, uri);
    if (declared) verifyFile(declared, bytes);
    else if ((this.dynamicBytes += bytes.byteLength) > SKILL_MAX_TOTAL_BYTES)
      throw new SkillVerificationError("limit", uri, `reading it takes this dynamic skill past ${SKILL_MAX_TOTAL_BYTES} bytes (SEP-2640 §Limits)`);
    const file: SkillFileContent = { uri, bytes, ...(text !== undefined ? { text } : {}), ...(mimeType !== undefined ? { mimeType } : {}) };
    this.verified.set(uri, file);
    return { ...file, bytes: bytes.slice() };
  }
}
