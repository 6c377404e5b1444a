/**
 * The bench profile for the official SDKs' McpServer (v1 and v2 share this registration
 * API): the same echo tool, 200 tools, 4 KB resource and ticker as bench/profile.ts.
 * Runs on Node; imports nothing from erlmcp but the profile's constants.
 */
import { z } from "zod";
import { BLOB_TEXT, BLOB_URI, ECHO_TOOL, FILLER_TOOLS, fillerDescription, TICKER_URI, TOUCH_TOOL } from "../profile-constants.ts";

type Text = { content: { type: "text"; text: string }[] };
type ReadResult = { contents: { uri: string; mimeType: string; text: string }[] };

/** The slice of McpServer.registerTool / registerResource both SDK majors offer. */
export interface SdkRegistrar {
  registerTool(name: string, config: { description: string; inputSchema?: unknown }, handler: (args: { text: string }) => Text): unknown;
  registerResource(name: string, uri: string, config: { mimeType: string }, read: (uri: URL) => ReadResult): unknown;
}

const reply = (text: string): Text => ({ content: [{ type: "text", text }] });

/** Registers the bench profile on an SDK McpServer. */
export function installSdkProfile(server: SdkRegistrar): void {
  const inputSchema = z.object({ text: z.string() });
  server.registerTool(ECHO_TOOL, { description: "Echoes its text argument", inputSchema }, ({ text }) => reply(text));
  // The SDKs have no built-in subscription handling, so touch only answers: fan-out runs against erlmcp.
  server.registerTool(TOUCH_TOOL, { description: "Marks bench://ticker as updated" }, () => reply("touched"));
  for (let i = 0; i < FILLER_TOOLS; i++)
    server.registerTool(`tool_${i}`, { description: fillerDescription(i), inputSchema }, ({ text }) => reply(text));
  server.registerResource("4k", BLOB_URI, { mimeType: "text/plain" }, () => ({ contents: [{ uri: BLOB_URI, mimeType: "text/plain", text: BLOB_TEXT }] }));
  server.registerResource("ticker", TICKER_URI, { mimeType: "text/plain" }, () => ({ contents: [{ uri: TICKER_URI, mimeType: "text/plain", text: "revision 0" }] }));
}
