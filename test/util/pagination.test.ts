import { describe, expect, test } from "bun:test";
import { McpError } from "../../src/jsonrpc/errors.ts";
import { paginate } from "../../src/util/pagination.ts";

const items = Array.from({ length: 250 }, (_, i) => `item-${i}`);
const forge = (text: string) => Buffer.from(text).toString("base64url");

/** Walks every page from the start, returning the pages and the cursors that led to them. */
function walk<T>(list: readonly T[], pageSize: number): { pages: (readonly T[])[]; cursors: string[] } {
  const pages: (readonly T[])[] = [];
  const cursors: string[] = [];
  let cursor: string | undefined;
  for (let guard = 0; guard < 1000; guard++) {
    const { page, nextCursor } = paginate(list, cursor, pageSize);
    pages.push(page);
    if (nextCursor === undefined) return { pages, cursors };
    cursors.push(nextCursor);
    cursor = nextCursor;
  }
  throw new Error("pagination did not terminate");
}

/** The McpError a call throws; fails the test when it does not throw one. */
function mcpErrorOf(fn: () => unknown): McpError {
  try {
    fn();
  } catch (e) {
    if (e instanceof McpError) return e;
    throw e;
  }
  throw new Error("expected an McpError, nothing was thrown");
}

describe("paginate", () => {
  test("250 items at 100 per page: 100, 100, 50, with nextCursor on all but the last", () => {
    const { pages, cursors } = walk(items, 100);
    expect(pages.map((p) => p.length)).toEqual([100, 100, 50]);
    expect(cursors.length).toBe(2);
    expect(pages.flat()).toEqual(items);
  });
  test("a list that fits one page has no nextCursor", () => {
    const r = paginate(items.slice(0, 100), undefined, 100);
    expect(r.page.length).toBe(100);
    expect("nextCursor" in r).toBe(false);
  });
  test("an exact multiple of the page size ends without an empty trailing page", () => {
    const { pages } = walk(items.slice(0, 200), 100);
    expect(pages.map((p) => p.length)).toEqual([100, 100]);
  });
  test("an empty list is one empty page without nextCursor", () => {
    expect(paginate([], undefined, 10)).toEqual({ page: [] });
  });
  test("page size 1 visits every item once", () => {
    const { pages } = walk(items.slice(0, 7), 1);
    expect(pages).toEqual(items.slice(0, 7).map((i) => [i]));
  });
  test("cursors are opaque strings, not offsets in clear", () => {
    const { nextCursor } = paginate(items, undefined, 100);
    expect(typeof nextCursor).toBe("string");
    expect(nextCursor).not.toContain("100");
    expect(nextCursor).toMatch(/^[A-Za-z0-9_-]+$/);
  });
  test("a cursor is reusable: the same cursor gives the same page", () => {
    const { nextCursor } = paginate(items, undefined, 100);
    expect(paginate(items, nextCursor, 100)).toEqual(paginate(items, nextCursor, 100));
  });
  test("a cursor exactly at the end of a list that shrank gives an empty last page", () => {
    const { nextCursor } = paginate(items, undefined, 100);
    expect(paginate(items.slice(0, 100), nextCursor, 100)).toEqual({ page: [] });
  });
});

describe("paginate: bad cursors are -32602", () => {
  const BAD: [string, unknown, string][] = [
    ["a number", 42, '"cursor" must be a string'],
    ["null", null, '"cursor" must be a string'],
    ["an object", { offset: 1 }, '"cursor" must be a string'],
    ["an empty string", "", "was not issued by this server"],
    ["garbage", "not-a-cursor", "was not issued by this server"],
    ["base64 of something else", forge("hello:100"), "was not issued by this server"],
    ["a foreign tag", forge("erlmcp.c9:100"), "was not issued by this server"],
    ["a negative offset", forge("erlmcp.c1:-5"), "Invalid cursor"],
    ["a fractional offset", forge("erlmcp.c1:1.5"), "Invalid cursor"],
    ["no offset", forge("erlmcp.c1:"), "Invalid cursor"],
    ["a padded offset", forge("erlmcp.c1: 100"), "Invalid cursor"],
    ["a hex offset", forge("erlmcp.c1:0x64"), "Invalid cursor"],
    ["an exponent offset", forge("erlmcp.c1:1e2"), "Invalid cursor"],
    ["an unsafe integer", forge("erlmcp.c1:9007199254740993"), "Invalid cursor"],
    ["a valid cursor with junk appended", forge("erlmcp.c1:100") + "$$", "Invalid cursor"],
    ["a valid cursor with padding appended", forge("erlmcp.c1:100") + "==", "Invalid cursor"],
    ["past the end", forge("erlmcp.c1:251"), "Invalid cursor: past the end of the list"],
  ];
  test("the table is complete", () => expect(BAD.length).toBe(17));
  test.each(BAD)("%s", (_name, cursor, text) => {
    const e = mcpErrorOf(() => paginate(items, cursor, 100));
    expect(e.code).toBe(-32602);
    expect(e.message).toContain(text);
  });
  test("the error quotes at most 64 characters of a huge cursor", () => {
    const e = mcpErrorOf(() => paginate(items, "x".repeat(10_000), 100));
    expect(e.message.length).toBeLessThan(150);
  });
  test("a well-formed cursor the server would issue is accepted", () => {
    expect(paginate(items, forge("erlmcp.c1:240"), 100).page).toEqual(items.slice(240));
  });
});
