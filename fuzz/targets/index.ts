/** Every fuzz target by name; "@shards" ones run against `erlmcp serve --shards N`. */
import { configTarget } from "./config.ts";
import { httpSessionTarget } from "./http-session.ts";
import { httpStatelessTarget } from "./http-stateless.ts";
import { legacySseTarget } from "./legacy-sse.ts";
import { stdioTarget } from "./stdio.ts";
import type { Target } from "./target.ts";
import { tcpTarget } from "./tcp.ts";
import { tokensTarget } from "./tokens.ts";
import { websocketTarget } from "./websocket.ts";

export const TARGETS: Record<string, () => Target> = {
  stdio: stdioTarget,
  tcp: () => tcpTarget(),
  websocket: websocketTarget,
  "http-session": () => httpSessionTarget(),
  "http-stateless": () => httpStatelessTarget(),
  "legacy-sse": legacySseTarget,
  tokens: () => tokensTarget(),
  config: configTarget,
  "http-session@shards": () => httpSessionTarget("http-session@shards"),
  "http-stateless@shards": () => httpStatelessTarget("http-stateless@shards"),
  "tokens@shards": () => tokensTarget("tokens@shards"),
  "tcp@shards": () => tcpTarget("tcp@shards"),
};
