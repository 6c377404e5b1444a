import { WireCode } from "../jsonrpc/codes.ts";
import { decodeFrame } from "../jsonrpc/decode.ts";
import { errorResponse } from "../jsonrpc/message.ts";
import { Session } from "../session/session.ts";
import type { McpServer } from "../server/server.ts";
import type { Channel } from "../transport/channel.ts";

/** How long a half-closed connection may take to finish the work in flight (ms). */
export const DEFAULT_DRAIN_MS = 10_000;

/**
 * Binds a stream channel (stdio, TCP, WebSocket) to a new session: frames are decoded under
 * the server's limits and handed to the session; the session's messages are serialised onto
 * the channel. Either side closing closes the other.
 */
export function attachChannel(server: McpServer, channel: Channel, opts: { id?: string; drainMs?: number; onClose?: (s: Session) => void } = {}): Session {
  const session = new Session(
    server,
    {
      send: (message) => void channel.send(JSON.stringify(message)),
      close: (reason) => channel.close(reason),
    },
    { id: opts.id, onClose: opts.onClose },
  );
  const limits = server.limits;
  channel.onFrame((frame) => session.receive(decodeFrame(frame, limits)));
  channel.onClose((reason) => session.close(reason));
  channel.onInputEnd?.(() => {
    session.drain(opts.drainMs ?? DEFAULT_DRAIN_MS).then(() => channel.close("input ended"));
  });
  return session;
}

/** The frame answering a line longer than limits.maxMessageBytes. */
export function oversizeFrame(limit: number, bytes: number): string {
  return JSON.stringify(
    errorResponse(null, {
      code: WireCode.InvalidRequest,
      message: `Invalid Request: message of ${bytes} bytes exceeds limits.maxMessageBytes (${limit} bytes)`,
    }),
  );
}
