/** Header values and x-mcp-header parameters of 2026-07-28 requests (SEP-2243), as the client writes them. */
import { describe, expect, test } from "bun:test";
import { encodeHeaderValue, modernHeaders, toolHeaderParams } from "../../src/client/modern-headers.ts";
import { headerValue } from "../../src/stateless/headers.ts";

describe("encodeHeaderValue", () => {
  test.each([
    ["plain ASCII stays plain", "tools/list", "tools/list"],
    ["inner spaces are fine", "a b", "a b"],
    ["the empty string", "", ""],
    ["non-ASCII goes base64", "Zürich", "=?base64?WsO8cmljaA==?="],
    ["edge whitespace would be trimmed away: base64", " padded ", "=?base64?IHBhZGRlZCA=?="],
    ["control characters: base64", "a\tb", "=?base64?YQli?="],
    ["a value that looks like the sentinel: base64 of itself", "=?base64?eA==?=", "=?base64?PT9iYXNlNjQ/ZUE9PT89?="],
  ])("%s", (_name, value, header) => {
    expect(encodeHeaderValue(value)).toBe(header);
    // Our server's decoder gives the value back: the round trip is exact.
    expect(headerValue(header, "x")).toBe(value);
  });
});

describe("toolHeaderParams", () => {
  const tool = (inputSchema: Record<string, unknown>) => ({ name: "t", inputSchema: { type: "object", ...inputSchema } });
  test.each([
    ["no annotations", { properties: { a: { type: "string" } } }, []],
    ["string, integer and boolean", { properties: { r: { type: "string", "x-mcp-header": "Region" }, n: { type: "integer", "x-mcp-header": "N" }, b: { type: "boolean", "x-mcp-header": "Flag" } } }, [
      { property: "r", name: "Region", type: "string" },
      { property: "n", name: "N", type: "integer" },
      { property: "b", name: "Flag", type: "boolean" },
    ]],
    ["a number property", { properties: { x: { type: "number", "x-mcp-header": "X" } } }, undefined],
    ["an empty name", { properties: { x: { type: "string", "x-mcp-header": "" } } }, undefined],
    ["a name with a space", { properties: { x: { type: "string", "x-mcp-header": "A B" } } }, undefined],
    ["names equal ignoring case", { properties: { a: { type: "string", "x-mcp-header": "Id" }, b: { type: "string", "x-mcp-header": "ID" } } }, undefined],
    ["under items", { properties: { a: { type: "array", items: { type: "string", "x-mcp-header": "A" } } } }, undefined],
    ["under oneOf", { properties: { a: { oneOf: [{ type: "string", "x-mcp-header": "A" }] } } }, undefined],
    ["under $defs (reached by $ref)", { $defs: { d: { type: "string", "x-mcp-header": "D" } }, properties: { a: { $ref: "#/$defs/d" } } }, undefined],
    ["a property named x-mcp-header is just a property", { properties: { "x-mcp-header": { type: "string" } } }, []],
  ])("%s", (_name, schema, expected) => {
    expect(toolHeaderParams(tool(schema))).toEqual(expected as never);
  });
});

describe("modernHeaders", () => {
  test("version and method always; Mcp-Name for named methods; Mcp-Param-* for present, non-null arguments", () => {
    const params = [
      { property: "r", name: "Region", type: "string" },
      { property: "n", name: "N", type: "integer" },
      { property: "b", name: "Flag", type: "boolean" },
      { property: "gone", name: "Gone", type: "string" },
    ] as const;
    expect(modernHeaders("2026-07-28", "tools/call", { name: "tool ✓", arguments: { r: "eu", n: 42, b: false, gone: null } }, params)).toEqual({
      "mcp-protocol-version": "2026-07-28",
      "mcp-method": "tools/call",
      "mcp-name": "=?base64?dG9vbCDinJM=?=",
      "mcp-param-region": "eu",
      "mcp-param-n": "42",
      "mcp-param-flag": "false",
    });
    expect(modernHeaders("2026-07-28", "resources/read", { uri: "test://x" })).toEqual({ "mcp-protocol-version": "2026-07-28", "mcp-method": "resources/read", "mcp-name": "test://x" });
    expect(modernHeaders("2026-07-28", "tools/list", {})).toEqual({ "mcp-protocol-version": "2026-07-28", "mcp-method": "tools/list" });
  });
});
