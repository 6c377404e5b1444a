/**
 * Values that may come now or later. A store that may be remote (Redis) answers with a
 * promise; an in-memory one answers at once. Callers take both through `whenDone`, which
 * makes no promise and waits for no turn of the event loop when the value is plain: that is
 * how the in-memory path stays as fast as a synchronous API (bench/stores.ts measures it).
 */

/** A value now, or a promise of it: what every store method that may be remote returns. */
export type MaybePromise<T> = T | Promise<T>;

/**
 * Calls `fn` with the value: at once (synchronously, no promise made) for a plain value, once
 * settled for a promise. A throw from `fn` on a plain value throws here, to the caller.
 */
export function whenDone<T, R>(value: MaybePromise<T>, fn: (value: T) => MaybePromise<R>): MaybePromise<R> {
  return value instanceof Promise ? value.then(fn) : fn(value);
}

/**
 * Lets a store call run on without waiting for it (forgetting a stream, sweeping): a failed
 * promise goes to `onError` instead of becoming an unhandled rejection that ends the process.
 */
export function detach(value: MaybePromise<unknown>, onError: (cause: unknown) => void): void {
  if (value instanceof Promise) value.catch(onError);
}
