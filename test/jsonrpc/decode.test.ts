import { describe, expect, test } from "bun:test";
import { WireCode } from "../../src/jsonrpc/codes.ts";
import { decodeFrame, jsonDepthExceeds, validateMessage, type Decoded } from "../../src/jsonrpc/decode.ts";

const LIMITS = { maxMessageBytes: 4096, maxJsonDepth: 8 };

/** The error a frame decodes to; fails the test when it decodes to something else. */
function errorOf(d: Decoded): { id: unknown; code: number; message: string } {
  if (d.kind !== "error") throw new Error(`expected an error, got ${d.kind}: ${JSON.stringify(d)}`);
  return { id: d.id, code: d.error.code, message: d.error.message };
}

describe("decodeFrame: valid single messages", () => {
  const VALID: [string, unknown][] = [
    ["request with params", { jsonrpc: "2.0", id: 1, method: "tools/list", params: { cursor: "x" } }],
    ["request without params", { jsonrpc: "2.0", id: "abc", method: "ping" }],
    ["request with empty-string id", { jsonrpc: "2.0", id: "", method: "ping" }],
    ["request with negative integer id", { jsonrpc: "2.0", id: -7, method: "ping" }],
    ["notification", { jsonrpc: "2.0", method: "notifications/initialized" }],
    ["notification with params", { jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId: 1 } }],
    ["result response", { jsonrpc: "2.0", id: 3, result: {} }],
    ["result response with string id", { jsonrpc: "2.0", id: "s-1", result: { content: [] } }],
    ["error response", { jsonrpc: "2.0", id: 4, error: { code: -32601, message: "nope" } }],
    ["error response with data", { jsonrpc: "2.0", id: 4, error: { code: -1, message: "x", data: { a: 1 } } }],
    ["error response with null id", { jsonrpc: "2.0", id: null, error: { code: -32700, message: "Parse error" } }],
    ["error response without id", { jsonrpc: "2.0", error: { code: -32700, message: "Parse error" } }],
  ];
  test.each(VALID)("%s decodes to the same message", (_name, message) => {
    const d = decodeFrame(JSON.stringify(message), LIMITS);
    expect(d).toEqual({ kind: "message", message: message as never });
  });
});

describe("decodeFrame: malformed JSON is -32700 with no id", () => {
  const MALFORMED = ["{", '{"jsonrpc":"2.0","id":1,"method":"ping"', "not json", "", "{'a':1}", '{"a":1,}', '{"id":1}}'];
  test.each(MALFORMED)("%p", (text) => {
    const e = errorOf(decodeFrame(text, LIMITS));
    expect(e.code).toBe(WireCode.ParseError);
    expect(e.code).toBe(-32700);
    expect(e.message).toStartWith("Parse error: ");
    expect(e.id).toBeNull();
  });
});

/** [case, message, id echoed in the error, substring of the message]. */
const INVALID: [string, unknown, string | number | null, string][] = [
  ["missing jsonrpc", { id: 1, method: "ping" }, 1, 'member "jsonrpc" must be exactly "2.0"'],
  ["jsonrpc 1.0", { jsonrpc: "1.0", id: 7, method: "ping" }, 7, 'member "jsonrpc" must be exactly "2.0"'],
  ["jsonrpc as a number", { jsonrpc: 2.0, id: "a", method: "ping" }, "a", 'member "jsonrpc" must be exactly "2.0"'],
  ["id null", { jsonrpc: "2.0", id: null, method: "ping" }, null, 'member "id" must not be null'],
  ["id object", { jsonrpc: "2.0", id: { a: 1 }, method: "ping" }, null, 'member "id" must be a string or an integer'],
  ["id fractional", { jsonrpc: "2.0", id: 1.5, method: "ping" }, null, 'member "id" must be a string or an integer'],
  ["id boolean", { jsonrpc: "2.0", id: true, method: "ping" }, null, 'member "id" must be a string or an integer'],
  ["id array", { jsonrpc: "2.0", id: [1], method: "ping" }, null, 'member "id" must be a string or an integer'],
  ["method a number", { jsonrpc: "2.0", id: 2, method: 42 }, 2, 'member "method" must be a non-empty string'],
  ["method empty", { jsonrpc: "2.0", id: 2, method: "" }, 2, 'member "method" must be a non-empty string'],
  ["method null", { jsonrpc: "2.0", method: null }, null, 'member "method" must be a non-empty string'],
  ["params an array", { jsonrpc: "2.0", id: 3, method: "ping", params: [1, 2] }, 3, 'member "params" must be an object when present'],
  ["params a string", { jsonrpc: "2.0", id: "p", method: "ping", params: "x" }, "p", 'member "params" must be an object'],
  ["params null", { jsonrpc: "2.0", method: "notifications/x", params: null }, null, 'member "params" must be an object'],
  ["request carrying result", { jsonrpc: "2.0", id: 5, method: "ping", result: {} }, 5, "a request must not carry result or error"],
  ["result and error both", { jsonrpc: "2.0", id: 6, result: {}, error: { code: 1, message: "x" } }, 6, 'exactly one of "result" and "error"'],
  ["neither method, result nor error", { jsonrpc: "2.0", id: 8 }, 8, 'a message needs "method", or exactly one of "result" and "error"'],
  ["result with null id", { jsonrpc: "2.0", id: null, result: {} }, null, 'a result response needs a string or integer "id"'],
  ["result without id", { jsonrpc: "2.0", result: {} }, null, 'a result response needs a string or integer "id"'],
  ["result not an object", { jsonrpc: "2.0", id: 9, result: 5 }, 9, 'member "result" must be an object'],
  ["error without code", { jsonrpc: "2.0", id: 10, error: { message: "x" } }, 10, 'member "error" must be {code: integer, message: string}'],
  ["error with fractional code", { jsonrpc: "2.0", id: 11, error: { code: 1.5, message: "x" } }, 11, 'member "error" must be'],
  ["error without message", { jsonrpc: "2.0", id: "e", error: { code: 1 } }, "e", 'member "error" must be'],
  ["error with boolean id", { jsonrpc: "2.0", id: false, error: { code: 1, message: "x" } }, null, 'member "id" must be a string or an integer'],
  ["a number", 42, null, "a message must be a JSON object"],
  ["a string", "ping", null, "a message must be a JSON object"],
  ["null", null, null, "a message must be a JSON object"],
];

