/**
 * Defects already known and being fixed elsewhere (issue 14, "Hardening"). A finding that
 * matches one is counted as known, so the smoke test fails only on new defects. Numbered as
 * the list of defects under repair; delete an entry once its fix has landed, and the
 * fuzzer then guards the fix.
 */
import type { Finding } from "./findings.ts";

/** A known defect and how to recognise its findings. */
export interface KnownDefect {
  id: string;
  title: string;
  matches(f: Finding): boolean;
}

const text = (f: Finding) => (f.input ? new TextDecoder().decode(f.input.subarray(0, 200_000)) : "");

export const KNOWN_DEFECTS: readonly KnownDefect[] = [
  {
    id: "K1",
    title: "2025-03-26 JSON-RPC batches over Streamable HTTP: answers lost or the POST hangs",
    matches: (f) => f.target.startsWith("http-session") && f.kind === "no-answer" && /^\s*\[/.test(text(f)),
  },
  {
    id: "K2",
    title: "subscriptions/listen with a huge resourceSubscriptions list",
    matches: (f) => /subscriptions\/listen/.test(text(f)) && (text(f).match(/test:\/\/template\//g)?.length ?? 0) > 1000,
  },
  {
    id: "K3",
    title: "huge client capabilities sealed into the 2025 session id",
    matches: (f) => /"initialize"/.test(text(f)) && f.input !== undefined && f.input.length > 8192 && /capabilities/.test(text(f)),
  },
  {
    id: "K4",
    title: "with shards, a session id naming a shard is trusted: 503 after retries",
    matches: (f) => f.target.endsWith("@shards") && f.kind === "http-5xx" && /\b503\b/.test(f.detail),
  },
  {
    id: "K5",
    title: "stdio: a slow reader of stdout stalls the session",
    matches: (f) => f.target === "stdio" && f.kind === "no-answer",
  },
];
