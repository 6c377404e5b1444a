/**
 * The handlers a connection calls once (on close), kept as one function until a second one
 * comes: most connections have exactly one, and a server may hold 100,000 connections.
 */
export type Handlers<A extends unknown[]> = ((...args: A) => void) | ((...args: A) => void)[] | undefined;

/** `handlers` with `handler` added. */
export function addHandler<A extends unknown[]>(handlers: Handlers<A>, handler: (...args: A) => void): Handlers<A> {
  return handlers === undefined ? handler : Array.isArray(handlers) ? [...handlers, handler] : [handlers, handler];
}

/** Calls every handler with `args`. */
export function callHandlers<A extends unknown[]>(handlers: Handlers<A>, ...args: A): void {
  if (typeof handlers === "function") handlers(...args);
  else if (handlers) for (const h of handlers) h(...args);
}
