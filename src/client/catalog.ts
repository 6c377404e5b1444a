import type { ToolDescriptor, PromptDescriptor, ResourceDescriptor, ResourceTemplateDescriptor } from "../protocol/types.ts";
import { protocolViolation } from "./errors.ts";
import type { SkillEntry } from "./skill-verify.ts";
import { toolHeaderParams, type HeaderParam } from "./modern-headers.ts";

interface Items {
  tools: ToolDescriptor;
  resources: ResourceDescriptor;
  resourceTemplates: ResourceTemplateDescriptor;
  prompts: PromptDescriptor;
  skills: SkillEntry;
}

/** One page of a list method: its items under `K`, and the cursor of the next page if any. */
export type Page<K extends keyof Items> = { [P in K]: Items[K][] } & { nextCursor?: string; [key: string]: unknown };

/** Most pages one listing follows, so a server handing out endless cursors cannot loop us. */
const MAX_PAGES = 10_000;

/**
 * Follows nextCursor to the end (2025-11-25 §pagination). An empty-string cursor is a real
 * cursor (2026-07-28), only an absent one ends the list; a cursor seen twice is a loop.
 */
export async function collectPages<K extends keyof Items>(fetchPage: (cursor: string | undefined) => Promise<Page<K>>, key: K): Promise<Items[K][]> {
  const all: Items[K][] = [];
  const seen = new Set<string>();
  let cursor: string | undefined;
  for (let n = 0; n < MAX_PAGES; n++) {
    const page = await fetchPage(cursor);
    all.push(...(page[key] as Items[K][]));
    if (page.nextCursor === undefined) return all;
    if (typeof page.nextCursor !== "string" || seen.has(page.nextCursor))
      throw protocolViolation(`the server's ${key} listing repeats cursor ${JSON.stringify(page.nextCursor)}`);
    seen.add(page.nextCursor);
    cursor = page.nextCursor;
  }
  throw protocolViolation(`the server's ${key} listing went on past ${MAX_PAGES} pages`);
}

/**
 * What the client remembers of tools/list: the x-mcp-header arguments of each tool, so a
 * 2026-07-28 tools/call over HTTP can mirror them into Mcp-Param-* headers. Forgotten on
 * notifications/tools/list_changed.
 */
export class ToolCatalog {
  private readonly params = new Map<string, readonly HeaderParam[]>();
  private full = false;

  /** True once a complete listing has been seen since the last change. */
  get listed(): boolean {
    return this.full;
  }

  /** Records a page; tools with invalid header annotations are dropped and reported. */
  accept(page: Page<"tools">, report: (e: Error) => void): Page<"tools"> {
    const kept: ToolDescriptor[] = [];
    for (const tool of page.tools) {
      const params = toolHeaderParams(tool);
      if (!params) {
        report(protocolViolation(`tool ${JSON.stringify(tool.name)} was dropped: its x-mcp-header annotations break the rules of 2026-07-28 (token names, unique, on string/integer/boolean top-level properties only)`));
        continue;
      }
      this.params.set(tool.name, params);
      kept.push(tool);
    }
    return { ...page, tools: kept };
  }

  complete(): void {
    this.full = true;
  }

  invalidate(): void {
    this.params.clear();
    this.full = false;
  }

  headerParams(tool: string): readonly HeaderParam[] {
    return this.params.get(tool) ?? [];
  }
}
