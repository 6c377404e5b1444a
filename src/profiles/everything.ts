import type { McpServer } from "../server/server.ts";
import type { Profile } from "./index.ts";

/** Every fixture the official conformance suite expects (placeholder; being written). */
export const everythingProfile: Profile = {
  description: "every fixture of the official MCP conformance suite",
  install(_server: McpServer) {
    return () => {};
  },
};