describe("decodeFrame: structurally invalid messages are -32600", () => {
  test("the table has one row per rule", () => {
    expect(INVALID.length).toBe(27);
    expect(INVALID.filter(([, , id]) => id !== null).length).toBe(14);
  });
  test.each(INVALID)("%s", (_name, message, id, text) => {
    const e = errorOf(decodeFrame(JSON.stringify(message), LIMITS));
    expect(e.code).toBe(-32600);
    expect(e.message).toStartWith("Invalid Request: ");
    expect(e.message).toContain(text);
    expect(e.id).toBe(id);
  });
  test.each(INVALID)("validateMessage agrees: %s", (_name, message, id, text) => {
    const item = validateMessage(message);
    if (item.kind !== "error") throw new Error("expected an error item");
    expect(item.error.code).toBe(-32600);
    expect(item.error.message).toContain(text);
    expect(item.id).toBe(id);
  });
});

describe("decodeFrame: size limit (limits.maxMessageBytes)", () => {
  const limits = { maxMessageBytes: 100, maxJsonDepth: 8 };
  /** A request whose serialised form is exactly `bytes` UTF-8 bytes, padded with `unit`. */
  function requestOfBytes(bytes: number, unit: string): string {
    const base = '{"jsonrpc":"2.0","id":1,"method":"ping","params":{"p":""}}';
    const room = bytes - Buffer.byteLength(base);
    const unitBytes = Buffer.byteLength(unit);
    const pad = unit.repeat(Math.floor(room / unitBytes)) + "a".repeat(room % unitBytes);
    const text = base.replace('"p":""', `"p":"${pad}"`);
    expect(Buffer.byteLength(text)).toBe(bytes);
    return text;
  }
  const UNITS: [string, string][] = [
    ["ASCII", "a"],
    ["2-byte é", "é"],
    ["3-byte €", "€"],
    ["4-byte emoji (surrogate pair)", "😀"],
  ];
  test.each(UNITS)("%s: exactly the limit is accepted", (_n, unit) => {
    expect(decodeFrame(requestOfBytes(100, unit), limits).kind).toBe("message");
  });
  test.each(UNITS)("%s: one byte over is -32600 naming the limit", (_n, unit) => {
    const e = errorOf(decodeFrame(requestOfBytes(101, unit), limits));
    expect(e.code).toBe(-32600);
    expect(e.message).toBe("Invalid Request: message exceeds limits.maxMessageBytes (100 bytes)");
    expect(e.id).toBeNull();
  });
  test("a frame of multi-byte characters whose UTF-16 length is under the limit but byte length over it is refused", () => {
    const text = `{"jsonrpc":"2.0","method":"x","params":{"p":"${"€".repeat(30)}"}}`;
    expect(text.length).toBeLessThan(100);
    expect(Buffer.byteLength(text)).toBeGreaterThan(100);
    expect(errorOf(decodeFrame(text, limits)).message).toContain("limits.maxMessageBytes");
  });
  test("an oversize frame is refused before parsing: even invalid JSON gets the size error", () => {
    const e = errorOf(decodeFrame("{" + "x".repeat(200), limits));
    expect(e.code).toBe(-32600);
    expect(e.message).toContain("limits.maxMessageBytes");
  });
});

