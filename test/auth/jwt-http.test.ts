/**
 * The jwt-mode resource server over real HTTP (listenHttp with jwtAuthenticator): every way a
 * bearer token is turned away, with the exact WWW-Authenticate (RFC 6750 §3, RFC 9728 §5.1),
 * the Protected Resource Metadata, the principal in ctx.auth, and sessions bound to it.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { jwtAuthenticator } from "../../src/auth/jwt.ts";
import { protectedResourceMetadata } from "../../src/auth/resource-metadata.ts";
import { createServer } from "../../src/create-server.ts";
import { runtimeOf } from "../../src/runtime/runtime.ts";
import { listenHttp, type HttpListener } from "../../src/serve/http/listener.ts";
import { ACCEPT_BOTH, initializeRequest, LATEST } from "../fixtures/http-harness.ts";
import { jwksOf, makeKey, signToken, type TestKey } from "../fixtures/jwt-issuer.ts";

const ISSUER = "https://idp.test";
let key: TestKey;
let other: TestKey;
let listener: HttpListener;
let base: string;
let resource: string;
let prmUrl: string;
let metricsText: () => Promise<string>;

beforeAll(async () => {
  key = await makeKey("k1");
  other = await makeKey("k1");
  const server = createServer({ name: "jwt-test", version: "1.0.0" });
  server.tool("whoami", { description: "the caller's subject and scopes" }, (_args, ctx) => `${ctx.auth.subject} ${ctx.auth.scopes.join(",")}`);
  // The port is chosen first: the audience is this listener's URL.
  const probe = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = probe.port;
  probe.stop(true);
  resource = `http://127.0.0.1:${port}/mcp`;
  prmUrl = `http://127.0.0.1:${port}/.well-known/oauth-protected-resource/mcp`;
  listener = listenHttp(server, {
    port,
    responseMode: "json",
    authenticate: jwtAuthenticator({ issuer: ISSUER, audience: resource, keys: { jwks: jwksOf(key) }, clockSkewSec: 5, metrics: runtimeOf(server).metrics }),
    resourceMetadata: protectedResourceMetadata(resource, [ISSUER], ["mcp:tools"]),
  });
  base = `http://127.0.0.1:${port}`;
  metricsText = () => runtimeOf(server).metrics.registry.metrics();
});
afterAll(() => listener.stop());

const token = (claims: Record<string, unknown> = {}, k = key, header: { kid?: string; alg?: string } = {}) => signToken(k, { iss: ISSUER, aud: resource, ...claims }, header);

async function post(body: unknown, authorization?: string, sid?: string) {
  const headers: Record<string, string> = { "content-type": "application/json", accept: ACCEPT_BOTH, "mcp-protocol-version": LATEST };
  if (authorization !== undefined) headers.authorization = authorization;
  if (sid) headers["mcp-session-id"] = sid;
  const r = await fetch(`${base}/mcp`, { method: "POST", headers, body: JSON.stringify(body) });
  const text = await r.text();
  return { status: r.status, challenge: r.headers.get("www-authenticate"), body: text ? JSON.parse(text) : undefined, sid: r.headers.get("mcp-session-id") };
}

const invalid = (description: string) => `Bearer resource_metadata="${prmUrl}", error="invalid_token", error_description="${description}"`;
const now = () => Math.floor(Date.now() / 1000);

describe("a request without a valid token is 401 with the challenge", () => {
  test("no Authorization header: the metadata URL and no error code (RFC 6750 §3.1)", async () => {
    const r = await post(initializeRequest());
    expect({ status: r.status, challenge: r.challenge, code: r.body.error.code }).toEqual({ status: 401, challenge: `Bearer resource_metadata="${prmUrl}"`, code: -32000 });
  });

  test("another scheme is treated as no credentials", async () => {
    const r = await post(initializeRequest(), "Basic YWxpY2U6c2VjcmV0");
    expect({ status: r.status, challenge: r.challenge }).toEqual({ status: 401, challenge: `Bearer resource_metadata="${prmUrl}"` });
  });

  const cases: [string, () => Promise<string>, string][] = [
    ["a malformed token", async () => "Bearer not.a.jwt", "the token is malformed"],
    ["a bearer header with characters outside b64token", async () => "Bearer a b\"c", "the token is malformed"],
    ["an expired token", () => token({ exp: now() - 60, iat: now() - 120 }), "the token has expired"],
    ["a token not valid yet (nbf)", () => token({ nbf: now() + 300 }), "the token is not valid yet"],
    ["a token from another issuer", () => token({ iss: "https://evil.test" }), "the token was issued by another issuer"],
    ["a token for another resource (no passthrough)", () => token({ aud: "https://other.test/mcp" }), "the token is meant for another resource (audience)"],
    ["a bad signature (right kid, other key)", () => token({}, other), "the token signature does not verify"],
    ["an unknown kid", () => token({}, key, { kid: "nobody" }), "no key of the issuer matches the token kid"],
    ["a token without sub", () => token({ sub: undefined }), "the token lacks a required claim or has an invalid one"],
  ];
  test.each(cases)("%s", async (_name, make, description) => {
    const t = await make();
    const r = await post(initializeRequest(), t.startsWith("Bearer ") ? t : `Bearer ${t}`);
    expect({ status: r.status, challenge: r.challenge }).toEqual({ status: 401, challenge: invalid(description) });
  });

  test("an algorithm outside the allow-list", async () => {
    const rsa = await makeKey("k1", "RS384");
    const r = await post(initializeRequest(), `Bearer ${await token({}, rsa)}`);
    expect({ status: r.status, challenge: r.challenge }).toEqual({ status: 401, challenge: invalid("the token algorithm is not allowed") });
  });
});

describe("a valid token", () => {
  test("opens a session whose handlers see the principal (sub, scope)", async () => {
    const t = `Bearer ${await token({ scope: "mcp:tools files:read" })}`;
    const init = await post(initializeRequest(), t);
    expect(init.status).toBe(200);
    expect((await post({ jsonrpc: "2.0", method: "notifications/initialized" }, t, init.sid!)).status).toBe(202);
    const call = await post({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "whoami", arguments: {} } }, t, init.sid!);
    expect(call.body.result.content[0].text).toBe("alice mcp:tools,files:read");
  });

  test("scp as a list (Okta) gives the scopes too, and a second use is served from the cache", async () => {
    const t = `Bearer ${await token({ sub: "bob", scp: ["a", "b"] })}`;
    const init = await post(initializeRequest(), t);
    await post({ jsonrpc: "2.0", method: "notifications/initialized" }, t, init.sid!);
    const call = await post({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "whoami", arguments: {} } }, t, init.sid!);
    expect(call.body.result.content[0].text).toBe("bob a,b");
  });

  test("a session opened with token A is 404 with token B of another subject (session binding)", async () => {
    const a = `Bearer ${await token({ sub: "alice" })}`;
    const b = `Bearer ${await token({ sub: "mallory" })}`;
    const init = await post(initializeRequest(), a);
    await post({ jsonrpc: "2.0", method: "notifications/initialized" }, a, init.sid!);
    const hijack = await post({ jsonrpc: "2.0", id: 2, method: "tools/call", params: { name: "whoami", arguments: {} } }, b, init.sid!);
    expect(hijack.status).toBe(404);
    const owner = await post({ jsonrpc: "2.0", id: 3, method: "tools/call", params: { name: "whoami", arguments: {} } }, a, init.sid!);
    expect(owner.status).toBe(200);
  });

  test("a cached token that expires is verified again and refused as expired", async () => {
    const t = `Bearer ${await token({ exp: now() + 2 })}`;
    expect((await post(initializeRequest(), t)).status).toBe(200);
    // clockSkewSec is 5: past exp + skew the token is refused, though it was cached.
    await Bun.sleep(8_000);
    const r = await post(initializeRequest(), t);
    expect({ status: r.status, challenge: r.challenge }).toEqual({ status: 401, challenge: invalid("the token has expired") });
  }, 30_000);
});

describe("the Protected Resource Metadata (RFC 9728)", () => {
  test.each(["/.well-known/oauth-protected-resource/mcp", "/.well-known/oauth-protected-resource"])("GET %s without a token", async (path) => {
    const r = await fetch(`${base}${path}`);
    expect(r.status).toBe(200);
    expect(await r.json()).toEqual({ resource, authorization_servers: [ISSUER], scopes_supported: ["mcp:tools"], bearer_methods_supported: ["header"] });
  });

  test("is behind the Host check (DNS rebinding)", async () => {
    const r = await fetch(`${base}/.well-known/oauth-protected-resource/mcp`, { headers: { host: "evil.example" } });
    expect(r.status).toBe(403);
  });
});

test("every decision is counted by outcome", async () => {
  const text = await metricsText();
  for (const outcome of ["ok", "missing", "invalid", "expired"]) expect(text).toMatch(new RegExp(`erlmcp_auth_decisions_total\\{outcome="${outcome}"\\} [1-9]`));
});

test("keys that cannot be fetched (jwks_uri down) are 503 with Retry-After, not a 401", async () => {
  const dead = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const deadPort = dead.port;
  dead.stop(true);
  const server = createServer({ name: "jwt-down", version: "1.0.0" });
  const l = listenHttp(server, { port: 0, responseMode: "json", authenticate: jwtAuthenticator({ issuer: ISSUER, audience: "https://down.test/mcp", keys: { jwksUri: `http://127.0.0.1:${deadPort}/jwks` } }) });
  try {
    const t = await signToken(key, { iss: ISSUER, aud: "https://down.test/mcp" });
    const r = await fetch(l.url, { method: "POST", headers: { "content-type": "application/json", accept: ACCEPT_BOTH, authorization: `Bearer ${t}` }, body: JSON.stringify(initializeRequest()) });
    expect({ status: r.status, retryAfter: r.headers.get("retry-after"), challenge: r.headers.get("www-authenticate") }).toEqual({ status: 503, retryAfter: "5", challenge: null });
  } finally {
    await l.stop();
  }
});
