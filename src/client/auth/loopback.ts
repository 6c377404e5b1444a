import { authError } from "./errors.ts";
import type { AuthorizationResponse } from "./options.ts";

const LOOPBACK = new Set(["127.0.0.1", "[::1]", "localhost"]);

/**
 * An `authorize` callback for a person at a browser (RFC 8252 §7.3, loopback redirect): it
 * listens on the redirect URI's loopback address and port, hands the authorization URL to
 * `open` (launch a browser, or print the URL), and resolves with the parameters of the first
 * request to the redirect path. The listener lives only for that wait (`timeoutMs`).
 */
export function loopbackAuthorize(redirectUri: string, open: (url: URL) => void | Promise<void>, timeoutMs = 300_000): (url: URL) => Promise<AuthorizationResponse> {
  const target = new URL(redirectUri);
  if (target.protocol !== "http:" || !LOOPBACK.has(target.hostname) || !target.port)
    throw authError(`a loopback redirect URI is http://127.0.0.1:PORT/path (or [::1], localhost) with an explicit port, got ${JSON.stringify(redirectUri)}`);
  return async (url) => {
    let settle!: (r: AuthorizationResponse) => void;
    const answered = new Promise<AuthorizationResponse>((resolve) => (settle = resolve));
    const server = Bun.serve({
      hostname: target.hostname === "[::1]" ? "::1" : target.hostname,
      port: Number(target.port),
      fetch(req) {
        const u = new URL(req.url);
        if (u.pathname !== target.pathname) return new Response("not found", { status: 404 });
        settle(Object.fromEntries(u.searchParams) as AuthorizationResponse);
        return new Response("Authorization received; you can close this window.", { headers: { "content-type": "text/plain; charset=utf-8" } });
      },
    });
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(authError(`no authorization response reached ${redirectUri} within ${Math.round(timeoutMs / 1000)} s`)), timeoutMs);
    });
    try {
      await open(url);
      return await Promise.race([answered, timeout]);
    } finally {
      clearTimeout(timer);
      // Let the browser get its page before the listener goes.
      setTimeout(() => server.stop(true), 200);
    }
  };
}
