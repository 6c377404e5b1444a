/**
 * Connection floods at the limits: more connections than limits.maxConnectionsPerIp from one
 * address and than limits.maxConnections in all (from several loopback addresses). Past a
 * limit the server refuses precisely, naming it; it stays responsive; it recovers once the
 * flood goes away.
 */
import { connect, type Socket } from "node:net";
import { startAppliance } from "../lib/appliance.ts";
import { Ledger, formatCounts } from "../lib/ledger.ts";
import { startLoad } from "../lib/load.ts";
import { check, type Scenario } from "../lib/report.ts";

const PER_IP = 50;
const TOTAL = 200;

/** A flood connection: what the server said to it, and whether it closed it. */
interface FloodSocket {
  socket: Socket;
  said: string;
  closed: boolean;
}

function openFrom(localAddress: string, port: number, hello?: string): Promise<FloodSocket> {
  return new Promise((resolve) => {
    const f: FloodSocket = { socket: connect({ host: "127.0.0.1", port, localAddress }), said: "", closed: false };
    f.socket.on("data", (d) => (f.said += d.toString("utf8")));
    f.socket.on("close", () => (f.closed = true));
    f.socket.on("error", () => (f.closed = true));
    f.socket.once("connect", () => {
      if (hello) f.socket.write(hello);
      resolve(f);
    });
    f.socket.once("error", () => resolve(f));
  });
}

const upgrade = (port: number) =>
  `GET /ws HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${Buffer.from("chaos-flood-peer").toString("base64")}\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: mcp\r\n\r\n`;

/** The limit a refusal names, or undefined when the connection was accepted. */
function refusedBy(f: FloodSocket): string | undefined {
  return /limits\.maxConnections(PerIp)?/.exec(f.said)?.[0];
}

export const flood: Scenario = {
  name: "flood",
  invariant: "connections past limits.maxConnectionsPerIp / limits.maxConnections are refused naming the limit; the server stays responsive and recovers",
  async run(ctx) {
    const app = await startAppliance({ shards: 1, tcp: true, set: { "limits.maxConnections": TOTAL, "limits.maxConnectionsPerIp": PER_IP } });
    const open: FloodSocket[] = [];
    const healthMs: number[] = [];
    let probing = true;
    const prober = (async () => {
      while (probing) {
        const t = performance.now();
        const ok = await fetch(`http://127.0.0.1:${app.httpPort}/healthz`, { signal: AbortSignal.timeout(5000) }).then((r) => r.ok, () => false);
        healthMs.push(ok ? performance.now() - t : Number.POSITIVE_INFINITY);
        await Bun.sleep(100);
      }
    })();
    try {
      ctx.progress(`per IP: ${PER_IP + 10} TCP connections and 5 WebSocket upgrades from 127.0.0.1`);
      for (let i = 0; i < PER_IP + 10; i++) open.push(await openFrom("127.0.0.1", app.tcpPort!));
      // The server accepts after the kernel does: let it count the TCP flood before the upgrades come.
      await Bun.sleep(1000);
      const wsFromFull = await Promise.all(Array.from({ length: 5 }, () => openFrom("127.0.0.1", app.httpPort, upgrade(app.httpPort))));
      await Bun.sleep(1000);
      const perIpRefused = open.filter((f) => refusedBy(f) === "limits.maxConnectionsPerIp" && f.closed).length;
      const perIpAccepted = open.filter((f) => !f.closed).length;
      const wsStatus = wsFromFull.map((f) => f.said.split("\r\n")[0]).join("; ");
      const ws503 = wsFromFull.filter((f) => /^HTTP\/1\.1 503/.test(f.said) && /retry-after/i.test(f.said) && f.said.includes("limits.maxConnectionsPerIp")).length;

      ctx.progress(`total: ${TOTAL} more TCP connections from 127.0.0.2-5`);
      const others: FloodSocket[] = [];
      for (let a = 2; a <= 5; a++) for (let i = 0; i < PER_IP; i++) others.push(await openFrom(`127.0.0.${a}`, app.tcpPort!));
      open.push(...others);
      await Bun.sleep(Math.max(1000, ctx.seconds * 500));
      const totalRefused = others.filter((f) => refusedBy(f) === "limits.maxConnections" && f.closed).length;
      const acceptedNow = open.filter((f) => !f.closed).length;
      const unexplained = open.filter((f) => f.closed && !refusedBy(f)).length;

      ctx.progress("flood gone: can clients connect again?");
      for (const f of open) f.socket.destroy();
      for (const f of wsFromFull) f.socket.destroy();
      await Bun.sleep(500);
      const ledger = new Ledger();
      const load = startLoad(app, ledger, { transports: ["http", "ws", "tcp"], clientsPerTransport: 2, pauseMs: 20 });
      await Bun.sleep(1500);
      await load.stop();
      probing = false;
      await prober;
      const after = ledger.counts();
      const worstHealth = Math.max(...healthMs);
      return {
        figures: {
          "per-IP flood (127.0.0.1)": `${PER_IP + 10} TCP: ${perIpAccepted} accepted, ${perIpRefused} refused naming limits.maxConnectionsPerIp; WebSocket upgrades: ${ws503} of 5 got 503 + Retry-After naming it (${wsStatus})`,
          "total flood (127.0.0.2-5)": `${others.length} TCP more: ${totalRefused} refused naming limits.maxConnections; ${acceptedNow} connections held at once (limit ${TOTAL})`,
          "/healthz during the flood": `${healthMs.length} probes, worst ${Number.isFinite(worstHealth) ? `${worstHealth.toFixed(0)} ms` : "failed"}`,
          "after the flood": formatCounts(after),
        },
        notes: [open.find((f) => refusedBy(f))?.said.trim().slice(0, 200) ?? "no refusal seen"],
        checks: [
          check("per-IP limit refuses precisely", perIpRefused === 10 && perIpAccepted === PER_IP && ws503 === 5, `${perIpAccepted} accepted, ${perIpRefused} TCP refused, ${ws503}/5 WebSocket 503`),
          check("total limit refuses precisely", totalRefused === others.length - (TOTAL - PER_IP) && acceptedNow === TOTAL && unexplained === 0, `${totalRefused} refused, ${acceptedNow} held (limit ${TOTAL}), ${unexplained} closed without naming a limit`),
          check("stays responsive", Number.isFinite(worstHealth), `worst /healthz ${worstHealth.toFixed(0)} ms over ${healthMs.length} probes`),
          check("recovers", after.result > 0 && after.result === ledger.all().length, formatCounts(after)),
        ],
      };
    } finally {
      probing = false;
      await prober;
      for (const f of open) f.socket.destroy();
      await app.stop();
    }
  },
};
