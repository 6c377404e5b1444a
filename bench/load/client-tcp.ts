/** MCP over TCP: newline-delimited JSON both ways, as stdio. */
import { dial } from "./dial.ts";
import type { ClientSpec, McpClient } from "./client.ts";
import { lineSplitter } from "./lines.ts";
import { StreamClient } from "./stream-client.ts";

/** Connects and starts the MCP conversation. */
export async function openTcpClient(spec: ClientSpec): Promise<McpClient> {
  let client: StreamClient | undefined;
  const feed = lineSplitter((line) => client?.onFrame(line));
  const conn = await dial(spec.endpoint, { data: feed, close: () => client?.failAll("closed") });
  client = new StreamClient({ send: (frame) => conn.write(frame + "\n"), close: () => conn.close() });
  return client.start(spec.era);
}
