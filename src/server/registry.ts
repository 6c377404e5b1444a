import type { z } from "zod";
import { LocalCode } from "../jsonrpc/codes.ts";
import { LocalError } from "../jsonrpc/errors.ts";
import type { ListKind } from "../protocol/list-changed.ts";
import type {
  ClientCapabilities,
  PromptArgument,
  PromptDescriptor,
  ResourceDescriptor,
  ResourceTemplateDescriptor,
  TaskSupport,
  ToolDescriptor,
} from "../protocol/types.ts";
import { compileUriTemplate, type UriTemplate } from "../util/uri-template.ts";
import type { HandlerContext } from "./context.ts";
import type {
  Completer,
  ToolReturn,
  PromptHandler,
  ResourceHandler,
  ResourceTemplateHandler,
  ToolHandler,
} from "./definitions.ts";
import { type CompiledSchema } from "./schema.ts";
import type { HeaderParam } from "../protocol/header-params.ts";
import { SkillCatalog } from "./skill-catalog.ts";

/** A registered tool, compiled once. */
export interface ToolEntry {
  readonly descriptor: ToolDescriptor;
  readonly input: CompiledSchema;
  readonly output?: CompiledSchema;
  readonly taskSupport: TaskSupport;
  readonly requires?: ClientCapabilities;
  /** OAuth scopes a caller must hold (all of them); undefined: anyone may call. */
  readonly scopes?: readonly string[];
  /** Runs on the request before a task is created; returns the handler's arguments. */
  readonly beforeTask?: (args: never, ctx: HandlerContext) => Record<string, unknown> | Promise<Record<string, unknown>>;
  /** Arguments mirrored into Mcp-Param-* headers on 2026-07-28 HTTP (x-mcp-header). */
  readonly headerParams: readonly HeaderParam[];
  readonly handler: (args: never, ctx: HandlerContext) => ToolReturn | Promise<ToolReturn>;
}

/** A registered fixed resource. */
export interface ResourceEntry {
  readonly descriptor: ResourceDescriptor;
  readonly handler: ResourceHandler;
  /** OAuth scopes a reader must hold (all of them); undefined: anyone. */
  readonly scopes?: readonly string[];
  /** 2026-07-28 cache hints for reads, when the registration set its own. */
  readonly cache?: { ttlMs: number; scope: "public" | "private" };
}

/** A registered resource template with its compiled matcher. */
export interface TemplateEntry {
  readonly descriptor: ResourceTemplateDescriptor;
  readonly template: UriTemplate;
  readonly handler: ResourceTemplateHandler;
  readonly complete?: Record<string, Completer>;
  /** OAuth scopes a reader must hold (all of them); undefined: anyone. */
  readonly scopes?: readonly string[];
  readonly cache?: { ttlMs: number; scope: "public" | "private" };
}

/** A registered prompt. */
export interface PromptEntry {
  readonly descriptor: PromptDescriptor;
  readonly args?: z.ZodType;
  readonly required: readonly string[];
  readonly handler: PromptHandler<unknown>;
  readonly complete?: Record<string, Completer>;
  /** OAuth scopes a caller must hold (all of them); undefined: anyone. */
  readonly scopes?: readonly string[];
}

/** Tool names: MCP 2025-11-25 SEP-986 (1–128 of [A-Za-z0-9_.-]); the conformance suite caps at 64. */
const TOOL_NAME = /^[A-Za-z0-9_.-]{1,64}$/;

/**
 * All registrations, shared by every session. Lists are cached arrays rebuilt only when a
 * registration changes, so tools/list does no per-request work beyond slicing a page.
 * Changes are coalesced per tick into one list_changed per kind.
 */
export class Registry {
  private readonly tools = new Map<string, ToolEntry>();
  private readonly resources = new Map<string, ResourceEntry>();
  private readonly templates = new Map<string, TemplateEntry>();
  private readonly prompts = new Map<string, PromptEntry>();
  /** Skills (SEP-2640); their files are also registered here as fixed resources. */
  readonly skills = new SkillCatalog();
  private cache: Partial<Record<"tools" | "modernTools" | "resources" | "templates" | "prompts", readonly unknown[]>> = {};
  private readonly listeners: ((kind: ListKind) => void)[] = [];
  private pending = new Set<ListKind>();

  /** Subscribes to coalesced list changes. */
  onChange(listener: (kind: ListKind) => void): void {
    this.listeners.push(listener);
  }

  private changed(kind: ListKind, cacheKey: keyof Registry["cache"]): void {
    delete this.cache[cacheKey];
    if (cacheKey === "tools") delete this.cache.modernTools;
    if (this.pending.size === 0) queueMicrotask(() => this.flush());
    this.pending.add(kind);
  }

  private flush(): void {
    const kinds = [...this.pending];
    this.pending.clear();
    for (const kind of kinds) for (const l of this.listeners) l(kind);
  }

  private cached<T>(key: keyof Registry["cache"], build: () => T[]): readonly T[] {
    return (this.cache[key] ??= build()) as readonly T[];
  }

  addTool(entry: ToolEntry): void {
    const name = entry.descriptor.name;
    if (!TOOL_NAME.test(name))
      throw new LocalError(LocalCode.RegistrationInvalid, `tool ${JSON.stringify(name)}: names are 1-64 characters of A-Z a-z 0-9 _ . -`);
    if (this.tools.has(name)) throw new LocalError(LocalCode.RegistrationInvalid, `tool ${JSON.stringify(name)} is already registered`);
    this.tools.set(name, entry);
    if (entry.scopes) this.scopedTools++;
    this.changed("tools", "tools");
  }

