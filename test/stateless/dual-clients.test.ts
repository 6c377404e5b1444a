/**
 * Both eras at once against one running appliance (`erlmcp serve --http 127.0.0.1:0`): the
 * official v2 client (@modelcontextprotocol/client, pinned to 2026-07-28) and the official v1
 * client (@modelcontextprotocol/sdk, 2025-11-25) use tools, resources, prompts and the
 * user-input path concurrently; a wrapped fetch records the wire, so each client is shown to
 * have really spoken its own era.
 */
import { expect, test } from "bun:test";
import { fileURLToPath } from "node:url";
import { Client as ModernClient, StreamableHTTPClientTransport as ModernTransport } from "@modelcontextprotocol/client";
import { Client as LegacyClient } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport as LegacyTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { CreateMessageRequestSchema, ElicitRequestSchema, ListRootsRequestSchema } from "@modelcontextprotocol/sdk/types.js";
import { K, LEGACY, MODERN, type Msg } from "../fixtures/modern-client.ts";

const CLI = fileURLToPath(new URL("../../src/cli/main.ts", import.meta.url));

/** One HTTP exchange as the client's fetch saw it. */
interface Exchange {
  method: string;
  headers: Record<string, string>;
  body: Msg | undefined;
  status: number;
  sessionId: string | null;
}

/** A fetch that records every exchange into `log`. */
/** Every recorded fetch still waiting for its answer; the wire checks wait for them to settle. */
const inFlight = new Set<Promise<unknown>>();

function recording(log: Exchange[]): typeof fetch {
  const f = async (input: string | URL | Request, init?: RequestInit) => {
    const headers = Object.fromEntries([...new Headers(init?.headers).entries()].map(([k, v]) => [k.toLowerCase(), v]));
    const pending = fetch(input, init);
    inFlight.add(pending);
    try {
      const r = await pending;
      log.push({ method: init?.method ?? "GET", headers, body: typeof init?.body === "string" ? (JSON.parse(init.body) as Msg) : undefined, status: r.status, sessionId: r.headers.get("mcp-session-id") });
      return r;
    } finally {
      inFlight.delete(pending);
    }
  };
  return f as typeof fetch;
}

/** Starts the appliance on a free port; resolves with its MCP URL once the banner names it. */
async function startAppliance() {
  const proc = Bun.spawn([process.execPath, CLI, "serve", "--http", "127.0.0.1:0", "--profile", "everything", "--log-level", "warn"], {
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
    env: { ...process.env, ERLMCP_DYNAMIC_DELAY_MS: "86400000" },
  });
  let stderr = "";
  const decoder = new TextDecoder();
  const reader = proc.stderr.getReader();
  const deadline = Date.now() + 10_000;
  while (!/serving MCP on (http:\/\/\S+)/.test(stderr)) {
    if (Date.now() > deadline) throw new Error(`no banner within 10 s: ${stderr}`);
    const chunk = await Promise.race([reader.read(), Bun.sleep(deadline - Date.now()).then(() => ({ done: true, value: undefined }))]);
    if (chunk.done) throw new Error(`the appliance exited before its banner: ${stderr}`);
    stderr += decoder.decode(chunk.value, { stream: true });
  }
  reader.releaseLock();
  return { proc, url: new URL(/serving MCP on (http:\/\/\S+)/.exec(stderr)![1]!) };
}

