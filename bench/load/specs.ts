/**
 * Turns "N connections of transport T to target X" into one ClientSpec per connection,
 * spreading them over source addresses 127.0.0.1..127.0.0.S: each source address has its own
 * ephemeral-port range, so S sources allow S × ~28,000 connections to one server port.
 */
import type { RunningTarget } from "../servers/targets.ts";
import type { ClientSpec, Transport } from "./client.ts";
import type { Era } from "./mcp.ts";

/** The loopback source addresses to use: none (kernel's choice) when `count` ≤ 1. */
export function loopbackSources(count: number): string[] {
  return count <= 1 ? [] : Array.from({ length: count }, (_, i) => `127.0.0.${i + 1}`);
}

/** One spec per connection. */
export function specsFor(target: RunningTarget, transport: Transport, era: Era, count: number, sources: string[] = []): ClientSpec[] {
  if (transport === "stdio") {
    if (!target.stdioCommand) throw new Error(`${target.name} does not serve stdio`);
    return Array.from({ length: count }, () => ({ transport, endpoint: { host: "", port: 0 }, path: "", era, command: target.stdioCommand }));
  }
  const surface = target.surfaces[transport];
  if (!surface) throw new Error(`${target.name} does not serve ${transport}`);
  return Array.from({ length: count }, (_, i) => ({
    transport,
    era,
    path: surface.path,
    endpoint: { host: surface.host, port: surface.port, ...(sources.length ? { source: sources[i % sources.length] } : {}) },
  }));
}
