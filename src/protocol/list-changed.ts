import { Notice } from "./methods.ts";

/** The lists that announce their changes: tools, resources and prompts (2025-11-25 server/*). */
export type ListKind = "tools" | "resources" | "prompts";

/** The notification that announces a change of each list, in both eras (server/tools §list changed notification and its siblings). */
export const LIST_CHANGED: Readonly<Record<ListKind, string>> = {
  tools: Notice.ToolsListChanged,
  resources: Notice.ResourcesListChanged,
  prompts: Notice.PromptsListChanged,
};
