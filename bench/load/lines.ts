/** Splits a byte stream into newline-delimited text frames (TCP and stdio MCP). */
export function lineSplitter(onLine: (line: string) => void): (bytes: Uint8Array) => void {
  const decoder = new TextDecoder();
  let rest = "";
  return (bytes) => {
    const text = rest + decoder.decode(bytes, { stream: true });
    let start = 0;
    for (let nl = text.indexOf("\n"); nl >= 0; nl = text.indexOf("\n", start)) {
      if (nl > start) onLine(text.slice(start, nl));
      start = nl + 1;
    }
    rest = text.slice(start);
  };
}
