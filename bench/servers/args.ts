/**
 * The tiny flag reader shared by the bench server entries: `--name value` pairs, repeatable,
 * and bare `--flag` switches. Servers are started only by the harness, so errors just throw.
 */
export function readFlags(argv: readonly string[]): Map<string, string[]> {
  const flags = new Map<string, string[]>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith("--")) throw new Error(`unexpected argument ${arg}`);
    const next = argv[i + 1];
    const value = next !== undefined && !next.startsWith("--") ? (i++, next) : "true";
    flags.set(arg.slice(2), [...(flags.get(arg.slice(2)) ?? []), value]);
  }
  return flags;
}

/** "HOST:PORT" → parts; the harness always passes explicit ports. */
export function hostPort(value: string): { hostname: string; port: number } {
  const at = value.lastIndexOf(":");
  return { hostname: value.slice(0, at), port: Number(value.slice(at + 1)) };
}
