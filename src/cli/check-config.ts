import type { Config } from "../config/schema.ts";
import { listenAddresses } from "./preflight.ts";

/**
 * The one line `erlmcp check-config` prints for a valid config: "ok: " and what it would
 * serve. It checks values only: it binds nothing and opens no store, so it can vet a new
 * file while the running appliance holds the port.
 */
export function configSummary(config: Config): string {
  const serves = [
    ...(config.stdio.enabled ? ["stdio"] : []),
    ...listenAddresses(config).map(({ key, address }) => `${key.split(".")[0]} on ${address}`),
  ];
  const e = config.events;
  const s = config.stores;
  return [
    `ok: profile ${config.server.profile}`,
    `serves ${serves.length ? serves.join(", ") : "nothing (no transport is enabled)"}`,
    `shards: ${config.cluster.shards === 0 ? "one per CPU core" : config.cluster.shards}`,
    `events: ${e.store}${e.store === "sqlite" ? ` ${JSON.stringify(e.path)}` : ""}`,
    `stores: tasks ${s.tasks}, revocations ${s.revocations}${s.tasks === "sqlite" || s.revocations === "sqlite" ? ` ${JSON.stringify(s.path)}` : ""}`,
  ].join("; ");
}
