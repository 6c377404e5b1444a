import type { MaybePromise } from "../util/maybe-promise.ts";

/** One logged event: its sequence number in its stream and the serialised message. */
export interface StoredEvent {
  seq: number;
  data: string;
}

/**
 * The SSE event log that makes Streamable HTTP streams resumable (2025-11-25 transports
 * §resumability). Events are kept per stream; a stream key names the session and the
 * stream, and sequence numbers increase within a stream from 1.
 *
 * Every method may answer now or with a promise (a remote store); the in-memory and sqlite
 * stores answer now, so their callers never wait a turn. A store that answers later must
 * apply one caller's calls in the order they were made (one Redis connection pipelines in
 * order): a stream sends its events in append order and a replay sees every append made
 * before it.
 */
export interface EventStore {
  /** Appends one serialised message; returns its sequence number in the stream. */
  append(streamKey: string, data: string): MaybePromise<number>;
  /**
   * The events after `afterSeq`, oldest first, or null when the store no longer holds that
   * point (evicted or never written): the caller answers such a Last-Event-ID with 400.
   */
  replay(streamKey: string, afterSeq: number): MaybePromise<StoredEvent[] | null>;
  /** Forgets one stream. */
  dropStream(streamKey: string): MaybePromise<void>;
  /** Forgets every stream whose key starts with `prefix` (a session ending). */
  dropPrefix(prefix: string): MaybePromise<void>;
  /** Releases resources (closes a database or a connection). */
  close(): MaybePromise<void>;
}
