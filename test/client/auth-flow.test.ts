/**
 * createClient({ auth }) with OAuth against real sockets: an erlmcp server in jwt mode (the
 * same authenticator `erlmcp serve --auth jwt` builds) whose tokens come from a small test
 * authorization server. The client discovers both, registers, authorizes with PKCE, calls
 * tools; steps up on 403 insufficient_scope; refreshes a token the server finds expired;
 * refuses an authorization response whose iss is another issuer. Then `erlmcp client
 * --oauth` as a process.
 */
import { afterEach, expect, test } from "bun:test";
import { join } from "node:path";
import { jwtAuthenticator } from "../../src/auth/jwt.ts";
import { protectedResourceMetadata } from "../../src/auth/resource-metadata.ts";
import { followRedirects } from "../../src/client/auth/headless.ts";
import { loopbackAuthorize } from "../../src/client/auth/loopback.ts";
import { createClient } from "../../src/client/client.ts";
import { createServer } from "../../src/create-server.ts";
import { listenHttp, type HttpListener } from "../../src/serve/http/listener.ts";
import { jwksOf } from "../fixtures/jwt-issuer.ts";
import { startTestAs, type TestAsOptions } from "../fixtures/oauth-as.ts";
import { runToEnd } from "../cli/process.ts";

const REDIRECT = "http://127.0.0.1:1/callback";
const stops: (() => unknown)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
});

/** The AS, and a server trusting it with a public tool and one needing files:write; the audience is the server's own URL. */
async function setup(asOptions: TestAsOptions = {}) {
  const as = await startTestAs(asOptions);
  stops.push(as.stop);
  const server = createServer({ name: "oauth-test", version: "1.0.0" });
  server.tool("read", { description: "anyone" }, () => "read");
  server.tool("write", { description: "needs files:write", scopes: ["files:write"] }, () => "written");
  const probe = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = probe.port;
  probe.stop(true);
  const resource = `http://127.0.0.1:${port}/mcp`;
  const listener: HttpListener = listenHttp(server, {
    port,
    responseMode: "json",
    authenticate: jwtAuthenticator({ issuer: as.issuer, audience: resource, keys: { jwks: jwksOf(as.key) } }),
    resourceMetadata: protectedResourceMetadata(resource, [as.issuer], ["files:read"]),
  });
  stops.push(() => listener.stop());
  const client = createClient({ name: "c", version: "1", auth: { authorize: followRedirects(REDIRECT), redirectUri: REDIRECT } });
  stops.unshift(() => client.close());
  return { as, resource, client };
}

const text = (r: { content?: { type: string; text?: string }[] }) => r.content?.map((c) => c.text).join("");

test("discovers the server's AS, registers, authorizes with PKCE and resource, and calls a tool", async () => {
  const { as, resource, client } = await setup();
  await client.connect({ url: resource });
  expect(text(await client.callTool("read", {}))).toBe("read");
  expect(as.log.registrations).toBe(1);
  // The scope comes from the PRM's scopes_supported (no scope in the challenge); resource is the PRM's, exactly.
  expect(as.log.authorizations).toEqual([{ scope: "files:read", resource, clientId: "client-1" }]);
  expect(as.log.tokens).toEqual([{ grant: "authorization_code", resource }]);
});

test("a 403 insufficient_scope re-authorizes with the union of scopes, once, and the call goes through", async () => {
  const { as, resource, client } = await setup();
  await client.connect({ url: resource });
  expect(text(await client.callTool("write", {}))).toBe("written");
  expect(as.log.authorizations.map((a) => a.scope)).toEqual(["files:read", "files:read files:write"]);
  // The client registered once: its identity at this AS is reused.
  expect(as.log.registrations).toBe(1);
});

test("a token the server finds expired (401) is refreshed, without a new authorization", async () => {
  const { as, resource, client } = await setup({ firstTokenExpired: true });
  await client.connect({ url: resource });
  expect(text(await client.callTool("read", {}))).toBe("read");
  expect(as.log.tokens.map((t) => t.grant)).toEqual(["authorization_code", "refresh_token"]);
  expect(as.log.authorizations).toHaveLength(1);
});

test("an authorization response with another issuer's iss is refused before the code is used (RFC 9207)", async () => {
  const { as, resource, client } = await setup({ iss: "wrong" });
  const error = await client.connect({ url: resource }).then(() => undefined, (e: unknown) => e);
  expect(error).toMatchObject({ code: "authorization_failed", message: expect.stringContaining('comes from issuer "https://evil.example"') });
  expect(as.log.authorizations).toHaveLength(1);
  expect(as.log.tokens).toEqual([]);
});

