/**
 * Ids that name a place in the appliance (node, shard): each format encodes and decodes to
 * the same address, and anything malformed decodes to nothing, never to a wrong shard or a throw.
 */
import { describe, expect, test } from "bun:test";
import {
  addressOfEventId,
  addressOfLegacySession,
  addressOfRequestId,
  formatOwner,
  isSelf,
  legacySessionId,
  localShard,
  ownerShardHere,
  parseOwner,
  requestIds,
  streamPrefix,
} from "../../src/cluster/addresses.ts";
import { defaultNodeId, isNodeId, singleProcess, type ShardIdentity } from "../../src/cluster/shard.ts";

const shard = (node: string, index: number, count = 4, incarnation = "Xk2_a9Qz"): ShardIdentity => ({ node, index, count, incarnation, runDir: undefined });

/** Values no decoder may accept, whatever the format. */
const GARBAGE: [string, unknown][] = [
  ["undefined", undefined],
  ["null", null],
  ["a number", 17],
  ["an object", { node: "web-1", shard: 1 }],
  ["empty", ""],
  ["no shard", "web-1/.17"],
  ["no node", "/3.17"],
  ["no separator after the shard", "web-1/3"],
  ["a negative shard", "web-1/-3.17"],
  ["a shard with a leading zero", "web-1/03.17"],
  ["a shard past 999,999", "web-1/1000000.17"],
  ["a fractional shard", "web-1/3.5.17"],
  ["an upper-case node", "Web-1/3.17"],
  ["a node with a dot", "web.1/3.17"],
  ["a node starting with a hyphen", "-web/3.17"],
  ["a node ending with a hyphen", "web-/3.17"],
  ["a node of 33 characters", `${"a".repeat(33)}/3.17`],
  ["the former index.incarnation format", "3.Xk2_a9Qz"],
  ["the former s<shard>- stream prefix", "s3-g_17"],
  ["a newline", "web-1/3.17\n"],
  ["huge", `web-1/3.${"7".repeat(10_000)}`],
];

describe("owner hints: <node>/<shard>.<incarnation>", () => {
  test.each([
    ["web-1/0.Xk2_a9Qz", shard("web-1", 0)],
    ["a/3.-_AZaz09", shard("a", 3, 8, "-_AZaz09")],
    ["n0123456789abcdef0123456789abcde/255.Xk2_a9Qz", shard("n0123456789abcdef0123456789abcde", 255, 256)],
    ["big/4096.Xk2_a9Qz", shard("big", 4096, 10_000)],
  ])("%s is written for its shard and read back", (text, s) => {
    expect(formatOwner(s)).toBe(text);
    expect(parseOwner(text)).toEqual({ node: s.node, shard: s.index, incarnation: s.incarnation });
  });

  test.each([...GARBAGE, ["an incarnation with a dot", "web-1/3.ab.cd"], ["an incarnation of 23 characters", `web-1/3.${"a".repeat(23)}`]])(
    "%s is no owner",
    (_name, text) => {
      expect(parseOwner(text)).toBeUndefined();
    },
  );
});

describe("request ids the server sends: \"<node>/<shard>.<seq>\"", () => {
  test.each([
    ["web-1/0.1", shard("web-1", 0), 1],
    ["web-1/3.17", shard("web-1", 3), 17],
    [`x/999999.${Number.MAX_SAFE_INTEGER}`, shard("x", 999_999, 1_000_000), Number.MAX_SAFE_INTEGER],
  ])("%s is written for its shard and sequence, and routed back to them", (id, s, seq) => {
    const encoded = requestIds(s)(seq);
    expect(encoded).toBe(id);
    expect(addressOfRequestId(encoded)).toEqual({ node: s.node, shard: s.index });
  });

  test.each([
    ...GARBAGE,
    ["a plain number id, as a single process sends", 17],
    ["the former seq * 256 + shard", 17 * 256 + 3],
    ["a sequence 0", "web-1/3.0"],
    ["a sequence with a leading zero", "web-1/3.017"],
    ["a sequence past the safe integers", `web-1/3.${Number.MAX_SAFE_INTEGER + 2}`],
    ["a client's own string id", "req-42"],
  ])("%s names no shard", (_name, id) => {
    expect(addressOfRequestId(id)).toBeUndefined();
  });
});

