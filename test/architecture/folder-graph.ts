/**
 * The import graph between the top-level parts of src/ (its folders, and the files directly in
 * it): which part imports which, and the import statements behind each edge. Imports are read
 * with TypeScript's own scanner (`ts.preProcessFile`), because Bun's `scanImports` drops
 * type-only imports; Bun's scanner is still used to tell which imports survive to run time.
 */
import { Glob } from "bun";
import { dirname, relative, resolve, sep } from "node:path";
import ts from "typescript";

/** One import whose module lies in another top-level part of src/. */
export interface CrossImport {
  /** The importing file, relative to the root. */
  readonly file: string;
  /** The module specifier as written. */
  readonly specifier: string;
  /** True when nothing of it is left at run time (`import type`, `export type … from`, type-only names). */
  readonly typeOnly: boolean;
}

/** Part → imported part → the imports that make that edge. */
export type FolderGraph = ReadonlyMap<string, ReadonlyMap<string, readonly CrossImport[]>>;

const runtimeScanner = new Bun.Transpiler({ loader: "ts" });

/** The top-level part of `root` a path (relative to root) lies in, or undefined outside root. */
function partOf(path: string): string | undefined {
  if (path.startsWith("..")) return undefined;
  return path.split(sep)[0];
}

/** Reads every .ts file under `root` and returns the graph of imports between its top-level parts. */
export async function readFolderGraph(root: string): Promise<FolderGraph> {
  const graph = new Map<string, Map<string, CrossImport[]>>();
  for await (const file of new Glob("**/*.ts").scan(root)) {
    const from = partOf(file);
    const text = await Bun.file(resolve(root, file)).text();
    // Under verbatimModuleSyntax an import Bun keeps is exactly one that runs.
    const runtime = new Set(runtimeScanner.scanImports(text).map((i) => i.path));
    for (const { fileName: specifier } of ts.preProcessFile(text, true, true).importedFiles) {
      if (!specifier.startsWith(".")) continue; // packages and bun: modules are not our layers
      const to = partOf(relative(root, resolve(root, dirname(file), specifier)));
      if (from === undefined || to === undefined || to === from) continue;
      const edges = graph.get(from) ?? graph.set(from, new Map()).get(from)!;
      const imports = edges.get(to) ?? edges.set(to, []).get(to)!;
      imports.push({ file, specifier, typeOnly: !runtime.has(specifier) });
    }
  }
  return graph;
}

/**
 * Every elementary cycle (no part visited twice) of a graph given as part → the parts it imports,
 * each cycle starting at its alphabetically first part. Exponential in the worst case, which a
 * graph whose cycles may only disappear never reaches.
 */
export function elementaryCycles(graph: ReadonlyMap<string, Iterable<string>>): string[][] {
  const cycles: string[][] = [];
  const starts = [...graph.keys()].sort();
  for (const start of starts) {
    // Only parts after `start` may follow it, so each cycle is found once, from its first part.
    const path = [start];
    const walk = (part: string): void => {
      for (const next of [...(graph.get(part) ?? [])].sort()) {
        if (next === start) cycles.push([...path]);
        else if (next > start && !path.includes(next)) {
          path.push(next);
          walk(next);
          path.pop();
        }
      }
    };
    walk(start);
  }
  return cycles;
}

/** A cycle as one line: `a → b → a`. */
export const cycleName = (cycle: readonly string[]): string => [...cycle, cycle[0]].join(" → ");
