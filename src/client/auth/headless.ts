import { authError } from "./errors.ts";
import type { AuthorizationResponse } from "./options.ts";

/**
 * An `authorize` callback for scripts and tests: it follows the authorization URL with fetch
 * (no browser, no cookies) until the server redirects to `redirectUri`, and reads the response
 * from that redirect. It only works with an authorization server that approves without a user
 * (a test or conformance AS, or one trusting the network); anything else is a clear error.
 */
export function followRedirects(redirectUri: string, maxHops = 10): (url: URL) => Promise<AuthorizationResponse> {
  const target = new URL(redirectUri);
  return async (start) => {
    let url = start;
    for (let hop = 0; hop < maxHops; hop++) {
      let r: Response;
      try {
        r = await fetch(url, { redirect: "manual" });
      } catch (e) {
        throw authError(`the authorization endpoint ${url.origin}${url.pathname} could not be reached: ${e instanceof Error ? e.message : String(e)}`);
      }
      await r.body?.cancel().catch(() => {});
      const location = r.headers.get("location");
      if (r.status < 300 || r.status >= 400 || !location)
        throw authError(`the authorization endpoint ${url.origin}${url.pathname} answered HTTP ${r.status} instead of redirecting back: it wants a user to approve in a browser`);
      url = new URL(location, url);
      if (url.origin === target.origin && url.pathname === target.pathname) return Object.fromEntries(url.searchParams) as AuthorizationResponse;
    }
    throw authError(`the authorization endpoint redirected more than ${maxHops} times without coming back to ${redirectUri}`);
  };
}
