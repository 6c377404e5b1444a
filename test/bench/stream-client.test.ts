import { describe, expect, test } from "bun:test";
import { successId } from "../../bench/load/stream-client.ts";

describe("the load generator's answer shortcut", () => {
  test("reads the id of a plain success", () => {
    expect(successId('{"jsonrpc":"2.0","id":42,"result":{"content":[{"type":"text","text":"hello"}]}}')).toBe(42);
    expect(successId('{"jsonrpc":"2.0","id":7,"result":{}}')).toBe(7);
  });

  test("leaves everything else to JSON.parse", () => {
    for (const text of [
      '{"jsonrpc":"2.0","id":42,"error":{"code":-32602,"message":"bad"}}',
      '{"jsonrpc":"2.0","id":42,"result":{"content":[],"isError":true}}',
      // "isError" anywhere, even as text, is left to the parser
      '{"jsonrpc":"2.0","id":42,"result":{"content":[{"type":"text","text":"isError"}]}}',
      '{"jsonrpc":"2.0","id":42,"result":{"content":[],"isError":false}}',
      '{"id":42,"jsonrpc":"2.0","result":{}}',
      '{"jsonrpc":"2.0","id":"a","result":{}}',
      '{"jsonrpc":"2.0","id":,"result":{}}',
      '{"jsonrpc":"2.0","id":42,"result":',
      '{"jsonrpc":"2.0","method":"notifications/progress","params":{}}',
      '{"jsonrpc":"2.0","id":1234567890123456789,"result":{}}',
    ])
      expect(successId(text)).toBeUndefined();
  });
});
