import type { Channel } from "./channel.ts";
import type { SseConnection } from "./sse.ts";

/**
 * The deprecated HTTP+SSE transport (MCP 2024-11-05) as a Channel: the server's messages go
 * out as `message` events on one SSE response, whose first event is `endpoint` naming where
 * the client POSTs; each POST body is one inbound frame.
 */
export class LegacySseChannel implements Channel {
  private frameHandler: (frame: string) => void = () => {};
  private readonly closeHandlers: ((reason: string) => void)[] = [];
  closed = false;

  constructor(
    private readonly sse: SseConnection,
    endpointUrl: string,
  ) {
    sse.event(endpointUrl, undefined, "endpoint");
    sse.onClose(() => this.markClosed("SSE stream closed"));
  }

  send(frame: string): boolean {
    return !this.closed && this.sse.event(frame, undefined, "message");
  }
  /** One POSTed message. */
  deliver(frame: string): void {
    if (!this.closed) this.frameHandler(frame);
  }
  /** Keep-alive comment. */
  keepalive(): void {
    this.sse.comment();
  }
  onFrame(handler: (frame: string) => void): void {
    this.frameHandler = handler;
  }
  onClose(handler: (reason: string) => void): void {
    this.closeHandlers.push(handler);
  }
  close(reason = "closed"): void {
    this.sse.close();
    this.markClosed(reason);
  }
  private markClosed(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    for (const h of this.closeHandlers) h(reason);
  }
}
