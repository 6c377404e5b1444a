/**
 * A node:http listener that reads each body, parses it as JSON and hands it to an SDK
 * transport, as the SDKs' own Node examples do, minus express: the peers get their best
 * showing. Also answers GET /healthz with the live session count.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";

/** What the SDK server scripts plug in. */
export interface NodeMcpHandler {
  handle(req: IncomingMessage, res: ServerResponse, body: unknown): Promise<void>;
  sessions(): number;
}

/** Listens on HOST:PORT and routes /mcp to `handler`; SIGTERM/SIGINT exit. */
export function serveNode(listen: string, handler: NodeMcpHandler): void {
  const at = listen.lastIndexOf(":");
  const server = createServer(async (req, res) => {
    if (req.url === "/healthz") {
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ status: "ok", sessions: handler.sessions() }));
      return;
    }
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    let body: unknown;
    try {
      body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString("utf8")) : undefined;
    } catch {
      res.writeHead(400).end();
      return;
    }
    try {
      await handler.handle(req, res, body);
    } catch (e) {
      if (!res.headersSent) res.writeHead(500).end(String(e));
    }
  });
  // Idle-session runs keep connections open with no traffic; Node's 5 s default would cut them.
  server.keepAliveTimeout = 120_000;
  server.headersTimeout = 130_000;
  server.requestTimeout = 0;
  server.listen(Number(listen.slice(at + 1)), listen.slice(0, at));
  const stop = () => process.exit(0);
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
}
