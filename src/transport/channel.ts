/**
 * The one interface every transport presents: frames of text in and out. Transports turn
 * bytes into frames and back; they know nothing of JSON-RPC semantics, sessions or features.
 */
export interface Channel {
  /** Sends one frame. Returns false when the peer is not keeping up (backpressure). */
  send(frame: string): boolean;
  /** Registers the receiver of inbound frames (one per channel). */
  onFrame(handler: (frame: string) => void): void;
  /** Registers what to do once the channel has closed, from either side. */
  onClose(handler: (reason: string) => void): void;
  /**
   * Registers what to do when the peer stops sending but can still receive (stdin EOF, TCP
   * half-close): typically finish the work in flight, then close. Without a handler the
   * channel closes at once.
   */
  onInputEnd?(handler: () => void): void;
  /** Closes the channel; idempotent. */
  close(reason?: string): void;
  readonly closed: boolean;
}

/** What a line-framed transport does with a line longer than the frame limit. */
export type OversizeHandler = (bytes: number) => void;
