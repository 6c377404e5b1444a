/** The client's SSE parser (WHATWG event-stream rules), fed in every chunking. */
import { describe, expect, test } from "bun:test";
import { SseReader, type SseEvent } from "../../src/client/sse-reader.ts";

/** A body that delivers `chunks` one read at a time. */
function body(chunks: string[]): ReadableStream<Uint8Array> {
  const enc = new TextEncoder();
  return new ReadableStream({
    start(c) {
      for (const chunk of chunks) c.enqueue(enc.encode(chunk));
      c.close();
    },
  });
}

async function readAll(chunks: string[], max = 1 << 20): Promise<SseEvent[]> {
  const reader = new SseReader(body(chunks), max);
  const out: SseEvent[] = [];
  for (let e = await reader.next(); e !== null; e = await reader.next()) out.push(e);
  return out;
}

/** Every way of cutting `text` in two, plus one chunk per character. */
const cuts = (text: string): string[][] => [[text], [...text], ...Array.from({ length: text.length - 1 }, (_, i) => [text.slice(0, i + 1), text.slice(i + 1)])];

describe("SseReader", () => {
  test.each([
    ["one event", "event: message\ndata: {\"a\":1}\n\n", [{ event: "message", data: '{"a":1}' }]],
    ["a priming event: an id and empty data", "id: s_0\nretry: 500\ndata: \n\n", [{ id: "s_0", retry: 500, data: "" }]],
    ["a bare retry hint", "retry: 1000\n\n", [{ retry: 1000 }]],
    ["CRLF and CR line ends", "id: 1\r\ndata: a\r\n\r\ndata: b\r\rdata: c\n\n", [{ id: "1", data: "a" }, { data: "b" }, { data: "c" }]],
    ["data lines join with LF", "data: one\ndata: two\n\n", [{ data: "one\ntwo" }]],
    ["comments are skipped, comment-only blocks yield nothing", ": keep-alive\n\n: x\ndata: y\n\n", [{ data: "y" }]],
    ["no space after the colon, and a field without a colon", "data:x\ndata\n\n", [{ data: "x\n" }]],
    ["a retry that is not a number is ignored", "retry: soon\ndata: z\n\n", [{ data: "z" }]],
    ["unknown fields are ignored", "foo: bar\ndata: q\n\n", [{ data: "q" }]],
    ["an event cut off by the end of the body is dropped", "data: done\n\ndata: cut", [{ data: "done" }]],
  ] as [string, string, SseEvent[]][])("%s", async (_name, text, expected) => {
    for (const chunks of cuts(text)) expect(await readAll(chunks)).toEqual(expected);
  });

  test("an event longer than the limit without ending is a protocol violation", async () => {
    await expect(readAll(["data: " + "x".repeat(100)], 50)).rejects.toMatchObject({
      code: "peer_protocol_violation",
      message: "the server sent an SSE event longer than maxMessageBytes (50) without ending it",
    });
  });
});
