import type { z } from "zod";
import { LocalCode } from "../jsonrpc/codes.ts";
import { LocalError } from "../jsonrpc/errors.ts";
import type { Implementation, JsonSchemaObject, LoggingLevel, ServerCapabilities, ToolDescriptor } from "../protocol/types.ts";
import { silentLogger, type Logger } from "../util/log.ts";
import { ChangeHub } from "./changes.ts";
import type { HandlerContext } from "./context.ts";
import type {
  ToolReturn,
  PromptDefinition,
  PromptHandler,
  ResourceDefinition,
  ResourceHandler,
  ResourceReturn,
  ResourceTemplateDefinition,
  ResourceTemplateHandler,
  ToolDefinition,
  ToolHandler,
} from "./definitions.ts";
import {
  DEFAULT_FEATURES,
  DEFAULT_LIMITS,
  DEFAULT_TASK_OPTIONS,
  DEFAULT_CACHE_HINTS,
  type CacheHints,
  type Features,
  type Limits,
  type ServerOptions,
  type TaskOptions,
} from "./options.ts";
import { promptArgumentsFromZod, Registry, type ToolEntry } from "./registry.ts";
import { compileSchema, NO_ARGUMENTS } from "./schema.ts";
import type { MethodTable } from "./scope.ts";
import { headerParams } from "../protocol/header-params.ts";
import { SKILLS_EXTENSION } from "../protocol/skills-extension.ts";
import { compileSkill, type SkillDefinition } from "./skills.ts";

/**
 * An MCP server: the registrations (tools, resources, templates, prompts) and the method
 * table, built once and shared by every session and every stateless request. It holds no
 * per-connection state; sessions and transports attach to it.
 */
export class McpServer {
  readonly info: Implementation;
  readonly instructions: string | undefined;
  readonly limits: Readonly<Limits>;
  readonly features: Readonly<Features>;
  readonly taskOptions: Readonly<TaskOptions>;
  readonly defaultLogLevel: LoggingLevel;
  readonly cacheHints: Readonly<CacheHints>;
  readonly logger: Logger;
  readonly registry = new Registry();
  readonly changes = new ChangeHub();
  readonly methods: MethodTable;
  readonly capabilities: Readonly<ServerCapabilities>;
  readonly onRootsListChanged: ServerOptions["onRootsListChanged"];
  /** tools/list hides tools whose scopes the caller lacks (ServerOptions.hideForbiddenTools). */
  readonly hideForbiddenTools: boolean;
  private withSkills: Readonly<ServerCapabilities> | undefined;

  /** Use createServer; `buildMethods` is how the composition root hands in every feature's methods. */
  constructor(options: ServerOptions, buildMethods: (server: McpServer) => MethodTable) {
    if (!options?.name || !options.version)
      throw new LocalError(LocalCode.RegistrationInvalid, "createServer needs { name, version }");
    this.info = stripUndefined({
      name: options.name,
      version: options.version,
      title: options.title,
      description: options.description,
      websiteUrl: options.websiteUrl,
      icons: options.icons,
    }) as Implementation;
    this.instructions = options.instructions;
    this.limits = Object.freeze({ ...DEFAULT_LIMITS, ...options.limits });
    this.features = Object.freeze({ ...DEFAULT_FEATURES, ...options.features });
    this.taskOptions = Object.freeze({ ...DEFAULT_TASK_OPTIONS, ...options.tasks });
    this.defaultLogLevel = options.defaultLogLevel ?? "info";
    this.cacheHints = Object.freeze({ ...DEFAULT_CACHE_HINTS, ...options.cache });
    this.logger = options.logger ?? silentLogger;
    this.onRootsListChanged = options.onRootsListChanged;
    this.hideForbiddenTools = options.hideForbiddenTools ?? true;
    this.capabilities = Object.freeze(capabilitiesFor(this.features));
    this.methods = buildMethods(this);
    this.registry.onChange((kind) => this.changes.publishList(kind));
  }

  /** Registers a tool. Arguments are validated against `input`; failures become isError results. */
  tool<I extends z.ZodType | JsonSchemaObject | undefined = undefined>(
    name: string,
    definition: ToolDefinition<I>,
    handler: ToolHandler<I>,
  ): this {
    const where = `tool ${JSON.stringify(name)}`;
    const input = definition.input === undefined ? NO_ARGUMENTS : compileSchema(definition.input, "input", where);
    const output = definition.output === undefined ? undefined : compileSchema(definition.output, "output", where);
    const taskSupport = definition.taskSupport ?? "forbidden";
    const descriptor = stripUndefined({
      name,
      title: definition.title,
      description: definition.description,
      inputSchema: input.json,
      outputSchema: output?.json,
      annotations: definition.annotations,
      icons: definition.icons,
      execution: taskSupport === "forbidden" ? undefined : { taskSupport },
      _meta: definition._meta,
    }) as ToolDescriptor;
    if (definition.beforeTask && taskSupport === "forbidden")
      throw new LocalError(LocalCode.UsageInvalid, `${where}: beforeTask needs taskSupport "optional" or "required"`);
    const beforeTask = definition.beforeTask as ToolEntry["beforeTask"];
    this.registry.addTool({ descriptor, input, output, taskSupport, requires: definition.requires, scopes: scopesOf(definition.scopes), beforeTask, headerParams: headerParams(input.json), handler: handler as (args: never, ctx: HandlerContext) => ToolReturn | Promise<ToolReturn> });
    return this;
  }

  /** Registers a fixed resource, served by `handler` (or fixed content). */
  resource(uri: string, definition: ResourceDefinition, handler: ResourceHandler | ResourceReturn): this {
    const serve: ResourceHandler = typeof handler === "function" ? handler : () => handler;
    const { cache, scopes, ...meta } = definition;
    this.registry.addResource({ descriptor: stripUndefined({ uri, ...meta }) as never, handler: serve, cache, scopes: scopesOf(scopes) });
    return this;
  }

