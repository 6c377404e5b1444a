/**
 * `erlmcp serve --auth jwt` as a process: keys from a JWKS file and from a jwks_uri served by
 * a real local HTTP server (with a key rotation), the WebSocket upgrade authenticated in the
 * same phase, a JWKS file that cannot be read, and no token in the logs at debug with access
 * lines on.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startAppliance, type Appliance } from "../fixtures/cluster-appliance.ts";
import { ACCEPT_BOTH, initializeRequest, LATEST } from "../fixtures/http-harness.ts";
import { jwksOf, makeKey, serveJwks, signToken, type TestKey } from "../fixtures/jwt-issuer.ts";
import { lines, runToEnd } from "../cli/process.ts";

const ISSUER = "https://idp.test";
const AUDIENCE = "https://mcp.test/mcp";
const MAIN = join(import.meta.dir, "../../src/cli/main.ts");
let dir: string;
let key: TestKey;
const started: Appliance[] = [];
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "erlmcp-jwt-"));
  key = await makeKey("k1");
});
afterEach(async () => {
  for (const a of started.splice(0)) await a.stop();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const jwtArgs = (...more: string[]) => ["--shards", "1", "--auth", "jwt", "--set", `auth.issuer=${ISSUER}`, "--set", `auth.audience=${AUDIENCE}`, ...more];

async function post(url: string, body: unknown, authorization?: string) {
  const headers: Record<string, string> = { "content-type": "application/json", accept: ACCEPT_BOTH, "mcp-protocol-version": LATEST };
  if (authorization) headers.authorization = authorization;
  const r = await fetch(url, { method: "POST", headers, body: JSON.stringify(body) });
  return { status: r.status, challenge: r.headers.get("www-authenticate"), text: await r.text() };
}

describe("erlmcp serve --auth jwt", () => {
  test("with a JWKS file: 401 with the challenge, 200 with a token, and the token never in the logs", async () => {
    const file = join(dir, "jwks.json");
    writeFileSync(file, JSON.stringify(jwksOf(key)));
    const a = await startAppliance(jwtArgs("--set", `auth.jwksFile=${file}`, "--log-level", "debug", "--set", "logging.access=true"));
    started.push(a);
    const origin = new URL(a.url).origin;
    const denied = await post(a.url, initializeRequest());
    expect({ status: denied.status, challenge: denied.challenge }).toEqual({ status: 401, challenge: 'Bearer resource_metadata="https://mcp.test/.well-known/oauth-protected-resource/mcp"' });
    const token = await signToken(key, { iss: ISSUER, aud: AUDIENCE, sub: "alice" });
    const ok = await post(a.url, initializeRequest(), `Bearer ${token}`);
    expect(ok.status).toBe(200);
    const prm = await (await fetch(`${origin}/.well-known/oauth-protected-resource/mcp`)).json();
    expect(prm).toEqual({ resource: AUDIENCE, authorization_servers: [ISSUER], bearer_methods_supported: ["header"] });
    await Bun.sleep(200);
    expect(a.stderr()).toContain('"subject":"alice"');
    expect(a.stderr()).not.toContain(token);
    // Nor any of its three parts (a log that split the token would still leak the signature).
    for (const part of token.split(".")) expect(a.stderr()).not.toContain(part);
  }, 60_000);

  test("with a jwks_uri: an unknown kid makes it fetch the keys again (key rotation)", async () => {
    const jwks = serveJwks(jwksOf(key));
    try {
      const a = await startAppliance(jwtArgs("--set", `auth.jwksUri=${jwks.url}`, "--set", "auth.jwksCooldownSec=0"));
      started.push(a);
      const first = await post(a.url, initializeRequest(), `Bearer ${await signToken(key, { iss: ISSUER, aud: AUDIENCE })}`);
      expect(first.status).toBe(200);
      const rotated = await makeKey("k2");
      const before = jwks.fetches;
      jwks.set(jwksOf(rotated));
      const second = await post(a.url, initializeRequest(), `Bearer ${await signToken(rotated, { iss: ISSUER, aud: AUDIENCE })}`);
      expect(second.status).toBe(200);
      expect(jwks.fetches).toBeGreaterThan(before);
    } finally {
      jwks.stop();
    }
  }, 60_000);

  test("the WebSocket upgrade is authenticated in the same phase", async () => {
    const file = join(dir, "jwks-ws.json");
    writeFileSync(file, JSON.stringify(jwksOf(key)));
    const a = await startAppliance(jwtArgs("--set", `auth.jwksFile=${file}`));
    started.push(a);
    const ws = a.url.replace(/^http/, "ws").replace(/\/mcp$/, "/ws");
    const upgrade = (authorization?: string) =>
      fetch(ws.replace(/^ws/, "http"), { headers: { upgrade: "websocket", connection: "Upgrade", "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==", "sec-websocket-version": "13", ...(authorization ? { authorization } : {}) } });
    const denied = await upgrade();
    expect({ status: denied.status, challenge: denied.headers.get("www-authenticate") }).toEqual({ status: 401, challenge: 'Bearer resource_metadata="https://mcp.test/.well-known/oauth-protected-resource/mcp"' });
    const token = await signToken(key, { iss: ISSUER, aud: AUDIENCE });
    const socket = new WebSocket(ws, { headers: { authorization: `Bearer ${token}` } } as never);
    const opened = await new Promise<boolean>((resolve) => {
      socket.onopen = () => resolve(true);
      socket.onerror = () => resolve(false);
      setTimeout(() => resolve(false), 10_000);
    });
    socket.close();
    expect(opened).toBe(true);
  }, 60_000);

  test("a JWKS file that cannot be read: one line naming the key, exit 2", async () => {
    const missing = join(dir, "nope.json");
    const r = await runToEnd([process.execPath, MAIN, "serve", "--http", "127.0.0.1:0", ...jwtArgs("--set", `auth.jwksFile=${missing}`)]);
    expect({ code: r.code, stderr: lines(r.stderr) }).toEqual({ code: 2, stderr: [`erlmcp: config: auth.jwksFile = ${JSON.stringify(missing)}: cannot read (no such file)`] });
  }, 30_000);

  test("--auth builtin is refused as not implemented yet, naming the key", async () => {
    const r = await runToEnd([process.execPath, MAIN, "serve", "--http", "127.0.0.1:0", "--auth", "builtin"]);
    expect({ code: r.code, stderr: lines(r.stderr) }).toEqual({ code: 2, stderr: ['erlmcp: config: auth.mode = "builtin": not implemented yet (this release serves "none" and "jwt")'] });
  }, 30_000);
});
