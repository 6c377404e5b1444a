import type { Params } from "../jsonrpc/message.ts";
import type { Implementation, ServerCapabilities } from "../protocol/types.ts";
import type { ClientConnection } from "./connection.ts";
import type { RpcPeer, WireRequestOptions } from "./rpc.ts";

/** What the client knows about the server once connected. */
export interface ServerDescription {
  /** "session": an initialize handshake (2025-11-25 and earlier); "stateless": 2026-07-28, stateless. */
  era: "session" | "stateless";
  protocolVersion: string;
  capabilities: ServerCapabilities;
  serverInfo: Implementation | undefined;
  instructions: string | undefined;
  /** Modern: every version server/discover listed. */
  supportedVersions?: string[];
  /** The transport the connection ended up on (an HTTP URL may fall back to legacy HTTP+SSE). */
  transport: ClientConnection["kind"];
}

/** A connection and the JSON-RPC peer on it. */
export interface Wire {
  readonly conn: ClientConnection;
  readonly rpc: RpcPeer;
}

/** One era's way of sending requests; the client's methods are written once over it. */
export interface EraSession {
  readonly description: ServerDescription;
  request(method: string, params: Params | undefined, options?: WireRequestOptions): Promise<Params>;
  notify(method: string, params?: Params): Promise<void>;
}
