import { z } from "zod";
import type { McpServer } from "../src/index.ts";
import { BLOB_TEXT, BLOB_URI, ECHO_TOOL, FILLER_TOOLS, fillerDescription, TICKER_URI, TOUCH_TOOL } from "./profile-constants.ts";

/**
 * The bench profile on erlmcp: echo, touch, 198 filler tools, the 4 KB resource and the
 * ticker. Kept out of src/profiles: it exists only to be measured.
 */

/** Registers the bench profile on an erlmcp server. */
export function installBenchProfile(server: McpServer): void {
  const textArg = z.object({ text: z.string() });
  server.tool(ECHO_TOOL, { description: "Echoes its text argument", input: textArg }, ({ text }) => text);
  server.tool(TOUCH_TOOL, { description: "Marks bench://ticker as updated" }, () => {
    server.notifyResourceUpdated(TICKER_URI);
    return "touched";
  });
  for (let i = 0; i < FILLER_TOOLS; i++)
    server.tool(`tool_${i}`, { description: fillerDescription(i), input: textArg }, ({ text }) => text);
  server.resource(BLOB_URI, { name: "4k", mimeType: "text/plain" }, { text: BLOB_TEXT });
  let revision = 0;
  server.resource(TICKER_URI, { name: "ticker", mimeType: "text/plain" }, () => ({ text: `revision ${revision++}` }));
}
