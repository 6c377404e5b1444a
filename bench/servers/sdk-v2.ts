/**
 * The official TypeScript SDK v2 (@modelcontextprotocol/server + /node) on Node, built by the
 * harness with `bun build --target=node`: createMcpHandler with a per-request McpServer
 * factory (the v2 serving model) behind toNodeHandler. It serves 2026-07-28 requests and
 * answers 2025-era requests through its stateless fallback. Flags:
 *   --listen HOST:PORT
 *   --json             responseMode "json" (default "auto")
 */
import { toNodeHandler } from "@modelcontextprotocol/node";
import { createMcpHandler, McpServer } from "@modelcontextprotocol/server";
import { readFlags } from "./args.ts";
import { serveNode } from "./node-http.ts";
import { installSdkProfile, type SdkRegistrar } from "./sdk-shared.ts";

const flags = readFlags(process.argv.slice(2));
const handler = createMcpHandler(
  () => {
    const server = new McpServer({ name: "sdk-v2-bench", version: "0.0.0" });
    installSdkProfile(server as unknown as SdkRegistrar);
    return server;
  },
  { responseMode: flags.has("json") ? "json" : "auto" },
);
const node = toNodeHandler(handler);
serveNode(flags.get("listen")![0]!, { handle: (req, res, body) => node(req, res, body), sessions: () => 0 });
