/**
 * The official TypeScript SDK v1 (@modelcontextprotocol/sdk) Streamable HTTP server on Node,
 * built by the harness with `bun build --target=node`. Flags:
 *   --listen HOST:PORT
 *   --mode stateless   a new McpServer and transport per request (the SDK's stateless example)
 *   --mode stateful    one transport per session, kept in a map by Mcp-Session-Id
 *   --json             enableJsonResponse (JSON answers instead of SSE)
 */
import { randomUUID } from "node:crypto";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { isInitializeRequest } from "@modelcontextprotocol/sdk/types.js";
import { readFlags } from "./args.ts";
import { serveNode, type NodeMcpHandler } from "./node-http.ts";
import { installSdkProfile, type SdkRegistrar } from "./sdk-shared.ts";

const flags = readFlags(process.argv.slice(2));
const enableJsonResponse = flags.has("json");

function newServer(): McpServer {
  const server = new McpServer({ name: "sdk-v1-bench", version: "0.0.0" });
  installSdkProfile(server as unknown as SdkRegistrar);
  return server;
}

const stateless: NodeMcpHandler = {
  async handle(req, res, body) {
    const server = newServer();
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse });
    res.on("close", () => {
      void transport.close();
      void server.close();
    });
    await server.connect(transport);
    await transport.handleRequest(req, res, body);
  },
  sessions: () => 0,
};

const transports = new Map<string, StreamableHTTPServerTransport>();
const stateful: NodeMcpHandler = {
  async handle(req, res, body) {
    const id = req.headers["mcp-session-id"];
    const known = typeof id === "string" ? transports.get(id) : undefined;
    if (known) return known.handleRequest(req, res, body);
    if (req.method !== "POST" || !isInitializeRequest(body)) {
      res.writeHead(id ? 404 : 400).end();
      return;
    }
    const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      enableJsonResponse,
      onsessioninitialized: (sid) => void transports.set(sid, transport),
    });
    transport.onclose = () => {
      if (transport.sessionId) transports.delete(transport.sessionId);
    };
    await newServer().connect(transport);
    await transport.handleRequest(req, res, body);
  },
  sessions: () => transports.size,
};

serveNode(flags.get("listen")![0]!, flags.get("mode")?.[0] === "stateful" ? stateful : stateless);