test("the v2 client on 2026-07-28 and the v1 client on 2025-11-25 share one server at the same time", async () => {
  const { proc, url } = await startAppliance();
  const modernWire: Exchange[] = [];
  const legacyWire: Exchange[] = [];
  const modern = new ModernClient({ name: "v2-client", version: "2.0.0" }, { capabilities: { elicitation: {}, sampling: {}, roots: {} }, versionNegotiation: { mode: { pin: MODERN } } });
  const legacy = new LegacyClient({ name: "v1-client", version: "1.0.0" }, { capabilities: { elicitation: {}, sampling: {}, roots: {} } });
  // The v1 client's elicitation stays open until the v2 client has finished its own input
  // rounds, so the two eras are provably in flight together.
  let legacyAsked!: () => void;
  const legacyIsAsking = new Promise<void>((resolve) => (legacyAsked = resolve));
  let modernDone!: () => void;
  const modernFinished = new Promise<void>((resolve) => (modernDone = resolve));
  const asked = { modern: [] as string[], legacy: [] as string[] };

  modern.setRequestHandler("elicitation/create", async (req) => {
    asked.modern.push(`elicit:${req.params.message}`);
    const content: Record<string, string> = req.params.message.includes("color") ? { color: "green" } : { name: "Vera", context: "from v2" };
    return { action: "accept", content };
  });
  modern.setRequestHandler("sampling/createMessage", async () => {
    asked.modern.push("sample");
    return { role: "assistant", content: { type: "text", text: "hello from v2's model" }, model: "v2-model" };
  });
  modern.setRequestHandler("roots/list", async () => {
    asked.modern.push("roots");
    return { roots: [{ uri: "file:///v2/root", name: "v2" }] };
  });
  legacy.setRequestHandler(ElicitRequestSchema, async (req) => {
    asked.legacy.push(`elicit:${req.params.message}`);
    legacyAsked();
    await modernFinished;
    return { action: "accept", content: { name: "Lev" } };
  });
  legacy.setRequestHandler(CreateMessageRequestSchema, async () => {
    asked.legacy.push("sample");
    return { role: "assistant", content: { type: "text", text: "hello from v1's model" }, model: "v1-model" };
  });
  legacy.setRequestHandler(ListRootsRequestSchema, async () => {
    asked.legacy.push("roots");
    return { roots: [{ uri: "file:///v1/root", name: "v1" }] };
  });

  try {
    await Promise.all([
      modern.connect(new ModernTransport(url, { fetch: recording(modernWire) })),
      legacy.connect(new LegacyTransport(url, { fetch: recording(legacyWire) })),
    ]);
    expect([modern.getProtocolEra(), modern.getNegotiatedProtocolVersion(), legacy.getServerVersion()?.name]).toEqual(["modern", MODERN, "erlmcp"]);

    const legacyFlow = (async () => {
      const multi = await legacy.callTool({ name: "test_input_required_result_multiple_inputs", arguments: {} });
      const elicited = await legacy.callTool({ name: "test_elicitation", arguments: { message: "Who are you?" } });
      const tools = await legacy.listTools();
      const read = await legacy.readResource({ uri: "test://static-text" });
      const prompt = await legacy.getPrompt({ name: "test_prompt_with_arguments", arguments: { arg1: "a", arg2: "b" } });
      const sampled = await legacy.callTool({ name: "test_sampling", arguments: { prompt: "Hi" } });
      return { multi, elicited, tools, read, prompt, sampled };
    })();
    const modernFlow = (async () => {
      await legacyIsAsking;
      const multi = await modern.callTool({ name: "test_input_required_result_multiple_inputs", arguments: {} });
      const multiRound = await modern.callTool({ name: "test_input_required_result_multi_round", arguments: {} });
      const tools = await modern.listTools();
      const read = await modern.readResource({ uri: "test://stateless-static-text" });
      const prompt = await modern.getPrompt({ name: "test_input_required_result_prompt" });
      const region = await modern.callTool({ name: "test_header_param", arguments: { region: "eu-north" } });
      modernDone();
      return { multi, multiRound, tools, read, prompt, region };
    })();
    const [l, m] = await Promise.all([legacyFlow, modernFlow]);

    // What each client got: the same definitions, each era's shape.
    expect(m.multi.content).toEqual([{ type: "text", text: 'name="Vera"; greeting=hello from v2\'s model; roots=file:///v2/root' }]);
    expect(m.multiRound.content).toEqual([{ type: "text", text: "Vera likes green" }]);
    expect(m.prompt.messages).toEqual([{ role: "user", content: { type: "text", text: "Context from the user: from v2" } }]);
    expect(m.read.contents).toEqual([{ uri: "test://stateless-static-text", mimeType: "text/plain", text: "This is the content of the stateless static text resource." }]);
    expect(m.region.content).toEqual([{ type: "text", text: "region=eu-north" }]);
    expect(l.multi.content).toEqual([{ type: "text", text: 'name="Lev"; greeting=hello from v1\'s model; roots=file:///v1/root' }]);
    expect(l.elicited.content).toEqual([{ type: "text", text: 'User response: action=accept, content={"name":"Lev"}' }]);
    expect(l.sampled.content).toEqual([{ type: "text", text: "LLM response: hello from v1's model" }]);
    expect(l.read.contents).toEqual([{ uri: "test://static-text", mimeType: "text/plain", text: "This is the content of the static text resource." }]);
    expect(l.prompt.messages).toEqual([{ role: "user", content: { type: "text", text: "Prompt with arguments: arg1='a', arg2='b'" } }]);
    expect(m.tools.tools.map((t) => t.name)).toEqual(l.tools.tools.map((t) => t.name));
    expect(asked.modern).toEqual(["elicit:What is your name?", "sample", "roots", "elicit:Step 1: What is your name?", "elicit:Step 2: What is your favorite color?", "elicit:What context should the prompt include?"]);
    expect([...asked.legacy].sort()).toEqual(["elicit:What is your name?", "elicit:Who are you?", "roots", "sample", "sample"]);

    // A client answer (202) can still be on its way when the call it served has returned.
    await Promise.allSettled([...inFlight].filter((p) => p !== undefined));
    // The wire: v2 spoke 2026-07-28 (a claim on every request, no session, input_required retries) ...
    const modernRequests = modernWire.filter((e) => e.body?.method !== undefined);
    expect(modernWire.every((e) => e.method === "POST" && e.sessionId === null && e.headers["mcp-session-id"] === undefined)).toBe(true);
    expect(modernRequests.every((e) => e.body!.params?._meta?.[K.version] === MODERN && e.headers["mcp-protocol-version"] === MODERN)).toBe(true);
    expect(modernRequests.some((e) => e.body!.method === "initialize")).toBe(false);
    const retries = modernRequests.filter((e) => e.body!.params?.requestState !== undefined);
    expect(retries.map((e) => e.body!.method)).toEqual(["tools/call", "tools/call", "tools/call", "prompts/get"]);
    expect(retries.every((e) => e.body!.params.inputResponses !== undefined)).toBe(true);
    expect(modernRequests[0]!.body!.method).toBe("server/discover");
    expect(modernWire.find((e) => e.body?.params?.name === "test_header_param")!.headers["mcp-param-region"]).toBe("eu-north");

    // ... and v1 spoke 2025-11-25: initialize, one session id on every later request, answers POSTed back.
    expect(legacyWire[0]!.body).toMatchObject({ method: "initialize", params: { protocolVersion: LEGACY } });
    const sid = legacyWire[0]!.sessionId;
    expect(sid).toBeString();
    const later = legacyWire.slice(1).filter((e) => e.method === "POST");
    expect(later.length).toBeGreaterThan(8);
    expect(later.every((e) => e.headers["mcp-session-id"] === sid && e.headers["mcp-protocol-version"] === LEGACY)).toBe(true);
    expect(legacyWire.some((e) => e.body?.params?._meta?.[K.version] !== undefined)).toBe(false);
    expect(later.filter((e) => e.body && !("method" in e.body) && "result" in e.body).length).toBe(5);
    const health = (await (await fetch(new URL("/healthz", url))).json()) as Msg;
    // One session, whichever shard answers (a sharded appliance sums every shard's own).
    expect(health).toMatchObject({ status: "ok", sessions: 1 });
  } finally {
    modernDone();
    await Promise.allSettled([modern.close(), legacy.close()]);
    proc.kill("SIGTERM");
    expect(await proc.exited).toBe(0);
  }
}, 30_000);
