import { describe, expect, test } from "bun:test";
import { LineSplitter } from "../../src/transport/ndjson.ts";

const enc = new TextEncoder();

/** A splitter recording every line and oversize report. */
function recorder(maxLineBytes: number) {
  const lines: string[] = [];
  const oversize: number[] = [];
  const splitter = new LineSplitter(maxLineBytes, (l) => lines.push(l), (n) => oversize.push(n));
  return { splitter, lines, oversize };
}

/** Feeds `text` to a fresh splitter cut at every given byte offset. */
function feedCut(text: string, cuts: number[], maxLineBytes = 1024) {
  const r = recorder(maxLineBytes);
  const bytes = enc.encode(text);
  let from = 0;
  for (const at of [...cuts, bytes.length]) {
    r.splitter.push(bytes.slice(from, at));
    from = at;
  }
  return r;
}

describe("LineSplitter", () => {
  test("one chunk with several lines delivers each, in order", () => {
    const r = feedCut('{"a":1}\n{"b":2}\n{"c":3}\n', []);
    expect(r.lines).toEqual(['{"a":1}', '{"b":2}', '{"c":3}']);
    expect(r.oversize).toEqual([]);
  });

  test("a line split across chunks at every possible byte arrives whole", () => {
    const text = '{"jsonrpc":"2.0","id":1,"method":"ping"}\n';
    const n = enc.encode(text).length;
    expect.assertions(n - 1);
    for (let cut = 1; cut < n; cut++) expect(feedCut(text, [cut]).lines).toEqual([text.slice(0, -1)]);
  });

  test("a line delivered one byte per chunk arrives whole", () => {
    const text = '{"k":"v"}\n';
    const r = feedCut(text, Array.from({ length: enc.encode(text).length - 1 }, (_, i) => i + 1));
    expect(r.lines).toEqual(['{"k":"v"}']);
  });

  test("multi-byte UTF-8 split inside a character at every offset decodes intact", () => {
    const text = '{"t":"é€😀中"}\n';
    const n = enc.encode(text).length;
    expect.assertions(2 * (n - 1));
    for (let cut = 1; cut < n; cut++) {
      const r = feedCut(text, [cut]);
      expect(r.lines).toEqual(['{"t":"é€😀中"}']);
      expect(r.lines[0]!.includes("\uFFFD")).toBe(false);
    }
  });

  test("a character split over three chunks decodes intact", () => {
    const text = '"😀"\n';
    expect(feedCut(text, [2, 3, 4]).lines).toEqual(['"😀"']);
  });

  test("CRLF endings are stripped, also when CR and LF arrive in different chunks", () => {
    expect(feedCut('{"a":1}\r\n{"b":2}\r\n', []).lines).toEqual(['{"a":1}', '{"b":2}']);
    expect(feedCut('{"a":1}\r\n', [8]).lines).toEqual(['{"a":1}']);
  });

  test("blank and whitespace-only lines are ignored", () => {
    const r = feedCut('\n\n{"a":1}\n   \n\r\n\t\n{"b":2}\n\n', []);
    expect(r.lines).toEqual(['{"a":1}', '{"b":2}']);
    expect(r.oversize).toEqual([]);
  });

  test("an unterminated line waits for its newline, and end() delivers it", () => {
    const r = feedCut('{"a":1}\n{"b"', []);
    expect(r.lines).toEqual(['{"a":1}']);
    r.splitter.push(enc.encode(":2}"));
    expect(r.lines).toEqual(['{"a":1}']);
    r.splitter.end();
    expect(r.lines).toEqual(['{"a":1}', '{"b":2}']);
  });

  test("end() with nothing buffered delivers nothing", () => {
    const r = feedCut('{"a":1}\n', []);
    r.splitter.end();
    expect(r.lines).toEqual(['{"a":1}']);
    expect(r.oversize).toEqual([]);
  });

  test("a line of exactly maxLineBytes is delivered", () => {
    const line = "x".repeat(64);
    expect(feedCut(line + "\n", [], 64).lines).toEqual([line]);
  });

  test("a line of exactly maxLineBytes with a CRLF ending is delivered (the CR is framing, not message)", () => {
    const line = "x".repeat(64);
    const r = feedCut(line + "\r\n", [], 64);
    expect(r.lines).toEqual([line]);
    expect(r.oversize).toEqual([]);
  });

  test("a line one byte over maxLineBytes is oversize, split or not", () => {
    const line = "x".repeat(65);
    expect(feedCut(line + "\nok\n", [], 64)).toMatchObject({ lines: ["ok"], oversize: [65] });
    expect(feedCut(line + "\nok\n", [40], 64)).toMatchObject({ lines: ["ok"], oversize: [65] });
    expect(feedCut(line + "\r\nok\n", [], 64)).toMatchObject({ lines: ["ok"], oversize: [66] });
  });

  test("an oversize line is discarded, reported once with its size, and the next line still arrives", () => {
    const big = "y".repeat(100);
    const r = feedCut(`{"a":1}\n${big}\n{"b":2}\n`, [], 64);
    expect(r.lines).toEqual(['{"a":1}', '{"b":2}']);
    expect(r.oversize).toEqual([100]);
  });

  test("an oversize line spread over many chunks is reported once, with its total size", () => {
    const r = recorder(64);
    r.splitter.push(enc.encode('{"a":1}\n' + "z".repeat(50)));
    for (let i = 0; i < 20; i++) r.splitter.push(enc.encode("z".repeat(50)));
    expect(r.oversize).toEqual([]);
    r.splitter.push(enc.encode('zz\n{"b":2}\n'));
    expect(r.lines).toEqual(['{"a":1}', '{"b":2}']);
    expect(r.oversize).toEqual([21 * 50 + 2]);
  });

  test("two oversize lines in a row are reported separately", () => {
    const r = feedCut("a".repeat(70) + "\n" + "b".repeat(80) + "\nok\n", [30, 100], 64);
    expect(r.oversize).toEqual([70, 80]);
    expect(r.lines).toEqual(["ok"]);
  });

  test("an oversize multi-byte line is measured in bytes, not characters", () => {
    const r = feedCut("€".repeat(30) + "\n" + "€".repeat(21) + "\n", [], 64);
    expect(r.oversize).toEqual([90]);
    expect(r.lines).toEqual(["€".repeat(21)]);
  });

  test("an oversize line cut off by end of input is reported once", () => {
    const r = feedCut("q".repeat(100), [], 64);
    expect(r.oversize).toEqual([]);
    r.splitter.end();
    expect(r.oversize).toEqual([100]);
    expect(r.lines).toEqual([]);
  });

  test("the caller may overwrite its chunk right after push (transports reuse read buffers)", () => {
    const r = recorder(1024);
    const buffer = new Uint8Array(64);
    const feed = (text: string) => {
      const bytes = enc.encode(text);
      buffer.set(bytes);
      r.splitter.push(buffer.subarray(0, bytes.length));
      buffer.fill(0x41); // "A": scribble over what was pushed
    };
    feed('{"first":');
    feed('"half"');
    feed('}\n{"second"');
    feed(":2}\n");
    expect(r.lines).toEqual(['{"first":"half"}', '{"second":2}']);
  });
});
