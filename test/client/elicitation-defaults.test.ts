/** SEP-1034: defaults of an elicitation schema fill the fields an accepted answer left out. */
import { expect, test } from "bun:test";
import { applyElicitationDefaults } from "../../src/client/elicitation-defaults.ts";

const schema = {
  type: "object" as const,
  properties: {
    name: { type: "string", default: "John Doe" },
    age: { type: "integer", default: 30 },
    score: { type: "number", default: 95.5 },
    status: { type: "string", enum: ["active", "inactive"], default: "active" },
    verified: { type: "boolean", default: true },
    tags: { type: "array", items: { type: "string" }, default: ["a"] },
    plain: { type: "string" },
    wrong: { type: "integer", default: "thirty" },
  },
};

test.each([
  ["every default fills an empty answer", {}, { name: "John Doe", age: 30, score: 95.5, status: "active", verified: true, tags: ["a"] }],
  ["given values win, falsy ones included", { name: "", age: 0, verified: false }, { name: "", age: 0, score: 95.5, status: "active", verified: false, tags: ["a"] }],
  ["no answer at all", undefined, { name: "John Doe", age: 30, score: 95.5, status: "active", verified: true, tags: ["a"] }],
])("%s", (_name, content, expected) => {
  expect(applyElicitationDefaults(schema, content as never)).toEqual(expected);
});

test("no schema: the content as given", () => {
  expect(applyElicitationDefaults(undefined, { a: "b" })).toEqual({ a: "b" });
});
