import { describe, expect, test } from "bun:test";
import { McpError } from "../../src/jsonrpc/errors.ts";
import { checkRequired } from "../../src/server/client-gates.ts";

const refusal = (f: () => void): McpError => {
  try {
    f();
  } catch (e) {
    return e as McpError;
  }
  throw new Error("expected a refusal");
};

describe("checkRequired (a tool's required client capabilities)", () => {
  test("passes when nothing is required, or everything required is declared, nested members included", () => {
    expect(() => checkRequired({}, undefined)).not.toThrow();
    expect(() => checkRequired({ sampling: { tools: {} }, roots: {} }, { sampling: { tools: {} } })).not.toThrow();
  });

  test("names exactly what is lacking, a nested member as much as a whole capability", () => {
    const e = refusal(() => checkRequired({ sampling: {}, roots: {} }, { sampling: { tools: {} }, roots: {}, elicitation: {} }));
    expect(e.code).toBe(-32021);
    expect(e.message).toBe("Client capability required: sampling, elicitation");
    expect(e.data).toEqual({ requiredCapabilities: { sampling: { tools: {} }, elicitation: {} } });
  });
});
