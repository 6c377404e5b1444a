/**
 * What jwt authentication costs on the hot path: HTTP tools/call with `auth.mode = "jwt"`
 * against the same server without authentication, in the same run (docs/benchmarks.md,
 * issue 16's target: jwt ≥ 0.9× none).
 *
 *   nice bun bench/auth.ts [SECONDS] [CONCURRENCY]   default 3 s per round, 16 in flight
 *
 * A child process serves both listeners (same server, same tool; one anonymous, one with a
 * jwtAuthenticator over a local JWKS) so the load generator's CPU is not the server's; this
 * process drives them in alternating rounds (none, jwt, none, jwt…) so drift on a shared
 * machine hits both alike, and reports each mode's best round. One token is reused, as a
 * client does until it expires: the cache answers after the first verification. Bounded:
 * 4 rounds per mode, then the child is stopped.
 */
import { createServer, jwtAuthenticator, listenHttp, protectedResourceMetadata } from "../src/index.ts";
import { jwksOf, makeKey, signToken } from "../test/fixtures/jwt-issuer.ts";

const ISSUER = "https://idp.bench";
const ROUNDS = 4;

if (process.argv[2] === "--serve") {
  const key = JSON.parse(process.argv[3]!);
  const server = createServer({ name: "auth-bench", version: "1" });
  server.tool("echo", { description: "echo", input: { type: "object", properties: { text: { type: "string" } } } }, (args) => String(args.text));
  const plain = listenHttp(server, { port: 0, responseMode: "json" });
  const probe = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = probe.port;
  probe.stop(true);
  const audience = `http://127.0.0.1:${port}/mcp`;
  listenHttp(server, { port, responseMode: "json", authenticate: jwtAuthenticator({ issuer: ISSUER, audience, keys: { jwks: key } }), resourceMetadata: protectedResourceMetadata(audience, [ISSUER]) });
  console.log(JSON.stringify({ none: plain.url.href, jwt: audience }));
} else {
  const seconds = Number(process.argv[2] ?? 3);
  const concurrency = Number(process.argv[3] ?? 16);
  const key = await makeKey("bench");
  const child = Bun.spawn([process.execPath, import.meta.path, "--serve", JSON.stringify(jwksOf(key))], { stdout: "pipe", stderr: "inherit" });
  try {
    const reader = child.stdout.getReader();
    const urls = JSON.parse(new TextDecoder().decode((await reader.read()).value)) as { none: string; jwt: string };
    const token = await signToken(key, { iss: ISSUER, aud: urls.jwt, exp: Math.floor(Date.now() / 1000) + 3600 });
    const modes = { none: { url: urls.none, auth: undefined as string | undefined }, jwt: { url: urls.jwt, auth: `Bearer ${token}` } };
    const sessions = { none: await open(modes.none.url, modes.none.auth), jwt: await open(modes.jwt.url, modes.jwt.auth) };
    const best = { none: 0, jwt: 0 };
    for (let round = 0; round < ROUNDS; round++)
      for (const mode of ["none", "jwt"] as const) {
        const rate = await drive(modes[mode].url, modes[mode].auth, sessions[mode], seconds, concurrency);
        best[mode] = Math.max(best[mode], rate);
        console.log(`round ${round + 1} ${mode.padEnd(4)} ${rate.toFixed(0)} calls/s`);
      }
    console.log(`best: none ${best.none.toFixed(0)} calls/s, jwt ${best.jwt.toFixed(0)} calls/s, jwt/none = ${(best.jwt / best.none).toFixed(3)}`);
  } finally {
    child.kill();
    await child.exited;
  }
}

function headers(auth: string | undefined, sid?: string): Record<string, string> {
  const h: Record<string, string> = { "content-type": "application/json", accept: "application/json, text/event-stream", "mcp-protocol-version": "2025-11-25" };
  if (auth) h.authorization = auth;
  if (sid) h["mcp-session-id"] = sid;
  return h;
}

/** initialize + initialized; the session id. */
async function open(url: string, auth: string | undefined): Promise<string> {
  const init = await fetch(url, { method: "POST", headers: headers(auth), body: JSON.stringify({ jsonrpc: "2.0", id: 0, method: "initialize", params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "bench", version: "1" } } }) });
  if (init.status !== 200) throw new Error(`initialize answered ${init.status}: ${await init.text()}`);
  const sid = init.headers.get("mcp-session-id")!;
  await init.text();
  await (await fetch(url, { method: "POST", headers: headers(auth, sid), body: JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" }) })).text();
  return sid;
}

/** tools/call from `concurrency` loops for `seconds`; calls per second (every answer checked). */
async function drive(url: string, auth: string | undefined, sid: string, seconds: number, concurrency: number): Promise<number> {
  const h = headers(auth, sid);
  const until = performance.now() + seconds * 1000;
  let done = 0;
  const loop = async (w: number) => {
    for (let i = 0; performance.now() < until; i++) {
      const r = await fetch(url, { method: "POST", headers: h, body: `{"jsonrpc":"2.0","id":${w * 1e9 + i},"method":"tools/call","params":{"name":"echo","arguments":{"text":"hi"}}}` });
      const text = await r.text();
      if (r.status !== 200 || !text.includes('"hi"')) throw new Error(`tools/call answered ${r.status}: ${text}`);
      done++;
    }
  };
  const start = performance.now();
  await Promise.all(Array.from({ length: concurrency }, (_, w) => loop(w)));
  return done / ((performance.now() - start) / 1000);
}
