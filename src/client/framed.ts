import { validateMessage } from "../jsonrpc/decode.ts";
import type { JsonRpcMessage } from "../jsonrpc/message.ts";
import { excerpt, protocolViolation } from "./errors.ts";

/**
 * The shared half of every client transport: handler lists, turning one inbound text frame
 * into a validated JSON-RPC message, and closing exactly once. A frame that is not JSON-RPC
 * is reported through `onError` and dropped; it cannot be tied to a request, and a stray line
 * on stdout must not take a working connection down.
 */
export abstract class FramedConnection {
  private readonly messageHandlers: ((m: JsonRpcMessage) => void)[] = [];
  private readonly errorHandlers: ((e: Error) => void)[] = [];
  private readonly closeHandlers: ((reason: string) => void)[] = [];
  private ended = false;

  get closed(): boolean {
    return this.ended;
  }

  onMessage(handler: (message: JsonRpcMessage) => void): void {
    this.messageHandlers.push(handler);
  }
  onError(handler: (error: Error) => void): void {
    this.errorHandlers.push(handler);
  }
  onClose(handler: (reason: string) => void): void {
    this.closeHandlers.push(handler);
  }

  /** Parses and delivers one frame; `where` names its origin in errors ("stdout line"). */
  protected deliverText(text: string, where: string): void {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      return this.report(protocolViolation(`the server sent a ${where} that is not JSON: ${excerpt(text)}`));
    }
    this.deliverValue(value, where);
  }

  /** Delivers an already parsed value after checking it is one JSON-RPC message. */
  protected deliverValue(value: unknown, where: string): void {
    if (Array.isArray(value)) {
      for (const item of value) this.deliverValue(item, where);
      return;
    }
    const checked = validateMessage(value);
    if (checked.kind === "error")
      return this.report(protocolViolation(`the server sent a ${where} that is not a JSON-RPC message (${checked.error.message}): ${excerpt(JSON.stringify(value))}`));
    for (const h of this.messageHandlers) h(checked.message);
  }

  /** Hands `message` to the handlers as is (HTTP bodies already validated). */
  protected deliver(message: JsonRpcMessage): void {
    for (const h of this.messageHandlers) h(message);
  }

  protected report(error: Error): void {
    for (const h of this.errorHandlers) h(error);
  }

  /** Marks the connection ended and tells the handlers, once. */
  protected end(reason: string): void {
    if (this.ended) return;
    this.ended = true;
    for (const h of this.closeHandlers) h(reason);
  }
}
