/**
 * The pieces of the client's authorization flow that decide what to trust: the
 * WWW-Authenticate parser, and discovery's refusals (another issuer, plain http off
 * loopback, a PRM for another resource), each against a real local HTTP server.
 */
import { afterAll, expect, test } from "bun:test";
import { parseChallenge } from "../../src/client/auth/challenge.ts";
import { discoverResource, discoverServer } from "../../src/client/auth/discovery.ts";

test("WWW-Authenticate: the Bearer or DPoP challenge's params, quoted or not, after other schemes", () => {
  expect(parseChallenge('Bearer resource_metadata="https://h/.well-known/oauth-protected-resource/mcp", scope="a b", error="insufficient_scope"')).toEqual({
    scheme: "bearer",
    params: { resource_metadata: "https://h/.well-known/oauth-protected-resource/mcp", scope: "a b", error: "insufficient_scope" },
  });
  expect(parseChallenge('Basic realm="x", Bearer scope="s"')).toEqual({ scheme: "bearer", params: { scope: "s" } });
  expect(parseChallenge('DPoP error=use_dpop_nonce, resource_metadata="u"')).toEqual({ scheme: "dpop", params: { error: "use_dpop_nonce", resource_metadata: "u" } });
  expect(parseChallenge('Bearer error_description="say \\"hi\\", then go"')).toEqual({ scheme: "bearer", params: { error_description: 'say "hi", then go' } });
  expect(parseChallenge("Bearer")).toEqual({ scheme: "bearer", params: {} });
  expect(parseChallenge('Basic realm="x"')).toBeUndefined();
  expect(parseChallenge(null)).toBeUndefined();
});

let doc: (origin: string, path: string) => unknown = () => undefined;
const server = Bun.serve({
  hostname: "127.0.0.1",
  port: 0,
  fetch(req) {
    const u = new URL(req.url);
    const body = doc(u.origin, u.pathname);
    return body === undefined ? new Response("no", { status: 404 }) : Response.json(body);
  },
});
afterAll(() => server.stop(true));
const origin = `http://127.0.0.1:${server.port}`;

test("AS metadata naming another issuer is refused, not skipped for the next well-known URL", async () => {
  doc = (o) => ({ issuer: "https://attacker.example", token_endpoint: `${o}/token` });
  await expect(discoverServer(origin)).rejects.toMatchObject({ code: "authorization_failed", message: expect.stringContaining('names issuer "https://attacker.example"') });
});

test("AS endpoints in plain http off loopback are refused; an issuer with a path is looked up path-inserted", async () => {
  const seen: string[] = [];
  doc = (o, path) => (seen.push(path), path === "/.well-known/oauth-authorization-server/tenant" ? { issuer: `${o}/tenant`, token_endpoint: "http://as.example/token" } : undefined);
  await expect(discoverServer(`${origin}/tenant`)).rejects.toMatchObject({ message: expect.stringContaining('its token_endpoint "http://as.example/token" is not an https URL') });
  expect(seen).toEqual(["/.well-known/oauth-authorization-server/tenant"]);
  await expect(discoverServer("http://as.example")).rejects.toMatchObject({ code: "authorization_failed" });
});

test("PRM: path-suffixed first, then root; a document for another resource is refused", async () => {
  const seen: string[] = [];
  doc = (o, path) => (seen.push(path), path === "/.well-known/oauth-protected-resource" ? { resource: o, authorization_servers: [o] } : undefined);
  expect(await discoverResource(new URL(`${origin}/mcp`), undefined)).toEqual({ resource: origin, authorizationServers: [origin], scopesSupported: undefined });
  expect(seen).toEqual(["/.well-known/oauth-protected-resource/mcp", "/.well-known/oauth-protected-resource"]);
  doc = () => ({ resource: "https://evil.example/mcp", authorization_servers: [origin] });
  await expect(discoverResource(new URL(`${origin}/mcp`), undefined)).rejects.toMatchObject({ message: expect.stringContaining('is for resource "https://evil.example/mcp"') });
  doc = (o) => ({ resource: `${o}/other`, authorization_servers: [o] });
  await expect(discoverResource(new URL(`${origin}/mcp`), undefined)).rejects.toMatchObject({ code: "authorization_failed" });
});
