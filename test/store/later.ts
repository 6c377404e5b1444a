/**
 * A store answering later, the way a remote one (Redis) does: every call runs on a timer
 * turn of its own, in call order, and answers with a promise. Contract suites run on it to
 * show they hold for stores that answer later, and the HTTP tests to show that the callers
 * wait for such answers correctly.
 */

/** `T` with every method answering a promise of what it answered. */
export type Later<T> = {
  [K in keyof T]: T[K] extends (...args: infer A) => infer R ? (...args: A) => Promise<Awaited<R>> : T[K];
};

/** Wraps `store` so that every method call answers later, in call order. */
export function later<T extends object>(store: T): Later<T> {
  const proxy = new Proxy(store, {
    get(target, key) {
      const value: unknown = Reflect.get(target, key);
      if (typeof value !== "function") return value;
      return (...args: unknown[]) =>
        new Promise<unknown>((resolve, reject) =>
          setTimeout(() => {
            try {
              resolve(value.apply(target, args));
            } catch (e) {
              reject(e);
            }
          }, 0),
        );
    },
  });
  return proxy as unknown as Later<T>;
}
