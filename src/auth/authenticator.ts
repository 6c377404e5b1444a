import { ANONYMOUS, type Principal } from "./principal.ts";

/**
 * Decides who sent an HTTP request, at the edge's `authenticate` phase, before any MCP work:
 * a Principal to go on with, or a Response (401 with WWW-Authenticate, 403) that ends the
 * request there. Synchronous when it can be: a promise costs every request an allocation
 * and a turn of the event loop, so a verifier with the answer at hand returns it directly.
 */
export type Authenticator = (request: Request) => Principal | Response | Promise<Principal | Response>;

/** The authenticator of a listener configured with none: every caller is anonymous. */
export const anonymousAuthenticator: Authenticator = () => ANONYMOUS;
