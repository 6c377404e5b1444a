/**
 * The platform's ceiling: Bun answering the tools/call frame with the same result shape as
 * an MCP server, but with no MCP in between (parse JSON, build the reply, stringify).
 *   --http HOST:PORT   Bun.serve: POST any path → JSON reply; /ws upgrades to a WebSocket echo
 *   --tcp HOST:PORT    Bun.listen: newline-delimited JSON echo
 */
import { hostPort, readFlags } from "./args.ts";

interface Frame {
  id?: number | string;
  params?: { arguments?: { text?: string } };
}

/** The reply an MCP server gives to tools/call echo, built from the request. */
function reply(text: string): string {
  const frame = JSON.parse(text) as Frame;
  return JSON.stringify({ jsonrpc: "2.0", id: frame.id ?? null, result: { content: [{ type: "text", text: frame.params?.arguments?.text ?? "" }] } });
}

const flags = readFlags(process.argv.slice(2));
const stops: (() => void)[] = [];

for (const where of flags.get("http") ?? []) {
  const server = Bun.serve({
    ...hostPort(where),
    idleTimeout: 120,
    async fetch(request, srv) {
      if (new URL(request.url).pathname === "/ws") return srv.upgrade(request) ? undefined : new Response("upgrade failed", { status: 400 });
      if (request.method !== "POST") return Response.json({ status: "ok", sessions: 0 });
      return new Response(reply(await request.text()), { headers: { "content-type": "application/json" } });
    },
    websocket: {
      idleTimeout: 120,
      message(ws, message) {
        ws.send(reply(String(message)));
      },
    },
  });
  stops.push(() => server.stop(true));
}

for (const where of flags.get("tcp") ?? []) {
  // `unsent` holds what the kernel did not take yet; drain() writes it when it can.
  const listener = Bun.listen<{ rest: string; unsent: string }>({
    ...hostPort(where),
    socket: {
      open(socket) {
        socket.data = { rest: "", unsent: "" };
      },
      data(socket, bytes) {
        const lines = (socket.data.rest + bytes.toString()).split("\n");
        socket.data.rest = lines.pop()!;
        let out = "";
        for (const line of lines) if (line) out += reply(line) + "\n";
        if (!out) return;
        if (socket.data.unsent) socket.data.unsent += out;
        else {
          const written = socket.write(out);
          if (written < out.length) socket.data.unsent = Buffer.from(out).subarray(written).toString();
        }
      },
      drain(socket) {
        const out = socket.data.unsent;
        if (!out) return;
        const written = socket.write(out);
        socket.data.unsent = written < out.length ? Buffer.from(out).subarray(written).toString() : "";
      },
    },
  });
  stops.push(() => listener.stop(true));
}

const stop = () => {
  for (const s of stops) s();
  process.exit(0);
};
process.once("SIGTERM", stop);
process.once("SIGINT", stop);
