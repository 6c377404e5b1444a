/**
 * The names and payloads every benchmark target serves, so erlmcp and its peers answer the
 * same requests with the same bytes. Plain constants: the Node-side SDK servers import them too.
 */

/** The trivial tool of the tools/call workloads. */
export const ECHO_TOOL = "echo";
/** Tool that tells every subscriber of TICKER_URI it changed (the fan-out trigger). */
export const TOUCH_TOOL = "touch";
/** How many filler tools tools/list returns besides echo and touch (200 in all). */
export const FILLER_TOOLS = 198;
/** The 4 KB resource of the resources/read workload. */
export const BLOB_URI = "bench://4k";
/** The subscribable resource of the fan-out workload. */
export const TICKER_URI = "bench://ticker";
/** 4096 characters of text: the resources/read payload. */
export const BLOB_TEXT = "0123456789abcdef".repeat(256);

/** Description of filler tool i; realistic length so tools/list bytes resemble a real server. */
export function fillerDescription(i: number): string {
  return `Filler tool number ${i}: present so tools/list returns a realistically sized list of 200 tools.`;
}
