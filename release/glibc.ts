/**
 * The newest glibc symbol version a dynamically linked executable asks for.
 *
 * The dynamic loader refuses to start a binary that needs a `GLIBC_2.x` newer than the host's,
 * so the highest version named in the binary is the minimum glibc it runs on. The version names
 * live in `.dynstr` as plain `GLIBC_2.17\0` strings; scanning for them avoids needing binutils on
 * the build host. An embedded text that happens to spell `GLIBC_2.x` could only raise the
 * figure (a conservative answer), never hide a real requirement.
 */
export function minimumGlibc(binary: Uint8Array): string | undefined {
  const marker = new TextEncoder().encode("GLIBC_");
  let best: number[] | undefined;
  let at = indexOf(binary, marker, 0);
  while (at >= 0) {
    const version = readVersion(binary, at + marker.length);
    if (version && (!best || compare(version, best) > 0)) best = version;
    at = indexOf(binary, marker, at + marker.length);
  }
  return best?.join(".");
}

/** `2.17` at `from`, ended by a NUL as in a string table; anything else is not a version need. */
function readVersion(bytes: Uint8Array, from: number): number[] | undefined {
  let end = from;
  while (end < bytes.length && end - from < 12 && bytes[end] !== 0) end++;
  if (bytes[end] !== 0) return undefined;
  const text = new TextDecoder().decode(bytes.subarray(from, end));
  return /^\d+\.\d+(\.\d+)?$/.test(text) ? text.split(".").map(Number) : undefined;
}

function compare(a: number[], b: number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** Buffer's native search: a 100 MB binary is scanned in milliseconds. */
function indexOf(haystack: Uint8Array, needle: Uint8Array, from: number): number {
  return Buffer.from(haystack.buffer, haystack.byteOffset, haystack.byteLength).indexOf(needle, from);
}
