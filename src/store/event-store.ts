/**
 * The SSE event log that makes Streamable HTTP streams resumable (2025-11-25 transports
 * §resumability). Events are kept per stream; a stream key names the session and the
 * stream, and sequence numbers increase within a stream from 1.
 */
export interface EventStore {
  /** Appends one serialised message; returns its sequence number in the stream. */
  append(streamKey: string, data: string): number;
  /**
   * The events after `afterSeq`, oldest first, or null when the store no longer holds that
   * point (evicted or never written): the caller answers such a Last-Event-ID with 400.
   */
  replay(streamKey: string, afterSeq: number): { seq: number; data: string }[] | null;
  /** Forgets one stream. */
  dropStream(streamKey: string): void;
  /** Forgets every stream whose key starts with `prefix` (a session ending). */
  dropPrefix(prefix: string): void;
  /** Releases resources (closes a database). */
  close(): void;
}
