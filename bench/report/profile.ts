/**
 * Reads the Markdown summary Bun's CPU profiler writes (`--cpu-prof-md`) and keeps its
 * hottest functions by self time: the evidence for "where the time goes" in the report.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Table } from "./table.ts";

/** How many functions of each profile the report shows. */
const TOP = 15;

/** The top functions of the profile written into `dir`, or undefined if none was written. */
export function hotFunctions(dir: string): Table | undefined {
  let file: string | undefined;
  try {
    file = readdirSync(dir).find((f) => f.endsWith(".md"));
  } catch {
    return undefined;
  }
  if (!file) return undefined;
  const text = readFileSync(join(dir, file), "utf8");
  const start = text.indexOf("## Hot Functions (Self Time)");
  if (start < 0) return undefined;
  const rows: string[][] = [];
  for (const line of text.slice(start).split("\n").slice(1)) {
    if (line.startsWith("## ")) break;
    if (!line.startsWith("|") || line.includes("---") || line.includes("Self%")) continue;
    const cells = line.split("|").slice(1, -1).map((c) => c.trim().replaceAll("`", ""));
    const [selfPct, self, totalPct, , fn, where] = cells;
    rows.push([selfPct!, self!, totalPct!, fn!, (where ?? "").replace(/^.*?\/(src|node_modules)\//, "$1/")]);
    if (rows.length === TOP) break;
  }
  return { header: ["self %", "self", "total %", "function", "where"], rows };
}
