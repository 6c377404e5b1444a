/**
 * The folder graph of src/ becomes one-way (a folder is a layer): an import cycle between
 * top-level folders that is not in KNOWN_CYCLES fails, and so does a known cycle that no longer
 * exists, so the list can only shrink.
 *
 * Type-only imports count. They leave nothing at run time, so they make no runtime cycle, but a
 * folder that needs another's types cannot be read, changed or moved without it: it is the same
 * coupling between layers, and the rule is about layers.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { cycleName, elementaryCycles, readFolderGraph, type FolderGraph } from "./folder-graph.ts";

const SRC = fileURLToPath(new URL("../../src", import.meta.url));

/**
 * Cycles tolerated for now: none. The folder graph of src/ is one-way (server/ defines what a
 * server is, features/ what it answers, runtime/ what it runs on; src/create-server.ts
 * composes them). Never add an entry: break the cycle instead.
 */
const KNOWN_CYCLES: string[] = [];

/** Part → the parts it imports, for the cycle finder. */
const successors = (graph: FolderGraph): Map<string, string[]> => new Map([...graph].map(([from, edges]) => [from, [...edges.keys()]]));

/** The cycle with, under each edge, the files whose imports make it. */
function explain(graph: FolderGraph, cycle: readonly string[]): string[] {
  const lines = [cycleName(cycle)];
  cycle.forEach((from, i) => {
    const to = cycle[(i + 1) % cycle.length]!;
    lines.push(`  ${from} → ${to}:`);
    for (const { file, specifier, typeOnly } of graph.get(from)?.get(to) ?? [])
      lines.push(`    ${file} imports ${specifier}${typeOnly ? " (type only)" : ""}`);
  });
  return lines;
}

describe("the folder graph of src/", () => {
  let graph: FolderGraph;
  let cycles: string[][];
  beforeAll(async () => {
    graph = await readFolderGraph(SRC);
    cycles = elementaryCycles(successors(graph));
  });

  test("has no import cycle between top-level folders beyond the known ones", () => {
    const fresh = cycles.filter((c) => !KNOWN_CYCLES.includes(cycleName(c)));
    expect(fresh.map((c) => explain(graph, c))).toEqual([]);
  });

  test("still has every known cycle (remove an entry once its cycle is gone)", () => {
    const found = new Set(cycles.map(cycleName));
    expect(KNOWN_CYCLES.filter((c) => !found.has(c))).toEqual([]);
  });
});

describe("elementaryCycles", () => {
  const cases: [string, Record<string, string[]>, string[]][] = [
    ["a chain has none", { a: ["b"], b: ["c"] }, []],
    ["a pair is one cycle", { a: ["b"], b: ["a"] }, ["a → b → a"]],
    ["a triangle is one cycle, from its first part", { c: ["a"], a: ["b"], b: ["c"] }, ["a → b → c → a"]],
    ["two cycles sharing a part are both found", { a: ["b", "c"], b: ["a"], c: ["a"] }, ["a → b → a", "a → c → a"]],
    ["a pair inside a triangle is found with it", { a: ["b"], b: ["a", "c"], c: ["a"] }, ["a → b → a", "a → b → c → a"]],
    ["disjoint cycles are each found", { a: ["b"], b: ["a"], x: ["y"], y: ["x"] }, ["a → b → a", "x → y → x"]],
  ];
  for (const [name, edges, expected] of cases)
    test(name, () => {
      expect(elementaryCycles(new Map(Object.entries(edges))).map(cycleName)).toEqual(expected);
    });
});

describe("readFolderGraph", () => {
  const roots: string[] = [];
  afterAll(() => Promise.all(roots.map((r) => rm(r, { recursive: true, force: true }))));

  async function tree(files: Record<string, string>): Promise<string> {
    const root = await mkdtemp(join(tmpdir(), "folder-graph-"));
    roots.push(root);
    for (const [path, text] of Object.entries(files)) {
      await mkdir(dirname(join(root, path)), { recursive: true });
      await writeFile(join(root, path), text);
    }
    return root;
  }

  test("records each import into another folder with its file, and whether it is type-only", async () => {
    const root = await tree({
      "a/one.ts": 'import type { T } from "../b/two.ts";\nimport { v } from "../b/three.ts";\nexport type { U } from "../c/four.ts";\n',
      "b/two.ts": 'import { type W } from "../a/one.ts";\nimport { same } from "./three.ts";\n',
      "b/three.ts": 'import { z } from "zod";\nimport pkg from "../../package.json";\nexport const v = await import("../c/four.ts");\n',
      "c/four.ts": "export type U = number;\n",
      "index.ts": 'export { v } from "./b/three.ts";\n',
    });
    const graph = await readFolderGraph(root);
    const edges = Object.fromEntries([...graph].map(([from, to]) => [from, Object.fromEntries(to)]));
    expect(edges).toEqual({
      a: {
        b: [
          { file: "a/one.ts", specifier: "../b/two.ts", typeOnly: true },
          { file: "a/one.ts", specifier: "../b/three.ts", typeOnly: false },
        ],
        c: [{ file: "a/one.ts", specifier: "../c/four.ts", typeOnly: true }],
      },
      b: {
        a: [{ file: "b/two.ts", specifier: "../a/one.ts", typeOnly: true }],
        c: [{ file: "b/three.ts", specifier: "../c/four.ts", typeOnly: false }],
      },
      "index.ts": { b: [{ file: "index.ts", specifier: "./b/three.ts", typeOnly: false }] },
    });
  });
});