  /** Registered tools that require scopes: while 0, no list is filtered and no call checked. */
  scopedTools = 0;
  /** Registered resources, templates and prompts that require scopes (as scopedTools). */
  scopedOthers = 0;

  removeTool(name: string): boolean {
    const entry = this.tools.get(name);
    const had = this.tools.delete(name);
    if (entry?.scopes) this.scopedTools--;
    if (had) this.changed("tools", "tools");
    return had;
  }

  /** Tools as 2026-07-28 lists them: no `execution` (tasks left the core in that revision). */
  listToolsStateless(): readonly ToolDescriptor[] {
    return this.cached("modernTools", () =>
      [...this.tools.values()].map((t) => {
        if (!t.descriptor.execution) return t.descriptor;
        const { execution: _execution, ...rest } = t.descriptor;
        return rest;
      }),
    );
  }

  tool(name: string): ToolEntry | undefined {
    return this.tools.get(name);
  }

  listTools(): readonly ToolDescriptor[] {
    return this.cached("tools", () => [...this.tools.values()].map((t) => t.descriptor));
  }

  addResource(entry: ResourceEntry): void {
    const uri = entry.descriptor.uri;
    try {
      new URL(uri);
    } catch {
      throw new LocalError(LocalCode.RegistrationInvalid, `resource ${JSON.stringify(uri)}: not an absolute URI (RFC 3986)`);
    }
    if (this.resources.has(uri)) throw new LocalError(LocalCode.RegistrationInvalid, `resource ${JSON.stringify(uri)} is already registered`);
    this.resources.set(uri, entry);
    if (entry.scopes) this.scopedOthers++;
    this.changed("resources", "resources");
  }

  removeResource(uri: string): boolean {
    if (this.resources.get(uri)?.scopes) this.scopedOthers--;
    const had = this.resources.delete(uri);
    if (had) this.changed("resources", "resources");
    return had;
  }

  resource(uri: string): ResourceEntry | undefined {
    return this.resources.get(uri);
  }

  listResources(): readonly ResourceDescriptor[] {
    return this.cached("resources", () => [...this.resources.values()].map((r) => r.descriptor));
  }

  addTemplate(entry: Omit<TemplateEntry, "template">): void {
    const key = entry.descriptor.uriTemplate;
    if (this.templates.has(key)) throw new LocalError(LocalCode.RegistrationInvalid, `resource template ${JSON.stringify(key)} is already registered`);
    let template: UriTemplate;
    try {
      template = compileUriTemplate(key);
    } catch (e) {
      throw new LocalError(LocalCode.RegistrationInvalid, (e as Error).message);
    }
    this.templates.set(key, { ...entry, template });
    if (entry.scopes) this.scopedOthers++;
    this.changed("resources", "templates");
  }

  removeTemplate(uriTemplate: string): boolean {
    if (this.templates.get(uriTemplate)?.scopes) this.scopedOthers--;
    const had = this.templates.delete(uriTemplate);
    if (had) this.changed("resources", "templates");
    return had;
  }

  template(uriTemplate: string): TemplateEntry | undefined {
    return this.templates.get(uriTemplate);
  }

  /** The first template whose pattern matches `uri`, with its variables. */
  matchTemplate(uri: string): { entry: TemplateEntry; variables: Record<string, string | string[]> } | undefined {
    for (const entry of this.templates.values()) {
      const variables = entry.template.match(uri);
      if (variables) return { entry, variables };
    }
    return undefined;
  }

  listTemplates(): readonly ResourceTemplateDescriptor[] {
    return this.cached("templates", () => [...this.templates.values()].map((t) => t.descriptor));
  }

  addPrompt(entry: PromptEntry): void {
    const name = entry.descriptor.name;
    if (!name) throw new LocalError(LocalCode.RegistrationInvalid, "a prompt needs a non-empty name");
    if (this.prompts.has(name)) throw new LocalError(LocalCode.RegistrationInvalid, `prompt ${JSON.stringify(name)} is already registered`);
    this.prompts.set(name, entry);
    if (entry.scopes) this.scopedOthers++;
    this.changed("prompts", "prompts");
  }

  removePrompt(name: string): boolean {
    if (this.prompts.get(name)?.scopes) this.scopedOthers--;
    const had = this.prompts.delete(name);
    if (had) this.changed("prompts", "prompts");
    return had;
  }

  prompt(name: string): PromptEntry | undefined {
    return this.prompts.get(name);
  }

  listPrompts(): readonly PromptDescriptor[] {
    return this.cached("prompts", () => [...this.prompts.values()].map((p) => p.descriptor));
  }
}

/** Prompt arguments described by a zod object of strings. */
export function promptArgumentsFromZod(schema: z.ZodType, where: string): PromptArgument[] {
  const def = (schema as unknown as { shape?: Record<string, z.ZodType> }).shape;
  if (!def) throw new LocalError(LocalCode.RegistrationInvalid, `${where}: prompt args must be a zod object`);
  return Object.entries(def).map(([name, field]) => {
    const arg: PromptArgument = { name };
    const description = field.description;
    if (description) arg.description = description;
    arg.required = !field.safeParse(undefined).success;
    return arg;
  });
}
