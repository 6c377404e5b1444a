/** Helpers for the child processes some contract tests run (blocked readers, slow consumers). */

/** Lines of a child's stdout, one at a time, each within a bounded wait. */
export function readLines(stream: ReadableStream<Uint8Array>) {
  const reader = stream.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  let pending: ReturnType<typeof reader.read> | undefined;
  return {
    async next(timeoutMs = 5000): Promise<string> {
      const deadline = Date.now() + timeoutMs;
      while (!buffer.includes("\n")) {
        const chunk = await Promise.race([(pending ??= reader.read()), Bun.sleep(Math.max(1, deadline - Date.now())).then(() => "timeout" as const)]);
        if (chunk === "timeout") throw new Error(`no line from the child within ${timeoutMs} ms; buffered: ${JSON.stringify(buffer)}`);
        pending = undefined;
        if (chunk.done) throw new Error(`the child's stdout ended; buffered: ${JSON.stringify(buffer)}`);
        buffer += decoder.decode(chunk.value, { stream: true });
      }
      const nl = buffer.indexOf("\n");
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      return line;
    },
  };
}
