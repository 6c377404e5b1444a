import { WireCode } from "../jsonrpc/codes.ts";
import { invalidParams, McpError } from "../jsonrpc/errors.ts";
import type { InputRequest } from "../protocol/types.ts";
import { isPlainObject } from "../util/guards.ts";

/**
 * Thrown out of ctx.input() on 2026-07-28 when some answers are missing: the dispatcher
 * turns it into an input_required result. It extends McpError only so feature code passes it
 * through untouched; it never reaches the wire as an error.
 */
export class InputRequiredSignal extends McpError {
  constructor(readonly requests: Record<string, InputRequest>) {
    super(WireCode.InternalError, "input required");
    this.name = "InputRequiredSignal";
  }
}

/** Checks that an answer has the shape of its request's result; -32602 naming the key otherwise. */
export function checkAnswer(key: string, request: InputRequest, answer: unknown): void {
  const bad = (what: string) => invalidParams(`Invalid inputResponses["${key}"]: expected ${what}`);
  if (!isPlainObject(answer)) throw bad(`an object (the ${request.method} result)`);
  switch (request.method) {
    case "elicitation/create":
      if (answer.action !== "accept" && answer.action !== "decline" && answer.action !== "cancel")
        throw bad('an elicitation result {action: "accept" | "decline" | "cancel", content?}');
      if (answer.content !== undefined && !isPlainObject(answer.content)) throw bad("elicitation content to be an object");
      return;
    case "sampling/createMessage":
      if (typeof answer.role !== "string" || answer.content === undefined || typeof answer.model !== "string")
        throw bad("a sampling result {role, content, model}");
      return;
    case "roots/list":
      if (!Array.isArray(answer.roots)) throw bad("a roots result {roots: [...]}");
      return;
  }
}

/** The `inputResponses` of a retry: absent, or an object of answers by key. */
export function readInputResponses(value: unknown): Record<string, unknown> {
  if (value === undefined) return {};
  if (!isPlainObject(value)) throw invalidParams('Invalid params: "inputResponses" must be an object of answers by input key');
  return value;
}

/**
 * The key one sugar call (ctx.sample, ctx.elicit, ctx.listRoots) asks under, inside a
 * request's input round: its kind and the request's own sequence number, so a retried
 * request asks the same questions under the same keys.
 */
export function sugarKey(method: InputRequest["method"], seq: number): string {
  return `${method === "elicitation/create" ? "elicit" : method === "sampling/createMessage" ? "sample" : "roots"}-${seq}`;
}
