/**
 * The 2025-era wire as the client writes it on Streamable HTTP: the initialize it sends, the
 * capabilities its handlers imply, logging/setLevel, notifications/cancelled and
 * notifications/roots/list_changed as POSTs, and URL-mode elicitation with its completion
 * notification.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { createClient, type McpClient } from "../../src/client/client.ts";
import type { ElicitParams } from "../../src/protocol/types.ts";
import { startNetworkServer, type NetworkServer } from "../fixtures/network-server.ts";
import { startProxy, waitFor } from "./helpers.ts";

let net: NetworkServer;
let proxy: ReturnType<typeof startProxy>;
let client: McpClient;
const asked: ElicitParams[] = [];
beforeAll(async () => {
  net = startNetworkServer({ http: [{ responseMode: "auto" }] });
  proxy = startProxy(net.httpFor("auto").url);
  client = createClient({
    name: "legacy-wire",
    version: "2.0.0",
    title: "Legacy Wire",
    era: "session",
    capabilities: { elicitation: { form: {}, url: {} } },
    handlers: {
      elicitation: (p) => (asked.push(p), { action: "accept" }),
      roots: () => [{ uri: "file:///a" }],
      sampling: () => ({ role: "assistant", content: { type: "text", text: "-" }, model: "m" }),
    },
  });
  await client.connect({ url: proxy.url });
});
afterAll(async () => {
  await client.close();
  proxy.stop();
  await net.stop();
});

const posts = (method: string) => proxy.seen.filter((s) => s.method === "POST" && s.body?.method === method);

test("initialize offers 2025-11-25, the handlers' capabilities (with the caller's laid over) and clientInfo", () => {
  expect(posts("initialize")[0]!.body.params).toEqual({
    protocolVersion: "2025-11-25",
    capabilities: { sampling: {}, elicitation: { form: {}, url: {} }, roots: { listChanged: true } },
    clientInfo: { name: "legacy-wire", version: "2.0.0", title: "Legacy Wire" },
  });
  expect(posts("server/discover")).toEqual([]);
});

test("setLogLevel is logging/setLevel", async () => {
  await client.setLogLevel("error");
  expect(posts("logging/setLevel").map((s) => s.body.params)).toEqual([{ level: "error" }]);
});

test("rootsChanged sends notifications/roots/list_changed, which the server receives", async () => {
  const before = net.state.rootsListChanged;
  await client.rootsChanged();
  expect(posts("notifications/roots/list_changed").length).toBe(1);
  await waitFor(() => net.state.rootsListChanged === before + 1, "the server to count the change");
});

test("cancelling POSTs notifications/cancelled naming the request, and the server stops the handler", async () => {
  const controller = new AbortController();
  const call = client.callTool("wait_for_cancel", { tag: "legacy-wire" }, { signal: controller.signal });
  await waitFor(() => posts("tools/call").some((s) => s.body.params.name === "wait_for_cancel"), "the call to leave");
  await Bun.sleep(50);
  controller.abort("enough");
  await expect(call).rejects.toMatchObject({ code: "request_cancelled" });
  const id = posts("tools/call").find((s) => s.body.params.name === "wait_for_cancel")!.body.id;
  await waitFor(() => posts("notifications/cancelled").length === 1, "the cancellation POST");
  expect(posts("notifications/cancelled")[0]!.body.params).toEqual({ requestId: id, reason: `tools/call (id ${id}) was cancelled: enough` });
  await waitFor(() => net.state.aborted.includes("legacy-wire"), "the server to abort the handler");
});

test("URL-mode elicitation reaches the handler untouched, and its completion arrives as a notification", async () => {
  const completed: unknown[] = [];
  client.onNotification("notifications/elicitation/complete", (n) => completed.push(n.params));
  const r = await client.callTool("elicit_url", { url: "https://example.com/login", elicitationId: "e-1" });
  expect(r.content).toEqual([{ type: "text", text: "URL elicitation: action=accept" }]);
  expect(asked).toEqual([{ mode: "url", message: "Please finish signing in", url: "https://example.com/login", elicitationId: "e-1" }]);
  await waitFor(() => completed.length === 1, "notifications/elicitation/complete");
  expect(completed).toEqual([{ elicitationId: "e-1" }]);
});
