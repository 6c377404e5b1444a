/**
 * Scopes over real HTTP and WebSocket: auth.requiredScopes for every request, and a tool's
 * own `scopes` (403 insufficient_scope at the edge before the tool runs, a JSON-RPC error on
 * a stream, hidden from tools/list unless hideForbiddenTools is off).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { jwtAuthenticator } from "../../src/auth/jwt.ts";
import { protectedResourceMetadata } from "../../src/auth/resource-metadata.ts";
import { createServer } from "../../src/create-server.ts";
import { listenHttp, type HttpListener } from "../../src/serve/http/listener.ts";
import { ACCEPT_BOTH, initializeRequest, LATEST } from "../fixtures/http-harness.ts";
import { jwksOf, makeKey, signToken, type TestKey } from "../fixtures/jwt-issuer.ts";

const ISSUER = "https://idp.test";
let key: TestKey;
const listeners: HttpListener[] = [];
let runs = 0;

/** A listener whose server has a public tool and a tool needing files:write; the audience is its own URL. */
async function start(opts: { requiredScopes?: string[]; hideForbiddenTools?: boolean } = {}) {
  const server = createServer({ name: "scopes-test", version: "1.0.0", hideForbiddenTools: opts.hideForbiddenTools });
  server.tool("read", { description: "anyone" }, () => "read");
  server.tool("write", { description: "needs files:write", scopes: ["files:write"] }, () => {
    runs++;
    return "written";
  });
  const probe = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = probe.port;
  probe.stop(true);
  const resource = `http://127.0.0.1:${port}/mcp`;
  const listener = listenHttp(server, {
    port,
    responseMode: "json",
    authenticate: jwtAuthenticator({ issuer: ISSUER, audience: resource, keys: { jwks: jwksOf(key) }, requiredScopes: opts.requiredScopes }),
    resourceMetadata: protectedResourceMetadata(resource, [ISSUER]),
  });
  listeners.push(listener);
  const prm = `http://127.0.0.1:${port}/.well-known/oauth-protected-resource/mcp`;
  return { url: resource, prm, token: (scope: string) => signToken(key, { iss: ISSUER, aud: resource, scope }) };
}

beforeAll(async () => {
  key = await makeKey("k1");
});
afterAll(async () => {
  for (const l of listeners) await l.stop();
});

async function post(url: string, body: unknown, token: string, sid?: string) {
  const headers: Record<string, string> = { "content-type": "application/json", accept: ACCEPT_BOTH, "mcp-protocol-version": LATEST, authorization: `Bearer ${token}` };
  if (sid) headers["mcp-session-id"] = sid;
  const r = await fetch(url, { method: "POST", headers, body: JSON.stringify(body) });
  const text = await r.text();
  return { status: r.status, challenge: r.headers.get("www-authenticate"), body: text ? JSON.parse(text) : undefined, sid: r.headers.get("mcp-session-id") };
}

async function session(url: string, token: string): Promise<string> {
  const init = await post(url, initializeRequest(), token);
  expect(init.status).toBe(200);
  await post(url, { jsonrpc: "2.0", method: "notifications/initialized" }, token, init.sid!);
  return init.sid!;
}

const callTool = (name: string, id = 1) => ({ jsonrpc: "2.0", id, method: "tools/call", params: { name, arguments: {} } });
const listTools = { jsonrpc: "2.0", id: 9, method: "tools/list" };

describe("auth.requiredScopes", () => {
  test("a token without them is 403 insufficient_scope naming them; with them, 200", async () => {
    const s = await start({ requiredScopes: ["mcp"] });
    const r = await post(s.url, initializeRequest(), await s.token("other"));
    expect({ status: r.status, challenge: r.challenge, data: r.body.error.data }).toEqual({
      status: 403,
      challenge: `Bearer resource_metadata="${s.prm}", scope="mcp", error="insufficient_scope", error_description="the token lacks a required scope"`,
      data: { requiredScopes: ["mcp"] },
    });
    expect((await post(s.url, initializeRequest(), await s.token("mcp other"))).status).toBe(200);
  });

  test("the 401 for a missing token names the required scope too", async () => {
    const s = await start({ requiredScopes: ["mcp"] });
    const r = await fetch(s.url, { method: "POST", headers: { "content-type": "application/json", accept: ACCEPT_BOTH }, body: JSON.stringify(initializeRequest()) });
    expect(r.headers.get("www-authenticate")).toBe(`Bearer resource_metadata="${s.prm}", scope="mcp"`);
  });
});