describe("stream ids and 2024-11-05 session ids: <node>/<shard>.<tail>", () => {
  test("an event id of a shard's stream names that shard", () => {
    const s = shard("web-1", 2);
    for (const stream of ["g", "pm1x2k3x7"]) expect(addressOfEventId(`${streamPrefix(s)}${stream}_42`)).toEqual({ node: "web-1", shard: 2 });
  });

  test("a legacy session id names the shard holding its stream, and is fresh each time", () => {
    const s = shard("web-1", 5, 8);
    const a = legacySessionId(s);
    expect(addressOfLegacySession(a)).toEqual({ node: "web-1", shard: 5 });
    expect(legacySessionId(s)).not.toBe(a);
  });

  test.each([...GARBAGE, ["an unsharded stream", "g_42"], ["a bare uuid", crypto.randomUUID()], ["an empty tail", "web-1/3."]])("%s names no shard", (_name, id) => {
    expect(addressOfEventId(id)).toBeUndefined();
    expect(addressOfLegacySession(id)).toBeUndefined();
  });
});

describe("routing on this node", () => {
  const self = shard("web-1", 1, 4);

  test.each([
    ["one of this node's shards", { node: "web-1", shard: 3 }, 3],
    ["this shard", { node: "web-1", shard: 1 }, 1],
    ["a shard this node does not run", { node: "web-1", shard: 4 }, undefined],
    ["another node's shard", { node: "web-2", shard: 3 }, undefined],
    ["nothing", undefined, undefined],
  ])("%s: local shard %s", (_name, address, expected) => {
    expect(localShard(address, self)).toBe(expected);
  });

  test.each([
    ["its owner, when here", { node: "web-1", shard: 2, incarnation: "old" }, 2],
    ["the same number modulo the count, for a shard beyond it", { node: "web-1", shard: 6, incarnation: "old" }, 2],
    ["the same number modulo the count, for another node's", { node: "web-2", shard: 7, incarnation: "x" }, 3],
  ])("a session's stateful parts are kept by %s", (_name, owner, expected) => {
    expect(ownerShardHere(owner, self)).toBe(expected);
  });

  test("only the same node, shard and incarnation is this process", () => {
    expect(isSelf({ node: "web-1", shard: 1, incarnation: "Xk2_a9Qz" }, self)).toBe(true);
    expect(isSelf({ node: "web-1", shard: 1, incarnation: "before" }, self)).toBe(false);
    expect(isSelf({ node: "web-1", shard: 2, incarnation: "Xk2_a9Qz" }, self)).toBe(false);
    expect(isSelf({ node: "web-2", shard: 1, incarnation: "Xk2_a9Qz" }, self)).toBe(false);
  });
});

describe("node names", () => {
  test.each([
    ["web-1.example.com", "web-1"],
    ["DB01", "db01"],
    ["host_with_underscores", "host-with-underscores"],
    ["-edge-", "edge"],
    [`${"x".repeat(40)}.lan`, "x".repeat(32)],
  ])("the hostname %s gives the node %s", (host, node) => {
    expect(defaultNodeId(host)).toBe(node);
  });

  test("a hostname with nothing usable gives a random valid name", () => {
    const a = defaultNodeId("___.example");
    expect(isNodeId(a)).toBe(true);
    expect(defaultNodeId("")).not.toBe(a);
  });

  test("a single process is shard 0 of 1 of a valid node", () => {
    const s = singleProcess();
    expect(isNodeId(s.node)).toBe(true);
    expect(s).toMatchObject({ index: 0, count: 1 });
    expect(parseOwner(formatOwner(s))).toEqual({ node: s.node, shard: 0, incarnation: s.incarnation });
  });
});