  /** Registers a resource template (RFC 6570); `handler` gets the matched variables. */
  resourceTemplate(uriTemplate: string, definition: ResourceTemplateDefinition, handler: ResourceTemplateHandler): this {
    const { complete, cache, scopes, ...meta } = definition;
    this.registry.addTemplate({ descriptor: stripUndefined({ uriTemplate, ...meta }) as never, handler, complete, cache, scopes: scopesOf(scopes) });
    return this;
  }

  /** Registers a prompt; `args` (a zod object of strings) validates prompts/get arguments. */
  prompt<A extends z.ZodType | undefined = undefined>(name: string, definition: PromptDefinition<A>, handler: PromptHandler<A>): this {
    const where = `prompt ${JSON.stringify(name)}`;
    const args = definition.args;
    const argumentList = args ? promptArgumentsFromZod(args, where) : definition.arguments;
    const descriptor = stripUndefined({
      name,
      title: definition.title,
      description: definition.description,
      arguments: argumentList,
      icons: definition.icons,
      _meta: definition._meta,
    }) as never;
    const required = (argumentList ?? []).filter((a) => a.required).map((a) => a.name);
    this.registry.addPrompt({ descriptor, args, required, handler: handler as PromptHandler<unknown>, complete: definition.complete, scopes: scopesOf(definition.scopes) });
    return this;
  }

  /**
   * Registers a skill (SEP-2640): serves skill://[prefix/]name/SKILL.md, rendered from the
   * description, frontmatter and instructions, and each supporting file as a resource; lists
   * it in skills/list with the digest and size of every file. While any skill is registered
   * the server declares the io.modelcontextprotocol/skills extension.
   */
  skill(name: string, definition: SkillDefinition): this {
    if (!this.capabilities.resources)
      throw new LocalError(LocalCode.UsageInvalid, `skill ${JSON.stringify(name)}: skills are served as resources; features.resources is off`);
    const skill = compileSkill(name, definition);
    const taken = skill.files.find((f) => this.registry.resource(f.descriptor.uri));
    if (taken) throw new LocalError(LocalCode.RegistrationInvalid, `skill ${JSON.stringify(name)}: resource ${taken.descriptor.uri} is already registered`);
    this.registry.skills.add(skill);
    for (const file of skill.files) {
      const content = file.text !== undefined ? { text: file.text } : { blob: file.bytes };
      this.registry.addResource({ descriptor: file.descriptor, handler: () => content });
    }
    return this;
  }

  /** Removes the skill whose SKILL.md is `uri`, and its files. */
  removeSkill(uri: string): boolean {
    const skill = this.registry.skills.remove(uri);
    for (const file of skill?.files ?? []) this.registry.removeResource(file.descriptor.uri);
    return skill !== undefined;
  }

  /**
   * The capabilities initialize and server/discover declare: the fixed ones, plus the skills
   * extension while a skill is registered (SEP-2640 §Capability Declaration: declaring it
   * commits the server to skills/list and skills/get; directoryRead: resources/directory/read).
   */
  advertisedCapabilities(): Readonly<ServerCapabilities> {
    if (this.registry.skills.size === 0) return this.capabilities;
    const extensions = { ...(this.capabilities.extensions as Record<string, object> | undefined), [SKILLS_EXTENSION]: { directoryRead: true } };
    return (this.withSkills ??= Object.freeze({ ...this.capabilities, extensions }));
  }

  removeTool(name: string): boolean {
    return this.registry.removeTool(name);
  }
  removeResource(uri: string): boolean {
    return this.registry.removeResource(uri);
  }
  removeResourceTemplate(uriTemplate: string): boolean {
    return this.registry.removeTemplate(uriTemplate);
  }
  removePrompt(name: string): boolean {
    return this.registry.removePrompt(name);
  }

  /**
   * Announces that a list changed for reasons registrations do not show (an upstream server's
   * tools changed, say): list_changed to 2025 sessions and 2026 listen streams.
   */
  notifyListChanged(kind: "tools" | "resources" | "prompts"): void {
    this.changes.publishList(kind);
    this.changes.announce?.({ kind: "list-changed", list: kind });
  }

  /** Tells every subscriber of `uri` that it changed (notifications/resources/updated). */
  notifyResourceUpdated(uri: string, opts: { local?: boolean } = {}): void {
    this.changes.publishResource(uri);
    // `local`: the change happened to this process's own copy (a timer every shard runs).
    if (!opts.local) this.changes.announce?.({ kind: "resource-updated", uri });
  }
}

function capabilitiesFor(f: Features): ServerCapabilities {
  const caps: ServerCapabilities = {};
  if (f.logging) caps.logging = {};
  if (f.completions) caps.completions = {};
  if (f.prompts) caps.prompts = { listChanged: true };
  if (f.resources) caps.resources = { subscribe: true, listChanged: true };
  if (f.tools) caps.tools = { listChanged: true };
  if (f.tasks && f.tools) caps.tasks = { list: {}, cancel: {}, requests: { tools: { call: {} } } };
  return caps;
}

/** A copy without undefined members, so wire objects carry only what was set. */
export function stripUndefined<T extends Record<string, unknown>>(o: T): T {
  const out: Record<string, unknown> = {};
  for (const k in o) if (o[k] !== undefined) out[k] = o[k];
  return out as T;
}

/** A registration's scopes, frozen; none (or an empty list) is undefined: anyone may use it. */
function scopesOf(scopes: readonly string[] | undefined): readonly string[] | undefined {
  return scopes?.length ? Object.freeze([...scopes]) : undefined;
}