describe("a tool's scopes", () => {
  test("a call without them is 403 at the edge and the tool never runs; with them it runs", async () => {
    const s = await start();
    const weak = await s.token("files:read");
    const sid = await session(s.url, weak);
    const before = runs;
    const r = await post(s.url, callTool("write"), weak, sid);
    expect({ status: r.status, challenge: r.challenge }).toEqual({
      status: 403,
      challenge: `Bearer resource_metadata="${s.prm}", scope="files:write", error="insufficient_scope", error_description="the token lacks a required scope"`,
    });
    expect(runs).toBe(before);
    expect((await post(s.url, callTool("read"), weak, sid)).body.result.content[0].text).toBe("read");
    const strong = await s.token("files:write");
    const sid2 = await session(s.url, strong);
    expect((await post(s.url, callTool("write"), strong, sid2)).body.result.content[0].text).toBe("written");
    expect(runs).toBe(before + 1);
  });

  test("tools/list hides the tools a caller may not call, and shows them with hideForbiddenTools off", async () => {
    const hiding = await start();
    const weak = await hiding.token("files:read");
    const names = async (url: string, token: string) => (await post(url, listTools, token, await session(url, token))).body.result.tools.map((t: { name: string }) => t.name).sort();
    expect(await names(hiding.url, weak)).toEqual(["read"]);
    expect(await names(hiding.url, await hiding.token("files:write"))).toEqual(["read", "write"]);
    const showing = await start({ hideForbiddenTools: false });
    expect(await names(showing.url, await showing.token("files:read"))).toEqual(["read", "write"]);
  });

  test("on a WebSocket a call without them is a JSON-RPC error naming the scopes", async () => {
    const s = await start();
    const ws = new WebSocket(s.url.replace(/^http/, "ws").replace(/\/mcp$/, "/ws"), { headers: { authorization: `Bearer ${await s.token("files:read")}` } } as never);
    const answers: Record<string, any>[] = [];
    const answered = (id: number) =>
      new Promise<Record<string, any>>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no answer to ${id}`)), 10_000);
        const check = () => {
          const a = answers.find((m) => m.id === id);
          if (a) {
            clearTimeout(timer);
            resolve(a);
          } else setTimeout(check, 20);
        };
        check();
      });
    ws.onmessage = (e) => answers.push(JSON.parse(String(e.data)));
    await new Promise<void>((resolve, reject) => {
      ws.onopen = () => resolve();
      ws.onerror = () => reject(new Error("websocket failed"));
    });
    ws.send(JSON.stringify(initializeRequest()));
    await answered(0);
    ws.send(JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" }));
    ws.send(JSON.stringify(callTool("write", 5)));
    const a = await answered(5);
    ws.close();
    expect(a.error).toEqual({ code: -32000, message: "Forbidden: insufficient_scope: this request needs the scopes files:write", data: { requiredScopes: ["files:write"] } });
  });
});

describe("a resource's and a prompt's scopes", () => {
  async function startWithEntries() {
    const server = createServer({ name: "scoped-entries", version: "1.0.0" });
    server.resource("file:///open.txt", { name: "open" }, { text: "open" });
    server.resource("file:///secret.txt", { name: "secret", scopes: ["files:read"] }, { text: "secret" });
    server.resourceTemplate("file:///private/{name}", { name: "private", scopes: ["files:read"] }, (uri) => ({ text: uri }));
    server.prompt("plain", { description: "anyone" }, () => [{ role: "user", content: { type: "text", text: "plain" } }]);
    server.prompt("admin", { description: "needs admin", scopes: ["admin"] }, () => [{ role: "user", content: { type: "text", text: "admin" } }]);
    const probe = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
    const port = probe.port;
    probe.stop(true);
    const resource = `http://127.0.0.1:${port}/mcp`;
    listeners.push(listenHttp(server, { port, responseMode: "json", authenticate: jwtAuthenticator({ issuer: ISSUER, audience: resource, keys: { jwks: jwksOf(key) } }), resourceMetadata: protectedResourceMetadata(resource, [ISSUER]) }));
    return { url: resource, token: (scope: string) => signToken(key, { iss: ISSUER, aud: resource, scope }) };
  }

  test("reads and gets without them are 403 naming the scopes; lists hide them", async () => {
    const s = await startWithEntries();
    const weak = await s.token("");
    const sid = await session(s.url, weak);
    const read = (uri: string) => post(s.url, { jsonrpc: "2.0", id: 2, method: "resources/read", params: { uri } }, weak, sid);
    expect((await read("file:///open.txt")).status).toBe(200);
    for (const [uri, scope] of [["file:///secret.txt", "files:read"], ["file:///private/x", "files:read"]] as const) {
      const r = await read(uri);
      expect({ status: r.status, scope: /scope="([^"]*)"/.exec(r.challenge ?? "")?.[1] }).toEqual({ status: 403, scope });
    }
    const get = await post(s.url, { jsonrpc: "2.0", id: 3, method: "prompts/get", params: { name: "admin" } }, weak, sid);
    expect({ status: get.status, scope: /scope="([^"]*)"/.exec(get.challenge ?? "")?.[1] }).toEqual({ status: 403, scope: "admin" });
    const resources = (await post(s.url, { jsonrpc: "2.0", id: 4, method: "resources/list" }, weak, sid)).body.result.resources.map((r: { uri: string }) => r.uri);
    expect(resources).toEqual(["file:///open.txt"]);
    const templates = (await post(s.url, { jsonrpc: "2.0", id: 5, method: "resources/templates/list" }, weak, sid)).body.result.resourceTemplates;
    expect(templates).toEqual([]);
    const prompts = (await post(s.url, { jsonrpc: "2.0", id: 6, method: "prompts/list" }, weak, sid)).body.result.prompts.map((p: { name: string }) => p.name);
    expect(prompts).toEqual(["plain"]);
  });

  test("with them, the read and the get are served", async () => {
    const s = await startWithEntries();
    const strong = await s.token("files:read admin");
    const sid = await session(s.url, strong);
    const read = await post(s.url, { jsonrpc: "2.0", id: 2, method: "resources/read", params: { uri: "file:///secret.txt" } }, strong, sid);
    expect(read.body.result.contents[0].text).toBe("secret");
    const get = await post(s.url, { jsonrpc: "2.0", id: 3, method: "prompts/get", params: { name: "admin" } }, strong, sid);
    expect(get.body.result.messages[0].content.text).toBe("admin");
  });
});