const MAIN = join(import.meta.dir, "../../src/cli/main.ts");

test("erlmcp client --oauth authorizes by itself and calls the tool; a bad --grant is one line, exit 2", async () => {
  const { as, resource } = await setup();
  const run = await runToEnd([process.execPath, MAIN, "client", resource, "--oauth", "--redirect-uri", REDIRECT, "--call", "read"]);
  expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: "" });
  expect(JSON.parse(run.stdout).content).toEqual([{ type: "text", text: "read" }]);
  expect(as.log.tokens.map((t) => t.grant)).toEqual(["authorization_code"]);
  const bad = await runToEnd([process.execPath, MAIN, "client", resource, "--grant", "password"]);
  expect({ code: bad.code, stderr: bad.stderr }).toEqual({ code: 2, stderr: 'erlmcp client: --grant must be authorization_code, client_credentials, jwt_bearer, got "password"\n' });
}, 30_000);

test("a 403 for scopes already asked for is not retried: two authorizations, then the 403 stands", async () => {
  const { as, resource, client } = await setup({ grantOnly: "files:read" });
  await client.connect({ url: resource });
  await expect(client.callTool("write", {})).rejects.toMatchObject({ status: 403 });
  expect(as.log.authorizations.map((a) => a.scope)).toEqual(["files:read", "files:read files:write"]);
});

test("loopbackAuthorize: the URL goes to `open`, the browser's redirect lands on the loopback listener", async () => {
  const { as, resource } = await setup();
  const probe = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const redirectUri = `http://127.0.0.1:${probe.port}/callback`;
  probe.stop(true);
  const opened: string[] = [];
  // The "browser": follows the authorization URL and its redirect, as a person's would.
  const browser = (url: URL) => void fetch(url).then((r) => (opened.push(url.href), r.text()));
  const client = createClient({ name: "c", version: "1", auth: { authorize: loopbackAuthorize(redirectUri, browser), redirectUri } });
  stops.unshift(() => client.close());
  await client.connect({ url: resource });
  expect(text(await client.callTool("read", {}))).toBe("read");
  expect(opened).toHaveLength(1);
  expect(new URL(opened[0]!).searchParams.get("redirect_uri")).toBe(redirectUri);
  expect(as.log.tokens.map((t) => t.grant)).toEqual(["authorization_code"]);
});

test("erlmcp client --oauth-browser prints the URL on stderr and waits for the browser's redirect", async () => {
  const { resource } = await setup();
  const probe = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const redirectUri = `http://127.0.0.1:${probe.port}/callback`;
  probe.stop(true);
  const proc = Bun.spawn([process.execPath, MAIN, "client", resource, "--oauth-browser", "--redirect-uri", redirectUri, "--call", "read"], { stdout: "pipe", stderr: "pipe" });
  const timer = setTimeout(() => proc.kill(), 20_000);
  try {
    const reader = proc.stderr.getReader();
    let err = "";
    while (!/https?:\/\/\S+\n/.test(err.split("browser to authorize: ")[1] ?? "")) {
      const { value, done } = await reader.read();
      if (done) break;
      err += new TextDecoder().decode(value);
    }
    const url = err.split("browser to authorize: ")[1]!.trim();
    expect(err.trim()).toBe(`erlmcp client: open this URL in a browser to authorize: ${url}`);
    expect(await (await fetch(url)).text()).toBe("Authorization received; you can close this window.");
    expect(await proc.exited).toBe(0);
    expect(JSON.parse(await new Response(proc.stdout).text()).content).toEqual([{ type: "text", text: "read" }]);
  } finally {
    clearTimeout(timer);
    proc.kill();
  }
}, 30_000);

test("an approval slower than the server/discover timeout still settles the newest era (the probe waits for it)", async () => {
  const { resource } = await setup();
  const follow = followRedirects(REDIRECT);
  const slow = createClient({ name: "c", version: "1", discoverTimeoutMs: 150, auth: { redirectUri: REDIRECT, authorize: async (url) => (await Bun.sleep(400), follow(url)) } });
  stops.unshift(() => slow.close());
  const info = await slow.connect({ url: resource });
  expect(info.era).toBe("stateless");
  expect(text(await slow.callTool("read", {}))).toBe("read");
});