describe("decodeFrame: nesting limit (limits.maxJsonDepth)", () => {
  const limits = { maxMessageBytes: 1 << 20, maxJsonDepth: 4 };
  const nest = (depth: number) => "[".repeat(depth) + "]".repeat(depth);
  const req = (inner: string) => `{"jsonrpc":"2.0","id":1,"method":"x","params":{"a":${inner}}}`;
  test("depth equal to the limit is accepted", () => {
    // message object (1) + params (2) + two arrays = 4.
    expect(decodeFrame(req(nest(2)), limits).kind).toBe("message");
  });
  test("one level deeper is -32600 naming the limit", () => {
    const e = errorOf(decodeFrame(req(nest(3)), limits));
    expect(e.code).toBe(-32600);
    expect(e.message).toBe("Invalid Request: JSON nesting exceeds limits.maxJsonDepth (4)");
    expect(e.id).toBeNull();
  });
  test("a hostile 100k-deep document is refused without reaching the parser", () => {
    const e = errorOf(decodeFrame(nest(100_000), limits));
    expect(e.message).toContain("limits.maxJsonDepth");
  });
  test("brackets inside strings are not counted", () => {
    const d = decodeFrame(req(JSON.stringify("[[[[[[{{{{{{]]]]")), limits);
    expect(d.kind).toBe("message");
  });
  test("escaped quotes and backslashes do not end a string early", () => {
    expect(decodeFrame(req(JSON.stringify('\\"[[[[[[[[')), limits).kind).toBe("message");
    // After "\\" the string has ended: the brackets that follow count.
    expect(errorOf(decodeFrame(`{"jsonrpc":"2.0","method":"x","params":{"a":"\\\\","b":${nest(3)}}}`, limits)).message).toContain(
      "limits.maxJsonDepth",
    );
  });
  test("sibling containers do not add up", () => {
    expect(decodeFrame(req(`[${Array(50).fill(nest(1)).join(",")}]`), limits).kind).toBe("message");
  });
  const DEPTHS: [string, number, boolean][] = [
    ["[]", 1, false],
    ["[[]]", 1, true],
    ['{"a":[1,{"b":2}]}', 3, false],
    ['{"a":[1,{"b":2}]}', 2, true],
    ['"[[[[[["', 1, false],
    ['["\\"]]]]", []]', 2, false],
    ['["\\"]]]]", [[]]]', 2, true],
  ];
  test.each(DEPTHS)("jsonDepthExceeds(%p, %p) is %p", (text, max, exceeds) => {
    expect(jsonDepthExceeds(text, max)).toBe(exceeds);
  });
});

describe("decodeFrame: batches", () => {
  test("an empty batch is -32600", () => {
    const e = errorOf(decodeFrame("[]", LIMITS));
    expect(e.code).toBe(-32600);
    expect(e.message).toBe("Invalid Request: empty batch");
    expect(e.id).toBeNull();
  });
  test("a batch keeps one item per element, valid and invalid, in order", () => {
    const batch = [
      { jsonrpc: "2.0", id: 1, method: "ping" },
      42,
      { jsonrpc: "2.0", id: 3, method: 5 },
      { jsonrpc: "2.0", method: "notifications/initialized" },
      { jsonrpc: "1.0", id: "x", method: "ping" },
      { jsonrpc: "2.0", id: 9, result: {} },
    ];
    const d = decodeFrame(JSON.stringify(batch), LIMITS);
    if (d.kind !== "batch") throw new Error(`expected a batch, got ${d.kind}`);
    expect(d.items.map((i) => i.kind)).toEqual(["message", "error", "error", "message", "error", "message"]);
    expect(d.items.map((i) => (i.kind === "error" ? [i.id, i.error.code] : null))).toEqual([
      null,
      [null, -32600],
      [3, -32600],
      null,
      ["x", -32600],
      null,
    ]);
  });
  test("a batch is still subject to the depth limit as a whole", () => {
    const inner = '{"jsonrpc":"2.0","method":"x","params":{"a":[[[[[[[]]]]]]]}}';
    expect(errorOf(decodeFrame(`[${inner}]`, LIMITS)).message).toContain("limits.maxJsonDepth (8)");
  });
});
