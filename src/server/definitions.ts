import type { z } from "zod";
import type {
  Annotations,
  ClientCapabilities,
  CallToolResult,
  ContentBlock,
  GetPromptResult,
  Icon,
  JsonSchemaObject,
  Meta,
  PromptArgument,
  PromptMessage,
  ReadResourceResult,
  ResourceContents,
  TaskSupport,
  ToolAnnotations,
} from "../protocol/types.ts";
import type { HandlerContext } from "./context.ts";

/** Arguments a zod schema produces, or a plain record for a JSON Schema. */
export type ArgsOf<S> = S extends z.ZodType ? z.output<S> : Record<string, unknown>;

/** What a tool handler may return: a full result, a string (one text block), or content blocks. */
export type ToolReturn = CallToolResult | string | ContentBlock[];

/** A tool registration. */
export interface ToolDefinition<I extends z.ZodType | JsonSchemaObject | undefined = undefined> {
  title?: string;
  /** Shown to the model; the conformance suite expects every tool to have one. */
  description: string;
  /** Arguments schema (zod object or JSON Schema object). Absent: the tool takes none. */
  input?: I;
  /** Structured output schema; results must then carry conforming `structuredContent`. */
  output?: z.ZodType | JsonSchemaObject;
  annotations?: ToolAnnotations;
  icons?: Icon[];
  /** Task support (2025-11-25 tasks); default "forbidden". */
  taskSupport?: TaskSupport;
  /**
   * Client capabilities the tool cannot run without (e.g. `{ sampling: {} }`): a client that
   * did not declare them gets -32021 before the handler runs. Declare them on a tool that
   * reports progress or logs before it asks: on 2026-07-28 HTTP that output starts a 200
   * stream, and a -32021 raised later by ctx.elicit/sample/listRoots can no longer be a 400.
   */
  requires?: ClientCapabilities;
  /**
   * OAuth scopes a caller must hold to call the tool (all of them): without them a call is
   * 403 insufficient_scope on HTTP, a JSON-RPC error elsewhere, and tools/list hides the tool
   * (ServerOptions.hideForbiddenTools).
   */
  scopes?: readonly string[];
  /**
   * Work that runs on the request itself before any task exists, such as asking the user
   * (SEP-2663 §Task Creation: input_required round trips resolve before the CreateTaskResult).
   * It returns the arguments the handler then runs with, as a task or not; like code before
   * ctx.input on 2026-07-28, it runs again on every round, so it must be safe to repeat.
   * Only a task-supporting tool has one.
   */
  beforeTask?: (args: ArgsOf<I>, ctx: HandlerContext) => ArgsOf<I> | Promise<ArgsOf<I>>;
  _meta?: Meta;
}

export type ToolHandler<I> = (args: ArgsOf<I>, ctx: HandlerContext) => ToolReturn | Promise<ToolReturn>;

/** What a resource handler may return: full result, contents, or one text / blob. */
export type ResourceReturn =
  | ReadResourceResult
  | ResourceContents[]
  | { text: string; mimeType?: string }
  | { blob: string | Uint8Array; mimeType?: string };

/** A fixed resource registration. */
export interface ResourceDefinition {
  name: string;
  /** Cache hints for 2026-07-28 reads of this resource (default: the server's). */
  cache?: { ttlMs: number; scope: "public" | "private" };
  /** OAuth scopes a caller must hold to read it (all of them); resources/list hides it from others (hideForbiddenTools). */
  scopes?: readonly string[];
  title?: string;
  description?: string;
  mimeType?: string;
  size?: number;
  annotations?: Annotations;
  icons?: Icon[];
  _meta?: Meta;
}

export type ResourceHandler = (uri: string, ctx: HandlerContext) => ResourceReturn | Promise<ResourceReturn>;

/** Completion source for one argument: candidates for a partial value. */
export type Completer = (
  value: string,
  context: { arguments: Record<string, string> },
) => string[] | Promise<string[]>;

/** A resource template registration (RFC 6570 `uriTemplate`). */
export interface ResourceTemplateDefinition extends ResourceDefinition {
  /** Completion sources for template variables (completion/complete with ref/resource). */
  complete?: Record<string, Completer>;
}

export type ResourceTemplateHandler = (
  uri: string,
  variables: Record<string, string | string[]>,
  ctx: HandlerContext,
) => ResourceReturn | Promise<ResourceReturn>;

/** What a prompt handler may return: a full result or its messages. */
export type PromptReturn = GetPromptResult | PromptMessage[];

/** A prompt registration. Arguments are a zod object of strings, or a list. */
export interface PromptDefinition<A extends z.ZodType | undefined = undefined> {
  title?: string;
  description: string;
  args?: A;
  /** Argument list when not derived from `args`. */
  arguments?: PromptArgument[];
  icons?: Icon[];
  /** Completion sources for arguments (completion/complete with ref/prompt). */
  complete?: Record<string, Completer>;
  /** OAuth scopes a caller must hold to get it (all of them); prompts/list hides it from others (hideForbiddenTools). */
  scopes?: readonly string[];
  _meta?: Meta;
}

export type PromptHandler<A> = (args: A extends z.ZodType ? z.output<A> : Record<string, string>, ctx: HandlerContext) => PromptReturn | Promise<PromptReturn>;
